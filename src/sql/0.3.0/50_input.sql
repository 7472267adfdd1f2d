-- ========================================================================
-- bad input gets its own error (issue 19 §6, §7; doc/subscriptions.md
-- "Bounds")
-- ========================================================================
--
-- The bounds of a subscription and an account (src/input_check.c): dates
-- and moments finite and in the years 1900 to 8999 (22008), at most
-- 1,000,000 committed seats or cap (22003), a user name of at most 320
-- characters (22023).  The triggers are named to fire before every other
-- rule of their table.  A trial is free: no price is listed for it (22023).

CREATE FUNCTION reseller_billing.subscription_input() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_subscription_input' LANGUAGE C;
COMMENT ON FUNCTION reseller_billing.subscription_input() IS
    'trigger: a subscription''s dates in the years 1900 to 8999 (22008), at most 1,000,000 seats or cap (22003)';
CREATE FUNCTION reseller_billing.seat_input() RETURNS trigger
    AS 'MODULE_PATHNAME', 'rb_seat_input' LANGUAGE C;
COMMENT ON FUNCTION reseller_billing.seat_input() IS
    'trigger: an account''s moments finite, in the years 1900 to 8999 (22008); a user name of at most 320 characters (22023)';

CREATE FUNCTION reseller_billing.price_input() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF NEW.plan OPERATOR(reseller_billing.=) 'trial' THEN
        RAISE EXCEPTION 'a trial has no price'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('A price of %s was given on the trial plan.', NEW.list_price),
                  HINT = 'Trials are free; list prices for annual_monthly, annual_prepaid and flexible.';
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION reseller_billing.price_input() IS
    'trigger: no price is listed for the trial plan (22023)';

CREATE TRIGGER subscription_0_input BEFORE INSERT OR UPDATE ON reseller_billing.subscription
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.subscription_input();
CREATE TRIGGER seat_0_input BEFORE INSERT OR UPDATE ON reseller_billing.seat
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.seat_input();
CREATE TRIGGER price_0_input BEFORE INSERT OR UPDATE ON reseller_billing.price
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.price_input();

-- the rules run as the owner (0.2.0, section 98)
ALTER FUNCTION reseller_billing.price_input() SECURITY DEFINER;
REVOKE EXECUTE ON FUNCTION reseller_billing.subscription_input(), reseller_billing.seat_input(),
                           reseller_billing.price_input() FROM PUBLIC;
