SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- invoice_once: once is once (issue 4 §2, §4).  A month is billed once; an
-- issued invoice and its lines never change (credit notes correct them,
-- voids withdraw them while unpaid); payments are recorded once per
-- reference and settle the oldest invoices first; the BI views show the
-- numbers; preview_invoice is what the close writes.
--
-- Ids: resellers, customers and subscriptions carry explicit ids 42001..;
-- every month closed is in 2012 and every close names this file's program.
--

-- ===========================================================================
-- a program in Berlin time, USD, no discount, payment terms 14 days; Apps
-- at USD 120.00 a seat a year on every plan, 10.00 a month.  Alpha has an
-- Annual subscription of 3 seats from 2012-01-01 (30.00 a month) and a Flex
-- one with one account all along (10.00 in every month: 120.00 × days /
-- (12 × days)): 40.00 a month.  Gamma has the same Annual subscription only.
-- ===========================================================================
INSERT INTO program (code, name, currency, time_zone, payment_terms_days)
VALUES ('inv_once', 'Invoice once tests', 'USD', 'Europe/Berlin', 14) RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps', 'Apps', 'apps') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_monthly', 'USD 120', '2011-01-01'),
    (:apps, 'flexible', 'USD 120', '2011-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES
    (42001, :prog, 'Alpha Partners', 'DE'),
    (42003, :prog, 'Gamma Partners', 'DE');
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES
    (42001, 42001, 'Acme', 'acme.example'),
    (42003, 42003, 'Gamma Co', 'gamma.example');
SET reseller_billing.effective_at = '2012-01-01 00:00 Europe/Berlin';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, term_start) VALUES
    (42001, 42001, 42001, :apps, 'annual_monthly', 3, '2012-01-01'),
    (42003, 42003, 42003, :apps, 'annual_monthly', 3, '2012-01-01');
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap)
VALUES (42001, 42002, 42001, :apps, 'flexible', 5);
RESET reseller_billing.effective_at;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from) VALUES
    (42001, 42001, 'ann', '2012-01-01 00:00 Europe/Berlin'),
    (42001, 42002, 'bob', '2012-01-01 00:00 Europe/Berlin');

CREATE TEMP VIEW inv AS
SELECT i.reseller_id, i.period, i.invoice_number AS no, i.status, i.issued_on, i.due_on, i.subtotal,
       i.credits_applied, i.total, i.credited, i.paid, i.invoice_id
  FROM invoice i WHERE i.program_id = :prog;

-- ===========================================================================
-- a month is closed once: the second close writes nothing and returns 0
-- ===========================================================================
SET client_min_messages = warning;
SELECT close_period('2012-01', :prog) AS first_close;
SELECT close_period('2012-01', :prog) AS second_close;
RESET client_min_messages;
SELECT reseller_id, period, no, status, issued_on, due_on, subtotal, total FROM inv ORDER BY no;
SELECT count(*) AS lines FROM invoice_line l JOIN inv USING (reseller_id, invoice_id);
SELECT program_id = :prog AS this_program, period::text, invoices FROM period_close WHERE program_id = :prog;

-- a month that has not ended (in the program's time zone), a cycle that is
-- not a calendar month, an unknown program
\set VERBOSITY terse
SELECT close_period('2099-01', :prog);
\set VERBOSITY default
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT close_period('2012-01@15', :prog);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT close_period('2012-01', -1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
CALL close_period_batched('2012-01', -1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
CALL close_period_batched('2012-01', :prog, 0);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- preview_invoice is what the close then writes
-- ===========================================================================
CREATE TEMP TABLE feb_preview AS
SELECT p.line_no, p.kind, p.subscription_id, p.description, p.quantity, p.unit_price, p.amount, p.service
  FROM preview_invoice(42001, '2012-02') p;
SELECT line_no, kind, subscription_id AS sub, quantity, unit_price, amount, service FROM feb_preview ORDER BY line_no;
SET client_min_messages = warning;
SELECT close_period('2012-02', :prog) AS february;
RESET client_min_messages;
CREATE TEMP VIEW feb_written AS
SELECT l.line_no, l.kind, l.subscription_id, l.description, l.quantity, l.unit_price, l.amount, l.service
  FROM invoice_line l JOIN inv USING (reseller_id, invoice_id) WHERE inv.reseller_id = 42001 AND inv.period = '2012-02';
SELECT (SELECT count(*) FROM feb_written) AS written,
       (SELECT count(*) FROM (SELECT * FROM feb_preview EXCEPT SELECT * FROM feb_written) x) AS only_in_preview,
       (SELECT count(*) FROM (SELECT * FROM feb_written EXCEPT SELECT * FROM feb_preview) x) AS only_written;
-- once invoiced, the month has nothing more to preview
SELECT count(*) AS preview_after_close FROM preview_invoice(42001, '2012-02');

-- ===========================================================================
-- an issued invoice and its lines are final: UPDATE, DELETE, INSERT into
-- it: 55000; TRUNCATE: 55000 for the owner, and no privilege for others
-- ===========================================================================
SELECT invoice_id AS jan FROM inv WHERE reseller_id = 42001 AND period = '2012-01' \gset
UPDATE invoice SET total = 'USD 1.00' WHERE reseller_id = 42001 AND invoice_id = :jan;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE invoice SET status = 'paid' WHERE reseller_id = 42001 AND invoice_id = :jan;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE invoice SET due_on = due_on + 30 WHERE reseller_id = 42001 AND invoice_id = :jan;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
DELETE FROM invoice WHERE reseller_id = 42001 AND invoice_id = :jan;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE invoice_line SET amount = 'USD 0.00' WHERE reseller_id = 42001 AND invoice_id = :jan;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
DELETE FROM invoice_line WHERE reseller_id = 42001 AND invoice_id = :jan;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
INSERT INTO invoice_line (reseller_id, invoice_id, line_no, kind, description, quantity, amount, service_period)
VALUES (42001, :jan, 99, 'one_off', 'sneaked in', 1, 'USD 1.00', '2012-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- (CASCADE: the tables that reference them go too; their NOTICEs are not shown)
SET client_min_messages = warning;
TRUNCATE invoice_line CASCADE;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE invoice CASCADE;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE payment CASCADE;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE credit CASCADE;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE credit_application;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE payment_allocation;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET client_min_messages;
-- a role that may read and write the tables has no TRUNCATE privilege
CREATE ROLE regress_inv_clerk;
GRANT USAGE ON SCHEMA reseller_billing TO regress_inv_clerk;
GRANT SELECT, INSERT, UPDATE, DELETE ON invoice, invoice_line, payment, payment_allocation, credit_note,
    credit_application TO regress_inv_clerk;
SET ROLE regress_inv_clerk;
TRUNCATE invoice_line;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
TRUNCATE payment_allocation;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
RESET ROLE;
REVOKE ALL ON invoice, invoice_line, payment, payment_allocation, credit_note, credit_application FROM regress_inv_clerk;
REVOKE USAGE ON SCHEMA reseller_billing FROM regress_inv_clerk;
DROP ROLE regress_inv_clerk;
-- unchanged
SELECT reseller_id, period, no, status, subtotal, total FROM inv ORDER BY no;

-- ===========================================================================
-- a credit note reduces what is owed, never past it
-- ===========================================================================
-- January: 40.00 owed; a credit note of 5.00 leaves 35.00
SELECT issue_credit_note(42001, :jan, 'USD 5.00', 'one seat unused for a week') IS NOT NULL AS noted;
SELECT no, status, total, credited, paid FROM inv WHERE invoice_id = :jan;
SELECT invoice_number, total, credited, balance FROM invoices WHERE invoice_id = :jan;
-- more than the 35.00 owed: 23514
SELECT issue_credit_note(42001, :jan, 'USD 35.01', 'too much');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- not a positive amount in the invoice's currency: 22023
SELECT issue_credit_note(42001, :jan, 'USD 0.00', 'nothing');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT issue_credit_note(42001, :jan, 'EUR 1.00', 'other currency');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- no such invoice: P0002
SELECT issue_credit_note(42001, -1, 'USD 1.00', 'nowhere');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT invoice_id = :jan AS this_invoice, amount, reason FROM credit_note WHERE reseller_id = 42001;

-- ===========================================================================
-- payments: bank transfer, cheque, direct debit; the oldest open invoices
-- are settled first; the reference records a payment once
-- ===========================================================================
-- 50.00 by bank transfer: January's 35.00, then 15.00 of February's 40.00
SELECT record_payment(42001, 'USD 50.00', 'bank_transfer', '2012-03-05', 'TX-1') AS tx1 \gset
SELECT period, no, status, total, credited, paid FROM inv WHERE reseller_id = 42001 ORDER BY no;
-- the same payment again: the same id, nothing more recorded or applied
SELECT record_payment(42001, 'USD 50.00', 'bank_transfer', '2012-03-05', 'TX-1') = :tx1 AS same_payment;
SELECT count(*) AS payments, sum(value(amount)) AS received FROM payment WHERE reseller_id = 42001;
SELECT period, paid FROM inv WHERE reseller_id = 42001 ORDER BY no;
-- another payment under the same reference: 23505
SELECT record_payment(42001, 'USD 60.00', 'bank_transfer', '2012-03-05', 'TX-1');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT record_payment(42001, 'USD 50.00', 'cheque', '2012-03-05', 'TX-1');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- methods the program does not take (by default bank transfer, cheque and
-- direct debit), amounts that are not positive, no reference: 22023; an
-- unknown reseller: P0002
SELECT record_payment(42001, 'USD 1.00', 'card', '2012-03-05', 'CARD-1');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT record_payment(42001, 'USD 1.00', 'bitcoin', '2012-03-05', 'BTC-1');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT record_payment(42001, 'USD 0.00', 'cheque', '2012-03-05', 'CHQ-0');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT record_payment(42001, 'USD 1.00', 'cheque', '2012-03-05', '');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT record_payment(-1, 'USD 1.00', 'cheque', '2012-03-05', 'CHQ-X');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a paid invoice takes no credit note and cannot be voided; neither can a
-- partly paid one: 55000
SELECT issue_credit_note(42001, :jan, 'USD 1.00', 'after payment');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT void_invoice(42001, :jan, 'paid already');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT invoice_id AS feb FROM inv WHERE reseller_id = 42001 AND period = '2012-02' \gset
SELECT void_invoice(42001, :feb, 'partly paid');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- a program that takes bank transfers only (GroupDocs): a cheque is refused
INSERT INTO program (code, name, currency, settings)
VALUES ('inv_once_bank', 'Bank transfers only', 'USD', '{"payment_methods": ["bank_transfer"]}')
RETURNING program_id AS bank_prog \gset
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (42002, :bank_prog, 'Bank Only Resale', 'DE');
SELECT record_payment(42002, 'USD 10.00', 'cheque', '2012-03-05', 'CHQ-1');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT record_payment(42002, 'USD 10.00', 'direct_debit', '2012-03-05', 'DD-1');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a bank transfer is taken; with nothing invoiced it stays unapplied
SELECT record_payment(42002, 'USD 10.00', 'bank_transfer', '2012-03-05', 'TX-1') IS NOT NULL AS recorded;
SELECT method, amount, unapplied FROM payment WHERE reseller_id = 42002;

-- ===========================================================================
-- void: only while unpaid; it stays on record, its credits come back, and
-- the next close bills its month again
-- ===========================================================================
-- March: 40.00 + a one-off 7.00 = 47.00, less a credit of 4.00: 43.00
SELECT add_charge(42001, 42001, 'Training', 'USD 7.00', '2012-03-20') IS NOT NULL AS charged;
SELECT grant_credit(42001, 'USD 4.00', 'goodwill') AS goodwill \gset
SET client_min_messages = warning;
SELECT close_period('2012-03', :prog) AS march;
RESET client_min_messages;
SELECT invoice_id AS mar FROM inv WHERE reseller_id = 42001 AND period = '2012-03' \gset
SELECT period, no, status, subtotal, credits_applied, total FROM inv WHERE invoice_id = :mar;
SELECT remaining FROM credit WHERE reseller_id = 42001 AND credit_id = :goodwill;
SELECT void_invoice(42001, :mar, 'wrong training date');
-- on record, void, owing nothing; the credit is whole again; the charge is
-- recorded again, to be billed once more
SELECT period, no, status, subtotal, credits_applied, total FROM inv WHERE invoice_id = :mar;
SELECT invoice_number, status, total, balance FROM invoices WHERE invoice_id = :mar;
SELECT voided_at IS NOT NULL AS voided, void_reason FROM invoice WHERE reseller_id = 42001 AND invoice_id = :mar;
SELECT remaining FROM credit WHERE reseller_id = 42001 AND credit_id = :goodwill;
SELECT kind, description, amount, charge_on FROM charge WHERE reseller_id = 42001 ORDER BY charge_id;
-- a void invoice stays as it is: 55000
SELECT void_invoice(42001, :mar, 'twice');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT issue_credit_note(42001, :mar, 'USD 1.00', 'on a void invoice');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
UPDATE invoice SET status = 'issued' WHERE reseller_id = 42001 AND invoice_id = :mar;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- April bills its own 40.00, March again (the Annual 30.00 and the Flex
-- 10.00 as adjustments; the training as its charge recorded again): 87.00,
-- less the credit of 4.00: 83.00
SET client_min_messages = warning;
SELECT close_period('2012-04', :prog) AS april;
RESET client_min_messages;
SELECT l.line_no, l.kind, l.subscription_id AS sub, l.description, l.amount, l.service_period::text
  FROM invoice_line l JOIN inv USING (reseller_id, invoice_id)
 WHERE inv.reseller_id = 42001 AND inv.period = '2012-04' ORDER BY l.line_no;
SELECT period, no, status, subtotal, credits_applied, total FROM inv WHERE reseller_id = 42001 ORDER BY no;

-- ===========================================================================
-- an overpayment stays unapplied and settles the next invoice at its close
-- ===========================================================================
-- a cheque of 150.00: February's 25.00 left, April's 83.00; 42.00 unapplied
SELECT record_payment(42001, 'USD 150.00', 'cheque', '2012-05-10', 'CHQ-7') IS NOT NULL AS recorded;
SELECT period, no, status, total, paid FROM inv WHERE reseller_id = 42001 ORDER BY no;
SELECT amount, unapplied FROM payment WHERE reseller_id = 42001 ORDER BY payment_id;
-- May bills 40.00: the 42.00 pays it whole (issued paid), 2.00 stay unapplied
SET client_min_messages = warning;
SELECT close_period('2012-05', :prog) AS may;
RESET client_min_messages;
SELECT period, no, status, total, paid FROM inv WHERE reseller_id = 42001 AND period = '2012-05';
SELECT p.reference, a.amount FROM payment_allocation a JOIN payment p USING (reseller_id, payment_id)
  JOIN inv ON inv.reseller_id = a.reseller_id AND inv.invoice_id = a.invoice_id
 WHERE a.reseller_id = 42001 ORDER BY inv.no, p.payment_id;
SELECT reseller_id, currency, invoiced, paid, credited, outstanding, unapplied_payments, credit_remaining
  FROM reseller_balances WHERE reseller_id IN (42001, 42002, 42003) ORDER BY 1;

-- ===========================================================================
-- receivables aging: Gamma never pays.  Its invoices of 30.00 (January ..
-- May) are issued on the 1st of the next month and due 14 days later:
-- February 15, March 15, April 15, May 15, June 15.
--   as of 2012-05-15: Jan 90 days past due (61-90), Feb 61 (61-90),
--     Mar 30 (1-30), Apr 0 (current); May not issued yet
--   as of 2012-05-16: Jan 91 (over 90), Feb 62, Mar 31 (31-60), Apr 1 (1-30)
--   as of 2012-06-16: Jan 122, Feb 93 (over 90), Mar 62 (61-90), Apr 32
--     (31-60), May 1 (1-30)
-- ===========================================================================
SELECT period, no, issued_on, due_on, total FROM inv WHERE reseller_id = 42003 ORDER BY no;
SELECT d AS as_of, a.current, a.days_1_30, a.days_31_60, a.days_61_90, a.over_90, a.total
  FROM unnest('{2012-02-01,2012-05-15,2012-05-16,2012-06-16}'::date[]) d,
       LATERAL receivables_aging_at(d) a
 WHERE a.reseller_id = 42003 ORDER BY d;
-- Alpha owes nothing: February and April were paid, March is void, May paid
SELECT count(*) AS alpha_rows FROM receivables_aging_at('2012-06-16') WHERE reseller_id = 42001;

-- ===========================================================================
-- the other views
-- ===========================================================================
SELECT reseller_name, program_code, invoice_number, period, period_start, kind, status, issued_on, due_on, currency,
       subtotal, credits_applied, tax, total, paid, credited, balance
  FROM invoices WHERE program_code = 'inv_once' ORDER BY invoice_number;
SELECT invoice_number, period, line_no, kind, customer_name, subscription_id, sku_code, sku_family, quantity,
       unit_price, amount, currency, service_period, service_start, service_end, credit_applied
  FROM invoice_lines WHERE reseller_id = 42001 AND period = '2012-04' ORDER BY line_no;
-- monthly recurring revenue now: Alpha's 1 Flex account at 120.00 a year
-- is 10.00; the Annual terms of 2012 (3 seats, 30.00 a month each) have
-- ended and count nothing (0.3.0, issue 18 §5: only a term that covers
-- today is recurring revenue), so Gamma, Annual only, has no row
SELECT program_code, reseller_name, currency, annual_mrr, flex_mrr, mrr, subscriptions
  FROM recurring_revenue WHERE program_code = 'inv_once' ORDER BY reseller_id;
-- seats: Alpha's Annual 1 of 3 committed, Flex 1 under a cap of 5
SELECT reseller_name, subscription_id, customer_name, sku_code, plan, status, seat_limit, active_seats, utilisation
  FROM seat_utilisation WHERE reseller_id IN (42001, 42003) ORDER BY subscription_id;
SELECT program_code, period, resellers_total, resellers_done, invoices_written, finished, percent_done
  FROM close_status WHERE program_code = 'inv_once' ORDER BY period;

-- a batched close commits as it goes and reports the same
SET client_min_messages = warning;
CALL close_period_batched('2012-06', :prog, 1, '2012-07-01 00:00 Europe/Berlin', NULL);
CALL close_period_batched('2012-06', :prog, 1, '2012-07-01 00:00 Europe/Berlin', NULL);
RESET client_min_messages;
SELECT program_code, period, resellers_total, resellers_done, invoices_written, finished, percent_done
  FROM close_status WHERE program_code = 'inv_once' AND period = '2012-06';
-- months end in the program's time zone: July 2012 ends in Berlin (UTC+2
-- in summer) at 22:00 UTC on July 31, so at 21:59:59 UTC it has not ended
CALL close_period_batched('2012-07', :prog, 1, '2012-07-31 21:59:59+00', NULL);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SET client_min_messages = warning;
CALL close_period_batched('2012-07', :prog, 1, '2012-07-31 22:00:00+00', NULL);
RESET client_min_messages;

-- ===========================================================================
-- scheduling: without pg_cron in this database, 55000 and a hint
-- ===========================================================================
SELECT schedule_month_end();
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- leave nothing for later files
-- ===========================================================================
SELECT count(*) AS cancelled
  FROM subscription s, LATERAL cancel_subscription(s.reseller_id, s.subscription_id) c
 WHERE s.reseller_id IN (42001, 42003) AND s.status <> 'cancelled';
-- a preview is per calendar month, like the close
SELECT * FROM preview_invoice(42001, '2012-03@15');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
