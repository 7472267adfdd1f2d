-- ========================================================================
-- the seat counters and limits in C (issue 13; doc/subscriptions.md
-- "Race-freedom")
-- ========================================================================
--
-- 0.2.0 counted accounts with a PL/pgSQL statement trigger over transition
-- tables (seat_count, seat_count_apply).  Now src/seat_limit.c does it:
-- seat_count_row() after each row adds the row's change to its
-- subscription's group; seat_count_statement() after the statement applies
-- the groups in key order, locking each subscription row and checking its
-- limit against the counter and what the transaction added before.  The
-- counter is written once per transaction, when it commits, by the deferred
-- constraint trigger seat_count_commit; an UPDATE of the subscription in
-- between takes the pending count into its row (seat_count_fold).  The
-- errors are the same: SQLSTATE, message, detail and hint.

CREATE FUNCTION reseller_billing.seat_count_row() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_seat_count_row' LANGUAGE C;
COMMENT ON FUNCTION reseller_billing.seat_count_row() IS
    'trigger (AFTER each seat row): adds the row''s change to its subscription''s group for the statement';
CREATE FUNCTION reseller_billing.seat_count_statement() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_seat_count_apply' LANGUAGE C
    SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;
COMMENT ON FUNCTION reseller_billing.seat_count_statement() IS
    'trigger (AFTER each seat statement): in key order, locks each subscription, checks its limit (committed seats, cap, status, trial end, no future moment) and moves its counter';
CREATE FUNCTION reseller_billing.seat_count_commit() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_seat_count_commit' LANGUAGE C
    SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;
COMMENT ON FUNCTION reseller_billing.seat_count_commit() IS
    'trigger (deferred, AFTER the first seat row of a transaction): at commit, writes the transaction''s pending seat counts, one UPDATE per reseller';
CREATE FUNCTION reseller_billing.seat_count_fold() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_seat_count_fold' LANGUAGE C;
COMMENT ON FUNCTION reseller_billing.seat_count_fold() IS
    'trigger (BEFORE UPDATE of a subscription): takes the transaction''s pending seat count into the new row';
REVOKE EXECUTE ON FUNCTION reseller_billing.seat_count_row(), reseller_billing.seat_count_statement(),
                           reseller_billing.seat_count_commit(), reseller_billing.seat_count_fold() FROM PUBLIC;

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
-- one deferred event per transaction, not one per row: the WHEN is true for
-- the transaction's first seat row (and the first after the event fired, at
-- SET CONSTRAINTS ... IMMEDIATE); an aborted subtransaction's event is
-- queued again by the next row.  It is executable by everyone who writes
-- seats; called by hand it can only make the caller's transaction fail at
-- commit, never leave a counter unwritten.
CREATE FUNCTION reseller_billing.seat_commit_queue() RETURNS bool
    AS 'MODULE_PATHNAME', 'rb_seat_commit_queue' LANGUAGE C VOLATILE;
COMMENT ON FUNCTION reseller_billing.seat_commit_queue() IS
    'internal (the WHEN of the seat_count_commit trigger): true for the first seat row of a transaction, so one event writes its counters at commit';
CREATE CONSTRAINT TRIGGER seat_count_commit AFTER INSERT OR UPDATE ON reseller_billing.seat
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW WHEN (reseller_billing.seat_commit_queue())
    EXECUTE FUNCTION reseller_billing.seat_count_commit();
CREATE TRIGGER subscription_0_count BEFORE UPDATE ON reseller_billing.subscription
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.seat_count_fold();

-- what the transaction has added to a counter and not written yet; the
-- subscription row the API functions lock and check counts it
CREATE FUNCTION reseller_billing.seat_count_pending(bigint, bigint) RETURNS int
    AS 'MODULE_PATHNAME', 'rb_seat_count_pending' LANGUAGE C STABLE STRICT PARALLEL RESTRICTED;
COMMENT ON FUNCTION reseller_billing.seat_count_pending(bigint, bigint) IS
    'the accounts this transaction added to (removed from) a subscription''s counter that are written when it commits';
-- lock_subscription: defined once, in 95_api_arguments.sql (the version 0.3.0 installs)
COMMENT ON FUNCTION reseller_billing.lock_subscription(bigint, bigint) IS
    'the subscription row, locked against concurrent changes, its active_seats counting this transaction''s pending accounts; no_data_found when it does not exist';
