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
    -- a charge is an invoice line as it stands: positive and already rounded
    IF value(p_amount) <= 0 OR p_amount <> round(p_amount) THEN
        RAISE EXCEPTION 'charge "%" must be a positive amount in whole minor units', p_description
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', p_amount),
                  HINT = 'Round it first with round(amount); give money back with grant_credit or issue_credit_note.';
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
        IF k NOT IN ('customer_kind', 'sku_family', 'line_kind') THEN
            RAISE EXCEPTION 'unknown credit eligibility rule "%"', k
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'The rules are customer_kind, sku_family and line_kind.',
                      HINT = 'Use arrays under customer_kind, sku_family and line_kind, e.g. {"customer_kind": ["online"], "sku_family": ["apps"]}.';
        END IF;
        IF jsonb_typeof(p_eligibility -> k) <> 'array' THEN
            RAISE EXCEPTION 'credit eligibility rule "%" must be an array', k
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('It is a JSON %s: %s.', jsonb_typeof(p_eligibility -> k), p_eligibility -> k),
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

-- the same by invoice id alone (invoice ids are unique across resellers)
CREATE FUNCTION reseller_billing.issue_credit_note(p_invoice bigint, p_amount reseller_billing.amount, p_reason text)
    RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    r       bigint;
BEGIN
    SELECT i.reseller_id INTO r FROM reseller_billing.invoice i WHERE i.invoice_id = p_invoice;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice % does not exist', p_invoice USING ERRCODE = 'no_data_found';
    END IF;
    RETURN reseller_billing.issue_credit_note(r, p_invoice, p_amount, p_reason);
END $$;
COMMENT ON FUNCTION reseller_billing.issue_credit_note(bigint, reseller_billing.amount, text) IS
    'issues a credit note against an issued invoice given by its id alone; returns the credit note id';

-- void_invoice: withdraws an unpaid invoice; it stays on record, its credits
-- return to their credits, and the next close re-bills its month: the usage
-- as adjustments, its charges as charges recorded again.
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
                  HINT = CASE WHEN inv.status = 'void' THEN 'It is void already.'
                              WHEN inv.status = 'draft' THEN 'A draft is issued or discarded by the close that wrote it.'
                              ELSE 'Correct it with a credit note instead.' END;
    END IF;
    UPDATE reseller_billing.credit c
       SET remaining = c.remaining + a.amount
      FROM (SELECT ca.credit_id, sum(ca.amount) AS amount FROM reseller_billing.credit_application ca
             WHERE ca.reseller_id = p_reseller AND ca.invoice_id = p_invoice GROUP BY ca.credit_id) a
     WHERE c.reseller_id = p_reseller AND c.credit_id = a.credit_id;
    INSERT INTO reseller_billing.late_change AS lc (reseller_id, subscription_id, service_period)
    SELECT DISTINCT l.reseller_id, l.subscription_id, l.service_period
      FROM reseller_billing.invoice_line l
     WHERE l.reseller_id = p_reseller AND l.invoice_id = p_invoice AND l.subscription_id IS NOT NULL
       AND l.kind IN ('annual_installment', 'annual_prepaid', 'flex_usage', 'adjustment')
    ON CONFLICT (reseller_id, subscription_id, service_period) DO UPDATE SET recorded_at = EXCLUDED.recorded_at;
    -- its charges (one-off, early termination) are still owed: each is
    -- recorded again, as a new charge the next close bills once
    INSERT INTO reseller_billing.charge (reseller_id, customer_id, subscription_id, kind, description, amount, charge_on)
    SELECT c.reseller_id, c.customer_id, c.subscription_id, c.kind,
           format('%s (billed again: invoice %s was voided)', c.description, inv.invoice_number), c.amount, c.charge_on
      FROM reseller_billing.invoice_line l
      JOIN reseller_billing.charge c ON c.reseller_id = l.reseller_id AND c.charge_id = l.charge_id
     WHERE l.reseller_id = p_reseller AND l.invoice_id = p_invoice
     ORDER BY l.line_no;
    PERFORM set_config('reseller_billing.action', 'void', true);
    UPDATE reseller_billing.invoice i
       SET status = 'void', voided_at = now(), void_reason = p_reason
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice;
    PERFORM set_config('reseller_billing.action', '', true);
END $$;
COMMENT ON FUNCTION reseller_billing.void_invoice(bigint, bigint, text) IS
    'voids an issued invoice with nothing paid or credited: it stays on record, its credits are restored, the next close re-bills its usage as adjustments and its charges again';

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
              DETAIL = format('The update would change %s.',
                              (SELECT string_agg(n.key, ', ' ORDER BY n.key)
                                 FROM jsonb_each(to_jsonb(NEW)) n
                                WHERE n.value IS DISTINCT FROM to_jsonb(OLD) -> n.key)),
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
    num     bigint;
BEGIN
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
    END IF;
    IF reseller_billing.restoring() THEN
        RETURN r;
    END IF;
    SELECT i.status, i.invoice_number INTO st, num FROM reseller_billing.invoice i
     WHERE i.reseller_id = r.reseller_id AND i.invoice_id = r.invoice_id;
    IF st IS DISTINCT FROM 'draft' AND NOT (TG_OP = 'DELETE' AND st IS NULL) THEN
        -- named by its number, as the invoice's own messages do
        RAISE EXCEPTION 'invoice % of reseller % is % and its % rows cannot be changed',
                coalesce(num::text, format('(id %s)', r.invoice_id)), r.reseller_id, st, TG_TABLE_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('%s of its %s rows was attempted.', TG_OP, TG_TABLE_NAME),
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

-- The months a reseller has been billed for (its program closed them, or a
-- close in progress already invoiced the reseller), from a month on: a change
-- reaching back into one of them is a late change.  Both, because a reseller
-- with nothing to bill in a closed month has no invoice for it, and a
-- batched close marks the month closed only when every reseller is done.
CREATE FUNCTION reseller_billing.billed_months(p_reseller bigint, p_from reseller_billing.billing_period)
    RETURNS SETOF reseller_billing.billing_period
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    SELECT c.period
      FROM reseller_billing.period_close c
      JOIN reseller_billing.reseller r ON r.program_id OPERATOR(pg_catalog.=) c.program_id
     WHERE r.reseller_id OPERATOR(pg_catalog.=) p_reseller AND c.period OPERATOR(reseller_billing.>=) p_from
    UNION
    SELECT i.period
      FROM reseller_billing.invoice i
     WHERE i.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND i.period OPERATOR(reseller_billing.>=) p_from;
END;
COMMENT ON FUNCTION reseller_billing.billed_months(bigint, reseller_billing.billing_period) IS
    'the months from p_from on that a reseller has been billed for: closed for its program, or already invoiced by a close in progress';

-- wait_for_close: waits until no close of the program is running (a shared
-- hold of the lock close_begin/close_step/close_finish take exclusively).
CREATE FUNCTION reseller_billing.wait_for_close(p_program bigint)
    RETURNS void
    LANGUAGE sql SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    SELECT pg_advisory_xact_lock_shared(hashtext('reseller_billing.close'), hashtext(p_program::text));
END;
COMMENT ON FUNCTION reseller_billing.wait_for_close(bigint) IS
    'internal: waits for a running close of the program to commit, so a late change sees the invoices it wrote';

-- mark_late_change: a change to a subscription reaching back to p_from makes
-- every billed month from then on stale; the next close bills the difference.
-- A row already there is touched (a new row version), so a close that read
-- the old version does not delete the mark of a change it has not billed.
CREATE FUNCTION reseller_billing.mark_late_change(p_reseller bigint, p_subscription bigint,
                                                  p_from reseller_billing.billing_period)
    RETURNS int
    LANGUAGE sql SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    SELECT reseller_billing.wait_for_close(r.program_id)
      FROM reseller_billing.reseller r WHERE r.reseller_id OPERATOR(pg_catalog.=) p_reseller;
    WITH ins AS (
        INSERT INTO reseller_billing.late_change AS lc (reseller_id, subscription_id, service_period)
        SELECT p_reseller, p_subscription, m.m
          FROM reseller_billing.billed_months(p_reseller, p_from) m
        ON CONFLICT (reseller_id, subscription_id, service_period) DO UPDATE SET recorded_at = EXCLUDED.recorded_at
        RETURNING 1)
    SELECT count(*)::int FROM ins;
END;
COMMENT ON FUNCTION reseller_billing.mark_late_change(bigint, bigint, reseller_billing.billing_period) IS
    'marks the billed months of a subscription from a month on as changed after their close; returns how many';

-- mark_late_change_at: the same from a moment, in the program's time zone,
-- once any close of the program in progress has committed.
CREATE FUNCTION reseller_billing.mark_late_change_at(p_reseller bigint, p_subscription bigint, p_moment timestamptz)
    RETURNS int
    LANGUAGE sql SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    SELECT reseller_billing.mark_late_change(p_reseller, p_subscription,
               reseller_billing.billing_period(reseller_billing.program_date(p_reseller, p_moment)));
END;
COMMENT ON FUNCTION reseller_billing.mark_late_change_at(bigint, bigint, timestamptz) IS
    'marks the billed months of a subscription from the month of a moment (program time zone) as changed after their close';

-- seat, AFTER UPDATE (per statement): accounts ended or moved with a
-- moment inside a month already billed make that month's bill stale;
-- the next close bills the difference as an adjustment line.
CREATE FUNCTION reseller_billing.seat_late_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NULL;
    END IF;
    -- a change reaching back before this month may race a close of that
    -- month: wait for a close in progress of the program to commit, so its
    -- invoices are seen below (the close takes the same lock exclusively)
    PERFORM reseller_billing.wait_for_close(x.program_id)
       FROM (SELECT DISTINCT r.program_id
               FROM seat_new n
               JOIN reseller_billing.reseller r ON r.reseller_id = n.reseller_id
               JOIN reseller_billing.program pg ON pg.program_id = r.program_id
              WHERE LEAST(n.active_from, n.active_until)
                    < (date_trunc('month', now() AT TIME ZONE pg.time_zone) AT TIME ZONE pg.time_zone)) x;
    -- the earliest moment the statement changed, per subscription: the
    -- earlier of an account's old and new start (when moved) and its end
    -- (when ended); every billed month from then on is stale.  Inserted
    -- accounts are marked by the seat counting trigger (section 50).
    WITH touched AS (
        SELECT m.reseller_id, m.subscription_id,
               billing_period((m.moment AT TIME ZONE pg.time_zone)::date) AS first_month
          FROM (SELECT n.reseller_id, n.subscription_id,
                       min(LEAST(CASE WHEN o.active_from IS DISTINCT FROM n.active_from
                                      THEN LEAST(o.active_from, n.active_from) END,
                                 CASE WHEN o.active_until IS DISTINCT FROM n.active_until
                                      THEN coalesce(n.active_until, o.active_until) END)) AS moment
                  FROM seat_new n
                  JOIN seat_old o ON o.reseller_id = n.reseller_id AND o.seat_id = n.seat_id
                 GROUP BY n.reseller_id, n.subscription_id) m
          JOIN reseller_billing.reseller r ON r.reseller_id = m.reseller_id
          JOIN reseller_billing.program pg ON pg.program_id = r.program_id
         WHERE m.moment IS NOT NULL
    )
    INSERT INTO reseller_billing.late_change AS lc (reseller_id, subscription_id, service_period)
    SELECT DISTINCT t.reseller_id, t.subscription_id, b.m
      FROM touched t
     CROSS JOIN LATERAL reseller_billing.billed_months(t.reseller_id, t.first_month) b(m)
    ON CONFLICT (reseller_id, subscription_id, service_period) DO UPDATE SET recorded_at = EXCLUDED.recorded_at;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION reseller_billing.seat_late_change() IS
    'trigger: marks billed months whose usage an account change reaches back into, for an adjustment at the next close';

-- commitment_tranche, AFTER INSERT: seats added with an effective date in a
-- billed month are billed from then on, through adjustments.
CREATE FUNCTION reseller_billing.tranche_late_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NULL;
    END IF;
    PERFORM reseller_billing.mark_late_change(NEW.reseller_id, NEW.subscription_id,
                                              reseller_billing.billing_period(NEW.starts_on));
    RETURN NULL;
END $$;
COMMENT ON FUNCTION reseller_billing.tranche_late_change() IS
    'trigger: marks billed months a backdated commitment tranche reaches into, for an adjustment at the next close';

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
CREATE TRIGGER credit_application_no_truncate BEFORE TRUNCATE ON reseller_billing.credit_application
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate();
CREATE TRIGGER payment_allocation_no_truncate BEFORE TRUNCATE ON reseller_billing.payment_allocation
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate();
CREATE TRIGGER credit_no_truncate BEFORE TRUNCATE ON reseller_billing.credit
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate();
-- (inserted accounts are marked by the seat counting trigger, section 50,
-- which already visits each subscription of the statement)
CREATE TRIGGER seat_late_change_update AFTER UPDATE ON reseller_billing.seat
    REFERENCING OLD TABLE AS seat_old NEW TABLE AS seat_new
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.seat_late_change();
CREATE TRIGGER tranche_late_change AFTER INSERT ON reseller_billing.commitment_tranche
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.tranche_late_change();

REVOKE TRUNCATE ON reseller_billing.invoice, reseller_billing.invoice_line, reseller_billing.payment,
    reseller_billing.payment_allocation, reseller_billing.credit_note, reseller_billing.credit_application,
    reseller_billing.credit
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
