-- ========================================================================
-- 0.3.0: the API refuses bad arguments with its own error (issue 15 §6,
-- the rest of the API after 91_api_arguments.sql; after 94_shard_context.sql,
-- whose issue_order_licence this file re-creates with its checks)
-- ========================================================================
--
-- Each function below reached a table's constraint with a bad argument
-- (23502 "null value in column ...", 23503 "violates foreign key
-- constraint ...", 23514), did nothing and said nothing (a NULL or an
-- unknown id), or took a value out of range (a date in 1899 or at
-- infinity, an amount in another currency, a reason of any length).  They
-- refuse now before any change, as their neighbours do: 22004 for a
-- missing argument, P0002 for an id that does not exist, 22023 for a bad
-- value, 22008 for a date or moment outside the years 1900 to 8999 (the
-- bounds of a subscription's own dates, 50_input.sql).  Free text
-- (a description, a reason, a reference) is at most 1000 characters.  For
-- good arguments each function does what it did; each body is the one it
-- had, with the checks added.  doc/reference.md "Argument errors" lists
-- what sql/api_arguments.sql tests.

CREATE FUNCTION reseller_billing.arg_date(p_what text, p_on date) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF p_on IS NULL THEN
        RAISE EXCEPTION '% needs a date', p_what USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT isfinite(p_on) OR p_on < '1900-01-01'::date OR p_on > '8999-12-31'::date THEN
        RAISE EXCEPTION '%: date % is out of range', p_what, p_on
            USING ERRCODE = 'datetime_field_overflow',
                  DETAIL = 'Dates run from 1900-01-01 to 8999-12-31.';
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.arg_date(text, date) IS
    'an API argument that is a date: given (22004), in the years 1900 to 8999 (22008); p_what names it in the message';

CREATE FUNCTION reseller_billing.arg_text(p_what text, p_text text, p_max int) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF length(p_text) > p_max THEN
        RAISE EXCEPTION '% is longer than % characters', p_what, p_max
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It has %s characters.', length(p_text));
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.arg_text(text, text, int) IS
    'an API argument that is free text: at most p_max characters (22023); p_what names it in the message';

-- the moment of a change: NULL is 22004, a moment outside 1900..8999 22008
-- (as a subscription's own dates, 50_input.sql); its reason at most 1000
-- characters
CREATE OR REPLACE FUNCTION reseller_billing.set_context(p_at timestamp with time zone, p_action text DEFAULT ''::text, p_reason text DEFAULT ''::text)
 RETURNS void
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    IF p_at IS NULL THEN
        RAISE EXCEPTION 'the moment of a change cannot be null'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT isfinite(p_at) THEN                  -- issue 19 §6
        RAISE EXCEPTION 'the moment of a change must be finite, not %', p_at
            USING ERRCODE = 'datetime_field_overflow';
    END IF;
    IF p_at < '1900-01-01 00:00+00'::timestamptz OR p_at >= '9000-01-01 00:00+00'::timestamptz THEN
        RAISE EXCEPTION 'the moment of a change % is out of range', p_at
            USING ERRCODE = 'datetime_field_overflow',
                  DETAIL = 'Moments run from 1900-01-01 to 8999-12-31.';
    END IF;
    PERFORM reseller_billing.arg_text('the reason of a change', p_reason, 1000);
    IF p_at > reseller_billing.clock_now() THEN
        RAISE EXCEPTION 'a change cannot take effect in the future'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('It would take effect at %s.', p_at),
                  HINT = 'Changes are applied when they are written; make the change when it is due.';
    END IF;
    -- SET LOCAL, passed on to the workers of a Citus cluster (03_shards.sql)
    PERFORM reseller_billing.set_local('reseller_billing.effective_at', p_at::text);
    PERFORM reseller_billing.set_local('reseller_billing.action', p_action);
    PERFORM reseller_billing.set_local('reseller_billing.reason', p_reason);
END $function$;

-- every subscription function names its subscription (22004 for a NULL)
CREATE OR REPLACE FUNCTION reseller_billing.lock_subscription(p_reseller bigint, p_subscription bigint)
 RETURNS reseller_billing.subscription
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    s   reseller_billing.subscription;
BEGIN
    IF p_reseller IS NULL OR p_subscription IS NULL THEN
        RAISE EXCEPTION 'a subscription is named by its reseller and its id'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('Reseller %s and subscription %s were given.', coalesce(p_reseller::text, 'NULL'),
                                  coalesce(p_subscription::text, 'NULL'));
    END IF;
    SELECT * INTO s FROM reseller_billing.subscription t
     WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription
       FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'subscription % of reseller % does not exist', p_subscription, p_reseller
            USING ERRCODE = 'no_data_found';
    END IF;
    s.active_seats := s.active_seats + reseller_billing.seat_count_pending(p_reseller, p_subscription);
    RETURN s;
END $function$;

-- a renewal setting is named (22004)
CREATE OR REPLACE FUNCTION reseller_billing.set_renewal(p_reseller bigint, p_subscription bigint, p_setting text, p_at timestamp with time zone DEFAULT reseller_billing.clock_now())
 RETURNS text
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
 SET "reseller_billing.effective_at" TO ''
 SET "reseller_billing.action" TO ''
 SET "reseller_billing.reason" TO ''
AS $function$
DECLARE
    s   reseller_billing.subscription := reseller_billing.lock_subscription(p_reseller, p_subscription);
BEGIN
    IF p_setting IS NULL THEN
        RAISE EXCEPTION 'subscription % of reseller % needs a renewal setting', p_subscription, p_reseller
            USING ERRCODE = 'null_value_not_allowed',
                  HINT = 'Use auto_renew, renew_current_users, switch_to_flex or cancel.';
    END IF;
    IF p_setting NOT IN ('auto_renew', 'renew_current_users', 'switch_to_flex', 'cancel') THEN
        RAISE EXCEPTION 'unknown renewal setting "%"',
                CASE WHEN length(p_setting) > 40 THEN left(p_setting, 40) || '...' ELSE p_setting END
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use auto_renew, renew_current_users, switch_to_flex or cancel.';
    END IF;
    PERFORM reseller_billing.set_context(p_at);
    UPDATE reseller_billing.subscription t SET renewal_setting = p_setting
     WHERE t.reseller_id OPERATOR(pg_catalog.=) p_reseller
       AND t.subscription_id OPERATOR(pg_catalog.=) p_subscription;
    RETURN p_setting;
END $function$;

-- a charge: its reseller and customer named and existing, its date in range,
-- its amount in the program's currency, its description at most 1000
-- characters
CREATE OR REPLACE FUNCTION reseller_billing.add_charge(p_reseller bigint, p_customer bigint, p_description text, p_amount reseller_billing.amount, p_on date)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    id      bigint;
    cur     text;
    code    text;
BEGIN
    IF p_description IS NULL OR p_description = '' THEN
        RAISE EXCEPTION 'a charge needs a description' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_on IS NULL OR p_amount IS NULL THEN
        RAISE EXCEPTION 'a charge needs an amount and a date' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- a charge is an invoice line as it stands: positive and already rounded
    IF reseller_billing.sign(p_amount) <= 0 OR p_amount <> round(p_amount) THEN
        RAISE EXCEPTION 'charge "%" must be a positive amount in whole minor units', p_description
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', p_amount),
                  HINT = 'Round it first with round(amount); give money back with grant_credit or issue_credit_note.';
    END IF;
    IF p_reseller IS NULL OR p_customer IS NULL THEN
        RAISE EXCEPTION 'charge "%" needs a reseller and a customer', p_description
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('Reseller %s and customer %s were given.', coalesce(p_reseller::text, 'NULL'),
                                  coalesce(p_customer::text, 'NULL'));
    END IF;
    PERFORM reseller_billing.arg_text('the description of a charge', p_description, 1000);
    PERFORM reseller_billing.arg_date(format('charge "%s"', p_description), p_on);
    SELECT pg.currency, pg.code INTO cur, code
      FROM reseller_billing.customer c
      JOIN reseller_billing.reseller r ON r.reseller_id = c.reseller_id
      JOIN reseller_billing.program pg ON pg.program_id = r.program_id
     WHERE c.reseller_id = p_reseller AND c.customer_id = p_customer;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'customer % of reseller % does not exist', p_customer, p_reseller
            USING ERRCODE = 'no_data_found';
    END IF;
    IF reseller_billing.currency(p_amount) <> cur THEN
        RAISE EXCEPTION 'charge "%" of reseller % must be in %, the currency of program "%"', p_description, p_reseller,
                cur, code
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', p_amount);
    END IF;
    INSERT INTO reseller_billing.charge (reseller_id, customer_id, kind, description, amount, charge_on)
    VALUES (p_reseller, p_customer, 'one_off', p_description, p_amount, p_on)
    RETURNING charge_id INTO id;
    RETURN id;
END $function$;

-- allocate_payment checks its arguments (every one given, a positive amount
-- in the payment's and the invoice's currency, no more than the payment has
-- left, an existing payment and invoice) in its definition, 85_money_settle.sql

-- record_payment (its reseller named, in the program's currency, received
-- on a date in range, a reference of at most 1000 characters): defined
-- once, in 95_api_arguments_more.sql (the version 0.3.0 installs)

-- a credit: its reseller named and existing, a reason of at most 1000
-- characters
CREATE OR REPLACE FUNCTION reseller_billing.grant_credit(p_reseller bigint, p_amount reseller_billing.amount, p_reason text, p_eligibility jsonb DEFAULT '{}'::jsonb)
 RETURNS bigint
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    id      bigint;
    k       text;
BEGIN
    IF p_amount IS NULL OR reseller_billing.sign(p_amount) <= 0 THEN
        RAISE EXCEPTION 'a credit must be a positive amount'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = format('%s was given.', coalesce(p_amount::text, 'NULL'));
    END IF;
    IF p_eligibility IS NULL OR jsonb_typeof(p_eligibility) <> 'object' THEN
        RAISE EXCEPTION 'credit eligibility must be a JSON object' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOR k IN SELECT jsonb_object_keys(p_eligibility) LOOP
        IF k NOT IN ('customer_kind', 'sku_family', 'line_kind') THEN
            RAISE EXCEPTION 'unknown credit eligibility rule "%"', k
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = 'The rules are customer_kind, sku_family and line_kind.',
                      HINT = 'Use arrays under customer_kind, sku_family and line_kind, e.g. {"customer_kind": ["online"], "sku_family": ["apps"]}.';
        END IF;
        IF jsonb_typeof(p_eligibility -> k) <> 'array' THEN
            RAISE EXCEPTION 'credit eligibility rule "%" must be an array', k
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = format('It is a JSON %s: %s.', jsonb_typeof(p_eligibility -> k), p_eligibility -> k),
                      HINT = 'Use arrays under customer_kind, sku_family and line_kind, e.g. {"customer_kind": ["online"], "sku_family": ["apps"]}.';
        END IF;
    END LOOP;
    IF p_reseller IS NULL THEN
        RAISE EXCEPTION 'a credit needs a reseller' USING ERRCODE = 'null_value_not_allowed',
            DETAIL = format('A credit of %s was given to reseller NULL.', p_amount);
    END IF;
    IF NOT EXISTS (SELECT FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller) THEN
        RAISE EXCEPTION 'reseller % does not exist', p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM reseller_billing.arg_text('the reason of a credit', p_reason, 1000);
    INSERT INTO reseller_billing.credit (reseller_id, amount, remaining, reason, eligibility)
    VALUES (p_reseller, p_amount, p_amount, coalesce(p_reason, ''), p_eligibility)
    RETURNING credit_id INTO id;
    RETURN id;
END $function$;

-- a commitment tranche: every argument given, dates in range and in order,
-- an Annual plan, 1 to 1,000,000 seats, a price of zero or more, an
-- existing subscription
-- tranche_add: C (src/tranche.c), defined once, in 79_planned_once.sql, with its checks

-- run_due: a moment, finite (before its run is logged)
-- run_due: defined once, in 95_events.sql (the version 0.3.0 installs)
-- an order's licence: the order named and existing, a date in range
CREATE OR REPLACE FUNCTION reseller_billing.issue_order_licence(p_reseller bigint, p_order bigint, p_on date)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    o       reseller_billing.licence_order;
    cid     bigint;
    months  numeric;
    n       int;
BEGIN
    IF p_reseller IS NULL OR p_order IS NULL THEN
        RAISE EXCEPTION 'a licence needs the order''s reseller and the order'
            USING ERRCODE = 'null_value_not_allowed',
                  DETAIL = format('Reseller %s and order %s were given.', coalesce(p_reseller::text, 'NULL'),
                                  coalesce(p_order::text, 'NULL'));
    END IF;
    SELECT * INTO o FROM reseller_billing.licence_order x WHERE x.reseller_id = p_reseller AND x.order_id = p_order;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order % of reseller % does not exist', p_order, p_reseller USING ERRCODE = 'no_data_found';
    END IF;
    PERFORM reseller_billing.arg_date(format('the licence of order %s', p_order), p_on);
    IF o.licensed_on IS NOT NULL THEN
        RETURN 0;
    END IF;
    SELECT reseller_billing.order_setting(r.program_id, 'licence_months', 12, 1, 120) INTO months
      FROM reseller_billing.reseller r WHERE r.reseller_id = p_reseller;
    cid := reseller_billing.order_customer(p_reseller, p_order);
    UPDATE reseller_billing.licence l SET valid_until = GREATEST(l.valid_from, p_on)
     WHERE l.reseller_id = p_reseller AND l.order_id = p_order AND l.kind = 'temporary' AND l.valid_until > p_on;
    INSERT INTO reseller_billing.licence (reseller_id, order_id, line_no, customer_id, sku_id, quantity, kind,
                                          valid_from, valid_until)
    SELECT p_reseller, p_order, ln.line_no, cid, ln.sku_id, ln.quantity, 'full',
           p_on, (p_on + make_interval(months => months::int))::date
      FROM reseller_billing.licence_order_line ln
     WHERE ln.reseller_id = p_reseller AND ln.order_id = p_order AND ln.kind = 'licence'
     ORDER BY ln.line_no;
    GET DIAGNOSTICS n = ROW_COUNT;
    PERFORM reseller_billing.set_local('reseller_billing.action', 'order_settle');
    UPDATE reseller_billing.licence_order x SET licensed_on = p_on
     WHERE x.reseller_id = p_reseller AND x.order_id = p_order;
    PERFORM reseller_billing.set_local('reseller_billing.action', '');
    RETURN n;
END $function$;

-- a late change: named, of an existing subscription
-- mark_late_change: C (src/late_change.c), the one implementation the
-- billing-facts triggers call too: the arguments given (22004), the
-- subscription existing (P0002), then the wait for a close in progress and
-- one late_change row per billed month from p_from on
CREATE OR REPLACE FUNCTION reseller_billing.mark_late_change(p_reseller bigint, p_subscription bigint, p_from reseller_billing.billing_period)
    RETURNS integer
    LANGUAGE C SET search_path = pg_catalog, reseller_billing, pg_temp
    AS 'MODULE_PATHNAME', 'rb_mark_late_change';

DROP FUNCTION reseller_billing.wait_for_close(bigint);   -- 79_planned_once.sql: wait_for_close(program, reseller)

CREATE OR REPLACE FUNCTION reseller_billing.mark_late_change_at(p_reseller bigint, p_subscription bigint, p_moment timestamp with time zone)
 RETURNS integer
 LANGUAGE plpgsql
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
BEGIN
    IF p_moment IS NULL THEN
        RAISE EXCEPTION 'a late change of subscription % of reseller % needs a moment', p_subscription, p_reseller
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN reseller_billing.mark_late_change(p_reseller, p_subscription,
                reseller_billing.billing_period(reseller_billing.program_date(p_reseller, p_moment)));
END $function$;

-- unbind_login names its role (22004), as bind_login and trust_login do: in its
-- definition, 40_tenant_login.sql

-- the migration credit statement names its reseller
CREATE OR REPLACE FUNCTION reseller_billing.migration_credit_csv(p_reseller bigint)
 RETURNS text
 LANGUAGE plpgsql
 STABLE
 SET search_path TO 'pg_catalog', 'reseller_billing', 'pg_temp'
AS $function$
DECLARE
    csv     text;
BEGIN
    IF p_reseller IS NULL THEN
        RAISE EXCEPTION 'migration_credit_csv needs a reseller' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT FROM reseller_billing.migration m WHERE m.reseller_id = p_reseller) THEN
        RAISE EXCEPTION 'reseller % has not migrated to post-paid', p_reseller
            USING ERRCODE = 'no_data_found';
    END IF;
    SELECT string_agg(line, E'\r\n' ORDER BY ord) || E'\r\n' INTO csv
      FROM (SELECT 0 AS ord, 'order_id,customer_id,customer_name,customer_kind,sku,term_start,term_end,currency,'
                             'amount_paid,days_in_term,days_left,amount_credited,total_credited' AS line
            UNION ALL
            SELECT s.order_id,
                   concat_ws(',', s.order_id, s.customer_id, reseller_billing.csv_field(s.customer_name),
                             reseller_billing.csv_field(s.customer_kind), reseller_billing.csv_field(s.sku),
                             s.term_start, s.term_end, s.currency, s.amount_paid, s.days_in_term, s.days_left,
                             s.amount_credited, s.total_credited)
              FROM reseller_billing.migration_credit_statement s
             WHERE s.reseller_id = p_reseller) x;
    RETURN csv;
END $function$;
