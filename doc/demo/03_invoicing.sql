-- make demo, part 3: three months of month-end post-paid invoicing.
--
-- Google Apps' post-paid program as the 2012 reseller documents describe it
-- (USD, 20% reseller discount, billing days in Los Angeles): a retail reseller
-- and a consulting firm, February to April 2012 — accounts added and removed,
-- seats added in mid-term, a trial converting to Flex, a change recorded after
-- its month was closed, a one-off charge, a credit, two payments — each month
-- closed by CALL run_due(at), the way pg_cron runs it every day, and the
-- invoices printed as a reseller reads them, then the receivables aging.
--
-- This file makes its own program, resellers and customers (ids captured with
-- \gset), so it does not depend on the ids of parts 1 and 2.  run_due closes
-- every program's ended months; part 2's programs have nothing to bill before
-- June 2012, so the closes below write this program's invoices only.  Every
-- moment is written out (Los Angeles time), so the output is the same
-- whatever day the demo runs.
SET search_path = reseller_billing, public;
SET TimeZone = 'America/Los_Angeles';
SET DateStyle = 'ISO, YMD';
\pset footer off
\pset null ''
\set SHOW_CONTEXT never

\echo
\echo '== The program: Google Apps, post-paid, USD, 20% off list for retail resellers, days in Los Angeles, 30 days to pay =='
INSERT INTO program (code, name, currency, reseller_discount, time_zone, trial_days, trial_seat_cap, payment_terms_days)
VALUES ('google_apps_postpaid', 'Google Apps Reseller Program (post-paid)', 'USD', 0.20, 'America/Los_Angeles', 30, 10, 30)
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family, unit)
VALUES (:prog, 'apps', 'Google Apps for Business', 'apps', 'seat')
RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from)
VALUES (:apps, 'annual_monthly', 'USD 50.00', '2012-01-01'),
       (:apps, 'flexible',       'USD 60.00', '2012-01-01');

\echo
\echo '== Two resellers: a retail reseller (partner prices 20% off list) and a consulting firm (list prices) =='
INSERT INTO reseller (program_id, name, business_type, country, region)
VALUES (:prog, 'Golden Gate Apps', 'retail', 'US', 'CA') RETURNING reseller_id AS gga \gset
INSERT INTO reseller (program_id, name, business_type, country, region)
VALUES (:prog, 'Sound Consulting Group', 'consulting', 'US', 'WA') RETURNING reseller_id AS scg \gset
SELECT r.name AS reseller, r.business_type, p.plan, p.list_price,
       partner_price(:apps, p.plan, r.reseller_id, '2012-02-01') AS partner_price_per_seat_per_year
  FROM reseller r CROSS JOIN price p
 WHERE r.reseller_id IN (:gga, :scg) AND p.sku_id = :apps
 ORDER BY r.reseller_id, p.plan;

INSERT INTO customer (reseller_id, name, primary_domain, kind)
VALUES (:gga, 'Harbor Law LLP', 'harborlaw.example', 'online'),
       (:gga, 'Acme Dental', 'acmedental.example', 'online'),
       (:gga, 'Pine Street Clinic', 'pinestreet.example', 'online'),
       (:gga, 'Mission Bike Works', 'missionbikes.example', 'online'),
       (:scg, 'Redwood Analytics', 'redwood.example', 'online'),
       (:scg, 'Cascade Outfitters', 'cascade.example', 'online');
SELECT customer_id AS harbor_c   FROM customer WHERE reseller_id = :gga AND name = 'Harbor Law LLP' \gset
SELECT customer_id AS acme_c     FROM customer WHERE reseller_id = :gga AND name = 'Acme Dental' \gset
SELECT customer_id AS pine_c     FROM customer WHERE reseller_id = :gga AND name = 'Pine Street Clinic' \gset
SELECT customer_id AS mission_c  FROM customer WHERE reseller_id = :gga AND name = 'Mission Bike Works' \gset
SELECT customer_id AS redwood_c  FROM customer WHERE reseller_id = :scg AND name = 'Redwood Analytics' \gset
SELECT customer_id AS cascade_c  FROM customer WHERE reseller_id = :scg AND name = 'Cascade Outfitters' \gset

-- =========================================================================
\echo
\echo '######## February 2012 (29 days: a leap year) ########'
\echo
\echo '== 1 February: Harbor Law commits to 10 Annual seats (USD 40.00 a seat a year: USD 400.00, 12 installments) =='
\echo '   Plain INSERTs take effect "now"; reseller_billing.effective_at dates them back to when they happened.'
SET reseller_billing.effective_at = '2012-02-01 09:00';
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats)
VALUES (:gga, :harbor_c, :apps, 'annual_monthly', 10)
RETURNING subscription_id AS harbor \gset
\echo '== ... and Acme Dental (Golden Gate) and Redwood Analytics (Sound Consulting) start on Flex =='
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, seat_cap)
VALUES (:gga, :acme_c, :apps, 'flexible', 5)
RETURNING subscription_id AS acme \gset
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, seat_cap)
VALUES (:scg, :redwood_c, :apps, 'flexible', 10)
RETURNING subscription_id AS redwood \gset
RESET reseller_billing.effective_at;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT :gga, :harbor, format('lawyer%s@harborlaw.example', n), '2012-02-01 09:30' FROM generate_series(1, 8) n;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (:gga, :acme, 'ana@acmedental.example', '2012-02-01 09:30'),
       (:gga, :acme, 'ben@acmedental.example', '2012-02-01 09:30');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT :scg, :redwood, u || '@redwood.example', '2012-02-01 10:00' FROM unnest(ARRAY['ava', 'bo', 'cy', 'di']) u;

\echo
\echo '== 15 February: Cascade Outfitters commits to 3 Annual seats at list (USD 50.00: USD 150.00 a year); Acme adds an account =='
SET reseller_billing.effective_at = '2012-02-15 11:00';
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats)
VALUES (:scg, :cascade_c, :apps, 'annual_monthly', 3)
RETURNING subscription_id AS cascade \gset
RESET reseller_billing.effective_at;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (:gga, :acme, 'carla@acmedental.example', '2012-02-15 10:00');

\echo
\echo '== 20 February: Pine Street Clinic starts a free 30-day trial =='
SET reseller_billing.effective_at = '2012-02-20 10:00';
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan)
VALUES (:gga, :pine_c, :apps, 'trial')
RETURNING subscription_id AS pine \gset
RESET reseller_billing.effective_at;
SELECT c.name AS customer, s.plan, s.committed_seats, s.seat_cap, s.term_start, s.term_end, s.trial_end, s.partner_price
  FROM subscription s JOIN customer c USING (reseller_id, customer_id)
 WHERE s.reseller_id IN (:gga, :scg) ORDER BY s.subscription_id;

\echo
\echo '== The commitment tranches the close bills from: seats x price x days / days of the term, rounded once =='
SELECT c.name AS customer, t.seats, t.price, t.starts_on, t.ends_on, t.total
  FROM commitment_tranche t JOIN subscription s USING (reseller_id, subscription_id)
  JOIN customer c ON (c.reseller_id, c.customer_id) = (s.reseller_id, s.customer_id)
 WHERE t.reseller_id IN (:gga, :scg) ORDER BY t.tranche_id;

\echo
\echo '== 1 March, five past midnight: run_due (what pg_cron calls daily) closes February =='
\echo '   It returns the renewals applied and the invoices written; a NOTICE reports each step of each close.'
CALL run_due('2012-03-01 00:05');

\echo
\echo '== Invoices are read through the BI views; two statements print one invoice (header, then lines and totals) =='
\echo '   Quantity: seats (Annual) or account-days (Flex); unit price: per seat per year (for a charge, the charge).'
PREPARE invoice_header(bigint) AS
SELECT i.invoice_number AS "Invoice", i.reseller_name AS "Bill to", to_char(i.period_start, 'FMMonth YYYY') AS "Service month",
       i.issued_on AS "Issued", i.due_on AS "Due", i.status AS "Status", i.currency AS "Currency"
  FROM invoices i
 WHERE i.program_code = 'google_apps_postpaid' AND i.invoice_number = $1;
PREPARE invoice_body(bigint) AS
SELECT "#", "Description", "Customer", "Qty", "Unit price", "Service", "Amount"
  FROM (SELECT 0 AS part, l.line_no AS n, l.line_no::text AS "#", l.description AS "Description",
               l.customer_name AS "Customer", l.quantity AS "Qty", l.unit_price AS "Unit price",
               l.service_start || ' to ' || (l.service_end - 1) AS "Service", l.amount AS "Amount"
          FROM invoice_lines l JOIN invoices i USING (reseller_id, invoice_id)
         WHERE i.program_code = 'google_apps_postpaid' AND i.invoice_number = $1
        UNION ALL
        SELECT 1, t.n, '', t.label, NULL, NULL, NULL, NULL, t.value
          FROM invoices i
         CROSS JOIN LATERAL (VALUES (1, 'Subtotal', i.subtotal),
                                    (2, 'Credits applied', -i.credits_applied),
                                    (3, 'Tax', i.tax),
                                    (4, 'Total', i.total),
                                    (5, 'Paid', -i.paid),
                                    (6, 'Credit notes', -i.credited),
                                    (7, 'Balance due', i.balance)) AS t(n, label, value)
         WHERE i.program_code = 'google_apps_postpaid' AND i.invoice_number = $1) AS x
 ORDER BY part, n;
EXECUTE invoice_header(1);
EXECUTE invoice_body(1);
EXECUTE invoice_header(2);
EXECUTE invoice_body(2);

-- =========================================================================
\echo
\echo '######## March 2012 ########'
\echo
\echo '== 5 March: Acme Dental reports an account that was created on 27 February and never recorded =='
\echo '   February is closed and its invoice is final: the difference is billed as an adjustment on the next invoice.'
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (:gga, :acme, 'dev@acmedental.example', '2012-02-27 09:00');
SELECT service_period::text AS stale_month FROM late_change WHERE reseller_id = :gga AND subscription_id = :acme;

\echo
\echo '== 6 March: the vendor grants Golden Gate a USD 20.00 service credit, for online customers'' Apps lines only =='
SELECT grant_credit(:gga, 'USD 20.00', 'service credit: mail outage of 2012-03-06',
                    '{"customer_kind": ["online"], "sku_family": ["apps"]}') AS credit_id;
SELECT amount, remaining, reason, eligibility FROM credit WHERE reseller_id = :gga;

\echo
\echo '== 10 March: Acme removes an account (active_until is set; the row stays, for billing) =='
UPDATE seat SET active_until = '2012-03-10 17:00'
 WHERE reseller_id = :gga AND subscription_id = :acme AND user_name = 'ben@acmedental.example' AND active_until IS NULL;

\echo
\echo '== 12 March: Harbor Law adds 5 seats, to the end of its term (recorded later, dated when it happened) =='
SELECT add_seats(:gga, :harbor, 5, '2012-03-12 11:00') AS committed_seats;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT :gga, :harbor, format('lawyer%s@harborlaw.example', n), '2012-03-12 13:00' FROM generate_series(9, 13) n;

\echo
\echo '== 12 March: Pine Street Clinic converts its trial to Flex (cap 5), paid from the conversion; three accounts =='
SELECT plan, status, seat_cap, term_start, partner_price
  FROM change_plan(:gga, :pine, 'flexible', 5, '2012-03-12 14:00');
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT :gga, :pine, u || '@pinestreet.example', '2012-03-12 14:30' FROM unnest(ARRAY['doctor', 'nurse', 'desk']) u;

\echo
\echo '== Redwood: an account leaves on 15 March, a new one arrives on 20 March =='
UPDATE seat SET active_until = '2012-03-15 17:00'
 WHERE reseller_id = :scg AND subscription_id = :redwood AND user_name = 'bo@redwood.example' AND active_until IS NULL;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
VALUES (:scg, :redwood, 'ed@redwood.example', '2012-03-20 09:00');

\echo
\echo '== 20 March: Sound Consulting is charged for an on-site migration workshop (a one-off charge) =='
SELECT add_charge(:scg, :cascade_c, 'On-site migration workshop', 'USD 250.00', '2012-03-20') AS charge_id;

\echo
\echo '== 28 March: Golden Gate pays its February invoice by bank transfer; the bank file is imported twice =='
SELECT record_payment(:gga, 'USD 43.41', 'bank_transfer', '2012-03-28', 'WIRE-20120328-7731') AS payment_id;
SELECT record_payment(:gga, 'USD 43.41', 'bank_transfer', '2012-03-28', 'WIRE-20120328-7731') AS same_payment_id;
SELECT amount, method, received_on, reference, unapplied FROM payment WHERE reseller_id = :gga;

\echo
\echo '== 1 April: run_due closes March =='
CALL run_due('2012-04-01 00:05');
EXECUTE invoice_header(3);
EXECUTE invoice_body(3);
EXECUTE invoice_header(4);
EXECUTE invoice_body(4);
\echo '   the credit is used up, oldest first, on eligible lines, never below zero:'
SELECT amount, remaining, reason FROM credit WHERE reseller_id = :gga;

-- =========================================================================
\echo
\echo '######## April 2012 ########'
\echo
\echo '== 1 April: Mission Bike Works starts on Flex; its one account is used from 1 to 15 April =='
SET reseller_billing.effective_at = '2012-04-01 08:00';
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, seat_cap)
VALUES (:gga, :mission_c, :apps, 'flexible', 3)
RETURNING subscription_id AS mission \gset
RESET reseller_billing.effective_at;
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from, active_until)
VALUES (:gga, :mission, 'owner@missionbikes.example', '2012-04-01 08:30', '2012-04-15 18:00');

\echo
\echo '== 10 April: Sound Consulting sends a cheque of USD 350.00: the oldest invoices first, the rest stays unapplied =='
SELECT record_payment(:scg, 'USD 350.00', 'cheque', '2012-04-10', 'CHQ-004417') AS payment_id;
SELECT i.invoice_number, a.amount AS allocated
  FROM payment_allocation a JOIN payment p USING (reseller_id, payment_id)
  JOIN invoice i ON (i.reseller_id, i.invoice_id) = (a.reseller_id, a.invoice_id)
 WHERE p.reseller_id = :scg AND p.reference = 'CHQ-004417' ORDER BY i.invoice_number;
SELECT amount, method, received_on, reference, unapplied FROM payment WHERE reseller_id = :scg;

\echo
\echo '== 20 April: Acme removes another account =='
UPDATE seat SET active_until = '2012-04-20 12:00'
 WHERE reseller_id = :gga AND subscription_id = :acme AND user_name = 'carla@acmedental.example' AND active_until IS NULL;

\echo
\echo '== Before the month ends, preview_invoice shows what the close will write (nothing is written) =='
SELECT line_no, kind, description, quantity, unit_price, amount
  FROM preview_invoice(:gga, '2012-04');

\echo
\echo '== 1 May: run_due closes April; Sound Consulting''s unapplied money settles its new invoice at once =='
CALL run_due('2012-05-01 00:05');
EXECUTE invoice_header(5);
EXECUTE invoice_body(5);
EXECUTE invoice_header(6);
EXECUTE invoice_body(6);

\echo
\echo '== Run again (a second cron run, or a restarted server): nothing is due, nothing is written twice =='
CALL run_due('2012-05-01 06:00');
SELECT period, resellers_total, resellers_done, invoices_written, finished, percent_done
  FROM close_status WHERE program_code = 'google_apps_postpaid' ORDER BY period;

-- =========================================================================
\echo
\echo '######## What the reseller owes ########'
\echo
\echo '== All invoices of the program: numbered without gaps, issued the day after the month, due 30 days later =='
SELECT invoice_number, reseller_name, period, issued_on, due_on, status, subtotal, credits_applied, total, paid, balance
  FROM invoices WHERE program_code = 'google_apps_postpaid' ORDER BY invoice_number;

\echo
\echo '== Receivables aging on 15 May 2012: what is owed, by days past due =='
SELECT reseller_name, currency, current, days_1_30, days_31_60, days_61_90, over_90, total
  FROM receivables_aging_at('2012-05-15') WHERE reseller_id IN (:gga, :scg);

\echo
\echo '== Reseller balances: invoiced, paid, outstanding, money not yet applied, credit left =='
SELECT reseller_name, currency, invoiced, paid, credited, outstanding, unapplied_payments, credit_remaining
  FROM reseller_balances WHERE reseller_id IN (:gga, :scg) ORDER BY reseller_id;

\echo
\echo '== An issued invoice is final: an UPDATE is refused (corrections are credit notes or adjustments) =='
\set ON_ERROR_STOP 0
UPDATE invoice SET total = 'USD 0.00'
 WHERE program_id = :prog AND invoice_number = 3;
\echo '   -> SQLSTATE' :LAST_ERROR_SQLSTATE
\set ON_ERROR_STOP 1

DEALLOCATE invoice_header;
DEALLOCATE invoice_body;
