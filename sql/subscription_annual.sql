SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- subscription_annual: the Annual plans (domain.md §3, issue 3 §3)
--   * active accounts never exceed the committed seats
--   * seats can be added at any time (add_seats); they end with the term
--   * no reduction, no cancellation, no other term or price before the
--     renewal date; terminate_early cancels and records a charge equal to
--     the installments left
--   * renew_due applies the renewal setting at the renewal date, once
--
-- Ids: this file's resellers, customers and subscriptions carry explicit
-- ids 11001.. so that messages naming them do not depend on other files.
-- Every moment is in 2012-2016 (changes cannot take effect in the future;
-- an Annual term that has not ended by the real clock starts in 2090).
--

-- ===========================================================================
-- catalogue: USD, 20% discount.  annual_monthly: list 50 in 2012, 55 from
-- 2013 (partner 40.00, then 44.00); annual_prepaid 45 (36.00); flexible 60
-- (48.00).  A second program in Los Angeles time for the day boundary.
-- ===========================================================================
INSERT INTO program (code, name, currency, reseller_discount)
VALUES ('sub_annual', 'Annual tests', 'USD', 0.20) RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Apps', 'apps')
RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from, valid_to) VALUES
    (:apps, 'annual_monthly', 'USD 50', '2012-01-01', '2013-01-01'),
    (:apps, 'annual_monthly', 'USD 55', '2013-01-01', NULL),
    (:apps, 'annual_prepaid', 'USD 45', '2012-01-01', NULL),
    (:apps, 'flexible',       'USD 60', '2012-01-01', NULL);
INSERT INTO reseller (reseller_id, program_id, name, country, billing_model) VALUES (11001, :prog, 'Annual Reseller', 'US', 'prepaid');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES (11001, 11001, 'Acme', 'acme.example');

INSERT INTO program (code, name, currency, reseller_discount, time_zone)
VALUES ('sub_annual_la', 'Annual tests, Los Angeles', 'USD', 0.20, 'America/Los_Angeles') RETURNING program_id AS prog_la \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog_la, 'apps', 'Apps', 'apps')
RETURNING sku_id AS apps_la \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps_la, 'annual_monthly', 'USD 50', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country, billing_model) VALUES (11002, :prog_la, 'LA Reseller', 'US', 'prepaid');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES (11002, 11002, 'LA Co', 'la.example');

-- the truth recomputed the slow way, for every subscription of this file
CREATE TEMP VIEW annual_state AS
SELECT s.subscription_id AS sub, s.plan, s.status, s.committed_seats AS seats, s.seat_cap AS cap,
       s.term_start, s.term_end, s.partner_price AS price, s.active_seats AS counter,
       (SELECT count(*) FROM seat a WHERE a.reseller_id = s.reseller_id AND a.subscription_id = s.subscription_id
           AND a.active_until IS NULL) AS counted
  FROM subscription s WHERE s.reseller_id IN (11001, 11002)
 ORDER BY s.reseller_id, s.subscription_id;

-- ===========================================================================
-- a new Annual subscription: 12-month term from term_start, price captured
-- on term_start, no cap, no trial
-- ===========================================================================
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start,
                          seat_cap, trial_end, active_seats)
VALUES (11001, 11001, 11001, :apps, 'annual_monthly', 5, '2012-01-01', 99, '2012-02-01', 42);
SELECT sub, plan, status, seats, cap, term_start, term_end, price, counter FROM annual_state WHERE sub = 11001;
SELECT trial_end IS NULL AS no_trial_end, cancelled_at IS NULL AS not_cancelled, renewal_setting
  FROM subscription WHERE reseller_id = 11001 AND subscription_id = 11001;

-- committed seats are required
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start)
VALUES (11001, 11090, 11001, :apps, 'annual_monthly', '2012-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- (constraint violations print the failing row, with its creation time:
-- shown without their detail)
\set VERBOSITY terse
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (11001, 11090, 11001, :apps, 'annual_monthly', 0, '2012-01-01');
\set VERBOSITY default
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a new subscription starts active: not suspended, not cancelled
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start, status)
VALUES (11001, 11090, 11001, :apps, 'annual_monthly', 5, '2012-01-01', 'cancelled');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- no price on term_start: P0002
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (11001, 11090, 11001, :apps, 'annual_monthly', 5, '2011-12-31');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- the committed seats limit the active accounts
-- ===========================================================================
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT 11001, 11001, 'user' || i, '2012-01-02' FROM generate_series(1, 4) i;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (11001, 11001, 'user5', '2012-01-02');
-- the sixth: 23514, nothing written
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (11001, 11001, 'user6', '2012-01-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT sub, seats, counter, counted FROM annual_state WHERE sub = 11001;

-- ===========================================================================
-- add_seats: at any time; returns the new commitment
-- ===========================================================================
SELECT add_seats(11001, 11001, 2, '2012-02-10');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (11001, 11001, 'user6', '2012-02-10'), (11001, 11001, 'user7', '2012-02-10');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (11001, 11001, 'user8', '2012-02-10');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT sub, seats, counter, counted, term_end FROM annual_state WHERE sub = 11001;
-- a plain UPDATE may add seats too (the same trigger)
UPDATE subscription SET committed_seats = 8 WHERE reseller_id = 11001 AND subscription_id = 11001;
SELECT sub, seats FROM annual_state WHERE sub = 11001;

-- bad parameters: 22023; a missing subscription: P0002
SELECT add_seats(11001, 11001, 0, '2012-02-10');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT add_seats(11001, 11001, NULL, '2012-02-10');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT add_seats(11001, 11001, 1, NULL);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT add_seats(11001, 99999, 1, '2012-02-10');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a change takes effect now or earlier, never later (it is applied at once)
SELECT add_seats(11001, 11001, 1, '2200-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT sub, seats FROM annual_state WHERE sub = 11001;

-- ===========================================================================
-- before the renewal date: no fewer seats, no cancellation, the term and
-- the price are those of the commitment
-- ===========================================================================
-- judged on the day the change takes effect: cancel_subscription on
-- 2012-06-01, inside the term 2012-01-01 .. 2013-01-01
SELECT status FROM cancel_subscription(11001, 11001, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT status FROM cancel_subscription(11001, 11001, '2012-12-31 23:59:59+00');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- plain UPDATEs take effect now(); this commitment runs 2090-2091, so every
-- one of them falls before its renewal date
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (11001, 11002, 11001, :apps, 'annual_monthly', 4, '2090-01-01');
SELECT sub, seats, term_start, term_end, price FROM annual_state WHERE sub = 11002;
UPDATE subscription SET committed_seats = 3 WHERE reseller_id = 11001 AND subscription_id = 11002;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET term_end = '2090-06-01' WHERE reseller_id = 11001 AND subscription_id = 11002;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET term_start = '2090-02-01', term_end = '2091-02-01' WHERE reseller_id = 11001 AND subscription_id = 11002;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET partner_price = 'USD 1.00' WHERE reseller_id = 11001 AND subscription_id = 11002;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- (the next messages name the failing row's creation time, or today, the
-- real date: shown without their detail)
\set VERBOSITY terse
UPDATE subscription SET committed_seats = NULL WHERE reseller_id = 11001 AND subscription_id = 11002;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET status = 'cancelled' WHERE reseller_id = 11001 AND subscription_id = 11002;
\set VERBOSITY default
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- cancelled_at belongs to a cancellation
UPDATE subscription SET cancelled_at = '2012-01-01' WHERE reseller_id = 11001 AND subscription_id = 11002;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- the active-account counter belongs to the seat triggers
UPDATE subscription SET active_seats = 4 WHERE reseller_id = 11001 AND subscription_id = 11002;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- unchanged
SELECT sub, status, seats, term_start, term_end, price FROM annual_state WHERE sub = 11002;

-- a price list change during the term does not touch the captured price
UPDATE price SET valid_to = '2012-07-01' WHERE sku_id = :apps AND plan = 'annual_prepaid';
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps, 'annual_prepaid', 'USD 47.50', '2012-07-01');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (11001, 11003, 11001, :apps, 'annual_prepaid', 2, '2012-06-30'),
       (11001, 11004, 11001, :apps, 'annual_prepaid', 2, '2012-07-01');
SELECT sub, plan, term_start, term_end, price FROM annual_state WHERE sub IN (11001, 11003, 11004);

-- ===========================================================================
-- terminate_early: cancels now and records the installments left.
--
-- The commitment is billed by calendar month in tranches: the seats at the
-- start of the term (total = seats × price), and each later addition from
-- the day it was added to the term's end (total = seats × price × days left
-- / days of the term).  A tranche's first or last partial month is prorated
-- by days; its full months share the rest equally, remainders one cent each
-- to the earliest (annual_installment).  Everything after the month of
-- termination is the charge.
-- ===========================================================================
-- (a) term 2012-01-01 .. 2013-01-01, 10 seats at USD 40.00, terminated on
-- 2012-03-15.  Total 400.00 in 12 full months: 400.00 / 12 = 33.33 rem 0.04,
-- so January..April 33.34, May..December 33.33.  Billed through March:
-- 3 × 33.34 = 100.02.  Left: 33.34 + 8 × 33.33 = 299.98.
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (11001, 11010, 11001, :apps, 'annual_monthly', 10, '2012-01-01');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (11001, 11010, 'ann', '2012-01-05'), (11001, 11010, 'bob', '2012-01-05');
SELECT terminate_early(11001, 11010, '2012-03-15 10:00+00');
SELECT sub, status, seats, counter, counted FROM annual_state WHERE sub = 11010;
SELECT cancelled_at FROM subscription WHERE reseller_id = 11001 AND subscription_id = 11010;
SELECT user_name, active_from, active_until FROM seat WHERE reseller_id = 11001 AND subscription_id = 11010 ORDER BY user_name;
SELECT kind, description, amount, charge_on, customer_id FROM charge WHERE reseller_id = 11001 AND subscription_id = 11010;
-- a cancelled subscription takes no accounts and no changes
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (11001, 11010, 'cid', '2012-03-16');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT add_seats(11001, 11010, 1, '2012-03-16');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT terminate_early(11001, 11010, '2012-03-16');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT set_renewal(11001, 11010, 'cancel', '2012-03-16');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET status = 'active' WHERE reseller_id = 11001 AND subscription_id = 11010;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- (b) the same commitment with 2 seats added on 2012-02-10, terminated on
-- 2012-03-15.  Base tranche as in (a): 299.98 left.  Added tranche: 2 × 40.00
-- × 326 / 366 days (2012-02-10 .. 2013-01-01 of a 366-day term) = 71.2568..
-- = 71.26.  February is partial: 71.26 × 20 / 326 (Feb 10 .. Mar 1) =
-- 4.3717.. = 4.37; the 10 full months share 66.89: 6.68 rem 0.09, so March
-- .. November 6.69, December 6.68.  Billed through March: 4.37 + 6.69 = 11.06;
-- left 71.26 - 11.06 = 60.20.  Charge: 299.98 + 60.20 = 360.18.
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (11001, 11011, 11001, :apps, 'annual_monthly', 10, '2012-01-01');
SELECT add_seats(11001, 11011, 2, '2012-02-10');
SELECT terminate_early(11001, 11011, '2012-03-15', 'customer went out of business');
SELECT description, amount, charge_on FROM charge WHERE reseller_id = 11001 AND subscription_id = 11011;

-- (c) a term not on the 1st: 2012-04-15 .. 2013-04-15 (365 days), 10 seats
-- at 40.00 = 400.00, suspended, then terminated on 2012-07-20.  April 2012
-- is partial: 400.00 × 16 / 365 = 17.534.. = 17.53.  The 11 full months
-- (May 2012 .. March 2013, 335 days) get 400.00 × 335 / 365 = 367.123.. =
-- 367.12: 33.37 rem 0.05, so May..September 33.38, October..March 33.37;
-- April 2013 the remainder 400.00 - 17.53 - 367.12 = 15.35.  Billed through
-- July: 17.53 + 3 × 33.38 = 117.67; left 400.00 - 117.67 = 282.33.
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (11001, 11012, 11001, :apps, 'annual_monthly', 10, '2012-04-15');
SELECT suspend(11001, 11012, 'unpaid', '2012-06-01');
-- a suspended commitment still cannot simply be cancelled
SELECT status FROM cancel_subscription(11001, 11012, '2012-07-20');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT terminate_early(11001, 11012, '2012-07-20');
SELECT description, amount, charge_on FROM charge WHERE reseller_id = 11001 AND subscription_id = 11012;

-- (d) terminated before its term starts: the whole commitment, 3 × 40.00 =
-- 120.00, is owed; its first month (May 2012: 120.00 / 12 = 10.00) is billed
-- by the month-end close as usual and the other 11 months are the charge,
-- 110.00
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (11001, 11013, 11001, :apps, 'annual_monthly', 3, '2012-05-01');
SELECT terminate_early(11001, 11013, '2012-04-30');
SELECT description, amount, charge_on FROM charge WHERE reseller_id = 11001 AND subscription_id = 11013;

-- refused: not Annual (55000), on or after the renewal date (55000: nothing
-- is early; cancel it), a missing subscription (P0002)
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
VALUES (11001, 11014, 11001, :apps, 'flexible', 5);
SELECT terminate_early(11001, 11014, '2012-05-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT terminate_early(11001, 11001, '2013-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT terminate_early(11001, 99999, '2012-05-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- no charge was written by the refusals
SELECT count(*) AS charges FROM charge WHERE reseller_id = 11001;

-- an early cancellation always records its charge: the internal setting
-- terminate_early uses grants a plain UPDATE nothing more than
-- terminate_early itself (same charge, accounts ended)
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (11001, 11015, 11001, :apps, 'annual_monthly', 10, '2012-01-01');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (11001, 11015, 'ann', '2012-01-05');
BEGIN;
SET LOCAL reseller_billing.action = 'terminate';
SET LOCAL reseller_billing.effective_at = '2012-03-15';
UPDATE subscription SET status = 'cancelled' WHERE reseller_id = 11001 AND subscription_id = 11015;
COMMIT;
SELECT sub, status, counter, counted FROM annual_state WHERE sub = 11015;
SELECT amount, charge_on FROM charge WHERE reseller_id = 11001 AND subscription_id = 11015;

-- ===========================================================================
-- renewal: renew_due(at) applies each renewal due by the program's date of
-- `at`, with effect at 00:00 of the renewal date in the program's zone
-- ===========================================================================
-- set_renewal: Annual only; an unknown setting 22023; missing P0002
SELECT set_renewal(11001, 11001, 'sometimes', '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT set_renewal(11001, 11001, NULL, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT set_renewal(11001, 11014, 'cancel', '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT set_renewal(11001, 99999, 'cancel', '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY terse
UPDATE subscription SET renewal_setting = 'never' WHERE reseller_id = 11001 AND subscription_id = 11001;
\set VERBOSITY default
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- four commitments on the term 2012-01-01 .. 2013-01-01, one per setting
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (11001, 11020, 11001, :apps, 'annual_monthly', 6, '2012-01-01'),     -- auto_renew
       (11001, 11021, 11001, :apps, 'annual_monthly', 8, '2012-01-01'),     -- renew_current_users
       (11001, 11022, 11001, :apps, 'annual_monthly', 6, '2012-01-01'),     -- switch_to_flex
       (11001, 11023, 11001, :apps, 'annual_monthly', 6, '2012-01-01'),     -- cancel
       (11001, 11024, 11001, :apps, 'annual_monthly', 2, '2012-01-01');     -- renew_current_users, no accounts
SELECT set_renewal(11001, 11021, 'renew_current_users', '2012-06-01');
SELECT set_renewal(11001, 11022, 'switch_to_flex', '2012-06-01');
SELECT set_renewal(11001, 11023, 'cancel', '2012-06-01');
SELECT set_renewal(11001, 11024, 'renew_current_users', '2012-06-01');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT 11001, sub, 'u' || i, '2012-01-02'
  FROM (VALUES (11020, 4), (11021, 3), (11022, 5), (11023, 2)) v(sub, n), generate_series(1, n) i;
-- the renewal setting may change until the renewal; an account removed before it
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from, active_until)
VALUES (11001, 11021, 'gone', '2012-01-02', '2012-11-30');

-- the commitments (a) .. (d) above are cancelled; 11001, 11003 and 11004 are
-- on the same or a close term and renew too.  The day before the renewal
-- date: nothing is due
SELECT renew_due('2012-12-31 23:59:59+00') AS applied;
-- the renewal date: each subscription whose term ends on or before it
SELECT renew_due('2013-01-01 00:00:00+00') AS applied;
SELECT sub, plan, status, seats, cap, term_start, term_end, price, counter, counted
  FROM annual_state WHERE sub IN (11001, 11020, 11021, 11022, 11023, 11024);
SELECT s.subscription_id AS sub, s.renewal_setting, s.cancelled_at
  FROM subscription s WHERE s.reseller_id = 11001 AND s.subscription_id IN (11023, 11024) ORDER BY 1;
-- the accounts of the cancelled one ended at the renewal moment; the others keep theirs
SELECT subscription_id AS sub, user_name, active_until FROM seat
 WHERE reseller_id = 11001 AND subscription_id IN (11022, 11023) ORDER BY 1, 2;
-- the renewals were recorded at the renewal date with their reason
SELECT subscription_id AS sub, field, old_value, new_value, effective_at, reason
  FROM subscription_change
 WHERE reseller_id = 11001 AND subscription_id IN (11020, 11021, 11022, 11023, 11024) AND reason LIKE 'renewal%'
 ORDER BY subscription_id, change_id;
-- no cancellation at the renewal records a charge
SELECT count(*) AS charges FROM charge WHERE reseller_id = 11001 AND subscription_id IN (11023, 11024);

-- idempotent: the same moment again applies nothing; a later one applies
-- only what fell due since (the prepaid terms ending 2013-06-30 and
-- 2013-07-01, at the prepaid price of their renewal date, 47.50 less 20%)
SELECT renew_due('2013-01-01 00:00:00+00') AS applied;
SELECT renew_due('2013-12-31 12:00:00+00') AS applied;
SELECT renew_due('2013-12-31 12:00:00+00') AS applied;
SELECT sub, plan, status, seats, cap, term_start, term_end, price
  FROM annual_state WHERE sub IN (11003, 11004, 11020, 11021, 11022);

-- in the renewed term, the renewed commitment binds as before
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (11001, 11021, 'new', '2013-02-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT status FROM cancel_subscription(11001, 11021, '2013-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- renewal is not a way back: the switched subscription is Flex now, with cap 6
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (11001, 11022, 'u6', '2013-02-01');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (11001, 11022, 'u7', '2013-02-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- from the renewal date on, a commitment that was not renewed yet may be
-- cancelled (no charge) or reduced; renew_due has nothing left to do for it
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (11001, 11025, 11001, :apps, 'annual_monthly', 6, '2013-03-01'),
       (11001, 11026, 11001, :apps, 'annual_monthly', 6, '2013-03-01');
SELECT status, cancelled_at FROM cancel_subscription(11001, 11025, '2014-03-01');
SELECT count(*) AS charges FROM charge WHERE reseller_id = 11001 AND subscription_id = 11025;
-- (a plain UPDATE takes effect today, long after 2014-03-01)
UPDATE subscription SET committed_seats = 4 WHERE reseller_id = 11001 AND subscription_id = 11026;
SELECT sub, status, seats, term_start, term_end FROM annual_state WHERE sub IN (11025, 11026);
-- but its term and price change only as the renewal changes them: the next
-- 12 months, at the price list's price of the renewal date (55.00 less 20%)
UPDATE subscription SET term_start = '2014-03-01', term_end = '2015-03-01', partner_price = 'USD 1.00'
 WHERE reseller_id = 11001 AND subscription_id = 11026;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET term_end = '2020-01-01' WHERE reseller_id = 11001 AND subscription_id = 11026;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- catching up: several terms overdue renew one term at a time, each at its
-- own renewal date and at the price of that date (and the one due
-- 2014-03-01 with them)
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (11001, 11027, 11001, :apps, 'annual_monthly', 3, '2012-07-01');
SELECT renew_due('2015-08-01 00:00:00+00') AS applied;
SELECT sub, seats, term_start, term_end, price FROM annual_state WHERE sub IN (11020, 11026, 11027);
SELECT subscription_id AS sub, old_value, new_value, effective_at FROM subscription_change
 WHERE reseller_id = 11001 AND subscription_id = 11027 AND field IN ('term', 'partner_price')
 ORDER BY change_id;
SELECT renew_due('2015-08-01 00:00:00+00') AS applied;

-- the program's day: Los Angeles.  A term ending 2013-01-01 renews when
-- 2013-01-01 begins in Los Angeles, 08:00 UTC, and takes effect then
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (11002, 11030, 11002, :apps_la, 'annual_monthly', 2, '2012-01-01');
SELECT renew_due('2013-01-01 07:59:59+00') AS applied;
SELECT sub, term_start, term_end FROM annual_state WHERE sub = 11030;
SELECT renew_due('2013-01-01 08:00:00+00') AS applied;
SELECT sub, term_start, term_end FROM annual_state WHERE sub = 11030;
SELECT effective_at FROM subscription_change WHERE reseller_id = 11002 AND subscription_id = 11030 AND field = 'term';

-- renew_due never runs ahead of the clock: a moment to come is 22023, a NULL
-- moment 22004
SELECT renew_due('2200-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT renew_due(NULL);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- invariant: every counter equals the real count and stays within the limit
-- ===========================================================================
SELECT count(*) AS subscriptions,
       count(*) FILTER (WHERE counter = counted AND counted <= coalesce(seats, cap)) AS consistent
  FROM annual_state;

-- leave nothing due for the files after this one
SELECT count(*) AS closed FROM (
    SELECT CASE WHEN is_annual(plan) AND term_end > current_date
                THEN terminate_early(reseller_id, subscription_id)::text
                ELSE (cancel_subscription(reseller_id, subscription_id)).status END
      FROM subscription WHERE reseller_id IN (11001, 11002) AND status <> 'cancelled') x;
