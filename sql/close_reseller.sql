SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
\set VERBOSITY default
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- close_reseller: the month-end close of one reseller at a time,
-- close_period(period, program, reseller) (issue 7 §5; doc/scaling.md).
-- A program with three resellers is closed for March 2012 one reseller at a
-- time, out of id order: each call writes exactly what preview_invoice
-- said, numbered from the program's counter without gaps in the order of
-- the calls; a second call writes nothing; the month is recorded closed
-- only by the program-level close_period(period, program) that follows,
-- which finds nothing left to write.  A reseller of another program is not
-- touched.  A CSP provider is left to the program-level close (NOTICE).
-- Refusals: a month that has not ended (55000), a cycle that is not a
-- calendar month (22023), an unknown program or reseller (P0002), a
-- reseller of another program (22023), a NULL argument (22023).
--
-- Ids: programs carry explicit ids 47101.. (the messages name them);
-- resellers, customers and subscriptions explicit ids 47001..;
-- every month closed is in 2012 (it has ended); the programs are in UTC.
-- Figures are worked by hand in the comments.
--

-- the SQLSTATE a statement fails with (the refusals are also shown with
-- their messages)
CREATE FUNCTION pg_temp.sqlstate_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE p_sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

-- ===========================================================================
-- the program: USD, 20% reseller discount, UTC.  Partner prices per seat
-- per year: Apps Annual (monthly) list 60.00 -> 48.00, i.e. 4.00 a seat a
-- month; Apps Flex list 120.00 -> 96.00, i.e. 8.00 a seat for a whole
-- month.  A second program, "other", has one reseller that must not be
-- touched by the first program's closes.
-- ===========================================================================
INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone)
VALUES (47101, 'close_reseller', 'Per-reseller close tests', 'USD', 0.20, 'UTC')
RETURNING program_id AS prog \gset
INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone)
VALUES (47102, 'close_reseller_other', 'Per-reseller close, another program', 'USD', 0.20, 'UTC')
RETURNING program_id AS other \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Apps', 'apps')
RETURNING sku_id AS apps \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:other, 'apps', 'Apps', 'apps')
RETURNING sku_id AS other_apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_monthly', 'USD 60', '2011-01-01'),
    (:apps, 'flexible', 'USD 120', '2011-01-01'),
    (:other_apps, 'annual_monthly', 'USD 60', '2011-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES
    (47001, :prog, 'One Resale', 'US'),
    (47002, :prog, 'Two Resale', 'US'),
    (47003, :prog, 'Three Resale', 'US'),
    (47009, :other, 'Elsewhere Resale', 'US');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES
    (47001, 47001, 'One Co', 'one.example'),
    (47002, 47002, 'Two Co', 'two.example'),
    (47003, 47003, 'Three Co', 'three.example'),
    (47009, 47009, 'Elsewhere Co', 'elsewhere.example');

-- R47001: Annual, 10 seats from 2012-01-01: 10 × 48.00 = 480.00 a year,
--   12 installments of 40.00; March: 40.00.
-- R47002: Flex, cap 10.  Three accounts all March (3 × 31 = 93
--   account-days) and one from 2012-03-17 (17th..31st, 15 days): 108
--   account-days, 96.00 × 108 / (12 × 31) = 10368 / 372 = 27.8709...
--   -> 27.87 (one line, rounded once).
-- R47003: Annual, 3 seats from 2012-03-01: 3 × 48.00 = 144.00 a year,
--   March 12.00; and a one-off charge of 15.00 on 2012-03-10: 27.00.
-- R47009 (the other program): Annual, 1 seat from 2012-01-01: 48.00 a
--   year, 4.00 in March.
SET reseller_billing.effective_at = '2012-01-01 00:00 UTC';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start) VALUES
    (47001, 47001, 47001, :apps, 'annual_monthly', 10, '2012-01-01'),
    (47009, 47009, 47009, :other_apps, 'annual_monthly', 1, '2012-01-01');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap) VALUES
    (47002, 47002, 47002, :apps, 'flexible', 10);
SET reseller_billing.effective_at = '2012-03-01 00:00 UTC';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start) VALUES
    (47003, 47003, 47003, :apps, 'annual_monthly', 3, '2012-03-01');
RESET reseller_billing.effective_at;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES
    (47002, 47002, 'ann', '2012-02-01 00:00 UTC'),
    (47002, 47002, 'bob', '2012-02-01 00:00 UTC'),
    (47002, 47002, 'cat', '2012-02-01 00:00 UTC'),
    (47002, 47002, 'dan', '2012-03-17 09:00 UTC');
SELECT add_charge(47003, 47003, 'Setup', 'USD 15.00', '2012-03-10') IS NOT NULL AS charged;

-- what this file shows of its invoices (both programs)
CREATE TEMP VIEW inv AS
SELECT i.reseller_id, i.period, i.invoice_number AS no, i.status, i.issued_on, i.due_on, i.subtotal, i.total
  FROM invoice i WHERE i.program_id IN (:prog, :other);

-- ===========================================================================
-- preview_invoice of each reseller for March, kept to compare with what the
-- closes write: R47001 40.00; R47002 27.87 (108 account-days); R47003 12.00
-- and 15.00.
-- ===========================================================================
CREATE TEMP TABLE previewed AS
SELECT r.reseller_id, p.line_no, p.kind, p.subscription_id, p.quantity, p.unit_price, p.amount, p.invoice_kind
  FROM (VALUES (47001), (47002), (47003)) AS r(reseller_id)
 CROSS JOIN LATERAL preview_invoice(r.reseller_id, '2012-03') p;
SELECT * FROM previewed ORDER BY reseller_id, line_no;

-- ===========================================================================
-- refusals: nothing is written by any of them
-- ===========================================================================
-- a month that has not ended (the detail names today's date, so only the
-- SQLSTATE is shown)
SELECT pg_temp.sqlstate_of(format('SELECT reseller_billing.close_period(%L, %s, 47001)',
                                  to_char(now() + interval '1 month', 'YYYY-MM'), :prog)) AS not_ended;
-- a cycle anchored on the 15th
SELECT close_period('2012-03@15', :prog, 47001);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- an unknown program, an unknown reseller
SELECT close_period('2012-03', -1, 47001);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT close_period('2012-03', :prog, 47999);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a reseller of another program
SELECT close_period('2012-03', :prog, 47009);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a NULL argument
SELECT close_period('2012-03', :prog, NULL);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT count(*) AS invoices_after_refusals FROM inv;

-- ===========================================================================
-- closing reseller by reseller, out of id order: 47002, 47001, 47003.
-- Each call writes one invoice; the counter hands out 1, 2, 3 in the order
-- of the calls.  Issued on 2012-04-01 (the day after the month), due 30
-- days later, 2012-05-01.
-- ===========================================================================
SELECT close_period('2012-03', :prog, 47002) AS written_47002;
SELECT * FROM inv ORDER BY no;
-- a second call for the same reseller writes nothing
SELECT close_period('2012-03', :prog, 47002) AS again_47002;
SELECT close_period('2012-03', :prog, 47001) AS written_47001;
SELECT close_period('2012-03', :prog, 47003) AS written_47003;
SELECT close_period('2012-03', :prog, 47001) AS again_47001, close_period('2012-03', :prog, 47003) AS again_47003;
-- R47002 27.87 (no 1), R47001 40.00 (no 2), R47003 27.00 (no 3); nothing
-- for R47009 of the other program
SELECT * FROM inv ORDER BY no;
-- the numbers are 1..3 without a gap or a repeat, and the counter is at 3
SELECT count(*) AS invoices, min(no) AS first_no, max(no) AS last_no, count(DISTINCT no) AS distinct_no
  FROM inv WHERE period = '2012-03';
SELECT last_number FROM invoice_counter WHERE program_id = :prog;

-- every invoice line is the line preview_invoice showed (same number, kind,
-- subscription, quantity, unit price, amount): both differences are empty
SELECT 'previewed, not written' AS side, * FROM (
    SELECT reseller_id, line_no, kind, subscription_id, quantity, unit_price, amount FROM previewed
    EXCEPT
    SELECT l.reseller_id, l.line_no, l.kind, l.subscription_id, l.quantity, l.unit_price, l.amount
      FROM invoice_line l JOIN invoice i USING (reseller_id, invoice_id) WHERE i.program_id = :prog) d
UNION ALL
SELECT 'written, not previewed', * FROM (
    SELECT l.reseller_id, l.line_no, l.kind, l.subscription_id, l.quantity, l.unit_price, l.amount
      FROM invoice_line l JOIN invoice i USING (reseller_id, invoice_id) WHERE i.program_id = :prog
    EXCEPT
    SELECT reseller_id, line_no, kind, subscription_id, quantity, unit_price, amount FROM previewed) d;
-- and each invoice's total is the sum of its previewed lines: 40.00, 27.87,
-- 27.00 (94.87 in all)
SELECT i.reseller_id, i.total, (SELECT sum(p.amount) FROM previewed p WHERE p.reseller_id = i.reseller_id) AS previewed
  FROM invoice i WHERE i.program_id = :prog ORDER BY i.reseller_id;
SELECT sum(total) AS march_total FROM invoice WHERE program_id = :prog AND period = '2012-03';

-- the per-reseller calls leave the program's bookkeeping alone: the month
-- is not yet recorded closed, and no close progress was written
SELECT count(*) AS period_close_rows FROM period_close WHERE program_id = :prog;
SELECT count(*) AS close_progress_rows FROM close_progress WHERE program_id = :prog;

-- ===========================================================================
-- the program-level close afterwards finds nothing left to write and
-- records the month closed with its 3 invoices (its progress: no reseller
-- was left without an invoice, 0 written, finished)
-- ===========================================================================
SELECT close_period('2012-03', :prog) AS written_by_program_close;
SELECT period, invoices FROM period_close WHERE program_id = :prog;
SELECT resellers_total, invoices_written, finished FROM close_progress WHERE program_id = :prog;
-- once the month is recorded closed a per-reseller call writes nothing
SELECT close_period('2012-03', :prog, 47001) AS after_month_closed;
SELECT count(*) AS invoices, max(no) AS last_no FROM inv WHERE period = '2012-03';
-- the other program's reseller is still to bill: its own per-reseller
-- close writes its invoice, number 1 of its own program (4.00)
SELECT close_period('2012-03', :other, 47009) AS written_47009;
SELECT * FROM inv WHERE reseller_id = 47009;

-- ===========================================================================
-- the next month, April, closed the same way continues the numbering:
-- R47001 40.00 (no 4); R47002 four accounts all April, 4 × 30 = 120
-- account-days, 96.00 × 120 / 360 = 32.00 (no 5); R47003 12.00 (no 6);
-- issued 2012-05-01, due 30 days later, 2012-05-31
-- ===========================================================================
SELECT close_period('2012-04', :prog, r) AS written FROM (VALUES (47001), (47002), (47003)) AS v(r);
SELECT * FROM inv WHERE period = '2012-04' ORDER BY no;

-- ===========================================================================
-- a CSP provider: its invoices (and those of the indirect resellers it
-- bills) are written by channel_close in the program-level close, so a
-- per-reseller call writes nothing and says so
-- ===========================================================================
INSERT INTO program (program_id, code, name, currency, time_zone, settings)
VALUES (47103, 'close_reseller_csp', 'Per-reseller close, CSP', 'USD', 'UTC', '{"csp": true}')
RETURNING program_id AS csp \gset
INSERT INTO reseller (reseller_id, program_id, name, country, tier) VALUES
    (47011, :csp, 'Provider Distribution', 'US', 'indirect_provider');
SELECT close_period('2012-03', :csp, 47011) AS written_provider;

-- ===========================================================================
-- leave nothing for later files: every subscription of this file ends now
-- (its terms ended long ago), so no renewal or trial expiry touches it
-- (4: S47001, S47002, S47003, S47009)
-- ===========================================================================
SELECT count(*) AS cancelled
  FROM subscription s, LATERAL cancel_subscription(s.reseller_id, s.subscription_id) c
 WHERE s.reseller_id BETWEEN 47001 AND 47011 AND s.status <> 'cancelled';
