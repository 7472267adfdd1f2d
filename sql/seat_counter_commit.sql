SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- seat_counter_commit: a transaction's seat counters are written once, when
-- it commits, by one deferred event (issue 13)
--   * many statements, savepoints rolled back and released, and SET
--     CONSTRAINTS ... IMMEDIATE in between: the counter is always the
--     number of active accounts
--   * the WHEN of the trigger, seat_commit_queue(), called by hand before
--     the accounts: the transaction fails at commit, nothing is written
--   * a statement of thousands of subscriptions' accounts: one UPDATE per
--     reseller writes them all
--
-- Ids 48601.. ; accounts start in 2012.
--
INSERT INTO program (code, name, currency, reseller_discount)
VALUES ('seat_commit', 'Seat counter tests', 'USD', 0.20) RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Apps', 'apps')
RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'flexible', 'USD 60', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES
    (48601, :prog, 'Counter Reseller', 'US'), (48602, :prog, 'Second Reseller', 'US');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES
    (48601, 48601, 'Acme', 'acme.example'), (48602, 48602, 'Beta', 'beta.example');
SET reseller_billing.effective_at = '2012-01-01';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start)
SELECT 48601, 48600 + g, 48601, :apps, 'flexible', 10, '2012-01-01' FROM generate_series(1, 3) g;
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start)
SELECT 48602, 48610 + g, 48602, :apps, 'flexible', 5, '2012-01-01' FROM generate_series(1, 400) g;
RESET reseller_billing.effective_at;

CREATE TEMP VIEW counters AS
SELECT s.reseller_id, count(*) AS subscriptions, sum(s.active_seats) AS counter,
       sum((SELECT count(*) FROM seat a WHERE a.reseller_id = s.reseller_id AND a.subscription_id = s.subscription_id
               AND a.active_until IS NULL)) AS active_accounts,
       count(*) FILTER (WHERE s.active_seats <> (SELECT count(*) FROM seat a WHERE a.reseller_id = s.reseller_id
               AND a.subscription_id = s.subscription_id AND a.active_until IS NULL)) AS wrong
  FROM subscription s WHERE s.reseller_id IN (48601, 48602)
 GROUP BY s.reseller_id ORDER BY s.reseller_id;

-- many statements and savepoints in one transaction
BEGIN;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (48601, 48601, 'a1', '2012-01-02');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (48601, 48602, 'b1', '2012-01-02');
SAVEPOINT s1;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (48601, 48601, 'a2', '2012-01-02');
ROLLBACK TO SAVEPOINT s1;
SAVEPOINT s2;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (48601, 48603, 'c1', '2012-01-02');
RELEASE SAVEPOINT s2;
-- the pending counts are seen by the API, not yet on the row
SELECT subscription_id, active_seats, seat_count_pending(reseller_id, subscription_id) AS pending
  FROM subscription WHERE reseller_id = 48601 ORDER BY subscription_id;
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT subscription_id, active_seats, seat_count_pending(reseller_id, subscription_id) AS pending
  FROM subscription WHERE reseller_id = 48601 ORDER BY subscription_id;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (48601, 48603, 'c2', '2012-01-02');
COMMIT;
SELECT * FROM counters WHERE reseller_id = 48601;

-- the first event of a transaction queued inside a savepoint rolled back:
-- the next row queues another
BEGIN;
SAVEPOINT s1;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (48601, 48601, 'a3', '2012-01-02');
ROLLBACK TO SAVEPOINT s1;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (48601, 48601, 'a4', '2012-01-02');
COMMIT;
SELECT * FROM counters WHERE reseller_id = 48601;

-- seat_commit_queue() called by hand first: no event is queued for the
-- accounts, and the transaction fails at commit instead of leaving the
-- counter short
BEGIN;
SELECT seat_commit_queue() AS queued;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (48601, 48602, 'b2', '2012-01-02');
COMMIT;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM counters WHERE reseller_id = 48601;
SELECT count(*) AS b2_rows FROM seat WHERE reseller_id = 48601 AND user_name = 'b2';

-- one statement over 400 subscriptions, and an UPDATE ending some of them:
-- each counter right
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT 48602, 48610 + g, 'u' || k, '2012-01-03' FROM generate_series(1, 400) g, generate_series(1, 3) k;
UPDATE seat SET active_until = '2012-01-04' WHERE reseller_id = 48602 AND user_name = 'u1' AND subscription_id % 2 = 0;
SELECT * FROM counters WHERE reseller_id = 48602;
-- the cap still holds for every subscription: the 6th account of any fails
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT 48602, 48610 + g, 'v' || k, '2012-01-03' FROM generate_series(1, 400) g, generate_series(1, 3) k;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT * FROM counters WHERE reseller_id = 48602;
