-- ========================================================================
-- 0.3.0: an indirect reseller with more than one provider (issue 15 §2;
-- doc/channel.md, "Several providers")
-- ========================================================================
--
-- A CSP program whose settings also say {"multiple_providers": true} lets
-- an indirect reseller work with several of its providers: one partnership
-- per provider and reseller (provider_partnership's key becomes
-- (reseller_id, provider_id)).  A program without the setting keeps the
-- released rule, one provider per reseller.
--
-- Each subscription runs through one provider, recorded on its
-- channel_order row: provider_id from provider_from on (NULL: from the
-- start), previous_provider_id before that.  A subscription without a row
-- or without a provider runs through the reseller's first provider (the
-- only one, when it has one).  place_subscription names the provider (its
-- eighth argument) or takes the reseller's only active one; with several
-- and none named, or a provider without an active partnership, it refuses.
--
-- end_partnership ends a partnership at a moment: nothing new is placed
-- through it from then on; what runs through it stays billed by it to the
-- end of the term running then, and from the subscription's next renewal on
-- it runs through the provider the reseller moved it to
-- (move_subscription_provider, on the renewal date), else through the
-- reseller's first provider still active that day, else (no other
-- provider) through the ended one still.  channel_close bills each
-- provider's invoice for the subscriptions that run through it
-- (subscription_provider_on), day by day of their lines.

-- tables --------------------------------------------------------------------

ALTER TABLE reseller_billing.provider_partnership ADD COLUMN ended_at timestamptz;
ALTER TABLE reseller_billing.provider_partnership DROP CONSTRAINT provider_partnership_pkey;
ALTER TABLE reseller_billing.provider_partnership ADD PRIMARY KEY (reseller_id, provider_id);
COMMENT ON TABLE reseller_billing.provider_partnership IS
    'a provider an indirect reseller works with, by an accepted invitation; one per provider and reseller (the key), several only in a program with {"multiple_providers": true}; ended_at when it ended';
COMMENT ON COLUMN reseller_billing.provider_partnership.ended_at IS
    'when the partnership ended (end_partnership): nothing new is placed through it from then; NULL while it lasts';
DROP TRIGGER audit_row ON reseller_billing.provider_partnership;
DROP TRIGGER audit_flush ON reseller_billing.provider_partnership;
DROP TRIGGER audit_truncate ON reseller_billing.provider_partnership;
SELECT reseller_billing.audit_attach('reseller_billing.provider_partnership', ARRAY['reseller_id', 'provider_id']);

ALTER TABLE reseller_billing.channel_order
    ADD COLUMN provider_id bigint,
    ADD COLUMN provider_from date,
    ADD COLUMN previous_provider_id bigint;
ALTER TABLE reseller_billing.channel_order
    ADD CONSTRAINT channel_order_move_has_provider CHECK (provider_from IS NULL OR provider_id IS NOT NULL);
COMMENT ON COLUMN reseller_billing.channel_order.provider_id IS
    'the provider the subscription runs through (from provider_from on); NULL: the reseller''s first provider';
COMMENT ON COLUMN reseller_billing.channel_order.provider_from IS
    'the renewal date from which provider_id bills it (move_subscription_provider); NULL: from the start';
COMMENT ON COLUMN reseller_billing.channel_order.previous_provider_id IS
    'the provider that billed it before provider_from';

-- a reseller gets one invoice a month from each of its providers
ALTER TABLE reseller_billing.channel_invoice DROP CONSTRAINT channel_invoice_reseller_id_period_currency_key;
ALTER TABLE reseller_billing.channel_invoice
    ADD CONSTRAINT channel_invoice_reseller_id_provider_id_period_currency_key UNIQUE (reseller_id, provider_id, period, currency);

-- functions: the rule and who a subscription runs through ---------------------

CREATE FUNCTION reseller_billing.multiple_providers(p_program bigint) RETURNS bool
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RETURN coalesce((SELECT pg.settings @> '{"multiple_providers": true}' FROM reseller_billing.program pg
                      WHERE pg.program_id = p_program), false);
END $$;
COMMENT ON FUNCTION reseller_billing.multiple_providers(bigint) IS
    'whether an indirect reseller of the program may work with several providers (settings {"multiple_providers": true})';

-- channel_reseller: as released, with one row whatever the partnerships:
-- provider_id is the reseller's first provider whose partnership lasts
CREATE OR REPLACE FUNCTION reseller_billing.channel_reseller(p_reseller bigint)
    RETURNS TABLE (reseller_id bigint, program_id bigint, program_code text, tier text, name text,
                   transitioning bool, provider_id bigint)
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    r       record;
BEGIN
    SELECT x.reseller_id, x.program_id, pg.code, x.tier, x.name, pg.settings @> '{"csp": true}' AS csp,
           (cp.transition_started_at IS NOT NULL AND cp.transition_completed_at IS NULL) AS transitioning,
           (SELECT pp.provider_id FROM reseller_billing.provider_partnership pp
             WHERE pp.reseller_id = x.reseller_id
               AND (pp.ended_at IS NULL OR pp.ended_at > reseller_billing.clock_now())
             ORDER BY pp.accepted_at, pp.provider_id LIMIT 1) AS provider_id
      INTO r
      FROM reseller_billing.reseller x
      JOIN reseller_billing.program pg ON pg.program_id = x.program_id
      LEFT JOIN reseller_billing.channel_partner cp ON cp.reseller_id = x.reseller_id
     WHERE x.reseller_id = p_reseller;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'reseller % does not exist', p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    IF NOT r.csp THEN
        RAISE EXCEPTION 'reseller % is in program "%", which is not a CSP channel', p_reseller, r.code
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Providers, indirect resellers, invitations and transitions exist only in CSP programs.',
                  HINT = 'A CSP program has {"csp": true} in its settings.';
    END IF;
    RETURN QUERY SELECT r.reseller_id, r.program_id, r.code::text, r.tier, r.name, r.transitioning, r.provider_id;
END $$;

-- subscription_provider_on: the provider a subscription of p_reseller runs
-- through on day p_day (the provider that bills that day); NULL when the
-- reseller has no provider.  p_subscription NULL: the reseller's first.
CREATE FUNCTION reseller_billing.subscription_provider_on(p_reseller bigint, p_subscription bigint, p_day date)
    RETURNS bigint
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    o       reseller_billing.channel_order;
    prov    bigint;
    pp      reseller_billing.provider_partnership;
    s       reseller_billing.subscription;
    b       date;
    nxt     bigint;
BEGIN
    IF p_subscription IS NOT NULL THEN
        SELECT * INTO o FROM reseller_billing.channel_order c
         WHERE c.reseller_id = p_reseller AND c.subscription_id = p_subscription;
        prov := CASE WHEN o.provider_from IS NOT NULL AND p_day < o.provider_from THEN o.previous_provider_id
                     ELSE o.provider_id END;
    END IF;
    IF prov IS NULL THEN
        -- placed while the reseller had one provider, or by a plain INSERT
        SELECT p.provider_id INTO prov FROM reseller_billing.provider_partnership p
         WHERE p.reseller_id = p_reseller ORDER BY p.accepted_at, p.provider_id LIMIT 1;
    END IF;
    IF prov IS NULL OR p_subscription IS NULL THEN
        RETURN prov;
    END IF;
    SELECT * INTO pp FROM reseller_billing.provider_partnership p
     WHERE p.reseller_id = p_reseller AND p.provider_id = prov;
    IF pp.ended_at IS NULL THEN
        RETURN prov;
    END IF;
    -- an ended partnership keeps the term that ran when it ended; a later
    -- term (from a renewal on or after the end) leaves it
    SELECT * INTO s FROM reseller_billing.subscription t
     WHERE t.reseller_id = p_reseller AND t.subscription_id = p_subscription;
    IF s.term_start IS NULL THEN
        RETURN prov;
    END IF;
    b := s.term_start;                  -- the start of the term p_day is in
    WHILE b > p_day LOOP
        b := (b - interval '12 months')::date;
    END LOOP;
    WHILE (b + interval '12 months')::date <= p_day LOOP      -- a renewal to come
        b := (b + interval '12 months')::date;
    END LOOP;
    IF b < reseller_billing.program_date(p_reseller, pp.ended_at) THEN
        RETURN prov;
    END IF;
    SELECT p.provider_id INTO nxt FROM reseller_billing.provider_partnership p
     WHERE p.reseller_id = p_reseller
       AND (p.ended_at IS NULL OR reseller_billing.program_date(p_reseller, p.ended_at) > b)
     ORDER BY p.accepted_at, p.provider_id LIMIT 1;
    RETURN coalesce(nxt, prov);
END $$;
COMMENT ON FUNCTION reseller_billing.subscription_provider_on(bigint, bigint, date) IS
    'the provider a subscription runs through (and is billed by) on a day: its channel_order provider, else the reseller''s first; after a renewal following the end of that partnership, the reseller''s first provider still active';

-- active_providers: the providers a reseller may place new orders through at p_at
CREATE FUNCTION reseller_billing.active_providers(p_reseller bigint, p_at timestamptz) RETURNS bigint[]
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RETURN (SELECT coalesce(array_agg(p.provider_id ORDER BY p.accepted_at, p.provider_id), '{}')
              FROM reseller_billing.provider_partnership p
             WHERE p.reseller_id = p_reseller AND (p.ended_at IS NULL OR p.ended_at > p_at));
END $$;
COMMENT ON FUNCTION reseller_billing.active_providers(bigint, timestamptz) IS
    'internal: the providers whose partnership with a reseller lasts at a moment, first accepted first';

-- the partnerships and the orders (invite, accept, end_partnership,
-- place_subscription, move_subscription_provider): 96_providers_api.sql
