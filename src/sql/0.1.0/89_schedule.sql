-- ========================================================================
-- scheduling: run_due catches up renewals, trial expiries, every ended
-- month not yet closed and the monthly order statements; pg_cron runs it daily
-- ========================================================================

-- functions ----------------------------------------------------------------

-- The calendar months of a program that have ended by p_at and are not
-- closed yet, from the month after the last one closed (or the first month
-- with anything to bill).
CREATE FUNCTION reseller_billing.months_due(p_program bigint, p_at timestamptz)
    RETURNS SETOF reseller_billing.billing_period
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    WITH pg AS (
        SELECT p.program_id, p.time_zone FROM reseller_billing.program p WHERE p.program_id = p_program
    ), bounds AS (
        -- from the first month with anything to bill to the last that has
        -- ended; a month closed by hand out of order leaves no gap behind it
        SELECT (SELECT min(m) FROM (
                    SELECT min(billing_period(t.starts_on)) AS m
                      FROM reseller_billing.commitment_tranche t
                      JOIN reseller_billing.reseller r ON r.reseller_id = t.reseller_id
                     WHERE r.program_id = p_program
                    UNION ALL
                    SELECT min(billing_period((f.starts_at AT TIME ZONE pg.time_zone)::date))
                      FROM reseller_billing.flex_term f
                      JOIN reseller_billing.reseller r ON r.reseller_id = f.reseller_id
                     WHERE r.program_id = p_program
                    UNION ALL
                    SELECT min(billing_period(c.charge_on))
                      FROM reseller_billing.charge c
                      JOIN reseller_billing.reseller r ON r.reseller_id = c.reseller_id
                     WHERE r.program_id = p_program) x) AS first_month,
               billing_period((p_at AT TIME ZONE pg.time_zone)::date) - 1 AS last_month
          FROM pg
    )
    SELECT b.first_month + g
      FROM bounds b, generate_series(0, b.last_month - b.first_month) g
     WHERE b.first_month IS NOT NULL AND b.first_month <= b.last_month
       AND NOT EXISTS (SELECT FROM reseller_billing.period_close c
                        WHERE c.program_id = p_program AND c.period = b.first_month + g)
     ORDER BY 1;
END;
COMMENT ON FUNCTION reseller_billing.months_due(bigint, timestamptz) IS
    'the ended calendar months of a program not yet closed at a moment, oldest first';

-- run_due: everything due up to p_at, committing as it goes, so a missed day
-- or a server that was down catches up.  Returns the renewals applied and
-- the invoices written.
CREATE PROCEDURE reseller_billing.run_due(p_at timestamptz DEFAULT now(),
                                          INOUT p_renewed int DEFAULT 0,
                                          INOUT p_invoices int DEFAULT 0)
    LANGUAGE plpgsql AS $$
DECLARE
    progs   bigint[];
    prog    bigint;
    months  reseller_billing.billing_period[];
    m       reseller_billing.billing_period;
    n       int;
    rids    bigint[];
    i       int;
BEGIN
    p_renewed := reseller_billing.renew_due(p_at);
    COMMIT;
    p_invoices := 0;
    SELECT pg_catalog.array_agg(pg.program_id ORDER BY pg.program_id) INTO progs FROM reseller_billing.program pg;
    FOREACH prog IN ARRAY COALESCE(progs, '{}'::bigint[]) LOOP
        SELECT pg_catalog.array_agg(d ORDER BY d) INTO months FROM reseller_billing.months_due(prog, p_at) d;
        FOREACH m IN ARRAY COALESCE(months, '{}'::reseller_billing.billing_period[]) LOOP
            n := 0;
            CALL reseller_billing.close_period_batched(m, prog, 500, p_at, n);
            p_invoices := p_invoices OPERATOR(pg_catalog.+) n;
        END LOOP;
    END LOOP;
    -- order-based resale (section 94): each reseller with orders on credit
    -- gets its statement for the month of p_at, as of the 1st, once (the
    -- first run on or after the 1st writes it; one with nothing to list
    -- gets none)
    SELECT pg_catalog.array_agg(d.reseller_id ORDER BY d.reseller_id), pg_catalog.array_agg(d.period ORDER BY d.reseller_id)
      INTO rids, months
      FROM reseller_billing.statements_due(p_at) d;
    FOR i IN 1 .. COALESCE(pg_catalog.array_length(rids, 1), 0) LOOP
        PERFORM reseller_billing.write_statement(rids[i], months[i], true);
        COMMIT;
    END LOOP;
END $$;
COMMENT ON PROCEDURE reseller_billing.run_due(timestamptz, int, int) IS
    'applies due renewals and trial expiries, closes every ended month not yet closed, then writes the month''s order statements due, committing as it goes; returns renewals and invoices written';

-- schedule_month_end: a daily pg_cron job that calls run_due.
CREATE FUNCTION reseller_billing.schedule_month_end(p_schedule text DEFAULT '15 0 * * *')
    RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    job     bigint;
BEGIN
    IF to_regprocedure('cron.schedule(text,text,text)') IS NULL THEN
        RAISE EXCEPTION 'pg_cron is not installed in this database'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Add pg_cron to shared_preload_libraries, set cron.database_name to this database and CREATE EXTENSION pg_cron; or call run_due() by hand.';
    END IF;
    EXECUTE 'SELECT cron.schedule($1, $2, $3)' INTO job
        USING 'reseller_billing_month_end', p_schedule, 'CALL reseller_billing.run_due()';
    RETURN job;
END $$;
COMMENT ON FUNCTION reseller_billing.schedule_month_end(text) IS
    'registers (or updates) the daily pg_cron job reseller_billing_month_end that runs CALL reseller_billing.run_due(); returns its job id';
