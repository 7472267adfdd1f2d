-- ========================================================================
-- 0.3.0: the last rules that read transition tables work row by row
-- (issue 13, issue 14 §6)
-- ========================================================================
--
-- seat_late_change (AFTER UPDATE of seat) and subscription_channel_check
-- (AFTER INSERT of subscription) were statement triggers over transition
-- tables, which the shards of a distributed table do not have.  Each is a
-- row trigger now:
--   * seat_late_change_update fires only for an account whose start or end
--     moves before this month (WHEN seat_change_reaches_back(), C: no other
--     update pays more than that call); it waits for a close of the month
--     in progress and marks every billed month from the change on;
--   * subscription_channel_check checks each new subscription of a CSP
--     program (a relationship with the customer, the annual_monthly plan,
--     a provider to run through); a statement inserting several is refused
--     at its first bad row.

CREATE FUNCTION reseller_billing.seat_change_reaches_back(timestamptz, timestamptz, timestamptz, timestamptz)
    RETURNS bool AS 'MODULE_PATHNAME', 'rb_seat_change_reaches_back' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.seat_change_reaches_back(timestamptz, timestamptz, timestamptz, timestamptz) IS
    'whether an account update (old start, new start, old end, new end) moves a start or an end before this month (the late-change trigger''s WHEN)';

CREATE FUNCTION reseller_billing.seat_late_change_row() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    pg      reseller_billing.program;
    moment  timestamptz;
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NULL;
    END IF;
    SELECT p.* INTO pg FROM reseller_billing.reseller r JOIN reseller_billing.program p ON p.program_id = r.program_id
     WHERE r.reseller_id = NEW.reseller_id;
    -- a change reaching back before this month may race a close of that
    -- month: wait for a close in progress of the program to commit, so its
    -- invoices are seen below (the close takes the same lock exclusively)
    IF LEAST(NEW.active_from, NEW.active_until)
       < (date_trunc('month', reseller_billing.clock_now() AT TIME ZONE pg.time_zone) AT TIME ZONE pg.time_zone) THEN
        PERFORM reseller_billing.wait_for_close(pg.program_id, NEW.reseller_id);
    END IF;
    -- the earliest moment changed: the earlier of the old and new start
    -- (when moved) and the end (when ended or moved); every billed month
    -- from then on is stale
    moment := LEAST(CASE WHEN OLD.active_from IS DISTINCT FROM NEW.active_from
                         THEN LEAST(OLD.active_from, NEW.active_from) END,
                    CASE WHEN OLD.active_until IS DISTINCT FROM NEW.active_until
                         THEN coalesce(NEW.active_until, OLD.active_until) END);
    IF moment IS NULL THEN
        RETURN NULL;
    END IF;
    INSERT INTO reseller_billing.late_change AS lc (reseller_id, subscription_id, service_period)
    SELECT NEW.reseller_id, NEW.subscription_id, b.m
      FROM reseller_billing.billed_months(NEW.reseller_id,
                                          reseller_billing.billing_period((moment AT TIME ZONE pg.time_zone)::date)) b(m)
    ON CONFLICT (reseller_id, subscription_id, service_period) DO UPDATE SET recorded_at = EXCLUDED.recorded_at;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION reseller_billing.seat_late_change_row() IS
    'trigger (AFTER UPDATE of a seat reaching back): marks the billed months an account''s moved start or end changes as late changes';
REVOKE EXECUTE ON FUNCTION reseller_billing.seat_late_change_row() FROM PUBLIC;

DROP TRIGGER seat_late_change_update ON reseller_billing.seat;
DROP FUNCTION reseller_billing.seat_late_change();
CREATE TRIGGER seat_late_change_update AFTER UPDATE ON reseller_billing.seat
    FOR EACH ROW
    WHEN (reseller_billing.seat_change_reaches_back(OLD.active_from, NEW.active_from, OLD.active_until, NEW.active_until))
    EXECUTE FUNCTION reseller_billing.seat_late_change_row();

-- the CSP order check: a relationship with the customer, the annual_monthly
-- plan and, for a plain INSERT (the reseller's own order), a provider to
-- run through: its only active one; with several (or none left) it cannot
-- say which, and is refused (doc/channel.md, "Several providers": the
-- partnerships of 96_providers.sql, active_providers; place_subscription
-- names the provider in reseller_billing.channel_provider)
CREATE FUNCTION reseller_billing.subscription_channel_row() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    pg      reseller_billing.program;
    known   int;
    active  bigint[];
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN NULL;
    END IF;
    SELECT p.* INTO pg FROM reseller_billing.reseller r JOIN reseller_billing.program p ON p.program_id = r.program_id
     WHERE r.reseller_id = NEW.reseller_id;
    IF NOT coalesce(pg.settings @> '{"csp": true}', false) THEN
        RETURN NULL;
    END IF;
    IF NEW.plan OPERATOR(reseller_billing.<>) 'annual_monthly' THEN
        RAISE EXCEPTION 'program "%" sells 12-month commitments paid monthly only', pg.code
            USING ERRCODE = 'check_violation',
                  DETAIL = format('Reseller %s asked for the %s plan for customer %s; a CSP subscription is annual_monthly.',
                                  NEW.reseller_id, NEW.plan, NEW.customer_id),
                  HINT = 'Order annual_monthly: a 12-month commitment, billed in 12 monthly installments.';
    END IF;
    IF NOT EXISTS (SELECT FROM reseller_billing.customer_relationship cr
                    WHERE cr.reseller_id = NEW.reseller_id AND cr.customer_id = NEW.customer_id) THEN
        RAISE EXCEPTION 'partner % may not place orders for customer % of reseller %', NEW.reseller_id, NEW.customer_id, NEW.reseller_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Customer %s has no accepted relationship with reseller %s in program "%s".',
                                  NEW.customer_id, NEW.reseller_id, pg.code),
                  HINT = 'The reseller invites the customer (invite_customer) and the customer accepts (accept_invitation).';
    END IF;
    -- the provider it runs through: named by place_subscription, else the only one
    IF coalesce(current_setting('reseller_billing.channel_provider', true), '') <> '' THEN
        RETURN NULL;
    END IF;
    SELECT count(*)::int INTO known FROM reseller_billing.provider_partnership p WHERE p.reseller_id = NEW.reseller_id;
    IF known = 0 THEN
        RETURN NULL;
    END IF;
    active := reseller_billing.active_providers(NEW.reseller_id, reseller_billing.effective_at());
    IF cardinality(active) > 1 THEN
        RAISE EXCEPTION 'reseller % works with several providers: the order for customer % must name one', NEW.reseller_id, NEW.customer_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Its providers: %s.', array_to_string(active, ', ')),
                  HINT = 'Place it with place_subscription, naming the provider (p_provider).';
    ELSIF cardinality(active) = 0 THEN
        RAISE EXCEPTION 'reseller % has no provider it may place orders through', NEW.reseller_id
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = 'Its partnerships have ended.';
    END IF;
    RETURN NULL;
END $$;
COMMENT ON FUNCTION reseller_billing.subscription_channel_row() IS
    'trigger (AFTER INSERT of a subscription): in a CSP program, a relationship with the customer, the annual_monthly plan, and a provider to run through (the only active one, unless place_subscription named it)';
REVOKE EXECUTE ON FUNCTION reseller_billing.subscription_channel_row() FROM PUBLIC;

DROP TRIGGER subscription_channel_check ON reseller_billing.subscription;
DROP FUNCTION reseller_billing.subscription_channel_check();
CREATE TRIGGER subscription_channel_check AFTER INSERT ON reseller_billing.subscription
    FOR EACH ROW EXECUTE FUNCTION reseller_billing.subscription_channel_row();
