-- test/pgtap/100_rules_in_c.sql
--
-- The rules every write of a subscription or an account runs are C (issue
-- 13; doc/subscriptions.md "Which rules are C"), and their PL/pgSQL
-- versions are gone: a later CREATE OR REPLACE in an install script must
-- not bring one back.
\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

SET client_min_messages = warning;

BEGIN;

CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS reseller_billing;

CREATE TEMP TABLE rb_c_rules (fn text PRIMARY KEY);
INSERT INTO rb_c_rules VALUES
    ('subscription_input()'), ('seat_input()'),
    ('subscription_before_insert()'), ('subscription_before_update()'), ('subscription_history()'),
    ('subscription_history_flush()'),
    ('subscription_cancelled()'), ('subscription_billing_facts()'), ('tranche_late_change()'),
    ('subscription_counter_guard()'), ('subscription_keep_seats()'), ('seat_before_update()'),
    ('seat_count_row()'), ('seat_count_statement()'), ('seat_count_commit()'), ('seat_count_fold()'),
    ('audit_row()'), ('audit_flush()'),
    ('effective_at()'), ('clock_now()'), ('restoring()'),
    ('current_reseller()'), ('current_customer()'), ('provider_reseller_ids()'), ('customer_subscription_ids()');

SELECT plan((SELECT count(*)::int FROM rb_c_rules) + 2);

SELECT is((SELECT l.lanname::text FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
            WHERE p.oid = to_regprocedure('reseller_billing.' || r.fn)),
          'c', format('%s is C', r.fn))
  FROM rb_c_rules r ORDER BY r.fn;

SELECT is(to_regprocedure('reseller_billing.prepaid_order_check(reseller_billing.subscription, text)'), NULL,
          'prepaid_order_check (which took a row of the table''s type) is gone: the C rules check prepaid orders');
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM (
               SELECT DISTINCT p.proname FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
                 JOIN pg_language l ON l.oid = p.prolang
                WHERE t.tgrelid IN ('reseller_billing.subscription'::regclass, 'reseller_billing.seat'::regclass)
                  AND NOT t.tgisinternal AND l.lanname = 'plpgsql') p),
          ARRAY['audit_truncate', 'no_truncate', 'seat_late_change_row', 'seat_no_delete', 'subscription_channel_row'],
          'on subscription and seat the PL/pgSQL triggers left are the refusals of DELETE and TRUNCATE, the TRUNCATE audit row, the CSP order check and the late-change marking of an account moved back');

SELECT * FROM finish();
ROLLBACK;
