SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
\set VERBOSITY default
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- close_lines: the close's line generation in C (issue 13): usage_lines
-- (src/close_lines.c), due_lines (src/close_due.c) and the ledger guard the
-- close writes its lines through (src/ledger_guard.c).
--   - Flex account-days are counted in the program's time zone, across a
--     daylight-saving change (New York, 2012-03-11: a 23-hour day counts
--     once), for an account ending exactly at local midnight (that day is
--     not counted) and one starting in the last second of the month;
--   - an Annual prepaid year bills its total in its first month only; an
--     Annual monthly tranche its installment;
--   - a range of resellers gives exactly the lines of its resellers taken
--     one by one (the two forms of each query), and every program (NULL)
--     the same as the program named;
--   - a missing month or range gives no lines;
--   - the guard keeps an invoice's status only for the command that read
--     it: a line added to a draft in the same transaction is accepted, a
--     line added after the draft was issued is refused (55000).
--
-- Ids: program 48701; resellers, customers and subscriptions 48701..48799;
-- every month is in 2012.
--

-- ===========================================================================
-- a program in New York time, USD.  Apps: 120.00 a seat a year on Annual
-- and Flex, 100.00 prepaid.
-- ===========================================================================
INSERT INTO program (program_id, code, name, currency, time_zone)
VALUES (48701, 'close_lines', 'Close lines tests', 'USD', 'America/New_York') RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Apps', 'apps') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_monthly', 'USD 120', '2011-01-01'),
    (:apps, 'flexible', 'USD 120', '2011-01-01'),
    (:apps, 'annual_prepaid', 'USD 100', '2011-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES
    (48701, :prog, 'Lines One', 'US'), (48702, :prog, 'Lines Two', 'US');
INSERT INTO reseller (reseller_id, program_id, name, billing_model, country) VALUES
    (48703, :prog, 'Lines Three', 'prepaid', 'US');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES
    (48701, 48701, 'One Co', 'one.example'), (48702, 48702, 'Two Co', 'two.example'),
    (48703, 48703, 'Three Co', 'three.example');

-- R48701: Flex, cap 5, on Flex since 2012-01-01.  March accounts:
--   dst   2012-03-10 23:30 .. 2012-03-12 00:30 local: the 10th, 11th
--         (23 hours long) and 12th: 3 days
--   eve   2012-03-31 23:59:59 local, no end: the 31st: 1 day
--   gone  2012-02-01 .. 2012-03-01 00:00 local (midnight): no March day
--   whole all March: 31 days
--   35 account-days: 120.00 × 35 / (12 × 31) = 4200 / 372 = 11.290... -> 11.29
-- R48702: Annual monthly, 2 seats from 2012-01-01: 240.00 a year, 20.00 a
--   month.
-- R48703 (prepaid): Annual prepaid, 1 seat from 2012-03-05: 100.00 in March.
SET reseller_billing.effective_at = '2012-01-01 00:00 America/New_York';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap) VALUES
    (48701, 48701, 48701, :apps, 'flexible', 5);
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start) VALUES
    (48702, 48702, 48702, :apps, 'annual_monthly', 2, '2012-01-01');
SET reseller_billing.effective_at = '2012-03-05 00:00 America/New_York';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start) VALUES
    (48703, 48703, 48703, :apps, 'annual_prepaid', 1, '2012-03-05');
RESET reseller_billing.effective_at;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from, active_until) VALUES
    (48701, 48701, 'dst', '2012-03-10 23:30 America/New_York', '2012-03-12 00:30 America/New_York'),
    (48701, 48701, 'eve', '2012-03-31 23:59:59 America/New_York', NULL),
    (48701, 48701, 'gone', '2012-02-01 00:00 America/New_York', '2012-03-01 00:00 America/New_York'),
    (48701, 48701, 'whole', '2012-02-15 00:00 America/New_York', NULL);
SELECT add_charge(48702, 48702, 'Setup', 'USD 15.00', '2012-03-10') IS NOT NULL AS charged;

-- the month's recurring lines
SELECT reseller_id, kind, subscription_id AS sub, description, quantity, unit_price, amount,
       service_period::text, service, tranche_id IS NOT NULL AS tranche
  FROM usage_lines('2012-03', :prog, 48701, 48703) ORDER BY reseller_id, sub, kind;
-- February: the Flex account-days only (the prepaid year started in March)
SELECT reseller_id, kind, subscription_id AS sub, quantity, amount, service
  FROM usage_lines('2012-02', :prog, 48701, 48703) ORDER BY reseller_id, sub, kind;
-- April: the prepaid year is not billed again
SELECT reseller_id, kind, subscription_id AS sub, amount
  FROM usage_lines('2012-04', :prog, 48701, 48703) ORDER BY reseller_id, sub, kind;

-- a range is its resellers one by one, and every program is this program
SELECT (SELECT count(*) FROM (SELECT * FROM usage_lines('2012-03', :prog, 48701, 48703)
                              EXCEPT ALL
                              (SELECT * FROM usage_lines('2012-03', :prog, 48701, 48701)
                               UNION ALL SELECT * FROM usage_lines('2012-03', :prog, 48702, 48702)
                               UNION ALL SELECT * FROM usage_lines('2012-03', :prog, 48703, 48703))) x) AS only_in_range,
       (SELECT count(*) FROM ((SELECT * FROM usage_lines('2012-03', :prog, 48701, 48701)
                               UNION ALL SELECT * FROM usage_lines('2012-03', :prog, 48702, 48702)
                               UNION ALL SELECT * FROM usage_lines('2012-03', :prog, 48703, 48703))
                              EXCEPT ALL
                              SELECT * FROM usage_lines('2012-03', :prog, 48701, 48703)) x) AS only_one_by_one,
       (SELECT count(*) FROM (SELECT * FROM usage_lines('2012-03', NULL, 48701, 48703)
                              EXCEPT ALL SELECT * FROM usage_lines('2012-03', :prog, 48701, 48703)) x) AS every_program_more,
       (SELECT count(*) FROM usage_lines('2012-03', :prog, 48702, 48701)) AS empty_range,
       (SELECT count(*) FROM usage_lines(NULL, :prog, 48701, 48703)) AS no_month,
       (SELECT count(*) FROM usage_lines('2012-03', :prog, NULL, 48702)) AS no_low_end,
       (SELECT count(*) FROM usage_lines('2012-03', 48799, 48701, 48703)) AS other_program;

-- everything due: the recurring lines and the charge, once per reseller
SELECT reseller_id, kind, subscription_id AS sub, description, amount, service, charge_id IS NOT NULL AS charge
  FROM due_lines('2012-03', :prog, 48701, 48703) ORDER BY reseller_id, sub, kind;
SELECT (SELECT count(*) FROM (SELECT * FROM due_lines('2012-03', :prog, 48701, 48703)
                              EXCEPT ALL
                              (SELECT * FROM due_lines('2012-03', :prog, 48701, 48701)
                               UNION ALL SELECT * FROM due_lines('2012-03', :prog, 48702, 48702)
                               UNION ALL SELECT * FROM due_lines('2012-03', :prog, 48703, 48703))) x) AS only_in_range;

-- ===========================================================================
-- the guard keeps a status for one command only: in one transaction the
-- close writes R48701's and R48702's drafts, a line is added to both drafts
-- by one statement (accepted), R48701's draft is issued, and a line added to
-- it afterwards is refused; R48702's draft still takes one.
-- ===========================================================================
BEGIN;
SELECT close_chunk('2012-03', :prog, 48701, 48702, false) AS drafts;
SELECT invoice_id AS one FROM invoice WHERE reseller_id = 48701 AND period = '2012-03' \gset
SELECT invoice_id AS two FROM invoice WHERE reseller_id = 48702 AND period = '2012-03' \gset
INSERT INTO invoice_line (reseller_id, invoice_id, line_no, kind, description, quantity, amount, service_period)
VALUES (48701, :one, 90, 'one_off', 'added to the draft', 1, 'USD 1.00', '2012-03'),
       (48702, :two, 90, 'one_off', 'added to the draft', 1, 'USD 1.00', '2012-03');
SELECT issue_invoices(:prog, ARRAY[:one]::bigint[], ARRAY[48701]::bigint[]) IS NOT NULL AS issued;
SELECT status, invoice_number FROM invoice WHERE reseller_id = 48701 AND invoice_id = :one;
SAVEPOINT s;
INSERT INTO invoice_line (reseller_id, invoice_id, line_no, kind, description, quantity, amount, service_period)
VALUES (48701, :one, 91, 'one_off', 'added after issue', 1, 'USD 1.00', '2012-03');
ROLLBACK TO SAVEPOINT s;
INSERT INTO invoice_line (reseller_id, invoice_id, line_no, kind, description, quantity, amount, service_period)
VALUES (48702, :two, 91, 'one_off', 'added to the draft', 1, 'USD 1.00', '2012-03');
SELECT reseller_id, count(*) AS lines FROM invoice_line WHERE reseller_id BETWEEN 48701 AND 48702
 GROUP BY 1 ORDER BY 1;
ROLLBACK;
-- nothing was kept
SELECT count(*) AS invoices FROM invoice WHERE reseller_id BETWEEN 48701 AND 48702;

-- ===========================================================================
-- leave nothing for later files: every subscription of this file ends now
-- (its terms ended long ago), so no renewal touches it (3)
-- ===========================================================================
SELECT count(*) AS cancelled
  FROM subscription s, LATERAL cancel_subscription(s.reseller_id, s.subscription_id) c
 WHERE s.reseller_id BETWEEN 48701 AND 48703 AND s.status <> 'cancelled';
