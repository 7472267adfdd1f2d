-- make demo, part 4: a Google reseller moves from prepaid to post-paid
-- billing in the middle of June 2012.
--
-- The reseller paid a year in advance for each order.  On 12 June it opts in
-- to monthly post-paid billing: its prepaid orders become Annual plans paid
-- monthly with the same renewal dates, an order in the old grace period
-- becomes a final free trial, and the unused part of every prepaid order is
-- credited, for Apps of online customers only.  The credit statement is
-- printed as CSV, then June's two invoices (a prepaid one for the order
-- placed before the migration, a post-paid one showing the credit) and
-- July's single invoice.
--
-- This file makes its own program, reseller and customers (ids captured with
-- \gset) and closes only its own program, so it does not depend on parts 1-3.
SET search_path = reseller_billing, public;
SET TimeZone = 'America/Los_Angeles';
SET DateStyle = 'ISO, YMD';
\pset footer off
\pset null ''
\set SHOW_CONTEXT never

\echo
\echo '== The program: Google Apps 2012, USD, 20% off list, days in Los Angeles; the credit pays for the "apps" family =='
INSERT INTO program (code, name, currency, reseller_discount, time_zone, settings)
VALUES ('google_apps_2012', 'Google Apps Reseller Program (2012 migration)', 'USD', 0.20, 'America/Los_Angeles',
        '{"main_family": "apps", "migration_blackout_days": 3}')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'apps_2012', 'Google Apps for Business', 'apps')
RETURNING sku_id AS apps \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'postini_2012', 'Postini Message Security', 'postini')
RETURNING sku_id AS postini \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_prepaid', 'USD 50.00', '2011-01-01'),
    (:apps, 'annual_monthly', 'USD 50.00', '2011-01-01'),
    (:apps, 'flexible', 'USD 60.00', '2011-01-01'),
    (:postini, 'annual_prepaid', 'USD 25.00', '2011-01-01'),
    (:postini, 'annual_monthly', 'USD 25.00', '2011-01-01');

\echo
\echo '== A prepaid reseller and its customers (one of them offline) =='
INSERT INTO reseller (program_id, name, billing_model, country, region)
VALUES (:prog, 'Sierra Cloud Partners', 'prepaid', 'US', 'CA') RETURNING reseller_id AS sierra \gset
INSERT INTO customer (reseller_id, name, primary_domain, kind) VALUES
    (:sierra, 'Tahoe Ski School', 'tahoeski.example', 'online'),
    (:sierra, 'Fresno Farms', 'fresnofarms.example', 'online'),
    (:sierra, 'Modesto Print', 'modestoprint.example', 'offline'),
    (:sierra, 'Yosemite Guides', 'yosemite.example', 'online'),
    (:sierra, 'Oakland Bakery', 'oaklandbakery.example', 'online');
SELECT customer_id AS tahoe    FROM customer WHERE reseller_id = :sierra AND name = 'Tahoe Ski School' \gset
SELECT customer_id AS fresno   FROM customer WHERE reseller_id = :sierra AND name = 'Fresno Farms' \gset
SELECT customer_id AS modesto  FROM customer WHERE reseller_id = :sierra AND name = 'Modesto Print' \gset
SELECT customer_id AS yosemite FROM customer WHERE reseller_id = :sierra AND name = 'Yosemite Guides' \gset
SELECT customer_id AS oakland  FROM customer WHERE reseller_id = :sierra AND name = 'Oakland Bakery' \gset

\echo
\echo '== Its prepaid orders, each a year paid in advance (USD 40.00 a seat for Apps, 20.00 for Postini) =='
SET reseller_billing.effective_at = '2012-05-20 09:00';
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats, term_start, renewal_setting) VALUES
    (:sierra, :tahoe, :apps, 'annual_prepaid', 20, '2012-01-01', 'auto_renew'),
    (:sierra, :tahoe, :postini, 'annual_prepaid', 20, '2012-02-01', 'auto_renew'),
    (:sierra, :fresno, :apps, 'annual_prepaid', 5, '2011-09-15', 'auto_renew'),
    (:sierra, :modesto, :apps, 'annual_prepaid', 4, '2012-03-01', 'auto_renew'),
    (:sierra, :oakland, :apps, 'annual_prepaid', 2, '2011-06-01', 'auto_renew');
RESET reseller_billing.effective_at;
-- Oakland Bakery's year ended on 1 June and was not renewed: the old 30-day grace period
SELECT suspend(:sierra, (SELECT subscription_id FROM subscription WHERE reseller_id = :sierra AND customer_id = :oakland),
               'year ended unrenewed', '2012-06-01 00:05') AS "Oakland Bakery";
\echo '== 4 June: Yosemite Guides orders 8 Apps seats for a year, still prepaid =='
SET reseller_billing.effective_at = '2012-06-04 11:00';
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats, renewal_setting)
VALUES (:sierra, :yosemite, :apps, 'annual_prepaid', 8, 'auto_renew');
RESET reseller_billing.effective_at;
SELECT s.subscription_id AS "Order", c.name AS "Customer", k.code AS "SKU", s.plan AS "Plan", s.status AS "Status",
       s.committed_seats AS "Seats", s.term_start AS "Term start", s.term_end AS "Renews on", s.partner_price AS "Price"
  FROM subscription s JOIN customer c USING (reseller_id, customer_id) JOIN sku k USING (sku_id)
 WHERE s.reseller_id = :sierra ORDER BY s.subscription_id;

\echo
\echo '== 29 June is in the month-end blackout (the last 3 days): the migration is refused =='
\set ON_ERROR_STOP 0
SELECT migrate_to_postpaid(:sierra, '2012-06-29 10:00');
\set ON_ERROR_STOP 1

\echo
\echo '== 12 June, 10:00 in Los Angeles: Sierra switches to monthly billing =='
SELECT migrated_at AS "Migrated at", customers_before || ' / ' || customers_after AS "Customers before / after",
       subscriptions_before || ' / ' || subscriptions_after AS "Subscriptions before / after",
       accounts_before || ' / ' || accounts_after AS "Active accounts before / after", orders_migrated AS "Orders migrated"
  FROM migrate_to_postpaid(:sierra, '2012-06-12 10:00');
SELECT s.subscription_id AS "Order", c.name AS "Customer", k.code AS "SKU", s.plan AS "Plan", s.status AS "Status",
       s.committed_seats AS "Seats", s.term_start AS "Term start", s.term_end AS "Renews on", s.trial_end AS "Trial ends",
       s.partner_price AS "Price"
  FROM subscription s JOIN customer c USING (reseller_id, customer_id) JOIN sku k USING (sku_id)
 WHERE s.reseller_id = :sierra ORDER BY s.subscription_id;

\echo
\echo '== No way back: a second migration, and a plain UPDATE to prepaid, are refused (55000) ...'
\set ON_ERROR_STOP 0
SELECT migrate_to_postpaid(:sierra, '2012-06-13 10:00');
UPDATE reseller SET billing_model = 'prepaid' WHERE reseller_id = :sierra;
\echo '== ... and so is a new prepaid order (55000): it orders Annual paid monthly instead =='
SET reseller_billing.effective_at = '2012-06-14 09:00';
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats)
VALUES (:sierra, :fresno, :postini, 'annual_prepaid', 5);
\set ON_ERROR_STOP 1
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats)
VALUES (:sierra, :fresno, :postini, 'annual_monthly', 5);
RESET reseller_billing.effective_at;

\echo
\echo '== The migration credit statement, as the reseller downloads it (COPY ... TO STDOUT WITH CSV HEADER) =='
\echo '   credited = paid x days left from 12 June / days in the term, rounded once per order'
\echo '   (the columns of migration_credit_csv(reseller), which gives the same lines as text)'
COPY (SELECT order_id, customer_id, customer_name, customer_kind, sku, term_start, term_end, currency,
             amount_paid, days_in_term, days_left, amount_credited, total_credited
        FROM migration_credit_statement WHERE reseller_id = :sierra ORDER BY order_id)
  TO STDOUT WITH CSV HEADER;

-- one invoice printed as the reseller reads it
PREPARE mig_header(bigint) AS
SELECT i.invoice_number AS "Invoice", i.kind AS "Kind", i.reseller_name AS "Bill to",
       to_char(i.period_start, 'FMMonth YYYY') AS "Service month", i.issued_on AS "Issued", i.due_on AS "Due",
       i.status AS "Status"
  FROM invoices i WHERE i.program_code = 'google_apps_2012' AND i.invoice_number = $1;
PREPARE mig_body(bigint) AS
SELECT "#", "Description", "Customer", "Service", "Amount", "Credit"
  FROM (SELECT 0 AS part, l.line_no AS n, l.line_no::text AS "#", l.description AS "Description",
               l.customer_name AS "Customer", l.service_start || ' to ' || (l.service_end - 1) AS "Service",
               l.amount AS "Amount", l.credit_applied AS "Credit"
          FROM invoice_lines l JOIN invoices i USING (reseller_id, invoice_id)
         WHERE i.program_code = 'google_apps_2012' AND i.invoice_number = $1
        UNION ALL
        SELECT 1, t.n, '', t.label, NULL, NULL, t.value, NULL
          FROM invoices i
         CROSS JOIN LATERAL (VALUES (1, 'Subtotal', i.subtotal),
                                    (2, 'Migration credit applied', -i.credits_applied),
                                    (3, 'Total', i.total)) AS t(n, label, value)
         WHERE i.program_code = 'google_apps_2012' AND i.invoice_number = $1) AS x
 ORDER BY part, n;

\echo
\echo '######## June 2012, the month of the migration: two invoices ########'
SET client_min_messages = warning;
SELECT close_period('2012-06', :prog) AS "Invoices written";
SELECT close_period('2012-06', :prog) AS "Closing June again writes";
RESET client_min_messages;
\echo '== The prepaid invoice: what was ordered before the migration (the credit never pays it) =='
EXECUTE mig_header(1);
EXECUTE mig_body(1);
\echo '== The post-paid invoice: 12 to 30 June of every migrated order; the credit pays Apps of online customers only =='
EXECUTE mig_header(2);
EXECUTE mig_body(2);

\echo
\echo '######## July 2012: one post-paid invoice ########'
SET client_min_messages = warning;
SELECT close_period('2012-07', :prog) AS "Invoices written";
RESET client_min_messages;
EXECUTE mig_header(3);
EXECUTE mig_body(3);

\echo
\echo '== What remains of the credit (it is never paid out as cash) =='
SELECT DISTINCT currency AS "Currency", total_credited AS "Credited", credit_remaining AS "Remaining"
  FROM migration_credit_statement WHERE reseller_id = :sierra;
\echo '== Oakland Bakery''s final trial was not converted: renew_due (run daily by run_due) suspends it when it ends =='
SELECT renew_due('2012-07-13 00:10') >= 1 AS "Applied";
SELECT c.name AS "Customer", s.plan AS "Plan", s.status AS "Status", s.trial_end AS "Trial ended"
  FROM subscription s JOIN customer c USING (reseller_id, customer_id)
 WHERE s.reseller_id = :sierra AND s.customer_id = :oakland;
