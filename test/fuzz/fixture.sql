-- test/fuzz/fixture.sql — a populated reseller_billing database for fuzzing
-- (sqlsmith in `make fuzz`) and for the hostile search_path test
-- (test/t/060_hostile_search_path.pl).
--
-- Run with psql after CREATE EXTENSION reseller_billing, in an empty
-- database.  Three programs in three currencies with different minor units
-- (USD, EUR, JPY) and time zones; per program four resellers (retail and
-- consulting, post-paid, and one prepaid) with five customers each; every
-- plan kind; seats added and removed; January to April 2012 closed month by
-- month (run_due and close_period), with payments, a credit, a charge, a
-- late change, a credit note, a void and a preview.
--
-- The file does not depend on the search_path: every object of the extension
-- is schema-qualified and every built-in function it calls is written
-- pg_catalog.name, so it can run with a hostile schema first on the path and
-- call nothing of it.  Operators used unqualified are built-in ones with an
-- exact match in pg_catalog (bigint = bigint, int + int, ...), which a schema
-- later on the path cannot capture.  Every moment is written out, so the
-- result does not depend on the day it runs.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET TimeZone = 'UTC';

-- ---------------------------------------------------------------- catalog
INSERT INTO reseller_billing.program (code, name, currency, reseller_discount, time_zone, trial_days, trial_seat_cap, payment_terms_days)
VALUES ('fx_apps',  'Fixture Apps (post-paid, USD)',  'USD', 0.20, 'America/Los_Angeles', 30, 10, 30),
       ('fx_suite', 'Fixture Suite (post-paid, EUR)', 'EUR', 0.10, 'Europe/Berlin',       14, 5,  14),
       ('fx_tools', 'Fixture Tools (post-paid, JPY)', 'JPY', 0.05, 'Asia/Tokyo',          30, 3,  45);

INSERT INTO reseller_billing.sku (program_id, code, name, family, unit)
SELECT p.program_id, p.code || s.suffix, s.name, s.family, s.unit
  FROM reseller_billing.program p
 CROSS JOIN (VALUES ('_std', 'Standard seat', 'suite', 'seat'),
                    ('_pro', 'Professional seat', 'suite', 'seat'),
                    ('_dev', 'Developer licence', 'devtools', 'licence')) AS s(suffix, name, family, unit)
 WHERE p.code LIKE 'fx\_%'
 ORDER BY p.program_id, s.suffix;

-- list prices per seat per year; the Professional seat changes price on 1 March
INSERT INTO reseller_billing.price (sku_id, plan, list_price, valid_from, valid_to)
SELECT k.sku_id, v.plan::reseller_billing.plan_kind,
       reseller_billing.amount(v.units * f.factor, p.currency),
       v.valid_from::date, v.valid_to::date
  FROM reseller_billing.sku k
  JOIN reseller_billing.program p ON p.program_id = k.program_id
  JOIN (VALUES ('USD', 1::numeric), ('EUR', 0.9), ('JPY', 110)) AS f(currency, factor) ON f.currency = p.currency
  JOIN (VALUES ('_std', 'annual_monthly', 50.00, '2012-01-01', NULL),
               ('_std', 'annual_prepaid', 48.00, '2012-01-01', NULL),
               ('_std', 'flexible',       60.00, '2012-01-01', NULL),
               ('_pro', 'annual_monthly', 96.00, '2012-01-01', '2012-03-01'),
               ('_pro', 'annual_monthly', 99.96, '2012-03-01', NULL),
               ('_pro', 'annual_prepaid', 90.00, '2012-01-01', NULL),
               ('_pro', 'flexible',      120.00, '2012-01-01', NULL),
               ('_dev', 'annual_prepaid', 1499.00, '2012-01-01', NULL),
               ('_dev', 'annual_monthly', 1560.00, '2012-01-01', NULL))
       AS v(suffix, plan, units, valid_from, valid_to) ON k.code = p.code || v.suffix
 ORDER BY k.sku_id, v.plan, v.valid_from;

INSERT INTO reseller_billing.reseller (program_id, name, business_type, billing_model, country, region)
SELECT p.program_id, p.code || ' ' || r.name, r.business_type, r.billing_model, r.country, r.region
  FROM reseller_billing.program p
 CROSS JOIN (VALUES (1, 'Harbour Cloud', 'retail', 'postpaid', 'US', 'CA'),
                    (2, 'Summit Consulting', 'consulting', 'postpaid', 'DE', 'BY'),
                    (3, 'Island Systems', 'retail', 'postpaid', 'JP', '13'),
                    (4, 'Prepaid Direct', 'retail', 'prepaid', 'GB', NULL))
       AS r(n, name, business_type, billing_model, country, region)
 WHERE p.code LIKE 'fx\_%'
 ORDER BY p.program_id, r.n;

INSERT INTO reseller_billing.customer (reseller_id, name, primary_domain, kind)
SELECT r.reseller_id, pg_catalog.format('Customer %s-%s', r.reseller_id, n),
       pg_catalog.format('c%s-%s.example', r.reseller_id, n),
       CASE WHEN n = 5 THEN 'offline' ELSE 'online' END
  FROM reseller_billing.reseller r
 CROSS JOIN pg_catalog.generate_series(1, 5) AS n
 ORDER BY r.reseller_id, n;

-- ---------------------------------------------------------- subscriptions
-- 5 January: customer n of a post-paid reseller takes plan n (1, 2: Annual
-- paid monthly; 3: Flex; 4: trial; 5: Annual on the Professional seat);
-- the prepaid reseller's customers buy Annual prepaid.
SET reseller_billing.effective_at = '2012-01-05 10:00+00';
INSERT INTO reseller_billing.subscription (reseller_id, customer_id, sku_id, plan, committed_seats, seat_cap)
SELECT c.reseller_id, c.customer_id, k.sku_id, x.plan::reseller_billing.plan_kind,
       CASE WHEN x.plan IN ('annual_monthly', 'annual_prepaid') THEN 4 + (c.customer_id % 7)::int END,
       CASE WHEN x.plan = 'flexible' THEN 6 END
  FROM (SELECT c0.reseller_id, c0.customer_id,
               pg_catalog.row_number() OVER (PARTITION BY c0.reseller_id ORDER BY c0.customer_id) AS n
          FROM reseller_billing.customer c0) AS i
  JOIN reseller_billing.customer c ON c.reseller_id = i.reseller_id AND c.customer_id = i.customer_id
  JOIN reseller_billing.reseller r ON r.reseller_id = c.reseller_id
  JOIN reseller_billing.program p ON p.program_id = r.program_id
  CROSS JOIN LATERAL (SELECT CASE WHEN r.billing_model = 'prepaid' THEN 'annual_prepaid'
                                  WHEN i.n IN (1, 2, 5) THEN 'annual_monthly'
                                  WHEN i.n = 3 THEN 'flexible'
                                  ELSE 'trial' END AS plan,
                             CASE WHEN i.n = 5 THEN '_pro'
                                  WHEN r.billing_model = 'prepaid' AND i.n = 4 THEN '_dev'
                                  ELSE '_std' END AS suffix) AS x
  JOIN reseller_billing.sku k ON k.code = p.code || x.suffix
 WHERE p.code LIKE 'fx\_%'
 ORDER BY c.reseller_id, c.customer_id;
RESET reseller_billing.effective_at;

-- the first accounts: as many as the plan allows, less one, at most five
-- (none on the trials: a trial takes accounts only while it runs, by the
-- clock, and these ended long ago)
SET reseller_billing.effective_at = '2012-01-05 11:00+00';
INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name, active_from)
SELECT s.reseller_id, s.subscription_id, pg_catalog.format('user%s@s%s.example', u, s.subscription_id),
       '2012-01-05 11:00+00'
  FROM reseller_billing.subscription s
 CROSS JOIN LATERAL pg_catalog.generate_series(1, LEAST(5, COALESCE(s.committed_seats, s.seat_cap, 3) - 1)) AS u
 WHERE s.reseller_id IN (SELECT r.reseller_id FROM reseller_billing.reseller r
                           JOIN reseller_billing.program p ON p.program_id = r.program_id
                          WHERE p.code LIKE 'fx\_%')
   AND s.plan::text <> 'trial'
 ORDER BY s.reseller_id, s.subscription_id, u;
RESET reseller_billing.effective_at;

-- ----------------------------------------------------------------- January
-- 20 January: one account of every Flex plan leaves; another arrives on the 25th
-- (reseller_billing.effective_at dates each change when it happened)
SET reseller_billing.effective_at = '2012-01-20 17:00+00';
UPDATE reseller_billing.seat t SET active_until = '2012-01-20 17:00+00'
  FROM reseller_billing.subscription s
 WHERE s.reseller_id = t.reseller_id AND s.subscription_id = t.subscription_id
   AND s.plan::text = 'flexible' AND t.user_name LIKE 'user1@%' AND t.active_until IS NULL;
SET reseller_billing.effective_at = '2012-01-25 09:00+00';
INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name, active_from)
SELECT s.reseller_id, s.subscription_id, pg_catalog.format('late%s@s%s.example', 1, s.subscription_id),
       '2012-01-25 09:00+00'
  FROM reseller_billing.subscription s
 WHERE s.plan::text = 'flexible'
 ORDER BY s.reseller_id, s.subscription_id;
RESET reseller_billing.effective_at;

-- 1 February: January is closed the way pg_cron does it (run_due)
CALL reseller_billing.run_due('2012-02-01 00:05+00');

-- ---------------------------------------------------------------- February
-- trials convert to Flex (cap 4) on 2 February
SELECT pg_catalog.count(*) AS trials_converted
  FROM reseller_billing.subscription s
 CROSS JOIN LATERAL reseller_billing.change_plan(s.reseller_id, s.subscription_id, 'flexible', 4, '2012-02-02 12:00+00') AS c
 WHERE s.plan::text = 'trial';
-- Annual plans of the first customer of each reseller add two seats
SELECT pg_catalog.sum(reseller_billing.add_seats(s.reseller_id, s.subscription_id, 2, '2012-02-10 12:00+00')) AS seats_now
  FROM reseller_billing.subscription s
 WHERE s.plan::text = 'annual_monthly'
   AND s.customer_id = (SELECT pg_catalog.min(c.customer_id) FROM reseller_billing.customer c WHERE c.reseller_id = s.reseller_id);
-- Flex caps go up to 9
SELECT pg_catalog.sum(reseller_billing.set_seat_cap(s.reseller_id, s.subscription_id, 9, '2012-02-12 08:00+00')) AS caps
  FROM reseller_billing.subscription s
 WHERE s.plan::text = 'flexible' AND s.seat_cap IS NOT NULL;
-- a one-off charge and a service credit per post-paid retail reseller
SELECT pg_catalog.count(reseller_billing.add_charge(r.reseller_id,
           (SELECT pg_catalog.min(c.customer_id) FROM reseller_billing.customer c WHERE c.reseller_id = r.reseller_id),
           'On-site onboarding workshop',
           reseller_billing.amount(250, p.currency), '2012-02-20')) AS charges,
       pg_catalog.count(reseller_billing.grant_credit(r.reseller_id, reseller_billing.amount(20, p.currency),
           'service credit: outage of 2012-02-14', '{"customer_kind": ["online"]}')) AS credits
  FROM reseller_billing.reseller r
  JOIN reseller_billing.program p ON p.program_id = r.program_id
 WHERE r.business_type = 'retail' AND r.billing_model = 'postpaid' AND p.code LIKE 'fx\_%';

-- what the February close will write, before it runs (nothing is written)
SELECT pg_catalog.count(*) AS preview_lines
  FROM reseller_billing.reseller r
 CROSS JOIN LATERAL reseller_billing.preview_invoice(r.reseller_id, '2012-02') AS l;

-- 1 March: February is closed program by program with close_period
SELECT pg_catalog.sum(reseller_billing.close_period('2012-02', p.program_id)) AS invoices_written
  FROM reseller_billing.program p WHERE p.code LIKE 'fx\_%';

-- ------------------------------------------------------------------- March
-- a change to February recorded after its close: an adjustment in March
INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name, active_from)
SELECT s.reseller_id, s.subscription_id, pg_catalog.format('forgotten@s%s.example', s.subscription_id),
       '2012-02-27 09:00+00'
  FROM reseller_billing.subscription s
 WHERE s.plan::text = 'flexible'
 ORDER BY s.reseller_id, s.subscription_id;
-- payments: every post-paid reseller pays its January invoices in full,
-- the consulting firms twice (the bank file imported again: one payment)
SELECT pg_catalog.count(reseller_billing.record_payment(i.reseller_id, i.total, 'bank_transfer', '2012-03-05',
                                                        pg_catalog.format('WIRE-%s', i.invoice_id))) AS payments
  FROM reseller_billing.invoice i
 WHERE i.period::text = '2012-01' AND i.status = 'issued';
SELECT pg_catalog.count(reseller_billing.record_payment(i.reseller_id, i.total, 'bank_transfer', '2012-03-05',
                                                        pg_catalog.format('WIRE-%s', i.invoice_id))) AS same_payments
  FROM reseller_billing.invoice i
  JOIN reseller_billing.reseller r ON r.reseller_id = i.reseller_id
 WHERE i.period::text = '2012-01' AND r.business_type = 'consulting';
-- a credit note on each February invoice of the consulting firms
SELECT pg_catalog.count(reseller_billing.issue_credit_note(i.reseller_id, i.invoice_id,
                                                           reseller_billing.amount(5, i.currency),
                                                           'two accounts never provisioned')) AS credit_notes
  FROM reseller_billing.invoice i
  JOIN reseller_billing.reseller r ON r.reseller_id = i.reseller_id
 WHERE i.period::text = '2012-02' AND r.business_type = 'consulting' AND i.status = 'issued';
-- one February invoice is voided (nothing paid or credited on it)
SELECT reseller_billing.void_invoice(i.reseller_id, i.invoice_id, 'issued to the wrong entity')
  FROM reseller_billing.invoice i
  JOIN reseller_billing.reseller r ON r.reseller_id = i.reseller_id
 WHERE i.period::text = '2012-02' AND r.name = 'fx_suite Island Systems' AND i.status = 'issued';
-- Flex accounts leave and arrive through the month
UPDATE reseller_billing.seat t SET active_until = '2012-03-15 17:00+00'
  FROM reseller_billing.subscription s
 WHERE s.reseller_id = t.reseller_id AND s.subscription_id = t.subscription_id
   AND s.plan::text = 'flexible' AND t.user_name LIKE 'user2@%' AND t.active_until IS NULL;
INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name, active_from)
SELECT s.reseller_id, s.subscription_id, pg_catalog.format('march%s@s%s.example', u, s.subscription_id),
       '2012-03-20 09:00+00'
  FROM reseller_billing.subscription s
 CROSS JOIN pg_catalog.generate_series(1, 2) AS u
 WHERE s.plan::text = 'flexible'
 ORDER BY s.reseller_id, s.subscription_id, u;

-- 1 April and 1 May: run_due closes March and April
CALL reseller_billing.run_due('2012-04-01 00:05+00');
CALL reseller_billing.run_due('2012-05-01 00:05+00');
-- a second run finds nothing due
CALL reseller_billing.run_due('2012-05-01 06:00+00');

-- ------------------------------------------------------------------- views
SELECT (SELECT pg_catalog.count(*) FROM reseller_billing.invoices) AS invoices,
       (SELECT pg_catalog.count(*) FROM reseller_billing.invoice_lines) AS invoice_lines,
       (SELECT pg_catalog.count(*) FROM reseller_billing.reseller_balances) AS balances,
       (SELECT pg_catalog.count(*) FROM reseller_billing.receivables_aging) AS aging,
       (SELECT pg_catalog.count(*) FROM reseller_billing.receivables_aging_at('2012-05-15')) AS aging_at,
       (SELECT pg_catalog.count(*) FROM reseller_billing.recurring_revenue) AS revenue,
       (SELECT pg_catalog.count(*) FROM reseller_billing.seat_utilisation) AS utilisation,
       (SELECT pg_catalog.count(*) FROM reseller_billing.close_status) AS closes;
