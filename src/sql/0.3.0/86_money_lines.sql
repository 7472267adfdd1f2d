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
-- usage_lines: the month's recurring lines (Annual installments and prepaid
-- years, Flex account-days) are computed in C from the billing facts
-- (src/close_lines.c, issue 13); the close, preview_invoice, the channel and
-- the adjustments of closed months all read them from here.
CREATE OR REPLACE FUNCTION reseller_billing.usage_lines(p_period reseller_billing.billing_period, p_program bigint, p_lo bigint, p_hi bigint)
 RETURNS TABLE(reseller_id bigint, currency text, kind text, subscription_id bigint, customer_id bigint, sku_id bigint, description text, quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount, service_period reseller_billing.billing_period, service daterange, tranche_id bigint)
 LANGUAGE c
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS 'MODULE_PATHNAME', 'usage_lines';
COMMENT ON FUNCTION reseller_billing.usage_lines(reseller_billing.billing_period, bigint, bigint, bigint) IS
    'internal: the recurring lines of a month for the resellers of a program (NULL: every program) with ids in [lo, hi]: Annual installments, prepaid years in their first month, Flex account-days; computed in C';
