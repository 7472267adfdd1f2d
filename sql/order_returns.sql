--
-- order_returns: cancelling a licence order before payment, refunding or
-- crediting it after (issue 15 §4; doc/orders.md "Returns").
--
-- The GroupDocs figures of sql/orders.sql (USD, 10% off list for retail
-- resellers, 30 days to pay, bank transfer only, late interest 12% a year,
-- three prepaid orders for a new reseller; California sales tax 7.25%):
--   an unpaid prepaid order cancelled (its temporary licence ends);
--   an order on credit, overdue with interest charged, cancelled before
--     payment: no longer owed, licence revoked, its interest reversed on
--     the next statement;
--   a paid order refunded in two parts, a third refund over what was paid
--     refused (22023);
--   a paid order credited: the credit note pays what the reseller owes,
--     the rest stays as credit;
--   the statement of May 1 showing all of it; run_due writing the
--     statement of a reseller whose only news is a refund.
--
-- It runs in a database of its own (run_due works on every program of a
-- database, and the order ids are then the same on every run).
--
SELECT current_database() AS regress_db \gset
SET client_min_messages = warning;
DROP DATABASE IF EXISTS rb_order_returns;
CREATE DATABASE rb_order_returns;
\c rb_order_returns
SET client_min_messages = warning;
CREATE EXTENSION reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
\set SHOW_CONTEXT never
\i sql/include/error_of.sql

INSERT INTO program (program_id, code, name, currency, reseller_discount, time_zone, payment_terms_days, settings)
VALUES (1, 'gd', 'GroupDocs reseller program', 'USD', 0.10, 'UTC', 30,
        '{"payment_methods": ["bank_transfer"], "late_interest_rate": 0.12, "prepaid_first_orders": 3,
          "temporary_licence_max_days": 30}');
INSERT INTO sku (sku_id, program_id, code, name, family, unit) VALUES
    (1, 1, 'GD-WORDS-DEV', 'GroupDocs.Words Developer', 'words', 'licence'),
    (2, 1, 'GD-CONV-DEV', 'GroupDocs.Conversion Developer', 'conversion', 'licence'),
    (3, 1, 'GD-VIEWER-SOEM', 'GroupDocs.Viewer Site OEM', 'viewer', 'licence');
INSERT INTO price (sku_id, plan, list_price, valid_from) VALUES
    (1, 'annual_prepaid', 'USD 999.00', '2020-01-01'),
    (2, 'annual_prepaid', 'USD 1499.00', '2020-01-01'),
    (3, 'annual_prepaid', 'USD 4995.00', '2020-01-01');
INSERT INTO us_sales_tax_rate (state, rate, valid_from) VALUES ('CA', 0.0725, '2020-01-01');
INSERT INTO reseller (reseller_id, program_id, name, business_type, country, region) VALUES
    (1, 1, 'Bay Docs LLC', 'retail', 'US', 'CA'),
    (2, 1, 'Maple Docs Ltd', 'retail', 'CA', 'ON');

CREATE TEMP VIEW ord AS
SELECT o.order_id AS ord, o.placed_on, o.ship_to_name, o.status, o.requires_prepayment AS prepay, o.due_on, o.total,
       o.paid, o.outstanding, o.paid_on, o.licensed_on, o.cancelled_on, o.returned_on, o.returned
  FROM reseller_orders o WHERE o.reseller_id = 1;
CREATE TEMP VIEW lic AS
SELECT l.order_id AS ord, l.sku_code, l.kind, l.valid_from, l.valid_until, x.revoked_on
  FROM customer_licences l JOIN licence x USING (reseller_id, licence_id) WHERE l.reseller_id = 1;
CREATE TEMP VIEW st AS
SELECT s.period, l.line_no, l.kind, l.order_id, l.description, l.due_on, l.days_overdue, l.amount, l.paid, l.outstanding
  FROM order_statement_lines l JOIN order_statement s USING (reseller_id, statement_id) WHERE l.reseller_id = 1;

-- ===========================================================================
-- a new reseller's first order, prepaid, cancelled before payment
-- ===========================================================================
-- order 1, Acme, January 8: 1 × Words 899.10 + tax 65.18 = 964.28, prepaid;
-- a temporary licence of 14 days meanwhile
SELECT place_order(1, '{"name": "Acme Corp", "email": "it@acme.example", "domain": "acme.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-01-08') AS o1 \gset
SELECT issue_temporary_licence(:o1, 14, '2024-01-08') AS temporary_licences;
-- cancelled January 9: no longer owed, the temporary licence ends that day
SELECT cancel_order(:o1, 'the customer chose another product', '2024-01-09') IS NOT NULL AS cancelled;
SELECT * FROM ord WHERE ord = :o1;
SELECT * FROM lic WHERE ord = :o1;
SELECT kind, returned_on, reason, amount, written_off, interest_reversed, statement_period FROM order_returns WHERE order_id = :o1;
-- nothing more happens to a cancelled order (55000): another cancellation,
-- a refund, a payment naming it, a licence
SELECT pg_temp.error_of(format($$SELECT cancel_order(%s, 'again', '2024-01-10')$$, :o1));
SELECT pg_temp.error_of(format($$SELECT refund_order(%s, 'USD 1.00', 'refund', '2024-01-10')$$, :o1));
SELECT pg_temp.error_of(format($$SELECT record_order_payment(1, 'USD 964.28', 'bank_transfer', '2024-01-10', 'BD-000', %s)$$, :o1));
SELECT pg_temp.error_of(format($$SELECT issue_order_licence(1, %s, '2024-01-10')$$, :o1));

-- three more prepaid orders, paid: a cancelled order does not count among
-- the first three paid
--   order 2, Globex, 2 × Conversion 2698.20 + 195.62 = 2893.82
--   order 3, Initech, 1 × Viewer Site OEM 4495.50 + 325.92 = 4821.42
--   order 4, Hooli, 1 × Words 964.28
SELECT place_order(1, '{"name": "Globex", "email": "licensing@globex.example"}', '[{"sku": "GD-CONV-DEV", "quantity": 2}]', '2024-01-09') AS o2 \gset
SELECT place_order(1, '{"name": "Initech", "email": "ops@initech.example"}', '[{"sku": "GD-VIEWER-SOEM", "quantity": 1}]', '2024-01-10') AS o3 \gset
SELECT record_order_payment(1, 'USD 2893.82', 'bank_transfer', '2024-01-16', 'BD-001') IS NOT NULL AS recorded;
SELECT record_order_payment(1, 'USD 4821.42', 'bank_transfer', '2024-01-17', 'BD-002') IS NOT NULL AS recorded;
SELECT reseller_standing(1, '2024-01-18') AS standing;
SELECT place_order(1, '{"name": "Hooli", "email": "gavin@hooli.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-01-18') AS o4 \gset
SELECT record_order_payment(1, 'USD 964.28', 'bank_transfer', '2024-01-19', 'BD-003') IS NOT NULL AS recorded;
SELECT reseller_standing(1, '2024-01-20') AS standing;

-- ===========================================================================
-- orders on credit (licensed at once, due in 30 days)
--   order 5, Acme, January 22: 964.28, due February 21, paid February 15
--   order 6, Globex Labs, February 5: 2 × Words 1798.20 + 130.37 = 1928.57,
--     due March 6; 1000.00 paid March 20, the rest 928.57 April 5
--   order 7, Umbrella, February 10: 1 × Conversion 1349.10 + 97.81 =
--     1446.91, due March 11; never paid
-- ===========================================================================
SELECT place_order(1, '{"name": "Acme Corp", "email": "it@acme.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-01-22') AS o5 \gset
SELECT place_order(1, '{"name": "Globex Labs", "email": "cto@globex.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": 2}]', '2024-02-05') AS o6 \gset
SELECT place_order(1, '{"name": "Umbrella", "email": "buyer@umbrella.example"}', '[{"sku": "GD-CONV-DEV", "quantity": 1}]', '2024-02-10') AS o7 \gset
SELECT record_order_payment(1, 'USD 964.28', 'bank_transfer', '2024-02-15', 'BD-004') IS NOT NULL AS recorded;
SELECT monthly_statement(1, '2024-03') IS NOT NULL AS march_statement;
SELECT record_order_payment(1, 'USD 1000.00', 'bank_transfer', '2024-03-20', 'BD-005') IS NOT NULL AS recorded;

-- the statement of April 1: order 6 overdue 26 days, order 7 21 days.
-- Interest, balance × days × 12% / 365, rounded once:
--   order 6: 14 × 1928.57 + 12 × 928.57 = 38142.82 → 12.5401… → 12.54
--   order 7: March 11 to 31, 21 × 1446.91 = 30385.11 → 9.9896… → 9.99
-- total due 928.57 + 1446.91 + 12.54 + 9.99 = 2398.01
SELECT monthly_statement(1, '2024-04') IS NOT NULL AS april_statement;
SELECT * FROM st WHERE period = '2024-04' ORDER BY line_no;
SELECT orders_outstanding, interest_charged, interest_outstanding, total_due FROM order_statement WHERE reseller_id = 1 AND period = '2024-04';
SELECT record_order_payment(1, 'USD 928.57', 'bank_transfer', '2024-04-05', 'BD-006') IS NOT NULL AS recorded;

-- ===========================================================================
-- order 7, overdue and unpaid, cancelled April 10: Umbrella never deployed
-- it.  Nothing is owed on it any more, its licence ends April 10, the 9.99
-- of interest charged on it is reversed; while it was open the reseller had
-- to prepay, now it does not
-- ===========================================================================
SELECT reseller_standing(1, '2024-04-10') AS standing_before;
SELECT cancel_order(:o7, 'the customer never deployed it', '2024-04-10') IS NOT NULL AS cancelled;
SELECT reseller_standing(1, '2024-04-10') AS standing_after;
SELECT * FROM ord WHERE ord = :o7;
SELECT * FROM lic WHERE ord = :o7;
SELECT amount, paid, reversed_on, reversed FROM late_interest WHERE order_id = :o7;
-- a paid order is not cancelled (55000): it is refunded or credited
SELECT pg_temp.error_of(format($$SELECT cancel_order(%s, 'too late', '2024-04-10')$$, :o6));

-- order 8, Initech, April 12: 1 × Words 964.28 on credit, due May 12; an
-- order not paid yet has nothing to refund or credit (55000)
SELECT place_order(1, '{"name": "Initech", "email": "ops@initech.example"}', '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-04-12') AS o8 \gset
SELECT pg_temp.error_of(format($$SELECT refund_order(%s, 'USD 100.00', 'goodwill', '2024-04-12')$$, :o8));
SELECT pg_temp.error_of(format($$SELECT credit_order(%s, 'USD 100.00', 'goodwill', '2024-04-12')$$, :o8));

-- ===========================================================================
-- order 5, paid 964.28, returned: refunded in two parts
--   April 15: 500.00 paid back; its licence ends that day
--   April 16: another 500.00 is refused, 964.28 - 500.00 = 464.28 is left
--   (22023, naming the order, what was paid and what was asked);
--   464.28 is accepted: the refunds add up to what was paid
-- ===========================================================================
SELECT refund_order(:o5, 'USD 500.00', 'two developers left the project', '2024-04-15') IS NOT NULL AS refunded;
SELECT pg_temp.error_of(format($$SELECT refund_order(%s, 'USD 500.00', 'the rest', '2024-04-16')$$, :o5));
SELECT refund_order(:o5, 'USD 464.28', 'the rest', '2024-04-16') IS NOT NULL AS refunded;
SELECT pg_temp.error_of(format($$SELECT refund_order(%s, 'USD 0.01', 'one cent more', '2024-04-16')$$, :o5));
-- a returned order is not cancelled (55000)
SELECT pg_temp.error_of(format($$SELECT cancel_order(%s, 'after all', '2024-04-16')$$, :o5));
SELECT * FROM ord WHERE ord = :o5;
SELECT * FROM lic WHERE ord = :o5;

-- ===========================================================================
-- order 6, paid 1928.57, credited April 20 in full: the credit note pays
-- what the reseller owes, oldest due first: April's interest 12.54 (due
-- May 1), then order 8, 964.28 (due May 12); 1928.57 - 12.54 - 964.28 =
-- 951.75 stays as credit
-- ===========================================================================
SELECT credit_order(:o6, 'USD 1928.57', 'replaced by a Total licence', '2024-04-20') IS NOT NULL AS credited;
SELECT kind, returned_on, amount, written_off, credit_applied, credit_unapplied FROM order_returns WHERE order_id = :o6;
SELECT * FROM ord WHERE ord IN (:o6, :o8) ORDER BY ord;
SELECT interest_id IS NOT NULL AS interest, order_id, a.amount, p.method, p.received_on
  FROM order_payment_allocation a JOIN payment p USING (reseller_id, payment_id)
 WHERE p.reseller_id = 1 AND p.method = 'credit_note' ORDER BY a.allocation_id;

-- ===========================================================================
-- the statement of May 1 shows it all.  Order 6's interest of April 1 to 4,
-- 4 × 928.57 = 3714.28 → 1.2211… → 1.22 (none after its return); none on
-- the cancelled order 7; order 8 and April's interest were paid by the
-- credit note; then the returns since April 1 and the 9.99 reversed.
-- Total due: 1.22.
-- ===========================================================================
SELECT monthly_statement(1, '2024-05') IS NOT NULL AS may_statement;
SELECT * FROM st WHERE period = '2024-05' ORDER BY line_no;
SELECT orders_outstanding, interest_charged, interest_outstanding, total_due FROM order_statement WHERE reseller_id = 1 AND period = '2024-05';
-- each return is on one statement; the cancelled prepaid order 1 on none
-- (nothing was owed on credit)
SELECT order_id, kind, returned_on, statement_period FROM order_returns WHERE reseller_id = 1 ORDER BY return_id;

-- ===========================================================================
-- refused returns, and nothing written by them
-- ===========================================================================
SELECT count(*) AS returns_before FROM order_return \gset
-- 22004: no order, no reason, no amount
SELECT pg_temp.error_of($$SELECT cancel_order(NULL, 'x')$$);
SELECT pg_temp.error_of($$SELECT refund_order(NULL, 'USD 1.00', 'x')$$);
SELECT pg_temp.error_of(format($$SELECT refund_order(%s, 'USD 1.00', NULL)$$, :o3));
SELECT pg_temp.error_of(format($$SELECT credit_order(%s, NULL, 'x')$$, :o3));
-- P0002: an unknown order
SELECT pg_temp.error_of($$SELECT refund_order(999999, 'USD 1.00', 'x')$$);
SELECT pg_temp.error_of($$SELECT cancel_order(999999, 'x')$$);
-- 22023: a blank reason, another currency, nothing or less than nothing, a
-- date before the last statement, before the order's payment, in the future
SELECT pg_temp.error_of(format($$SELECT refund_order(%s, 'USD 1.00', ' ', '2024-05-02')$$, :o3));
SELECT pg_temp.error_of(format($$SELECT refund_order(%s, 'EUR 1.00', 'x', '2024-05-02')$$, :o3));
SELECT pg_temp.error_of(format($$SELECT refund_order(%s, 'USD 0.00', 'x', '2024-05-02')$$, :o3));
SELECT pg_temp.error_of(format($$SELECT credit_order(%s, 'USD -5.00', 'x', '2024-05-02')$$, :o3));
SELECT pg_temp.error_of(format($$SELECT refund_order(%s, 'USD 1.00', 'x', '2024-04-30')$$, :o3));
SELECT pg_temp.error_of(format($$SELECT refund_order(%s, 'USD 1.00', 'x', '2099-01-01')$$, :o3));
-- 55000: a return is a financial record
UPDATE order_return SET amount = 'USD 1.00' WHERE order_id = :o5;
DELETE FROM order_return WHERE order_id = :o5;
SELECT count(*) - :returns_before AS returns_written FROM order_return;

-- ===========================================================================
-- run_due on June 1: Bay Docs has nothing to list; Maple Docs (Canada, no
-- sales tax), a new reseller, paid its first order and had it refunded in
-- full, and cancelled its second before paying: the statement shows the
-- refund, not the cancelled prepaid order
-- ===========================================================================
SELECT place_order(2, '{"name": "Northern Lights Media", "email": "it@northernlights.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 1}]', '2024-05-06') AS m1 \gset
SELECT record_order_payment(2, 'USD 899.10', 'bank_transfer', '2024-05-08', 'MD-001') IS NOT NULL AS recorded;
-- 22023: a refund dated before the order, or before the payment it returns
SELECT pg_temp.error_of(format($$SELECT refund_order(%s, 'USD 899.10', 'x', '2024-05-05')$$, :m1));
SELECT pg_temp.error_of(format($$SELECT refund_order(%s, 'USD 899.10', 'x', '2024-05-07')$$, :m1));
SELECT refund_order(:m1, 'USD 899.10', 'ordered by mistake', '2024-05-20') IS NOT NULL AS refunded;
SELECT place_order(2, '{"name": "Northern Lights Media", "email": "it@northernlights.example"}',
                   '[{"sku": "GD-WORDS-DEV", "quantity": 2}]', '2024-05-21') AS m2 \gset
-- the reseller's application cancels its own order; not another
-- reseller's (42501); refunds and credit notes are the vendor's (42501)
SET client_min_messages = warning;
DROP ROLE IF EXISTS regress_ret_app;
RESET client_min_messages;
CREATE ROLE regress_ret_app IN ROLE reseller_billing_reseller;
SET ROLE regress_ret_app;
SET reseller_billing.reseller_id = '2';
SELECT pg_temp.error_of(format($$SELECT reseller_billing.cancel_order(%s, 'not ours', '2024-05-22')$$, :o3));
SELECT pg_temp.error_of(format($$SELECT reseller_billing.refund_order(%s, 'USD 1.00', 'x', '2024-05-22')$$, :m1));
SELECT reseller_billing.cancel_order(:m2, 'ordered by mistake', '2024-05-22') IS NOT NULL AS cancelled;
SELECT order_id = :m2 AS own_order, kind FROM reseller_billing.order_returns ORDER BY return_id;
RESET reseller_billing.reseller_id;
RESET ROLE;
DROP ROLE regress_ret_app;
-- a refunded order is not one of the first orders paid: still new
SELECT reseller_standing(2, '2024-05-23') AS standing;
CALL run_due('2024-06-01 00:15+00');
CALL run_due('2024-06-01 06:00+00');
SELECT s.reseller_id, s.period::text, l.line_no, l.kind, l.description, l.amount, l.outstanding
  FROM order_statement s JOIN order_statement_line l USING (reseller_id, statement_id)
 WHERE s.period = '2024-06' ORDER BY s.reseller_id, l.line_no;
SELECT reseller_id, count(*) AS statements FROM order_statement GROUP BY reseller_id ORDER BY reseller_id;

-- ===========================================================================
-- the invariants: refunds and credits never above what was paid; every
-- order's paid is its allocations, every payment's unapplied its amount
-- less them; every return on a credit order or with money is on exactly one
-- statement line; no licence of an ended order runs after its end
-- ===========================================================================
SELECT count(*) FILTER (WHERE o.returned > o.paid) AS returned_over_paid,
       count(*) FILTER (WHERE o.returned IS DISTINCT FROM
                              (SELECT sum(r.amount) FROM order_return r
                                WHERE r.reseller_id = o.reseller_id AND r.order_id = o.order_id AND r.kind <> 'cancellation'))
           AS returned_off,
       count(*) FILTER (WHERE o.paid <> coalesce((SELECT sum(a.amount) FROM order_payment_allocation a
                                                   WHERE a.reseller_id = o.reseller_id AND a.order_id = o.order_id),
                                                  amount(0, o.currency))) AS paid_off
  FROM licence_order o;
SELECT count(*) AS payments_off FROM payment p
 WHERE p.unapplied <> p.amount - coalesce((SELECT sum(a.amount) FROM order_payment_allocation a
                                            WHERE a.reseller_id = p.reseller_id AND a.payment_id = p.payment_id),
                                           amount(0, 'USD'));
SELECT r.kind, count(*) AS returns,
       count(*) FILTER (WHERE (SELECT count(*) FROM order_statement_line l
                                WHERE l.reseller_id = r.reseller_id AND l.return_id = r.return_id
                                  AND l.kind = r.kind) = 1) AS on_one_statement
  FROM order_return r GROUP BY r.kind ORDER BY r.kind;
SELECT count(*) AS licences_after_end FROM licence l JOIN licence_order o USING (reseller_id, order_id)
 WHERE l.valid_until > coalesce(o.cancelled_on, o.returned_on);
-- the audit log has every return
SELECT operation, count(*) FROM audit_log WHERE table_name = 'order_return' GROUP BY operation ORDER BY operation;

\c :regress_db
SET client_min_messages = warning;
DROP DATABASE rb_order_returns;
RESET client_min_messages;
