-- test/citus/settings.sql — a rule setting the workers of a Citus cluster
-- would not have is refused, never a wrong result (issue 14; doc/scaling.md,
-- "Roles and the rules' settings on a cluster").  test/citus/run.sh runs it
-- on one node and on the cluster (after roles.sql, in its databases) and
-- compares each output with test/citus/expected/settings-single.out /
-- settings-cluster.out: the two differ exactly where the cluster refuses
-- (0A000) a statement that one node runs.  The cases' writes are rolled back.
\set ON_ERROR_STOP 1
\pset footer off
SET search_path = reseller_billing, public;
SET client_min_messages = error;
SET TimeZone = 'UTC';

\ir outcome.sql

INSERT INTO program (program_id, code, name, currency, time_zone) VALUES (74, 'settings_apps', 'Settings on a cluster', 'USD', 'UTC');
INSERT INTO sku (sku_id, program_id, code, name, family) VALUES (74, 74, 'settings_apps', 'Apps', 'apps');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (74, 'flexible', 'USD 60.00', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country, region) VALUES (74001, 74, 'Settings One', 'US', 'CA');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES (74001, 74001, 'Customer', 'settings.example');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
VALUES (74001, 74001, 74001, 74, 'flexible', 5);

-- a subscription the rules date: its term starts on the day of effective_at, else on the billing clock's
-- (today: printed as "the clock's day")
CREATE FUNCTION pg_temp.dated(p_id bigint) RETURNS text LANGUAGE sql AS $$
SELECT format($q$WITH n AS (INSERT INTO reseller_billing.subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
                VALUES (74001, %s, 74001, 74, 'flexible', 3) RETURNING term_start)
               SELECT CASE WHEN term_start = (reseller_billing.clock_now() AT TIME ZONE 'UTC')::date THEN 'the clock''s day'
                           ELSE term_start::text END FROM n$q$, p_id)
$$;

\echo == 1. set_config(..., false) of effective_at, then an INSERT a rule dates: refused on a cluster
BEGIN;
SELECT set_config('reseller_billing.effective_at', '2012-02-01 09:00', false) IS NOT NULL AS session_set_config;
SELECT pg_temp.outcome(pg_temp.dated(74101)) AS insert_after_session_set_config;
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.subscription WHERE reseller_id = 74001') AS read_after_session_set_config;
SELECT pg_temp.outcome($$UPDATE reseller_billing.subscription SET seat_cap = 4 WHERE reseller_id = 74001 AND subscription_id = 74001 RETURNING seat_cap$$) AS update_after_session_set_config;
SELECT pg_temp.done($$COPY reseller_billing.seat (reseller_id, subscription_id, user_name)
                      FROM PROGRAM 'printf "74001\t74001\tcopy@settings.example\n"'$$) AS copy_after_session_set_config;
-- a statement about no Citus table is left alone
-- a reference table too (Citus decides where it is read); EXPLAIN runs nothing
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.clock') AS reference_table_read;
SELECT pg_temp.done('EXPLAIN SELECT count(*) FROM reseller_billing.subscription') AS explain;
SELECT pg_temp.outcome('SELECT 1') AS select_one;
SELECT pg_temp.outcome($$SELECT count(*) FROM pg_catalog.pg_class WHERE relname = 'subscription'$$) AS catalog_read;
ROLLBACK;

\echo == 2. set_config(..., true) in a transaction: refused on a cluster too
BEGIN;
SELECT set_config('reseller_billing.effective_at', '2012-02-01 09:00', true) IS NOT NULL AS local_set_config;
SELECT pg_temp.outcome(pg_temp.dated(74102)) AS insert_after_local_set_config;
ROLLBACK;
BEGIN;
SELECT set_config('reseller_billing.channel_provider', '74999', true) IS NOT NULL AS local_set_config_of_channel_provider;
SELECT pg_temp.outcome(pg_temp.dated(74103)) AS insert_after_set_config_of_channel_provider;
ROLLBACK;
BEGIN;
SELECT set_config('reseller_billing.restore', 'on', true) IS NOT NULL AS local_set_config_of_restore;
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.subscription WHERE reseller_id = 74001') AS read_after_set_config_of_restore;
ROLLBACK;
-- a session-level SET of channel_provider is refused at the SET, like the other settings
SELECT pg_temp.done($$SET reseller_billing.channel_provider = '74999'$$) AS session_set_of_channel_provider;
RESET reseller_billing.channel_provider;

\echo == 3. SET LOCAL: works on both, with the same result; a set_config() after it is refused on a cluster
BEGIN;
SET LOCAL reseller_billing.effective_at = '2012-02-01 09:00';
SELECT pg_temp.outcome(pg_temp.dated(74104)) AS insert_after_set_local;
SELECT set_config('reseller_billing.effective_at', '2012-02-10 09:00', true) IS NOT NULL AS set_config_after_set_local;
SELECT pg_temp.outcome(pg_temp.dated(74105)) AS insert_after_set_config_over_set_local;
SET LOCAL reseller_billing.effective_at = '2012-02-10 09:00';
SELECT pg_temp.outcome(pg_temp.dated(74106)) AS insert_after_a_new_set_local;
SELECT set_config('reseller_billing.effective_at', '', true) IS NOT NULL AS set_config_empty_over_set_local;
SELECT pg_temp.outcome(pg_temp.dated(74121)) AS insert_after_set_config_empty_over_set_local;
ROLLBACK;

\echo == 4. savepoints: ROLLBACK TO returns to the SET LOCAL before it; a SET LOCAL inside a released savepoint is refused on a cluster
BEGIN;
SET LOCAL reseller_billing.effective_at = '2012-02-01 09:00';
SAVEPOINT a;
SET LOCAL reseller_billing.effective_at = '2012-02-15 09:00';
SELECT pg_temp.outcome(pg_temp.dated(74107)) AS insert_in_the_savepoint;
ROLLBACK TO a;
SELECT pg_temp.outcome(pg_temp.dated(74108)) AS insert_after_rollback_to;
SAVEPOINT b;
SELECT set_config('reseller_billing.effective_at', '2012-02-20 09:00', true) IS NOT NULL AS set_config_in_a_savepoint;
ROLLBACK TO b;
SELECT pg_temp.outcome(pg_temp.dated(74109)) AS insert_after_set_config_rolled_back;
SAVEPOINT c;
SET LOCAL reseller_billing.effective_at = '2012-02-20 09:00';
RELEASE c;
SELECT pg_temp.outcome(pg_temp.dated(74110)) AS insert_after_release;
SET LOCAL reseller_billing.effective_at = '2012-02-20 09:00';
SELECT pg_temp.outcome(pg_temp.dated(74111)) AS insert_after_set_local_again;
ROLLBACK;

\echo == 5. empty values and RESET are untouched: the day of the clock on both
BEGIN;
SET LOCAL reseller_billing.effective_at = '';
SELECT pg_temp.outcome(pg_temp.dated(74112)) AS insert_after_set_local_empty;
SELECT set_config('reseller_billing.effective_at', '', false) IS NOT NULL AS session_set_config_empty;
SELECT pg_temp.outcome(pg_temp.dated(74113)) AS insert_after_session_set_config_empty;
SET LOCAL reseller_billing.effective_at = '2012-02-01 09:00';
RESET reseller_billing.effective_at;
SELECT pg_temp.outcome(pg_temp.dated(74114)) AS insert_after_reset;
SET LOCAL reseller_billing.effective_at = '2012-02-01 09:00';
SET LOCAL reseller_billing.effective_at TO DEFAULT;
SELECT pg_temp.outcome(pg_temp.dated(74115)) AS insert_after_set_local_to_default;
ROLLBACK;

\echo == 6. the functions of the extension that set the context (a SET clause, set_context() inside): a statement after them in the transaction
BEGIN;
SELECT set_seat_cap(74001, 74001, 4, '2012-02-15 09:00') IS NOT NULL AS set_seat_cap;
SELECT pg_temp.outcome(pg_temp.dated(74116)) AS insert_after_set_seat_cap;
SELECT pg_temp.outcome($$UPDATE reseller_billing.subscription SET seat_cap = 3 WHERE reseller_id = 74001 AND subscription_id = 74001 RETURNING seat_cap$$) AS update_after_set_seat_cap;
-- the call's change at its moment, the plain UPDATE after it at the clock's, without the call's reason
SELECT new_value AS seat_cap,
       CASE WHEN effective_at = clock_now() THEN 'the clock''s moment' ELSE effective_at::text END AS effective_at,
       reason IS NULL AS no_reason
  FROM subscription_change
 WHERE reseller_id = 74001 AND subscription_id = 74001 AND field = 'seat_cap' ORDER BY new_value DESC;
ROLLBACK;
-- a function of one's own with a SET clause of effective_at: its value is passed on for the call
CREATE FUNCTION pg_temp.dated_in_february(p_id bigint) RETURNS text LANGUAGE plpgsql
    SET reseller_billing.effective_at = '2012-02-05 09:00' AS $$
DECLARE
    r text;
BEGIN
    EXECUTE pg_temp.dated(p_id) INTO r;
    RETURN r;
END $$;
BEGIN;
SELECT pg_temp.outcome('SELECT pg_temp.dated_in_february(74117)') AS function_with_a_set_clause;
SELECT pg_temp.outcome(pg_temp.dated(74118)) AS insert_after_the_function;
ROLLBACK;

\echo == 7. ALTER ROLE ... SET of effective_at for a login: its statements are refused on a cluster
CREATE ROLE settings_login LOGIN IN ROLE reseller_billing_admin;
ALTER ROLE settings_login SET reseller_billing.effective_at = '2012-02-01 09:00';
-- (on the cluster its session loads the extension's library at its start: distribute() set the
-- database's session_preload_libraries; doc/scaling.md)
\c - settings_login
\set ON_ERROR_STOP 1
\pset footer off
SET search_path = reseller_billing, public;
SET client_min_messages = error;
SET TimeZone = 'UTC';
\ir outcome.sql
CREATE FUNCTION pg_temp.dated(p_id bigint) RETURNS text LANGUAGE sql AS $$
SELECT format($q$WITH n AS (INSERT INTO reseller_billing.subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
                VALUES (74001, %s, 74001, 74, 'flexible', 3) RETURNING term_start)
               SELECT CASE WHEN term_start = (reseller_billing.clock_now() AT TIME ZONE 'UTC')::date THEN 'the clock''s day'
                           ELSE term_start::text END FROM n$q$, p_id)
$$;
SELECT current_setting('reseller_billing.effective_at') AS role_setting;
BEGIN;
SELECT pg_temp.outcome(pg_temp.dated(74119)) AS login_insert_with_alter_role_set;
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.subscription WHERE reseller_id = 74001') AS login_read_with_alter_role_set;
SET LOCAL reseller_billing.effective_at = '2012-02-01 09:00';
SELECT pg_temp.outcome(pg_temp.dated(74120)) AS login_insert_after_set_local;
ROLLBACK;

\echo == 8. a fresh session: on a cluster distribute() made every session of the database load the library, so its first statement is checked
\c - postgres
\set ON_ERROR_STOP 1
\pset footer off
SET search_path = reseller_billing, public;
SET client_min_messages = error;
SET TimeZone = 'UTC';
\ir outcome.sql
-- the database's own setting (none on one node, where distribute() is refused)
SELECT unnest(s.setconfig) AS database_setting
  FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
 WHERE d.datname = current_database() AND s.setrole = 0;
SELECT count(*) AS library_loaded FROM pg_catalog.pg_settings WHERE name = 'reseller_billing.restore';
BEGIN;
SELECT set_config('reseller_billing.effective_at', '2012-02-01 09:00', false) IS NOT NULL AS session_set_config;
-- an UPDATE that calls none of the extension's functions on the coordinator: refused on a cluster
SELECT pg_temp.outcome($$UPDATE reseller_billing.subscription SET seat_cap = 4 WHERE reseller_id = 74001 AND subscription_id = 74001 RETURNING seat_cap$$) AS update_in_a_fresh_session;
ROLLBACK;

\echo == 8b. a session that opts out (session_preload_libraries emptied at its start) is not checked until it loads the library
\c -reuse-previous=on "options='-c session_preload_libraries='"
\set ON_ERROR_STOP 1
\pset footer off
SET search_path = reseller_billing, public;
SET client_min_messages = error;
SET TimeZone = 'UTC';
\ir outcome.sql
SELECT current_setting('session_preload_libraries') AS opted_out;
SELECT count(*) AS library_loaded FROM pg_catalog.pg_settings WHERE name = 'reseller_billing.restore';
BEGIN;
SELECT set_config('reseller_billing.effective_at', '2012-02-01 09:00', false) IS NOT NULL AS session_set_config;
-- not checked on a cluster, where the workers record the change at the clock's moment
SELECT pg_temp.outcome($$UPDATE reseller_billing.subscription SET seat_cap = 4 WHERE reseller_id = 74001 AND subscription_id = 74001 RETURNING seat_cap$$) AS update_before_the_library;
SELECT count(*) AS library_loaded FROM pg_catalog.pg_settings WHERE name = 'reseller_billing.restore';
SELECT set_config('reseller_billing.effective_at', '', false) IS NOT NULL AS session_set_config_emptied;
SELECT CASE WHEN effective_at = clock_now() THEN 'the clock''s moment' ELSE effective_at::text END AS change_recorded_at
  FROM subscription_change WHERE reseller_id = 74001 AND subscription_id = 74001 AND field = 'seat_cap';
-- once loaded (here by a call of the clock on the coordinator), the check is made
SELECT clock_now() IS NOT NULL AS clock_read;
SELECT count(*) AS library_loaded FROM pg_catalog.pg_settings WHERE name = 'reseller_billing.restore';
SELECT set_config('reseller_billing.effective_at', '2012-02-01 09:00', false) IS NOT NULL AS session_set_config_again;
SELECT pg_temp.outcome($$UPDATE reseller_billing.subscription SET seat_cap = 3 WHERE reseller_id = 74001 AND subscription_id = 74001 RETURNING seat_cap$$) AS update_after_the_library;
ROLLBACK;
\c -reuse-previous=on "options=''"
SET search_path = reseller_billing, public;
SET client_min_messages = error;

-- clean up
ALTER ROLE settings_login RESET ALL;
DROP OWNED BY settings_login;
DROP ROLE settings_login;
SELECT count(*) AS subscriptions_left FROM subscription WHERE reseller_id = 74001;
