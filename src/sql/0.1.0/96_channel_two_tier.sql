-- functions: the two-tier close ----------------------------------------------

-- channel_hold_lines: called by close_chunk after it has computed its lines
-- (rb_close_lines) and the late changes it would clear (rb_close_late), only
-- for CSP programs: providers and the indirect resellers billed through one
-- are left to channel_close.
CREATE FUNCTION reseller_billing.channel_hold_lines(p_program bigint)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    DELETE FROM pg_temp.rb_close_lines l
     USING reseller_billing.reseller r
     WHERE r.reseller_id = l.reseller_id AND r.program_id = p_program
       AND (r.tier = 'indirect_provider'
            OR (r.tier = 'indirect_reseller'
                AND EXISTS (SELECT FROM reseller_billing.provider_partnership p WHERE p.reseller_id = r.reseller_id)));
    DELETE FROM pg_temp.rb_close_late l
     USING reseller_billing.reseller r
     WHERE r.reseller_id = l.reseller_id AND r.program_id = p_program
       AND (r.tier = 'indirect_provider'
            OR (r.tier = 'indirect_reseller'
                AND EXISTS (SELECT FROM reseller_billing.provider_partnership p WHERE p.reseller_id = r.reseller_id)));
END $$;
COMMENT ON FUNCTION reseller_billing.channel_hold_lines(bigint) IS
    'internal (close_chunk, CSP programs only): removes providers'' and their indirect resellers'' lines and late changes from the chunk; channel_close bills them';

-- channel_scale: an amount at the vendor's unit price scaled to the
-- provider's (early-termination charges, adjustments): a × pp / wp exactly,
-- rounded once; the amount itself when the vendor's price is zero.
CREATE FUNCTION reseller_billing.channel_scale(p_amount reseller_billing.amount, p_pp reseller_billing.amount,
                                               p_wp reseller_billing.amount)
    RETURNS reseller_billing.amount
    LANGUAGE sql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp
    RETURN CASE WHEN p_pp IS NULL OR p_wp IS NULL OR reseller_billing.value(p_wp) OPERATOR(pg_catalog.=) 0 THEN p_amount
                ELSE reseller_billing.prorate_fraction(p_amount,
                         (reseller_billing.value(p_pp) OPERATOR(pg_catalog.*) 1000000)::bigint,
                         (reseller_billing.value(p_wp) OPERATOR(pg_catalog.*) 1000000)::bigint) END;
COMMENT ON FUNCTION reseller_billing.channel_scale(reseller_billing.amount, reseller_billing.amount, reseller_billing.amount) IS
    'internal: amount × provider price / wholesale price, exactly, rounded once (the amount when the wholesale price is zero)';

-- channel_usage_lines: a month's recurring lines of one indirect reseller
-- (usage_lines), each with the provider's amount beside the vendor's.  An
-- Annual tranche is priced at the provider's price on the day its term
-- started (a commitment keeps its price), as its own tranche total
-- (seats × price × days / days of the term, rounded once) on the same
-- installment schedule; Flex account-days at the provider's price on the
-- first day of the month.
CREATE FUNCTION reseller_billing.channel_usage_lines(p_period reseller_billing.billing_period, p_program bigint,
                                                     p_reseller bigint, p_provider bigint)
    RETURNS TABLE (currency text, kind text, subscription_id bigint, customer_id bigint, sku_id bigint,
                   description text, quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount,
                   wholesale_unit_price reseller_billing.amount, wholesale_amount reseller_billing.amount,
                   service_period reseller_billing.billing_period, service daterange, tranche_id bigint)
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    SELECT u.currency, u.kind, u.subscription_id, u.customer_id, u.sku_id, u.description, u.quantity,
           p.pp,
           CASE WHEN u.kind OPERATOR(pg_catalog.=) 'flex_usage'
                THEN reseller_billing.prorate_fraction(p.pp, u.quantity::bigint,
                                                       12 OPERATOR(pg_catalog.*) reseller_billing.days(u.service_period))
                WHEN u.kind OPERATOR(pg_catalog.=) 'annual_prepaid' THEN p.total
                ELSE reseller_billing.annual_installment(p.total, t.starts_on, t.ends_on, u.service_period) END,
           u.unit_price, u.amount, u.service_period, u.service, u.tranche_id
      FROM reseller_billing.usage_lines(p_period, p_program, p_reseller, p_reseller) u
      LEFT JOIN reseller_billing.commitment_tranche t
        ON t.reseller_id OPERATOR(pg_catalog.=) u.reseller_id AND t.tranche_id OPERATOR(pg_catalog.=) u.tranche_id
     CROSS JOIN LATERAL (
            SELECT x.pp,
                   CASE WHEN t.tranche_id IS NOT NULL
                        THEN reseller_billing.prorate_fraction(x.pp OPERATOR(reseller_billing.*) t.seats,
                                                               t.ends_on OPERATOR(pg_catalog.-) t.starts_on,
                                                               t.term_end OPERATOR(pg_catalog.-) t.term_start) END AS total
              FROM (SELECT reseller_billing.provider_price_on(p_provider, u.sku_id,
                               coalesce(t.plan, 'flexible'::reseller_billing.plan_kind),
                               coalesce(t.term_start, reseller_billing.period_start(u.service_period))) AS pp) x) p;
END;
COMMENT ON FUNCTION reseller_billing.channel_usage_lines(reseller_billing.billing_period, bigint, bigint, bigint) IS
    'internal: an indirect reseller''s recurring lines of a month at the vendor''s price (wholesale) and at its provider''s price';

-- channel_lines: everything the month bills an indirect reseller through
-- its provider, at both prices: recurring lines; its charges not yet billed
-- through a provider (one-off charges at the same amount, early-termination
-- charges scaled to the provider's price); and, for each closed month
-- changed since (late_change), what the month should have billed less what
-- was billed, at each price.  Its own vendor invoices (from months before it
-- moved to a provider) count as billed at both prices.
CREATE FUNCTION reseller_billing.channel_lines(p_period reseller_billing.billing_period, p_program bigint,
                                               p_reseller bigint, p_provider bigint)
    RETURNS TABLE (currency text, kind text, subscription_id bigint, customer_id bigint, sku_id bigint,
                   description text, quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount,
                   wholesale_unit_price reseller_billing.amount, wholesale_amount reseller_billing.amount,
                   service_period reseller_billing.billing_period, service daterange, tranche_id bigint, charge_id bigint)
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    SELECT u.*, NULL::bigint
      FROM reseller_billing.channel_usage_lines(p_period, p_program, p_reseller, p_provider) u
    UNION ALL
    SELECT reseller_billing.currency(c.amount),
           CASE WHEN c.kind OPERATOR(pg_catalog.=) 'early_termination' THEN 'early_termination' ELSE 'one_off' END,
           c.subscription_id, c.customer_id, s.sku_id, c.description, 1::numeric,
           x.amount, x.amount, c.amount, c.amount,
           reseller_billing.billing_period(c.charge_on), daterange(c.charge_on, c.charge_on, '[]'), NULL::bigint, c.charge_id
      FROM reseller_billing.charge c
      LEFT JOIN reseller_billing.subscription s
        ON s.reseller_id OPERATOR(pg_catalog.=) c.reseller_id AND s.subscription_id OPERATOR(pg_catalog.=) c.subscription_id
     CROSS JOIN LATERAL (
            SELECT CASE WHEN c.kind OPERATOR(pg_catalog.=) 'early_termination'
                        THEN reseller_billing.channel_scale(c.amount,
                                 reseller_billing.provider_price_on(p_provider, s.sku_id, s.plan, s.term_start),
                                 s.partner_price)
                        ELSE c.amount END AS amount) x
     WHERE c.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND c.charge_on OPERATOR(pg_catalog.<) reseller_billing.period_end(p_period)
       AND NOT EXISTS (SELECT FROM reseller_billing.channel_invoice_line l
                        WHERE l.reseller_id OPERATOR(pg_catalog.=) c.reseller_id
                          AND l.charge_id OPERATOR(pg_catalog.=) c.charge_id)
       AND NOT EXISTS (SELECT FROM reseller_billing.invoice_line l
                        WHERE l.reseller_id OPERATOR(pg_catalog.=) c.reseller_id
                          AND l.charge_id OPERATOR(pg_catalog.=) c.charge_id)
    UNION ALL
    SELECT pg.currency, 'adjustment', lc.subscription_id, s.customer_id, s.sku_id,
           format('Adjustment for %s: changes recorded after the month was closed', lc.service_period),
           1::numeric, NULL::reseller_billing.amount,
           reseller_billing.amount((coalesce(e.expected_p, 0) OPERATOR(pg_catalog.-) coalesce(b.billed_p, 0))
                                   OPERATOR(pg_catalog.-) coalesce(v.billed, 0), pg.currency),
           NULL::reseller_billing.amount,
           reseller_billing.amount((coalesce(e.expected_w, 0) OPERATOR(pg_catalog.-) coalesce(b.billed_w, 0))
                                   OPERATOR(pg_catalog.-) coalesce(v.billed, 0), pg.currency),
           lc.service_period, reseller_billing.daterange(lc.service_period), NULL::bigint, NULL::bigint
      FROM reseller_billing.late_change lc
      JOIN reseller_billing.program pg ON pg.program_id OPERATOR(pg_catalog.=) p_program
      JOIN reseller_billing.subscription s
        ON s.reseller_id OPERATOR(pg_catalog.=) lc.reseller_id AND s.subscription_id OPERATOR(pg_catalog.=) lc.subscription_id
      LEFT JOIN LATERAL (
            SELECT sum(reseller_billing.value(u.amount)) AS expected_p, sum(reseller_billing.value(u.wholesale_amount)) AS expected_w
              FROM reseller_billing.channel_usage_lines(lc.service_period, p_program, p_reseller, p_provider) u
             WHERE u.subscription_id OPERATOR(pg_catalog.=) lc.subscription_id) e ON true
      LEFT JOIN LATERAL (
            SELECT sum(reseller_billing.value(l.amount)) AS billed_p, sum(reseller_billing.value(l.wholesale_amount)) AS billed_w
              FROM reseller_billing.channel_invoice_line l
             WHERE l.reseller_id OPERATOR(pg_catalog.=) lc.reseller_id
               AND l.subscription_id OPERATOR(pg_catalog.=) lc.subscription_id
               AND l.service_period OPERATOR(reseller_billing.=) lc.service_period
               AND l.kind IN ('annual_installment', 'annual_prepaid', 'flex_usage', 'adjustment')) b ON true
      LEFT JOIN LATERAL (
            SELECT sum(reseller_billing.value(l.amount)) AS billed
              FROM reseller_billing.invoice_line l
              JOIN reseller_billing.invoice i
                ON i.reseller_id OPERATOR(pg_catalog.=) l.reseller_id AND i.invoice_id OPERATOR(pg_catalog.=) l.invoice_id
             WHERE l.reseller_id OPERATOR(pg_catalog.=) lc.reseller_id
               AND l.subscription_id OPERATOR(pg_catalog.=) lc.subscription_id
               AND l.service_period OPERATOR(reseller_billing.=) lc.service_period
               AND l.kind IN ('annual_installment', 'annual_prepaid', 'flex_usage', 'adjustment')
               AND i.status OPERATOR(pg_catalog.<>) 'void') v ON true
     WHERE lc.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND lc.service_period OPERATOR(reseller_billing.<) p_period
       AND (coalesce(e.expected_w, 0) OPERATOR(pg_catalog.<>) (coalesce(b.billed_w, 0) OPERATOR(pg_catalog.+) coalesce(v.billed, 0))
            OR coalesce(e.expected_p, 0) OPERATOR(pg_catalog.<>) (coalesce(b.billed_p, 0) OPERATOR(pg_catalog.+) coalesce(v.billed, 0)));
END;
COMMENT ON FUNCTION reseller_billing.channel_lines(reseller_billing.billing_period, bigint, bigint, bigint) IS
    'internal: what a month bills an indirect reseller through its provider, each line at the provider''s price and at wholesale';

-- channel_close: the two-tier invoices of a month of a CSP program, called
-- by close_finish under the program's close lock, in its transaction.  For
-- each provider not yet invoiced for the month: the vendor's invoice to the
-- provider (its own lines, then each indirect reseller's lines at
-- wholesale, marked with end_reseller_id), settled against its credits and
-- payments and issued in the program's numbering; then one invoice from the
-- provider to each indirect reseller with lines, at the provider's prices,
-- each line pointing at its line on the vendor's invoice, numbered in the
-- provider's own sequence.  Returns the invoices written (both kinds).
CREATE FUNCTION reseller_billing.channel_close(p_period reseller_billing.billing_period, p_program bigint)
    RETURNS int
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    pg      reseller_billing.program;
    prov    record;
    ids     bigint[];
    rids    bigint[];
    dr      record;
    last    bigint;
    n       int;
    written int := 0;
BEGIN
    IF NOT reseller_billing.is_csp_program(p_program)
       OR EXISTS (SELECT FROM reseller_billing.period_close c WHERE c.program_id = p_program AND c.period = p_period) THEN
        RETURN 0;
    END IF;
    SELECT * INTO pg FROM reseller_billing.program p WHERE p.program_id = p_program;
    IF to_regclass('pg_temp.rb_channel_lines') IS NULL THEN
        CREATE TEMP TABLE rb_channel_lines (
        end_reseller_id bigint, currency text, kind text, subscription_id bigint, customer_id bigint, sku_id bigint,
        description text, quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount,
        wholesale_unit_price reseller_billing.amount, wholesale_amount reseller_billing.amount,
        service_period reseller_billing.billing_period, service daterange, tranche_id bigint, charge_id bigint,
        invoice_id bigint, line_no int
        ) ON COMMIT DROP;
        CREATE TEMP TABLE rb_channel_late (
        reseller_id bigint, subscription_id bigint, service_period reseller_billing.billing_period, row_version xid
        ) ON COMMIT DROP;
    END IF;
    FOR prov IN
        SELECT r.reseller_id, r.name FROM reseller_billing.reseller r
         WHERE r.program_id = p_program AND r.tier = 'indirect_provider'
           AND NOT EXISTS (SELECT FROM reseller_billing.invoice i
                            WHERE i.reseller_id = r.reseller_id AND i.period = p_period)
         ORDER BY r.reseller_id
    LOOP
        TRUNCATE rb_channel_lines, rb_channel_late;
        -- the late changes billed now, with their row versions (as close_chunk)
        INSERT INTO rb_channel_late
        SELECT lc.reseller_id, lc.subscription_id, lc.service_period, lc.xmin
          FROM reseller_billing.late_change lc
         WHERE lc.service_period < p_period
           AND (lc.reseller_id = prov.reseller_id
                OR lc.reseller_id IN (SELECT p.reseller_id FROM reseller_billing.provider_partnership p
                                        JOIN reseller_billing.reseller x ON x.reseller_id = p.reseller_id
                                       WHERE p.provider_id = prov.reseller_id AND x.tier = 'indirect_reseller'));
        -- the provider's own customers, at its price from the vendor
        INSERT INTO rb_channel_lines
        SELECT NULL, d.currency, d.kind, d.subscription_id, d.customer_id, d.sku_id, d.description, d.quantity,
               NULL, NULL, d.unit_price, d.amount, d.service_period, d.service, d.tranche_id, d.charge_id
          FROM reseller_billing.due_lines(p_period, p_program, prov.reseller_id, prov.reseller_id) d;
        -- each indirect reseller's customers: wholesale and the provider's price
        INSERT INTO rb_channel_lines
        SELECT x.reseller_id, c.*
          FROM reseller_billing.provider_partnership p
          JOIN reseller_billing.reseller x ON x.reseller_id = p.reseller_id
         CROSS JOIN LATERAL reseller_billing.channel_lines(p_period, p_program, x.reseller_id, prov.reseller_id) c
         WHERE p.provider_id = prov.reseller_id AND x.tier = 'indirect_reseller' AND x.program_id = p_program;
        CONTINUE WHEN NOT EXISTS (SELECT FROM rb_channel_lines);

        -- the vendor's invoice to the provider, one per currency
        WITH inv AS (
            INSERT INTO reseller_billing.invoice AS i
                   (reseller_id, program_id, period, currency, kind, subtotal, credits_applied, tax, total, paid, credited)
            SELECT prov.reseller_id, p_program, p_period, l.currency, 'postpaid',
                   reseller_billing.sum(l.wholesale_amount), reseller_billing.amount(0, l.currency),
                   reseller_billing.amount(0, l.currency), reseller_billing.sum(l.wholesale_amount),
                   reseller_billing.amount(0, l.currency), reseller_billing.amount(0, l.currency)
              FROM rb_channel_lines l
             GROUP BY l.currency
             ORDER BY l.currency
            RETURNING i.invoice_id, i.currency)
        UPDATE rb_channel_lines l SET invoice_id = inv.invoice_id, line_no = o.line_no
          FROM inv,
               (SELECT l2.ctid AS id, l2.currency,
                       row_number() OVER (PARTITION BY l2.currency
                                          ORDER BY l2.end_reseller_id NULLS FIRST, reseller_billing.line_kind_order(l2.kind),
                                                   l2.subscription_id, l2.service_period, l2.tranche_id, l2.charge_id)::int AS line_no
                  FROM rb_channel_lines l2) o
         WHERE o.id = l.ctid AND inv.currency = l.currency;
        INSERT INTO reseller_billing.invoice_line
               (reseller_id, invoice_id, line_no, kind, subscription_id, customer_id, sku_id, description, quantity,
                unit_price, amount, service_period, service, charge_id, tranche_id, end_reseller_id)
        SELECT prov.reseller_id, l.invoice_id, l.line_no, l.kind, l.subscription_id, l.customer_id, l.sku_id,
               CASE WHEN l.end_reseller_id IS NULL THEN l.description
                    ELSE format('For reseller %s (%s): %s', l.end_reseller_id, x.name, l.description) END,
               l.quantity, l.wholesale_unit_price, l.wholesale_amount, l.service_period, l.service, l.charge_id,
               l.tranche_id, l.end_reseller_id
          FROM rb_channel_lines l
          LEFT JOIN reseller_billing.reseller x ON x.reseller_id = l.end_reseller_id
         ORDER BY l.invoice_id, l.line_no;

        SELECT array_agg(i.invoice_id ORDER BY i.currency), array_agg(i.reseller_id ORDER BY i.currency)
          INTO ids, rids
          FROM reseller_billing.invoice i
         WHERE i.reseller_id = prov.reseller_id AND i.period = p_period AND i.status = 'draft';
        FOR dr IN
            SELECT i.invoice_id FROM reseller_billing.invoice i
             WHERE i.reseller_id = prov.reseller_id AND i.invoice_id = ANY (ids)
               AND (EXISTS (SELECT FROM reseller_billing.credit c
                             WHERE c.reseller_id = i.reseller_id AND reseller_billing.value(c.remaining) > 0)
                    OR EXISTS (SELECT FROM reseller_billing.payment p
                                WHERE p.reseller_id = i.reseller_id AND reseller_billing.value(p.unapplied) > 0))
             ORDER BY i.currency
        LOOP
            PERFORM reseller_billing.settle_draft(prov.reseller_id, dr.invoice_id);
        END LOOP;
        written := written + reseller_billing.issue_invoices(p_program, ids, rids);

        -- the provider's invoices to its indirect resellers, in its own numbering
        SELECT count(*)::int INTO n
          FROM (SELECT DISTINCT l.end_reseller_id, l.currency FROM rb_channel_lines l WHERE l.end_reseller_id IS NOT NULL) x;
        IF n > 0 THEN
            INSERT INTO reseller_billing.channel_invoice_counter (reseller_id) VALUES (prov.reseller_id) ON CONFLICT DO NOTHING;
            UPDATE reseller_billing.channel_invoice_counter c SET last_number = c.last_number + n
             WHERE c.reseller_id = prov.reseller_id
            RETURNING c.last_number INTO last;
            WITH ci AS (
                INSERT INTO reseller_billing.channel_invoice AS ci
                       (reseller_id, provider_id, program_id, period, currency, invoice_number, issued_on, due_on,
                        subtotal, wholesale, vendor_invoice_id)
                SELECT l.end_reseller_id, prov.reseller_id, p_program, p_period, l.currency,
                       last - n + row_number() OVER (ORDER BY l.end_reseller_id, l.currency),
                       reseller_billing.period_end(p_period), reseller_billing.period_end(p_period) + pg.payment_terms_days,
                       reseller_billing.sum(l.amount), reseller_billing.sum(l.wholesale_amount), min(l.invoice_id)
                  FROM rb_channel_lines l
                 WHERE l.end_reseller_id IS NOT NULL
                 GROUP BY l.end_reseller_id, l.currency
                 ORDER BY l.end_reseller_id, l.currency
                RETURNING ci.reseller_id, ci.channel_invoice_id, ci.currency)
            INSERT INTO reseller_billing.channel_invoice_line
                   (reseller_id, channel_invoice_id, line_no, kind, subscription_id, customer_id, sku_id, description,
                    quantity, unit_price, amount, wholesale_unit_price, wholesale_amount, service_period, service,
                    charge_id, tranche_id, vendor_line_no)
            SELECT l.end_reseller_id, ci.channel_invoice_id,
                   row_number() OVER (PARTITION BY ci.channel_invoice_id ORDER BY l.line_no),
                   l.kind, l.subscription_id, l.customer_id, l.sku_id, l.description, l.quantity, l.unit_price, l.amount,
                   l.wholesale_unit_price, l.wholesale_amount, l.service_period, l.service, l.charge_id, l.tranche_id,
                   l.line_no
              FROM rb_channel_lines l
              JOIN ci ON ci.reseller_id = l.end_reseller_id AND ci.currency = l.currency;
            written := written + n;
        END IF;

        DELETE FROM reseller_billing.late_change lc
         USING rb_channel_late k
         WHERE lc.reseller_id = k.reseller_id AND lc.subscription_id = k.subscription_id
           AND lc.service_period = k.service_period AND lc.xmin = k.row_version;
    END LOOP;
    RETURN written;
END $$;
COMMENT ON FUNCTION reseller_billing.channel_close(reseller_billing.billing_period, bigint) IS
    'internal (close_finish, CSP programs): the vendor''s invoice to each provider (own lines and indirect resellers'' lines at wholesale) and each provider''s invoices to its indirect resellers at its prices; idempotent; returns the invoices written';

-- views --------------------------------------------------------------------

CREATE VIEW reseller_billing.partner_capabilities WITH (security_invoker = true) AS
SELECT pg.code AS program_code, r.reseller_id, r.name AS reseller_name, r.tier,
       r.tier IN ('direct', 'indirect_provider') AS direct_bill,
       r.tier = 'indirect_reseller' OR (cp.transition_started_at IS NOT NULL AND cp.transition_completed_at IS NULL)
           AS indirect_resale,
       CASE WHEN cp.transition_completed_at IS NOT NULL THEN 'completed'
            WHEN cp.transition_started_at IS NOT NULL THEN 'in_progress' END AS transition,
       coalesce(cp.programmatic_access, false) AS programmatic_access,
       coalesce(cp.sandbox_access, false) AS sandbox_access,
       pp.provider_id, pv.name AS provider_name
  FROM reseller_billing.reseller r
  JOIN reseller_billing.program pg ON pg.program_id = r.program_id
  LEFT JOIN reseller_billing.channel_partner cp ON cp.reseller_id = r.reseller_id
  LEFT JOIN reseller_billing.provider_partnership pp ON pp.reseller_id = r.reseller_id
  LEFT JOIN reseller_billing.reseller pv ON pv.reseller_id = pp.provider_id
 WHERE pg.settings @> '{"csp": true}';
COMMENT ON VIEW reseller_billing.partner_capabilities IS
    'CSP partners: tier, whether billed directly by the vendor and/or reselling through a provider (both during a transition), access flags, provider';

CREATE VIEW reseller_billing.direct_bill_below_threshold WITH (security_invoker = true) AS
SELECT s.program_code, s.reseller_id, s.reseller_name, s.tier, s.currency, s.revenue, s.threshold, s.shortfall
  FROM reseller_billing.direct_bill_standing(current_date) s
 WHERE NOT s.eligible;
COMMENT ON VIEW reseller_billing.direct_bill_below_threshold IS
    'direct-bill partners of CSP programs whose invoiced revenue over the last 12 months is below the program''s threshold';

CREATE VIEW reseller_billing.channel_invoices WITH (security_invoker = true) AS
SELECT ci.provider_id, pv.name AS provider_name, ci.reseller_id, r.name AS reseller_name, pg.code AS program_code,
       ci.channel_invoice_id, ci.invoice_number, ci.period::text AS period, ci.issued_on, ci.due_on, ci.currency,
       reseller_billing.value(ci.subtotal) AS subtotal, reseller_billing.value(ci.wholesale) AS wholesale,
       reseller_billing.value(ci.subtotal) - reseller_billing.value(ci.wholesale) AS provider_margin,
       vi.invoice_number AS vendor_invoice_number
  FROM reseller_billing.channel_invoice ci
  JOIN reseller_billing.reseller r ON r.reseller_id = ci.reseller_id
  JOIN reseller_billing.reseller pv ON pv.reseller_id = ci.provider_id
  JOIN reseller_billing.program pg ON pg.program_id = ci.program_id
  LEFT JOIN reseller_billing.invoice vi ON vi.reseller_id = ci.provider_id AND vi.invoice_id = ci.vendor_invoice_id;
COMMENT ON VIEW reseller_billing.channel_invoices IS
    'providers'' invoices to their indirect resellers: at the provider''s prices, at wholesale, the margin, and the vendor invoice they were billed on';

CREATE VIEW reseller_billing.channel_invoice_lines WITH (security_invoker = true) AS
SELECT ci.provider_id, l.reseller_id, l.channel_invoice_id, ci.invoice_number, ci.period::text AS period, l.line_no,
       l.kind, l.customer_id, c.name AS customer_name, l.subscription_id, k.code AS sku_code, l.description, l.quantity,
       reseller_billing.value(l.unit_price) AS unit_price, reseller_billing.value(l.amount) AS amount,
       reseller_billing.value(l.wholesale_unit_price) AS wholesale_unit_price,
       reseller_billing.value(l.wholesale_amount) AS wholesale_amount, ci.currency,
       l.service_period::text AS service_period, lower(l.service) AS service_start, upper(l.service) AS service_end,
       l.vendor_line_no
  FROM reseller_billing.channel_invoice_line l
  JOIN reseller_billing.channel_invoice ci ON ci.reseller_id = l.reseller_id AND ci.channel_invoice_id = l.channel_invoice_id
  LEFT JOIN reseller_billing.customer c ON c.reseller_id = l.reseller_id AND c.customer_id = l.customer_id
  LEFT JOIN reseller_billing.sku k ON k.sku_id = l.sku_id;
COMMENT ON VIEW reseller_billing.channel_invoice_lines IS
    'lines of providers'' invoices to indirect resellers: the provider''s price and amount beside the vendor''s wholesale';

-- what the vendor billed each provider for its indirect resellers against
-- the wholesale side of the provider's invoices to them: equal, line by line
CREATE VIEW reseller_billing.channel_reconciliation WITH (security_invoker = true) AS
SELECT i.reseller_id AS provider_id, pv.name AS provider_name, i.invoice_id AS vendor_invoice_id,
       i.invoice_number AS vendor_invoice_number, i.period::text AS period, i.currency,
       coalesce(v.billed, reseller_billing.zero(i.currency)) AS vendor_billed_for_resellers,
       coalesce(w.wholesale, reseller_billing.zero(i.currency)) AS resellers_wholesale,
       coalesce(w.resold, reseller_billing.zero(i.currency)) AS resellers_billed,
       coalesce(w.resold, 0) - coalesce(w.wholesale, 0) AS provider_margin,
       coalesce(v.billed, 0) = coalesce(w.wholesale, 0) AND coalesce(v.lines, 0) = coalesce(w.lines, 0)
           AND coalesce(w.unmatched, 0) = 0 AS balanced
  FROM reseller_billing.invoice i
  JOIN reseller_billing.reseller pv ON pv.reseller_id = i.reseller_id
  LEFT JOIN LATERAL (
        SELECT sum(reseller_billing.value(l.amount)) AS billed, count(*) AS lines
          FROM reseller_billing.invoice_line l
         WHERE l.reseller_id = i.reseller_id AND l.invoice_id = i.invoice_id AND l.end_reseller_id IS NOT NULL) v ON true
  LEFT JOIN LATERAL (
        SELECT sum(reseller_billing.value(cl.wholesale_amount)) AS wholesale, sum(reseller_billing.value(cl.amount)) AS resold,
               count(*) AS lines,
               count(*) FILTER (WHERE NOT EXISTS (
                   SELECT FROM reseller_billing.invoice_line l
                    WHERE l.reseller_id = i.reseller_id AND l.invoice_id = i.invoice_id AND l.line_no = cl.vendor_line_no
                      AND l.end_reseller_id = cl.reseller_id AND l.amount OPERATOR(reseller_billing.=) cl.wholesale_amount)) AS unmatched
          FROM reseller_billing.channel_invoice ci
          JOIN reseller_billing.channel_invoice_line cl
            ON cl.reseller_id = ci.reseller_id AND cl.channel_invoice_id = ci.channel_invoice_id
         WHERE ci.provider_id = i.reseller_id AND ci.vendor_invoice_id = i.invoice_id) w ON true
 WHERE pv.tier = 'indirect_provider' AND (v.lines > 0 OR w.lines > 0);
COMMENT ON VIEW reseller_billing.channel_reconciliation IS
    'per vendor invoice to a provider: the indirect resellers'' lines billed at wholesale against the wholesale side of the provider''s invoices to them (balanced: equal line by line) and the provider''s margin';

-- triggers -----------------------------------------------------------------

CREATE TRIGGER subscription_channel_check AFTER INSERT ON reseller_billing.subscription
    REFERENCING NEW TABLE AS subscription_new
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.subscription_channel_check();
CREATE TRIGGER reseller_channel_tier_guard BEFORE UPDATE OF tier ON reseller_billing.reseller
    FOR EACH ROW WHEN (OLD.tier IS DISTINCT FROM NEW.tier)
    EXECUTE FUNCTION reseller_billing.reseller_channel_tier_guard();
CREATE TRIGGER channel_partner_guard BEFORE INSERT OR UPDATE ON reseller_billing.channel_partner
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.channel_partner_guard();
CREATE TRIGGER provider_price_check BEFORE INSERT OR UPDATE ON reseller_billing.provider_price
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.provider_price_check();
CREATE TRIGGER channel_invoice_guard BEFORE UPDATE OR DELETE ON reseller_billing.channel_invoice
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.channel_invoice_guard();
CREATE TRIGGER channel_invoice_no_truncate BEFORE TRUNCATE ON reseller_billing.channel_invoice
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.channel_invoice_guard();
CREATE TRIGGER channel_invoice_line_guard BEFORE UPDATE OR DELETE ON reseller_billing.channel_invoice_line
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.channel_invoice_guard();
CREATE TRIGGER channel_invoice_line_no_truncate BEFORE TRUNCATE ON reseller_billing.channel_invoice_line
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.channel_invoice_guard();
CREATE TRIGGER invoice_channel_void_guard BEFORE UPDATE OF status ON reseller_billing.invoice
    FOR EACH ROW WHEN (NEW.status = 'void' AND OLD.status <> 'void')
    EXECUTE FUNCTION reseller_billing.channel_void_guard();

-- pg_dump ------------------------------------------------------------------

SELECT pg_catalog.pg_extension_config_dump('reseller_billing.channel_invitation', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.channel_invitation_invitation_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.provider_partnership', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.customer_relationship', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.channel_partner', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.channel_order', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.provider_price', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.provider_price_provider_price_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.channel_invoice_counter', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.channel_invoice', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.channel_invoice_channel_invoice_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.channel_invoice_line', '');
