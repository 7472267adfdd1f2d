-- ========================================================================
-- 0.3.0: the API refuses bad arguments with its own error (issue 15 §6,
-- what 91_api_arguments.sql and 95_api_arguments.sql left)
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
-- (P0002) or as a partner who may not act (42501).  An id that does not exist stays P0002; a value below
-- its limit stays 22023.  An error that was already raised for the NULL
-- keeps its message, detail and hint, with 22004; a NULL that was refused
-- as an id that does not exist, or answered, has an error of its own:
-- "<function> needs <what>", detail "<function> was called with <argument>
-- NULL." (arg_missing).  partner_price and reseller_standing also
-- refuse a date outside the years 1900 to 8999 (22008, arg_date, as
-- add_charge and record_payment do).  For good arguments each function does
-- what it did; each body is the one it had, with the checks added.  No
-- later file re-creates these functions.  doc/reference.md "Argument
-- errors" lists what sql/api_arguments.sql and sql/api_arguments_more.sql
-- test.

-- arg_missing and arg_required, the shared checks: 04_arguments.sql

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
    IF p_seats IS NULL THEN
        RAISE EXCEPTION 'seats to add to subscription % must be a positive number', p_subscription
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'NULL seats were asked for.';
    END IF;
    IF p_seats < 1 THEN
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
    IF p_cap IS NULL THEN
        RAISE EXCEPTION 'seat cap of subscription % must be zero or more', p_subscription
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'NULL was asked for.';
    END IF;
    IF p_cap < 0 THEN
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
    IF p_seats IS NULL THEN
        RAISE EXCEPTION 'the new plan of subscription % needs a positive number of seats', p_subscription
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'NULL seats were asked for.';
    END IF;
    IF p_seats < 1 THEN
        RAISE EXCEPTION 'the new plan of subscription % needs a positive number of seats', p_subscription
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s seats were asked for.', coalesce(p_seats::text, 'NULL'));
    END IF;
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
-- stated once: a reseller (22004), then, with the reseller locked, a
-- reference, an amount, a date and a method (22004, with payment_check's
-- messages, in its order).  Returns the reseller's program.
CREATE FUNCTION reseller_billing.payment_args(p_reseller bigint, p_amount reseller_billing.amount, p_method text,
                                              p_received_on date, p_reference text)
 RETURNS reseller_billing.program
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg      reseller_billing.program;
BEGIN
    IF p_reseller IS NULL THEN
        RAISE EXCEPTION 'payment % needs a reseller', p_reference USING ERRCODE = 'null_value_not_allowed';
    END IF;
    pg := reseller_billing.lock_reseller(p_reseller);
    IF p_reference IS NULL THEN
        RAISE EXCEPTION 'a payment needs a reference'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_amount IS NULL THEN
        RAISE EXCEPTION 'payment % must be a positive amount', p_reference
            USING ERRCODE = 'null_value_not_allowed', DETAIL = 'NULL was given.';
    END IF;
    IF p_received_on IS NULL THEN
        RAISE EXCEPTION 'payment % needs the date it was received', p_reference
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_method IS NULL THEN
        RAISE EXCEPTION 'payment method "%" is not accepted by the program of reseller %', p_method, p_reseller
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('Program "%s" accepts: %s.', pg.code,
                                  (SELECT string_agg(x, ', ')
                                     FROM jsonb_array_elements_text(coalesce(pg.settings -> 'payment_methods',
                                                                             '["bank_transfer", "cheque", "direct_debit"]')) x));
    END IF;
    RETURN pg;
END $function$;
REVOKE EXECUTE ON FUNCTION reseller_billing.payment_args(bigint, reseller_billing.amount, text, date, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION reseller_billing.payment_args(bigint, reseller_billing.amount, text, date, text) TO reseller_billing_admin;
COMMENT ON FUNCTION reseller_billing.payment_args(bigint, reseller_billing.amount, text, date, text) IS
    'internal: the arguments of a payment, given (22004), with the reseller locked; returns its program';

-- record_payment: a NULL reference, amount, date or method is 22004
CREATE OR REPLACE FUNCTION reseller_billing.record_payment(p_reseller bigint, p_amount reseller_billing.amount, p_method text, p_received_on date, p_reference text)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg      reseller_billing.program;
    pay     reseller_billing.payment;
    done    bigint;
    inv     record;
    left_   reseller_billing.amount;
    part    reseller_billing.amount;
BEGIN
    pg := reseller_billing.payment_args(p_reseller, p_amount, p_method, p_received_on, p_reference);
    done := reseller_billing.payment_check(pg, p_reseller, p_amount, p_method, p_received_on, p_reference);
    IF done IS NOT NULL THEN
        RETURN done;
    END IF;
    IF reseller_billing.currency(p_amount) <> pg.currency THEN
        RAISE EXCEPTION 'payment % of reseller % must be in the program currency %', p_reference, p_reseller, pg.currency
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', p_amount);
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

-- migrate_to_postpaid: a NULL reseller or moment is 22004
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
    credit      bigint;
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
                   partner_price = reseller_billing.partner_price(s.sku_id, 'trial', s.reseller_id, local_day)
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
    IF total IS NOT NULL AND reseller_billing.sign(total) > 0 THEN
        -- the credit granted first, then recorded (on a Citus cluster an
        -- UPDATE may not call a volatile function)
        credit := reseller_billing.grant_credit(p_reseller, total, 'migration credit',
                   jsonb_build_object('customer_kind', jsonb_build_array('online'),
                                      'sku_family', jsonb_build_array(coalesce(r.settings ->> 'main_family', 'apps')),
                                      'line_kind', jsonb_build_array('annual_installment', 'flex_usage')));
        UPDATE reseller_billing.migration x SET credit_id = credit
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
END $function$;

-- place_order: a NULL reseller, ship-to or lines is 22004, with the message,
-- detail and hint place_order_unchecked gives them (22023 there: it is
-- called with them given); a date left NULL is today
CREATE OR REPLACE FUNCTION reseller_billing.place_order(p_reseller bigint, p_ship_to jsonb, p_lines jsonb, p_on date DEFAULT NULL::date)
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    IF p_reseller IS NULL THEN
        RAISE EXCEPTION 'an order needs a reseller'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_ship_to IS NULL THEN
        RAISE EXCEPTION 'order of reseller %: ship-to must be a JSON object', p_reseller
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'It is NULL.',
                  HINT = 'Give {"name": ..., "email": ..., "domain": ..., "address": ..., "city": ..., "region": ..., "postal_code": ..., "country": ...}.';
    END IF;
    IF p_lines IS NULL THEN
        RAISE EXCEPTION 'order of reseller % needs at least one line', p_reseller
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'The lines given are NULL.',
                  HINT = 'Give a JSON array such as [{"sku": "GD-WORDS-DEV", "quantity": 2}].';
    END IF;
    PERFORM reseller_billing.assert_acting_for(p_reseller, 'place an order');
    RETURN reseller_billing.place_order_unchecked(p_reseller, p_ship_to, p_lines, p_on);
END $function$;

-- monthly_statement: a NULL reseller or month is 22004 (a reseller that
-- does not exist stays P0002, from write_statement)
CREATE OR REPLACE FUNCTION reseller_billing.monthly_statement(p_reseller bigint, p_month reseller_billing.billing_period)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    PERFORM reseller_billing.arg_required('monthly_statement', 'p_reseller', 'a reseller', p_reseller);
    IF p_month IS NULL THEN
        RAISE EXCEPTION 'a statement of reseller % needs a month', p_reseller
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_month IS NOT NULL AND reseller_billing.period_start(p_month)
                               > reseller_billing.program_date(p_reseller, reseller_billing.clock_now()) THEN
        RAISE EXCEPTION 'statement of reseller % for % cannot be written before %', p_reseller, p_month,
                reseller_billing.period_start(p_month)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Today is %s in the program''s time zone.', reseller_billing.program_date(p_reseller, reseller_billing.clock_now()));
    END IF;
    RETURN reseller_billing.write_statement(p_reseller, p_month, false);
END $function$;

-- reseller_standing: a NULL reseller or date is 22004, a date outside the
-- years 1900 to 8999 22008
CREATE OR REPLACE FUNCTION reseller_billing.reseller_standing(p_reseller bigint, p_on date)
 RETURNS text
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    prog    bigint;
    first_n numeric;
BEGIN
    PERFORM reseller_billing.arg_required('reseller_standing', 'p_reseller', 'a reseller', p_reseller);
    SELECT r.program_id INTO prog FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'reseller % does not exist', p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    IF p_on IS NULL THEN
        RAISE EXCEPTION 'the standing of reseller % needs a date', p_reseller
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM reseller_billing.arg_date(format('the standing of reseller %s', p_reseller), p_on);
    IF EXISTS (SELECT FROM reseller_billing.licence_order o
                WHERE o.reseller_id = p_reseller AND o.paid_on IS NULL AND o.due_on < p_on
                  AND o.cancelled_on IS NULL AND o.returned_on IS NULL)
       OR EXISTS (SELECT FROM reseller_billing.late_interest i
                   WHERE i.reseller_id = p_reseller AND i.paid_on IS NULL AND i.due_on < p_on AND i.reversed_on IS NULL) THEN
        RETURN 'prepay_required';
    END IF;
    first_n := reseller_billing.order_setting(prog, 'prepaid_first_orders', 3, 0, 1000);
    IF (SELECT count(*) FROM reseller_billing.licence_order o
         WHERE o.reseller_id = p_reseller AND o.paid_on IS NOT NULL AND o.returned_on IS NULL) < first_n THEN
        RETURN 'new';
    END IF;
    RETURN 'normal';
END $function$;

-- partner_price: a NULL SKU, plan, reseller or date is 22004, a date outside
-- the years 1900 to 8999 22008
CREATE OR REPLACE FUNCTION reseller_billing.partner_price(p_sku bigint, p_plan reseller_billing.plan_kind, p_reseller bigint, p_at date)
 RETURNS reseller_billing.amount
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    r       record;
    lp      reseller_billing.amount;
BEGIN
    IF p_plan IS NULL OR p_at IS NULL THEN
        RAISE EXCEPTION 'a partner price needs a plan and a date'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('The plan given is %s and the date %s.',
                                  coalesce(p_plan::text, 'NULL'), coalesce(p_at::text, 'NULL'));
    END IF;
    IF p_sku IS NULL OR p_reseller IS NULL THEN
        RAISE EXCEPTION 'a partner price needs a SKU and a reseller'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('The SKU given is %s and the reseller %s.',
                                  coalesce(p_sku::text, 'NULL'), coalesce(p_reseller::text, 'NULL'));
    END IF;
    PERFORM reseller_billing.arg_date(format('the partner price of SKU %s', p_sku), p_at);
    SELECT rs.business_type, pg.reseller_discount, pg.currency, pg.program_id, pg.code AS program,
           k.program_id AS sku_program, k.code
      INTO r
      FROM reseller_billing.reseller rs
      JOIN reseller_billing.program pg ON pg.program_id OPERATOR(pg_catalog.=) rs.program_id
      LEFT JOIN reseller_billing.sku k ON k.sku_id OPERATOR(pg_catalog.=) p_sku
     WHERE rs.reseller_id OPERATOR(pg_catalog.=) p_reseller;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'reseller % does not exist', p_reseller
            USING ERRCODE = 'no_data_found';
    END IF;
    IF r.code IS NULL THEN
        RAISE EXCEPTION 'SKU % does not exist', p_sku
            USING ERRCODE = 'no_data_found';
    END IF;
    IF r.sku_program OPERATOR(pg_catalog.<>) r.program_id THEN
        RAISE EXCEPTION 'SKU "%" is not sold in program "%" of reseller %', r.code, r.program, p_reseller
            USING ERRCODE = 'check_violation';
    END IF;
    IF p_plan OPERATOR(reseller_billing.=) 'trial' THEN
        RETURN reseller_billing.amount(0, r.currency);     -- trials are free
    END IF;
    SELECT p.list_price INTO lp
      FROM reseller_billing.price p
     WHERE p.sku_id OPERATOR(pg_catalog.=) p_sku AND p.plan OPERATOR(reseller_billing.=) p_plan
       AND p.valid_from OPERATOR(pg_catalog.<=) p_at
       AND (p.valid_to IS NULL OR p.valid_to OPERATOR(pg_catalog.>) p_at);
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no % price for SKU "%" on %', p_plan, r.code, p_at
            USING ERRCODE = 'no_data_found',
                  HINT = 'Add a row to reseller_billing.price valid on that date.';
    END IF;
    IF r.business_type OPERATOR(pg_catalog.=) 'retail' THEN
        RETURN lp OPERATOR(reseller_billing.*) (1 OPERATOR(pg_catalog.-) r.reseller_discount);
    END IF;
    RETURN lp;                                              -- consulting firms pay list
END $function$;

-- issue_licence: a NULL order is 22004, an order that does not exist P0002
CREATE OR REPLACE FUNCTION reseller_billing.issue_licence(p_order bigint)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    rid     bigint;
    o       reseller_billing.licence_order;
BEGIN
    PERFORM reseller_billing.arg_required('issue_licence', 'p_order', 'an order', p_order);
    rid := reseller_billing.find_order(p_order);
    PERFORM reseller_billing.lock_reseller(rid);
    SELECT * INTO o FROM reseller_billing.licence_order x WHERE x.reseller_id = rid AND x.order_id = p_order;
    IF o.requires_prepayment AND o.paid_on IS NULL THEN
        RAISE EXCEPTION 'order % of reseller % is not paid: its licence is issued once payment is confirmed', p_order, rid
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  DETAIL = format('The order needs payment first (reseller %s when it was placed); %s of %s is paid.',
                                  o.prepayment_reason, o.paid, o.total),
                  HINT = 'Record the bank transfer with record_order_payment; issue_temporary_licence(order, days) gives a time-limited licence meanwhile.';
    END IF;
    RETURN reseller_billing.issue_order_licence(rid, p_order, coalesce(o.paid_on, o.placed_on));
END $function$;

-- payment_terms: a NULL reseller is 22004
CREATE OR REPLACE FUNCTION reseller_billing.payment_terms(p_reseller bigint)
 RETURNS jsonb
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
#variable_conflict use_column
BEGIN
    PERFORM reseller_billing.arg_required('payment_terms', 'p_reseller', 'a reseller', p_reseller);
    RETURN (
    SELECT coalesce(r.payment_terms, reseller_billing.program_payment_terms(p.settings, p.payment_terms_days))
      FROM reseller_billing.reseller r JOIN reseller_billing.program p ON p.program_id = r.program_id
     WHERE r.reseller_id = p_reseller
    );
END
$function$;

-- program_revenue: a NULL reseller or date is 22004
CREATE OR REPLACE FUNCTION reseller_billing.program_revenue(p_reseller bigint, p_at date)
 RETURNS reseller_billing.amount
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
#variable_conflict use_column
BEGIN
    PERFORM reseller_billing.arg_required('program_revenue', 'p_reseller', 'a reseller', p_reseller);
    PERFORM reseller_billing.arg_required('program_revenue', 'p_at', 'a date', p_at);
    RETURN (
 SELECT COALESCE(reseller_billing.sum(((i.subtotal OPERATOR(reseller_billing.-) i.credits_applied) OPERATOR(reseller_billing.-) i.credited)), reseller_billing.amount((0)::numeric, pg.currency)) AS "coalesce"
    FROM ((reseller_billing.reseller r
      JOIN reseller_billing.program pg ON ((pg.program_id = r.program_id)))
      LEFT JOIN reseller_billing.invoice i ON (((i.reseller_id = r.reseller_id) AND (i.program_id = r.program_id) AND (i.status = ANY (ARRAY['issued'::text, 'paid'::text])) AND (i.currency = pg.currency) AND (reseller_billing.period_start(i.period) >= ((program_revenue.p_at - '1 year'::interval))::date) AND (reseller_billing.period_end(i.period) <= program_revenue.p_at))))
   WHERE (r.reseller_id = program_revenue.p_reseller)
   GROUP BY pg.currency
    );
END
$function$;

-- migration_counts: a NULL reseller is 22004
CREATE OR REPLACE FUNCTION reseller_billing.migration_counts(p_reseller bigint, OUT customers integer, OUT subscriptions integer, OUT accounts integer)
 RETURNS record
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
#variable_conflict use_column
BEGIN
    PERFORM reseller_billing.arg_required('migration_counts', 'p_reseller', 'a reseller', p_reseller);
    SELECT q.* INTO customers, subscriptions, accounts
      FROM (
 SELECT ( SELECT (count(*))::integer AS count
            FROM reseller_billing.customer c
           WHERE (c.reseller_id = migration_counts.p_reseller)) AS count,
     ( SELECT (count(*))::integer AS count
            FROM reseller_billing.subscription s
           WHERE (s.reseller_id = migration_counts.p_reseller)) AS count,
     ( SELECT (count(*))::integer AS count
            FROM reseller_billing.seat a
           WHERE ((a.reseller_id = migration_counts.p_reseller) AND (a.active_until IS NULL))) AS count
           ) q;
END
$function$;

-- the channel (doc/channel.md): every id given (22004); an id that does not
-- exist stays P0002, a partner in the wrong tier or state 42501/55000

-- invite_reseller: a NULL provider or reseller is 22004
CREATE OR REPLACE FUNCTION reseller_billing.invite_reseller(p_provider bigint, p_reseller bigint)
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    PERFORM reseller_billing.arg_required('invite_reseller', 'p_provider', 'a provider', p_provider);
    PERFORM reseller_billing.arg_required('invite_reseller', 'p_reseller', 'a reseller to invite', p_reseller);
    PERFORM reseller_billing.assert_acting_for(p_provider, 'invite a reseller');
    RETURN reseller_billing.invite_reseller_unchecked(p_provider, p_reseller);
END $function$;

-- invite_customer: a NULL reseller or customer is 22004
CREATE OR REPLACE FUNCTION reseller_billing.invite_customer(p_reseller bigint, p_customer bigint)
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    PERFORM reseller_billing.arg_required('invite_customer', 'p_reseller', 'a reseller', p_reseller);
    PERFORM reseller_billing.arg_required('invite_customer', 'p_customer', 'a customer to invite', p_customer);
    PERFORM reseller_billing.assert_acting_for(p_reseller, 'invite a customer');
    RETURN reseller_billing.invite_customer_unchecked(p_reseller, p_customer);
END $function$;

-- accept_invitation: a NULL reseller or invitation is 22004
CREATE OR REPLACE FUNCTION reseller_billing.accept_invitation(p_reseller bigint, p_invitation bigint)
 RETURNS reseller_billing.channel_invitation
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    inv     reseller_billing.channel_invitation;
BEGIN
    PERFORM reseller_billing.arg_required('accept_invitation', 'p_reseller', 'a reseller', p_reseller);
    PERFORM reseller_billing.arg_required('accept_invitation', 'p_invitation', 'an invitation', p_invitation);
    SELECT * INTO inv FROM reseller_billing.channel_invitation i
     WHERE i.reseller_id OPERATOR(pg_catalog.=) p_reseller AND i.invitation_id OPERATOR(pg_catalog.=) p_invitation;
    -- a customer accepts its own invitation from its portal
    IF NOT (inv.kind = 'customer'
            AND pg_catalog.pg_has_role(reseller_billing.acting_role(), 'reseller_billing_customer', 'MEMBER')
            AND reseller_billing.current_reseller() OPERATOR(pg_catalog.=) p_reseller
            AND reseller_billing.current_customer() OPERATOR(pg_catalog.=) inv.customer_id) THEN
        PERFORM reseller_billing.assert_acting_for(p_reseller, 'accept an invitation');
    END IF;
    SELECT * INTO inv FROM reseller_billing.accept_invitation_unchecked(p_reseller, p_invitation);
    RETURN inv;
END $function$;

-- revoke_invitation: a NULL partner, reseller or invitation is 22004
CREATE OR REPLACE FUNCTION reseller_billing.revoke_invitation(p_actor bigint, p_reseller bigint, p_invitation bigint)
 RETURNS reseller_billing.channel_invitation
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    inv     reseller_billing.channel_invitation;
BEGIN
    PERFORM reseller_billing.arg_required('revoke_invitation', 'p_actor', 'the partner who revokes', p_actor);
    PERFORM reseller_billing.arg_required('revoke_invitation', 'p_reseller', 'a reseller', p_reseller);
    PERFORM reseller_billing.arg_required('revoke_invitation', 'p_invitation', 'an invitation', p_invitation);
    PERFORM reseller_billing.assert_acting_for(p_actor, 'revoke an invitation');
    SELECT * INTO inv FROM reseller_billing.revoke_invitation_unchecked(p_actor, p_reseller, p_invitation);
    RETURN inv;
END $function$;

-- transition_to_indirect: a NULL reseller is 22004
CREATE OR REPLACE FUNCTION reseller_billing.transition_to_indirect(p_reseller bigint)
 RETURNS timestamp with time zone
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    rs      record;
    cp      reseller_billing.channel_partner;
BEGIN
    PERFORM reseller_billing.arg_required('transition_to_indirect', 'p_reseller', 'a reseller', p_reseller);
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
END $function$;

-- complete_transition: a NULL reseller is 22004
CREATE OR REPLACE FUNCTION reseller_billing.complete_transition(p_reseller bigint)
 RETURNS timestamp with time zone
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    rs      record;
    done    timestamptz;
BEGIN
    PERFORM reseller_billing.arg_required('complete_transition', 'p_reseller', 'a reseller', p_reseller);
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
END $function$;

-- cancel_transition: a NULL reseller is 22004
CREATE OR REPLACE FUNCTION reseller_billing.cancel_transition(p_reseller bigint)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    cp      reseller_billing.channel_partner;
BEGIN
    PERFORM reseller_billing.arg_required('cancel_transition', 'p_reseller', 'a reseller', p_reseller);
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
END $function$;

-- set_direct_access: a NULL reseller is 22004 (a NULL flag is false, as before)
CREATE OR REPLACE FUNCTION reseller_billing.set_direct_access(p_reseller bigint, p_programmatic boolean, p_sandbox boolean)
 RETURNS reseller_billing.channel_partner
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    cp      reseller_billing.channel_partner;
BEGIN
    PERFORM reseller_billing.arg_required('set_direct_access', 'p_reseller', 'a reseller', p_reseller);
    PERFORM reseller_billing.channel_reseller(p_reseller);
    INSERT INTO reseller_billing.channel_partner AS c (reseller_id, programmatic_access, sandbox_access)
    VALUES (p_reseller, coalesce(p_programmatic, false), coalesce(p_sandbox, false))
    ON CONFLICT (reseller_id) DO UPDATE
       SET programmatic_access = EXCLUDED.programmatic_access, sandbox_access = EXCLUDED.sandbox_access
    RETURNING * INTO cp;
    RETURN cp;
END $function$;

-- direct_bill_threshold: a NULL program is 22004
CREATE OR REPLACE FUNCTION reseller_billing.direct_bill_threshold(p_program bigint)
 RETURNS reseller_billing.amount
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg      reseller_billing.program;
    t       reseller_billing.amount;
BEGIN
    PERFORM reseller_billing.arg_required('direct_bill_threshold', 'p_program', 'a program', p_program);
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
END $function$;

-- place_subscription: a NULL partner, reseller, customer or SKU is 22004
-- (before the seats and the plan, as 91_api_arguments.sql checks them)
CREATE OR REPLACE FUNCTION reseller_billing.place_subscription(p_actor bigint, p_reseller bigint, p_customer bigint, p_sku bigint, p_seats integer, p_plan reseller_billing.plan_kind DEFAULT 'annual_monthly'::reseller_billing.plan_kind, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS bigint
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    PERFORM reseller_billing.arg_required('place_subscription', 'p_actor', 'the partner who orders', p_actor);
    PERFORM reseller_billing.arg_required('place_subscription', 'p_reseller', 'a reseller', p_reseller);
    PERFORM reseller_billing.arg_required('place_subscription', 'p_customer', 'a customer', p_customer);
    PERFORM reseller_billing.arg_required('place_subscription', 'p_sku', 'a SKU', p_sku);
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
    PERFORM reseller_billing.assert_acting_for(p_actor, 'place a subscription');
    RETURN reseller_billing.place_subscription_unchecked(p_actor, p_reseller, p_customer, p_sku, p_seats, p_plan, p_at);
END $function$;

-- issue_temporary_licence: a NULL order or number of days is 22004
CREATE OR REPLACE FUNCTION reseller_billing.issue_temporary_licence(p_order bigint, p_days integer, p_on date DEFAULT NULL::date)
 RETURNS integer
 LANGUAGE plpgsql
 SECURITY DEFINER
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    PERFORM reseller_billing.arg_required('issue_temporary_licence', 'p_order', 'an order', p_order);
    PERFORM reseller_billing.arg_required('issue_temporary_licence', 'p_days', 'a number of days', p_days);
    PERFORM reseller_billing.assert_acting_for(
        (SELECT o.reseller_id FROM reseller_billing.licence_order o WHERE o.order_id OPERATOR(pg_catalog.=) p_order),
        'issue a temporary licence');
    RETURN reseller_billing.issue_temporary_licence_unchecked(p_order, p_days, p_on);
END $function$;

-- record_order_payment: a NULL reseller, reference, amount, date or method
-- is 22004 (as record_payment; a NULL order is none: the oldest first)
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
BEGIN
    pg := reseller_billing.payment_args(p_reseller, p_amount, p_method, p_received_on, p_reference);
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
