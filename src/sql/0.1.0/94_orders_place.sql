-- functions: orders --------------------------------------------------------

-- place_order: p_ship_to is a JSON object {"name", "email", "domain",
-- "address", "city", "region", "postal_code", "country"} (name and email
-- required); p_lines a JSON array of {"sku": code, "quantity": n}.  Returns
-- the order id.  The licence is issued at once unless the reseller's
-- standing on p_on requires prepayment.
CREATE FUNCTION reseller_billing.place_order(p_reseller bigint, p_ship_to jsonb, p_lines jsonb, p_on date DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
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
    pg := reseller_billing.lock_order_reseller(p_reseller);
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
            CASE WHEN standing = 'normal' THEN p_on + pg.payment_terms_days END,
            zero, zero, zero, zero, p_on, clock_timestamp())
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
END $$;
COMMENT ON FUNCTION reseller_billing.place_order(bigint, jsonb, jsonb, date) IS
    'places a licence order for an end customer: ship_to {name, email, domain, address, city, region, postal_code, country}, lines [{sku, quantity}], on a date (default today); prices, taxes, and licenses at once unless prepayment is required; returns the order id';

-- licence_order, BEFORE UPDATE/DELETE: an order is a financial record; its
-- payment, customer and licence dates move only through the functions here.
CREATE FUNCTION reseller_billing.licence_order_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    IF TG_OP = 'UPDATE' AND reseller_billing.current_action() = 'order_settle'
       AND (NEW.reseller_id, NEW.order_id, NEW.placed_on, NEW.currency, NEW.requires_prepayment, NEW.due_on)
           IS NOT DISTINCT FROM (OLD.reseller_id, OLD.order_id, OLD.placed_on, OLD.currency, OLD.requires_prepayment, OLD.due_on) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'order % of reseller % is a financial record and cannot be %', OLD.order_id, OLD.reseller_id,
            CASE TG_OP WHEN 'DELETE' THEN 'deleted' ELSE 'changed' END
        USING ERRCODE = 'object_not_in_prerequisite_state',
              HINT = 'Payments go through record_order_payment, licences through issue_licence and issue_temporary_licence.';
END $$;
COMMENT ON FUNCTION reseller_billing.licence_order_guard() IS
    'trigger: orders change only by their own functions (payment, customer, licence), and are never deleted';

-- licence_order_line, BEFORE UPDATE/DELETE: the lines are final.
CREATE FUNCTION reseller_billing.licence_order_line_guard() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF reseller_billing.restoring() THEN
        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
    END IF;
    RAISE EXCEPTION 'line % of order % of reseller % is final', OLD.line_no, OLD.order_id, OLD.reseller_id
        USING ERRCODE = 'object_not_in_prerequisite_state',
              DETAIL = format('%s was attempted.', TG_OP);
END $$;
COMMENT ON FUNCTION reseller_billing.licence_order_line_guard() IS
    'trigger: the lines of a licence order are never changed or deleted';

-- functions: payments ------------------------------------------------------

-- settle_order_item: part of a payment onto an order or an interest charge;
-- an order fully paid gets paid_on, and its licence when it was waiting.
CREATE FUNCTION reseller_billing.settle_order_item(p_reseller bigint, p_payment bigint, p_received_on date,
                                                   p_order bigint, p_interest bigint, p_part numeric, p_currency text)
    RETURNS void
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    part    reseller_billing.amount := reseller_billing.amount(p_part, p_currency);
    o       reseller_billing.licence_order;
BEGIN
    INSERT INTO reseller_billing.order_payment_allocation (reseller_id, payment_id, order_id, interest_id, amount, allocated_at)
    VALUES (p_reseller, p_payment, p_order, p_interest, part, clock_timestamp());
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
END $$;
COMMENT ON FUNCTION reseller_billing.settle_order_item(bigint, bigint, date, bigint, bigint, numeric, text) IS
    'internal: allocates part of a payment to an order or a late interest charge; a fully paid order waiting for payment gets its licence';

-- record_order_payment: records a payment once per reference (the rule of
-- record_payment) and settles the reseller's orders: the order named first,
-- then what is owed on credit by due date (interest before an order due the
-- same day), then orders waiting for prepayment, oldest first.  What is left
-- stays unapplied on the payment.
CREATE FUNCTION reseller_billing.record_order_payment(p_reseller bigint, p_amount reseller_billing.amount, p_method text,
                                                      p_received_on date, p_reference text, p_order bigint DEFAULT NULL)
    RETURNS bigint
    LANGUAGE plpgsql SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
DECLARE
    pg      reseller_billing.program;
    pay     reseller_billing.payment;
    allowed jsonb;
    ord     reseller_billing.licence_order;
    item    record;
    left_   numeric;
    part    numeric;
BEGIN
    IF p_reference IS NULL OR p_reference = '' THEN
        RAISE EXCEPTION 'a payment needs a reference' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_amount IS NULL OR value(p_amount) <= 0 THEN
        RAISE EXCEPTION 'payment % must be a positive amount', p_reference
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', coalesce(p_amount::text, 'NULL'));
    END IF;
    IF p_received_on IS NULL THEN
        RAISE EXCEPTION 'payment % needs the date it was received', p_reference USING ERRCODE = 'invalid_parameter_value';
    END IF;
    pg := reseller_billing.lock_order_reseller(p_reseller);
    SELECT * INTO pay FROM reseller_billing.payment p WHERE p.reseller_id = p_reseller AND p.reference = p_reference;
    IF FOUND THEN
        IF pay.amount <> p_amount OR pay.method <> p_method OR pay.received_on <> p_received_on THEN
            RAISE EXCEPTION 'payment reference "%" of reseller % was already used for another payment', p_reference, p_reseller
                USING ERRCODE = 'unique_violation',
                      DETAIL = format('It recorded %s by %s received on %s.', pay.amount, pay.method, pay.received_on);
        END IF;
        RETURN pay.payment_id;                  -- the same payment, recorded once
    END IF;
    allowed := coalesce(pg.settings -> 'payment_methods', '["bank_transfer", "cheque", "direct_debit"]');
    IF p_method IS NULL OR NOT allowed ? p_method THEN
        RAISE EXCEPTION 'payment method "%" is not accepted by the program of reseller %', p_method, p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('Program "%s" accepts: %s.', pg.code,
                                  (SELECT string_agg(x, ', ') FROM jsonb_array_elements_text(allowed) x)),
                  HINT = 'Pay by bank transfer.';
    END IF;
    IF currency(p_amount) <> pg.currency THEN
        RAISE EXCEPTION 'payment % of reseller % must be in the program currency %', p_reference, p_reseller, pg.currency
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', p_amount);
    END IF;
    IF p_received_on > reseller_billing.program_date(p_reseller, now()) THEN
        RAISE EXCEPTION 'payment % of reseller % cannot be received in the future', p_reference, p_reseller
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It would be received on %s; today is %s in program "%s".', p_received_on,
                                  reseller_billing.program_date(p_reseller, now()), pg.code);
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
END $$;
COMMENT ON FUNCTION reseller_billing.record_order_payment(bigint, reseller_billing.amount, text, date, text, bigint) IS
    'records a payment of licence orders once per reference (accepted methods: program setting payment_methods) and settles the order named, then the oldest due, then orders awaiting prepayment; a paid order gets its licence; returns the payment id';

