SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
\i sql/include/error_of.sql
--
-- channel_tax: tax and credits on two-tier invoices (issue 15 §3).  The
-- channel close taxes the vendor's invoice to a provider by the provider's
-- address and certificates, and a provider's invoice to an indirect
-- reseller by the reseller's, with the direct close's rules and functions
-- (the rate and certificates of the last day of the month, one tax line per
-- taxed line, rounded once); it applies the credits a provider grants its
-- resellers as the direct close applies the vendor's (oldest first,
-- eligible lines, never the tax), next to the vendor's credit to the
-- provider; credit notes correct the provider's issued invoices.
--
--   CSP program, USD, E3 at USD 240.00 a seat a year wholesale, the
--   provider's price USD 264.00 (10% above).
--   Westlake Distribution (provider, Chicago: 10.25%), a resale certificate
--     valid through January: January's vendor invoice is exempt,
--     February's taxed.
--   Lakeview IT (Chicago, 10.25%): Alpine, E3 10 seats: 200.00 a month
--     wholesale, 220.00 at the provider's price.
--   Austin Resale (Texas 6.25%, a certificate for 2025: exempt): Coho, E3
--     5 seats: 100.00 wholesale, 110.00.
--   Westlake's own customer Fourth Coffee, E3 2 seats: 40.00.
-- Ids: 15301...
--

COPY us_sales_tax_rates (state, county, city, kind, district, rate, valid_from, valid_to) FROM STDIN (FORMAT csv, HEADER);
state,county,city,kind,district,rate,valid_from,valid_to
IL,,,state,,0.0625,2020-01-01,
IL,Cook County,,county,,0.0175,2020-01-01,
IL,Cook County,Chicago,city,,0.0125,2020-01-01,
IL,Cook County,,special,Regional Transportation Authority,0.01,2020-01-01,
TX,,,state,,0.0625,2020-01-01,
\.
INSERT INTO program (program_id, code, name, currency, time_zone, reseller_discount, settings)
VALUES (15301, 'chan_tax_t', 'Channel tax tests', 'USD', 'UTC', 0, '{"csp": true}') RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'chan_tax_e3', 'Office 365 E3', 'o365') RETURNING sku_id AS e3 \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:e3, 'annual_monthly', 'USD 240.00', '2024-01-01');
INSERT INTO reseller (reseller_id, program_id, name, tier, country, region, county, city) VALUES
    (15301, :prog, 'Westlake Distribution', 'indirect_provider', 'US', 'IL', 'Cook County', 'Chicago'),
    (15302, :prog, 'Lakeview IT', 'indirect_reseller', 'US', 'IL', 'Cook County', 'Chicago'),
    (15303, :prog, 'Austin Resale', 'indirect_reseller', 'US', 'TX', 'Travis County', 'Austin'),
    (15304, :prog, 'Harbor Supply', 'indirect_provider', 'US', 'IL', NULL, NULL);
INSERT INTO tax_exemption_certificate (reseller_id, state, certificate_number, valid_from, valid_to) VALUES
    (15301, 'IL', 'IL-RESALE-15301', '2024-01-01', '2025-02-01'),
    (15303, 'TX', 'TX-01-2025-15303', '2025-01-01', '2026-01-01');
INSERT INTO provider_price (reseller_id, sku_id, plan, price, valid_from)
VALUES (15301, :e3, 'annual_monthly', 'USD 264.00', '2025-01-01');
INSERT INTO customer (reseller_id, customer_id, name) VALUES
    (15302, 15311, 'Alpine Ski House'), (15303, 15312, 'Coho Winery'), (15301, 15313, 'Fourth Coffee');
SELECT (accept_invitation(15302, invite_reseller(15301, 15302))).status AS lakeview,
       (accept_invitation(15303, invite_reseller(15301, 15303))).status AS austin;
SELECT (accept_invitation(15302, invite_customer(15302, 15311))).status AS alpine,
       (accept_invitation(15303, invite_customer(15303, 15312))).status AS coho,
       (accept_invitation(15301, invite_customer(15301, 15313))).status AS fourth_coffee;
SELECT place_subscription(15301, 15302, 15311, :e3, 10, 'annual_monthly', '2025-01-01 00:00+00') IS NOT NULL AS alpine,
       place_subscription(15303, 15303, 15312, :e3, 5, 'annual_monthly', '2025-01-01 00:00+00') IS NOT NULL AS coho,
       place_subscription(15301, 15301, 15313, :e3, 2, 'annual_monthly', '2025-01-01 00:00+00') IS NOT NULL AS fourth;

-- ===========================================================================
-- credits before January's close
--   the vendor credits Westlake 30.00 (grant_credit, as for any reseller);
--   Westlake credits Lakeview 50.00 for onboarding, Austin 150.00 (more
--   than a month: January takes 110.00, February the 40.00 left), and
--   Lakeview 25.00 for another product family (never eligible here)
-- ===========================================================================
SELECT grant_credit(15301, 'USD 30.00', 'vendor promotion') IS NOT NULL AS vendor_credit;
SELECT grant_channel_credit(15301, 15302, 'USD 50.00', 'onboarding') IS NOT NULL AS lakeview_credit,
       grant_channel_credit(15301, 15303, 'USD 150.00', 'migration from another provider') IS NOT NULL AS austin_credit,
       grant_channel_credit(15301, 15302, 'USD 25.00', 'Dynamics launch', '{"sku_family": ["dynamics"]}') IS NOT NULL AS dynamics_credit;
-- refused: by a provider that does not bill the reseller (42501), an
-- amount that is not a positive amount of the program's currency in whole
-- cents (22023), a rule grant_credit does not know (22023), nobody (P0002)
SELECT pg_temp.error_of($$SELECT grant_channel_credit(15304, 15302, 'USD 10.00', 'x')$$) AS other_provider;
SELECT pg_temp.error_of($$SELECT grant_channel_credit(15301, 15302, 'USD 0.00', 'x')$$) AS zero;
SELECT pg_temp.error_of($$SELECT grant_channel_credit(15301, 15302, 'EUR 10.00', 'x')$$) AS euros;
SELECT pg_temp.error_of($$SELECT grant_channel_credit(15301, 15302, 'USD 10.005', 'x')$$) AS half_cent;
SELECT pg_temp.error_of($$SELECT grant_channel_credit(15301, 15302, 'USD 10.00', 'x', '{"customer": ["online"]}')$$) AS bad_rule;
SELECT pg_temp.error_of($$SELECT grant_channel_credit(15301, 15399, 'USD 10.00', 'x')$$) AS no_reseller;
SELECT pg_temp.error_of($$SELECT grant_channel_credit(15301, NULL, 'USD 10.00', 'x')$$) AS no_reseller_given;

-- ===========================================================================
-- January.  The vendor's invoice to Westlake: 40.00 + 200.00 + 100.00 =
-- 340.00, exempt (its certificate is valid on January 31), less its credit
-- 30.00 = 310.00.  Westlake's invoices:
--   Lakeview 220.00, tax 220.00 × 10.25% = 22.55, credit 50.00 (of the
--     sale, not the tax): total 220.00 - 50.00 + 22.55 = 192.55;
--   Austin   110.00, exempt (TX-01-2025-15303), credit 110.00: total 0.00.
-- ===========================================================================
SET client_min_messages = warning;
SELECT close_period('2025-01', :prog) AS direct_invoices;
RESET client_min_messages;
SELECT l.line_no, l.kind, l.description, l.amount, l.credit_applied
  FROM invoice_lines l JOIN invoice i USING (reseller_id, invoice_id)
 WHERE i.reseller_id = 15301 AND i.period = '2025-01' ORDER BY l.line_no;
SELECT reseller_id, period, subtotal, credits_applied, tax, total FROM invoices
 WHERE program_code = 'chan_tax_t' ORDER BY invoice_number;
SELECT reseller_name, invoice_number, period, subtotal, wholesale, tax, credits_applied, total, credited, outstanding
  FROM channel_invoices WHERE provider_id = 15301 ORDER BY period, invoice_number;
SELECT l.reseller_id, l.line_no, l.kind, l.description, l.amount, l.wholesale_amount, l.vendor_line_no
  FROM channel_invoice_lines l JOIN channel_invoice ci USING (reseller_id, channel_invoice_id)
 WHERE ci.provider_id = 15301 ORDER BY l.reseller_id, l.line_no;
SELECT a.reseller_id, a.line_no, c.reason, a.amount
  FROM channel_credit_application a JOIN channel_credit c USING (reseller_id, channel_credit_id)
 ORDER BY a.reseller_id, a.channel_invoice_id, a.line_no, c.channel_credit_id;
SELECT reseller_id, reason, amount, remaining FROM channel_credit ORDER BY reseller_id, channel_credit_id;
-- every tax line is sales_tax() of its line: the same function as a direct invoice's
SELECT count(*) AS tax_lines,
       count(*) FILTER (WHERE t.amount = sales_tax(t.reseller_id, '2025-01-31', b.amount)) AS equal_to_sales_tax
  FROM channel_invoice_line t
  JOIN channel_invoice_line b ON b.reseller_id = t.reseller_id AND b.channel_invoice_id = t.channel_invoice_id
                             AND b.kind <> 'sales_tax' AND t.description LIKE '%on: ' || b.description
 WHERE t.kind = 'sales_tax' AND t.reseller_id IN (15302, 15303);

-- ===========================================================================
-- credit notes on Westlake's issued invoices: 20.00 off Lakeview's January
-- invoice; refused: more than is owed (23514), another provider (42501),
-- not a positive amount in the invoice's currency (22023), unknown invoice
-- (P0002)
-- ===========================================================================
SELECT channel_invoice_id AS lake_jan FROM channel_invoice WHERE reseller_id = 15302 AND period = '2025-01' \gset
SELECT issue_channel_credit_note(15301, 15302, :lake_jan, 'USD 20.00', 'two seats unused in January') IS NOT NULL AS credit_note;
SELECT pg_temp.error_of(format($$SELECT issue_channel_credit_note(15301, 15302, %s, 'USD 172.56', 'too much')$$, :lake_jan)) AS too_much;
SELECT pg_temp.error_of(format($$SELECT issue_channel_credit_note(15304, 15302, %s, 'USD 1.00', 'x')$$, :lake_jan)) AS other_provider;
SELECT pg_temp.error_of(format($$SELECT issue_channel_credit_note(15301, 15302, %s, 'USD -1.00', 'x')$$, :lake_jan)) AS negative;
SELECT pg_temp.error_of($$SELECT issue_channel_credit_note(15301, 15302, -1, 'USD 1.00', 'x')$$) AS no_invoice;
-- the invoice stays final but for what credits and credit notes take off it
SELECT pg_temp.error_of(format($$UPDATE channel_invoice SET tax = 'USD 0.00' WHERE reseller_id = 15302 AND channel_invoice_id = %s$$, :lake_jan)) AS edit_tax;
SELECT pg_temp.error_of(format($$UPDATE channel_invoice SET credited = 'USD 0.00' WHERE reseller_id = 15302 AND channel_invoice_id = %s$$, :lake_jan)) AS edit_credited;
SELECT reseller_name, invoice_number, total, credited, outstanding FROM channel_invoices
 WHERE provider_id = 15301 AND reseller_id = 15302;
-- the vendor's credit note to the provider is the direct one
SELECT invoice_id AS west_jan FROM invoice WHERE reseller_id = 15301 AND period = '2025-01' \gset
SELECT issue_credit_note(15301, :west_jan, 'USD 10.00', 'service credit') IS NOT NULL AS vendor_credit_note;
SELECT total, credited FROM invoices WHERE reseller_id = 15301 AND period = '2025-01';

-- ===========================================================================
-- February.  Westlake's certificate ended on February 1: the vendor's
-- invoice is taxed by its Chicago address, line by line: 40.00 → 4.10,
-- 200.00 → 20.50, 100.00 → 10.25 (= 34.85): total 340.00 + 34.85 = 374.85.
-- Lakeview 220.00 + 22.55 = 242.55 (its credit is used up; the Dynamics
-- credit never applies); Austin 110.00 less the 40.00 left = 70.00.
-- ===========================================================================
SET client_min_messages = warning;
SELECT close_period('2025-02', :prog) AS direct_invoices;
RESET client_min_messages;
SELECT l.line_no, l.kind, l.description, l.amount
  FROM invoice_lines l JOIN invoice i USING (reseller_id, invoice_id)
 WHERE i.reseller_id = 15301 AND i.period = '2025-02' ORDER BY l.line_no;
SELECT reseller_id, period, subtotal, credits_applied, tax, total FROM invoices
 WHERE program_code = 'chan_tax_t' ORDER BY invoice_number;
SELECT reseller_name, invoice_number, period, subtotal, tax, credits_applied, total, outstanding
  FROM channel_invoices WHERE provider_id = 15301 ORDER BY period, invoice_number;
SELECT reseller_id, reason, amount, remaining FROM channel_credit ORDER BY reseller_id, channel_credit_id;
-- both sides still add up: the tax lines are the provider's own, not the vendor's
SELECT vendor_invoice_number, period, vendor_billed_for_resellers, resellers_wholesale, resellers_billed, balanced
  FROM channel_reconciliation WHERE provider_id = 15301 ORDER BY period;
-- a second close writes nothing
SET client_min_messages = warning;
SELECT close_period('2025-02', :prog) AS again;
RESET client_min_messages;
SELECT count(*) AS provider_invoices FROM channel_invoice WHERE provider_id = 15301;

-- ===========================================================================
-- leave nothing for later files: the rates go
-- ===========================================================================
DELETE FROM us_local_sales_tax_rate WHERE state IN ('IL', 'TX');
DELETE FROM us_sales_tax_rate WHERE state IN ('IL', 'TX');
