SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- ledger: money that was applied cannot come back (issue 19 §1, §3).  A
-- credit's remaining amount, a payment's unapplied amount and an invoice's
-- paid amount move only with their application and allocation rows; what a
-- credit or payment is never changes; no credit, payment or allocation is
-- deleted.  Every forbidden write is tried as a superuser, as the admin
-- role, as a reseller application for its own reseller and as a customer
-- portal: each is refused, and nothing changes.
--
-- Ids: 19001...
--

-- ===========================================================================
-- a month with a credit fully applied and a payment: a Flex account for
-- March 2012 (USD 5.00), a credit of USD 1.00, a payment of USD 5.00
-- ===========================================================================
INSERT INTO program (code, name, currency, time_zone) VALUES ('ledger_prog', 'Ledger tests', 'USD', 'UTC')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'ledger_apps', 'Apps', 'apps') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps, 'flexible', 'USD 60', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (19001, :prog, 'Ledger Resale', 'US');
INSERT INTO customer (reseller_id, customer_id, name) VALUES (19001, 19001, 'Acme');
SET reseller_billing.effective_at = '2012-03-01 00:00+00';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
VALUES (19001, 19001, 19001, :apps, 'flexible', 10);
RESET reseller_billing.effective_at;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (19001, 19001, 'ann', '2012-03-01 00:00+00');
SELECT grant_credit(19001, 'USD 1.00', 'goodwill', '{}') AS credit \gset
SELECT record_payment(19001, 'USD 5.00', 'bank_transfer', '2012-03-20', 'LEDGER-1') AS payment \gset
SET client_min_messages = warning;
SELECT close_period('2012-03', :prog) AS invoices;
RESET client_min_messages;

CREATE TEMP VIEW ledger AS
SELECT (SELECT string_agg(format('credit: %s of %s left', c.remaining, c.amount), '; ' ORDER BY c.credit_id)
          FROM credit c WHERE c.reseller_id = 19001) AS credits,
       (SELECT string_agg(format('payment %s: %s of %s unapplied', p.reference, p.unapplied, p.amount), '; ' ORDER BY p.payment_id)
          FROM payment p WHERE p.reseller_id = 19001) AS payments,
       (SELECT string_agg(format('invoice %s: %s total, %s paid, %s', i.period::text, i.total, i.paid, i.status), '; ')
          FROM invoice i WHERE i.reseller_id = 19001) AS invoices,
       (SELECT count(*) FROM credit_application WHERE reseller_id = 19001) AS applications,
       (SELECT count(*) FROM payment_allocation WHERE reseller_id = 19001) AS allocations;
SELECT * FROM ledger;
SELECT * FROM ledger \gset before_

-- try_as(role, sql): runs sql as the role (a reseller application acting
-- for reseller 19001), with the deferred balance checks fired at once, and
-- returns its SQLSTATE and message; whatever it did is rolled back
CREATE FUNCTION pg_temp.try_as(p_role text, p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    st  text;
    msg text;
BEGIN
    BEGIN
        PERFORM set_config('reseller_billing.reseller_id', '19001', true);
        PERFORM set_config('reseller_billing.customer_id', '19001', true);
        IF p_role <> 'superuser' THEN
            EXECUTE format('SET LOCAL ROLE %I', p_role);
        END IF;
        EXECUTE p_sql;
        SET CONSTRAINTS ALL IMMEDIATE;
        RAISE EXCEPTION 'ALLOWED';
    EXCEPTION WHEN OTHERS THEN
        GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
    END;
    RETURN CASE WHEN msg = 'ALLOWED' THEN 'ALLOWED'
                ELSE st || ': ' || regexp_replace(msg, '(credit|payment|invoice) [0-9]+', '\1 <id>', 'g') END;
END $$;

CREATE TEMP TABLE forbidden (n int, what text, sql text);
INSERT INTO forbidden VALUES
 (1, 'spent credit comes back', $$UPDATE reseller_billing.credit SET remaining = amount WHERE reseller_id = 19001$$),
 (2, 'a credit grows', $$UPDATE reseller_billing.credit SET amount = amount * 2, remaining = remaining + amount WHERE reseller_id = 19001$$),
 (3, 'a credit is deleted', $$DELETE FROM reseller_billing.credit WHERE reseller_id = 19001$$),
 (4, 'applied money is unapplied again', $$UPDATE reseller_billing.payment SET unapplied = amount WHERE reseller_id = 19001$$),
 (5, 'a payment grows', $$UPDATE reseller_billing.payment SET amount = amount * 2, unapplied = unapplied + amount WHERE reseller_id = 19001$$),
 (6, 'a payment''s reference changes', $$UPDATE reseller_billing.payment SET reference = 'OTHER' WHERE reseller_id = 19001$$),
 (7, 'an allocation is deleted', $$DELETE FROM reseller_billing.payment_allocation WHERE reseller_id = 19001$$),
 (8, 'an allocation shrinks', $$UPDATE reseller_billing.payment_allocation SET amount = amount - 'USD 1.00'::reseller_billing.amount WHERE reseller_id = 19001$$),
 (9, 'an allocation with its payment, in step', $$UPDATE reseller_billing.payment_allocation SET amount = amount - 'USD 1.00'::reseller_billing.amount WHERE reseller_id = 19001;
                                               UPDATE reseller_billing.payment SET unapplied = unapplied + 'USD 1.00'::reseller_billing.amount WHERE reseller_id = 19001$$),
 (10, 'an application is deleted', $$DELETE FROM reseller_billing.credit_application WHERE reseller_id = 19001$$),
 (11, 'an invoice is marked paid', $$UPDATE reseller_billing.invoice SET paid = total WHERE reseller_id = 19001$$),
 (12, 'an allocation grows alone', $$UPDATE reseller_billing.payment_allocation SET amount = amount + 'USD 1.00'::reseller_billing.amount WHERE reseller_id = 19001$$),
 (13, 'a credit in another currency', $$INSERT INTO reseller_billing.credit (reseller_id, amount, remaining, reason) VALUES (19001, 'EUR 5', 'EUR 5', 'x')$$),
 (14, 'a credit that does not start whole', $$INSERT INTO reseller_billing.credit (reseller_id, amount, remaining, reason) VALUES (19001, 'USD 5', 'USD 50', 'x')$$),
 (15, 'a TRUNCATE of the payments', $$TRUNCATE reseller_billing.payment_allocation, reseller_billing.payment CASCADE$$);

SELECT f.n, f.what, r.role, pg_temp.try_as(r.role, f.sql) AS result
  FROM forbidden f,
       (VALUES (1, 'superuser'), (2, 'reseller_billing_admin'), (3, 'reseller_billing_reseller'),
               (4, 'reseller_billing_customer')) r(k, role)
 ORDER BY f.n, r.k;

-- and nothing changed
SELECT * FROM ledger;
SELECT credits = :'before_credits' AND payments = :'before_payments' AND invoices = :'before_invoices'
       AND applications = :before_applications AND allocations = :before_allocations AS unchanged
  FROM ledger;

-- ===========================================================================
-- a credit is in its program's currency and of a sane size (22023, 22003)
-- ===========================================================================
SELECT grant_credit(19001, 'EUR 5', 'wrong currency', '{}');
SELECT grant_credit(19001, 'USD 9223372036854.775807', 'too much', '{}');
SELECT grant_credit(19001, 'USD 1000000000.000001', 'just too much', '{}');
SELECT grant_credit(19001, 'USD 1000000000', 'the most', '{}') IS NOT NULL AS granted;

-- ===========================================================================
-- the rules still move the balances in step: a second payment settles
-- nothing more (the invoice is paid), and a new credit waits for April
-- ===========================================================================
SELECT record_payment(19001, 'USD 2.00', 'bank_transfer', '2012-04-02', 'LEDGER-2') IS NOT NULL AS recorded;
SELECT * FROM ledger;

-- leave nothing to bill for a later file
SELECT (cancel_subscription(19001, 19001)).status;
