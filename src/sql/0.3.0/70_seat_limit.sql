-- ========================================================================
-- the seat counters and limits in C (issue 13; doc/subscriptions.md
-- "Race-freedom")
-- ========================================================================
--
-- 0.2.0 counted accounts with a PL/pgSQL statement trigger over transition
-- tables (seat_count, seat_count_apply).  Now src/seat_limit.c does it:
-- seat_count_row() after each row adds the row's change to its
-- subscription's group; seat_count_statement() after the statement applies
-- the groups in key order, locking each subscription row, checking its limit
-- and moving its counter once.  The errors are the same: SQLSTATE, message,
-- detail and hint.

CREATE FUNCTION reseller_billing.seat_count_row() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_seat_count_row' LANGUAGE C;
COMMENT ON FUNCTION reseller_billing.seat_count_row() IS
    'trigger (AFTER each seat row): adds the row''s change to its subscription''s group for the statement';
CREATE FUNCTION reseller_billing.seat_count_statement() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_seat_count_apply' LANGUAGE C
    SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;
COMMENT ON FUNCTION reseller_billing.seat_count_statement() IS
    'trigger (AFTER each seat statement): in key order, locks each subscription, checks its limit (committed seats, cap, status, trial end, no future moment) and moves its counter';
REVOKE EXECUTE ON FUNCTION reseller_billing.seat_count_row(), reseller_billing.seat_count_statement() FROM PUBLIC;

DROP TRIGGER seat_count_insert ON reseller_billing.seat;
DROP TRIGGER seat_count_update ON reseller_billing.seat;
DROP FUNCTION reseller_billing.seat_count();
DROP FUNCTION reseller_billing.seat_count_apply(bigint, bigint, int);

CREATE TRIGGER seat_count_row AFTER INSERT OR UPDATE ON reseller_billing.seat
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.seat_count_row();
CREATE TRIGGER seat_count_insert AFTER INSERT ON reseller_billing.seat
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.seat_count_statement();
CREATE TRIGGER seat_count_update AFTER UPDATE ON reseller_billing.seat
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.seat_count_statement();
