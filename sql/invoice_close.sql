SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- invoice_close: closing a month writes every line kind (issue 4 §1,
-- domain.md §2-§4): Annual installments, prepaid years, Flex account-days
-- in the program's time zone, trials (free) and converted trials, early
-- termination, one-off charges, adjustments for late changes, credits with
-- eligibility, totals, invoice numbers and due dates.
--
-- Ids: resellers, customers and subscriptions carry explicit ids 41001..;
-- the program is in Los Angeles time, so every moment is written with its
-- zone.  Every month closed is in 2012 (it has ended); closes name this
-- file's program, and every query reads only its rows.  Figures are worked
-- by hand in the comments.
--

-- ===========================================================================
-- the program: USD, 20% reseller discount, days in Los Angeles, payment
-- terms 30 days.  Partner prices per seat per year: Apps Annual (monthly)
-- 50 -> 40.00, Apps Annual prepaid 45 -> 36.00, Apps Flex 60 -> 48.00,
-- Chromebook management Flex 30 -> 24.00 (SKU family "devices").
-- ===========================================================================
INSERT INTO program (code, name, currency, reseller_discount, time_zone, payment_terms_days)
VALUES ('inv_close', 'Invoice close tests', 'USD', 0.20, 'America/Los_Angeles', 30)
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Apps', 'apps')
RETURNING sku_id AS apps \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'chromebook', 'Chromebook management', 'devices')
RETURNING sku_id AS devices \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_monthly', 'USD 50', '2011-01-01'),
    (:apps, 'annual_prepaid', 'USD 45', '2011-01-01'),
    (:apps, 'flexible', 'USD 60', '2011-01-01'),
    (:devices, 'flexible', 'USD 30', '2011-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country, billing_model) VALUES
    (41001, :prog, 'Alpha Resale', 'US', 'prepaid'),
    (41002, :prog, 'Beta Resale', 'US', 'postpaid'),
    (41003, :prog, 'Gamma Resale', 'US', 'postpaid');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain, kind) VALUES
    (41001, 41001, 'Acme', 'acme.example', 'online'),
    (41002, 41002, 'Online Co', 'online.example', 'online'),
    (41002, 41003, 'Offline Co', 'offline.example', 'offline'),
    (41003, 41004, 'Gamma Co', 'gamma.example', 'online');

-- what this file shows of its invoices
CREATE TEMP VIEW inv AS
SELECT i.reseller_id, i.period, i.invoice_number AS no, i.issued_on, i.due_on, i.subtotal, i.credits_applied,
       i.tax, i.total, i.status, i.invoice_id, i.kind
  FROM invoice i WHERE i.program_id = :prog;
CREATE TEMP VIEW lines AS
SELECT i.reseller_id, i.period, l.line_no AS no, l.kind, l.subscription_id AS sub, l.description, l.quantity,
       l.unit_price, l.amount, l.service, i.invoice_number AS inv
  FROM invoice_line l JOIN invoice i USING (reseller_id, invoice_id) WHERE i.program_id = :prog;

-- ===========================================================================
-- Alpha's Annual subscriptions.  Subscriptions dated back are inserted with
-- their effect dated to their start (the setting the API's p_at sets).
-- ===========================================================================
SET reseller_billing.effective_at = '2012-01-01 00:00 America/Los_Angeles';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start) VALUES
    (41001, 41001, 41001, :apps, 'annual_monthly', 10, '2012-01-01'),   -- 10 seats, Jan 1
    (41001, 41008, 41001, :apps, 'annual_monthly', 4, '2012-01-01'),    -- terminated early in March
    (41001, 41009, 41001, :apps, 'annual_monthly', 2, '2012-01-01');    -- terminated later, dated back
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap) VALUES
    (41001, 41003, 41001, :apps, 'flexible', 10),
    (41001, 41004, 41001, :apps, 'flexible', 10);
RESET reseller_billing.effective_at;
-- seats added in the term's first month: 2 on 2012-01-20
SELECT add_seats(41001, 41001, 2, '2012-01-20 12:00 America/Los_Angeles') AS seats;
-- and 2 on S41008 on 2012-02-10
SELECT add_seats(41001, 41008, 2, '2012-02-10 12:00 America/Los_Angeles') AS seats;
-- the prepaid model: 5 seats from 2012-02-15, 1 more on 2012-03-10
SET reseller_billing.effective_at = '2012-02-15 09:00 America/Los_Angeles';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (41001, 41002, 41001, :apps, 'annual_prepaid', 5, '2012-02-15');
RESET reseller_billing.effective_at;
SELECT add_seats(41001, 41002, 1, '2012-03-10 12:00 America/Los_Angeles') AS seats;

-- The tranches and their totals (seats × price × days / days of the term):
--   S41001 10 × 40.00 = 400.00; + 2 from Jan 20: 80.00 × 347 / 366 = 75.85
--   S41008  4 × 40.00 = 160.00; + 2 from Feb 10: 80.00 × 326 / 366 = 71.256 -> 71.26
--   S41009  2 × 40.00 = 80.00
--   S41002 prepaid, term 2012-02-15 .. 2013-02-15 (366 days): 5 × 36.00 = 180.00;
--          + 1 from Mar 10 (342 days): 36.00 × 342 / 366 = 33.639 -> 33.64
SELECT subscription_id AS sub, plan, seats, price, starts_on, ends_on, total
  FROM commitment_tranche WHERE reseller_id = 41001 ORDER BY subscription_id, starts_on;

-- ===========================================================================
-- early termination on 2012-03-15: S41008 is billed monthly through March;
-- the charge is every tranche's total less what it bills through March.
--   160.00: January..April 13.34, May..December 13.33 (16000 / 12 = 1333
--           rem 4); through March 40.02; left 119.98
--   71.26 from Feb 10: February 20 days, 7126 × 20 / 326 = 437.18 -> 4.37;
--           March..December share 66.89 (6689 / 10 = 668 rem 9: March..
--           November 6.69, December 6.68); through March 4.37 + 6.69 = 11.06;
--           left 60.20
--   charge 119.98 + 60.20 = 180.18
-- (by days instead, 6 seats × 40.00 × 275 days left / 366 would be 180.33)
-- ===========================================================================
SELECT terminate_early(41001, 41008, '2012-03-15 12:00 America/Los_Angeles') AS charged;
SELECT t.total, t.starts_on, annual_installments_through(t.total, t.starts_on, t.ends_on, '2012-03') AS through_march,
       t.total - annual_installments_through(t.total, t.starts_on, t.ends_on, '2012-03') AS left_after_march,
       t.last_month::text
  FROM commitment_tranche t WHERE t.reseller_id = 41001 AND t.subscription_id = 41008 ORDER BY t.starts_on;
SELECT c.amount AS charged,
       (SELECT sum(t.total - annual_installments_through(t.total, t.starts_on, t.ends_on, '2012-03'))
          FROM commitment_tranche t WHERE t.reseller_id = 41001 AND t.subscription_id = 41008) AS schedule_left,
       c.charge_on, c.kind
  FROM charge c WHERE c.reseller_id = 41001 AND c.subscription_id = 41008;

-- ===========================================================================
-- January, February, March
-- ===========================================================================
-- January: S41001 33.34 + its Jan-20 tranche 12 days of 347: 7585 × 12 /
-- 347 = 262.31 -> 2.62; S41008 13.34; S41009 8000 / 12 = 666 rem 8 ->
-- January..August 6.67.  Subtotal 33.34 + 2.62 + 13.34 + 6.67 = 55.97.
-- February: 33.34 + 6.66 (the Jan-20 tranche's 73.23 / 11 = 6.65 rem 8:
-- Feb..Sep 6.66) + 13.34 + 4.37 + 6.67 = 64.38 on the post-paid invoice,
-- and the prepaid year 180.00 on its own prepaid invoice (numbered first):
-- 244.38 in all.
-- March: 33.34 + 6.66 + 13.34 + 6.69 + 6.67 + the early-termination charge
-- 180.18 = 246.88 post-paid; the prepaid seat 33.64 on the prepaid invoice.
-- Alpha is a prepaid reseller that also holds Annual-monthly and Flex plans.
SET client_min_messages = warning;
SELECT close_period('2012-01', :prog) AS january;
SELECT close_period('2012-02', :prog) AS february;
SELECT close_period('2012-03', :prog) AS march;
RESET client_min_messages;
SELECT period, inv, no, kind, sub, description, quantity, unit_price, amount, service
  FROM lines WHERE period <= '2012-03' ORDER BY period, inv, no;
-- numbered 1 to 5; issued the day after the month; due 30 days later
SELECT reseller_id, period, no, kind, issued_on, due_on, subtotal, credits_applied, tax, total, status
  FROM inv ORDER BY no;

-- ===========================================================================
-- April: Flex account-days in Los Angeles time, trials, a one-off charge
-- ===========================================================================
-- Flex at 48.00 a seat a year bills 48.00 × account-days / (12 × 30) in
-- April.  S41004: one account active April 1-15 (it ends at local midnight
-- starting the 16th): 15 days, 48.00 × 15 / 360 = 2.00.
-- S41003: an account from 22:00 on the 20th to 02:00 on the 21st counts 2
-- days (in UTC it would be 1: 05:00-09:00 on the 21st); one created and
-- ended on the 25th counts 1; one from the 28th ending exactly at local
-- midnight starting the 30th counts 2 (the 28th and 29th; in UTC, 07:00 on
-- the 30th, it would count 3): 5 days, 48.00 × 5 / 360 = 0.667 -> 0.67.
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from, active_until) VALUES
    (41001, 41004, 'april1to15', '2012-04-01 00:00 America/Los_Angeles', '2012-04-16 00:00 America/Los_Angeles'),
    (41001, 41003, 'acrossmidnight', '2012-04-20 22:00 America/Los_Angeles', '2012-04-21 02:00 America/Los_Angeles'),
    (41001, 41003, 'sameday', '2012-04-25 09:00 America/Los_Angeles', '2012-04-25 17:00 America/Los_Angeles'),
    (41001, 41003, 'endsatmidnight', '2012-04-28 10:00 America/Los_Angeles', '2012-04-30 00:00 America/Los_Angeles');
-- Two trials from 2012-04-05: free.  S41006 converts to Flex at noon on the
-- 20th, with an account there since the 6th: billed from its conversion
-- day, the 20th..30th, 11 days, 48.00 × 11 / 360 = 1.467 -> 1.47.  S41007
-- converts to Annual (3 seats) on the 10th: a term 2012-04-10 .. 2013-04-10
-- (365 days), 120.00; April 21 days, 12000 × 21 / 365 = 690.41 -> 6.90.
SET reseller_billing.effective_at = '2012-04-05 09:00 America/Los_Angeles';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan) VALUES
    (41001, 41006, 41001, :apps, 'trial'),
    (41001, 41007, 41001, :apps, 'trial');
RESET reseller_billing.effective_at;
SELECT subscription_id AS sub, plan, status, trial_end, partner_price FROM subscription
 WHERE reseller_id = 41001 AND subscription_id IN (41006, 41007) ORDER BY 1;
SELECT plan, status, term_start, term_end, partner_price
  FROM change_plan(41001, 41006, 'flexible', 5, '2012-04-20 12:00 America/Los_Angeles');
SELECT plan, status, term_start, term_end, partner_price
  FROM change_plan(41001, 41007, 'annual_monthly', 3, '2012-04-10 12:00 America/Los_Angeles');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (41001, 41006, 'fromthetrial', '2012-04-06 10:00 America/Los_Angeles');
-- a one-off charge
SELECT add_charge(41001, 41001, 'Data migration', 'USD 25.00', '2012-04-10') IS NOT NULL AS charged;
SELECT add_charge(41001, 41001, '', 'USD 25.00', '2012-04-10');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT add_charge(41001, 41001, 'No date', 'USD 25.00', NULL);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- Beta: credits.  Online Co: Apps Flex (2 accounts), Chromebook Flex (1),
-- Apps Annual 3 seats from April 1 (120.00, 10.00 a month); Offline Co:
-- Apps Flex (1 account) and a one-off charge of 5.00.  April:
--   1 annual_installment S41023 online apps     10.00
--   2 flex_usage S41020 online apps  60 days     8.00   (48.00 × 60 / 360)
--   3 flex_usage S41021 offline apps 30 days     4.00
--   4 flex_usage S41022 online devices 30 days   2.00   (24.00 × 30 / 360)
--   5 one_off offline                            5.00
--   subtotal                                    29.00
SET reseller_billing.effective_at = '2012-04-01 00:00 America/Los_Angeles';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap) VALUES
    (41002, 41020, 41002, :apps, 'flexible', 5),
    (41002, 41021, 41003, :apps, 'flexible', 5),
    (41002, 41022, 41002, :devices, 'flexible', 5);
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (41002, 41023, 41002, :apps, 'annual_monthly', 3, '2012-04-01');
RESET reseller_billing.effective_at;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES
    (41002, 41020, 'o1', '2012-04-01 00:00 America/Los_Angeles'),
    (41002, 41020, 'o2', '2012-04-01 00:00 America/Los_Angeles'),
    (41002, 41021, 'f1', '2012-04-01 00:00 America/Los_Angeles'),
    (41002, 41022, 'd1', '2012-04-01 00:00 America/Los_Angeles');
SELECT add_charge(41002, 41003, 'Onboarding', 'USD 5.00', '2012-04-20') IS NOT NULL AS charged;
-- Credits, applied oldest first, each to the lines its rule admits, never
-- past what the invoice bills:
--   C1 15.00 online customers' Apps (the migration credit's rule): lines 1
--      and 2 -> 10.00 + 5.00, used up
--   C2  3.00 offline customers: line 3 (4.00) -> 3.00, used up
--   C3 50.00 anything: what is left, 3.00 + 1.00 + 2.00 + 5.00 = 11.00;
--      39.00 remains
-- credits applied 29.00, total 0.00: nothing is owed, so it is issued paid.
SELECT grant_credit(41002, 'USD 15.00', 'migration credit', '{"customer_kind": ["online"], "sku_family": ["apps"]}')
       AS c1 \gset
SELECT grant_credit(41002, 'USD 3.00', 'offline goodwill', '{"customer_kind": ["offline"]}') AS c2 \gset
SELECT grant_credit(41002, 'USD 50.00', 'service credit') AS c3 \gset
-- a credit is positive, and its rule is an object of known arrays: 22023
SELECT grant_credit(41002, 'USD 0.00', 'nothing');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT grant_credit(41002, 'USD -1.00', 'negative');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT grant_credit(41002, 'USD 1.00', 'bad rule', '{"sku": ["apps"]}');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT grant_credit(41002, 'USD 1.00', 'bad rule', '{"customer_kind": "online"}');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT grant_credit(41002, 'USD 1.00', 'bad rule', '["online"]');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- the rule on its own
SELECT credit_eligible('{"customer_kind": ["online"], "sku_family": ["apps"]}', 'online', 'apps', 'flex_usage') AS online_apps,
       credit_eligible('{"customer_kind": ["online"], "sku_family": ["apps"]}', 'offline', 'apps', 'flex_usage') AS offline_apps,
       credit_eligible('{"customer_kind": ["online"], "sku_family": ["apps"]}', 'online', 'devices', 'flex_usage') AS online_devices,
       credit_eligible('{"line_kind": ["annual_installment"]}', 'online', 'apps', 'flex_usage') AS flex_line,
       credit_eligible('{}', NULL, NULL, 'one_off') AS anything;

-- ===========================================================================
-- the April close; the preview beforehand shows what it writes
-- ===========================================================================
SELECT line_no, kind, subscription_id AS sub, quantity, amount FROM preview_invoice(41001, '2012-04');
SET client_min_messages = warning;
SELECT close_period('2012-04', :prog) AS april;
RESET client_min_messages;
-- Alpha, April: S41001 33.34 + 6.66, S41007 6.90 (S41008 is over, S41009
-- still 6.67), Flex 0.67 + 2.00 + 1.47, the one-off 25.00; the trial S41007
-- had no charge before its conversion and S41006's trial days none either.
-- Subtotal 33.34 + 6.66 + 6.90 + 6.67 + 0.67 + 2.00 + 1.47 + 25.00 = 82.71.
SELECT reseller_id, no, kind, sub, description, quantity, unit_price, amount, service
  FROM lines WHERE period = '2012-04' ORDER BY reseller_id, no;
-- the credit taken by each of Beta's lines
SELECT l.line_no, l.kind, l.customer_name, l.sku_family, l.amount, l.credit_applied
  FROM invoice_lines l WHERE l.reseller_id = 41002 AND l.period = '2012-04' ORDER BY l.line_no;
SELECT c.reason, c.amount, c.remaining FROM credit c WHERE c.reseller_id = 41002 ORDER BY c.credit_id;
SELECT c.reason, a.line_no, a.amount FROM credit_application a JOIN credit c USING (reseller_id, credit_id)
 WHERE a.reseller_id = 41002 ORDER BY c.credit_id, a.line_no;
-- Gamma has nothing to bill in April: no invoice
SELECT reseller_id, period, no, subtotal, credits_applied, tax, total, status FROM inv WHERE period = '2012-04' ORDER BY no;

-- ===========================================================================
-- May: late changes to April, billed as adjustments
-- ===========================================================================
-- (1) an account on S41003 dated back to April 10-11 (it ends at local
--     midnight starting the 12th): April now has 7 account-days, 48.00 × 7
--     / 360 = 0.933 -> 0.93; 0.67 was billed: adjustment +0.26
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from, active_until) VALUES
    (41001, 41003, 'datedback', '2012-04-10 00:00 America/Los_Angeles', '2012-04-12 00:00 America/Los_Angeles');
-- (2) a seat added to S41001 with effect from April 15: a tranche of 261
--     days, 40.00 × 261 / 366 = 28.52; April 16 days, 2852 × 16 / 261 =
--     174.84 -> 1.75 (adjustment +1.75); May..December share 26.77, 2677 / 8
--     = 334 rem 5: May..September 3.35, October..December 3.34
SELECT add_seats(41001, 41001, 1, '2012-04-15 12:00 America/Los_Angeles') AS seats;
-- (3) S41009 terminated early with effect from February 20, after April
--     was billed.  Its 80.00 bills January..August 6.67 (8000 / 12 = 666
--     rem 8), so the charge is 80.00 - 13.34 (through February) = 66.66;
--     March and April, billed 6.67 each, are now owed through the charge:
--     adjustments -6.67 each.  Over January..May S41009 bills
--     4 × 6.67 + 66.66 - 2 × 6.67 = 80.00, its whole commitment, once.
SELECT terminate_early(41001, 41009, '2012-02-20 12:00 America/Los_Angeles') AS charged;
-- (4) Gamma's Flex subscription had no account in April (and no invoice);
--     an account dated back to April 21 and ended May 11 (local midnight):
--     April 10 days, 48.00 × 10 / 360 = 1.33 as an adjustment; May 10 days,
--     48.00 × 10 / 372 = 1.29 as May's usage
SET reseller_billing.effective_at = '2012-03-01 00:00 America/Los_Angeles';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
VALUES (41003, 41030, 41004, :apps, 'flexible', 5);
RESET reseller_billing.effective_at;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from, active_until) VALUES
    (41003, 41030, 'late', '2012-04-21 08:00 America/Los_Angeles', '2012-05-11 00:00 America/Los_Angeles');
-- the months each change reaches back into (closed ones only)
SELECT reseller_id, subscription_id AS sub, service_period::text FROM late_change
 WHERE reseller_id BETWEEN 41001 AND 41003 ORDER BY 1, 2, 3;
SET client_min_messages = warning;
SELECT close_period('2012-05', :prog) AS may;
RESET client_min_messages;
-- Alpha, May: S41001 33.33 + 6.66 + 3.35, S41007 10.02 (its 11 full months
-- May..March share 12000 × 335 / 365 = 110.14, 11014 / 11 = 1001 rem 3),
-- S41006 31 days 48.00 × 31 / 372 = 4.00, S41009's charge 66.66, and the
-- adjustments: S41001 April +1.75, S41003 April +0.26, S41009 March and
-- April -6.67 each.
SELECT reseller_id, no, kind, sub, description, quantity, unit_price, amount, service
  FROM lines WHERE period = '2012-05' ORDER BY reseller_id, no;
SELECT count(*) AS late_changes_left FROM late_change WHERE reseller_id BETWEEN 41001 AND 41003;

-- ===========================================================================
-- June: Beta's credits run on until used up; Gamma's account start is
-- recorded late, then corrected
-- ===========================================================================
-- Beta bills 24.00 in May (10.00 + 8.00 + 4.00 + 2.00; Flex in a 31-day
-- month: 62 days × 48.00 / 372 = 8.00) and 24.00 in June: C3's 39.00 pays
-- May whole (15.00 left) and 15.00 of June (lines 1 and 2: 10.00 + 5.00):
-- June's total is 9.00.
-- Gamma: an account recorded after May was billed, from April 25 on: April
-- now has 10 + 6 = 16 days, 48.00 × 16 / 360 = 2.13 (1.33 billed: +0.80);
-- May 10 + 31 = 41 days, 48.00 × 41 / 372 = 5.29 (1.29 billed: +4.00);
-- June's usage 30 days, 4.00.  June: 0.80 + 4.00 + 4.00 = 8.80.
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (41003, 41030, 'moved', '2012-04-25 00:00 America/Los_Angeles');
SET client_min_messages = warning;
SELECT close_period('2012-06', :prog) AS june;
RESET client_min_messages;
SELECT no, kind, description, quantity, amount FROM lines WHERE reseller_id = 41003 AND period = '2012-06' ORDER BY no;
SELECT period, line_no, kind, amount, credit_applied FROM invoice_lines
 WHERE reseller_id = 41002 AND period IN ('2012-05', '2012-06') ORDER BY period, line_no;
SELECT c.reason, c.amount, c.remaining FROM credit c WHERE c.reseller_id = 41002 ORDER BY c.credit_id;

-- ===========================================================================
-- July, August: a correction that reaches back and a total below zero
-- ===========================================================================
-- The account really started on June 5: moving its start later changes
-- April, May and June, all billed.  July: April 1.33 - 2.13 = -0.80, May
-- 1.29 - 5.29 = -4.00, June 26 days (5th..30th) 48.00 × 26 / 360 = 3.47 -
-- 4.00 = -0.53, July's usage 31 days 4.00: total -1.33.  Nothing is owed (it
-- is issued paid) and the 1.33 becomes a credit; August's 4.00 takes it:
-- 2.67.
UPDATE seat SET active_from = '2012-06-05 00:00 America/Los_Angeles'
 WHERE reseller_id = 41003 AND subscription_id = 41030 AND user_name = 'moved';
SELECT reseller_id, subscription_id AS sub, service_period::text FROM late_change
 WHERE reseller_id BETWEEN 41001 AND 41003 ORDER BY 1, 2, 3;
SET client_min_messages = warning;
SELECT close_period('2012-07', :prog) AS july;
RESET client_min_messages;
SELECT no, kind, description, quantity, amount FROM lines WHERE reseller_id = 41003 AND period = '2012-07' ORDER BY no;
SELECT period, no, subtotal, credits_applied, total, status FROM inv WHERE reseller_id = 41003 AND period = '2012-07';
SELECT reason, amount, remaining, eligibility FROM credit WHERE reseller_id = 41003;
SET client_min_messages = warning;
SELECT close_period('2012-08', :prog) AS august;
RESET client_min_messages;
SELECT period, no, subtotal, credits_applied, total, status FROM inv WHERE reseller_id = 41003 AND period = '2012-08';
SELECT reason, amount, remaining FROM credit WHERE reseller_id = 41003;
-- Gamma over April..August owes 2.62 + 8.80 + 0 + 2.67 = 14.09 (July's
-- -1.33 became the credit August used): what its account-days cost month
-- by month, 1.33 + 1.29 + 3.47 + 4.00 + 4.00 = 14.09, billed once.  In the
-- views July owes nothing and counts 0 as invoiced.
SELECT invoice_number, period, total, paid, credited, balance FROM invoices
 WHERE reseller_id = 41003 ORDER BY invoice_number;
SELECT reseller_id, currency, invoiced, paid, credited, outstanding, unapplied_payments, credit_remaining
  FROM reseller_balances WHERE reseller_id BETWEEN 41001 AND 41003 ORDER BY 1;

-- ===========================================================================
-- every invoice: numbered 1..n per program without gaps, in close order and
-- by reseller within a close; issued the 1st of the next month, due 30 days
-- later; total = subtotal - credits applied + tax (0); paid when nothing is
-- owed (nothing here was paid otherwise)
-- ===========================================================================
SELECT reseller_id, period, no, issued_on, due_on, subtotal, credits_applied, tax, total, status FROM inv ORDER BY no;
SELECT count(*) AS invoices, min(no) AS first, max(no) AS last, count(DISTINCT no) AS distinct_numbers,
       bool_and(total = subtotal - credits_applied + tax) AS totals_add_up,
       bool_and(subtotal = (SELECT sum(l.amount) FROM invoice_line l
                             WHERE l.reseller_id = inv.reseller_id AND l.invoice_id = inv.invoice_id)) AS lines_add_up,
       bool_and(due_on = issued_on + 30 AND issued_on = period_end(period)) AS dates,
       bool_and(status = CASE WHEN total > 'USD 0.00' THEN 'issued' ELSE 'paid' END) AS statuses
  FROM inv;

-- ===========================================================================
-- the early-termination charge of a prepaid year.  The year was billed
-- whole when it started (180.00 + 33.64), so nothing is left to bill: the
-- charge is USD 0.00 (early_termination_fee counts only the tranches paid
-- monthly), and no charge row is recorded.
-- ===========================================================================
SELECT terminate_early(41001, 41002, '2012-08-15 12:00 America/Los_Angeles') AS charged,
       'USD 0.00'::amount AS should_be;
SELECT count(*) = 0 AS no_charge_recorded FROM charge WHERE reseller_id = 41001 AND subscription_id = 41002;

-- ===========================================================================
-- leave nothing for later files: every subscription of this file ends now
-- (its terms ended long ago), so no renewal or trial expiry touches it
-- ===========================================================================
SELECT count(*) AS cancelled
  FROM subscription s, LATERAL cancel_subscription(s.reseller_id, s.subscription_id) c
 WHERE s.reseller_id BETWEEN 41001 AND 41003 AND s.status <> 'cancelled';
