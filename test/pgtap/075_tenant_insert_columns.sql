-- test/pgtap/075_tenant_insert_columns.sql
--
-- The columns a reseller application may insert (doc/security.md, "Columns
-- a reseller application may write"), on one node: since 0.3.0 the
-- reseller role may insert the defaulted columns Citus sends to a shard
-- (seat.seat_id, subscription.active_seats and created_at), and the rules
-- keep what a tenant's value could do: the seat counter starts at 0, a
-- tenant's subscription is created at the billing clock's time (an
-- administrator's created_at is kept), cancelled_at stays closed, and the
-- subscription's trigger condition (reseller_in_csp) runs for the role.
-- The same on a Citus cluster: test/citus/roles.sql, section 7.
--
-- Runs inside one transaction that is rolled back.

\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

SET client_min_messages = warning;

BEGIN;

CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS reseller_billing;

SELECT plan(10);

SELECT is((SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
            WHERE a.attrelid = 'reseller_billing.seat'::regclass AND a.attnum > 0 AND NOT a.attisdropped
              AND has_column_privilege('reseller_billing_reseller', a.attrelid, a.attnum, 'INSERT')),
          ARRAY['active_from', 'active_until', 'reseller_id', 'seat_id', 'subscription_id', 'user_name'],
          'the reseller role inserts every column of seat, seat_id included');
SELECT is((SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
            WHERE a.attrelid = 'reseller_billing.subscription'::regclass AND a.attnum > 0 AND NOT a.attisdropped
              AND NOT has_column_privilege('reseller_billing_reseller', a.attrelid, a.attnum, 'INSERT')),
          ARRAY['cancelled_at'],
          'the reseller role inserts every column of subscription but cancelled_at');
SELECT ok(has_function_privilege('reseller_billing_reseller', 'reseller_billing.reseller_in_csp(bigint)', 'EXECUTE'),
          'the reseller role may evaluate the condition of subscription_channel_check');

INSERT INTO reseller_billing.program (program_id, code, name, currency, time_zone)
VALUES (75, 'tap_tenant_columns', 'pgTAP tenant columns', 'USD', 'UTC');
INSERT INTO reseller_billing.sku (sku_id, program_id, code, name, family) VALUES (75, 75, 'tap_tc', 'Apps', 'apps');
INSERT INTO reseller_billing.price (sku_id, plan, list_price, valid_from) VALUES (75, 'flexible', 'USD 60.00', '2012-01-01');
INSERT INTO reseller_billing.reseller (reseller_id, program_id, name, country, region)
VALUES (75001, 75, 'TAP Tenant One', 'US', 'CA'), (75002, 75, 'TAP Tenant Two', 'US', 'CA');
INSERT INTO reseller_billing.customer (reseller_id, customer_id, name, primary_domain)
VALUES (75001, 75001, 'TAP Customer', 'tap75001.example');
-- an administrator's created_at is kept
INSERT INTO reseller_billing.subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, created_at)
VALUES (75001, 75001, 75001, 75, 'flexible', 3, '2001-01-01 00:00+00');

SET LOCAL ROLE reseller_billing_reseller;
SET LOCAL reseller_billing.reseller_id = '75001';
INSERT INTO reseller_billing.subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, active_seats, created_at)
VALUES (75001, 75002, 75001, 75, 'flexible', 3, 7, '2001-01-01 00:00+00');
INSERT INTO reseller_billing.seat (reseller_id, seat_id, subscription_id, user_name)
VALUES (75001, 987654321, 75002, 'chosen@tap75001.example');
SELECT throws_ok($$INSERT INTO reseller_billing.subscription (reseller_id, customer_id, sku_id, plan, seat_cap, cancelled_at)
                   VALUES (75001, 75001, 75, 'flexible', 3, '2001-01-01 00:00+00')$$,
                 '42501', 'permission denied for table subscription',
                 'a tenant may not insert cancelled_at');
SELECT throws_ok($$INSERT INTO reseller_billing.seat (reseller_id, seat_id, subscription_id, user_name)
                   VALUES (75002, 987654322, 75002, 'intruder@tap75001.example')$$,
                 '42501', 'new row violates row-level security policy for table "seat"',
                 'an account id it chooses stays in its own reseller');
RESET ROLE;

-- (the account added above is counted at commit: the counter reads 0 here)
SELECT is((SELECT active_seats FROM reseller_billing.subscription WHERE reseller_id = 75001 AND subscription_id = 75002), 0,
          'a tenant''s new subscription starts with a seat counter of 0, not the 7 it wrote');
SELECT is((SELECT created_at FROM reseller_billing.subscription WHERE reseller_id = 75001 AND subscription_id = 75002),
          reseller_billing.clock_now(),
          'a tenant''s new subscription is created at the billing clock''s time, not the 2001 it wrote');
SELECT is((SELECT created_at FROM reseller_billing.subscription WHERE reseller_id = 75001 AND subscription_id = 75001),
          '2001-01-01 00:00+00'::timestamptz,
          'an administrator''s created_at is kept');
SELECT is((SELECT subscription_id FROM reseller_billing.seat WHERE reseller_id = 75001 AND seat_id = 987654321), 75002::bigint,
          'an account id a tenant chooses is its own account''s');
SELECT is((SELECT count(*)::int FROM reseller_billing.seat WHERE reseller_id = 75002), 0,
          'nothing was written for the other reseller');

SELECT * FROM finish();

ROLLBACK;
