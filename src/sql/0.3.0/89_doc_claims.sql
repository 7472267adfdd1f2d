-- ========================================================================
-- 0.3.0: where the docs and the code disagreed, the code users expect
-- (issue 18 §5)
-- ========================================================================

-- recurring_revenue counted an Annual term that had ended (not renewed yet,
-- or never, if renew_due does not run) as monthly revenue: only terms that
-- cover the program's day count now
CREATE OR REPLACE VIEW reseller_billing.recurring_revenue WITH (security_invoker = true) AS
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
   AND (NOT reseller_billing.is_annual(s.plan)
        OR s.term_end > (reseller_billing.clock_now() AT TIME ZONE pg.time_zone)::date)
 GROUP BY pg.code, s.reseller_id, r.name, pg.currency;
COMMENT ON VIEW reseller_billing.recurring_revenue IS
    'monthly recurring revenue by program and reseller now: Annual commitments whose term covers today and Flex accounts at their partner prices, per month';

-- the migration credit statement's CSV and its COPY form (doc/migration.md)
-- had two column sets ("order" and no customer_kind here): one set now, the
-- view's own column names
-- migration_credit_csv: defined once, in 95_api_arguments.sql (the version 0.3.0 installs)
COMMENT ON FUNCTION reseller_billing.migration_credit_csv(bigint) IS
    'the migration credit statement of a reseller as CSV text (RFC 4180: header, CRLF, quoted fields), amounts exact; the columns of the documented COPY form';
