-- ========================================================================
-- payment terms as a rule of their own (issue 15 §1; doc/invoicing.md
-- "Payment terms")
-- ========================================================================
--
-- When a bill falls due is the program's rule, or a reseller's where the
-- vendor grants it one:
--
--   {"rule": "net", "days": N}            N days after the bill is issued
--                                         (GroupDocs: net 30 from the order)
--   {"rule": "end_of_following_month"}    the last day of the month after the
--                                         month billed (Google: January's
--                                         service is paid on the last day of
--                                         February)
--
-- A program without the setting "payment_terms" keeps net
-- payment_terms_days, as before.  The rule dates month-end invoices, the
-- provider's invoices to its indirect resellers, licence orders on credit
-- and late interest; the aging and late interest read those due dates.

ALTER TABLE reseller_billing.reseller ADD COLUMN payment_terms jsonb;
COMMENT ON COLUMN reseller_billing.reseller.payment_terms IS
    'the payment terms the vendor granted this reseller ({"rule": "net", "days": N} or {"rule": "end_of_following_month"}); NULL: the program''s';

-- functions ----------------------------------------------------------------

-- payment_terms_check: a rule the functions below understand, or 22023.
CREATE FUNCTION reseller_billing.payment_terms_check(p_terms jsonb, p_whose text) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    days    int;
BEGIN
    IF p_terms IS NULL THEN
        RETURN NULL;
    END IF;
    IF jsonb_typeof(p_terms) <> 'object' OR NOT (p_terms ? 'rule')
       OR p_terms ->> 'rule' NOT IN ('net', 'end_of_following_month')
       OR EXISTS (SELECT FROM jsonb_object_keys(p_terms) k WHERE k NOT IN ('rule', 'days')) THEN
        RAISE EXCEPTION 'payment terms of % must be {"rule": "net", "days": N} or {"rule": "end_of_following_month"}', p_whose
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', p_terms);
    END IF;
    IF p_terms ->> 'rule' = 'end_of_following_month' THEN
        IF p_terms ? 'days' THEN
            RAISE EXCEPTION 'payment terms of %: the rule end_of_following_month takes no days', p_whose
                USING ERRCODE = 'invalid_parameter_value', DETAIL = format('%s was given.', p_terms);
        END IF;
        RETURN p_terms;
    END IF;
    IF jsonb_typeof(p_terms -> 'days') IS DISTINCT FROM 'number' THEN
        RAISE EXCEPTION 'payment terms of %: the rule net needs its days', p_whose
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('%s was given.', p_terms);
    END IF;
    BEGIN
        days := (p_terms ->> 'days')::int;
    EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range THEN
        days := -1;
    END;
    IF days NOT BETWEEN 0 AND 366 OR (p_terms ->> 'days') !~ '^[0-9]+$' THEN
        RAISE EXCEPTION 'payment terms of %: net days must be a whole number from 0 to 366', p_whose
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('%s was given.', p_terms);
    END IF;
    RETURN p_terms;
END $$;
COMMENT ON FUNCTION reseller_billing.payment_terms_check(jsonb, text) IS
    'internal: the payment terms if they are a rule of their own (net N days, end of the following month), else 22023';

-- program_payment_terms: a program's rule (net payment_terms_days without
-- the setting), from its settings and payment_terms_days.  The rules call
-- this form: on a Citus worker a program row has its shard's row type,
-- which the form taking a program row does not accept.
CREATE FUNCTION reseller_billing.program_payment_terms(p_settings jsonb, p_days int) RETURNS jsonb
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT coalesce(p_settings -> 'payment_terms', jsonb_build_object('rule', 'net', 'days', p_days))
$$;
COMMENT ON FUNCTION reseller_billing.program_payment_terms(jsonb, int) IS
    'a program''s payment terms from its settings and payment_terms_days: the setting payment_terms, else net payment_terms_days';

CREATE FUNCTION reseller_billing.program_payment_terms(p reseller_billing.program) RETURNS jsonb
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
    SELECT reseller_billing.program_payment_terms(p.settings, p.payment_terms_days)
$$;
COMMENT ON FUNCTION reseller_billing.program_payment_terms(reseller_billing.program) IS
    'a program''s payment terms: its setting payment_terms, else net payment_terms_days';

-- payment_terms: the rule a reseller's bills fall due by.
CREATE FUNCTION reseller_billing.payment_terms(p_reseller bigint) RETURNS jsonb
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN (
    SELECT coalesce(r.payment_terms, reseller_billing.program_payment_terms(p.settings, p.payment_terms_days))
      FROM reseller_billing.reseller r JOIN reseller_billing.program p ON p.program_id = r.program_id
     WHERE r.reseller_id = p_reseller
    );
END
$$;
COMMENT ON FUNCTION reseller_billing.payment_terms(bigint) IS
    'the payment terms of a reseller: the ones granted to it, else its program''s';

-- due_date: when a bill for what was billed up to p_billed (the month's last
-- day, or an order's date) and issued on p_issued falls due.
CREATE FUNCTION reseller_billing.due_date(p_billed date, p_issued date, p_terms jsonb) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, reseller_billing, pg_temp
    RETURN CASE p_terms ->> 'rule'
               WHEN 'end_of_following_month'
               THEN (date_trunc('month', p_billed::timestamp) + interval '2 months' - interval '1 day')::date
               ELSE p_issued + (p_terms ->> 'days')::int END;
COMMENT ON FUNCTION reseller_billing.due_date(date, date, jsonb) IS
    'the due date of a bill for what was billed up to a day, issued on a day, under payment terms';

-- the terms are checked where they are written
CREATE FUNCTION reseller_billing.payment_terms_input() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF reseller_billing.table_name(TG_RELID) = 'program' THEN
        PERFORM reseller_billing.payment_terms_check(NEW.settings -> 'payment_terms', format('program "%s"', NEW.code));
    ELSE
        PERFORM reseller_billing.payment_terms_check(NEW.payment_terms, format('reseller %s', NEW.reseller_id));
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION reseller_billing.payment_terms_input() IS
    'trigger: payment terms of a program (settings.payment_terms) or a reseller are a rule of their own (22023)';
CREATE TRIGGER program_terms_input BEFORE INSERT OR UPDATE OF settings ON reseller_billing.program
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.payment_terms_input();
CREATE TRIGGER reseller_terms_input BEFORE INSERT OR UPDATE OF payment_terms ON reseller_billing.reseller
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.payment_terms_input();
ALTER FUNCTION reseller_billing.payment_terms_input() SECURITY DEFINER;
REVOKE EXECUTE ON FUNCTION reseller_billing.payment_terms_input() FROM PUBLIC;

-- set_payment_terms: a program's terms, or (p_reseller) the terms granted to
-- one reseller; a NULL rule for a reseller gives it its program's again.
CREATE FUNCTION reseller_billing.set_payment_terms(p_program bigint, p_rule text, p_days int DEFAULT NULL,
                                                   p_reseller bigint DEFAULT NULL)
    RETURNS jsonb
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    terms   jsonb := CASE WHEN p_rule IS NULL THEN NULL
                          ELSE jsonb_strip_nulls(jsonb_build_object('rule', p_rule, 'days', p_days)) END;
BEGIN
    IF p_reseller IS NULL THEN
        IF terms IS NULL THEN
            RAISE EXCEPTION 'a program''s payment terms need a rule' USING ERRCODE = 'null_value_not_allowed';
        END IF;
        UPDATE reseller_billing.program p SET settings = p.settings || jsonb_build_object('payment_terms', terms)
         WHERE p.program_id = p_program;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'program % does not exist', p_program USING ERRCODE = 'no_data_found';
        END IF;
        RETURN terms;
    END IF;
    UPDATE reseller_billing.reseller r SET payment_terms = terms
     WHERE r.reseller_id = p_reseller AND r.program_id = p_program;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'reseller % of program % does not exist', p_reseller, p_program USING ERRCODE = 'no_data_found';
    END IF;
    RETURN reseller_billing.payment_terms(p_reseller);
END $$;
COMMENT ON FUNCTION reseller_billing.set_payment_terms(bigint, text, int, bigint) IS
    'admin: sets a program''s payment terms (net N days, end of the following month), or grants a reseller its own (NULL rule: the program''s again); returns the terms in force';
REVOKE EXECUTE ON FUNCTION reseller_billing.set_payment_terms(bigint, text, int, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.set_payment_terms(bigint, text, int, bigint) TO reseller_billing_admin;

-- the writers of due dates, reading the rule (0.3.0's versions of 0.2.0's
-- functions; each change is the due date alone) ------------------------------

-- reseller_billing.issue_invoices(bigint,bigint[],bigint[])
CREATE OR REPLACE FUNCTION reseller_billing.issue_invoices(p_program bigint, p_invoices bigint[], p_resellers bigint[])
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    n       int := coalesce(array_length(p_invoices, 1), 0);
    last    bigint;
    pterms  jsonb;
BEGIN
    IF n = 0 THEN
        RETURN 0;
    END IF;
    INSERT INTO reseller_billing.invoice_counter (program_id) VALUES (p_program) ON CONFLICT DO NOTHING;
    UPDATE reseller_billing.invoice_counter c SET last_number = c.last_number + n
     WHERE c.program_id = p_program
    RETURNING c.last_number INTO last;
    SELECT reseller_billing.program_payment_terms(pg.settings, pg.payment_terms_days) INTO pterms FROM reseller_billing.program pg WHERE pg.program_id = p_program;
    -- an invoice that credits and money already received settle in full is
    -- paid as soon as it is issued
    UPDATE reseller_billing.invoice i
       SET status = CASE WHEN reseller_billing.sign(i.total - i.credited - i.paid) <= 0 THEN 'paid' ELSE 'issued' END,
           invoice_number = last - n + x.ord,
           issued_on = reseller_billing.period_end(i.period),
           due_on = reseller_billing.due_date(reseller_billing.period_end(i.period) - 1, reseller_billing.period_end(i.period),
                                              coalesce(r.payment_terms, pterms))
      FROM unnest(p_invoices, p_resellers) WITH ORDINALITY AS x(invoice_id, reseller_id, ord)
      JOIN reseller_billing.reseller r ON r.reseller_id = x.reseller_id
     WHERE i.reseller_id = x.reseller_id AND i.invoice_id = x.invoice_id AND i.status = 'draft';
    -- an invoice whose total is below zero (adjustments larger than what the
    -- month bills) leaves the reseller in credit: that balance becomes a
    -- credit the next closes apply, never cash
    INSERT INTO reseller_billing.credit (reseller_id, amount, remaining, reason, eligibility)
    SELECT i.reseller_id, -i.total, -i.total,
           format('credit balance of invoice %s (%s)', i.invoice_number, i.period), '{}'
      FROM unnest(p_invoices, p_resellers) AS x(invoice_id, reseller_id)
      JOIN reseller_billing.invoice i ON i.reseller_id = x.reseller_id AND i.invoice_id = x.invoice_id
     WHERE reseller_billing.sign(i.total) < 0
     ORDER BY i.invoice_number;
    RETURN n;
END $function$;

-- reseller_billing.channel_close(reseller_billing.billing_period,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.channel_close(p_period reseller_billing.billing_period, p_program bigint)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg      reseller_billing.program;
    prov    record;
    ids     bigint[];
    rids    bigint[];
    dr      record;
    last    bigint;
    n       int;
    written int := 0;
BEGIN
    IF NOT reseller_billing.is_csp_program(p_program)
       OR EXISTS (SELECT FROM reseller_billing.period_close c WHERE c.program_id = p_program AND c.period = p_period) THEN
        RETURN 0;
    END IF;
    SELECT * INTO pg FROM reseller_billing.program p WHERE p.program_id = p_program;
    IF to_regclass('pg_temp.rb_channel_lines') IS NULL THEN
        CREATE TEMP TABLE rb_channel_lines (
        end_reseller_id bigint, currency text, kind text, subscription_id bigint, customer_id bigint, sku_id bigint,
        description text, quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount,
        wholesale_unit_price reseller_billing.amount, wholesale_amount reseller_billing.amount,
        service_period reseller_billing.billing_period, service daterange, tranche_id bigint, charge_id bigint,
        invoice_id bigint, line_no int
        ) ON COMMIT DROP;
        CREATE TEMP TABLE rb_channel_late (
        reseller_id bigint, subscription_id bigint, service_period reseller_billing.billing_period, row_version xid
        ) ON COMMIT DROP;
    END IF;
    FOR prov IN
        SELECT r.reseller_id, r.name FROM reseller_billing.reseller r
         WHERE r.program_id = p_program AND r.tier = 'indirect_provider'
           AND NOT EXISTS (SELECT FROM reseller_billing.invoice i
                            WHERE i.reseller_id = r.reseller_id AND i.period = p_period)
         ORDER BY r.reseller_id
    LOOP
        TRUNCATE rb_channel_lines, rb_channel_late;
        -- the late changes billed now, with their row versions (as close_chunk)
        INSERT INTO rb_channel_late
        SELECT lc.reseller_id, lc.subscription_id, lc.service_period, lc.xmin
          FROM reseller_billing.late_change lc
         WHERE lc.service_period < p_period
           AND (lc.reseller_id = prov.reseller_id
                OR lc.reseller_id IN (SELECT p.reseller_id FROM reseller_billing.provider_partnership p
                                        JOIN reseller_billing.reseller x ON x.reseller_id = p.reseller_id
                                       WHERE p.provider_id = prov.reseller_id AND x.tier = 'indirect_reseller'));
        -- the provider's own customers, at its price from the vendor
        INSERT INTO rb_channel_lines
        SELECT NULL, d.currency, d.kind, d.subscription_id, d.customer_id, d.sku_id, d.description, d.quantity,
               NULL, NULL, d.unit_price, d.amount, d.service_period, d.service, d.tranche_id, d.charge_id
          FROM reseller_billing.due_lines(p_period, p_program, prov.reseller_id, prov.reseller_id) d;
        -- each indirect reseller's customers: wholesale and the provider's price
        INSERT INTO rb_channel_lines
        SELECT x.reseller_id, c.*
          FROM reseller_billing.provider_partnership p
          JOIN reseller_billing.reseller x ON x.reseller_id = p.reseller_id
         CROSS JOIN LATERAL reseller_billing.channel_lines(p_period, p_program, x.reseller_id, prov.reseller_id) c
         WHERE p.provider_id = prov.reseller_id AND x.tier = 'indirect_reseller' AND x.program_id = p_program;
        CONTINUE WHEN NOT EXISTS (SELECT FROM rb_channel_lines);

        -- the vendor's invoice to the provider, one per currency
        WITH inv AS (
            INSERT INTO reseller_billing.invoice AS i
                   (reseller_id, program_id, period, currency, kind, subtotal, credits_applied, tax, total, paid, credited)
            SELECT prov.reseller_id, p_program, p_period, l.currency, 'postpaid',
                   reseller_billing.sum(l.wholesale_amount), reseller_billing.amount(0, l.currency),
                   reseller_billing.amount(0, l.currency), reseller_billing.sum(l.wholesale_amount),
                   reseller_billing.amount(0, l.currency), reseller_billing.amount(0, l.currency)
              FROM rb_channel_lines l
             GROUP BY l.currency
             ORDER BY l.currency
            RETURNING i.invoice_id, i.currency)
        UPDATE rb_channel_lines l SET invoice_id = inv.invoice_id, line_no = o.line_no
          FROM inv,
               (SELECT l2.ctid AS id, l2.currency,
                       row_number() OVER (PARTITION BY l2.currency
                                          ORDER BY l2.end_reseller_id NULLS FIRST, reseller_billing.line_kind_order(l2.kind),
                                                   l2.subscription_id, l2.service_period, l2.tranche_id, l2.charge_id)::int AS line_no
                  FROM rb_channel_lines l2) o
         WHERE o.id = l.ctid AND inv.currency = l.currency;
        INSERT INTO reseller_billing.invoice_line
               (reseller_id, invoice_id, line_no, kind, subscription_id, customer_id, sku_id, description, quantity,
                unit_price, amount, service_period, service, charge_id, tranche_id, end_reseller_id)
        SELECT prov.reseller_id, l.invoice_id, l.line_no, l.kind, l.subscription_id, l.customer_id, l.sku_id,
               CASE WHEN l.end_reseller_id IS NULL THEN l.description
                    ELSE format('For reseller %s (%s): %s', l.end_reseller_id, x.name, l.description) END,
               l.quantity, l.wholesale_unit_price, l.wholesale_amount, l.service_period, l.service, l.charge_id,
               l.tranche_id, l.end_reseller_id
          FROM rb_channel_lines l
          LEFT JOIN reseller_billing.reseller x ON x.reseller_id = l.end_reseller_id
         ORDER BY l.invoice_id, l.line_no;

        SELECT array_agg(i.invoice_id ORDER BY i.currency), array_agg(i.reseller_id ORDER BY i.currency)
          INTO ids, rids
          FROM reseller_billing.invoice i
         WHERE i.reseller_id = prov.reseller_id AND i.period = p_period AND i.status = 'draft';
        FOR dr IN
            SELECT i.invoice_id FROM reseller_billing.invoice i
             WHERE i.reseller_id = prov.reseller_id AND i.invoice_id = ANY (ids)
               AND (EXISTS (SELECT FROM reseller_billing.credit c
                             WHERE c.reseller_id = i.reseller_id AND reseller_billing.sign(c.remaining) > 0)
                    OR EXISTS (SELECT FROM reseller_billing.payment p
                                WHERE p.reseller_id = i.reseller_id AND reseller_billing.sign(p.unapplied) > 0))
             ORDER BY i.currency
        LOOP
            PERFORM reseller_billing.settle_draft(prov.reseller_id, dr.invoice_id);
        END LOOP;
        written := written + reseller_billing.issue_invoices(p_program, ids, rids);

        -- the provider's invoices to its indirect resellers, in its own numbering
        SELECT count(*)::int INTO n
          FROM (SELECT DISTINCT l.end_reseller_id, l.currency FROM rb_channel_lines l WHERE l.end_reseller_id IS NOT NULL) x;
        IF n > 0 THEN
            INSERT INTO reseller_billing.channel_invoice_counter (reseller_id) VALUES (prov.reseller_id) ON CONFLICT DO NOTHING;
            UPDATE reseller_billing.channel_invoice_counter c SET last_number = c.last_number + n
             WHERE c.reseller_id = prov.reseller_id
            RETURNING c.last_number INTO last;
            WITH ci AS (
                INSERT INTO reseller_billing.channel_invoice AS ci
                       (reseller_id, provider_id, program_id, period, currency, invoice_number, issued_on, due_on,
                        subtotal, wholesale, vendor_invoice_id)
                SELECT l.end_reseller_id, prov.reseller_id, p_program, p_period, l.currency,
                       last - n + row_number() OVER (ORDER BY l.end_reseller_id, l.currency),
                       reseller_billing.period_end(p_period),
                       reseller_billing.due_date(reseller_billing.period_end(p_period) - 1, reseller_billing.period_end(p_period),
                                                 reseller_billing.payment_terms(l.end_reseller_id)),
                       reseller_billing.sum(l.amount), reseller_billing.sum(l.wholesale_amount), min(l.invoice_id)
                  FROM rb_channel_lines l
                 WHERE l.end_reseller_id IS NOT NULL
                 GROUP BY l.end_reseller_id, l.currency
                 ORDER BY l.end_reseller_id, l.currency
                RETURNING ci.reseller_id, ci.channel_invoice_id, ci.currency)
            INSERT INTO reseller_billing.channel_invoice_line
                   (reseller_id, channel_invoice_id, line_no, kind, subscription_id, customer_id, sku_id, description,
                    quantity, unit_price, amount, wholesale_unit_price, wholesale_amount, service_period, service,
                    charge_id, tranche_id, vendor_line_no)
            SELECT l.end_reseller_id, ci.channel_invoice_id,
                   row_number() OVER (PARTITION BY ci.channel_invoice_id ORDER BY l.line_no),
                   l.kind, l.subscription_id, l.customer_id, l.sku_id, l.description, l.quantity, l.unit_price, l.amount,
                   l.wholesale_unit_price, l.wholesale_amount, l.service_period, l.service, l.charge_id, l.tranche_id,
                   l.line_no
              FROM rb_channel_lines l
              JOIN ci ON ci.reseller_id = l.end_reseller_id AND ci.currency = l.currency;
            written := written + n;
        END IF;

        DELETE FROM reseller_billing.late_change lc
         USING rb_channel_late k
         WHERE lc.reseller_id = k.reseller_id AND lc.subscription_id = k.subscription_id
           AND lc.service_period = k.service_period AND lc.xmin = k.row_version;
    END LOOP;
    RETURN written;
END $function$;

-- reseller_billing.write_statement(bigint,reseller_billing.billing_period,boolean)
CREATE OR REPLACE FUNCTION reseller_billing.write_statement(p_reseller bigint, p_month reseller_billing.billing_period, p_skip_empty boolean)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg      reseller_billing.program;
    sid     bigint;
    later   reseller_billing.billing_period;
    t       date;
    rate    numeric;
    o       record;
    acc     record;
    a       date;
    interest reseller_billing.amount;
    n       int := 0;
    zero    reseller_billing.amount;
BEGIN
    IF p_month IS NULL THEN
        RAISE EXCEPTION 'a statement of reseller % needs a month', p_reseller USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF reseller_billing.anchor(p_month) <> 1 THEN
        RAISE EXCEPTION 'a statement of reseller % is for a calendar month', p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The period given, %s, is anchored on day %s.', p_month, reseller_billing.anchor(p_month));
    END IF;
    pg := reseller_billing.lock_reseller(p_reseller);
    SELECT s.statement_id INTO sid FROM reseller_billing.order_statement s
     WHERE s.reseller_id = p_reseller AND s.period = p_month;
    IF FOUND THEN
        RETURN sid;                             -- once per month
    END IF;
    SELECT max(s.period) INTO later FROM reseller_billing.order_statement s
     WHERE s.reseller_id = p_reseller AND s.period > p_month;
    IF later IS NOT NULL THEN
        IF p_skip_empty THEN
            RETURN NULL;
        END IF;
        RAISE EXCEPTION 'statement of reseller % for % comes too late', p_reseller, p_month
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its statement for %s is written already; statements are written month after month.', later);
    END IF;
    t := reseller_billing.period_start(p_month);
    rate := reseller_billing.order_setting(pg.program_id, 'late_interest_rate', 0, 0, 1);
    zero := reseller_billing.amount(0, pg.currency);
    INSERT INTO reseller_billing.order_statement (reseller_id, period, issued_on, currency, interest_rate,
                                                  orders_outstanding, interest_charged, interest_outstanding, total_due)
    VALUES (p_reseller, p_month, t, pg.currency, rate, zero, zero, zero, zero)
    RETURNING statement_id INTO sid;

    -- late interest on every order on credit that was overdue and unpaid on
    -- some day since it was last charged, up to the day before the 1st
    IF rate > 0 THEN
        FOR o IN
            SELECT x.order_id, x.due_on,
                   coalesce((SELECT max(i.accrued_to) FROM reseller_billing.late_interest i
                              WHERE i.reseller_id = p_reseller AND i.order_id = x.order_id), x.due_on) AS charged_to
              FROM reseller_billing.licence_order x
             WHERE x.reseller_id = p_reseller AND NOT x.requires_prepayment AND x.due_on < t
             ORDER BY x.due_on, x.order_id
        LOOP
            a := GREATEST(o.due_on, o.charged_to);
            CONTINUE WHEN a >= t;
            acc := reseller_billing.order_interest_accrual(p_reseller, o.order_id, a, t);
            CONTINUE WHEN acc.days = 0;
            -- interest = balance_days × rate / 365, exact, rounded once to
            -- the minor unit, ties away from zero
            interest := reseller_billing.scale(acc.balance_days, rate, 365);
            CONTINUE WHEN reseller_billing.is_zero(interest);
            INSERT INTO reseller_billing.late_interest (reseller_id, statement_id, order_id, accrued_from, accrued_to, days,
                                                        balance_days, annual_rate, amount, due_on, paid)
            VALUES (p_reseller, sid, o.order_id, a, t, acc.days, reseller_billing.value(acc.balance_days), rate,
                    interest, reseller_billing.due_date(t, t, reseller_billing.payment_terms(p_reseller)), zero);
        END LOOP;
    END IF;

    -- the lines: unpaid orders on credit placed before the 1st, then this
    -- statement's interest, then earlier interest still unpaid; paid means
    -- received before the 1st
    INSERT INTO reseller_billing.order_statement_line (reseller_id, statement_id, line_no, kind, order_id, interest_id,
                                                       description, placed_on, due_on, days_overdue, amount, paid, outstanding)
    SELECT p_reseller, sid, row_number() OVER (ORDER BY y.grp, y.due_on, y.order_id, y.interest_id)::int,
           y.kind, y.order_id, y.interest_id, y.description, y.placed_on, y.due_on,
           GREATEST(t - y.due_on, 0), y.amount, y.paid, y.amount - y.paid
      FROM (SELECT 1 AS grp, 'order' AS kind, x.order_id, NULL::bigint AS interest_id,
                   format('Order %s of %s for %s', x.order_id, x.placed_on, x.ship_to_name) AS description,
                   x.placed_on, x.due_on, x.total AS amount,
                   coalesce((SELECT sum(al.amount)
                               FROM reseller_billing.order_payment_allocation al
                               JOIN reseller_billing.payment p ON p.reseller_id = al.reseller_id AND p.payment_id = al.payment_id
                              WHERE al.reseller_id = p_reseller AND al.order_id = x.order_id AND p.received_on < t), zero) AS paid
              FROM reseller_billing.licence_order x
             WHERE x.reseller_id = p_reseller AND NOT x.requires_prepayment AND x.placed_on < t
            UNION ALL
            SELECT CASE WHEN i.statement_id = sid THEN 2 ELSE 3 END,
                   CASE WHEN i.statement_id = sid THEN 'interest' ELSE 'interest_unpaid' END,
                   i.order_id, i.interest_id,
                   format('Late interest on order %s: %s days from %s to %s at %s%% a year', i.order_id, i.days,
                          i.accrued_from, i.accrued_to - 1, rtrim(rtrim((i.annual_rate * 100)::text, '0'), '.')),
                   NULL, i.due_on, i.amount,
                   coalesce((SELECT sum(al.amount)
                               FROM reseller_billing.order_payment_allocation al
                               JOIN reseller_billing.payment p ON p.reseller_id = al.reseller_id AND p.payment_id = al.payment_id
                              WHERE al.reseller_id = p_reseller AND al.interest_id = i.interest_id AND p.received_on < t), zero)
              FROM reseller_billing.late_interest i
             WHERE i.reseller_id = p_reseller) y
     WHERE reseller_billing.sign(y.amount - y.paid) > 0 OR y.kind = 'interest';
    GET DIAGNOSTICS n = ROW_COUNT;
    IF n = 0 AND p_skip_empty THEN
        DELETE FROM reseller_billing.order_statement s WHERE s.reseller_id = p_reseller AND s.statement_id = sid;
        RETURN NULL;
    END IF;
    UPDATE reseller_billing.order_statement s
       SET orders_outstanding = coalesce(x.orders, zero), interest_charged = coalesce(x.charged, zero),
           interest_outstanding = coalesce(x.interest, zero), total_due = coalesce(x.total, zero)
      FROM (SELECT sum(l.outstanding) FILTER (WHERE l.kind = 'order') AS orders,
                   sum(l.amount) FILTER (WHERE l.kind = 'interest') AS charged,
                   sum(l.outstanding) FILTER (WHERE l.kind <> 'order') AS interest,
                   sum(l.outstanding) AS total
              FROM reseller_billing.order_statement_line l
             WHERE l.reseller_id = p_reseller AND l.statement_id = sid) x
     WHERE s.reseller_id = p_reseller AND s.statement_id = sid;
    RETURN sid;
END $function$;
