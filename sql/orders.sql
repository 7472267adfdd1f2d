SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
\i sql/include/error_of.sql
--
-- orders: order-based resale, GroupDocs / Aspose style (issue 6 §2, §3;
-- domain.md §7).  A reseller (bill-to) orders licences for an end customer
-- (ship-to) at its partner price; a new reseller prepays its first three
-- orders (no licence before payment, a temporary one on request); later
-- orders are licensed at once and due 30 days after they were placed; the
-- monthly statement lists what is unpaid and charges late interest; a
-- reseller with anything overdue prepays every new order until it has
-- caught up; US sales tax follows the reseller's state, one tax line per
-- order line; the customer sees its licences, never a price.
--
-- Ids: resellers 94001...; orders, licences, statements and interest
-- charges are numbered by their own sequences (this file is the only one
-- that writes them).  Every date is in 2024, in UTC.
--

-- ===========================================================================
-- the program: GroupDocs, USD, 10% off list for retail resellers, 30 days
-- to pay, bank transfer only, late interest 12% a year, three prepaid
-- orders for a new reseller, temporary licences up to 30 days.
--
-- List prices (annual_prepaid, per licence per year) and the retail partner
-- price (list × 0.90):
--   GD-WORDS-DEV    Words Developer          999.00 → 899.10
--   GD-CONV-DEV     Conversion Developer    1499.00 → 1349.10
--   GD-VIEWER-SOEM  Viewer Site OEM         4995.00 → 4495.50
-- Sales tax: California 7.25%, Texas 6.25%.
-- ===========================================================================
INSERT INTO program (code, name, currency, reseller_discount, time_zone, payment_terms_days, settings)
VALUES ('gd_orders', 'GroupDocs reseller program (tests)', 'USD', 0.10, 'UTC', 30,
        '{"payment_methods": ["bank_transfer"], "late_interest_rate": 0.12,
          "prepaid_first_orders": 3, "temporary_licence_max_days": 30}')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family, unit) VALUES
    (:prog, 'GD-WORDS-DEV', 'GroupDocs.Words Developer', 'words', 'licence'),
    (:prog, 'GD-CONV-DEV', 'GroupDocs.Conversion Developer', 'conversion', 'licence'),
    (:prog, 'GD-VIEWER-SOEM', 'GroupDocs.Viewer Site OEM', 'viewer', 'licence'),
    (:prog, 'GD-CLOUD', 'GroupDocs Cloud', 'cloud', 'seat');
INSERT INTO price (sku_id, plan, list_price, valid_from)
SELECT k.sku_id, 'annual_prepaid', p.list::amount, '2020-01-01'
  FROM sku k JOIN (VALUES ('GD-WORDS-DEV', 'USD 999.00'), ('GD-CONV-DEV', 'USD 1499.00'),
                          ('GD-VIEWER-SOEM', 'USD 4995.00'), ('GD-CLOUD', 'USD 120.00')) AS p(code, list)
    ON p.code = k.code
 WHERE k.program_id = :prog;
INSERT INTO us_sales_tax_rate (state, rate, valid_from) VALUES ('CA', 0.0725, '2020-01-01'), ('TX', 0.0625, '2020-01-01');
INSERT INTO reseller (reseller_id, program_id, name, business_type, country, region) VALUES
    (94001, :prog, 'Bay Docs LLC', 'retail', 'US', 'CA'),
    (94002, :prog, 'Systems Consulting Inc', 'consulting', 'US', 'TX'),
    (94003, :prog, 'Maple Docs Ltd', 'retail', 'CA', 'ON'),
    (94004, :prog, 'Stateless Docs', 'retail', 'US', NULL);
-- an existing customer of Bay Docs, from before it ordered licences
INSERT INTO customer (reseller_id, customer_id, name, primary_domain) VALUES (94001, 94001, 'Umbrella Inc', 'umbrella.example');

CREATE TEMP VIEW ord AS
SELECT o.order_id AS ord, o.placed_on, o.ship_to_name, o.status, o.requires_prepayment AS prepay, o.prepayment_reason AS why,
       o.due_on, o.subtotal, o.tax, o.total, o.paid, o.outstanding, o.paid_on, o.licensed_on
  FROM reseller_orders o WHERE o.reseller_id = 94001;
CREATE TEMP VIEW lines AS
SELECT l.order_id AS ord, l.line_no AS ln, l.kind, l.sku_code, l.quantity AS qty, l.unit_price, l.amount, l.tax_of_line AS of_ln,
       l.tax_rate, l.tax_reason, l.exemption_certificate AS certificate, l.licence_kind, l.licence_valid_from, l.licence_valid_until
  FROM reseller_order_lines l;
CREATE TEMP VIEW lic AS
SELECT l.licence_id AS lic, l.order_id AS ord, l.customer_name, l.sku_code, l.quantity AS qty, l.kind, l.valid_from, l.valid_until
  FROM customer_licences l WHERE l.reseller_id = 94001;

-- ===========================================================================
-- a new reseller's first three orders: prepaid
-- ===========================================================================
SELECT reseller_standing(94001, '2024-01-08') AS standing;

-- order 1, Acme: 1 × Words at 899.10; tax 899.10 × 0.0725 = 65.18475 → 65.18;
-- total 964.28
SELECT place_order(94001, '{"name": "Acme Corp", "email": "it@acme.example", "domain": "acme.example",
                            "address": "1 Market St", "city": "San Francisco", "region": "CA",
                            "postal_code": "94105", "country": "US"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-01-08') AS o1 \gset
-- order 2, Globex: 2 × Conversion = 2 × 1349.10 = 2698.20; tax 2698.20 × 0.0725
-- = 195.6195 → 195.62; total 2893.82
SELECT place_order(94001, '{"name": "Globex", "email": "licensing@globex.example", "domain": "globex.example"}',
                   '[{"sku": "GD-CONV-DEV", "quantity": 2}]', '2024-01-09') AS o2 \gset
-- order 3, Initech, two lines, each taxed and rounded on its own:
--   1 × Viewer Site OEM 4495.50; tax 4495.50 × 0.0725 = 325.92375 → 325.92
--   3 × Words 3 × 899.10 = 2697.30; tax 2697.30 × 0.0725 = 195.55425 → 195.55
--   subtotal 7192.80, tax 521.47, total 7714.27 (taxing the sum instead would
--   give 7192.80 × 0.0725 = 521.478 → 521.48: a cent more)
SELECT place_order(94001, '{"name": "Initech", "email": "ops@initech.example", "domain": "initech.example"}',
                   '[{"sku": "GD-VIEWER-SOEM", "quantity": 1}, {"sku": "GD-WORDS-DEV", "quantity": 3}]',
                   '2024-01-10') AS o3 \gset
SELECT * FROM ord ORDER BY ord;
SELECT * FROM lines WHERE ord IN (:o1, :o2, :o3) ORDER BY ord, ln;
-- no licence before payment (55000), nothing issued
SELECT issue_licence(:o1);
SELECT count(*) AS licences FROM licence WHERE reseller_id = 94001;
-- on request, a temporary licence: 14 days from January 8, [2024-01-08,
-- 2024-01-22); Acme's account is created from the ship-to data
SELECT issue_temporary_licence(:o1, 14, '2024-01-08') AS temporary_licences;
SELECT * FROM lic ORDER BY lic;
SELECT c.name, c.primary_domain, k.email, k.address, k.city, k.region, k.postal_code, k.country
  FROM customer c JOIN customer_contact k USING (reseller_id, customer_id)
 WHERE c.reseller_id = 94001 ORDER BY c.customer_id;

-- ===========================================================================
-- payments: bank transfer only; confirming payment issues the licence
-- ===========================================================================
-- a card is refused (22023), and so is a cheque in this program
SELECT record_order_payment(94001, 'USD 964.28', 'card', '2024-01-15', 'BD-001', :o1);
SELECT record_order_payment(94001, 'USD 964.28', 'cheque', '2024-01-15', 'BD-001', :o1);
-- order 1 paid on January 15: its licence [2024-01-15, 2025-01-15); the
-- temporary one ends that day
SELECT record_order_payment(94001, 'USD 964.28', 'bank_transfer', '2024-01-15', 'BD-001', :o1) AS pay1 \gset
-- the same payment again is the same payment; the reference with another
-- amount is refused (23505)
SELECT record_order_payment(94001, 'USD 964.28', 'bank_transfer', '2024-01-15', 'BD-001', :o1) = :pay1 AS same_payment;
SELECT record_order_payment(94001, 'USD 946.28', 'bank_transfer', '2024-01-15', 'BD-001', :o1);
-- naming an order already paid (55000)
SELECT record_order_payment(94001, 'USD 10.00', 'bank_transfer', '2024-01-15', 'BD-X', :o1);
-- order 2, paid without naming it: the oldest order waiting for payment
SELECT record_order_payment(94001, 'USD 2893.82', 'bank_transfer', '2024-01-16', 'BD-002') IS NOT NULL AS recorded;
-- order 3: 5000.00 on account, 7714.27 - 5000.00 = 2714.27 still to pay;
-- no licence yet (55000)
SELECT record_order_payment(94001, 'USD 5000.00', 'bank_transfer', '2024-01-17', 'BD-003') IS NOT NULL AS recorded;
SELECT issue_licence(:o3);
SELECT record_order_payment(94001, 'USD 2714.27', 'bank_transfer', '2024-01-19', 'BD-004') IS NOT NULL AS recorded;
SELECT * FROM ord ORDER BY ord;
SELECT * FROM lic ORDER BY lic;
-- every payment went to an order, nothing is left unapplied
SELECT p.reference, p.amount, p.received_on, string_agg(format('order %s: %s', a.order_id, a.amount), '; ' ORDER BY a.order_id) AS allocated,
       p.unapplied
  FROM payment p LEFT JOIN order_payment_allocation a USING (reseller_id, payment_id)
 WHERE p.reseller_id = 94001 GROUP BY p.reseller_id, p.payment_id ORDER BY p.reference;

-- ===========================================================================
-- the fourth order: no prepayment, licensed at once, due in 30 days; the
-- customer's account reused by e-mail (other case, no domain) and by domain
-- ===========================================================================
SELECT reseller_standing(94001, '2024-01-22') AS standing;
-- order 4, Acme again: 1 × Words, 964.28, due 2024-01-22 + 30 = 2024-02-21
SELECT place_order(94001, '{"name": "ACME Corporation", "email": "IT@Acme.Example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-01-22') AS o4 \gset
-- order 5, Globex Labs, by domain: 2 × Words = 1798.20; tax 1798.20 × 0.0725
-- = 130.3695 → 130.37; total 1928.57; due 2024-02-05 + 30 = 2024-03-06 (a
-- leap year: February has 29 days)
SELECT place_order(94001, '{"name": "Globex Labs", "email": "cto@globex.example", "domain": "GLOBEX.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 2}]', '2024-02-05') AS o5 \gset
SELECT * FROM ord WHERE ord IN (:o4, :o5) ORDER BY ord;
SELECT * FROM lic WHERE ord IN (:o4, :o5) ORDER BY lic;
-- four accounts: Acme, Globex and Initech from the orders, Umbrella from before
SELECT c.name, c.primary_domain, k.email,
       (SELECT string_agg(o.order_id::text, ',' ORDER BY o.order_id) FROM licence_order o
         WHERE o.reseller_id = c.reseller_id AND o.customer_id = c.customer_id) AS orders
  FROM customer c LEFT JOIN customer_contact k USING (reseller_id, customer_id)
 WHERE c.reseller_id = 94001 ORDER BY c.name;
-- order 4 is paid on time (February 15, before February 21): the payment
-- goes to what is due first, order 4 (due 02-21) before order 5 (due 03-06)
SELECT record_order_payment(94001, 'USD 964.28', 'bank_transfer', '2024-02-15', 'BD-005') IS NOT NULL AS recorded;

-- ===========================================================================
-- the statement of March 1: order 5 unpaid, not yet due; no interest (order
-- 4 was paid before it was due)
-- ===========================================================================
SELECT monthly_statement(94001, '2024-03') AS s_mar \gset
SELECT monthly_statement(94001, '2024-03') = :s_mar AS same_statement;
SELECT period::text, issued_on, interest_rate, orders_outstanding, interest_charged, interest_outstanding, total_due
  FROM order_statement WHERE reseller_id = 94001 ORDER BY period;
SELECT line_no, kind, order_id, description, due_on, days_overdue, amount, paid, outstanding
  FROM order_statement_lines WHERE statement_id = :s_mar ORDER BY line_no;

-- ===========================================================================
-- overdue: order 5 was due March 6; from March 7 the reseller must prepay
-- ===========================================================================
SELECT d AS on_date, reseller_standing(94001, d) AS standing
  FROM (VALUES ('2024-03-06'::date), ('2024-03-07')) AS x(d);
-- order 6, Hooli, March 10: 1 × Words, 964.28, needs payment first
SELECT place_order(94001, '{"name": "Hooli", "email": "gavin@hooli.example", "domain": "hooli.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-03-10') AS o6 \gset
SELECT * FROM ord WHERE ord = :o6;
SELECT issue_licence(:o6);
-- 1000.00 on March 20: to order 5 (what is owed on credit comes before an
-- order waiting for prepayment); 1928.57 - 1000.00 = 928.57 still owed
SELECT record_order_payment(94001, 'USD 1000.00', 'bank_transfer', '2024-03-20', 'BD-006') IS NOT NULL AS recorded;
SELECT reseller_standing(94001, '2024-03-21') AS standing;

-- ===========================================================================
-- the statement of April 1: order 5 overdue 26 days, with its interest.
-- Interest = balance × days × 12% / 365, summed over the days late
-- (payment date - due date), rounded once, half up:
--   March 6 to 19:  14 days × 1928.57 = 26999.98
--   March 20 to 31: 12 days ×  928.57 = 11142.84
--   balance-days 38142.82 × 0.12 / 365 = 4577.1384 / 365 = 12.5401… → 12.54
-- It is due like an order, 30 days after the statement: May 1.
-- Total due: 928.57 + 12.54 = 941.11.  Order 6 waits for prepayment and is
-- not on the statement.
-- ===========================================================================
SELECT monthly_statement(94001, '2024-04') AS s_apr \gset
SELECT period::text, issued_on, interest_rate, orders_outstanding, interest_charged, interest_outstanding, total_due
  FROM order_statement WHERE statement_id = :s_apr;
SELECT line_no, kind, order_id, description, due_on, days_overdue, amount, paid, outstanding
  FROM order_statement_lines WHERE statement_id = :s_apr ORDER BY line_no;
SELECT interest_id, order_id, accrued_from, accrued_to, days, balance_days, annual_rate, amount, due_on
  FROM late_interest WHERE reseller_id = 94001 ORDER BY interest_id;

-- ===========================================================================
-- catching up: 928.57 on April 5 pays order 5; the interest is not due
-- before May 1, so the standing returns to normal by itself
-- ===========================================================================
SELECT record_order_payment(94001, 'USD 928.57', 'bank_transfer', '2024-04-05', 'BD-007') IS NOT NULL AS recorded;
SELECT d AS on_date, reseller_standing(94001, d) AS standing
  FROM (VALUES ('2024-04-04'::date), ('2024-04-06')) AS x(d);
-- order 6 was placed while the reseller had to prepay: it still waits for
-- its payment.  A temporary licence: more than 30 days, or none, is
-- refused (22023); 30 days from April 6 is [2024-04-06, 2024-05-06); a
-- second one is refused (55000)
SELECT issue_temporary_licence(:o6, 31, '2024-04-06');
SELECT issue_temporary_licence(:o6, 0, '2024-04-06');
SELECT issue_temporary_licence(:o6, 30, '2024-04-06') AS temporary_licences;
SELECT issue_temporary_licence(:o6, 5, '2024-04-07');
-- paid April 8: the full licence [2024-04-08, 2025-04-08), the temporary one
-- ends that day
SELECT record_order_payment(94001, 'USD 964.28', 'bank_transfer', '2024-04-08', 'BD-008', :o6) IS NOT NULL AS recorded;
SELECT * FROM lic WHERE ord = :o6 ORDER BY lic;
-- a temporary licence for a licensed order (55000)
SELECT issue_temporary_licence(:o6, 5, '2024-04-09');
-- order 7, Initech again (by e-mail), normal again: 1 × Conversion 1349.10;
-- tax 1349.10 × 0.0725 = 97.80975 → 97.81; total 1446.91; due May 10
SELECT place_order(94001, '{"name": "Initech", "email": "ops@initech.example"}',
                   '[{"sku": "GD-CONV-DEV", "quantity": 1}]', '2024-04-10') AS o7 \gset
SELECT * FROM ord WHERE ord IN (:o6, :o7) ORDER BY ord;

-- ===========================================================================
-- the statement of May 1: the interest of April 1 to 4 on order 5, charged
-- on the next statement as its own line:
--   4 days × 928.57 = 3714.28; × 0.12 / 365 = 445.7136 / 365 = 1.2211… → 1.22
-- order 7 (not yet due), and April's interest, unpaid (due today, not late).
-- Total due: 1446.91 + 1.22 + 12.54 = 1460.67.
-- ===========================================================================
SELECT monthly_statement(94001, '2024-05') AS s_may \gset
SELECT period::text, issued_on, orders_outstanding, interest_charged, interest_outstanding, total_due
  FROM order_statement WHERE statement_id = :s_may;
SELECT line_no, kind, order_id, description, due_on, days_overdue, amount, paid, outstanding
  FROM order_statement_lines WHERE statement_id = :s_may ORDER BY line_no;
-- April's interest was due May 1: late on May 2, so prepayment again; its
-- 12.54 paid May 3 (what is due first) lifts it
SELECT reseller_standing(94001, '2024-05-02') AS standing;
SELECT record_order_payment(94001, 'USD 12.54', 'bank_transfer', '2024-05-03', 'BD-009') IS NOT NULL AS recorded;
SELECT reseller_standing(94001, '2024-05-04') AS standing;
SELECT interest_id, order_id, amount, due_on, paid, paid_on FROM late_interest WHERE reseller_id = 94001 ORDER BY interest_id;
-- an existing customer matched by domain: Umbrella gets its contact from
-- the ship-to data, no new account
SELECT place_order(94001, '{"name": "Umbrella", "email": "buyer@umbrella.example", "domain": "umbrella.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-05-06') AS o8 \gset
SELECT c.customer_id = 94001 AS existing_umbrella, k.email
  FROM licence_order o JOIN customer c USING (reseller_id, customer_id)
  JOIN customer_contact k USING (reseller_id, customer_id)
 WHERE o.reseller_id = 94001 AND o.order_id = :o8;
SELECT count(*) AS customers FROM customer WHERE reseller_id = 94001;

-- statements come month after month: April again is the same statement,
-- but a month before the last one written cannot be added (55000); nor a
-- month still to come (22023), nor a period anchored elsewhere than the 1st
SELECT monthly_statement(94001, '2024-04') = :s_apr AS same_statement;
SELECT monthly_statement(94001, '2024-02');
-- (the detail names the billing clock's day, shown as <today>)
SELECT pg_temp.error_of($$SELECT monthly_statement(94001, '2099-01')$$);
SELECT monthly_statement(94001, billing_period('2024-06-15', 15));

-- ===========================================================================
-- what the end customer sees: its licences, the order id and the SKU, never
-- a price or an amount
-- ===========================================================================
SELECT column_name, data_type FROM information_schema.columns
 WHERE table_schema = 'reseller_billing' AND table_name = 'customer_licences' ORDER BY ordinal_position;
SELECT count(*) AS money_columns FROM information_schema.columns
 WHERE table_schema = 'reseller_billing' AND table_name = 'customer_licences'
   AND (udt_name = 'amount' OR data_type = 'numeric' OR column_name ~ 'price|amount|total|tax|paid');
SELECT * FROM lic ORDER BY customer_name, lic;
-- what the reseller sees: prices, taxes and licences
SELECT * FROM lines WHERE ord = :o3 ORDER BY ln;

-- ===========================================================================
-- tax with a valid certificate and an expired one: Systems Consulting (TX,
-- 6.25%), a consulting firm, pays list (999.00); its certificate TX-EX-555
-- exempts [2024-01-01, 2024-02-01)
--   January 15: exempt, tax 0.00, total 999.00
--   February 15: expired, tax 999.00 × 0.0625 = 62.4375 → 62.44, total 1061.44
-- Maple Docs (Ontario, Canada): no US sales tax, no tax line.
-- ===========================================================================
INSERT INTO tax_exemption_certificate (reseller_id, state, certificate_number, valid_from, valid_to)
VALUES (94002, 'TX', 'TX-EX-555', '2024-01-01', '2024-02-01');
SELECT place_order(94002, '{"name": "Wayne Enterprises", "email": "it@wayne.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-01-15') AS c1 \gset
SELECT place_order(94002, '{"name": "Wayne Enterprises", "email": "it@wayne.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-02-15') AS c2 \gset
SELECT place_order(94003, '{"name": "Northern Lights Media", "email": "it@northernlights.example", "country": "CA"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-02-15') AS m1 \gset
SELECT l.ord, l.ln, l.kind, l.sku_code, l.qty, l.unit_price, l.amount, l.tax_rate, l.tax_reason, l.certificate
  FROM lines l WHERE l.ord IN (:c1, :c2, :m1) ORDER BY l.ord, l.ln;
SELECT o.reseller_id, o.order_id, o.subtotal, o.tax, o.total, o.requires_prepayment AS prepay
  FROM reseller_orders o WHERE o.order_id IN (:c1, :c2, :m1) ORDER BY o.order_id;

-- ===========================================================================
-- refused orders: each names the reseller, the line, the limit and the
-- value given; nothing is written
-- ===========================================================================
SELECT count(*) AS orders_before FROM licence_order \gset
-- 22023: an unknown SKU, a SKU sold per seat, quantities 0, 1.5, "2" and
-- 1001 (the limit is 1000), no line, a line with something else in it
SELECT place_order(94003, '{"name": "X", "email": "x@x.example"}', '[{"sku": "GD-NOPE", "quantity": 1}]', '2024-02-15');
SELECT place_order(94003, '{"name": "X", "email": "x@x.example"}', '[{"sku": "GD-CLOUD", "quantity": 1}]', '2024-02-15');
SELECT place_order(94003, '{"name": "X", "email": "x@x.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": 0}]', '2024-02-15');
SELECT place_order(94003, '{"name": "X", "email": "x@x.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1.5}]', '2024-02-15');
SELECT place_order(94003, '{"name": "X", "email": "x@x.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": "2"}]', '2024-02-15');
SELECT place_order(94003, '{"name": "X", "email": "x@x.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}, {"sku": "GD-WORDS-DEV", "quantity": 1001}]', '2024-02-15');
SELECT place_order(94003, '{"name": "X", "email": "x@x.example"}', '[]', '2024-02-15');
SELECT place_order(94003, '{"name": "X", "email": "x@x.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1, "price": 1}]', '2024-02-15');
-- 22023: the ship-to: no e-mail, not an e-mail, an unknown field, no name,
-- not a domain, not a country code
SELECT place_order(94003, '{"name": "X"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-02-15');
SELECT place_order(94003, '{"name": "X", "email": "x at x.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-02-15');
SELECT place_order(94003, '{"name": "X", "email": "x@x.example", "phone": "555"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-02-15');
SELECT place_order(94003, '{"name": " ", "email": "x@x.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-02-15');
SELECT place_order(94003, '{"name": "X", "email": "x@x.example", "domain": "localhost"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-02-15');
SELECT place_order(94003, '{"name": "X", "email": "x@x.example", "country": "Canada"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-02-15');
-- 22023: in the future; P0002: an unknown reseller, no price on that date
SELECT pg_temp.error_of($$SELECT place_order(94003, '{"name": "X", "email": "x@x.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2099-01-01')$$);
SELECT place_order(99999999, '{"name": "X", "email": "x@x.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-02-15');
SELECT place_order(94003, '{"name": "X", "email": "x@x.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2019-06-01');
-- 22023: a US reseller with no state on file (its sales tax is unknown)
SELECT place_order(94004, '{"name": "X", "email": "x@x.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-02-15');
SELECT count(*) - :orders_before AS orders_written FROM licence_order;

-- refused payments: nothing, another currency, received in the future
-- (22023); an unknown order (P0002)
SELECT record_order_payment(94003, 'USD 0.00', 'bank_transfer', '2024-02-16', 'MD-1');
SELECT record_order_payment(94003, 'EUR 899.10', 'bank_transfer', '2024-02-16', 'MD-1');
SELECT pg_temp.error_of($$SELECT record_order_payment(94003, 'USD 899.10', 'bank_transfer', '2099-01-01', 'MD-1')$$);
SELECT record_order_payment(94003, 'USD 899.10', 'bank_transfer', '2024-02-16', 'MD-1', 999999);
-- an overpayment stays unapplied on the payment: 900.00 - 899.10 = 0.90
SELECT record_order_payment(94003, 'USD 900.00', 'bank_transfer', '2024-02-16', 'MD-1') IS NOT NULL AS recorded;
SELECT p.amount, p.unapplied, o.paid, o.paid_on, o.licensed_on
  FROM payment p, licence_order o
 WHERE p.reseller_id = 94003 AND p.reference = 'MD-1' AND o.reseller_id = 94003 AND o.order_id = :m1;

-- orders and their lines are financial records (55000)
UPDATE licence_order SET total = 'USD 1.00' WHERE order_id = :o1;
UPDATE licence_order SET paid = total WHERE order_id = :o7;
DELETE FROM licence_order WHERE order_id = :o1;
UPDATE licence_order_line SET amount = 'USD 1.00' WHERE order_id = :o1 AND line_no = 1;
DELETE FROM licence_order_line WHERE order_id = :o1;
SET client_min_messages = warning;
TRUNCATE licence_order CASCADE;
RESET client_min_messages;
-- one full licence per line
INSERT INTO licence (reseller_id, order_id, line_no, customer_id, sku_id, quantity, kind, valid_from, valid_until)
SELECT reseller_id, order_id, line_no, customer_id, sku_id, quantity, kind, valid_from, valid_until
  FROM licence WHERE order_id = :o1 AND kind = 'full';

-- the invariants: every order's paid = its allocations, every payment's
-- unapplied = amount - its allocations, every order paid in full has its
-- licence (or needed none: on credit it had it at once)
SELECT count(*) FILTER (WHERE o.paid <> coalesce((SELECT sum(a.amount) FROM order_payment_allocation a
                                                   WHERE a.reseller_id = o.reseller_id AND a.order_id = o.order_id),
                                                  amount(0, o.currency))) AS orders_off,
       count(*) FILTER (WHERE o.paid_on IS NOT NULL AND o.licensed_on IS NULL) AS paid_unlicensed,
       count(*) FILTER (WHERE NOT o.requires_prepayment AND o.licensed_on IS DISTINCT FROM o.placed_on) AS credit_unlicensed
  FROM licence_order o;
SELECT count(*) AS payments_off
  FROM payment p
 WHERE p.reseller_id BETWEEN 94001 AND 94003
   AND value(p.unapplied) <> value(p.amount) - coalesce((SELECT sum(value(a.amount)) FROM order_payment_allocation a
                                                          WHERE a.reseller_id = p.reseller_id AND a.payment_id = p.payment_id), 0);

-- ===========================================================================
-- run_due writes the statements on the 1st, once.  run_due works on every
-- program of the database, so this part runs in a database of its own.
-- A reseller with no prepaid orders to make (prepaid_first_orders 0): one
-- order on January 10, 964.28, due February 9.
--   February 1: the order, not yet due.
--   March 1: overdue 21 days (March 1 - February 9); interest
--     21 × 964.28 = 20249.88; × 0.12 / 365 = 2429.9856 / 365 = 6.6575… → 6.66
--     total due 964.28 + 6.66 = 970.94.
-- ===========================================================================
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS rb_orders_run_due;
CREATE DATABASE rb_orders_run_due;
\c rb_orders_run_due
SET client_min_messages = warning;
CREATE EXTENSION reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
\set SHOW_CONTEXT never
INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone, payment_terms_days, settings)
VALUES (1, 'gd', 'GroupDocs', 'USD', 0.10, 'UTC', 30,
        '{"payment_methods": ["bank_transfer"], "late_interest_rate": 0.12, "prepaid_first_orders": 0}');
INSERT INTO sku (sku_id, program_id, code, name, family, unit) VALUES (1, 1, 'GD-WORDS-DEV', 'GroupDocs.Words Developer', 'words', 'licence');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (1, 'annual_prepaid', 'USD 999.00', '2020-01-01');
INSERT INTO us_sales_tax_rate (state, rate, valid_from) VALUES ('CA', 0.0725, '2020-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country, region) VALUES (1, 1, 'Bay Docs LLC', 'US', 'CA');
SELECT place_order(1, '{"name": "Acme Corp", "email": "it@acme.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-01-10') AS order_id;
CREATE TEMP VIEW written AS
SELECT (SELECT count(*) FROM order_statement) AS statements, (SELECT count(*) FROM order_statement_line) AS lines,
       (SELECT count(*) FROM late_interest) AS interest_charges;
-- January 31: nothing (the order was placed after January 1)
CALL run_due('2024-01-31 23:00+00');
SELECT * FROM written;
-- February 1, 00:15: February's statement; again at 06:00: nothing new
CALL run_due('2024-02-01 00:15+00');
CALL run_due('2024-02-01 06:00+00');
SELECT * FROM written;
-- March 1, twice, and March 20: March's statement once, with its interest
CALL run_due('2024-03-01 00:15+00');
CALL run_due('2024-03-01 00:15+00');
CALL run_due('2024-03-20 00:00+00');
SELECT * FROM written;
SELECT period, issued_on, line_no, kind, description, due_on, days_overdue, amount, outstanding
  FROM order_statement_lines ORDER BY period, line_no;
SELECT s.period::text, s.orders_outstanding, s.interest_charged, s.total_due FROM order_statement s ORDER BY s.period;
\c :regress_db
SET client_min_messages = warning;
DROP DATABASE rb_orders_run_due;
RESET client_min_messages;
