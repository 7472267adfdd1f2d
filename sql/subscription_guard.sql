SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- subscription_guard: the guards of a subscription row (src/subscription_guard.c)
--   - a subscription with accounts is never deleted (23503), one without
--     may be;
--   - only the seat triggers move active_seats (55000);
--   - end_seats refuses a missing argument (22004).
-- A refused statement changes nothing.  Ids: reseller and customer 15901,
-- subscriptions 15901 and 15902.
--

INSERT INTO program (code, name, currency, reseller_discount)
VALUES ('sub_guard', 'Guard tests', 'USD', 0.20) RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Apps', 'apps')
RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps, 'flexible', 'USD 60', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (15901, :prog, 'Guard Reseller', 'US');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES (15901, 15901, 'Acme', 'acme.example');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start) VALUES
    (15901, 15901, 15901, :apps, 'flexible', 5, '2012-01-01'),
    (15901, 15902, 15901, :apps, 'flexible', 5, '2012-01-01');
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (15901, 15901, 'ann');

-- refused: it has an account (which a close bills from)
DELETE FROM subscription WHERE reseller_id = 15901 AND subscription_id = 15901;
-- refused: the counter is the seat triggers'
UPDATE subscription SET active_seats = 3 WHERE reseller_id = 15901 AND subscription_id = 15901;
-- nothing changed
SELECT subscription_id, active_seats, (SELECT count(*) FROM seat a WHERE a.reseller_id = s.reseller_id
                                        AND a.subscription_id = s.subscription_id) AS accounts
  FROM subscription s WHERE reseller_id = 15901 ORDER BY subscription_id;

-- a subscription that never had an account may be deleted (with its facts)
DELETE FROM flex_term WHERE reseller_id = 15901 AND subscription_id = 15902;
DELETE FROM subscription_change WHERE reseller_id = 15901 AND subscription_id = 15902;
DELETE FROM subscription WHERE reseller_id = 15901 AND subscription_id = 15902;
SELECT count(*) AS left_of_15902 FROM subscription WHERE reseller_id = 15901 AND subscription_id = 15902;

-- Inside one transaction the seat rule reads a subscription once, when it
-- locks it (src/seat_limit.c); a change of the subscription in the same
-- transaction is seen by the next account: cap 2, one account, the cap
-- lowered to 1, a second account refused against the new cap.
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start)
VALUES (15901, 15903, 15901, :apps, 'flexible', 2, '2012-01-01');
BEGIN;
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (15901, 15903, 'cy');
UPDATE subscription SET seat_cap = 1 WHERE reseller_id = 15901 AND subscription_id = 15903;
SAVEPOINT second;
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (15901, 15903, 'dee');
ROLLBACK TO SAVEPOINT second;
-- the subscription locked in that rolled-back subtransaction is read (and
-- locked) again: still refused, then accepted once an account has ended
SAVEPOINT third;
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (15901, 15903, 'eve');
ROLLBACK TO SAVEPOINT third;
UPDATE seat SET active_until = active_from WHERE reseller_id = 15901 AND subscription_id = 15903;
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (15901, 15903, 'eve');
COMMIT;
SELECT seat_cap, active_seats FROM subscription WHERE reseller_id = 15901 AND subscription_id = 15903;
SELECT status FROM cancel_subscription(15901, 15903);

-- end_seats names what it ends: a missing argument is refused (22004)
SELECT end_seats(15901, 15901, NULL);
SELECT end_seats(NULL, 15901, '2012-06-01 00:00+00');

SELECT status FROM cancel_subscription(15901, 15901);
