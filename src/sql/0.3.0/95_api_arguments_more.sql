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
-- migration_counts).  An id that does not exist stays P0002; a value below
-- its limit stays 22023.  A message that was already the error's keeps its
-- text, detail and hint, and gains a detail naming the function and the
-- argument where it had none; a NULL that was refused with another value's
-- message ("must be a positive number", "is not accepted", "does not
-- exist") has its own: "<function> needs <what>", detail "<function> was
-- called with <argument> NULL.".  partner_price and reseller_standing also
-- refuse a date outside the years 1900 to 8999 (22008, arg_date, as
-- add_charge and record_payment do).  For good arguments each function does
-- what it did; each body is the one it had, with the checks added.  No
-- later file re-creates these functions.  doc/reference.md "Argument
-- errors" lists what sql/api_arguments.sql and sql/api_arguments_more.sql
-- test.

CREATE FUNCTION reseller_billing.arg_missing(p_fn text, p_arg text, p_what text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '% needs %', p_fn, p_what
        USING ERRCODE = 'null_value_not_allowed',
              DETAIL = format('%s was called with %s NULL.', p_fn, p_arg);
END $$;
COMMENT ON FUNCTION reseller_billing.arg_missing(text, text, text) IS
    'refuses a missing API argument (22004): "<p_fn> needs <p_what>", detail "<p_fn> was called with <p_arg> NULL."';

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
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = 'change_plan was called with p_plan NULL.';
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
    IF p_reseller IS NULL THEN
        RAISE EXCEPTION 'payment % needs a reseller', p_reference USING ERRCODE = 'null_value_not_allowed';
    END IF;
    pg := reseller_billing.lock_reseller(p_reseller);
    -- (95_api_arguments_more.sql) a NULL reference, amount, date or method:
    -- 22004, with payment_check's messages, in its order
    IF p_reference IS NULL THEN
        RAISE EXCEPTION 'a payment needs a reference'
            USING ERRCODE = 'null_value_not_allowed', DETAIL = 'record_payment was called with p_reference NULL.';
    END IF;
    IF p_amount IS NULL THEN
        RAISE EXCEPTION 'payment % must be a positive amount', p_reference
            USING ERRCODE = 'null_value_not_allowed', DETAIL = 'NULL was given.';
    END IF;
    IF p_received_on IS NULL THEN
        RAISE EXCEPTION 'payment % needs the date it was received', p_reference
            USING ERRCODE = 'null_value_not_allowed', DETAIL = 'record_payment was called with p_received_on NULL.';
    END IF;
    IF p_method IS NULL THEN
        RAISE EXCEPTION 'payment method "%" is not accepted by the program of reseller %', p_method, p_reseller
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('Program "%s" accepts: %s.', pg.code,
                                  (SELECT string_agg(x, ', ')
                                     FROM jsonb_array_elements_text(coalesce(pg.settings -> 'payment_methods',
                                                                             '["bank_transfer", "cheque", "direct_debit"]')) x));
    END IF;
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
BEGIN
    IF p_reseller IS NULL OR p_at IS NULL THEN
        RAISE EXCEPTION 'a migration needs a reseller and a moment'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('migrate_to_postpaid was called with %s NULL.',
                                  CASE WHEN p_reseller IS NULL THEN 'p_reseller' ELSE 'p_at' END);
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
    IF total IS NOT NULL AND reseller_billing.sign(total) > 0 THEN
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
            USING ERRCODE = 'null_value_not_allowed', DETAIL = 'place_order was called with p_reseller NULL.';
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
    IF p_reseller IS NULL THEN
        PERFORM reseller_billing.arg_missing('monthly_statement', 'p_reseller', 'a reseller');
    END IF;
    IF p_month IS NULL THEN
        RAISE EXCEPTION 'a statement of reseller % needs a month', p_reseller
            USING ERRCODE = 'null_value_not_allowed', DETAIL = 'monthly_statement was called with p_month NULL.';
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
    IF p_reseller IS NULL THEN
        PERFORM reseller_billing.arg_missing('reseller_standing', 'p_reseller', 'a reseller');
    END IF;
    SELECT r.program_id INTO prog FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'reseller % does not exist', p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    IF p_on IS NULL THEN
        RAISE EXCEPTION 'the standing of reseller % needs a date', p_reseller
            USING ERRCODE = 'null_value_not_allowed', DETAIL = 'reseller_standing was called with p_on NULL.';
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
    IF p_order IS NULL THEN
        PERFORM reseller_billing.arg_missing('issue_licence', 'p_order', 'an order');
    END IF;
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
    IF p_reseller IS NULL THEN
        PERFORM reseller_billing.arg_missing('payment_terms', 'p_reseller', 'a reseller');
    END IF;
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
    IF p_reseller IS NULL THEN
        PERFORM reseller_billing.arg_missing('program_revenue', 'p_reseller', 'a reseller');
    END IF;
    IF p_at IS NULL THEN
        PERFORM reseller_billing.arg_missing('program_revenue', 'p_at', 'a date');
    END IF;
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
    IF p_reseller IS NULL THEN
        PERFORM reseller_billing.arg_missing('migration_counts', 'p_reseller', 'a reseller');
    END IF;
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
