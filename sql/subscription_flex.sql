SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- subscription_flex: the Flex plan's seat cap (domain.md §3, issue 3 §3)
--   * active accounts never exceed the cap, whether they arrive one by one,
--     in a multi-row INSERT or through COPY: a statement that would cross
--     the cap fails whole and writes nothing
--   * the cap changes at any time, never below the accounts active now
--   * suspended and cancelled subscriptions take no new accounts
--   * the counter (subscription.active_seats) is kept by the seat triggers
--     only; seats are never deleted, never move, and an ended seat is history
--
-- Ids: resellers, customers, subscriptions and the seats named in messages
-- carry explicit ids 13001..; accounts start and end in 2012 (accounts
-- cannot start or end in the future).  A subscription whose term started in
-- 2012 is inserted with its effect dated to that start (the setting the API
-- functions' p_at argument uses), so that its later changes, dated in 2012
-- too, come after its creation.
--

INSERT INTO program (code, name, currency, reseller_discount)
VALUES ('sub_flex', 'Flex tests', 'USD', 0.20) RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Apps', 'apps')
RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'flexible', 'USD 60', '2012-01-01'),
    (:apps, 'annual_monthly', 'USD 50', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (13001, :prog, 'Flex Reseller', 'US');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES (13001, 13001, 'Acme', 'acme.example');

CREATE TEMP VIEW flex_state AS
SELECT s.subscription_id AS sub, s.plan, s.status, s.seat_cap AS cap, s.active_seats AS counter,
       (SELECT count(*) FROM seat a WHERE a.reseller_id = s.reseller_id AND a.subscription_id = s.subscription_id
           AND a.active_until IS NULL) AS counted,
       (SELECT count(*) FROM seat a WHERE a.reseller_id = s.reseller_id AND a.subscription_id = s.subscription_id)
           AS seat_rows
  FROM subscription s WHERE s.reseller_id = 13001
 ORDER BY s.subscription_id;

-- ===========================================================================
-- a Flex subscription: a cap, no commitment, no term end
-- ===========================================================================
SET reseller_billing.effective_at = '2012-01-01';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start, committed_seats, term_end)
VALUES (13001, 13001, 13001, :apps, 'flexible', 3, '2012-01-01', 7, '2013-01-01');
RESET reseller_billing.effective_at;
SELECT s.plan, s.status, s.seat_cap, s.committed_seats, s.term_start, s.term_end, s.partner_price, s.active_seats
  FROM subscription s WHERE reseller_id = 13001 AND subscription_id = 13001;
-- a cap is required, and is not negative
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, term_start)
VALUES (13001, 13090, 13001, :apps, 'flexible', '2012-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY terse
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start)
VALUES (13001, 13090, 13001, :apps, 'flexible', -1, '2012-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY default

-- ===========================================================================
-- one by one up to the cap; the next fails (23514) and writes nothing
-- ===========================================================================
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 13001, 'ann', '2012-01-02');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 13001, 'bob', '2012-01-02');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 13001, 'cid', '2012-01-02');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 13001, 'dan', '2012-01-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM flex_state WHERE sub = 13001;

-- ===========================================================================
-- set_seat_cap: at any time, never below the accounts active now
-- ===========================================================================
SELECT set_seat_cap(13001, 13001, 5, '2012-02-01');
-- a multi-row INSERT crossing the cap fails whole: 3 + 3 > 5, none written
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (13001, 13001, 'dan', '2012-02-02'), (13001, 13001, 'eve', '2012-02-02'), (13001, 13001, 'fay', '2012-02-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM flex_state WHERE sub = 13001;
-- an INSERT ... SELECT the same way
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT 13001, 13001, 'gen' || i, '2012-02-02' FROM generate_series(1, 10) i;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- COPY crossing the cap fails whole: 3 + 3 > 5, none written
COPY seat (reseller_id, subscription_id, user_name, active_from) FROM STDIN;
13001	13001	dan	2012-02-03
13001	13001	eve	2012-02-03
13001	13001	fay	2012-02-03
\.
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM flex_state WHERE sub = 13001;
-- COPY within the cap: 3 + 2 = 5
COPY seat (reseller_id, subscription_id, user_name, active_from) FROM STDIN;
13001	13001	dan	2012-02-03
13001	13001	eve	2012-02-03
\.
SELECT * FROM flex_state WHERE sub = 13001;

-- below the 5 accounts active: refused (23514), through the API or a plain UPDATE
SELECT set_seat_cap(13001, 13001, 4, '2012-02-04');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET seat_cap = 0 WHERE reseller_id = 13001 AND subscription_id = 13001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- equal to them: allowed; and back up
SELECT set_seat_cap(13001, 13001, 5, '2012-02-04');
UPDATE subscription SET seat_cap = 6 WHERE reseller_id = 13001 AND subscription_id = 13001;
SELECT * FROM flex_state WHERE sub = 13001;
-- bad parameters: 22023; another plan: 55000; a missing subscription: P0002
SELECT set_seat_cap(13001, 13001, -1, '2012-02-04');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT set_seat_cap(13001, 13001, NULL, '2012-02-04');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT set_seat_cap(13001, 13001, 8, '2200-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT set_seat_cap(13001, 99999, 8, '2012-02-04');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (13001, 13002, 13001, :apps, 'annual_monthly', 2, '2012-01-01');
SELECT set_seat_cap(13001, 13002, 8, '2012-02-04');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a Flex subscription has no renewal and no committed seats to add
SELECT add_seats(13001, 13001, 1, '2012-02-04');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT set_renewal(13001, 13001, 'cancel', '2012-02-04');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT cap FROM flex_state WHERE sub = 13001;

-- ===========================================================================
-- one statement for two subscriptions: both counted, and one crossing its
-- limit fails the whole statement
-- ===========================================================================
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (13001, 13001, 'fay', '2012-02-05'), (13001, 13002, 'ann', '2012-02-05'),
       (13001, 13002, 'bob', '2012-02-05'), (13001, 13002, 'cid', '2012-02-05');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (13001, 13001, 'fay', '2012-02-05'), (13001, 13002, 'ann', '2012-02-05'), (13001, 13002, 'bob', '2012-02-05');
SELECT * FROM flex_state WHERE sub IN (13001, 13002);

-- ===========================================================================
-- removal frees a slot at once; the same user may come back
-- ===========================================================================
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 13001, 'gus', '2012-03-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE seat SET active_until = '2012-03-01 12:00+00'
 WHERE reseller_id = 13001 AND subscription_id = 13001 AND user_name = 'ann' AND active_until IS NULL;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 13001, 'gus', '2012-03-01 12:00+00');
UPDATE seat SET active_until = '2012-03-02'
 WHERE reseller_id = 13001 AND subscription_id = 13001 AND user_name = 'gus' AND active_until IS NULL;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 13001, 'ann', '2012-03-02');
SELECT * FROM flex_state WHERE sub = 13001;
SELECT user_name, active_from, active_until FROM seat
 WHERE reseller_id = 13001 AND subscription_id = 13001 AND user_name IN ('ann', 'gus') ORDER BY user_name, active_from;
-- one active account per user name (any case) on a subscription
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 13001, 'ANN', '2012-03-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- ending several accounts in one statement moves the counter by all of them
UPDATE seat SET active_until = '2012-03-03'
 WHERE reseller_id = 13001 AND subscription_id = 13001 AND user_name IN ('bob', 'cid') AND active_until IS NULL;
SELECT * FROM flex_state WHERE sub = 13001;
-- an account recorded already ended takes no slot
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from, active_until)
VALUES (13001, 13001, 'old1', '2012-01-02', '2012-01-03'), (13001, 13001, 'old2', '2012-01-02', '2012-01-03');
SELECT * FROM flex_state WHERE sub = 13001;
\set VERBOSITY terse
-- an end before the start: 23514; an empty user name: 23514
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from, active_until)
VALUES (13001, 13001, 'odd', '2012-01-03', '2012-01-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 13001, '', '2012-01-03');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a seat of a subscription that does not exist (or of another reseller): 23503
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 99999, 'x', '2012-01-03');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
\set VERBOSITY default

-- accounts start and end at moments that have come: an account ended in
-- the future would be in use without taking a slot
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from, active_until)
VALUES (13001, 13001, 'later', '2012-03-04', '2200-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 13001, 'later', '2200-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO seat (reseller_id, subscription_id, seat_id, user_name, active_from) VALUES (13001, 13001, 13001, 'hal', '2012-03-04');
UPDATE seat SET active_until = '2200-01-01' WHERE reseller_id = 13001 AND seat_id = 13001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE seat SET active_from = '2200-01-01' WHERE reseller_id = 13001 AND seat_id = 13001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM flex_state WHERE sub = 13001;

-- ===========================================================================
-- the counter is the seat triggers' alone
-- ===========================================================================
UPDATE subscription SET active_seats = 0 WHERE reseller_id = 13001 AND subscription_id = 13001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET active_seats = active_seats + 1, seat_cap = 10 WHERE reseller_id = 13001 AND subscription_id = 13001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a new subscription starts at zero, whatever is written
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start, active_seats)
VALUES (13001, 13003, 13001, :apps, 'flexible', 2, '2012-01-01', 2);
SELECT * FROM flex_state WHERE sub IN (13001, 13003);

-- ===========================================================================
-- seats are never deleted, never move; an ended seat is history
-- ===========================================================================
DELETE FROM seat WHERE reseller_id = 13001 AND seat_id = 13001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
DELETE FROM seat WHERE reseller_id = 13001 AND active_until IS NOT NULL;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE seat;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- (a subscription cannot be truncated away with its seats either; the
-- notices naming the tables the truncation would cascade to are not shown)
SET client_min_messages = warning;
TRUNCATE subscription CASCADE;
RESET client_min_messages;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- nor deleted: its history refers to it (shown by SQLSTATE only: which
-- referencing table is named first depends on the tables installed)
\set VERBOSITY sqlstate
DELETE FROM subscription WHERE reseller_id = 13001 AND subscription_id = 13003;
\set VERBOSITY default
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE seat SET subscription_id = 13003 WHERE reseller_id = 13001 AND seat_id = 13001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE seat SET seat_id = 13002 WHERE reseller_id = 13001 AND seat_id = 13001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- renaming an active account is fine, and moves no counter
UPDATE seat SET user_name = 'hal.smith' WHERE reseller_id = 13001 AND seat_id = 13001;
UPDATE seat SET active_until = '2012-03-05' WHERE reseller_id = 13001 AND seat_id = 13001;
-- ended: its times are fixed, and it cannot come back
UPDATE seat SET active_until = NULL WHERE reseller_id = 13001 AND seat_id = 13001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE seat SET active_until = '2012-03-06' WHERE reseller_id = 13001 AND seat_id = 13001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE seat SET active_from = '2012-03-01' WHERE reseller_id = 13001 AND seat_id = 13001;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT seat_id, user_name, active_from, active_until FROM seat WHERE reseller_id = 13001 AND seat_id = 13001;
SELECT * FROM flex_state WHERE sub IN (13001, 13003);

-- ===========================================================================
-- suspended: the accounts stay, can be removed, and no new one comes in
-- ===========================================================================
SELECT suspend(13001, 13001, 'payment overdue', '2012-04-01');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 13001, 'ivy', '2012-04-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
COPY seat (reseller_id, subscription_id, user_name, active_from) FROM STDIN;
13001	13001	ivy	2012-04-02
\.
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE seat SET active_until = '2012-04-02'
 WHERE reseller_id = 13001 AND subscription_id = 13001 AND user_name = 'dan' AND active_until IS NULL;
-- the cap still moves; suspending twice is refused (55000)
SELECT set_seat_cap(13001, 13001, 4, '2012-04-02');
SELECT suspend(13001, 13001, 'again', '2012-04-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM flex_state WHERE sub = 13001;
-- reactivated, it takes accounts again
SELECT reactivate(13001, 13001, '2012-04-03');
SELECT reactivate(13001, 13001, '2012-04-03');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 13001, 'ivy', '2012-04-03');
SELECT * FROM flex_state WHERE sub = 13001;
-- a plain UPDATE suspends the same way
UPDATE subscription SET status = 'suspended' WHERE reseller_id = 13001 AND subscription_id = 13001;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 13001, 'joe', '2012-04-04');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE subscription SET status = 'active' WHERE reseller_id = 13001 AND subscription_id = 13001;

-- ===========================================================================
-- cancelled: every account ends at the cancellation; nothing comes in and
-- nothing changes afterwards
-- ===========================================================================
SELECT status, cancelled_at, active_seats FROM cancel_subscription(13001, 13001, '2012-05-01');
SELECT * FROM flex_state WHERE sub = 13001;
SELECT count(*) FILTER (WHERE active_until = '2012-05-01') AS ended_at_cancellation,
       count(*) FILTER (WHERE active_until < '2012-05-01') AS ended_before
  FROM seat WHERE reseller_id = 13001 AND subscription_id = 13001;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (13001, 13001, 'kim', '2012-05-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT set_seat_cap(13001, 13001, 9, '2012-05-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT reactivate(13001, 13001, '2012-05-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT suspend(13001, 13001, NULL, '2012-05-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT change_plan(13001, 13001, 'annual_monthly', 5, '2012-05-02');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a cancelled subscription is cancelled once: again changes nothing
SELECT status, cancelled_at FROM cancel_subscription(13001, 13001, '2012-06-01');
-- a plain UPDATE cancels the same way, and ends the accounts too
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (13001, 13003, 'ann', '2012-01-02'), (13001, 13003, 'bob', '2012-01-02');
UPDATE subscription SET status = 'cancelled' WHERE reseller_id = 13001 AND subscription_id = 13003;
SELECT * FROM flex_state WHERE sub = 13003;
SELECT count(*) FILTER (WHERE active_until IS NULL) AS still_active,
       bool_and(active_until = s.cancelled_at) AS ended_at_cancellation
  FROM seat a JOIN subscription s USING (reseller_id, subscription_id)
 WHERE a.reseller_id = 13001 AND a.subscription_id = 13003;

-- ===========================================================================
-- invariant
-- ===========================================================================
SELECT count(*) AS subscriptions,
       count(*) FILTER (WHERE counter = counted AND (plan <> 'flexible' OR counted <= cap)) AS consistent
  FROM flex_state;

SELECT count(*) AS closed FROM (
    SELECT CASE WHEN is_annual(plan) AND term_end > current_date
                THEN terminate_early(reseller_id, subscription_id)::text
                ELSE (cancel_subscription(reseller_id, subscription_id)).status END
      FROM subscription WHERE reseller_id = 13001 AND status <> 'cancelled') x;
