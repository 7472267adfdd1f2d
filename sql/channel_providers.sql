SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
\set VERBOSITY default
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- channel_providers: an indirect reseller with more than one provider
-- (issue 15 §2).  In a CSP program with {"multiple_providers": true},
-- Contoso IT accepts a second provider's invitation; each of its
-- subscriptions is placed through one of its providers and the channel close
-- bills each provider only for its own; the refusals (55000, 22023); a
-- partnership ended mid-term keeps billing its term and hands a renewed
-- subscription to the reseller's other provider; a subscription moved to
-- another provider at renewal (55000 mid-term).
--
-- The seed's figures (issue 6's channel test): E3 USD 240.00 and E1 USD
-- 96.00 per seat per year at wholesale; Northwind resells at 10% above
-- (264.00, 108.00), Tailspin at 5% above (252.00, 100.80).
-- Ids: resellers and customers 62001..; subscription ids are captured with
-- \gset, never printed.
--
CREATE FUNCTION pg_temp.sqlstate_of(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE p_sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
-- a refusal's SQLSTATE and message, a subscription's id named instead
CREATE FUNCTION pg_temp.error_of(p_sql text, p_id bigint, p_name text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE p_sql;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ' ' || replace(SQLERRM, 'subscription ' || p_id, 'subscription ' || p_name);
END $$;

INSERT INTO program (code, name, currency, time_zone, reseller_discount, settings)
VALUES ('csp_mp', 'CSP, several providers', 'USD', 'UTC', 0, '{"csp": true, "multiple_providers": true}')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'mp_e3', 'Office 365 E3', 'o365') RETURNING sku_id AS e3 \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'mp_e1', 'Office 365 E1', 'o365') RETURNING sku_id AS e1 \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (:e3, 'annual_monthly', 'USD 240.00', '2024-01-01'),
    (:e1, 'annual_monthly', 'USD 96.00', '2024-01-01');
SELECT multiple_providers(:prog) AS several_allowed;

INSERT INTO reseller (reseller_id, program_id, name, tier, country) VALUES
    (62001, :prog, 'Northwind Distribution', 'indirect_provider', 'US'),
    (62002, :prog, 'Contoso IT', 'indirect_reseller', 'US'),
    (62003, :prog, 'Fabrikam Partners', 'indirect_reseller', 'US'),
    (62006, :prog, 'Tailspin Supply', 'indirect_provider', 'US'),
    (62008, :prog, 'Wide World Distribution', 'indirect_provider', 'US');
INSERT INTO customer (reseller_id, customer_id, name) VALUES
    (62002, 62201, 'Alpine Ski House'),
    (62002, 62202, 'Bellows College'),
    (62002, 62207, 'Litware'),
    (62003, 62203, 'Coho Winery');
INSERT INTO provider_price (reseller_id, sku_id, plan, price, valid_from) VALUES
    (62001, :e3, 'annual_monthly', 'USD 264.00', '2024-01-01'),
    (62001, :e1, 'annual_monthly', 'USD 108.00', '2024-01-01'),
    (62006, :e3, 'annual_monthly', 'USD 252.00', '2024-01-01'),
    (62006, :e1, 'annual_monthly', 'USD 100.80', '2024-01-01');

-- ===========================================================================
-- partnerships: Northwind invites Contoso and Fabrikam, both accept; then
-- Tailspin invites Contoso, and the second invitation is accepted too.
-- One partnership per provider and reseller: Northwind cannot invite
-- Contoso again.
-- ===========================================================================
SELECT (accept_invitation(62002, invite_reseller(62001, 62002))).status AS contoso_northwind;
SELECT (accept_invitation(62003, invite_reseller(62001, 62003))).status AS fabrikam_northwind;
SELECT invite_reseller(62006, 62002) AS tailspin_contoso \gset
SELECT kind, provider_id, status FROM accept_invitation(62002, :tailspin_contoso);
SELECT invite_reseller(62001, 62002);                          -- 55000: one partnership per pair
SELECT reseller_id, provider_id, ended_at FROM provider_partnership
 WHERE reseller_id BETWEEN 62001 AND 62099 ORDER BY 1, 2;

SELECT (accept_invitation(62002, invite_customer(62002, 62201))).status AS alpine;
SELECT (accept_invitation(62002, invite_customer(62002, 62202))).status AS bellows;
SELECT (accept_invitation(62002, invite_customer(62002, 62207))).status AS litware;
SELECT (accept_invitation(62003, invite_customer(62003, 62203))).status AS coho;

-- ===========================================================================
-- orders, each through one provider:
--   Alpine Ski House  E3 10 seats from 2025-01-01, ordered by Northwind on
--                     the customer's behalf: through Northwind;
--   Bellows College   E1 5 seats from 2025-01-16, by Contoso naming Tailspin;
--   Litware           E3 2 seats from 2024-02-01 (renews 2025-02-01), by
--                     Contoso naming Northwind;
--   Coho Winery       E3 3 seats from 2024-02-01, by Fabrikam naming none:
--                     its only provider, Northwind.
-- ===========================================================================
SELECT place_subscription(62001, 62002, 62201, :e3, 10, 'annual_monthly', '2025-01-01 00:00+00') AS s_alpine \gset
SELECT place_subscription(62002, 62002, 62202, :e1, 5, 'annual_monthly', '2025-01-16 00:00+00', 62006) AS s_bellows \gset
SELECT place_subscription(62002, 62002, 62207, :e3, 2, 'annual_monthly', '2024-02-01 00:00+00', 62001) AS s_litware \gset
SELECT place_subscription(62003, 62003, 62203, :e3, 3, 'annual_monthly', '2024-02-01 00:00+00') AS s_coho \gset

-- refused: several providers and none named (55000); a provider it has no
-- partnership with (22023); a provider ordering through another (22023); a
-- plain INSERT, which cannot name one (55000)
SELECT place_subscription(62002, 62002, 62201, :e3, 1, 'annual_monthly', '2025-01-05 00:00+00');
SELECT place_subscription(62002, 62002, 62201, :e3, 1, 'annual_monthly', '2025-01-05 00:00+00', 62008);
SELECT place_subscription(62006, 62002, 62201, :e3, 1, 'annual_monthly', '2025-01-05 00:00+00', 62001);
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats, term_start)
VALUES (62002, 62201, :e3, 'annual_monthly', 1, '2025-01-05');
SELECT pg_temp.sqlstate_of(format($q$SELECT place_subscription(62002, 62002, 62201, %s, 1, 'annual_monthly', '2025-01-05 00:00+00')$q$, :e3)) AS none_named,
       pg_temp.sqlstate_of(format($q$SELECT place_subscription(62002, 62002, 62201, %s, 1, 'annual_monthly', '2025-01-05 00:00+00', 62008)$q$, :e3)) AS not_a_partner,
       pg_temp.sqlstate_of(format($q$SELECT place_subscription(62006, 62002, 62201, %s, 1, 'annual_monthly', '2025-01-05 00:00+00', 62001)$q$, :e3)) AS other_provider,
       pg_temp.sqlstate_of(format($q$INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats, term_start) VALUES (62002, 62201, %s, 'annual_monthly', 1, '2025-01-05')$q$, :e3)) AS plain_insert;

-- Fabrikam accepts Tailspin too: Coho, placed before, stays with Northwind
SELECT (accept_invitation(62003, invite_reseller(62006, 62003))).status AS fabrikam_tailspin;
SELECT c.name AS customer, s.term_start, s.term_end, o.placed_by, o.provider_id,
       subscription_provider_on(s.reseller_id, s.subscription_id, '2025-01-31') AS provider_jan_31
  FROM subscription s JOIN customer c USING (reseller_id, customer_id)
  JOIN channel_order o USING (reseller_id, subscription_id)
 WHERE s.reseller_id BETWEEN 62001 AND 62099 ORDER BY s.reseller_id, s.customer_id;

-- ===========================================================================
-- January 2025, one close.  Hand-worked (wholesale; each provider's price):
--   Alpine  E3 10: 2,400.00 / 12 = 200.00; Northwind 2,640.00 / 12 = 220.00
--   Litware E3 2 (last month of its term): 480.00 / 12 = 40.00; Northwind 44.00
--   Coho    E3 3 (likewise): 720.00 / 12 = 60.00; Northwind 66.00
--   Bellows E1 5 from Jan 16: 480.00 × 16 / 365 = 21.04; Tailspin
--           504.00 × 16 / 365 = 22.0931 → 22.09
-- Vendor → Northwind 300.00 (Contoso 240.00, Fabrikam 60.00);
-- vendor → Tailspin 21.04 (Contoso).  Contoso gets two invoices, one from
-- each provider, each for its own customers' subscriptions.
-- ===========================================================================
SET client_min_messages = warning;
SELECT close_period('2025-01', :prog) AS written_by_chunks;
SELECT invoice_number, reseller_name, period, subtotal, total
  FROM invoices WHERE program_code = 'csp_mp' ORDER BY invoice_number;
SELECT i.reseller_id AS provider, l.line_no, l.end_reseller_id, l.description, l.amount
  FROM invoice_line l JOIN invoice i USING (reseller_id, invoice_id)
 WHERE i.program_id = :prog ORDER BY 1, 2;
SELECT provider_name, reseller_name, invoice_number, period, subtotal, wholesale, provider_margin
  FROM channel_invoices WHERE program_code = 'csp_mp' ORDER BY provider_id, invoice_number;
SELECT provider_id, reseller_id, invoice_number, line_no, customer_name, amount, wholesale_amount, vendor_line_no
  FROM channel_invoice_lines WHERE provider_id IN (62001, 62006) ORDER BY provider_id, invoice_number, line_no;

-- ===========================================================================
-- Northwind and Contoso end their partnership on 2025-01-20.  Nothing new
-- goes through it (55000); Alpine's term (to 2026-01-01) stays billed by
-- Northwind; Litware, renewed on 2025-02-01, runs through Contoso's other
-- provider, Tailspin, from then on.  Refused: ending it again (55000), a
-- pair without a partnership (22023), a moment in the future (22023), an end
-- before an order placed through the partnership (55000).
-- ===========================================================================
SELECT provider_id, reseller_id, ended_at FROM end_partnership(62001, 62002, '2025-01-20 00:00+00');
SELECT place_subscription(62001, 62002, 62201, :e3, 1, 'annual_monthly', '2025-01-25 00:00+00');
SELECT place_subscription(62002, 62002, 62201, :e3, 1, 'annual_monthly', '2025-01-25 00:00+00', 62001);
SELECT end_partnership(62001, 62002, '2025-01-21 00:00+00');
SELECT end_partnership(62008, 62002, '2025-01-21 00:00+00');
\set VERBOSITY terse
SELECT end_partnership(62006, 62002, '2999-01-01 00:00+00');
\set VERBOSITY default
SELECT pg_temp.error_of($q$SELECT end_partnership(62006, 62002, '2025-01-10 00:00+00')$q$, :s_bellows, 'Bellows') AS before_an_order;
SELECT pg_temp.sqlstate_of($q$SELECT end_partnership(62001, 62002, '2025-01-21 00:00+00')$q$) AS again,
       pg_temp.sqlstate_of($q$SELECT end_partnership(62008, 62002, '2025-01-21 00:00+00')$q$) AS no_partnership,
       pg_temp.sqlstate_of($q$SELECT end_partnership(62006, 62002, '2999-01-01 00:00+00')$q$) AS future,
       pg_temp.sqlstate_of($q$SELECT end_partnership(62006, 62002, '2025-01-10 00:00+00')$q$) AS before_an_order,
       pg_temp.sqlstate_of(format($q$SELECT place_subscription(62001, 62002, 62201, %s, 1, 'annual_monthly', '2025-01-25 00:00+00')$q$, :e3)) AS through_ended;
-- with one provider left, Contoso's orders need not name it any more
SELECT place_subscription(62002, 62002, 62201, :e1, 1, 'annual_monthly', '2025-01-25 00:00+00') IS NOT NULL AS placed_through_tailspin;
SELECT c.name AS customer, s.committed_seats, o.provider_id
  FROM subscription s JOIN customer c USING (reseller_id, customer_id)
  JOIN channel_order o USING (reseller_id, subscription_id)
 WHERE s.reseller_id = 62002 AND o.placed_at = '2025-01-25 00:00+00';

-- ===========================================================================
-- a move at renewal: Fabrikam moves Coho to Tailspin.  Mid-term it is
-- refused (55000); on 2025-02-01, its renewal date, it moves; a provider it
-- has no partnership with is refused (22023).
-- ===========================================================================
SELECT pg_temp.error_of(format($q$SELECT move_subscription_provider(62003, %s, 62006, '2025-01-15 00:00+00')$q$, :s_coho), :s_coho, 'Coho') AS mid_term;
SELECT pg_temp.error_of(format($q$SELECT move_subscription_provider(62003, %s, 62008, '2025-02-01 00:00+00')$q$, :s_coho), :s_coho, 'Coho') AS not_a_partner;
SELECT pg_temp.sqlstate_of(format($q$SELECT move_subscription_provider(62003, %s, 62006, '2025-01-15 00:00+00')$q$, :s_coho)) AS mid_term,
       pg_temp.sqlstate_of(format($q$SELECT move_subscription_provider(62003, %s, 62008, '2025-02-01 00:00+00')$q$, :s_coho)) AS not_a_partner;
SELECT placed_by, provider_id, provider_from, previous_provider_id
  FROM move_subscription_provider(62003, :s_coho, 62006, '2025-02-01 00:00+00');
SELECT renew_due('2025-02-01 00:00+00') >= 2 AS renewed;
SELECT c.name AS customer, s.term_start, s.term_end,
       subscription_provider_on(s.reseller_id, s.subscription_id, '2025-01-31') AS provider_jan_31,
       subscription_provider_on(s.reseller_id, s.subscription_id, '2025-02-01') AS provider_feb_1
  FROM subscription s JOIN customer c USING (reseller_id, customer_id)
 WHERE s.reseller_id BETWEEN 62001 AND 62099 AND s.subscription_id IN (:s_alpine, :s_bellows, :s_litware, :s_coho)
 ORDER BY s.reseller_id, s.customer_id;

-- ===========================================================================
-- February 2025: Northwind bills Alpine only (the term that ran when the
-- partnership ended); Tailspin bills Bellows, Litware's and Coho's renewed
-- terms and the E1 seat of January 25th.
--   Alpine  200.00; Northwind 220.00
--   Bellows E1 5, its second installment: 39.93 (as in the channel test);
--           Tailspin 41.93
--   Litware E3 2, new term: 480.00 / 12 = 40.00; Tailspin 504.00 / 12 = 42.00
--   Coho    E3 3, new term: 720.00 / 12 = 60.00; Tailspin 756.00 / 12 = 63.00
--   Alpine's E1 seat from Jan 25, through Tailspin: February's installment
--           7.99 (8.39), and January's days 25-31, placed after January was
--           closed, as an adjustment: 96.00 × 7 / 365 = 1.84 (1.93)
-- ===========================================================================
SELECT close_period('2025-02', :prog) AS written_by_chunks;
SELECT provider_name, reseller_name, invoice_number, period, subtotal, wholesale, provider_margin
  FROM channel_invoices WHERE program_code = 'csp_mp' AND period = '2025-02' ORDER BY provider_id, invoice_number;
SELECT provider_id, reseller_id, invoice_number, line_no, customer_name, description, amount, wholesale_amount
  FROM channel_invoice_lines WHERE provider_id IN (62001, 62006) AND period = '2025-02'
 ORDER BY provider_id, invoice_number, line_no;
SELECT provider_name, vendor_invoice_number, period, vendor_billed_for_resellers, resellers_wholesale,
       resellers_billed, balanced
  FROM channel_reconciliation WHERE provider_id IN (62001, 62006) ORDER BY vendor_invoice_number;
-- every subscription is billed by one provider a month: no line twice
SELECT count(*) AS billed_twice FROM (
    SELECT l.reseller_id, l.subscription_id, l.service_period, l.tranche_id
      FROM channel_invoice_line l JOIN channel_invoice ci USING (reseller_id, channel_invoice_id)
     WHERE ci.program_id = :prog AND l.kind = 'annual_installment'
     GROUP BY 1, 2, 3, 4 HAVING count(DISTINCT ci.provider_id) > 1) x;
RESET client_min_messages;
