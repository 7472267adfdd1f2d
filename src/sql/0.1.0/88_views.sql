-- ========================================================================
-- views for BI tools: plain columns (numeric amounts with a currency code,
-- dates, names), security_invoker so each reader sees what its role may
-- ========================================================================

-- functions ----------------------------------------------------------------

CREATE FUNCTION reseller_billing.zero(p_currency text) RETURNS numeric
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, reseller_billing, pg_temp
    RETURN round(0::numeric, coalesce(reseller_billing.minor_unit(p_currency), 0));
COMMENT ON FUNCTION reseller_billing.zero(text) IS
    'zero written with the currency''s minor-unit digits (0.00 for USD), for the views'' empty sums';

-- views --------------------------------------------------------------------

CREATE VIEW reseller_billing.invoices WITH (security_invoker = true) AS
SELECT i.reseller_id, r.name AS reseller_name, pg.code AS program_code, i.invoice_id, i.invoice_number,
       i.period::text AS period, reseller_billing.period_start(i.period) AS period_start, i.kind, i.status,
       i.issued_on, i.due_on, i.currency,
       reseller_billing.value(i.subtotal) AS subtotal,
       reseller_billing.value(i.credits_applied) AS credits_applied,
       reseller_billing.value(i.tax) AS tax,
       reseller_billing.value(i.total) AS total,
       reseller_billing.value(i.paid) AS paid,
       reseller_billing.value(i.credited) AS credited,
       CASE WHEN i.status IN ('issued', 'paid')
            THEN GREATEST(reseller_billing.value(i.total) - reseller_billing.value(i.credited)
                          - reseller_billing.value(i.paid), 0)
            ELSE 0 END AS balance
  FROM reseller_billing.invoice i
  JOIN reseller_billing.reseller r ON r.reseller_id = i.reseller_id
  JOIN reseller_billing.program pg ON pg.program_id = i.program_id;
COMMENT ON VIEW reseller_billing.invoices IS
    'invoices with numeric totals, what was paid and credited, and the balance owed (a total below zero became a credit: nothing owed)';

CREATE VIEW reseller_billing.invoice_lines WITH (security_invoker = true) AS
SELECT l.reseller_id, l.invoice_id, i.invoice_number, i.period::text AS period, l.line_no, l.kind,
       l.customer_id, c.name AS customer_name, l.subscription_id, k.code AS sku_code, k.family AS sku_family,
       l.description, l.quantity, reseller_billing.value(l.unit_price) AS unit_price,
       reseller_billing.value(l.amount) AS amount, i.currency,
       l.service_period::text AS service_period, lower(l.service) AS service_start, upper(l.service) AS service_end,
       coalesce((SELECT sum(reseller_billing.value(a.amount)) FROM reseller_billing.credit_application a
                  WHERE a.reseller_id = l.reseller_id AND a.invoice_id = l.invoice_id AND a.line_no = l.line_no), reseller_billing.zero(i.currency))
           AS credit_applied
  FROM reseller_billing.invoice_line l
  JOIN reseller_billing.invoice i ON i.reseller_id = l.reseller_id AND i.invoice_id = l.invoice_id
  LEFT JOIN reseller_billing.customer c ON c.reseller_id = l.reseller_id AND c.customer_id = l.customer_id
  LEFT JOIN reseller_billing.sku k ON k.sku_id = l.sku_id;
COMMENT ON VIEW reseller_billing.invoice_lines IS
    'invoice lines with numeric amounts, customer and SKU names, service dates and the credit applied to each';

CREATE VIEW reseller_billing.reseller_balances WITH (security_invoker = true) AS
WITH cur AS (
    SELECT reseller_id, currency FROM reseller_billing.invoice
    UNION SELECT reseller_id, reseller_billing.currency(amount) FROM reseller_billing.payment
    UNION SELECT reseller_id, reseller_billing.currency(amount) FROM reseller_billing.credit
)
SELECT cur.reseller_id, r.name AS reseller_name, cur.currency,
       coalesce((SELECT sum(GREATEST(reseller_billing.value(i.total), 0)) FROM reseller_billing.invoice i
                  WHERE i.reseller_id = cur.reseller_id AND i.currency = cur.currency
                    AND i.status IN ('issued', 'paid')), reseller_billing.zero(cur.currency)) AS invoiced,
       coalesce((SELECT sum(reseller_billing.value(i.paid)) FROM reseller_billing.invoice i
                  WHERE i.reseller_id = cur.reseller_id AND i.currency = cur.currency
                    AND i.status IN ('issued', 'paid')), reseller_billing.zero(cur.currency)) AS paid,
       coalesce((SELECT sum(reseller_billing.value(i.credited)) FROM reseller_billing.invoice i
                  WHERE i.reseller_id = cur.reseller_id AND i.currency = cur.currency
                    AND i.status IN ('issued', 'paid')), reseller_billing.zero(cur.currency)) AS credited,
       coalesce((SELECT sum(reseller_billing.value(i.total) - reseller_billing.value(i.credited)
                            - reseller_billing.value(i.paid)) FROM reseller_billing.invoice i
                  WHERE i.reseller_id = cur.reseller_id AND i.currency = cur.currency
                    AND i.status = 'issued'), reseller_billing.zero(cur.currency)) AS outstanding,
       coalesce((SELECT sum(reseller_billing.value(p.unapplied)) FROM reseller_billing.payment p
                  WHERE p.reseller_id = cur.reseller_id AND reseller_billing.currency(p.unapplied) = cur.currency), reseller_billing.zero(cur.currency))
           AS unapplied_payments,
       coalesce((SELECT sum(reseller_billing.value(c.remaining)) FROM reseller_billing.credit c
                  WHERE c.reseller_id = cur.reseller_id AND reseller_billing.currency(c.remaining) = cur.currency), reseller_billing.zero(cur.currency))
           AS credit_remaining
  FROM cur JOIN reseller_billing.reseller r ON r.reseller_id = cur.reseller_id;
COMMENT ON VIEW reseller_billing.reseller_balances IS
    'per reseller and currency: invoiced (an invoice below zero counts 0: its balance became a credit), paid, credited, outstanding, unapplied payments and unused credit';

-- functions ----------------------------------------------------------------

CREATE FUNCTION reseller_billing.receivables_aging_at(p_as_of date)
    RETURNS TABLE (reseller_id bigint, reseller_name text, currency text, current numeric, days_1_30 numeric,
                   days_31_60 numeric, days_61_90 numeric, over_90 numeric, total numeric)
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    SELECT i.reseller_id, r.name, i.currency,
           coalesce(sum(o.owed) FILTER (WHERE p_as_of <= i.due_on), reseller_billing.zero(i.currency)),
           coalesce(sum(o.owed) FILTER (WHERE p_as_of - i.due_on BETWEEN 1 AND 30), reseller_billing.zero(i.currency)),
           coalesce(sum(o.owed) FILTER (WHERE p_as_of - i.due_on BETWEEN 31 AND 60), reseller_billing.zero(i.currency)),
           coalesce(sum(o.owed) FILTER (WHERE p_as_of - i.due_on BETWEEN 61 AND 90), reseller_billing.zero(i.currency)),
           coalesce(sum(o.owed) FILTER (WHERE p_as_of - i.due_on > 90), reseller_billing.zero(i.currency)),
           sum(o.owed)
      FROM reseller_billing.invoice i
      JOIN reseller_billing.reseller r ON r.reseller_id = i.reseller_id
     CROSS JOIN LATERAL (SELECT reseller_billing.value(i.total) - reseller_billing.value(i.credited)
                                - reseller_billing.value(i.paid) AS owed) o
     WHERE i.status = 'issued' AND i.issued_on <= p_as_of AND o.owed > 0
     GROUP BY i.reseller_id, r.name, i.currency
     ORDER BY i.reseller_id, i.currency;
END;
COMMENT ON FUNCTION reseller_billing.receivables_aging_at(date) IS
    'amounts owed on issued invoices as of a date, by days past due: current, 1-30, 31-60, 61-90, over 90';

-- views --------------------------------------------------------------------

CREATE VIEW reseller_billing.receivables_aging WITH (security_invoker = true) AS
SELECT * FROM reseller_billing.receivables_aging_at(current_date);
COMMENT ON VIEW reseller_billing.receivables_aging IS
    'amounts owed today by days past due: current, 1-30, 31-60, 61-90, over 90';

CREATE VIEW reseller_billing.recurring_revenue WITH (security_invoker = true) AS
SELECT pg.code AS program_code, s.reseller_id, r.name AS reseller_name, pg.currency,
       coalesce(reseller_billing.value(reseller_billing.round(reseller_billing.sum(
           s.partner_price * s.committed_seats / 12) FILTER (WHERE reseller_billing.is_annual(s.plan)))), reseller_billing.zero(pg.currency)) AS annual_mrr,
       coalesce(reseller_billing.value(reseller_billing.round(reseller_billing.sum(
           s.partner_price * s.active_seats / 12) FILTER (WHERE s.plan = 'flexible'))), reseller_billing.zero(pg.currency)) AS flex_mrr,
       coalesce(reseller_billing.value(reseller_billing.round(reseller_billing.sum(
           s.partner_price * CASE WHEN reseller_billing.is_annual(s.plan) THEN s.committed_seats ELSE s.active_seats END
           / 12))), reseller_billing.zero(pg.currency)) AS mrr,
       count(*) AS subscriptions
  FROM reseller_billing.subscription s
  JOIN reseller_billing.reseller r ON r.reseller_id = s.reseller_id
  JOIN reseller_billing.program pg ON pg.program_id = r.program_id
 WHERE s.status IN ('active', 'suspended') AND s.plan <> 'trial'
 GROUP BY pg.code, s.reseller_id, r.name, pg.currency;
COMMENT ON VIEW reseller_billing.recurring_revenue IS
    'monthly recurring revenue by program and reseller now: Annual commitments and Flex accounts at their partner prices, per month';

CREATE VIEW reseller_billing.seat_utilisation WITH (security_invoker = true) AS
SELECT s.reseller_id, r.name AS reseller_name, s.subscription_id, s.customer_id, c.name AS customer_name,
       k.code AS sku_code, s.plan::text AS plan, s.status,
       reseller_billing.seat_limit(s) AS seat_limit, s.active_seats,
       CASE WHEN reseller_billing.seat_limit(s) > 0
            THEN round(s.active_seats::numeric / reseller_billing.seat_limit(s), 4) END AS utilisation
  FROM reseller_billing.subscription s
  JOIN reseller_billing.reseller r ON r.reseller_id = s.reseller_id
  JOIN reseller_billing.customer c ON c.reseller_id = s.reseller_id AND c.customer_id = s.customer_id
  JOIN reseller_billing.sku k ON k.sku_id = s.sku_id
 WHERE s.status <> 'cancelled';
COMMENT ON VIEW reseller_billing.seat_utilisation IS
    'active accounts against the committed seats (Annual) or the seat cap (Flex, trial) of each live subscription';

CREATE VIEW reseller_billing.close_status WITH (security_invoker = true) AS
SELECT pg.code AS program_code, cp.period::text AS period, cp.started_at, cp.updated_at, cp.resellers_total,
       cp.resellers_done, cp.invoices_written, cp.finished,
       CASE WHEN cp.resellers_total > 0 THEN round(100.0 * cp.resellers_done / cp.resellers_total, 1) ELSE 100 END
           AS percent_done
  FROM reseller_billing.close_progress cp
  JOIN reseller_billing.program pg ON pg.program_id = cp.program_id;
COMMENT ON VIEW reseller_billing.close_status IS
    'progress of month-end closes: resellers visited, invoices written, percent done';
