-- ========================================================================
-- 0.3.0: the migration, licence orders, their payments and statements
-- read the billing clock (the rule of 20_clock_rules.sql)
-- ========================================================================

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
    credit      bigint;
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
    v_sub       reseller_billing.amount;
    v_tax       reseller_billing.amount;
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
    v_sub := zero;
    v_tax := zero;
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
        v_sub := v_sub + amt;
        IF rs.country = 'US' THEN
            tax_amt := reseller_billing.sales_tax(p_reseller, p_on, amt);
            line_no := line_no + 1;
            INSERT INTO reseller_billing.licence_order_line (reseller_id, order_id, line_no, kind, description, amount,
                                                             tax_of_line, tax_state, tax_rate, tax_reason,
                                                             exemption_certificate)
            VALUES (p_reseller, oid_, line_no, 'tax',
                    -- a searched CASE: Citus deparses a simple CASE over a
                    -- parameter in a routed VALUES wrongly (text = boolean)
                    CASE
                        WHEN tx.reason = 'taxable' THEN format('Sales tax %s %s%% on line %s', tx.state,
                                                   rtrim(rtrim((tx.rate * 100)::text, '0'), '.'), line_no - 1)
                        WHEN tx.reason = 'exempt' THEN format('Sales tax %s: exempt (certificate %s) on line %s', tx.state,
                                                  tx.certificate_number, line_no - 1)
                        ELSE format('Sales tax %s: no rate on %s, line %s', tx.state, p_on, line_no - 1) END,
                    tax_amt, line_no - 1, tx.state, tx.rate, tx.reason, tx.certificate_number);
            v_tax := v_tax + tax_amt;
        END IF;
    END LOOP;

    PERFORM reseller_billing.set_local('reseller_billing.action', 'order_settle');
    UPDATE reseller_billing.licence_order o
       SET subtotal = v_sub,
           tax = v_tax,
           total = v_sub + v_tax,
           paid_on = CASE WHEN reseller_billing.is_zero(v_sub + v_tax) THEN p_on END
     WHERE o.reseller_id = p_reseller AND o.order_id = oid_;
    PERFORM reseller_billing.set_local('reseller_billing.action', '');

    IF standing = 'normal' OR reseller_billing.is_zero(v_sub + v_tax) THEN
        PERFORM reseller_billing.issue_order_licence(p_reseller, oid_, p_on);
    END IF;
    RETURN oid_;
END $function$
;

-- reseller_billing.settle_order_item(bigint,bigint,date,bigint,bigint,reseller_billing.amount)
-- takes the part as an amount (issue 17 §1): it was a numeric and a currency
DROP FUNCTION reseller_billing.settle_order_item(bigint, bigint, date, bigint, bigint, numeric, text);
CREATE FUNCTION reseller_billing.settle_order_item(p_reseller bigint, p_payment bigint, p_received_on date, p_order bigint, p_interest bigint, p_part reseller_billing.amount)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    part    reseller_billing.amount := p_part;
    o       reseller_billing.licence_order;
BEGIN
    INSERT INTO reseller_billing.order_payment_allocation (reseller_id, payment_id, order_id, interest_id, amount, allocated_at)
    VALUES (p_reseller, p_payment, p_order, p_interest, part, reseller_billing.clock_now());
    UPDATE reseller_billing.payment p SET unapplied = p.unapplied - part
     WHERE p.reseller_id = p_reseller AND p.payment_id = p_payment;
    IF p_order IS NOT NULL THEN
        PERFORM reseller_billing.set_local('reseller_billing.action', 'order_settle');
        UPDATE reseller_billing.licence_order x
           SET paid = x.paid + part,
               paid_on = CASE WHEN x.paid + part = x.total THEN p_received_on END
         WHERE x.reseller_id = p_reseller AND x.order_id = p_order
        RETURNING * INTO o;
        PERFORM reseller_billing.set_local('reseller_billing.action', '');
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
-- record_order_payment: defined once, in 94_order_returns.sql (the version 0.3.0 installs)
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

