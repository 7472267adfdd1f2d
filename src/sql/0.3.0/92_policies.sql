-- ========================================================================
-- 0.3.0: row-level security policies without subqueries (issue 14 §3)
-- ========================================================================
--
-- The policies compared reseller_id with `(SELECT current_reseller())`,
-- `IN (SELECT provider_resellers())` and, on seat, a subquery on
-- subscription: Citus refuses to distribute a table whose policies have
-- subqueries.  They call functions now, which keep their answer for the
-- statement (src/tenant.c: once per statement, as the subqueries were);
-- the rules of who the session acts for are the SQL functions they were
-- (session_tenant, session_tenant_setting, provider_resellers, the
-- customer's own subscriptions under its policy).

CREATE OR REPLACE FUNCTION reseller_billing.current_reseller() RETURNS bigint
    AS 'MODULE_PATHNAME', 'rb_current_reseller' LANGUAGE C STABLE PARALLEL SAFE;
CREATE OR REPLACE FUNCTION reseller_billing.current_customer() RETURNS bigint
    AS 'MODULE_PATHNAME', 'rb_current_customer' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.current_reseller() IS
    'the reseller the session acts for: a bound login''s reseller; for a trusted application, an admin or a superuser the setting reseller_billing.reseller_id; 42501 when a login names a tenant it may not; NULL for nobody';
COMMENT ON FUNCTION reseller_billing.current_customer() IS
    'the end customer a customer portal acts for: a bound login''s customer, else (trusted) the setting reseller_billing.customer_id; 42501 when a login names a customer it may not';

CREATE FUNCTION reseller_billing.provider_reseller_ids() RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'rb_provider_reseller_ids' LANGUAGE C STABLE;
COMMENT ON FUNCTION reseller_billing.provider_reseller_ids() IS
    'the indirect resellers of the current reseller when it is a provider (provider_resellers()), as an array, once per statement: the provider_read policies';
REVOKE EXECUTE ON FUNCTION reseller_billing.provider_reseller_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.provider_reseller_ids() TO reseller_billing_admin, reseller_billing_reseller;

CREATE FUNCTION reseller_billing.customer_subscription_ids() RETURNS bigint[]
    AS 'MODULE_PATHNAME', 'rb_customer_subscription_ids' LANGUAGE C STABLE;
COMMENT ON FUNCTION reseller_billing.customer_subscription_ids() IS
    'the subscriptions of the current customer (as its own policy on subscription shows them), once per statement: the customer_self policy on seat';
REVOKE EXECUTE ON FUNCTION reseller_billing.customer_subscription_ids() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.customer_subscription_ids() TO reseller_billing_admin, reseller_billing_customer;

DO $$
DECLARE
    p       record;
BEGIN
    FOR p IN SELECT tablename, policyname FROM pg_catalog.pg_policies
              WHERE schemaname = 'reseller_billing' ORDER BY tablename, policyname LOOP
        IF p.policyname = 'reseller_own' THEN
            EXECUTE pg_catalog.format('ALTER POLICY reseller_own ON reseller_billing.%I '
                                      'USING (reseller_id = reseller_billing.current_reseller()) '
                                      'WITH CHECK (reseller_id = reseller_billing.current_reseller())', p.tablename);
        ELSIF p.policyname = 'provider_read' THEN
            EXECUTE pg_catalog.format('ALTER POLICY provider_read ON reseller_billing.%I '
                                      'USING (reseller_id = ANY (reseller_billing.provider_reseller_ids()))', p.tablename);
        ELSIF p.policyname = 'customer_self' AND p.tablename = 'seat' THEN
            ALTER POLICY customer_self ON reseller_billing.seat
                USING (reseller_id = reseller_billing.current_reseller()
                       AND subscription_id = ANY (reseller_billing.customer_subscription_ids()));
        ELSIF p.policyname = 'customer_self' THEN
            EXECUTE pg_catalog.format('ALTER POLICY customer_self ON reseller_billing.%I '
                                      'USING (reseller_id = reseller_billing.current_reseller() '
                                      'AND customer_id = reseller_billing.current_customer())', p.tablename);
        END IF;
    END LOOP;
END $$;
