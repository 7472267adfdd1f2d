SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- subscription_trial: trials (domain.md §3, issue 3 §3)
--   * free; the seat cap and the length come from the program, and a trial
--     can have less of either but never more
--   * change_plan converts it to Annual or Flex at any time, paid from the
--     conversion
--   * renew_due suspends a trial that ended unconverted; an ended trial
--     takes no new accounts even before that
--
-- Dates: the seat trigger refuses accounts on a trial whose trial_end has
-- come by the real clock (the accounts arrive now, whatever their
-- active_from says).  So trials that must take accounts start in 2090 (trial
-- end 2090-01-31, far ahead of any real date), and the trials whose end and
-- renewal are tested start in 2012 (ended by any real date).  Changes are
-- dated in 2012, or take effect now where the trial starts in 2090.
-- Ids: resellers, customers and subscriptions carry explicit ids 16001...
--

INSERT INTO program (code, name, currency, reseller_discount, trial_days, trial_seat_cap)
VALUES ('sub_trial', 'Trial tests', 'USD', 0.20, 30, 3) RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Apps', 'apps')
RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_monthly', 'USD 50', '2000-01-01'),
    (:apps, 'annual_prepaid', 'USD 45', '2000-01-01'),
    (:apps, 'flexible',       'USD 60', '2000-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country, billing_model) VALUES (16001, :prog, 'Trial Reseller', 'US', 'prepaid');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES (16001, 16001, 'Acme', 'acme.example');

CREATE TEMP VIEW trial_state AS
SELECT s.subscription_id AS sub, s.plan, s.status, s.seat_cap AS cap, s.committed_seats AS seats,
       s.term_start, s.term_end, s.trial_end, s.partner_price AS price, s.active_seats AS counter,
       (SELECT count(*) FROM seat a WHERE a.reseller_id = s.reseller_id AND a.subscription_id = s.subscription_id
           AND a.active_until IS NULL) AS counted
  FROM subscription s WHERE s.reseller_id = 16001
 ORDER BY s.subscription_id;

-- ===========================================================================
-- a trial: free, cap and length from the program (3 accounts, 30 days)
-- ===========================================================================
-- whatever is written for status, commitment or term end is the trial's
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start,
                          status, committed_seats, term_end, partner_price)
VALUES (16001, 16001, 16001, :apps, 'trial', '2012-01-01', 'active', 50, '2013-01-01', NULL);
-- a smaller cap, a shorter trial
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start, seat_cap)
VALUES (16001, 16002, 16001, :apps, 'trial', '2012-01-01', 2);
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start, trial_end)
VALUES (16001, 16003, 16001, :apps, 'trial', '2012-01-01', '2012-01-15');
SELECT sub, plan, status, cap, seats, term_start, term_end, trial_end, price, counter FROM trial_state;

-- more than the program allows: 23514
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start, seat_cap)
VALUES (16001, 16090, 16001, :apps, 'trial', '2012-01-01', 4);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start, trial_end)
VALUES (16001, 16090, 16001, :apps, 'trial', '2012-01-01', '2012-02-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start, trial_end)
VALUES (16001, 16090, 16001, :apps, 'trial', '2012-01-01', '2012-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a new trial cannot start suspended
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start, status)
VALUES (16001, 16090, 16001, :apps, 'trial', '2012-01-01', 'suspended');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- a running trial (2090): accounts up to the program's cap
-- ===========================================================================
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start)
VALUES (16001, 16010, 16001, :apps, 'trial', '2090-01-01'),
       (16001, 16011, 16001, :apps, 'trial', '2090-01-01');
INSERT INTO seat (reseller_id, subscription_id, user_name)
VALUES (16001, 16010, 'ann'), (16001, 16010, 'bob'), (16001, 16011, 'ann'), (16001, 16011, 'bob'), (16001, 16011, 'cid');
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (16001, 16010, 'cid'), (16001, 16010, 'dan');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (16001, 16010, 'cid');
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (16001, 16010, 'dan');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT sub, status, cap, trial_end, counter, counted FROM trial_state WHERE sub IN (16010, 16011);

-- the trial cap cannot be raised: not by set_seat_cap (55000), not by a
-- plain UPDATE (23514); it can be lowered, but not below the accounts
SELECT set_seat_cap(16001, 16010, 5);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET seat_cap = 4 WHERE reseller_id = 16001 AND subscription_id = 16010;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET seat_cap = 2 WHERE reseller_id = 16001 AND subscription_id = 16010;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE seat SET active_until = now() WHERE reseller_id = 16001 AND subscription_id = 16010 AND user_name = 'cid';
UPDATE subscription SET seat_cap = 2 WHERE reseller_id = 16001 AND subscription_id = 16010;
-- once lowered, it does not go back up
UPDATE subscription SET seat_cap = 3 WHERE reseller_id = 16001 AND subscription_id = 16010;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- nor can it run longer: the end moves earlier, never later
UPDATE subscription SET trial_end = '2090-02-15' WHERE reseller_id = 16001 AND subscription_id = 16010;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET trial_end = NULL WHERE reseller_id = 16001 AND subscription_id = 16010;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET trial_end = '2090-01-20' WHERE reseller_id = 16001 AND subscription_id = 16010;
UPDATE subscription SET trial_end = '2090-01-21' WHERE reseller_id = 16001 AND subscription_id = 16010;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a trial is not made active by a status: it is converted
UPDATE subscription SET status = 'active' WHERE reseller_id = 16001 AND subscription_id = 16010;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- nor does it have a renewal, or seats to add
SELECT set_renewal(16001, 16010, 'cancel');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT add_seats(16001, 16010, 1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT sub, status, cap, trial_end, counter, counted FROM trial_state WHERE sub = 16010;

-- suspended: no new account; reactivated before its end: a trial again
SELECT suspend(16001, 16010, 'abuse report');
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (16001, 16010, 'eve');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT reactivate(16001, 16010);
UPDATE seat SET active_until = now() WHERE reseller_id = 16001 AND subscription_id = 16010 AND user_name = 'bob';
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (16001, 16010, 'eve');
SELECT sub, status, cap, counter, counted FROM trial_state WHERE sub = 16010;

-- ===========================================================================
-- conversion: to Annual or Flex at any time, paid from the conversion
-- ===========================================================================
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start) VALUES
    (16001, 16004, 16001, :apps, 'trial', '2012-01-01'),
    (16001, 16005, 16001, :apps, 'trial', '2012-01-01'),
    (16001, 16006, 16001, :apps, 'trial', '2012-01-01');
-- to Annual: a 12-month term from the conversion day, at the price of that day
SELECT plan, status, committed_seats, seat_cap, term_start, term_end, partner_price
  FROM change_plan(16001, 16004, 'annual_monthly', 5, '2012-01-20 09:00+00');
SELECT plan, status, committed_seats, seat_cap, term_start, term_end, partner_price
  FROM change_plan(16001, 16006, 'annual_prepaid', 2, '2012-01-10');
-- to Flex: a cap, no term end
SELECT plan, status, committed_seats, seat_cap, term_start, term_end, partner_price
  FROM change_plan(16001, 16005, 'flexible', 4, '2012-01-25');
-- the trial's end stays on record
SELECT sub, plan, status, trial_end FROM trial_state WHERE sub IN (16004, 16005, 16006);

-- with accounts (the running trial 16011 has 3): the new cap or commitment
-- holds them all, or the conversion is refused (23514)
SELECT change_plan(16001, 16011, 'flexible', 2);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT change_plan(16001, 16011, 'annual_monthly', 2);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- (taking effect now: the new terms start today)
SELECT plan, status, seat_cap, term_start = current_date AS starts_today, term_end, partner_price, active_seats
  FROM change_plan(16001, 16011, 'flexible', 10);
-- the cap of a converted trial is the Flex cap: above the trial's
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (16001, 16011, 'dan');
SELECT sub, plan, status, cap, counter, counted FROM trial_state WHERE sub = 16011;

-- refused: back to trial (55000), bad parameters (22023), missing (P0002)
SELECT change_plan(16001, 16010, 'trial', 3);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT change_plan(16001, 16010, 'flexible', 0);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT change_plan(16001, 16010, NULL, 3);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT change_plan(16001, 99999, 'flexible', 3);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET plan = 'trial' WHERE reseller_id = 16001 AND subscription_id = 16005;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET status = 'trial' WHERE reseller_id = 16001 AND subscription_id = 16005;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- the end of a trial: it takes no new accounts from its end date on, and
-- renew_due suspends it
-- ===========================================================================
-- 16001 ended on 2012-01-31 (by the real clock), but renew_due has not run:
-- it is still a trial, and refuses accounts
SELECT sub, status, trial_end FROM trial_state WHERE sub = 16001;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (16001, 16001, 'ann', '2012-01-10');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- renew_due at chosen moments: each trial is suspended once its end date
-- has come (16003 on 2012-01-15, 16001 and 16002 on 2012-01-31); the
-- converted ones are not trials any more
SELECT renew_due('2012-01-14 23:59:59+00') AS applied;
SELECT renew_due('2012-01-15 00:00:00+00') AS applied;
SELECT renew_due('2012-01-30 23:59:59+00') AS applied;
SELECT renew_due('2012-01-31 00:00:00+00') AS applied;
SELECT renew_due('2012-01-31 00:00:00+00') AS applied;
SELECT sub, plan, status, trial_end FROM trial_state WHERE sub IN (16001, 16002, 16003, 16004, 16005, 16006);
SELECT subscription_id AS sub, field, old_value, new_value, effective_at, reason FROM subscription_change
 WHERE reseller_id = 16001 AND subscription_id IN (16001, 16002, 16003) AND field = 'status'
 ORDER BY subscription_id, change_id;

-- suspended: no accounts; reactivate cannot make it a trial again
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (16001, 16001, 'ann', '2012-02-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT reactivate(16001, 16001, '2012-02-05');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET status = 'trial' WHERE reseller_id = 16001 AND subscription_id = 16001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- ... but it can still be converted: paid from the conversion
SELECT plan, status, seat_cap, term_start, term_end, partner_price
  FROM change_plan(16001, 16001, 'flexible', 3, '2012-02-10');
-- or cancelled
SELECT status, cancelled_at FROM cancel_subscription(16001, 16002, '2012-02-10');
SELECT sub, plan, status FROM trial_state WHERE sub IN (16001, 16002, 16003);

-- reactivate: only a suspended subscription, to what it was (a converted
-- one to active)
SELECT suspend(16001, 16005, NULL, '2012-03-01');
SELECT reactivate(16001, 16005, '2012-03-02');
SELECT reactivate(16001, 16005, '2012-03-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT reactivate(16001, 16002, '2012-03-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT reactivate(16001, 99999, '2012-03-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- a trial cancelled while it runs: its accounts end
SELECT status FROM cancel_subscription(16001, 16010);
SELECT sub, status, counter, counted FROM trial_state WHERE sub = 16010;

-- ===========================================================================
-- invariant
-- ===========================================================================
SELECT count(*) AS subscriptions,
       count(*) FILTER (WHERE counter = counted AND counted <= coalesce(seats, cap)) AS consistent
  FROM trial_state;

SELECT count(*) AS closed FROM (
    SELECT CASE WHEN is_annual(plan) AND term_end > current_date
                THEN terminate_early(reseller_id, subscription_id)::text
                ELSE (cancel_subscription(reseller_id, subscription_id)).status END
      FROM subscription WHERE reseller_id = 16001 AND status <> 'cancelled') x;
