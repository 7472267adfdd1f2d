SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- restore: the rule triggers stand aside only for the documented restore
-- procedure, reseller_billing.restore = on in a superuser session, read once
-- per transaction (issue 17 §4).  Before 0.3.0 any superuser session with
-- check_function_bodies = off switched every rule off.  Ids: 17101...
--
INSERT INTO program (code, name, currency, time_zone) VALUES ('rst_prog', 'Restore tests', 'USD', 'UTC')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'rst_apps', 'Apps', 'apps') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps, 'flexible', 'USD 60', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (17101, :prog, 'Restore Resale', 'US');
INSERT INTO customer (reseller_id, customer_id, name) VALUES (17101, 17101, 'Acme');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
VALUES (17101, 17101, 17101, :apps, 'flexible', 1);
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (17101, 17101, 'ann', '2012-03-01 00:00+00');
CREATE TEMP VIEW state AS
SELECT (SELECT active_seats FROM subscription WHERE reseller_id = 17101 AND subscription_id = 17101) AS counted,
       (SELECT count(*) FROM seat WHERE reseller_id = 17101) AS accounts,
       (SELECT count(*) FROM audit_log WHERE reseller_id = 17101 AND table_name = 'seat') AS audited;
SELECT * FROM state;

-- a superuser session with check_function_bodies = off (what every pg_dump
-- script sets, and what other tools set too) gets every rule
SET check_function_bodies = off;
SELECT rolsuper AS superuser, restoring() FROM pg_roles WHERE rolname = current_user;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (17101, 17101, 'bob', '2012-03-02 00:00+00');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, status)
VALUES (17101, 17102, 17101, :apps, 'flexible', 1, 'cancelled');
SELECT * FROM state;
RESET check_function_bodies;

-- the setting is the superuser's alone
SET ROLE reseller_billing_admin;
SET reseller_billing.restore = on;
ALTER ROLE reseller_billing_admin SET reseller_billing.restore = on;
RESET ROLE;

-- restore mode: asked for, in a superuser session; the seat counter stands
-- aside (the restored counters already count the restored accounts), as do
-- the refusals of a restored cancelled subscription
BEGIN;
SET LOCAL reseller_billing.restore = on;
SELECT restoring();
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, status, active_seats)
VALUES (17101, 17102, 17101, :apps, 'flexible', 1, 'cancelled', 0);
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (17101, 17101, 'bob', '2012-03-02 00:00+00');
SELECT * FROM state;
ROLLBACK;
SELECT * FROM state;

-- read once per transaction: a change of the setting inside a transaction
-- that already asked counts from the next one
BEGIN;
SELECT restoring() AS before_set;
SET LOCAL reseller_billing.restore = on;
SELECT restoring() AS after_set;
COMMIT;

-- the acting role counts: a superuser session acting as another role is no
-- restore
BEGIN;
SET LOCAL reseller_billing.restore = on;
SET LOCAL ROLE reseller_billing_admin;
SELECT restoring();
ROLLBACK;

UPDATE subscription SET status = 'cancelled' WHERE reseller_id = 17101 AND subscription_id = 17101;
