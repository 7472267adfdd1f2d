-- ========================================================================
-- the subscription API: thin functions over the tables; the triggers in the
-- previous section hold the rules, so a plain UPDATE meets the same checks
-- ========================================================================
--
-- Each function takes the subscription's key (reseller_id, subscription_id)
-- and an optional moment `at` at which the change takes effect (recorded in
-- subscription_change).  Function-level SET clauses scope the internal
-- settings reseller_billing.effective_at / .action / .reason to the call.

-- functions ----------------------------------------------------------------

CREATE FUNCTION reseller_billing.lock_subscription(p_reseller bigint, p_subscription bigint)
    RETURNS reseller_billing.subscription
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    s   reseller_billing.subscription;
BEGIN
    SELECT * INTO s FROM reseller_billing.subscription t
     WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'subscription % of reseller % does not exist', p_subscription, p_reseller
            USING ERRCODE = 'no_data_found';
    END IF;
    RETURN s;
END $$;
COMMENT ON FUNCTION reseller_billing.lock_subscription(bigint, bigint) IS
    'the subscription row, locked against concurrent changes; no_data_found when it does not exist';

-- lock_active_seats: the active seat rows of a subscription, locked in key
-- order.  A cancellation ends them after locking the subscription row, while
-- a statement ending an account locks its seat row first and the
-- subscription row (the counter) after; so the API's cancellations lock the
-- active seats before the subscription, in the writers' order, and neither
-- waits for the other while holding what the other needs.
CREATE FUNCTION reseller_billing.lock_active_seats(p_reseller bigint, p_subscription bigint)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    PERFORM 1 FROM reseller_billing.seat t
     WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription
       AND t.active_until IS NULL
     ORDER BY t.seat_id
       FOR NO KEY UPDATE;
END $$;
COMMENT ON FUNCTION reseller_billing.lock_active_seats(bigint, bigint) IS
    'internal: locks a subscription''s active seat rows (before the subscription row, the order seat writers use)';

CREATE FUNCTION reseller_billing.set_context(p_at timestamptz, p_action text DEFAULT '', p_reason text DEFAULT '')
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF p_at IS NULL THEN
        RAISE EXCEPTION 'the moment of a change cannot be null'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_at > clock_timestamp() THEN
        RAISE EXCEPTION 'a change cannot take effect in the future'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It would take effect at %s.', p_at),
                  HINT = 'Changes are applied when they are written; make the change when it is due.';
    END IF;
    PERFORM set_config('reseller_billing.effective_at', p_at::text, true);
    PERFORM set_config('reseller_billing.action', coalesce(p_action, ''), true);
    PERFORM set_config('reseller_billing.reason', coalesce(p_reason, ''), true);
END $$;
COMMENT ON FUNCTION reseller_billing.set_context(timestamptz, text, text) IS
    'internal: records when the change being made takes effect (now or earlier, never later), which internal action it is, and why';

-- add_seats: more seats on an Annual commitment, to the end of its term.
CREATE FUNCTION reseller_billing.add_seats(p_reseller bigint, p_subscription bigint, p_seats int,
                                           p_at timestamptz DEFAULT now())
    RETURNS int
    LANGUAGE plpgsql
    SET search_path = pg_catalog, reseller_billing, pg_temp
    SET reseller_billing.effective_at = '' SET reseller_billing.action = '' SET reseller_billing.reason = ''
AS $$
DECLARE
    s   reseller_billing.subscription := reseller_billing.lock_subscription(p_reseller, p_subscription);
    n   int;
BEGIN
    IF p_seats IS NULL OR p_seats < 1 THEN
        RAISE EXCEPTION 'seats to add to subscription % must be a positive number', p_subscription
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s seats were asked for.', coalesce(p_seats::text, 'NULL'));
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
END $$;
COMMENT ON FUNCTION reseller_billing.add_seats(bigint, bigint, int, timestamptz) IS
    'adds seats to an Annual commitment (they run to the end of the current term); returns the committed seats';

-- set_seat_cap: a Flex subscription's cap, never below the accounts in use.
CREATE FUNCTION reseller_billing.set_seat_cap(p_reseller bigint, p_subscription bigint, p_cap int,
                                              p_at timestamptz DEFAULT now())
    RETURNS int
    LANGUAGE plpgsql
    SET search_path = pg_catalog, reseller_billing, pg_temp
    SET reseller_billing.effective_at = '' SET reseller_billing.action = '' SET reseller_billing.reason = ''
AS $$
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
END $$;
COMMENT ON FUNCTION reseller_billing.set_seat_cap(bigint, bigint, int, timestamptz) IS
    'sets a Flex subscription''s seat cap (not below the active accounts); returns the cap';

-- change_plan: trial -> Annual or Flex, Flex -> Annual (a new 12-month
-- commitment); Annual -> Flex happens only at renewal (set_renewal).
CREATE FUNCTION reseller_billing.change_plan(p_reseller bigint, p_subscription bigint,
                                             p_plan reseller_billing.plan_kind, p_seats int,
                                             p_at timestamptz DEFAULT now())
    RETURNS reseller_billing.subscription
    LANGUAGE plpgsql
    SET search_path = pg_catalog, reseller_billing, pg_temp
    SET reseller_billing.effective_at = '' SET reseller_billing.action = '' SET reseller_billing.reason = ''
AS $$
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
END $$;
COMMENT ON FUNCTION reseller_billing.change_plan(bigint, bigint, reseller_billing.plan_kind, int, timestamptz) IS
    'converts a trial to Annual or Flex, or Flex to Annual (a new 12-month commitment), with seats = commitment or cap';

CREATE FUNCTION reseller_billing.set_renewal(p_reseller bigint, p_subscription bigint, p_setting text,
                                             p_at timestamptz DEFAULT now())
    RETURNS text
    LANGUAGE plpgsql
    SET search_path = pg_catalog, reseller_billing, pg_temp
    SET reseller_billing.effective_at = '' SET reseller_billing.action = '' SET reseller_billing.reason = ''
AS $$
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
END $$;
COMMENT ON FUNCTION reseller_billing.set_renewal(bigint, bigint, text, timestamptz) IS
    'what an Annual subscription does at its renewal date: auto_renew, renew_current_users, switch_to_flex, cancel';

-- end_seats: ends every active account of a subscription at a moment.
CREATE FUNCTION reseller_billing.end_seats(p_reseller bigint, p_subscription bigint, p_at timestamptz)
    RETURNS int
    LANGUAGE sql SET search_path = pg_catalog, reseller_billing, pg_temp
BEGIN ATOMIC
    WITH ended AS (
        UPDATE reseller_billing.seat t SET active_until = GREATEST(p_at, t.active_from)
         WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
           AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription
           AND t.active_until IS NULL
        RETURNING 1)
    SELECT count(*)::int FROM ended;
END;
COMMENT ON FUNCTION reseller_billing.end_seats(bigint, bigint, timestamptz) IS
    'ends every active account of a subscription at a moment; returns how many';

CREATE FUNCTION reseller_billing.cancel_subscription(p_reseller bigint, p_subscription bigint,
                                                     p_at timestamptz DEFAULT now())
    RETURNS reseller_billing.subscription
    LANGUAGE plpgsql
    SET search_path = pg_catalog, reseller_billing, pg_temp
    SET reseller_billing.effective_at = '' SET reseller_billing.action = '' SET reseller_billing.reason = ''
AS $$
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
END $$;
COMMENT ON FUNCTION reseller_billing.cancel_subscription(bigint, bigint, timestamptz) IS
    'cancels a subscription and ends its accounts; an Annual commitment only from its renewal date on';

-- terminate_early: cancels an Annual commitment now and records the
-- installments left in the term as an early-termination charge.
CREATE FUNCTION reseller_billing.terminate_early(p_reseller bigint, p_subscription bigint,
                                                 p_at timestamptz DEFAULT now(), p_reason text DEFAULT NULL)
    RETURNS reseller_billing.amount
    LANGUAGE plpgsql
    SET search_path = pg_catalog, reseller_billing, pg_temp
    SET reseller_billing.effective_at = '' SET reseller_billing.action = '' SET reseller_billing.reason = ''
AS $$
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
END $$;
COMMENT ON FUNCTION reseller_billing.terminate_early(bigint, bigint, timestamptz, text) IS
    'cancels an Annual commitment before its renewal date and records an early-termination charge for the installments left after the month of termination; returns the charge';

CREATE FUNCTION reseller_billing.suspend(p_reseller bigint, p_subscription bigint, p_reason text DEFAULT NULL,
                                         p_at timestamptz DEFAULT now())
    RETURNS text
    LANGUAGE plpgsql
    SET search_path = pg_catalog, reseller_billing, pg_temp
    SET reseller_billing.effective_at = '' SET reseller_billing.action = '' SET reseller_billing.reason = ''
AS $$
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
END $$;
COMMENT ON FUNCTION reseller_billing.suspend(bigint, bigint, text, timestamptz) IS
    'suspends an active or trial subscription: its accounts stay, no new ones are accepted';

CREATE FUNCTION reseller_billing.reactivate(p_reseller bigint, p_subscription bigint,
                                            p_at timestamptz DEFAULT now())
    RETURNS text
    LANGUAGE plpgsql
    SET search_path = pg_catalog, reseller_billing, pg_temp
    SET reseller_billing.effective_at = '' SET reseller_billing.action = '' SET reseller_billing.reason = ''
AS $$
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
END $$;
COMMENT ON FUNCTION reseller_billing.reactivate(bigint, bigint, timestamptz) IS
    'returns a suspended subscription to active (or to trial while its trial has not ended)';

-- renew_due: every renewal and trial expiry due up to `at`, once.
CREATE FUNCTION reseller_billing.renew_due(p_at timestamptz DEFAULT now())
    RETURNS int
    LANGUAGE plpgsql
    SET search_path = pg_catalog, reseller_billing, pg_temp
    SET reseller_billing.effective_at = '' SET reseller_billing.action = '' SET reseller_billing.reason = ''
AS $$
DECLARE
    k       record;
    s       reseller_billing.subscription;
    tz      text;
    eff     timestamptz;
    done    int := 0;
BEGIN
    IF p_at IS NULL OR p_at > clock_timestamp() THEN
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
END $$;
COMMENT ON FUNCTION reseller_billing.renew_due(timestamptz) IS
    'applies every renewal (auto_renew, renew_current_users, switch_to_flex, cancel) and trial expiry due up to at; idempotent; returns how many';
