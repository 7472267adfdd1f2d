SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- bad_input: absurd values get their own error and change nothing (issue 19
-- §4, §6, §7, §8).  Before 0.3.0 these failed deep inside a rule with a raw
-- message ("cannot subtract infinite dates", "integer out of range", "index
-- row requires 11480 bytes", an internal not-null violation) or were
-- accepted.  Ids: 19101...
--
INSERT INTO program (code, name, currency, time_zone) VALUES ('bad_prog', 'Bad input tests', 'USD', 'UTC')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'bad_apps', 'Apps', 'apps') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_monthly', 'USD 50', '2012-01-01'), (:apps, 'flexible', 'USD 60', '2012-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (19101, :prog, 'Bad Input Resale', 'US');
INSERT INTO customer (reseller_id, customer_id, name) VALUES (19101, 19101, 'Acme');
SET reseller_billing.effective_at = '2012-03-01 00:00+00';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (19101, 19101, 19101, :apps, 'annual_monthly', 10, '2012-03-01');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
VALUES (19101, 19102, 19101, :apps, 'flexible', 5);
RESET reseller_billing.effective_at;
CREATE TEMP VIEW state AS
SELECT (SELECT count(*) FROM subscription WHERE reseller_id = 19101) AS subscriptions,
       (SELECT string_agg(format('%s: %s..%s %s seats, cap %s', subscription_id, term_start, term_end,
                                 committed_seats, seat_cap), '; ' ORDER BY subscription_id)
          FROM subscription WHERE reseller_id = 19101) AS terms,
       (SELECT count(*) FROM seat WHERE reseller_id = 19101) AS accounts,
       (SELECT count(*) FROM subscription_change WHERE reseller_id = 19101) AS history;
SELECT * FROM state;

-- ===========================================================================
-- §6 dates and moments: finite, in the years 1900 to 8999 (22008)
-- ===========================================================================
\set VERBOSITY default
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start, term_end)
VALUES (19101, 19103, 19101, :apps, 'annual_monthly', 1, '2012-03-01', 'infinity');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (19101, 19103, 19101, :apps, 'annual_monthly', 1, '5874897-01-01');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (19101, 19103, 19101, :apps, 'annual_monthly', 1, '1899-12-31');
UPDATE subscription SET term_end = 'infinity' WHERE reseller_id = 19101 AND subscription_id = 19101;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (19101, 19102, 'ann', '-infinity');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES (19101, 19102, 'ann', '9999-01-01');
SELECT add_seats(19101, 19101, 1, '-infinity');
SELECT set_seat_cap(19101, 19102, 4, 'infinity');

-- ===========================================================================
-- §6 counts and sizes: at most 1,000,000 seats (22003), a user name of at
-- most 320 characters (22023)
-- ===========================================================================
SELECT add_seats(19101, 19101, 2147483647);
SELECT add_seats(19101, 19101, 999991);
SELECT add_seats(19101, 19101, 999990) AS seats;            -- exactly the most
SELECT set_seat_cap(19101, 19102, 1000001);
UPDATE subscription SET seat_cap = 2000000 WHERE reseller_id = 19101 AND subscription_id = 19102;
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (19101, 19102, repeat('x', 1048576));
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (19101, 19102, repeat('é', 321));
INSERT INTO seat (reseller_id, subscription_id, user_name) VALUES (19101, 19102, repeat('é', 320));
SELECT length(user_name) AS longest_name FROM seat WHERE reseller_id = 19101;

-- ===========================================================================
-- §4 a close needs its month (22004)
-- ===========================================================================
SELECT close_period(NULL);
SELECT close_period(NULL, :prog);
CALL close_period_batched(NULL);

-- ===========================================================================
-- §7 a trial is free: no price is listed for it (22023)
-- ===========================================================================
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps, 'trial', 'USD 0', '2012-01-01');
UPDATE price SET plan = 'trial' WHERE sku_id = :apps AND plan = 'flexible';
SELECT count(*) AS prices FROM price WHERE sku_id = :apps;

-- and nothing of it was written (the 999990 seats excepted)
SELECT * FROM state;

-- ===========================================================================
-- §8 a program's bookkeeping is not a reseller's: invoice counters, months
-- closed and close progress of every program (42501); the admin reads them
-- ===========================================================================
SET ROLE reseller_billing_reseller;
SET reseller_billing.reseller_id = '19101';
SELECT count(*) FROM invoice_counter;
SELECT count(*) FROM period_close;
SELECT count(*) FROM close_progress;
SELECT count(*) FROM close_status;
RESET reseller_billing.reseller_id;
RESET ROLE;
SET ROLE reseller_billing_admin;
SELECT count(*) >= 0 AS admin_reads FROM invoice_counter, period_close;
RESET ROLE;

-- ===========================================================================
-- a preview names its reseller and month (22004), rather than showing nothing
-- ===========================================================================
SELECT count(*) FROM preview_invoice(NULL, '2012-03');
SELECT count(*) FROM preview_invoice(19101, NULL);
SELECT count(*) AS lines_previewed FROM preview_invoice(19101, '2012-03');

-- leave nothing to bill for a later file
SELECT count(cancel_subscription(19101, s)) AS cancelled FROM unnest(ARRAY[19101, 19102]) s;
