-- make demo, part 5 (continued): an indirect reseller with two providers
-- (issue 15 §2).
--
-- A reseller evaluates the distributors of its region and works with the
-- ones that suit it: in a CSP program whose settings say
-- {"multiple_providers": true} it accepts a second distributor's invitation.
-- Each order is placed through one of its distributors, and one month-end
-- close bills each distributor -- and has each distributor bill the
-- reseller -- only for the subscriptions placed through it.  Then one
-- partnership ends: nothing new goes through it, what runs through it stays
-- with it to its term's end; and a subscription moves to the other
-- distributor at its renewal.
--
-- Its own program, resellers and customers (ids captured with \gset, never
-- shown); every moment is written out (UTC).
SET search_path = reseller_billing, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\pset footer off
\pset null ''
\set SHOW_CONTEXT never

\echo
\echo '== A CSP program that lets a reseller work with several distributors; Microsoft 365 E3 at USD 240.00 wholesale =='
INSERT INTO program (code, name, currency, reseller_discount, time_zone, settings)
VALUES ('csp_multi_demo', 'Cloud Solution Provider, several distributors (demo)', 'USD', 0, 'UTC',
        '{"csp": true, "multiple_providers": true}')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'm365_e3_multi', 'Microsoft 365 E3', 'm365')
RETURNING sku_id AS e3 \gset
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES (:e3, 'annual_monthly', 'USD 240.00', '2024-01-01');

\echo
\echo '== Two distributors, each with its own price (USD 264.00 and USD 252.00), and one reseller =='
INSERT INTO reseller (program_id, name, tier, country, region)
VALUES (:prog, 'Cascade Distribution', 'indirect_provider', 'US', 'WA') RETURNING reseller_id AS cascade \gset
INSERT INTO reseller (program_id, name, tier, country, region)
VALUES (:prog, 'Rainier Supply', 'indirect_provider', 'US', 'WA') RETURNING reseller_id AS rainier \gset
INSERT INTO reseller (program_id, name, tier, country, region)
VALUES (:prog, 'Puget IT', 'indirect_reseller', 'US', 'WA') RETURNING reseller_id AS puget \gset
INSERT INTO provider_price (reseller_id, sku_id, plan, price, valid_from) VALUES
    (:cascade, :e3, 'annual_monthly', 'USD 264.00', '2024-01-01'),
    (:rainier, :e3, 'annual_monthly', 'USD 252.00', '2024-01-01');

\echo
\echo '== Puget IT accepts both distributors'' invitations =='
SELECT (accept_invitation(:puget, invite_reseller(:cascade, :puget))).status AS cascade_invitation;
SELECT (accept_invitation(:puget, invite_reseller(:rainier, :puget))).status AS rainier_invitation;
INSERT INTO customer (reseller_id, name) VALUES (:puget, 'Olympic Outfitters') RETURNING customer_id AS olympic \gset
INSERT INTO customer (reseller_id, name) VALUES (:puget, 'Sound Analytics') RETURNING customer_id AS sound \gset
SELECT (accept_invitation(:puget, invite_customer(:puget, :olympic))).status AS olympic,
       (accept_invitation(:puget, invite_customer(:puget, :sound))).status AS sound;

\echo
\echo '== Each order names its distributor: Olympic 10 seats through Rainier, Sound 4 seats (renewing 2025-02-01) through Cascade =='
SELECT place_subscription(:puget, :puget, :olympic, :e3, 10, 'annual_monthly', '2025-01-01 00:00+00', :rainier) AS s_olympic \gset
SELECT place_subscription(:puget, :puget, :sound, :e3, 4, 'annual_monthly', '2024-02-01 00:00+00', :cascade) AS s_sound \gset
\echo '-- an order that names none is refused: Puget IT works with two distributors'
\set ON_ERROR_STOP 0
SELECT place_subscription(:puget, :puget, :olympic, :e3, 1, 'annual_monthly', '2025-01-05 00:00+00');
\set ON_ERROR_STOP 1

\echo
\echo '== January 2025, one close: each distributor is billed, and bills Puget IT, for its own subscriptions only =='
\echo '   Olympic: 10 x 240.00 / 12 = 200.00 (Rainier: 10 x 252.00 / 12 = 210.00); Sound: 4 x 240.00 / 12 = 80.00 (Cascade: 88.00)'
SET client_min_messages = warning;
SELECT close_period('2025-01', :prog) AS per_reseller_invoices;
RESET client_min_messages;
SELECT reseller_name AS billed, period, subtotal FROM invoices WHERE program_code = 'csp_multi_demo' ORDER BY reseller_name;
SELECT provider_name AS distributor, reseller_name AS reseller, period, subtotal, wholesale, provider_margin
  FROM channel_invoices WHERE program_code = 'csp_multi_demo' ORDER BY provider_name;

\echo
\echo '== Cascade and Puget IT part on 2025-01-20: no new orders through Cascade; Sound stays with it to its term''s end =='
SELECT ended_at FROM end_partnership(:cascade, :puget, '2025-01-20 00:00+00');
\set ON_ERROR_STOP 0
SELECT place_subscription(:puget, :puget, :olympic, :e3, 1, 'annual_monthly', '2025-01-25 00:00+00', :cascade);
\set ON_ERROR_STOP 1

\echo
\echo '== A subscription moves to another distributor only at renewal: Olympic mid-term is refused; Sound moves to Rainier on 2025-02-01 =='
\set ON_ERROR_STOP 0
SELECT provider_id FROM move_subscription_provider(:puget, :s_olympic, :rainier, '2025-01-25 00:00+00');
\set ON_ERROR_STOP 1
SELECT provider_id = :rainier AS now_rainier, provider_from, previous_provider_id = :cascade AS was_cascade
  FROM move_subscription_provider(:puget, :s_sound, :rainier, '2025-02-01 00:00+00');
SELECT renew_due('2025-02-01 00:00+00') >= 1 AS renewed;

\echo
\echo '== February 2025: Rainier bills both subscriptions (Sound''s new term at its 252.00: 84.00); Cascade bills Puget IT nothing =='
SET client_min_messages = warning;
SELECT close_period('2025-02', :prog) AS per_reseller_invoices;
RESET client_min_messages;
SELECT provider_name AS distributor, reseller_name AS reseller, period, subtotal, wholesale, provider_margin
  FROM channel_invoices WHERE program_code = 'csp_multi_demo' ORDER BY period, provider_name;
SELECT customer_name AS customer, description, amount, wholesale_amount
  FROM channel_invoice_lines WHERE provider_id = :rainier AND period = '2025-02' ORDER BY line_no;
