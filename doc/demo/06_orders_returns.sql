-- make demo, part 6 continued: order returns (issue 15 §4; doc/orders.md
-- "Returns").
--
-- In the GroupDocs-like program of 06_orders.sql, a second California
-- reseller: an order cancelled before payment (its temporary licence ends),
-- three prepaid orders paid, then an order on credit left unpaid past its
-- due date, charged interest on the April statement and cancelled in
-- April: the May statement shows it no longer owed and its interest
-- reversed.  A paid order is refunded in two parts (a third refund over
-- what was paid is refused) and another is credited: the credit note pays
-- what the reseller owes, the rest stays as credit.
--
-- Every date is in 2024 and written out, so the output is the same
-- whatever day the demo runs.
SET search_path = reseller_billing, public;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\pset footer off
\pset null ''
\set SHOW_CONTEXT never

CREATE FUNCTION pg_temp.refused(p_sql text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE p_sql;
    RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
    RETURN format('%s: %s', SQLSTATE, SQLERRM);
END $$;

\echo
\echo '######## Order returns: Golden Gate Docs, a new retail reseller in California ########'
SELECT program_id AS gdp FROM program WHERE code = 'groupdocs_demo' \gset
INSERT INTO reseller (program_id, name, business_type, country, region)
VALUES (:gdp, 'Golden Gate Docs', 'retail', 'US', 'CA') RETURNING reseller_id AS ggd \gset

\echo '== 8 January: Acme, 1 x Words (964.28), prepaid; a temporary licence meanwhile =='
SELECT place_order(:ggd, '{"name": "Acme Corp", "email": "it@acme.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-01-08') AS r1 \gset
SELECT issue_temporary_licence(:r1, 14, '2024-01-08') AS temporary_licences;
\echo '== 9 January: cancelled before payment: nothing owed, the temporary licence ends that day =='
SELECT cancel_order(:r1, 'the customer chose another product', '2024-01-09') IS NOT NULL AS cancelled;
SELECT order_id, status, total, paid, outstanding, cancelled_on FROM reseller_orders WHERE order_id = :r1;
SELECT order_id, kind, valid_from, valid_until FROM customer_licences WHERE order_id = :r1;
SELECT pg_temp.refused(format($$SELECT reseller_billing.record_order_payment(%s, 'USD 964.28', 'bank_transfer', '2024-01-10', 'GGD-000', %s)$$, :ggd, :r1)) AS paying_it;

\echo '== Three prepaid orders, paid (a cancelled order is not one of the first three paid) =='
SELECT place_order(:ggd, '{"name": "Globex", "email": "licensing@globex.example"}',
                   '[{"sku": "GD-CONV-DEV", "quantity": 2}]', '2024-01-10') AS r2 \gset
SELECT place_order(:ggd, '{"name": "Initech", "email": "ops@initech.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-01-11') AS r3 \gset
SELECT place_order(:ggd, '{"name": "Hooli", "email": "gavin@hooli.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-01-12') AS r4 \gset
SELECT record_order_payment(:ggd, 'USD 2893.82', 'bank_transfer', '2024-01-16', 'GGD-001', :r2) IS NOT NULL AS recorded;
SELECT record_order_payment(:ggd, 'USD 964.28', 'bank_transfer', '2024-01-17', 'GGD-002', :r3) IS NOT NULL AS recorded;
SELECT record_order_payment(:ggd, 'USD 964.28', 'bank_transfer', '2024-01-18', 'GGD-003', :r4) IS NOT NULL AS recorded;
SELECT reseller_standing(:ggd, '2024-01-19') AS standing;

\echo '== 5 February: Umbrella, 2 x Words (1928.57) on credit, due 6 March; never paid =='
SELECT place_order(:ggd, '{"name": "Umbrella", "email": "buyer@umbrella.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 2}]', '2024-02-05') AS r5 \gset
SELECT monthly_statement(:ggd, '2024-03') IS NOT NULL AS march_statement;
\echo '== 1 April: 26 days late: 26 x 1928.57 = 50142.82 balance-days x 12% / 365 = 16.4853... -> 16.49 =='
SELECT monthly_statement(:ggd, '2024-04') AS s_apr \gset
SELECT line_no, kind, order_id, description, amount, outstanding FROM order_statement_lines WHERE statement_id = :s_apr ORDER BY line_no;
SELECT reseller_standing(:ggd, '2024-04-10') AS standing_before_cancel;
\echo '== 10 April: Umbrella never deployed it: cancelled; its licence ends, its interest is reversed =='
SELECT cancel_order(:r5, 'the customer never deployed it', '2024-04-10') IS NOT NULL AS cancelled;
SELECT reseller_standing(:ggd, '2024-04-10') AS standing_after_cancel;

\echo
\echo '######## Refunds: Globex paid 2893.82; 2000.00 and 893.82 back, one cent more refused ########'
SELECT refund_order(:r2, 'USD 2000.00', 'one of two projects stopped', '2024-04-15') IS NOT NULL AS refunded;
SELECT pg_temp.refused(format($$SELECT reseller_billing.refund_order(%s, 'USD 1000.00', 'the rest', '2024-04-16')$$, :r2)) AS refund_1000;
SELECT refund_order(:r2, 'USD 893.82', 'the rest', '2024-04-16') IS NOT NULL AS refunded;
SELECT pg_temp.refused(format($$SELECT reseller_billing.refund_order(%s, 'USD 0.01', 'a cent more', '2024-04-16')$$, :r2)) AS refund_a_cent;

\echo
\echo '######## A credit note: Initech paid 964.28; credited, kept as credit (nothing else is owed) ########'
SELECT credit_order(:r3, 'USD 964.28', 'replaced by a Total licence', '2024-04-20') IS NOT NULL AS credited;
\echo '== the credit note is a payment in kind: what it cannot pay stays unapplied on it, as an overpayment does =='
SELECT order_id, kind, returned_on, amount, written_off, interest_reversed, credit_applied, credit_unapplied
  FROM order_returns WHERE reseller_id = :ggd ORDER BY return_id;

\echo
\echo '######## 1 May: the statement shows every return since April 1 and the interest reversed ########'
SELECT monthly_statement(:ggd, '2024-05') AS s_may \gset
SELECT line_no, kind, order_id, description, amount, outstanding FROM order_statement_lines WHERE statement_id = :s_may ORDER BY line_no;
SELECT period::text, orders_outstanding, interest_charged, interest_outstanding, total_due
  FROM order_statement WHERE reseller_id = :ggd ORDER BY period;
SELECT order_id, ship_to_name, status, total, paid, outstanding, cancelled_on, returned_on, returned
  FROM reseller_orders WHERE reseller_id = :ggd ORDER BY order_id;
\echo '== What the end customers see: the licences of returned orders end on the day of the return =='
SELECT customer_name, order_id, sku_code, kind, valid_from, valid_until
  FROM customer_licences WHERE reseller_id = :ggd ORDER BY order_id, licence_id;
