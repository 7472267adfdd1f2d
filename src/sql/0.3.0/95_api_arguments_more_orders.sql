-- ========================================================================
-- 0.3.0: the API refuses bad arguments with its own error, part 2: licence
-- orders, prices and the read-only functions (issue 15 §6; part 1 is
-- 95_api_arguments_more.sql, part 3 95_api_arguments_more_channel.sql)
-- ========================================================================
--
-- As in part 1: a missing argument is 22004 (arg_required, 04_arguments.sql,
-- or the message the function already raised, now with 22004), an id that
-- does not exist stays P0002, a date outside the years 1900 to 8999 is
-- 22008 (arg_date).  For good arguments each function does what it did.
-- No later file re-creates these functions.

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

-- payment_terms: a NULL reseller is 22004, in its definition (80_payment_terms.sql)

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
