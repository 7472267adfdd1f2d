-- ========================================================================
-- 0.3.0: the API refuses bad arguments with its own error (issue 15 §6)
-- ========================================================================
--
-- place_subscription with 0 seats reached the table's CHECK constraint
-- (23514, "violates check constraint subscription_committed_seats_check"),
-- and end_seats with a NULL argument ended nothing and said nothing.  Both
-- refuse now, as add_seats and set_seat_cap do: 22004 for a missing
-- argument, 22023 for a number of seats below 1, naming what was asked.
-- end_seats also refuses a moment outside the years 1900 to 8999 (22008)
-- and a subscription that does not exist (P0002); the rest of the API is
-- 95_api_arguments.sql.

-- place_subscription (a NULL or a number of seats below 1 refused):
-- defined once, in 95_api_arguments_more.sql (the version 0.3.0 installs)

CREATE OR REPLACE FUNCTION reseller_billing.end_seats(p_reseller bigint, p_subscription bigint, p_at timestamptz)
    RETURNS integer
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    n       integer;
BEGIN
    IF p_reseller IS NULL OR p_subscription IS NULL OR p_at IS NULL THEN
        RAISE EXCEPTION 'end_seats needs a reseller, a subscription and a moment'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('Reseller %s, subscription %s, moment %s were given.', coalesce(p_reseller::text, 'NULL'),
                                  coalesce(p_subscription::text, 'NULL'), coalesce(p_at::text, 'NULL'));
    END IF;
    -- (95_api_arguments.sql) a moment in range, an existing subscription
    IF NOT isfinite(p_at) OR p_at < '1900-01-01 00:00+00'::timestamptz OR p_at >= '9000-01-01 00:00+00'::timestamptz THEN
        RAISE EXCEPTION 'the accounts of subscription % of reseller % cannot end at %', p_subscription, p_reseller, p_at
            USING ERRCODE = 'datetime_field_overflow',
                  DETAIL = 'Moments run from 1900-01-01 to 8999-12-31.';
    END IF;
    IF NOT EXISTS (SELECT FROM reseller_billing.subscription s
                    WHERE s.reseller_id = p_reseller AND s.subscription_id = p_subscription) THEN
        RAISE EXCEPTION 'subscription % of reseller % does not exist', p_subscription, p_reseller
            USING ERRCODE = 'no_data_found';
    END IF;
    WITH ended AS (
        UPDATE reseller_billing.seat t SET active_until = GREATEST(p_at, t.active_from)
         WHERE t.reseller_id = p_reseller AND t.subscription_id = p_subscription AND t.active_until IS NULL
        RETURNING 1)
    SELECT count(*)::integer INTO n FROM ended;
    RETURN n;
END $$;
