-- ========================================================================
-- 0.3.0: a restore is asked for, not guessed (issue 17 §4)
-- ========================================================================
--
-- 0.2.0's restoring() took any superuser session with
-- check_function_bodies = off for a restore (the SET every pg_dump script
-- starts with), so a superuser session with that setting for any other
-- reason switched every rule trigger off, and each call read pg_roles.
-- Now a restore is the documented procedure only: the superuser-only
-- setting reseller_billing.restore, set for the restoring session
--     PGOPTIONS='-c reseller_billing.restore=on' pg_restore -d target dump
-- and read once per transaction, in C (src/session.c), by the C triggers and
-- by every SQL rule that calls restoring().

CREATE OR REPLACE FUNCTION reseller_billing.restoring() RETURNS bool
    LANGUAGE C STABLE PARALLEL SAFE AS 'MODULE_PATHNAME', 'rb_restoring_sql';
COMMENT ON FUNCTION reseller_billing.restoring() IS
    'true while a superuser session replays a dump with reseller_billing.restore = on (read once per transaction): the rule triggers keep the restored rows as they are';
