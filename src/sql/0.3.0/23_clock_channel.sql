-- ========================================================================
-- 0.3.0: the CSP channel's invitations, orders and transition
-- read the billing clock (the rule of 20_clock_rules.sql)
-- ========================================================================

-- reseller_billing.accept_invitation_unchecked(bigint,bigint)
-- accept_invitation_unchecked: defined once, in 96_providers_api.sql (the version 0.3.0 installs)
-- reseller_billing.revoke_invitation_unchecked(bigint,bigint,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.revoke_invitation_unchecked(p_actor bigint, p_reseller bigint, p_invitation bigint)
 RETURNS reseller_billing.channel_invitation
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    inv     reseller_billing.channel_invitation;
BEGIN
    SELECT * INTO inv FROM reseller_billing.channel_invitation i
     WHERE i.reseller_id = p_reseller AND i.invitation_id = p_invitation
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invitation % of reseller % does not exist', p_invitation, p_reseller
            USING ERRCODE = 'no_data_found';
    END IF;
    IF p_actor IS DISTINCT FROM (CASE WHEN inv.kind = 'reseller' THEN inv.provider_id ELSE inv.reseller_id END) THEN
        RAISE EXCEPTION 'partner % did not send invitation % of reseller % and cannot revoke it', p_actor, p_invitation, p_reseller
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('The invitation was sent by %s.',
                                  CASE WHEN inv.kind = 'reseller' THEN 'provider ' || inv.provider_id
                                       ELSE 'reseller ' || inv.reseller_id END);
    END IF;
    IF inv.status <> 'pending' THEN
        RAISE EXCEPTION 'invitation % of reseller % is % and cannot be revoked', p_invitation, p_reseller, inv.status
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It was %s at %s.', inv.status, inv.responded_at);
    END IF;
    UPDATE reseller_billing.channel_invitation i SET status = 'revoked', responded_at = reseller_billing.clock_now()
     WHERE i.reseller_id = p_reseller AND i.invitation_id = p_invitation
    RETURNING * INTO inv;
    RETURN inv;
END $function$
;

-- reseller_billing.place_subscription_unchecked(bigint,bigint,bigint,bigint,integer,reseller_billing.plan_kind,timestamp with time zone)
-- place_subscription_unchecked: defined once, in 96_providers_api.sql (the version 0.3.0 installs)
-- transition_to_indirect: defined once, in 95_api_arguments_more_channel.sql (the version 0.3.0 installs)


-- reseller_billing.reseller_channel_tier_guard()
CREATE OR REPLACE FUNCTION reseller_billing.reseller_channel_tier_guard()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    cp      reseller_billing.channel_partner;
    prov    bigint;
BEGIN
    IF reseller_billing.restoring() OR NOT reseller_billing.is_csp_program(NEW.program_id) THEN
        RETURN NEW;
    END IF;
    SELECT * INTO cp FROM reseller_billing.channel_partner c WHERE c.reseller_id = OLD.reseller_id;
    IF OLD.tier = 'indirect_reseller' THEN
        RAISE EXCEPTION 'reseller % moved to indirect resale and cannot return to %', OLD.reseller_id, NEW.tier
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = coalesce(format('Its transition completed at %s; the move is one-way.', cp.transition_completed_at),
                                    'It is an indirect reseller; the move is one-way.');
    END IF;
    IF OLD.tier = 'indirect_provider'
       AND EXISTS (SELECT 1 FROM reseller_billing.provider_partnership p WHERE p.provider_id = OLD.reseller_id) THEN
        RAISE EXCEPTION 'provider % has indirect resellers and cannot become %', OLD.reseller_id, NEW.tier
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF NEW.tier = 'indirect_reseller' THEN
        IF cp.transition_started_at IS NULL THEN
            RAISE EXCEPTION 'reseller % has not enrolled as an indirect reseller', OLD.reseller_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'Call transition_to_indirect, accept a provider''s invitation, then complete_transition.';
        END IF;
        SELECT p.provider_id INTO prov FROM reseller_billing.provider_partnership p WHERE p.reseller_id = OLD.reseller_id;
        IF prov IS NULL THEN
            RAISE EXCEPTION 'reseller % has no provider and cannot complete its move to indirect resale', OLD.reseller_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'An indirect reseller is billed by its provider.',
                      HINT = 'Accept a provider''s invitation first (accept_invitation).';
        END IF;
        -- direct-bill-only capabilities end; the customers now order through
        -- the reseller and its provider
        UPDATE reseller_billing.channel_partner c
           SET transition_completed_at = reseller_billing.clock_now(), programmatic_access = false, sandbox_access = false
         WHERE c.reseller_id = OLD.reseller_id;
        UPDATE reseller_billing.customer_relationship cr SET provider_id = prov
         WHERE cr.reseller_id = OLD.reseller_id AND cr.provider_id IS NULL;
    END IF;
    RETURN NEW;
END $function$
;

-- reseller_billing.place_subscription(bigint,bigint,bigint,bigint,integer,reseller_billing.plan_kind,timestamp with time zone)
-- place_subscription: defined once, in 91_api_arguments.sql (the version 0.3.0 installs)
COMMENT ON FUNCTION reseller_billing.effective_at() IS
    'when the change being written takes effect: the API''s at argument, else the billing clock (clock_now()); never in the future';
