-- make demo, part 7: who sees what, and the audit log.
--
-- The same database as parts 1-6, seen by a reseller's application, by an
-- end customer's portal and by a session that names no tenant: every table
-- holding reseller data has row-level security, prices never reach the
-- customer, and every change is recorded with the role that made it.
SET search_path = reseller_billing, public;
SET TimeZone = 'America/Los_Angeles';
SET DateStyle = 'ISO, YMD';
\pset footer off
\pset null ''
\set SHOW_CONTEXT never
-- a refused statement inside a transaction does not end it (psql takes a
-- savepoint before each statement)
\set ON_ERROR_ROLLBACK on

SET client_min_messages = warning;
DROP ROLE IF EXISTS demo_crm;
DROP ROLE IF EXISTS demo_portal;
DROP ROLE IF EXISTS demo_crm_login;
RESET client_min_messages;

\echo
\echo '== Two application roles: a reseller CRM and a customer portal, each granted one of the extension''s roles =='
CREATE ROLE demo_crm IN ROLE reseller_billing_reseller;
CREATE ROLE demo_portal IN ROLE reseller_billing_customer;
SELECT r.rolname AS "Role", array_agg(m.rolname ORDER BY m.rolname) AS "Member of"
  FROM pg_roles r JOIN pg_auth_members a ON a.member = r.oid JOIN pg_roles m ON m.oid = a.roleid
 WHERE r.rolname IN ('demo_crm', 'demo_portal') GROUP BY r.rolname ORDER BY 1;

SELECT reseller_id AS gga FROM reseller WHERE name = 'Golden Gate Apps' \gset
SELECT reseller_id AS scg FROM reseller WHERE name = 'Sound Consulting Group' \gset
SELECT customer_id AS harbor FROM customer WHERE reseller_id = :gga AND name = 'Harbor Law LLP' \gset

\echo
\echo '== As the vendor (the extension owner): every reseller''s invoices =='
SELECT reseller_name AS "Reseller", count(*) AS "Invoices", sum(total) AS "Invoiced"
  FROM invoices GROUP BY reseller_name ORDER BY 1;

\echo
\echo '== As Golden Gate Apps'' CRM (SET LOCAL reseller_billing.reseller_id per transaction): only its own rows =='
BEGIN;
SET LOCAL ROLE demo_crm;
SELECT set_config('reseller_billing.reseller_id', :'gga', true) AS "Acting for";
SELECT reseller_name AS "Reseller", count(*) AS "Invoices", sum(total) AS "Invoiced"
  FROM invoices GROUP BY reseller_name ORDER BY 1;
SELECT count(*) AS "Subscriptions it sees", count(*) FILTER (WHERE reseller_id <> :gga) AS "Of other resellers"
  FROM subscription;
\echo '   Sound Consulting''s rows are not there to read, change or delete:'
SELECT count(*) AS "Sound Consulting customers seen" FROM customer WHERE reseller_id = :scg;
UPDATE customer SET name = 'taken over' WHERE reseller_id = :scg;
\echo '   ... and a row for Sound Consulting cannot be written (42501):'
\set ON_ERROR_STOP 0
INSERT INTO customer (reseller_id, name) VALUES (:scg, 'Planted customer');
\set ON_ERROR_STOP 1
ROLLBACK;

BEGIN;
SET LOCAL ROLE demo_crm;
SELECT set_config('reseller_billing.reseller_id', :'gga', true) AS "Acting for";
\echo '   Its own business is written directly, with the rules; the derived billing facts are not writable (42501):'
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT :gga, subscription_id, 'paralegal@harborlaw.example', '2012-05-02 09:00'
  FROM subscription WHERE reseller_id = :gga AND customer_id = :harbor AND status = 'active' LIMIT 1;
\set ON_ERROR_STOP 0
DELETE FROM commitment_tranche WHERE reseller_id = :gga;
SELECT close_period('2012-05');
\set ON_ERROR_STOP 1
COMMIT;

\echo
\echo '== A session that names no tenant sees nothing =='
BEGIN;
SET LOCAL ROLE demo_crm;
SELECT (SELECT count(*) FROM invoice) AS "Invoices", (SELECT count(*) FROM subscription) AS "Subscriptions",
       (SELECT count(*) FROM seat) AS "Accounts";
ROLLBACK;

\echo
\echo '== As Harbor Law''s portal: its subscriptions and accounts, and no price anywhere =='
BEGIN;
SET LOCAL ROLE demo_portal;
SELECT set_config('reseller_billing.reseller_id', :'gga', true) AS "Reseller",
       set_config('reseller_billing.customer_id', :'harbor', true) AS "Customer";
SELECT s.subscription_id AS "Subscription", k.name AS "Product", s.plan AS "Plan", s.status AS "Status",
       s.committed_seats AS "Seats", s.active_seats AS "In use", s.term_end AS "Renews on"
  FROM subscription s JOIN sku k USING (sku_id);
SELECT count(*) AS "Accounts" FROM seat;
\set ON_ERROR_STOP 0
SELECT partner_price FROM subscription;
SELECT * FROM invoices;
\set ON_ERROR_STOP 1
ROLLBACK;

\echo
\echo '== The audit log: the account the CRM added, recorded with the role that acted =='
SELECT logged_at AS "When", role_name AS "Role", tenant_setting AS "Tenant", table_name AS "Table", operation AS "Operation",
       row_key AS "Key", new_row ->> 'user_name' AS "Account"
  FROM audit_log WHERE table_name = 'seat' AND new_row ->> 'user_name' = 'paralegal@harborlaw.example';
\echo '   It is append-only, for every role but its owner:'
BEGIN;
SET LOCAL ROLE reseller_billing_admin;
\set ON_ERROR_STOP 0
DELETE FROM audit_log WHERE table_name = 'seat';
\set ON_ERROR_STOP 1
ROLLBACK;
\echo '   What was logged, by table and operation:'
SELECT table_name AS "Table", operation AS "Operation", count(*) AS "Rows"
  FROM audit_log GROUP BY 1, 2 ORDER BY 1, 2;

\echo
\echo '== A reseller''s login is bound to its reseller: naming another is refused, whatever it sets =='
CREATE ROLE demo_crm_login LOGIN IN ROLE reseller_billing_reseller;
SELECT role_name AS "Login", reseller AS "Bound to" FROM bind_login('demo_crm_login', :gga);
SET SESSION AUTHORIZATION demo_crm_login;
SELECT current_reseller() AS "Acts for", count(*) AS "Customers it sees" FROM customer;
SET reseller_billing.reseller_id = :'scg';
\set ON_ERROR_STOP 0
SELECT count(*) AS "Sound Consulting customers seen" FROM customer;
\set ON_ERROR_STOP 1
RESET reseller_billing.reseller_id;
RESET SESSION AUTHORIZATION;

\echo
\echo '== Money applied stays applied, for the admin too: Sound Consulting''s cheque cannot be unapplied by hand =='
BEGIN;
SET LOCAL ROLE reseller_billing_admin;
SET CONSTRAINTS ALL IMMEDIATE;
\set ON_ERROR_STOP 0
UPDATE payment SET unapplied = amount WHERE reseller_id = :scg;
\set ON_ERROR_STOP 1
ROLLBACK;
SELECT reference AS "Payment", amount AS "Amount", unapplied AS "Unapplied" FROM payment WHERE reseller_id = :scg;


\echo
\echo '== The policies ask whom the session acts for once per statement, with no subquery (so Citus can distribute the tables) =='
SELECT tablename AS "Table", policyname AS "Policy", qual AS "Rows it may see"
  FROM pg_policies WHERE schemaname = 'reseller_billing' AND tablename IN ('invoice', 'seat')
 ORDER BY tablename, policyname;
