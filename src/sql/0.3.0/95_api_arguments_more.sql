-- ========================================================================
-- 0.3.0: the API refuses bad arguments with its own error (issue 15 §6,
-- what 91_api_arguments.sql and 95_api_arguments.sql left), part 1: the
-- subscriptions, payments and the migration; part 2 (licence orders,
-- prices, the read-only functions) is 95_api_arguments_more_orders.sql,
-- part 3 (the CSP channel) 95_api_arguments_more_channel.sql
-- ========================================================================
--
-- A missing argument is 22004 (null_value_not_allowed) everywhere: the
-- functions below refused some NULLs with 22023 (a number of seats, a plan,
-- a payment's method or date, a migration's reseller or moment, an order's
-- reseller, a statement's month, a standing's or a partner price's date) or
-- as an id that does not exist (P0002: issue_licence's order, a statement's
-- reseller), or answered NULL (payment_terms, program_revenue,
-- migration_counts); the channel's functions (invitations, transitions,
-- place_subscription) and the orders' issue_temporary_licence and
-- record_order_payment refused a NULL id as one that does not exist
-- (P0002) or as a partner who may not act (42501).  An id that does not
-- exist stays P0002; a value below its limit stays 22023.  An error that
-- was already raised for the NULL keeps its message, detail and hint, with
-- 22004 (a count: arg_count); a NULL that was refused as an id that does
-- not exist, or answered, has an error of its own: "<function> needs
-- <what>", detail "<function> was called with <argument> NULL."
-- (arg_required; the shared checks are 04_arguments.sql).  partner_price
-- and reseller_standing also refuse a date outside the years 1900 to 8999
-- (22008, arg_date, as add_charge and record_payment do).  For good
-- arguments each function does what it did; each body is the one it had,
-- with the checks added.  No later file re-creates these functions.
-- doc/reference.md "Argument errors" lists what sql/api_arguments.sql and
-- sql/api_arguments_more.sql test.

-- add_seats: a NULL number of seats is 22004 (a number below 1 stays 22023)
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
    PERFORM reseller_billing.arg_count(format('seats to add to subscription %s must be a positive number', p_subscription),
                                       p_seats, 1, '%s seats were asked for.');
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
END $function$;

-- set_seat_cap: a NULL cap is 22004 (a negative cap stays 22023)
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
    PERFORM reseller_billing.arg_count(format('seat cap of subscription %s must be zero or more', p_subscription),
                                       p_cap, 0, '%s was asked for.');
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
END $function$;

-- change_plan: a NULL plan or number of seats is 22004 (seats below 1 stay 22023)
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
    PERFORM reseller_billing.arg_count(format('the new plan of subscription %s needs a positive number of seats', p_subscription),
                                       p_seats, 1, '%s seats were asked for.');
    IF p_plan IS NULL THEN
        RAISE EXCEPTION 'the new plan of subscription % cannot be null', p_subscription
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- which plan may become which is the subscription trigger's rule
    -- (subscription_before_update), stated once; a change to the plan it
    -- has is no change
    IF p_plan OPERATOR(reseller_billing.=) s.plan THEN
        RAISE EXCEPTION 'subscription % of reseller % is on the % plan already', p_subscription, p_reseller, s.plan
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'A change of plan names another plan; seats change with add_seats (Annual) or set_seat_cap (Flex).';
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
END $function$;

-- payment_args: what record_payment and record_order_payment check first,
-- stated once: a reseller (22004), then, with the reseller locked,
-- payment_check (05_from_0.1.0.sql: a reference, an amount, a date and a
-- method, 22004 when missing, 22023 when bad; done is the payment already
-- recorded under the reference) and, for a new payment, the program's
-- currency (22023).  pg is the reseller's program.
CREATE FUNCTION reseller_billing.payment_args(p_reseller bigint, p_amount reseller_billing.amount, p_method text,
                                              p_received_on date, p_reference text,
                                              OUT pg reseller_billing.program, OUT done bigint)
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    IF p_reseller IS NULL THEN
        RAISE EXCEPTION 'payment % needs a reseller', p_reference USING ERRCODE = 'null_value_not_allowed';
    END IF;
    pg := reseller_billing.lock_reseller(p_reseller);
    done := reseller_billing.payment_check(pg, p_reseller, p_amount, p_method, p_received_on, p_reference);
    IF done IS NULL AND reseller_billing.currency(p_amount) <> pg.currency THEN
        RAISE EXCEPTION 'payment % of reseller % must be in the program currency %', p_reference, p_reseller, pg.currency
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', p_amount);
    END IF;
END $function$;
REVOKE EXECUTE ON FUNCTION reseller_billing.payment_args(bigint, reseller_billing.amount, text, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.payment_args(bigint, reseller_billing.amount, text, date, text) TO reseller_billing_admin;
COMMENT ON FUNCTION reseller_billing.payment_args(bigint, reseller_billing.amount, text, date, text) IS
    'internal: the arguments of a payment (given: 22004; good: 22023), with the reseller locked; its program, and the payment already recorded under the reference';

-- record_payment: a NULL reference, amount, date or method is 22004
CREATE OR REPLACE FUNCTION reseller_billing.record_payment(p_reseller bigint, p_amount reseller_billing.amount, p_method text, p_received_on date, p_reference text)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    args    record;
    pay     reseller_billing.payment;
    inv     record;
    left_   reseller_billing.amount;
    part    reseller_billing.amount;
BEGIN
    SELECT * INTO args FROM reseller_billing.payment_args(p_reseller, p_amount, p_method, p_received_on, p_reference);
    IF args.done IS NOT NULL THEN
        RETURN args.done;
    END IF;
    PERFORM reseller_billing.arg_date(format('payment %s', left(p_reference, 40)), p_received_on);
    PERFORM reseller_billing.arg_text('the reference of a payment', p_reference, 1000);
    INSERT INTO reseller_billing.payment (reseller_id, amount, method, received_on, reference, unapplied)
    VALUES (p_reseller, p_amount, p_method, p_received_on, p_reference, p_amount)
    RETURNING * INTO pay;
    left_ := p_amount;
    FOR inv IN
        SELECT i.invoice_id, i.total - i.credited - i.paid AS owed
          FROM reseller_billing.invoice i
         WHERE i.reseller_id = p_reseller AND i.status = 'issued' AND i.currency = currency(p_amount)
         ORDER BY i.due_on, i.invoice_number
           FOR UPDATE
    LOOP
        EXIT WHEN reseller_billing.sign(left_) <= 0;
        CONTINUE WHEN reseller_billing.sign(inv.owed) <= 0;
        part := reseller_billing.smaller(left_, inv.owed);
        PERFORM reseller_billing.allocate_payment(p_reseller, pay.payment_id, inv.invoice_id, part);
        left_ := left_ - part;
    END LOOP;
    RETURN pay.payment_id;
END $function$;

-- record_order_payment: a NULL reseller, reference, amount, date or method
-- is 22004 (as record_payment; a NULL order is none: the oldest first)
CREATE OR REPLACE FUNCTION reseller_billing.record_order_payment(p_reseller bigint, p_amount reseller_billing.amount, p_method text, p_received_on date, p_reference text, p_order bigint DEFAULT NULL::bigint)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    args    record;
    pg      reseller_billing.program;
    pay     reseller_billing.payment;
    ord     reseller_billing.licence_order;
BEGIN
    SELECT * INTO args FROM reseller_billing.payment_args(p_reseller, p_amount, p_method, p_received_on, p_reference);
    IF args.done IS NOT NULL THEN
        RETURN args.done;
    END IF;
    pg := args.pg;
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
        IF ord.cancelled_on IS NOT NULL OR ord.returned_on IS NOT NULL THEN
            RAISE EXCEPTION 'order % of reseller % is %: nothing is owed on it', p_order, p_reseller,
                    CASE WHEN ord.cancelled_on IS NOT NULL THEN 'cancelled' ELSE 'returned' END
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = format('It was %s on %s.', CASE WHEN ord.cancelled_on IS NOT NULL THEN 'cancelled' ELSE 'returned' END,
                                      coalesce(ord.cancelled_on, ord.returned_on)),
                      HINT = 'Record the payment without naming an order: it settles what is owed, oldest first.';
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
    PERFORM reseller_billing.settle_order_items(p_reseller, pay.payment_id, p_received_on, p_order, p_amount);
    RETURN pay.payment_id;
END $function$;

-- migrate_order: what one prepaid order (an annual_prepaid subscription)
-- becomes at a migration on p_local_day, and its migration_order row: what
-- was paid for the current term, the days left, the credit for them (one
-- rounding), and the subscription moved to annual_monthly for the rest of
-- its term, or to a final trial (expired within 30 days, not renewed) or a
-- renewal trial (within 30 days of a renewal set to cancel)
CREATE FUNCTION reseller_billing.migrate_order(p_sub reseller_billing.subscription, p_local_day date, p_trial_days int,
                                               p_currency text) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    s           reseller_billing.subscription := p_sub;
    paid        reseller_billing.amount;
    days        int;
    left_days   int;
    becomes     text;
BEGIN
    -- paid: the tranches of the current prepaid term (the year and the
    -- seats added to it), each billed whole when it started
    SELECT reseller_billing.sum(t.total) INTO paid
      FROM reseller_billing.commitment_tranche t
     WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
       AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id
       AND t.plan OPERATOR(reseller_billing.=) 'annual_prepaid'
       AND t.term_start OPERATOR(pg_catalog.=) s.term_start;
    paid := coalesce(paid, reseller_billing.amount(0, p_currency));
    days := s.term_end - s.term_start;
    left_days := LEAST(days, GREATEST(0, s.term_end - p_local_day));
    becomes := CASE
        -- the old grace period: expired within the last 30 days, not renewed
        WHEN s.term_end <= p_local_day AND s.term_end > p_local_day - 30
             AND (s.status = 'suspended' OR s.renewal_setting = 'cancel') THEN 'final_trial'
        -- within 30 days of its renewal date, set not to renew
        WHEN s.status = 'active' AND s.term_end > p_local_day AND s.term_end <= p_local_day + 30
             AND s.renewal_setting = 'cancel' THEN 'renewal_trial'
        ELSE 'annual_monthly' END;
    IF becomes = 'annual_monthly' THEN
        UPDATE reseller_billing.subscription t SET plan = 'annual_monthly'
         WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
           AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id
        RETURNING t.* INTO s;
        -- the rest of the term is billed monthly from the migration day
        IF p_local_day < s.term_end THEN
            PERFORM reseller_billing.add_tranche(s, s.committed_seats, GREATEST(p_local_day, s.term_start));
        END IF;
    ELSE
        UPDATE reseller_billing.subscription t
           SET plan = 'trial', status = 'trial', seat_cap = t.committed_seats, committed_seats = NULL,
               term_start = p_local_day, term_end = NULL, trial_end = p_local_day + p_trial_days,
               partner_price = reseller_billing.partner_price(s.sku_id, 'trial', s.reseller_id, p_local_day)
         WHERE t.reseller_id OPERATOR(pg_catalog.=) s.reseller_id
           AND t.subscription_id OPERATOR(pg_catalog.=) s.subscription_id;
    END IF;
    INSERT INTO reseller_billing.migration_order
           (reseller_id, subscription_id, customer_id, sku_id, seats, term_start, term_end, amount_paid,
            days_in_term, days_left, amount_credited, status_before, migrated_to)
    VALUES (s.reseller_id, s.subscription_id, s.customer_id, s.sku_id, s.committed_seats, s.term_start,
            s.term_end, paid, days, left_days, reseller_billing.prorate_fraction(paid, left_days, days),
            s.status, becomes);
END $$;
COMMENT ON FUNCTION reseller_billing.migrate_order(reseller_billing.subscription, date, int, text) IS
    'internal (migrate_to_postpaid): moves one prepaid order to annual_monthly or a trial and writes its migration_order row (paid, days left, credit)';

-- migrate_to_postpaid: a NULL reseller or moment is 22004; each prepaid
-- order is moved by migrate_order
-- migrate_to_postpaid's steps (issue 17).
-- migration_window_check: the day of the move in the program's time zone,
-- refused (55000) in the last days of the month the program closes to
-- migration (settings "migration_blackout_days", 3 by default)
CREATE FUNCTION reseller_billing.migration_window_check(p_reseller bigint, p_program text, p_time_zone text,
                                                        p_settings jsonb, p_at timestamptz) RETURNS date
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    local_day   date := (p_at AT TIME ZONE p_time_zone)::date;
    blackout    int := coalesce((p_settings ->> 'migration_blackout_days')::int, 3);
    last_day    date := (date_trunc('month', local_day) + interval '1 month - 1 day')::date;
BEGIN
    IF local_day > last_day - blackout THEN
        RAISE EXCEPTION 'reseller % cannot migrate on %: the last % days of the month are closed to migration',
                p_reseller, local_day, blackout
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('Program "%s" closes migrations from %s to %s so that the month''s invoices are not disturbed.',
                                  p_program, last_day - blackout + 1, last_day),
                  HINT = format('Migrate on %s or later.', last_day + 1);
    END IF;
    RETURN local_day;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.migration_window_check(bigint, text, text, jsonb, timestamptz) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.migration_window_check(bigint, text, text, jsonb, timestamptz) TO reseller_billing_admin;
COMMENT ON FUNCTION reseller_billing.migration_window_check(bigint, text, text, jsonb, timestamptz) IS
    'internal (migrate_to_postpaid): the local day of a migration, refused in the last days of the month the program closes to migration';

-- migration_credit: the one credit of a migration, for the sum of its
-- orders' unused parts, granted and recorded on the migration row
CREATE FUNCTION reseller_billing.migration_credit(p_reseller bigint, p_settings jsonb) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    total       reseller_billing.amount;
    orders      int;
    credit      bigint;
BEGIN
    SELECT reseller_billing.sum(x.amount_credited), count(*) INTO total, orders
      FROM reseller_billing.migration_order x WHERE x.reseller_id OPERATOR(pg_catalog.=) p_reseller;
    UPDATE reseller_billing.migration x SET orders_migrated = orders
     WHERE x.reseller_id OPERATOR(pg_catalog.=) p_reseller;
    IF total IS NOT NULL AND reseller_billing.sign(total) > 0 THEN
        -- the credit granted first, then recorded (on a Citus cluster an
        -- UPDATE may not call a volatile function)
        credit := reseller_billing.grant_credit(p_reseller, total, 'migration credit',
                   jsonb_build_object('customer_kind', jsonb_build_array('online'),
                                      'sku_family', jsonb_build_array(coalesce(p_settings ->> 'main_family', 'apps')),
                                      'line_kind', jsonb_build_array('annual_installment', 'flex_usage')));
        UPDATE reseller_billing.migration x SET credit_id = credit
         WHERE x.reseller_id OPERATOR(pg_catalog.=) p_reseller;
    END IF;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.migration_credit(bigint, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.migration_credit(bigint, jsonb) TO reseller_billing_admin;
COMMENT ON FUNCTION reseller_billing.migration_credit(bigint, jsonb) IS
    'internal (migrate_to_postpaid): grants the migration''s one credit, for the sum of its orders'' unused parts, and records it and the orders migrated on the migration row';

-- migration_hold: holds the reseller's business still while it migrates:
-- no new subscription (customer rows), no seat counted twice (subscription
-- rows, in key order)
CREATE FUNCTION reseller_billing.migration_hold(p_reseller bigint) RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    PERFORM FROM reseller_billing.customer c WHERE c.reseller_id OPERATOR(pg_catalog.=) p_reseller
     ORDER BY c.customer_id FOR UPDATE;
    PERFORM FROM reseller_billing.subscription t WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
     ORDER BY t.subscription_id FOR NO KEY UPDATE;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.migration_hold(bigint) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.migration_hold(bigint) TO reseller_billing_admin;
COMMENT ON FUNCTION reseller_billing.migration_hold(bigint) IS
    'internal (migrate_to_postpaid): locks the reseller''s customers and subscriptions (in key order) for the migration';

-- migration_counts_unchanged: the reseller's counts after its migration,
-- refused (XX000) when they differ from those before: nothing lost.
CREATE FUNCTION reseller_billing.migration_counts_unchanged(p_reseller bigint, p_customers integer, p_subscriptions integer,
                                                            p_accounts integer, OUT customers integer,
                                                            OUT subscriptions integer, OUT accounts integer)
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    after       record;
BEGIN
    SELECT * INTO after FROM reseller_billing.migration_counts(p_reseller);
    IF (after.customers, after.subscriptions, after.accounts)
       IS DISTINCT FROM (p_customers, p_subscriptions, p_accounts) THEN
        RAISE EXCEPTION 'the migration of reseller % would change its business', p_reseller
            USING ERRCODE = 'internal_error',
                  DETAIL = format('Before: %s customers, %s subscriptions, %s active accounts; after: %s, %s, %s.',
                                  p_customers, p_subscriptions, p_accounts,
                                  after.customers, after.subscriptions, after.accounts);
    END IF;
    customers := after.customers;
    subscriptions := after.subscriptions;
    accounts := after.accounts;
END $$;
REVOKE EXECUTE ON FUNCTION reseller_billing.migration_counts_unchanged(bigint, integer, integer, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.migration_counts_unchanged(bigint, integer, integer, integer) TO reseller_billing_admin;
COMMENT ON FUNCTION reseller_billing.migration_counts_unchanged(bigint, integer, integer, integer) IS
    'internal (migrate_to_postpaid): the reseller''s counts after the migration, XX000 when they differ from those before';

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
    trial_days  int;
    before      record;
    after       record;
    s           reseller_billing.subscription;
    m           reseller_billing.migration;
BEGIN
    IF p_reseller IS NULL OR p_at IS NULL THEN
        RAISE EXCEPTION 'a migration needs a reseller and a moment'
            USING ERRCODE = 'null_value_not_allowed';
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
    local_day := reseller_billing.migration_window_check(p_reseller, r.program, r.time_zone, r.settings, p_at);
    trial_days := LEAST(30, r.trial_days);

    PERFORM reseller_billing.migration_hold(p_reseller);
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
        PERFORM reseller_billing.migrate_order(s, local_day, trial_days, r.currency);
    END LOOP;

    -- the credit: one, for the sum of the orders' unused parts
    PERFORM reseller_billing.migration_credit(p_reseller, r.settings);

    UPDATE reseller_billing.reseller rs SET billing_model = 'postpaid'
     WHERE rs.reseller_id OPERATOR(pg_catalog.=) p_reseller;

    -- nothing lost
    SELECT * INTO after
      FROM reseller_billing.migration_counts_unchanged(p_reseller, before.customers, before.subscriptions, before.accounts);
    UPDATE reseller_billing.migration x
       SET customers_after = after.customers, subscriptions_after = after.subscriptions, accounts_after = after.accounts
     WHERE x.reseller_id OPERATOR(pg_catalog.=) p_reseller
    RETURNING x.* INTO m;
    RETURN m;
END $function$;
