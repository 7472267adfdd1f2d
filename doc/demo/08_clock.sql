-- make demo, part 8: a year simulated with the billing clock.  A sandbox
-- database is frozen at New Year 2012 in Los Angeles, a Google reseller's
-- subscriptions are entered as they happened, with no moment written out,
-- and the clock is advanced: the daily jobs renew, expire trials and close
-- each month on the day after it ended, as pg_cron would have.  Nothing
-- printed depends on the day the demo runs.
\pset footer off
\set SHOW_CONTEXT never
SET client_min_messages = warning;
DROP DATABASE IF EXISTS rb_demo_clock;
CREATE DATABASE rb_demo_clock;
\c rb_demo_clock
CREATE EXTENSION reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
SET TimeZone = 'America/Los_Angeles';

\echo
\echo '== A sandbox database (rb_demo_clock) frozen at New Year 2012 in Los Angeles =='
SELECT freeze_clock('2012-01-01 00:00');
SELECT clock_now(), frozen, moved FROM clock_status;

\echo
\echo '== Google Apps, entered "today": an Annual plan of 10 seats, a Flex plan with a cap of 5 and 2 accounts, a trial =='
INSERT INTO program (code, name, currency, reseller_discount, time_zone, trial_days, trial_seat_cap)
VALUES ('google_apps', 'Google Apps Reseller Program', 'USD', 0.20, 'America/Los_Angeles', 30, 10);
INSERT INTO sku (program_id, code, name, family) SELECT program_id, 'apps', 'Google Apps for Business', 'apps' FROM program;
INSERT INTO price (sku_id, plan, list_price, valid_from)
SELECT sku_id, p.plan, p.list_price, '2012-01-01'
  FROM sku, (VALUES ('annual_monthly'::plan_kind, 'USD 50.00'::amount), ('flexible', 'USD 60.00')) p(plan, list_price);
INSERT INTO reseller (reseller_id, program_id, name, country, region)
SELECT 1, program_id, 'Bay Cloud Desk', 'US', 'CA' FROM program;
INSERT INTO customer (reseller_id, customer_id, name, primary_domain)
VALUES (1, 1, 'Acme', 'acme.example'), (1, 2, 'Globex', 'globex.example'), (1, 3, 'Initech', 'initech.example');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats)
SELECT 1, 1, 1, sku_id, 'annual_monthly', 10 FROM sku;
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
SELECT 1, 2, 2, sku_id, 'flexible', 5 FROM sku;
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan)
SELECT 1, 3, 3, sku_id, 'trial' FROM sku;
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (1, 2, 'ann'), (1, 2, 'ben'), (1, 3, 'tim');
SELECT subscription_id AS sub, plan, status, committed_seats, seat_cap, active_seats, term_start, term_end, trial_end,
       partner_price, created_at
  FROM subscription ORDER BY 1;

\echo
\echo '== Advanced to mid-June: every day''s run_due in date order; five months closed, the trial expired =='
CALL advance_clock('2012-06-15 09:00');
SELECT period::text, invoice_number AS no, issued_on, due_on, total, created_at FROM invoice ORDER BY period;
SELECT subscription_id AS sub, field, old_value, new_value, changed_at, reason
  FROM subscription_change WHERE field <> 'created' ORDER BY change_id;

\echo
\echo '== On 2012-06-15 Globex adds three accounts, up to its cap of 5; a sixth is refused =='
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (1, 2, 'cid'), (1, 2, 'dee'), (1, 2, 'eve');
\set ON_ERROR_STOP 0
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (1, 2, 'fay');
\set ON_ERROR_STOP 1
SELECT user_name, active_from FROM seat WHERE subscription_id = 2 ORDER BY active_from, user_name;

\echo
\echo '== Advanced to 2013-01-05: the rest of the year, and the renewal on 2013-01-01 =='
CALL advance_clock('2013-01-05 00:00');
SELECT period::text, invoice_number AS no, issued_on, total, created_at FROM invoice ORDER BY period;
SELECT count(*) AS invoices, sum(total) AS billed_in_2012 FROM invoice;
SELECT subscription_id AS sub, plan, status, term_start, term_end FROM subscription ORDER BY 1;

\echo
\echo '== The clock: where it stands, every move, and the audit log''s two times =='
SELECT clock_now(), frozen, moved, moves FROM clock_status;
SELECT action, clock_to, days_run, renewed, invoices FROM clock_move ORDER BY move_id;
\echo '-- the daily runs it made, as run_log recorded them (the months they closed):'
SELECT state, clock_at, months_closed, invoices FROM scheduled_runs WHERE months_closed <> '{}' ORDER BY run_id;
SELECT table_name, count(*) AS changes, min(clock_at) AS first_clock_at, max(clock_at) AS last_clock_at,
       bool_and(logged_at > clock_at) AS written_later_on_the_wall_clock
  FROM audit_log GROUP BY table_name ORDER BY table_name;

\echo
\echo '== Backwards is refused =='
\set ON_ERROR_STOP 0
CALL advance_clock('2012-12-01 00:00');
\set ON_ERROR_STOP 1
\c rb_demo
