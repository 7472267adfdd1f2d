-- ========================================================================
-- amount: an exact amount of money in an ISO 4217 currency
-- ========================================================================

-- types --------------------------------------------------------------------

CREATE TYPE reseller_billing.amount;

CREATE FUNCTION reseller_billing.amount_in(cstring) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_out(reseller_billing.amount) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_recv(internal) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_send(reseller_billing.amount) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE reseller_billing.amount (
    INPUT = reseller_billing.amount_in,
    OUTPUT = reseller_billing.amount_out,
    RECEIVE = reseller_billing.amount_recv,
    SEND = reseller_billing.amount_send,
    INTERNALLENGTH = 16,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE reseller_billing.amount IS
    'exact amount of money in an ISO 4217 currency: 6 fractional digits, ±9223372036854.775807';

-- functions ----------------------------------------------------------------

CREATE FUNCTION reseller_billing.amount(numeric, text) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME', 'amount_from_numeric' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.amount(numeric, text) IS
    'amount of value in the currency code; more than 6 nonzero fractional digits is an error';

CREATE FUNCTION reseller_billing.currency(reseller_billing.amount) RETURNS text
    AS 'MODULE_PATHNAME', 'amount_currency_code' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.currency(reseller_billing.amount) IS
    'ISO 4217 code of the amount';

CREATE FUNCTION reseller_billing.value(reseller_billing.amount) RETURNS numeric
    AS 'MODULE_PATHNAME', 'amount_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.value(reseller_billing.amount) IS
    'exact value of the amount as numeric';

CREATE FUNCTION reseller_billing.minor_unit(text) RETURNS int
    AS 'MODULE_PATHNAME', 'currency_minor_unit' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.minor_unit(text) IS
    'ISO 4217 minor-unit digits of a currency code (NULL where ISO gives N.A.)';

CREATE FUNCTION reseller_billing.abs(reseller_billing.amount) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME', 'amount_abs' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.abs(reseller_billing.amount) IS
    'absolute value';

CREATE FUNCTION reseller_billing.amount_round_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.amount_round_support(internal) IS
    'planner support of round(amount): computes round(a * int4 / int4) in one call';

CREATE FUNCTION reseller_billing.amount_round_mul_div(reseller_billing.amount, int4, int4) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.amount_round_mul_div(reseller_billing.amount, int4, int4) IS
    'round(a * q / k) in one call, with the same checks and the same two roundings as the three operations';

CREATE FUNCTION reseller_billing.round(reseller_billing.amount) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME', 'amount_round' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
    SUPPORT reseller_billing.amount_round_support;
COMMENT ON FUNCTION reseller_billing.round(reseller_billing.amount) IS
    'rounded to the currency''s minor unit, ties away from zero';

CREATE FUNCTION reseller_billing.round(reseller_billing.amount, text) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME', 'amount_round_with_mode' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.round(reseller_billing.amount, text) IS
    'rounded to the currency''s minor unit by mode: half_up (ties away from zero), half_even, down (toward zero)';

CREATE FUNCTION reseller_billing.allocate(reseller_billing.amount, int) RETURNS reseller_billing.amount[]
    AS 'MODULE_PATHNAME', 'amount_allocate_n' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.allocate(reseller_billing.amount, int) IS
    'n parts in whole minor units adding up exactly to the amount, remainders to the earliest parts';

CREATE FUNCTION reseller_billing.allocate(reseller_billing.amount, numeric[]) RETURNS reseller_billing.amount[]
    AS 'MODULE_PATHNAME', 'amount_allocate_weights' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.allocate(reseller_billing.amount, numeric[]) IS
    'parts proportional to the weights in whole minor units adding up exactly to the amount (largest remainder)';

-- operator functions -------------------------------------------------------

CREATE FUNCTION reseller_billing.amount_add(reseller_billing.amount, reseller_billing.amount) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_sub(reseller_billing.amount, reseller_billing.amount) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_neg(reseller_billing.amount) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_mul_numeric(reseller_billing.amount, numeric) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_mul_int8(reseller_billing.amount, int8) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_mul_int4(reseller_billing.amount, int4) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.numeric_mul_amount(numeric, reseller_billing.amount) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.int8_mul_amount(int8, reseller_billing.amount) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.int4_mul_amount(int4, reseller_billing.amount) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_div_numeric(reseller_billing.amount, numeric) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_div_int8(reseller_billing.amount, int8) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_div_int4(reseller_billing.amount, int4) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_div_amount(reseller_billing.amount, reseller_billing.amount) RETURNS numeric
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION reseller_billing.amount_eq(reseller_billing.amount, reseller_billing.amount) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.amount_ne(reseller_billing.amount, reseller_billing.amount) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.amount_lt(reseller_billing.amount, reseller_billing.amount) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.amount_le(reseller_billing.amount, reseller_billing.amount) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.amount_gt(reseller_billing.amount, reseller_billing.amount) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.amount_ge(reseller_billing.amount, reseller_billing.amount) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.amount_cmp(reseller_billing.amount, reseller_billing.amount) RETURNS int
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.amount_hash(reseller_billing.amount) RETURNS int
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.amount_hash_extended(reseller_billing.amount, int8) RETURNS int8
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.amount_smaller(reseller_billing.amount, reseller_billing.amount) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_larger(reseller_billing.amount, reseller_billing.amount) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- operators ----------------------------------------------------------------

CREATE OPERATOR reseller_billing.+ (LEFTARG = reseller_billing.amount, RIGHTARG = reseller_billing.amount,
    FUNCTION = reseller_billing.amount_add, COMMUTATOR = OPERATOR(reseller_billing.+));
CREATE OPERATOR reseller_billing.- (LEFTARG = reseller_billing.amount, RIGHTARG = reseller_billing.amount,
    FUNCTION = reseller_billing.amount_sub);
CREATE OPERATOR reseller_billing.- (RIGHTARG = reseller_billing.amount,
    FUNCTION = reseller_billing.amount_neg);
CREATE OPERATOR reseller_billing.* (LEFTARG = reseller_billing.amount, RIGHTARG = numeric,
    FUNCTION = reseller_billing.amount_mul_numeric);
CREATE OPERATOR reseller_billing.* (LEFTARG = reseller_billing.amount, RIGHTARG = int8,
    FUNCTION = reseller_billing.amount_mul_int8);
CREATE OPERATOR reseller_billing.* (LEFTARG = reseller_billing.amount, RIGHTARG = int4,
    FUNCTION = reseller_billing.amount_mul_int4);
CREATE OPERATOR reseller_billing.* (LEFTARG = numeric, RIGHTARG = reseller_billing.amount,
    FUNCTION = reseller_billing.numeric_mul_amount);
CREATE OPERATOR reseller_billing.* (LEFTARG = int8, RIGHTARG = reseller_billing.amount,
    FUNCTION = reseller_billing.int8_mul_amount);
CREATE OPERATOR reseller_billing.* (LEFTARG = int4, RIGHTARG = reseller_billing.amount,
    FUNCTION = reseller_billing.int4_mul_amount);
CREATE OPERATOR reseller_billing./ (LEFTARG = reseller_billing.amount, RIGHTARG = numeric,
    FUNCTION = reseller_billing.amount_div_numeric);
CREATE OPERATOR reseller_billing./ (LEFTARG = reseller_billing.amount, RIGHTARG = int8,
    FUNCTION = reseller_billing.amount_div_int8);
CREATE OPERATOR reseller_billing./ (LEFTARG = reseller_billing.amount, RIGHTARG = int4,
    FUNCTION = reseller_billing.amount_div_int4);
CREATE OPERATOR reseller_billing./ (LEFTARG = reseller_billing.amount, RIGHTARG = reseller_billing.amount,
    FUNCTION = reseller_billing.amount_div_amount);

CREATE OPERATOR reseller_billing.= (LEFTARG = reseller_billing.amount, RIGHTARG = reseller_billing.amount,
    FUNCTION = reseller_billing.amount_eq, COMMUTATOR = OPERATOR(reseller_billing.=),
    NEGATOR = OPERATOR(reseller_billing.<>), RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR reseller_billing.<> (LEFTARG = reseller_billing.amount, RIGHTARG = reseller_billing.amount,
    FUNCTION = reseller_billing.amount_ne, COMMUTATOR = OPERATOR(reseller_billing.<>),
    NEGATOR = OPERATOR(reseller_billing.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR reseller_billing.< (LEFTARG = reseller_billing.amount, RIGHTARG = reseller_billing.amount,
    FUNCTION = reseller_billing.amount_lt, COMMUTATOR = OPERATOR(reseller_billing.>),
    NEGATOR = OPERATOR(reseller_billing.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR reseller_billing.<= (LEFTARG = reseller_billing.amount, RIGHTARG = reseller_billing.amount,
    FUNCTION = reseller_billing.amount_le, COMMUTATOR = OPERATOR(reseller_billing.>=),
    NEGATOR = OPERATOR(reseller_billing.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR reseller_billing.> (LEFTARG = reseller_billing.amount, RIGHTARG = reseller_billing.amount,
    FUNCTION = reseller_billing.amount_gt, COMMUTATOR = OPERATOR(reseller_billing.<),
    NEGATOR = OPERATOR(reseller_billing.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR reseller_billing.>= (LEFTARG = reseller_billing.amount, RIGHTARG = reseller_billing.amount,
    FUNCTION = reseller_billing.amount_ge, COMMUTATOR = OPERATOR(reseller_billing.<=),
    NEGATOR = OPERATOR(reseller_billing.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);

-- operator classes ---------------------------------------------------------

CREATE OPERATOR CLASS reseller_billing.amount_ops
    DEFAULT FOR TYPE reseller_billing.amount USING btree AS
        OPERATOR 1 reseller_billing.<,
        OPERATOR 2 reseller_billing.<=,
        OPERATOR 3 reseller_billing.=,
        OPERATOR 4 reseller_billing.>=,
        OPERATOR 5 reseller_billing.>,
        FUNCTION 1 reseller_billing.amount_cmp(reseller_billing.amount, reseller_billing.amount);
COMMENT ON OPERATOR CLASS reseller_billing.amount_ops USING btree IS
    'total order of amounts: currency code, then value';

CREATE OPERATOR CLASS reseller_billing.amount_ops
    DEFAULT FOR TYPE reseller_billing.amount USING hash AS
        OPERATOR 1 reseller_billing.=,
        FUNCTION 1 reseller_billing.amount_hash(reseller_billing.amount),
        FUNCTION 2 reseller_billing.amount_hash_extended(reseller_billing.amount, int8);
COMMENT ON OPERATOR CLASS reseller_billing.amount_ops USING hash IS
    'hashing of amounts on currency code and value';

-- aggregates ---------------------------------------------------------------

CREATE FUNCTION reseller_billing.amount_agg_accum(internal, reseller_billing.amount) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_agg_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_agg_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_agg_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_sum_final(internal) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reseller_billing.amount_avg_final(internal) RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE reseller_billing.sum(reseller_billing.amount) (
    SFUNC = reseller_billing.amount_agg_accum,
    STYPE = internal,
    SSPACE = 32,
    FINALFUNC = reseller_billing.amount_sum_final,
    COMBINEFUNC = reseller_billing.amount_agg_combine,
    SERIALFUNC = reseller_billing.amount_agg_serialize,
    DESERIALFUNC = reseller_billing.amount_agg_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE reseller_billing.sum(reseller_billing.amount) IS
    'exact sum in one currency (128-bit accumulator; 22003 past the range, 22023 on mixed currencies)';

CREATE AGGREGATE reseller_billing.avg(reseller_billing.amount) (
    SFUNC = reseller_billing.amount_agg_accum,
    STYPE = internal,
    SSPACE = 32,
    FINALFUNC = reseller_billing.amount_avg_final,
    COMBINEFUNC = reseller_billing.amount_agg_combine,
    SERIALFUNC = reseller_billing.amount_agg_serialize,
    DESERIALFUNC = reseller_billing.amount_agg_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE reseller_billing.avg(reseller_billing.amount) IS
    'mean in one currency, rounded half away from zero to 6 fractional digits';

CREATE AGGREGATE reseller_billing.min(reseller_billing.amount) (
    SFUNC = reseller_billing.amount_smaller,
    STYPE = reseller_billing.amount,
    COMBINEFUNC = reseller_billing.amount_smaller,
    SORTOP = OPERATOR(reseller_billing.<),
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE reseller_billing.min(reseller_billing.amount) IS
    'smallest amount in the total order (currency code, then value)';

CREATE AGGREGATE reseller_billing.max(reseller_billing.amount) (
    SFUNC = reseller_billing.amount_larger,
    STYPE = reseller_billing.amount,
    COMBINEFUNC = reseller_billing.amount_larger,
    SORTOP = OPERATOR(reseller_billing.>),
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE reseller_billing.max(reseller_billing.amount) IS
    'largest amount in the total order (currency code, then value)';
