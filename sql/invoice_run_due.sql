SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- invoice_run_due: CALL run_due(at) applies the renewals and trial expiries
-- due by then and closes every month that has ended (in each program's time
-- zone) and is not closed yet, so a missed day or a server that was down
-- catches up (issue 4 §3).
--
-- run_due works on every program in the database.  This file's program is
-- the only one with anything in 2010-2011 (the other files of the suite
-- bill 2012 and end their subscriptions), so the counts run_due returns are
-- this program's; its rows carry explicit ids 43001...
--

-- ===========================================================================
-- a program in Tokyo time, in JPY, terms 30 days.  Apps cost JPY 12000 a
-- seat a year on every plan (1000 a month).  Alpha: an Annual commitment of
-- 2 seats from 2010-04-01 (24000, 2000 a month), renewing automatically; a
-- Flex subscription with one account from 2010-04-01 (1000 in every month:
-- 12000 × days / (12 × days)); a trial from 2011-03-10 (until 2011-04-09).
-- ===========================================================================
INSERT INTO program (code, name, currency, time_zone, payment_terms_days)
VALUES ('inv_run', 'run_due tests', 'JPY', 'Asia/Tokyo', 30) RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Apps', 'apps') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_monthly', 'JPY 12000', '2010-01-01'),
    (:apps, 'flexible', 'JPY 12000', '2010-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (43001, :prog, 'Tokyo Resale', 'JP');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES (43001, 43001, 'Kaisha', 'kaisha.example');
SET reseller_billing.effective_at = '2010-04-01 00:00 Asia/Tokyo';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (43001, 43001, 43001, :apps, 'annual_monthly', 2, '2010-04-01');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
VALUES (43001, 43002, 43001, :apps, 'flexible', 5);
RESET reseller_billing.effective_at;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (43001, 43002, 'taro', '2010-04-01 00:00 Asia/Tokyo');
SET reseller_billing.effective_at = '2011-03-10 09:00 Asia/Tokyo';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan)
VALUES (43001, 43003, 43001, :apps, 'trial');
RESET reseller_billing.effective_at;

CREATE TEMP VIEW inv AS
SELECT i.period::text, i.invoice_number AS no, i.issued_on, i.due_on, i.total, i.status
  FROM invoice i WHERE i.program_id = :prog;
CREATE TEMP VIEW state AS
SELECT s.subscription_id AS sub, s.plan, s.status, s.term_start, s.term_end, s.trial_end
  FROM subscription s WHERE s.reseller_id = 43001;

-- ===========================================================================
-- the months due: from the first month with anything to bill (April 2010)
-- to the last one that has ended in Tokyo
-- ===========================================================================
SELECT m::text FROM months_due(:prog, '2010-06-01 00:00 Asia/Tokyo') m;
-- one second earlier it is still May 31 in Tokyo
SELECT m::text FROM months_due(:prog, '2010-05-31 23:59:59 Asia/Tokyo') m;

-- April and May 2010: 2000 + 1000 = 3000 each
SET client_min_messages = warning;
CALL run_due('2010-06-01 00:00 Asia/Tokyo');
-- again: nothing is due
CALL run_due('2010-06-01 00:00 Asia/Tokyo');
RESET client_min_messages;
SELECT * FROM inv ORDER BY no;

-- ===========================================================================
-- the server was down for ten months: one call catches up.  On 2011-04-02
-- the Annual term (2010-04-01 .. 2011-04-01) has renewed, and June 2010 ..
-- March 2011 are closed, ten invoices of 3000
-- ===========================================================================
SELECT count(*) AS months_due, min(m)::text AS first, max(m)::text AS last
  FROM months_due(:prog, '2011-04-02 00:00 Asia/Tokyo') m;
SET client_min_messages = warning;
CALL run_due('2011-04-02 00:00 Asia/Tokyo');
RESET client_min_messages;
SELECT * FROM inv ORDER BY no;
SELECT * FROM state ORDER BY sub;
-- the renewed term is a new tranche
SELECT seats, price, starts_on, ends_on, total FROM commitment_tranche
 WHERE reseller_id = 43001 ORDER BY starts_on;

-- on 2011-04-10 the trial (ended 2011-04-09) is suspended; April has not
-- ended: no invoice
SET client_min_messages = warning;
CALL run_due('2011-04-10 00:00 Asia/Tokyo');
RESET client_min_messages;
SELECT sub, plan, status, trial_end FROM state WHERE sub = 43003;

-- April 2011 ends at midnight in Tokyo (15:00 UTC on April 30)
SET client_min_messages = warning;
CALL run_due('2011-04-30 14:59:59+00');
CALL run_due('2011-04-30 15:00:00+00');
RESET client_min_messages;
-- April 2011 bills the renewed term's first installment (24000 / 12 =
-- 2000) and the Flex account (1000); the trial nothing
SELECT * FROM inv WHERE period = '2011-04';
SELECT l.kind, l.subscription_id AS sub, l.description, l.amount
  FROM invoice_line l JOIN invoice i USING (reseller_id, invoice_id)
 WHERE i.program_id = :prog AND i.period = '2011-04' ORDER BY l.line_no;
SELECT program_code, period, resellers_total, resellers_done, invoices_written, finished, percent_done
  FROM close_status WHERE program_code = 'inv_run' ORDER BY period;
SELECT count(*) AS months_left FROM months_due(:prog, '2011-05-01 00:00 Asia/Tokyo');

-- run_due never runs ahead of the clock: 22023
CALL run_due('2200-01-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- the record of each run (issue 18 §3): run_log and the view
-- scheduled_runs show what every run did; the refused run above left a
-- record of its start and shows as failed (its session moved on without a
-- finish).  Newest first: the refused run, then the two Tokyo runs.
-- ===========================================================================
SELECT state, clock_at, renewed, months_closed, invoices, statements, error_count, took IS NOT NULL AS timed
  FROM scheduled_runs ORDER BY run_id DESC LIMIT 3;
SELECT count(*) AS running FROM scheduled_runs WHERE state = 'running';
-- kept: TRUNCATE is refused
TRUNCATE run_log;

-- ===========================================================================
-- leave nothing for later files
-- ===========================================================================
SELECT count(*) AS cancelled
  FROM subscription s, LATERAL cancel_subscription(s.reseller_id, s.subscription_id) c
 WHERE s.reseller_id = 43001 AND s.status <> 'cancelled';
