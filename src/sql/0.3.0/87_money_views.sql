-- ========================================================================
-- 0.3.0: the BI views add and compare amounts, then show value() (issue 17
-- §1; as 85_money_settle.sql says)
-- ========================================================================
--
-- The views below summed and subtracted value() numerics: what is owed,
-- the balances, a provider's margin, the channel reconciliation.  They now
-- add, subtract and compare amounts (one currency per row: a mix is an
-- error, not a sum) and convert the result with value() for BI tools,
-- which see the same columns and figures as before.

CREATE OR REPLACE VIEW reseller_billing.invoices WITH (security_invoker = true) AS
 SELECT i.reseller_id,
    r.name AS reseller_name,
    pg.code AS program_code,
    i.invoice_id,
    i.invoice_number,
    (i.period)::text AS period,
    reseller_billing.period_start(i.period) AS period_start,
    i.kind,
    i.status,
    i.issued_on,
    i.due_on,
    i.currency,
    reseller_billing.value(i.subtotal) AS subtotal,
    reseller_billing.value(i.credits_applied) AS credits_applied,
    reseller_billing.value(i.tax) AS tax,
    reseller_billing.value(i.total) AS total,
    reseller_billing.value(i.paid) AS paid,
    reseller_billing.value(i.credited) AS credited,
        CASE
            WHEN (i.status = ANY (ARRAY['issued'::text, 'paid'::text])) THEN reseller_billing.value(reseller_billing.larger(((i.total OPERATOR(reseller_billing.-) i.credited) OPERATOR(reseller_billing.-) i.paid), reseller_billing.amount((0)::numeric, i.currency)))
            ELSE (0)::numeric
        END AS balance
   FROM ((reseller_billing.invoice i
     JOIN reseller_billing.reseller r ON ((r.reseller_id = i.reseller_id)))
     JOIN reseller_billing.program pg ON ((pg.program_id = i.program_id)));

CREATE OR REPLACE VIEW reseller_billing.invoice_lines WITH (security_invoker = true) AS
 SELECT l.reseller_id,
    l.invoice_id,
    i.invoice_number,
    (i.period)::text AS period,
    l.line_no,
    l.kind,
    l.customer_id,
    c.name AS customer_name,
    l.subscription_id,
    k.code AS sku_code,
    k.family AS sku_family,
    l.description,
    l.quantity,
    reseller_billing.value(l.unit_price) AS unit_price,
    reseller_billing.value(l.amount) AS amount,
    i.currency,
    (l.service_period)::text AS service_period,
    lower(l.service) AS service_start,
    upper(l.service) AS service_end,
    COALESCE(( SELECT reseller_billing.value(reseller_billing.sum(a.amount)) AS sum
           FROM reseller_billing.credit_application a
          WHERE ((a.reseller_id = l.reseller_id) AND (a.invoice_id = l.invoice_id) AND (a.line_no = l.line_no))), reseller_billing.zero(i.currency)) AS credit_applied
   FROM (((reseller_billing.invoice_line l
     JOIN reseller_billing.invoice i ON (((i.reseller_id = l.reseller_id) AND (i.invoice_id = l.invoice_id))))
     LEFT JOIN reseller_billing.customer c ON (((c.reseller_id = l.reseller_id) AND (c.customer_id = l.customer_id))))
     LEFT JOIN reseller_billing.sku k ON ((k.sku_id = l.sku_id)));

CREATE OR REPLACE VIEW reseller_billing.reseller_balances WITH (security_invoker = true) AS
 WITH cur AS (
         SELECT invoice.reseller_id,
            invoice.currency
           FROM reseller_billing.invoice
        UNION
         SELECT payment.reseller_id,
            reseller_billing.currency(payment.amount) AS currency
           FROM reseller_billing.payment
        UNION
         SELECT credit.reseller_id,
            reseller_billing.currency(credit.amount) AS currency
           FROM reseller_billing.credit
        )
 SELECT cur.reseller_id,
    r.name AS reseller_name,
    cur.currency,
    COALESCE(( SELECT reseller_billing.value(reseller_billing.sum(reseller_billing.larger(i.total, reseller_billing.amount((0)::numeric, i.currency)))) AS sum
           FROM reseller_billing.invoice i
          WHERE ((i.reseller_id = cur.reseller_id) AND (i.currency = cur.currency) AND (i.status = ANY (ARRAY['issued'::text, 'paid'::text])))), reseller_billing.zero(cur.currency)) AS invoiced,
    COALESCE(( SELECT reseller_billing.value(reseller_billing.sum(i.paid)) AS sum
           FROM reseller_billing.invoice i
          WHERE ((i.reseller_id = cur.reseller_id) AND (i.currency = cur.currency) AND (i.status = ANY (ARRAY['issued'::text, 'paid'::text])))), reseller_billing.zero(cur.currency)) AS paid,
    COALESCE(( SELECT reseller_billing.value(reseller_billing.sum(i.credited)) AS sum
           FROM reseller_billing.invoice i
          WHERE ((i.reseller_id = cur.reseller_id) AND (i.currency = cur.currency) AND (i.status = ANY (ARRAY['issued'::text, 'paid'::text])))), reseller_billing.zero(cur.currency)) AS credited,
    COALESCE(( SELECT reseller_billing.value(reseller_billing.sum(((i.total OPERATOR(reseller_billing.-) i.credited) OPERATOR(reseller_billing.-) i.paid))) AS sum
           FROM reseller_billing.invoice i
          WHERE ((i.reseller_id = cur.reseller_id) AND (i.currency = cur.currency) AND (i.status = 'issued'::text))), reseller_billing.zero(cur.currency)) AS outstanding,
    COALESCE(( SELECT reseller_billing.value(reseller_billing.sum(p.unapplied)) AS sum
           FROM reseller_billing.payment p
          WHERE ((p.reseller_id = cur.reseller_id) AND (reseller_billing.currency(p.unapplied) = cur.currency))), reseller_billing.zero(cur.currency)) AS unapplied_payments,
    COALESCE(( SELECT reseller_billing.value(reseller_billing.sum(c.remaining)) AS sum
           FROM reseller_billing.credit c
          WHERE ((c.reseller_id = cur.reseller_id) AND (reseller_billing.currency(c.remaining) = cur.currency))), reseller_billing.zero(cur.currency)) AS credit_remaining
   FROM (cur
     JOIN reseller_billing.reseller r ON ((r.reseller_id = cur.reseller_id)));

CREATE OR REPLACE VIEW reseller_billing.migration_credit_statement WITH (security_invoker = true) AS
 SELECT o.reseller_id,
    o.subscription_id AS order_id,
    o.customer_id,
    c.name AS customer_name,
    c.kind AS customer_kind,
    k.code AS sku,
    k.family AS sku_family,
    o.seats,
    o.term_start,
    o.term_end,
    reseller_billing.currency(o.amount_paid) AS currency,
    reseller_billing.value(o.amount_paid) AS amount_paid,
    o.days_in_term,
    o.days_left,
    reseller_billing.value(o.amount_credited) AS amount_credited,
    o.migrated_to,
    reseller_billing.value(reseller_billing.sum(o.amount_credited) OVER (PARTITION BY o.reseller_id)) AS total_credited,
    reseller_billing.value(cr.remaining) AS credit_remaining,
    m.migrated_at
   FROM ((((reseller_billing.migration_order o
     JOIN reseller_billing.migration m ON ((m.reseller_id = o.reseller_id)))
     JOIN reseller_billing.customer c ON (((c.reseller_id = o.reseller_id) AND (c.customer_id = o.customer_id))))
     JOIN reseller_billing.sku k ON ((k.sku_id = o.sku_id)))
     LEFT JOIN reseller_billing.credit cr ON (((cr.reseller_id = m.reseller_id) AND (cr.credit_id = m.credit_id))));

-- reseller_orders: defined once, in 94_order_returns_statements.sql (the version 0.3.0 installs)

-- channel_invoices: defined once, in 96_providers_views.sql (the version 0.3.0 installs)

-- channel_reconciliation: defined once, in 96_providers_views.sql (the version 0.3.0 installs)
