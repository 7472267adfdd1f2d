-- ========================================================================
-- the rules read the billing clock (issue 12; doc/clock.md)
-- ========================================================================
--
-- Each function below read the wall clock (now(), clock_timestamp()) to
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

-- reseller_billing.effective_at()
CREATE OR REPLACE FUNCTION reseller_billing.effective_at()
 RETURNS timestamp with time zone
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    eff     timestamptz := coalesce(nullif(current_setting('reseller_billing.effective_at', true), '')::timestamptz, reseller_billing.clock_now());
BEGIN
    IF eff > reseller_billing.clock_now() THEN
        RAISE EXCEPTION 'a change cannot take effect in the future'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It would take effect at %s.', eff),
                  HINT = 'Changes are applied when they are written; make the change when it is due.';
    END IF;
    RETURN eff;
END $function$
;

-- reseller_billing.seat_before_update()
CREATE OR REPLACE FUNCTION reseller_billing.seat_before_update()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    IF (NEW.reseller_id, NEW.seat_id, NEW.subscription_id) IS DISTINCT FROM (OLD.reseller_id, OLD.seat_id, OLD.subscription_id) THEN
        RAISE EXCEPTION 'seat % cannot move to another subscription', OLD.seat_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'End it (set active_until) and add a seat on the other subscription.';
    END IF;
    IF OLD.active_until IS NOT NULL AND (NEW.active_until IS DISTINCT FROM OLD.active_until
                                         OR NEW.active_from IS DISTINCT FROM OLD.active_from) THEN
        RAISE EXCEPTION 'seat % of subscription % ended at % and is history', OLD.seat_id, OLD.subscription_id, OLD.active_until
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Add a new seat for the user instead.';
    END IF;
    IF GREATEST(NEW.active_from, NEW.active_until) > reseller_billing.clock_now()
       AND (NEW.active_from, NEW.active_until) IS DISTINCT FROM (OLD.active_from, OLD.active_until) THEN
        RAISE EXCEPTION 'seat % of subscription % cannot start or end in the future', OLD.seat_id, OLD.subscription_id
            USING ERRCODE = 'check_violation',
                  DETAIL = format('It would start at %s and end at %s.', NEW.active_from, coalesce(NEW.active_until::text, 'NULL')),
                  HINT = 'End an account (set active_until) when it is removed.';
    END IF;
    RETURN NEW;
END $function$
;

-- reseller_billing.set_context(timestamp with time zone,text,text)
CREATE OR REPLACE FUNCTION reseller_billing.set_context(p_at timestamp with time zone, p_action text DEFAULT ''::text, p_reason text DEFAULT ''::text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    IF p_at IS NULL THEN
        RAISE EXCEPTION 'the moment of a change cannot be null'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT isfinite(p_at) THEN                  -- issue 19 §6
        RAISE EXCEPTION 'the moment of a change must be finite, not %', p_at
            USING ERRCODE = 'datetime_field_overflow';
    END IF;
    IF p_at > reseller_billing.clock_now() THEN
        RAISE EXCEPTION 'a change cannot take effect in the future'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It would take effect at %s.', p_at),
                  HINT = 'Changes are applied when they are written; make the change when it is due.';
    END IF;
    PERFORM set_config('reseller_billing.effective_at', p_at::text, true);
    PERFORM set_config('reseller_billing.action', coalesce(p_action, ''), true);
    PERFORM set_config('reseller_billing.reason', coalesce(p_reason, ''), true);
END $function$
;

-- reseller_billing.add_seats(bigint,bigint,integer,timestamp with time zone)
CREATE OR REPLACE FUNCTION reseller_billing.add_seats(p_reseller bigint, p_subscription bigint, p_seats integer, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
 SET "reseller_billing.effective_at" TO ''
 SET "reseller_billing.action" TO ''
 SET "reseller_billing.reason" TO ''
AS $function$
DECLARE
    s   reseller_billing.subscription := reseller_billing.lock_subscription(p_reseller, p_subscription);
    n   int;
BEGIN
    IF p_seats IS NULL OR p_seats < 1 THEN
        RAISE EXCEPTION 'seats to add to subscription % must be a positive number', p_subscription
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s seats were asked for.', coalesce(p_seats::text, 'NULL'));
    END IF;
    IF p_seats > 1000000 - coalesce(s.committed_seats, 0) THEN     -- issue 19 §6
        RAISE EXCEPTION 'subscription % of reseller % would have more than 1000000 seats', p_subscription, p_reseller
            USING ERRCODE = 'numeric_value_out_of_range',
                  DETAIL = format('It has %s; %s more were asked for.', s.committed_seats, p_seats);
    END IF;
    IF NOT reseller_billing.is_annual(s.plan) THEN
        RAISE EXCEPTION 'subscription % of reseller % is on the % plan, which has no committed seats',
                p_subscription, p_reseller, s.plan
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Raise a Flex subscription''s seat cap with set_seat_cap; convert a trial with change_plan.';
    END IF;
    IF s.status <> 'active' THEN
        RAISE EXCEPTION 'subscription % of reseller % is % and takes no more seats', p_subscription, p_reseller, s.status
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM reseller_billing.set_context(p_at);
    UPDATE reseller_billing.subscription t SET committed_seats = t.committed_seats + p_seats
     WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription
    RETURNING t.committed_seats INTO n;
    RETURN n;
END $function$
;

-- reseller_billing.set_seat_cap(bigint,bigint,integer,timestamp with time zone)
CREATE OR REPLACE FUNCTION reseller_billing.set_seat_cap(p_reseller bigint, p_subscription bigint, p_cap integer, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
 SET "reseller_billing.effective_at" TO ''
 SET "reseller_billing.action" TO ''
 SET "reseller_billing.reason" TO ''
AS $function$
DECLARE
    s   reseller_billing.subscription := reseller_billing.lock_subscription(p_reseller, p_subscription);
BEGIN
    IF p_cap IS NULL OR p_cap < 0 THEN
        RAISE EXCEPTION 'seat cap of subscription % must be zero or more', p_subscription
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was asked for.', coalesce(p_cap::text, 'NULL'));
    END IF;
    IF s.plan OPERATOR(reseller_billing.<>) 'flexible' THEN
        RAISE EXCEPTION 'subscription % of reseller % is on the % plan, whose seat cap cannot be set',
                p_subscription, p_reseller, s.plan
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = CASE WHEN reseller_billing.is_annual(s.plan) THEN 'Add seats to an Annual commitment with add_seats.'
                              ELSE 'A trial''s cap is set by its program.' END;
    END IF;
    PERFORM reseller_billing.set_context(p_at);
    UPDATE reseller_billing.subscription t SET seat_cap = p_cap
     WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription;
    RETURN p_cap;
END $function$
;

-- reseller_billing.change_plan(bigint,bigint,reseller_billing.plan_kind,integer,timestamp with time zone)
CREATE OR REPLACE FUNCTION reseller_billing.change_plan(p_reseller bigint, p_subscription bigint, p_plan reseller_billing.plan_kind, p_seats integer, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS reseller_billing.subscription
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
 SET "reseller_billing.effective_at" TO ''
 SET "reseller_billing.action" TO ''
 SET "reseller_billing.reason" TO ''
AS $function$
DECLARE
    s   reseller_billing.subscription := reseller_billing.lock_subscription(p_reseller, p_subscription);
BEGIN
    IF p_seats IS NULL OR p_seats < 1 THEN
        RAISE EXCEPTION 'the new plan of subscription % needs a positive number of seats', p_subscription
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s seats were asked for.', coalesce(p_seats::text, 'NULL'));
    END IF;
    IF p_plan IS NULL THEN
        RAISE EXCEPTION 'the new plan of subscription % cannot be null', p_subscription
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_plan OPERATOR(reseller_billing.=) 'trial' OR p_plan OPERATOR(reseller_billing.=) s.plan THEN
        RAISE EXCEPTION 'subscription % of reseller % cannot change plan from % to %', p_subscription, p_reseller, s.plan, p_plan
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'A trial becomes Annual or Flex; Flex becomes Annual; Annual becomes Flex at renewal.';
    END IF;
    PERFORM reseller_billing.set_context(p_at);
    UPDATE reseller_billing.subscription t
       SET plan = p_plan,
           committed_seats = CASE WHEN reseller_billing.is_annual(p_plan) THEN p_seats END,
           seat_cap = CASE WHEN reseller_billing.is_annual(p_plan) THEN NULL ELSE p_seats END
     WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription
    RETURNING t.* INTO s;
    RETURN s;
END $function$
;

-- reseller_billing.set_renewal(bigint,bigint,text,timestamp with time zone)
CREATE OR REPLACE FUNCTION reseller_billing.set_renewal(p_reseller bigint, p_subscription bigint, p_setting text, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
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
    IF p_setting IS NULL OR p_setting NOT IN ('auto_renew', 'renew_current_users', 'switch_to_flex', 'cancel') THEN
        RAISE EXCEPTION 'unknown renewal setting "%"', p_setting
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use auto_renew, renew_current_users, switch_to_flex or cancel.';
    END IF;
    PERFORM reseller_billing.set_context(p_at);
    UPDATE reseller_billing.subscription t SET renewal_setting = p_setting
     WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription;
    RETURN p_setting;
END $function$
;

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

-- reseller_billing.renew_due(timestamp with time zone)
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
    tz      text;
    eff     timestamptz;
    done    int := 0;
BEGIN
    IF p_at IS NULL OR p_at > reseller_billing.clock_now() THEN
        RAISE EXCEPTION 'renewals can be applied up to now, not to %', coalesce(p_at::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
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
            tz := k.time_zone;
            eff := s.term_end::timestamp AT TIME ZONE tz;
            PERFORM reseller_billing.set_context(eff, 'renew', 'renewal: ' || s.renewal_setting);
            IF s.renewal_setting = 'cancel' OR (s.renewal_setting = 'renew_current_users' AND s.active_seats = 0) THEN
                UPDATE reseller_billing.subscription t SET status = 'cancelled'   -- its accounts end at eff
                 WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
                   AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id;
            ELSIF s.renewal_setting = 'switch_to_flex' THEN
                UPDATE reseller_billing.subscription t
                   SET plan = 'flexible', seat_cap = t.committed_seats, committed_seats = NULL,
                       term_start = t.term_end, term_end = NULL,
                       partner_price = reseller_billing.partner_price(t.sku_id, 'flexible', t.reseller_id, t.term_end)
                 WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
                   AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id;
            ELSE
                -- auto_renew keeps the seats; renew_current_users commits to
                -- the accounts in use; both at the price current at renewal
                UPDATE reseller_billing.subscription t
                   SET committed_seats = CASE WHEN t.renewal_setting = 'renew_current_users'
                                              THEN t.active_seats ELSE t.committed_seats END,
                       term_start = t.term_end,
                       term_end = (t.term_end + interval '12 months')::date,
                       partner_price = reseller_billing.partner_price(t.sku_id, t.plan, t.reseller_id, t.term_end)
                 WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
                   AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id;
            END IF;
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

-- reseller_billing.close_begin(reseller_billing.billing_period,bigint,timestamp with time zone)
CREATE OR REPLACE FUNCTION reseller_billing.close_begin(p_period reseller_billing.billing_period, p_program bigint, p_as_of timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS bigint[]
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg      reseller_billing.program;
    ids     bigint[];
BEGIN
    IF reseller_billing.anchor(p_period) <> 1 THEN
        RAISE EXCEPTION 'invoices are written per calendar month, not for the cycle %', p_period
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('A calendar month is anchored on day 1; %s is anchored on day %s.',
                                  p_period, reseller_billing.anchor(p_period)),
                  HINT = format('Close %s instead.', left(p_period::text, 7));
    END IF;
    SELECT * INTO pg FROM reseller_billing.program p WHERE p.program_id = p_program;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'program % does not exist', p_program USING ERRCODE = 'no_data_found';
    END IF;
    IF (p_as_of AT TIME ZONE pg.time_zone)::date < reseller_billing.period_end(p_period) THEN
        RAISE EXCEPTION 'month % of program "%" has not ended', p_period, pg.code
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It ends on %s in %s; today is %s there.', reseller_billing.period_end(p_period) - 1,
                                  pg.time_zone, (p_as_of AT TIME ZONE pg.time_zone)::date),
                  HINT = 'Use preview_invoice for an estimate while the month runs.';
    END IF;
    PERFORM pg_advisory_xact_lock(hashtext('reseller_billing.close'), hashtext(p_program::text));
    IF EXISTS (SELECT FROM reseller_billing.period_close c WHERE c.program_id = p_program AND c.period = p_period) THEN
        RETURN NULL;
    END IF;
    SELECT coalesce(array_agg(r.reseller_id ORDER BY r.reseller_id), '{}') INTO ids
      FROM reseller_billing.reseller r
     WHERE r.program_id = p_program
       AND NOT EXISTS (SELECT FROM reseller_billing.invoice i
                        WHERE i.reseller_id = r.reseller_id AND i.period = p_period);
    INSERT INTO reseller_billing.close_progress AS cp
           (program_id, period, started_at, updated_at, resellers_total, resellers_done, invoices_written)
    VALUES (p_program, p_period, clock_timestamp(), clock_timestamp(), coalesce(array_length(ids, 1), 0), 0, 0)
    ON CONFLICT (program_id, period) DO UPDATE
       SET started_at = EXCLUDED.started_at, updated_at = EXCLUDED.updated_at,
           resellers_total = EXCLUDED.resellers_total, resellers_done = 0, invoices_written = 0, finished = false;
    RETURN ids;
END $function$
;

-- reseller_billing.close_step(reseller_billing.billing_period,bigint,bigint,bigint,integer)
CREATE OR REPLACE FUNCTION reseller_billing.close_step(p_period reseller_billing.billing_period, p_program bigint, p_lo bigint, p_hi bigint, p_done integer)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    n       int;
    cp      reseller_billing.close_progress;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('reseller_billing.close'), hashtext(p_program::text));
    IF EXISTS (SELECT FROM reseller_billing.period_close c WHERE c.program_id = p_program AND c.period = p_period) THEN
        RETURN 0;
    END IF;
    n := reseller_billing.close_chunk(p_period, p_program, p_lo, p_hi, true);
    UPDATE reseller_billing.close_progress c
       SET updated_at = clock_timestamp(), resellers_done = p_done, invoices_written = c.invoices_written + n
     WHERE c.program_id = p_program AND c.period = p_period
    RETURNING * INTO cp;
    RAISE NOTICE 'closing % of program %: % of % resellers visited, % invoices written',
        p_period, p_program, cp.resellers_done, cp.resellers_total, cp.invoices_written;
    RETURN n;
END $function$
;

-- reseller_billing.close_finish(reseller_billing.billing_period,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.close_finish(p_period reseller_billing.billing_period, p_program bigint)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    n       int;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('reseller_billing.close'), hashtext(p_program::text));
    -- a CSP program's two-tier invoices, before the month is recorded closed
    -- (section 96; nothing for other programs)
    n := reseller_billing.channel_close(p_period, p_program);
    INSERT INTO reseller_billing.period_close (program_id, period, invoices)
    SELECT p_program, p_period, count(*)::int FROM reseller_billing.invoice i
     WHERE i.program_id = p_program AND i.period = p_period
    ON CONFLICT DO NOTHING;
    UPDATE reseller_billing.close_progress c
       SET finished = true, updated_at = clock_timestamp(), invoices_written = c.invoices_written + n
     WHERE c.program_id = p_program AND c.period = p_period;
END $function$
;

-- reseller_billing.close_period(reseller_billing.billing_period,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.close_period(p_period reseller_billing.billing_period, p_program bigint DEFAULT NULL::bigint)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    prog    bigint;
    ids     bigint[];
    step    constant int := 1000;
    i       int;
    written int := 0;
BEGIN
    IF p_period IS NULL THEN                    -- issue 19 §4
        RAISE EXCEPTION 'closing needs the month to close' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_program IS NOT NULL AND NOT EXISTS (SELECT FROM reseller_billing.program pg WHERE pg.program_id = p_program) THEN
        RAISE EXCEPTION 'program % does not exist', p_program
            USING ERRCODE = 'no_data_found',
                  HINT = 'Pass a program_id from reseller_billing.program, or NULL to close every program.';
    END IF;
    -- every program whose month has ended in its own time zone (a program
    -- named explicitly must have ended: close_begin says so)
    FOR prog IN SELECT pg.program_id FROM reseller_billing.program pg
                 WHERE (p_program IS NULL AND (reseller_billing.clock_now() AT TIME ZONE pg.time_zone)::date >= reseller_billing.period_end(p_period))
                    OR pg.program_id = p_program
                 ORDER BY 1
    LOOP
        ids := reseller_billing.close_begin(p_period, prog);
        CONTINUE WHEN ids IS NULL;
        i := 0;
        WHILE i < coalesce(array_length(ids, 1), 0) LOOP
            written := written + reseller_billing.close_step(p_period, prog, ids[i + 1],
                                                             ids[LEAST(i + step, array_length(ids, 1))],
                                                             LEAST(i + step, array_length(ids, 1)));
            i := i + step;
        END LOOP;
        PERFORM reseller_billing.close_finish(p_period, prog);
    END LOOP;
    RETURN written;
END $function$
;

-- reseller_billing.close_period(reseller_billing.billing_period,bigint,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.close_period(p_period reseller_billing.billing_period, p_program bigint, p_reseller bigint)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg      reseller_billing.program;
    rs      reseller_billing.reseller;
    owner   text;
BEGIN
    IF p_period IS NULL OR p_program IS NULL OR p_reseller IS NULL THEN
        RAISE EXCEPTION 'closing a month for one reseller needs a month, a program and a reseller'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The month given is %s, the program %s and the reseller %s.',
                                  coalesce(p_period::text, 'NULL'), coalesce(p_program::text, 'NULL'),
                                  coalesce(p_reseller::text, 'NULL'));
    END IF;
    IF reseller_billing.anchor(p_period) <> 1 THEN
        RAISE EXCEPTION 'invoices are written per calendar month, not for the cycle %', p_period
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('A calendar month is anchored on day 1; %s is anchored on day %s.',
                                  p_period, reseller_billing.anchor(p_period)),
                  HINT = format('Close %s instead.', left(p_period::text, 7));
    END IF;
    SELECT * INTO pg FROM reseller_billing.program p WHERE p.program_id = p_program;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'program % does not exist', p_program
            USING ERRCODE = 'no_data_found',
                  HINT = 'Pass a program_id from reseller_billing.program.';
    END IF;
    SELECT * INTO rs FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'reseller % does not exist', p_reseller
            USING ERRCODE = 'no_data_found',
                  HINT = format('Pass a reseller_id of program "%s" from reseller_billing.reseller.', pg.code);
    END IF;
    IF rs.program_id <> p_program THEN
        SELECT p.code INTO owner FROM reseller_billing.program p WHERE p.program_id = rs.program_id;
        RAISE EXCEPTION 'reseller % is not in program "%"', p_reseller, pg.code
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Reseller %s ("%s") belongs to program %s ("%s"); program %s ("%s") was given.',
                                  p_reseller, rs.name, rs.program_id, owner, p_program, pg.code),
                  HINT = format('Close it with close_period(''%s'', %s, %s).', p_period, rs.program_id, p_reseller);
    END IF;
    IF (reseller_billing.clock_now() AT TIME ZONE pg.time_zone)::date < reseller_billing.period_end(p_period) THEN
        RAISE EXCEPTION 'month % of program "%" has not ended', p_period, pg.code
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It ends on %s in %s; today is %s there.', reseller_billing.period_end(p_period) - 1,
                                  pg.time_zone, (reseller_billing.clock_now() AT TIME ZONE pg.time_zone)::date),
                  HINT = 'Use preview_invoice for an estimate while the month runs.';
    END IF;
    -- the program's close lock, as every close takes it: calls for the same
    -- program take turns, and the second call for a reseller finds its
    -- invoices written
    PERFORM pg_advisory_xact_lock(hashtext('reseller_billing.close'), hashtext(p_program::text));
    IF EXISTS (SELECT FROM reseller_billing.period_close c WHERE c.program_id = p_program AND c.period = p_period) THEN
        RETURN 0;
    END IF;
    -- a CSP provider, and an indirect reseller billed through one, are
    -- invoiced by channel_close in the program-level close (close_chunk
    -- holds their lines back): nothing to write here
    IF reseller_billing.is_csp_program(p_program)
       AND (rs.tier = 'indirect_provider'
            OR (rs.tier = 'indirect_reseller'
                AND EXISTS (SELECT FROM reseller_billing.provider_partnership p WHERE p.reseller_id = p_reseller))) THEN
        RAISE NOTICE 'reseller % of program "%" is billed through the CSP channel: close_period(''%'', %) writes its invoices',
            p_reseller, pg.code, p_period, p_program;
        RETURN 0;
    END IF;
    RETURN reseller_billing.close_chunk(p_period, p_program, p_reseller, p_reseller, true);
END $function$
;

-- reseller_billing.close_period_batched(reseller_billing.billing_period,bigint,integer,timestamp with time zone,integer)
CREATE OR REPLACE PROCEDURE reseller_billing.close_period_batched(IN p_period reseller_billing.billing_period, IN p_program bigint DEFAULT NULL::bigint, IN p_batch integer DEFAULT 500, IN p_as_of timestamp with time zone DEFAULT reseller_billing.clock_now(), INOUT p_written integer DEFAULT 0)
 LANGUAGE plpgsql
AS $procedure$
DECLARE
    progs   bigint[];
    prog    bigint;
    ids     bigint[];
    i       int;
    n       int;
BEGIN
    IF p_period IS NULL THEN                    -- issue 19 §4
        RAISE EXCEPTION 'closing needs the month to close' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_batch IS NULL OR p_batch OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'batch size must be positive'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('The batch size is at least 1 reseller; %s was given.',
                                             COALESCE(p_batch::text, 'NULL'));
    END IF;
    IF p_program IS NOT NULL AND NOT EXISTS (SELECT FROM reseller_billing.program pg
                                              WHERE pg.program_id OPERATOR(pg_catalog.=) p_program) THEN
        RAISE EXCEPTION 'program % does not exist', p_program
            USING ERRCODE = 'no_data_found',
                  HINT = 'Pass a program_id from reseller_billing.program, or NULL to close every program.';
    END IF;
    SELECT pg_catalog.array_agg(pg.program_id ORDER BY pg.program_id) INTO progs
      FROM reseller_billing.program pg
     WHERE p_program IS NULL OR pg.program_id OPERATOR(pg_catalog.=) p_program;
    p_written := 0;
    FOREACH prog IN ARRAY COALESCE(progs, '{}'::bigint[]) LOOP
        ids := reseller_billing.close_begin(p_period, prog, p_as_of);
        COMMIT;
        CONTINUE WHEN ids IS NULL;
        n := COALESCE(pg_catalog.array_length(ids, 1), 0);
        i := 0;
        WHILE i OPERATOR(pg_catalog.<) n LOOP
            p_written := p_written OPERATOR(pg_catalog.+)
                reseller_billing.close_step(p_period, prog, ids[i OPERATOR(pg_catalog.+) 1],
                                            ids[LEAST(i OPERATOR(pg_catalog.+) p_batch, n)],
                                            LEAST(i OPERATOR(pg_catalog.+) p_batch, n));
            COMMIT;
            i := i OPERATOR(pg_catalog.+) p_batch;
        END LOOP;
        PERFORM reseller_billing.close_finish(p_period, prog);
        COMMIT;
    END LOOP;
END $procedure$
;

-- reseller_billing.void_invoice(bigint,bigint,text)
CREATE OR REPLACE FUNCTION reseller_billing.void_invoice(p_reseller bigint, p_invoice bigint, p_reason text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    inv     reseller_billing.invoice;
BEGIN
    SELECT * INTO inv FROM reseller_billing.invoice i
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'invoice % of reseller % does not exist', p_invoice, p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    IF inv.status <> 'issued' OR value(inv.paid) <> 0 OR value(inv.credited) <> 0 THEN
        RAISE EXCEPTION 'invoice % of reseller % cannot be voided', inv.invoice_number, p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('It is %s, with %s paid and %s credited; only an issued invoice with nothing paid or credited can be voided.',
                                  inv.status, inv.paid, inv.credited),
                  HINT = CASE WHEN inv.status = 'void' THEN 'It is void already.'
                              WHEN inv.status = 'draft' THEN 'A draft is issued or discarded by the close that wrote it.'
                              ELSE 'Correct it with a credit note instead.' END;
    END IF;
    UPDATE reseller_billing.credit c
       SET remaining = c.remaining + a.amount
      FROM (SELECT ca.credit_id, sum(ca.amount) AS amount FROM reseller_billing.credit_application ca
             WHERE ca.reseller_id = p_reseller AND ca.invoice_id = p_invoice GROUP BY ca.credit_id) a
     WHERE c.reseller_id = p_reseller AND c.credit_id = a.credit_id;
    INSERT INTO reseller_billing.late_change AS lc (reseller_id, subscription_id, service_period)
    SELECT DISTINCT l.reseller_id, l.subscription_id, l.service_period
      FROM reseller_billing.invoice_line l
     WHERE l.reseller_id = p_reseller AND l.invoice_id = p_invoice AND l.subscription_id IS NOT NULL
       AND l.kind IN ('annual_installment', 'annual_prepaid', 'flex_usage', 'adjustment')
    ON CONFLICT (reseller_id, subscription_id, service_period) DO UPDATE SET recorded_at = EXCLUDED.recorded_at;
    -- its charges (one-off, early termination) are still owed: each is
    -- recorded again, as a new charge the next close bills once
    INSERT INTO reseller_billing.charge (reseller_id, customer_id, subscription_id, kind, description, amount, charge_on)
    SELECT c.reseller_id, c.customer_id, c.subscription_id, c.kind,
           format('%s (billed again: invoice %s was voided)', c.description, inv.invoice_number), c.amount, c.charge_on
      FROM reseller_billing.invoice_line l
      JOIN reseller_billing.charge c ON c.reseller_id = l.reseller_id AND c.charge_id = l.charge_id
     WHERE l.reseller_id = p_reseller AND l.invoice_id = p_invoice
     ORDER BY l.line_no;
    PERFORM set_config('reseller_billing.action', 'void', true);
    UPDATE reseller_billing.invoice i
       SET status = 'void', voided_at = reseller_billing.clock_now(), void_reason = p_reason
     WHERE i.reseller_id = p_reseller AND i.invoice_id = p_invoice;
    PERFORM set_config('reseller_billing.action', '', true);
END $function$
;

-- reseller_billing.seat_late_change()
CREATE OR REPLACE FUNCTION reseller_billing.seat_late_change()
 RETURNS trigger
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NULL;
    END IF;
    -- a change reaching back before this month may race a close of that
    -- month: wait for a close in progress of the program to commit, so its
    -- invoices are seen below (the close takes the same lock exclusively)
    PERFORM reseller_billing.wait_for_close(x.program_id)
       FROM (SELECT DISTINCT r.program_id
               FROM seat_new n
               JOIN reseller_billing.reseller r ON r.reseller_id = n.reseller_id
               JOIN reseller_billing.program pg ON pg.program_id = r.program_id
              WHERE LEAST(n.active_from, n.active_until)
                    < (date_trunc('month', reseller_billing.clock_now() AT TIME ZONE pg.time_zone) AT TIME ZONE pg.time_zone)) x;
    -- the earliest moment the statement changed, per subscription: the
    -- earlier of an account's old and new start (when moved) and its end
    -- (when ended); every billed month from then on is stale.  Inserted
    -- accounts are marked by the seat counting trigger (section 50).
    WITH touched AS (
        SELECT m.reseller_id, m.subscription_id,
               billing_period((m.moment AT TIME ZONE pg.time_zone)::date) AS first_month
          FROM (SELECT n.reseller_id, n.subscription_id,
                       min(LEAST(CASE WHEN o.active_from IS DISTINCT FROM n.active_from
                                      THEN LEAST(o.active_from, n.active_from) END,
                                 CASE WHEN o.active_until IS DISTINCT FROM n.active_until
                                      THEN coalesce(n.active_until, o.active_until) END)) AS moment
                  FROM seat_new n
                  JOIN seat_old o ON o.reseller_id = n.reseller_id AND o.seat_id = n.seat_id
                 GROUP BY n.reseller_id, n.subscription_id) m
          JOIN reseller_billing.reseller r ON r.reseller_id = m.reseller_id
          JOIN reseller_billing.program pg ON pg.program_id = r.program_id
         WHERE m.moment IS NOT NULL
    )
    INSERT INTO reseller_billing.late_change AS lc (reseller_id, subscription_id, service_period)
    SELECT DISTINCT t.reseller_id, t.subscription_id, b.m
      FROM touched t
     CROSS JOIN LATERAL reseller_billing.billed_months(t.reseller_id, t.first_month) b(m)
    ON CONFLICT (reseller_id, subscription_id, service_period) DO UPDATE SET recorded_at = EXCLUDED.recorded_at;
    RETURN NULL;
END $function$
;

-- reseller_billing.run_due(timestamp with time zone,integer,integer)
CREATE OR REPLACE PROCEDURE reseller_billing.run_due(IN p_at timestamp with time zone DEFAULT reseller_billing.clock_now(), INOUT p_renewed integer DEFAULT 0, INOUT p_invoices integer DEFAULT 0)
 LANGUAGE plpgsql
AS $procedure$
DECLARE
    progs   bigint[];
    prog    bigint;
    months  reseller_billing.billing_period[];
    m       reseller_billing.billing_period;
    n       int;
    rids    bigint[];
    i       int;
BEGIN
    p_renewed := reseller_billing.renew_due(p_at);
    COMMIT;
    p_invoices := 0;
    SELECT pg_catalog.array_agg(pg.program_id ORDER BY pg.program_id) INTO progs FROM reseller_billing.program pg;
    FOREACH prog IN ARRAY COALESCE(progs, '{}'::bigint[]) LOOP
        SELECT pg_catalog.array_agg(d ORDER BY d) INTO months FROM reseller_billing.months_due(prog, p_at) d;
        FOREACH m IN ARRAY COALESCE(months, '{}'::reseller_billing.billing_period[]) LOOP
            n := 0;
            CALL reseller_billing.close_period_batched(m, prog, 500, p_at, n);
            p_invoices := p_invoices OPERATOR(pg_catalog.+) n;
        END LOOP;
    END LOOP;
    -- order-based resale (section 94): each reseller with orders on credit
    -- gets its statement for the month of p_at, as of the 1st, once (the
    -- first run on or after the 1st writes it; one with nothing to list
    -- gets none)
    SELECT pg_catalog.array_agg(d.reseller_id ORDER BY d.reseller_id), pg_catalog.array_agg(d.period ORDER BY d.reseller_id)
      INTO rids, months
      FROM reseller_billing.statements_due(p_at) d;
    FOR i IN 1 .. COALESCE(pg_catalog.array_length(rids, 1), 0) LOOP
        PERFORM reseller_billing.write_statement(rids[i], months[i], true);
        COMMIT;
    END LOOP;
END $procedure$
;

-- reseller_billing.migrate_to_postpaid(bigint,timestamp with time zone)
CREATE OR REPLACE FUNCTION reseller_billing.migrate_to_postpaid(p_reseller bigint, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS reseller_billing.migration
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
 SET "reseller_billing.effective_at" TO ''
 SET "reseller_billing.action" TO ''
 SET "reseller_billing.reason" TO ''
AS $function$
DECLARE
    r           record;
    local_day   date;
    blackout    int;
    last_day    date;
    trial_days  int;
    before      record;
    after       record;
    s           reseller_billing.subscription;
    paid        reseller_billing.amount;
    days        int;
    left_days   int;
    becomes     text;
    total       reseller_billing.amount;
    m           reseller_billing.migration;
BEGIN
    IF p_reseller IS NULL OR p_at IS NULL THEN
        RAISE EXCEPTION 'a migration needs a reseller and a moment'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    -- one migration of a reseller at a time: a second waits here, then
    -- finds the reseller post-paid
    SELECT rs.reseller_id, rs.billing_model, pg.code AS program, pg.time_zone, pg.currency, pg.trial_days,
           pg.settings
      INTO r
      FROM reseller_billing.reseller rs
      JOIN reseller_billing.program pg ON pg.program_id OPERATOR(pg_catalog.=) rs.program_id
     WHERE rs.reseller_id OPERATOR(pg_catalog.=) p_reseller
       FOR UPDATE OF rs;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'reseller % does not exist', p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    IF r.billing_model = 'postpaid' THEN
        RAISE EXCEPTION 'reseller % is already post-paid and cannot migrate', p_reseller
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = coalesce((SELECT format('It migrated at %s.', x.migrated_at)
                                       FROM reseller_billing.migration x
                                      WHERE x.reseller_id OPERATOR(pg_catalog.=) p_reseller),
                                    'It has always been post-paid.');
    END IF;
    PERFORM reseller_billing.set_context(p_at, 'migrate', 'migration to post-paid');
    local_day := (p_at AT TIME ZONE r.time_zone)::date;
    blackout := coalesce((r.settings ->> 'migration_blackout_days')::int, 3);
    last_day := (date_trunc('month', local_day) + interval '1 month - 1 day')::date;
    IF local_day > last_day - blackout THEN
        RAISE EXCEPTION 'reseller % cannot migrate on %: the last % days of the month are closed to migration',
                p_reseller, local_day, blackout
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Program "%s" closes migrations from %s to %s so that the month''s invoices are not disturbed.',
                                  r.program, last_day - blackout + 1, last_day),
                  HINT = format('Migrate on %s or later.', last_day + 1);
    END IF;
    trial_days := LEAST(30, r.trial_days);

    -- hold the reseller's business still: no new subscription (customer
    -- rows), no seat counted twice (subscription rows, in key order)
    PERFORM FROM reseller_billing.customer c WHERE c.reseller_id OPERATOR(pg_catalog.=) p_reseller
     ORDER BY c.customer_id FOR UPDATE;
    PERFORM FROM reseller_billing.subscription t WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
     ORDER BY t.subscription_id FOR NO KEY UPDATE;
    SELECT * INTO before FROM reseller_billing.migration_counts(p_reseller);

    INSERT INTO reseller_billing.migration
           (reseller_id, migrated_at, customers_before, subscriptions_before, accounts_before)
    VALUES (p_reseller, p_at, before.customers, before.subscriptions, before.accounts);

    FOR s IN
        SELECT * FROM reseller_billing.subscription t
         WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
           AND t.plan OPERATOR(reseller_billing.=) 'annual_prepaid' AND t.status <> 'cancelled'
         ORDER BY t.subscription_id
    LOOP
        -- paid: the tranches of the current prepaid term (the year and the
        -- seats added to it), each billed whole when it started
        SELECT reseller_billing.sum(t.total) INTO paid
          FROM reseller_billing.commitment_tranche t
         WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
           AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id
           AND t.plan OPERATOR(reseller_billing.=) 'annual_prepaid'
           AND t.term_start OPERATOR(pg_catalog.=) s.term_start;
        paid := coalesce(paid, reseller_billing.amount(0, r.currency));
        days := s.term_end - s.term_start;
        left_days := LEAST(days, GREATEST(0, s.term_end - local_day));
        becomes := CASE
            -- the old grace period: expired within the last 30 days, not renewed
            WHEN s.term_end <= local_day AND s.term_end > local_day - 30
                 AND (s.status = 'suspended' OR s.renewal_setting = 'cancel') THEN 'final_trial'
            -- within 30 days of its renewal date, set not to renew
            WHEN s.status = 'active' AND s.term_end > local_day AND s.term_end <= local_day + 30
                 AND s.renewal_setting = 'cancel' THEN 'renewal_trial'
            ELSE 'annual_monthly' END;
        IF becomes = 'annual_monthly' THEN
            UPDATE reseller_billing.subscription t SET plan = 'annual_monthly'
             WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
               AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id
            RETURNING t.* INTO s;
            -- the rest of the term is billed monthly from the migration day
            IF local_day < s.term_end THEN
                PERFORM reseller_billing.add_tranche(s, s.committed_seats, GREATEST(local_day, s.term_start));
            END IF;
        ELSE
            UPDATE reseller_billing.subscription t
               SET plan = 'trial', status = 'trial', seat_cap = t.committed_seats, committed_seats = NULL,
                   term_start = local_day, term_end = NULL, trial_end = local_day + trial_days,
                   partner_price = reseller_billing.partner_price(t.sku_id, 'trial', t.reseller_id, local_day)
             WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
               AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id;
        END IF;
        INSERT INTO reseller_billing.migration_order
               (reseller_id, subscription_id, customer_id, sku_id, seats, term_start, term_end, amount_paid,
                days_in_term, days_left, amount_credited, status_before, migrated_to)
        VALUES (s.reseller_id, s.subscription_id, s.customer_id, s.sku_id, s.committed_seats, s.term_start,
                s.term_end, paid, days, left_days, reseller_billing.prorate_fraction(paid, left_days, days),
                s.status, becomes);
    END LOOP;

    -- the credit: one, for the sum of the orders' unused parts
    SELECT reseller_billing.sum(x.amount_credited), count(*) INTO total, days
      FROM reseller_billing.migration_order x WHERE x.reseller_id OPERATOR(pg_catalog.=) p_reseller;
    UPDATE reseller_billing.migration x SET orders_migrated = days
     WHERE x.reseller_id OPERATOR(pg_catalog.=) p_reseller;
    IF total IS NOT NULL AND reseller_billing.value(total) > 0 THEN
        UPDATE reseller_billing.migration x
           SET credit_id = reseller_billing.grant_credit(p_reseller, total, 'migration credit',
                   jsonb_build_object('customer_kind', jsonb_build_array('online'),
                                      'sku_family', jsonb_build_array(coalesce(r.settings ->> 'main_family', 'apps')),
                                      'line_kind', jsonb_build_array('annual_installment', 'flex_usage')))
         WHERE x.reseller_id OPERATOR(pg_catalog.=) p_reseller;
    END IF;

    UPDATE reseller_billing.reseller rs SET billing_model = 'postpaid'
     WHERE rs.reseller_id OPERATOR(pg_catalog.=) p_reseller;

    -- nothing lost
    SELECT * INTO after FROM reseller_billing.migration_counts(p_reseller);
    IF (after.customers, after.subscriptions, after.accounts)
       IS DISTINCT FROM (before.customers, before.subscriptions, before.accounts) THEN
        RAISE EXCEPTION 'the migration of reseller % would change its business', p_reseller
            USING ERRCODE = 'internal_error',
                  DETAIL = format('Before: %s customers, %s subscriptions, %s active accounts; after: %s, %s, %s.',
                                  before.customers, before.subscriptions, before.accounts,
                                  after.customers, after.subscriptions, after.accounts);
    END IF;
    UPDATE reseller_billing.migration x
       SET customers_after = after.customers, subscriptions_after = after.subscriptions, accounts_after = after.accounts
     WHERE x.reseller_id OPERATOR(pg_catalog.=) p_reseller
    RETURNING x.* INTO m;
    RETURN m;
END $function$
;

-- reseller_billing.place_order_unchecked(bigint,jsonb,jsonb,date)
CREATE OR REPLACE FUNCTION reseller_billing.place_order_unchecked(p_reseller bigint, p_ship_to jsonb, p_lines jsonb, p_on date DEFAULT NULL::date)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg          reseller_billing.program;
    rs          reseller_billing.reseller;
    today       date;
    k           text;
    ln          jsonb;
    i           int := 0;
    line_no     int := 0;
    sku         reseller_billing.sku;
    qty         numeric;
    maxq        numeric;
    unit        reseller_billing.amount;
    amt         reseller_billing.amount;
    tx          record;
    tax_amt     reseller_billing.amount;
    v_sub       numeric := 0;
    v_tax       numeric := 0;
    standing    text;
    email       text;
    domain      text;
    oid_        bigint;
    zero        reseller_billing.amount;
BEGIN
    IF p_reseller IS NULL THEN
        RAISE EXCEPTION 'an order needs a reseller' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    pg := reseller_billing.lock_reseller(p_reseller);
    SELECT * INTO rs FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller;
    today := reseller_billing.program_date(p_reseller, reseller_billing.effective_at());
    IF p_on IS NULL THEN
        p_on := today;
    ELSIF p_on > today THEN
        RAISE EXCEPTION 'order of reseller % cannot be placed in the future', p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It would be placed on %s; today is %s in program "%s".', p_on, today, pg.code);
    END IF;

    -- ship-to
    IF p_ship_to IS NULL OR jsonb_typeof(p_ship_to) <> 'object' THEN
        RAISE EXCEPTION 'order of reseller %: ship-to must be a JSON object', p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It is %s.', coalesce(p_ship_to::text, 'NULL')),
                  HINT = 'Give {"name": ..., "email": ..., "domain": ..., "address": ..., "city": ..., "region": ..., "postal_code": ..., "country": ...}.';
    END IF;
    FOR k IN SELECT jsonb_object_keys(p_ship_to) LOOP
        IF k NOT IN ('name', 'email', 'domain', 'address', 'city', 'region', 'postal_code', 'country') THEN
            RAISE EXCEPTION 'order of reseller %: unknown ship-to field "%"', p_reseller, k
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'The fields are name, email, domain, address, city, region, postal_code and country.';
        END IF;
        IF jsonb_typeof(p_ship_to -> k) NOT IN ('string', 'null') THEN
            RAISE EXCEPTION 'order of reseller %: ship-to field "%" must be a string', p_reseller, k
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('It is %s.', p_ship_to -> k);
        END IF;
    END LOOP;
    IF coalesce(btrim(p_ship_to ->> 'name'), '') = '' THEN
        RAISE EXCEPTION 'order of reseller %: the ship-to customer needs a name', p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The ship-to given is %s.', p_ship_to);
    END IF;
    email := btrim(p_ship_to ->> 'email');
    IF email IS NULL OR email !~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' THEN
        RAISE EXCEPTION 'order of reseller %: the ship-to e-mail is not an e-mail address', p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It is %s.', coalesce(quote_literal(email), 'missing')),
                  HINT = 'The customer''s account is created from (or matched by) this address.';
    END IF;
    domain := lower(btrim(p_ship_to ->> 'domain'));
    IF domain = '' THEN
        domain := NULL;
    END IF;
    IF domain !~ '^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$' THEN
        RAISE EXCEPTION 'order of reseller %: the ship-to domain is not a domain name', p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It is %s.', quote_literal(p_ship_to ->> 'domain'));
    END IF;
    IF p_ship_to ->> 'country' !~ '^[A-Z]{2}$' THEN
        RAISE EXCEPTION 'order of reseller %: the ship-to country must be an ISO 3166 two-letter code', p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It is %s.', quote_literal(p_ship_to ->> 'country'));
    END IF;

    -- lines: checked before anything is written
    IF p_lines IS NULL OR jsonb_typeof(p_lines) <> 'array' OR jsonb_array_length(p_lines) = 0 THEN
        RAISE EXCEPTION 'order of reseller % needs at least one line', p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The lines given are %s.', coalesce(p_lines::text, 'NULL')),
                  HINT = 'Give a JSON array such as [{"sku": "GD-WORDS-DEV", "quantity": 2}].';
    END IF;
    IF jsonb_array_length(p_lines) > 100 THEN
        RAISE EXCEPTION 'order of reseller % has too many lines', p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The limit is 100 lines; %s were given.', jsonb_array_length(p_lines));
    END IF;
    maxq := reseller_billing.order_setting(pg.program_id, 'max_order_quantity', 1000, 1, 1000000);

    standing := reseller_billing.reseller_standing(p_reseller, p_on);
    zero := reseller_billing.amount(0, pg.currency);
    INSERT INTO reseller_billing.licence_order
           (reseller_id, placed_on, currency, ship_to_name, ship_to_email, ship_to_domain, ship_to_address,
            ship_to_city, ship_to_region, ship_to_postal_code, ship_to_country, requires_prepayment,
            prepayment_reason, due_on, subtotal, tax, total, paid, paid_on, placed_at)
    VALUES (p_reseller, p_on, pg.currency, btrim(p_ship_to ->> 'name'), email, domain, p_ship_to ->> 'address',
            p_ship_to ->> 'city', p_ship_to ->> 'region', p_ship_to ->> 'postal_code', p_ship_to ->> 'country',
            standing <> 'normal', CASE WHEN standing <> 'normal' THEN standing END,
            CASE WHEN standing = 'normal' THEN reseller_billing.due_date(p_on, p_on, reseller_billing.payment_terms(p_reseller)) END,  -- issue 15 §1
            zero, zero, zero, zero, p_on, reseller_billing.clock_now())
    RETURNING order_id INTO oid_;

    IF rs.country = 'US' THEN
        tx := reseller_billing.sales_tax_rate(p_reseller, p_on);
        IF tx.reason = 'no_state' THEN
            RAISE EXCEPTION 'reseller % ("%") is in the US but its region is not a US state code', p_reseller, rs.name
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('Its region is %s; the sales tax of an order follows the reseller''s state.',
                                      coalesce(quote_literal(rs.region), 'NULL')),
                      HINT = 'Set reseller.region to the two-letter state code, such as CA.';
        END IF;
    END IF;
    FOR ln IN SELECT e FROM jsonb_array_elements(p_lines) e LOOP
        i := i + 1;
        IF jsonb_typeof(ln) <> 'object' OR NOT ln ? 'sku' OR NOT ln ? 'quantity'
           OR (SELECT count(*) FROM jsonb_object_keys(ln)) <> 2 THEN
            RAISE EXCEPTION 'order of reseller %: line % must be {"sku": code, "quantity": n}', p_reseller, i
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('It is %s.', ln);
        END IF;
        SELECT * INTO sku FROM reseller_billing.sku s
         WHERE s.program_id = pg.program_id AND s.code = ln ->> 'sku';
        IF NOT FOUND THEN
            RAISE EXCEPTION 'order of reseller %: line %: SKU % is not sold in program "%"', p_reseller, i, ln -> 'sku', pg.code
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('The line is %s.', ln);
        END IF;
        IF sku.unit <> 'licence' THEN
            RAISE EXCEPTION 'order of reseller %: line %: SKU "%" is sold per %, not per licence', p_reseller, i, sku.code, sku.unit
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Seats are sold by subscription, not by order.';
        END IF;
        qty := NULL;
        IF jsonb_typeof(ln -> 'quantity') = 'number' THEN
            qty := (ln ->> 'quantity')::numeric;
        END IF;
        IF qty IS NULL OR qty <> trunc(qty) OR qty < 1 OR qty > maxq THEN
            RAISE EXCEPTION 'order of reseller %: line %: quantity of SKU "%" must be a whole number from 1 to %', p_reseller, i, sku.code, maxq
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('The quantity given is %s; the limit is %s (setting max_order_quantity of program "%s").',
                                      ln -> 'quantity', maxq, pg.code);
        END IF;
        unit := reseller_billing.partner_price(sku.sku_id, 'annual_prepaid', p_reseller, p_on);
        amt := reseller_billing.round(unit * qty::int);
        line_no := line_no + 1;
        INSERT INTO reseller_billing.licence_order_line (reseller_id, order_id, line_no, kind, description, sku_id, plan,
                                                         quantity, unit_price, amount)
        VALUES (p_reseller, oid_, line_no, 'licence', format('%s x %s (%s), one year', qty, sku.name, sku.code),
                sku.sku_id, 'annual_prepaid', qty::int, unit, amt);
        v_sub := v_sub + reseller_billing.value(amt);
        IF rs.country = 'US' THEN
            tax_amt := reseller_billing.sales_tax(p_reseller, p_on, amt);
            line_no := line_no + 1;
            INSERT INTO reseller_billing.licence_order_line (reseller_id, order_id, line_no, kind, description, amount,
                                                             tax_of_line, tax_state, tax_rate, tax_reason,
                                                             exemption_certificate)
            VALUES (p_reseller, oid_, line_no, 'tax',
                    CASE tx.reason
                        WHEN 'taxable' THEN format('Sales tax %s %s%% on line %s', tx.state,
                                                   rtrim(rtrim((tx.rate * 100)::text, '0'), '.'), line_no - 1)
                        WHEN 'exempt' THEN format('Sales tax %s: exempt (certificate %s) on line %s', tx.state,
                                                  tx.certificate_number, line_no - 1)
                        ELSE format('Sales tax %s: no rate on %s, line %s', tx.state, p_on, line_no - 1) END,
                    tax_amt, line_no - 1, tx.state, tx.rate, tx.reason, tx.certificate_number);
            v_tax := v_tax + reseller_billing.value(tax_amt);
        END IF;
    END LOOP;

    PERFORM set_config('reseller_billing.action', 'order_settle', true);
    UPDATE reseller_billing.licence_order o
       SET subtotal = reseller_billing.amount(v_sub, pg.currency),
           tax = reseller_billing.amount(v_tax, pg.currency),
           total = reseller_billing.amount(v_sub + v_tax, pg.currency),
           paid_on = CASE WHEN v_sub + v_tax = 0 THEN p_on END
     WHERE o.reseller_id = p_reseller AND o.order_id = oid_;
    PERFORM set_config('reseller_billing.action', '', true);

    IF standing = 'normal' OR v_sub + v_tax = 0 THEN
        PERFORM reseller_billing.issue_order_licence(p_reseller, oid_, p_on);
    END IF;
    RETURN oid_;
END $function$
;

-- reseller_billing.settle_order_item(bigint,bigint,date,bigint,bigint,numeric,text)
CREATE OR REPLACE FUNCTION reseller_billing.settle_order_item(p_reseller bigint, p_payment bigint, p_received_on date, p_order bigint, p_interest bigint, p_part numeric, p_currency text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    part    reseller_billing.amount := reseller_billing.amount(p_part, p_currency);
    o       reseller_billing.licence_order;
BEGIN
    INSERT INTO reseller_billing.order_payment_allocation (reseller_id, payment_id, order_id, interest_id, amount, allocated_at)
    VALUES (p_reseller, p_payment, p_order, p_interest, part, reseller_billing.clock_now());
    UPDATE reseller_billing.payment p SET unapplied = p.unapplied - part
     WHERE p.reseller_id = p_reseller AND p.payment_id = p_payment;
    IF p_order IS NOT NULL THEN
        PERFORM set_config('reseller_billing.action', 'order_settle', true);
        UPDATE reseller_billing.licence_order x
           SET paid = x.paid + part,
               paid_on = CASE WHEN x.paid + part = x.total THEN p_received_on END
         WHERE x.reseller_id = p_reseller AND x.order_id = p_order
        RETURNING * INTO o;
        PERFORM set_config('reseller_billing.action', '', true);
        IF o.paid_on IS NOT NULL AND o.licensed_on IS NULL THEN
            PERFORM reseller_billing.issue_order_licence(p_reseller, p_order, greatest(p_received_on, o.placed_on));
        END IF;
    ELSE
        UPDATE reseller_billing.late_interest i
           SET paid = i.paid + part,
               paid_on = CASE WHEN i.paid + part = i.amount THEN p_received_on END
         WHERE i.reseller_id = p_reseller AND i.interest_id = p_interest;
    END IF;
END $function$
;

-- reseller_billing.record_order_payment(bigint,reseller_billing.amount,text,date,text,bigint)
CREATE OR REPLACE FUNCTION reseller_billing.record_order_payment(p_reseller bigint, p_amount reseller_billing.amount, p_method text, p_received_on date, p_reference text, p_order bigint DEFAULT NULL::bigint)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg      reseller_billing.program;
    pay     reseller_billing.payment;
    done    bigint;
    ord     reseller_billing.licence_order;
    item    record;
    left_   numeric;
    part    numeric;
BEGIN
    pg := reseller_billing.lock_reseller(p_reseller);
    done := reseller_billing.payment_check(pg, p_reseller, p_amount, p_method, p_received_on, p_reference);
    IF done IS NOT NULL THEN
        RETURN done;
    END IF;
    IF currency(p_amount) <> pg.currency THEN
        RAISE EXCEPTION 'payment % of reseller % must be in the program currency %', p_reference, p_reseller, pg.currency
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', p_amount);
    END IF;
    IF p_received_on > reseller_billing.program_date(p_reseller, reseller_billing.clock_now()) THEN
        RAISE EXCEPTION 'payment % of reseller % cannot be received in the future', p_reference, p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It would be received on %s; today is %s in program "%s".', p_received_on,
                                  reseller_billing.program_date(p_reseller, reseller_billing.clock_now()), pg.code);
    END IF;
    IF p_order IS NOT NULL THEN
        SELECT * INTO ord FROM reseller_billing.licence_order x WHERE x.reseller_id = p_reseller AND x.order_id = p_order;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'order % of reseller % does not exist', p_order, p_reseller USING ERRCODE = 'no_data_found';
        END IF;
        IF ord.paid_on IS NOT NULL THEN
            RAISE EXCEPTION 'order % of reseller % is paid already', p_order, p_reseller
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('%s was paid on %s.', ord.total, ord.paid_on),
                      HINT = 'Record the payment without naming an order: it settles what is owed, oldest first.';
        END IF;
    END IF;
    INSERT INTO reseller_billing.payment (reseller_id, amount, method, received_on, reference, unapplied)
    VALUES (p_reseller, p_amount, p_method, p_received_on, p_reference, p_amount)
    RETURNING * INTO pay;
    left_ := value(p_amount);
    FOR item IN
        SELECT x.order_id, x.interest_id, x.owed
          FROM (SELECT o.order_id, NULL::bigint AS interest_id, value(o.total) - value(o.paid) AS owed,
                       CASE WHEN o.order_id = p_order THEN 0 WHEN NOT o.requires_prepayment THEN 1 ELSE 2 END AS grp,
                       o.due_on, 1 AS sub, o.order_id AS id
                  FROM reseller_billing.licence_order o
                 WHERE o.reseller_id = p_reseller AND o.paid_on IS NULL
                UNION ALL
                SELECT i.order_id, i.interest_id, value(i.amount) - value(i.paid), 1, i.due_on, 0, i.interest_id
                  FROM reseller_billing.late_interest i
                 WHERE i.reseller_id = p_reseller AND i.paid_on IS NULL) x
         ORDER BY x.grp, x.due_on, x.sub, x.id
    LOOP
        EXIT WHEN left_ <= 0;
        CONTINUE WHEN item.owed <= 0;
        part := LEAST(left_, item.owed);
        PERFORM reseller_billing.settle_order_item(p_reseller, pay.payment_id, p_received_on,
                                                   CASE WHEN item.interest_id IS NULL THEN item.order_id END,
                                                   item.interest_id, part, pg.currency);
        left_ := left_ - part;
    END LOOP;
    RETURN pay.payment_id;
END $function$
;

-- reseller_billing.monthly_statement(bigint,reseller_billing.billing_period)
CREATE OR REPLACE FUNCTION reseller_billing.monthly_statement(p_reseller bigint, p_month reseller_billing.billing_period)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    IF p_month IS NOT NULL AND reseller_billing.period_start(p_month)
                               > reseller_billing.program_date(p_reseller, reseller_billing.clock_now()) THEN
        RAISE EXCEPTION 'statement of reseller % for % cannot be written before %', p_reseller, p_month,
                reseller_billing.period_start(p_month)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Today is %s in the program''s time zone.', reseller_billing.program_date(p_reseller, reseller_billing.clock_now()));
    END IF;
    RETURN reseller_billing.write_statement(p_reseller, p_month, false);
END $function$
;

-- reseller_billing.accept_invitation_unchecked(bigint,bigint)
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
        IF rs.provider_id IS NOT NULL THEN
            RAISE EXCEPTION 'reseller % already works with provider % and cannot accept the invitation of provider %',
                    p_reseller, rs.provider_id, inv.provider_id
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'An indirect reseller works with one provider.';
        END IF;
        IF NOT (rs.tier = 'indirect_reseller' OR rs.transitioning) THEN
            RAISE EXCEPTION 'reseller % is % and cannot work through a provider', p_reseller, rs.tier
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      HINT = 'A direct-bill partner enrols as an indirect reseller first, with transition_to_indirect.';
        END IF;
        INSERT INTO reseller_billing.provider_partnership (reseller_id, provider_id, invitation_id)
        VALUES (p_reseller, inv.provider_id, p_invitation);
        -- customers brought in while it was a direct-bill partner in transition
        -- keep their relationship; complete_transition names the provider in them
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
END $function$
;

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
CREATE OR REPLACE FUNCTION reseller_billing.place_subscription_unchecked(p_actor bigint, p_reseller bigint, p_customer bigint, p_sku bigint, p_seats integer, p_plan reseller_billing.plan_kind DEFAULT 'annual_monthly'::reseller_billing.plan_kind, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
 SET "reseller_billing.effective_at" TO ''
 SET "reseller_billing.action" TO ''
 SET "reseller_billing.reason" TO ''
AS $function$
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
END $function$
;

-- reseller_billing.transition_to_indirect(bigint)
CREATE OR REPLACE FUNCTION reseller_billing.transition_to_indirect(p_reseller bigint)
 RETURNS timestamp with time zone
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
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
    VALUES (p_reseller, reseller_billing.clock_now())
    ON CONFLICT (reseller_id) DO UPDATE
       SET transition_started_at = coalesce(c.transition_started_at, EXCLUDED.transition_started_at)
    RETURNING * INTO cp;
    RETURN cp.transition_started_at;
END $function$
;

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
           SET transition_completed_at = reseller_billing.clock_now(), programmatic_access = false, sandbox_access = false
         WHERE c.reseller_id = OLD.reseller_id;
        UPDATE reseller_billing.customer_relationship cr SET provider_id = prov
         WHERE cr.reseller_id = OLD.reseller_id AND cr.provider_id IS NULL;
    END IF;
    RETURN NEW;
END $function$
;

-- reseller_billing.place_subscription(bigint,bigint,bigint,bigint,integer,reseller_billing.plan_kind,timestamp with time zone)
CREATE OR REPLACE FUNCTION reseller_billing.place_subscription(p_actor bigint, p_reseller bigint, p_customer bigint, p_sku bigint, p_seats integer, p_plan reseller_billing.plan_kind DEFAULT 'annual_monthly'::reseller_billing.plan_kind, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    PERFORM reseller_billing.assert_acting_for(p_actor, 'place a subscription');
    RETURN reseller_billing.place_subscription_unchecked(p_actor, p_reseller, p_customer, p_sku, p_seats, p_plan, p_at);
END $function$
;

COMMENT ON FUNCTION reseller_billing.effective_at() IS
    'when the change being written takes effect: the API''s at argument, else the billing clock (clock_now()); never in the future';
