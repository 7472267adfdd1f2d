-- ========================================================================
-- a tenant bound to the login (issue 19 §2; doc/security.md "Logins bound
-- to a tenant")
-- ========================================================================
--
-- Until 0.3.0 the tenant was whatever the session's setting
-- reseller_billing.reseller_id said, so any login in reseller_billing_reseller
-- could name another reseller and act for it.  Now the login decides:
--
--   * a login the admin bound to a reseller (and, for a customer portal, a
--     customer) acts for that tenant alone: current_reseller() and
--     current_customer() are the binding, whatever the setting; a setting
--     naming another tenant is refused (42501);
--   * a login the admin marked a trusted application (a connection pooler
--     or an application server that serves many resellers over one login)
--     names its tenant per transaction with the setting, as before: the
--     application is then responsible for naming the right one;
--   * a superuser or a member of reseller_billing_admin names any tenant;
--   * any other login (unbound, untrusted) acts for nobody: it sees no
--     tenant row, and naming a tenant is refused (42501).
--
-- The login is session_user: SET ROLE cannot change it, and only a
-- superuser can (SET SESSION AUTHORIZATION).

-- tables -------------------------------------------------------------------

CREATE TABLE reseller_billing.tenant_login (
    role_name           text PRIMARY KEY,
    reseller            bigint,
    customer            bigint,
    trusted             boolean NOT NULL DEFAULT false,
    bound_at            timestamptz NOT NULL DEFAULT reseller_billing.clock_now(),
    bound_by            text NOT NULL DEFAULT reseller_billing.acting_role(),
    CHECK (trusted OPERATOR(pg_catalog.<>) (reseller IS NOT NULL)),
    CHECK (customer IS NULL OR reseller IS NOT NULL)
);
COMMENT ON TABLE reseller_billing.tenant_login IS
    'logins bound to a reseller (and customer), or marked trusted applications that name their tenant per transaction';

-- functions ----------------------------------------------------------------

-- session_tenant: how the session's login may name its tenant.
CREATE FUNCTION reseller_billing.session_tenant(OUT kind text, OUT reseller bigint, OUT customer bigint)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    t       reseller_billing.tenant_login;
BEGIN
    SELECT * INTO t FROM reseller_billing.tenant_login l WHERE l.role_name = session_user::text;
    IF FOUND AND NOT t.trusted THEN
        kind := 'bound';
        reseller := t.reseller;
        customer := t.customer;
    ELSIF FOUND OR pg_has_role(session_user, 'reseller_billing_admin', 'MEMBER') THEN
        kind := 'trusted';
    ELSE
        kind := 'unbound';
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.session_tenant() IS
    'internal: the session login''s standing: bound (to its reseller and customer), trusted (names its tenant by the setting) or unbound';

-- session_tenant_setting: the tenant the setting names, when the login may
-- name one.
CREATE FUNCTION reseller_billing.session_tenant_setting(p_setting text, p_bound bigint, p_kind text) RETURNS bigint
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    named   text := nullif(current_setting(p_setting, true), '');
    what    text := replace(split_part(p_setting, '.', 2), '_id', '');
    v       bigint;
BEGIN
    BEGIN
        v := named::bigint;
    EXCEPTION WHEN invalid_text_representation OR numeric_value_out_of_range THEN
        RAISE EXCEPTION 'setting % must be a % id, not "%"', p_setting, what, named
            USING ERRCODE = 'invalid_parameter_value';
    END;
    IF p_kind = 'trusted' THEN
        RETURN v;
    END IF;
    IF v IS NOT NULL AND v IS DISTINCT FROM p_bound THEN
        RAISE EXCEPTION 'login % may not act for % %', session_user, what, v
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = CASE WHEN p_kind = 'bound' AND p_bound IS NOT NULL
                                THEN format('It is bound to %s %s.', what, p_bound)
                                WHEN p_kind = 'bound' THEN 'It is bound to a reseller, without a customer.'
                                ELSE 'It is bound to no tenant and is not a trusted application.' END,
                  HINT = 'An administrator binds a login to its tenant with reseller_billing.bind_login(), or marks a shared application login trusted with reseller_billing.trust_login().';
    END IF;
    RETURN p_bound;
END $$;
COMMENT ON FUNCTION reseller_billing.session_tenant_setting(text, bigint, text) IS
    'internal: the tenant a setting names, checked against the login''s binding (42501)';

-- current_reseller: defined once, in 92_policies.sql (the version 0.3.0 installs)

-- current_customer: defined once, in 92_policies.sql (the version 0.3.0 installs)

-- bind_login: a login acts for one reseller (and one of its customers, for
-- a customer portal) from now on.
CREATE FUNCTION reseller_billing.bind_login(p_role regrole, p_reseller bigint, p_customer bigint DEFAULT NULL)
    RETURNS reseller_billing.tenant_login
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    t       reseller_billing.tenant_login;
    want    text := CASE WHEN p_customer IS NULL THEN 'reseller_billing_reseller' ELSE 'reseller_billing_customer' END;
BEGIN
    PERFORM reseller_billing.clock_assert_admin('bind logins to');
    IF p_role IS NULL OR p_reseller IS NULL THEN
        RAISE EXCEPTION 'bind_login needs a role and a reseller' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT pg_has_role(p_role, want, 'MEMBER') OR pg_has_role(p_role, 'reseller_billing_admin', 'MEMBER') THEN
        RAISE EXCEPTION 'role % cannot be bound to a %', p_role, CASE WHEN p_customer IS NULL THEN 'reseller' ELSE 'customer' END
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('A login bound to a %s is a member of %s and not an administrator.',
                                  CASE WHEN p_customer IS NULL THEN 'reseller' ELSE 'customer' END, want);
    END IF;
    IF NOT EXISTS (SELECT FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller) THEN
        RAISE EXCEPTION 'reseller % does not exist', p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    IF p_customer IS NOT NULL AND NOT EXISTS (SELECT FROM reseller_billing.customer c
                                               WHERE c.reseller_id = p_reseller AND c.customer_id = p_customer) THEN
        RAISE EXCEPTION 'customer % of reseller % does not exist', p_customer, p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    INSERT INTO reseller_billing.tenant_login AS l (role_name, reseller, customer, trusted)
    VALUES (p_role::text, p_reseller, p_customer, false)
    ON CONFLICT (role_name) DO UPDATE
       SET reseller = excluded.reseller, customer = excluded.customer, trusted = false,
           bound_at = excluded.bound_at, bound_by = excluded.bound_by
    RETURNING * INTO t;
    RETURN t;
END $$;
COMMENT ON FUNCTION reseller_billing.bind_login(regrole, bigint, bigint) IS
    'admin: binds a login to its reseller (a reseller application) or to a reseller''s customer (a customer portal)';

-- trust_login: a shared application login names its tenant per transaction.
CREATE FUNCTION reseller_billing.trust_login(p_role regrole) RETURNS reseller_billing.tenant_login
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    t       reseller_billing.tenant_login;
BEGIN
    PERFORM reseller_billing.clock_assert_admin('trust logins in');
    IF p_role IS NULL THEN
        RAISE EXCEPTION 'trust_login needs a role' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    INSERT INTO reseller_billing.tenant_login AS l (role_name, reseller, customer, trusted)
    VALUES (p_role::text, NULL, NULL, true)
    ON CONFLICT (role_name) DO UPDATE
       SET reseller = NULL, customer = NULL, trusted = true, bound_at = excluded.bound_at, bound_by = excluded.bound_by
    RETURNING * INTO t;
    RETURN t;
END $$;
COMMENT ON FUNCTION reseller_billing.trust_login(regrole) IS
    'admin: marks a login a trusted application, which names its tenant with the settings reseller_billing.reseller_id / customer_id';

CREATE FUNCTION reseller_billing.unbind_login(p_role regrole)
 RETURNS boolean
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    IF p_role IS NULL THEN
        RAISE EXCEPTION 'unbind_login needs a role' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM reseller_billing.clock_assert_admin('unbind logins in');
    DELETE FROM reseller_billing.tenant_login l WHERE l.role_name = p_role::text;
    RETURN FOUND;
END $function$;
COMMENT ON FUNCTION reseller_billing.unbind_login(regrole) IS
    'admin: removes a login''s binding or trust; it then acts for nobody';

-- privileges, audit, dump ----------------------------------------------------

REVOKE EXECUTE ON FUNCTION reseller_billing.bind_login(regrole, bigint, bigint), reseller_billing.trust_login(regrole),
                           reseller_billing.unbind_login(regrole) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.bind_login(regrole, bigint, bigint), reseller_billing.trust_login(regrole),
                          reseller_billing.unbind_login(regrole) TO reseller_billing_admin;
REVOKE EXECUTE ON FUNCTION reseller_billing.session_tenant() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.session_tenant()
    TO reseller_billing_admin, reseller_billing_reseller, reseller_billing_customer;
GRANT SELECT ON reseller_billing.tenant_login TO reseller_billing_admin;

SELECT reseller_billing.audit_attach('reseller_billing.tenant_login', ARRAY['role_name']);

SELECT pg_catalog.pg_extension_config_dump('reseller_billing.tenant_login', '');

-- a program's bookkeeping is not a reseller's to read (issue 19 §8): the
-- invoice counters, the months closed and the progress of closes of every
-- program were readable by any reseller application
REVOKE SELECT ON reseller_billing.invoice_counter, reseller_billing.period_close, reseller_billing.close_progress,
                 reseller_billing.close_status
    FROM reseller_billing_reseller, reseller_billing_customer;
