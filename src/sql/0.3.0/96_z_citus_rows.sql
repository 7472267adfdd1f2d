-- ========================================================================
-- 0.3.0: seat_limit() of a whole row on a Citus worker (issue 14;
-- doc/scaling.md, "What does not work on Citus")
-- ========================================================================
--
-- `SELECT seat_limit(s) FROM subscription s` (doc/subscriptions.md) passes
-- the whole row.  On a cluster the query runs on the workers against the
-- shards, where the row has its shard's type (subscription_102008), and
-- seat_limit(subscription) does not take it: 42883 "function
-- reseller_billing.seat_limit(reseller_billing.subscription_…) does not
-- exist".  This overload takes any row (record), accepts only a row of
-- subscription or of one of its shards, reads it as a subscription (same
-- columns, same order) and asks the released seat_limit(subscription): one
-- rule.  On the coordinator and on one node a subscription row still goes to
-- seat_limit(subscription) itself (an exact match is chosen first).

CREATE FUNCTION reseller_billing.seat_limit(p_row record) RETURNS integer
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    t       regtype := pg_typeof(p_row);
    rel     oid;
BEGIN
    SELECT ty.typrelid INTO rel FROM pg_catalog.pg_type ty WHERE ty.oid = t;
    IF rel IS NULL OR rel = 0
       OR (SELECT c.relnamespace FROM pg_catalog.pg_class c WHERE c.oid = rel) <> 'reseller_billing'::regnamespace
       OR reseller_billing.table_name(rel::regclass) <> 'subscription' THEN
        RAISE EXCEPTION 'seat_limit() takes a row of reseller_billing.subscription, not of %', t
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'SELECT seat_limit(s) FROM reseller_billing.subscription s';
    END IF;
    RETURN reseller_billing.seat_limit(p_row::text::reseller_billing.subscription);
END $$;
COMMENT ON FUNCTION reseller_billing.seat_limit(record) IS
    'seat_limit(subscription) of a row of subscription as a Citus worker passes it (its shard''s row type); any other row is refused (22023)';
