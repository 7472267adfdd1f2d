-- ========================================================================
-- the ledger keeps its balances (issue 19 §1, §3; doc/invoicing.md
-- "The ledger's balances")
-- ========================================================================
--
-- Money that was applied cannot come back by an UPDATE, whoever writes it,
-- the admin role and superusers included:
--
--   * a credit's remaining amount is its amount less what its applications
--     took on invoices that are not void;
--   * a payment's unapplied amount is its amount less its allocations to
--     invoices and to orders and interest;
--   * an invoice's paid amount is the sum of its payment allocations; a
--     licence order's and an interest charge's paid amount, the sum of their
--     order payment allocations.
--
-- The rules keep these in step within a transaction (an application row and
-- the balance it moves); deferred constraint triggers check every touched
-- row at commit, so a hand edit of a balance, an amount or an application
-- fails (23514) and changes nothing.  What a credit or payment is — its
-- amount, currency, reseller, reference — never changes (42501), and no
-- credit, payment or allocation is ever deleted (42501): a correction is a
-- new row (a credit note, a new credit).  A restore (restoring()) replays
-- rows that balanced when they were dumped and is not checked.
--
-- A credit is in its program's currency and at most 1,000,000,000 major
-- units (22023 / 22003).

-- indexes: the checks look applications and allocations up by what they move
CREATE INDEX credit_application_credit ON reseller_billing.credit_application (reseller_id, credit_id);
CREATE INDEX payment_allocation_invoice ON reseller_billing.payment_allocation (reseller_id, invoice_id);
CREATE INDEX order_payment_allocation_payment ON reseller_billing.order_payment_allocation (reseller_id, payment_id);
CREATE INDEX order_payment_allocation_interest ON reseller_billing.order_payment_allocation (reseller_id, interest_id)
    WHERE interest_id IS NOT NULL;

-- functions: the balances ----------------------------------------------------

CREATE FUNCTION reseller_billing.ledger_check_credit(p_reseller bigint, p_credit bigint) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    c       reseller_billing.credit;
    applied reseller_billing.amount;
BEGIN
    SELECT * INTO c FROM reseller_billing.credit x WHERE x.reseller_id = p_reseller AND x.credit_id = p_credit;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT coalesce(sum(a.amount), reseller_billing.amount(0, reseller_billing.currency(c.amount))) INTO applied
      FROM reseller_billing.credit_application a
      JOIN reseller_billing.invoice i ON i.reseller_id = a.reseller_id AND i.invoice_id = a.invoice_id
     WHERE a.reseller_id = p_reseller AND a.credit_id = p_credit AND i.status <> 'void';
    IF c.remaining IS DISTINCT FROM c.amount - applied THEN
        RAISE EXCEPTION 'credit % of reseller % does not balance: % remaining, but % less % applied is %',
                        p_credit, p_reseller, c.remaining, c.amount, applied, c.amount - applied
            USING ERRCODE = 'check_violation',
                  DETAIL = 'A credit''s remaining amount moves only with its applications to invoice lines.',
                  HINT = 'Grant a new credit, or correct an invoice with a credit note.';
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.ledger_check_credit(bigint, bigint) IS
    'internal: 23514 unless the credit''s remaining amount is its amount less its applications to invoices not void';

CREATE FUNCTION reseller_billing.ledger_check_payment(p_reseller bigint, p_payment bigint) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    p       reseller_billing.payment;
    zero    reseller_billing.amount;
    to_inv  reseller_billing.amount;
    to_ord  reseller_billing.amount;
BEGIN
    SELECT * INTO p FROM reseller_billing.payment x WHERE x.reseller_id = p_reseller AND x.payment_id = p_payment;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    zero := reseller_billing.amount(0, reseller_billing.currency(p.amount));
    SELECT coalesce(sum(a.amount), zero) INTO to_inv FROM reseller_billing.payment_allocation a
     WHERE a.reseller_id = p_reseller AND a.payment_id = p_payment;
    SELECT coalesce(sum(a.amount), zero) INTO to_ord FROM reseller_billing.order_payment_allocation a
     WHERE a.reseller_id = p_reseller AND a.payment_id = p_payment;
    IF p.unapplied IS DISTINCT FROM p.amount - to_inv - to_ord OR p.unapplied < zero THEN
        RAISE EXCEPTION 'payment % of reseller % does not balance: % unapplied, but % less % allocated is %',
                        p.reference, p_reseller, p.unapplied, p.amount, to_inv + to_ord, p.amount - to_inv - to_ord
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Allocated to invoices: %s; to orders and interest: %s.', to_inv, to_ord),
                  HINT = 'A payment''s unapplied amount moves only with its allocations.';
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.ledger_check_payment(bigint, bigint) IS
    'internal: 23514 unless the payment''s unapplied amount is its amount less its allocations, and not negative';

CREATE FUNCTION reseller_billing.ledger_check_invoice(p_reseller bigint, p_invoice bigint) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    i       reseller_billing.invoice;
    got     reseller_billing.amount;
BEGIN
    SELECT * INTO i FROM reseller_billing.invoice x WHERE x.reseller_id = p_reseller AND x.invoice_id = p_invoice;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    SELECT coalesce(sum(a.amount), reseller_billing.amount(0, i.currency)) INTO got
      FROM reseller_billing.payment_allocation a WHERE a.reseller_id = p_reseller AND a.invoice_id = p_invoice;
    IF i.paid IS DISTINCT FROM got THEN
        RAISE EXCEPTION 'invoice % of reseller % does not balance: % paid, but its payments allocated %',
                        coalesce(i.invoice_number::text, '(draft ' || p_invoice || ')'), p_reseller, i.paid, got
            USING ERRCODE = 'check_violation',
                  DETAIL = 'An invoice''s paid amount moves only with the payments allocated to it.';
    END IF;
    -- a void invoice gives its credits back: each credit applied to it
    PERFORM reseller_billing.ledger_check_credit(p_reseller, a.credit_id)
       FROM (SELECT DISTINCT ca.credit_id FROM reseller_billing.credit_application ca
              WHERE ca.reseller_id = p_reseller AND ca.invoice_id = p_invoice) a;
END $$;
COMMENT ON FUNCTION reseller_billing.ledger_check_invoice(bigint, bigint) IS
    'internal: 23514 unless the invoice''s paid amount is the sum of its payment allocations (and its credits balance)';

CREATE FUNCTION reseller_billing.ledger_check_order_item(p_reseller bigint, p_order bigint, p_interest bigint)
    RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    paid    reseller_billing.amount;
    got     reseller_billing.amount;
    what    text;
BEGIN
    IF p_order IS NOT NULL THEN
        SELECT o.paid INTO paid FROM reseller_billing.licence_order o
         WHERE o.reseller_id = p_reseller AND o.order_id = p_order;
        what := format('order %s', p_order);
    ELSE
        SELECT x.paid INTO paid FROM reseller_billing.late_interest x
         WHERE x.reseller_id = p_reseller AND x.interest_id = p_interest;
        what := format('interest charge %s', p_interest);
    END IF;
    IF paid IS NULL THEN
        RETURN;
    END IF;
    SELECT coalesce(sum(a.amount), reseller_billing.amount(0, reseller_billing.currency(paid))) INTO got
      FROM reseller_billing.order_payment_allocation a
     WHERE a.reseller_id = p_reseller
       AND (a.order_id = p_order OR a.interest_id = p_interest);
    IF paid IS DISTINCT FROM got THEN
        RAISE EXCEPTION '% of reseller % does not balance: % paid, but its payments allocated %', what, p_reseller, paid, got
            USING ERRCODE = 'check_violation',
                  DETAIL = 'What an order or an interest charge has been paid moves only with the payments allocated to it.';
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.ledger_check_order_item(bigint, bigint, bigint) IS
    'internal: 23514 unless a licence order''s or interest charge''s paid amount is the sum of its order payment allocations';

-- ledger_balanced: the deferred constraint trigger of every ledger table;
-- checks, at commit, the balances the changed row moves.
CREATE FUNCTION reseller_billing.ledger_balanced() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    r       record;
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'DELETE' THEN
        r := OLD;
    ELSE
        r := NEW;
    END IF;
    CASE reseller_billing.table_name(TG_RELID)
    WHEN 'credit', 'credit_application' THEN
        PERFORM reseller_billing.ledger_check_credit(r.reseller_id, r.credit_id);
    WHEN 'payment' THEN
        PERFORM reseller_billing.ledger_check_payment(r.reseller_id, r.payment_id);
    WHEN 'payment_allocation' THEN
        PERFORM reseller_billing.ledger_check_payment(r.reseller_id, r.payment_id);
        PERFORM reseller_billing.ledger_check_invoice(r.reseller_id, r.invoice_id);
    WHEN 'invoice' THEN
        PERFORM reseller_billing.ledger_check_invoice(r.reseller_id, r.invoice_id);
    WHEN 'order_payment_allocation' THEN
        PERFORM reseller_billing.ledger_check_payment(r.reseller_id, r.payment_id);
        PERFORM reseller_billing.ledger_check_order_item(r.reseller_id, r.order_id, r.interest_id);
    WHEN 'licence_order' THEN
        PERFORM reseller_billing.ledger_check_order_item(r.reseller_id, r.order_id, NULL);
    WHEN 'late_interest' THEN
        PERFORM reseller_billing.ledger_check_order_item(r.reseller_id, NULL, r.interest_id);
    END CASE;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION reseller_billing.ledger_balanced() IS
    'trigger (deferred): at commit, the balances a changed ledger row moves must hold (23514)';

-- ledger_guard: what a credit, payment or allocation is never changes, and
-- none is ever deleted.
CREATE FUNCTION reseller_billing.ledger_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    tab     text := reseller_billing.table_name(TG_RELID);     -- not a shard's name (Citus)
    changed text[];
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% rows are never deleted: % refused', tab, TG_OP
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('The row was %s.', to_jsonb(OLD)),
                  HINT = 'The ledger is append-only: a correction is a new row (a credit note, a new credit).';
    END IF;
    -- the one column the rules move: a balance, or an allocation growing
    SELECT array_agg(n.key ORDER BY n.key) INTO changed
      FROM jsonb_each(to_jsonb(NEW)) n JOIN jsonb_each(to_jsonb(OLD)) o ON o.key = n.key
     WHERE n.value IS DISTINCT FROM o.value
       AND NOT (tab = 'credit' AND n.key = 'remaining')
       AND NOT (tab = 'payment' AND n.key = 'unapplied')
       AND NOT (tab = 'payment_allocation' AND n.key = 'amount');
    IF changed IS NOT NULL THEN
        RAISE EXCEPTION 'what a % row is never changes: % refused', tab, array_to_string(changed, ', ')
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Before: %s; after: %s.', to_jsonb(OLD), to_jsonb(NEW)),
                  HINT = 'The ledger is append-only: a correction is a new row (a credit note, a new credit).';
    END IF;
    IF tab = 'payment_allocation' AND NEW.amount < OLD.amount THEN
        RAISE EXCEPTION 'an allocation of payment % to invoice % only grows: % to % refused',
                        OLD.payment_id, OLD.invoice_id, OLD.amount, NEW.amount
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION reseller_billing.ledger_guard() IS
    'trigger: credits, payments and allocations are never deleted (42501); only a balance (remaining, unapplied) or a growing allocation changes';

-- credit_input: a credit is in its program's currency, positive, at most
-- 1,000,000,000 major units, and starts whole.
CREATE FUNCTION reseller_billing.credit_input() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    pg      reseller_billing.program;
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NEW;
    END IF;
    SELECT p.* INTO pg FROM reseller_billing.reseller r JOIN reseller_billing.program p ON p.program_id = r.program_id
     WHERE r.reseller_id = NEW.reseller_id;
    IF reseller_billing.currency(NEW.amount) <> pg.currency THEN
        RAISE EXCEPTION 'a credit of reseller % must be in %, the currency of program "%"', NEW.reseller_id, pg.currency, pg.code
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', NEW.amount);
    END IF;
    IF NEW.amount <= reseller_billing.amount(0, pg.currency) THEN
        RAISE EXCEPTION 'a credit must be a positive amount'
            USING ERRCODE = 'invalid_parameter_value', DETAIL = format('%s was given.', NEW.amount);
    END IF;
    IF NEW.amount > reseller_billing.amount(1000000000, pg.currency) THEN
        RAISE EXCEPTION 'a credit of reseller % is at most %', NEW.reseller_id, reseller_billing.amount(1000000000, pg.currency)
            USING ERRCODE = 'numeric_value_out_of_range',
                  DETAIL = format('%s was given.', NEW.amount);
    END IF;
    IF NEW.remaining IS DISTINCT FROM NEW.amount THEN
        RAISE EXCEPTION 'a new credit has all of its amount remaining'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Amount %s, remaining %s.', NEW.amount, NEW.remaining);
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION reseller_billing.credit_input() IS
    'trigger: a credit is in its program''s currency, positive, at most 1,000,000,000 major units (22023, 22003), and starts whole';

-- triggers -----------------------------------------------------------------

CREATE TRIGGER credit_input BEFORE INSERT ON reseller_billing.credit
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.credit_input();
CREATE TRIGGER ledger_guard BEFORE UPDATE OR DELETE ON reseller_billing.credit
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.ledger_guard();
CREATE TRIGGER ledger_guard BEFORE UPDATE OR DELETE ON reseller_billing.payment
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.ledger_guard();
CREATE TRIGGER ledger_guard BEFORE UPDATE OR DELETE ON reseller_billing.payment_allocation
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.ledger_guard();
CREATE TRIGGER ledger_guard BEFORE UPDATE OR DELETE ON reseller_billing.order_payment_allocation
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.ledger_guard();

CREATE CONSTRAINT TRIGGER ledger_balanced AFTER INSERT OR UPDATE ON reseller_billing.credit
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reseller_billing.ledger_balanced();
CREATE CONSTRAINT TRIGGER ledger_balanced AFTER INSERT OR UPDATE OR DELETE ON reseller_billing.credit_application
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reseller_billing.ledger_balanced();
CREATE CONSTRAINT TRIGGER ledger_balanced AFTER INSERT OR UPDATE ON reseller_billing.payment
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reseller_billing.ledger_balanced();
CREATE CONSTRAINT TRIGGER ledger_balanced AFTER INSERT OR UPDATE ON reseller_billing.payment_allocation
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reseller_billing.ledger_balanced();
CREATE CONSTRAINT TRIGGER ledger_balanced AFTER INSERT OR UPDATE ON reseller_billing.order_payment_allocation
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reseller_billing.ledger_balanced();
-- an invoice: when its paid amount moves or it becomes void (not at every
-- status change of a close)
CREATE CONSTRAINT TRIGGER ledger_balanced AFTER UPDATE OF paid, status ON reseller_billing.invoice
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW
    WHEN (OLD.paid OPERATOR(reseller_billing.<>) NEW.paid
          OR (NEW.status OPERATOR(pg_catalog.=) 'void' AND OLD.status OPERATOR(pg_catalog.<>) 'void'))
    EXECUTE FUNCTION reseller_billing.ledger_balanced();
CREATE CONSTRAINT TRIGGER ledger_balanced AFTER UPDATE OF paid ON reseller_billing.licence_order
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reseller_billing.ledger_balanced();
CREATE CONSTRAINT TRIGGER ledger_balanced AFTER UPDATE OF paid ON reseller_billing.late_interest
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reseller_billing.ledger_balanced();

-- the rules run as the owner (section 98 of 0.2.0): the trigger functions too
ALTER FUNCTION reseller_billing.ledger_balanced() SECURITY DEFINER;
ALTER FUNCTION reseller_billing.ledger_guard() SECURITY DEFINER;
ALTER FUNCTION reseller_billing.credit_input() SECURITY DEFINER;
REVOKE EXECUTE ON FUNCTION reseller_billing.ledger_balanced(), reseller_billing.ledger_guard(),
                           reseller_billing.credit_input(),
                           reseller_billing.ledger_check_credit(bigint, bigint),
                           reseller_billing.ledger_check_payment(bigint, bigint),
                           reseller_billing.ledger_check_invoice(bigint, bigint),
                           reseller_billing.ledger_check_order_item(bigint, bigint, bigint)
    FROM PUBLIC;

-- every money table is in the audit log: the applications and allocations
-- too (issue 19 §1)
SELECT reseller_billing.audit_attach('reseller_billing.credit_application', ARRAY['reseller_id', 'invoice_id', 'line_no', 'credit_id']);
SELECT reseller_billing.audit_attach('reseller_billing.payment_allocation', ARRAY['reseller_id', 'payment_id', 'invoice_id']);
SELECT reseller_billing.audit_attach('reseller_billing.order_payment_allocation', ARRAY['reseller_id', 'allocation_id']);
-- and the lines that carry money: invoice, order, statement and provider
-- invoice lines (written with their header, final once issued)
SELECT reseller_billing.audit_attach('reseller_billing.invoice_line', ARRAY['reseller_id', 'invoice_id', 'line_no']);
SELECT reseller_billing.audit_attach('reseller_billing.licence_order_line', ARRAY['reseller_id', 'order_id', 'line_no']);
SELECT reseller_billing.audit_attach('reseller_billing.order_statement_line', ARRAY['reseller_id', 'statement_id', 'line_no']);
SELECT reseller_billing.audit_attach('reseller_billing.channel_invoice_line', ARRAY['reseller_id', 'channel_invoice_id', 'line_no']);
