-- ========================================================================
-- 0.3.0: the channel's views on a Citus cluster (issue 14; doc/scaling.md,
-- "How the channel's month-end runs on a cluster")
-- ========================================================================
--
-- A view row of a reseller that names its provider (the provider's name,
-- the vendor invoice its lines were billed on) joined the reseller's rows
-- with the provider's: two shards on a cluster, which Citus does not join.
-- The provider's row is read by a query about it alone instead, called for
-- each row; on one node the views show what they showed.

-- partner_capabilities: the provider's name is read by reseller_name(), a
-- query about the provider alone, not by a join of the reseller's row with
-- its provider's (on a Citus cluster two shards, which Citus does not join)
CREATE FUNCTION reseller_billing.reseller_name(p_reseller bigint) RETURNS text
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RETURN (SELECT r.name FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller);
END $$;
COMMENT ON FUNCTION reseller_billing.reseller_name(bigint) IS
    'internal: a reseller''s name, as the caller may see it (NULL when it may not, or for NULL)';

CREATE OR REPLACE VIEW reseller_billing.partner_capabilities WITH (security_invoker = true) AS
SELECT pg.code AS program_code, r.reseller_id, r.name AS reseller_name, r.tier,
       r.tier IN ('direct', 'indirect_provider') AS direct_bill,
       r.tier = 'indirect_reseller' OR (cp.transition_started_at IS NOT NULL AND cp.transition_completed_at IS NULL)
           AS indirect_resale,
       CASE WHEN cp.transition_completed_at IS NOT NULL THEN 'completed'
            WHEN cp.transition_started_at IS NOT NULL THEN 'in_progress' END AS transition,
       coalesce(cp.programmatic_access, false) AS programmatic_access,
       coalesce(cp.sandbox_access, false) AS sandbox_access,
       pp.provider_id, reseller_billing.reseller_name(pp.provider_id) AS provider_name
  FROM reseller_billing.reseller r
  JOIN reseller_billing.program pg ON pg.program_id = r.program_id
  LEFT JOIN reseller_billing.channel_partner cp ON cp.reseller_id = r.reseller_id
  LEFT JOIN reseller_billing.provider_partnership pp ON pp.reseller_id = r.reseller_id
 WHERE pg.settings @> '{"csp": true}';

-- channel_invoices: the provider's name and the number of the vendor
-- invoice its lines were billed on are read by queries about the provider
-- alone (reseller_name, vendor_invoice_number); an invoice whose provider
-- the caller may not see is left out, as the released join left it out
CREATE FUNCTION reseller_billing.vendor_invoice_number(p_provider bigint, p_invoice bigint) RETURNS bigint
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RETURN (SELECT i.invoice_number FROM reseller_billing.invoice i
             WHERE i.reseller_id = p_provider AND i.invoice_id = p_invoice);
END $$;
COMMENT ON FUNCTION reseller_billing.vendor_invoice_number(bigint, bigint) IS
    'internal: the number of a provider''s vendor invoice, as the caller may see it (NULL when it may not)';

CREATE OR REPLACE VIEW reseller_billing.channel_invoices WITH (security_invoker = true) AS
 SELECT ci.provider_id,
    reseller_billing.reseller_name(ci.provider_id) AS provider_name,
    ci.reseller_id,
    r.name AS reseller_name,
    pg.code AS program_code,
    ci.channel_invoice_id,
    ci.invoice_number,
    (ci.period)::text AS period,
    ci.issued_on,
    ci.due_on,
    ci.currency,
    reseller_billing.value(ci.subtotal) AS subtotal,
    reseller_billing.value(ci.wholesale) AS wholesale,
    reseller_billing.value((ci.subtotal OPERATOR(reseller_billing.-) ci.wholesale)) AS provider_margin,
    reseller_billing.vendor_invoice_number(ci.provider_id, ci.vendor_invoice_id) AS vendor_invoice_number,
    reseller_billing.value(ci.tax) AS tax,
    reseller_billing.value(ci.credits_applied) AS credits_applied,
    reseller_billing.value(ci.total) AS total,
    reseller_billing.value(ci.credited) AS credited,
    reseller_billing.value((ci.total OPERATOR(reseller_billing.-) ci.credited)) AS outstanding
   FROM reseller_billing.channel_invoice ci
     JOIN reseller_billing.reseller r ON r.reseller_id = ci.reseller_id
     JOIN reseller_billing.program pg ON pg.program_id = ci.program_id
  WHERE reseller_billing.reseller_name(ci.provider_id) IS NOT NULL;

-- channel_reconciliation: per vendor invoice to a provider, what it billed
-- for the provider's resellers (the provider's rows) against the wholesale
-- side of the provider's invoices to them (the resellers' rows), each read
-- by a query of its own and compared line by line here
CREATE FUNCTION reseller_billing.channel_reconciliation_rows()
    RETURNS TABLE (provider_id bigint, provider_name text, vendor_invoice_id bigint, vendor_invoice_number bigint,
                   period text, currency text, vendor_billed reseller_billing.amount, vendor_lines bigint,
                   wholesale reseller_billing.amount, resold reseller_billing.amount, lines bigint, unmatched bigint)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
#variable_conflict use_column
DECLARE
    i       record;
    vl      int[];
    ve      bigint[];
    va      reseller_billing.amount[];
    wl      int[];
    wr      bigint[];
    ww      reseller_billing.amount[];
    wa      reseller_billing.amount[];
BEGIN
    FOR i IN
        SELECT x.reseller_id, pv.name, x.invoice_id, x.invoice_number, x.period, x.currency
          FROM reseller_billing.invoice x
          JOIN reseller_billing.reseller pv ON pv.reseller_id = x.reseller_id
         WHERE pv.tier = 'indirect_provider'
         ORDER BY x.reseller_id, x.invoice_id
    LOOP
        -- the vendor's side: the provider's invoice lines for its resellers
        SELECT reseller_billing.sum(l.amount), count(*), array_agg(l.line_no), array_agg(l.end_reseller_id),
               array_agg(l.amount)
          INTO vendor_billed, vendor_lines, vl, ve, va
          FROM reseller_billing.invoice_line l
         WHERE l.reseller_id = i.reseller_id AND l.invoice_id = i.invoice_id AND l.end_reseller_id IS NOT NULL;
        -- the provider's side: its invoices' lines to its resellers
        SELECT array_agg(cl.vendor_line_no), array_agg(cl.reseller_id), array_agg(cl.wholesale_amount),
               array_agg(cl.amount)
          INTO wl, wr, ww, wa
          FROM reseller_billing.channel_invoice ci
          JOIN reseller_billing.channel_invoice_line cl
            ON cl.reseller_id = ci.reseller_id AND cl.channel_invoice_id = ci.channel_invoice_id
         WHERE ci.provider_id = i.reseller_id AND ci.vendor_invoice_id = i.invoice_id AND cl.vendor_line_no IS NOT NULL;
        -- compared line by line (a line of the provider's with no equal line of the vendor's is unmatched)
        SELECT reseller_billing.sum(w.wholesale), reseller_billing.sum(w.resold), count(*),
               count(*) FILTER (WHERE NOT EXISTS (
                   SELECT 1 FROM unnest(vl, ve, va) v(line_no, end_reseller_id, amount)
                    WHERE v.line_no = w.line_no AND v.end_reseller_id = w.reseller_id
                      AND v.amount OPERATOR(reseller_billing.=) w.wholesale))
          INTO wholesale, resold, lines, unmatched
          FROM unnest(wl, wr, ww, wa) w(line_no, reseller_id, wholesale, resold)
         WHERE wl IS NOT NULL;
        CONTINUE WHEN NOT (vendor_lines > 0 OR lines > 0);
        provider_id := i.reseller_id;
        provider_name := i.name;
        vendor_invoice_id := i.invoice_id;
        vendor_invoice_number := i.invoice_number;
        period := i.period::text;
        currency := i.currency;
        RETURN NEXT;
    END LOOP;
END $$;
COMMENT ON FUNCTION reseller_billing.channel_reconciliation_rows() IS
    'internal (the view channel_reconciliation): per vendor invoice to a provider, the two sides of its resellers'' lines (amounts, line counts, the provider''s lines without an equal vendor line), as the caller may see them';

CREATE OR REPLACE VIEW reseller_billing.channel_reconciliation WITH (security_invoker = true) AS
 SELECT x.provider_id, x.provider_name, x.vendor_invoice_id, x.vendor_invoice_number, x.period, x.currency,
    COALESCE(reseller_billing.value(x.vendor_billed), reseller_billing.zero(x.currency)) AS vendor_billed_for_resellers,
    COALESCE(reseller_billing.value(x.wholesale), reseller_billing.zero(x.currency)) AS resellers_wholesale,
    COALESCE(reseller_billing.value(x.resold), reseller_billing.zero(x.currency)) AS resellers_billed,
    reseller_billing.value((COALESCE(x.resold, reseller_billing.amount((0)::numeric, x.currency)) OPERATOR(reseller_billing.-) COALESCE(x.wholesale, reseller_billing.amount((0)::numeric, x.currency)))) AS provider_margin,
    ((COALESCE(x.vendor_billed, reseller_billing.amount((0)::numeric, x.currency)) OPERATOR(reseller_billing.=) COALESCE(x.wholesale, reseller_billing.amount((0)::numeric, x.currency))) AND (COALESCE(x.vendor_lines, (0)::bigint) = COALESCE(x.lines, (0)::bigint)) AND (COALESCE(x.unmatched, (0)::bigint) = 0)) AS balanced
   FROM reseller_billing.channel_reconciliation_rows() x;

-- direct_bill_standing: the CSP partners billed by the vendor (a query over
-- reseller and program alone), then each one's revenue (a query about it)
CREATE OR REPLACE FUNCTION reseller_billing.direct_bill_standing(p_at date)
 RETURNS TABLE(program_code text, reseller_id bigint, reseller_name text, tier text, currency text, revenue numeric,
               threshold numeric, shortfall numeric, eligible boolean)
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
#variable_conflict use_column
DECLARE
    r       record;
    v_rev   reseller_billing.amount;
    v_thr   reseller_billing.amount;
BEGIN
    FOR r IN
        SELECT pg.code, x.reseller_id, x.name, x.tier, pg.currency, pg.program_id
          FROM reseller_billing.reseller x
          JOIN reseller_billing.program pg ON pg.program_id = x.program_id
         WHERE pg.settings @> '{"csp": true}'::jsonb AND x.tier IN ('direct', 'indirect_provider')
         ORDER BY pg.code, x.reseller_id
    LOOP
        v_rev := reseller_billing.program_revenue(r.reseller_id, p_at);
        v_thr := reseller_billing.direct_bill_threshold(r.program_id);
        RETURN QUERY
        SELECT r.code::text, r.reseller_id, r.name, r.tier, r.currency, reseller_billing.value(v_rev),
               reseller_billing.value(v_thr),
               reseller_billing.value(reseller_billing.larger(v_thr - v_rev, reseller_billing.amount(0, r.currency))),
               v_rev OPERATOR(reseller_billing.>=) v_thr;
    END LOOP;
END
$body$;
