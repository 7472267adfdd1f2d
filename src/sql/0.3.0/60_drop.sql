-- ========================================================================
-- what DROP EXTENSION takes with it (issue 19 §5; doc/security.md
-- "Dropping the extension")
-- ========================================================================
--
-- Before the drop (src/drop_guard.c): the daily pg_cron job of this
-- database is unscheduled, and a warning says the audit log goes with the
-- extension and how to keep it.

CREATE FUNCTION reseller_billing.drop_extension_guard() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'rb_drop_extension_guard' LANGUAGE C;
COMMENT ON FUNCTION reseller_billing.drop_extension_guard() IS
    'event trigger: before DROP EXTENSION reseller_billing, unschedules its pg_cron job and warns that the audit log is erased';
REVOKE EXECUTE ON FUNCTION reseller_billing.drop_extension_guard() FROM PUBLIC;

CREATE EVENT TRIGGER reseller_billing_drop_guard ON ddl_command_start
    WHEN TAG IN ('DROP EXTENSION')
    EXECUTE FUNCTION reseller_billing.drop_extension_guard();
