-- ========================================================================
-- billing_period: a calendar month, or a monthly cycle anchored on a day
-- ========================================================================

-- types --------------------------------------------------------------------

CREATE TYPE reseller_billing.billing_period;

CREATE FUNCTION reseller_billing.billing_period_in(cstring) RETURNS reseller_billing.billing_period
    AS 'MODULE_PATHNAME', 'period_in' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.billing_period_out(reseller_billing.billing_period) RETURNS cstring
    AS 'MODULE_PATHNAME', 'period_out' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.billing_period_recv(internal) RETURNS reseller_billing.billing_period
    AS 'MODULE_PATHNAME', 'period_recv' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.billing_period_send(reseller_billing.billing_period) RETURNS bytea
    AS 'MODULE_PATHNAME', 'period_send' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE reseller_billing.billing_period (
    INPUT = reseller_billing.billing_period_in,
    OUTPUT = reseller_billing.billing_period_out,
    RECEIVE = reseller_billing.billing_period_recv,
    SEND = reseller_billing.billing_period_send,
    INTERNALLENGTH = 4,
    PASSEDBYVALUE,
    ALIGNMENT = int4,
    STORAGE = plain
);
COMMENT ON TYPE reseller_billing.billing_period IS
    'billing period: calendar month ''2012-06'' or monthly cycle anchored on a day ''2012-06@15''';

-- functions ----------------------------------------------------------------

CREATE FUNCTION reseller_billing.period_start(reseller_billing.billing_period) RETURNS date
    AS 'MODULE_PATHNAME', 'period_start' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.period_start(reseller_billing.billing_period) IS
    'first day of the period';

CREATE FUNCTION reseller_billing.period_end(reseller_billing.billing_period) RETURNS date
    AS 'MODULE_PATHNAME', 'period_end' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.period_end(reseller_billing.billing_period) IS
    'day after the last day of the period (exclusive bound)';

CREATE FUNCTION reseller_billing.days(reseller_billing.billing_period) RETURNS int
    AS 'MODULE_PATHNAME', 'period_days' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.days(reseller_billing.billing_period) IS
    'number of days in the period';

CREATE FUNCTION reseller_billing.anchor(reseller_billing.billing_period) RETURNS int
    AS 'MODULE_PATHNAME', 'period_anchor' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.anchor(reseller_billing.billing_period) IS
    'billing cycle day of the period (1 for a calendar month)';

CREATE FUNCTION reseller_billing.billing_period(date) RETURNS reseller_billing.billing_period
    AS 'MODULE_PATHNAME', 'period_of_date' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.billing_period(date) IS
    'calendar month containing the date';

CREATE FUNCTION reseller_billing.billing_period(date, int) RETURNS reseller_billing.billing_period
    AS 'MODULE_PATHNAME', 'period_of_date' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.billing_period(date, int) IS
    'monthly cycle anchored on the given day (1-31) that contains the date';

CREATE FUNCTION reseller_billing.daterange(reseller_billing.billing_period) RETURNS daterange
    AS 'MODULE_PATHNAME', 'period_to_daterange' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.daterange(reseller_billing.billing_period) IS
    'the period as [start, end)';

CREATE CAST (reseller_billing.billing_period AS daterange)
    WITH FUNCTION reseller_billing.daterange(reseller_billing.billing_period);
COMMENT ON CAST (reseller_billing.billing_period AS daterange) IS
    'the period as [start, end)';

CREATE FUNCTION reseller_billing.prorate(reseller_billing.amount, reseller_billing.billing_period, daterange)
    RETURNS reseller_billing.amount
    AS 'MODULE_PATHNAME', 'amount_prorate' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.prorate(reseller_billing.amount, reseller_billing.billing_period, daterange) IS
    'full × covered days in the period / days in the period, rounded once to the minor unit, ties away from zero';

-- operator functions -------------------------------------------------------

CREATE FUNCTION reseller_billing.period_plus_months(reseller_billing.billing_period, int) RETURNS reseller_billing.billing_period
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.period_minus_months(reseller_billing.billing_period, int) RETURNS reseller_billing.billing_period
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.period_months_between(reseller_billing.billing_period, reseller_billing.billing_period) RETURNS int
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.period_contains_date(reseller_billing.billing_period, date) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.period_eq(reseller_billing.billing_period, reseller_billing.billing_period) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.period_ne(reseller_billing.billing_period, reseller_billing.billing_period) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.period_lt(reseller_billing.billing_period, reseller_billing.billing_period) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.period_le(reseller_billing.billing_period, reseller_billing.billing_period) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.period_gt(reseller_billing.billing_period, reseller_billing.billing_period) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.period_ge(reseller_billing.billing_period, reseller_billing.billing_period) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.period_cmp(reseller_billing.billing_period, reseller_billing.billing_period) RETURNS int
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.period_hash(reseller_billing.billing_period) RETURNS int
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.period_hash_extended(reseller_billing.billing_period, int8) RETURNS int8
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

-- operators ----------------------------------------------------------------

CREATE OPERATOR reseller_billing.+ (LEFTARG = reseller_billing.billing_period, RIGHTARG = int,
    FUNCTION = reseller_billing.period_plus_months);
CREATE OPERATOR reseller_billing.- (LEFTARG = reseller_billing.billing_period, RIGHTARG = int,
    FUNCTION = reseller_billing.period_minus_months);
CREATE OPERATOR reseller_billing.- (LEFTARG = reseller_billing.billing_period, RIGHTARG = reseller_billing.billing_period,
    FUNCTION = reseller_billing.period_months_between);
COMMENT ON OPERATOR reseller_billing.- (reseller_billing.billing_period, reseller_billing.billing_period) IS
    'months from the second period''s start month to the first''s';
CREATE OPERATOR reseller_billing.@> (LEFTARG = reseller_billing.billing_period, RIGHTARG = date,
    FUNCTION = reseller_billing.period_contains_date);

CREATE OPERATOR reseller_billing.= (LEFTARG = reseller_billing.billing_period, RIGHTARG = reseller_billing.billing_period,
    FUNCTION = reseller_billing.period_eq, COMMUTATOR = OPERATOR(reseller_billing.=),
    NEGATOR = OPERATOR(reseller_billing.<>), RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR reseller_billing.<> (LEFTARG = reseller_billing.billing_period, RIGHTARG = reseller_billing.billing_period,
    FUNCTION = reseller_billing.period_ne, COMMUTATOR = OPERATOR(reseller_billing.<>),
    NEGATOR = OPERATOR(reseller_billing.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR reseller_billing.< (LEFTARG = reseller_billing.billing_period, RIGHTARG = reseller_billing.billing_period,
    FUNCTION = reseller_billing.period_lt, COMMUTATOR = OPERATOR(reseller_billing.>),
    NEGATOR = OPERATOR(reseller_billing.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR reseller_billing.<= (LEFTARG = reseller_billing.billing_period, RIGHTARG = reseller_billing.billing_period,
    FUNCTION = reseller_billing.period_le, COMMUTATOR = OPERATOR(reseller_billing.>=),
    NEGATOR = OPERATOR(reseller_billing.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR reseller_billing.> (LEFTARG = reseller_billing.billing_period, RIGHTARG = reseller_billing.billing_period,
    FUNCTION = reseller_billing.period_gt, COMMUTATOR = OPERATOR(reseller_billing.<),
    NEGATOR = OPERATOR(reseller_billing.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR reseller_billing.>= (LEFTARG = reseller_billing.billing_period, RIGHTARG = reseller_billing.billing_period,
    FUNCTION = reseller_billing.period_ge, COMMUTATOR = OPERATOR(reseller_billing.<=),
    NEGATOR = OPERATOR(reseller_billing.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);

-- operator classes ---------------------------------------------------------

CREATE OPERATOR CLASS reseller_billing.billing_period_ops
    DEFAULT FOR TYPE reseller_billing.billing_period USING btree AS
        OPERATOR 1 reseller_billing.<,
        OPERATOR 2 reseller_billing.<=,
        OPERATOR 3 reseller_billing.=,
        OPERATOR 4 reseller_billing.>=,
        OPERATOR 5 reseller_billing.>,
        FUNCTION 1 reseller_billing.period_cmp(reseller_billing.billing_period, reseller_billing.billing_period);
COMMENT ON OPERATOR CLASS reseller_billing.billing_period_ops USING btree IS
    'order of billing periods: start month, then anchor day';

CREATE OPERATOR CLASS reseller_billing.billing_period_ops
    DEFAULT FOR TYPE reseller_billing.billing_period USING hash AS
        OPERATOR 1 reseller_billing.=,
        FUNCTION 1 reseller_billing.period_hash(reseller_billing.billing_period),
        FUNCTION 2 reseller_billing.period_hash_extended(reseller_billing.billing_period, int8);
COMMENT ON OPERATOR CLASS reseller_billing.billing_period_ops USING hash IS
    'hashing of billing periods';

-- aggregates ---------------------------------------------------------------

CREATE FUNCTION reseller_billing.period_smaller(reseller_billing.billing_period, reseller_billing.billing_period)
    RETURNS reseller_billing.billing_period
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.period_larger(reseller_billing.billing_period, reseller_billing.billing_period)
    RETURNS reseller_billing.billing_period
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE reseller_billing.min(reseller_billing.billing_period) (
    SFUNC = reseller_billing.period_smaller,
    STYPE = reseller_billing.billing_period,
    COMBINEFUNC = reseller_billing.period_smaller,
    SORTOP = OPERATOR(reseller_billing.<),
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE reseller_billing.min(reseller_billing.billing_period) IS 'earliest period';

CREATE AGGREGATE reseller_billing.max(reseller_billing.billing_period) (
    SFUNC = reseller_billing.period_larger,
    STYPE = reseller_billing.billing_period,
    COMBINEFUNC = reseller_billing.period_larger,
    SORTOP = OPERATOR(reseller_billing.>),
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE reseller_billing.max(reseller_billing.billing_period) IS 'latest period';
