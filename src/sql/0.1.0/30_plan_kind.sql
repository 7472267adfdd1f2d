-- ========================================================================
-- plan_kind: annual_monthly < annual_prepaid < flexible < trial
-- ========================================================================

-- types --------------------------------------------------------------------

CREATE TYPE reseller_billing.plan_kind;

CREATE FUNCTION reseller_billing.plan_kind_in(cstring) RETURNS reseller_billing.plan_kind
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.plan_kind_out(reseller_billing.plan_kind) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.plan_kind_recv(internal) RETURNS reseller_billing.plan_kind
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION reseller_billing.plan_kind_send(reseller_billing.plan_kind) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE reseller_billing.plan_kind (
    INPUT = reseller_billing.plan_kind_in,
    OUTPUT = reseller_billing.plan_kind_out,
    RECEIVE = reseller_billing.plan_kind_recv,
    SEND = reseller_billing.plan_kind_send,
    INTERNALLENGTH = 1,
    PASSEDBYVALUE,
    ALIGNMENT = char,
    STORAGE = plain
);
COMMENT ON TYPE reseller_billing.plan_kind IS
    'plan of a subscription: annual_monthly, annual_prepaid, flexible, trial (in that order)';

-- functions ----------------------------------------------------------------

CREATE FUNCTION reseller_billing.is_annual(reseller_billing.plan_kind) RETURNS bool
    AS 'MODULE_PATHNAME', 'plan_kind_is_annual' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION reseller_billing.is_annual(reseller_billing.plan_kind) IS
    'true for the Annual plans (annual_monthly, annual_prepaid), which carry a 12-month commitment';

-- operator functions -------------------------------------------------------

CREATE FUNCTION reseller_billing.plan_kind_eq(reseller_billing.plan_kind, reseller_billing.plan_kind) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.plan_kind_ne(reseller_billing.plan_kind, reseller_billing.plan_kind) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.plan_kind_lt(reseller_billing.plan_kind, reseller_billing.plan_kind) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.plan_kind_le(reseller_billing.plan_kind, reseller_billing.plan_kind) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.plan_kind_gt(reseller_billing.plan_kind, reseller_billing.plan_kind) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.plan_kind_ge(reseller_billing.plan_kind, reseller_billing.plan_kind) RETURNS bool
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.plan_kind_cmp(reseller_billing.plan_kind, reseller_billing.plan_kind) RETURNS int
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.plan_kind_hash(reseller_billing.plan_kind) RETURNS int
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;
CREATE FUNCTION reseller_billing.plan_kind_hash_extended(reseller_billing.plan_kind, int8) RETURNS int8
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE LEAKPROOF;

-- operators ----------------------------------------------------------------

CREATE OPERATOR reseller_billing.= (LEFTARG = reseller_billing.plan_kind, RIGHTARG = reseller_billing.plan_kind,
    FUNCTION = reseller_billing.plan_kind_eq, COMMUTATOR = OPERATOR(reseller_billing.=),
    NEGATOR = OPERATOR(reseller_billing.<>), RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR reseller_billing.<> (LEFTARG = reseller_billing.plan_kind, RIGHTARG = reseller_billing.plan_kind,
    FUNCTION = reseller_billing.plan_kind_ne, COMMUTATOR = OPERATOR(reseller_billing.<>),
    NEGATOR = OPERATOR(reseller_billing.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR reseller_billing.< (LEFTARG = reseller_billing.plan_kind, RIGHTARG = reseller_billing.plan_kind,
    FUNCTION = reseller_billing.plan_kind_lt, COMMUTATOR = OPERATOR(reseller_billing.>),
    NEGATOR = OPERATOR(reseller_billing.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR reseller_billing.<= (LEFTARG = reseller_billing.plan_kind, RIGHTARG = reseller_billing.plan_kind,
    FUNCTION = reseller_billing.plan_kind_le, COMMUTATOR = OPERATOR(reseller_billing.>=),
    NEGATOR = OPERATOR(reseller_billing.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR reseller_billing.> (LEFTARG = reseller_billing.plan_kind, RIGHTARG = reseller_billing.plan_kind,
    FUNCTION = reseller_billing.plan_kind_gt, COMMUTATOR = OPERATOR(reseller_billing.<),
    NEGATOR = OPERATOR(reseller_billing.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR reseller_billing.>= (LEFTARG = reseller_billing.plan_kind, RIGHTARG = reseller_billing.plan_kind,
    FUNCTION = reseller_billing.plan_kind_ge, COMMUTATOR = OPERATOR(reseller_billing.<=),
    NEGATOR = OPERATOR(reseller_billing.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);

-- operator classes ---------------------------------------------------------

CREATE OPERATOR CLASS reseller_billing.plan_kind_ops
    DEFAULT FOR TYPE reseller_billing.plan_kind USING btree AS
        OPERATOR 1 reseller_billing.<,
        OPERATOR 2 reseller_billing.<=,
        OPERATOR 3 reseller_billing.=,
        OPERATOR 4 reseller_billing.>=,
        OPERATOR 5 reseller_billing.>,
        FUNCTION 1 reseller_billing.plan_kind_cmp(reseller_billing.plan_kind, reseller_billing.plan_kind);
COMMENT ON OPERATOR CLASS reseller_billing.plan_kind_ops USING btree IS
    'declaration order: annual_monthly, annual_prepaid, flexible, trial';

CREATE OPERATOR CLASS reseller_billing.plan_kind_ops
    DEFAULT FOR TYPE reseller_billing.plan_kind USING hash AS
        OPERATOR 1 reseller_billing.=,
        FUNCTION 1 reseller_billing.plan_kind_hash(reseller_billing.plan_kind),
        FUNCTION 2 reseller_billing.plan_kind_hash_extended(reseller_billing.plan_kind, int8);
COMMENT ON OPERATOR CLASS reseller_billing.plan_kind_ops USING hash IS
    'hashing of plan kinds';
