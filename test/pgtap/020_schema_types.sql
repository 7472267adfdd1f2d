-- test/pgtap/020_schema_types.sql
--
-- Structural checks of what CREATE EXTENSION reseller_billing installs:
-- the fixed schema, the three C types and their storage, default btree and
-- hash operator classes, parallel-safe aggregates with combine (and
-- serial/deserial) functions, no cast that could let binary floating point
-- or an unchecked numeric near an amount, a COMMENT on every function a user
-- calls (README, "Functions"), and library_version() = the installed version.
--
-- Runs inside one transaction that is rolled back.

\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

SET client_min_messages = warning;

BEGIN;

CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS reseller_billing;

SELECT plan(82);

-- ---------------------------------------------------------------------------
-- Schema and extension
-- ---------------------------------------------------------------------------

SELECT has_schema('reseller_billing', 'schema reseller_billing exists');

SELECT is((SELECT extrelocatable FROM pg_extension WHERE extname = 'reseller_billing'), false,
          'the extension is not relocatable (pg_extension.extrelocatable = false)');

SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'reseller_billing'),
          'reseller_billing', 'the extension lives in schema reseller_billing');

-- ---------------------------------------------------------------------------
-- Types: length and passing convention
-- ---------------------------------------------------------------------------

CREATE FUNCTION pg_temp.typ(name text) RETURNS pg_type LANGUAGE sql STABLE AS
$$ SELECT t FROM pg_type t WHERE t.typname = name AND t.typnamespace = 'reseller_billing'::regnamespace $$;

SELECT has_type('reseller_billing', 'amount', 'type reseller_billing.amount exists');
SELECT is((pg_temp.typ('amount')).typlen::int, 16, 'amount: typlen 16');
SELECT is((pg_temp.typ('amount')).typbyval, false, 'amount: passed by reference');

SELECT has_type('reseller_billing', 'billing_period', 'type reseller_billing.billing_period exists');
SELECT is((pg_temp.typ('billing_period')).typlen::int, 4, 'billing_period: typlen 4');
SELECT is((pg_temp.typ('billing_period')).typbyval, true, 'billing_period: passed by value');

SELECT has_type('reseller_billing', 'plan_kind', 'type reseller_billing.plan_kind exists');
SELECT is((pg_temp.typ('plan_kind')).typlen::int, 1, 'plan_kind: typlen 1');
SELECT is((pg_temp.typ('plan_kind')).typbyval, true, 'plan_kind: passed by value');

-- binary I/O is there for COPY (FORMAT binary) and replication
SELECT ok((SELECT bool_and(typreceive <> 0 AND typsend <> 0) FROM pg_type
           WHERE typnamespace = 'reseller_billing'::regnamespace
             AND typname IN ('amount', 'billing_period', 'plan_kind')),
          'amount, billing_period and plan_kind all have binary receive and send functions');

-- ---------------------------------------------------------------------------
-- Default operator classes: btree (5 strategies, support 1) and hash
-- (support 1 and 2, the extended hash that hash partitioning needs)
-- ---------------------------------------------------------------------------

CREATE FUNCTION pg_temp.default_opclass(typ text, am text) RETURNS pg_opclass LANGUAGE sql STABLE AS $$
	SELECT c FROM pg_opclass c JOIN pg_am a ON a.oid = c.opcmethod
	WHERE a.amname = am AND c.opcdefault
	  AND c.opcintype = (SELECT oid FROM pg_type WHERE typname = typ AND typnamespace = 'reseller_billing'::regnamespace)
$$;

SELECT ok((pg_temp.default_opclass(t, 'btree')).oid IS NOT NULL, format('%s has a default btree operator class', t))
FROM unnest(ARRAY['amount', 'billing_period', 'plan_kind']) AS t;

SELECT is((SELECT array_agg(o.amopstrategy::int ORDER BY o.amopstrategy) FROM pg_amop o
           WHERE o.amopfamily = (pg_temp.default_opclass(t, 'btree')).opcfamily
             AND o.amoplefttype = (pg_temp.default_opclass(t, 'btree')).opcintype
             AND o.amoprighttype = (pg_temp.default_opclass(t, 'btree')).opcintype)
          || (SELECT array_agg(p.amprocnum::int ORDER BY p.amprocnum) FROM pg_amproc p
              WHERE p.amprocfamily = (pg_temp.default_opclass(t, 'btree')).opcfamily
                AND p.amproclefttype = (pg_temp.default_opclass(t, 'btree')).opcintype
                AND p.amprocrighttype = (pg_temp.default_opclass(t, 'btree')).opcintype AND p.amprocnum = 1),
          ARRAY[1, 2, 3, 4, 5, 1],
          format('%s btree operator class: strategies 1-5 and support function 1', t))
FROM unnest(ARRAY['amount', 'billing_period', 'plan_kind']) AS t;

SELECT ok((pg_temp.default_opclass(t, 'hash')).oid IS NOT NULL, format('%s has a default hash operator class', t))
FROM unnest(ARRAY['amount', 'billing_period', 'plan_kind']) AS t;

SELECT is((SELECT array_agg(p.amprocnum::int ORDER BY p.amprocnum) FROM pg_amproc p
           WHERE p.amprocfamily = (pg_temp.default_opclass(t, 'hash')).opcfamily
             AND p.amproclefttype = (pg_temp.default_opclass(t, 'hash')).opcintype
             AND p.amprocrighttype = (pg_temp.default_opclass(t, 'hash')).opcintype),
          ARRAY[1, 2],
          format('%s hash operator class: support functions 1 (hash) and 2 (extended hash)', t))
FROM unnest(ARRAY['amount', 'billing_period', 'plan_kind']) AS t;

-- the = operator can drive hash joins and merge joins
SELECT ok((SELECT oprcanhash AND oprcanmerge FROM pg_operator
           WHERE oprname = '=' AND oprnamespace = 'reseller_billing'::regnamespace
             AND oprleft = (pg_temp.typ(t)).oid AND oprright = (pg_temp.typ(t)).oid),
          format('%s = is HASHES and MERGES', t))
FROM unnest(ARRAY['amount', 'billing_period', 'plan_kind']) AS t;

-- ---------------------------------------------------------------------------
-- Aggregates over amount
-- ---------------------------------------------------------------------------

CREATE FUNCTION pg_temp.agg(name text) RETURNS pg_aggregate LANGUAGE sql STABLE AS $$
	SELECT g FROM pg_aggregate g
	WHERE g.aggfnoid = to_regprocedure(format('reseller_billing.%s(reseller_billing.amount)', name))
$$;

SELECT is((SELECT proparallel::text FROM pg_proc
           WHERE oid = to_regprocedure(format('reseller_billing.%s(reseller_billing.amount)', a))),
          's', format('aggregate %s(amount) is PARALLEL SAFE', a))
FROM unnest(ARRAY['sum', 'avg', 'min', 'max']) AS a;

SELECT ok((pg_temp.agg(a)).aggcombinefn <> 0, format('aggregate %s(amount) has a combine function', a))
FROM unnest(ARRAY['sum', 'avg', 'min', 'max']) AS a;

SELECT ok((pg_temp.agg(a)).aggserialfn <> 0 AND (pg_temp.agg(a)).aggdeserialfn <> 0,
          format('aggregate %s(amount) (internal state) has serial and deserial functions', a))
FROM unnest(ARRAY['sum', 'avg']) AS a;

-- a parallel-safe aggregate whose support functions are not would still be
-- run serially (or fail in a worker)
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text) FILTER (WHERE p.proparallel <> 's'),
          NULL, 'every support function of sum/avg/min/max(amount) is PARALLEL SAFE')
FROM pg_aggregate g
CROSS JOIN LATERAL unnest(ARRAY[g.aggtransfn, g.aggfinalfn, g.aggcombinefn, g.aggserialfn, g.aggdeserialfn]::oid[]) AS f(oid)
JOIN pg_proc p ON p.oid = f.oid
WHERE g.aggfnoid IN (SELECT to_regprocedure(format('reseller_billing.%s(reseller_billing.amount)', a))
                     FROM unnest(ARRAY['sum', 'avg', 'min', 'max']) AS a);

-- ---------------------------------------------------------------------------
-- No cast between amount and float4 / float8 / numeric, either way: an
-- amount carries a currency, and floating point never touches money
-- ---------------------------------------------------------------------------

SELECT is(array_agg(format('%s -> %s', castsource::regtype, casttarget::regtype)), NULL,
          'pg_cast has no cast between amount and real, double precision or numeric')
FROM pg_cast
WHERE (castsource = (pg_temp.typ('amount')).oid AND casttarget IN ('float4'::regtype, 'float8'::regtype, 'numeric'::regtype))
   OR (casttarget = (pg_temp.typ('amount')).oid AND castsource IN ('float4'::regtype, 'float8'::regtype, 'numeric'::regtype));

-- ---------------------------------------------------------------------------
-- The functions the README documents exist, with their result types, and
-- each has a COMMENT
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE documented (sig text, result text);
INSERT INTO documented VALUES
	('reseller_billing.amount(numeric, text)', 'reseller_billing.amount'),
	('reseller_billing.currency(reseller_billing.amount)', 'text'),
	('reseller_billing.value(reseller_billing.amount)', 'numeric'),
	('reseller_billing.minor_unit(text)', 'integer'),
	('reseller_billing.abs(reseller_billing.amount)', 'reseller_billing.amount'),
	('reseller_billing.round(reseller_billing.amount)', 'reseller_billing.amount'),
	('reseller_billing.round(reseller_billing.amount, text)', 'reseller_billing.amount'),
	('reseller_billing.allocate(reseller_billing.amount, integer)', 'reseller_billing.amount[]'),
	('reseller_billing.allocate(reseller_billing.amount, numeric[])', 'reseller_billing.amount[]'),
	('reseller_billing.period_start(reseller_billing.billing_period)', 'date'),
	('reseller_billing.period_end(reseller_billing.billing_period)', 'date'),
	('reseller_billing.days(reseller_billing.billing_period)', 'integer'),
	('reseller_billing.anchor(reseller_billing.billing_period)', 'integer'),
	('reseller_billing.billing_period(date)', 'reseller_billing.billing_period'),
	('reseller_billing.billing_period(date, integer)', 'reseller_billing.billing_period'),
	('reseller_billing.prorate(reseller_billing.amount, reseller_billing.billing_period, daterange)', 'reseller_billing.amount'),
	('reseller_billing.is_annual(reseller_billing.plan_kind)', 'boolean'),
	('reseller_billing.library_version()', 'text');

SELECT is((SELECT format_type(prorettype, NULL) FROM pg_proc WHERE oid = to_regprocedure(d.sig)), d.result,
          format('%s exists and returns %s', d.sig, d.result))
FROM documented d ORDER BY d.sig;

SELECT ok(coalesce(length(btrim(obj_description(to_regprocedure(d.sig), 'pg_proc'))), 0) > 0,
          format('%s has a COMMENT', d.sig))
FROM documented d ORDER BY d.sig;

-- and, more broadly, every function in the schema except the support
-- functions of operators, operator classes, aggregates, types and casts
SELECT is(array_agg(p.oid::regprocedure::text ORDER BY p.oid::regprocedure::text), NULL,
          'every function in schema reseller_billing other than operator, operator class, aggregate, type and cast support functions has a COMMENT')
FROM pg_proc p
WHERE p.pronamespace = 'reseller_billing'::regnamespace
  AND coalesce(length(btrim(obj_description(p.oid, 'pg_proc'))), 0) = 0
  AND NOT EXISTS (SELECT FROM pg_operator o WHERE p.oid IN (o.oprcode, o.oprrest, o.oprjoin))
  AND NOT EXISTS (SELECT FROM pg_amproc a WHERE a.amproc = p.oid)
  AND NOT EXISTS (SELECT FROM pg_aggregate g
                  WHERE p.oid IN (g.aggtransfn, g.aggfinalfn, g.aggcombinefn, g.aggserialfn, g.aggdeserialfn,
                                  g.aggmtransfn, g.aggminvtransfn, g.aggmfinalfn))
  AND NOT EXISTS (SELECT FROM pg_type t
                  WHERE p.oid IN (t.typinput, t.typoutput, t.typreceive, t.typsend,
                                  t.typmodin, t.typmodout, t.typanalyze, t.typsubscript))
  AND NOT EXISTS (SELECT FROM pg_cast c WHERE c.castfunc = p.oid);

-- ---------------------------------------------------------------------------
-- The README's "Getting started" calls, written as a user writes them (with
-- untyped literals and search_path = reseller_billing, public), resolve to
-- one function and give the documented results: an overload added later
-- must not make them ambiguous (42725)
-- ---------------------------------------------------------------------------

-- the result as text, or the error it raised
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql
SET search_path = reseller_billing, public AS $$
DECLARE
	r text;
BEGIN
	EXECUTE q INTO r;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	RETURN format('ERROR %s: %s', SQLSTATE, SQLERRM);
END $$;

SELECT is(pg_temp.try($$SELECT 'USD 50.00'::amount * 0.80$$), 'USD 40.00',
          $$README: 'USD 50.00'::amount * 0.80 = USD 40.00$$);
SELECT is(pg_temp.try($$SELECT allocate('USD 40.00'::amount, 12)$$),
          '{"USD 3.34","USD 3.34","USD 3.34","USD 3.34","USD 3.33","USD 3.33","USD 3.33","USD 3.33","USD 3.33","USD 3.33","USD 3.33","USD 3.33"}',
          $$README: allocate('USD 40.00'::amount, 12) = 4 x 3.34 + 8 x 3.33$$);
SELECT is(pg_temp.try($$SELECT prorate('USD 4.00', '2012-04', '[2012-04-01,2012-04-15]')$$), 'USD 2.00',
          $$README: prorate('USD 4.00', '2012-04', '[2012-04-01,2012-04-15]') = USD 2.00 (untyped literals resolve)$$);
SELECT is(pg_temp.try($$SELECT concat_ws(', ', period_start(p), period_end(p), days(p))
                        FROM (VALUES ('2012-02@31'::billing_period)) t(p)$$), '2012-02-29, 2012-03-31, 31',
          $$README: '2012-02@31' runs 2012-02-29 to 2012-03-31, 31 days$$);

-- ---------------------------------------------------------------------------
-- library_version() is the installed version
-- ---------------------------------------------------------------------------

SELECT is(reseller_billing.library_version(),
          (SELECT extversion FROM pg_extension WHERE extname = 'reseller_billing'),
          'library_version() equals pg_extension.extversion');

SELECT * FROM finish();

ROLLBACK;
