-- test/citus/limits.sql — what still does not work on a Citus cluster
-- (doc/scaling.md, "What does not work on Citus"), and seat_limit() of a
-- whole row, which works since 0.3.0, each case run on one node
-- and on the cluster (test/citus/run.sh, database rb_drop, distributed)
-- and compared with test/citus/expected/limits-single.out /
-- limits-cluster.out: the two differ exactly in these answers.
\set ON_ERROR_STOP 1
\pset footer off
SET search_path = reseller_billing, public;
SET client_min_messages = error;
SET TimeZone = 'UTC';

\ir outcome.sql

INSERT INTO program (program_id, code, name, currency, time_zone) VALUES (73, 'limits_apps', 'Limits on a cluster', 'USD', 'UTC');
INSERT INTO sku (sku_id, program_id, code, name, family) VALUES (73, 73, 'limits_apps', 'Apps', 'apps');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (73, 'flexible', 'USD 60.00', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country, region) VALUES (73001, 73, 'Limits One', 'US', 'CA');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES (73001, 73001, 'Customer', 'limits.example');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
VALUES (73001, 73001, 73001, 73, 'flexible', 2);

\echo == 1. a query of your own joining the rows of a reseller with those of its provider (another shard)
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.customer_relationship cr
                          JOIN reseller_billing.reseller p ON p.reseller_id = cr.provider_id') AS join_on_the_provider;

\echo == 2. a rule function called with a whole row of a table: seat_limit(s) works on both (a worker passes the row of a shard); a row of another table is refused
SELECT pg_temp.outcome('SELECT reseller_billing.seat_limit(s) FROM reseller_billing.subscription s WHERE s.reseller_id = 73001') AS seat_limit_of_a_row;
SELECT pg_temp.outcome($$SELECT string_agg(s.subscription_id || ' ' || s.plan || ' ' || seat_limit(s) || ' ' || s.active_seats, '; ')
                         FROM reseller_billing.subscription s WHERE s.reseller_id = 73001$$) AS seat_limit_as_documented;
SELECT pg_temp.outcome('SELECT reseller_billing.seat_limit(c) FROM reseller_billing.customer c WHERE c.reseller_id = 73001') AS seat_limit_of_a_customer_row;

\echo == 3. the Flex cap: an INSERT of VALUES, or one with RETURNING, keeps the SQLSTATE; an INSERT ... SELECT without RETURNING on a cluster does not
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (73001, 73001, 'one@limits.example');
SELECT pg_temp.outcome($$INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name)
                         VALUES (73001, 73001, 'two@limits.example'), (73001, 73001, 'three@limits.example') RETURNING 1$$) AS values_over_the_cap;
SELECT pg_temp.outcome($$INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name)
                         SELECT 73001, 73001, 'g' || g || '@limits.example' FROM generate_series(1, 2) g RETURNING 1$$) AS insert_select_over_the_cap;
SELECT pg_temp.done($$INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name)
                      SELECT 73001, 73001, 'g' || g || '@limits.example' FROM generate_series(1, 2) g$$) AS insert_select_over_the_cap_no_returning;
\echo == 3b. the other forms: ON CONFLICT (no RETURNING) keeps the SQLSTATE on a cluster; COPY does not
SELECT pg_temp.done($$INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name)
                      SELECT 73001, 73001, 'c' || g || '@limits.example' FROM generate_series(1, 2) g
                      ON CONFLICT DO NOTHING$$) AS insert_select_over_the_cap_on_conflict;
SELECT pg_temp.done($$COPY reseller_billing.seat (reseller_id, subscription_id, user_name)
                      FROM PROGRAM 'printf "73001\t73001\tp1@limits.example\n73001\t73001\tp2@limits.example\n"'$$) AS copy_over_the_cap;
SELECT pg_temp.outcome('SELECT count(*) FROM reseller_billing.seat WHERE reseller_id = 73001') AS accounts_after_the_refusals;
