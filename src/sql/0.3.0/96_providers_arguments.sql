-- ========================================================================
-- 0.3.0: the API refuses bad arguments with its own error (issue 15 §6):
-- the provider functions of 96_providers_api.sql and 96_channel_tax.sql
-- ========================================================================
--
-- After them (they are created there), before 97_subscription_rules.sql:
-- as 95_api_arguments_more.sql, a missing argument is 22004 (arg_missing:
-- "<function> needs <what>", detail "<function> was called with <argument>
-- NULL."), a moment outside the years 1900 to 8999 22008, free text longer
-- than 1000 characters 22023.  A NULL amount keeps the message of a bad
-- amount, with 22004.  For good arguments each function does what it did;
-- each body is the one it had, with the checks added.  doc/reference.md
-- "More argument errors" lists what sql/api_arguments_more.sql tests.

-- place_subscription through a named provider: a NULL partner, reseller,
-- customer or SKU is 22004 (a NULL provider is the default one)
CREATE OR REPLACE FUNCTION reseller_billing.place_subscription(p_actor bigint, p_reseller bigint, p_customer bigint, p_sku bigint, p_seats integer, p_plan reseller_billing.plan_kind, p_at timestamp with time zone, p_provider bigint)
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    IF p_actor IS NULL THEN
        PERFORM reseller_billing.arg_missing('place_subscription', 'p_actor', 'the partner who orders');
    END IF;
    IF p_reseller IS NULL THEN
        PERFORM reseller_billing.arg_missing('place_subscription', 'p_reseller', 'a reseller');
    END IF;
    IF p_customer IS NULL THEN
        PERFORM reseller_billing.arg_missing('place_subscription', 'p_customer', 'a customer');
    END IF;
    IF p_sku IS NULL THEN
        PERFORM reseller_billing.arg_missing('place_subscription', 'p_sku', 'a SKU');
    END IF;
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
    IF p_at IS NULL THEN
        RAISE EXCEPTION 'an order for customer % of reseller % needs the moment it takes effect', p_customer, p_reseller
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM reseller_billing.assert_acting_for(p_actor, 'place a subscription');
    RETURN reseller_billing.place_subscription_unchecked(p_actor, p_reseller, p_customer, p_sku, p_seats, p_plan, p_at,
                                                         p_provider);
END $function$;

-- end_partnership: a moment outside the years 1900 to 8999 is 22008 (NULLs
-- are 22004 in end_partnership_unchecked)
CREATE OR REPLACE FUNCTION reseller_billing.end_partnership(p_provider bigint, p_reseller bigint, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS reseller_billing.provider_partnership
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    IF NOT isfinite(p_at) OR p_at < '1900-01-01 00:00+00'::timestamptz OR p_at >= '9000-01-01 00:00+00'::timestamptz THEN
        RAISE EXCEPTION 'the partnership of provider % and reseller % cannot end at %', p_provider, p_reseller, p_at
            USING ERRCODE = 'datetime_field_overflow',
                  DETAIL = 'Moments run from 1900-01-01 to 8999-12-31.';
    END IF;
    -- either side ends it
    BEGIN
        PERFORM reseller_billing.assert_acting_for(p_reseller, 'end a partnership');
    EXCEPTION WHEN insufficient_privilege THEN
        PERFORM reseller_billing.assert_acting_for(p_provider, 'end a partnership');
    END;
    RETURN reseller_billing.end_partnership_unchecked(p_provider, p_reseller, p_at);
END $function$;

-- move_subscription_provider: a moment outside the years 1900 to 8999 is
-- 22008 (NULLs are 22004 in move_subscription_provider_unchecked)
CREATE OR REPLACE FUNCTION reseller_billing.move_subscription_provider(p_reseller bigint, p_subscription bigint, p_provider bigint, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS reseller_billing.channel_order
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    IF NOT isfinite(p_at) OR p_at < '1900-01-01 00:00+00'::timestamptz OR p_at >= '9000-01-01 00:00+00'::timestamptz THEN
        RAISE EXCEPTION 'subscription % of reseller % cannot move to provider % at %', p_subscription, p_reseller, p_provider, p_at
            USING ERRCODE = 'datetime_field_overflow',
                  DETAIL = 'Moments run from 1900-01-01 to 8999-12-31.';
    END IF;
    PERFORM reseller_billing.assert_acting_for(p_reseller, 'move a subscription to another provider');
    RETURN reseller_billing.move_subscription_provider_unchecked(p_reseller, p_subscription, p_provider, p_at);
END $function$;

-- grant_channel_credit: a NULL amount is 22004 (as a NULL provider or
-- reseller, channel_provider_of); its reason at most 1000 characters (22023,
-- as grant_credit's)
CREATE OR REPLACE FUNCTION reseller_billing.grant_channel_credit(p_provider bigint, p_reseller bigint, p_amount reseller_billing.amount, p_reason text, p_eligibility jsonb DEFAULT '{}'::jsonb)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    cur     text;
    id      bigint;
BEGIN
    cur := reseller_billing.channel_provider_of(p_provider, p_reseller);
    IF p_amount IS NULL THEN
        RAISE EXCEPTION 'a credit of provider % to reseller % must be a positive amount in % whole minor units',
                p_provider, p_reseller, cur
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'NULL was given.';
    END IF;
    IF p_amount IS NULL OR reseller_billing.sign(p_amount) <= 0 OR reseller_billing.currency(p_amount) <> cur
       OR p_amount <> round(p_amount) THEN
        RAISE EXCEPTION 'a credit of provider % to reseller % must be a positive amount in % whole minor units',
                p_provider, p_reseller, cur
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', coalesce(p_amount::text, 'NULL'));
    END IF;
    PERFORM reseller_billing.arg_text('the reason of a credit', p_reason, 1000);
    INSERT INTO reseller_billing.channel_credit (reseller_id, provider_id, amount, remaining, reason, eligibility)
    VALUES (p_reseller, p_provider, p_amount, p_amount, coalesce(p_reason, ''),
            reseller_billing.credit_eligibility_check(p_eligibility))
    RETURNING channel_credit_id INTO id;
    RETURN id;
END $function$;

-- issue_channel_credit_note: a NULL invoice or amount is 22004; its reason
-- at most 1000 characters (22023)
CREATE OR REPLACE FUNCTION reseller_billing.issue_channel_credit_note(p_provider bigint, p_reseller bigint, p_invoice bigint, p_amount reseller_billing.amount, p_reason text)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    inv     reseller_billing.channel_invoice;
    owed    reseller_billing.amount;
    id      bigint;
BEGIN
    PERFORM reseller_billing.channel_provider_of(p_provider, p_reseller);
    IF p_invoice IS NULL THEN
        PERFORM reseller_billing.arg_missing('issue_channel_credit_note', 'p_invoice', 'a provider invoice');
    END IF;
    SELECT * INTO inv FROM reseller_billing.channel_invoice c
     WHERE c.reseller_id = p_reseller AND c.channel_invoice_id = p_invoice FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'provider invoice % of reseller % does not exist', p_invoice, p_reseller
            USING ERRCODE = 'no_data_found';
    END IF;
    IF inv.provider_id <> p_provider THEN
        RAISE EXCEPTION 'provider invoice % of reseller % was issued by provider %, not %', p_invoice, p_reseller,
                inv.provider_id, p_provider
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF p_amount IS NULL OR reseller_billing.sign(p_amount) <= 0 OR reseller_billing.currency(p_amount) <> inv.currency
       OR p_amount <> round(p_amount) THEN
        RAISE EXCEPTION 'a credit note on provider invoice % must be a positive amount in % whole minor units',
                inv.invoice_number, inv.currency
            USING ERRCODE = CASE WHEN p_amount IS NULL THEN 'null_value_not_allowed' ELSE 'invalid_parameter_value' END,
                  DETAIL = format('%s was given.', coalesce(p_amount::text, 'NULL'));
    END IF;
    PERFORM reseller_billing.arg_text('the reason of a credit note', p_reason, 1000);
    owed := inv.total - inv.credited;
    IF p_amount > owed THEN
        RAISE EXCEPTION 'credit note exceeds what is owed on invoice % of provider % to reseller %',
                inv.invoice_number, p_provider, p_reseller
            USING ERRCODE = 'check_violation',
                  DETAIL = format('%s is owed; the credit note is %s.', owed, p_amount);
    END IF;
    INSERT INTO reseller_billing.channel_credit_note (reseller_id, channel_invoice_id, provider_id, amount, reason)
    VALUES (p_reseller, p_invoice, p_provider, p_amount, coalesce(p_reason, ''))
    RETURNING channel_credit_note_id INTO id;
    PERFORM reseller_billing.set_local('reseller_billing.action', 'settle');
    UPDATE reseller_billing.channel_invoice c SET credited = c.credited + p_amount
     WHERE c.reseller_id = p_reseller AND c.channel_invoice_id = p_invoice;
    PERFORM reseller_billing.set_local('reseller_billing.action', '');
    RETURN id;
END $function$;
