SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- security: tenant isolation as each persona (issue 7 §1).  Two resellers
-- (81001 Alpha, 81002 Beta) and a provider (81003 Gamma) that bills Beta,
-- each with customers, subscriptions, accounts, a closed month, credits,
-- payments and a licence order; then, for EVERY table and view of the
-- extension (read from the catalog at run time), what Alpha's application,
-- the provider, a customer portal and a session with no tenant can read and
-- write.  Ids: 81001..
--

-- ===========================================================================
-- the data, written by the owner
-- ===========================================================================
INSERT INTO program (code, name, currency, time_zone, settings)
VALUES ('sec_prog', 'Security tests', 'USD', 'UTC',
        '{"payment_methods": ["bank_transfer"], "prepaid_first_orders": 0}')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family, unit) VALUES (:prog, 'sec_apps', 'Apps', 'apps', 'seat')
RETURNING sku_id AS apps \gset
INSERT INTO sku (program_id, code, name, family, unit) VALUES (:prog, 'sec_lic', 'Licence', 'words', 'licence')
RETURNING sku_id AS lic \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_monthly', 'USD 60', '2012-01-01'), (:apps, 'flexible', 'USD 72', '2012-01-01'),
    (:lic, 'annual_prepaid', 'USD 100', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country, region) VALUES
    (81001, :prog, 'Alpha', 'US', 'NY'), (81002, :prog, 'Beta', 'US', 'NY'), (81003, :prog, 'Gamma', 'US', 'NY');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES
    (81001, 81001, 'Alpha One', 'a1.example'), (81001, 81002, 'Alpha Two', 'a2.example'),
    (81002, 81003, 'Beta One', 'b1.example');
SET reseller_billing.effective_at = '2012-03-01 00:00+00';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, seat_cap) VALUES
    (81001, 81001, 81001, :apps, 'annual_monthly', 5, NULL),
    (81001, 81002, 81002, :apps, 'flexible', NULL, 5),
    (81002, 81003, 81003, :apps, 'annual_monthly', 3, NULL);
RESET reseller_billing.effective_at;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES
    (81001, 81001, 'ann', '2012-03-02'), (81001, 81002, 'bob', '2012-03-02'), (81002, 81003, 'cy', '2012-03-02');
SELECT count(grant_credit(r, 'USD 1.00', 'goodwill', '{}')) AS credits FROM unnest(ARRAY[81001, 81002]) r;
SELECT count(record_payment(r, 'USD 2.00', 'bank_transfer', '2012-03-20', 'SEC-' || r)) AS payments
  FROM unnest(ARRAY[81001, 81002]) r;
SELECT add_charge(81002, 81003, 'setup', 'USD 5.00', '2012-03-10') IS NOT NULL AS charged;
SET client_min_messages = warning;
SELECT close_period('2012-03', :prog) AS invoices;
RESET client_min_messages;
SELECT place_order(r, format('{"name": "Ship %s", "email": "it@ship%s.example", "domain": "ship%s.example"}', r, r, r)::jsonb,
                   '[{"sku": "sec_lic", "quantity": 1}]', '2012-03-15') IS NOT NULL AS ordered
  FROM unnest(ARRAY[81001, 81002]) r;
-- Gamma is Beta's provider
INSERT INTO channel_invitation (reseller_id, invitation_id, kind, provider_id, status, responded_at)
VALUES (81002, 81001, 'reseller', 81003, 'accepted', '2012-03-01');
INSERT INTO provider_partnership (reseller_id, provider_id, invitation_id) VALUES (81002, 81003, 81001);

-- Alpha's application, a clerk of the provider, a customer portal
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_sec_alpha;
DROP ROLE IF EXISTS regress_sec_gamma;
DROP ROLE IF EXISTS regress_sec_portal;
RESET client_min_messages;
CREATE ROLE regress_sec_alpha IN ROLE reseller_billing_reseller;
CREATE ROLE regress_sec_gamma IN ROLE reseller_billing_reseller;
CREATE ROLE regress_sec_portal IN ROLE reseller_billing_customer;

-- what a session sees of each table and view: rows per reseller, counted
-- with the caller's rights (a table it may not read says so)
CREATE FUNCTION public.sec_visible() RETURNS TABLE (relation text, kind text, seen text)
    LANGUAGE plpgsql AS $$
DECLARE
    r       record;
    res     text;
BEGIN
    FOR r IN SELECT c.relname, c.relkind FROM pg_class c
              WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind IN ('r', 'v')
                AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'reseller_id')
              ORDER BY c.relname LOOP
        BEGIN
            EXECUTE format('SELECT coalesce(string_agg(x.reseller_id || '':'' || x.n, '' '' ORDER BY x.reseller_id), ''-'')
                              FROM (SELECT reseller_id, count(*) AS n FROM reseller_billing.%I
                                     WHERE reseller_id BETWEEN 81000 AND 81999 GROUP BY 1) x', r.relname) INTO res;
        EXCEPTION WHEN insufficient_privilege THEN
            res := 'denied';
        END;
        relation := r.relname; kind := CASE r.relkind WHEN 'r' THEN 'table' ELSE 'view' END; seen := res;
        RETURN NEXT;
    END LOOP;
END $$;
-- what a session can change of another reseller's rows in each table:
-- UPDATE and DELETE of every row of reseller p_other (in a subtransaction,
-- rolled back): denied, or the number of rows reached
CREATE FUNCTION public.sec_reach(p_other bigint) RETURNS TABLE (relation text, updated text, deleted text)
    LANGUAGE plpgsql AS $$
DECLARE
    r       record;
    n       bigint;
BEGIN
    FOR r IN SELECT c.relname FROM pg_class c
              WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind = 'r'
                AND EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'reseller_id')
              ORDER BY c.relname LOOP
        relation := r.relname;
        BEGIN
            EXECUTE format('UPDATE reseller_billing.%I SET reseller_id = reseller_id WHERE reseller_id = %s', r.relname, p_other);
            GET DIAGNOSTICS n = ROW_COUNT;
            updated := n::text;
            RAISE EXCEPTION USING ERRCODE = 'RSEC1';
        EXCEPTION WHEN insufficient_privilege THEN updated := 'denied';
                  WHEN SQLSTATE 'RSEC1' THEN NULL;
                  WHEN OTHERS THEN updated := 'error ' || SQLSTATE;
        END;
        BEGIN
            EXECUTE format('DELETE FROM reseller_billing.%I WHERE reseller_id = %s', r.relname, p_other);
            GET DIAGNOSTICS n = ROW_COUNT;
            deleted := n::text;
            RAISE EXCEPTION USING ERRCODE = 'RSEC1';
        EXCEPTION WHEN insufficient_privilege THEN deleted := 'denied';
                  WHEN SQLSTATE 'RSEC1' THEN NULL;
                  WHEN OTHERS THEN deleted := 'error ' || SQLSTATE;
        END;
        RETURN NEXT;
    END LOOP;
END $$;

-- the owner sees everyone (the reference)
SELECT relation, kind, seen FROM public.sec_visible() WHERE seen <> '-';

-- ===========================================================================
-- Alpha's application: only Alpha's rows, in every table and view
-- ===========================================================================
SET ROLE regress_sec_alpha;
SET reseller_billing.reseller_id = '81001';
SELECT count(*) FILTER (WHERE seen ~ '8100[23]:') AS showing_others,
       count(*) FILTER (WHERE seen ~ '^81001:\d+$') AS showing_own,
       count(*) FILTER (WHERE seen = 'denied') AS denied
  FROM public.sec_visible();
SELECT relation, kind, seen FROM public.sec_visible() WHERE seen NOT IN ('-') ORDER BY relation;
-- writing Beta's rows reaches none, in every table
SELECT count(*) AS tables, count(*) FILTER (WHERE updated IN ('0', 'denied') AND deleted IN ('0', 'denied')) AS untouched
  FROM public.sec_reach(81002);
SELECT relation, updated, deleted FROM public.sec_reach(81002) WHERE NOT (updated IN ('0', 'denied') AND deleted IN ('0', 'denied'));
-- inserting for Beta, or moving a row to Beta, is refused (42501)
INSERT INTO customer (reseller_id, name) VALUES (81002, 'Planted');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE customer SET reseller_id = 81002 WHERE reseller_id = 81001 AND customer_id = 81001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (81002, 81003, 'intruder');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- its own business is written directly, with the rules
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (81001, 81002, 'dee', '2012-04-01');
SELECT active_seats FROM subscription WHERE subscription_id = 81002;
-- ... but never the seat counter, the billing facts, invoices or payments
UPDATE subscription SET active_seats = 0 WHERE subscription_id = 81002;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
DELETE FROM commitment_tranche WHERE reseller_id = 81001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE invoice SET total = 'USD 0' WHERE reseller_id = 81001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO credit (reseller_id, amount, remaining, reason) VALUES (81001, 'USD 1000', 'USD 1000', 'self-service');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO audit_log (reseller_id, table_name, operation) VALUES (81001, 'invoice', 'DELETE');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- the functions: Beta's subscription does not exist for Alpha; Beta's
-- preview is empty; acting for Beta, and the back office, are refused
SELECT add_seats(81002, 81003, 1, '2012-04-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT count(*) AS beta_preview FROM preview_invoice(81002, '2012-04');
SELECT count(*) AS own_preview FROM preview_invoice(81001, '2012-04');
SELECT place_order(81002, '{"name": "X", "email": "x@x.example"}', '[{"sku": "sec_lic", "quantity": 1}]', '2012-04-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT invite_reseller(81002, 81001);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT close_period('2012-04', :prog);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT record_payment(81001, 'USD 1.00', 'bank_transfer', '2012-04-02', 'SELF');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT grant_credit(81001, 'USD 1000', 'self-service', '{}');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- its audit trail names the acting role
SELECT DISTINCT role_name FROM audit_log WHERE table_name = 'seat' AND new_row ->> 'user_name' = 'dee';

-- ===========================================================================
-- no tenant named: nothing at all
-- ===========================================================================
RESET reseller_billing.reseller_id;
SELECT count(*) FILTER (WHERE seen NOT IN ('-', 'denied')) AS showing_rows FROM public.sec_visible();
RESET ROLE;

-- ===========================================================================
-- the provider: its own rows, and what it bills of Beta (customers,
-- subscriptions, accounts, billing facts); never Beta's invoices, credits,
-- payments or orders, and nothing of Alpha
-- ===========================================================================
SET ROLE regress_sec_gamma;
SET reseller_billing.reseller_id = '81003';
SELECT relation, seen FROM public.sec_visible() WHERE seen NOT IN ('-') ORDER BY relation;
SELECT count(*) FILTER (WHERE updated IN ('0', 'denied') AND deleted IN ('0', 'denied')) AS untouched, count(*) AS tables
  FROM public.sec_reach(81002);
RESET reseller_billing.reseller_id;
RESET ROLE;

-- ===========================================================================
-- a customer portal: Alpha One sees its subscriptions, accounts and
-- licences, never a price, an amount or an invoice
-- ===========================================================================
SET ROLE regress_sec_portal;
SET reseller_billing.reseller_id = '81001';
SET reseller_billing.customer_id = '81001';
SELECT relation, kind, seen FROM public.sec_visible() WHERE seen NOT IN ('-', 'denied') ORDER BY relation;
SELECT subscription_id, plan, status, committed_seats, active_seats FROM subscription;
SELECT user_name FROM seat;
SELECT partner_price FROM subscription;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM invoices;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT list_price FROM price;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (81001, 81001, 'self');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- another customer's portal sees nothing of Alpha One
SET reseller_billing.customer_id = '81002';
SELECT count(*) AS subscriptions FROM (SELECT subscription_id FROM subscription WHERE customer_id = 81001) s;
RESET reseller_billing.customer_id;
RESET reseller_billing.reseller_id;
RESET ROLE;
-- the customer Alpha's licence order shipped to sees its licence: the
-- order id and the SKU, no price
SELECT customer_id AS shipped FROM licence WHERE reseller_id = 81001 \gset
SET ROLE regress_sec_portal;
SET reseller_billing.reseller_id = '81001';
SET reseller_billing.customer_id = :'shipped';
SELECT customer_name, order_id IS NOT NULL AS has_order, sku_code, sku_name, quantity, kind FROM customer_licences;
RESET reseller_billing.customer_id;
RESET reseller_billing.reseller_id;
RESET ROLE;
-- no column the customer role may read holds a price or an amount, in any
-- table or view of the extension
SELECT c.relname, a.attname
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind IN ('r', 'v')
   AND has_column_privilege('reseller_billing_customer', c.oid, a.attnum, 'SELECT')
   AND (a.atttypid = 'reseller_billing.amount'::regtype
        OR a.attname ~ '(price|amount|total|subtotal|tax|paid|credit|balance|wholesale)');

-- ===========================================================================
-- the tenant is the login's (issue 19 §2).  The sessions above are a
-- superuser's with SET ROLE: a superuser names any tenant.  A login is
-- different: bound to a reseller it acts for that reseller alone, whatever
-- the setting says; unbound it acts for nobody; a trusted application login
-- (a pooler) names its tenant per transaction.  SET SESSION AUTHORIZATION
-- makes the session's login the role, as a real connection would.
-- ===========================================================================
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_sec_login_alpha;
DROP ROLE IF EXISTS regress_sec_login_stray;
DROP ROLE IF EXISTS regress_sec_login_pool;
DROP ROLE IF EXISTS regress_sec_login_portal;
RESET client_min_messages;
CREATE ROLE regress_sec_login_alpha LOGIN IN ROLE reseller_billing_reseller;
CREATE ROLE regress_sec_login_stray LOGIN IN ROLE reseller_billing_reseller;
CREATE ROLE regress_sec_login_pool LOGIN IN ROLE reseller_billing_reseller;
CREATE ROLE regress_sec_login_portal LOGIN IN ROLE reseller_billing_customer;
SELECT role_name, reseller, customer, trusted FROM bind_login('regress_sec_login_alpha', 81001);
SELECT role_name, reseller, customer, trusted FROM bind_login('regress_sec_login_portal', 81001, 81001);
SELECT role_name, reseller, customer, trusted FROM trust_login('regress_sec_login_pool');
-- what a binding needs (22023, P0002, 22004)
SELECT bind_login('regress_sec_login_portal', 81001);
SELECT bind_login('reseller_billing_admin', 81001);
SELECT bind_login('regress_sec_login_stray', 99999);
SELECT bind_login('regress_sec_login_portal', 81001, 81003);
SELECT bind_login('regress_sec_login_stray', NULL);
-- a tenant cannot bind itself, nor trust itself (42501)
SET ROLE regress_sec_alpha;
SELECT bind_login('regress_sec_login_stray', 81002);
SELECT trust_login('regress_sec_login_stray');
RESET ROLE;

-- Alpha's login: Alpha's rows with or without the setting; naming Beta is refused
SET SESSION AUTHORIZATION regress_sec_login_alpha;
SELECT current_reseller(), (SELECT string_agg(name, ', ' ORDER BY customer_id) FROM customer) AS customers;
SET reseller_billing.reseller_id = '81001';
SELECT current_reseller(), (SELECT count(*) FROM customer) AS customers;
SET reseller_billing.reseller_id = '81002';
SELECT count(*) FROM customer;
SELECT current_reseller();
INSERT INTO customer (reseller_id, customer_id, name) VALUES (81002, 81009, 'Planted');
RESET reseller_billing.reseller_id;
RESET SESSION AUTHORIZATION;
-- an unbound login acts for nobody, and may not name anyone
SET SESSION AUTHORIZATION regress_sec_login_stray;
SELECT current_reseller(), (SELECT count(*) FROM customer) AS customers;
SET reseller_billing.reseller_id = '81002';
SELECT count(*) FROM customer;
RESET reseller_billing.reseller_id;
RESET SESSION AUTHORIZATION;
-- the trusted pooler names its tenant per transaction, as a superuser's session does
SET SESSION AUTHORIZATION regress_sec_login_pool;
BEGIN;
SET LOCAL reseller_billing.reseller_id = '81002';
SELECT current_reseller(), (SELECT string_agg(name, ', ' ORDER BY customer_id) FROM customer) AS customers;
COMMIT;
BEGIN;
SET LOCAL reseller_billing.reseller_id = '81001';
SELECT current_reseller(), (SELECT string_agg(name, ', ' ORDER BY customer_id) FROM customer) AS customers;
COMMIT;
SELECT current_reseller() IS NULL AS nobody_outside_a_transaction;
RESET SESSION AUTHORIZATION;
-- the customer portal's login: its own customer only
SET SESSION AUTHORIZATION regress_sec_login_portal;
SELECT current_reseller(), current_customer(), (SELECT string_agg(name, ', ') FROM customer) AS sees;
SET reseller_billing.customer_id = '81002';
SELECT current_customer();
RESET reseller_billing.customer_id;
SET reseller_billing.reseller_id = '81002';
SELECT count(*) FROM subscription;
RESET reseller_billing.reseller_id;
RESET SESSION AUTHORIZATION;
-- a setting that is no id at all
SET reseller_billing.reseller_id = 'alpha';
SELECT current_reseller();
RESET reseller_billing.reseller_id;
-- nothing was planted, and every binding and its changes are in the audit log
SELECT count(*) AS planted FROM customer WHERE customer_id = 81009;
SELECT operation, row_key ->> 'role_name' AS login, new_row ->> 'reseller' AS reseller, new_row ->> 'trusted' AS trusted
  FROM audit_log WHERE table_name = 'tenant_login' AND row_key ->> 'role_name' LIKE 'regress_sec_login%' ORDER BY audit_id;
-- unbound again, Alpha's login acts for nobody
SELECT unbind_login('regress_sec_login_alpha');
SET SESSION AUTHORIZATION regress_sec_login_alpha;
SELECT current_reseller(), (SELECT count(*) FROM customer) AS customers;
RESET SESSION AUTHORIZATION;
SELECT count(unbind_login(r::regrole)) AS unbound
  FROM unnest(ARRAY['regress_sec_login_stray', 'regress_sec_login_pool', 'regress_sec_login_portal']) r;
DROP ROLE regress_sec_login_alpha;
DROP ROLE regress_sec_login_stray;
DROP ROLE regress_sec_login_pool;
DROP ROLE regress_sec_login_portal;

-- ===========================================================================
-- leave nothing behind (no subscription for a later file's renew_due)
-- ===========================================================================
SELECT count(*) AS closed FROM (
    SELECT (cancel_subscription(reseller_id, subscription_id)).status
      FROM subscription WHERE reseller_id BETWEEN 81001 AND 81003 AND status <> 'cancelled') x;
DROP FUNCTION public.sec_visible();
DROP FUNCTION public.sec_reach(bigint);
DROP ROLE regress_sec_alpha;
DROP ROLE regress_sec_gamma;
DROP ROLE regress_sec_portal;
