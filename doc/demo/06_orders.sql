-- make demo, part 6: order-based resale, GroupDocs / Aspose style, with US
-- sales tax (issue 6 §2, §3; doc/orders.md, doc/tax.md).
--
-- A GroupDocs-like program (USD, 10% off list for retail resellers, 30
-- days to pay, bank transfer only, late interest 12% a year): a new
-- California reseller prepays its first three orders (a temporary licence
-- meanwhile), then orders on credit; one order is paid late, so its interest
-- appears on the next monthly statement and the reseller must prepay until
-- it has caught up.  Every line carries its own California sales tax
-- (7.25%), rounded once.  At the end: what the reseller sees, and what the
-- end customer sees (licences, never a price).
--
-- This file makes its own program, reseller and rates; every date is in
-- 2024 and written out, so the output is the same whatever day the demo
-- runs.  Statements are written by monthly_statement here; run_due writes
-- them on the 1st in production (it would also close the other demo
-- programs' months up to 2024, which is not the point here).
SET search_path = reseller_billing, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\pset footer off
\pset null ''
\set SHOW_CONTEXT never

-- a refusal shown without stopping the demo: its SQLSTATE and message
CREATE FUNCTION pg_temp.refused(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE p_sql;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN format('%s: %s', SQLSTATE, SQLERRM);
END $$;

\echo
\echo '== The program: GroupDocs resale, USD, 10% off for retail resellers, bank transfer only, 12% a year late interest =='
INSERT INTO program (code, name, currency, reseller_discount, time_zone, payment_terms_days, settings)
VALUES ('groupdocs_demo', 'GroupDocs reseller program', 'USD', 0.10, 'UTC', 30,
        '{"payment_methods": ["bank_transfer"], "late_interest_rate": 0.12,
          "prepaid_first_orders": 3, "temporary_licence_max_days": 30}')
RETURNING program_id AS gdp \gset
INSERT INTO sku (program_id, code, name, family, unit) VALUES
    (:gdp, 'GD-WORDS-DEV', 'GroupDocs.Words Developer', 'words', 'licence'),
    (:gdp, 'GD-CONV-DEV', 'GroupDocs.Conversion Developer', 'conversion', 'licence'),
    (:gdp, 'GD-VIEWER-SOEM', 'GroupDocs.Viewer Site OEM', 'viewer', 'licence');
INSERT INTO price (sku_id, plan, list_price, valid_from)
SELECT k.sku_id, 'annual_prepaid', p.list::amount, '2020-01-01'
  FROM sku k JOIN (VALUES ('GD-WORDS-DEV', 'USD 999.00'), ('GD-CONV-DEV', 'USD 1499.00'),
                          ('GD-VIEWER-SOEM', 'USD 4995.00')) AS p(code, list) ON p.code = k.code
 WHERE k.program_id = :gdp;
\echo '== US sales tax by the reseller''s state: California 7.25%, Texas 6.25% =='
INSERT INTO us_sales_tax_rate (state, rate, valid_from, note)
VALUES ('CA', 0.0725, '2020-01-01', 'demo'), ('TX', 0.0625, '2020-01-01', 'demo');
INSERT INTO reseller (program_id, name, business_type, country, region)
VALUES (:gdp, 'Bay Docs LLC', 'retail', 'US', 'CA') RETURNING reseller_id AS bay \gset
INSERT INTO reseller (program_id, name, business_type, country, region)
VALUES (:gdp, 'Lone Star Consulting', 'consulting', 'US', 'TX') RETURNING reseller_id AS lone \gset
SELECT r.name AS reseller, r.business_type, k.code AS sku, p.list_price,
       partner_price(k.sku_id, 'annual_prepaid', r.reseller_id, '2024-01-08') AS price_to_reseller
  FROM reseller r CROSS JOIN sku k JOIN price p USING (sku_id)
 WHERE r.reseller_id IN (:bay, :lone) AND k.program_id = :gdp
 ORDER BY r.reseller_id, k.sku_id;

\echo
\echo '######## January 2024: a new reseller prepays its first three orders ########'
SELECT reseller_standing(:bay, '2024-01-08') AS standing;
\echo '== 8 January: Acme, 1 x Words (899.10 + tax 65.18 = 964.28) =='
SELECT place_order(:bay, '{"name": "Acme Corp", "email": "it@acme.example", "domain": "acme.example",
                           "address": "1 Market St", "city": "San Francisco", "region": "CA",
                           "postal_code": "94105", "country": "US"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-01-08') AS o1 \gset
\echo '== 10 January: Initech, a Viewer Site OEM and 3 x Words; each line taxed and rounded on its own =='
SELECT place_order(:bay, '{"name": "Initech", "email": "ops@initech.example", "domain": "initech.example"}',
                   '[{"sku": "GD-VIEWER-SOEM", "quantity": 1}, {"sku": "GD-WORDS-DEV", "quantity": 3}]',
                   '2024-01-10') AS o2 \gset
SELECT order_id, line_no, kind, sku_code, quantity, unit_price, amount, currency, description
  FROM reseller_order_lines WHERE order_id IN (:o1, :o2) ORDER BY order_id, line_no;
\echo '== No licence before payment; a card is refused: bank transfer only =='
SELECT pg_temp.refused(format('SELECT reseller_billing.issue_licence(%s)', :o1)) AS issue_licence;
SELECT pg_temp.refused(format($$SELECT reseller_billing.record_order_payment(%s, 'USD 964.28', 'card', '2024-01-09', 'BAY-CARD')$$, :bay)) AS card_payment;
\echo '== Acme asks for a temporary licence: 14 days =='
SELECT issue_temporary_licence(:o1, 14, '2024-01-09') AS temporary_licences;
\echo '== 15 and 16 January: bank transfers arrive; each confirmed payment issues the licence =='
SELECT record_order_payment(:bay, 'USD 964.28', 'bank_transfer', '2024-01-15', 'BAY-001', :o1) IS NOT NULL AS recorded;
SELECT record_order_payment(:bay, 'USD 7714.27', 'bank_transfer', '2024-01-16', 'BAY-002', :o2) IS NOT NULL AS recorded;
\echo '== 17 January: Hooli, 2 x Conversion (2698.20 + tax 195.62), paid 18 January =='
SELECT place_order(:bay, '{"name": "Hooli", "email": "gavin@hooli.example", "domain": "hooli.example"}',
                   '[{"sku": "GD-CONV-DEV", "quantity": 2}]', '2024-01-17') AS o3 \gset
SELECT record_order_payment(:bay, 'USD 2893.82', 'bank_transfer', '2024-01-18', 'BAY-003') IS NOT NULL AS recorded;
SELECT order_id, placed_on, ship_to_name, status, requires_prepayment, prepayment_reason, subtotal, tax, total, paid, paid_on, licensed_on
  FROM reseller_orders WHERE reseller_id = :bay ORDER BY order_id;

\echo
\echo '######## February 2024: three orders paid, the reseller orders on credit ########'
SELECT reseller_standing(:bay, '2024-02-05') AS standing;
\echo '== 5 February: Acme again (matched by e-mail), 2 x Words: 1798.20 + tax 130.37 = 1928.57, licensed at once, due 6 March =='
SELECT place_order(:bay, '{"name": "ACME Corporation", "email": "IT@acme.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 2}]', '2024-02-05') AS o4 \gset
SELECT order_id, ship_to_name, customer_id, status, due_on, total, licensed_on FROM reseller_orders WHERE order_id = :o4;

\echo
\echo '######## 1 March: the monthly statement ########'
SELECT monthly_statement(:bay, '2024-03') AS s_mar \gset
SELECT line_no, kind, order_id, description, due_on, days_overdue, amount, paid, outstanding, currency
  FROM order_statement_lines WHERE statement_id = :s_mar ORDER BY line_no;

\echo
\echo '######## March: the order is not paid by 6 March ########'
SELECT d AS on_date, reseller_standing(:bay, d) AS standing FROM (VALUES ('2024-03-06'::date), ('2024-03-07')) x(d);
\echo '== 10 March: a new order while late must be paid first =='
SELECT place_order(:bay, '{"name": "Globex", "email": "licensing@globex.example", "domain": "globex.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-03-10') AS o5 \gset
SELECT order_id, ship_to_name, status, requires_prepayment, prepayment_reason, total FROM reseller_orders WHERE order_id = :o5;
\echo '== 20 March: 1000.00 on account (to the overdue order first) =='
SELECT record_order_payment(:bay, 'USD 1000.00', 'bank_transfer', '2024-03-20', 'BAY-004') IS NOT NULL AS recorded;

\echo
\echo '######## 1 April: the statement charges the interest of March ########'
\echo '   14 days x 1928.57 + 12 days x 928.57 = 38142.82 balance-days; x 12% / 365 = 12.5401... -> 12.54'
SELECT monthly_statement(:bay, '2024-04') AS s_apr \gset
SELECT line_no, kind, order_id, description, due_on, days_overdue, amount, paid, outstanding, currency
  FROM order_statement_lines WHERE statement_id = :s_apr ORDER BY line_no;
SELECT period::text, issued_on, orders_outstanding, interest_charged, interest_outstanding, total_due
  FROM order_statement WHERE reseller_id = :bay ORDER BY period;

\echo
\echo '== 5 April: the reseller catches up; its standing returns to normal by itself =='
SELECT record_order_payment(:bay, 'USD 941.11', 'bank_transfer', '2024-04-05', 'BAY-005') IS NOT NULL AS recorded;
SELECT reseller_standing(:bay, '2024-04-06') AS standing;
\echo '== ... and pays the order it had to prepay: its licence follows =='
SELECT record_order_payment(:bay, 'USD 964.28', 'bank_transfer', '2024-04-08', 'BAY-006', :o5) IS NOT NULL AS recorded;
SELECT p.reference, p.received_on, p.amount, p.unapplied,
       string_agg(coalesce('order ' || a.order_id, 'interest ' || a.interest_id) || ': ' || a.amount, ', ' ORDER BY a.allocation_id) AS settled
  FROM payment p JOIN order_payment_allocation a USING (reseller_id, payment_id)
 WHERE p.reseller_id = :bay GROUP BY p.reseller_id, p.payment_id ORDER BY p.received_on;

\echo
\echo '######## Tax exemption: a valid certificate exempts, an expired one does not ########'
INSERT INTO tax_exemption_certificate (reseller_id, state, certificate_number, valid_from, valid_to)
VALUES (:lone, 'TX', 'TX-RESALE-0042', '2024-01-01', '2024-03-01');
SELECT d AS on_date, t.* , sales_tax(:lone, d, 'USD 999.00') AS tax_on_999
  FROM (VALUES ('2024-02-15'::date), ('2024-03-15')) x(d) CROSS JOIN LATERAL sales_tax_rate(:lone, d) t;

\echo
\echo '######## What the reseller sees: its orders with prices, taxes and licences ########'
SELECT order_id, line_no, kind, sku_code, quantity, unit_price, amount, tax_rate, licence_kind, licence_valid_from, licence_valid_until
  FROM reseller_order_lines WHERE reseller_id = :bay ORDER BY order_id, line_no;

\echo
\echo '######## What the end customer sees: its licences, the order and the SKU, never a price ########'
SELECT customer_name, order_id, sku_code, sku_name, quantity, kind, valid_from, valid_until
  FROM customer_licences WHERE reseller_id = :bay ORDER BY customer_name, licence_id;
