-- The early-termination charge of an Annual commitment cancelled on a day
-- before its renewal date: the installments left in the term.  The term's
-- commitment is billed month by month in tranches (the seats at the start of
-- the term; each later addition, from the day it was added to the term's
-- end, prorated by days), each on the schedule of annual_installment; the
-- months through the month of termination are billed as usual, and the rest
-- of every tranche is the charge.  The additions of the term are read from
-- the history: the committed_seats increases since the term started.
CREATE FUNCTION reseller_billing.early_termination_fee(s reseller_billing.subscription, p_on date)
    RETURNS reseller_billing.amount
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    fee     reseller_billing.amount;
BEGIN
    -- every tranche of the current term paid monthly: its total less what its
    -- schedule bills through the month of termination (the tranches are kept
    -- by the billing-facts trigger, section 70); a prepaid year was billed
    -- whole when it started, so nothing is left to charge
    SELECT reseller_billing.sum(t.total - reseller_billing.annual_installments_through(
               t.total, t.starts_on, t.ends_on, reseller_billing.billing_period(GREATEST(p_on, t.starts_on))))
      INTO fee
      FROM reseller_billing.commitment_tranche t
     WHERE t.reseller_id = s.reseller_id AND t.subscription_id = s.subscription_id
       AND t.plan = 'annual_monthly' AND t.term_start = s.term_start AND t.ends_on = s.term_end
       AND (t.last_month IS NULL OR t.last_month >= reseller_billing.billing_period(p_on)) AND p_on < s.term_end;
    RETURN coalesce(fee, reseller_billing.amount(0, reseller_billing.currency(s.partner_price)));
END $$;
COMMENT ON FUNCTION reseller_billing.early_termination_fee(reseller_billing.subscription, date) IS
    'the installments left of an Annual term cancelled on a date: every tranche''s total less what it bills through that month';

-- subscription, AFTER UPDATE to cancelled: whatever wrote the cancellation
-- (cancel_subscription, terminate_early, renew_due or a plain UPDATE), the
-- accounts end at the moment it takes effect, and an Annual commitment
-- cancelled before its renewal date records its early-termination charge.
CREATE FUNCTION reseller_billing.subscription_cancelled() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    eff     timestamptz := reseller_billing.effective_at();
    today   date := reseller_billing.program_date(NEW.reseller_id, eff);
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NULL;
    END IF;
    UPDATE reseller_billing.seat t SET active_until = GREATEST(eff, t.active_from)
     WHERE t.reseller_id OPERATOR(pg_catalog.=) NEW.reseller_id
       AND t.subscription_id OPERATOR(pg_catalog.=) NEW.subscription_id
       AND t.active_until IS NULL;
    IF reseller_billing.is_annual(OLD.plan) AND today < OLD.term_end
       AND reseller_billing.value(reseller_billing.early_termination_fee(OLD, today)) <> 0 THEN
        INSERT INTO reseller_billing.charge
               (reseller_id, customer_id, subscription_id, kind, description, amount, charge_on)
        VALUES (NEW.reseller_id, NEW.customer_id, NEW.subscription_id, 'early_termination',
                format('Early termination of subscription %s: %s seats, installments after %s to %s',
                       NEW.subscription_id, OLD.committed_seats,
                       to_char(GREATEST(today, OLD.term_start), 'YYYY-MM'), OLD.term_end),
                reseller_billing.early_termination_fee(OLD, today), today);
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION reseller_billing.subscription_cancelled() IS
    'trigger: a cancellation ends the accounts; an Annual one before its renewal date records the early-termination charge';

CREATE FUNCTION reseller_billing.subscription_counter_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'active_seats of subscription % is maintained by the seat triggers', NEW.subscription_id
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('It counts %s active accounts; %s was written.', OLD.active_seats, NEW.active_seats),
              HINT = 'Insert seat rows, or set active_until on them, instead.';
END $$;
COMMENT ON FUNCTION reseller_billing.subscription_counter_guard() IS
    'trigger: only the seat triggers change the active-account counter';

-- subscription, AFTER INSERT/UPDATE: the history.
CREATE FUNCTION reseller_billing.subscription_history() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    eff     timestamptz := reseller_billing.effective_at();
    why     text := nullif(current_setting('reseller_billing.reason', true), '');
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NULL;                            -- the history is restored with the rows
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO reseller_billing.subscription_change
               (reseller_id, subscription_id, field, old_value, new_value, effective_at, reason)
        VALUES (NEW.reseller_id, NEW.subscription_id, 'created', NULL,
                format('%s, %s', NEW.plan, CASE WHEN reseller_billing.is_annual(NEW.plan)
                                                THEN NEW.committed_seats || ' seats'
                                                ELSE 'cap ' || NEW.seat_cap END), eff, why);
        RETURN NULL;
    END IF;
    INSERT INTO reseller_billing.subscription_change
           (reseller_id, subscription_id, field, old_value, new_value, effective_at, reason)
    SELECT NEW.reseller_id, NEW.subscription_id, c.field, c.old_value, c.new_value, eff, why
      FROM (VALUES ('plan', OLD.plan::text, NEW.plan::text),
                   ('committed_seats', OLD.committed_seats::text, NEW.committed_seats::text),
                   ('seat_cap', OLD.seat_cap::text, NEW.seat_cap::text),
                   ('renewal_setting', OLD.renewal_setting, NEW.renewal_setting),
                   ('status', OLD.status, NEW.status),
                   ('term', daterange(OLD.term_start, OLD.term_end)::text, daterange(NEW.term_start, NEW.term_end)::text),
                   ('partner_price', OLD.partner_price::text, NEW.partner_price::text)) AS c(field, old_value, new_value)
     WHERE c.old_value IS DISTINCT FROM c.new_value;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION reseller_billing.subscription_history() IS
    'trigger: one subscription_change row per changed field, with who, when and when effective';

-- seat, AFTER INSERT / AFTER UPDATE, once per statement: move the counters of
-- the subscriptions touched, under their row locks, and refuse the statement
-- when an add would pass the limit or meets a subscription that takes no
-- accounts.  Subscriptions are locked in key order, so two multi-subscription
-- statements cannot deadlock.
CREATE FUNCTION reseller_billing.seat_count_apply(p_reseller bigint, p_subscription bigint, p_delta int)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    s       reseller_billing.subscription;
    lim     int;
    what    text;
BEGIN
    SELECT * INTO s FROM reseller_billing.subscription t
     WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'subscription % of reseller % does not exist', p_subscription, p_reseller
            USING ERRCODE = 'foreign_key_violation',
                  DETAIL = 'A seat belongs to an existing subscription of the same reseller.';
    END IF;
    IF p_delta = 0 THEN
        RETURN;                                 -- only accounts recorded already ended
    END IF;
    IF p_delta > 0 THEN
        IF s.status NOT IN ('active', 'trial') THEN
            RAISE EXCEPTION 'subscription % of reseller % is % and accepts no new accounts',
                    s.subscription_id, s.reseller_id, s.status
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('%s new account(s) were to be added.', p_delta);
        END IF;
        IF s.status = 'trial' AND s.trial_end <= reseller_billing.program_date(s.reseller_id, now()) THEN
            RAISE EXCEPTION 'trial subscription % of reseller % ended on % and accepts no new accounts',
                    s.subscription_id, s.reseller_id, s.trial_end
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('The trial ran until %s; %s new account(s) were to be added.', s.trial_end, p_delta),
                      HINT = 'Convert it to an Annual or Flex plan with change_plan.';
        END IF;
        lim := reseller_billing.seat_limit(s);
        IF s.active_seats + p_delta > lim THEN
            what := CASE WHEN reseller_billing.is_annual(s.plan) THEN 'committed seats' ELSE 'seat cap' END;
            RAISE EXCEPTION 'subscription % of reseller % would exceed its %', s.subscription_id, s.reseller_id, what
                USING ERRCODE = 'check_violation',
                      DETAIL = format('The %s: %s; %s accounts are active and %s more were to be added, %s in all.',
                                      what, lim, s.active_seats, p_delta, s.active_seats + p_delta),
                      HINT = CASE WHEN reseller_billing.is_annual(s.plan) THEN 'Add seats to the commitment with add_seats.'
                                  ELSE 'Raise the cap with set_seat_cap, or remove accounts first.' END;
        END IF;
    END IF;
    UPDATE reseller_billing.subscription t SET active_seats = t.active_seats + p_delta
     WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription;
END $$;
COMMENT ON FUNCTION reseller_billing.seat_count_apply(bigint, bigint, int) IS
    'checks a seat''s subscription exists and moves its active-account counter by delta under its row lock, refusing an add past the limit';

-- subscription, BEFORE DELETE: the seats refer to it (they have no foreign
-- key; see the seat table).
CREATE FUNCTION reseller_billing.subscription_keep_seats() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT FROM reseller_billing.seat a
                WHERE a.reseller_id = OLD.reseller_id AND a.subscription_id = OLD.subscription_id) THEN
        RAISE EXCEPTION 'subscription % of reseller % has seats and cannot be deleted', OLD.subscription_id, OLD.reseller_id
            USING ERRCODE = 'foreign_key_violation',
                  HINT = 'Cancel it instead; its seats are the record its usage is billed from.';
    END IF;
    RETURN OLD;
END $$;
COMMENT ON FUNCTION reseller_billing.subscription_keep_seats() IS
    'trigger: a subscription with seats is never deleted (the seats'' reference to it, kept by trigger)';

CREATE FUNCTION reseller_billing.seat_count() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    d       record;
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NULL;                            -- restored counters already count these seats
    END IF;
    IF TG_OP = 'INSERT' THEN
        -- an account starts (and, when it is recorded already ended, ends)
        -- at a moment that has come: an end still to come would leave an
        -- account in use that the counter does not count
        FOR d IN
            SELECT n.reseller_id, n.subscription_id, count(*) FILTER (WHERE n.active_until IS NULL)::int AS delta,
                   max(GREATEST(n.active_from, n.active_until)) AS latest,
                   min(n.active_from) AS earliest
              FROM seat_new n
             GROUP BY n.reseller_id, n.subscription_id
             ORDER BY n.reseller_id, n.subscription_id
        LOOP
            IF d.latest > clock_timestamp() THEN
                RAISE EXCEPTION 'accounts of subscription % of reseller % cannot start or end in the future',
                        d.subscription_id, d.reseller_id
                    USING ERRCODE = 'check_violation',
                          DETAIL = format('An account would start or end at %s.', d.latest),
                          HINT = 'Add an account when it starts; end it (set active_until) when it is removed.';
            END IF;
            -- every subscription named is checked, with or without new accounts
            PERFORM reseller_billing.seat_count_apply(d.reseller_id, d.subscription_id, d.delta);
            -- an account dated back into a month that may be billed already
            -- is a late change (section 87).  No time zone starts its month
            -- more than 12 hours after UTC does, so a later start cannot be.
            IF d.earliest < date_trunc('month', now(), 'UTC') + interval '12 hours' THEN
                PERFORM reseller_billing.mark_late_change_at(d.reseller_id, d.subscription_id, d.earliest);
            END IF;
        END LOOP;
    ELSE
        FOR d IN
            SELECT x.reseller_id, x.subscription_id, sum(x.delta)::int AS delta
              FROM (SELECT n.reseller_id, n.subscription_id, 1 AS delta
                      FROM seat_new n WHERE n.active_until IS NULL
                    UNION ALL
                    SELECT o.reseller_id, o.subscription_id, -1
                      FROM seat_old o WHERE o.active_until IS NULL) x
             GROUP BY x.reseller_id, x.subscription_id
            HAVING sum(x.delta) OPERATOR(pg_catalog.<>) 0
             ORDER BY x.reseller_id, x.subscription_id
        LOOP
            PERFORM reseller_billing.seat_count_apply(d.reseller_id, d.subscription_id, d.delta);
        END LOOP;
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION reseller_billing.seat_count() IS
    'trigger: per statement, moves each touched subscription''s active-account counter and enforces the seat limit';

-- seat, BEFORE UPDATE: an account is ended once, by setting active_until;
-- it keeps its subscription.  Its place under the limit is freed at once.
CREATE FUNCTION reseller_billing.seat_before_update() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
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
    IF GREATEST(NEW.active_from, NEW.active_until) > clock_timestamp()
       AND (NEW.active_from, NEW.active_until) IS DISTINCT FROM (OLD.active_from, OLD.active_until) THEN
        RAISE EXCEPTION 'seat % of subscription % cannot start or end in the future', OLD.seat_id, OLD.subscription_id
            USING ERRCODE = 'check_violation',
                  DETAIL = format('It would start at %s and end at %s.', NEW.active_from, coalesce(NEW.active_until::text, 'NULL')),
                  HINT = 'End an account (set active_until) when it is removed.';
    END IF;
    RETURN NEW;
END $$;
COMMENT ON FUNCTION reseller_billing.seat_before_update() IS
    'trigger: a seat ends once and stays on its subscription';

CREATE FUNCTION reseller_billing.seat_no_delete() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF TG_TABLE_NAME = 'subscription' THEN
        RAISE EXCEPTION 'subscriptions are never truncated: their seats and history are the record that usage is billed from'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'Cancel a subscription instead.';
    END IF;
    RAISE EXCEPTION 'seats are never deleted: they are the record that usage is billed from'
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'End an account by setting active_until.';
END $$;
COMMENT ON FUNCTION reseller_billing.seat_no_delete() IS
    'trigger: refuses DELETE and TRUNCATE of seats, and TRUNCATE of subscriptions';

-- triggers -----------------------------------------------------------------

CREATE TRIGGER subscription_keep_seats BEFORE DELETE ON reseller_billing.subscription
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.subscription_keep_seats();
CREATE TRIGGER subscription_no_truncate BEFORE TRUNCATE ON reseller_billing.subscription
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.seat_no_delete();
CREATE TRIGGER subscription_before_insert BEFORE INSERT ON reseller_billing.subscription
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.subscription_before_insert();
CREATE TRIGGER subscription_counter_guard BEFORE UPDATE OF active_seats ON reseller_billing.subscription
    FOR EACH ROW WHEN (OLD.active_seats IS DISTINCT FROM NEW.active_seats AND pg_trigger_depth() < 1)
    EXECUTE FUNCTION reseller_billing.subscription_counter_guard();
CREATE TRIGGER subscription_before_update BEFORE UPDATE ON reseller_billing.subscription
    FOR EACH ROW WHEN ((OLD.plan, OLD.committed_seats, OLD.seat_cap, OLD.term_start, OLD.term_end,
                        OLD.renewal_setting, OLD.status, OLD.trial_end, OLD.partner_price, OLD.cancelled_at,
                        OLD.reseller_id, OLD.subscription_id, OLD.customer_id, OLD.sku_id, OLD.created_at)
                       IS DISTINCT FROM
                       (NEW.plan, NEW.committed_seats, NEW.seat_cap, NEW.term_start, NEW.term_end,
                        NEW.renewal_setting, NEW.status, NEW.trial_end, NEW.partner_price, NEW.cancelled_at,
                        NEW.reseller_id, NEW.subscription_id, NEW.customer_id, NEW.sku_id, NEW.created_at))
    EXECUTE FUNCTION reseller_billing.subscription_before_update();
CREATE TRIGGER subscription_cancelled AFTER UPDATE OF status ON reseller_billing.subscription
    FOR EACH ROW WHEN (NEW.status = 'cancelled' AND OLD.status <> 'cancelled')
    EXECUTE FUNCTION reseller_billing.subscription_cancelled();
CREATE TRIGGER subscription_history_insert AFTER INSERT ON reseller_billing.subscription
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.subscription_history();
CREATE TRIGGER subscription_history_update AFTER UPDATE ON reseller_billing.subscription
    FOR EACH ROW WHEN ((OLD.plan, OLD.committed_seats, OLD.seat_cap, OLD.term_start, OLD.term_end,
                        OLD.renewal_setting, OLD.status, OLD.partner_price)
                       IS DISTINCT FROM
                       (NEW.plan, NEW.committed_seats, NEW.seat_cap, NEW.term_start, NEW.term_end,
                        NEW.renewal_setting, NEW.status, NEW.partner_price))
    EXECUTE FUNCTION reseller_billing.subscription_history();

CREATE TRIGGER seat_count_insert AFTER INSERT ON reseller_billing.seat
    REFERENCING NEW TABLE AS seat_new
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.seat_count();
CREATE TRIGGER seat_count_update AFTER UPDATE ON reseller_billing.seat
    REFERENCING OLD TABLE AS seat_old NEW TABLE AS seat_new
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.seat_count();
CREATE TRIGGER seat_before_update BEFORE UPDATE ON reseller_billing.seat
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.seat_before_update();
CREATE TRIGGER seat_no_delete BEFORE DELETE ON reseller_billing.seat
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.seat_no_delete();
CREATE TRIGGER seat_no_truncate BEFORE TRUNCATE ON reseller_billing.seat
    FOR EACH STATEMENT EXECUTE FUNCTION reseller_billing.seat_no_delete();
