-- ========================================================================
-- 0.3.0: money stays an amount: invoice lines, channel lines, interest
-- (issue 17 §1; as 85_money_settle.sql says)
-- ========================================================================

-- reseller_billing.channel_lines(reseller_billing.billing_period,bigint,bigint,bigint)
-- channel_lines: defined once, in 96_providers_close.sql (the version 0.3.0 installs)
-- reseller_billing.channel_scale(reseller_billing.amount,reseller_billing.amount,reseller_billing.amount)
CREATE OR REPLACE FUNCTION reseller_billing.channel_scale(p_amount reseller_billing.amount, p_pp reseller_billing.amount, p_wp reseller_billing.amount)
 RETURNS reseller_billing.amount
 LANGUAGE sql
 IMMUTABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
RETURN CASE WHEN p_pp IS NULL OR p_wp IS NULL OR reseller_billing.is_zero(p_wp) THEN p_amount
            ELSE reseller_billing.scale(p_amount, p_pp, p_wp) END
;

-- reseller_billing.direct_bill_standing(date)
CREATE OR REPLACE FUNCTION reseller_billing.direct_bill_standing(p_at date)
 RETURNS TABLE(program_code text, reseller_id bigint, reseller_name text, tier text, currency text, revenue numeric, threshold numeric, shortfall numeric, eligible boolean)
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
#variable_conflict use_column
BEGIN
    RETURN QUERY
 SELECT pg.code,
     r.reseller_id,
     r.name,
     r.tier,
     pg.currency,
     reseller_billing.value(x.revenue) AS value,
     reseller_billing.value(x.threshold) AS value,
     reseller_billing.value(reseller_billing.larger(x.threshold - x.revenue, reseller_billing.amount(0, pg.currency))) AS shortfall,
     (x.revenue OPERATOR(reseller_billing.>=) x.threshold)
    FROM ((reseller_billing.reseller r
      JOIN reseller_billing.program pg ON ((pg.program_id = r.program_id)))
      CROSS JOIN LATERAL ( SELECT reseller_billing.program_revenue(r.reseller_id, direct_bill_standing.p_at) AS revenue,
             reseller_billing.direct_bill_threshold(pg.program_id) AS threshold) x)
   WHERE ((pg.settings @> '{"csp": true}'::jsonb) AND (r.tier = ANY (ARRAY['direct'::text, 'indirect_provider'::text])))
   ORDER BY pg.code, r.reseller_id;
END
$body$
;

-- reseller_billing.order_interest_accrual(bigint,bigint,date,date): balance_days is an amount
-- (it was a numeric); write_statement scales it by rate / 365
DROP FUNCTION reseller_billing.order_interest_accrual(bigint, bigint, date, date);
CREATE FUNCTION reseller_billing.order_interest_accrual(p_reseller bigint, p_order bigint, p_from date, p_to date, OUT days integer, OUT balance_days reseller_billing.amount)
 RETURNS record
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
#variable_conflict use_column
BEGIN
    SELECT q.* INTO days, balance_days
      FROM (
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
             (o.total - COALESCE(( SELECT sum(a.amount) AS sum
                    FROM (reseller_billing.order_payment_allocation a
                      JOIN reseller_billing.payment p ON (((p.reseller_id = a.reseller_id) AND (p.payment_id = a.payment_id))))
                   WHERE ((a.reseller_id = order_interest_accrual.p_reseller) AND (a.order_id = order_interest_accrual.p_order) AND (p.received_on <= seg.s))), reseller_billing.amount(0, o.currency))) AS b
            FROM seg,
             reseller_billing.licence_order o
           WHERE ((o.reseller_id = order_interest_accrual.p_reseller) AND (o.order_id = order_interest_accrual.p_order) AND (order_interest_accrual.p_from < order_interest_accrual.p_to))
         )
  SELECT (COALESCE(sum((bal.e - bal.s)) FILTER (WHERE reseller_billing.sign(bal.b) > 0), (0)::bigint))::integer AS days,
     COALESCE(sum(bal.b * (bal.e - bal.s)) FILTER (WHERE reseller_billing.sign(bal.b) > 0),
              (SELECT reseller_billing.amount(0, o.currency) FROM reseller_billing.licence_order o
                WHERE o.reseller_id = order_interest_accrual.p_reseller AND o.order_id = order_interest_accrual.p_order)) AS balance_days
    FROM bal
           ) q;
END
$body$
;
COMMENT ON FUNCTION reseller_billing.order_interest_accrual(bigint, bigint, date, date) IS
    'internal: the days of [from, to) an order had an unpaid balance, and the balance summed over those days, an amount (a payment counts from the day received)';

-- reseller_billing.usage_lines(reseller_billing.billing_period,bigint,bigint,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.usage_lines(p_period reseller_billing.billing_period, p_program bigint, p_lo bigint, p_hi bigint)
 RETURNS TABLE(reseller_id bigint, currency text, kind text, subscription_id bigint, customer_id bigint, sku_id bigint, description text, quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount, service_period reseller_billing.billing_period, service daterange, tranche_id bigint)
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
#variable_conflict use_column
DECLARE
    -- one reseller (lo = hi): every table is also restricted by an equality
    -- on reseller_id, so that on a Citus cluster the whole query runs on the
    -- one shard holding it; a range folds this to true
    v_one bigint := CASE WHEN p_lo = p_hi THEN p_lo END;
BEGIN
    RETURN QUERY
 WITH res AS (
          SELECT r.reseller_id,
             pg.currency,
             pg.time_zone,
             ((reseller_billing.period_start(usage_lines.p_period))::timestamp without time zone AT TIME ZONE pg.time_zone) AS ms,
             ((reseller_billing.period_end(usage_lines.p_period))::timestamp without time zone AT TIME ZONE pg.time_zone) AS me
            FROM (reseller_billing.reseller r
              JOIN reseller_billing.program pg ON ((pg.program_id = r.program_id)))
           WHERE (((r.reseller_id >= usage_lines.p_lo) AND (r.reseller_id <= usage_lines.p_hi)) AND (v_one IS NULL OR r.reseller_id = v_one) AND ((usage_lines.p_program IS NULL) OR (r.program_id = usage_lines.p_program)))
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
              JOIN res ON (((res.reseller_id = t.reseller_id) AND ((t.reseller_id >= usage_lines.p_lo) AND (t.reseller_id <= usage_lines.p_hi)) AND (v_one IS NULL OR t.reseller_id = v_one))))
              JOIN reseller_billing.subscription s ON (((s.reseller_id = t.reseller_id) AND (s.subscription_id = t.subscription_id) AND (v_one IS NULL OR s.reseller_id = v_one))))
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
                   WHERE ((v_one IS NULL OR a.reseller_id = v_one) AND (a.reseller_id = f.reseller_id) AND (a.subscription_id = f.subscription_id) AND (a.active_from < res.me) AND ((a.active_until IS NULL) OR (a.active_until > res.ms)) AND (b.hi > b.lo))) u)
           WHERE (((f.reseller_id >= usage_lines.p_lo) AND (f.reseller_id <= usage_lines.p_hi)) AND (v_one IS NULL OR f.reseller_id = v_one) AND (f.starts_at < res.me) AND ((f.ends_at IS NULL) OR (f.ends_at > res.ms)))
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
              JOIN reseller_billing.subscription s ON (((s.reseller_id = u.reseller_id) AND (s.subscription_id = u.subscription_id) AND (v_one IS NULL OR s.reseller_id = v_one))))
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
   WHERE NOT reseller_billing.is_zero(annual.amount)
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
END
$body$
;
