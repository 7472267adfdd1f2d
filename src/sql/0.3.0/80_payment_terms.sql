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
CREATE FUNCTION reseller_billing.payment_terms(p_reseller bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
#variable_conflict use_column
BEGIN
    PERFORM reseller_billing.arg_required('payment_terms', 'p_reseller', 'a reseller', p_reseller);
    RETURN (
    SELECT coalesce(r.payment_terms, reseller_billing.program_payment_terms(p.settings, p.payment_terms_days))
      FROM reseller_billing.reseller r JOIN reseller_billing.program p ON p.program_id = r.program_id
     WHERE r.reseller_id = p_reseller
    );
END
$function$;
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
-- channel_close: defined once, in 96_providers_invoices.sql (the version 0.3.0 installs)
-- reseller_billing.write_statement(bigint,reseller_billing.billing_period,boolean)
-- write_statement: defined once, in 94_order_returns_statements.sql (the version 0.3.0 installs)
