-- ========================================================================
-- 0.3.0: one TRUNCATE guard (issue 17 §3)
-- ========================================================================
--
-- no_truncate() refused TRUNCATE of the financial records, while
-- seat_no_delete() also refused it for seats and subscriptions and
-- migration_no_truncate() for the migration records: three functions for
-- one rule.  no_truncate() is now the only one; a trigger may give it the
-- message, hint and detail that fit its table.  seat_no_delete() refuses
-- the DELETE of a seat, and nothing else.

CREATE OR REPLACE FUNCTION reseller_billing.no_truncate() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    msg     text := coalesce(TG_ARGV[0], format('%s is a financial record and cannot be truncated', reseller_billing.table_name(TG_RELID)));
    hint    text := coalesce(TG_ARGV[1], '');
    detail  text := coalesce(TG_ARGV[2], '');
BEGIN
    IF hint <> '' THEN
        RAISE EXCEPTION '%', msg USING ERRCODE = 'object_not_in_prerequisite_state', HINT = hint;
    ELSIF detail <> '' THEN
        RAISE EXCEPTION '%', msg USING ERRCODE = 'object_not_in_prerequisite_state', DETAIL = detail;
    END IF;
    RAISE EXCEPTION '%', msg USING ERRCODE = 'object_not_in_prerequisite_state';
END $$;
COMMENT ON FUNCTION reseller_billing.no_truncate() IS
    'trigger: refuses TRUNCATE; the trigger''s arguments, if any: the message, a hint, a detail (a hint or a detail)';

CREATE OR REPLACE FUNCTION reseller_billing.seat_no_delete() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'seats are never deleted: they are the record that usage is billed from'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'End an account by setting active_until.';
END $$;
COMMENT ON FUNCTION reseller_billing.seat_no_delete() IS
    'trigger: refuses DELETE of seats';

DROP TRIGGER seat_no_truncate ON reseller_billing.seat;
CREATE TRIGGER seat_no_truncate BEFORE TRUNCATE ON reseller_billing.seat
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate(
        'seats are never deleted: they are the record that usage is billed from',
        'End an account by setting active_until.');
DROP TRIGGER subscription_no_truncate ON reseller_billing.subscription;
CREATE TRIGGER subscription_no_truncate BEFORE TRUNCATE ON reseller_billing.subscription
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate(
        'subscriptions are never truncated: their seats and history are the record that usage is billed from',
        'Cancel a subscription instead.');
DROP TRIGGER migration_no_truncate ON reseller_billing.migration;
CREATE TRIGGER migration_no_truncate BEFORE TRUNCATE ON reseller_billing.migration
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate(
        'the migration records are never truncated', '', 'TRUNCATE of migration is not allowed.');
DROP TRIGGER migration_order_no_truncate ON reseller_billing.migration_order;
CREATE TRIGGER migration_order_no_truncate BEFORE TRUNCATE ON reseller_billing.migration_order
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.no_truncate(
        'the migration records are never truncated', '', 'TRUNCATE of migration_order is not allowed.');
DROP FUNCTION reseller_billing.migration_no_truncate();
