SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- seat_counter_direct: the commit-time counter write of subscriptions the
-- same transaction created (issue 13; doc/subscriptions.md "What a new
-- subscription costs")
--   * Annual and Flex subscriptions created with their accounts in one
--     transaction: the counter written at SET CONSTRAINTS ... IMMEDIATE is
--     the number of accounts, nothing is left pending
--   * more accounts after that write: the row is locked and read again,
--     and the cap is checked against the written counter
--   * a Flex subscription whose accounts reach its cap still raises
--     seat_cap.reached (that write takes the SQL UPDATE)
--   * the counter-only write adds no history row and no audit row
-- Everything runs in one transaction that is rolled back.  Ids 48901.. ;
-- accounts start in 2012.
--
BEGIN;
INSERT INTO program (code, name, currency, reseller_discount)
VALUES ('seat_direct', 'Direct counter tests', 'USD', 0.20) RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Apps', 'apps')
RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'flexible', 'USD 60', '2012-01-01'), (:apps, 'annual_monthly', 'USD 50', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (48901, :prog, 'Direct Reseller', 'US');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES (48901, 48901, 'Acme', 'acme.example');
SET reseller_billing.effective_at = '2012-01-02';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, seat_cap, term_start)
VALUES (48901, 48901, 48901, :apps, 'annual_monthly', 4, NULL, '2012-01-01'),
       (48901, 48902, 48901, :apps, 'flexible', NULL, 10, '2012-01-01'),
       (48901, 48903, 48901, :apps, 'flexible', NULL, 3, '2012-01-01');
SELECT count(*) AS history_rows FROM subscription_change WHERE reseller_id = 48901;
SELECT count(*) AS audit_rows FROM audit_log WHERE table_name = 'subscription' AND reseller_id = 48901;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT 48901, s, 'u' || s || '_' || k, '2012-01-02' FROM unnest(ARRAY[48901, 48902]) s, generate_series(1, 3) k;
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT subscription_id, active_seats, seat_count_pending(reseller_id, subscription_id) AS pending
  FROM subscription WHERE reseller_id = 48901 ORDER BY subscription_id;
-- the counter-only write: no history row, no audit row of the subscription
SELECT count(*) AS history_rows FROM subscription_change WHERE reseller_id = 48901;
SELECT count(*) AS audit_rows FROM audit_log WHERE table_name = 'subscription' AND reseller_id = 48901;
-- after the write: the Annual has 1 seat left of 4; the second account fails
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (48901, 48901, 'late1', '2012-01-02');
SAVEPOINT two;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (48901, 48901, 'late2', '2012-01-02');
ROLLBACK TO SAVEPOINT two;
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT subscription_id, active_seats FROM subscription WHERE reseller_id = 48901 ORDER BY subscription_id;
-- a Flex subscription's accounts reaching its cap of 3: seat_cap.reached
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT 48901, 48903, 'f' || k, '2012-01-02' FROM generate_series(1, 3) k;
SET CONSTRAINTS ALL IMMEDIATE;
SET CONSTRAINTS ALL DEFERRED;
SELECT kind, payload ->> 'active_seats' AS active_seats, payload ->> 'seat_cap' AS seat_cap
  FROM event WHERE reseller_id = 48901 AND kind = 'seat_cap.reached';
SELECT subscription_id, active_seats FROM subscription WHERE reseller_id = 48901 ORDER BY subscription_id;
SELECT count(*) FILTER (WHERE s.active_seats <> (SELECT count(*) FROM seat a WHERE a.reseller_id = s.reseller_id
               AND a.subscription_id = s.subscription_id AND a.active_until IS NULL)) AS wrong_counters
  FROM subscription s WHERE s.reseller_id = 48901;
ROLLBACK;
