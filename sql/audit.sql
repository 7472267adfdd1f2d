SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- audit: the append-only audit log (issue 7 §3).  Every change to programs,
-- SKUs, prices, resellers, customers, subscriptions, seats, charges,
-- invoices, credits, credit notes, payments and migrations is one row: who
-- (role, login role, tenant setting), when, table, key, old and new values.
-- A statement of many rows writes one audit row per row; an UPDATE that
-- changes nothing, or only a subscription's seat counter, writes none.  The
-- log refuses UPDATE, DELETE and TRUNCATE to every role but its owner.
--
-- Ids: 71001..; the log is read from the audit_id this file starts at.
--
SELECT coalesce(max(audit_id), 0) AS start FROM audit_log \gset

-- ===========================================================================
-- the catalogue: shared rows are logged under reseller 0
-- ===========================================================================
INSERT INTO program (code, name, currency, time_zone) VALUES ('audit_prog', 'Audit tests', 'USD', 'UTC')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'audit_apps', 'Apps', 'apps') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_monthly', 'USD 50', '2012-01-01'),
    (:apps, 'flexible', 'USD 60', '2012-01-01');
UPDATE price SET valid_to = '2013-01-01' WHERE sku_id = :apps AND plan = 'flexible';
SELECT reseller_id, table_name, operation, role_name, session_role,
       new_row ->> 'plan' AS plan, old_row ->> 'valid_to' AS old_valid_to, new_row ->> 'valid_to' AS new_valid_to
  FROM audit_log WHERE audit_id > :start ORDER BY audit_id;

-- ===========================================================================
-- tenant rows, with the tenant setting of the session
-- ===========================================================================
SET reseller_billing.reseller_id = '71001';
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (71001, :prog, 'Audit Resale', 'US');
INSERT INTO customer (reseller_id, customer_id, name) VALUES (71001, 71001, 'Acme');
SET reseller_billing.effective_at = '2012-03-01 00:00+00';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
VALUES (71001, 71001, 71001, :apps, 'flexible', 10);
RESET reseller_billing.effective_at;
SELECT audit_id AS before_seats FROM audit_log ORDER BY audit_id DESC LIMIT 1 \gset
-- three accounts in one statement: three seat rows; the subscription's
-- counter moves (3) but that UPDATE is not logged again
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT 71001, 71001, u, '2012-03-02 00:00+00' FROM unnest(ARRAY['ann', 'bob', 'cy']) u;
SELECT table_name, operation, row_key ->> 'reseller_id' AS reseller, new_row ->> 'user_name' AS user_name,
       tenant_setting
  FROM audit_log WHERE audit_id > :before_seats ORDER BY audit_id;
SELECT active_seats FROM subscription WHERE reseller_id = 71001 AND subscription_id = 71001;

-- a real change of the subscription: old and new values, keyed
SELECT set_seat_cap(71001, 71001, 5, '2012-03-05 00:00+00') IS NOT NULL AS capped;
SELECT table_name, operation, row_key, old_row ->> 'seat_cap' AS old_cap, new_row ->> 'seat_cap' AS new_cap
  FROM audit_log WHERE table_name = 'subscription' AND operation = 'UPDATE' AND reseller_id = 71001;
-- an UPDATE that changes nothing is not logged
SELECT count(*) AS before FROM audit_log WHERE audit_id > :start \gset
UPDATE customer SET name = name WHERE reseller_id = 71001;
SELECT count(*) - :before AS logged FROM audit_log WHERE audit_id > :start;
RESET reseller_billing.reseller_id;

-- ===========================================================================
-- money: a credit, a payment, the month's invoice (every row's reseller)
-- ===========================================================================
SELECT grant_credit(71001, 'USD 1.00', 'goodwill', '{}') IS NOT NULL AS credited;
SELECT record_payment(71001, 'USD 5.00', 'bank_transfer', '2012-03-20', 'AUD-1') IS NOT NULL AS paid;
SET client_min_messages = warning;
SELECT close_period('2012-03', :prog) AS invoices;
RESET client_min_messages;
SELECT table_name, operation, count(*)
  FROM audit_log WHERE audit_id > :start AND reseller_id = 71001
 GROUP BY 1, 2 ORDER BY 1, 2;
-- the invoice: written as a draft, then numbered and issued (old and new)
SELECT operation, old_row ->> 'status' AS old_status, new_row ->> 'status' AS new_status,
       new_row ->> 'invoice_number' AS number, new_row ->> 'total' AS total
  FROM audit_log WHERE audit_id > :start AND table_name = 'invoice' ORDER BY audit_id;

-- ===========================================================================
-- append-only: refused to a role that is not the owner, even an admin that
-- sees every row and was granted the table privileges; the owner (here the
-- superuser that installed the extension) keeps them
-- ===========================================================================
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_rb_auditor;
RESET client_min_messages;
CREATE ROLE regress_rb_auditor IN ROLE reseller_billing_admin;
GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE ON audit_log TO regress_rb_auditor;
SET ROLE regress_rb_auditor;
UPDATE audit_log SET role_name = 'nobody' WHERE audit_id > :start;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
DELETE FROM audit_log WHERE audit_id > :start;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE audit_log;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET ROLE;
SELECT count(*) > 0 AS kept FROM audit_log WHERE audit_id > :start AND role_name <> 'nobody';
BEGIN;
DELETE FROM audit_log WHERE audit_id > :start AND table_name = 'price';
ROLLBACK;
REVOKE ALL ON audit_log FROM regress_rb_auditor;
DROP ROLE regress_rb_auditor;

-- a TRUNCATE of an audited table is itself logged (rolled back here)
BEGIN;
TRUNCATE price;
SELECT reseller_id, table_name, operation, row_key, old_row, new_row
  FROM audit_log WHERE audit_id > :start AND operation = 'TRUNCATE';
ROLLBACK;
