-- ========================================================================
-- 0.3.0: the channel close, one reseller per statement (issue 14: the CSP
-- channel on a Citus cluster; doc/scaling.md, "How the channel's month-end
-- runs on a cluster")
-- ========================================================================
--
-- Split out of 96_providers.sql, which defines the rules these bill (who a
-- subscription runs through).  A provider and the indirect resellers it
-- bills are different tenants, so on a Citus cluster their rows sit on
-- different shards, usually on different nodes.  Every statement below is
-- therefore about one reseller: the provider's own rows (its price list,
-- its vendor invoice, its channel invoice counter) or one indirect
-- reseller's rows (its lines, late changes, charges, its invoices from the
-- provider), never a join of the two.  What one side needs of the other is
-- looked up first, by a statement of its own, into variables or a
-- temporary table of the coordinator: the provider's price of a line
-- (provider_price_on, called from PL/pgSQL, not from inside a query over
-- the reseller's rows), the provider's indirect resellers and their names.
-- On one node the statements give what the set-based ones did (the
-- regression tests' outputs are unchanged); the multi-node suite
-- (test/citus/channel.sql) compares the cluster's output with one node's.

-- channel_usage_lines: a month's recurring lines of one indirect reseller
-- (usage_lines) that run through p_provider on the line's first day, each
-- with the provider's amount beside the vendor's.  An Annual tranche is
-- priced at the provider's price on the day its term started, as its own
-- tranche total on the same installment schedule; Flex account-days at the
-- provider's price on the first day of the month.
CREATE OR REPLACE FUNCTION reseller_billing.channel_usage_lines(p_period reseller_billing.billing_period, p_program bigint,
                                                                p_reseller bigint, p_provider bigint)
 RETURNS TABLE(currency text, kind text, subscription_id bigint, customer_id bigint, sku_id bigint, description text,
               quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount,
               wholesale_unit_price reseller_billing.amount, wholesale_amount reseller_billing.amount,
               service_period reseller_billing.billing_period, service daterange, tranche_id bigint)
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
#variable_conflict use_column
DECLARE
    u       record;
    t       reseller_billing.commitment_tranche;
    v_pp    reseller_billing.amount;
    v_total reseller_billing.amount;
BEGIN
    -- the reseller's lines (statements about p_reseller alone), filtered by
    -- the provider they run through (subscription_provider_on reads the
    -- reseller's rows), then priced one by one at the provider's list
    FOR u IN
        SELECT u0.*
          FROM reseller_billing.usage_lines(p_period, p_program, p_reseller, p_reseller) u0
         WHERE reseller_billing.subscription_provider_on(u0.reseller_id, u0.subscription_id,
                   coalesce(lower(u0.service), reseller_billing.period_start(u0.service_period))) = p_provider
    LOOP
        t := NULL;
        IF u.tranche_id IS NOT NULL THEN
            SELECT * INTO t FROM reseller_billing.commitment_tranche x
             WHERE x.reseller_id = p_reseller AND x.tranche_id = u.tranche_id;
        END IF;
        v_pp := reseller_billing.provider_price_on(p_provider, u.sku_id,
                    coalesce(t.plan, 'flexible'::reseller_billing.plan_kind),
                    coalesce(t.term_start, reseller_billing.period_start(u.service_period)));
        v_total := CASE WHEN t.tranche_id IS NOT NULL
                        THEN reseller_billing.prorate_fraction(v_pp OPERATOR(reseller_billing.*) t.seats,
                                 (t.ends_on - t.starts_on)::bigint, (t.term_end - t.term_start)::bigint) END;
        currency := u.currency;
        kind := u.kind;
        subscription_id := u.subscription_id;
        customer_id := u.customer_id;
        sku_id := u.sku_id;
        description := u.description;
        quantity := u.quantity;
        unit_price := v_pp;
        amount := CASE WHEN u.kind = 'flex_usage'
                       THEN reseller_billing.prorate_fraction(v_pp, u.quantity::bigint,
                                (12 * reseller_billing.days(u.service_period))::bigint)
                       WHEN u.kind = 'annual_prepaid' THEN v_total
                       ELSE reseller_billing.annual_installment(v_total, t.starts_on, t.ends_on, u.service_period) END;
        wholesale_unit_price := u.unit_price;
        wholesale_amount := u.amount;
        service_period := u.service_period;
        service := u.service;
        tranche_id := u.tranche_id;
        RETURN NEXT;
    END LOOP;
END
$body$;
COMMENT ON FUNCTION reseller_billing.channel_usage_lines(reseller_billing.billing_period, bigint, bigint, bigint) IS
    'internal: an indirect reseller''s recurring lines of a month that run through a provider, at the vendor''s price (wholesale) and at the provider''s price';

-- channel_lines: everything the month bills an indirect reseller through
-- p_provider, at both prices: recurring lines; charges not yet billed
-- through a provider (one-off charges at the same amount, early-termination
-- charges scaled to the provider's price); for each closed month changed
-- since (late_change), what it should have billed less what was billed, at
-- each price.  Every query reads p_reseller's rows only; the provider's
-- prices are looked up between them.
CREATE OR REPLACE FUNCTION reseller_billing.channel_lines(p_period reseller_billing.billing_period, p_program bigint,
                                                          p_reseller bigint, p_provider bigint)
 RETURNS TABLE(currency text, kind text, subscription_id bigint, customer_id bigint, sku_id bigint, description text,
               quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount,
               wholesale_unit_price reseller_billing.amount, wholesale_amount reseller_billing.amount,
               service_period reseller_billing.billing_period, service daterange, tranche_id bigint, charge_id bigint)
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $body$
#variable_conflict use_column
DECLARE
    c       record;
    lc      record;
    v_cur   text;
    v_zero  reseller_billing.amount;
    v_amt   reseller_billing.amount;
    e_p     reseller_billing.amount;
    e_w     reseller_billing.amount;
    b_p     reseller_billing.amount;
    b_w     reseller_billing.amount;
    v_b     reseller_billing.amount;
BEGIN
    RETURN QUERY
    SELECT u.*, NULL::bigint
      FROM reseller_billing.channel_usage_lines(p_period, p_program, p_reseller, p_provider) u;
    -- charges not billed yet (on a provider's invoice or on the reseller's own)
    FOR c IN
        SELECT x.charge_id, x.kind, x.amount, x.subscription_id, x.customer_id, x.description, x.charge_on,
               s.sku_id, s.plan, s.term_start, s.partner_price
          FROM reseller_billing.charge x
          LEFT JOIN reseller_billing.subscription s
            ON s.reseller_id = x.reseller_id AND s.subscription_id = x.subscription_id AND s.reseller_id = p_reseller
         WHERE x.reseller_id = p_reseller
           AND x.charge_on < reseller_billing.period_end(p_period)
           AND NOT EXISTS (SELECT FROM reseller_billing.channel_invoice_line l
                            WHERE l.reseller_id = x.reseller_id AND l.reseller_id = p_reseller
                              AND l.charge_id = x.charge_id)
           AND NOT EXISTS (SELECT FROM reseller_billing.invoice_line l
                            WHERE l.reseller_id = x.reseller_id AND l.reseller_id = p_reseller
                              AND l.charge_id = x.charge_id)
    LOOP
        CONTINUE WHEN reseller_billing.subscription_provider_on(p_reseller, c.subscription_id, c.charge_on)
                      IS DISTINCT FROM p_provider;
        v_amt := CASE WHEN c.kind = 'early_termination'
                      THEN reseller_billing.channel_scale(c.amount,
                               reseller_billing.provider_price_on(p_provider, c.sku_id, c.plan, c.term_start),
                               c.partner_price)
                      ELSE c.amount END;
        currency := reseller_billing.currency(c.amount);
        kind := CASE WHEN c.kind = 'early_termination' THEN 'early_termination' ELSE 'one_off' END;
        subscription_id := c.subscription_id;
        customer_id := c.customer_id;
        sku_id := c.sku_id;
        description := c.description;
        quantity := 1;
        unit_price := v_amt;
        amount := v_amt;
        wholesale_unit_price := c.amount;
        wholesale_amount := c.amount;
        service_period := reseller_billing.billing_period(c.charge_on);
        service := daterange(c.charge_on, c.charge_on, '[]');
        tranche_id := NULL;
        charge_id := c.charge_id;
        RETURN NEXT;
    END LOOP;
    -- closed months changed since: expected (at both prices) less billed
    v_cur := (SELECT pg.currency FROM reseller_billing.program pg WHERE pg.program_id = p_program);
    v_zero := reseller_billing.amount(0, v_cur);
    FOR lc IN
        SELECT x.subscription_id, x.service_period, s.customer_id, s.sku_id
          FROM reseller_billing.late_change x
          JOIN reseller_billing.subscription s
            ON s.reseller_id = x.reseller_id AND s.subscription_id = x.subscription_id AND s.reseller_id = p_reseller
         WHERE x.reseller_id = p_reseller AND x.service_period OPERATOR(reseller_billing.<) p_period
    LOOP
        CONTINUE WHEN reseller_billing.subscription_provider_on(p_reseller, lc.subscription_id,
                          reseller_billing.period_start(lc.service_period)) IS DISTINCT FROM p_provider;
        SELECT coalesce(reseller_billing.sum(u.amount), v_zero), coalesce(reseller_billing.sum(u.wholesale_amount), v_zero)
          INTO e_p, e_w
          FROM reseller_billing.channel_usage_lines(lc.service_period, p_program, p_reseller, p_provider) u
         WHERE u.subscription_id = lc.subscription_id;
        SELECT coalesce(reseller_billing.sum(l.amount), v_zero), coalesce(reseller_billing.sum(l.wholesale_amount), v_zero)
          INTO b_p, b_w
          FROM reseller_billing.channel_invoice_line l
          JOIN reseller_billing.channel_invoice ci
            ON ci.reseller_id = l.reseller_id AND ci.channel_invoice_id = l.channel_invoice_id
           AND ci.provider_id = p_provider AND ci.reseller_id = p_reseller
         WHERE l.reseller_id = p_reseller AND l.subscription_id = lc.subscription_id
           AND l.service_period OPERATOR(reseller_billing.=) lc.service_period
           AND l.kind IN ('annual_installment', 'annual_prepaid', 'flex_usage', 'adjustment');
        SELECT coalesce(reseller_billing.sum(l.amount), v_zero) INTO v_b
          FROM reseller_billing.invoice_line l
          JOIN reseller_billing.invoice i
            ON i.reseller_id = l.reseller_id AND i.invoice_id = l.invoice_id AND i.reseller_id = p_reseller
         WHERE l.reseller_id = p_reseller AND l.subscription_id = lc.subscription_id
           AND l.service_period OPERATOR(reseller_billing.=) lc.service_period
           AND l.kind IN ('annual_installment', 'annual_prepaid', 'flex_usage', 'adjustment')
           AND i.status <> 'void';
        CONTINUE WHEN e_w = b_w + v_b AND e_p = b_p + v_b;
        currency := v_cur;
        kind := 'adjustment';
        subscription_id := lc.subscription_id;
        customer_id := lc.customer_id;
        sku_id := lc.sku_id;
        description := format('Adjustment for %s: changes recorded after the month was closed', lc.service_period);
        quantity := 1;
        unit_price := NULL;
        amount := e_p - b_p - v_b;
        wholesale_unit_price := NULL;
        wholesale_amount := e_w - b_w - v_b;
        service_period := lc.service_period;
        service := reseller_billing.daterange(lc.service_period);
        tranche_id := NULL;
        charge_id := NULL;
        RETURN NEXT;
    END LOOP;
END
$body$;
COMMENT ON FUNCTION reseller_billing.channel_lines(reseller_billing.billing_period, bigint, bigint, bigint) IS
    'internal: what a month bills an indirect reseller through a provider, each line at the provider''s price and at wholesale';

-- channel_hold_lines (close_chunk, CSP programs): the providers and the
-- indirect resellers billed through one are read first, by a query over
-- reseller and provider_partnership alone (colocated: one reseller's rows
-- of both on one shard), then their lines and late changes are taken out of
-- the chunk's temporary tables (no join of a temporary table with a
-- distributed one)
CREATE OR REPLACE FUNCTION reseller_billing.channel_hold_lines(p_program bigint)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    held    bigint[];
BEGIN
    held := ARRAY(SELECT r.reseller_id FROM reseller_billing.reseller r
                   WHERE r.program_id = p_program
                     AND (r.tier = 'indirect_provider'
                          OR (r.tier = 'indirect_reseller'
                              AND EXISTS (SELECT FROM reseller_billing.provider_partnership p
                                           WHERE p.reseller_id = r.reseller_id))));
    DELETE FROM pg_temp.rb_close_lines l WHERE l.reseller_id = ANY (held);
    DELETE FROM pg_temp.rb_close_late l WHERE l.reseller_id = ANY (held);
END $$;
COMMENT ON FUNCTION reseller_billing.channel_hold_lines(bigint) IS
    'internal (close_chunk, CSP programs only): removes providers'' and their indirect resellers'' lines and late changes from the chunk; channel_close bills them';

-- channel_close: the two-tier invoices of a month of a CSP program (called
-- by close_finish).  For each provider not invoiced for the month yet: the
-- vendor's invoice to the provider (its own lines, then each indirect
-- reseller's at wholesale), settled and issued in the program's numbering;
-- then the provider's invoice to each indirect reseller with lines, at its
-- prices, in its own numbering; both tiers taxed, the provider's credits
-- applied.  For resellers with several providers each provider's loop takes
-- the subscriptions that run through it.  The provider's indirect
-- resellers and their names and addresses are read first
-- (rb_channel_resellers); each one's lines and late changes are then read
-- by statements about it alone.  Each provider's invoice keeps both
-- parties' names and addresses as of issue (96_channel_names.sql).
CREATE OR REPLACE FUNCTION reseller_billing.channel_close(p_period reseller_billing.billing_period, p_program bigint)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg      reseller_billing.program;
    prov    record;
    kid     record;
    ids     bigint[];
    rids    bigint[];
    curs    text[];
    dr      record;
    last    bigint;
    n       int;
    written int := 0;
    lo      bigint;
    cinv    record;
BEGIN
    IF NOT reseller_billing.is_csp_program(p_program)
       OR EXISTS (SELECT FROM reseller_billing.period_close c WHERE c.program_id = p_program AND c.period = p_period) THEN
        RETURN 0;
    END IF;
    -- on a Citus cluster, one connection per node for the rest of the
    -- transaction (an invoice and its lines are written to colocated shards)
    PERFORM reseller_billing.one_connection();
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
    -- the sales tax lines of both tiers: on the vendor's invoice to the
    -- provider (tier 'vendor', the provider's address) and on the
    -- provider's invoices to its resellers (tier 'provider', each
    -- reseller's address); base_line is the vendor line each one taxes
    IF to_regclass('pg_temp.rb_channel_tax') IS NULL THEN
        CREATE TEMP TABLE rb_channel_tax (
        tier text, end_reseller_id bigint, invoice_id bigint, currency text, kind text, subscription_id bigint,
        customer_id bigint, sku_id bigint, description text, amount reseller_billing.amount,
        service_period reseller_billing.billing_period, service daterange, base_line int
        ) ON COMMIT DROP;
    END IF;
    -- the provider's indirect resellers (read by a statement of their own)
    -- and the provider's invoices to them written by this close
    IF to_regclass('pg_temp.rb_channel_resellers') IS NULL THEN
        CREATE TEMP TABLE rb_channel_resellers (reseller_id bigint, name text, city text, county text, region text,
                                                country text) ON COMMIT DROP;
        CREATE TEMP TABLE rb_channel_invoices (reseller_id bigint, channel_invoice_id bigint, currency text)
            ON COMMIT DROP;
    END IF;
    FOR prov IN
        SELECT r.reseller_id, r.name, r.city, r.county, r.region, r.country FROM reseller_billing.reseller r
         WHERE r.program_id = p_program AND r.tier = 'indirect_provider'
           AND NOT EXISTS (SELECT FROM reseller_billing.invoice i
                            WHERE i.reseller_id = r.reseller_id AND i.period = p_period)
         ORDER BY r.reseller_id
    LOOP
        TRUNCATE rb_channel_lines, rb_channel_late, rb_channel_tax, rb_channel_resellers, rb_channel_invoices;
        INSERT INTO rb_channel_resellers
        SELECT x.reseller_id, x.name, x.city, x.county, x.region, x.country
          FROM reseller_billing.provider_partnership p
          JOIN reseller_billing.reseller x ON x.reseller_id = p.reseller_id
         WHERE p.provider_id = prov.reseller_id AND x.tier = 'indirect_reseller' AND x.program_id = p_program;
        -- the late changes billed now, with their row versions (as close_chunk)
        INSERT INTO rb_channel_late
        SELECT lc.reseller_id, lc.subscription_id, lc.service_period, lc.xmin
          FROM reseller_billing.late_change lc
         WHERE lc.reseller_id = prov.reseller_id AND lc.service_period < p_period;
        FOR kid IN SELECT k.reseller_id FROM rb_channel_resellers k ORDER BY k.reseller_id LOOP
            INSERT INTO rb_channel_late
            SELECT x.reseller_id, x.subscription_id, x.service_period, x.row_version
              FROM (SELECT lc.reseller_id, lc.subscription_id, lc.service_period, lc.xmin AS row_version
                      FROM reseller_billing.late_change lc
                     WHERE lc.reseller_id = kid.reseller_id AND lc.service_period < p_period
                    OFFSET 0) x
             WHERE reseller_billing.subscription_provider_on(x.reseller_id, x.subscription_id,
                       reseller_billing.period_start(x.service_period)) = prov.reseller_id;
        END LOOP;
        -- the provider's own customers, at its price from the vendor
        INSERT INTO rb_channel_lines
        SELECT NULL, d.currency, d.kind, d.subscription_id, d.customer_id, d.sku_id, d.description, d.quantity,
               NULL, NULL, d.unit_price, d.amount, d.service_period, d.service, d.tranche_id, d.charge_id
          FROM reseller_billing.due_lines(p_period, p_program, prov.reseller_id, prov.reseller_id) d;
        -- each indirect reseller's customers: wholesale and the provider's price
        FOR kid IN SELECT k.reseller_id FROM rb_channel_resellers k ORDER BY k.reseller_id LOOP
            INSERT INTO rb_channel_lines
            SELECT kid.reseller_id, c.*
              FROM reseller_billing.channel_lines(p_period, p_program, kid.reseller_id, prov.reseller_id) c;
        END LOOP;
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
        SELECT array_agg(inv.invoice_id ORDER BY inv.currency), array_agg(inv.currency ORDER BY inv.currency)
          INTO ids, curs
          FROM inv;
        -- (the lines' invoice and place: the temporary table alone)
        UPDATE rb_channel_lines l SET invoice_id = inv.invoice_id, line_no = o.line_no
          FROM unnest(ids, curs) inv(invoice_id, currency),
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
          LEFT JOIN rb_channel_resellers x ON x.reseller_id = l.end_reseller_id
         ORDER BY l.invoice_id, l.line_no;

        -- US sales tax, by the same rules and the same functions as the
        -- direct close (close_chunk): every line of the vendor's invoice
        -- taxed by the provider's address and certificates on the last day
        -- of the month, and every line of a provider's invoice to an
        -- indirect reseller by that reseller's; tax lines come last
        IF EXISTS (SELECT FROM reseller_billing.us_sales_tax_rate)
           OR EXISTS (SELECT FROM reseller_billing.us_local_sales_tax_rate) THEN
            INSERT INTO rb_channel_tax
            SELECT 'vendor', NULL, l.invoice_id, l.currency, reseller_billing.tax_line_kind(l.kind), l.subscription_id,
                   l.customer_id, l.sku_id,
                   reseller_billing.tax_line_description(t.state, t.rate, t.jurisdictions,
                       CASE WHEN l.end_reseller_id IS NULL THEN l.description
                            ELSE format('For reseller %s (%s): %s', l.end_reseller_id, x.name, l.description) END),
                   reseller_billing.tax_line_amount(l.wholesale_amount, t.rate), l.service_period, l.service, l.line_no
              FROM rb_channel_lines l
              JOIN reseller_billing.taxed_resellers(p_period, p_program, prov.reseller_id, prov.reseller_id) t ON true
              LEFT JOIN rb_channel_resellers x ON x.reseller_id = l.end_reseller_id
             WHERE reseller_billing.sign(l.wholesale_amount) <> 0;
            FOR kid IN SELECT DISTINCT l.end_reseller_id AS reseller_id FROM rb_channel_lines l
                        WHERE l.end_reseller_id IS NOT NULL ORDER BY 1
            LOOP
                INSERT INTO rb_channel_tax
                SELECT 'provider', l.end_reseller_id, NULL, l.currency, reseller_billing.tax_line_kind(l.kind),
                       l.subscription_id, l.customer_id, l.sku_id,
                       reseller_billing.tax_line_description(t.state, t.rate, t.jurisdictions, l.description),
                       reseller_billing.tax_line_amount(l.amount, t.rate), l.service_period, l.service, l.line_no
                  FROM rb_channel_lines l
                  JOIN reseller_billing.taxed_resellers(p_period, p_program, kid.reseller_id, kid.reseller_id) t
                    ON t.reseller_id = l.end_reseller_id
                 WHERE l.end_reseller_id = kid.reseller_id AND reseller_billing.sign(l.amount) <> 0;
            END LOOP;
            INSERT INTO reseller_billing.invoice_line
                   (reseller_id, invoice_id, line_no, kind, subscription_id, customer_id, sku_id, description, quantity,
                    unit_price, amount, service_period, service)
            SELECT prov.reseller_id, x.invoice_id,
                   n.lines + row_number() OVER (PARTITION BY x.invoice_id ORDER BY x.base_line),
                   x.kind, x.subscription_id, x.customer_id, x.sku_id, x.description, 1, NULL, x.amount,
                   x.service_period, x.service
              FROM rb_channel_tax x
              JOIN (SELECT l.invoice_id, count(*) AS lines FROM rb_channel_lines l GROUP BY l.invoice_id) n
                ON n.invoice_id = x.invoice_id
             WHERE x.tier = 'vendor';
            FOR dr IN
                SELECT x.invoice_id, reseller_billing.sum(x.amount) AS tax
                  FROM rb_channel_tax x WHERE x.tier = 'vendor' GROUP BY x.invoice_id ORDER BY x.invoice_id
            LOOP
                UPDATE reseller_billing.invoice i
                   SET tax = dr.tax, total = i.subtotal + dr.tax
                 WHERE i.reseller_id = prov.reseller_id AND i.invoice_id = dr.invoice_id;
            END LOOP;
        END IF;

        SELECT array_agg(i.invoice_id ORDER BY i.currency), array_agg(i.reseller_id ORDER BY i.currency)
          INTO ids, rids
          FROM reseller_billing.invoice i
         WHERE i.reseller_id = prov.reseller_id AND i.period = p_period AND i.status = 'draft';
        FOR dr IN
            SELECT i.invoice_id FROM reseller_billing.invoice i
             WHERE i.reseller_id = prov.reseller_id AND i.invoice_id = ANY (ids)
               AND (EXISTS (SELECT FROM reseller_billing.credit c
                             WHERE c.reseller_id = i.reseller_id AND c.reseller_id = prov.reseller_id
                               AND reseller_billing.sign(c.remaining) > 0)
                    OR EXISTS (SELECT FROM reseller_billing.payment p
                                WHERE p.reseller_id = i.reseller_id AND p.reseller_id = prov.reseller_id
                                  AND reseller_billing.sign(p.unapplied) > 0))
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
            -- one reseller at a time (its invoices and their lines on its
            -- shard), numbered as one run over the resellers and currencies
            lo := last - n;
            FOR kid IN SELECT DISTINCT l.end_reseller_id AS reseller_id FROM rb_channel_lines l
                        WHERE l.end_reseller_id IS NOT NULL ORDER BY 1
            LOOP
                WITH ci AS (
                    INSERT INTO reseller_billing.channel_invoice AS ci
                           (reseller_id, provider_id, program_id, period, currency, invoice_number, issued_on, due_on,
                            subtotal, wholesale, vendor_invoice_id, tax, credits_applied, total, credited,
                            provider_name, provider_city, provider_county, provider_region, provider_country,
                            reseller_name, reseller_city, reseller_county, reseller_region, reseller_country)
                    SELECT l.end_reseller_id, prov.reseller_id, p_program, p_period, l.currency,
                           lo + row_number() OVER (ORDER BY l.end_reseller_id, l.currency),
                           reseller_billing.period_end(p_period),
                           reseller_billing.due_date(reseller_billing.period_end(p_period) - 1, reseller_billing.period_end(p_period),
                                                     reseller_billing.payment_terms(kid.reseller_id)),
                           reseller_billing.sum(l.amount), reseller_billing.sum(l.wholesale_amount), min(l.invoice_id),
                           coalesce(tx.tax, reseller_billing.amount(0, l.currency)), reseller_billing.amount(0, l.currency),
                           reseller_billing.sum(l.amount) + coalesce(tx.tax, reseller_billing.amount(0, l.currency)),
                           reseller_billing.amount(0, l.currency),
                           -- both parties as of issue (the invoice's legal header)
                           prov.name, prov.city, prov.county, prov.region, prov.country,
                           k.name, k.city, k.county, k.region, k.country
                      FROM rb_channel_lines l
                      JOIN rb_channel_resellers k ON k.reseller_id = l.end_reseller_id
                      LEFT JOIN (SELECT x.end_reseller_id, x.currency, reseller_billing.sum(x.amount) AS tax
                                   FROM rb_channel_tax x WHERE x.tier = 'provider' AND x.end_reseller_id = kid.reseller_id
                                  GROUP BY x.end_reseller_id, x.currency) tx
                        ON tx.end_reseller_id = l.end_reseller_id AND tx.currency = l.currency
                     WHERE l.end_reseller_id = kid.reseller_id
                     GROUP BY l.end_reseller_id, l.currency, tx.tax, k.name, k.city, k.county, k.region, k.country
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
                INSERT INTO rb_channel_invoices
                SELECT c.reseller_id, c.channel_invoice_id, c.currency
                  FROM reseller_billing.channel_invoice c
                 WHERE c.reseller_id = kid.reseller_id AND c.provider_id = prov.reseller_id AND c.period = p_period;
                lo := lo + (SELECT count(*)::int FROM rb_channel_invoices c WHERE c.reseller_id = kid.reseller_id);
                -- their tax lines, after the others
                INSERT INTO reseller_billing.channel_invoice_line
                       (reseller_id, channel_invoice_id, line_no, kind, subscription_id, customer_id, sku_id, description,
                        quantity, unit_price, amount, wholesale_unit_price, wholesale_amount, service_period, service,
                        charge_id, tranche_id, vendor_line_no)
                SELECT x.end_reseller_id, c.channel_invoice_id,
                       n.lines + row_number() OVER (PARTITION BY c.channel_invoice_id ORDER BY x.base_line),
                       x.kind, x.subscription_id, x.customer_id, x.sku_id, x.description, 1, NULL, x.amount, NULL, NULL,
                       x.service_period, x.service, NULL, NULL, NULL
                  FROM rb_channel_tax x
                  JOIN rb_channel_invoices c ON c.reseller_id = x.end_reseller_id AND c.currency = x.currency
                  JOIN (SELECT l.end_reseller_id, l.currency, count(*) AS lines FROM rb_channel_lines l
                         WHERE l.end_reseller_id = kid.reseller_id GROUP BY l.end_reseller_id, l.currency) n
                    ON n.end_reseller_id = x.end_reseller_id AND n.currency = x.currency
                 WHERE x.tier = 'provider' AND x.end_reseller_id = kid.reseller_id;
            END LOOP;
            -- the credits the provider granted each reseller, as settle_draft
            -- applies the vendor's
            FOR cinv IN
                SELECT c.reseller_id, c.channel_invoice_id
                  FROM reseller_billing.channel_invoice c
                 WHERE c.provider_id = prov.reseller_id AND c.period = p_period
                   AND EXISTS (SELECT FROM reseller_billing.channel_credit cr
                                WHERE cr.reseller_id = c.reseller_id AND cr.provider_id = c.provider_id
                                  AND reseller_billing.sign(cr.remaining) > 0)
                 ORDER BY c.invoice_number
            LOOP
                PERFORM reseller_billing.settle_channel_invoice(cinv.reseller_id, cinv.channel_invoice_id);
            END LOOP;
            written := written + n;
        END IF;

        DELETE FROM reseller_billing.late_change lc
         USING rb_channel_late k
         WHERE lc.reseller_id = k.reseller_id AND lc.subscription_id = k.subscription_id
           AND lc.service_period = k.service_period AND lc.xmin = k.row_version;
    END LOOP;
    RETURN written;
END $function$;
COMMENT ON FUNCTION reseller_billing.channel_close(reseller_billing.billing_period, bigint) IS
    'internal (close_finish, CSP programs): the vendor''s invoice to each provider (own lines and indirect resellers'' lines at wholesale) and each provider''s invoices to its indirect resellers at its prices; idempotent; returns the invoices written';

-- the views that name a provider, and direct_bill_standing: 96_providers_views.sql
