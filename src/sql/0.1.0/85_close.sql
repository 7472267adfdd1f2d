-- ========================================================================
-- closing a month, credits, credit notes, payments, and the rules that make
-- an issued invoice final
-- ========================================================================

-- functions: numbering and issuing -----------------------------------------

-- issue_invoices: numbers the given drafts of one program in order, without
-- gaps (the program's counter row is locked until the transaction ends), and
-- issues them on the first day after their month with the program's terms.
CREATE FUNCTION reseller_billing.issue_invoices(p_program bigint, p_invoices bigint[], p_resellers bigint[])
    RETURNS int
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    n       int := coalesce(array_length(p_invoices, 1), 0);
    last    bigint;
    terms   int;
BEGIN
    IF n = 0 THEN
        RETURN 0;
    END IF;
    INSERT INTO reseller_billing.invoice_counter (program_id) VALUES (p_program) ON CONFLICT DO NOTHING;
    UPDATE reseller_billing.invoice_counter c SET last_number = c.last_number + n
     WHERE c.program_id = p_program
    RETURNING c.last_number INTO last;
    SELECT pg.payment_terms_days INTO terms FROM reseller_billing.program pg WHERE pg.program_id = p_program;
    -- an invoice that credits and money already received settle in full is
    -- paid as soon as it is issued
    UPDATE reseller_billing.invoice i
       SET status = CASE WHEN reseller_billing.value(i.total) - reseller_billing.value(i.credited)
                              - reseller_billing.value(i.paid) <= 0 THEN 'paid' ELSE 'issued' END,
           invoice_number = last - n + x.ord,
           issued_on = reseller_billing.period_end(i.period),
           due_on = reseller_billing.period_end(i.period) + terms
      FROM unnest(p_invoices, p_resellers) WITH ORDINALITY AS x(invoice_id, reseller_id, ord)
     WHERE i.reseller_id = x.reseller_id AND i.invoice_id = x.invoice_id AND i.status = 'draft';
    -- an invoice whose total is below zero (adjustments larger than what the
    -- month bills) leaves the reseller in credit: that balance becomes a
    -- credit the next closes apply, never cash
    INSERT INTO reseller_billing.credit (reseller_id, amount, remaining, reason, eligibility)
    SELECT i.reseller_id, -i.total, -i.total,
           format('credit balance of invoice %s (%s)', i.invoice_number, i.period), '{}'
      FROM unnest(p_invoices, p_resellers) AS x(invoice_id, reseller_id)
      JOIN reseller_billing.invoice i ON i.reseller_id = x.reseller_id AND i.invoice_id = x.invoice_id
     WHERE reseller_billing.value(i.total) < 0
     ORDER BY i.invoice_number;
    RETURN n;
END $$;
COMMENT ON FUNCTION reseller_billing.issue_invoices(bigint, bigint[], bigint[]) IS
    'internal: numbers drafts of a program in the given order without gaps and issues them (paid when nothing is left owing; a total below zero becomes a credit)';

-- apply_credits: the reseller's credits, oldest first, to the eligible lines
-- of a draft, line by line, never below zero; then its unapplied payments.
CREATE FUNCTION reseller_billing.settle_draft(p_reseller bigint, p_invoice bigint)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    inv     reseller_billing.invoice;
    cr      record;
    cap     numeric;
    applied numeric := 0;
    took    numeric;
    pay     record;
    owed    numeric;
    part    numeric;
BEGIN
    SELECT * INTO inv FROM reseller_billing.invoice i
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice;
    cap := GREATEST(reseller_billing.value(inv.subtotal), 0);
    FOR cr IN
        SELECT c.credit_id, reseller_billing.value(c.remaining) AS remaining, c.eligibility
          FROM reseller_billing.credit c
         WHERE c.reseller_id = p_reseller AND reseller_billing.currency(c.remaining) = inv.currency
           AND reseller_billing.value(c.remaining) > 0
         ORDER BY c.granted_at, c.credit_id
           FOR UPDATE
    LOOP
        EXIT WHEN applied >= cap;
        -- the eligible lines' amounts not yet covered by earlier credits,
        -- taken in line order up to what this credit and the invoice allow
        WITH open_lines AS (
            SELECT l.line_no,
                   reseller_billing.value(l.amount)
                   - coalesce((SELECT sum(reseller_billing.value(a.amount)) FROM reseller_billing.credit_application a
                                WHERE a.reseller_id = l.reseller_id AND a.invoice_id = l.invoice_id
                                  AND a.line_no = l.line_no), 0) AS open
              FROM reseller_billing.invoice_line l
              LEFT JOIN reseller_billing.customer cu
                ON cu.reseller_id = l.reseller_id AND cu.customer_id = l.customer_id
              LEFT JOIN reseller_billing.sku k ON k.sku_id = l.sku_id
             WHERE l.reseller_id = p_reseller AND l.invoice_id = p_invoice
               AND l.kind NOT IN ('sales_tax', 'prepaid_sales_tax')      -- a credit pays the sale, not its tax
               AND reseller_billing.credit_eligible(cr.eligibility, cu.kind, k.family, l.kind)
        ), takes AS (
            SELECT o.line_no,
                   LEAST(o.open, LEAST(cr.remaining, cap - applied)
                                 - coalesce(sum(o.open) OVER (ORDER BY o.line_no ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)) AS take
              FROM open_lines o
             WHERE o.open > 0
        ), ins AS (
            INSERT INTO reseller_billing.credit_application (reseller_id, invoice_id, line_no, credit_id, amount)
            SELECT p_reseller, p_invoice, t.line_no, cr.credit_id, reseller_billing.amount(t.take, inv.currency)
              FROM takes t WHERE t.take > 0
            RETURNING reseller_billing.value(amount) AS v)
        SELECT coalesce(sum(v), 0) INTO took FROM ins;
        IF took > 0 THEN
            UPDATE reseller_billing.credit c
               SET remaining = c.remaining - reseller_billing.amount(took, inv.currency)
             WHERE c.reseller_id = p_reseller AND c.credit_id = cr.credit_id;
            applied := applied + took;
        END IF;
    END LOOP;

    owed := reseller_billing.value(inv.subtotal) - applied + reseller_billing.value(inv.tax);
    UPDATE reseller_billing.invoice i
       SET credits_applied = reseller_billing.amount(applied, inv.currency),
           total = reseller_billing.amount(owed, inv.currency)
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice;

    -- money already received and not yet applied settles the new invoice
    FOR pay IN
        SELECT p.payment_id, reseller_billing.value(p.unapplied) AS unapplied
          FROM reseller_billing.payment p
         WHERE p.reseller_id = p_reseller AND reseller_billing.currency(p.unapplied) = inv.currency
           AND reseller_billing.value(p.unapplied) > 0
         ORDER BY p.received_on, p.payment_id
           FOR UPDATE
    LOOP
        EXIT WHEN owed <= 0;
        part := LEAST(owed, pay.unapplied);
        PERFORM reseller_billing.allocate_payment(p_reseller, pay.payment_id, p_invoice, part);
        owed := owed - part;
    END LOOP;
END $$;
COMMENT ON FUNCTION reseller_billing.settle_draft(bigint, bigint) IS
    'internal: applies credits (oldest first, eligible lines only, never below zero) and unapplied payments to a draft';

CREATE FUNCTION reseller_billing.allocate_payment(p_reseller bigint, p_payment bigint, p_invoice bigint, p_amount numeric)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    cur     text;
BEGIN
    SELECT i.currency INTO cur FROM reseller_billing.invoice i
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice;
    INSERT INTO reseller_billing.payment_allocation (reseller_id, payment_id, invoice_id, amount)
    VALUES (p_reseller, p_payment, p_invoice, reseller_billing.amount(p_amount, cur))
    ON CONFLICT (reseller_id, payment_id, invoice_id)
    DO UPDATE SET amount = reseller_billing.payment_allocation.amount + EXCLUDED.amount;
    UPDATE reseller_billing.payment p SET unapplied = p.unapplied - reseller_billing.amount(p_amount, cur)
     WHERE p.reseller_id = p_reseller AND p.payment_id = p_payment;
    PERFORM set_config('reseller_billing.action', 'settle', true);
    UPDATE reseller_billing.invoice i
       SET paid = i.paid + reseller_billing.amount(p_amount, cur),
           status = CASE WHEN i.status <> 'draft'
                          AND reseller_billing.value(i.total) - reseller_billing.value(i.credited)
                              - reseller_billing.value(i.paid) - p_amount <= 0
                         THEN 'paid' ELSE i.status END
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice;
    PERFORM set_config('reseller_billing.action', '', true);
END $$;
COMMENT ON FUNCTION reseller_billing.allocate_payment(bigint, bigint, bigint, numeric) IS
    'internal: moves part of a payment onto an invoice, marking it paid when nothing is left owing';

-- functions: the close -----------------------------------------------------

-- close_chunk: bills the resellers of one program with ids in [lo, hi] that
-- have no invoice for the month; returns the invoices written.
CREATE FUNCTION reseller_billing.close_chunk(p_period reseller_billing.billing_period, p_program bigint,
                                             p_lo bigint, p_hi bigint, p_issue bool)
    RETURNS int
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    written int;
    ids     bigint[];
    rids    bigint[];
    d       record;
BEGIN
    IF to_regclass('pg_temp.rb_close_lines') IS NULL THEN
        CREATE TEMP TABLE rb_close_lines (
        reseller_id bigint, currency text, kind text, subscription_id bigint, customer_id bigint, sku_id bigint,
        description text, quantity numeric, unit_price reseller_billing.amount, amount reseller_billing.amount,
        service_period reseller_billing.billing_period, service daterange, tranche_id bigint, charge_id bigint
        ) ON COMMIT DROP;
    END IF;
    TRUNCATE rb_close_lines;
    -- the late changes this chunk bills, with their row versions: only those
    -- are cleared afterwards (one changed again meanwhile has a new version
    -- and stays for the next close)
    IF to_regclass('pg_temp.rb_close_late') IS NULL THEN
        CREATE TEMP TABLE rb_close_late (
        reseller_id bigint, subscription_id bigint, service_period reseller_billing.billing_period, row_version xid
        ) ON COMMIT DROP;
    END IF;
    TRUNCATE rb_close_late;
    INSERT INTO rb_close_late
    SELECT lc.reseller_id, lc.subscription_id, lc.service_period, lc.xmin
      FROM reseller_billing.late_change lc
      JOIN reseller_billing.reseller r ON r.reseller_id = lc.reseller_id
     WHERE lc.reseller_id BETWEEN p_lo AND p_hi AND lc.service_period < p_period AND r.program_id = p_program
       AND NOT EXISTS (SELECT FROM reseller_billing.invoice i
                        WHERE i.reseller_id = lc.reseller_id AND i.period = p_period);
    INSERT INTO rb_close_lines SELECT * FROM reseller_billing.due_lines(p_period, p_program, p_lo, p_hi);
    -- a CSP program's providers and the indirect resellers billed through
    -- them are left to channel_close, called by close_finish (section 96)
    IF reseller_billing.is_csp_program(p_program) THEN
        PERFORM reseller_billing.channel_hold_lines(p_program);
    END IF;

    -- one draft per reseller, currency and kind, with its lines in a fixed
    -- order: a prepaid order's year goes on the prepaid invoice, everything
    -- else on the post-paid one (so a reseller migrating mid-month gets both)
    WITH inv AS (
        INSERT INTO reseller_billing.invoice AS i
               (reseller_id, program_id, period, currency, kind, subtotal, credits_applied, tax, total, paid, credited)
        SELECT l.reseller_id, p_program, p_period, l.currency, reseller_billing.invoice_kind_of(l.kind),
               coalesce(reseller_billing.sum(l.amount) FILTER (WHERE l.kind NOT IN ('sales_tax', 'prepaid_sales_tax')),
                        reseller_billing.amount(0, l.currency)),
               reseller_billing.amount(0, l.currency),
               coalesce(reseller_billing.sum(l.amount) FILTER (WHERE l.kind IN ('sales_tax', 'prepaid_sales_tax')),
                        reseller_billing.amount(0, l.currency)),
               reseller_billing.sum(l.amount),
               reseller_billing.amount(0, l.currency), reseller_billing.amount(0, l.currency)
          FROM rb_close_lines l
         GROUP BY l.reseller_id, l.currency, reseller_billing.invoice_kind_of(l.kind)
         ORDER BY l.reseller_id, l.currency, reseller_billing.invoice_kind_of(l.kind) DESC
        RETURNING i.reseller_id, i.invoice_id, i.currency, i.kind)
    INSERT INTO reseller_billing.invoice_line
           (reseller_id, invoice_id, line_no, kind, subscription_id, customer_id, sku_id, description, quantity,
            unit_price, amount, service_period, service, charge_id, tranche_id)
    SELECT l.reseller_id, inv.invoice_id,
           row_number() OVER (PARTITION BY inv.invoice_id
                              ORDER BY reseller_billing.line_kind_order(l.kind), l.subscription_id,
                                       l.service_period, l.tranche_id, l.charge_id),
           l.kind, l.subscription_id, l.customer_id, l.sku_id, l.description, l.quantity, l.unit_price, l.amount,
           l.service_period, l.service, l.charge_id, l.tranche_id
      FROM rb_close_lines l
      JOIN inv ON inv.reseller_id = l.reseller_id AND inv.currency = l.currency
              AND inv.kind = reseller_billing.invoice_kind_of(l.kind);

    -- the drafts written, in numbering order (a prepaid invoice before the
    -- post-paid one of the same reseller and currency)
    SELECT array_agg(i.invoice_id ORDER BY i.reseller_id, i.currency, i.kind DESC),
           array_agg(i.reseller_id ORDER BY i.reseller_id, i.currency, i.kind DESC)
      INTO ids, rids
      FROM reseller_billing.invoice i
     WHERE i.reseller_id BETWEEN p_lo AND p_hi AND i.program_id = p_program
       AND i.period = p_period AND i.status = 'draft';
    written := coalesce(array_length(ids, 1), 0);

    -- credits and unapplied payments, only for resellers that have some
    FOR d IN
        SELECT i.reseller_id, i.invoice_id
          FROM reseller_billing.invoice i
         WHERE i.invoice_id = ANY (ids) AND i.reseller_id = ANY (rids)
           AND (EXISTS (SELECT FROM reseller_billing.credit c
                         WHERE c.reseller_id = i.reseller_id AND reseller_billing.value(c.remaining) > 0)
                OR EXISTS (SELECT FROM reseller_billing.payment p
                            WHERE p.reseller_id = i.reseller_id AND reseller_billing.value(p.unapplied) > 0))
         ORDER BY i.reseller_id, i.currency, i.kind DESC
    LOOP
        PERFORM reseller_billing.settle_draft(d.reseller_id, d.invoice_id);
    END LOOP;

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

-- close_begin: the resellers of a program a close of the month must visit
-- (those not yet invoiced for it), with progress reset; NULL when the month
-- is already closed for the program.  The month must have ended.
CREATE FUNCTION reseller_billing.close_begin(p_period reseller_billing.billing_period, p_program bigint,
                                             p_as_of timestamptz DEFAULT now())
    RETURNS bigint[]
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    pg      reseller_billing.program;
    ids     bigint[];
BEGIN
    IF reseller_billing.anchor(p_period) <> 1 THEN
        RAISE EXCEPTION 'invoices are written per calendar month, not for the cycle %', p_period
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('A calendar month is anchored on day 1; %s is anchored on day %s.',
                                  p_period, reseller_billing.anchor(p_period)),
                  HINT = format('Close %s instead.', left(p_period::text, 7));
    END IF;
    SELECT * INTO pg FROM reseller_billing.program p WHERE p.program_id = p_program;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'program % does not exist', p_program USING ERRCODE = 'no_data_found';
    END IF;
    IF (p_as_of AT TIME ZONE pg.time_zone)::date < reseller_billing.period_end(p_period) THEN
        RAISE EXCEPTION 'month % of program "%" has not ended', p_period, pg.code
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It ends on %s in %s; today is %s there.', reseller_billing.period_end(p_period) - 1,
                                  pg.time_zone, (p_as_of AT TIME ZONE pg.time_zone)::date),
                  HINT = 'Use preview_invoice for an estimate while the month runs.';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('reseller_billing.close'), hashtext(p_program::text));
    IF EXISTS (SELECT FROM reseller_billing.period_close c WHERE c.program_id = p_program AND c.period = p_period) THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(array_agg(r.reseller_id ORDER BY r.reseller_id), '{}') INTO ids
      FROM reseller_billing.reseller r
     WHERE r.program_id = p_program
       AND NOT EXISTS (SELECT FROM reseller_billing.invoice i
                        WHERE i.reseller_id = r.reseller_id AND i.period = p_period);
    INSERT INTO reseller_billing.close_progress AS cp
           (program_id, period, started_at, updated_at, resellers_total, resellers_done, invoices_written)
    VALUES (p_program, p_period, clock_timestamp(), clock_timestamp(), coalesce(array_length(ids, 1), 0), 0, 0)
    ON CONFLICT (program_id, period) DO UPDATE
       SET started_at = EXCLUDED.started_at, updated_at = EXCLUDED.updated_at,
           resellers_total = EXCLUDED.resellers_total, resellers_done = 0, invoices_written = 0, finished = false;
    RETURN ids;
END $$;
COMMENT ON FUNCTION reseller_billing.close_begin(reseller_billing.billing_period, bigint, timestamptz) IS
    'internal: checks the month has ended, resets progress, returns the resellers still to bill (NULL when already closed)';

-- close_step: bills resellers [lo, hi] of the program under the program's
-- close lock, records progress, and reports it every step.
CREATE FUNCTION reseller_billing.close_step(p_period reseller_billing.billing_period, p_program bigint,
                                            p_lo bigint, p_hi bigint, p_done int)
    RETURNS int
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    n       int;
    cp      reseller_billing.close_progress;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('reseller_billing.close'), hashtext(p_program::text));
    IF EXISTS (SELECT FROM reseller_billing.period_close c WHERE c.program_id = p_program AND c.period = p_period) THEN
        RETURN 0;
    END IF;
    n := reseller_billing.close_chunk(p_period, p_program, p_lo, p_hi, true);
    UPDATE reseller_billing.close_progress c
       SET updated_at = clock_timestamp(), resellers_done = p_done, invoices_written = c.invoices_written + n
     WHERE c.program_id = p_program AND c.period = p_period
    RETURNING * INTO cp;
    RAISE NOTICE 'closing % of program %: % of % resellers visited, % invoices written',
        p_period, p_program, cp.resellers_done, cp.resellers_total, cp.invoices_written;
    RETURN n;
END $$;
COMMENT ON FUNCTION reseller_billing.close_step(reseller_billing.billing_period, bigint, bigint, bigint, int) IS
    'internal: one step of a close (a range of resellers) with progress';

CREATE FUNCTION reseller_billing.close_finish(p_period reseller_billing.billing_period, p_program bigint)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    n       int;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('reseller_billing.close'), hashtext(p_program::text));
    -- a CSP program's two-tier invoices, before the month is recorded closed
    -- (section 96; nothing for other programs)
    n := reseller_billing.channel_close(p_period, p_program);
    INSERT INTO reseller_billing.period_close (program_id, period, invoices)
    SELECT p_program, p_period, count(*)::int FROM reseller_billing.invoice i
     WHERE i.program_id = p_program AND i.period = p_period
    ON CONFLICT DO NOTHING;
    UPDATE reseller_billing.close_progress c
       SET finished = true, updated_at = clock_timestamp(), invoices_written = c.invoices_written + n
     WHERE c.program_id = p_program AND c.period = p_period;
END $$;
COMMENT ON FUNCTION reseller_billing.close_finish(reseller_billing.billing_period, bigint) IS
    'internal: records that every reseller of the program has been billed for the month';

-- close_period: every reseller with something to bill in the month gets its
-- invoice (one per currency), in this transaction; returns how many invoices
-- it wrote.  Idempotent; two sessions closing the same program and month
-- take turns and the second writes nothing.
CREATE FUNCTION reseller_billing.close_period(p_period reseller_billing.billing_period, p_program bigint DEFAULT NULL)
    RETURNS int
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    prog    bigint;
    ids     bigint[];
    step    constant int := 1000;
    i       int;
    written int := 0;
BEGIN
    IF p_program IS NOT NULL AND NOT EXISTS (SELECT FROM reseller_billing.program pg WHERE pg.program_id = p_program) THEN
        RAISE EXCEPTION 'program % does not exist', p_program
            USING ERRCODE = 'no_data_found',
                  HINT = 'Pass a program_id from reseller_billing.program, or NULL to close every program.';
    END IF;
    -- every program whose month has ended in its own time zone (a program
    -- named explicitly must have ended: close_begin says so)
    FOR prog IN SELECT pg.program_id FROM reseller_billing.program pg
                 WHERE (p_program IS NULL AND (now() AT TIME ZONE pg.time_zone)::date >= reseller_billing.period_end(p_period))
                    OR pg.program_id = p_program
                 ORDER BY 1
    LOOP
        ids := reseller_billing.close_begin(p_period, prog);
        CONTINUE WHEN ids IS NULL;
        i := 0;
        WHILE i < coalesce(array_length(ids, 1), 0) LOOP
            written := written + reseller_billing.close_step(p_period, prog, ids[i + 1],
                                                             ids[LEAST(i + step, array_length(ids, 1))],
                                                             LEAST(i + step, array_length(ids, 1)));
            i := i + step;
        END LOOP;
        PERFORM reseller_billing.close_finish(p_period, prog);
    END LOOP;
    RETURN written;
END $$;
COMMENT ON FUNCTION reseller_billing.close_period(reseller_billing.billing_period, bigint) IS
    'writes and issues the month''s invoices (one per reseller and currency) for a program (NULL: all) in one transaction; idempotent; returns how many it wrote';

-- close_period(period, program, reseller): the month-end close of ONE
-- reseller, so a month can be closed reseller by reseller (on Citus, one
-- call per reseller, each routed to the node holding that reseller's rows;
-- doc/scaling.md).  The same rules as the program's close, under the same
-- program close lock: the month must have ended, a reseller invoiced for it
-- is never invoiced again (a second call writes nothing), the invoices are
-- numbered from the program's counter without gaps.  It touches only the
-- reseller's rows and the program's invoice counter: it leaves close
-- progress alone and never records the month closed; the program-level
-- close_period(period, program) afterwards finds only what is left, writes
-- the CSP channel invoices (providers and the indirect resellers they bill,
-- which a per-reseller call leaves to it) and records the month closed.
-- Returns the invoices written.
CREATE FUNCTION reseller_billing.close_period(p_period reseller_billing.billing_period, p_program bigint,
                                              p_reseller bigint)
    RETURNS int
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    pg      reseller_billing.program;
    rs      reseller_billing.reseller;
    owner   text;
BEGIN
    IF p_period IS NULL OR p_program IS NULL OR p_reseller IS NULL THEN
        RAISE EXCEPTION 'closing a month for one reseller needs a month, a program and a reseller'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The month given is %s, the program %s and the reseller %s.',
                                  coalesce(p_period::text, 'NULL'), coalesce(p_program::text, 'NULL'),
                                  coalesce(p_reseller::text, 'NULL'));
    END IF;
    IF reseller_billing.anchor(p_period) <> 1 THEN
        RAISE EXCEPTION 'invoices are written per calendar month, not for the cycle %', p_period
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('A calendar month is anchored on day 1; %s is anchored on day %s.',
                                  p_period, reseller_billing.anchor(p_period)),
                  HINT = format('Close %s instead.', left(p_period::text, 7));
    END IF;
    SELECT * INTO pg FROM reseller_billing.program p WHERE p.program_id = p_program;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'program % does not exist', p_program
            USING ERRCODE = 'no_data_found',
                  HINT = 'Pass a program_id from reseller_billing.program.';
    END IF;
    SELECT * INTO rs FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'reseller % does not exist', p_reseller
            USING ERRCODE = 'no_data_found',
                  HINT = format('Pass a reseller_id of program "%s" from reseller_billing.reseller.', pg.code);
    END IF;
    IF rs.program_id <> p_program THEN
        SELECT p.code INTO owner FROM reseller_billing.program p WHERE p.program_id = rs.program_id;
        RAISE EXCEPTION 'reseller % is not in program "%"', p_reseller, pg.code
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Reseller %s ("%s") belongs to program %s ("%s"); program %s ("%s") was given.',
                                  p_reseller, rs.name, rs.program_id, owner, p_program, pg.code),
                  HINT = format('Close it with close_period(''%s'', %s, %s).', p_period, rs.program_id, p_reseller);
    END IF;
    IF (now() AT TIME ZONE pg.time_zone)::date < reseller_billing.period_end(p_period) THEN
        RAISE EXCEPTION 'month % of program "%" has not ended', p_period, pg.code
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It ends on %s in %s; today is %s there.', reseller_billing.period_end(p_period) - 1,
                                  pg.time_zone, (now() AT TIME ZONE pg.time_zone)::date),
                  HINT = 'Use preview_invoice for an estimate while the month runs.';
    END IF;
    -- the program's close lock, as every close takes it: calls for the same
    -- program take turns, and the second call for a reseller finds its
    -- invoices written
    PERFORM pg_advisory_xact_lock(hashtext('reseller_billing.close'), hashtext(p_program::text));
    IF EXISTS (SELECT FROM reseller_billing.period_close c WHERE c.program_id = p_program AND c.period = p_period) THEN
        RETURN 0;
    END IF;
    -- a CSP provider, and an indirect reseller billed through one, are
    -- invoiced by channel_close in the program-level close (close_chunk
    -- holds their lines back): nothing to write here
    IF reseller_billing.is_csp_program(p_program)
       AND (rs.tier = 'indirect_provider'
            OR (rs.tier = 'indirect_reseller'
                AND EXISTS (SELECT FROM reseller_billing.provider_partnership p WHERE p.reseller_id = p_reseller))) THEN
        RAISE NOTICE 'reseller % of program "%" is billed through the CSP channel: close_period(''%'', %) writes its invoices',
            p_reseller, pg.code, p_period, p_program;
        RETURN 0;
    END IF;
    RETURN reseller_billing.close_chunk(p_period, p_program, p_reseller, p_reseller, true);
END $$;
COMMENT ON FUNCTION reseller_billing.close_period(reseller_billing.billing_period, bigint, bigint) IS
    'writes and issues one reseller''s invoices of a month (the program''s close for that reseller alone, numbered from the program''s counter); idempotent; the program-level close_period(period, program) records the month closed and writes CSP channel invoices; returns how many it wrote';

-- close_period_batched: the same close, committing every p_batch resellers,
-- so progress is visible to other sessions and a crash loses at most the
-- batch in flight (each reseller has its whole invoice or none); calling it
-- again completes the rest.  A procedure without a SET clause (so it may
-- COMMIT): every name in it is schema-qualified.
CREATE PROCEDURE reseller_billing.close_period_batched(p_period reseller_billing.billing_period,
                                                       p_program bigint DEFAULT NULL,
                                                       p_batch int DEFAULT 500,
                                                       p_as_of timestamptz DEFAULT now(),
                                                       INOUT p_written int DEFAULT 0)
    LANGUAGE plpgsql AS $$
DECLARE
    progs   bigint[];
    prog    bigint;
    ids     bigint[];
    i       int;
    n       int;
BEGIN
    IF p_batch IS NULL OR p_batch OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'batch size must be positive'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('The batch size is at least 1 reseller; %s was given.',
                                             COALESCE(p_batch::text, 'NULL'));
    END IF;
    IF p_program IS NOT NULL AND NOT EXISTS (SELECT FROM reseller_billing.program pg
                                              WHERE pg.program_id OPERATOR(pg_catalog.=) p_program) THEN
        RAISE EXCEPTION 'program % does not exist', p_program
            USING ERRCODE = 'no_data_found',
                  HINT = 'Pass a program_id from reseller_billing.program, or NULL to close every program.';
    END IF;
    SELECT pg_catalog.array_agg(pg.program_id ORDER BY pg.program_id) INTO progs
      FROM reseller_billing.program pg
     WHERE p_program IS NULL OR pg.program_id OPERATOR(pg_catalog.=) p_program;
    p_written := 0;
    FOREACH prog IN ARRAY COALESCE(progs, '{}'::bigint[]) LOOP
        ids := reseller_billing.close_begin(p_period, prog, p_as_of);
        COMMIT;
        CONTINUE WHEN ids IS NULL;
        n := COALESCE(pg_catalog.array_length(ids, 1), 0);
        i := 0;
        WHILE i OPERATOR(pg_catalog.<) n LOOP
            p_written := p_written OPERATOR(pg_catalog.+)
                reseller_billing.close_step(p_period, prog, ids[i OPERATOR(pg_catalog.+) 1],
                                            ids[LEAST(i OPERATOR(pg_catalog.+) p_batch, n)],
                                            LEAST(i OPERATOR(pg_catalog.+) p_batch, n));
            COMMIT;
            i := i OPERATOR(pg_catalog.+) p_batch;
        END LOOP;
        PERFORM reseller_billing.close_finish(p_period, prog);
        COMMIT;
    END LOOP;
END $$;
COMMENT ON PROCEDURE reseller_billing.close_period_batched(reseller_billing.billing_period, bigint, int, timestamptz, int) IS
    'the month-end close committing every batch of resellers: progress visible to others, a crash loses only the batch in flight; returns how many invoices it wrote';
