-- ========================================================================
-- 0.3.0: an indirect reseller with more than one provider, the API (issue 15
-- §2; doc/channel.md, "Several providers")
-- ========================================================================
--
-- Split out of 96_providers.sql (issue 17: no install file much over 600
-- lines), which adds the tables' columns and the rule of who a subscription
-- runs through (multiple_providers, channel_reseller,
-- subscription_provider_on, active_providers).  Here what a provider and a
-- reseller do with it: the partnerships (invite_reseller_unchecked,
-- accept_invitation_unchecked, end_partnership) and the orders
-- (place_subscription through a provider, the plain INSERT's check,
-- move_subscription_provider), each API function with its argument checks
-- (the shared ones of 04_arguments.sql).

-- functions: relationships ------------------------------------------------------

-- provider_tier_check: a reseller works through a provider only as an
-- indirect reseller, or while it moves to that tier (transition_to_indirect);
-- 55000 otherwise (invite_reseller and accept_invitation)
CREATE FUNCTION reseller_billing.provider_tier_check(p_reseller bigint, p_tier text, p_transitioning bool) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF NOT (p_tier = 'indirect_reseller' OR p_transitioning) THEN
        RAISE EXCEPTION 'reseller % is % and cannot work through a provider', p_reseller, p_tier
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'A direct-bill partner enrols as an indirect reseller first, with transition_to_indirect.';
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.provider_tier_check(bigint, text, bool) IS
    'internal (invite_reseller, accept_invitation): refuses (55000) a reseller that is not an indirect reseller nor moving to that tier';

CREATE OR REPLACE FUNCTION reseller_billing.invite_reseller_unchecked(p_provider bigint, p_reseller bigint)
    RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    pv      record;
    rs      record;
    pp      reseller_billing.provider_partnership;
    id      bigint;
BEGIN
    SELECT * INTO pv FROM reseller_billing.channel_reseller(p_provider);
    SELECT * INTO rs FROM reseller_billing.channel_reseller(p_reseller);
    IF pv.tier <> 'indirect_provider' THEN
        RAISE EXCEPTION 'reseller % is not an indirect provider and cannot invite resellers', p_provider
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Reseller %s is %s.', p_provider, pv.tier);
    END IF;
    IF pv.program_id <> rs.program_id THEN
        RAISE EXCEPTION 'provider % and reseller % are in different programs', p_provider, p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('The provider is in program "%s", the reseller in "%s".', pv.program_code, rs.program_code);
    END IF;
    PERFORM reseller_billing.provider_tier_check(p_reseller, rs.tier, rs.transitioning);
    SELECT * INTO pp FROM reseller_billing.provider_partnership p
     WHERE p.reseller_id = p_reseller AND p.provider_id = p_provider;
    IF FOUND THEN
        RAISE EXCEPTION 'reseller % already works with provider %', p_reseller, p_provider
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = CASE WHEN pp.ended_at IS NULL THEN 'A provider and a reseller have one partnership.'
                                ELSE format('Their partnership ended at %s; it is not renewed.', pp.ended_at) END;
    END IF;
    IF rs.provider_id IS NOT NULL AND NOT reseller_billing.multiple_providers(rs.program_id) THEN
        RAISE EXCEPTION 'reseller % already works with provider %', p_reseller, rs.provider_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'An indirect reseller works with one provider.';
    END IF;
    SELECT i.invitation_id INTO id FROM reseller_billing.channel_invitation i
     WHERE i.reseller_id = p_reseller AND i.provider_id = p_provider AND i.kind = 'reseller' AND i.status = 'pending';
    IF FOUND THEN
        RETURN id;                              -- invited already: the same invitation
    END IF;
    INSERT INTO reseller_billing.channel_invitation (reseller_id, kind, provider_id)
    VALUES (p_reseller, 'reseller', p_provider)
    ON CONFLICT (reseller_id, provider_id) WHERE kind = 'reseller' AND status = 'pending' DO NOTHING
    RETURNING invitation_id INTO id;
    IF id IS NULL THEN                          -- a concurrent call invited it
        SELECT i.invitation_id INTO id FROM reseller_billing.channel_invitation i
         WHERE i.reseller_id = p_reseller AND i.provider_id = p_provider AND i.kind = 'reseller' AND i.status = 'pending';
    END IF;
    RETURN id;
END $$;

-- accept_invitation: as 23_clock_channel.sql's, with several providers in a
-- program that allows them (one partnership per provider and reseller)
CREATE OR REPLACE FUNCTION reseller_billing.accept_invitation_unchecked(p_reseller bigint, p_invitation bigint)
 RETURNS reseller_billing.channel_invitation
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    inv     reseller_billing.channel_invitation;
    rs      record;
BEGIN
    PERFORM 1 FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller FOR NO KEY UPDATE;
    SELECT * INTO inv FROM reseller_billing.channel_invitation i
     WHERE i.reseller_id = p_reseller AND i.invitation_id = p_invitation
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invitation % of reseller % does not exist', p_invitation, p_reseller
            USING ERRCODE = 'no_data_found';
    END IF;
    IF inv.status <> 'pending' THEN
        RAISE EXCEPTION 'invitation % of reseller % is % and cannot be accepted', p_invitation, p_reseller, inv.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was %s at %s.', inv.status, inv.responded_at);
    END IF;
    SELECT * INTO rs FROM reseller_billing.channel_reseller(p_reseller);
    IF inv.kind = 'reseller' THEN
        IF EXISTS (SELECT FROM reseller_billing.provider_partnership p
                    WHERE p.reseller_id = p_reseller AND p.provider_id = inv.provider_id) THEN
            RAISE EXCEPTION 'reseller % already works with provider % and cannot accept its invitation again',
                    p_reseller, inv.provider_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'A provider and a reseller have one partnership.';
        END IF;
        IF rs.provider_id IS NOT NULL AND NOT reseller_billing.multiple_providers(rs.program_id) THEN
            RAISE EXCEPTION 'reseller % already works with provider % and cannot accept the invitation of provider %',
                    p_reseller, rs.provider_id, inv.provider_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'An indirect reseller works with one provider.';
        END IF;
        PERFORM reseller_billing.provider_tier_check(p_reseller, rs.tier, rs.transitioning);
        INSERT INTO reseller_billing.provider_partnership (reseller_id, provider_id, invitation_id)
        VALUES (p_reseller, inv.provider_id, p_invitation);
    ELSE
        IF rs.tier = 'indirect_reseller' AND rs.provider_id IS NULL THEN
            RAISE EXCEPTION 'indirect reseller % has no provider and cannot bring in customer %', p_reseller, inv.customer_id
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        IF EXISTS (SELECT FROM reseller_billing.customer_relationship cr
                    WHERE cr.reseller_id = p_reseller AND cr.customer_id = inv.customer_id) THEN
            RAISE EXCEPTION 'customer % of reseller % already has its relationship', inv.customer_id, p_reseller
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        INSERT INTO reseller_billing.customer_relationship (reseller_id, customer_id, provider_id, invitation_id)
        VALUES (p_reseller, inv.customer_id, CASE WHEN rs.tier = 'indirect_reseller' THEN rs.provider_id END,
                p_invitation);
    END IF;
    UPDATE reseller_billing.channel_invitation i SET status = 'accepted', responded_at = reseller_billing.clock_now()
     WHERE i.reseller_id = p_reseller AND i.invitation_id = p_invitation
    RETURNING * INTO inv;
    RETURN inv;
END $function$;

-- end_partnership: a partnership ends at p_at (now or earlier, not before an
-- order placed through it)
CREATE FUNCTION reseller_billing.end_partnership_unchecked(p_provider bigint, p_reseller bigint, p_at timestamptz)
    RETURNS reseller_billing.provider_partnership
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    rs      record;
    pp      reseller_billing.provider_partnership;
    o       reseller_billing.channel_order;
BEGIN
    IF p_provider IS NULL OR p_reseller IS NULL OR p_at IS NULL THEN
        RAISE EXCEPTION 'ending a partnership needs the provider, the reseller and the moment'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('Provider %s, reseller %s, moment %s were given.', coalesce(p_provider::text, 'NULL'),
                                  coalesce(p_reseller::text, 'NULL'), coalesce(p_at::text, 'NULL'));
    END IF;
    SELECT * INTO rs FROM reseller_billing.channel_reseller(p_reseller);
    SELECT * INTO pp FROM reseller_billing.provider_partnership p
     WHERE p.reseller_id = p_reseller AND p.provider_id = p_provider
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'provider % has no partnership with reseller %', p_provider, p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Reseller %s works with %s.', p_reseller,
                                  coalesce((SELECT 'provider ' || string_agg(p.provider_id::text, ', provider ' ORDER BY p.provider_id)
                                              FROM reseller_billing.provider_partnership p WHERE p.reseller_id = p_reseller),
                                           'no provider'));
    END IF;
    IF pp.ended_at IS NOT NULL THEN
        RAISE EXCEPTION 'the partnership of provider % and reseller % has ended already', p_provider, p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It ended at %s.', pp.ended_at);
    END IF;
    IF p_at > reseller_billing.clock_now() THEN
        RAISE EXCEPTION 'the partnership of provider % and reseller % ends now or at an earlier moment, not at %',
                p_provider, p_reseller, p_at
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Now is %s.', reseller_billing.clock_now());
    END IF;
    SELECT c.* INTO o FROM reseller_billing.channel_order c
     WHERE c.reseller_id = p_reseller AND c.placed_at >= p_at
       AND reseller_billing.subscription_provider_on(c.reseller_id, c.subscription_id,
                                                     reseller_billing.program_date(p_reseller, c.placed_at)) = p_provider
     ORDER BY c.placed_at LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'the partnership of provider % and reseller % cannot end at %: subscription % was placed through it at %',
                p_provider, p_reseller, p_at, o.subscription_id, o.placed_at
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'End it after the last order placed through it.';
    END IF;
    UPDATE reseller_billing.provider_partnership p SET ended_at = p_at
     WHERE p.reseller_id = p_reseller AND p.provider_id = p_provider
    RETURNING * INTO pp;
    RETURN pp;
END $$;
COMMENT ON FUNCTION reseller_billing.end_partnership_unchecked(bigint, bigint, timestamptz) IS
    'internal: end_partnership without the check of who acts';
REVOKE EXECUTE ON FUNCTION reseller_billing.end_partnership_unchecked(bigint, bigint, timestamptz) FROM PUBLIC;

CREATE FUNCTION reseller_billing.end_partnership(p_provider bigint, p_reseller bigint,
                                                 p_at timestamptz DEFAULT reseller_billing.clock_now())
    RETURNS reseller_billing.provider_partnership
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    -- a moment outside the years 1900 to 8999 is 22008 (NULLs are 22004 in
    -- end_partnership_unchecked)
    PERFORM reseller_billing.arg_moment(format('the partnership of provider %s and reseller %s cannot end at %s',
                                               p_provider, p_reseller, p_at), p_at);
    -- either side ends it
    BEGIN
        PERFORM reseller_billing.assert_acting_for(p_reseller, 'end a partnership');
    EXCEPTION WHEN insufficient_privilege THEN
        PERFORM reseller_billing.assert_acting_for(p_provider, 'end a partnership');
    END;
    RETURN reseller_billing.end_partnership_unchecked(p_provider, p_reseller, p_at);
END $$;
COMMENT ON FUNCTION reseller_billing.end_partnership(bigint, bigint, timestamptz) IS
    'the provider or the reseller ends their partnership at a moment: no new orders through it; what runs through it stays billed by it to its term''s end; see doc/channel.md';
REVOKE EXECUTE ON FUNCTION reseller_billing.end_partnership(bigint, bigint, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.end_partnership(bigint, bigint, timestamptz)
    TO reseller_billing_admin, reseller_billing_reseller;

-- functions: orders -------------------------------------------------------------

-- order_provider: the provider an order of p_reseller runs through: the
-- provider who orders (p_actor, which names no other), else the one named
-- (p_provider), else the reseller's only active one (none when the reseller
-- has no provider); refused when it is not, or no longer, a partner
-- (22023, 55000), or when the reseller has several and none is named (55000)
CREATE FUNCTION reseller_billing.order_provider(p_actor bigint, p_reseller bigint, p_customer bigint, p_provider bigint,
                                                p_at timestamptz, p_known bigint[], p_active bigint[]) RETURNS bigint
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    prov    bigint;
BEGIN
    IF p_actor <> p_reseller THEN
        IF p_provider IS NOT NULL AND p_provider <> p_actor THEN
            RAISE EXCEPTION 'provider % orders for reseller % through itself, not through provider %', p_actor, p_reseller, p_provider
                USING ERRCODE = 'invalid_parameter_value';
        END IF;
        prov := p_actor;
    ELSE
        prov := p_provider;
    END IF;
    IF prov IS NOT NULL AND NOT prov = ANY (p_known) THEN
        RAISE EXCEPTION 'reseller % has no partnership with provider % and cannot place orders through it', p_reseller, prov
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Its providers: %s.', coalesce(nullif(array_to_string(p_known, ', '), ''), 'none'));
    END IF;
    IF prov IS NOT NULL AND NOT prov = ANY (p_active) THEN
        RAISE EXCEPTION 'the partnership of provider % and reseller % has ended: no new orders through it', prov, p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It ended at %s; the order is for %s.',
                                  (SELECT p.ended_at FROM reseller_billing.provider_partnership p
                                    WHERE p.reseller_id = p_reseller AND p.provider_id = prov), p_at),
                  HINT = CASE WHEN cardinality(p_active) > 0
                              THEN 'Place it through ' || array_to_string(p_active, ' or ') || '.' END;
    END IF;
    IF prov IS NULL AND cardinality(p_known) > 0 THEN
        IF cardinality(p_active) = 0 THEN
            RAISE EXCEPTION 'reseller % has no provider it may place orders through', p_reseller
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('Its partnerships with %s have ended.', array_to_string(p_known, ', '));
        ELSIF cardinality(p_active) > 1 THEN
            RAISE EXCEPTION 'reseller % works with several providers: the order for customer % must name one', p_reseller, p_customer
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('Its providers: %s.', array_to_string(p_active, ', ')),
                      HINT = 'Pass the provider as place_subscription''s eighth argument (p_provider).';
        END IF;
        prov := p_active[1];
    END IF;
    RETURN prov;
END $$;
COMMENT ON FUNCTION reseller_billing.order_provider(bigint, bigint, bigint, bigint, timestamptz, bigint[], bigint[]) IS
    'internal (place_subscription_unchecked): the provider an order runs through (the ordering provider, the named one, else the reseller''s only active one), refused when not or no longer a partner (22023, 55000) or not named among several (55000)';

-- place_subscription_unchecked with the provider the order runs through
-- (NULL: the provider who orders, else the reseller's only active one)
CREATE FUNCTION reseller_billing.place_subscription_unchecked(p_actor bigint, p_reseller bigint, p_customer bigint,
        p_sku bigint, p_seats integer, p_plan reseller_billing.plan_kind, p_at timestamptz, p_provider bigint)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
 SET "reseller_billing.effective_at" TO ''
 SET "reseller_billing.action" TO ''
 SET "reseller_billing.reason" TO ''
 SET "reseller_billing.channel_provider" TO ''
AS $function$
DECLARE
    rs      record;
    rel     reseller_billing.customer_relationship;
    multi   bool;
    known   bigint[];
    active  bigint[];
    prov    bigint;
    id      bigint;
BEGIN
    SELECT * INTO rs FROM reseller_billing.channel_reseller(p_reseller);
    SELECT * INTO rel FROM reseller_billing.customer_relationship cr
     WHERE cr.reseller_id = p_reseller AND cr.customer_id = p_customer
       FOR KEY SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'partner % may not place orders for customer % of reseller %', p_actor, p_customer, p_reseller
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Customer %s has no accepted relationship with reseller %s.', p_customer, p_reseller),
                  HINT = 'The reseller invites the customer (invite_customer) and the customer accepts (accept_invitation).';
    END IF;
    multi := reseller_billing.multiple_providers(rs.program_id);
    -- the partnerships, locked against their end (end_partnership) until this order commits
    SELECT coalesce(array_agg(p.provider_id ORDER BY p.provider_id), '{}') INTO known
      FROM (SELECT p.provider_id FROM reseller_billing.provider_partnership p
             WHERE p.reseller_id = p_reseller ORDER BY p.provider_id FOR SHARE) p;
    active := reseller_billing.active_providers(p_reseller, p_at);
    IF NOT multi THEN
        IF p_actor IS NULL OR p_actor NOT IN (rel.reseller_id, coalesce(rel.provider_id, rel.reseller_id)) THEN
            RAISE EXCEPTION 'partner % may not place orders for customer % of reseller %', p_actor, p_customer, p_reseller
                USING ERRCODE = 'insufficient_privilege',
                      DETAIL = format('Orders for customer %s are placed by reseller %s%s.', p_customer, p_reseller,
                                      coalesce(' or its provider ' || rel.provider_id, ''));
        END IF;
    ELSIF p_actor IS NULL OR NOT (p_actor = p_reseller OR p_actor = ANY (known)) THEN
        RAISE EXCEPTION 'partner % may not place orders for customer % of reseller %', p_actor, p_customer, p_reseller
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Orders for customer %s are placed by reseller %s%s.', p_customer, p_reseller,
                                  CASE WHEN cardinality(active) > 0
                                       THEN ' or one of its providers ' || array_to_string(active, ', ') ELSE '' END);
    END IF;
    -- the provider the order runs through
    prov := reseller_billing.order_provider(p_actor, p_reseller, p_customer, p_provider, p_at, known, active);
    IF p_actor = prov OR p_provider IS NOT NULL THEN
        -- the provider bills the reseller for it: its price list must have the SKU
        PERFORM reseller_billing.provider_price_on(prov, p_sku, p_plan, reseller_billing.program_date(p_reseller, p_at));
    END IF;
    PERFORM reseller_billing.set_context(p_at, '', format('ordered by partner %s', p_actor));
    PERFORM reseller_billing.set_local('reseller_billing.channel_provider', coalesce(prov::text, ''));
    INSERT INTO reseller_billing.subscription (reseller_id, customer_id, sku_id, plan, committed_seats, seat_cap)
    VALUES (p_reseller, p_customer, p_sku, p_plan, p_seats,
            CASE WHEN NOT reseller_billing.is_annual(p_plan) THEN p_seats END)
    RETURNING subscription_id INTO id;
    PERFORM reseller_billing.set_local('reseller_billing.channel_provider', '');
    INSERT INTO reseller_billing.channel_order (reseller_id, subscription_id, placed_by, placed_at, provider_id)
    VALUES (p_reseller, id, p_actor, p_at, prov);
    RETURN id;
END $function$;
COMMENT ON FUNCTION reseller_billing.place_subscription_unchecked(bigint, bigint, bigint, bigint, integer, reseller_billing.plan_kind, timestamptz, bigint) IS
    'internal: place_subscription through a named provider, without the check of who acts';
REVOKE EXECUTE ON FUNCTION reseller_billing.place_subscription_unchecked(bigint, bigint, bigint, bigint, integer, reseller_billing.plan_kind, timestamptz, bigint) FROM PUBLIC;

CREATE OR REPLACE FUNCTION reseller_billing.place_subscription_unchecked(p_actor bigint, p_reseller bigint, p_customer bigint, p_sku bigint, p_seats integer, p_plan reseller_billing.plan_kind DEFAULT 'annual_monthly'::reseller_billing.plan_kind, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    RETURN reseller_billing.place_subscription_unchecked(p_actor, p_reseller, p_customer, p_sku, p_seats, p_plan, p_at,
                                                         NULL::bigint);
END $function$;

-- place_subscription through a named provider (the arguments of the
-- seven-argument one, all given, and the provider): the seven-argument
-- one's checks (place_subscription_check, 95_api_arguments_more_channel.sql),
-- and a NULL moment is 22004 (a NULL provider is the default one)
CREATE FUNCTION reseller_billing.place_subscription(p_actor bigint, p_reseller bigint, p_customer bigint, p_sku bigint,
        p_seats integer, p_plan reseller_billing.plan_kind, p_at timestamptz, p_provider bigint)
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    PERFORM reseller_billing.place_subscription_check(p_actor, p_reseller, p_customer, p_sku, p_seats, p_plan);
    IF p_at IS NULL THEN
        RAISE EXCEPTION 'an order for customer % of reseller % needs the moment it takes effect', p_customer, p_reseller
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM reseller_billing.assert_acting_for(p_actor, 'place a subscription');
    RETURN reseller_billing.place_subscription_unchecked(p_actor, p_reseller, p_customer, p_sku, p_seats, p_plan, p_at,
                                                         p_provider);
END $function$;
COMMENT ON FUNCTION reseller_billing.place_subscription(bigint, bigint, bigint, bigint, integer, reseller_billing.plan_kind, timestamptz, bigint) IS
    'an order for a CSP customer placed through provider p_provider of the reseller; see doc/channel.md';
REVOKE EXECUTE ON FUNCTION reseller_billing.place_subscription(bigint, bigint, bigint, bigint, integer, reseller_billing.plan_kind, timestamptz, bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.place_subscription(bigint, bigint, bigint, bigint, integer, reseller_billing.plan_kind, timestamptz, bigint)
    TO reseller_billing_admin, reseller_billing_reseller;

-- a plain INSERT is the reseller's own order: through its only active
-- provider; with several (or none left) it cannot say which, and is refused.
-- That rule is part of the CSP order check, subscription_channel_row
-- (75_row_rules.sql), written once there.

-- move_subscription_provider: at renewal, a subscription moves to another of
-- the reseller's providers, which bills it from the renewal date on
CREATE FUNCTION reseller_billing.move_subscription_provider_unchecked(p_reseller bigint, p_subscription bigint,
                                                                     p_provider bigint, p_at timestamptz)
    RETURNS reseller_billing.channel_order
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    rs      record;
    s       reseller_billing.subscription;
    pp      reseller_billing.provider_partnership;
    o       reseller_billing.channel_order;
    d       date;
    prev    bigint;
BEGIN
    IF p_reseller IS NULL OR p_subscription IS NULL OR p_provider IS NULL OR p_at IS NULL THEN
        RAISE EXCEPTION 'moving a subscription needs the reseller, the subscription, the provider and the moment'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('Reseller %s, subscription %s, provider %s, moment %s were given.',
                                  coalesce(p_reseller::text, 'NULL'), coalesce(p_subscription::text, 'NULL'),
                                  coalesce(p_provider::text, 'NULL'), coalesce(p_at::text, 'NULL'));
    END IF;
    SELECT * INTO rs FROM reseller_billing.channel_reseller(p_reseller);
    s := reseller_billing.lock_subscription(p_reseller, p_subscription);
    IF p_at > reseller_billing.clock_now() THEN
        RAISE EXCEPTION 'subscription % of reseller % moves now or at an earlier moment, not at %', p_subscription, p_reseller, p_at
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    SELECT * INTO pp FROM reseller_billing.provider_partnership p
     WHERE p.reseller_id = p_reseller AND p.provider_id = p_provider
       FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'reseller % has no partnership with provider % and cannot move subscription % to it',
                p_reseller, p_provider, p_subscription
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pp.ended_at IS NOT NULL AND pp.ended_at <= p_at THEN
        RAISE EXCEPTION 'the partnership of provider % and reseller % has ended: no new orders through it', p_provider, p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It ended at %s.', pp.ended_at);
    END IF;
    IF s.status NOT IN ('active', 'trial') OR s.term_start IS NULL OR s.term_end IS NULL THEN
        RAISE EXCEPTION 'subscription % of reseller % has no term to renew and cannot move to another provider', p_subscription, p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It is %s on the %s plan.', s.status, s.plan);
    END IF;
    d := reseller_billing.program_date(p_reseller, p_at);
    IF d <> s.term_start AND d <> s.term_end THEN
        RAISE EXCEPTION 'subscription % of reseller % can move to another provider only at renewal', p_subscription, p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its term runs from %s to %s; %s is mid-term.', s.term_start, s.term_end, d),
                  HINT = format('Move it on %s, its renewal date.', s.term_end);
    END IF;
    -- the new provider bills the term from d: its price list must have the SKU
    PERFORM reseller_billing.provider_price_on(p_provider, s.sku_id, s.plan, d);
    prev := reseller_billing.subscription_provider_on(p_reseller, p_subscription, d - 1);
    SELECT * INTO o FROM reseller_billing.channel_order c
     WHERE c.reseller_id = p_reseller AND c.subscription_id = p_subscription FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO reseller_billing.channel_order AS c
               (reseller_id, subscription_id, placed_by, placed_at, provider_id, provider_from, previous_provider_id)
        VALUES (p_reseller, p_subscription, p_reseller, s.created_at, p_provider, d, prev)
        RETURNING * INTO o;
    ELSIF o.provider_from = d THEN
        UPDATE reseller_billing.channel_order c SET provider_id = p_provider
         WHERE c.reseller_id = p_reseller AND c.subscription_id = p_subscription
        RETURNING * INTO o;
    ELSE
        UPDATE reseller_billing.channel_order c
           SET provider_id = p_provider, provider_from = d, previous_provider_id = prev
         WHERE c.reseller_id = p_reseller AND c.subscription_id = p_subscription
        RETURNING * INTO o;
    END IF;
    RETURN o;
END $$;
COMMENT ON FUNCTION reseller_billing.move_subscription_provider_unchecked(bigint, bigint, bigint, timestamptz) IS
    'internal: move_subscription_provider without the check of who acts';
REVOKE EXECUTE ON FUNCTION reseller_billing.move_subscription_provider_unchecked(bigint, bigint, bigint, timestamptz) FROM PUBLIC;

CREATE FUNCTION reseller_billing.move_subscription_provider(p_reseller bigint, p_subscription bigint, p_provider bigint,
                                                            p_at timestamptz DEFAULT reseller_billing.clock_now())
    RETURNS reseller_billing.channel_order
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    -- a moment outside the years 1900 to 8999 is 22008 (NULLs are 22004 in
    -- move_subscription_provider_unchecked)
    PERFORM reseller_billing.arg_moment(format('subscription %s of reseller %s cannot move to provider %s at %s',
                                               p_subscription, p_reseller, p_provider, p_at), p_at);
    PERFORM reseller_billing.assert_acting_for(p_reseller, 'move a subscription to another provider');
    RETURN reseller_billing.move_subscription_provider_unchecked(p_reseller, p_subscription, p_provider, p_at);
END $$;
COMMENT ON FUNCTION reseller_billing.move_subscription_provider(bigint, bigint, bigint, timestamptz) IS
    'at renewal, the reseller moves a subscription to another of its providers, which bills it from the renewal date; 55000 mid-term; see doc/channel.md';
REVOKE EXECUTE ON FUNCTION reseller_billing.move_subscription_provider(bigint, bigint, bigint, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.move_subscription_provider(bigint, bigint, bigint, timestamptz)
    TO reseller_billing_admin, reseller_billing_reseller;

-- the close: 96_providers_close.sql (its lines), 96_providers_invoices.sql (channel_close)
