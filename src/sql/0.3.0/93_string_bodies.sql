-- ========================================================================
-- 0.3.0: no SQL-standard function body reads a table (issue 14 §8)
-- ========================================================================
--
-- A function whose body is SQL-standard (BEGIN ATOMIC ... END, or RETURN
-- ...) is parsed when it is created, with the tables it reads bound then;
-- a Citus worker cannot plan such a body over a shard.  These functions
-- read tables, so they get the same SQL as an ordinary string body, parsed
-- when called.  Each body below is the one it had, as PostgreSQL printed
-- it; what the functions return does not change (the regression tests and
-- the upgrade test's catalog comparison run them).  pgTAP
-- (030_schema_tables.sql) checks that no SQL-standard body reads a table.

-- reseller_billing.channel_lines(reseller_billing.billing_period,bigint,bigint,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.channel_lines(p_period reseller_billing.billing_period, p_program bigint, p_reseller bigint, p_provider bigint)
 RETURNS TABLE(currency text, kind text, subscription_id bigint, customer_id bigint, sku_id bigint, description text, quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount, wholesale_unit_price reseller_billing.amount, wholesale_amount reseller_billing.amount, service_period reseller_billing.billing_period, service daterange, tranche_id bigint, charge_id bigint)
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 SELECT u.currency,
     u.kind,
     u.subscription_id,
     u.customer_id,
     u.sku_id,
     u.description,
     u.quantity,
     u.unit_price,
     u.amount,
     u.wholesale_unit_price,
     u.wholesale_amount,
     u.service_period,
     u.service,
     u.tranche_id,
     NULL::bigint AS int8
    FROM reseller_billing.channel_usage_lines(channel_lines.p_period, channel_lines.p_program, channel_lines.p_reseller, channel_lines.p_provider) u(currency, kind, subscription_id, customer_id, sku_id, description, quantity, unit_price, amount, wholesale_unit_price, wholesale_amount, service_period, service, tranche_id)
 UNION ALL
  SELECT reseller_billing.currency(c.amount) AS currency,
         CASE
             WHEN (c.kind = 'early_termination'::text) THEN 'early_termination'::text
             ELSE 'one_off'::text
         END AS "case",
     c.subscription_id,
     c.customer_id,
     s.sku_id,
     c.description,
     (1)::numeric AS "numeric",
     x.amount,
     x.amount,
     c.amount,
     c.amount,
     reseller_billing.billing_period(c.charge_on) AS billing_period,
     daterange(c.charge_on, c.charge_on, '[]'::text) AS daterange,
     NULL::bigint AS int8,
     c.charge_id
    FROM ((reseller_billing.charge c
      LEFT JOIN reseller_billing.subscription s ON (((s.reseller_id = c.reseller_id) AND (s.subscription_id = c.subscription_id))))
      CROSS JOIN LATERAL ( SELECT
                 CASE
                     WHEN (c.kind = 'early_termination'::text) THEN reseller_billing.channel_scale(c.amount, reseller_billing.provider_price_on(channel_lines.p_provider, s.sku_id, s.plan, s.term_start), s.partner_price)
                     ELSE c.amount
                 END AS amount) x)
   WHERE ((c.reseller_id = channel_lines.p_reseller) AND (c.charge_on < reseller_billing.period_end(channel_lines.p_period)) AND (NOT (EXISTS ( SELECT
            FROM reseller_billing.channel_invoice_line l
           WHERE ((l.reseller_id = c.reseller_id) AND (l.charge_id = c.charge_id))))) AND (NOT (EXISTS ( SELECT
            FROM reseller_billing.invoice_line l
           WHERE ((l.reseller_id = c.reseller_id) AND (l.charge_id = c.charge_id))))))
 UNION ALL
  SELECT pg.currency,
     'adjustment'::text AS text,
     lc.subscription_id,
     s.customer_id,
     s.sku_id,
     format('Adjustment for %s: changes recorded after the month was closed'::text, lc.service_period) AS format,
     (1)::numeric AS "numeric",
     NULL::reseller_billing.amount AS amount,
     ((COALESCE(e.expected_p, reseller_billing.amount((0)::numeric, pg.currency)) OPERATOR(reseller_billing.-) COALESCE(b.billed_p, reseller_billing.amount((0)::numeric, pg.currency))) OPERATOR(reseller_billing.-) COALESCE(v.billed, reseller_billing.amount((0)::numeric, pg.currency))) AS amount,
     NULL::reseller_billing.amount AS amount,
     ((COALESCE(e.expected_w, reseller_billing.amount((0)::numeric, pg.currency)) OPERATOR(reseller_billing.-) COALESCE(b.billed_w, reseller_billing.amount((0)::numeric, pg.currency))) OPERATOR(reseller_billing.-) COALESCE(v.billed, reseller_billing.amount((0)::numeric, pg.currency))) AS amount,
     lc.service_period,
     reseller_billing.daterange(lc.service_period) AS daterange,
     NULL::bigint AS int8,
     NULL::bigint AS int8
    FROM (((((reseller_billing.late_change lc
      JOIN reseller_billing.program pg ON ((pg.program_id = channel_lines.p_program)))
      JOIN reseller_billing.subscription s ON (((s.reseller_id = lc.reseller_id) AND (s.subscription_id = lc.subscription_id))))
      LEFT JOIN LATERAL ( SELECT reseller_billing.sum(u.amount) AS expected_p,
             reseller_billing.sum(u.wholesale_amount) AS expected_w
            FROM reseller_billing.channel_usage_lines(lc.service_period, channel_lines.p_program, channel_lines.p_reseller, channel_lines.p_provider) u(currency, kind, subscription_id, customer_id, sku_id, description, quantity, unit_price, amount, wholesale_unit_price, wholesale_amount, service_period, service, tranche_id)
           WHERE (u.subscription_id = lc.subscription_id)) e ON (true))
      LEFT JOIN LATERAL ( SELECT reseller_billing.sum(l.amount) AS billed_p,
             reseller_billing.sum(l.wholesale_amount) AS billed_w
            FROM reseller_billing.channel_invoice_line l
           WHERE ((l.reseller_id = lc.reseller_id) AND (l.subscription_id = lc.subscription_id) AND (l.service_period OPERATOR(reseller_billing.=) lc.service_period) AND (l.kind = ANY (ARRAY['annual_installment'::text, 'annual_prepaid'::text, 'flex_usage'::text, 'adjustment'::text])))) b ON (true))
      LEFT JOIN LATERAL ( SELECT reseller_billing.sum(l.amount) AS billed
            FROM (reseller_billing.invoice_line l
              JOIN reseller_billing.invoice i ON (((i.reseller_id = l.reseller_id) AND (i.invoice_id = l.invoice_id))))
           WHERE ((l.reseller_id = lc.reseller_id) AND (l.subscription_id = lc.subscription_id) AND (l.service_period OPERATOR(reseller_billing.=) lc.service_period) AND (l.kind = ANY (ARRAY['annual_installment'::text, 'annual_prepaid'::text, 'flex_usage'::text, 'adjustment'::text])) AND (i.status <> 'void'::text))) v ON (true))
   WHERE ((lc.reseller_id = channel_lines.p_reseller) AND (lc.service_period OPERATOR(reseller_billing.<) channel_lines.p_period) AND ((COALESCE(e.expected_w, reseller_billing.amount((0)::numeric, pg.currency)) OPERATOR(reseller_billing.<>) (COALESCE(b.billed_w, reseller_billing.amount((0)::numeric, pg.currency)) OPERATOR(reseller_billing.+) COALESCE(v.billed, reseller_billing.amount((0)::numeric, pg.currency)))) OR (COALESCE(e.expected_p, reseller_billing.amount((0)::numeric, pg.currency)) OPERATOR(reseller_billing.<>) (COALESCE(b.billed_p, reseller_billing.amount((0)::numeric, pg.currency)) OPERATOR(reseller_billing.+) COALESCE(v.billed, reseller_billing.amount((0)::numeric, pg.currency))))));
$body$;

-- reseller_billing.channel_usage_lines(reseller_billing.billing_period,bigint,bigint,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.channel_usage_lines(p_period reseller_billing.billing_period, p_program bigint, p_reseller bigint, p_provider bigint)
 RETURNS TABLE(currency text, kind text, subscription_id bigint, customer_id bigint, sku_id bigint, description text, quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount, wholesale_unit_price reseller_billing.amount, wholesale_amount reseller_billing.amount, service_period reseller_billing.billing_period, service daterange, tranche_id bigint)
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 SELECT u.currency,
     u.kind,
     u.subscription_id,
     u.customer_id,
     u.sku_id,
     u.description,
     u.quantity,
     p.pp,
         CASE
             WHEN (u.kind = 'flex_usage'::text) THEN reseller_billing.prorate_fraction(p.pp, (u.quantity)::bigint, ((12 * reseller_billing.days(u.service_period)))::bigint)
             WHEN (u.kind = 'annual_prepaid'::text) THEN p.total
             ELSE reseller_billing.annual_installment(p.total, t.starts_on, t.ends_on, u.service_period)
         END AS annual_installment,
     u.unit_price,
     u.amount,
     u.service_period,
     u.service,
     u.tranche_id
    FROM ((reseller_billing.usage_lines(channel_usage_lines.p_period, channel_usage_lines.p_program, channel_usage_lines.p_reseller, channel_usage_lines.p_reseller) u(reseller_id, currency, kind, subscription_id, customer_id, sku_id, description, quantity, unit_price, amount, service_period, service, tranche_id)
      LEFT JOIN reseller_billing.commitment_tranche t ON (((t.reseller_id = u.reseller_id) AND (t.tranche_id = u.tranche_id))))
      CROSS JOIN LATERAL ( SELECT x.pp,
                 CASE
                     WHEN (t.tranche_id IS NOT NULL) THEN reseller_billing.prorate_fraction((x.pp OPERATOR(reseller_billing.*) t.seats), ((t.ends_on - t.starts_on))::bigint, ((t.term_end - t.term_start))::bigint)
                     ELSE NULL::reseller_billing.amount
                 END AS total
            FROM ( SELECT reseller_billing.provider_price_on(channel_usage_lines.p_provider, u.sku_id, COALESCE(t.plan, 'flexible'::reseller_billing.plan_kind), COALESCE(t.term_start, reseller_billing.period_start(u.service_period))) AS pp) x) p);
$body$;

-- reseller_billing.direct_bill_standing(date)
CREATE OR REPLACE FUNCTION reseller_billing.direct_bill_standing(p_at date)
 RETURNS TABLE(program_code text, reseller_id bigint, reseller_name text, tier text, currency text, revenue numeric, threshold numeric, shortfall numeric, eligible boolean)
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 SELECT pg.code,
     r.reseller_id,
     r.name,
     r.tier,
     pg.currency,
     reseller_billing.value(x.revenue) AS value,
     reseller_billing.value(x.threshold) AS value,
     reseller_billing.value(reseller_billing.larger((x.threshold OPERATOR(reseller_billing.-) x.revenue), reseller_billing.amount((0)::numeric, pg.currency))) AS shortfall,
     (x.revenue OPERATOR(reseller_billing.>=) x.threshold)
    FROM ((reseller_billing.reseller r
      JOIN reseller_billing.program pg ON ((pg.program_id = r.program_id)))
      CROSS JOIN LATERAL ( SELECT reseller_billing.program_revenue(r.reseller_id, direct_bill_standing.p_at) AS revenue,
             reseller_billing.direct_bill_threshold(pg.program_id) AS threshold) x)
   WHERE ((pg.settings @> '{"csp": true}'::jsonb) AND (r.tier = ANY (ARRAY['direct'::text, 'indirect_provider'::text])))
   ORDER BY pg.code, r.reseller_id;
$body$;

-- reseller_billing.due_lines(reseller_billing.billing_period,bigint,bigint,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.due_lines(p_period reseller_billing.billing_period, p_program bigint, p_lo bigint, p_hi bigint)
 RETURNS TABLE(reseller_id bigint, currency text, kind text, subscription_id bigint, customer_id bigint, sku_id bigint, description text, quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount, service_period reseller_billing.billing_period, service daterange, tranche_id bigint, charge_id bigint)
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 WITH todo AS (
          SELECT r.reseller_id
            FROM reseller_billing.reseller r
           WHERE (((r.reseller_id >= due_lines.p_lo) AND (r.reseller_id <= due_lines.p_hi)) AND ((due_lines.p_program IS NULL) OR (r.program_id = due_lines.p_program)) AND (NOT (EXISTS ( SELECT
                    FROM reseller_billing.invoice i
                   WHERE ((i.reseller_id = r.reseller_id) AND (i.period OPERATOR(reseller_billing.=) due_lines.p_period))))))
         ), lines AS (
          SELECT u.reseller_id,
             u.currency,
             u.kind,
             u.subscription_id,
             u.customer_id,
             u.sku_id,
             u.description,
             u.quantity,
             u.unit_price,
             u.amount,
             u.service_period,
             u.service,
             u.tranche_id,
             NULL::bigint AS charge_id
            FROM reseller_billing.usage_lines(due_lines.p_period, due_lines.p_program, due_lines.p_lo, due_lines.p_hi) u(reseller_id, currency, kind, subscription_id, customer_id, sku_id, description, quantity, unit_price, amount, service_period, service, tranche_id)
           WHERE (u.reseller_id IN ( SELECT todo.reseller_id
                    FROM todo))
         UNION ALL
          SELECT c.reseller_id,
             reseller_billing.currency(c.amount) AS currency,
                 CASE
                     WHEN (c.kind = 'early_termination'::text) THEN 'early_termination'::text
                     ELSE 'one_off'::text
                 END AS "case",
             c.subscription_id,
             c.customer_id,
             s.sku_id,
             c.description,
             (1)::numeric AS "numeric",
             c.amount,
             c.amount,
             reseller_billing.billing_period(c.charge_on) AS billing_period,
             daterange(c.charge_on, c.charge_on, '[]'::text) AS daterange,
             NULL::bigint AS int8,
             c.charge_id
            FROM (reseller_billing.charge c
              LEFT JOIN reseller_billing.subscription s ON (((s.reseller_id = c.reseller_id) AND (s.subscription_id = c.subscription_id))))
           WHERE ((c.reseller_id IN ( SELECT todo.reseller_id
                    FROM todo)) AND (c.charge_on < reseller_billing.period_end(due_lines.p_period)) AND (NOT (EXISTS ( SELECT
                    FROM reseller_billing.invoice_line l
                   WHERE ((l.reseller_id = c.reseller_id) AND (l.charge_id = c.charge_id))))))
         UNION ALL
          SELECT lc.reseller_id,
             pg.currency,
             'adjustment'::text,
             lc.subscription_id,
             s.customer_id,
             s.sku_id,
             format('Adjustment for %s: changes recorded after the month was closed'::text, lc.service_period) AS format,
             (1)::numeric AS "numeric",
             NULL::reseller_billing.amount AS amount,
             (COALESCE(e.expected, reseller_billing.amount((0)::numeric, pg.currency)) OPERATOR(reseller_billing.-) COALESCE(b.billed, reseller_billing.amount((0)::numeric, pg.currency))),
             lc.service_period,
             reseller_billing.daterange(lc.service_period) AS daterange,
             NULL::bigint AS int8,
             NULL::bigint AS int8
            FROM (((((reseller_billing.late_change lc
              JOIN reseller_billing.reseller r ON ((r.reseller_id = lc.reseller_id)))
              JOIN reseller_billing.program pg ON ((pg.program_id = r.program_id)))
              JOIN reseller_billing.subscription s ON (((s.reseller_id = lc.reseller_id) AND (s.subscription_id = lc.subscription_id))))
              LEFT JOIN LATERAL ( SELECT reseller_billing.sum(u.amount) AS expected
                    FROM reseller_billing.usage_lines(lc.service_period, r.program_id, lc.reseller_id, lc.reseller_id) u(reseller_id, currency, kind, subscription_id, customer_id, sku_id, description, quantity, unit_price, amount, service_period, service, tranche_id)
                   WHERE (u.subscription_id = lc.subscription_id)) e ON (true))
              LEFT JOIN LATERAL ( SELECT reseller_billing.sum(l.amount) AS billed
                    FROM (reseller_billing.invoice_line l
                      JOIN reseller_billing.invoice i ON (((i.reseller_id = l.reseller_id) AND (i.invoice_id = l.invoice_id))))
                   WHERE ((l.reseller_id = lc.reseller_id) AND (l.subscription_id = lc.subscription_id) AND (l.service_period OPERATOR(reseller_billing.=) lc.service_period) AND (l.kind = ANY (ARRAY['annual_installment'::text, 'annual_prepaid'::text, 'flex_usage'::text, 'adjustment'::text])) AND (i.status <> 'void'::text))) b ON (true))
           WHERE ((lc.reseller_id IN ( SELECT todo.reseller_id
                    FROM todo)) AND (lc.service_period OPERATOR(reseller_billing.<) due_lines.p_period) AND (COALESCE(e.expected, reseller_billing.amount((0)::numeric, pg.currency)) OPERATOR(reseller_billing.<>) COALESCE(b.billed, reseller_billing.amount((0)::numeric, pg.currency))))
         )
  SELECT lines.reseller_id,
     lines.currency,
     lines.kind,
     lines.subscription_id,
     lines.customer_id,
     lines.sku_id,
     lines.description,
     lines.quantity,
     lines.unit_price,
     lines.amount,
     lines.service_period,
     lines.service,
     lines.tranche_id,
     lines.charge_id
    FROM lines;
$body$;

-- reseller_billing.is_csp_program(bigint)
CREATE OR REPLACE FUNCTION reseller_billing.is_csp_program(p_program bigint)
 RETURNS boolean
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 SELECT COALESCE((SELECT (pg.settings @> '{"csp": true}'::jsonb) FROM reseller_billing.program pg WHERE (pg.program_id = is_csp_program.p_program)), false)
$body$;

-- reseller_billing.migration_counts(bigint)
CREATE OR REPLACE FUNCTION reseller_billing.migration_counts(p_reseller bigint, OUT customers integer, OUT subscriptions integer, OUT accounts integer)
 RETURNS record
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 SELECT ( SELECT (count(*))::integer AS count
            FROM reseller_billing.customer c
           WHERE (c.reseller_id = migration_counts.p_reseller)) AS count,
     ( SELECT (count(*))::integer AS count
            FROM reseller_billing.subscription s
           WHERE (s.reseller_id = migration_counts.p_reseller)) AS count,
     ( SELECT (count(*))::integer AS count
            FROM reseller_billing.seat a
           WHERE ((a.reseller_id = migration_counts.p_reseller) AND (a.active_until IS NULL))) AS count;
$body$;

-- reseller_billing.months_due(bigint,timestamp with time zone)
CREATE OR REPLACE FUNCTION reseller_billing.months_due(p_program bigint, p_at timestamp with time zone)
 RETURNS SETOF reseller_billing.billing_period
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 WITH pg AS (
          SELECT p.program_id,
             p.time_zone
            FROM reseller_billing.program p
           WHERE (p.program_id = months_due.p_program)
         ), bounds AS (
          SELECT ( SELECT reseller_billing.min(x.m) AS min
                    FROM ( SELECT reseller_billing.min(reseller_billing.billing_period(t.starts_on)) AS m
                            FROM (reseller_billing.commitment_tranche t
                              JOIN reseller_billing.reseller r ON ((r.reseller_id = t.reseller_id)))
                           WHERE (r.program_id = months_due.p_program)
                         UNION ALL
                          SELECT reseller_billing.min(reseller_billing.billing_period(((f.starts_at AT TIME ZONE pg.time_zone))::date)) AS min
                            FROM (reseller_billing.flex_term f
                              JOIN reseller_billing.reseller r ON ((r.reseller_id = f.reseller_id)))
                           WHERE (r.program_id = months_due.p_program)
                         UNION ALL
                          SELECT reseller_billing.min(reseller_billing.billing_period(c.charge_on)) AS min
                            FROM (reseller_billing.charge c
                              JOIN reseller_billing.reseller r ON ((r.reseller_id = c.reseller_id)))
                           WHERE (r.program_id = months_due.p_program)) x) AS first_month,
             (reseller_billing.billing_period(((months_due.p_at AT TIME ZONE pg.time_zone))::date) OPERATOR(reseller_billing.-) 1) AS last_month
            FROM pg
         )
  SELECT (b.first_month OPERATOR(reseller_billing.+) g.g)
    FROM bounds b,
     LATERAL generate_series(0, (b.last_month OPERATOR(reseller_billing.-) b.first_month)) g(g)
   WHERE ((b.first_month IS NOT NULL) AND (b.first_month OPERATOR(reseller_billing.<=) b.last_month) AND (NOT (EXISTS ( SELECT
            FROM reseller_billing.period_close c
           WHERE ((c.program_id = months_due.p_program) AND (c.period OPERATOR(reseller_billing.=) (b.first_month OPERATOR(reseller_billing.+) g.g)))))))
   ORDER BY (b.first_month OPERATOR(reseller_billing.+) g.g);
$body$;

-- reseller_billing.order_interest_accrual(bigint,bigint,date,date)
CREATE OR REPLACE FUNCTION reseller_billing.order_interest_accrual(p_reseller bigint, p_order bigint, p_from date, p_to date, OUT days integer, OUT balance_days reseller_billing.amount)
 RETURNS record
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 WITH pts AS (
          SELECT order_interest_accrual.p_from AS d
         UNION
          SELECT p.received_on
            FROM (reseller_billing.order_payment_allocation a
              JOIN reseller_billing.payment p ON (((p.reseller_id = a.reseller_id) AND (p.payment_id = a.payment_id))))
           WHERE ((a.reseller_id = order_interest_accrual.p_reseller) AND (a.order_id = order_interest_accrual.p_order) AND (p.received_on > order_interest_accrual.p_from) AND (p.received_on < order_interest_accrual.p_to))
         ), seg AS (
          SELECT pts.d AS s,
             COALESCE(lead(pts.d) OVER (ORDER BY pts.d), order_interest_accrual.p_to) AS e
            FROM pts
         ), bal AS (
          SELECT seg.s,
             seg.e,
             o.currency,
             (o.total OPERATOR(reseller_billing.-) COALESCE(( SELECT reseller_billing.sum(a.amount) AS sum
                    FROM (reseller_billing.order_payment_allocation a
                      JOIN reseller_billing.payment p ON (((p.reseller_id = a.reseller_id) AND (p.payment_id = a.payment_id))))
                   WHERE ((a.reseller_id = order_interest_accrual.p_reseller) AND (a.order_id = order_interest_accrual.p_order) AND (p.received_on <= seg.s))), reseller_billing.amount((0)::numeric, o.currency))) AS b
            FROM seg,
             reseller_billing.licence_order o
           WHERE ((o.reseller_id = order_interest_accrual.p_reseller) AND (o.order_id = order_interest_accrual.p_order) AND (order_interest_accrual.p_from < order_interest_accrual.p_to))
         )
  SELECT (COALESCE(sum((bal.e - bal.s)) FILTER (WHERE (reseller_billing.sign(bal.b) > 0)), (0)::bigint))::integer AS days,
     COALESCE(reseller_billing.sum((bal.b OPERATOR(reseller_billing.*) (bal.e - bal.s))) FILTER (WHERE (reseller_billing.sign(bal.b) > 0)), ( SELECT reseller_billing.amount((0)::numeric, o.currency) AS amount
            FROM reseller_billing.licence_order o
           WHERE ((o.reseller_id = order_interest_accrual.p_reseller) AND (o.order_id = order_interest_accrual.p_order)))) AS balance_days
    FROM bal;
$body$;

-- reseller_billing.program_payment_terms(reseller_billing.program)
CREATE OR REPLACE FUNCTION reseller_billing.program_payment_terms(p reseller_billing.program)
 RETURNS jsonb
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 SELECT COALESCE(((p).settings -> 'payment_terms'::text), jsonb_build_object('rule', 'net', 'days', (p).payment_terms_days))
$body$;

-- reseller_billing.program_revenue(bigint,date)
CREATE OR REPLACE FUNCTION reseller_billing.program_revenue(p_reseller bigint, p_at date)
 RETURNS reseller_billing.amount
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 SELECT COALESCE(reseller_billing.sum(((i.subtotal OPERATOR(reseller_billing.-) i.credits_applied) OPERATOR(reseller_billing.-) i.credited)), reseller_billing.amount((0)::numeric, pg.currency)) AS "coalesce"
    FROM ((reseller_billing.reseller r
      JOIN reseller_billing.program pg ON ((pg.program_id = r.program_id)))
      LEFT JOIN reseller_billing.invoice i ON (((i.reseller_id = r.reseller_id) AND (i.program_id = r.program_id) AND (i.status = ANY (ARRAY['issued'::text, 'paid'::text])) AND (i.currency = pg.currency) AND (reseller_billing.period_start(i.period) >= ((program_revenue.p_at - '1 year'::interval))::date) AND (reseller_billing.period_end(i.period) <= program_revenue.p_at))))
   WHERE (r.reseller_id = program_revenue.p_reseller)
   GROUP BY pg.currency;
$body$;

-- reseller_billing.provider_resellers()
CREATE OR REPLACE FUNCTION reseller_billing.provider_resellers()
 RETURNS SETOF bigint
 LANGUAGE sql
 STABLE SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 SELECT p.reseller_id
    FROM reseller_billing.provider_partnership p
   WHERE (p.provider_id = reseller_billing.current_reseller());
$body$;

-- reseller_billing.receivables_aging_at(date)
CREATE OR REPLACE FUNCTION reseller_billing.receivables_aging_at(p_as_of date)
 RETURNS TABLE(reseller_id bigint, reseller_name text, currency text, current numeric, days_1_30 numeric, days_31_60 numeric, days_61_90 numeric, over_90 numeric, total numeric)
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 SELECT i.reseller_id,
     r.name,
     i.currency,
     COALESCE(sum(o.owed) FILTER (WHERE (receivables_aging_at.p_as_of <= i.due_on)), reseller_billing.zero(i.currency)) AS "coalesce",
     COALESCE(sum(o.owed) FILTER (WHERE (((receivables_aging_at.p_as_of - i.due_on) >= 1) AND ((receivables_aging_at.p_as_of - i.due_on) <= 30))), reseller_billing.zero(i.currency)) AS "coalesce",
     COALESCE(sum(o.owed) FILTER (WHERE (((receivables_aging_at.p_as_of - i.due_on) >= 31) AND ((receivables_aging_at.p_as_of - i.due_on) <= 60))), reseller_billing.zero(i.currency)) AS "coalesce",
     COALESCE(sum(o.owed) FILTER (WHERE (((receivables_aging_at.p_as_of - i.due_on) >= 61) AND ((receivables_aging_at.p_as_of - i.due_on) <= 90))), reseller_billing.zero(i.currency)) AS "coalesce",
     COALESCE(sum(o.owed) FILTER (WHERE ((receivables_aging_at.p_as_of - i.due_on) > 90)), reseller_billing.zero(i.currency)) AS "coalesce",
     sum(o.owed) AS sum
    FROM ((reseller_billing.invoice i
      JOIN reseller_billing.reseller r ON ((r.reseller_id = i.reseller_id)))
      CROSS JOIN LATERAL ( SELECT reseller_billing.value(((i.total OPERATOR(reseller_billing.-) i.credited) OPERATOR(reseller_billing.-) i.paid)) AS owed) o)
   WHERE ((i.status = 'issued'::text) AND (i.issued_on <= receivables_aging_at.p_as_of) AND (o.owed > (0)::numeric))
   GROUP BY i.reseller_id, r.name, i.currency
   ORDER BY i.reseller_id, i.currency;
$body$;

-- reseller_billing.seat_limit(reseller_billing.subscription)
CREATE OR REPLACE FUNCTION reseller_billing.seat_limit(s reseller_billing.subscription)
 RETURNS integer
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 SELECT CASE WHEN reseller_billing.is_annual((s).plan) THEN (s).committed_seats ELSE (s).seat_cap END
$body$;

-- reseller_billing.statements_due(timestamp with time zone)
CREATE OR REPLACE FUNCTION reseller_billing.statements_due(p_at timestamp with time zone)
 RETURNS TABLE(reseller_id bigint, period reseller_billing.billing_period)
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 SELECT r.reseller_id,
     m.period
    FROM ((reseller_billing.reseller r
      JOIN reseller_billing.program pg ON ((pg.program_id = r.program_id)))
      CROSS JOIN LATERAL ( SELECT reseller_billing.billing_period(((statements_due.p_at AT TIME ZONE pg.time_zone))::date) AS period) m)
   WHERE ((EXISTS ( SELECT
            FROM reseller_billing.licence_order o
           WHERE ((o.reseller_id = r.reseller_id) AND (NOT o.requires_prepayment) AND (o.placed_on < reseller_billing.period_start(m.period))))) AND (NOT (EXISTS ( SELECT
            FROM reseller_billing.order_statement s
           WHERE ((s.reseller_id = r.reseller_id) AND (s.period OPERATOR(reseller_billing.>=) m.period))))))
   ORDER BY r.reseller_id;
$body$;

-- reseller_billing.taxed_resellers(reseller_billing.billing_period,bigint,bigint,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.taxed_resellers(p_period reseller_billing.billing_period, p_program bigint, p_lo bigint, p_hi bigint)
 RETURNS TABLE(reseller_id bigint, rate numeric, state text)
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 SELECT r.reseller_id,
     t.rate,
     t.state
    FROM (reseller_billing.reseller r
      CROSS JOIN LATERAL reseller_billing.sales_tax_rate(r.reseller_id, (reseller_billing.period_end(taxed_resellers.p_period) - 1)) t(rate, state, reason, certificate_number))
   WHERE (((r.reseller_id >= taxed_resellers.p_lo) AND (r.reseller_id <= taxed_resellers.p_hi)) AND ((taxed_resellers.p_program IS NULL) OR (r.program_id = taxed_resellers.p_program)) AND (r.country = 'US'::text) AND (EXISTS ( SELECT
            FROM reseller_billing.us_sales_tax_rate u
           WHERE (u.state = r.region))) AND (t.rate <> (0)::numeric));
$body$;

-- reseller_billing.usage_lines(reseller_billing.billing_period,bigint,bigint,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.usage_lines(p_period reseller_billing.billing_period, p_program bigint, p_lo bigint, p_hi bigint)
 RETURNS TABLE(reseller_id bigint, currency text, kind text, subscription_id bigint, customer_id bigint, sku_id bigint, description text, quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount, service_period reseller_billing.billing_period, service daterange, tranche_id bigint)
 LANGUAGE sql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
 WITH res AS (
          SELECT r.reseller_id,
             pg.currency,
             pg.time_zone,
             ((reseller_billing.period_start(usage_lines.p_period))::timestamp without time zone AT TIME ZONE pg.time_zone) AS ms,
             ((reseller_billing.period_end(usage_lines.p_period))::timestamp without time zone AT TIME ZONE pg.time_zone) AS me
            FROM (reseller_billing.reseller r
              JOIN reseller_billing.program pg ON ((pg.program_id = r.program_id)))
           WHERE ((r.reseller_id >= usage_lines.p_lo) AND (r.reseller_id <= usage_lines.p_hi) AND ((usage_lines.p_program IS NULL) OR (r.program_id = usage_lines.p_program)))
         ), annual AS (
          SELECT t.reseller_id,
             res.currency,
                 CASE
                     WHEN (t.plan OPERATOR(reseller_billing.=) 'annual_prepaid'::reseller_billing.plan_kind) THEN 'annual_prepaid'::text
                     ELSE 'annual_installment'::text
                 END AS kind,
             t.subscription_id,
             s.customer_id,
             s.sku_id,
             format('%s: %s seat(s), commitment %s to %s'::text, k.name, t.seats, t.starts_on, (t.ends_on - 1)) AS description,
             (t.seats)::numeric AS quantity,
             t.price AS unit_price,
                 CASE
                     WHEN (t.plan OPERATOR(reseller_billing.=) 'annual_prepaid'::reseller_billing.plan_kind) THEN t.total
                     ELSE reseller_billing.annual_installment(t.total, t.starts_on, t.ends_on, usage_lines.p_period)
                 END AS amount,
             usage_lines.p_period AS service_period,
                 CASE
                     WHEN (t.plan OPERATOR(reseller_billing.=) 'annual_prepaid'::reseller_billing.plan_kind) THEN daterange(t.starts_on, t.ends_on)
                     ELSE daterange(GREATEST(t.starts_on, reseller_billing.period_start(usage_lines.p_period)), LEAST(t.ends_on, reseller_billing.period_end(usage_lines.p_period)))
                 END AS service,
             t.tranche_id
            FROM (((reseller_billing.commitment_tranche t
              JOIN res ON (((res.reseller_id = t.reseller_id) AND ((t.reseller_id >= usage_lines.p_lo) AND (t.reseller_id <= usage_lines.p_hi)))))
              JOIN reseller_billing.subscription s ON (((s.reseller_id = t.reseller_id) AND (s.subscription_id = t.subscription_id))))
              JOIN reseller_billing.sku k ON ((k.sku_id = s.sku_id)))
           WHERE ((t.starts_on < reseller_billing.period_end(usage_lines.p_period)) AND (t.ends_on > reseller_billing.period_start(usage_lines.p_period)) AND ((t.last_month IS NULL) OR (t.last_month OPERATOR(reseller_billing.>=) usage_lines.p_period)) AND ((t.plan OPERATOR(reseller_billing.=) 'annual_monthly'::reseller_billing.plan_kind) OR (reseller_billing.billing_period(t.starts_on) OPERATOR(reseller_billing.=) usage_lines.p_period)))
         ), usage AS (
          SELECT f.reseller_id,
             f.flex_term_id,
             f.subscription_id,
             f.price,
             res.currency,
             res.time_zone,
             u.account_days,
             u.first_moment,
             u.last_moment
            FROM ((reseller_billing.flex_term f
              JOIN res ON ((res.reseller_id = f.reseller_id)))
              CROSS JOIN LATERAL ( SELECT sum((((((b.hi - '00:00:00.000001'::interval) AT TIME ZONE res.time_zone))::date - ((b.lo AT TIME ZONE res.time_zone))::date) + 1)) AS account_days,
                     min(b.lo) AS first_moment,
                     max(b.hi) AS last_moment
                    FROM (reseller_billing.seat a
                      CROSS JOIN LATERAL ( SELECT GREATEST(a.active_from, f.starts_at, res.ms) AS lo,
                             LEAST(COALESCE(a.active_until, 'infinity'::timestamp with time zone), COALESCE(f.ends_at, 'infinity'::timestamp with time zone), res.me) AS hi) b)
                   WHERE ((a.reseller_id = f.reseller_id) AND (a.subscription_id = f.subscription_id) AND (a.active_from < res.me) AND ((a.active_until IS NULL) OR (a.active_until > res.ms)) AND (b.hi > b.lo))) u)
           WHERE ((f.reseller_id >= usage_lines.p_lo) AND (f.reseller_id <= usage_lines.p_hi) AND (f.starts_at < res.me) AND ((f.ends_at IS NULL) OR (f.ends_at > res.ms)))
         ), flex AS (
          SELECT u.reseller_id,
             u.currency,
             'flex_usage'::text AS kind,
             u.subscription_id,
             s.customer_id,
             s.sku_id,
             format('%s: %s account-day(s) on Flex'::text, k.name, u.account_days) AS description,
             (u.account_days)::numeric AS quantity,
             u.price AS unit_price,
             reseller_billing.prorate_fraction(u.price, u.account_days, ((12 * reseller_billing.days(usage_lines.p_period)))::bigint) AS amount,
             usage_lines.p_period AS service_period,
             daterange(((u.first_moment AT TIME ZONE u.time_zone))::date, (((u.last_moment - '00:00:00.000001'::interval) AT TIME ZONE u.time_zone))::date, '[]'::text) AS service,
             NULL::bigint AS tranche_id
            FROM ((usage u
              JOIN reseller_billing.subscription s ON (((s.reseller_id = u.reseller_id) AND (s.subscription_id = u.subscription_id))))
              JOIN reseller_billing.sku k ON ((k.sku_id = s.sku_id)))
           WHERE (u.account_days > 0)
         )
  SELECT annual.reseller_id,
     annual.currency,
     annual.kind,
     annual.subscription_id,
     annual.customer_id,
     annual.sku_id,
     annual.description,
     annual.quantity,
     annual.unit_price,
     annual.amount,
     annual.service_period,
     annual.service,
     annual.tranche_id
    FROM annual
   WHERE (NOT reseller_billing.is_zero(annual.amount))
 UNION ALL
  SELECT flex.reseller_id,
     flex.currency,
     flex.kind,
     flex.subscription_id,
     flex.customer_id,
     flex.sku_id,
     flex.description,
     flex.quantity,
     flex.unit_price,
     flex.amount,
     flex.service_period,
     flex.service,
     flex.tranche_id
    FROM flex;
$body$;
