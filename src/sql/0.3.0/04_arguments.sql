-- ========================================================================
-- 0.3.0: the shared checks of the API's arguments (issue 15 §6, issue 17)
-- ========================================================================
--
-- A missing argument is 22004 (null_value_not_allowed) everywhere.  An
-- argument that was refused as an id that does not exist, or not refused
-- at all, has an error of its own: "<function> needs <what>", detail
-- "<function> was called with <argument> NULL." (arg_missing, or
-- arg_required given the value).  Each API function calls these instead of
-- writing the check again; the later files (95_api_arguments*.sql,
-- 96_providers_arguments.sql, ...) use them.  doc/reference.md "More
-- argument errors" lists what sql/api_arguments_more.sql tests.

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
