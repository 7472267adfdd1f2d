-- ========================================================================
-- 0.3.0: a record of each scheduled run (issue 18 §3)
-- ========================================================================
--
-- pg_cron's cron.job_run_details shows "CALL reseller_billing.run_due()"
-- and whether it ended well; nothing said what the run did.  run_due now
-- writes a row of run_log when it starts (committed at once, so a run that
-- dies still leaves it), and fills it as it goes: the renewals applied, the
-- months it closed and the invoices they wrote, the statements written,
-- and the errors it caught.  The view scheduled_runs shows them, newest
-- first, with the run's state: finished (with errors, if a statement
-- failed), running (its session is still executing the call), or failed (no
-- finish, and its session has moved on or is gone: the error is in the
-- server log and in cron.job_run_details).
--
-- A statement that fails is caught, recorded and skipped (the rest of the
-- run goes on, and the next run tries it again); a renewal or a close that
-- fails stops the run, as before (renew_due is one transaction; a close
-- commits batch by batch and resumes where it stopped at the next run), and
-- the run shows as failed.

CREATE TABLE reseller_billing.run_log (
    run_id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    clock_at        timestamptz NOT NULL,               -- the moment the run billed up to (its at)
    started_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    finished_at     timestamptz,
    backend_pid     int NOT NULL DEFAULT pg_backend_pid(),
    run_by          text NOT NULL DEFAULT reseller_billing.acting_role(),
    renewed         int NOT NULL DEFAULT 0,
    months_closed   text[] NOT NULL DEFAULT '{}',       -- 'program_code YYYY-MM', in order
    invoices        int NOT NULL DEFAULT 0,
    statements      int NOT NULL DEFAULT 0,
    errors          jsonb NOT NULL DEFAULT '[]'         -- [{"step", "sqlstate", "message"}]
);
COMMENT ON TABLE reseller_billing.run_log IS
    'one row per run_due run: what it billed up to, renewals, months closed, invoices and statements written, errors caught';
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.run_log', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.run_log_run_id_seq', '');

-- whether a run is still going: its session is executing the statement
-- that started it (pg_stat_activity, read with the owner's rights: an
-- admin sees the sessions of pg_cron and of other roles too)
CREATE FUNCTION reseller_billing.run_in_progress(p_pid int, p_started timestamptz) RETURNS bool
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
#variable_conflict use_column
BEGIN
    RETURN (
    SELECT EXISTS (SELECT FROM pg_catalog.pg_stat_activity a
                    WHERE a.pid = p_pid AND a.state = 'active' AND a.query_start <= p_started)
    );
END
$$;
COMMENT ON FUNCTION reseller_billing.run_in_progress(int, timestamptz) IS
    'internal: whether the session of a run_due run is still executing the call that started it';
REVOKE EXECUTE ON FUNCTION reseller_billing.run_in_progress(int, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.run_in_progress(int, timestamptz) TO reseller_billing_admin;

CREATE VIEW reseller_billing.scheduled_runs WITH (security_invoker = true) AS
SELECT l.run_id, l.clock_at, l.started_at, l.finished_at,
       CASE WHEN l.finished_at IS NOT NULL THEN CASE WHEN l.errors = '[]' THEN 'finished' ELSE 'finished with errors' END
            WHEN reseller_billing.run_in_progress(l.backend_pid, l.started_at) THEN 'running'
            ELSE 'failed' END AS state,
       l.finished_at - l.started_at AS took,
       l.renewed, l.months_closed, l.invoices, l.statements,
       jsonb_array_length(l.errors) AS error_count, l.errors, l.run_by
  FROM reseller_billing.run_log l
 ORDER BY l.run_id DESC;
COMMENT ON VIEW reseller_billing.scheduled_runs IS
    'the run_due runs, newest first: finished, finished with errors, running, or failed (no finish and its session gone)';

REVOKE ALL ON reseller_billing.run_log, reseller_billing.scheduled_runs FROM PUBLIC;
GRANT SELECT ON reseller_billing.run_log, reseller_billing.scheduled_runs TO reseller_billing_admin;

-- run_log is written by run_due only; its rows are kept
CREATE TRIGGER run_log_no_truncate BEFORE TRUNCATE ON reseller_billing.run_log
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate('the run log is kept: it is the record of the scheduled runs', '');
