-- ========================================================================
-- 0.3.0: the migration, licence orders, their payments and statements
-- read the billing clock (the rule of 20_clock_rules.sql)
-- ========================================================================

-- reseller_billing.migrate_to_postpaid(bigint,timestamp with time zone)
-- migrate_to_postpaid: defined once, in 95_api_arguments_more.sql (the version 0.3.0 installs)
-- order_ship_to: an order's ship-to party checked (a JSON object of string
-- fields: name, email, domain, address, city, region, postal_code,
-- country; a name, an e-mail address, a domain name or none, an ISO 3166
-- country code or none), and as the order stores it: name trimmed, e-mail
-- trimmed, domain trimmed and in lower case (NULL when empty); 22023
-- otherwise
CREATE FUNCTION reseller_billing.order_ship_to(p_reseller bigint, p_ship_to jsonb) RETURNS jsonb
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    k           text;
    email       text;
    domain      text;
BEGIN
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
    RETURN p_ship_to || jsonb_build_object('name', btrim(p_ship_to ->> 'name'), 'email', email, 'domain', domain);
END $$;
COMMENT ON FUNCTION reseller_billing.order_ship_to(bigint, jsonb) IS
    'internal (place_order_unchecked): an order''s ship-to checked (22023) and as stored: name and e-mail trimmed, the domain trimmed, lower case, NULL when empty';

-- order_line_checked: one line of an order, {"sku": code, "quantity": n},
-- checked (22023): the SKU sold per licence in the program, the quantity a
-- whole number from 1 to p_max; returns the SKU and the quantity.
CREATE FUNCTION reseller_billing.order_line_checked(p_reseller bigint, p_program reseller_billing.program, p_line jsonb,
                                                    p_line_no int, p_max numeric, OUT sku reseller_billing.sku, OUT qty numeric)
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF jsonb_typeof(p_line) <> 'object' OR NOT p_line ? 'sku' OR NOT p_line ? 'quantity'
       OR (SELECT count(*) FROM jsonb_object_keys(p_line)) <> 2 THEN
        RAISE EXCEPTION 'order of reseller %: line % must be {"sku": code, "quantity": n}', p_reseller, p_line_no
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It is %s.', p_line);
    END IF;
    SELECT * INTO sku FROM reseller_billing.sku s
     WHERE s.program_id = p_program.program_id AND s.code = p_line ->> 'sku';
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order of reseller %: line %: SKU % is not sold in program "%"', p_reseller, p_line_no, p_line -> 'sku', p_program.code
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The line is %s.', p_line);
    END IF;
    IF sku.unit <> 'licence' THEN
        RAISE EXCEPTION 'order of reseller %: line %: SKU "%" is sold per %, not per licence', p_reseller, p_line_no, sku.code, sku.unit
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Seats are sold by subscription, not by order.';
    END IF;
    qty := NULL;
    IF jsonb_typeof(p_line -> 'quantity') = 'number' THEN
        qty := (p_line ->> 'quantity')::numeric;
    END IF;
    IF qty IS NULL OR qty <> trunc(qty) OR qty < 1 OR qty > p_max THEN
        RAISE EXCEPTION 'order of reseller %: line %: quantity of SKU "%" must be a whole number from 1 to %', p_reseller, p_line_no, sku.code, p_max
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('The quantity given is %s; the limit is %s (setting max_order_quantity of program "%s").',
                                  p_line -> 'quantity', p_max, p_program.code);
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.order_line_checked(bigint, reseller_billing.program, jsonb, int, numeric) IS
    'internal (place_order_lines): one order line checked (22023 for a bad line); returns its SKU and quantity';

-- place_order_lines: an order's licence lines (each SKU sold per licence in
-- the program, a whole quantity from 1 to p_max) at the reseller's price,
-- each followed by its sales tax line when the reseller is in the US;
-- returns the subtotal and the tax.  22023 for a bad line: nothing of the
-- order stays, the statement fails.
CREATE FUNCTION reseller_billing.place_order_lines(p_reseller bigint, p_order bigint, p_program reseller_billing.program,
                                                   p_lines jsonb, p_on date, p_max numeric)
    RETURNS reseller_billing.amount[]
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    rs          reseller_billing.reseller;
    ln          jsonb;
    i           int := 0;
    line_no     int := 0;
    sku         reseller_billing.sku;
    qty         numeric;
    maxq        numeric := p_max;
    unit        reseller_billing.amount;
    amt         reseller_billing.amount;
    tx          record;
    chk         record;
    tax_amt     reseller_billing.amount;
    v_sub       reseller_billing.amount := reseller_billing.amount(0, p_program.currency);
    v_tax       reseller_billing.amount := reseller_billing.amount(0, p_program.currency);
BEGIN
    SELECT * INTO rs FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller;
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
        SELECT * INTO chk FROM reseller_billing.order_line_checked(p_reseller, p_program, ln, i, maxq);
        sku := chk.sku;
        qty := chk.qty;
        unit := reseller_billing.partner_price(sku.sku_id, 'annual_prepaid', p_reseller, p_on);
        amt := reseller_billing.round(unit * qty::int);
        line_no := line_no + 1;
        INSERT INTO reseller_billing.licence_order_line (reseller_id, order_id, line_no, kind, description, sku_id, plan,
                                                         quantity, unit_price, amount)
        VALUES (p_reseller, p_order, line_no, 'licence', format('%s x %s (%s), one year', qty, sku.name, sku.code),
                sku.sku_id, 'annual_prepaid', qty::int, unit, amt);
        v_sub := v_sub + amt;
        IF rs.country = 'US' THEN
            tax_amt := reseller_billing.sales_tax(p_reseller, p_on, amt);
            line_no := line_no + 1;
            INSERT INTO reseller_billing.licence_order_line (reseller_id, order_id, line_no, kind, description, amount,
                                                             tax_of_line, tax_state, tax_rate, tax_reason,
                                                             exemption_certificate)
            VALUES (p_reseller, p_order, line_no, 'tax',
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
    RETURN ARRAY[v_sub, v_tax];
END $$;
COMMENT ON FUNCTION reseller_billing.place_order_lines(bigint, bigint, reseller_billing.program, jsonb, date, numeric) IS
    'internal (place_order_unchecked): writes an order''s licence lines and their sales tax lines (22023 for a bad line); returns {subtotal, tax}';

-- reseller_billing.place_order_unchecked(bigint,jsonb,jsonb,date): its ship-to
-- (order_ship_to) and its lines (place_order_lines) checked and written by
-- a function each
CREATE OR REPLACE FUNCTION reseller_billing.place_order_unchecked(p_reseller bigint, p_ship_to jsonb, p_lines jsonb, p_on date DEFAULT NULL::date)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    pg          reseller_billing.program;
    today       date;
    s           jsonb;
    maxq        numeric;
    tot         reseller_billing.amount[];
    v_sub       reseller_billing.amount;
    v_tax       reseller_billing.amount;
    standing    text;
    oid_        bigint;
    zero        reseller_billing.amount;
BEGIN
    IF p_reseller IS NULL THEN
        RAISE EXCEPTION 'an order needs a reseller' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    pg := reseller_billing.lock_reseller(p_reseller);
    today := reseller_billing.program_date(p_reseller, reseller_billing.effective_at());
    IF p_on IS NULL THEN
        p_on := today;
    ELSIF p_on > today THEN
        RAISE EXCEPTION 'order of reseller % cannot be placed in the future', p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It would be placed on %s; today is %s in program "%s".', p_on, today, pg.code);
    END IF;

    s := reseller_billing.order_ship_to(p_reseller, p_ship_to);

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
    VALUES (p_reseller, p_on, pg.currency, s ->> 'name', s ->> 'email', s ->> 'domain', s ->> 'address',
            s ->> 'city', s ->> 'region', s ->> 'postal_code', s ->> 'country',
            standing <> 'normal', CASE WHEN standing <> 'normal' THEN standing END,
            CASE WHEN standing = 'normal' THEN reseller_billing.due_date(p_on, p_on, reseller_billing.payment_terms(p_reseller)) END,  -- issue 15 §1
            zero, zero, zero, zero, p_on, reseller_billing.clock_now())
    RETURNING order_id INTO oid_;

    tot := reseller_billing.place_order_lines(p_reseller, oid_, pg, p_lines, p_on, maxq);
    v_sub := tot[1];
    v_tax := tot[2];

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
-- record_order_payment: defined once, in 95_api_arguments_more.sql (the version 0.3.0 installs)
-- monthly_statement: defined once, in 95_api_arguments_more_orders.sql (the version 0.3.0 installs)


