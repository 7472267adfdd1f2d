SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- subscription_history: subscription_change records every change of plan,
-- committed seats, cap, renewal setting, status, term and price, with who
-- made it, when, when it takes effect, and why (issue 3 §1) -- whether the
-- change came through the API, renew_due or a plain UPDATE.  Accounts
-- coming and going are not subscription changes (the seat rows are their
-- record); a refused change leaves no row.
--
-- Changes are dated in 2012-2013 through the API's p_at; the creation is
-- dated to the term start with SET reseller_billing.effective_at (the same
-- setting); plain UPDATEs take effect now, shown relative to the clock.
-- Ids: resellers, customers and subscriptions carry explicit ids 14001...
--

INSERT INTO program (code, name, currency, reseller_discount, trial_seat_cap)
VALUES ('sub_history', 'History tests', 'USD', 0.20, 3) RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Apps', 'apps')
RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_monthly', 'USD 50', '2012-01-01'),
    (:apps, 'flexible',       'USD 60', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (14001, :prog, 'History Reseller', 'US');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES (14001, 14001, 'Acme', 'acme.example');

-- a second user makes one of the changes: a clerk of the reseller, through
-- the extension's reseller role (doc/security.md)
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_sub_history_clerk;
RESET client_min_messages;
CREATE ROLE regress_sub_history_clerk IN ROLE reseller_billing_reseller;

SELECT now() AS t0 \gset

CREATE TEMP VIEW history AS
SELECT c.change_id, c.subscription_id AS sub, c.field, c.old_value, c.new_value, c.effective_at,
       c.reason, c.changed_by = current_user AS by_me, c.changed_by,
       c.changed_at >= :'t0' AND c.changed_at <= now() AS changed_in_this_run,
       c.effective_at = c.changed_at AS effective_when_written
  FROM subscription_change c WHERE c.reseller_id = 14001;
-- (changed_at is the time of the transaction that wrote the row)

-- ===========================================================================
-- a subscription's life
-- ===========================================================================
SET reseller_billing.effective_at = '2012-01-01';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start)
VALUES (14001, 14001, 14001, :apps, 'trial', '2012-01-01');
RESET reseller_billing.effective_at;
-- converted to Flex: plan, cap, status, term and price change together
SELECT plan FROM change_plan(14001, 14001, 'flexible', 5, '2012-01-10 09:30+00');
-- accounts are not subscription changes
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (14001, 14001, 'ann', '2012-01-11'), (14001, 14001, 'bob', '2012-01-11');
SELECT set_seat_cap(14001, 14001, 8, '2012-02-01');
-- refused changes leave nothing
SELECT set_seat_cap(14001, 14001, 1, '2012-02-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT change_plan(14001, 14001, 'trial', 3, '2012-02-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- committed to Annual: a new term, the Annual price, seats instead of a cap
SELECT plan FROM change_plan(14001, 14001, 'annual_monthly', 10, '2012-03-01');
SELECT add_seats(14001, 14001, 2, '2012-04-01');
SELECT set_renewal(14001, 14001, 'renew_current_users', '2012-05-01');
-- the second user suspends it, giving a reason
SET ROLE regress_sub_history_clerk;
SET reseller_billing.reseller_id = '14001';
SELECT suspend(14001, 14001, 'payment overdue', '2012-06-01');
RESET reseller_billing.reseller_id;
RESET ROLE;
SELECT reactivate(14001, 14001, '2012-06-15');
UPDATE seat SET active_until = '2012-07-01' WHERE reseller_id = 14001 AND subscription_id = 14001 AND user_name = 'bob';
-- the renewal on 2013-03-01: committed to the 1 account in use
SELECT renew_due('2013-03-01 00:00:00+00') AS applied;
-- terminated early, with its reason
SELECT terminate_early(14001, 14001, '2013-05-20 15:00+00', 'customer left');

SELECT change_id IS NOT NULL AS recorded, sub, field, old_value, new_value, effective_at, reason,
       by_me, changed_by = 'regress_sub_history_clerk' AS by_clerk, changed_in_this_run
  FROM history WHERE sub = 14001 ORDER BY change_id;

-- ===========================================================================
-- a plain UPDATE is recorded by the same trigger: it takes effect when it
-- is written, with no reason
-- ===========================================================================
SET reseller_billing.effective_at = '2012-01-01';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start)
VALUES (14001, 14002, 14001, :apps, 'flexible', 3, '2012-01-01');
RESET reseller_billing.effective_at;
UPDATE subscription SET seat_cap = 4 WHERE reseller_id = 14001 AND subscription_id = 14002;
UPDATE subscription SET seat_cap = 4 WHERE reseller_id = 14001 AND subscription_id = 14002;   -- no change, no row
UPDATE subscription SET status = 'suspended', seat_cap = 6 WHERE reseller_id = 14001 AND subscription_id = 14002;
SELECT sub, field, old_value, new_value, effective_when_written, reason, by_me
  FROM history WHERE sub = 14002 AND field <> 'created' ORDER BY change_id;
-- the counter moving is not a change of the subscription
UPDATE subscription SET status = 'active' WHERE reseller_id = 14001 AND subscription_id = 14002;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (14001, 14002, 'ann', '2012-01-02');
UPDATE seat SET active_until = '2012-01-03' WHERE reseller_id = 14001 AND subscription_id = 14002;
SELECT count(*) AS rows_for_14002 FROM history WHERE sub = 14002;

-- every row belongs to its reseller's subscription: history of another
-- reseller's subscription id cannot be written
\set VERBOSITY terse
INSERT INTO subscription_change (reseller_id, subscription_id, field, effective_at)
VALUES (14001, 99999, 'status', '2012-01-01');
\set VERBOSITY default
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- renew_due writes one row per field it changes, each at the renewal date,
-- with the renewal setting as reason; a second run writes nothing
-- ===========================================================================
SET reseller_billing.effective_at = '2012-01-01';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (14001, 14003, 14001, :apps, 'annual_monthly', 4, '2012-01-01');
RESET reseller_billing.effective_at;
UPDATE price SET valid_to = '2013-01-01' WHERE sku_id = :apps AND plan = 'annual_monthly';
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps, 'annual_monthly', 'USD 52.50', '2013-01-01');
SELECT renew_due('2014-01-01 00:00:00+00') AS applied;
SELECT renew_due('2014-01-01 00:00:00+00') AS applied;
SELECT sub, field, old_value, new_value, effective_at, reason, by_me
  FROM history WHERE sub = 14003 ORDER BY change_id;

SELECT count(*) AS closed FROM (
    SELECT CASE WHEN is_annual(plan) AND term_end > current_date
                THEN terminate_early(reseller_id, subscription_id)::text
                ELSE (cancel_subscription(reseller_id, subscription_id)).status END
      FROM subscription WHERE reseller_id = 14001 AND status <> 'cancelled') x;

DROP ROLE regress_sub_history_clerk;
