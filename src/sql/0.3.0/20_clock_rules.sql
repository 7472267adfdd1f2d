-- ========================================================================
-- the rules read the billing clock (issue 12; doc/clock.md)
-- ========================================================================
--
-- Each function below, and in 21_clock_close.sql, 22_clock_orders.sql and
-- 23_clock_channel.sql, read the wall clock (now(), clock_timestamp()) to
-- know what "now" is: whether a change is in the future, whether a trial
-- has ended, whether a month is over, what an API call's moment defaults
-- to, when an invoice was voided.  They are the functions of 0.2.0 with
-- every such read replaced by reseller_billing.clock_now(); four of them
-- also refuse bad input (issue 19 §4, §6; marked where they do): set_context
-- an infinite moment (22008), add_seats more than 1,000,000 seats (22003),
-- close_period and close_period_batched a null month (22004); and
-- place_order_unchecked dates an order by the reseller's payment terms
-- (issue 15 §1, 80_payment_terms.sql).  The seat
-- counter's two functions (seat_count, seat_count_apply) are not here: C
-- replaces them (70_seat_limit.sql).  The close's progress bookkeeping (close_begin, close_step,
-- close_finish write close_progress.started_at/updated_at) keeps the wall
-- clock: it says how long a run took, not what it billed.

-- reseller_billing.program_check()
CREATE OR REPLACE FUNCTION reseller_billing.program_check()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    PERFORM reseller_billing.minor_unit(NEW.currency);
    BEGIN
        PERFORM reseller_billing.clock_now() AT TIME ZONE NEW.time_zone;
    EXCEPTION WHEN invalid_parameter_value THEN
        RAISE EXCEPTION 'program "%": unknown time zone "%"', NEW.code, NEW.time_zone
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use a name from pg_timezone_names, such as America/Los_Angeles.';
    END;
    RETURN NEW;
END $function$
;

-- effective_at: defined once, in 97_subscription_rules.sql (the version 0.3.0 installs)

-- seat_before_update: defined once, in 97_subscription_rules.sql (the version 0.3.0 installs)

-- reseller_billing.set_context(timestamp with time zone,text,text)
-- set_context: defined once, in 95_api_arguments.sql (the version 0.3.0 installs)
-- add_seats: defined once, in 95_api_arguments_more.sql (the version 0.3.0 installs)


-- set_seat_cap: defined once, in 95_api_arguments_more.sql (the version 0.3.0 installs)

-- change_plan: defined once, in 95_api_arguments_more.sql (the version 0.3.0 installs)

-- reseller_billing.set_renewal(bigint,bigint,text,timestamp with time zone)
-- set_renewal: defined once, in 95_api_arguments.sql (the version 0.3.0 installs)
-- reseller_billing.cancel_subscription(bigint,bigint,timestamp with time zone)
CREATE OR REPLACE FUNCTION reseller_billing.cancel_subscription(p_reseller bigint, p_subscription bigint, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS reseller_billing.subscription
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
 SET "reseller_billing.effective_at" TO ''
 SET "reseller_billing.action" TO ''
 SET "reseller_billing.reason" TO ''
AS $function$
DECLARE
    s   reseller_billing.subscription;
BEGIN
    PERFORM reseller_billing.lock_active_seats(p_reseller, p_subscription);
    s := reseller_billing.lock_subscription(p_reseller, p_subscription);
    PERFORM reseller_billing.set_context(p_at);
    -- the trigger refuses an Annual commitment before its renewal date; the
    -- cancellation ends the accounts (trigger subscription_cancelled)
    UPDATE reseller_billing.subscription t SET status = 'cancelled'
     WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription;
    RETURN reseller_billing.lock_subscription(p_reseller, p_subscription);
END $function$
;

-- reseller_billing.terminate_early(bigint,bigint,timestamp with time zone,text)
CREATE OR REPLACE FUNCTION reseller_billing.terminate_early(p_reseller bigint, p_subscription bigint, p_at timestamp with time zone DEFAULT reseller_billing.clock_now(), p_reason text DEFAULT NULL::text)
 RETURNS reseller_billing.amount
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
 SET "reseller_billing.effective_at" TO ''
 SET "reseller_billing.action" TO ''
 SET "reseller_billing.reason" TO ''
AS $function$
DECLARE
    s       reseller_billing.subscription;
    today   date;
    fee     reseller_billing.amount;
BEGIN
    PERFORM reseller_billing.lock_active_seats(p_reseller, p_subscription);
    s := reseller_billing.lock_subscription(p_reseller, p_subscription);
    PERFORM reseller_billing.set_context(p_at, 'terminate', coalesce(p_reason, 'early termination'));
    today := reseller_billing.program_date(p_reseller, p_at);
    IF NOT reseller_billing.is_annual(s.plan) OR s.status NOT IN ('active', 'suspended') THEN
        RAISE EXCEPTION 'subscription % of reseller % has no Annual commitment to terminate', p_subscription, p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It is %s, on the %s plan.', s.status, s.plan),
                  HINT = 'Cancel it with cancel_subscription.';
    END IF;
    IF today >= s.term_end THEN
        RAISE EXCEPTION 'subscription % of reseller % has reached its renewal date: nothing is left to terminate early',
                p_subscription, p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('The commitment ran until %s; the termination would be on %s.', s.term_end, today),
                  HINT = 'Cancel it with cancel_subscription.';
    END IF;
    -- the cancellation (trigger subscription_cancelled) ends the accounts and
    -- records the charge: the installments left in the term after the month
    -- of termination (early_termination_fee)
    UPDATE reseller_billing.subscription t SET status = 'cancelled'
     WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription;
    SELECT c.amount INTO fee
      FROM reseller_billing.charge c
     WHERE c.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND c.subscription_id OPERATOR(pg_catalog.=) p_subscription
       AND c.kind = 'early_termination'
     ORDER BY c.charge_id DESC
     LIMIT 1;
    -- nothing left to charge (a prepaid year) records no charge
    RETURN coalesce(fee, reseller_billing.amount(0, reseller_billing.currency(s.partner_price)));
END $function$
;

-- reseller_billing.suspend(bigint,bigint,text,timestamp with time zone)
CREATE OR REPLACE FUNCTION reseller_billing.suspend(p_reseller bigint, p_subscription bigint, p_reason text DEFAULT NULL::text, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS text
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
 SET "reseller_billing.effective_at" TO ''
 SET "reseller_billing.action" TO ''
 SET "reseller_billing.reason" TO ''
AS $function$
DECLARE
    s   reseller_billing.subscription := reseller_billing.lock_subscription(p_reseller, p_subscription);
BEGIN
    IF s.status NOT IN ('active', 'trial') THEN
        RAISE EXCEPTION 'subscription % of reseller % is % and cannot be suspended', p_subscription, p_reseller, s.status
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM reseller_billing.set_context(p_at, '', p_reason);
    UPDATE reseller_billing.subscription t SET status = 'suspended'
     WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription;
    RETURN 'suspended';
END $function$
;

-- reseller_billing.reactivate(bigint,bigint,timestamp with time zone)
CREATE OR REPLACE FUNCTION reseller_billing.reactivate(p_reseller bigint, p_subscription bigint, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS text
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
 SET "reseller_billing.effective_at" TO ''
 SET "reseller_billing.action" TO ''
 SET "reseller_billing.reason" TO ''
AS $function$
DECLARE
    s           reseller_billing.subscription := reseller_billing.lock_subscription(p_reseller, p_subscription);
    new_status  text;
BEGIN
    IF s.status <> 'suspended' THEN
        RAISE EXCEPTION 'subscription % of reseller % is % and cannot be reactivated', p_subscription, p_reseller, s.status
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    new_status := CASE WHEN s.plan OPERATOR(reseller_billing.=) 'trial' THEN 'trial' ELSE 'active' END;
    PERFORM reseller_billing.set_context(p_at);
    UPDATE reseller_billing.subscription t SET status = new_status
     WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription;
    RETURN new_status;
END $function$
;

-- renew_term: one Annual term's renewal on its renewal date (s, locked, in
-- a program of time zone p_time_zone), by its renewal setting: cancelled
-- (cancel, or renew_current_users with no account in use), moved to Flex
-- (switch_to_flex), or renewed for 12 months (auto_renew with its seats,
-- renew_current_users with the accounts in use) at the price current then
CREATE FUNCTION reseller_billing.renew_term(p_sub reseller_billing.subscription, p_time_zone text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    s       reseller_billing.subscription := p_sub;
    eff     timestamptz;
    price   reseller_billing.amount;
BEGIN
    eff := s.term_end::timestamp AT TIME ZONE p_time_zone;
    PERFORM reseller_billing.set_context(eff, 'renew', 'renewal: ' || s.renewal_setting);
    IF s.renewal_setting = 'cancel' OR (s.renewal_setting = 'renew_current_users' AND s.active_seats = 0) THEN
        UPDATE reseller_billing.subscription t SET status = 'cancelled'   -- its accounts end at eff
         WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
           AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id;
    ELSIF s.renewal_setting = 'switch_to_flex' THEN
        -- the price looked up first, from the locked row (on a Citus
        -- cluster an UPDATE may not call a STABLE function on columns)
        price := reseller_billing.partner_price(s.sku_id, 'flexible', s.reseller_id, s.term_end);
        UPDATE reseller_billing.subscription t
           SET plan = 'flexible', seat_cap = t.committed_seats, committed_seats = NULL,
               term_start = t.term_end, term_end = NULL,
               partner_price = price
         WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
           AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id;
    ELSE
        -- auto_renew keeps the seats; renew_current_users commits to
        -- the accounts in use; both at the price current at renewal
        price := reseller_billing.partner_price(s.sku_id, s.plan, s.reseller_id, s.term_end);
        UPDATE reseller_billing.subscription t
           SET committed_seats = CASE WHEN t.renewal_setting = 'renew_current_users'
                                      THEN t.active_seats ELSE t.committed_seats END,
               term_start = t.term_end,
               term_end = (t.term_end + interval '12 months')::date,
               partner_price = price
         WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
           AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id;
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.renew_term(reseller_billing.subscription, text) IS
    'internal (renew_due): renews, cancels or moves to Flex one Annual term on its renewal date, by its renewal setting';

-- reseller_billing.renew_due(timestamp with time zone): each term due renewed by
-- renew_term
CREATE OR REPLACE FUNCTION reseller_billing.renew_due(p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
 SET "reseller_billing.effective_at" TO ''
 SET "reseller_billing.action" TO ''
 SET "reseller_billing.reason" TO ''
AS $function$
DECLARE
    k       record;
    s       reseller_billing.subscription;
    done    int := 0;
BEGIN
    IF p_at IS NULL OR p_at > reseller_billing.clock_now() THEN
        RAISE EXCEPTION 'renewals can be applied up to now, not to %', coalesce(p_at::text, 'NULL')
            USING ERRCODE = CASE WHEN p_at IS NULL THEN 'null_value_not_allowed' ELSE 'invalid_parameter_value' END,
                  HINT = 'A renewal or trial expiry is applied once its day has come.';
    END IF;
    -- Annual terms whose renewal date has come (a term overdue by several
    -- years renews once per term, each in turn)
    LOOP
        FOR k IN
            SELECT t.reseller_id, t.subscription_id, t.renewal_setting, pg.time_zone
              FROM reseller_billing.subscription t
              JOIN reseller_billing.reseller r ON r.reseller_id OPERATOR(pg_catalog.=) t.reseller_id
              JOIN reseller_billing.program pg ON pg.program_id OPERATOR(pg_catalog.=) r.program_id
             WHERE t.status = 'active' AND reseller_billing.is_annual(t.plan)
               AND t.term_end OPERATOR(pg_catalog.<=) (p_at AT TIME ZONE pg.time_zone)::date
             ORDER BY t.reseller_id, t.subscription_id
        LOOP
            -- a renewal that may cancel ends the accounts: their rows first
            IF k.renewal_setting IN ('cancel', 'renew_current_users') THEN
                PERFORM reseller_billing.lock_active_seats(k.reseller_id, k.subscription_id);
            END IF;
            s := reseller_billing.lock_subscription(k.reseller_id, k.subscription_id);
            CONTINUE WHEN s.status <> 'active' OR NOT reseller_billing.is_annual(s.plan)
                       OR s.term_end > (p_at AT TIME ZONE k.time_zone)::date;
            PERFORM reseller_billing.renew_term(s, k.time_zone);
            done := done + 1;
        END LOOP;
        EXIT WHEN NOT FOUND;
    END LOOP;

    -- trials that have ended unconverted are suspended
    FOR k IN
        SELECT t.reseller_id, t.subscription_id, pg.time_zone
          FROM reseller_billing.subscription t
          JOIN reseller_billing.reseller r ON r.reseller_id OPERATOR(pg_catalog.=) t.reseller_id
          JOIN reseller_billing.program pg ON pg.program_id OPERATOR(pg_catalog.=) r.program_id
         WHERE t.status = 'trial'
           AND t.trial_end OPERATOR(pg_catalog.<=) (p_at AT TIME ZONE pg.time_zone)::date
         ORDER BY t.reseller_id, t.subscription_id
    LOOP
        s := reseller_billing.lock_subscription(k.reseller_id, k.subscription_id);
        CONTINUE WHEN s.status <> 'trial';
        PERFORM reseller_billing.set_context(s.trial_end::timestamp AT TIME ZONE k.time_zone, 'renew',
                                             'trial ended unconverted');
        UPDATE reseller_billing.subscription t SET status = 'suspended'
         WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
           AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id;
        done := done + 1;
    END LOOP;
    RETURN done;
END $function$
;

