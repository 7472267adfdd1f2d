SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- invoice_tax: US sales tax on month-end invoice lines (issue 6 §3).  The
-- tax follows the reseller's state, is its own line per taxed line, exact
-- amount × rate rounded once (half up); the rate and any exemption
-- certificate are those valid on the last day of the month.  Credits pay
-- the sale, never its tax.  A prepaid year's tax goes on the prepaid
-- invoice.  Ids: 82001..; every moment is in March 2012.
--
INSERT INTO program (code, name, currency, time_zone) VALUES ('inv_tax', 'Invoice tax tests', 'USD', 'UTC')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'inv_tax_apps', 'Apps', 'apps') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:apps, 'annual_monthly', 'USD 120', '2012-01-01'),
    (:apps, 'annual_prepaid', 'USD 100', '2012-01-01');
-- New York 8.875% from 2012; nothing for Oregon
INSERT INTO us_sales_tax_rate (state, rate, valid_from) VALUES ('NY', 0.08875, '2012-01-01') RETURNING rate_id AS ny \gset
INSERT INTO reseller (reseller_id, program_id, name, country, region, billing_model) VALUES
    (82001, :prog, 'Taxed NY', 'US', 'NY', 'postpaid'),
    (82002, :prog, 'Exempt NY', 'US', 'NY', 'postpaid'),
    (82003, :prog, 'Expired NY', 'US', 'NY', 'postpaid'),
    (82004, :prog, 'Prepaid NY', 'US', 'NY', 'prepaid'),
    (82005, :prog, 'Oregon', 'US', 'OR', 'postpaid'),
    (82006, :prog, 'Toronto', 'CA', 'ON', 'postpaid');
-- 82002's certificate covers all of 2012; 82003's ended on March 1
INSERT INTO tax_exemption_certificate (reseller_id, state, certificate_number, valid_from, valid_to) VALUES
    (82002, 'NY', 'NY-EX-1', '2012-01-01', '2013-01-01'),
    (82003, 'NY', 'NY-EX-2', '2011-01-01', '2012-03-01');
INSERT INTO customer (reseller_id, customer_id, name)
SELECT r, r, 'Customer of ' || r FROM generate_series(82001, 82006) r;
-- every reseller: Annual, 3 seats at 120.00 = 360.00 a year from January 1,
-- 12 installments of 30.00; 82004 (prepaid) instead 2 seats prepaid from
-- March 5 = 200.00
SET reseller_billing.effective_at = '2012-01-01 00:00+00';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats)
SELECT r, r, r, :apps, 'annual_monthly', 3 FROM generate_series(82001, 82006) r WHERE r <> 82004;
SET reseller_billing.effective_at = '2012-03-05 00:00+00';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats)
VALUES (82004, 82004, 82004, :apps, 'annual_prepaid', 2);
RESET reseller_billing.effective_at;
-- 82001: a one-off charge of 19.99 and a goodwill credit of 10.00
SELECT add_charge(82001, 82001, 'Data migration', 'USD 19.99', '2012-03-10') IS NOT NULL AS charged;
SELECT grant_credit(82001, 'USD 10.00', 'goodwill', '{}') IS NOT NULL AS credited;

-- ===========================================================================
-- the preview already shows the tax:
--   installment 30.00 × 0.08875 = 2.6625   → 2.66
--   charge      19.99 × 0.08875 = 1.774112… → 1.77
-- ===========================================================================
SELECT line_no, kind, description, amount, invoice_kind FROM preview_invoice(82001, '2012-03');

-- ===========================================================================
-- the close
--   82001: subtotal 49.99, tax 4.43; the credit pays 10.00 of the
--          installment, not the tax: total 49.99 - 10.00 + 4.43 = 44.42
--   82002: exempt (certificate valid on March 31): 30.00, no tax line
--   82003: the certificate expired on March 1: 30.00 + 2.66 = 32.66
--   82004: prepaid invoice 200.00 + 200.00 × 0.08875 = 17.75 → 217.75
--   82005: Oregon has no rate: 30.00;  82006: outside the US: 30.00
-- ===========================================================================
SET client_min_messages = warning;
SELECT close_period('2012-03', :prog) AS invoices;
RESET client_min_messages;
SELECT i.reseller_id, i.kind, l.line_no, l.kind AS line_kind, l.description, l.amount, l.credit_applied
  FROM invoice_lines l JOIN invoice i USING (reseller_id, invoice_id)
 WHERE i.program_id = :prog ORDER BY i.invoice_number, l.line_no;
SELECT reseller_id, kind, subtotal, credits_applied, tax, total FROM invoices WHERE program_code = 'inv_tax'
 ORDER BY invoice_number;
-- each tax line is sales_tax() of the line it taxes
SELECT count(*) AS tax_lines,
       count(*) FILTER (WHERE t.amount = sales_tax(t.reseller_id, '2012-03-31', b.amount)) AS equal_to_sales_tax
  FROM invoice_line t
  JOIN invoice_line b ON b.reseller_id = t.reseller_id AND b.invoice_id = t.invoice_id
                     AND t.description LIKE '%on: ' || b.description
 WHERE t.kind IN ('sales_tax', 'prepaid_sales_tax') AND t.reseller_id BETWEEN 82001 AND 82006;

-- ===========================================================================
-- leave nothing for later files: the rate goes, the subscriptions cancel
-- ===========================================================================
DELETE FROM us_sales_tax_rate WHERE rate_id = :ny;
SELECT count(*) AS closed FROM (
    SELECT (cancel_subscription(reseller_id, subscription_id)).status
      FROM subscription WHERE reseller_id BETWEEN 82001 AND 82006 AND status <> 'cancelled') x;
