-- ========================================================================
-- the billing clock (issue 12; doc/clock.md)
-- ========================================================================
--
-- Every rule that needs "now" reads reseller_billing.clock_now(): the
-- transaction's time, unless an administrator has frozen the clock of the
-- database.  A frozen clock only moves forward, by advance_clock(), which
-- runs every daily job due in between (run_due: renewals and trial
-- expiries, month-end closes, order statements with their late interest)
-- day by day, as the pg_cron job would have.  The audit log records the
-- wall time and the clock time of every change; clock_status says whether
-- the clock of this database has ever been moved.
--
-- The only direct reads of the wall clock left are bookkeeping: the wall
-- time of the audit log and of clock moves, and the progress of a close
-- run (close_progress).  test/pgtap/080_clock.sql scans the catalog for
-- any other.

-- tables -------------------------------------------------------------------

-- clock: no row until the clock is first frozen.  frozen: the clock stands
-- at "at".  Thawed: it follows the transaction time but never reads
-- earlier than "at", the last moment it stood at.
CREATE TABLE reseller_billing.clock (
    one                 boolean PRIMARY KEY DEFAULT true CHECK (one),
    frozen              boolean NOT NULL,
    at                  timestamptz NOT NULL CHECK (pg_catalog.isfinite(at))
);
COMMENT ON TABLE reseller_billing.clock IS
    'the billing clock of this database: no row, the transaction time; frozen, the moment "at"; thawed, the transaction time but never before "at"';

-- clock_move: every freeze, advance and thaw, with the wall time, who, and
-- what the jobs of an advance did.
CREATE TABLE reseller_billing.clock_move (
    move_id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    action              text NOT NULL CHECK (action IN ('freeze', 'advance', 'thaw')),
    clock_from          timestamptz NOT NULL,
    clock_to            timestamptz NOT NULL,
    reached             timestamptz NOT NULL,
    days_run            int NOT NULL DEFAULT 0,
    renewed             int NOT NULL DEFAULT 0,
    invoices            int NOT NULL DEFAULT 0,
    wall_started        timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    wall_finished       timestamptz,
    moved_by            text NOT NULL DEFAULT reseller_billing.acting_role(),
    CHECK (clock_to OPERATOR(pg_catalog.>=) clock_from OR action OPERATOR(pg_catalog.=) 'freeze')
);
COMMENT ON TABLE reseller_billing.clock_move IS
    'each move of the billing clock: freeze, advance (days whose jobs ran, renewals, invoices) or thaw, with the wall time and the acting role';

-- functions ----------------------------------------------------------------

CREATE FUNCTION reseller_billing.clock_now() RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'rb_clock_now' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION reseller_billing.clock_now() IS
    'the billing clock: the transaction''s time unless an administrator froze the clock (freeze_clock, advance_clock); never moves backwards';

CREATE FUNCTION reseller_billing.clock_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_clock_changed' LANGUAGE C;
COMMENT ON FUNCTION reseller_billing.clock_changed() IS
    'trigger: a change of the clock row is seen by clock_now() at once in the transaction that made it';

-- clock_guard: the clock row only moves forward and is never removed.
CREATE FUNCTION reseller_billing.clock_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.at >= OLD.at THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'the billing clock cannot move backwards'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It reads %s; %s is earlier.', OLD.at, NEW.at);
    END IF;
    RAISE EXCEPTION 'the billing clock cannot be removed: % refused', TG_OP
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'thaw_clock() lets it follow the transaction time again.';
END $$;
COMMENT ON FUNCTION reseller_billing.clock_guard() IS
    'trigger: the clock row never moves backwards (22023) and is never deleted or truncated (55000)';

-- clock_assert_admin: only a superuser or reseller_billing_admin moves the
-- clock of a database.
CREATE FUNCTION reseller_billing.clock_assert_admin(p_what text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    who     text := reseller_billing.acting_role();
BEGIN
    IF NOT pg_has_role(who, 'reseller_billing_admin', 'MEMBER') THEN
        RAISE EXCEPTION 'role % may not % the billing clock', who, p_what
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'Only a superuser or a member of reseller_billing_admin moves the clock of a database.';
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.clock_assert_admin(text) IS
    'internal: 42501 unless the acting role is a superuser or a member of reseller_billing_admin';

-- clock_assert_moment: a moment the clock can stand at.
CREATE FUNCTION reseller_billing.clock_assert_moment(p_at timestamptz, p_what text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF p_at IS NULL THEN
        RAISE EXCEPTION '% needs a moment', p_what USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT isfinite(p_at) THEN
        RAISE EXCEPTION '% needs a finite moment, not %', p_what, p_at USING ERRCODE = 'invalid_parameter_value';
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.clock_assert_moment(timestamptz, text) IS
    'internal: 22004 for a null moment, 22023 for an infinite one';

-- clock_latest_change: the clock time of the latest change in the audit
-- log, NULL when nothing is recorded.
CREATE FUNCTION reseller_billing.clock_latest_change(OUT clock_at timestamptz, OUT table_name text, OUT audit_id bigint)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
#variable_conflict use_column
BEGIN
    SELECT q.* INTO clock_at, table_name, audit_id
      FROM (
    SELECT a.clock_at, a.table_name, a.audit_id FROM reseller_billing.audit_log a
     ORDER BY a.clock_at DESC, a.audit_id DESC LIMIT 1
           ) q;
END
$$;
COMMENT ON FUNCTION reseller_billing.clock_latest_change() IS
    'internal: the latest change recorded in the audit log (its clock time, table and audit id)';

-- freeze_clock: the clock stands at p_at from now on.  Refused when it is
-- frozen already (advance_clock moves it), when p_at is before a change
-- already recorded, or before a moment the clock has read.  Nothing due in
-- between runs: a freeze sets the scene, an advance plays it.
CREATE FUNCTION reseller_billing.freeze_clock(p_at timestamptz) RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    c       reseller_billing.clock;
    latest  record;
    was     timestamptz;
BEGIN
    PERFORM reseller_billing.clock_assert_admin('freeze');
    PERFORM reseller_billing.clock_assert_moment(p_at, 'freeze_clock');
    -- one freeze or advance at a time, and no change recorded while we look
    LOCK TABLE reseller_billing.clock IN SHARE ROW EXCLUSIVE MODE;
    LOCK TABLE reseller_billing.audit_log IN SHARE MODE;
    SELECT * INTO c FROM reseller_billing.clock;
    was := reseller_billing.clock_now();
    IF c.frozen THEN
        RAISE EXCEPTION 'the billing clock is frozen already, at %', c.at
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Freezing it at %s was asked.', p_at),
                  HINT = 'advance_clock() moves a frozen clock forward; thaw_clock() lets it run again.';
    END IF;
    IF c.at IS NOT NULL AND p_at < c.at THEN
        RAISE EXCEPTION 'the billing clock cannot move backwards from % to %', c.at, p_at
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The clock stood at %s before it was thawed.', c.at);
    END IF;
    SELECT * INTO latest FROM reseller_billing.clock_latest_change();
    IF latest.clock_at IS NOT NULL AND p_at < latest.clock_at THEN
        RAISE EXCEPTION 'the billing clock cannot be frozen at %: a change is recorded at %', p_at, latest.clock_at
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('The latest change recorded is audit_log %s (%s) at clock time %s.',
                                  latest.audit_id, latest.table_name, latest.clock_at),
                  HINT = 'Freeze the clock of a database before its history is entered, or at a later moment.';
    END IF;
    INSERT INTO reseller_billing.clock (frozen, at) VALUES (true, p_at)
        ON CONFLICT (one) DO UPDATE SET frozen = true, at = excluded.at;
    INSERT INTO reseller_billing.clock_move (action, clock_from, clock_to, reached, wall_finished)
    VALUES ('freeze', was, p_at, p_at, clock_timestamp());
    RETURN p_at;
END $$;
COMMENT ON FUNCTION reseller_billing.freeze_clock(timestamptz) IS
    'admin: stops the billing clock of this database at a moment (not before a change already recorded); returns it';

-- thaw_clock: the clock follows the transaction time again, never earlier
-- than the moment it stood at.
CREATE FUNCTION reseller_billing.thaw_clock() RETURNS timestamptz
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    c       reseller_billing.clock;
BEGIN
    PERFORM reseller_billing.clock_assert_admin('thaw');
    LOCK TABLE reseller_billing.clock IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO c FROM reseller_billing.clock;
    IF NOT coalesce(c.frozen, false) THEN
        RAISE EXCEPTION 'the billing clock is not frozen'
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    UPDATE reseller_billing.clock SET frozen = false;
    INSERT INTO reseller_billing.clock_move (action, clock_from, clock_to, reached, wall_finished)
    VALUES ('thaw', c.at, reseller_billing.clock_now(), reseller_billing.clock_now(), clock_timestamp());
    RETURN reseller_billing.clock_now();
END $$;
COMMENT ON FUNCTION reseller_billing.thaw_clock() IS
    'admin: the frozen billing clock follows the transaction time again, but never reads earlier than where it stood; returns the clock';

-- clock_daily_at: the time of day (UTC, as pg_cron 1.4 runs) at which the
-- daily job runs: that of the scheduled reseller_billing_month_end job when
-- its schedule is a plain "M H * * *", else the default 00:15.
CREATE FUNCTION reseller_billing.clock_daily_at() RETURNS time
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    sched   text;
    m       text[];
BEGIN
    IF to_regclass('cron.job') IS NOT NULL THEN
        BEGIN
            EXECUTE 'SELECT schedule FROM cron.job WHERE jobname = $1 AND database = current_database() LIMIT 1'
               INTO sched USING 'reseller_billing_month_end';
        EXCEPTION WHEN insufficient_privilege THEN
            sched := NULL;
        END;
        m := regexp_match(coalesce(sched, ''), '^\s*([0-9]{1,2})\s+([0-9]{1,2})\s+\*\s+\*\s+\*\s*$');
        IF m IS NOT NULL AND m[1]::int < 60 AND m[2]::int < 24 THEN
            RETURN make_time(m[2]::int, m[1]::int, 0);
        END IF;
    END IF;
    RETURN time '00:15';
END $$;
COMMENT ON FUNCTION reseller_billing.clock_daily_at() IS
    'internal: the UTC time of day the daily job runs at (the pg_cron job''s, when a plain daily schedule, else 00:15)';

-- clock_advance_begin: the checks of advance_clock and its record.  Returns
-- the move and the first daily run after the clock's moment.
CREATE FUNCTION reseller_billing.clock_advance_begin(p_to timestamptz, OUT move_id bigint, OUT first_run timestamptz,
                                                     OUT daily_at time)
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    c       reseller_billing.clock;
BEGIN
    PERFORM reseller_billing.clock_assert_admin('advance');
    PERFORM reseller_billing.clock_assert_moment(p_to, 'advance_clock');
    LOCK TABLE reseller_billing.clock IN SHARE ROW EXCLUSIVE MODE;
    SELECT * INTO c FROM reseller_billing.clock;
    IF NOT coalesce(c.frozen, false) THEN
        RAISE EXCEPTION 'the billing clock is not frozen'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It follows the transaction time (%s); advancing to %s was asked.',
                                  reseller_billing.clock_now(), p_to),
                  HINT = 'freeze_clock() first: only a frozen clock is moved by hand.';
    END IF;
    IF p_to < c.at THEN
        RAISE EXCEPTION 'the billing clock cannot move backwards from % to %', c.at, p_to
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'The clock only moves forward.';
    END IF;
    IF p_to > c.at + interval '10 years' THEN
        RAISE EXCEPTION 'advancing the billing clock from % to % is more than 10 years at once', c.at, p_to
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Advance in steps of at most 10 years.';
    END IF;
    daily_at := reseller_billing.clock_daily_at();
    first_run := (((c.at AT TIME ZONE 'UTC')::date + daily_at) AT TIME ZONE 'UTC');
    IF first_run <= c.at THEN
        first_run := first_run + interval '24 hours';
    END IF;
    INSERT INTO reseller_billing.clock_move (action, clock_from, clock_to, reached)
    VALUES ('advance', c.at, p_to, c.at)
    RETURNING clock_move.move_id INTO move_id;
END $$;
COMMENT ON FUNCTION reseller_billing.clock_advance_begin(timestamptz) IS
    'internal: checks an advance of the clock (42501, 22004, 22023, 55000), records it, returns its first daily run';

-- clock_advance_step: the clock of an advance moves to p_at (a daily run,
-- or the end), unless another session moved it meanwhile.
CREATE FUNCTION reseller_billing.clock_advance_step(p_move bigint, p_at timestamptz, p_renewed int DEFAULT 0,
                                                    p_invoices int DEFAULT 0, p_days int DEFAULT 0)
    RETURNS void
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    c       reseller_billing.clock;
    wall    timestamptz;
BEGIN
    PERFORM reseller_billing.clock_assert_admin('advance');
    SELECT * INTO c FROM reseller_billing.clock FOR UPDATE;
    IF NOT coalesce(c.frozen, false) OR c.at > p_at THEN
        RAISE EXCEPTION 'the billing clock was moved by another session during an advance'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Advance %s was to move it to %s; it is %s at %s.', p_move, p_at,
                                  CASE WHEN c.frozen THEN 'frozen' ELSE 'thawed' END, c.at);
    END IF;
    UPDATE reseller_billing.clock SET at = p_at;
    wall := clock_timestamp();      -- read first: Citus refuses it in an UPDATE
    UPDATE reseller_billing.clock_move m
       SET reached = p_at, days_run = m.days_run + p_days, renewed = m.renewed + p_renewed,
           invoices = m.invoices + p_invoices,
           wall_finished = CASE WHEN p_at = m.clock_to AND p_days = 0 THEN wall END
     WHERE m.move_id = p_move;
END $$;
COMMENT ON FUNCTION reseller_billing.clock_advance_step(bigint, timestamptz, int, int, int) IS
    'internal: moves the clock of an advance to a moment and counts what the day''s jobs did';

-- advance_clock: moves the frozen clock forward to p_to.  At each daily run
-- in between (00:15 UTC, or the pg_cron job's time) the clock stands at
-- that moment and CALL run_due() runs, committed day by day as the daily
-- job would be; then the clock stands at p_to.  A procedure, because
-- run_due commits: CALL it outside a transaction block.
CREATE PROCEDURE reseller_billing.advance_clock(p_to timestamptz)
    LANGUAGE plpgsql AS $$
DECLARE
    mv      bigint;
    moment  timestamptz;
    r       int;
    n       int;
BEGIN
    SELECT b.move_id, b.first_run INTO mv, moment FROM reseller_billing.clock_advance_begin(p_to) b;
    COMMIT;
    WHILE moment OPERATOR(pg_catalog.<=) p_to LOOP
        PERFORM reseller_billing.clock_advance_step(mv, moment);
        COMMIT;
        r := 0;
        n := 0;
        CALL reseller_billing.run_due(moment, r, n);
        PERFORM reseller_billing.clock_advance_step(mv, moment, r, n, 1);
        COMMIT;
        moment := moment OPERATOR(pg_catalog.+) interval '24 hours';
    END LOOP;
    PERFORM reseller_billing.clock_advance_step(mv, p_to);
    COMMIT;
END $$;
COMMENT ON PROCEDURE reseller_billing.advance_clock(timestamptz) IS
    'admin: moves the frozen billing clock forward to a moment, running the daily jobs (run_due) of every day in between in date order';

-- triggers -----------------------------------------------------------------

CREATE TRIGGER clock_changed AFTER INSERT OR UPDATE OR DELETE ON reseller_billing.clock
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.clock_changed();
CREATE TRIGGER clock_guard BEFORE UPDATE OR DELETE ON reseller_billing.clock
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.clock_guard();
CREATE TRIGGER clock_no_truncate BEFORE TRUNCATE ON reseller_billing.clock
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.clock_guard();

-- views --------------------------------------------------------------------

CREATE VIEW reseller_billing.clock_status WITH (security_invoker = true) AS
SELECT reseller_billing.clock_now() AS clock_now,
       now() AS wall_now,
       coalesce(c.frozen, false) AS frozen,
       EXISTS (SELECT FROM reseller_billing.clock_move) AS moved,
       reseller_billing.clock_now() OPERATOR(pg_catalog.-) now() AS ahead_of_wall,
       (SELECT min(m.wall_started) FROM reseller_billing.clock_move m) AS first_moved_at,
       (SELECT max(m.wall_started) FROM reseller_billing.clock_move m) AS last_moved_at,
       (SELECT count(*) FROM reseller_billing.clock_move m) AS moves
  FROM (SELECT) one LEFT JOIN reseller_billing.clock c ON true;
COMMENT ON VIEW reseller_billing.clock_status IS
    'the billing clock of this database: its reading and the wall clock''s, frozen or not, and whether it has ever been moved (moved: its history is simulated)';

-- the audit log: the clock time of every change, beside the wall time --------

ALTER TABLE reseller_billing.audit_log ADD COLUMN clock_at timestamptz;
ALTER TABLE reseller_billing.audit_log DISABLE TRIGGER audit_log_guard;
UPDATE reseller_billing.audit_log SET clock_at = logged_at;   -- until now the rules read the wall clock
ALTER TABLE reseller_billing.audit_log ENABLE TRIGGER audit_log_guard;
ALTER TABLE reseller_billing.audit_log ALTER COLUMN clock_at SET DEFAULT reseller_billing.clock_now(),
                                       ALTER COLUMN clock_at SET NOT NULL;
COMMENT ON COLUMN reseller_billing.audit_log.logged_at IS 'wall time: the transaction''s start';
COMMENT ON COLUMN reseller_billing.audit_log.clock_at IS 'the billing clock''s time of the change (clock_now())';

-- every "when" column of the rules' tables: the clock's time --------------

ALTER TABLE reseller_billing.channel_invitation ALTER COLUMN invited_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.channel_invoice ALTER COLUMN created_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.channel_order ALTER COLUMN placed_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.charge ALTER COLUMN created_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.commitment_tranche ALTER COLUMN recorded_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.credit ALTER COLUMN granted_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.credit_note ALTER COLUMN issued_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.customer ALTER COLUMN created_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.customer_contact ALTER COLUMN created_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.customer_relationship ALTER COLUMN accepted_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.flex_term ALTER COLUMN recorded_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.invoice ALTER COLUMN created_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.late_change ALTER COLUMN recorded_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.licence ALTER COLUMN issued_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.licence_order ALTER COLUMN placed_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.migration ALTER COLUMN recorded_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.order_payment_allocation ALTER COLUMN allocated_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.order_statement ALTER COLUMN created_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.payment ALTER COLUMN recorded_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.payment_allocation ALTER COLUMN allocated_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.period_close ALTER COLUMN closed_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.program ALTER COLUMN created_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.provider_partnership ALTER COLUMN accepted_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.reseller ALTER COLUMN created_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.seat ALTER COLUMN active_from SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.subscription ALTER COLUMN created_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.subscription_change ALTER COLUMN changed_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.tax_exemption_certificate ALTER COLUMN created_at SET DEFAULT reseller_billing.clock_now();
ALTER TABLE reseller_billing.us_sales_tax_rate ALTER COLUMN created_at SET DEFAULT reseller_billing.clock_now();

-- the views of "today": the clock's day --------------------------------------

CREATE OR REPLACE VIEW reseller_billing.receivables_aging WITH (security_invoker = true) AS
SELECT * FROM reseller_billing.receivables_aging_at((reseller_billing.clock_now())::date);
COMMENT ON VIEW reseller_billing.receivables_aging IS
    'amounts owed on the billing clock''s day by days past due: current, 1-30, 31-60, 61-90, over 90';

CREATE OR REPLACE VIEW reseller_billing.direct_bill_below_threshold WITH (security_invoker = true) AS
SELECT s.program_code, s.reseller_id, s.reseller_name, s.tier, s.currency, s.revenue, s.threshold, s.shortfall
  FROM reseller_billing.direct_bill_standing((reseller_billing.clock_now())::date) s
 WHERE NOT s.eligible;

-- privileges, dump ------------------------------------------------------------

REVOKE EXECUTE ON FUNCTION reseller_billing.freeze_clock(timestamptz), reseller_billing.thaw_clock(),
                           reseller_billing.clock_advance_begin(timestamptz),
                           reseller_billing.clock_advance_step(bigint, timestamptz, int, int, int),
                           reseller_billing.clock_latest_change(), reseller_billing.clock_changed(),
                           reseller_billing.clock_guard()
    FROM PUBLIC;
REVOKE EXECUTE ON PROCEDURE reseller_billing.advance_clock(timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.freeze_clock(timestamptz), reseller_billing.thaw_clock(),
                          reseller_billing.clock_advance_begin(timestamptz),
                          reseller_billing.clock_advance_step(bigint, timestamptz, int, int, int)
    TO reseller_billing_admin;
GRANT EXECUTE ON PROCEDURE reseller_billing.advance_clock(timestamptz) TO reseller_billing_admin;
-- clock_now() reads the clock row with the caller's rights: everyone reads
-- it; the history of its moves is the back office's and the resellers'
GRANT SELECT ON reseller_billing.clock TO PUBLIC;
GRANT SELECT ON reseller_billing.clock_move, reseller_billing.clock_status
   TO reseller_billing_admin, reseller_billing_reseller;

SELECT pg_catalog.pg_extension_config_dump('reseller_billing.clock', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.clock_move', '');
SELECT pg_catalog.pg_extension_config_dump('reseller_billing.clock_move_move_id_seq', '');
