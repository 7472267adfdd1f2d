SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
\set VERBOSITY default
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- channel: CSP channel tiers (issue 6 §1).  A provider with two indirect
-- resellers, a direct-bill partner, invitations and relationships, orders
-- placed by a reseller and by the provider on a customer's behalf, refused
-- orders (42501), the two-tier invoices of January and February 2025 from the
-- same month-end close, a second close writing nothing, direct-bill
-- eligibility above and below the threshold, and a transition with its
-- refused rollback (55000).
--
-- Ids: resellers and customers carry explicit ids 61001..; subscription ids
-- come from the shared sequence and are captured with \gset, never printed.
--

-- the SQLSTATE a statement fails with (the refusals below are also shown
-- with their messages)
CREATE FUNCTION pg_temp.sqlstate_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE p_sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;

-- ===========================================================================
-- the program: CSP, USD, UTC, no reseller discount (the price list is the
-- vendor's wholesale list), direct-bill threshold USD 681.38 (the figure the
-- provider's two months below add up to; the source's USD 300,000.00 is the
-- default, shown on a second program).
--   E3: USD 240.00 per seat per year; E1: USD 96.00.
-- ===========================================================================
INSERT INTO program (code, name, currency, time_zone, reseller_discount, settings)
VALUES ('csp_t', 'CSP tests', 'USD', 'UTC', 0, '{"csp": true, "direct_bill_threshold": "USD 681.38"}')
RETURNING program_id AS prog \gset
INSERT INTO program (code, name, currency, time_zone, settings)
VALUES ('csp_default', 'CSP, default threshold', 'USD', 'UTC', '{"csp": true}') RETURNING program_id AS prog2 \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'csp_e3', 'Office 365 E3', 'o365') RETURNING sku_id AS e3 \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'csp_e1', 'Office 365 E1', 'o365') RETURNING sku_id AS e1 \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:e3, 'annual_monthly', 'USD 240.00', '2024-01-01'),
    (:e1, 'annual_monthly', 'USD 96.00', '2024-01-01'),
    (:e3, 'flexible', 'USD 288.00', '2024-01-01');
SELECT is_csp_program(:prog) AS csp, is_csp_program(:prog2) AS csp2,
       direct_bill_threshold(:prog) AS threshold, direct_bill_threshold(:prog2) AS default_threshold;

INSERT INTO reseller (reseller_id, program_id, name, tier, country) VALUES
    (61001, :prog, 'Northwind Distribution', 'indirect_provider', 'US'),
    (61002, :prog, 'Contoso IT', 'indirect_reseller', 'US'),
    (61003, :prog, 'Fabrikam Partners', 'indirect_reseller', 'US'),
    (61004, :prog, 'Adatum Direct', 'direct', 'US'),
    (61006, :prog, 'Tailspin Supply', 'indirect_provider', 'US');
INSERT INTO customer (reseller_id, customer_id, name) VALUES
    (61002, 61201, 'Alpine Ski House'),
    (61002, 61202, 'Bellows College'),
    (61003, 61203, 'Coho Winery'),
    (61001, 61204, 'Fourth Coffee'),
    (61004, 61205, 'Trey Research'),
    (61003, 61206, 'Wingtip Toys');

-- the provider's own price list: E3 USD 264.00, E1 USD 108.00 (10% above wholesale)
INSERT INTO provider_price (reseller_id, sku_id, plan, price, valid_from) VALUES
    (61001, :e3, 'annual_monthly', 'USD 264.00', '2025-01-01'),
    (61001, :e1, 'annual_monthly', 'USD 108.00', '2025-01-01');
-- refused: overlapping validity; not a provider
INSERT INTO provider_price (reseller_id, sku_id, plan, price, valid_from) VALUES
    (61001, :e3, 'annual_monthly', 'USD 250.00', '2025-06-01');
INSERT INTO provider_price (reseller_id, sku_id, plan, price, valid_from) VALUES
    (61002, :e3, 'annual_monthly', 'USD 250.00', '2025-06-01');

-- ===========================================================================
-- partnerships: Tailspin invites Fabrikam and Northwind invites both
-- resellers; each accepts Northwind's.  A reseller has one provider:
-- Tailspin's pending invitation can then not be accepted, nor a new one sent.
-- ===========================================================================
SELECT invite_reseller(61006, 61003) AS tailspin_fabrikam \gset
SELECT invite_reseller(61001, 61002) AS nw_contoso \gset
SELECT invite_reseller(61001, 61003) AS nw_fabrikam \gset
SELECT invite_reseller(61001, 61002) = :nw_contoso AS same_pending_invitation;
SELECT kind, provider_id, status FROM accept_invitation(61002, :nw_contoso);
SELECT kind, provider_id, status FROM accept_invitation(61003, :nw_fabrikam);
SELECT accept_invitation(61003, :tailspin_fabrikam);          -- 55000: one provider
SELECT invite_reseller(61006, 61002);                         -- 55000: works with 61001
SELECT invite_reseller(61002, 61003);                         -- 42501: not a provider
SELECT invite_reseller(61001, 61004);                         -- 55000: direct, not transitioning
SELECT revoke_invitation(61001, 61003, :tailspin_fabrikam);   -- 42501: Tailspin sent it
SELECT status FROM revoke_invitation(61006, 61003, :tailspin_fabrikam);
\set VERBOSITY terse
SELECT accept_invitation(61003, :tailspin_fabrikam);          -- 55000: revoked (the detail says when)
\set VERBOSITY default
SELECT reseller_id, provider_id FROM provider_partnership WHERE reseller_id BETWEEN 61001 AND 61099 ORDER BY 1;

-- ===========================================================================
-- customers: each reseller invites its customers; on acceptance the
-- relationship names the reseller and, for an indirect reseller, its
-- provider.  Wingtip Toys (Fabrikam) is invited but never accepts.
-- ===========================================================================
SELECT (accept_invitation(61002, invite_customer(61002, 61201))).status AS alpine;
SELECT (accept_invitation(61002, invite_customer(61002, 61202))).status AS bellows;
SELECT (accept_invitation(61003, invite_customer(61003, 61203))).status AS coho;
SELECT (accept_invitation(61001, invite_customer(61001, 61204))).status AS fourth_coffee;
SELECT (accept_invitation(61004, invite_customer(61004, 61205))).status AS trey;
SELECT invite_customer(61003, 61206) IS NOT NULL AS wingtip_invited;
SELECT invite_customer(61002, 61201);                         -- 55000: has its relationship
SELECT reseller_id, customer_id, provider_id FROM customer_relationship
 WHERE reseller_id BETWEEN 61001 AND 61099 ORDER BY 1, 2;

-- ===========================================================================
-- orders (12-month commitments paid monthly):
--   Alpine Ski House (Contoso), E3 10 seats from 2025-01-01, placed by the
--     provider on the customer's behalf;
--   Bellows College (Contoso), E1 5 seats from 2025-01-16, by Contoso;
--   Coho Winery (Fabrikam), E3 3 seats from 2025-01-01, by Fabrikam;
--   Fourth Coffee (the provider's own customer), E1 2 seats from 2025-01-01;
--   Trey Research (Adatum, direct-bill), E3 1 seat from 2025-01-01.
-- ===========================================================================
SELECT place_subscription(61001, 61002, 61201, :e3, 10, 'annual_monthly', '2025-01-01 00:00+00') AS s_alpine \gset
SELECT place_subscription(61002, 61002, 61202, :e1, 5, 'annual_monthly', '2025-01-16 00:00+00') AS s_bellows \gset
SELECT place_subscription(61003, 61003, 61203, :e3, 3, 'annual_monthly', '2025-01-01 00:00+00') AS s_coho \gset
SELECT place_subscription(61001, 61001, 61204, :e1, 2, 'annual_monthly', '2025-01-01 00:00+00') AS s_fourth \gset
SELECT place_subscription(61004, 61004, 61205, :e3, 1, 'annual_monthly', '2025-01-01 00:00+00') AS s_trey \gset
SELECT c.name AS customer, s.plan, s.committed_seats, s.term_start, s.term_end, s.partner_price, o.placed_by
  FROM subscription s JOIN customer c USING (reseller_id, customer_id)
  LEFT JOIN channel_order o USING (reseller_id, subscription_id)
 WHERE s.reseller_id BETWEEN 61001 AND 61099 ORDER BY s.reseller_id, s.customer_id;

-- refused (42501): an order outside any relationship.  Tailspin is not
-- Contoso's provider; Fabrikam's customer Wingtip never accepted; Northwind
-- orders for Adatum's customer; a plain INSERT for Wingtip meets the trigger.
SELECT place_subscription(61006, 61002, 61201, :e3, 1, 'annual_monthly', '2025-01-05 00:00+00');
SELECT place_subscription(61003, 61003, 61206, :e3, 1, 'annual_monthly', '2025-01-05 00:00+00');
SELECT place_subscription(61001, 61004, 61205, :e3, 1, 'annual_monthly', '2025-01-05 00:00+00');
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (61003, 61206, :e3, 'annual_monthly', 1, '2025-01-05');
-- refused (23514): a CSP subscription is a 12-month commitment paid monthly
SELECT place_subscription(61002, 61002, 61201, :e3, 4, 'flexible', '2025-01-05 00:00+00');
-- refused (P0002): the provider orders a SKU and plan its price list lacks
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:e1, 'annual_prepaid', 'USD 96.00', '2024-01-01');
SELECT place_subscription(61001, 61002, 61201, :e1, 1, 'annual_prepaid', '2025-01-05 00:00+00');
SELECT pg_temp.sqlstate_of(format($q$SELECT place_subscription(61006, 61002, 61201, %s, 1, 'annual_monthly', '2025-01-05 00:00+00')$q$, :e3)) AS outside,
       pg_temp.sqlstate_of(format($q$INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats, term_start) VALUES (61003, 61206, %s, 'annual_monthly', 1, '2025-01-05')$q$, :e3)) AS plain_insert,
       pg_temp.sqlstate_of(format($q$SELECT place_subscription(61002, 61002, 61201, %s, 4, 'flexible', '2025-01-05 00:00+00')$q$, :e3)) AS flex;
-- refused (22023, 22004): an order for no seats, fewer than none, or an unnamed number
SELECT place_subscription(61002, 61002, 61201, :e3, 0, 'annual_monthly', '2025-01-05 00:00+00');
SELECT pg_temp.sqlstate_of(format($q$SELECT place_subscription(61002, 61002, 61201, %s, -2, 'annual_monthly', '2025-01-05 00:00+00')$q$, :e3)) AS negative,
       pg_temp.sqlstate_of(format($q$SELECT place_subscription(61002, 61002, 61201, %s, NULL, 'annual_monthly', '2025-01-05 00:00+00')$q$, :e3)) AS no_seats,
       pg_temp.sqlstate_of(format($q$SELECT place_subscription(61002, 61002, 61201, %s, 2, NULL, '2025-01-05 00:00+00')$q$, :e3)) AS no_plan;
SELECT count(*) AS subscriptions FROM subscription WHERE reseller_id BETWEEN 61001 AND 61099;

-- ===========================================================================
-- January 2025.  Hand-worked (wholesale = the subscription's price; the
-- provider's price from its list on the term start):
--   Alpine   E3 10 seats, term 2025-01-01..2026-01-01: T = 10 × 240.00 =
--            2,400.00, 12 full months: 200.00 a month.  Provider: 10 × 264.00
--            = 2,640.00: 220.00 a month.
--   Bellows  E1 5 seats, term 2025-01-16..2026-01-16 (D = 365 days): T =
--            5 × 96.00 = 480.00.  January covers Jan 16-31, 16 days:
--            480.00 × 16 / 365 = 21.0411 → 21.04.  Provider: T = 540.00,
--            540.00 × 16 / 365 = 23.6712 → 23.67.
--   Coho     E3 3 seats from 2025-01-01: 720.00 / 12 = 60.00; provider
--            792.00 / 12 = 66.00.
--   Fourth Coffee (provider's own) E1 2 seats: 192.00 / 12 = 16.00.
--   Trey     (Adatum, direct) E3 1 seat: 240.00 / 12 = 20.00.
-- Vendor invoices (program numbering, resellers in id order, the per-reseller
-- close first, then channel_close at close_finish):
--   #1 Adatum 20.00;
--   #2 Northwind 297.04 = 16.00 (own) + 200.00 + 21.04 (Contoso) + 60.00 (Fabrikam).
-- Northwind's invoices (its own numbering):
--   #1 Contoso 220.00 + 23.67 = 243.67 (wholesale 200.00 + 21.04 = 221.04);
--   #2 Fabrikam 66.00 (wholesale 60.00).
--   221.04 + 60.00 = 281.04 = 297.04 - 16.00 (its own customer).
-- ===========================================================================
SET client_min_messages = warning;     -- no progress notices
SELECT close_period('2025-01', :prog) AS written_by_chunks;
SELECT count(*) AS vendor_invoices FROM invoice WHERE program_id = :prog AND period = '2025-01';
SELECT invoice_number, reseller_name, period, status, subtotal, total, issued_on, due_on
  FROM invoices WHERE program_code = 'csp_t' ORDER BY invoice_number;
SELECT i.invoice_number, l.line_no, l.end_reseller_id, l.kind, l.description, l.quantity, l.unit_price, l.amount
  FROM invoice_line l JOIN invoice i USING (reseller_id, invoice_id)
 WHERE i.program_id = :prog AND i.reseller_id = 61001 ORDER BY 1, 2;
SELECT provider_name, reseller_name, invoice_number, period, issued_on, due_on, subtotal, wholesale, provider_margin,
       vendor_invoice_number
  FROM channel_invoices WHERE provider_id = 61001 ORDER BY invoice_number;
SELECT reseller_id, invoice_number, line_no, kind, customer_name, description, quantity, unit_price, amount,
       wholesale_unit_price, wholesale_amount, vendor_line_no
  FROM channel_invoice_lines WHERE provider_id = 61001 ORDER BY invoice_number, line_no;
SELECT provider_name, vendor_invoice_number, period, vendor_billed_for_resellers, resellers_wholesale,
       resellers_billed, provider_margin, balanced
  FROM channel_reconciliation WHERE provider_id = 61001 ORDER BY vendor_invoice_number;
SELECT invoices_written, finished FROM close_status WHERE program_code = 'csp_t' AND period = '2025-01';

-- ===========================================================================
-- February 2025.  Coho adds 2 seats on 2025-02-15 and Contoso's customer
-- Alpine has a one-off onboarding charge of USD 50.00 on 2025-02-10.
--   Coho's added tranche [2025-02-15, 2026-01-01): 320 of the term's 365
--     days: 2 × 240.00 × 320 / 365 = 420.8219 → 420.82; February covers
--     14 of its 320 days: 420.82 × 14 / 320 = 18.4109 → 18.41.  Provider:
--     2 × 264.00 × 320 / 365 = 462.9041 → 462.90; 462.90 × 14 / 320 =
--     20.2519 → 20.25.
--   Bellows' first full month: the full months Feb 2025 - Dec 2025 (334
--     days) bill 480.00 × 334 / 365 = 439.2329 → 439.23 in 11 equal parts:
--     39.93 each (11 × 39.93 = 439.23).  Provider: 540.00 × 334 / 365 =
--     494.1370 → 494.14: 44.92 each with the 2 odd cents to the first two
--     months: February 44.93.
--   The one-off charge is passed on at the same amount: 50.00.
-- Vendor invoices:
--   #3 Adatum 20.00;
--   #4 Northwind 384.34 = 16.00 + (200.00 + 39.93 + 50.00) + (60.00 + 18.41).
-- Northwind's invoices:
--   #3 Contoso 220.00 + 44.93 + 50.00 = 314.93 (wholesale 289.93);
--   #4 Fabrikam 66.00 + 20.25 = 86.25 (wholesale 78.41).
--   289.93 + 78.41 = 368.34 = 384.34 - 16.00.
-- ===========================================================================
SELECT add_seats(61003, :s_coho, 2, '2025-02-15 00:00+00') AS coho_seats;
SELECT add_charge(61002, 61201, 'Onboarding', 'USD 50.00', '2025-02-10') IS NOT NULL AS charged;
SELECT close_period('2025-02', :prog) AS written_by_chunks;
SELECT invoice_number, reseller_name, period, status, subtotal, total
  FROM invoices WHERE program_code = 'csp_t' AND period = '2025-02' ORDER BY invoice_number;
SELECT i.invoice_number, l.line_no, l.end_reseller_id, l.kind, l.description, l.quantity, l.unit_price, l.amount
  FROM invoice_line l JOIN invoice i USING (reseller_id, invoice_id)
 WHERE i.program_id = :prog AND i.reseller_id = 61001 AND i.period = '2025-02' ORDER BY 1, 2;
SELECT reseller_name, invoice_number, period, subtotal, wholesale, provider_margin, vendor_invoice_number
  FROM channel_invoices WHERE provider_id = 61001 AND period = '2025-02' ORDER BY invoice_number;
SELECT reseller_id, invoice_number, line_no, kind, customer_name, quantity, unit_price, amount,
       wholesale_unit_price, wholesale_amount, vendor_line_no
  FROM channel_invoice_lines WHERE provider_id = 61001 AND period = '2025-02' ORDER BY invoice_number, line_no;
SELECT vendor_invoice_number, period, vendor_billed_for_resellers, resellers_wholesale, resellers_billed,
       provider_margin, balanced
  FROM channel_reconciliation WHERE provider_id = 61001 ORDER BY vendor_invoice_number;
-- the check by a plain query: each vendor invoice's resellers' lines equal the
-- wholesale of the provider's invoices billed on it, reseller by reseller
SELECT i.invoice_number, l.end_reseller_id, sum(value(l.amount)) AS vendor_billed,
       (SELECT sum(value(ci.wholesale)) FROM channel_invoice ci
         WHERE ci.reseller_id = l.end_reseller_id AND ci.vendor_invoice_id = i.invoice_id) AS wholesale_resold
  FROM invoice i JOIN invoice_line l USING (reseller_id, invoice_id)
 WHERE i.reseller_id = 61001 AND l.end_reseller_id IS NOT NULL
 GROUP BY i.invoice_id, i.invoice_number, l.end_reseller_id ORDER BY 1, 2;

-- ===========================================================================
-- the close again: nothing new (the month is closed; channel_close called
-- directly finds every provider invoiced)
-- ===========================================================================
SELECT (SELECT count(*) FROM invoice WHERE program_id = :prog) AS invoices,
       (SELECT count(*) FROM invoice_line l JOIN invoice i USING (reseller_id, invoice_id) WHERE i.program_id = :prog) AS lines,
       (SELECT count(*) FROM channel_invoice WHERE program_id = :prog) AS channel_invoices,
       (SELECT count(*) FROM channel_invoice_line l JOIN channel_invoice i USING (reseller_id, channel_invoice_id)
         WHERE i.program_id = :prog) AS channel_lines \gset before_
SELECT close_period('2025-02', :prog) AS again, close_period('2025-01', :prog) AS again_january,
       channel_close('2025-02', :prog) AS channel_again;
SELECT (SELECT count(*) FROM invoice WHERE program_id = :prog) = :before_invoices AS same_invoices,
       (SELECT count(*) FROM invoice_line l JOIN invoice i USING (reseller_id, invoice_id) WHERE i.program_id = :prog) = :before_lines AS same_lines,
       (SELECT count(*) FROM channel_invoice WHERE program_id = :prog) = :before_channel_invoices AS same_channel_invoices,
       (SELECT count(*) FROM channel_invoice_line l JOIN channel_invoice i USING (reseller_id, channel_invoice_id)
         WHERE i.program_id = :prog) = :before_channel_lines AS same_channel_lines;
-- provider invoices are final
UPDATE channel_invoice SET subtotal = 'USD 1.00' WHERE provider_id = 61001;
DELETE FROM channel_invoice_line WHERE reseller_id = 61002;
-- a vendor invoice carrying indirect resellers' lines is corrected by credit note, not voided
SELECT invoice_id AS nw_feb FROM invoice WHERE reseller_id = 61001 AND period = '2025-02' \gset
SELECT void_invoice(61001, :nw_feb, 'test');

-- ===========================================================================
-- direct-bill eligibility: Northwind's net invoiced revenue over the 12
-- months before a date (issued/paid, not void, less credits applied and
-- credit notes, no tax), against USD 681.38:
--   at 2025-02-01: January only, 297.04 → below;
--   at 2025-03-01: January + February, 297.04 + 384.34 = 681.38 → reaches it (equal);
--   at 2026-02-01: February 2025 .. January 2026: 384.34 → below;
--   after a credit note of USD 0.01 on February: 681.37 at 2025-03-01 → below.
--   Adatum at 2025-03-01: 20.00 + 20.00 = 40.00 → below.
-- ===========================================================================
SELECT program_revenue(61001, '2025-02-01') AS rev_feb1, direct_bill_eligible(61001, '2025-02-01') AS elig_feb1,
       program_revenue(61001, '2025-03-01') AS rev_mar1, direct_bill_eligible(61001, '2025-03-01') AS elig_mar1,
       program_revenue(61001, '2026-02-01') AS rev_2026, direct_bill_eligible(61001, '2026-02-01') AS elig_2026;
SELECT reseller_name, tier, revenue, threshold, shortfall, eligible
  FROM direct_bill_standing('2025-03-01') WHERE program_code = 'csp_t' ORDER BY reseller_id;
SELECT issue_credit_note(:nw_feb, 'USD 0.01', 'rounding goodwill') IS NOT NULL AS credit_note;
SELECT program_revenue(61001, '2025-03-01') AS rev_mar1, direct_bill_eligible(61001, '2025-03-01') AS elig_mar1;
-- the view lists the direct-bill partners below the threshold today (no
-- 2025 invoice lies in the 12 months before the day the tests run):
-- Northwind, Adatum (still direct) and Tailspin, not the indirect resellers
SELECT reseller_id, reseller_name, tier, threshold FROM direct_bill_below_threshold
 WHERE program_code = 'csp_t' ORDER BY reseller_id;
SELECT direct_bill_eligible(61004, NULL);
SELECT direct_bill_eligible(61004, '2025-03-01') AS adatum;

-- ===========================================================================
-- transition: Adatum, a direct-bill partner with programmatic and sandbox
-- access, enrols as an indirect reseller.  During the transition it holds
-- both capabilities (billed by the vendor, keeping its access, and able to
-- accept a provider's invitation).  Completing it without a provider is
-- refused; with Northwind it completes; its access is gone, its customer
-- relationship names Northwind, and there is no way back (55000) by
-- function, by UPDATE of the reseller, or by UPDATE of the transition row.
-- ===========================================================================
SELECT programmatic_access, sandbox_access FROM set_direct_access(61004, true, true);
SELECT transition_to_indirect(61004) IS NOT NULL AS started;
SELECT tier, direct_bill, indirect_resale, transition, programmatic_access, sandbox_access, provider_id
  FROM partner_capabilities WHERE reseller_id = 61004;
SELECT complete_transition(61004);                            -- 55000: no provider yet
UPDATE reseller SET tier = 'indirect_reseller' WHERE reseller_id = 61004;   -- the same by UPDATE
SELECT status FROM accept_invitation(61004, invite_reseller(61001, 61004));
SELECT complete_transition(61004) IS NOT NULL AS completed;
SELECT tier, direct_bill, indirect_resale, transition, programmatic_access, sandbox_access, provider_id, provider_name
  FROM partner_capabilities WHERE reseller_id = 61004;
SELECT customer_id, provider_id FROM customer_relationship WHERE reseller_id = 61004;
-- (terse: the details name the moment the transition completed)
\set VERBOSITY terse
UPDATE reseller SET tier = 'direct' WHERE reseller_id = 61004;            -- 55000
SELECT cancel_transition(61004);                                          -- 55000
SELECT transition_to_indirect(61004);                                     -- 55000
SELECT complete_transition(61004);                                        -- 55000
UPDATE channel_partner SET transition_completed_at = NULL WHERE reseller_id = 61004;  -- 55000
SELECT set_direct_access(61004, true, false);                             -- 55000: direct-bill only
UPDATE channel_partner SET programmatic_access = true WHERE reseller_id = 61004;       -- 55000
\set VERBOSITY default
SELECT pg_temp.sqlstate_of($q$UPDATE reseller SET tier = 'direct' WHERE reseller_id = 61004$q$) AS by_update,
       pg_temp.sqlstate_of('SELECT cancel_transition(61004)') AS by_function,
       pg_temp.sqlstate_of('SELECT accept_invitation(61003, 1)') AS second_provider;
-- Northwind may now order for Adatum's customer
SELECT place_subscription(61001, 61004, 61205, :e1, 1, 'annual_monthly', '2025-03-03 00:00+00') IS NOT NULL AS ordered;
-- a transition started and cancelled: back to direct only
INSERT INTO reseller (reseller_id, program_id, name, tier, country) VALUES (61007, :prog, 'Litware', 'direct', 'US');
SELECT transition_to_indirect(61007) IS NOT NULL AS started;
SELECT cancel_transition(61007);
SELECT tier, direct_bill, indirect_resale, transition FROM partner_capabilities WHERE reseller_id = 61007;
-- a provider with indirect resellers stays one; a reseller outside a CSP program has no transition
UPDATE reseller SET tier = 'direct' WHERE reseller_id = 61001;
INSERT INTO program (code, name, currency) VALUES ('not_csp_t', 'Not CSP', 'USD') RETURNING program_id AS plain \gset
INSERT INTO reseller (reseller_id, program_id, name, country) VALUES (61008, :plain, 'Plain', 'US');
SELECT transition_to_indirect(61008);
