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

-- channel_charge_lines: the charges of an indirect reseller through
-- p_provider not billed yet (on a provider's invoice or on the reseller's
-- own): one-off charges at the same amount, early-termination charges
-- scaled to the provider's price
CREATE FUNCTION reseller_billing.channel_charge_lines(p_period reseller_billing.billing_period, p_program bigint, p_reseller bigint, p_provider bigint)
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
    v_amt   reseller_billing.amount;
BEGIN
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
END
$body$;
COMMENT ON FUNCTION reseller_billing.channel_charge_lines(reseller_billing.billing_period, bigint, bigint, bigint) IS
    'internal (channel_lines): an indirect reseller''s charges not billed yet that run through a provider, at both prices';

-- channel_adjustment_lines: for each closed month of an indirect reseller
-- changed since (late_change) that ran through p_provider, what it should
-- have billed less what was billed, at each price
CREATE FUNCTION reseller_billing.channel_adjustment_lines(p_period reseller_billing.billing_period, p_program bigint, p_reseller bigint, p_provider bigint)
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
    lc      record;
    v_cur   text;
    v_zero  reseller_billing.amount;
    e_p     reseller_billing.amount;
    e_w     reseller_billing.amount;
    b_p     reseller_billing.amount;
    b_w     reseller_billing.amount;
    v_b     reseller_billing.amount;
BEGIN
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
           AND l.kind = ANY (reseller_billing.recurring_line_kinds());
        SELECT coalesce(reseller_billing.sum(l.amount), v_zero) INTO v_b
          FROM reseller_billing.invoice_line l
          JOIN reseller_billing.invoice i
            ON i.reseller_id = l.reseller_id AND i.invoice_id = l.invoice_id AND i.reseller_id = p_reseller
         WHERE l.reseller_id = p_reseller AND l.subscription_id = lc.subscription_id
           AND l.service_period OPERATOR(reseller_billing.=) lc.service_period
           AND l.kind = ANY (reseller_billing.recurring_line_kinds())
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
COMMENT ON FUNCTION reseller_billing.channel_adjustment_lines(reseller_billing.billing_period, bigint, bigint, bigint) IS
    'internal (channel_lines): the adjustments of an indirect reseller''s closed months changed since, through a provider, at both prices';

-- channel_lines: everything the month bills an indirect reseller through
-- p_provider, at both prices: recurring lines; charges not yet billed
-- through a provider (one-off charges at the same amount, early-termination
-- charges scaled to the provider's price); for each closed month changed
-- since (late_change), what it should have billed less what was billed, at
-- each price (channel_usage_lines, channel_charge_lines,
-- channel_adjustment_lines).  Every query reads p_reseller's rows only; the
-- provider's prices are looked up between them.
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
BEGIN
    RETURN QUERY
    SELECT u.*, NULL::bigint
      FROM reseller_billing.channel_usage_lines(p_period, p_program, p_reseller, p_provider) u;
    RETURN QUERY
    SELECT * FROM reseller_billing.channel_charge_lines(p_period, p_program, p_reseller, p_provider);
    RETURN QUERY
    SELECT * FROM reseller_billing.channel_adjustment_lines(p_period, p_program, p_reseller, p_provider);
END
$body$;
COMMENT ON FUNCTION reseller_billing.channel_lines(reseller_billing.billing_period, bigint, bigint, bigint) IS
    'internal: what a month bills an indirect reseller through a provider, each line at the provider''s price and at wholesale';

-- channel_held (close_chunk, CSP programs): the providers and the indirect
-- resellers billed through one, read by a query over reseller and
-- provider_partnership alone (colocated: one reseller's rows of both on one
-- shard); the close leaves their lines and late changes to channel_close.
-- It replaces 0.1.0's channel_hold_lines, which deleted them from the
-- close's temporary table (the close keeps its lines in memory now).
DROP FUNCTION IF EXISTS reseller_billing.channel_hold_lines(bigint);
CREATE FUNCTION reseller_billing.channel_held(p_program bigint)
    RETURNS bigint[]
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RETURN ARRAY(SELECT r.reseller_id FROM reseller_billing.reseller r
                  WHERE r.program_id = p_program
                    AND (r.tier = 'indirect_provider'
                         OR (r.tier = 'indirect_reseller'
                             AND EXISTS (SELECT FROM reseller_billing.provider_partnership p
                                          WHERE p.reseller_id = r.reseller_id))));
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.channel_held(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.channel_held(bigint) TO reseller_billing_admin;
COMMENT ON FUNCTION reseller_billing.channel_held(bigint) IS
    'internal (close_chunk, CSP programs only): the providers and indirect resellers of a program whose lines and late changes channel_close bills, not the direct close';

-- channel_close, the invoices of these lines: 96_providers_invoices.sql
