-- make demo, part 5: a CSP distributor with two indirect resellers (issue 6 §1).
--
-- Microsoft's Cloud Solution Provider program as doc/rules.md §6 describes it:
-- the vendor publishes a wholesale price list; a distributor (indirect
-- provider) invites resellers, which accept; each reseller invites its
-- customers, whose acceptance sets up the relationship with the reseller and
-- the distributor at once; orders are 12-month commitments paid monthly,
-- placed by the reseller or by the distributor on the customer's behalf.
-- One month-end close writes both tiers: the vendor's invoice to the
-- distributor (every reseller's lines at wholesale) and the distributor's
-- invoices to each reseller at its own prices; they add up.
--
-- This file makes its own program, resellers and customers (ids captured
-- with \gset).  Every moment is written out (UTC), so the output is the same
-- whatever day the demo runs.
SET search_path = reseller_billing, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\pset footer off
\pset null ''
\set SHOW_CONTEXT never

\echo
\echo '== The program: CSP, USD, the vendor''s wholesale price list, direct-bill threshold USD 300,000 =='
INSERT INTO program (code, name, currency, reseller_discount, time_zone, settings)
VALUES ('csp_demo', 'Cloud Solution Provider (demo)', 'USD', 0, 'UTC',
        '{"csp": true, "direct_bill_threshold": "USD 300000.00"}')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'm365_bp', 'Microsoft 365 Business Premium', 'm365')
RETURNING sku_id AS bp \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'm365_e3', 'Microsoft 365 E3', 'm365')
RETURNING sku_id AS e3 \gset
INSERT INTO price (sku_id, plan, list_price, valid_from)
VALUES (:bp, 'annual_monthly', 'USD 240.00', '2025-01-01'),
       (:bp, 'flexible',       'USD 288.00', '2025-01-01'),
       (:e3, 'annual_monthly', 'USD 432.00', '2025-01-01');

\echo
\echo '== A distributor (indirect provider) with its own price list, and two resellers =='
INSERT INTO reseller (program_id, name, tier, country, region)
VALUES (:prog, 'Pacific Cloud Distribution', 'indirect_provider', 'US', 'WA') RETURNING reseller_id AS dist \gset
INSERT INTO reseller (program_id, name, tier, country, region)
VALUES (:prog, 'Harbor IT Services', 'indirect_reseller', 'US', 'OR') RETURNING reseller_id AS harbor \gset
INSERT INTO reseller (program_id, name, tier, country, region)
VALUES (:prog, 'Summit Tech Partners', 'indirect_reseller', 'US', 'ID') RETURNING reseller_id AS summit \gset
INSERT INTO provider_price (reseller_id, sku_id, plan, price, valid_from)
VALUES (:dist, :bp, 'annual_monthly', 'USD 264.00', '2025-01-01'),
       (:dist, :e3, 'annual_monthly', 'USD 468.00', '2025-01-01');

\echo
\echo '== The distributor invites both resellers; each accepts (a reseller works with one provider) =='
SELECT status FROM accept_invitation(:harbor, invite_reseller(:dist, :harbor));
SELECT status FROM accept_invitation(:summit, invite_reseller(:dist, :summit));
SELECT reseller_name, tier, direct_bill, indirect_resale, provider_name
  FROM partner_capabilities WHERE program_code = 'csp_demo' ORDER BY reseller_id;

\echo
\echo '== Customers: each reseller invites its customers; acceptance links them to the reseller and the distributor =='
INSERT INTO customer (reseller_id, name, primary_domain) VALUES (:harbor, 'Cascade Dental', 'cascadedental.example')
RETURNING customer_id AS cascade \gset
INSERT INTO customer (reseller_id, name, primary_domain) VALUES (:summit, 'Ridge Architects', 'ridgearch.example')
RETURNING customer_id AS ridge \gset
SELECT status FROM accept_invitation(:harbor, invite_customer(:harbor, :cascade));
SELECT status FROM accept_invitation(:summit, invite_customer(:summit, :ridge));
-- (the provider's name through partner_capabilities: a provider's row is
-- another reseller's, which a Citus cluster keeps on another shard)
SELECT r.name AS reseller, c.name AS customer, pc.provider_name AS provider
  FROM customer_relationship cr JOIN customer c USING (reseller_id, customer_id)
  JOIN reseller r ON r.reseller_id = cr.reseller_id
  JOIN partner_capabilities pc ON pc.reseller_id = cr.reseller_id AND pc.provider_id = cr.provider_id
 WHERE cr.reseller_id IN (:harbor, :summit) ORDER BY 1;

\echo
\echo '== Orders: the distributor orders for Cascade Dental on its behalf; Summit orders for Ridge Architects =='
SELECT place_subscription(:dist, :harbor, :cascade, :bp, 20, 'annual_monthly', '2025-03-01 09:00+00') AS cascade_sub \gset
SELECT place_subscription(:summit, :summit, :ridge, :e3, 8, 'annual_monthly', '2025-03-10 09:00+00') AS ridge_sub \gset
SELECT r.name AS reseller, c.name AS customer, k.name AS sku, s.plan, s.committed_seats, s.term_start, s.term_end,
       s.partner_price AS wholesale_per_seat_year, o.placed_by
  FROM subscription s JOIN customer c USING (reseller_id, customer_id) JOIN sku k USING (sku_id)
  JOIN channel_order o USING (reseller_id, subscription_id) JOIN reseller r ON r.reseller_id = s.reseller_id
 WHERE s.reseller_id IN (:harbor, :summit) ORDER BY 1;

\echo
\echo '== Refused: a partner outside the relationship (42501), a plan other than the 12-month commitment (23514), an order for no seats (22023) =='
\set ON_ERROR_STOP 0
SELECT place_subscription(:summit, :harbor, :cascade, :bp, 5, 'annual_monthly', '2025-03-12 09:00+00');
SELECT place_subscription(:harbor, :harbor, :cascade, :bp, 5, 'flexible', '2025-03-12 09:00+00');
SELECT place_subscription(:harbor, :harbor, :cascade, :bp, 0, 'annual_monthly', '2025-03-12 09:00+00');
\set ON_ERROR_STOP 1

\echo
\echo '== The March close: one run writes both tiers =='
\echo '   Cascade: 20 x 240.00 = 4,800.00 a year, 400.00 a month; at the distributor''s 264.00: 440.00.'
\echo '   Ridge, from March 10 (22 of 31 March days, term of 365 days): 8 x 432.00 = 3,456.00;'
\echo '   3,456.00 x 22 / 365 = 208.31 wholesale; at 468.00: 3,744.00 x 22 / 365 = 225.67.'
SET client_min_messages = warning;
SELECT close_period('2025-03', :prog) AS written_by_the_per_reseller_close;
RESET client_min_messages;
SELECT invoice_number, reseller_name, period, subtotal, total, issued_on, due_on
  FROM invoices WHERE program_code = 'csp_demo' ORDER BY invoice_number;

\echo
\echo '== Tier 1: the vendor''s invoice to the distributor (each line names the reseller it is for) =='
SELECT l.line_no, l.end_reseller_id, l.description, l.quantity, value(l.unit_price) AS unit_price, value(l.amount) AS amount
  FROM invoice_line l JOIN invoice i USING (reseller_id, invoice_id)
 WHERE i.reseller_id = :dist AND i.period = '2025-03' ORDER BY l.line_no;

\echo
\echo '== Tier 2: the distributor''s invoices to its resellers, at its prices, with the wholesale beside =='
SELECT reseller_name, invoice_number, period, subtotal, wholesale, provider_margin, vendor_invoice_number
  FROM channel_invoices WHERE provider_id = :dist ORDER BY invoice_number;
SELECT invoice_number, line_no, customer_name, sku_code, quantity, unit_price, amount, wholesale_unit_price,
       wholesale_amount, vendor_line_no
  FROM channel_invoice_lines WHERE provider_id = :dist ORDER BY invoice_number, line_no;

\echo
\echo '== They add up: what the distributor is billed for its resellers = their lines at wholesale =='
SELECT provider_name, vendor_invoice_number, period, vendor_billed_for_resellers, resellers_wholesale,
       resellers_billed, provider_margin, balanced
  FROM channel_reconciliation WHERE provider_id = :dist;

\echo
\echo '== Closing March again writes nothing =='
SET client_min_messages = warning;
SELECT close_period('2025-03', :prog) AS written, channel_close('2025-03', :prog) AS channel_written;
RESET client_min_messages;

\echo
\echo '== Direct-bill standing on 2025-04-01: the distributor is far below USD 300,000 over 12 months =='
SELECT reseller_name, tier, revenue, threshold, shortfall, eligible
  FROM direct_bill_standing('2025-04-01') WHERE program_code = 'csp_demo';
