SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- subscription_plan: every plan change, allowed and refused, through
-- change_plan and through a plain UPDATE (domain.md §3, issue 3 §3):
--   trial    -> annual_monthly, annual_prepaid, flexible   at any time
--   flexible -> annual_monthly, annual_prepaid             at any time (a new
--                                                          12-month commitment)
--   Annual   -> flexible         only at renewal, by the renewal setting
--   anything else                refused (55000)
--
-- change_plan calls are dated in 2012; plain UPDATEs take effect now, so
-- the terms they start are shown relative to the current date.  Subscriptions
-- whose term started in 2012 are inserted with their effect dated to that
-- start (SET reseller_billing.effective_at, the setting p_at uses), so that
-- their later changes come after their creation.  Trials that convert by a
-- plain UPDATE start in 2090 (running by the real clock).
-- Ids: resellers, customers and subscriptions carry explicit ids 15001...
--

INSERT INTO program (code, name, currency, reseller_discount, trial_seat_cap)
VALUES ('sub_plan', 'Plan change tests', 'USD', 0.20, 3) RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Apps', 'apps')
RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_monthly', 'USD 50', '2012-01-01'),
    (:apps, 'annual_prepaid', 'USD 45', '2012-01-01'),
    (:apps, 'flexible',       'USD 60', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country, billing_model) VALUES (15001, :prog, 'Plan Reseller', 'US', 'prepaid');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES (15001, 15001, 'Acme', 'acme.example');

CREATE TEMP VIEW plan_state AS
SELECT s.subscription_id AS sub, s.plan, s.status, s.committed_seats AS seats, s.seat_cap AS cap,
       s.term_start, s.term_end, s.partner_price AS price, s.active_seats AS counter
  FROM subscription s WHERE s.reseller_id = 15001
 ORDER BY s.subscription_id;

SET reseller_billing.effective_at = '2012-01-01';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start) VALUES
    (15001, 15001, 15001, :apps, 'trial', '2012-02-15'),
    (15001, 15002, 15001, :apps, 'trial', '2012-02-15'),
    (15001, 15003, 15001, :apps, 'trial', '2012-02-15');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start) VALUES
    (15001, 15004, 15001, :apps, 'flexible', 10, '2012-01-01'),
    (15001, 15005, 15001, :apps, 'flexible', 10, '2012-01-01'),
    (15001, 15021, 15001, :apps, 'flexible', 10, '2012-01-01'),
    (15001, 15024, 15001, :apps, 'flexible', 10, '2012-01-01'),
    (15001, 15025, 15001, :apps, 'flexible', 10, '2012-01-01');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start) VALUES
    (15001, 15022, 15001, :apps, 'annual_monthly', 5, '2012-01-01'),
    (15001, 15023, 15001, :apps, 'annual_prepaid', 5, '2012-01-01');
RESET reseller_billing.effective_at;
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start) VALUES
    (15001, 15011, 15001, :apps, 'trial', '2090-01-01'),
    (15001, 15012, 15001, :apps, 'trial', '2090-01-01'),
    (15001, 15013, 15001, :apps, 'trial', '2090-01-01');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap) VALUES
    (15001, 15014, 15001, :apps, 'flexible', 10),
    (15001, 15015, 15001, :apps, 'flexible', 10);
SELECT sub, plan, status, seats, cap, term_start, term_end, price FROM plan_state WHERE sub NOT IN (15014, 15015);

-- ===========================================================================
-- allowed, through change_plan (dated 2012-03-01): the new plan's terms
-- start on the day of the change, at the price of that day
-- ===========================================================================
SELECT subscription_id AS sub, plan, status, committed_seats, seat_cap, term_start, term_end, partner_price
  FROM change_plan(15001, 15001, 'annual_monthly', 4, '2012-03-01');
SELECT subscription_id AS sub, plan, status, committed_seats, seat_cap, term_start, term_end, partner_price
  FROM change_plan(15001, 15002, 'annual_prepaid', 4, '2012-03-01');
SELECT subscription_id AS sub, plan, status, committed_seats, seat_cap, term_start, term_end, partner_price
  FROM change_plan(15001, 15003, 'flexible', 4, '2012-03-01');
-- Flex to Annual: a new 12-month commitment from the change
SELECT subscription_id AS sub, plan, status, committed_seats, seat_cap, term_start, term_end, partner_price
  FROM change_plan(15001, 15004, 'annual_monthly', 6, '2012-03-01');
SELECT subscription_id AS sub, plan, status, committed_seats, seat_cap, term_start, term_end, partner_price
  FROM change_plan(15001, 15005, 'annual_prepaid', 6, '2012-03-01');
-- and that commitment binds like any other
SELECT status FROM cancel_subscription(15001, 15004, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- allowed, through a plain UPDATE (taking effect now): the same trigger
-- fills in what change_plan does
-- ===========================================================================
UPDATE subscription SET plan = 'annual_monthly', committed_seats = 3 WHERE reseller_id = 15001 AND subscription_id = 15011;
UPDATE subscription SET plan = 'annual_prepaid', committed_seats = 3 WHERE reseller_id = 15001 AND subscription_id = 15012;
-- a trial becoming Flex keeps its cap unless another is written
UPDATE subscription SET plan = 'flexible' WHERE reseller_id = 15001 AND subscription_id = 15013;
UPDATE subscription SET plan = 'annual_monthly', committed_seats = 7 WHERE reseller_id = 15001 AND subscription_id = 15014;
UPDATE subscription SET plan = 'annual_prepaid', committed_seats = 7 WHERE reseller_id = 15001 AND subscription_id = 15015;
SELECT sub, plan, status, seats, cap, term_start = current_date AS starts_today,
       term_end = (current_date + interval '12 months')::date AS ends_in_12_months, term_end IS NULL AS no_term_end,
       price
  FROM plan_state WHERE sub IN (15011, 15012, 15013, 15014, 15015);
-- the price comes from the price list (23514; the detail names today)
\set VERBOSITY terse
UPDATE subscription SET plan = 'annual_monthly', committed_seats = 3, partner_price = 'USD 1.00'
 WHERE reseller_id = 15001 AND subscription_id = 15021;
\set VERBOSITY default
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- the plan's own numbers must come with it (23502)
UPDATE subscription SET plan = 'annual_monthly' WHERE reseller_id = 15001 AND subscription_id = 15021;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- refused (55000), through change_plan and through a plain UPDATE
-- ===========================================================================
-- Flex -> trial; Flex -> Flex
SELECT change_plan(15001, 15021, 'trial', 3, '2012-03-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET plan = 'trial' WHERE reseller_id = 15001 AND subscription_id = 15021;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT change_plan(15001, 15021, 'flexible', 3, '2012-03-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- Annual (monthly) -> Flex before the renewal date
SELECT change_plan(15001, 15022, 'flexible', 5, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- ... or after it: only the renewal itself switches (this term ended on
-- 2013-01-01 and has not been renewed yet)
SELECT change_plan(15001, 15022, 'flexible', 5, '2013-01-15');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET plan = 'flexible', seat_cap = 5 WHERE reseller_id = 15001 AND subscription_id = 15022;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- ... whatever the session says it is doing
BEGIN;
SET LOCAL reseller_billing.action = 'renew';
SET LOCAL reseller_billing.effective_at = '2012-06-01';
UPDATE subscription SET plan = 'flexible', seat_cap = 5, committed_seats = NULL
 WHERE reseller_id = 15001 AND subscription_id = 15022;
ROLLBACK;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- Annual (monthly) -> Annual (prepaid), -> trial, -> itself
SELECT change_plan(15001, 15022, 'annual_prepaid', 5, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET plan = 'annual_prepaid' WHERE reseller_id = 15001 AND subscription_id = 15022;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT change_plan(15001, 15022, 'trial', 5, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET plan = 'trial', seat_cap = 3, trial_end = '2012-07-01' WHERE reseller_id = 15001 AND subscription_id = 15022;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT change_plan(15001, 15022, 'annual_monthly', 5, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- Annual (prepaid) -> Annual (monthly), -> Flex, -> trial
SELECT change_plan(15001, 15023, 'annual_monthly', 5, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET plan = 'annual_monthly' WHERE reseller_id = 15001 AND subscription_id = 15023;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT change_plan(15001, 15023, 'flexible', 5, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET plan = 'flexible', seat_cap = 5 WHERE reseller_id = 15001 AND subscription_id = 15023;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT change_plan(15001, 15023, 'trial', 5, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET plan = 'trial', seat_cap = 3, trial_end = '2012-07-01' WHERE reseller_id = 15001 AND subscription_id = 15023;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a converted trial does not go back
SELECT change_plan(15001, 15003, 'trial', 3, '2012-06-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET plan = 'trial' WHERE reseller_id = 15001 AND subscription_id = 15011;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- none of the refusals changed anything
SELECT sub, plan, status, seats, cap, term_start, term_end, price FROM plan_state WHERE sub IN (15021, 15022, 15023);

-- a new commitment must hold the accounts in use (23514)
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT 15001, 15024, 'u' || i, '2012-01-02' FROM generate_series(1, 3) i;
SELECT change_plan(15001, 15024, 'annual_monthly', 2, '2012-03-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET plan = 'annual_monthly', committed_seats = 2 WHERE reseller_id = 15001 AND subscription_id = 15024;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT sub, plan, seats, counter FROM plan_state WHERE sub = 15024
  UNION ALL
SELECT sub, plan, seats, counter FROM (SELECT subscription_id AS sub, plan, committed_seats AS seats, active_seats AS counter
  FROM change_plan(15001, 15024, 'annual_monthly', 3, '2012-03-01')) x;

-- a suspended Flex subscription may commit; it stays suspended
SELECT suspend(15001, 15025, NULL, '2012-02-01');
SELECT subscription_id AS sub, plan, status, committed_seats, term_start, term_end
  FROM change_plan(15001, 15025, 'annual_monthly', 2, '2012-03-01');
-- a cancelled one changes nothing
SELECT status FROM cancel_subscription(15001, 15021, '2012-03-01');
SELECT change_plan(15001, 15021, 'annual_monthly', 2, '2012-03-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- Annual -> Flex at renewal: the renewal setting switch_to_flex, applied by
-- renew_due on the renewal date; then Flex may commit again
-- ===========================================================================
SELECT set_renewal(15001, 15022, 'switch_to_flex', '2012-06-01');
SELECT renew_due('2013-01-01 00:00:00+00') AS applied;
SELECT sub, plan, status, seats, cap, term_start, term_end, price FROM plan_state WHERE sub = 15022;
SELECT subscription_id AS sub, plan, committed_seats, seat_cap, term_start, term_end, partner_price
  FROM change_plan(15001, 15022, 'annual_monthly', 8, '2013-02-01');

-- the history of the plan changes, with their effective dates
SELECT subscription_id AS sub, old_value, new_value, effective_at
  FROM subscription_change
 WHERE reseller_id = 15001 AND field = 'plan' AND effective_at < '2020-01-01'
 ORDER BY subscription_id, change_id;

SELECT count(*) AS closed FROM (
    SELECT CASE WHEN is_annual(plan) AND term_end > current_date
                THEN terminate_early(reseller_id, subscription_id)::text
                ELSE (cancel_subscription(reseller_id, subscription_id)).status END
      FROM subscription WHERE reseller_id = 15001 AND status <> 'cancelled') x;
