-- ========================================================================
-- 0.3.0: the shared checks of the API's arguments (issue 15 §6, issue 17)
-- ========================================================================
--
-- A missing argument is 22004 (null_value_not_allowed) everywhere.  An
-- argument that was refused as an id that does not exist, or not refused
-- at all, has an error of its own: "<function> needs <what>", detail
-- "<function> was called with <argument> NULL." (arg_missing, or
-- arg_required given the value); a count (arg_count), a moment (arg_moment)
-- and a credit's amount (arg_whole_amount) have the function's own message.
-- Each API function calls these instead of writing the check again; the
-- later files (95_api_arguments*.sql, 96_channel_tax.sql,
-- 96_providers_api.sql, ...) use them.  doc/reference.md "More argument
-- errors" lists what sql/api_arguments_more.sql tests.

CREATE FUNCTION reseller_billing.arg_missing(p_fn text, p_arg text, p_what text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    RAISE EXCEPTION '% needs %', p_fn, p_what
        USING ERRCODE = 'null_value_not_allowed',
              DETAIL = format('%s was called with %s NULL.', p_fn, p_arg);
END $$;
COMMENT ON FUNCTION reseller_billing.arg_missing(text, text, text) IS
    'refuses a missing API argument (22004): "<p_fn> needs <p_what>", detail "<p_fn> was called with <p_arg> NULL."';

-- arg_required: the same check given the argument's value: refuses it
-- (arg_missing) when it is NULL, does nothing otherwise
CREATE FUNCTION reseller_billing.arg_required(p_fn text, p_arg text, p_what text, p_value anyelement) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF p_value IS NULL THEN
        PERFORM reseller_billing.arg_missing(p_fn, p_arg, p_what);
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.arg_required(text, text, text, anyelement) IS
    'refuses a missing API argument (22004, as arg_missing) when p_value is NULL; nothing otherwise';

-- arg_count: a count an API function needs (seats, a cap): NULL is 22004,
-- below p_min 22023, both with the function's own message p_msg and the
-- detail p_detail, whose %s is the count asked for ('NULL' when missing)
CREATE FUNCTION reseller_billing.arg_count(p_msg text, p_value integer, p_min integer, p_detail text) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF p_value IS NULL OR p_value < p_min THEN
        RAISE EXCEPTION '%', p_msg
            USING ERRCODE = CASE WHEN p_value IS NULL THEN 'null_value_not_allowed' ELSE 'invalid_parameter_value' END,
                  DETAIL = format(p_detail, coalesce(p_value::text, 'NULL'));
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.arg_count(text, integer, integer, text) IS
    'refuses a count an API function needs: NULL (22004) or below p_min (22023), with the message p_msg and the detail p_detail (%s: the count asked for)';

-- arg_moment: a moment an API function takes: infinite or outside the
-- years 1900 to 8999 is 22008 with the function's own message p_msg (NULL
-- passes: the function refuses a missing moment with its own error)
CREATE FUNCTION reseller_billing.arg_moment(p_msg text, p_at timestamptz) RETURNS void
    LANGUAGE plpgsql IMMUTABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF NOT isfinite(p_at) OR p_at < '1900-01-01 00:00+00'::timestamptz OR p_at >= '9000-01-01 00:00+00'::timestamptz THEN
        RAISE EXCEPTION '%', p_msg
            USING ERRCODE = 'datetime_field_overflow',
                  DETAIL = 'Moments run from 1900-01-01 to 8999-12-31.';
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.arg_moment(text, timestamptz) IS
    'refuses a moment an API function takes when infinite or outside the years 1900 to 8999 (22008), with the message p_msg; NULL passes';

-- arg_whole_amount: an amount an API function takes (a credit, a credit
-- note): positive, in p_currency, in whole minor units; NULL is 22004,
-- anything else 22023, both with the message p_msg and the detail "<amount>
-- was given."
CREATE FUNCTION reseller_billing.arg_whole_amount(p_msg text, p_amount reseller_billing.amount, p_currency text) RETURNS void
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog, reseller_billing, pg_temp AS $$
BEGIN
    IF p_amount IS NULL OR reseller_billing.sign(p_amount) <= 0 OR reseller_billing.currency(p_amount) <> p_currency
       OR p_amount <> round(p_amount) THEN
        RAISE EXCEPTION '%', p_msg
            USING ERRCODE = CASE WHEN p_amount IS NULL THEN 'null_value_not_allowed' ELSE 'invalid_parameter_value' END,
                  DETAIL = format('%s was given.', coalesce(p_amount::text, 'NULL'));
    END IF;
END $$;
COMMENT ON FUNCTION reseller_billing.arg_whole_amount(text, reseller_billing.amount, text) IS
    'refuses an amount an API function takes unless positive, in p_currency and in whole minor units: NULL 22004, otherwise 22023, with the message p_msg';
