SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- migration: the prepaid-to-postpaid migration (issue 5 §1, §2).  A prepaid
-- reseller migrates once, mid-month, outside the month-end blackout; its
-- prepaid orders become Annual plans paid monthly with the same renewal date,
-- seats and price, or final 30-day trials (grace period; about to lapse);
-- trials stay trials; nothing is lost; the unused part of every prepaid order
-- is one credit restricted to Apps for online customers; the statement lists
-- the orders, as rows and as CSV.
--
-- Ids: resellers, customers and subscriptions carry explicit ids 51001..;
-- every moment is in 2012.
--

-- ===========================================================================
-- a program in Los Angeles time, USD, 20% reseller discount.  Apps at list
-- USD 50.00 a seat a year prepaid or monthly (partner 40.00); Postini at
-- list 25.00 (partner 20.00).
-- ===========================================================================
INSERT INTO program (code, name, currency, time_zone, reseller_discount)
VALUES ('mig', 'Migration tests', 'USD', 'America/Los_Angeles', 0.20) RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'mig_apps', 'Apps, Inc.', 'apps') RETURNING sku_id AS apps \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'mig_postini', 'Postini', 'postini') RETURNING sku_id AS postini \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_prepaid', 'USD 50', '2011-01-01'),
    (:apps, 'annual_monthly', 'USD 50', '2011-01-01'),
    (:apps, 'flexible', 'USD 60', '2011-01-01'),
    (:postini, 'annual_prepaid', 'USD 25', '2011-01-01'),
    (:postini, 'annual_monthly', 'USD 25', '2011-01-01');
INSERT INTO reseller (reseller_id, program_id, name, billing_model, country) VALUES
    (51001, :prog, 'Prepaid Partners', 'prepaid', 'US'),
    (51002, :prog, 'Empty Partners', 'prepaid', 'US'),
    (51003, :prog, 'Other Partners', 'prepaid', 'US');
INSERT INTO customer (reseller_id, customer_id, name, kind) VALUES
    (51001, 51001, 'Acme, "the" company', 'online'),
    (51001, 51002, 'Beta', 'online'),
    (51001, 51003, 'Gamma', 'offline'),
    (51001, 51004, 'Delta', 'online'),
    (51001, 51005, 'Epsilon', 'online'),
    (51001, 51006, 'Zeta', 'online'),
    (51003, 51007, 'Eta', 'online');
SET reseller_billing.effective_at = '2012-06-01 09:00 America/Los_Angeles';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start, renewal_setting) VALUES
    -- Acme: Apps, 10 seats, a leap-year term of 366 days
    (51001, 51001, 51001, :apps, 'annual_prepaid', 10, '2012-01-01', 'auto_renew'),
    -- Beta: Apps, 4 seats over Feb 29 (366 days), and 2 seats from March 1 (365 days)
    (51001, 51002, 51002, :apps, 'annual_prepaid', 4, '2011-11-20', 'auto_renew'),
    (51001, 51003, 51002, :apps, 'annual_prepaid', 2, '2012-03-01', 'auto_renew'),
    -- Gamma (offline): Apps, 5 seats
    (51001, 51004, 51003, :apps, 'annual_prepaid', 5, '2012-02-01', 'auto_renew'),
    -- Acme: Postini, 10 seats
    (51001, 51005, 51001, :postini, 'annual_prepaid', 10, '2012-04-01', 'auto_renew'),
    -- Epsilon: expired on June 1 unrenewed, suspended: the grace period
    (51001, 51007, 51005, :apps, 'annual_prepaid', 3, '2011-06-01', 'auto_renew'),
    -- Zeta: renews on July 1, set to cancel
    (51001, 51008, 51006, :apps, 'annual_prepaid', 2, '2011-07-01', 'cancel'),
    -- Eta, of another reseller
    (51003, 51009, 51007, :apps, 'annual_prepaid', 1, '2012-01-01', 'auto_renew');
-- Delta: a trial from June 1
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan)
VALUES (51001, 51006, 51004, :apps, 'trial');
-- Beta: a new prepaid order on June 5, 3 seats: the migration month's
-- prepaid invoice bills its year
SET reseller_billing.effective_at = '2012-06-05 10:00 America/Los_Angeles';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, renewal_setting)
VALUES (51001, 51010, 51002, :apps, 'annual_prepaid', 3, 'auto_renew');
RESET reseller_billing.effective_at;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES
    (51001, 51001, 'ann', '2012-01-02 00:00+00'),
    (51001, 51001, 'bob', '2012-01-02 00:00+00'),
    (51001, 51001, 'cy', '2012-01-02 00:00+00'),
    (51001, 51004, 'gus', '2012-02-02 00:00+00'),
    (51001, 51007, 'eve', '2011-06-02 00:00+00'),
    (51001, 51007, 'eli', '2011-06-02 00:00+00'),
    (51001, 51008, 'zoe', '2011-07-02 00:00+00');
SELECT suspend(51001, 51007, 'expired unrenewed', '2012-06-02 00:00 America/Los_Angeles');

-- ===========================================================================
-- refused: the last 3 days of June (28 to 30) in Los Angeles; at 06:00 UTC
-- on June 28 it is still June 27 there
-- ===========================================================================
SELECT migrate_to_postpaid(51002, '2012-06-28 12:00 America/Los_Angeles');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT reseller_id, migrated_at, customers_before, subscriptions_before, accounts_before,
       customers_after, subscriptions_after, accounts_after, orders_migrated, credit_id
  FROM migrate_to_postpaid(51002, '2012-06-28 06:00+00');

-- a program may close more days (here 20: June 11 to 30)
UPDATE program SET settings = '{"migration_blackout_days": 20}' WHERE program_id = :prog;
SELECT migrate_to_postpaid(51001, '2012-06-15 12:00 America/Los_Angeles');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE program SET settings = '{}' WHERE program_id = :prog;

-- ===========================================================================
-- no way around the function: a prepaid order does not change plan by a
-- plain UPDATE, even with the internal setting, and a reseller does not
-- become post-paid by UPDATE
-- ===========================================================================
SET reseller_billing.action = 'migrate';
UPDATE subscription SET plan = 'annual_monthly' WHERE reseller_id = 51003 AND subscription_id = 51009;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET reseller_billing.action;
UPDATE reseller SET billing_model = 'postpaid' WHERE reseller_id = 51003;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a moment to come is refused like any change (terse: the detail shows it)
\set VERBOSITY terse
SELECT migrate_to_postpaid(51003, now() + interval '1 day');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY default

-- ===========================================================================
-- the migration, on June 15 at noon in Los Angeles.  Days left are counted
-- from June 15 (that day is billed monthly) to the renewal date:
--   51001 Acme Apps     10 × 40.00 = 400.00, 2012-01-01..2013-01-01 366 days, 200 left:
--                       400.00 × 200 / 366 = 218.579… → 218.58
--   51002 Beta Apps      4 × 40.00 = 160.00, 2011-11-20..2012-11-20 366 days, 158 left:
--                       160.00 × 158 / 366 = 69.071… → 69.07
--   51003 Beta Apps      2 × 40.00 =  80.00, 2012-03-01..2013-03-01 365 days, 259 left:
--                        80.00 × 259 / 365 = 56.767… → 56.77
--   51004 Gamma Apps     5 × 40.00 = 200.00, 2012-02-01..2013-02-01 366 days, 231 left:
--                       200.00 × 231 / 366 = 126.229… → 126.23
--   51005 Acme Postini  10 × 20.00 = 200.00, 2012-04-01..2013-04-01 365 days, 290 left:
--                       200.00 × 290 / 365 = 158.904… → 158.90
--   51007 Epsilon        3 × 40.00 = 120.00, ended 2012-06-01: 0 left, 0.00 (final trial)
--   51008 Zeta           2 × 40.00 =  80.00, 2011-07-01..2012-07-01 366 days, 16 left:
--                        80.00 × 16 / 366 = 3.497… → 3.50 (trial at once)
--   51010 Beta Apps      3 × 40.00 = 120.00, 2012-06-05..2013-06-05 365 days, 355 left:
--                       120.00 × 355 / 365 = 116.712… → 116.71
-- The credit: 218.58 + 69.07 + 56.77 + 126.23 + 158.90 + 0.00 + 3.50
-- + 116.71 = 749.76.
-- 6 customers, 9 subscriptions, 7 active accounts before and after.
-- ===========================================================================
SELECT reseller_id, migrated_at, customers_before, subscriptions_before, accounts_before,
       customers_after, subscriptions_after, accounts_after, orders_migrated, credit_id IS NOT NULL AS credited
  FROM migrate_to_postpaid(51001, '2012-06-15 12:00 America/Los_Angeles');
SELECT reseller_id, billing_model FROM reseller WHERE reseller_id BETWEEN 51001 AND 51003 ORDER BY 1;

-- the orders: Annual paid monthly with the same term, seats and price; the
-- grace-period order and the lapsing one are trials from June 15 to July 15
-- keeping their accounts (cap = their seats); the trial is untouched
SELECT subscription_id, customer_id, plan, status, committed_seats, seat_cap, term_start, term_end,
       trial_end, renewal_setting, partner_price, active_seats
  FROM subscription WHERE reseller_id = 51001 ORDER BY subscription_id;

-- the history: every change with the reason, effective at the migration
SELECT subscription_id, field, old_value, new_value, effective_at, reason
  FROM subscription_change
 WHERE reseller_id = 51001 AND reason = 'migration to post-paid'
 ORDER BY subscription_id, change_id;

-- the rest of each migrated term is billed monthly from June 15: a tranche
-- of the same seats and price, prorated like the credit
SELECT subscription_id, plan, seats, price, term_start, term_end, starts_on, ends_on, total
  FROM commitment_tranche WHERE reseller_id = 51001 ORDER BY subscription_id, tranche_id;

-- the credit: 633.05, for Apps lines of online customers only
SELECT amount, remaining, reason, eligibility FROM credit WHERE reseller_id = 51001;

-- the statement, one row per migrated order, with the total
SELECT order_id, customer_id, customer_name, customer_kind, sku, seats, term_start, term_end, currency,
       amount_paid, days_in_term, days_left, amount_credited, migrated_to, total_credited, credit_remaining
  FROM migration_credit_statement WHERE reseller_id = 51001 ORDER BY order_id;

-- the same as CSV (RFC 4180: CRLF, the quoted name doubles its quotes)
SELECT replace(migration_credit_csv(51001), E'\r\n', E'\n') AS csv;
SELECT length(migration_credit_csv(51001)) - length(replace(migration_credit_csv(51001), E'\r\n', '')) AS crlf_bytes;
-- the COPY form of the docs (README, doc/migration.md): the same columns and lines
COPY (SELECT order_id, customer_id, customer_name, customer_kind, sku, term_start, term_end, currency,
             amount_paid, days_in_term, days_left, amount_credited, total_credited
        FROM migration_credit_statement WHERE reseller_id = 51001 ORDER BY order_id)
  TO STDOUT WITH CSV HEADER;
SELECT migration_credit_csv(51003);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- refused afterwards: a second migration; the way back (also for a reseller
-- that migrated with no orders); a new prepaid order
-- ===========================================================================
SELECT migrate_to_postpaid(51001, '2012-06-16 12:00 America/Los_Angeles');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE reseller SET billing_model = 'prepaid' WHERE reseller_id = 51001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE reseller SET billing_model = 'prepaid' WHERE reseller_id = 51002;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SET reseller_billing.effective_at = '2012-06-16 10:00 America/Los_Angeles';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats)
VALUES (51001, 51011, 51004, :apps, 'annual_prepaid', 1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET reseller_billing.effective_at;

-- the record is kept as written
UPDATE migration SET migrated_at = '2012-06-01 00:00+00' WHERE reseller_id = 51001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
DELETE FROM migration_order WHERE reseller_id = 51001 AND subscription_id = 51007;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE migration_order;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- a final trial converts like any trial: Zeta commits to 2 seats on June 20
-- (a new 12-month term at the monthly price, 2 × 40.00 = 80.00 over
-- 2012-06-20..2013-06-20, 365 days)
SELECT plan, status, committed_seats, term_start, term_end, partner_price
  FROM change_plan(51001, 51008, 'annual_monthly', 2, '2012-06-20 10:00 America/Los_Angeles');

-- ===========================================================================
-- June, the migration month: two invoices.
-- The prepaid invoice bills what was ordered before the migration: 51010's
-- year, 3 × 40.00 = 120.00 (the migration credit never pays a prepaid line).
-- The post-paid invoice bills the rest: each monthly tranche's first month,
-- round(T × days in June / days of the tranche):
--   51001 Acme Apps      218.58 × 16 / 200 = 17.486… → 17.49  credit 17.49
--   51002 Beta Apps       69.07 × 16 / 158 =  6.994… →  6.99  credit  6.99
--   51003 Beta Apps       56.77 × 16 / 259 =  3.507… →  3.51  credit  3.51
--   51004 Gamma Apps     126.23 × 16 / 231 =  8.743… →  8.74  offline: none
--   51005 Acme Postini   158.90 × 16 / 290 =  8.766… →  8.77  Postini: none
--   51008 Zeta Apps       80.00 × 11 / 365 =  2.410… →  2.41  credit  2.41
--   51010 Beta Apps      116.71 × 16 / 355 =  5.260… →  5.26  credit  5.26
-- subtotal 53.17, credit 35.66, total 17.51; 749.76 - 35.66 = 714.10 left.
-- The prepaid invoice is numbered first.
-- ===========================================================================
SET client_min_messages = warning;
SELECT close_period('2012-06', :prog) AS invoices;
SELECT close_period('2012-06', :prog) AS again;
RESET client_min_messages;
SELECT l.invoice_number, i.kind AS invoice_kind, l.line_no, l.kind, l.subscription_id, l.customer_name,
       l.sku_family, l.service_start, l.service_end, l.amount, l.credit_applied
  FROM invoice_lines l JOIN invoice i USING (reseller_id, invoice_id)
 WHERE l.reseller_id = 51001 AND l.period = '2012-06'
 ORDER BY l.invoice_number, l.line_no;
SELECT invoice_number, period, kind, subtotal, credits_applied, total FROM invoices
 WHERE reseller_id = 51001 ORDER BY invoice_number;

-- ===========================================================================
-- Epsilon's trial, and Delta's (which ended on July 1), end unconverted and
-- are suspended by renew_due on July 15
-- ===========================================================================
SELECT renew_due('2012-07-15 00:00 America/Los_Angeles') >= 2 AS applied;
SELECT subscription_id, plan, status, trial_end FROM subscription
 WHERE reseller_id = 51001 AND subscription_id IN (51006, 51007, 51008) ORDER BY subscription_id;

-- ===========================================================================
-- July and August: one post-paid invoice each.  The full months of each
-- tranche share what the first (and a partial last) month leave, the
-- remainder one cent each to the earliest months:
--   51001 [06-15, 2013-01-01): 218.58 - 17.49 = 201.09 over Jul..Dec:
--         20109 / 6 = 3351 rem 3  → Jul 33.52, Aug 33.52
--   51002 [06-15, 11-20): last month Nov 1..19, 69.07 × 19 / 158 = 8.305… → 8.31;
--         69.07 - 6.99 - 8.31 = 53.77 over Jul..Oct: 5377 / 4 = 1344 rem 1
--                                  → Jul 13.45, Aug 13.44
--   51003 [06-15, 2013-03-01): 56.77 - 3.51 = 53.26 over Jul..Feb:
--         5326 / 8 = 665 rem 6     → Jul 6.66, Aug 6.66
--   51004 [06-15, 2013-02-01): 126.23 - 8.74 = 117.49 over Jul..Jan:
--         11749 / 7 = 1678 rem 3   → Jul 16.79, Aug 16.79 (offline)
--   51005 [06-15, 2013-04-01): 158.90 - 8.77 = 150.13 over Jul..Mar:
--         15013 / 9 = 1668 rem 1   → Jul 16.69, Aug 16.68 (Postini)
--   51008 [06-20, 2013-06-20): last month 80.00 × 19 / 365 = 4.164… → 4.16;
--         80.00 - 2.41 - 4.16 = 73.43 over Jul..May: 7343 / 11 = 667 rem 6
--                                  → Jul 6.68, Aug 6.68
--   51010 [06-15, 2013-06-05): last month 116.71 × 4 / 355 = 1.315… → 1.32;
--         116.71 - 5.26 - 1.32 = 110.13 over Jul..May: 11013 / 11 = 1001 rem 2
--                                  → Jul 10.02, Aug 10.02
-- July:   subtotal 103.81, credit 33.52 + 13.45 + 6.66 + 6.68 + 10.02 = 70.33,
--         total 33.48; 714.10 - 70.33 = 643.77 left.
-- August: subtotal 103.79, credit 33.52 + 13.44 + 6.66 + 6.68 + 10.02 = 70.32,
--         total 33.47; 643.77 - 70.32 = 573.45 left.
-- ===========================================================================
SET client_min_messages = warning;
SELECT close_period('2012-07', :prog) AS july, close_period('2012-08', :prog) AS august;
RESET client_min_messages;
SELECT l.period, l.line_no, l.subscription_id, c.kind AS customer_kind, l.sku_family, l.amount, l.credit_applied
  FROM invoice_lines l JOIN customer c USING (reseller_id, customer_id)
 WHERE l.reseller_id = 51001 AND l.period IN ('2012-07', '2012-08')
 ORDER BY l.period, l.line_no;
SELECT invoice_number, period, kind, subtotal, credits_applied, total FROM invoices
 WHERE reseller_id = 51001 ORDER BY invoice_number;
-- what remains of the credit, at any time: on the statement and the credit
SELECT DISTINCT total_credited, credit_remaining FROM migration_credit_statement WHERE reseller_id = 51001;
SELECT amount, remaining FROM credit WHERE reseller_id = 51001;
-- the credit never becomes cash: only closes apply it, and only to the
-- eligible lines (no application to anything but Apps of online customers)
SELECT count(*) AS misapplied
  FROM credit_application a
  JOIN credit cr USING (reseller_id, credit_id)
  JOIN invoice_line l USING (reseller_id, invoice_id, line_no)
  LEFT JOIN customer cu ON cu.reseller_id = l.reseller_id AND cu.customer_id = l.customer_id
  LEFT JOIN sku k ON k.sku_id = l.sku_id
 WHERE a.reseller_id = 51001 AND cr.reason = 'migration credit'
   AND NOT (cu.kind = 'online' AND k.family = 'apps' AND l.kind IN ('annual_installment', 'flex_usage'));

-- ===========================================================================
-- leave nothing for later files
-- ===========================================================================
SELECT count(*) AS cancelled
  FROM subscription s, LATERAL cancel_subscription(s.reseller_id, s.subscription_id) c
 WHERE s.reseller_id IN (51001, 51002, 51003) AND s.status <> 'cancelled';
