SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- clock: the one billing clock (issue 12).  clock_now() is the transaction
-- time until an administrator freezes the clock; a frozen clock moves only
-- forward, by advance_clock(), which runs the daily jobs of every day in
-- between.  Nothing printed here depends on the day the test runs: moments
-- of this run are compared, never shown.
--

\i sql/include/error_of.sql

-- ===========================================================================
-- never frozen: the clock is the transaction's time, and says so
-- ===========================================================================
BEGIN;
SELECT clock_now() = now() AS is_transaction_time,
       clock_now() = clock_now() AS stands_still_in_a_transaction;
SELECT frozen, moved, moves, ahead_of_wall FROM clock_status;
COMMIT;
-- everyone reads the clock; the history of its moves is not a customer's
SET ROLE reseller_billing_customer;
SELECT clock_now() = now() AS customer_reads_the_clock;
SELECT pg_temp.error_of($$SELECT * FROM clock_move$$);
RESET ROLE;

-- this database has history, recorded today (at least this program): it
-- cannot be frozen in 2012
INSERT INTO program (code, name, currency, time_zone) VALUES ('clock_test', 'clock tests', 'USD', 'UTC');
-- the audit log's two times of a change are one while the clock was never moved
SELECT count(*) > 0 AS has_changes, bool_and(logged_at = clock_at) AS same_times FROM audit_log;
SELECT pg_temp.error_of($$SELECT freeze_clock('2012-01-01 00:00 UTC')$$);
-- nor by a reseller application or a customer portal, at any moment (42501)
SET ROLE reseller_billing_reseller;
SELECT pg_temp.error_of($$SELECT freeze_clock('2099-01-01 00:00 UTC')$$);
SELECT pg_temp.error_of($$CALL advance_clock('2099-01-01 00:00 UTC')$$);
RESET ROLE;
SET ROLE reseller_billing_customer;
SELECT pg_temp.error_of($$SELECT thaw_clock()$$);
RESET ROLE;
-- an unfrozen clock is not moved by hand; null and infinite moments
SELECT pg_temp.error_of($$CALL advance_clock('2099-01-01 00:00 UTC')$$);
SELECT pg_temp.error_of($$SELECT freeze_clock(NULL)$$);
SELECT pg_temp.error_of($$SELECT freeze_clock('infinity')$$);
SELECT pg_temp.error_of($$SELECT thaw_clock()$$);
-- and nothing of it changed anything
SELECT frozen, moved, moves FROM clock_status;
SELECT count(*) AS clock_rows FROM clock;

-- ===========================================================================
-- a sandbox database: a Google reseller's 2012, simulated
-- ===========================================================================
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS rb_clock_sim;
CREATE DATABASE rb_clock_sim;
RESET client_min_messages;
\c rb_clock_sim
SET client_min_messages = warning;
CREATE EXTENSION reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
\i sql/include/error_of.sql

-- New Year 2012 in Los Angeles, before anything is entered; the
-- transaction that freezes the clock reads the new moment at once
BEGIN;
SELECT freeze_clock('2012-01-01 00:00 America/Los_Angeles');
SELECT clock_now(), frozen, moved, moves FROM clock_status;
COMMIT;
-- frozen once is enough: moving it is advance_clock's job
SELECT pg_temp.error_of($$SELECT freeze_clock('2012-02-01 00:00 UTC')$$);

-- the program, its price list, two resellers, their customers, entered
-- "today" (2012-01-01 in Los Angeles); no moment is written out below
INSERT INTO program (code, name, currency, reseller_discount, time_zone, trial_days, trial_seat_cap)
VALUES ('google_apps', 'Google Apps Reseller Program', 'USD', 0.20, 'America/Los_Angeles', 30, 10)
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Google Apps for Business', 'apps')
RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_monthly', 'USD 50.00', '2012-01-01'),
    (:apps, 'flexible', 'USD 60.00', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country, region)
VALUES (1, :prog, 'Bay Cloud Desk', 'US', 'CA'), (2, :prog, 'Trial Tryers', 'US', 'CA');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain)
VALUES (1, 1, 'Acme', 'acme.example'), (2, 2, 'Pilot', 'pilot.example');
-- an Annual plan paid monthly, 10 committed seats, renewing automatically
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats)
VALUES (1, 1, 1, :apps, 'annual_monthly', 10);
-- a 30-day trial
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan)
VALUES (2, 2, 2, :apps, 'trial');
INSERT INTO seat (reseller_id, subscription_id, user_name)
SELECT 1, 1, 'user' || g FROM generate_series(1, 10) g;
SELECT subscription_id AS sub, plan, status, committed_seats, term_start, term_end, trial_end, partner_price,
       created_at
  FROM subscription ORDER BY 1;
-- the audit log has both times: the clock's, and the wall's (this run)
SELECT table_name, count(*) AS changes, min(clock_at) AS clock_at, bool_and(logged_at > clock_at) AS wall_is_later
  FROM audit_log GROUP BY table_name ORDER BY table_name;

-- ten days on, the trial gets its accounts: entered while it is a trial
CALL advance_clock('2012-01-10 09:00 America/Los_Angeles');
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (2, 2, 'ann'), (2, 2, 'ben');
SELECT user_name, active_from FROM seat WHERE reseller_id = 2 ORDER BY 1;

-- backwards is refused (22023), so is more than 10 years at once (22023),
-- and an advance inside a transaction block, which cannot commit day by
-- day (2D000); none of them changes anything
SELECT pg_temp.error_of($$CALL advance_clock('2012-01-09 00:00 UTC')$$);
SELECT pg_temp.error_of($$CALL advance_clock('2022-01-11 00:00 UTC')$$);
BEGIN;
CALL advance_clock('2012-01-20 00:00 UTC');
ROLLBACK;
SELECT clock_now(), moves FROM clock_status;
-- the clock row itself only moves forward and stays
SELECT pg_temp.error_of($$UPDATE clock SET at = '2011-12-31 00:00 UTC'$$);
SELECT pg_temp.error_of($$DELETE FROM clock$$);
SELECT pg_temp.error_of($$TRUNCATE clock$$);

-- the year: every day's run_due in date order, as the pg_cron job would
-- run it.  A day whose jobs fail stops the advance on that day, as a failed
-- pg_cron run would: here the close of March 2012 fails
CREATE FUNCTION public.clock_test_no_march() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.period = '2012-03' THEN
        RAISE EXCEPTION 'the close of March fails (a test trigger)';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER clock_test_no_march BEFORE INSERT ON invoice FOR EACH ROW EXECUTE FUNCTION public.clock_test_no_march();
CALL advance_clock('2013-01-05 00:00 America/Los_Angeles');
-- the days before stay done (January and February are billed); the clock
-- stands at the failing run, 00:15 UTC on April 2
SELECT clock_now(), (SELECT string_agg(period::text, ', ' ORDER BY period) FROM invoice) AS billed FROM clock_status;
DROP TRIGGER clock_test_no_march ON invoice;
-- advancing again: the next day's run catches up March, and the year goes on
CALL advance_clock('2013-01-05 00:00 America/Los_Angeles');
SELECT clock_now(), frozen, moved, moves FROM clock_status;
SELECT action, CASE WHEN action <> 'freeze' THEN clock_from END AS clock_from, clock_to, reached, days_run, renewed, invoices, wall_finished IS NOT NULL AS finished
  FROM clock_move ORDER BY move_id;

-- twelve monthly invoices of USD 40.00 (10 seats at USD 40.00 a year, paid
-- monthly), written by the daily jobs on the day after each month ended in
-- Los Angeles: the commitment, USD 400.00
SELECT i.period::text, i.invoice_number, i.issued_on, i.due_on, i.total, i.created_at
  FROM invoice i WHERE i.reseller_id = 1 ORDER BY i.period;
SELECT count(*) AS invoices, sum(i.total) AS billed,
       (SELECT sum(t.total) FROM commitment_tranche t WHERE t.reseller_id = 1 AND t.starts_on < '2013-01-01') AS commitment
  FROM invoice i WHERE i.reseller_id = 1;
-- the term renewed on 2013-01-01; the trial ended unconverted on 2012-01-31
SELECT subscription_id AS sub, plan, status, term_start, term_end, trial_end FROM subscription ORDER BY 1;
SELECT subscription_id AS sub, field, old_value, new_value, changed_at, effective_at, reason FROM subscription_change
 WHERE changed_at > '2012-01-02' ORDER BY changed_at, subscription_id, change_id;
-- no invoice for the trial
SELECT count(*) AS trial_invoices FROM invoice WHERE reseller_id = 2;

-- thawed: the clock follows the transaction time again (this run's, far
-- later than 2013), and can never be frozen back in 2012
SELECT thaw_clock() = now() AS thawed_to_now;
SELECT clock_now() = now() AS is_transaction_time, frozen, moved, moves FROM clock_status;
SELECT pg_temp.error_of($$SELECT freeze_clock('2012-06-01 00:00 UTC')$$);

\c :regress_db
SET client_min_messages = warning;
DROP DATABASE rb_clock_sim;
RESET client_min_messages;
