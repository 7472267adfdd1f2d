SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
--
-- tenant_cache: the row-level security policies ask current_reseller(),
-- current_customer(), provider_reseller_ids() and
-- customer_subscription_ids() once per row; each answer is kept for the
-- statement (src/tenant.c).  A kept answer must never outlive what it was
-- computed from: another tenant setting (SET, SET LOCAL, set_config, a
-- rollback to a savepoint reverting it), another role, another statement
-- after a change of the data it read.  Ids: resellers 97001-97003 (97003 a
-- provider of 97002), customers 97001 and 97002 of reseller 97001.
--

INSERT INTO program (code, name, currency) VALUES ('tenant_cache', 'Tenant cache', 'USD') RETURNING program_id AS prog \gset
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES
    (97001, :prog, 'Cache One', 'US'), (97002, :prog, 'Cache Two', 'US'), (97003, :prog, 'Cache Provider', 'US');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES
    (97001, 97001, 'One A', 'a.example'), (97001, 97002, 'One B', 'b.example'), (97002, 97003, 'Two A', 'c.example');
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_tc_reseller;
DROP ROLE IF EXISTS regress_tc_customer;
RESET client_min_messages;
CREATE ROLE regress_tc_reseller IN ROLE reseller_billing_reseller;
CREATE ROLE regress_tc_customer IN ROLE reseller_billing_customer;

-- one transaction, the setting changed between statements that write nothing
BEGIN;
SET LOCAL ROLE regress_tc_reseller;
SET LOCAL reseller_billing.reseller_id = '97001';
SELECT current_reseller(), string_agg(name, ', ' ORDER BY name) AS sees FROM customer WHERE reseller_id BETWEEN 97001 AND 97003;
SET LOCAL reseller_billing.reseller_id = '97002';
SELECT current_reseller(), string_agg(name, ', ' ORDER BY name) AS sees FROM customer WHERE reseller_id BETWEEN 97001 AND 97003;
-- a rollback to a savepoint reverts the setting, and the answer with it
SAVEPOINT s;
SELECT set_config('reseller_billing.reseller_id', '97001', true) AS set_to;
SELECT current_reseller(), string_agg(name, ', ' ORDER BY name) AS sees FROM customer WHERE reseller_id BETWEEN 97001 AND 97003;
ROLLBACK TO SAVEPOINT s;
SELECT current_reseller(), string_agg(name, ', ' ORDER BY name) AS sees FROM customer WHERE reseller_id BETWEEN 97001 AND 97003;
COMMIT;

-- a provider's reach follows the partnerships of the statement's moment
BEGIN;
SET LOCAL reseller_billing.reseller_id = '97003';
SET LOCAL ROLE regress_tc_reseller;
SELECT provider_reseller_ids() AS provides, count(*) AS customers_seen FROM customer WHERE reseller_id BETWEEN 97001 AND 97003;
RESET ROLE;
INSERT INTO channel_invitation (reseller_id, invitation_id, kind, provider_id, status, responded_at)
VALUES (97002, 97001, 'reseller', 97003, 'accepted', '2012-01-01');
INSERT INTO provider_partnership (reseller_id, provider_id, invitation_id) VALUES (97002, 97003, 97001);
SET LOCAL ROLE regress_tc_reseller;
SELECT provider_reseller_ids() AS provides, count(*) AS customers_seen FROM customer WHERE reseller_id BETWEEN 97001 AND 97003;
ROLLBACK;

-- a customer portal: its own customer row, then another customer of the same reseller
BEGIN;
SET LOCAL ROLE regress_tc_customer;
SET LOCAL reseller_billing.reseller_id = '97001';
SET LOCAL reseller_billing.customer_id = '97001';
SELECT current_customer(), string_agg(name, ', ') AS sees FROM customer;
SET LOCAL reseller_billing.customer_id = '97002';
SELECT current_customer(), string_agg(name, ', ') AS sees FROM customer;
COMMIT;

-- another role in the same transaction: the admin sees all three
BEGIN;
SET LOCAL reseller_billing.reseller_id = '97001';
SET LOCAL ROLE regress_tc_reseller;
SELECT count(*) AS reseller_sees FROM customer WHERE reseller_id BETWEEN 97001 AND 97003;
SET LOCAL ROLE reseller_billing_admin;
SELECT count(*) AS admin_sees FROM customer WHERE reseller_id BETWEEN 97001 AND 97003;
COMMIT;

DROP ROLE regress_tc_reseller;
DROP ROLE regress_tc_customer;
