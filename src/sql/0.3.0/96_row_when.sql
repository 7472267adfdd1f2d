-- 96_row_when.sql: the CSP order check runs only for subscriptions of a CSP
-- program (issue 13).  subscription_channel_row() (PL/pgSQL) looked up the
-- program of every new subscription to find that most are not CSP; the
-- trigger's WHEN now asks reseller_in_csp() (C, src/late_change.c: the
-- program looked up once per statement and reseller), so a subscription of
-- any other program runs no PL/pgSQL.  The rule itself is unchanged.
CREATE FUNCTION reseller_billing.reseller_in_csp(p_reseller bigint) RETURNS bool
    AS 'MODULE_PATHNAME', 'rb_reseller_in_csp'
    LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp;
COMMENT ON FUNCTION reseller_billing.reseller_in_csp(bigint) IS
    'internal (the WHEN of the subscription_channel_check trigger): whether the reseller''s program is a CSP program (settings "csp": true); false for an unknown reseller';
REVOKE EXECUTE ON FUNCTION reseller_billing.reseller_in_csp(bigint) FROM PUBLIC;
-- who may insert subscriptions evaluates the trigger's WHEN
GRANT EXECUTE ON FUNCTION reseller_billing.reseller_in_csp(bigint) TO reseller_billing_admin;

DROP TRIGGER subscription_channel_check ON reseller_billing.subscription;
CREATE TRIGGER subscription_channel_check AFTER INSERT ON reseller_billing.subscription
    FOR EACH ROW WHEN (reseller_billing.reseller_in_csp(new.reseller_id))
    EXECUTE FUNCTION reseller_billing.subscription_channel_row();
