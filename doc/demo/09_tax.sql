-- make demo, part 9: local sales tax and the two-tier invoices' tax and
-- credits (issue 15 §5, §3).
--
-- The vendor loads one CSV of rates by jurisdiction -- state, county, city,
-- special district, each dated -- with COPY; a reseller's address (state,
-- county, city) decides which apply on the invoice date.  A Chicago
-- reseller owes Illinois 6.25% + Cook County 1.75% + Chicago 1.25% + the
-- Regional Transportation Authority 1.00% = 10.25%, on one tax line per
-- line that names the jurisdictions; an Illinois reseller without a local
-- rate is taxed exactly as before.  Then a CSP distributor in Chicago and
-- its two resellers: the vendor's invoice to the distributor and the
-- distributor's invoices to its resellers are taxed by the same rules
-- (certificates included), and the distributor's credit to a reseller is
-- applied by the close as the vendor's credits are.
--
-- This file makes its own programs, resellers and customers (ids captured
-- with \gset).  Every moment is written out (UTC), so the output is the same
-- whatever day the demo runs.
SET search_path = reseller_billing, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\pset footer off
\pset null ''
\set SHOW_CONTEXT never

\echo
\echo '== The rate file: one CSV, every jurisdiction, each rate dated (COPY into the view us_sales_tax_rates) =='
COPY us_sales_tax_rates (state, county, city, kind, district, rate, valid_from, valid_to) FROM STDIN (FORMAT csv, HEADER);
state,county,city,kind,district,rate,valid_from,valid_to
IL,,,state,,0.0625,2020-01-01,
IL,Cook County,,county,,0.0175,2020-01-01,
IL,Cook County,Chicago,city,,0.0125,2020-01-01,
IL,Cook County,,special,Regional Transportation Authority,0.01,2020-01-01,
\.
SELECT state, county, city, kind, district, rate, valid_from, valid_to
  FROM us_sales_tax_rates WHERE state = 'IL' ORDER BY kind DESC, county, city;

\echo
\echo '== Refused: a second Cook County rate over the same days (23514, naming the jurisdiction and both periods) =='
\set ON_ERROR_STOP 0
INSERT INTO us_sales_tax_rates (state, county, kind, rate, valid_from) VALUES ('IL', 'Cook County', 'county', 0.02, '2025-01-01');
\set ON_ERROR_STOP 1

\echo
\echo '== Two Illinois resellers of a Google-style program: one in Chicago, one with no local rate on file =='
INSERT INTO program (code, name, currency, reseller_discount, time_zone)
VALUES ('local_tax_demo', 'Apps, local tax (demo)', 'USD', 0.20, 'UTC') RETURNING program_id AS gprog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:gprog, 'apps_local', 'Google Apps', 'apps') RETURNING sku_id AS apps \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:apps, 'annual_monthly', 'USD 50.00', '2024-01-01');
INSERT INTO reseller (program_id, name, country, region, county, city)
VALUES (:gprog, 'Loop Cloud', 'US', 'IL', 'Cook County', 'Chicago') RETURNING reseller_id AS loop \gset
INSERT INTO reseller (program_id, name, country, region, county, city)
VALUES (:gprog, 'Prairie Apps', 'US', 'IL', 'Sangamon County', 'Springfield') RETURNING reseller_id AS prairie \gset
SELECT * FROM sales_tax_jurisdictions(:loop, '2025-01-31');
SELECT r.name, t.rate, t.reason FROM reseller r CROSS JOIN LATERAL sales_tax_rate(r.reseller_id, '2025-01-31') t
 WHERE r.reseller_id IN (:loop, :prairie) ORDER BY r.reseller_id;
INSERT INTO customer (reseller_id, name) VALUES (:loop, 'Wicker Park Dental') RETURNING customer_id AS wicker \gset
INSERT INTO customer (reseller_id, name) VALUES (:prairie, 'Capitol Books') RETURNING customer_id AS capitol \gset
SET reseller_billing.effective_at = '2025-01-01 00:00+00';
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats)
VALUES (:loop, :wicker, :apps, 'annual_monthly', 25), (:prairie, :capitol, :apps, 'annual_monthly', 25);
RESET reseller_billing.effective_at;

\echo
\echo '== January closed: 25 seats x 40.00 = 1,000.00 a year, 83.34 in January =='
\echo '   Chicago 83.34 x 10.25% = 8.54235 -> 8.54 (one line naming its jurisdictions); Springfield 83.34 x 6.25% = 5.21, as before'
SET client_min_messages = warning;
SELECT close_period('2025-01', :gprog) AS invoices;
RESET client_min_messages;
SELECT i.reseller_name, l.line_no, l.kind, l.description, l.amount
  FROM invoice_lines l JOIN invoices i USING (invoice_id)
 WHERE i.program_code = 'local_tax_demo' ORDER BY i.invoice_number, l.line_no;
SELECT reseller_name, subtotal, tax, total FROM invoices WHERE program_code = 'local_tax_demo' ORDER BY invoice_number;

\echo
\echo '== A CSP distributor in Chicago with a resale certificate, a Chicago reseller and one in Texas with a certificate =='
INSERT INTO program (code, name, currency, reseller_discount, time_zone, settings)
VALUES ('csp_tax_demo', 'CSP, tax and credits (demo)', 'USD', 0, 'UTC', '{"csp": true}') RETURNING program_id AS cprog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:cprog, 'm365_bp_tax', 'Microsoft 365 Business Premium', 'm365')
RETURNING sku_id AS bp \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:bp, 'annual_monthly', 'USD 240.00', '2025-01-01');
-- (Texas' 6.25% was loaded in part 6)
INSERT INTO reseller (program_id, name, tier, country, region, county, city)
VALUES (:cprog, 'Westlake Distribution', 'indirect_provider', 'US', 'IL', 'Cook County', 'Chicago') RETURNING reseller_id AS west \gset
INSERT INTO reseller (program_id, name, tier, country, region, county, city)
VALUES (:cprog, 'Lakeview IT', 'indirect_reseller', 'US', 'IL', 'Cook County', 'Chicago') RETURNING reseller_id AS lake \gset
INSERT INTO reseller (program_id, name, tier, country, region, county, city)
VALUES (:cprog, 'Austin Resale', 'indirect_reseller', 'US', 'TX', 'Travis County', 'Austin') RETURNING reseller_id AS austin \gset
INSERT INTO tax_exemption_certificate (reseller_id, state, certificate_number, valid_from, valid_to)
VALUES (:west, 'IL', 'IL-RESALE-WEST', '2024-01-01', '2026-01-01'),
       (:austin, 'TX', 'TX-RESALE-AUSTIN', '2025-01-01', '2026-01-01');
INSERT INTO provider_price (reseller_id, sku_id, plan, price, valid_from) VALUES (:west, :bp, 'annual_monthly', 'USD 264.00', '2025-01-01');
SELECT status FROM accept_invitation(:lake, invite_reseller(:west, :lake));
SELECT status FROM accept_invitation(:austin, invite_reseller(:west, :austin));
INSERT INTO customer (reseller_id, name) VALUES (:lake, 'Alpine Ski House') RETURNING customer_id AS alpine \gset
INSERT INTO customer (reseller_id, name) VALUES (:austin, 'Coho Winery') RETURNING customer_id AS coho \gset
SELECT status FROM accept_invitation(:lake, invite_customer(:lake, :alpine));
SELECT status FROM accept_invitation(:austin, invite_customer(:austin, :coho));
SELECT place_subscription(:west, :lake, :alpine, :bp, 10, 'annual_monthly', '2025-01-01 00:00+00') IS NOT NULL AS alpine_ordered;
SELECT place_subscription(:austin, :austin, :coho, :bp, 5, 'annual_monthly', '2025-01-01 00:00+00') IS NOT NULL AS coho_ordered;

\echo
\echo '== The distributor credits Lakeview 50.00 for onboarding (refused for a partner that does not bill it: 42501) =='
SELECT grant_channel_credit(:west, :lake, 'USD 50.00', 'onboarding') IS NOT NULL AS granted;
\set ON_ERROR_STOP 0
SELECT grant_channel_credit(:austin, :lake, 'USD 50.00', 'onboarding');
\set ON_ERROR_STOP 1

\echo
\echo '== January closed: both tiers =='
\echo '   vendor -> Westlake: 200.00 + 100.00 at wholesale, exempt (its resale certificate);'
\echo '   Westlake -> Lakeview: 220.00 at its price, tax 220.00 x 10.25% = 22.55, credit 50.00 (the sale, never the tax): 192.55;'
\echo '   Westlake -> Austin: 110.00, exempt (its Texas certificate)'
SET client_min_messages = warning;
SELECT close_period('2025-01', :cprog) AS direct_invoices;
RESET client_min_messages;
SELECT reseller_name, subtotal, credits_applied, tax, total FROM invoices WHERE program_code = 'csp_tax_demo';
SELECT reseller_name, invoice_number, subtotal, wholesale, tax, credits_applied, total, outstanding
  FROM channel_invoices WHERE provider_id = :west ORDER BY invoice_number;
SELECT invoice_number, line_no, kind, description, amount, wholesale_amount
  FROM channel_invoice_lines WHERE provider_id = :west ORDER BY invoice_number, line_no;

\echo
\echo '== A credit note from the distributor: 20.00 off Lakeview''s January invoice =='
SELECT channel_invoice_id AS lake_jan FROM channel_invoice WHERE reseller_id = :lake AND period = '2025-01' \gset
SELECT issue_channel_credit_note(:west, :lake, :lake_jan, 'USD 20.00', 'two seats unused') IS NOT NULL AS issued;
SELECT reseller_name, invoice_number, total, credited, outstanding FROM channel_invoices WHERE reseller_id = :lake;

\echo
\echo '== Both sides still add up (tax lines are the distributor''s own, billed on no vendor line) =='
SELECT provider_name, vendor_invoice_number, vendor_billed_for_resellers, resellers_wholesale, resellers_billed, balanced
  FROM channel_reconciliation WHERE provider_id = :west;
