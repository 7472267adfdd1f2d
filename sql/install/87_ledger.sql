-- ========================================================================
-- charges, credits, credit notes, payments, voids; issued invoices are final
-- ========================================================================

-- functions ----------------------------------------------------------------

-- add_charge: a one-off charge, billed by the close of the month it falls in
-- (or by the next open month when that one is already closed).
CREATE FUNCTION reseller_billing.add_charge(p_reseller bigint, p_customer bigint, p_description text,
                                            p_amount reseller_billing.amount, p_on date)
    RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    id      bigint;
BEGIN
    IF p_description IS NULL OR p_description = '' THEN
        RAISE EXCEPTION 'a charge needs a description' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_on IS NULL OR p_amount IS NULL THEN
        RAISE EXCEPTION 'a charge needs an amount and a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO reseller_billing.charge (reseller_id, customer_id, kind, description, amount, charge_on)
    VALUES (p_reseller, p_customer, 'one_off', p_description, p_amount, p_on)
    RETURNING charge_id INTO id;
    RETURN id;
END $$;
COMMENT ON FUNCTION reseller_billing.add_charge(bigint, bigint, text, reseller_billing.amount, date) IS
    'records a one-off charge for a customer of a reseller; the close of its month bills it once';

-- grant_credit: a credit the closes apply to eligible lines until used up.
CREATE FUNCTION reseller_billing.grant_credit(p_reseller bigint, p_amount reseller_billing.amount, p_reason text,
                                              p_eligibility jsonb DEFAULT '{}')
    RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    id      bigint;
    k       text;
BEGIN
    IF p_amount IS NULL OR value(p_amount) <= 0 THEN
        RAISE EXCEPTION 'a credit must be a positive amount'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', coalesce(p_amount::text, 'NULL'));
    END IF;
    IF p_eligibility IS NULL OR jsonb_typeof(p_eligibility) <> 'object' THEN
        RAISE EXCEPTION 'credit eligibility must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k IN SELECT jsonb_object_keys(p_eligibility) LOOP
        IF k NOT IN ('customer_kind', 'sku_family', 'line_kind') OR jsonb_typeof(p_eligibility -> k) <> 'array' THEN
            RAISE EXCEPTION 'unknown credit eligibility rule "%"', k
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Use arrays under customer_kind, sku_family and line_kind, e.g. {"customer_kind": ["online"], "sku_family": ["apps"]}.';
        END IF;
    END LOOP;
    INSERT INTO reseller_billing.credit (reseller_id, amount, remaining, reason, eligibility)
    VALUES (p_reseller, p_amount, p_amount, coalesce(p_reason, ''), p_eligibility)
    RETURNING credit_id INTO id;
    RETURN id;
END $$;
COMMENT ON FUNCTION reseller_billing.grant_credit(bigint, reseller_billing.amount, text, jsonb) IS
    'grants a credit that month-end closes apply, oldest first, to eligible lines (customer_kind, sku_family, line_kind); never paid out';

-- record_payment: idempotent on the reference; settles the oldest open
-- invoices in the payment's currency first; the rest stays unapplied.
CREATE FUNCTION reseller_billing.record_payment(p_reseller bigint, p_amount reseller_billing.amount, p_method text,
                                                p_received_on date, p_reference text)
    RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    pay     reseller_billing.payment;
    allowed jsonb;
    inv     record;
    left_   numeric;
    part    numeric;
BEGIN
    IF p_reference IS NULL OR p_reference = '' THEN
        RAISE EXCEPTION 'a payment needs a reference' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_amount IS NULL OR value(p_amount) <= 0 THEN
        RAISE EXCEPTION 'payment % must be a positive amount', p_reference
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', coalesce(p_amount::text, 'NULL'));
    END IF;
    -- payments of one reseller are recorded one at a time
    SELECT coalesce(pg.settings -> 'payment_methods', '["bank_transfer", "cheque", "direct_debit"]') INTO allowed
      FROM reseller_billing.reseller r JOIN reseller_billing.program pg ON pg.program_id = r.program_id
     WHERE r.reseller_id = p_reseller
       FOR NO KEY UPDATE OF r;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'reseller % does not exist', p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    SELECT * INTO pay FROM reseller_billing.payment p WHERE p.reseller_id = p_reseller AND p.reference = p_reference;
    IF FOUND THEN
        IF pay.amount <> p_amount OR pay.method <> p_method OR pay.received_on <> p_received_on THEN
            RAISE EXCEPTION 'payment reference "%" of reseller % was already used for another payment', p_reference, p_reseller
                USING ERRCODE = 'unique_violation',
                      DETAIL = format('It recorded %s by %s received on %s.', pay.amount, pay.method, pay.received_on);
        END IF;
        RETURN pay.payment_id;                  -- the same payment, recorded once
    END IF;
    IF NOT allowed ? p_method THEN
        RAISE EXCEPTION 'payment method "%" is not accepted by the program of reseller %', p_method, p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Accepted methods: %s.', (SELECT string_agg(x, ', ') FROM jsonb_array_elements_text(allowed) x));
    END IF;
    INSERT INTO reseller_billing.payment (reseller_id, amount, method, received_on, reference, unapplied)
    VALUES (p_reseller, p_amount, p_method, p_received_on, p_reference, p_amount)
    RETURNING * INTO pay;
    left_ := value(p_amount);
    FOR inv IN
        SELECT i.invoice_id, value(i.total) - value(i.credited) - value(i.paid) AS owed
          FROM reseller_billing.invoice i
         WHERE i.reseller_id = p_reseller AND i.status = 'issued' AND i.currency = currency(p_amount)
         ORDER BY i.due_on, i.invoice_number
           FOR UPDATE
    LOOP
        EXIT WHEN left_ <= 0;
        CONTINUE WHEN inv.owed <= 0;
        part := LEAST(left_, inv.owed);
        PERFORM reseller_billing.allocate_payment(p_reseller, pay.payment_id, inv.invoice_id, part);
        left_ := left_ - part;
    END LOOP;
    RETURN pay.payment_id;
END $$;
COMMENT ON FUNCTION reseller_billing.record_payment(bigint, reseller_billing.amount, text, date, text) IS
    'records a payment once per reference, settles the oldest open invoices first and keeps any overpayment unapplied; returns the payment id';

-- issue_credit_note: reduces what is owed on an issued invoice.
CREATE FUNCTION reseller_billing.issue_credit_note(p_reseller bigint, p_invoice bigint,
                                                   p_amount reseller_billing.amount, p_reason text)
    RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    inv     reseller_billing.invoice;
    owed    numeric;
    id      bigint;
BEGIN
    SELECT * INTO inv FROM reseller_billing.invoice i
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice % of reseller % does not exist', p_invoice, p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    IF inv.status <> 'issued' THEN
        RAISE EXCEPTION 'invoice % of reseller % is % and takes no credit note', inv.invoice_number, p_reseller, inv.status
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF p_amount IS NULL OR value(p_amount) <= 0 OR currency(p_amount) <> inv.currency THEN
        RAISE EXCEPTION 'a credit note must be a positive amount in %', inv.currency
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', coalesce(p_amount::text, 'NULL'));
    END IF;
    owed := value(inv.total) - value(inv.credited) - value(inv.paid);
    IF value(p_amount) > owed THEN
        RAISE EXCEPTION 'credit note exceeds what is owed on invoice % of reseller %', inv.invoice_number, p_reseller
            USING ERRCODE = 'check_violation',
                  DETAIL = format('%s %s is owed; the credit note is %s.', inv.currency, owed, p_amount);
    END IF;
    INSERT INTO reseller_billing.credit_note (reseller_id, invoice_id, amount, reason)
    VALUES (p_reseller, p_invoice, p_amount, coalesce(p_reason, ''))
    RETURNING credit_note_id INTO id;
    PERFORM set_config('reseller_billing.action', 'settle', true);
    UPDATE reseller_billing.invoice i
       SET credited = i.credited + p_amount,
           status = CASE WHEN owed - value(p_amount) <= 0 THEN 'paid' ELSE i.status END
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice;
    PERFORM set_config('reseller_billing.action', '', true);
    RETURN id;
END $$;
COMMENT ON FUNCTION reseller_billing.issue_credit_note(bigint, bigint, reseller_billing.amount, text) IS
    'issues a credit note against an issued invoice, reducing what is owed (never below zero); returns its id';

-- void_invoice: withdraws an unpaid invoice; it stays on record, its credits
-- return to their credits, and the next close re-bills its month's usage.
CREATE FUNCTION reseller_billing.void_invoice(p_reseller bigint, p_invoice bigint, p_reason text)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    inv     reseller_billing.invoice;
BEGIN
    SELECT * INTO inv FROM reseller_billing.invoice i
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice % of reseller % does not exist', p_invoice, p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    IF inv.status <> 'issued' OR value(inv.paid) <> 0 OR value(inv.credited) <> 0 THEN
        RAISE EXCEPTION 'invoice % of reseller % cannot be voided', inv.invoice_number, p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It is %s, with %s paid and %s credited; only an issued invoice with nothing paid or credited can be voided.',
                                  inv.status, inv.paid, inv.credited),
                  HINT = 'Correct it with a credit note instead.';
    END IF;
    UPDATE reseller_billing.credit c
       SET remaining = c.remaining + a.amount
      FROM (SELECT ca.credit_id, sum(ca.amount) AS amount FROM reseller_billing.credit_application ca
             WHERE ca.reseller_id = p_reseller AND ca.invoice_id = p_invoice GROUP BY ca.credit_id) a
     WHERE c.reseller_id = p_reseller AND c.credit_id = a.credit_id;
    INSERT INTO reseller_billing.late_change (reseller_id, subscription_id, service_period)
    SELECT DISTINCT l.reseller_id, l.subscription_id, l.service_period
      FROM reseller_billing.invoice_line l
     WHERE l.reseller_id = p_reseller AND l.invoice_id = p_invoice AND l.subscription_id IS NOT NULL
       AND l.kind IN ('annual_installment', 'annual_prepaid', 'flex_usage', 'adjustment')
    ON CONFLICT DO NOTHING;
    PERFORM set_config('reseller_billing.action', 'void', true);
    UPDATE reseller_billing.invoice i
       SET status = 'void', voided_at = now(), void_reason = p_reason
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice;
    PERFORM set_config('reseller_billing.action', '', true);
END $$;
COMMENT ON FUNCTION reseller_billing.void_invoice(bigint, bigint, text) IS
    'voids an issued invoice with nothing paid or credited: it stays on record, its credits are restored, the next close re-bills its usage as adjustments';

-- invoice, BEFORE UPDATE/DELETE: an issued invoice changes only by payment,
-- credit note or void, through the functions above.
CREATE FUNCTION reseller_billing.invoice_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    action  text := reseller_billing.current_action();
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        IF OLD.status = 'draft' THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'invoice % of reseller % is % and cannot be deleted', OLD.invoice_number, OLD.reseller_id, OLD.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Issued invoices stay on record: correct them with a credit note, or void them while unpaid.';
    END IF;
    IF OLD.status = 'draft' THEN
        RETURN NEW;
    END IF;
    IF (action = 'settle' AND NEW.status IN ('issued', 'paid')
        AND (NEW.reseller_id, NEW.invoice_id, NEW.program_id, NEW.period, NEW.currency, NEW.kind, NEW.invoice_number,
             NEW.issued_on, NEW.due_on, NEW.subtotal, NEW.credits_applied, NEW.tax, NEW.total, NEW.created_at)
            IS NOT DISTINCT FROM
            (OLD.reseller_id, OLD.invoice_id, OLD.program_id, OLD.period, OLD.currency, OLD.kind, OLD.invoice_number,
             OLD.issued_on, OLD.due_on, OLD.subtotal, OLD.credits_applied, OLD.tax, OLD.total, OLD.created_at))
       OR (action = 'void' AND OLD.status = 'issued' AND NEW.status = 'void'
           AND (NEW.paid, NEW.credited, NEW.total, NEW.invoice_number) IS NOT DISTINCT FROM
               (OLD.paid, OLD.credited, OLD.total, OLD.invoice_number)) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'invoice % of reseller % is % and cannot be changed', OLD.invoice_number, OLD.reseller_id, OLD.status
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Record payments with record_payment, corrections with issue_credit_note, withdrawals with void_invoice.';
END $$;
COMMENT ON FUNCTION reseller_billing.invoice_guard() IS
    'trigger: issued invoices are never edited or deleted; only payments, credit notes and voids move them';

-- invoice_line / credit_application, BEFORE UPDATE/DELETE/INSERT: the lines
-- of an issued invoice are final.
CREATE FUNCTION reseller_billing.invoice_line_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    r       record;
    st      text;
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
    END IF;
    IF reseller_billing.restoring() THEN
        RETURN r;
    END IF;
    SELECT i.status INTO st FROM reseller_billing.invoice i
     WHERE i.reseller_id = r.reseller_id AND i.invoice_id = r.invoice_id;
    IF st IS DISTINCT FROM 'draft' AND NOT (TG_OP = 'DELETE' AND st IS NULL) THEN
        RAISE EXCEPTION 'invoice % of reseller % is % and its % rows cannot be changed', r.invoice_id, r.reseller_id, st, TG_TABLE_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Correct an issued invoice with a credit note.';
    END IF;
    RETURN r;
END $$;
COMMENT ON FUNCTION reseller_billing.invoice_line_guard() IS
    'trigger: lines and credit applications of an issued invoice are final';

CREATE FUNCTION reseller_billing.no_truncate() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '% is a financial record and cannot be truncated', TG_TABLE_NAME
        USING ERRCODE = 'object_not_in_prerequisite_state';
END $$;
COMMENT ON FUNCTION reseller_billing.no_truncate() IS
    'trigger: refuses TRUNCATE of financial records';

-- seat, AFTER INSERT/UPDATE (per statement): accounts added or ended with a
-- moment inside a month already invoiced make that month's bill stale; the
-- next close bills the difference as an adjustment line.
CREATE FUNCTION reseller_billing.seat_late_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NULL;
    END IF;
    WITH closed AS (
        SELECT rs.reseller_id, pg.time_zone,
               (SELECT max(i.period) FROM reseller_billing.invoice i
                 WHERE i.reseller_id = rs.reseller_id AND i.kind = 'postpaid' AND i.status <> 'void') AS through
          FROM (SELECT DISTINCT n.reseller_id FROM seat_new n) rs
          JOIN reseller_billing.reseller r ON r.reseller_id = rs.reseller_id
          JOIN reseller_billing.program pg ON pg.program_id = r.program_id
    ), touched AS (
        -- the first month an insert (its start) or an update (its end) reaches
        SELECT DISTINCT n.reseller_id, n.subscription_id, c.through,
               billing_period(((CASE WHEN TG_OP = 'UPDATE' THEN coalesce(n.active_until, n.active_from)
                                     ELSE n.active_from END) AT TIME ZONE c.time_zone)::date) AS first_month
          FROM seat_new n JOIN closed c ON c.reseller_id = n.reseller_id
         WHERE c.through IS NOT NULL
    )
    INSERT INTO reseller_billing.late_change (reseller_id, subscription_id, service_period)
    SELECT t.reseller_id, t.subscription_id, t.first_month + g
      FROM touched t, generate_series(0, t.through - t.first_month) g
     WHERE t.first_month <= t.through
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION reseller_billing.seat_late_change() IS
    'trigger: marks invoiced months whose usage an account change reaches back into, for an adjustment at the next close';

-- commitment_tranche, AFTER INSERT: seats added with an effective date in an
-- invoiced month are billed from then on, through adjustments.
CREATE FUNCTION reseller_billing.tranche_late_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    closed  reseller_billing.billing_period;
    m       reseller_billing.billing_period;
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NULL;
    END IF;
    SELECT max(i.period) INTO closed FROM reseller_billing.invoice i
     WHERE i.reseller_id = NEW.reseller_id AND i.kind = 'postpaid' AND i.status <> 'void';
    m := reseller_billing.billing_period(NEW.starts_on);
    WHILE closed IS NOT NULL AND m <= closed LOOP
        INSERT INTO reseller_billing.late_change (reseller_id, subscription_id, service_period)
        VALUES (NEW.reseller_id, NEW.subscription_id, m) ON CONFLICT DO NOTHING;
        m := m + 1;
    END LOOP;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION reseller_billing.tranche_late_change() IS
    'trigger: marks invoiced months a backdated commitment tranche reaches into, for an adjustment at the next close';

-- triggers -----------------------------------------------------------------

CREATE TRIGGER invoice_guard BEFORE UPDATE OR DELETE ON reseller_billing.invoice
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.invoice_guard();
CREATE TRIGGER invoice_no_truncate BEFORE TRUNCATE ON reseller_billing.invoice
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate();
CREATE TRIGGER invoice_line_guard BEFORE INSERT OR UPDATE OR DELETE ON reseller_billing.invoice_line
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.invoice_line_guard();
CREATE TRIGGER invoice_line_no_truncate BEFORE TRUNCATE ON reseller_billing.invoice_line
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate();
CREATE TRIGGER credit_application_guard BEFORE INSERT OR UPDATE OR DELETE ON reseller_billing.credit_application
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.invoice_line_guard();
CREATE TRIGGER payment_no_truncate BEFORE TRUNCATE ON reseller_billing.payment
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate();
CREATE TRIGGER credit_note_no_truncate BEFORE TRUNCATE ON reseller_billing.credit_note
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate();
CREATE TRIGGER seat_late_change_insert AFTER INSERT ON reseller_billing.seat
    REFERENCING NEW TABLE AS seat_new
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.seat_late_change();
CREATE TRIGGER seat_late_change_update AFTER UPDATE ON reseller_billing.seat
    REFERENCING NEW TABLE AS seat_new
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.seat_late_change();
CREATE TRIGGER tranche_late_change AFTER INSERT ON reseller_billing.commitment_tranche
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.tranche_late_change();

REVOKE TRUNCATE ON reseller_billing.invoice, reseller_billing.invoice_line, reseller_billing.payment,
    reseller_billing.payment_allocation, reseller_billing.credit_note, reseller_billing.credit_application
    FROM PUBLIC;

SELECT pg_catalog.pg_extension_config_dump('reseller_billing.invoice_counter', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.period_close', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.close_progress', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.invoice', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.invoice_invoice_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.invoice_line', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.late_change', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.credit', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.credit_credit_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.credit_application', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.credit_note', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.credit_note_credit_note_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.payment', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.payment_payment_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.payment_allocation', '');
