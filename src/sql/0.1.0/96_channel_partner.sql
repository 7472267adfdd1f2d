-- functions: orders ----------------------------------------------------------

-- provider_price_on: a provider's price per seat per year on a date.
CREATE FUNCTION reseller_billing.provider_price_on(p_provider bigint, p_sku bigint, p_plan reseller_billing.plan_kind,
                                                   p_at date)
    RETURNS reseller_billing.amount
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    pr      reseller_billing.amount;
BEGIN
    SELECT p.price INTO pr FROM reseller_billing.provider_price p
     WHERE p.reseller_id = p_provider AND p.sku_id = p_sku AND p.plan OPERATOR(reseller_billing.=) p_plan
       AND p.valid_from <= p_at AND (p.valid_to IS NULL OR p.valid_to > p_at);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'provider % has no % price for SKU "%" on %', p_provider, p_plan,
                coalesce((SELECT k.code FROM reseller_billing.sku k WHERE k.sku_id = p_sku), p_sku::text), p_at
            USING ERRCODE = 'no_data_found',
                  HINT = 'Add a row to reseller_billing.provider_price valid on that date.';
    END IF;
    RETURN pr;
END $$;
COMMENT ON FUNCTION reseller_billing.provider_price_on(bigint, bigint, reseller_billing.plan_kind, date) IS
    'a provider''s own price per seat per year for a SKU and plan on a date; no_data_found when it has none';

-- place_subscription: an order for a customer of a CSP program, by its
-- reseller or by the reseller's provider on the customer's behalf, within
-- the customer's accepted relationship.
CREATE FUNCTION reseller_billing.place_subscription(p_actor bigint, p_reseller bigint, p_customer bigint, p_sku bigint,
                                                    p_seats int,
                                                    p_plan reseller_billing.plan_kind DEFAULT 'annual_monthly',
                                                    p_at timestamptz DEFAULT now())
    RETURNS bigint
    LANGUAGE plpgsql
    SET search_path = pg_catalog, reseller_billing, pg_temp
    SET reseller_billing.effective_at = '' SET reseller_billing.action = '' SET reseller_billing.reason = ''
AS $$
DECLARE
    rs      record;
    rel     reseller_billing.customer_relationship;
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
    IF p_actor IS NULL OR p_actor NOT IN (rel.reseller_id, coalesce(rel.provider_id, rel.reseller_id)) THEN
        RAISE EXCEPTION 'partner % may not place orders for customer % of reseller %', p_actor, p_customer, p_reseller
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Orders for customer %s are placed by reseller %s%s.', p_customer, p_reseller,
                                  coalesce(' or its provider ' || rel.provider_id, ''));
    END IF;
    IF p_actor = rel.provider_id THEN
        -- the provider bills the reseller for it: its price list must have the SKU
        PERFORM reseller_billing.provider_price_on(rel.provider_id, p_sku, p_plan,
                                                   reseller_billing.program_date(p_reseller, p_at));
    END IF;
    PERFORM reseller_billing.set_context(p_at, '', format('ordered by partner %s', p_actor));
    INSERT INTO reseller_billing.subscription (reseller_id, customer_id, sku_id, plan, committed_seats, seat_cap)
    VALUES (p_reseller, p_customer, p_sku, p_plan, p_seats,
            CASE WHEN NOT reseller_billing.is_annual(p_plan) THEN p_seats END)
    RETURNING subscription_id INTO id;
    INSERT INTO reseller_billing.channel_order (reseller_id, subscription_id, placed_by, placed_at)
    VALUES (p_reseller, id, p_actor, p_at);
    RETURN id;
END $$;
COMMENT ON FUNCTION reseller_billing.place_subscription(bigint, bigint, bigint, bigint, int, reseller_billing.plan_kind, timestamptz) IS
    'a CSP order: the customer''s reseller, or its provider on the customer''s behalf, within the accepted relationship (42501 otherwise); returns the subscription';

-- subscription, AFTER INSERT (per statement): in a CSP program every
-- subscription is a 12-month commitment paid monthly, for a customer with an
-- accepted relationship.  One query per statement; nothing when no program
-- is a CSP channel.
CREATE FUNCTION reseller_billing.subscription_channel_check() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    bad     record;
BEGIN
    IF reseller_billing.restoring()
       OR NOT EXISTS (SELECT FROM reseller_billing.program pg WHERE pg.settings @> '{"csp": true}') THEN
        RETURN NULL;
    END IF;
    SELECT n.reseller_id, n.subscription_id, n.customer_id, n.plan, pg.code,
           NOT reseller_billing.is_annual(n.plan) OR n.plan OPERATOR(reseller_billing.<>) 'annual_monthly' AS bad_plan
      INTO bad
      FROM subscription_new n
      JOIN reseller_billing.reseller r ON r.reseller_id = n.reseller_id
      JOIN reseller_billing.program pg ON pg.program_id = r.program_id
     WHERE pg.settings @> '{"csp": true}'
       AND (n.plan OPERATOR(reseller_billing.<>) 'annual_monthly'
            OR NOT EXISTS (SELECT FROM reseller_billing.customer_relationship cr
                            WHERE cr.reseller_id = n.reseller_id AND cr.customer_id = n.customer_id))
     ORDER BY n.reseller_id, n.subscription_id
     LIMIT 1;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    IF bad.bad_plan THEN
        RAISE EXCEPTION 'program "%" sells 12-month commitments paid monthly only', bad.code
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Reseller %s asked for the %s plan for customer %s; a CSP subscription is annual_monthly.',
                                  bad.reseller_id, bad.plan, bad.customer_id),
                  HINT = 'Order annual_monthly: a 12-month commitment, billed in 12 monthly installments.';
    END IF;
    RAISE EXCEPTION 'partner % may not place orders for customer % of reseller %', bad.reseller_id, bad.customer_id, bad.reseller_id
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('Customer %s has no accepted relationship with reseller %s in program "%s".',
                              bad.customer_id, bad.reseller_id, bad.code),
              HINT = 'The reseller invites the customer (invite_customer) and the customer accepts (accept_invitation).';
END $$;
COMMENT ON FUNCTION reseller_billing.subscription_channel_check() IS
    'trigger: in a CSP program a subscription is annual_monthly (23514 otherwise) for a customer with an accepted relationship (42501 otherwise)';

-- functions: the move from direct billing to indirect resale ----------------

-- set_direct_access: a direct-bill partner's programmatic and sandbox access.
CREATE FUNCTION reseller_billing.set_direct_access(p_reseller bigint, p_programmatic bool, p_sandbox bool)
    RETURNS reseller_billing.channel_partner
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    cp      reseller_billing.channel_partner;
BEGIN
    PERFORM reseller_billing.channel_reseller(p_reseller);
    INSERT INTO reseller_billing.channel_partner AS c (reseller_id, programmatic_access, sandbox_access)
    VALUES (p_reseller, coalesce(p_programmatic, false), coalesce(p_sandbox, false))
    ON CONFLICT (reseller_id) DO UPDATE
       SET programmatic_access = EXCLUDED.programmatic_access, sandbox_access = EXCLUDED.sandbox_access
    RETURNING * INTO cp;
    RETURN cp;
END $$;
COMMENT ON FUNCTION reseller_billing.set_direct_access(bigint, bool, bool) IS
    'sets a direct-bill partner''s programmatic and sandbox access (55000 for an indirect reseller: they are direct-bill only)';

-- transition_to_indirect: a direct-bill partner enrols as an indirect
-- reseller; until complete_transition it is both (invoiced by the vendor,
-- keeping its access, and free to accept a provider's invitation).
CREATE FUNCTION reseller_billing.transition_to_indirect(p_reseller bigint)
    RETURNS timestamptz
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    rs      record;
    cp      reseller_billing.channel_partner;
BEGIN
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
    VALUES (p_reseller, now())
    ON CONFLICT (reseller_id) DO UPDATE
       SET transition_started_at = coalesce(c.transition_started_at, EXCLUDED.transition_started_at)
    RETURNING * INTO cp;
    RETURN cp.transition_started_at;
END $$;
COMMENT ON FUNCTION reseller_billing.transition_to_indirect(bigint) IS
    'a direct-bill partner enrols as an indirect reseller; it holds both capabilities until complete_transition; returns when the transition started';

-- cancel_transition: a transition not yet completed is abandoned; once
-- completed there is no way back.
CREATE FUNCTION reseller_billing.cancel_transition(p_reseller bigint)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    cp      reseller_billing.channel_partner;
BEGIN
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
END $$;
COMMENT ON FUNCTION reseller_billing.cancel_transition(bigint) IS
    'abandons a transition to indirect resale not yet completed; 55000 once completed (no way back)';

-- complete_transition: the partner becomes an indirect reseller for good.
-- The work is the tier change; its rules and effects are in the reseller
-- trigger below, so a plain UPDATE of tier meets the same.
CREATE FUNCTION reseller_billing.complete_transition(p_reseller bigint)
    RETURNS timestamptz
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    rs      record;
    done    timestamptz;
BEGIN
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
END $$;
COMMENT ON FUNCTION reseller_billing.complete_transition(bigint) IS
    'a transitioning partner with a provider becomes an indirect reseller for good: direct-bill-only access removed, customers'' relationships name the provider';

-- reseller, BEFORE UPDATE OF tier: in a CSP program an indirect reseller
-- never leaves its tier; a direct-bill partner becomes one only through a
-- transition, with a provider; a provider with indirect resellers stays one.
CREATE FUNCTION reseller_billing.reseller_channel_tier_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
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
       AND EXISTS (SELECT FROM reseller_billing.provider_partnership p WHERE p.provider_id = OLD.reseller_id) THEN
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
           SET transition_completed_at = now(), programmatic_access = false, sandbox_access = false
         WHERE c.reseller_id = OLD.reseller_id;
        UPDATE reseller_billing.customer_relationship cr SET provider_id = prov
         WHERE cr.reseller_id = OLD.reseller_id AND cr.provider_id IS NULL;
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION reseller_billing.reseller_channel_tier_guard() IS
    'trigger: in CSP programs an indirect reseller never changes tier (55000); direct to indirect only by a transition with a provider, which ends direct-bill access';

-- channel_partner, BEFORE INSERT/UPDATE: access is for direct-bill partners;
-- a completed transition stays completed.
CREATE FUNCTION reseller_billing.channel_partner_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    t       text;
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.transition_completed_at IS NOT NULL
       AND (NEW.reseller_id, NEW.transition_started_at, NEW.transition_completed_at)
           IS DISTINCT FROM (OLD.reseller_id, OLD.transition_started_at, OLD.transition_completed_at) THEN
        RAISE EXCEPTION 'reseller % completed its move to indirect resale and cannot roll it back', OLD.reseller_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('The transition completed at %s; the move is one-way.', OLD.transition_completed_at);
    END IF;
    SELECT r.tier INTO t FROM reseller_billing.reseller r WHERE r.reseller_id = NEW.reseller_id;
    IF (NEW.programmatic_access OR NEW.sandbox_access) AND t = 'indirect_reseller' THEN
        RAISE EXCEPTION 'reseller % is an indirect reseller: programmatic and sandbox access are for direct-bill partners', NEW.reseller_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Programmatic access %s, sandbox access %s were asked for.', NEW.programmatic_access, NEW.sandbox_access);
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION reseller_billing.channel_partner_guard() IS
    'trigger: no programmatic or sandbox access for an indirect reseller; a completed transition is never undone (55000)';

-- provider_price, BEFORE INSERT/UPDATE: a provider's own, in its program's
-- currency, not negative, no overlapping validity per SKU and plan (writers
-- of one provider's prices take turns on a lock).
CREATE FUNCTION reseller_billing.provider_price_check() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    r       record;
    clash   reseller_billing.provider_price;
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NEW;
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('reseller_billing.provider_price'), hashtext(NEW.reseller_id::text));
    SELECT x.tier, pg.currency, pg.program_id, k.program_id AS sku_program, k.code INTO r
      FROM reseller_billing.reseller x
      JOIN reseller_billing.program pg ON pg.program_id = x.program_id
      LEFT JOIN reseller_billing.sku k ON k.sku_id = NEW.sku_id
     WHERE x.reseller_id = NEW.reseller_id;
    IF r.tier IS DISTINCT FROM 'indirect_provider' THEN
        RAISE EXCEPTION 'reseller % is not an indirect provider and has no price list of its own', NEW.reseller_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF r.sku_program IS DISTINCT FROM r.program_id THEN
        RAISE EXCEPTION 'SKU % is not sold in the program of provider %', NEW.sku_id, NEW.reseller_id
            USING ERRCODE = 'check_violation';
    END IF;
    IF reseller_billing.currency(NEW.price) <> r.currency OR reseller_billing.value(NEW.price) < 0 THEN
        RAISE EXCEPTION 'price of SKU "%" of provider % must be a non-negative amount in %', r.code, NEW.reseller_id, r.currency
            USING ERRCODE = 'check_violation',
                  DETAIL = format('The price given is %s.', NEW.price);
    END IF;
    SELECT * INTO clash FROM reseller_billing.provider_price p
     WHERE p.reseller_id = NEW.reseller_id AND p.sku_id = NEW.sku_id AND p.plan OPERATOR(reseller_billing.=) NEW.plan
       AND p.provider_price_id <> NEW.provider_price_id
       AND daterange(p.valid_from, p.valid_to) && daterange(NEW.valid_from, NEW.valid_to)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'price validity overlaps for SKU "%" plan % of provider %', r.code, NEW.plan, NEW.reseller_id
            USING ERRCODE = 'check_violation',
                  DETAIL = format('The price of %s is valid over %s; the price of %s would be valid over %s.',
                                  clash.price, daterange(clash.valid_from, clash.valid_to),
                                  NEW.price, daterange(NEW.valid_from, NEW.valid_to)),
                  HINT = 'End the current price (set valid_to) before the new one starts.';
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION reseller_billing.provider_price_check() IS
    'trigger: a provider price belongs to a provider, in its program''s currency, not negative, no overlapping validity';

-- channel_invoice, channel_invoice_line: final once written.
CREATE FUNCTION reseller_billing.channel_invoice_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION '% rows are issued provider invoices and cannot be changed', TG_TABLE_NAME
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('%s of a %s row was attempted.', TG_OP, TG_TABLE_NAME);
END $$;
COMMENT ON FUNCTION reseller_billing.channel_invoice_guard() IS
    'trigger: provider invoices and their lines are never updated, deleted or truncated';

-- invoice, BEFORE UPDATE OF status: a vendor invoice to a provider carrying
-- its indirect resellers' lines is corrected by credit note, not voided
-- (a void would re-bill the resellers' months through the provider's own
-- adjustments, which do not see them).
CREATE FUNCTION reseller_billing.channel_void_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF NEW.status = 'void' AND OLD.status <> 'void'
       AND EXISTS (SELECT FROM reseller_billing.invoice_line l
                    WHERE l.reseller_id = OLD.reseller_id AND l.invoice_id = OLD.invoice_id
                      AND l.end_reseller_id IS NOT NULL) THEN
        RAISE EXCEPTION 'invoice % of provider % bills its indirect resellers and cannot be voided', OLD.invoice_number, OLD.reseller_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Correct it with issue_credit_note.';
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION reseller_billing.channel_void_guard() IS
    'trigger: a vendor invoice to a provider with indirect resellers'' lines is not voided (55000); credit notes correct it';

-- functions: direct-bill eligibility ---------------------------------------

-- direct_bill_threshold: the program's setting direct_bill_threshold (an
-- amount, e.g. "USD 300000.00"); by default USD 300,000.00, the figure the
-- source names, for a USD program.
CREATE FUNCTION reseller_billing.direct_bill_threshold(p_program bigint)
    RETURNS reseller_billing.amount
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    pg      reseller_billing.program;
    t       reseller_billing.amount;
BEGIN
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
END $$;
COMMENT ON FUNCTION reseller_billing.direct_bill_threshold(bigint) IS
    'the trailing-12-month revenue a direct-bill partner of the program must reach: settings.direct_bill_threshold, default USD 300000.00';

-- program_revenue: what the vendor invoiced a partner for the calendar
-- months in the 12 months before a date (issued or paid invoices, not void),
-- net of credits applied and credit notes, without tax.
CREATE FUNCTION reseller_billing.program_revenue(p_reseller bigint, p_at date)
    RETURNS reseller_billing.amount
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    SELECT coalesce(reseller_billing.sum(i.subtotal OPERATOR(reseller_billing.-) i.credits_applied
                                         OPERATOR(reseller_billing.-) i.credited),
                    reseller_billing.amount(0, pg.currency))
      FROM reseller_billing.reseller r
      JOIN reseller_billing.program pg ON pg.program_id OPERATOR(pg_catalog.=) r.program_id
      LEFT JOIN reseller_billing.invoice i
        ON i.reseller_id OPERATOR(pg_catalog.=) r.reseller_id AND i.program_id OPERATOR(pg_catalog.=) r.program_id
       AND i.status IN ('issued', 'paid') AND i.currency OPERATOR(pg_catalog.=) pg.currency
       AND reseller_billing.period_start(i.period) OPERATOR(pg_catalog.>=) (p_at OPERATOR(pg_catalog.-) interval '12 months')::date
       AND reseller_billing.period_end(i.period) OPERATOR(pg_catalog.<=) p_at
     WHERE r.reseller_id OPERATOR(pg_catalog.=) p_reseller
     GROUP BY pg.currency;
END;
COMMENT ON FUNCTION reseller_billing.program_revenue(bigint, date) IS
    'a partner''s invoiced program revenue for the months in the 12 months before a date: issued/paid invoices, less credits applied and credit notes, tax excluded';

CREATE FUNCTION reseller_billing.direct_bill_eligible(p_reseller bigint, p_at date)
    RETURNS bool
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    rs      record;
BEGIN
    IF p_at IS NULL THEN
        RAISE EXCEPTION 'direct-bill eligibility needs a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT * INTO rs FROM reseller_billing.channel_reseller(p_reseller);
    RETURN reseller_billing.program_revenue(p_reseller, p_at)
           OPERATOR(reseller_billing.>=) reseller_billing.direct_bill_threshold(rs.program_id);
END $$;
COMMENT ON FUNCTION reseller_billing.direct_bill_eligible(bigint, date) IS
    'true when a CSP partner''s program revenue over the 12 months before the date reaches the program''s direct-bill threshold';

CREATE FUNCTION reseller_billing.direct_bill_standing(p_at date)
    RETURNS TABLE (program_code text, reseller_id bigint, reseller_name text, tier text, currency text,
                   revenue numeric, threshold numeric, shortfall numeric, eligible bool)
    LANGUAGE sql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    SELECT pg.code, r.reseller_id, r.name, r.tier, pg.currency,
           reseller_billing.value(x.revenue), reseller_billing.value(x.threshold),
           GREATEST(reseller_billing.value(x.threshold) OPERATOR(pg_catalog.-) reseller_billing.value(x.revenue),
                    reseller_billing.zero(pg.currency)),
           x.revenue OPERATOR(reseller_billing.>=) x.threshold
      FROM reseller_billing.reseller r
      JOIN reseller_billing.program pg ON pg.program_id OPERATOR(pg_catalog.=) r.program_id
     CROSS JOIN LATERAL (SELECT reseller_billing.program_revenue(r.reseller_id, p_at) AS revenue,
                                reseller_billing.direct_bill_threshold(pg.program_id) AS threshold) x
     WHERE pg.settings @> '{"csp": true}' AND r.tier IN ('direct', 'indirect_provider')
     ORDER BY pg.code, r.reseller_id;
END;
COMMENT ON FUNCTION reseller_billing.direct_bill_standing(date) IS
    'every direct-bill partner (direct or provider) of the CSP programs: trailing-12-month revenue before a date, threshold, shortfall, eligibility';

