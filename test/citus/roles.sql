-- test/citus/roles.sql — how an application may take a tenant role on a
-- Citus cluster, and what does not work (doc/scaling.md, "Roles and the
-- rules' settings on a cluster").  test/citus/run.sh runs it on one node
-- and on the cluster (database rb_roles, distributed) and compares each
-- output with test/citus/expected/roles-single.out / roles-cluster.out:
-- the two differ exactly where the cluster refuses or sees nothing.
\set ON_ERROR_STOP 1
\pset footer off
SET search_path = reseller_billing, public;
SET client_min_messages = error;
SET TimeZone = 'UTC';

-- outcome: runs a statement; its first column, or its SQLSTATE and message
-- (the worker's address and a shard's suffix left out)
CREATE FUNCTION pg_temp.outcome(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    r text;
BEGIN
    EXECUTE p_sql INTO r;
    RETURN 'ok: ' || coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || regexp_replace(regexp_replace(SQLERRM, '\S+@\S+:[0-9]+', 'NODE', 'g'), '_[0-9]{6,}', '', 'g');
END $$;

INSERT INTO program (code, name, currency, time_zone) VALUES ('roles_apps', 'Roles on a cluster', 'USD', 'UTC')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'roles_apps', 'Apps', 'apps') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps, 'flexible', 'USD 60.00', '2012-01-01');
INSERT INTO reseller (program_id, name, country, region) VALUES (:prog, 'Roles One', 'US', 'CA') RETURNING reseller_id AS r1 \gset
INSERT INTO reseller (program_id, name, country, region) VALUES (:prog, 'Roles Two', 'US', 'NY') RETURNING reseller_id AS r2 \gset
INSERT INTO customer (reseller_id, name, primary_domain)
SELECT r, 'Customer of ' || r, 'c' || r || '.example' FROM unnest(ARRAY[:r1, :r2]) r;
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, seat_cap)
SELECT c.reseller_id, c.customer_id, :apps, 'flexible', 5 FROM customer c WHERE c.reseller_id IN (:r1, :r2);
SELECT subscription_id AS s1 FROM subscription WHERE reseller_id = :r1 \gset
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (:r1, :s1, 'admin@c.example');

-- a pooler's login, trusted to name its tenant per transaction
CREATE ROLE roles_pool LOGIN IN ROLE reseller_billing_reseller;
SELECT trusted FROM trust_login('roles_pool');

\echo == 1. the group role itself, SET ROLE with a session SET of the tenant
SET ROLE reseller_billing_reseller;
SET reseller_billing.reseller_id = :'r1';
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.subscription') AS group_role_session_set;
RESET reseller_billing.reseller_id;
RESET ROLE;

\echo == 2. the group role, SET LOCAL ROLE and SET LOCAL of the tenant in a transaction
BEGIN;
SET LOCAL ROLE reseller_billing_reseller;
SET LOCAL reseller_billing.reseller_id = :'r1';
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.subscription') AS group_role_set_local;
COMMIT;

\echo == 3. a login member of the group, SET LOCAL ROLE to it and SET LOCAL of the tenant
BEGIN;
SET LOCAL ROLE roles_pool;
SET LOCAL reseller_billing.reseller_id = :'r1';
SELECT pg_temp.outcome('SELECT count(*) || '' subscriptions of '' || count(DISTINCT reseller_id) || '' reseller'' FROM reseller_billing.subscription') AS login_role_set_local;
SELECT pg_temp.outcome(format('SELECT count(*) FROM reseller_billing.subscription WHERE reseller_id = %s', :r2)) AS login_role_other_reseller;
SELECT pg_temp.outcome(format($$INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name)
                                VALUES (%s, %s, 'pool@c.example') RETURNING user_name$$, :r1, :s1)) AS login_role_adds_an_account;
ROLLBACK;

\echo == 4. the same login, SET ROLE for the session and a session SET of the tenant
SET ROLE roles_pool;
SET reseller_billing.reseller_id = :'r1';
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.subscription') AS login_role_session_set;
SELECT pg_temp.outcome(format('SELECT count(*) FROM reseller_billing.seat WHERE reseller_id = %s', :r1)) AS login_role_session_set_one_reseller;
RESET reseller_billing.reseller_id;
RESET ROLE;

\echo == 5. the same login, session SET, each statement in a transaction that repeats it with SET LOCAL
SET ROLE roles_pool;
BEGIN;
SET LOCAL reseller_billing.reseller_id = :'r1';
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.seat') AS login_role_set_local_accounts;
COMMIT;
RESET ROLE;

\echo == 6. a login bound to the reseller, SET LOCAL of another setting in a transaction, then a read
CREATE ROLE roles_bound LOGIN IN ROLE reseller_billing_reseller;
SELECT bind_login('roles_bound', :r1) \g /dev/null
SET SESSION AUTHORIZATION roles_bound;
BEGIN;
SET LOCAL reseller_billing.effective_at = '2012-03-01 00:00+00';
SELECT pg_temp.outcome('SELECT count(*) || '' subscriptions of '' || count(DISTINCT reseller_id) || '' reseller'' FROM reseller_billing.subscription') AS bound_login_set_local;
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.seat') AS bound_login_accounts;
COMMIT;
RESET SESSION AUTHORIZATION;

SELECT unbind_login('roles_bound') \g /dev/null
DROP OWNED BY roles_pool;
DROP ROLE roles_pool;
DROP OWNED BY roles_bound;
DROP ROLE roles_bound;
