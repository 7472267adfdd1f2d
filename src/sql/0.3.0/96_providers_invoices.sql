-- ========================================================================
-- 0.3.0: the channel close's invoices (issue 14, the CSP channel on a Citus
-- cluster; issue 17: one concept per function)
-- ========================================================================
--
-- channel_close, split out of 96_providers_close.sql (which bills the lines
-- it invoices: channel_usage_lines, channel_lines, channel_held) and
-- into one function per step: the temporary tables it works in
-- (channel_close_tables), what a provider is billed for
-- (channel_provider_lines), the vendor's invoice to the provider
-- (channel_vendor_invoice) with the tax of both tiers (channel_close_tax),
-- and the provider's invoices to its indirect resellers
-- (channel_provider_invoices, one reseller at a time by
-- channel_reseller_invoices).  The steps share their rows through the
-- temporary tables; every statement is the one the single function ran, so
-- on a Citus cluster each is still about one reseller.

-- channel_close_tables: the close's temporary tables, created once per
-- transaction (ON COMMIT DROP)
CREATE FUNCTION reseller_billing.channel_close_tables() RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
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
END $$;
COMMENT ON FUNCTION reseller_billing.channel_close_tables() IS
    'internal (channel_close): creates the close''s temporary tables, once per transaction: rb_channel_lines, rb_channel_late, rb_channel_tax, rb_channel_resellers, rb_channel_invoices';

-- channel_provider_lines: what a provider is billed for a month, into the
-- temporary tables: its indirect resellers (with their names and
-- addresses), the late changes billed now, its own customers' lines at its
-- price from the vendor and each indirect reseller's lines at both prices;
-- false when there is nothing to bill
CREATE FUNCTION reseller_billing.channel_provider_lines(p_period reseller_billing.billing_period, p_program bigint,
                                                        p_provider bigint) RETURNS bool
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    kid     record;
BEGIN
    TRUNCATE rb_channel_lines, rb_channel_late, rb_channel_tax, rb_channel_resellers, rb_channel_invoices;
    INSERT INTO rb_channel_resellers
    SELECT x.reseller_id, x.name, x.city, x.county, x.region, x.country
      FROM reseller_billing.provider_partnership p
      JOIN reseller_billing.reseller x ON x.reseller_id = p.reseller_id
     WHERE p.provider_id = p_provider AND x.tier = 'indirect_reseller' AND x.program_id = p_program;
    -- the late changes billed now, with their row versions (as close_chunk)
    INSERT INTO rb_channel_late
    SELECT lc.reseller_id, lc.subscription_id, lc.service_period, lc.xmin
      FROM reseller_billing.late_change lc
     WHERE lc.reseller_id = p_provider AND lc.service_period < p_period;
    FOR kid IN SELECT k.reseller_id FROM rb_channel_resellers k ORDER BY k.reseller_id LOOP
        INSERT INTO rb_channel_late
        SELECT x.reseller_id, x.subscription_id, x.service_period, x.row_version
          FROM (SELECT lc.reseller_id, lc.subscription_id, lc.service_period, lc.xmin AS row_version
                  FROM reseller_billing.late_change lc
                 WHERE lc.reseller_id = kid.reseller_id AND lc.service_period < p_period
                OFFSET 0) x
         WHERE reseller_billing.subscription_provider_on(x.reseller_id, x.subscription_id,
                   reseller_billing.period_start(x.service_period)) = p_provider;
    END LOOP;
    -- the provider's own customers, at its price from the vendor
    INSERT INTO rb_channel_lines
    SELECT NULL, d.currency, d.kind, d.subscription_id, d.customer_id, d.sku_id, d.description, d.quantity,
           NULL, NULL, d.unit_price, d.amount, d.service_period, d.service, d.tranche_id, d.charge_id
      FROM reseller_billing.due_lines(p_period, p_program, p_provider, p_provider) d;
    -- each indirect reseller's customers: wholesale and the provider's price
    FOR kid IN SELECT k.reseller_id FROM rb_channel_resellers k ORDER BY k.reseller_id LOOP
        INSERT INTO rb_channel_lines
        SELECT kid.reseller_id, c.*
          FROM reseller_billing.channel_lines(p_period, p_program, kid.reseller_id, p_provider) c;
    END LOOP;
    RETURN EXISTS (SELECT FROM rb_channel_lines);
END $$;
COMMENT ON FUNCTION reseller_billing.channel_provider_lines(reseller_billing.billing_period, bigint, bigint) IS
    'internal (channel_close): a provider''s month into the close''s temporary tables (its indirect resellers, late changes, its own and its resellers'' lines); false when there is nothing to bill';

-- channel_close_tax: the sales tax lines of both tiers (rb_channel_tax),
-- the vendor's written on its draft invoices to the provider
CREATE FUNCTION reseller_billing.channel_close_tax(p_period reseller_billing.billing_period, p_program bigint,
                                                   p_provider bigint) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    kid     record;
    dr      record;
BEGIN
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
          JOIN reseller_billing.taxed_resellers(p_period, p_program, p_provider, p_provider) t ON true
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
        SELECT p_provider, x.invoice_id,
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
             WHERE i.reseller_id = p_provider AND i.invoice_id = dr.invoice_id;
        END LOOP;
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.channel_close_tax(reseller_billing.billing_period, bigint, bigint) IS
    'internal (channel_close): the US sales tax of both tiers of a provider''s month (the vendor''s lines by the provider''s address, the provider''s by each reseller''s), the vendor''s tax lines and totals written';

-- channel_vendor_invoice: the vendor's invoice to the provider, one per
-- currency (its own lines, then each indirect reseller's at wholesale),
-- taxed, settled and issued in the program's numbering; returns the
-- invoices issued
CREATE FUNCTION reseller_billing.channel_vendor_invoice(p_period reseller_billing.billing_period, p_program bigint,
                                                        p_provider bigint) RETURNS int
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    ids     bigint[];
    rids    bigint[];
    curs    text[];
    dr      record;
BEGIN
    -- the vendor's invoice to the provider, one per currency
    WITH inv AS (
        INSERT INTO reseller_billing.invoice AS i
               (reseller_id, program_id, period, currency, kind, subtotal, credits_applied, tax, total, paid, credited)
        SELECT p_provider, p_program, p_period, l.currency, 'postpaid',
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
    SELECT p_provider, l.invoice_id, l.line_no, l.kind, l.subscription_id, l.customer_id, l.sku_id,
           CASE WHEN l.end_reseller_id IS NULL THEN l.description
                ELSE format('For reseller %s (%s): %s', l.end_reseller_id, x.name, l.description) END,
           l.quantity, l.wholesale_unit_price, l.wholesale_amount, l.service_period, l.service, l.charge_id,
           l.tranche_id, l.end_reseller_id
      FROM rb_channel_lines l
      LEFT JOIN rb_channel_resellers x ON x.reseller_id = l.end_reseller_id
     ORDER BY l.invoice_id, l.line_no;

    PERFORM reseller_billing.channel_close_tax(p_period, p_program, p_provider);

    SELECT array_agg(i.invoice_id ORDER BY i.currency), array_agg(i.reseller_id ORDER BY i.currency)
      INTO ids, rids
      FROM reseller_billing.invoice i
     WHERE i.reseller_id = p_provider AND i.period = p_period AND i.status = 'draft';
    FOR dr IN
        SELECT i.invoice_id FROM reseller_billing.invoice i
         WHERE i.reseller_id = p_provider AND i.invoice_id = ANY (ids)
           AND (EXISTS (SELECT FROM reseller_billing.credit c
                         WHERE c.reseller_id = i.reseller_id AND c.reseller_id = p_provider
                           AND reseller_billing.sign(c.remaining) > 0)
                OR EXISTS (SELECT FROM reseller_billing.payment p
                            WHERE p.reseller_id = i.reseller_id AND p.reseller_id = p_provider
                              AND reseller_billing.sign(p.unapplied) > 0))
         ORDER BY i.currency
    LOOP
        PERFORM reseller_billing.settle_draft(p_provider, dr.invoice_id);
    END LOOP;
    RETURN reseller_billing.issue_invoices(p_program, ids, rids);
END $$;
COMMENT ON FUNCTION reseller_billing.channel_vendor_invoice(reseller_billing.billing_period, bigint, bigint) IS
    'internal (channel_close): the vendor''s invoices to a provider for a month from the close''s temporary tables, taxed, settled and issued; returns the invoices issued';

-- channel_reseller_invoices: the provider's invoices to one indirect
-- reseller (one per currency, numbered after p_after), their lines and tax
-- lines, each with both parties' names and addresses as of issue; returns
-- the invoices written
CREATE FUNCTION reseller_billing.channel_reseller_invoices(p_period reseller_billing.billing_period, p_program bigint,
                                                           p_provider reseller_billing.reseller, p_reseller bigint,
                                                           p_after bigint) RETURNS int
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    prov    ALIAS FOR p_provider;
    -- the bill-to party's terms and sales tax as of issue (the month's last
    -- day), read by statements about it alone
    terms   jsonb := reseller_billing.payment_terms(p_reseller);
    tnote   text := reseller_billing.document_tax_note(p_reseller, reseller_billing.period_end(p_period) - 1);
    tjuris  jsonb := reseller_billing.document_tax_jurisdictions(p_reseller, reseller_billing.period_end(p_period) - 1);
BEGIN
    WITH ci AS (
        INSERT INTO reseller_billing.channel_invoice AS ci
               (reseller_id, provider_id, program_id, period, currency, invoice_number, issued_on, due_on,
                subtotal, wholesale, vendor_invoice_id, tax, credits_applied, total, credited,
                provider_name, provider_city, provider_county, provider_region, provider_country,
                reseller_name, reseller_city, reseller_county, reseller_region, reseller_country,
                payment_terms, tax_note, tax_jurisdictions)
        SELECT l.end_reseller_id, prov.reseller_id, p_program, p_period, l.currency,
               p_after + row_number() OVER (ORDER BY l.end_reseller_id, l.currency),
               reseller_billing.period_end(p_period),
               reseller_billing.due_date(reseller_billing.period_end(p_period) - 1, reseller_billing.period_end(p_period),
                                         terms),
               reseller_billing.sum(l.amount), reseller_billing.sum(l.wholesale_amount), min(l.invoice_id),
               coalesce(tx.tax, reseller_billing.amount(0, l.currency)), reseller_billing.amount(0, l.currency),
               reseller_billing.sum(l.amount) + coalesce(tx.tax, reseller_billing.amount(0, l.currency)),
               reseller_billing.amount(0, l.currency),
               -- both parties as of issue (the invoice's legal header)
               prov.name, prov.city, prov.county, prov.region, prov.country,
               k.name, k.city, k.county, k.region, k.country,
               terms, tnote, tjuris
          FROM rb_channel_lines l
          JOIN rb_channel_resellers k ON k.reseller_id = l.end_reseller_id
          LEFT JOIN (SELECT x.end_reseller_id, x.currency, reseller_billing.sum(x.amount) AS tax
                       FROM rb_channel_tax x WHERE x.tier = 'provider' AND x.end_reseller_id = p_reseller
                      GROUP BY x.end_reseller_id, x.currency) tx
            ON tx.end_reseller_id = l.end_reseller_id AND tx.currency = l.currency
         WHERE l.end_reseller_id = p_reseller
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
     WHERE c.reseller_id = p_reseller AND c.provider_id = prov.reseller_id AND c.period = p_period;
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
             WHERE l.end_reseller_id = p_reseller GROUP BY l.end_reseller_id, l.currency) n
        ON n.end_reseller_id = x.end_reseller_id AND n.currency = x.currency
     WHERE x.tier = 'provider' AND x.end_reseller_id = p_reseller;
    RETURN (SELECT count(*)::int FROM rb_channel_invoices c WHERE c.reseller_id = p_reseller);
END $$;
COMMENT ON FUNCTION reseller_billing.channel_reseller_invoices(reseller_billing.billing_period, bigint, reseller_billing.reseller,
                                                               bigint, bigint) IS
    'internal (channel_close): a provider''s invoices of a month to one indirect reseller, numbered after a given number, with their lines, tax lines and both parties as of issue; returns the invoices written';

-- channel_provider_invoices: the provider's invoices to its indirect
-- resellers, in its own numbering, with its credits applied; returns the
-- invoices written
CREATE FUNCTION reseller_billing.channel_provider_invoices(p_period reseller_billing.billing_period, p_program bigint,
                                                           p_provider reseller_billing.reseller) RETURNS int
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    prov    ALIAS FOR p_provider;
    kid     record;
    cinv    record;
    n       int;
    last    bigint;
    lo      bigint;
BEGIN
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
            lo := lo + reseller_billing.channel_reseller_invoices(p_period, p_program, prov, kid.reseller_id, lo);
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
    END IF;
    RETURN n;
END $$;
COMMENT ON FUNCTION reseller_billing.channel_provider_invoices(reseller_billing.billing_period, bigint, reseller_billing.reseller) IS
    'internal (channel_close): a provider''s invoices of a month to its indirect resellers from the close''s temporary tables, numbered in its own sequence, its credits applied; returns the invoices written';

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
    prov    reseller_billing.reseller;
    written int := 0;
BEGIN
    IF NOT reseller_billing.is_csp_program(p_program) THEN
        RETURN 0;
    END IF;
    -- the program's close lock, as every close of the program takes it
    -- (close_begin, close_step, close_finish): a direct call waits for a
    -- close in progress and then finds the month closed
    PERFORM pg_advisory_xact_lock(hashtext('reseller_billing.close'), hashtext(p_program::text));
    IF EXISTS (SELECT FROM reseller_billing.period_close c WHERE c.program_id = p_program AND c.period = p_period) THEN
        RETURN 0;
    END IF;
    -- on a Citus cluster, one connection per node for the rest of the
    -- transaction (an invoice and its lines are written to colocated shards)
    PERFORM reseller_billing.one_connection();
    PERFORM reseller_billing.channel_close_tables();
    FOR prov IN
        SELECT r.* FROM reseller_billing.reseller r
         WHERE r.program_id = p_program AND r.tier = 'indirect_provider'
           AND NOT EXISTS (SELECT FROM reseller_billing.invoice i
                            WHERE i.reseller_id = r.reseller_id AND i.period = p_period)
         ORDER BY r.reseller_id
    LOOP
        CONTINUE WHEN NOT reseller_billing.channel_provider_lines(p_period, p_program, prov.reseller_id);
        written := written + reseller_billing.channel_vendor_invoice(p_period, p_program, prov.reseller_id);
        written := written + reseller_billing.channel_provider_invoices(p_period, p_program, prov);
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
