-- ========================================================================
-- 0.3.0: what databases created at 0.1.0 missed
--
-- The released 0.1.0 (tag v0.1.0) was changed in place after its release
-- (sales-tax lines written by the close, line_kinds(), lock_reseller,
-- payment_check), so a database created at 0.1.0 and updated to 0.2.0 never
-- got them while one created at 0.2.0 did: its close wrote no sales tax and
-- the 0.3.0 order and payment functions call functions it lacks.  The
-- released scripts are frozen again (src/sql/0.1.0 is tag v0.1.0's; make test
-- checks it) and this section brings both kinds of 0.2.0 database to the
-- same catalog: every definition below is the one 0.2.0's full script
-- installed, but for the money kept an amount in record_payment,
-- payment_check, close_chunk, due_lines, preview_invoice and
-- tax_line_amount (issue 17 §1, 02_amount_ops.sql).
-- ========================================================================

DROP FUNCTION IF EXISTS reseller_billing.lock_order_reseller(bigint);

-- US sales tax on invoice lines (section 75): for a reseller in a US state
-- with a rate, each line of the month gets its own tax line, the exact line
-- amount × the rate of the reseller's state valid on the last day of the
-- month (none when an exemption certificate is valid that day), rounded once
-- half up.  taxed_resellers gives the resellers of a range with a rate,
-- looked up once per reseller and only where the state has a rate at all;
-- the close and the preview add the lines with the three functions after it.
-- (taxed_resellers itself, with the jurisdictions: 82_local_tax_lines.sql)

CREATE OR REPLACE FUNCTION reseller_billing.tax_line_kind(p_line_kind text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, reseller_billing, pg_temp
    RETURN CASE WHEN p_line_kind OPERATOR(pg_catalog.=) 'annual_prepaid' THEN 'prepaid_sales_tax' ELSE 'sales_tax' END;
COMMENT ON FUNCTION reseller_billing.tax_line_kind(text) IS
    'the kind of the tax line of a line: prepaid_sales_tax (on the prepaid invoice) for a prepaid year, sales_tax otherwise';

CREATE OR REPLACE FUNCTION reseller_billing.tax_line_description(p_state text, p_rate numeric, p_description text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, reseller_billing, pg_temp
    RETURN format('Sales tax %s %s%% on: %s', p_state, trim_scale(p_rate OPERATOR(pg_catalog.*) 100), p_description);
COMMENT ON FUNCTION reseller_billing.tax_line_description(text, numeric, text) IS
    'the description of a tax line: the state, the rate in percent and the taxed line''s description';

CREATE OR REPLACE FUNCTION reseller_billing.tax_line_amount(p_amount reseller_billing.amount, p_rate numeric)
    RETURNS reseller_billing.amount
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, reseller_billing, pg_temp
    RETURN reseller_billing.scale(p_amount, p_rate);
COMMENT ON FUNCTION reseller_billing.tax_line_amount(reseller_billing.amount, numeric) IS
    'the tax of a line: exact amount × rate, rounded once (ties away from zero) to the minor unit';

-- line_kinds: every kind of invoice line, in its order on an invoice, with
-- the invoice it goes on (a prepaid order's year and its tax on the prepaid
-- invoice, everything else on the post-paid one) and whether it is sales
-- tax.  The one list: the close joins it once per chunk, the functions
-- below look a kind up in it.  ROWS 8: with a set function's default
-- estimate (1000 rows) the planner sorted a chunk's lines to merge-join
-- them with the list instead of hashing its 8 rows.
CREATE OR REPLACE FUNCTION reseller_billing.line_kinds()
    RETURNS TABLE (kind text, kind_order int, invoice_kind text, is_tax bool)
    LANGUAGE sql IMMUTABLE PARALLEL SAFE ROWS 8 SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    SELECT v.kind, v.kind_order, v.invoice_kind, v.is_tax
      FROM (VALUES ('annual_installment', 1, 'postpaid', false),
                   ('annual_prepaid', 2, 'prepaid', false),
                   ('flex_usage', 3, 'postpaid', false),
                   ('early_termination', 4, 'postpaid', false),
                   ('one_off', 5, 'postpaid', false),
                   ('adjustment', 6, 'postpaid', false),
                   ('prepaid_sales_tax', 7, 'prepaid', true),
                   ('sales_tax', 8, 'postpaid', true)) AS v(kind, kind_order, invoice_kind, is_tax);
END;
COMMENT ON FUNCTION reseller_billing.line_kinds() IS
    'every invoice line kind: its order on an invoice, the invoice kind it goes on (prepaid or postpaid), whether it is sales tax';

-- recurring_line_kinds: the kinds of line that bill a month's recurring
-- use of a subscription, and their adjustments: what a closed month's
-- lines are compared on when a change reaches back into it (due_lines,
-- the channel's adjustments), and what voiding an invoice marks to bill
-- again (void_invoice)
CREATE FUNCTION reseller_billing.recurring_line_kinds() RETURNS text[]
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, reseller_billing, pg_temp
    RETURN ARRAY['annual_installment', 'annual_prepaid', 'flex_usage', 'adjustment'];
COMMENT ON FUNCTION reseller_billing.recurring_line_kinds() IS
    'the line kinds that bill a month''s recurring use of a subscription and their adjustments: what a closed month''s lines are compared on';

CREATE OR REPLACE FUNCTION reseller_billing.line_kind_order(p_kind text) RETURNS int
    LANGUAGE sql STABLE PARALLEL SAFE SET search_path = pg_catalog, reseller_billing, pg_temp
    RETURN (SELECT k.kind_order FROM reseller_billing.line_kinds() k WHERE k.kind OPERATOR(pg_catalog.=) p_kind);
COMMENT ON FUNCTION reseller_billing.line_kind_order(text) IS
    'the order of line kinds on an invoice';

-- lock_reseller: the lock every payment, order and statement writer of a
-- reseller takes first, so they are recorded one at a time; returns the
-- reseller's program.
CREATE OR REPLACE FUNCTION reseller_billing.lock_reseller(p_reseller bigint)
    RETURNS reseller_billing.program
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    pg      reseller_billing.program;
BEGIN
    SELECT p.* INTO pg
      FROM reseller_billing.reseller r JOIN reseller_billing.program p ON p.program_id = r.program_id
     WHERE r.reseller_id = p_reseller
       FOR NO KEY UPDATE OF r;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'reseller % does not exist', p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    RETURN pg;
END $$;
COMMENT ON FUNCTION reseller_billing.lock_reseller(bigint) IS
    'internal: locks the reseller row (FOR NO KEY UPDATE) for a payment, order or statement writer and returns its program';

-- payment_check: what every way of recording a payment checks first, the
-- reseller's row already locked by the caller (lock_reseller, which gives
-- the program): a reference, a positive amount, a date; the same
-- reference again is the same payment (its id is returned, nothing is
-- written), or an error if it differs; a method the program accepts.
-- payment_method_refused: a payment's method that is missing (22004) or
-- that the program does not accept (22023), the accepted ones in the
-- detail; raised by payment_check
CREATE FUNCTION reseller_billing.payment_method_refused(pg reseller_billing.program, p_reseller bigint, p_method text,
                                                        p_allowed jsonb)
    RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'payment method "%" is not accepted by the program of reseller %', p_method, p_reseller
        USING ERRCODE = CASE WHEN p_method IS NULL THEN 'null_value_not_allowed' ELSE 'invalid_parameter_value' END,
              DETAIL = format('Program "%s" accepts: %s.', pg.code,
                              (SELECT string_agg(x, ', ') FROM jsonb_array_elements_text(p_allowed) x));
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.payment_method_refused(reseller_billing.program, bigint, text, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.payment_method_refused(reseller_billing.program, bigint, text, jsonb) TO reseller_billing_admin;
COMMENT ON FUNCTION reseller_billing.payment_method_refused(reseller_billing.program, bigint, text, jsonb) IS
    'internal: refuses a payment''s method: missing (22004) or not accepted by the program (22023), naming the accepted ones';

CREATE OR REPLACE FUNCTION reseller_billing.payment_check(pg reseller_billing.program, p_reseller bigint,
                                               p_amount reseller_billing.amount, p_method text,
                                               p_received_on date, p_reference text)
    RETURNS bigint
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    pay     reseller_billing.payment;
    allowed jsonb;
BEGIN
    -- a missing reference, amount, date or method is 22004 (95_api_arguments_more.sql,
    -- issue 15 §6), in this order and before the reference is looked up; an
    -- empty reference, an amount not above zero or a method the program does
    -- not accept 22023
    allowed := coalesce(pg.settings -> 'payment_methods', '["bank_transfer", "cheque", "direct_debit"]');
    IF p_reference IS NULL OR p_reference = '' THEN
        RAISE EXCEPTION 'a payment needs a reference'
            USING ERRCODE = CASE WHEN p_reference IS NULL THEN 'null_value_not_allowed' ELSE 'invalid_parameter_value' END;
    END IF;
    IF p_amount IS NULL OR reseller_billing.sign(p_amount) <= 0 THEN
        RAISE EXCEPTION 'payment % must be a positive amount', p_reference
            USING ERRCODE = CASE WHEN p_amount IS NULL THEN 'null_value_not_allowed' ELSE 'invalid_parameter_value' END,
                  DETAIL = format('%s was given.', coalesce(p_amount::text, 'NULL'));
    END IF;
    IF p_received_on IS NULL THEN
        RAISE EXCEPTION 'payment % needs the date it was received', p_reference USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_method IS NULL THEN
        PERFORM reseller_billing.payment_method_refused(pg, p_reseller, p_method, allowed);
    END IF;
    SELECT * INTO pay FROM reseller_billing.payment p WHERE p.reseller_id = p_reseller AND p.reference = p_reference;
    IF FOUND THEN
        IF pay.amount <> p_amount OR pay.method IS DISTINCT FROM p_method OR pay.received_on <> p_received_on THEN
            RAISE EXCEPTION 'payment reference "%" of reseller % was already used for another payment', p_reference, p_reseller
                USING ERRCODE = 'unique_violation',
                      DETAIL = format('It recorded %s by %s received on %s.', pay.amount, pay.method, pay.received_on);
        END IF;
        RETURN pay.payment_id;                  -- the same payment, recorded once
    END IF;
    IF NOT allowed ? p_method THEN
        PERFORM reseller_billing.payment_method_refused(pg, p_reseller, p_method, allowed);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION reseller_billing.payment_check(reseller_billing.program, bigint, reseller_billing.amount, text, date, text) IS
    'internal: checks a payment to record (reference, positive amount, date, a method the program accepts); the id of the same payment already recorded under that reference, else NULL';

-- record_payment: idempotent on the reference; settles the oldest open
-- invoices in the payment's currency first; the rest stays unapplied.
-- record_payment: defined once, in 95_api_arguments_more.sql (the version 0.3.0 installs)
COMMENT ON FUNCTION reseller_billing.record_payment(bigint, reseller_billing.amount, text, date, text) IS
    'records a payment once per reference, settles the oldest open invoices first and keeps any overpayment unapplied; returns the payment id';

-- close_chunk: bills the resellers of one program with ids in [lo, hi] that
-- have no invoice for the month; returns the invoices written.
-- close_chunk: defined once, in 82_local_tax_lines.sql (the version 0.3.0 installs)
COMMENT ON FUNCTION reseller_billing.close_chunk(reseller_billing.billing_period, bigint, bigint, bigint, bool) IS
    'internal: writes and issues the invoices of a month for the resellers of a program with ids in [lo, hi]';

-- issue_licence: defined once, in 95_api_arguments_more_orders.sql (the version 0.3.0 installs)

-- issue_temporary_licence: a time-limited licence for an order waiting for
-- its payment, valid [p_on, p_on + p_days).
CREATE OR REPLACE FUNCTION reseller_billing.issue_temporary_licence_unchecked(p_order bigint, p_days int, p_on date DEFAULT NULL)
    RETURNS int
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    rid     bigint;
    pg      reseller_billing.program;
    o       reseller_billing.licence_order;
    maxd    numeric;
    today   date;
    cid     bigint;
    prev    record;
    n       int;
BEGIN
    rid := reseller_billing.find_order(p_order);
    pg := reseller_billing.lock_reseller(rid);
    SELECT * INTO o FROM reseller_billing.licence_order x WHERE x.reseller_id = rid AND x.order_id = p_order;
    maxd := reseller_billing.order_setting(pg.program_id, 'temporary_licence_max_days', 30, 1, 366);
    IF p_days IS NULL OR p_days < 1 OR p_days > maxd THEN
        RAISE EXCEPTION 'temporary licence of order % must last 1 to % days', p_order, maxd
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s days were asked; program "%s" allows at most %s (setting temporary_licence_max_days).',
                                  coalesce(p_days::text, 'NULL'), pg.code, maxd);
    END IF;
    today := coalesce(p_on, reseller_billing.program_date(rid, reseller_billing.effective_at()));
    IF today < o.placed_on THEN
        RAISE EXCEPTION 'temporary licence of order % cannot start before the order was placed', p_order
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The order was placed on %s; the licence would start on %s.', o.placed_on, today);
    END IF;
    IF o.licensed_on IS NOT NULL THEN
        RAISE EXCEPTION 'order % of reseller % already has its licence', p_order, rid
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its licence was issued on %s.', o.licensed_on),
                  HINT = 'A temporary licence bridges the wait for payment of an order that needs prepayment.';
    END IF;
    SELECT l.valid_from, l.valid_until INTO prev FROM reseller_billing.licence l
     WHERE l.reseller_id = rid AND l.order_id = p_order AND l.kind = 'temporary' LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'order % of reseller % already has a temporary licence', p_order, rid
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It is valid from %s until %s (exclusive).', prev.valid_from, prev.valid_until),
                  HINT = 'One temporary licence per order; the full licence follows payment.';
    END IF;
    cid := reseller_billing.order_customer(rid, p_order);
    INSERT INTO reseller_billing.licence (reseller_id, order_id, line_no, customer_id, sku_id, quantity, kind,
                                          valid_from, valid_until)
    SELECT rid, p_order, ln.line_no, cid, ln.sku_id, ln.quantity, 'temporary', today, today + p_days
      FROM reseller_billing.licence_order_line ln
     WHERE ln.reseller_id = rid AND ln.order_id = p_order AND ln.kind = 'licence'
     ORDER BY ln.line_no;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END $$;
COMMENT ON FUNCTION reseller_billing.issue_temporary_licence_unchecked(bigint, int, date) IS
    'issues a time-limited licence [on, on + days) for every line of an order awaiting payment (once per order, at most temporary_licence_max_days); returns how many';

-- Everything a close of the month would bill for resellers in [p_lo, p_hi]
-- that have no invoice for it yet: recurring lines, charges due and not yet
-- billed, and adjustments for closed months that changed afterwards.  Their
-- sales tax lines are added by the close and the preview (taxed_resellers).
-- In C (src/close_due.c, issue 13).
CREATE OR REPLACE FUNCTION reseller_billing.due_lines(p_period reseller_billing.billing_period, p_program bigint,
                                           p_lo bigint, p_hi bigint)
    RETURNS TABLE (reseller_id bigint, currency text, kind text, subscription_id bigint, customer_id bigint,
                   sku_id bigint, description text, quantity numeric, unit_price reseller_billing.amount,
                   amount reseller_billing.amount, service_period reseller_billing.billing_period,
                   service daterange, tranche_id bigint, charge_id bigint)
    LANGUAGE c STABLE SET search_path = pg_catalog, reseller_billing, pg_temp
    AS 'MODULE_PATHNAME', 'due_lines';
COMMENT ON FUNCTION reseller_billing.due_lines(reseller_billing.billing_period, bigint, bigint, bigint) IS
    'every line a close of the month would write for resellers in [lo, hi] not yet invoiced for it (before sales tax): recurring lines, due charges, adjustments of closed months; computed in C';

-- preview_invoice (replaced again, with the jurisdictions, in
-- 82_local_tax_lines.sql; this one must replace 0.1.0's before
-- invoice_kind_of, which that one used, is dropped below): the lines a close would write for one reseller and month,
-- without writing; mid-month it is the estimate so far.  Lines are numbered
-- per invoice as the close numbers them (a prepaid year on the prepaid
-- invoice, listed first; the rest on the post-paid one).  A missing reseller
-- or month is refused (22004).
CREATE OR REPLACE FUNCTION reseller_billing.preview_invoice(p_reseller bigint, p_period reseller_billing.billing_period)
    RETURNS TABLE (line_no int, currency text, kind text, subscription_id bigint, description text,
                   quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount,
                   service_period reseller_billing.billing_period, service daterange, invoice_kind text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF p_reseller IS NULL OR p_period IS NULL THEN
        RAISE EXCEPTION 'preview_invoice needs a reseller and a month'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('Reseller %s and month %s were given.', coalesce(p_reseller::text, 'NULL'),
                                  coalesce(p_period::text, 'NULL'));
    END IF;
    RETURN QUERY
    WITH due AS (
        SELECT * FROM reseller_billing.due_lines(reseller_billing.calendar_month(p_period), NULL, p_reseller, p_reseller)
    ), d AS (
        SELECT * FROM due
        UNION ALL
        SELECT l.reseller_id, l.currency, reseller_billing.tax_line_kind(l.kind), l.subscription_id, l.customer_id,
               l.sku_id, reseller_billing.tax_line_description(t.state, t.rate, l.description), 1::numeric,
               NULL::reseller_billing.amount, reseller_billing.tax_line_amount(l.amount, t.rate),
               l.service_period, l.service, NULL::bigint, NULL::bigint
          FROM due l
          JOIN reseller_billing.taxed_resellers(p_period, NULL, p_reseller, p_reseller) t
            ON t.reseller_id OPERATOR(pg_catalog.=) l.reseller_id
         WHERE reseller_billing.sign(l.amount) OPERATOR(pg_catalog.<>) 0
    )
    SELECT (row_number() OVER w)::int, d.currency, d.kind, d.subscription_id, d.description, d.quantity,
           d.unit_price, d.amount, d.service_period, d.service, k.invoice_kind
      FROM d
      LEFT JOIN reseller_billing.line_kinds() k ON k.kind OPERATOR(pg_catalog.=) d.kind
    WINDOW w AS (PARTITION BY d.currency, k.invoice_kind
                 ORDER BY k.kind_order, d.subscription_id, d.service_period, d.tranche_id, d.charge_id)
     ORDER BY d.currency, k.invoice_kind DESC, 1;
END $$;
COMMENT ON FUNCTION reseller_billing.preview_invoice(bigint, reseller_billing.billing_period) IS
    'the lines closing the month would write for a reseller, numbered per invoice (prepaid, then post-paid), without writing them (an estimate while the month runs)';

-- invoice_kind_of has no caller left: line_kinds() says which invoice a line
-- kind goes on
DROP FUNCTION reseller_billing.invoice_kind_of(text);
