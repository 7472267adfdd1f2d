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
CREATE OR REPLACE FUNCTION reseller_billing.migration_credit_csv(p_reseller bigint) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    csv     text;
BEGIN
    IF NOT EXISTS (SELECT FROM reseller_billing.migration m WHERE m.reseller_id = p_reseller) THEN
        RAISE EXCEPTION 'reseller % has not migrated to post-paid', p_reseller
            USING ERRCODE = 'no_data_found';
    END IF;
    SELECT string_agg(line, E'\r\n' ORDER BY ord) || E'\r\n' INTO csv
      FROM (SELECT 0 AS ord, 'order_id,customer_id,customer_name,customer_kind,sku,term_start,term_end,currency,'
                             'amount_paid,days_in_term,days_left,amount_credited,total_credited' AS line
            UNION ALL
            SELECT s.order_id,
                   concat_ws(',', s.order_id, s.customer_id, reseller_billing.csv_field(s.customer_name),
                             reseller_billing.csv_field(s.customer_kind), reseller_billing.csv_field(s.sku),
                             s.term_start, s.term_end, s.currency, s.amount_paid, s.days_in_term, s.days_left,
                             s.amount_credited, s.total_credited)
              FROM reseller_billing.migration_credit_statement s
             WHERE s.reseller_id = p_reseller) x;
    RETURN csv;
END $$;
COMMENT ON FUNCTION reseller_billing.migration_credit_csv(bigint) IS
    'the migration credit statement of a reseller as CSV text (RFC 4180: header, CRLF, quoted fields), amounts exact; the columns of the documented COPY form';
