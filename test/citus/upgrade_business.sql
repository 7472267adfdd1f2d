-- test/citus/upgrade_business.sql — what the business looks like, printed
-- by test/citus/run.sh at 0.2.0 (before ALTER EXTENSION reseller_billing
-- UPDATE, the tables still on the coordinator alone) and again after the
-- update and distribute(): it must read the same.  Per view, the rows'
-- count and a digest of its rows in an order of their own (columns that
-- 0.2.0 shows; a later version may add some).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, YMD';
\pset footer off
SELECT 'invoices' AS view_name, count(*) AS rows, md5(string_agg(x::text, E'\n' ORDER BY x::text)) AS digest
  FROM (SELECT reseller_id, reseller_name, program_code, invoice_id, invoice_number, period, kind, status, issued_on,
               due_on, currency, subtotal, credits_applied, tax, total, paid, credited, balance
          FROM reseller_billing.invoices) x
UNION ALL
SELECT 'invoice_lines', count(*), md5(string_agg(x::text, E'\n' ORDER BY x::text))
  FROM (SELECT reseller_id, invoice_id, invoice_number, line_no, kind, customer_id, subscription_id, description,
               quantity, unit_price, amount, service_period
          FROM reseller_billing.invoice_lines) x
UNION ALL
SELECT 'reseller_balances', count(*), md5(string_agg(x::text, E'\n' ORDER BY x::text))
  FROM (SELECT reseller_id, reseller_name, currency, invoiced, paid, credited, outstanding, unapplied_payments,
               credit_remaining
          FROM reseller_billing.reseller_balances) x
UNION ALL
SELECT 'subscription', count(*), md5(string_agg(x::text, E'\n' ORDER BY x::text))
  FROM (SELECT reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, seat_cap, term_start,
               term_end, status, trial_end, partner_price, active_seats
          FROM reseller_billing.subscription) x
UNION ALL
SELECT 'seat', count(*), md5(string_agg(x::text, E'\n' ORDER BY x::text))
  FROM (SELECT reseller_id, subscription_id, user_name, active_from, active_until FROM reseller_billing.seat) x
UNION ALL
SELECT 'credit', count(*), md5(string_agg(x::text, E'\n' ORDER BY x::text))
  FROM (SELECT reseller_id, credit_id, amount, remaining, reason FROM reseller_billing.credit) x
UNION ALL
SELECT 'payment', count(*), md5(string_agg(x::text, E'\n' ORDER BY x::text))
  FROM (SELECT reseller_id, payment_id, amount, method, received_on, reference, unapplied FROM reseller_billing.payment) x
UNION ALL
SELECT 'audit_log', count(*), md5(string_agg(x::text, E'\n' ORDER BY x::text))
  FROM (SELECT audit_id, table_name, operation, old_row, new_row FROM reseller_billing.audit_log) x;
