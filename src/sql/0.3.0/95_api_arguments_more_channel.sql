-- ========================================================================
-- 0.3.0: the API refuses bad arguments with its own error, part 3: the CSP
-- channel (issue 15 §6; parts 1 and 2 are 95_api_arguments_more.sql and
-- 95_api_arguments_more_orders.sql; a provider's functions are
-- 96_providers_api.sql and 96_channel_tax.sql, with their checks)
-- ========================================================================
--
-- As in part 1: a missing id is 22004 (arg_required, 04_arguments.sql), an
-- id that does not exist stays P0002, a partner in the wrong tier or state
-- 42501/55000.  For good arguments each function does what it did.

-- the channel (doc/channel.md): every id given (22004); an id that does not
-- exist stays P0002, a partner in the wrong tier or state 42501/55000

-- invite_reseller: a NULL provider or reseller is 22004
CREATE OR REPLACE FUNCTION reseller_billing.invite_reseller(p_provider bigint, p_reseller bigint)
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    PERFORM reseller_billing.arg_required('invite_reseller', 'p_provider', 'a provider', p_provider);
    PERFORM reseller_billing.arg_required('invite_reseller', 'p_reseller', 'a reseller to invite', p_reseller);
    PERFORM reseller_billing.assert_acting_for(p_provider, 'invite a reseller');
    RETURN reseller_billing.invite_reseller_unchecked(p_provider, p_reseller);
END $function$;

-- invite_customer: a NULL reseller or customer is 22004
CREATE OR REPLACE FUNCTION reseller_billing.invite_customer(p_reseller bigint, p_customer bigint)
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    PERFORM reseller_billing.arg_required('invite_customer', 'p_reseller', 'a reseller', p_reseller);
    PERFORM reseller_billing.arg_required('invite_customer', 'p_customer', 'a customer to invite', p_customer);
    PERFORM reseller_billing.assert_acting_for(p_reseller, 'invite a customer');
    RETURN reseller_billing.invite_customer_unchecked(p_reseller, p_customer);
END $function$;

-- accept_invitation: a NULL reseller or invitation is 22004
CREATE OR REPLACE FUNCTION reseller_billing.accept_invitation(p_reseller bigint, p_invitation bigint)
 RETURNS reseller_billing.channel_invitation
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    inv     reseller_billing.channel_invitation;
BEGIN
    PERFORM reseller_billing.arg_required('accept_invitation', 'p_reseller', 'a reseller', p_reseller);
    PERFORM reseller_billing.arg_required('accept_invitation', 'p_invitation', 'an invitation', p_invitation);
    SELECT * INTO inv FROM reseller_billing.channel_invitation i
     WHERE i.reseller_id OPERATOR(pg_catalog.=) p_reseller AND i.invitation_id OPERATOR(pg_catalog.=) p_invitation;
    -- a customer accepts its own invitation from its portal
    IF NOT (inv.kind = 'customer'
            AND pg_catalog.pg_has_role(reseller_billing.acting_role(), 'reseller_billing_customer', 'MEMBER')
            AND reseller_billing.current_reseller() OPERATOR(pg_catalog.=) p_reseller
            AND reseller_billing.current_customer() OPERATOR(pg_catalog.=) inv.customer_id) THEN
        PERFORM reseller_billing.assert_acting_for(p_reseller, 'accept an invitation');
    END IF;
    SELECT * INTO inv FROM reseller_billing.accept_invitation_unchecked(p_reseller, p_invitation);
    RETURN inv;
END $function$;

-- revoke_invitation: a NULL partner, reseller or invitation is 22004
CREATE OR REPLACE FUNCTION reseller_billing.revoke_invitation(p_actor bigint, p_reseller bigint, p_invitation bigint)
 RETURNS reseller_billing.channel_invitation
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    inv     reseller_billing.channel_invitation;
BEGIN
    PERFORM reseller_billing.arg_required('revoke_invitation', 'p_actor', 'the partner who revokes', p_actor);
    PERFORM reseller_billing.arg_required('revoke_invitation', 'p_reseller', 'a reseller', p_reseller);
    PERFORM reseller_billing.arg_required('revoke_invitation', 'p_invitation', 'an invitation', p_invitation);
    PERFORM reseller_billing.assert_acting_for(p_actor, 'revoke an invitation');
    SELECT * INTO inv FROM reseller_billing.revoke_invitation_unchecked(p_actor, p_reseller, p_invitation);
    RETURN inv;
END $function$;

-- transition_to_indirect: a NULL reseller is 22004
CREATE OR REPLACE FUNCTION reseller_billing.transition_to_indirect(p_reseller bigint)
 RETURNS timestamp with time zone
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    rs      record;
    cp      reseller_billing.channel_partner;
BEGIN
    PERFORM reseller_billing.arg_required('transition_to_indirect', 'p_reseller', 'a reseller', p_reseller);
    PERFORM 1 FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller FOR NO KEY UPDATE;
    SELECT * INTO rs FROM reseller_billing.channel_reseller(p_reseller);
    IF rs.tier = 'indirect_reseller' THEN
        RAISE EXCEPTION 'reseller % is an indirect reseller already', p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state';
    ELSIF rs.tier <> 'direct' THEN
        RAISE EXCEPTION 'reseller % is %, not a direct-bill partner, and cannot enrol as an indirect reseller', p_reseller, rs.tier
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A provider bills indirect resellers; it does not become one.';
    END IF;
    INSERT INTO reseller_billing.channel_partner AS c (reseller_id, transition_started_at)
    VALUES (p_reseller, reseller_billing.clock_now())
    ON CONFLICT (reseller_id) DO UPDATE
       SET transition_started_at = coalesce(c.transition_started_at, EXCLUDED.transition_started_at)
    RETURNING * INTO cp;
    RETURN cp.transition_started_at;
END $function$;

-- complete_transition: a NULL reseller is 22004
CREATE OR REPLACE FUNCTION reseller_billing.complete_transition(p_reseller bigint)
 RETURNS timestamp with time zone
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    rs      record;
    done    timestamptz;
BEGIN
    PERFORM reseller_billing.arg_required('complete_transition', 'p_reseller', 'a reseller', p_reseller);
    PERFORM 1 FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller FOR NO KEY UPDATE;
    SELECT * INTO rs FROM reseller_billing.channel_reseller(p_reseller);
    IF rs.tier = 'indirect_reseller' THEN
        SELECT c.transition_completed_at INTO done FROM reseller_billing.channel_partner c WHERE c.reseller_id = p_reseller;
        RAISE EXCEPTION 'reseller % is an indirect reseller already', p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = coalesce(format('Its transition completed at %s.', done), 'It was created as an indirect reseller.');
    END IF;
    UPDATE reseller_billing.reseller r SET tier = 'indirect_reseller' WHERE r.reseller_id = p_reseller;
    SELECT c.transition_completed_at INTO done FROM reseller_billing.channel_partner c WHERE c.reseller_id = p_reseller;
    RETURN done;
END $function$;

-- cancel_transition: a NULL reseller is 22004
CREATE OR REPLACE FUNCTION reseller_billing.cancel_transition(p_reseller bigint)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    cp      reseller_billing.channel_partner;
BEGIN
    PERFORM reseller_billing.arg_required('cancel_transition', 'p_reseller', 'a reseller', p_reseller);
    PERFORM 1 FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller FOR NO KEY UPDATE;
    PERFORM reseller_billing.channel_reseller(p_reseller);
    SELECT * INTO cp FROM reseller_billing.channel_partner c WHERE c.reseller_id = p_reseller;
    IF cp.transition_completed_at IS NOT NULL THEN
        RAISE EXCEPTION 'reseller % completed its move to indirect resale and cannot roll it back', p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('The transition completed at %s; the move is one-way.', cp.transition_completed_at);
    END IF;
    IF cp.transition_started_at IS NULL THEN
        RAISE EXCEPTION 'reseller % has no transition to cancel', p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    UPDATE reseller_billing.channel_partner c SET transition_started_at = NULL WHERE c.reseller_id = p_reseller;
END $function$;

-- set_direct_access: a NULL reseller is 22004 (a NULL flag is false, as before)
CREATE OR REPLACE FUNCTION reseller_billing.set_direct_access(p_reseller bigint, p_programmatic boolean, p_sandbox boolean)
 RETURNS reseller_billing.channel_partner
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    cp      reseller_billing.channel_partner;
BEGIN
    PERFORM reseller_billing.arg_required('set_direct_access', 'p_reseller', 'a reseller', p_reseller);
    PERFORM reseller_billing.channel_reseller(p_reseller);
    INSERT INTO reseller_billing.channel_partner AS c (reseller_id, programmatic_access, sandbox_access)
    VALUES (p_reseller, coalesce(p_programmatic, false), coalesce(p_sandbox, false))
    ON CONFLICT (reseller_id) DO UPDATE
       SET programmatic_access = EXCLUDED.programmatic_access, sandbox_access = EXCLUDED.sandbox_access
    RETURNING * INTO cp;
    RETURN cp;
END $function$;

-- direct_bill_threshold: a NULL program is 22004
CREATE OR REPLACE FUNCTION reseller_billing.direct_bill_threshold(p_program bigint)
 RETURNS reseller_billing.amount
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg      reseller_billing.program;
    t       reseller_billing.amount;
BEGIN
    PERFORM reseller_billing.arg_required('direct_bill_threshold', 'p_program', 'a program', p_program);
    SELECT * INTO pg FROM reseller_billing.program p WHERE p.program_id = p_program;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'program % does not exist', p_program USING ERRCODE = 'no_data_found';
    END IF;
    IF pg.settings ? 'direct_bill_threshold' THEN
        t := (pg.settings ->> 'direct_bill_threshold')::reseller_billing.amount;
    ELSIF pg.currency = 'USD' THEN
        t := reseller_billing.amount(300000, 'USD');
    ELSE
        RAISE EXCEPTION 'program "%" has no direct_bill_threshold setting', pg.code
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The default, USD 300000.00, is not in the program''s currency %s.', pg.currency),
                  HINT = 'Set settings.direct_bill_threshold to an amount, e.g. ''EUR 275000.00''.';
    END IF;
    IF reseller_billing.currency(t) <> pg.currency THEN
        RAISE EXCEPTION 'direct_bill_threshold of program "%" must be in the program''s currency %', pg.code, pg.currency
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The setting is %s.', t);
    END IF;
    RETURN t;
END $function$;

-- place_subscription_check: the arguments of an order, for both
-- place_subscription functions (this one and the one through a named
-- provider, 96_providers_api.sql): a NULL partner, reseller, customer or
-- SKU is 22004 (before the seats and the plan, as 91_api_arguments.sql
-- checks them), NULL seats or plan 22004, fewer than one seat 22023
CREATE FUNCTION reseller_billing.place_subscription_check(p_actor bigint, p_reseller bigint, p_customer bigint,
                                                          p_sku bigint, p_seats integer, p_plan reseller_billing.plan_kind)
    RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    PERFORM reseller_billing.arg_required('place_subscription', 'p_actor', 'the partner who orders', p_actor);
    PERFORM reseller_billing.arg_required('place_subscription', 'p_reseller', 'a reseller', p_reseller);
    PERFORM reseller_billing.arg_required('place_subscription', 'p_customer', 'a customer', p_customer);
    PERFORM reseller_billing.arg_required('place_subscription', 'p_sku', 'a SKU', p_sku);
    IF p_seats IS NULL OR p_plan IS NULL THEN
        RAISE EXCEPTION 'an order for customer % of reseller % needs a number of seats and a plan', p_customer, p_reseller
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('The seats given are %s and the plan %s.', coalesce(p_seats::text, 'NULL'),
                                  coalesce(p_plan::text, 'NULL'));
    END IF;
    IF p_seats < 1 THEN
        RAISE EXCEPTION 'an order for customer % of reseller % must be for a positive number of seats', p_customer, p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s seats were asked for.', p_seats),
                  HINT = 'A CSP subscription commits to at least one seat.';
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.place_subscription_check(bigint, bigint, bigint, bigint, integer, reseller_billing.plan_kind) IS
    'internal: the argument checks of an order of place_subscription (both of them): ids given (22004), seats and plan given (22004), at least one seat (22023)';

-- place_subscription: its arguments checked (place_subscription_check)
CREATE OR REPLACE FUNCTION reseller_billing.place_subscription(p_actor bigint, p_reseller bigint, p_customer bigint, p_sku bigint, p_seats integer, p_plan reseller_billing.plan_kind DEFAULT 'annual_monthly'::reseller_billing.plan_kind, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    PERFORM reseller_billing.place_subscription_check(p_actor, p_reseller, p_customer, p_sku, p_seats, p_plan);
    PERFORM reseller_billing.assert_acting_for(p_actor, 'place a subscription');
    RETURN reseller_billing.place_subscription_unchecked(p_actor, p_reseller, p_customer, p_sku, p_seats, p_plan, p_at);
END $function$;
