-- test/citus/channel.sql — the CSP channel (two tiers) in the multi-node
-- suite: run on one node and on a Citus cluster after distribute()
-- (test/citus/run.sh, after flows.sql), the two outputs compared line by
-- line.  A provider and the indirect resellers it bills are different
-- tenants, so on the cluster their rows sit on different shards (the suite
-- checks they sit on both workers): invitations, acceptance, the provider's
-- prices, orders, accounts, the month-end of both tiers, a second close, the
-- provider's credits and credit notes, a move to indirect resale completed and
-- one cancelled, the views, and the refusals, each
-- with the one node's SQLSTATE and message.  It prints nothing that differs
-- between the two but for a real difference: every query ordered, no
-- generated ids but the customers' (inserted one by one, in the same order
-- on both).
\set ON_ERROR_STOP 1
\set SHOW_CONTEXT never
\set VERBOSITY default
\pset footer off
SET search_path = reseller_billing, public;
SET client_min_messages = error;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';

-- refused: runs a statement that must fail and prints its SQLSTATE and message
CREATE FUNCTION pg_temp.refused(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE p_sql;
    RETURN 'accepted (a refusal was expected)';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || regexp_replace(SQLERRM, '(subscription|invitation|invoice) [0-9]+', '\1 #', 'g');
END $$;

\echo == the channel: a CSP program, one SKU at the wholesale price of the vendor, the sales tax of Utah
SELECT freeze_clock('2025-01-02 09:00') AS clock;
INSERT INTO program (code, name, currency, reseller_discount, time_zone, settings)
VALUES ('csp_cluster', 'CSP (cluster test)', 'USD', 0, 'UTC', '{"csp": true}')
RETURNING program_id AS prog \gset
INSERT INTO sku (program_id, code, name, family) VALUES (:prog, 'csp_e3', 'Office 365 E3', 'o365')
RETURNING sku_id AS e3 \gset
INSERT INTO price (sku_id, plan, list_price, valid_from)
VALUES (:e3, 'annual_monthly', 'USD 240.00', '2025-01-01'), (:e3, 'flexible', 'USD 288.00', '2025-01-01');
INSERT INTO us_sales_tax_rate (state, rate, valid_from, note) VALUES ('UT', 0.0610, '2020-01-01', 'channel cluster test');

\echo == two providers, three indirect resellers, a direct-bill partner
-- (ids chosen so that on the cluster Sierra Distribution and Tahoe Tech sit on
-- one worker, Reno IT and Carson Cloud on the other: the suite checks it)
INSERT INTO reseller (reseller_id, program_id, name, tier, country, region)
VALUES (14001, :prog, 'Sierra Distribution', 'indirect_provider', 'US', 'UT') RETURNING reseller_id AS p1 \gset
INSERT INTO reseller (reseller_id, program_id, name, tier, country, region)
VALUES (14002, :prog, 'Bay Supply', 'indirect_provider', 'US', 'OR') RETURNING reseller_id AS p2 \gset
INSERT INTO reseller (reseller_id, program_id, name, tier, country, region)
VALUES (14003, :prog, 'Reno IT', 'indirect_reseller', 'US', 'UT') RETURNING reseller_id AS k1 \gset
INSERT INTO reseller (reseller_id, program_id, name, tier, country, region)
VALUES (14004, :prog, 'Tahoe Tech', 'indirect_reseller', 'US', 'OR') RETURNING reseller_id AS k2 \gset
INSERT INTO reseller (reseller_id, program_id, name, tier, country, region)
VALUES (14005, :prog, 'Carson Cloud', 'indirect_reseller', 'US', 'UT') RETURNING reseller_id AS k3 \gset
INSERT INTO reseller (reseller_id, program_id, name, tier, country, region)
VALUES (14006, :prog, 'Vegas Direct', 'direct', 'US', 'UT') RETURNING reseller_id AS d1 \gset
\echo == the own prices of a provider (its rows: its shard)
INSERT INTO provider_price (reseller_id, sku_id, plan, price, valid_from)
VALUES (:p1, :e3, 'annual_monthly', 'USD 264.00', '2025-01-01');
SELECT provider_price_on(:p1, :e3, 'annual_monthly', '2025-01-15') AS sierra_e3;
SELECT pg_temp.refused(format('SELECT provider_price_on(%s, %s, %L, %L)', :p2, :e3, 'annual_monthly', '2025-01-15'))
       AS bay_has_no_price;

\echo == invitations: the provider invites (its row), the reseller accepts (its rows)
SELECT invite_reseller(:p1, :k1) AS inv_k1 \gset
SELECT invite_reseller(:p1, :k1) = :inv_k1 AS same_invitation;
SELECT kind, provider_id = :p1 AS from_sierra, status FROM accept_invitation(:k1, :inv_k1);
SELECT status FROM accept_invitation(:k2, invite_reseller(:p1, :k2));
SELECT invite_reseller(:p2, :k3) AS inv_bay \gset
SELECT status FROM revoke_invitation(:p2, :k3, :inv_bay);
SELECT status FROM accept_invitation(:k3, invite_reseller(:p1, :k3));
\echo == refused, as on one node
SELECT pg_temp.refused(format('SELECT invite_reseller(%s, %s)', :d1, :k1)) AS invited_by_a_direct_partner;
SELECT pg_temp.refused(format('SELECT invite_reseller(%s, %s)', :p2, :k1)) AS reseller_with_a_provider;
SELECT pg_temp.refused(format('SELECT invite_reseller(%s, %s)', :p1, :d1)) AS direct_partner_invited;
SELECT pg_temp.refused(format('SELECT invite_reseller(%s, %s)', :p1, -1)) AS unknown_reseller;
SELECT pg_temp.refused(format('SELECT accept_invitation(%s, %s)', :k1, :inv_k1)) AS accepted_twice;
SELECT pg_temp.refused(format('SELECT accept_invitation(%s, %s)', :k3, :inv_bay)) AS revoked_invitation;
SELECT pg_temp.refused(format('SELECT revoke_invitation(%s, %s, %s)', :p2, :k1, :inv_k1)) AS revoked_by_another;
SELECT reseller_name, tier, direct_bill, indirect_resale, transition, provider_name
  FROM partner_capabilities WHERE program_code = 'csp_cluster' ORDER BY reseller_name;

\echo == customers: each reseller invites its own; acceptance names the provider of the reseller
INSERT INTO customer (reseller_id, name, primary_domain) VALUES (:k1, 'Alpine Ski House', 'alpine.example')
RETURNING customer_id AS c1 \gset
INSERT INTO customer (reseller_id, name, primary_domain) VALUES (:k2, 'Coho Winery', 'coho.example')
RETURNING customer_id AS c2 \gset
INSERT INTO customer (reseller_id, name, primary_domain) VALUES (:k3, 'Fabrikam', 'fabrikam.example')
RETURNING customer_id AS c3 \gset
INSERT INTO customer (reseller_id, name, primary_domain) VALUES (:p1, 'Fourth Coffee', 'fourth.example')
RETURNING customer_id AS c4 \gset
INSERT INTO customer (reseller_id, name, primary_domain) VALUES (:k1, 'Lucerne Publishing', 'lucerne.example')
RETURNING customer_id AS c5 \gset
SELECT (accept_invitation(:k1, invite_customer(:k1, :c1))).status AS alpine,
       (accept_invitation(:k2, invite_customer(:k2, :c2))).status AS coho,
       (accept_invitation(:k3, invite_customer(:k3, :c3))).status AS fabrikam,
       (accept_invitation(:p1, invite_customer(:p1, :c4))).status AS fourth_coffee;
SELECT r.name AS reseller, c.name AS customer, cr.provider_id = :p1 AS through_sierra
  FROM customer_relationship cr JOIN customer c USING (reseller_id, customer_id) JOIN reseller r USING (reseller_id)
 WHERE cr.reseller_id IN (:p1, :k1, :k2, :k3) ORDER BY 1, 2;

\echo == orders: by the provider for a customer of a reseller, by a reseller, by a plain INSERT
SELECT place_subscription(:p1, :k1, :c1, :e3, 10, 'annual_monthly', '2025-01-01 00:00+00') AS s1 \gset
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2025-01-10 09:00') AS clock;
SELECT place_subscription(:k2, :k2, :c2, :e3, 5, 'annual_monthly', '2025-01-10 00:00+00') AS s2 \gset
BEGIN;
SET LOCAL reseller_billing.effective_at = '2025-01-10 00:00+00';
INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats)
VALUES (:k3, :c3, :e3, 'annual_monthly', 4), (:p1, :c4, :e3, 'annual_monthly', 2);
COMMIT;
SELECT subscription_id AS s3 FROM subscription WHERE reseller_id = :k3 AND customer_id = :c3 \gset
\echo == refused orders
SELECT pg_temp.refused(format('SELECT place_subscription(%s, %s, %s, %s, 5, %L, %L)', :p2, :k1, :c1, :e3,
                              'annual_monthly', '2025-01-10 00:00+00')) AS partner_outside_the_relationship;
SELECT pg_temp.refused(format('SELECT place_subscription(%s, %s, %s, %s, 5, %L, %L)', :k1, :k1, :c1, :e3,
                              'flexible', '2025-01-10 00:00+00')) AS not_a_commitment;
SELECT pg_temp.refused(format('SELECT place_subscription(%s, %s, %s, %s, 0, %L, %L)', :k1, :k1, :c1, :e3,
                              'annual_monthly', '2025-01-10 00:00+00')) AS no_seats;
SELECT pg_temp.refused(format('SELECT place_subscription(%s, %s, %s, %s, 5, %L, %L)', :k1, :k1, :c5, :e3,
                              'annual_monthly', '2025-01-10 00:00+00')) AS customer_without_relationship;
SELECT pg_temp.refused(format($$INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, committed_seats)
                                VALUES (%s, %s, %s, 'annual_monthly', 3)$$, :k1, :c5, :e3)) AS plain_insert_without_relationship;
SELECT pg_temp.refused(format($$INSERT INTO subscription (reseller_id, customer_id, sku_id, plan, seat_cap)
                                VALUES (%s, %s, %s, 'flexible', 3)$$, :k1, :c1, :e3)) AS plain_insert_of_flex;
SELECT r.name AS reseller, c.name AS customer, s.plan, s.committed_seats, s.term_start, s.term_end, s.partner_price,
       coalesce(o.placed_by = :p1, false) AS placed_by_sierra
  FROM subscription s JOIN customer c USING (reseller_id, customer_id) JOIN reseller r USING (reseller_id)
  LEFT JOIN channel_order o USING (reseller_id, subscription_id)
 WHERE s.reseller_id IN (:p1, :k1, :k2, :k3) ORDER BY 1, 2;

\echo == accounts: one multi-row INSERT over the subscriptions of the resellers, a reduction refused
BEGIN;
SET LOCAL reseller_billing.effective_at = '2025-01-10 09:00+00';
INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
SELECT s.reseller_id, s.subscription_id, format('user%s@%s', n, c.primary_domain), '2025-01-10 09:00+00'
  FROM subscription s JOIN customer c USING (reseller_id, customer_id), generate_series(1, 2) n
 WHERE s.reseller_id IN (:p1, :k1, :k2, :k3);
COMMIT;
SELECT subscription_id AS s4 FROM subscription WHERE reseller_id = :p1 AND customer_id = :c4 \gset
BEGIN;
SET LOCAL reseller_billing.effective_at = '2025-01-10 09:00+00';
SELECT pg_temp.refused(format($$INSERT INTO seat (reseller_id, subscription_id, user_name, active_from)
                                VALUES (%s, %s, 'third@fourth.example', '2025-01-10 09:00+00')$$, :p1, :s4))
       AS over_the_commitment;
COMMIT;
SELECT r.name AS reseller, count(*) AS accounts
  FROM seat a JOIN reseller r USING (reseller_id)
 WHERE a.reseller_id IN (:p1, :k1, :k2, :k3) GROUP BY r.name ORDER BY 1;
SELECT pg_temp.refused(format('UPDATE subscription SET committed_seats = 5 WHERE reseller_id = %s AND subscription_id = %s',
                              :k1, :s1)) AS fewer_committed_seats;

\echo == a credit of the provider to a reseller (applied by the close)
SELECT grant_channel_credit(:p1, :k1, 'USD 30.00', 'onboarding') IS NOT NULL AS reno_credit;
SELECT pg_temp.refused(format('SELECT grant_channel_credit(%s, %s, %L, %L)', :p2, :k1, 'USD 10.00', 'x')) AS credit_by_another_provider;
SELECT pg_temp.refused(format('SELECT grant_channel_credit(%s, %s, %L, %L)', :p1, :k1, 'EUR 10.00', 'x')) AS credit_in_euros;

\echo == January closed: both tiers from one close
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2025-02-02 09:00') AS clock;
SELECT close_period('2025-01', :prog) AS written_by_the_direct_close;
SELECT close_period('2025-01', :prog) AS closed_again, channel_close('2025-01', :prog) AS channel_again;
SELECT reseller_name, invoice_number, period, subtotal, credits_applied, tax, total, issued_on, due_on
  FROM invoices WHERE program_code = 'csp_cluster' ORDER BY invoice_number;
\echo == tier 1: the invoice of the vendor to Sierra, with the lines of its resellers at wholesale
SELECT l.line_no, l.end_reseller_id = :k1 AS for_reno, l.end_reseller_id = :k2 AS for_tahoe,
       l.end_reseller_id = :k3 AS for_carson, l.kind, l.description, l.quantity, l.unit_price, l.amount
  FROM invoice_line l JOIN invoice i USING (reseller_id, invoice_id)
 WHERE i.reseller_id = :p1 AND i.period = '2025-01' ORDER BY l.line_no;
\echo == tier 2: the invoices of Sierra to its resellers, at its prices, taxed by the address of each
SELECT reseller_name, provider_name, invoice_number, period, subtotal, wholesale, provider_margin, tax, credits_applied,
       total, vendor_invoice_number IS NOT NULL AS on_a_vendor_invoice
  FROM channel_invoices WHERE program_code = 'csp_cluster' ORDER BY invoice_number;
SELECT l.invoice_number, l.line_no, l.customer_name, l.sku_code, l.kind, l.quantity, l.unit_price, l.amount,
       l.wholesale_unit_price, l.wholesale_amount, l.vendor_line_no
  FROM channel_invoice_lines l WHERE l.provider_id = :p1 ORDER BY l.invoice_number, l.line_no;
SELECT r.name AS reseller, a.line_no, c.reason, a.amount, c.remaining
  FROM channel_credit_application a JOIN channel_credit c USING (reseller_id, channel_credit_id)
  JOIN reseller r ON r.reseller_id = a.reseller_id
 WHERE a.reseller_id IN (:k1, :k2, :k3) ORDER BY 1, 2;
SELECT provider_name, period, vendor_billed_for_resellers, resellers_wholesale, resellers_billed, provider_margin, balanced
  FROM channel_reconciliation WHERE provider_id = :p1 ORDER BY period;

\echo == a credit note on the invoice of Sierra to Reno IT; refusals
SELECT channel_invoice_id AS reno_jan FROM channel_invoice WHERE reseller_id = :k1 AND period = '2025-01' \gset
SELECT issue_channel_credit_note(:p1, :k1, :reno_jan, 'USD 20.00', 'two seats unused in January') IS NOT NULL AS credit_note;
SELECT pg_temp.refused(format('SELECT issue_channel_credit_note(%s, %s, %s, %L, %L)', :p1, :k1, :reno_jan,
                              'USD 5000.00', 'too much')) AS more_than_owed;
SELECT pg_temp.refused(format('SELECT issue_channel_credit_note(%s, %s, %s, %L, %L)', :p2, :k1, :reno_jan,
                              'USD 1.00', 'x')) AS another_provider;
SELECT pg_temp.refused(format('SELECT issue_channel_credit_note(%s, %s, %s, %L, %L)', :p1, :k1, :reno_jan,
                              'USD -1.00', 'x')) AS negative;
SELECT pg_temp.refused(format('SELECT issue_channel_credit_note(%s, %s, -1, %L, %L)', :p1, :k1, 'USD 1.00', 'x'))
       AS unknown_invoice;
SELECT pg_temp.refused(format('UPDATE channel_invoice SET credited = %L WHERE reseller_id = %s AND channel_invoice_id = %s',
                              'USD 0.00', :k1, :reno_jan)) AS provider_invoice_is_final;
SELECT reseller_name, invoice_number, total, credited, outstanding
  FROM channel_invoices WHERE program_code = 'csp_cluster' ORDER BY invoice_number;

\echo == February: more seats for Alpine mid-month (a tranche at the price of Sierra on its first day)
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2025-02-15 09:00') AS clock;
SELECT add_seats(:k1, :s1, 2, '2025-02-15 00:00+00') AS alpine_committed_seats;
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2025-03-02 09:00') AS clock;
SELECT close_period('2025-02', :prog) AS written_by_the_direct_close;
SELECT close_period('2025-02', :prog) AS closed_again;
SELECT reseller_name, invoice_number, period, subtotal, wholesale, tax, credits_applied, total
  FROM channel_invoices WHERE program_code = 'csp_cluster' AND period = '2025-02' ORDER BY invoice_number;
SELECT l.invoice_number, l.line_no, l.customer_name, l.kind, l.quantity, l.amount, l.wholesale_amount, l.service_start,
       l.service_end
  FROM channel_invoice_lines l WHERE l.provider_id = :p1 AND l.period = '2025-02' ORDER BY l.invoice_number, l.line_no;
SELECT provider_name, period, vendor_billed_for_resellers, resellers_wholesale, resellers_billed, balanced
  FROM channel_reconciliation WHERE provider_id = :p1 ORDER BY period;
SELECT reseller_name, tier, revenue, threshold, shortfall, eligible
  FROM direct_bill_standing('2025-03-01') WHERE program_code = 'csp_cluster' ORDER BY reseller_name;

\echo == the audit log of the tables of the channel
SELECT table_name, operation, count(*) AS changes
  FROM audit_log
 WHERE reseller_id IN (:p1, :p2, :k1, :k2, :k3, :d1)
   AND table_name IN ('channel_invitation', 'provider_partnership', 'customer_relationship', 'channel_order',
                      'provider_price', 'channel_invoice', 'channel_invoice_line', 'channel_credit',
                      'channel_credit_note')
 GROUP BY 1, 2 ORDER BY 1, 2;

\echo == March: the direct-bill partner moves to indirect resale through Sierra, one way
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2025-03-05 09:00') AS clock;
SELECT transition_to_indirect(:d1) = clock_now() AS started_now;
SELECT status FROM accept_invitation(:d1, invite_reseller(:p1, :d1));
SELECT complete_transition(:d1) = clock_now() AS completed_now;
SELECT pg_temp.refused(format('SELECT cancel_transition(%s)', :d1)) AS cancel_of_a_completed_transition;
SELECT pg_temp.refused(format('SELECT transition_to_indirect(%s)', :k1)) AS transition_of_an_indirect_reseller;
\echo == a second direct partner starts the move and cancels it
INSERT INTO reseller (reseller_id, program_id, name, tier, country, region)
VALUES (14007, :prog, 'Ely Direct', 'direct', 'US', 'UT') RETURNING reseller_id AS d2 \gset
SELECT transition_to_indirect(:d2) = clock_now() AS started_now;
SELECT cancel_transition(:d2) \g /dev/null
SELECT pg_temp.refused(format('SELECT cancel_transition(%s)', :d2)) AS cancel_again;
SELECT reseller_name, tier, transition FROM partner_capabilities WHERE reseller_id = :d2;
SELECT pg_temp.refused(format($$UPDATE reseller SET tier = 'direct' WHERE reseller_id = %s$$, :d1)) AS back_to_direct;
SELECT pg_temp.refused(format($$UPDATE reseller SET tier = 'direct' WHERE reseller_id = %s$$, :p1)) AS provider_with_resellers;
SELECT pg_temp.refused(format('SELECT set_direct_access(%s, true, false)', :d1)) AS direct_access_of_an_indirect_reseller;
SELECT reseller_name, tier, direct_bill, indirect_resale, transition, programmatic_access, provider_name
  FROM partner_capabilities WHERE reseller_id IN (:p1, :d1) ORDER BY reseller_name;

\echo == a one-off charge of Reno IT, an account ended and a seat added back in February (late changes), March closed
SELECT add_charge(:k1, :c1, 'setup', 'USD 20.00', '2025-03-05') IS NOT NULL AS charged;
BEGIN;
SET LOCAL reseller_billing.effective_at = '2025-03-05 09:00';
UPDATE seat SET active_until = '2025-02-20 00:00' WHERE reseller_id = :k1 AND user_name LIKE 'user1@%';
COMMIT;
SELECT add_seats(:k3, :s3, 1, '2025-02-20 00:00+00') AS carson_committed_seats_from_february_20;
SELECT r.name AS reseller, lc.service_period FROM late_change lc JOIN reseller r USING (reseller_id)
 WHERE lc.reseller_id IN (:p1, :k1, :k2, :k3, :d1) ORDER BY 1, 2;
SELECT thaw_clock() \g /dev/null
SELECT freeze_clock('2025-04-02 09:00') AS clock;
SELECT p.line_no, p.kind, p.description, p.amount FROM preview_invoice(:p1, '2025-04') p ORDER BY 1;
SELECT close_period('2025-03', :prog) AS written_by_the_direct_close;
SELECT reseller_name, invoice_number, period, subtotal, wholesale, tax, total
  FROM channel_invoices WHERE program_code = 'csp_cluster' AND period = '2025-03' ORDER BY invoice_number;
SELECT l.invoice_number, l.line_no, l.kind, l.description, l.amount, l.wholesale_amount
  FROM channel_invoice_lines l WHERE l.provider_id = :p1 AND l.period = '2025-03' ORDER BY 1, 2;
SELECT r.name AS reseller, count(*) AS late_changes_left FROM late_change lc JOIN reseller r USING (reseller_id)
 WHERE lc.reseller_id IN (:p1, :k1, :k2, :k3, :d1) GROUP BY 1 ORDER BY 1;
SELECT provider_name, period, balanced FROM channel_reconciliation WHERE provider_id = :p1 ORDER BY period;
SELECT pg_temp.refused(format($$UPDATE invoice SET status = 'void' WHERE reseller_id = %s AND period = '2025-01'$$, :p1))
       AS void_of_a_two_tier_invoice;

\echo == row-level security: logins bound to the provider and to one of its resellers
CREATE ROLE channel_app LOGIN IN ROLE reseller_billing_reseller;
SELECT bind_login('channel_app', :p1) \g /dev/null
SET SESSION AUTHORIZATION channel_app;
SELECT current_reseller() = :p1 AS acts_for_sierra;
SELECT r.name AS reseller, count(*) AS subscriptions_seen
  FROM subscription s JOIN reseller r USING (reseller_id) GROUP BY 1 ORDER BY 1;
SELECT provider_name, period, balanced FROM channel_reconciliation ORDER BY period;
SELECT reseller_name, provider_name FROM partner_capabilities ORDER BY 1;
RESET SESSION AUTHORIZATION;
SELECT unbind_login('channel_app') \g /dev/null
SELECT bind_login('channel_app', :k1) \g /dev/null
SET SESSION AUTHORIZATION channel_app;
SELECT reseller_id = :k1 AS own, count(*) AS subscriptions_seen FROM subscription GROUP BY 1 ORDER BY 1;
SELECT count(*) AS channel_invoices_seen FROM channel_invoice;
-- the view leaves out the invoices whose provider the login may not see
SELECT count(*) AS in_the_view FROM channel_invoices;
SELECT reseller_name, provider_name FROM partner_capabilities ORDER BY 1;
RESET SESSION AUTHORIZATION;
SELECT unbind_login('channel_app') \g /dev/null
DROP OWNED BY channel_app;
DROP ROLE channel_app;

-- the tax rate is a shared row: taken away again
DELETE FROM us_sales_tax_rate WHERE state = 'UT' AND note = 'channel cluster test';
SELECT thaw_clock() \g /dev/null
