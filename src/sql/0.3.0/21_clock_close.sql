-- ========================================================================
-- 0.3.0: the close, voids, late changes and run_due
-- read the billing clock (the rule of 20_clock_rules.sql)
-- ========================================================================

-- close_check: what every way of closing a month checks first, stated once
-- (issue 17 §3; close_begin, both close_period and close_period_batched
-- call it): a month (22004), a calendar month (22023), an existing program
-- when one is named (P0002) and, when asked, a month that has ended in the
-- program's time zone at p_as_of (55000).  Returns the program (NULL when
-- none was named).
CREATE FUNCTION reseller_billing.close_check(p_period reseller_billing.billing_period, p_program bigint,
                                             p_as_of timestamptz, p_ended bool)
 RETURNS reseller_billing.program
 LANGUAGE plpgsql STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg      reseller_billing.program;
BEGIN
    IF p_period IS NULL THEN                    -- issue 19 §4
        RAISE EXCEPTION 'closing needs the month to close' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF reseller_billing.anchor(p_period) <> 1 THEN
        RAISE EXCEPTION 'invoices are written per calendar month, not for the cycle %', p_period
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('A calendar month is anchored on day 1; %s is anchored on day %s.',
                                  p_period, reseller_billing.anchor(p_period)),
                  HINT = format('Close %s instead.', left(p_period::text, 7));
    END IF;
    IF p_program IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO pg FROM reseller_billing.program p WHERE p.program_id = p_program;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'program % does not exist', p_program
            USING ERRCODE = 'no_data_found',
                  HINT = 'Pass a program_id from reseller_billing.program (close_period and close_period_batched take NULL for every program).';
    END IF;
    IF p_ended AND (p_as_of AT TIME ZONE pg.time_zone)::date < reseller_billing.period_end(p_period) THEN
        RAISE EXCEPTION 'month % of program "%" has not ended', p_period, pg.code
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It ends on %s in %s; today is %s there.', reseller_billing.period_end(p_period) - 1,
                                  pg.time_zone, (p_as_of AT TIME ZONE pg.time_zone)::date),
                  HINT = 'Use preview_invoice for an estimate while the month runs.';
    END IF;
    RETURN pg;
END $function$
;
REVOKE EXECUTE ON FUNCTION reseller_billing.close_check(reseller_billing.billing_period, bigint, timestamptz, bool) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.close_check(reseller_billing.billing_period, bigint, timestamptz, bool) TO reseller_billing_admin;
COMMENT ON FUNCTION reseller_billing.close_check(reseller_billing.billing_period, bigint, timestamptz, bool) IS
    'internal: the checks of a close: a calendar month, an existing program, a month ended (when asked); returns the program';

-- reseller_billing.close_begin(reseller_billing.billing_period,bigint,timestamp with time zone)
CREATE OR REPLACE FUNCTION reseller_billing.close_begin(p_period reseller_billing.billing_period, p_program bigint, p_as_of timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS bigint[]
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg      reseller_billing.program;
    ids     bigint[];
BEGIN
    pg := reseller_billing.close_check(p_period, p_program, p_as_of, true);
    PERFORM reseller_billing.one_connection();
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
END $function$
;

-- reseller_billing.close_step(reseller_billing.billing_period,bigint,bigint,bigint,integer)
CREATE OR REPLACE FUNCTION reseller_billing.close_step(p_period reseller_billing.billing_period, p_program bigint, p_lo bigint, p_hi bigint, p_done integer)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    n       int;
    cp      reseller_billing.close_progress;
    wall    timestamptz;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('reseller_billing.close'), hashtext(p_program::text));
    IF EXISTS (SELECT FROM reseller_billing.period_close c WHERE c.program_id = p_program AND c.period = p_period) THEN
        RETURN 0;
    END IF;
    n := reseller_billing.close_chunk(p_period, p_program, p_lo, p_hi, true);
    -- the wall time read first: Citus refuses a volatile function in an
    -- UPDATE of a Citus table
    wall := clock_timestamp();
    UPDATE reseller_billing.close_progress c
       SET updated_at = wall, resellers_done = p_done, invoices_written = c.invoices_written + n
     WHERE c.program_id = p_program AND c.period = p_period
    RETURNING * INTO cp;
    RAISE NOTICE 'closing % of program %: % of % resellers visited, % invoices written',
        p_period, p_program, cp.resellers_done, cp.resellers_total, cp.invoices_written;
    RETURN n;
END $function$
;

-- reseller_billing.close_finish(reseller_billing.billing_period,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.close_finish(p_period reseller_billing.billing_period, p_program bigint)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    n       int;
    wall    timestamptz;
BEGIN
    PERFORM reseller_billing.one_connection();
    PERFORM pg_advisory_xact_lock(hashtext('reseller_billing.close'), hashtext(p_program::text));
    -- a CSP program's two-tier invoices, before the month is recorded closed
    -- (section 96; nothing for other programs)
    n := reseller_billing.channel_close(p_period, p_program);
    wall := clock_timestamp();
    INSERT INTO reseller_billing.period_close (program_id, period, invoices)
    SELECT p_program, p_period, count(*)::int FROM reseller_billing.invoice i
     WHERE i.program_id = p_program AND i.period = p_period
    ON CONFLICT DO NOTHING;
    UPDATE reseller_billing.close_progress c
       SET finished = true, updated_at = wall, invoices_written = c.invoices_written + n
     WHERE c.program_id = p_program AND c.period = p_period;
END $function$
;

-- reseller_billing.close_period(reseller_billing.billing_period,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.close_period(p_period reseller_billing.billing_period, p_program bigint DEFAULT NULL::bigint)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    prog    bigint;
    ids     bigint[];
    step    constant int := 1000;
    i       int;
    written int := 0;
BEGIN
    PERFORM reseller_billing.close_check(p_period, p_program, reseller_billing.clock_now(), false);
    -- every program whose month has ended in its own time zone (a program
    -- named explicitly must have ended: close_begin says so)
    FOR prog IN SELECT pg.program_id FROM reseller_billing.program pg
                 WHERE (p_program IS NULL AND (reseller_billing.clock_now() AT TIME ZONE pg.time_zone)::date >= reseller_billing.period_end(p_period))
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
END $function$
;

-- reseller_billing.close_period(reseller_billing.billing_period,bigint,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.close_period(p_period reseller_billing.billing_period, p_program bigint, p_reseller bigint)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg      reseller_billing.program;
    rs      reseller_billing.reseller;
    owner   text;
BEGIN
    IF p_period IS NULL OR p_program IS NULL OR p_reseller IS NULL THEN
        RAISE EXCEPTION 'closing a month for one reseller needs a month, a program and a reseller'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('The month given is %s, the program %s and the reseller %s.',
                                  coalesce(p_period::text, 'NULL'), coalesce(p_program::text, 'NULL'),
                                  coalesce(p_reseller::text, 'NULL'));
    END IF;
    pg := reseller_billing.close_check(p_period, p_program, reseller_billing.clock_now(), false);
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
    PERFORM reseller_billing.close_check(p_period, p_program, reseller_billing.clock_now(), true);
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
END $function$
;

-- reseller_billing.close_period_batched(reseller_billing.billing_period,bigint,integer,timestamp with time zone,integer)
CREATE OR REPLACE PROCEDURE reseller_billing.close_period_batched(IN p_period reseller_billing.billing_period, IN p_program bigint DEFAULT NULL::bigint, IN p_batch integer DEFAULT 500, IN p_as_of timestamp with time zone DEFAULT reseller_billing.clock_now(), INOUT p_written integer DEFAULT 0)
 LANGUAGE plpgsql
AS $procedure$
DECLARE
    progs   bigint[];
    prog    bigint;
    ids     bigint[];
    i       int;
    n       int;
BEGIN
    PERFORM reseller_billing.close_check(p_period, p_program, p_as_of, false);
    IF p_batch IS NULL OR p_batch OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'batch size must be positive'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('The batch size is at least 1 reseller; %s was given.',
                                             COALESCE(p_batch::text, 'NULL'));
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
END $procedure$
;

-- reseller_billing.void_invoice(bigint,bigint,text)
CREATE OR REPLACE FUNCTION reseller_billing.void_invoice(p_reseller bigint, p_invoice bigint, p_reason text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    inv     reseller_billing.invoice;
BEGIN
    -- a NULL reseller or invoice is 22004 (04_arguments.sql); one that does
    -- not exist stays P0002
    PERFORM reseller_billing.arg_required('void_invoice', 'p_reseller', 'a reseller', p_reseller);
    PERFORM reseller_billing.arg_required('void_invoice', 'p_invoice', 'an invoice', p_invoice);
    SELECT * INTO inv FROM reseller_billing.invoice i
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice % of reseller % does not exist', p_invoice, p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    IF inv.status <> 'issued' OR reseller_billing.sign(inv.paid) <> 0 OR reseller_billing.sign(inv.credited) <> 0 THEN
        RAISE EXCEPTION 'invoice % of reseller % cannot be voided', inv.invoice_number, p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It is %s, with %s paid and %s credited; only an issued invoice with nothing paid or credited can be voided.',
                                  inv.status, inv.paid, inv.credited),
                  HINT = CASE WHEN inv.status = 'void' THEN 'It is void already.'
                              WHEN inv.status = 'draft' THEN 'A draft is issued or discarded by the close that wrote it.'
                              ELSE 'Correct it with a credit note instead.' END;
    END IF;
    UPDATE reseller_billing.credit c
       SET remaining = c.remaining + a.amount
      FROM (SELECT ca.credit_id, sum(ca.amount) AS amount FROM reseller_billing.credit_application ca
             WHERE ca.reseller_id = p_reseller AND ca.invoice_id = p_invoice GROUP BY ca.credit_id) a
     WHERE c.reseller_id = p_reseller AND c.credit_id = a.credit_id;
    INSERT INTO reseller_billing.late_change AS lc (reseller_id, subscription_id, service_period)
    SELECT DISTINCT l.reseller_id, l.subscription_id, l.service_period
      FROM reseller_billing.invoice_line l
     WHERE l.reseller_id = p_reseller AND l.invoice_id = p_invoice AND l.subscription_id IS NOT NULL
       AND l.kind = ANY (reseller_billing.recurring_line_kinds())
    ON CONFLICT (reseller_id, subscription_id, service_period) DO UPDATE SET recorded_at = EXCLUDED.recorded_at;
    -- its charges (one-off, early termination) are still owed: each is
    -- recorded again, as a new charge the next close bills once
    INSERT INTO reseller_billing.charge (reseller_id, customer_id, subscription_id, kind, description, amount, charge_on)
    SELECT c.reseller_id, c.customer_id, c.subscription_id, c.kind,
           format('%s (billed again: invoice %s was voided)', c.description, inv.invoice_number), c.amount, c.charge_on
      FROM reseller_billing.invoice_line l
      JOIN reseller_billing.charge c ON c.reseller_id = l.reseller_id AND c.charge_id = l.charge_id
     WHERE l.reseller_id = p_reseller AND l.invoice_id = p_invoice
     ORDER BY l.line_no;
    PERFORM reseller_billing.set_local('reseller_billing.action', 'void');
    UPDATE reseller_billing.invoice i
       SET status = 'void', voided_at = reseller_billing.clock_now(), void_reason = p_reason
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice;
    PERFORM reseller_billing.set_local('reseller_billing.action', '');
END $function$
;

-- seat_late_change: replaced by the row trigger seat_late_change_row (75_row_rules.sql)

-- reseller_billing.run_due(timestamp with time zone,integer,integer)
-- run_due: defined once, in 95_events.sql (the version 0.3.0 installs)
