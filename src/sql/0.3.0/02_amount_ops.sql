-- ========================================================================
-- 0.3.0: the amount operations money needs to stay an amount (issue 17 §1)
-- ========================================================================
--
-- The rules took value() out to test a sign, to scale a line by a rate or
-- by the ratio of two prices, and built an amount again: numeric
-- arithmetic that skipped the currency check and rounded by hand.  These
-- operations (C, src/amount_order.c, src/amount_scale.c) keep the money an
-- amount; with +, -, comparison, sum, min, max, abs and round that is
-- everything the rules do with money.  larger/smaller, unlike GREATEST and
-- LEAST (which follow the btree order, currencies ordered by code), refuse
-- two currencies.  value() stays for the
-- BI views and documented conversions (test/pgtap/090_money_path.sql).

CREATE FUNCTION reseller_billing.sign(reseller_billing.amount) RETURNS int
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'amount_sign';
COMMENT ON FUNCTION reseller_billing.sign(reseller_billing.amount) IS
    '-1, 0 or 1: the sign of an amount';

CREATE FUNCTION reseller_billing.is_zero(reseller_billing.amount) RETURNS bool
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'amount_is_zero';
COMMENT ON FUNCTION reseller_billing.is_zero(reseller_billing.amount) IS
    'whether an amount is zero (in any currency)';

CREATE FUNCTION reseller_billing.larger(reseller_billing.amount, reseller_billing.amount) RETURNS reseller_billing.amount
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'amount_larger_of';
COMMENT ON FUNCTION reseller_billing.larger(reseller_billing.amount, reseller_billing.amount) IS
    'the larger of two amounts in one currency (22023 for two currencies)';

CREATE FUNCTION reseller_billing.smaller(reseller_billing.amount, reseller_billing.amount) RETURNS reseller_billing.amount
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'amount_smaller_of';
COMMENT ON FUNCTION reseller_billing.smaller(reseller_billing.amount, reseller_billing.amount) IS
    'the smaller of two amounts in one currency (22023 for two currencies)';

CREATE FUNCTION reseller_billing.scale(reseller_billing.amount, numeric) RETURNS reseller_billing.amount
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'amount_scale_numeric';
COMMENT ON FUNCTION reseller_billing.scale(reseller_billing.amount, numeric) IS
    'a × factor, exact, rounded once to the currency''s minor unit, ties away from zero (a tax line: scale(line, rate))';

CREATE FUNCTION reseller_billing.scale(reseller_billing.amount, reseller_billing.amount, reseller_billing.amount)
    RETURNS reseller_billing.amount
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'amount_scale_ratio';
COMMENT ON FUNCTION reseller_billing.scale(reseller_billing.amount, reseller_billing.amount, reseller_billing.amount) IS
    'a × numerator / denominator, exact, rounded once to a''s minor unit; the ratio''s amounts in one currency (22023), the denominator not zero (22012)';

CREATE FUNCTION reseller_billing.scale(reseller_billing.amount, numeric, numeric) RETURNS reseller_billing.amount
    LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE AS 'MODULE_PATHNAME', 'amount_scale_fraction';
COMMENT ON FUNCTION reseller_billing.scale(reseller_billing.amount, numeric, numeric) IS
    'a × numerator / denominator, exact, rounded once to the minor unit, ties away from zero (late interest: scale(balance_days, rate, 365)); a zero denominator 22012';
