SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- child_write: the history, tranche and Flex-stretch rows of a statement
-- written straight into their tables (src/child_write.c; issue 13;
-- doc/subscriptions.md "What a new subscription costs")
--   * the rows written directly are those the SQL INSERT writes: the same
--     subscriptions created twice, the second time with a user trigger on
--     each child table (which makes the rules use SQL), compared column by
--     column; the identities follow the rows' order
--   * the direct write queued no foreign-key check (the check would have
--     locked the subscription row FOR KEY SHARE: its xmax); the SQL one did
--   * the user triggers fired for every row the SQL path wrote; a disabled
--     trigger sends the rows through SQL too
--   * a subscription gone before its history is written (deleted by a user
--     trigger of the same statement): the direct write falls back to SQL,
--     whose foreign-key check refuses the statement, and nothing is left
-- Everything runs in one transaction that is rolled back.  Ids 48951.. .
--
BEGIN;
INSERT INTO program (code, name, currency, reseller_discount)
VALUES ('child_write', 'Child rows tests', 'USD', 0.20) RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Apps', 'apps')
RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'flexible', 'USD 60', '2012-01-01'), (:apps, 'annual_monthly', 'USD 50', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (48951, :prog, 'Child Reseller', 'US');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES (48951, 48951, 'Acme', 'acme.example');
SET reseller_billing.effective_at = '2012-01-02';
SET reseller_billing.reason = 'child rows';

-- written directly: an Annual term starting inside the month (a prorated
-- tranche) and two Flex plans, in one statement
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, seat_cap, term_start)
VALUES (48951, 48951, 48951, :apps, 'annual_monthly', 4, NULL, '2012-01-01'),
       (48951, 48952, 48951, :apps, 'flexible', NULL, 10, '2012-01-01'),
       (48951, 48953, 48951, :apps, 'flexible', NULL, 3, '2012-01-02');
-- no foreign-key check locked the new rows
SELECT subscription_id, xmax = '0'::xid AS not_locked FROM subscription
 WHERE reseller_id = 48951 ORDER BY subscription_id;

-- the same by SQL: a user trigger on each child table
CREATE TEMP TABLE child_fired (tab text, n int);
CREATE FUNCTION pg_temp.child_fired() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO child_fired VALUES (TG_TABLE_NAME, 1);
    RETURN NULL;
END $$;
CREATE TRIGGER zz_child_fired AFTER INSERT ON subscription_change FOR EACH ROW EXECUTE FUNCTION pg_temp.child_fired();
CREATE TRIGGER zz_child_fired AFTER INSERT ON commitment_tranche FOR EACH ROW EXECUTE FUNCTION pg_temp.child_fired();
CREATE TRIGGER zz_child_fired AFTER INSERT ON flex_term FOR EACH ROW EXECUTE FUNCTION pg_temp.child_fired();
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, seat_cap, term_start)
VALUES (48951, 48961, 48951, :apps, 'annual_monthly', 4, NULL, '2012-01-01'),
       (48951, 48962, 48951, :apps, 'flexible', NULL, 10, '2012-01-01'),
       (48951, 48963, 48951, :apps, 'flexible', NULL, 3, '2012-01-02');
SELECT tab, sum(n) AS rows_by_sql FROM child_fired GROUP BY tab ORDER BY tab;
-- the foreign-key checks of the SQL INSERTs locked the subscriptions
SELECT subscription_id, xmax = '0'::xid AS not_locked FROM subscription
 WHERE reseller_id = 48951 AND subscription_id > 48960 ORDER BY subscription_id;
DROP TRIGGER zz_child_fired ON subscription_change;
DROP TRIGGER zz_child_fired ON commitment_tranche;
DROP TRIGGER zz_child_fired ON flex_term;
-- a disabled trigger (it would not fire, but the direct write does not
-- judge it): SQL too, which its check's lock shows
CREATE TRIGGER zz_child_off AFTER INSERT ON flex_term FOR EACH ROW EXECUTE FUNCTION pg_temp.child_fired();
ALTER TABLE flex_term DISABLE TRIGGER zz_child_off;
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, seat_cap, term_start)
VALUES (48951, 48954, 48951, :apps, 'flexible', NULL, 2, '2012-01-01');
SELECT subscription_id, xmax = '0'::xid AS not_locked FROM subscription
 WHERE reseller_id = 48951 AND subscription_id = 48954;
DROP TRIGGER zz_child_off ON flex_term;
SELECT tab, sum(n) AS rows_by_sql FROM child_fired GROUP BY tab ORDER BY tab;

-- every column but the identity and the subscription, as text, in the
-- order of the identity: the rows written directly (48951..) against those
-- written by SQL (48961..); every one is the same
WITH c AS (
    SELECT 'subscription_change' AS tab, subscription_id > 48960 AS by_sql, subscription_id % 10 AS sub,
           row_number() OVER (PARTITION BY subscription_id > 48960 ORDER BY change_id) AS nth,
           (reseller_id, field, old_value, new_value, changed_by, changed_at, effective_at, reason)::text AS r
      FROM subscription_change WHERE reseller_id = 48951 AND subscription_id <> 48954
    UNION ALL
    SELECT 'commitment_tranche', subscription_id > 48960, subscription_id % 10,
           row_number() OVER (PARTITION BY subscription_id > 48960 ORDER BY tranche_id),
           (reseller_id, plan, seats, price, term_start, term_end, starts_on, ends_on, total, last_month, recorded_at)::text
      FROM commitment_tranche WHERE reseller_id = 48951 AND subscription_id <> 48954
    UNION ALL
    SELECT 'flex_term', subscription_id > 48960, subscription_id % 10,
           row_number() OVER (PARTITION BY subscription_id > 48960 ORDER BY flex_term_id),
           (reseller_id, price, starts_at, ends_at, recorded_at)::text
      FROM flex_term WHERE reseller_id = 48951 AND subscription_id <> 48954)
SELECT tab, count(*) FILTER (WHERE NOT by_sql) AS direct, count(*) FILTER (WHERE by_sql) AS by_sql,
       count(*) FILTER (WHERE NOT by_sql AND (sub, nth, r) IN (SELECT sub, nth, r FROM c c2 WHERE c2.tab = c.tab AND c2.by_sql)) AS same
  FROM c GROUP BY tab ORDER BY tab;
-- what was written, without the moments of the transaction
SELECT subscription_id, field, old_value, new_value, changed_by, effective_at, reason
  FROM subscription_change WHERE reseller_id = 48951 AND subscription_id < 48954 ORDER BY change_id;
SELECT subscription_id, plan, seats, price, term_start, term_end, starts_on, ends_on, total
  FROM commitment_tranche WHERE reseller_id = 48951 AND subscription_id < 48954 ORDER BY tranche_id;
SELECT subscription_id, price, starts_at, ends_at
  FROM flex_term WHERE reseller_id = 48951 AND subscription_id < 48954 ORDER BY flex_term_id;

-- an UPDATE's history and the tranche of its added seats, written the same way
UPDATE subscription SET committed_seats = 6 WHERE reseller_id = 48951 AND subscription_id = 48951;
SELECT subscription_id, field, old_value, new_value, effective_at FROM subscription_change
 WHERE reseller_id = 48951 AND subscription_id = 48951 ORDER BY change_id;
SELECT subscription_id, seats, starts_on, total FROM commitment_tranche
 WHERE reseller_id = 48951 AND subscription_id = 48951 ORDER BY tranche_id;

-- a subscription deleted by a user trigger of the statement that creates
-- it: its history is not written directly (the key is not found), the SQL
-- INSERT's check refuses the statement, and nothing of it is left
CREATE FUNCTION pg_temp.child_gone() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM reseller_billing.subscription
     WHERE reseller_id = NEW.reseller_id AND subscription_id = NEW.subscription_id;
    RETURN NULL;
END $$;
CREATE TRIGGER zz_child_gone AFTER INSERT ON subscription FOR EACH ROW EXECUTE FUNCTION pg_temp.child_gone();
SAVEPOINT gone;
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, seat_cap, term_start)
VALUES (48951, 48971, 48951, :apps, 'flexible', NULL, 5, '2012-01-01');
ROLLBACK TO SAVEPOINT gone;
DROP TRIGGER zz_child_gone ON subscription;
SELECT (SELECT count(*) FROM subscription WHERE reseller_id = 48951 AND subscription_id = 48971) AS subscriptions,
       (SELECT count(*) FROM subscription_change WHERE reseller_id = 48951 AND subscription_id = 48971) AS history,
       (SELECT count(*) FROM flex_term WHERE reseller_id = 48951 AND subscription_id = 48971) AS stretches;
-- invariant: every child row has its subscription
SELECT (SELECT count(*) FROM subscription_change c WHERE c.reseller_id = 48951 AND NOT EXISTS
           (SELECT FROM subscription s WHERE s.reseller_id = c.reseller_id AND s.subscription_id = c.subscription_id))
     + (SELECT count(*) FROM commitment_tranche c WHERE c.reseller_id = 48951 AND NOT EXISTS
           (SELECT FROM subscription s WHERE s.reseller_id = c.reseller_id AND s.subscription_id = c.subscription_id))
     + (SELECT count(*) FROM flex_term c WHERE c.reseller_id = 48951 AND NOT EXISTS
           (SELECT FROM subscription s WHERE s.reseller_id = c.reseller_id AND s.subscription_id = c.subscription_id))
       AS orphans;
ROLLBACK;
