SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
\i sql/include/error_of.sql
--
-- local_tax: county, city and special-district sales tax by jurisdiction
-- (issue 15 §5).  The vendor loads every jurisdiction's dated rate from one
-- CSV with COPY; the reseller's address (state, county, city) decides
-- which apply on the invoice date; one tax line per taxed line, the line
-- scaled by the combined rate and rounded once, its description naming the
-- jurisdictions.  An address with the state's rate alone is taxed as before.
-- Figures: Google's Annual plan, USD 50.00 list less 20% = 40.00 a seat a
-- year; 25 seats = 1000.00, installments of 83.34 (January to April) and
-- 83.33.  Chicago's combined rate in 2025: Illinois 6.25% + Cook County
-- 1.75% + Chicago 1.25% + the Regional Transportation Authority 1.00% =
-- 10.25%.  Ids: 15501...
--

-- ===========================================================================
-- the rates, loaded from a CSV (columns: state, county, city, kind,
-- district, rate, valid_from, valid_to; an empty valid_to: until further
-- notice).  Alaska has no state rate; Juneau has its own.  Chicago's city
-- rate is 1.25% until 2025-07-01 (a made-up change, to test the dates).
-- ===========================================================================
SELECT count(*) AS local_rates_before FROM us_local_sales_tax_rate;
COPY us_sales_tax_rates (state, county, city, kind, district, rate, valid_from, valid_to) FROM STDIN (FORMAT csv, HEADER);
state,county,city,kind,district,rate,valid_from,valid_to
IL,,,state,,0.0625,2020-01-01,
IL,Cook County,,county,,0.0175,2020-01-01,
IL,Cook County,Chicago,city,,0.0125,2020-01-01,2025-07-01
IL,Cook County,Chicago,city,,0.015,2025-07-01,
IL,Cook County,,special,Regional Transportation Authority,0.01,2020-01-01,
AK,,Juneau,city,,0.05,2020-01-01,
\.
SELECT state, county, city, kind, district, rate, valid_from, valid_to
  FROM us_sales_tax_rates WHERE state IN ('IL', 'AK') ORDER BY state, kind, county, city, valid_from;

-- ===========================================================================
-- what a load refuses: each error names the jurisdiction (and the periods
-- for an overlap); a bad row stops the COPY and nothing of it is loaded
-- ===========================================================================
-- the same jurisdiction twice over the same days (names compared without case)
SELECT pg_temp.error_of($$INSERT INTO us_sales_tax_rates (state, county, city, kind, rate, valid_from)
                          VALUES ('IL', 'COOK COUNTY', '', 'county', 0.02, '2024-01-01')$$) AS county_overlap;
SELECT pg_temp.error_of($$INSERT INTO us_sales_tax_rates (state, county, city, kind, rate, valid_from, valid_to)
                          VALUES ('IL', 'Cook County', 'Chicago', 'city', 0.013, '2025-06-01', '2025-08-01')$$) AS city_overlap;
SELECT pg_temp.error_of($$INSERT INTO us_sales_tax_rates (state, kind, rate, valid_from)
                          VALUES ('IL', 'state', 0.07, '2024-01-01')$$) AS state_overlap;
-- a county of the same name in another state is another jurisdiction
SELECT pg_temp.error_of($$INSERT INTO us_local_sales_tax_rate (state, county, kind, rate, valid_from)
                          VALUES ('MN', 'Cook County', 'county', 0.01, '2024-01-01')$$) AS another_state;
DELETE FROM us_local_sales_tax_rate WHERE state = 'MN';
-- bad values
SELECT pg_temp.error_of($$INSERT INTO us_sales_tax_rates (state, county, kind, rate, valid_from)
                          VALUES ('Il', 'Cook County', 'county', 0.01, '2024-01-01')$$) AS bad_state;
SELECT pg_temp.error_of($$INSERT INTO us_sales_tax_rates (state, county, kind, rate, valid_from)
                          VALUES ('IL', 'Cook County', 'township', 0.01, '2024-01-01')$$) AS bad_kind;
SELECT pg_temp.error_of($$INSERT INTO us_sales_tax_rates (state, county, city, kind, rate, valid_from)
                          VALUES ('IL', 'Cook County', 'Evanston', 'county', 0.01, '2024-01-01')$$) AS county_with_city;
SELECT pg_temp.error_of($$INSERT INTO us_sales_tax_rates (state, county, kind, rate, valid_from)
                          VALUES ('IL', 'Cook County', 'city', 0.01, '2024-01-01')$$) AS city_without_city;
SELECT pg_temp.error_of($$INSERT INTO us_sales_tax_rates (state, kind, district, rate, valid_from)
                          VALUES ('IL', 'special', 'Statewide District', 0.01, '2024-01-01')$$) AS district_nowhere;
SELECT pg_temp.error_of($$INSERT INTO us_sales_tax_rates (state, county, kind, rate, valid_from)
                          VALUES ('IL', 'Cook County', 'state', 0.01, '2024-01-01')$$) AS state_with_county;
SELECT pg_temp.error_of($$INSERT INTO us_sales_tax_rates (state, county, kind, rate, valid_from)
                          VALUES ('IL', 'DuPage County', 'county', 1.25, '2024-01-01')$$) AS rate_too_big;
SELECT pg_temp.error_of($$INSERT INTO us_sales_tax_rates (state, county, kind, rate, valid_from)
                          VALUES ('IL', 'DuPage County', 'county', 0.0000001, '2024-01-01')$$) AS seven_decimals;
SELECT pg_temp.error_of($$INSERT INTO us_sales_tax_rates (state, county, kind, rate, valid_from, valid_to)
                          VALUES ('IL', 'DuPage County', 'county', 0.01, '2024-01-01', '2024-01-01')$$) AS empty_validity;
-- a COPY whose third row overlaps: nothing of it stays
\set ON_ERROR_STOP 0
COPY us_sales_tax_rates (state, county, city, kind, district, rate, valid_from, valid_to) FROM STDIN (FORMAT csv, HEADER);
state,county,city,kind,district,rate,valid_from,valid_to
IL,DuPage County,,county,,0.0,2020-01-01,
IL,DuPage County,Naperville,city,,0.005,2020-01-01,
IL,Cook County,,county,,0.0175,2025-01-01,
\.
\set ON_ERROR_STOP 1
SELECT count(*) AS dupage_rates FROM us_local_sales_tax_rate WHERE county = 'DuPage County';

-- ===========================================================================
-- the resellers: a program in the manner of Google's, its addresses
-- ===========================================================================
INSERT INTO program (program_id, code, name, currency, time_zone, reseller_discount)
VALUES (15501, 'local_tax_t', 'Local tax tests', 'USD', 'UTC', 0.20) RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'local_tax_apps', 'Apps', 'apps') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps, 'annual_monthly', 'USD 50', '2024-01-01');
INSERT INTO reseller (reseller_id, program_id, name, country, region, county, city) VALUES
    (15501, :prog, 'Loop Cloud (Chicago)', 'US', 'IL', 'Cook County', 'Chicago'),
    (15502, :prog, 'North Shore IT (Evanston)', 'US', 'IL', 'cook county', 'Evanston'),
    (15503, :prog, 'Prairie Apps (state only)', 'US', 'IL', NULL, NULL),
    (15504, :prog, 'Wacker Resale (exempt)', 'US', 'IL', 'Cook County', 'Chicago'),
    (15505, :prog, 'Capital Apps (Juneau)', 'US', 'AK', 'Juneau', 'Juneau'),
    (15506, :prog, 'Rockford Docs (no local rate)', 'US', 'IL', 'Winnebago County', 'Rockford');
INSERT INTO tax_exemption_certificate (reseller_id, state, certificate_number, valid_from, valid_to)
VALUES (15504, 'IL', 'IL-RES-2025-0042', '2024-01-01', '2026-01-01');
INSERT INTO customer (reseller_id, customer_id, name)
SELECT r, r, 'Customer of ' || r FROM generate_series(15501, 15506) r;
SET reseller_billing.effective_at = '2025-01-01 00:00+00';
INSERT INTO subscription (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats)
SELECT r, r, r, :apps, 'annual_monthly', 25 FROM generate_series(15501, 15506) r;
RESET reseller_billing.effective_at;

-- ===========================================================================
-- the rate of each address, and why
--   Chicago   6.25 + 1.75 + 1.25 + 1.00 = 10.25%  (10.50% from July: 1.50% city)
--   Evanston  6.25 + 1.75 + 1.00 (no city rate loaded) = 9.00%
--   no county or city on file, or none with a rate: Illinois' 6.25% alone
--   Juneau    no state rate, the city's 5%
-- ===========================================================================
SELECT r.reseller_id, t.rate, t.state, t.reason, t.certificate_number
  FROM reseller r CROSS JOIN LATERAL sales_tax_rate(r.reseller_id, '2025-01-31') t
 WHERE r.reseller_id BETWEEN 15501 AND 15506 ORDER BY r.reseller_id;
SELECT * FROM sales_tax_jurisdictions(15501, '2025-01-31');
SELECT * FROM sales_tax_jurisdictions(15502, '2025-01-31');
SELECT * FROM sales_tax_jurisdictions(15505, '2025-01-31');
SELECT (sales_tax_rate(15501, '2025-06-30')).rate AS chicago_june, (sales_tax_rate(15501, '2025-07-01')).rate AS chicago_july;
-- the tax of one line: 83.34 × 0.1025 = 8.54235 → 8.54; 83.34 × 0.09 =
-- 7.5006 → 7.50; 83.34 × 0.0625 = 5.20875 → 5.21; 83.34 × 0.05 = 4.167 →
-- 4.17; July in Chicago 83.33 × 0.105 = 8.74965 → 8.75
SELECT sales_tax(15501, '2025-01-31', 'USD 83.34') AS chicago, sales_tax(15502, '2025-01-31', 'USD 83.34') AS evanston,
       sales_tax(15503, '2025-01-31', 'USD 83.34') AS state_only, sales_tax(15504, '2025-01-31', 'USD 83.34') AS exempt,
       sales_tax(15505, '2025-01-31', 'USD 83.34') AS juneau, sales_tax(15501, '2025-07-31', 'USD 83.33') AS chicago_july;
SELECT pg_temp.error_of($$SELECT * FROM sales_tax_jurisdictions(15501, NULL)$$) AS no_date;
SELECT pg_temp.error_of($$SELECT * FROM sales_tax_jurisdictions(15599, '2025-01-31')$$) AS no_reseller;

-- ===========================================================================
-- January's close: one tax line per taxed line, naming the jurisdictions;
-- the state-only addresses read exactly as before ("Sales tax IL 6.25% on:")
-- ===========================================================================
SELECT line_no, kind, description, amount FROM preview_invoice(15501, '2025-01');
SET client_min_messages = warning;
SELECT close_period('2025-01', :prog) AS invoices;
RESET client_min_messages;
SELECT i.reseller_id, l.line_no, l.kind, l.description, l.amount
  FROM invoice_line l JOIN invoice i USING (reseller_id, invoice_id)
 WHERE i.program_id = :prog ORDER BY i.reseller_id, l.line_no;
SELECT reseller_id, subtotal, tax, total FROM invoices WHERE program_code = 'local_tax_t' ORDER BY reseller_id;
-- each tax line is sales_tax() of its line on the last day of the month
SELECT count(*) AS tax_lines,
       count(*) FILTER (WHERE t.amount = sales_tax(t.reseller_id, '2025-01-31', b.amount)) AS equal_to_sales_tax
  FROM invoice_line t
  JOIN invoice_line b ON b.reseller_id = t.reseller_id AND b.invoice_id = t.invoice_id AND b.kind <> 'sales_tax'
 WHERE t.kind = 'sales_tax' AND t.reseller_id BETWEEN 15501 AND 15506;

-- ===========================================================================
-- leave nothing for later files: the rates go, the subscriptions cancel
-- ===========================================================================
DELETE FROM us_local_sales_tax_rate WHERE state IN ('IL', 'AK');
DELETE FROM us_sales_tax_rate WHERE state IN ('IL', 'AK');
SELECT count(*) AS closed FROM (
    SELECT (cancel_subscription(reseller_id, subscription_id)).status
      FROM subscription WHERE reseller_id BETWEEN 15501 AND 15506 AND status <> 'cancelled') x;
