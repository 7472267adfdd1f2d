-- test/citus/cron_setup.sql — the month-end under pg_cron on a Citus
-- coordinator (test/citus/run.sh): a database of its own (pg_cron's
-- cron.database_name), distributed, holding one post-paid program whose
-- January and February 2012 are due when the billing clock stands at
-- 2 March 2012.  run.sh then schedules the documented job
-- (schedule_month_end) on the cluster, or calls what it runs
-- (CALL run_due()) on one node, and prints cron_report.sql on both.
\set ON_ERROR_STOP 1
SET search_path = reseller_billing, public;
SET client_min_messages = error;
SET TimeZone = 'UTC';

SELECT freeze_clock('2012-01-01 09:00') \g /dev/null
INSERT INTO program (code, name, currency, reseller_discount, time_zone, payment_terms_days)
VALUES ('cron_apps', 'Google Apps (pg_cron test)', 'USD', 0.20, 'America/Los_Angeles', 30)
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family, unit)
VALUES (:prog, 'cron_apps', 'Google Apps for Business', 'apps', 'seat') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from)
VALUES (:apps, 'annual_monthly', 'USD 50.00', '2012-01-01'), (:apps, 'flexible', 'USD 60.00', '2012-01-01');
INSERT INTO reseller (program_id, name, business_type, country, region)
SELECT :prog, n, 'retail', 'US', st
  FROM (VALUES ('Cron Bay Apps', 'CA'), ('Cron Sound Cloud', 'WA'), ('Cron Lone Star', 'TX'), ('Cron Empire', 'NY')) v(n, st);
INSERT INTO customer (reseller_id, name, primary_domain, kind)
SELECT r.reseller_id, 'Harbor of ' || r.name, lower(replace(r.name, ' ', '')) || '.example', 'online'
  FROM reseller r WHERE r.program_id = :prog;
BEGIN;
SET LOCAL reseller_billing.effective_at = '2012-01-01 09:00';
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats)
SELECT c.reseller_id, c.customer_id, :apps, 'annual_monthly', 4 + (row_number() OVER (ORDER BY c.name))::int
  FROM customer c JOIN reseller r USING (reseller_id) WHERE r.program_id = :prog;
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, seat_cap)
SELECT c.reseller_id, c.customer_id, :apps, 'flexible', 5
  FROM customer c JOIN reseller r USING (reseller_id) WHERE r.program_id = :prog;
COMMIT;
BEGIN;
SET LOCAL reseller_billing.effective_at = '2012-01-01 09:00';
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT s.reseller_id, s.subscription_id, format('user%s@flex%s.example', n, s.reseller_id), '2012-01-01 09:00'
  FROM subscription s JOIN reseller r USING (reseller_id), generate_series(1, 2) n
 WHERE r.program_id = :prog AND s.plan = 'flexible';
COMMIT;
-- the clock moves on to 2 March 2012 without running anything: January and
-- February have ended in Los Angeles and are due
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2012-03-02 10:00') \g /dev/null
SELECT p.code, string_agg(m::text, ' ' ORDER BY m) AS months_due
  FROM program p, months_due(p.program_id, clock_now()) m GROUP BY p.code ORDER BY 1;
