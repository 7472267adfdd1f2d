-- ========================================================================
-- 0.3.0: local US sales tax, part 2: the tax lines of an invoice -- one
-- per taxed line, naming the jurisdictions of the reseller's address
-- (issue 15 §5; doc/tax.md "Local sales tax"; the rates are
-- 82_local_tax.sql)
-- ========================================================================

-- taxed_resellers (05_from_0.1.0.sql) gains the jurisdictions a tax line
-- names (NULL: the state's rate alone), and finds a reseller whose state has
-- only local rates too
-- a database made at the released 0.2.0 has the first version (its return
-- type lacks the jurisdictions)
DROP FUNCTION IF EXISTS reseller_billing.taxed_resellers(reseller_billing.billing_period, bigint, bigint, bigint);
CREATE FUNCTION reseller_billing.taxed_resellers(p_period reseller_billing.billing_period, p_program bigint,
                                                 p_lo bigint, p_hi bigint)
    RETURNS TABLE (reseller_id bigint, rate numeric, state text, jurisdictions text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp
AS $body$
#variable_conflict use_column
DECLARE
    -- one reseller (lo = hi): restricted by an equality on reseller_id too,
    -- so that on a Citus cluster the statement runs on its shard
    v_one   bigint := CASE WHEN p_lo OPERATOR(pg_catalog.=) p_hi THEN p_lo END;
    v_on    date := reseller_billing.period_end(p_period) OPERATOR(pg_catalog.-) 1;
    r       record;
    t       record;
BEGIN
    -- the US resellers in range whose state has rates, then each one's rate
    -- (a statement about that reseller alone)
    FOR r IN
        SELECT x.reseller_id, x.region, x.county, x.city
          FROM reseller_billing.reseller x
         WHERE x.reseller_id BETWEEN p_lo AND p_hi
           AND (v_one IS NULL OR x.reseller_id OPERATOR(pg_catalog.=) v_one)
           AND (p_program IS NULL OR x.program_id OPERATOR(pg_catalog.=) p_program)
           AND x.country OPERATOR(pg_catalog.=) 'US'
           AND (EXISTS (SELECT FROM reseller_billing.us_sales_tax_rate u WHERE u.state OPERATOR(pg_catalog.=) x.region)
                OR EXISTS (SELECT FROM reseller_billing.us_local_sales_tax_rate u WHERE u.state OPERATOR(pg_catalog.=) x.region))
         ORDER BY x.reseller_id
    LOOP
        SELECT * INTO t FROM reseller_billing.sales_tax_rate(r.reseller_id, v_on);
        CONTINUE WHEN t.rate OPERATOR(pg_catalog.=) 0;
        RETURN QUERY
        SELECT r.reseller_id, t.rate, t.state, reseller_billing.sales_tax_label(r.region, r.county, r.city, v_on);
    END LOOP;
END
$body$;
COMMENT ON FUNCTION reseller_billing.taxed_resellers(reseller_billing.billing_period, bigint, bigint, bigint) IS
    'the resellers in [lo, hi] of a program (NULL: all) whose lines of the month are taxed, with the combined rate, the state and the jurisdictions a tax line names (NULL: the state alone), as of the last day of the month';

-- tax_line_description: with the jurisdictions of an address with local
-- rates, "Sales tax IL 10.25% (IL 6.25%, Cook County 1.75%, ...) on: ..."; a
-- state alone reads as before.
CREATE FUNCTION reseller_billing.tax_line_description(p_state text, p_rate numeric, p_jurisdictions text,
                                                      p_description text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE SET search_path = pg_catalog, reseller_billing, pg_temp
AS $body$
    SELECT CASE WHEN p_jurisdictions IS NULL
                THEN reseller_billing.tax_line_description(p_state, p_rate, p_description)
                ELSE format('Sales tax %s %s%% (%s) on: %s', p_state, trim_scale(p_rate OPERATOR(pg_catalog.*) 100),
                            p_jurisdictions, p_description) END
$body$;
COMMENT ON FUNCTION reseller_billing.tax_line_description(text, numeric, text, text) IS
    'the description of a tax line: the state, the combined rate in percent, the jurisdictions with their rates when local rates apply, and the taxed line''s description';

-- close_chunk's steps (issue 17: one function a step).
-- close_late_changes: the late changes a chunk bills, with their row
-- versions, into the temporary table rb_close_late: only those are cleared
-- afterwards (one changed again meanwhile has a new version and stays for
-- the next close); the held resellers' (channel_close's) are left out
CREATE FUNCTION reseller_billing.close_late_changes(p_period reseller_billing.billing_period, p_program bigint,
                                                    p_lo bigint, p_hi bigint, p_held bigint[])
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    v_one   bigint := CASE WHEN p_lo = p_hi THEN p_lo END;
BEGIN
    IF to_regclass('pg_temp.rb_close_late') IS NULL THEN
        CREATE TEMP TABLE rb_close_late (
        reseller_id bigint, subscription_id bigint, service_period reseller_billing.billing_period, row_version xid
        ) ON COMMIT DROP;
    END IF;
    TRUNCATE rb_close_late;
    INSERT INTO rb_close_late
    SELECT lc.reseller_id, lc.subscription_id, lc.service_period, lc.xmin
      FROM reseller_billing.late_change lc
      JOIN reseller_billing.reseller r ON r.reseller_id = lc.reseller_id AND (v_one IS NULL OR r.reseller_id = v_one)
     WHERE lc.reseller_id BETWEEN p_lo AND p_hi AND (v_one IS NULL OR lc.reseller_id = v_one)
       AND lc.service_period < p_period AND r.program_id = p_program
       AND NOT (lc.reseller_id = ANY (p_held))
       AND NOT EXISTS (SELECT FROM reseller_billing.invoice i
                        WHERE i.reseller_id = lc.reseller_id AND (v_one IS NULL OR i.reseller_id = v_one)
                          AND i.period = p_period);
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.close_late_changes(reseller_billing.billing_period, bigint, bigint, bigint, bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.close_late_changes(reseller_billing.billing_period, bigint, bigint, bigint, bigint[]) TO reseller_billing_admin;
COMMENT ON FUNCTION reseller_billing.close_late_changes(reseller_billing.billing_period, bigint, bigint, bigint, bigint[]) IS
    'internal (close_chunk): the late changes of resellers in [lo, hi] of a program that the close of a month bills (not those of the held resellers), with their row versions, into rb_close_late';

-- close_write_drafts: the chunk's lines, kept in memory for the statement,
-- written as one draft per reseller, currency and kind
CREATE FUNCTION reseller_billing.close_write_drafts(p_period reseller_billing.billing_period, p_program bigint,
                                                    p_lo bigint, p_hi bigint, p_held bigint[])
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    taxed   bool;
BEGIN
    -- US sales tax: a line per taxed line (nothing to look up without rates:
    -- taxed_resellers is asked about no reseller then)
    taxed := EXISTS (SELECT FROM reseller_billing.us_sales_tax_rate)
             OR EXISTS (SELECT FROM reseller_billing.us_local_sales_tax_rate);

    -- the chunk's lines, kept in memory for the statement (a CTE read twice
    -- is materialised once): each with its invoice kind and place in the
    -- invoice from line_kinds, joined once (an unknown kind leaves the
    -- invoice kind NULL, which the invoice refuses), and its tax line (the
    -- taxed resellers joined first, so that nothing is computed per line
    -- when there are none: OFFSET 0 keeps that join apart); then
    -- one draft per reseller, currency and kind, with its lines in a fixed
    -- order: a prepaid order's year goes on the prepaid invoice, everything
    -- else on the post-paid one (so a reseller migrating mid-month gets both).  The lines are numbered
    -- per invoice (reseller, currency and kind) before they are joined to
    -- their draft, so that one sort serves both the numbering and the join
    WITH due AS MATERIALIZED (
        SELECT dl.*, k.invoice_kind, k.kind_order, k.is_tax
          FROM reseller_billing.due_lines(p_period, p_program, p_lo, p_hi) dl
          LEFT JOIN reseller_billing.line_kinds() k ON k.kind = dl.kind
         WHERE NOT (dl.reseller_id = ANY (p_held))
    ), l AS MATERIALIZED (
        SELECT * FROM due
        UNION ALL
        SELECT x.reseller_id, x.currency, x.tax_kind, x.subscription_id, x.customer_id,
               x.sku_id, reseller_billing.tax_line_description(x.state, x.rate, x.jurisdictions, x.description),
               1::numeric, NULL::reseller_billing.amount, reseller_billing.tax_line_amount(x.amount, x.rate),
               x.service_period, x.service, NULL::bigint, NULL::bigint,
               k.invoice_kind, k.kind_order, k.is_tax
          FROM (SELECT d.*, reseller_billing.tax_line_kind(d.kind) AS tax_kind, t.state, t.rate, t.jurisdictions
                  FROM due d
                  JOIN reseller_billing.taxed_resellers(p_period, p_program, CASE WHEN taxed THEN p_lo END, p_hi) t
                    ON t.reseller_id = d.reseller_id
                 WHERE reseller_billing.sign(d.amount) <> 0
                OFFSET 0) x
          LEFT JOIN reseller_billing.line_kinds() k ON k.kind = x.tax_kind
    ), inv AS (
        INSERT INTO reseller_billing.invoice AS i
               (reseller_id, program_id, period, currency, kind, subtotal, credits_applied, tax, total, paid, credited)
        SELECT l.reseller_id, p_program, p_period, l.currency, l.invoice_kind,
               coalesce(reseller_billing.sum(l.amount) FILTER (WHERE NOT l.is_tax),
                        reseller_billing.amount(0, l.currency)),
               reseller_billing.amount(0, l.currency),
               coalesce(reseller_billing.sum(l.amount) FILTER (WHERE l.is_tax),
                        reseller_billing.amount(0, l.currency)),
               reseller_billing.sum(l.amount),
               reseller_billing.amount(0, l.currency), reseller_billing.amount(0, l.currency)
          FROM l
         GROUP BY l.reseller_id, l.currency, l.invoice_kind
         ORDER BY l.reseller_id, l.currency, l.invoice_kind DESC
        RETURNING i.reseller_id, i.invoice_id, i.currency, i.kind)
    INSERT INTO reseller_billing.invoice_line
           (reseller_id, invoice_id, line_no, kind, subscription_id, customer_id, sku_id, description, quantity,
            unit_price, amount, service_period, service, charge_id, tranche_id)
    SELECT n.reseller_id, inv.invoice_id, n.line_no,
           n.kind, n.subscription_id, n.customer_id, n.sku_id, n.description, n.quantity, n.unit_price, n.amount,
           n.service_period, n.service, n.charge_id, n.tranche_id
      FROM (SELECT l.*,
                   row_number() OVER (PARTITION BY l.reseller_id, l.currency, l.invoice_kind
                                      ORDER BY l.kind_order, l.subscription_id,
                                               l.service_period, l.tranche_id, l.charge_id) AS line_no
              FROM l) n
      JOIN inv ON inv.reseller_id = n.reseller_id AND inv.currency = n.currency
              AND inv.kind = n.invoice_kind;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.close_write_drafts(reseller_billing.billing_period, bigint, bigint, bigint, bigint[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.close_write_drafts(reseller_billing.billing_period, bigint, bigint, bigint, bigint[]) TO reseller_billing_admin;
COMMENT ON FUNCTION reseller_billing.close_write_drafts(reseller_billing.billing_period, bigint, bigint, bigint, bigint[]) IS
    'internal (close_chunk): writes the drafts of a month for the resellers in [lo, hi] of a program not invoiced for it (but the held ones): due_lines, their sales tax lines, one draft per reseller, currency and kind with its lines numbered';

-- close_settle: credits and unapplied payments applied to the chunk's
-- drafts, only for resellers that have some
CREATE FUNCTION reseller_billing.close_settle(p_ids bigint[], p_rids bigint[], p_one bigint)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    v_one   bigint := p_one;
    owed    bigint[];
BEGIN
    -- the resellers of the chunk with a credit or a payment left to apply
    -- (few, usually): asked once, by reseller_id, rather than per invoice
    SELECT array_agg(x.reseller_id) INTO owed
      FROM (SELECT c.reseller_id FROM reseller_billing.credit c
             WHERE c.reseller_id = ANY (p_rids) AND (v_one IS NULL OR c.reseller_id = v_one)
               AND reseller_billing.sign(c.remaining) > 0
            UNION
            SELECT p.reseller_id FROM reseller_billing.payment p
             WHERE p.reseller_id = ANY (p_rids) AND (v_one IS NULL OR p.reseller_id = v_one)
               AND reseller_billing.sign(p.unapplied) > 0) x;
    IF owed IS NULL THEN
        RETURN;
    END IF;
    -- the drafts come in numbering order (close_chunk)
    FOR k IN 1 .. coalesce(array_length(p_ids, 1), 0) LOOP
        IF p_rids[k] = ANY (owed) THEN
            PERFORM reseller_billing.settle_draft(p_rids[k], p_ids[k]);
        END IF;
    END LOOP;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.close_settle(bigint[], bigint[], bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.close_settle(bigint[], bigint[], bigint) TO reseller_billing_admin;
COMMENT ON FUNCTION reseller_billing.close_settle(bigint[], bigint[], bigint) IS
    'internal (close_chunk): settles the drafts given (invoice ids, their resellers; one reseller or NULL) with credits and unapplied payments, in numbering order, for the resellers that have any';

-- the close and the preview name the jurisdictions (05_from_0.1.0.sql's
-- close_chunk and preview_invoice; the change is the tax line's description
-- and the look-up when only local rates exist)
CREATE OR REPLACE FUNCTION reseller_billing.close_chunk(p_period reseller_billing.billing_period, p_program bigint,
                                             p_lo bigint, p_hi bigint, p_issue bool)
    RETURNS int
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    written int;
    ids     bigint[];
    rids    bigint[];
    r       bigint;
    -- one reseller (lo = hi): every statement is also restricted by an
    -- equality on reseller_id (a range folds this to true), so that on a
    -- Citus cluster each runs on the shard holding the reseller
    v_one   bigint := CASE WHEN p_lo = p_hi THEN p_lo END;
    dist    bool;
    -- the resellers channel_close bills (CSP programs)
    held    bigint[] := '{}';
BEGIN
    -- on a Citus cluster (asked once per chunk), one connection per node for the whole close (the
    -- invoices and their lines of a reseller are written to colocated
    -- shards, which must not be modified over two connections), and a range
    -- is closed one reseller at a time
    dist := reseller_billing.distributed();
    IF dist THEN
        PERFORM reseller_billing.one_connection();
    END IF;
    IF v_one IS NOT NULL AND dist THEN
        -- a late change of this reseller waits for this close to commit
        -- (wait_for_close: the program's advisory lock is per node)
        PERFORM FROM reseller_billing.reseller x WHERE x.reseller_id = v_one FOR NO KEY UPDATE;
    END IF;
    IF v_one IS NULL AND dist THEN
        written := 0;
        FOR r IN SELECT x.reseller_id FROM reseller_billing.reseller x
                  WHERE x.reseller_id BETWEEN p_lo AND p_hi AND x.program_id = p_program
                  ORDER BY 1
        LOOP
            written := written + reseller_billing.close_chunk(p_period, p_program, r, r, p_issue);
        END LOOP;
        RETURN written;
    END IF;
    -- a CSP program's providers and the indirect resellers billed through
    -- them are left to channel_close, called by close_finish (section 96)
    IF reseller_billing.is_csp_program(p_program) THEN
        held := reseller_billing.channel_held(p_program);
    END IF;
    PERFORM reseller_billing.close_late_changes(p_period, p_program, p_lo, p_hi, held);
    PERFORM reseller_billing.close_write_drafts(p_period, p_program, p_lo, p_hi, held);

    -- the drafts written, in numbering order (a prepaid invoice before the
    -- post-paid one of the same reseller and currency)
    SELECT array_agg(i.invoice_id ORDER BY i.reseller_id, i.currency, i.kind DESC),
           array_agg(i.reseller_id ORDER BY i.reseller_id, i.currency, i.kind DESC)
      INTO ids, rids
      FROM reseller_billing.invoice i
     WHERE i.reseller_id BETWEEN p_lo AND p_hi AND (v_one IS NULL OR i.reseller_id = v_one)
       AND i.program_id = p_program
       AND i.period = p_period AND i.status = 'draft';
    written := coalesce(array_length(ids, 1), 0);

    PERFORM reseller_billing.close_settle(ids, rids, v_one);

    -- closed months' differences are billed now
    DELETE FROM reseller_billing.late_change lc
     USING rb_close_late k
     WHERE lc.reseller_id = k.reseller_id AND lc.subscription_id = k.subscription_id
       AND lc.service_period = k.service_period AND lc.xmin = k.row_version;
    IF p_issue THEN
        PERFORM reseller_billing.issue_invoices(p_program, ids, rids);
    END IF;
    RETURN written;
END $$;
COMMENT ON FUNCTION reseller_billing.close_chunk(reseller_billing.billing_period, bigint, bigint, bigint, bool) IS
    'internal: writes and issues the invoices of a month for the resellers of a program with ids in [lo, hi]';

CREATE OR REPLACE FUNCTION reseller_billing.preview_invoice(p_reseller bigint, p_period reseller_billing.billing_period)
    RETURNS TABLE (line_no int, currency text, kind text, subscription_id bigint, description text,
                   quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount,
                   service_period reseller_billing.billing_period, service daterange, invoice_kind text)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
#variable_conflict use_column
BEGIN
    IF p_reseller IS NULL OR p_period IS NULL THEN
        RAISE EXCEPTION 'preview_invoice needs a reseller and a month'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('Reseller %s and month %s were given.', coalesce(p_reseller::text, 'NULL'),
                                  coalesce(p_period::text, 'NULL'));
    END IF;
    RETURN QUERY
    WITH due AS (
        SELECT * FROM reseller_billing.due_lines(reseller_billing.calendar_month(p_period), NULL, p_reseller, p_reseller)
    ), d AS (
        SELECT * FROM due
        UNION ALL
        SELECT l.reseller_id, l.currency, reseller_billing.tax_line_kind(l.kind), l.subscription_id, l.customer_id,
               l.sku_id, reseller_billing.tax_line_description(t.state, t.rate, t.jurisdictions, l.description), 1::numeric,
               NULL::reseller_billing.amount, reseller_billing.tax_line_amount(l.amount, t.rate),
               l.service_period, l.service, NULL::bigint, NULL::bigint
          FROM due l
          JOIN reseller_billing.taxed_resellers(p_period, NULL, p_reseller, p_reseller) t
            ON t.reseller_id OPERATOR(pg_catalog.=) l.reseller_id
         WHERE reseller_billing.sign(l.amount) OPERATOR(pg_catalog.<>) 0
    )
    SELECT (row_number() OVER w)::int, d.currency, d.kind, d.subscription_id, d.description, d.quantity,
           d.unit_price, d.amount, d.service_period, d.service, k.invoice_kind
      FROM d
      LEFT JOIN reseller_billing.line_kinds() k ON k.kind OPERATOR(pg_catalog.=) d.kind
    WINDOW w AS (PARTITION BY d.currency, k.invoice_kind
                 ORDER BY k.kind_order, d.subscription_id, d.service_period, d.tranche_id, d.charge_id)
     ORDER BY d.currency, k.invoice_kind DESC, 1;
END $$;
COMMENT ON FUNCTION reseller_billing.preview_invoice(bigint, reseller_billing.billing_period) IS
    'the lines closing the month would write for a reseller, numbered per invoice (prepaid, then post-paid), without writing them (an estimate while the month runs)';
