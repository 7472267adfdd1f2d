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

\ir outcome.sql

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
SELECT pg_temp.done(format('SET reseller_billing.reseller_id = %s', :r1)) AS group_role_the_session_set;
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
SELECT pg_temp.done(format('SET reseller_billing.reseller_id = %s', :r1)) AS login_role_the_session_set;
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

\echo == 5b. a tenant setting empty on a worker: a trusted login is refused on a cluster
\echo ==     (it cannot tell a session-level SET left on the coordinator from none); an unbound login sees nothing;
\echo ==     an administrator reads every row, session SET or not
SET ROLE roles_pool;
SELECT set_config('reseller_billing.reseller_id', :'r1', false) IS NOT NULL AS session_set_config;
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.subscription') AS login_role_session_set_config;
RESET reseller_billing.reseller_id;
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.subscription') AS login_role_no_setting;
BEGIN;
SET LOCAL reseller_billing.reseller_id = :'r1';
SELECT pg_temp.outcome($$SELECT count(*) FROM reseller_billing.customer c
                         JOIN reseller_billing.subscription s USING (reseller_id, customer_id)$$) AS login_role_set_local_join;
COMMIT;
RESET ROLE;
CREATE ROLE roles_unbound LOGIN IN ROLE reseller_billing_reseller;
SET SESSION AUTHORIZATION roles_unbound;
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.subscription') AS unbound_login_no_setting;
RESET SESSION AUTHORIZATION;
CREATE ROLE roles_admin LOGIN IN ROLE reseller_billing_admin;
SET SESSION AUTHORIZATION roles_admin;
SELECT pg_temp.done(format('SET reseller_billing.reseller_id = %s', :r1)) AS admin_login_the_session_set;
SELECT pg_temp.done($$SET reseller_billing.effective_at = '2012-03-01 00:00+00'$$) AS admin_login_session_set_of_effective_at;
SELECT pg_temp.done('SET reseller_billing.effective_at = DEFAULT') AS admin_login_session_set_to_default;
SELECT set_config('reseller_billing.reseller_id', :'r1', false) IS NOT NULL AS admin_login_set_config;
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.subscription') AS admin_login_session_set;
RESET reseller_billing.reseller_id;
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.subscription') AS admin_login_no_setting;
RESET SESSION AUTHORIZATION;

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

\echo == 7. the bound login writes its own business: accounts (one and several rows), a subscription
-- (doc/security.md, "Columns a reseller application may write"); another reseller's rows stay
-- out of its reach; the Flex cap refuses as on one node
SELECT subscription_id AS s2 FROM subscription WHERE reseller_id = :r2 \gset
SELECT customer_id AS c1 FROM customer WHERE reseller_id = :r1 \gset
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (:r2, :s2, 'other@c.example');
SET SESSION AUTHORIZATION roles_bound;
SELECT pg_temp.outcome(format($$INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name)
                                VALUES (%s, %s, 'bound@c.example') RETURNING user_name$$, :r1, :s1)) AS bound_login_adds_an_account;
SELECT pg_temp.outcome(format($$WITH n AS (INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name)
                                VALUES (%1$s, %2$s, 'b1@c.example'), (%1$s, %2$s, 'b2@c.example') RETURNING 1)
                                SELECT count(*) FROM n$$, :r1, :s1)) AS bound_login_adds_two_accounts;
SELECT pg_temp.outcome(format($$SELECT active_seats || ' of ' || seat_cap FROM reseller_billing.subscription
                                WHERE reseller_id = %s AND subscription_id = %s$$, :r1, :s1)) AS bound_login_seat_count;
-- (the subscription's id is left out: the setup's INSERT ... SELECT numbers them in another order on a cluster)
SELECT regexp_replace(pg_temp.outcome(format($$INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name)
                                VALUES (%1$s, %2$s, 'b3@c.example'), (%1$s, %2$s, 'b4@c.example') RETURNING 1$$, :r1, :s1)),
                      'subscription [0-9]+ ', 'subscription S ') AS bound_login_over_the_flex_cap;
SELECT pg_temp.outcome(format($$INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name)
                                VALUES (%s, %s, 'intruder@c.example') RETURNING 1$$, :r2, :s2)) AS bound_login_account_of_another_reseller;
SELECT pg_temp.outcome(format('SELECT count(*) FROM reseller_billing.seat WHERE reseller_id = %s', :r2)) AS bound_login_sees_another_resellers_accounts;
SELECT pg_temp.outcome('SELECT count(*) || '' accounts of '' || count(DISTINCT reseller_id) || '' reseller'' FROM reseller_billing.seat') AS bound_login_sees_its_accounts;
-- a subscription: the seat counter and created_at it sends are not kept
SELECT pg_temp.outcome(format($$WITH n AS (INSERT INTO reseller_billing.subscription (reseller_id, customer_id, sku_id, plan, seat_cap, active_seats, created_at)
                                VALUES (%s, %s, %s, 'flexible', 3, 7, '2001-01-01 00:00+00') RETURNING active_seats, created_at)
                                SELECT active_seats || ' seats, created in 2001: ' || (created_at < '2002-01-01') FROM n$$, :r1, :c1, :apps)) AS bound_login_adds_a_subscription;
SELECT pg_temp.outcome(format($$INSERT INTO reseller_billing.subscription (reseller_id, customer_id, sku_id, plan, seat_cap, cancelled_at)
                                VALUES (%s, %s, %s, 'flexible', 3, '2001-01-01 00:00+00') RETURNING 1$$, :r1, :c1, :apps)) AS bound_login_subscription_cancelled_at;
SELECT pg_temp.outcome(format($$INSERT INTO reseller_billing.subscription (reseller_id, customer_id, sku_id, plan, seat_cap)
                                VALUES (%s, %s, %s, 'flexible', 3) RETURNING 1$$, :r2, :c1, :apps)) AS bound_login_subscription_of_another_reseller;
-- an account id it chooses: allowed, its own key (reseller_id, seat_id)
SELECT pg_temp.outcome(format($$INSERT INTO reseller_billing.seat (reseller_id, seat_id, subscription_id, user_name)
                                VALUES (%s, 987654321, %s, 'chosen@c.example') RETURNING seat_id$$, :r1, :s1)) AS bound_login_chooses_an_account_id;
RESET SESSION AUTHORIZATION;

SELECT unbind_login('roles_bound') \g /dev/null
DROP OWNED BY roles_pool;
DROP ROLE roles_pool;
DROP OWNED BY roles_bound;
DROP ROLE roles_bound;
DROP OWNED BY roles_unbound;
DROP ROLE roles_unbound;
DROP OWNED BY roles_admin;
DROP ROLE roles_admin;
