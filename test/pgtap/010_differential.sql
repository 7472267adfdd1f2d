-- test/pgtap/010_differential.sql
--
-- Differential property test: seeded random operations on reseller_billing
-- amounts, each compared with what plain numeric computes under the same rule
-- (domain.md §2), the reference written independently here in SQL.  Nothing
-- on the reference side calls the extension: the extension only builds the
-- operands (amount(numeric, text), billing_period text input) and is read
-- back through value(amount) and currency(amount).
--
-- Rules (references):
--   half away from zero, integer n / d:  sign(n)*sign(d) * div(2|n| + |d|, 2|d|)
--     (div() is numeric's exact truncating division; no approximation)
--   + - neg abs, × integer, sum:      exact
--   × numeric:                        round(v * x, 6)  (numeric * is exact,
--                                     numeric round() is half away from zero)
--   ÷ int, ÷ numeric, avg:            half away, in millionths; x = X/10^s
--                                     turned into integers first
--   round(a [, mode]) to minor unit:  half_up = round(v, d); down = trunc(v, d);
--                                     half_even = round(v, d) stepped back to
--                                     the even neighbour on an exact tie
--   prorate(full, period, covered):   full * days / period days, half away,
--                                     in minor units; period bounds computed
--                                     with make_date, the overlap with
--                                     daterange's own * operator
--   prorate_fraction(full, part, whole): full * part / whole, the same way
--   allocate(a, n):                   sign * (floor(|M|/n) + (i <= |M| mod n))
--   allocate(a, weights):             largest remainder, ties to the earlier part
--
-- Every random operand comes from random() after setseed(0.42), in plpgsql
-- loops, so the cases are the same on every run.  Cases whose reference
-- result leaves the amount range (±9223372036854.775807) are not compared:
-- they must raise 22003 and are checked as such, with division by zero
-- (22012) and the invalid-parameter cases (22023).
--
-- Runs inside one transaction that is rolled back: nothing is left behind.

\set ON_ERROR_STOP 1
\set QUIET 1
\pset format unaligned
\pset tuples_only true
\pset pager off

SET client_min_messages = warning;

BEGIN;

CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION IF NOT EXISTS reseller_billing;

SET LOCAL search_path = public, reseller_billing;
SET LOCAL statement_timeout = 0;

SELECT plan(81);

SELECT setseed(0.42);

-- ---------------------------------------------------------------------------
-- Helpers: powers of ten, the currencies, the one reference rounding rule
-- ---------------------------------------------------------------------------

-- 10^k and 10^-k as exact numerics (never through float8)
CREATE FUNCTION pg_temp.p10(k int) RETURNS numeric LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT CASE WHEN k >= 0 THEN ('1' || repeat('0', k))::numeric
               ELSE ('0.' || repeat('0', -k - 1) || '1')::numeric END $$;

-- the minor-unit digits of the currencies used here (ISO 4217), written down
-- independently of the extension; XAU is "N.A." and is used only where the
-- minor unit plays no part (+ - × ÷ sum avg, all at the stored 6 digits)
-- b^e as an exact integer numeric (int ^ int would go through float8)
CREATE FUNCTION pg_temp.ipow(b int, e int) RETURNS numeric LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT trunc(b::numeric ^ e::numeric) $$;

CREATE FUNCTION pg_temp.minor(code text) RETURNS int LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT CASE code WHEN 'USD' THEN 2 WHEN 'EUR' THEN 2 WHEN 'JPY' THEN 0
                    WHEN 'KWD' THEN 3 WHEN 'CLF' THEN 4 WHEN 'XAU' THEN 6 END $$;

-- n / d rounded to an integer half away from zero, exactly (d <> 0)
CREATE FUNCTION pg_temp.rdiv(n numeric, d numeric) RETURNS numeric LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT sign(n) * sign(d) * div(2 * abs(n) + abs(d), 2 * abs(d)) $$;

-- true when n / d lies exactly half-way between two integers
CREATE FUNCTION pg_temp.tie(n numeric, d numeric) RETURNS boolean LANGUAGE sql IMMUTABLE STRICT AS
$$ SELECT 2 * (abs(n) - abs(d) * div(abs(n), abs(d))) = abs(d) $$;

-- the amount range, in millionths and in major units
CREATE FUNCTION pg_temp.maxm() RETURNS numeric LANGUAGE sql IMMUTABLE AS
$$ SELECT 9223372036854775807::numeric $$;
CREATE FUNCTION pg_temp.in_range(v numeric) RETURNS boolean LANGUAGE sql IMMUTABLE AS
$$ SELECT v IS NULL OR abs(v) <= 9223372036854.775807 $$;

-- canonical text of an expected (code, value) and of an actual amount
CREATE FUNCTION pg_temp.canon(code text, v numeric) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN v IS NULL THEN NULL ELSE code || ' ' || trim_scale(v)::text END $$;
CREATE FUNCTION pg_temp.canon_a(a reseller_billing.amount) RETURNS text LANGUAGE sql IMMUTABLE AS
$$ SELECT CASE WHEN a IS NULL THEN NULL
               ELSE reseller_billing.currency(a) || ' ' || trim_scale(reseller_billing.value(a))::text END $$;

-- ---------------------------------------------------------------------------
-- Random generators (all draw from random(), seeded above)
-- ---------------------------------------------------------------------------

-- a uniformly random integer in [0, 10^n), full precision (n <= 20)
CREATE FUNCTION pg_temp.digits(n int) RETURNS numeric LANGUAGE sql VOLATILE AS
$$ SELECT mod(floor(random() * 1e10)::numeric * 10000000000 + floor(random() * 1e10)::numeric,
              pg_temp.p10(n)) $$;

CREATE FUNCTION pg_temp.rint(lo int, hi int) RETURNS int LANGUAGE sql VOLATILE AS
$$ SELECT lo + floor(random() * (hi - lo + 1))::int $$;

CREATE FUNCTION pg_temp.rsign() RETURNS int LANGUAGE sql VOLATILE AS
$$ SELECT CASE WHEN random() < 0.5 THEN -1 ELSE 1 END $$;

CREATE FUNCTION pg_temp.pick(VARIADIC codes text[]) RETURNS text LANGUAGE sql VOLATILE AS
$$ SELECT codes[1 + floor(random() * array_length(codes, 1))::int] $$;

-- a value in millionths for a currency with d minor digits, from small to
-- the very ends of the range: zeros, whole minor units, exact ties at the
-- minor unit (d < 6), near ties, 6 fractional digits, near ±max, anywhere
CREATE FUNCTION pg_temp.gen_micro(d int, big boolean DEFAULT true) RETURNS numeric
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	u numeric := pg_temp.p10(6 - d);		-- millionths per minor unit
	r float8 := random();
	m numeric;
BEGIN
	IF NOT big AND r >= 0.74 THEN
		r := random() * 0.74;
	END IF;
	IF r < 0.04 THEN
		m := 0;
	ELSIF r < 0.08 THEN
		-- the ends of the range, and 2^62 where the 64-bit fast path of the
		-- rounding rule hands over to 128 bits
		m := (ARRAY[1, u, pg_temp.maxm(), pg_temp.maxm() - 1, trunc(u / 2), 500000, 1000000,
		            div(pg_temp.maxm(), u) * u, 4611686018427387904, 4611686018427387903,
		            4611686018427387905, 2305843009213693952 + trunc(u / 2)])[pg_temp.rint(1, 12)];
	ELSIF r < 0.28 THEN
		m := pg_temp.digits(pg_temp.rint(1, 12 + d)) * u;
	ELSIF r < 0.48 AND d < 6 THEN
		m := pg_temp.digits(pg_temp.rint(0, 11 + d)) * u + u / 2;
	ELSIF r < 0.56 AND d < 6 THEN
		m := pg_temp.digits(pg_temp.rint(0, 11 + d)) * u + u / 2 + pg_temp.rsign();
	ELSIF r < 0.74 THEN
		m := pg_temp.digits(pg_temp.rint(1, 18));
	ELSIF r < 0.86 THEN
		m := pg_temp.maxm() - pg_temp.digits(pg_temp.rint(0, 19));
	ELSE
		m := mod(pg_temp.digits(19), pg_temp.maxm() + 1);
	END IF;
	RETURN pg_temp.rsign() * trunc(m);
END $$;

-- a numeric multiplier or divisor: integers, decimals with 1 to 10 fractional
-- digits (some with trailing zeros), rates, tiny and large values
CREATE FUNCTION pg_temp.gen_factor() RETURNS numeric LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	r float8 := random();
	x numeric;
BEGIN
	IF r < 0.15 THEN
		x := pg_temp.rint(-1000, 1000);
	ELSIF r < 0.40 THEN
		x := pg_temp.digits(pg_temp.rint(1, 12)) * pg_temp.p10(-pg_temp.rint(1, 10));
	ELSIF r < 0.55 THEN
		x := (ARRAY[0.5, 1.5, 2.5, 0.25, 0.125, 0.0000005, 0.00000025, 1.0000005, 12.5, 0.05,
		            0.005, 0.0005, 0.00005, 0.000005, 2, 4, 8, 0.2, 0.4, 0.08, 2000000,
		            2.5000000000, 0.0000000002, 1.6, 3.2])[pg_temp.rint(1, 25)];
	ELSIF r < 0.70 THEN
		x := (ARRAY[0.2, 0.8, 0.9, 1.2, 0.19, 0.0825, 0.0833333333, 0.3333333333, 1.07, 0.15,
		            0.8000000000, 0.0416666667, 1.1])[pg_temp.rint(1, 13)];
	ELSIF r < 0.80 THEN
		x := pg_temp.digits(pg_temp.rint(1, 4)) * pg_temp.p10(-pg_temp.rint(7, 10));
	ELSIF r < 0.90 THEN
		x := pg_temp.digits(pg_temp.rint(4, 13)) * pg_temp.p10(-pg_temp.rint(0, 6));
	ELSE
		x := pg_temp.digits(pg_temp.rint(1, 19)) * pg_temp.p10(-pg_temp.rint(0, 10));
	END IF;
	RETURN pg_temp.rsign() * x;
END $$;

-- ---------------------------------------------------------------------------
-- The checker: runs one kind's comparison query, counts mismatches and shows
-- the first few.  The query returns (id, input, expected, actual, tie) and
-- contains the token /*FILTER*/, replaced by "true" for the bulk run.  If the
-- bulk run raises an error, every case (ids from ids_sql) is rerun alone with
-- the filter "c.id = <id>", and each one that raises counts as a mismatch
-- (shown with its SQLSTATE and message).
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE opcount (label text, n bigint, ties bigint);

CREATE FUNCTION pg_temp.check_kind(label text, ids_sql text, q text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
	n bigint;
	bad bigint;
	ties bigint;
	r record;
	shown int := 0;
	cid bigint;
	failed boolean := false;
BEGIN
	CREATE TEMP TABLE _res (id bigint, input text, expected text, actual text, tie boolean);
	BEGIN
		EXECUTE 'INSERT INTO _res ' || replace(q, '/*FILTER*/', 'true');
	EXCEPTION WHEN OTHERS THEN
		failed := true;
		RETURN NEXT diag(format('%s: the bulk run raised %s (%s); rerunning case by case', label, SQLSTATE, SQLERRM));
	END;
	IF failed THEN
		TRUNCATE _res;
		FOR cid IN EXECUTE ids_sql LOOP
			BEGIN
				EXECUTE 'INSERT INTO _res ' || replace(q, '/*FILTER*/', 'c.id = ' || cid);
			EXCEPTION WHEN OTHERS THEN
				INSERT INTO _res VALUES (cid, format('case %s', cid), 'a result',
				                         format('ERROR %s: %s', SQLSTATE, SQLERRM), false);
			END;
		END LOOP;
	END IF;
	SELECT count(*), count(*) FILTER (WHERE expected IS DISTINCT FROM actual), count(*) FILTER (WHERE tie)
	  INTO n, bad, ties FROM _res;
	INSERT INTO opcount VALUES (label, n, ties);
	RETURN NEXT is(bad, 0::bigint,
	               format('%s: %s random operations (%s exact ties) agree with the numeric reference', label, n, ties));
	FOR r IN SELECT * FROM _res WHERE expected IS DISTINCT FROM actual ORDER BY id LIMIT 5 LOOP
		RETURN NEXT diag(format('  #%s  %s  expected %s  got %s', r.id, r.input,
		                        coalesce(r.expected, 'NULL'), coalesce(r.actual, 'NULL')));
	END LOOP;
	DROP TABLE _res;
END $$;

-- expected-error cases: (kind, expr, state); expr is a complete statement,
-- with typed literals so that the call resolves whatever overloads exist
CREATE TEMP TABLE err_cases (id serial, kind text, expr text, state text);

CREATE FUNCTION pg_temp.check_errors(label text, want text) RETURNS SETOF text
LANGUAGE plpgsql AS $$
DECLARE
	r record;
	got text;
	msg text;
	n bigint := 0;
	bad bigint := 0;
BEGIN
	FOR r IN SELECT * FROM err_cases WHERE state = want ORDER BY id LOOP
		n := n + 1;
		BEGIN
			EXECUTE r.expr;
			got := 'no error';
			msg := '';
		EXCEPTION WHEN OTHERS THEN
			got := SQLSTATE;
			msg := SQLERRM;
		END;
		-- a 22003 from a built-in cast of a literal is not the extension's
		IF got = want AND msg ~ '^(smallint|integer|bigint) out of range' THEN
			got := got || ' (from a built-in cast, not the extension)';
		END IF;
		IF got IS DISTINCT FROM want THEN
			bad := bad + 1;
			IF bad <= 5 THEN
				RETURN NEXT diag(format('  [%s] %s  expected %s  got %s %s', r.kind, r.expr, want, got, msg));
			END IF;
		END IF;
	END LOOP;
	RETURN NEXT is(bad, 0::bigint, format('%s: all %s generated cases raise SQLSTATE %s', label, n, want));
END $$;

-- ---------------------------------------------------------------------------
-- + and - (and unary -, abs): exact
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE t_add (id int PRIMARY KEY, code text, m1 numeric, m2 numeric,
                         v1 numeric, v2 numeric);
DO $$
DECLARE
	code text;
	d int;
	m1 numeric;
	m2 numeric;
	r float8;
BEGIN
	FOR i IN 1..12000 LOOP
		code := pg_temp.pick('USD', 'USD', 'JPY', 'KWD', 'KWD', 'CLF', 'XAU');
		d := pg_temp.minor(code);
		m1 := pg_temp.gen_micro(d);
		r := random();
		IF r < 0.05 THEN
			m2 := -m1;
		ELSIF r < 0.10 THEN
			m2 := m1;
		ELSIF r < 0.15 THEN
			-- right at the edge of the range: the sum is exactly ±max or one past it
			m2 := sign(m1) * (pg_temp.maxm() - abs(m1)) + (CASE WHEN random() < 0.5 THEN 0 ELSE sign(m1) END);
		ELSE
			m2 := pg_temp.gen_micro(d);
		END IF;
		INSERT INTO t_add VALUES (i, code, m1, m2, m1 * 0.000001, m2 * 0.000001);
	END LOOP;
END $$;

SELECT * FROM pg_temp.check_kind('amount + amount', 'SELECT id FROM t_add ORDER BY id', $q$
	SELECT c.id, format('%s %s + %s', c.code, c.v1, c.v2),
	       pg_temp.canon(c.code, c.v1 + c.v2),
	       pg_temp.canon_a(amount(c.v1, c.code) + amount(c.v2, c.code)),
	       false
	FROM t_add c WHERE pg_temp.in_range(c.v1 + c.v2) AND /*FILTER*/ $q$);

SELECT * FROM pg_temp.check_kind('amount - amount', 'SELECT id FROM t_add ORDER BY id', $q$
	SELECT c.id, format('%s %s - %s', c.code, c.v1, c.v2),
	       pg_temp.canon(c.code, c.v1 - c.v2),
	       pg_temp.canon_a(amount(c.v1, c.code) - amount(c.v2, c.code)),
	       false
	FROM t_add c WHERE pg_temp.in_range(c.v1 - c.v2) AND /*FILTER*/ $q$);

SELECT * FROM pg_temp.check_kind('-amount and abs(amount)', 'SELECT id FROM t_add ORDER BY id', $q$
	SELECT c.id, format('%s %s', c.code, c.v1),
	       pg_temp.canon(c.code, -c.v1) || ' / ' || pg_temp.canon(c.code, abs(c.v1)),
	       pg_temp.canon_a(-amount(c.v1, c.code)) || ' / ' || pg_temp.canon_a(abs(amount(c.v1, c.code))),
	       false
	FROM t_add c WHERE /*FILTER*/ $q$);

INSERT INTO err_cases (kind, expr, state)
SELECT 'amount + amount', format('SELECT amount(%s, %L) + amount(%s, %L)', v1, code, v2, code), '22003'
FROM t_add WHERE NOT pg_temp.in_range(v1 + v2) ORDER BY id;
INSERT INTO err_cases (kind, expr, state)
SELECT 'amount - amount', format('SELECT amount(%s, %L) - amount(%s, %L)', v1, code, v2, code), '22003'
FROM t_add WHERE NOT pg_temp.in_range(v1 - v2) ORDER BY id;
-- mixed currencies never add up silently
INSERT INTO err_cases (kind, expr, state)
SELECT 'mixed currencies', format('SELECT amount(%s, %L) + amount(%s, %L)', v1, code, v2,
                                  CASE code WHEN 'USD' THEN 'EUR' ELSE 'USD' END), '22023'
FROM t_add WHERE id % 400 = 0 ORDER BY id;

-- ---------------------------------------------------------------------------
-- × int4, × int8, × numeric (both operand orders)
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE t_mul (id int PRIMARY KEY, code text, m numeric, v numeric, k4 int, k8 bigint,
                         mx numeric, vx numeric, x numeric);
DO $$
DECLARE
	code text;
	d int;
	m numeric;
	mx numeric;
	k4 numeric;
	k8 numeric;
	x numeric;
	f int;
	r float8;
BEGIN
	FOR i IN 1..14000 LOOP
		code := pg_temp.pick('USD', 'USD', 'JPY', 'KWD', 'KWD', 'CLF', 'XAU');
		d := pg_temp.minor(code);
		-- amount and integer multipliers
		m := pg_temp.gen_micro(d);
		r := random();
		IF r < 0.45 THEN
			k4 := pg_temp.rint(-100, 100);
		ELSIF r < 0.60 THEN
			k4 := pg_temp.rint(-1000000, 1000000);
		ELSIF r < 0.75 AND m <> 0 THEN
			-- the largest multiplier that fits, or one more
			k4 := least(div(pg_temp.maxm(), abs(m)) + pg_temp.rint(0, 1), 2147483647) * pg_temp.rsign();
		ELSIF r < 0.85 THEN
			k4 := (ARRAY[0, 1, -1, 2147483647, -2147483648, 12, -12])[pg_temp.rint(1, 7)];
		ELSE
			k4 := pg_temp.rsign() * pg_temp.digits(pg_temp.rint(1, 9));
		END IF;
		r := random();
		IF r < 0.40 THEN
			k8 := pg_temp.rint(-1000, 1000);
		ELSIF r < 0.55 THEN
			k8 := pg_temp.rsign() * pg_temp.digits(pg_temp.rint(4, 12));
		ELSIF r < 0.75 AND m <> 0 THEN
			k8 := (div(pg_temp.maxm(), abs(m)) + pg_temp.rint(0, 1)) * pg_temp.rsign();
		ELSIF r < 0.85 THEN
			k8 := (ARRAY[0, 1, -1, 9223372036854775807, -9223372036854775808, 1000000, -3])[pg_temp.rint(1, 7)];
		ELSE
			k8 := pg_temp.rsign() * mod(pg_temp.digits(19), pg_temp.maxm());
		END IF;
		IF k4 < -2147483648 OR k4 > 2147483647 THEN
			k4 := 2147483647 * sign(k4);
		END IF;
		IF k8 < -9223372036854775808 OR k8 > 9223372036854775807 THEN
			k8 := 9223372036854775807 * sign(k8);
		END IF;
		-- amount and numeric multiplier; a third are built to make exact ties:
		-- x = (2j+1) / 2^f and mx = 2^(f-1) * odd give mx * x = odd / 2 millionths
		mx := pg_temp.gen_micro(d);
		r := random();
		IF r < 0.33 THEN
			f := pg_temp.rint(1, 8);
			x := pg_temp.rsign() * (2 * pg_temp.digits(pg_temp.rint(1, 5)) + 1) * pg_temp.ipow(5, f) * pg_temp.p10(-f);
			mx := pg_temp.rsign() * pg_temp.ipow(2, f - 1) * (2 * pg_temp.digits(pg_temp.rint(1, 12)) + 1);
		ELSIF r < 0.43 AND mx <> 0 THEN
			-- at the edge of the range
			x := trunc(pg_temp.maxm() / abs(mx), pg_temp.rint(0, 10)) * pg_temp.rsign()
			     + pg_temp.rint(-1, 1) * pg_temp.p10(-pg_temp.rint(6, 10));
		ELSE
			x := pg_temp.gen_factor();
		END IF;
		INSERT INTO t_mul VALUES (i, code, m, m * 0.000001, k4, k8, mx, mx * 0.000001, x);
	END LOOP;
END $$;

SELECT * FROM pg_temp.check_kind('amount * int4 and int4 * amount', 'SELECT id FROM t_mul ORDER BY id', $q$
	SELECT c.id, format('%s %s * (%s)::int4', c.code, c.v, c.k4),
	       pg_temp.canon(c.code, c.v * c.k4) || ' / ' || pg_temp.canon(c.code, c.v * c.k4),
	       pg_temp.canon_a(amount(c.v, c.code) * c.k4) || ' / ' || pg_temp.canon_a(c.k4 * amount(c.v, c.code)),
	       false
	FROM t_mul c WHERE pg_temp.in_range(c.v * c.k4) AND /*FILTER*/ $q$);

SELECT * FROM pg_temp.check_kind('amount * int8 and int8 * amount', 'SELECT id FROM t_mul ORDER BY id', $q$
	SELECT c.id, format('%s %s * (%s)::int8', c.code, c.v, c.k8),
	       pg_temp.canon(c.code, c.v * c.k8) || ' / ' || pg_temp.canon(c.code, c.v * c.k8),
	       pg_temp.canon_a(amount(c.v, c.code) * c.k8) || ' / ' || pg_temp.canon_a(c.k8 * amount(c.v, c.code)),
	       false
	FROM t_mul c WHERE pg_temp.in_range(c.v * c.k8) AND /*FILTER*/ $q$);

-- numeric * is exact, round(numeric, 6) is half away from zero
SELECT * FROM pg_temp.check_kind('amount * numeric and numeric * amount', 'SELECT id FROM t_mul ORDER BY id', $q$
	SELECT c.id, format('%s %s * (%s)::numeric', c.code, c.vx, c.x),
	       pg_temp.canon(c.code, round(c.vx * c.x, 6)) || ' / ' || pg_temp.canon(c.code, round(c.vx * c.x, 6)),
	       pg_temp.canon_a(amount(c.vx, c.code) * c.x) || ' / ' || pg_temp.canon_a(c.x * amount(c.vx, c.code)),
	       mod(abs(c.mx * c.x), 1) = 0.5
	FROM t_mul c WHERE pg_temp.in_range(round(c.vx * c.x, 6)) AND /*FILTER*/ $q$);

INSERT INTO err_cases (kind, expr, state)
SELECT 'amount * int4', format('SELECT amount(%s, %L) * (%s)::int4', v, code, k4), '22003'
FROM t_mul WHERE NOT pg_temp.in_range(v * k4) ORDER BY id;
INSERT INTO err_cases (kind, expr, state)
SELECT 'int8 * amount', format('SELECT (%s)::int8 * amount(%s, %L)', k8, v, code), '22003'
FROM t_mul WHERE NOT pg_temp.in_range(v * k8) ORDER BY id;
INSERT INTO err_cases (kind, expr, state)
SELECT 'amount * numeric', format('SELECT amount(%s, %L) * (%s)::numeric', vx, code, x), '22003'
FROM t_mul WHERE NOT pg_temp.in_range(round(vx * x, 6)) ORDER BY id;

-- ---------------------------------------------------------------------------
-- ÷ int4, ÷ int8, ÷ numeric: exact quotient in millionths, half away from zero
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE t_div (id int PRIMARY KEY, code text, m4 numeric, v4 numeric, k4 int,
                         m8 numeric, v8 numeric, k8 bigint, mx numeric, vx numeric, x numeric);
DO $$
DECLARE
	code text;
	d int;
	m4 numeric;
	m8 numeric;
	mx numeric;
	k4 numeric;
	k8 numeric;
	x numeric;
	o numeric;
	t numeric;
	a int;
	r float8;
BEGIN
	FOR i IN 1..14000 LOOP
		code := pg_temp.pick('USD', 'USD', 'JPY', 'KWD', 'KWD', 'CLF', 'XAU');
		d := pg_temp.minor(code);
		-- ÷ int4; 30% built to tie: k even, m = k*q + k/2
		m4 := pg_temp.gen_micro(d);
		r := random();
		IF r < 0.30 THEN
			k4 := 2 * pg_temp.rint(1, 50000) * pg_temp.rsign();
			m4 := pg_temp.rsign() * (abs(k4) * pg_temp.digits(pg_temp.rint(0, 13)) + div(abs(k4), 2));
		ELSIF r < 0.70 THEN
			k4 := pg_temp.rint(1, 400) * pg_temp.rsign();
		ELSIF r < 0.85 THEN
			k4 := pg_temp.rsign() * (1 + pg_temp.digits(pg_temp.rint(1, 9)));
		ELSE
			k4 := (ARRAY[1, -1, 2, -2, 3, 7, 12, 365, 2147483647, -2147483648])[pg_temp.rint(1, 10)];
		END IF;
		-- ÷ int8
		m8 := pg_temp.gen_micro(d);
		r := random();
		IF r < 0.50 THEN
			k8 := pg_temp.rint(1, 1000) * pg_temp.rsign();
		ELSIF r < 0.80 THEN
			k8 := pg_temp.rsign() * (1 + pg_temp.digits(pg_temp.rint(1, 18)));
		ELSIF r < 0.90 AND m8 <> 0 THEN
			-- |k| = 2|m| exactly: the quotient is ±0.5 millionth, a tie
			k8 := least(2 * abs(m8), pg_temp.maxm()) * pg_temp.rsign();
		ELSE
			k8 := (ARRAY[1, -1, 9223372036854775807, -9223372036854775808, 1000000, 3])[pg_temp.rint(1, 6)];
		END IF;
		IF k8 < -9223372036854775808 OR k8 > 9223372036854775807 THEN
			k8 := 9223372036854775807 * sign(k8);
		END IF;
		-- ÷ numeric; a third built to tie: m = o * t and x = 2t / 5^a, so
		-- m / x = o * 5^a / 2 with o odd; some x carry trailing zeros
		mx := pg_temp.gen_micro(d);
		r := random();
		IF r < 0.33 THEN
			a := pg_temp.rint(0, 8);
			o := 2 * pg_temp.digits(pg_temp.rint(1, 5)) + 1;
			t := 1 + pg_temp.digits(pg_temp.rint(1, 8));
			x := pg_temp.rsign() * 2 * t * pg_temp.ipow(2, a) * pg_temp.p10(-a);
			IF random() < 0.3 THEN
				x := round(x, a + pg_temp.rint(1, 2));
			END IF;
			mx := pg_temp.rsign() * o * t;
		ELSE
			x := pg_temp.gen_factor();
		END IF;
		IF x = 0 THEN
			x := 0.0000001;
		END IF;
		INSERT INTO t_div VALUES (i, code, m4, m4 * 0.000001, k4, m8, m8 * 0.000001, k8, mx, mx * 0.000001, x);
	END LOOP;
END $$;

SELECT * FROM pg_temp.check_kind('amount / int4', 'SELECT id FROM t_div ORDER BY id', $q$
	SELECT c.id, format('%s %s / (%s)::int4', c.code, c.v4, c.k4),
	       pg_temp.canon(c.code, pg_temp.rdiv(c.m4, c.k4) * 0.000001),
	       pg_temp.canon_a(amount(c.v4, c.code) / c.k4),
	       pg_temp.tie(c.m4, c.k4)
	FROM t_div c WHERE /*FILTER*/ $q$);

SELECT * FROM pg_temp.check_kind('amount / int8', 'SELECT id FROM t_div ORDER BY id', $q$
	SELECT c.id, format('%s %s / (%s)::int8', c.code, c.v8, c.k8),
	       pg_temp.canon(c.code, pg_temp.rdiv(c.m8, c.k8) * 0.000001),
	       pg_temp.canon_a(amount(c.v8, c.code) / c.k8),
	       pg_temp.tie(c.m8, c.k8)
	FROM t_div c WHERE /*FILTER*/ $q$);

-- x = X / 10^s with X an integer (s = scale(x)): m / x = m * 10^s / X
SELECT * FROM pg_temp.check_kind('amount / numeric', 'SELECT id FROM t_div ORDER BY id', $q$
	SELECT c.id, format('%s %s / (%s)::numeric', c.code, c.vx, c.x),
	       pg_temp.canon(c.code, pg_temp.rdiv(c.mx * pg_temp.p10(scale(c.x)), c.x * pg_temp.p10(scale(c.x))) * 0.000001),
	       pg_temp.canon_a(amount(c.vx, c.code) / c.x),
	       pg_temp.tie(c.mx * pg_temp.p10(scale(c.x)), c.x * pg_temp.p10(scale(c.x)))
	FROM t_div c
	WHERE pg_temp.in_range(pg_temp.rdiv(c.mx * pg_temp.p10(scale(c.x)), c.x * pg_temp.p10(scale(c.x))) * 0.000001)
	  AND /*FILTER*/ $q$);

INSERT INTO err_cases (kind, expr, state)
SELECT 'amount / numeric', format('SELECT amount(%s, %L) / (%s)::numeric', vx, code, x), '22003'
FROM t_div
WHERE NOT pg_temp.in_range(pg_temp.rdiv(mx * pg_temp.p10(scale(x)), x * pg_temp.p10(scale(x))) * 0.000001)
ORDER BY id;
-- division by zero, every divisor type
INSERT INTO err_cases (kind, expr, state)
SELECT 'division by zero', format('SELECT amount(%s, %L) / %s', vx, code,
                                  (ARRAY['0::int4', '0::int8', '0::numeric', '0.000000::numeric', '-0.0::numeric',
                                         format('amount(0, %L)', code)])[1 + id % 6]), '22012'
FROM t_div WHERE id % 250 = 0 ORDER BY id;

-- ---------------------------------------------------------------------------
-- round(amount), round(amount, 'half_up' | 'half_even' | 'down')
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE t_round (id int PRIMARY KEY, code text, d int, m numeric, v numeric);
DO $$
DECLARE
	code text;
	m numeric;
BEGIN
	FOR i IN 1..8000 LOOP
		code := pg_temp.pick('USD', 'USD', 'EUR', 'JPY', 'JPY', 'KWD', 'KWD', 'CLF');
		m := pg_temp.gen_micro(pg_temp.minor(code));
		INSERT INTO t_round VALUES (i, code, pg_temp.minor(code), m, m * 0.000001);
	END LOOP;
END $$;

-- reference for each mode, at d digits
CREATE FUNCTION pg_temp.round_ref(v numeric, d int, mode text) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
	SELECT CASE mode
		WHEN 'half_up' THEN round(v, d)
		WHEN 'down' THEN trunc(v, d)
		WHEN 'half_even' THEN
			CASE WHEN 2 * abs(v - trunc(v, d)) = pg_temp.p10(-d)			-- exact tie
			          AND mod(round(v, d) * pg_temp.p10(d), 2) <> 0		-- away from zero is odd
			     THEN round(v, d) - sign(v) * pg_temp.p10(-d)
			     ELSE round(v, d) END
	END $$;

SELECT * FROM pg_temp.check_kind('round(amount)', 'SELECT id FROM t_round ORDER BY id', $q$
	SELECT c.id, format('round(%s %s)', c.code, c.v),
	       pg_temp.canon(c.code, pg_temp.round_ref(c.v, c.d, 'half_up')),
	       pg_temp.canon_a(round(amount(c.v, c.code))),
	       2 * abs(c.v - trunc(c.v, c.d)) = pg_temp.p10(-c.d)
	FROM t_round c WHERE pg_temp.in_range(pg_temp.round_ref(c.v, c.d, 'half_up')) AND /*FILTER*/ $q$);

SELECT pg_temp.check_kind(format('round(amount, %L)', mode), 'SELECT id FROM t_round ORDER BY id', format($q$
	SELECT c.id, format('round(%%s %%s, %%L)', c.code, c.v, %1$L),
	       pg_temp.canon(c.code, pg_temp.round_ref(c.v, c.d, %1$L)),
	       pg_temp.canon_a(round(amount(c.v, c.code), %1$L)),
	       2 * abs(c.v - trunc(c.v, c.d)) = pg_temp.p10(-c.d)
	FROM t_round c WHERE pg_temp.in_range(pg_temp.round_ref(c.v, c.d, %1$L)) AND /*FILTER*/ $q$, mode))
FROM unnest(ARRAY['half_up', 'half_even', 'down']) AS mode;

INSERT INTO err_cases (kind, expr, state)
SELECT 'round', format('SELECT round(amount(%s, %L), %L::text)', v, code, mode), '22003'
FROM t_round, unnest(ARRAY['half_up', 'half_even', 'down']) AS mode
WHERE NOT pg_temp.in_range(pg_temp.round_ref(v, d, mode)) ORDER BY id, mode;

-- ---------------------------------------------------------------------------
-- sum(amount), avg(amount): exact sum; mean half away from zero at 6 digits.
-- A real (not temporary) table, so that the second pass can run as a
-- parallel plan (partial aggregates, combine, serialize/deserialize).
-- ---------------------------------------------------------------------------

CREATE TABLE public.rb_diff_agg (gid int, code text, m numeric, a reseller_billing.amount,
                                  ovf boolean, small boolean);
DO $$
DECLARE
	code text;
	d int;
	n int;
	m numeric;
	s numeric;
	r float8;
	big numeric;
BEGIN
	FOR g IN 1..3000 LOOP
		code := pg_temp.pick('USD', 'USD', 'JPY', 'KWD', 'KWD', 'CLF', 'XAU');
		d := pg_temp.minor(code);
		n := pg_temp.rint(1, 40);
		r := random();
		s := 0;
		IF r < 0.45 THEN
			-- ordinary values, some NULLs
			FOR j IN 1..n LOOP
				m := CASE WHEN random() < 0.05 THEN NULL ELSE pg_temp.gen_micro(d, false) END;
				INSERT INTO public.rb_diff_agg VALUES (g, code, m);
			END LOOP;
		ELSIF r < 0.65 THEN
			-- huge values: running totals far beyond int64 in one direction or
			-- cancelling out; some totals overflow the amount range (22003)
			big := pg_temp.maxm() - pg_temp.digits(pg_temp.rint(0, 18));
			FOR j IN 1..n LOOP
				m := CASE WHEN random() < 0.5 THEN big - pg_temp.digits(pg_temp.rint(0, 12))
				          ELSE pg_temp.gen_micro(d) END;
				IF j > n / 2 AND random() < 0.8 THEN
					m := -m;
				END IF;
				INSERT INTO public.rb_diff_agg VALUES (g, code, m);
			END LOOP;
		ELSIF r < 0.90 THEN
			-- the mean is an exact tie at the 7th digit: n even, total = n*q + n/2
			n := 2 * pg_temp.rint(1, 20);
			FOR j IN 1..n - 1 LOOP
				m := pg_temp.gen_micro(d, false);
				s := s + m;
				INSERT INTO public.rb_diff_agg VALUES (g, code, m);
			END LOOP;
			m := pg_temp.rsign() * n * pg_temp.digits(pg_temp.rint(0, 10)) + n / 2 - mod(s, n);
			INSERT INTO public.rb_diff_agg VALUES (g, code, m);
		ELSIF r < 0.97 THEN
			-- a single row, or all equal
			m := pg_temp.gen_micro(d);
			FOR j IN 1..(CASE WHEN random() < 0.5 THEN 1 ELSE n END) LOOP
				INSERT INTO public.rb_diff_agg VALUES (g, code, m);
			END LOOP;
		ELSE
			-- only NULLs: sum and avg are NULL
			FOR j IN 1..n LOOP
				INSERT INTO public.rb_diff_agg VALUES (g, code, NULL);
			END LOOP;
		END IF;
	END LOOP;
END $$;
UPDATE public.rb_diff_agg SET a = amount(m * 0.000001, code) WHERE m IS NOT NULL;

CREATE TEMP TABLE t_aggref AS
SELECT gid AS id, min(code) AS code, sum(m) AS sm, count(m) AS cnt, count(*) AS nrows
FROM public.rb_diff_agg GROUP BY gid;
-- groups whose total leaves the range (sum must raise 22003; avg is fine),
-- and groups small enough to add up per currency
UPDATE public.rb_diff_agg r SET ovf = NOT pg_temp.in_range(t.sm * 0.000001), small = coalesce(abs(t.sm) < 1e17, false)
FROM t_aggref t WHERE t.id = r.gid;
ANALYZE public.rb_diff_agg;

-- The extension's results are materialised by CREATE TABLE AS (a parallel
-- plan is possible there, never under INSERT ... SELECT), first serially,
-- then in parallel: partial aggregates in workers, serialised, combined in
-- the leader.  Even with no worker available the leader runs the partial /
-- serialise / combine / finalise path.  An error is caught and shown, and
-- the table is left empty: every group then counts as a mismatch.
CREATE TEMP TABLE agg_errors (tbl text, err text);
CREATE FUNCTION pg_temp.materialise(tbl text, q text, cols text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE format('CREATE TEMP TABLE %I AS %s', tbl, q);
EXCEPTION WHEN OTHERS THEN
	INSERT INTO agg_errors VALUES (tbl, format('%s: %s', SQLSTATE, SQLERRM));
	EXECUTE format('CREATE TEMP TABLE %I (%s)', tbl, cols);
END $$;

CREATE TEMP TABLE agg_queries (name text, q text, cols text);
INSERT INTO agg_queries VALUES
	('by_group', 'SELECT gid, sum(a) FILTER (WHERE NOT ovf) AS s, avg(a) AS av FROM public.rb_diff_agg GROUP BY gid',
	 'gid int, s reseller_billing.amount, av reseller_billing.amount'),
	('by_code', 'SELECT code, sum(a) AS s, avg(a) AS av FROM public.rb_diff_agg WHERE small GROUP BY code',
	 'code text, s reseller_billing.amount, av reseller_billing.amount');

SET LOCAL max_parallel_workers_per_gather = 0;
SELECT pg_temp.materialise('agg_serial_' || name, q, cols) FROM agg_queries ORDER BY name;

SET LOCAL max_parallel_workers_per_gather = 2;
SET LOCAL parallel_setup_cost = 0;
SET LOCAL parallel_tuple_cost = 0;
SET LOCAL min_parallel_table_scan_size = 0;
SELECT pg_temp.materialise('agg_parallel_' || name, q, cols) FROM agg_queries ORDER BY name;
CREATE TEMP TABLE agg_plans (plan text);
DO $$
DECLARE
	r record;
	p text;
BEGIN
	FOR r IN SELECT * FROM agg_queries ORDER BY name LOOP
		FOR p IN EXECUTE format('EXPLAIN (COSTS OFF) CREATE TEMP TABLE agg_explained AS %s', r.q) LOOP
			INSERT INTO agg_plans VALUES (p);
		END LOOP;
	END LOOP;
END $$;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

SELECT diag(format('%s raised %s', tbl, err)) FROM agg_errors ORDER BY tbl;
SELECT ok(count(*) FILTER (WHERE plan ~ 'Partial') = 2 AND count(*) FILTER (WHERE plan ~ 'Finalize') = 2,
          'the parallel pass really uses partial aggregation (2 plans with Partial and Finalize aggregate nodes)')
FROM agg_plans;

SELECT pg_temp.check_kind(format('sum(amount), %s plan', mode), 'SELECT id FROM t_aggref ORDER BY id', format($q$
	SELECT c.id, format('sum over group %%s (%%s rows): %%s %%s', c.id, c.nrows, c.code, c.sm * 0.000001),
	       pg_temp.canon(c.code, c.sm * 0.000001), pg_temp.canon_a(x.s), false
	FROM t_aggref c LEFT JOIN %I x ON x.gid = c.id
	WHERE pg_temp.in_range(c.sm * 0.000001) AND /*FILTER*/ $q$, 'agg_' || mode || '_by_group'))
FROM unnest(ARRAY['serial', 'parallel']) AS mode;

SELECT pg_temp.check_kind(format('avg(amount), %s plan', mode), 'SELECT id FROM t_aggref ORDER BY id', format($q$
	SELECT c.id, format('avg over group %%s (%%s values, total %%s %%s)', c.id, c.cnt, c.code, c.sm * 0.000001),
	       pg_temp.canon(c.code, pg_temp.rdiv(c.sm, c.cnt) * 0.000001), pg_temp.canon_a(x.av),
	       pg_temp.tie(c.sm, c.cnt)
	FROM t_aggref c LEFT JOIN %I x ON x.gid = c.id WHERE /*FILTER*/ $q$, 'agg_' || mode || '_by_group'))
FROM unnest(ARRAY['serial', 'parallel']) AS mode;

SELECT pg_temp.check_kind(format('sum and avg over all rows of a currency, %s plan', mode),
                          'SELECT generate_series(1, 10)', format($q$
	SELECT c.id, format('sum/avg of the %%s rows in %%s', c.cnt, c.code),
	       pg_temp.canon(c.code, c.sm * 0.000001) || ' / ' || pg_temp.canon(c.code, pg_temp.rdiv(c.sm, c.cnt) * 0.000001),
	       pg_temp.canon_a(x.s) || ' / ' || pg_temp.canon_a(x.av),
	       false
	FROM (SELECT row_number() OVER (ORDER BY code) AS id, code, sum(sm) AS sm, sum(cnt) AS cnt
	      FROM t_aggref WHERE abs(sm) < 1e17 GROUP BY code) c
	LEFT JOIN %I x ON x.code = c.code
	WHERE /*FILTER*/ $q$, 'agg_' || mode || '_by_code'))
FROM unnest(ARRAY['serial', 'parallel']) AS mode;

INSERT INTO err_cases (kind, expr, state)
SELECT 'sum', format('SELECT sum(a) FROM public.rb_diff_agg WHERE gid = %s', id), '22003'
FROM t_aggref WHERE NOT pg_temp.in_range(sm * 0.000001) ORDER BY id;
INSERT INTO err_cases (kind, expr, state)
SELECT 'sum over mixed currencies',
       format('SELECT sum(a) FROM (SELECT a FROM public.rb_diff_agg WHERE gid = %s AND a IS NOT NULL UNION ALL SELECT amount(1, %L)) s',
              id, CASE code WHEN 'USD' THEN 'EUR' ELSE 'USD' END), '22023'
FROM t_aggref WHERE id % 300 = 0 AND cnt > 0 ORDER BY id;

-- ---------------------------------------------------------------------------
-- allocate(amount, n): whole minor units, remainders to the earliest parts
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE t_alln (id int PRIMARY KEY, code text, d int, m numeric, v numeric, n int);
DO $$
DECLARE
	code text;
	d int;
	u numeric;
	m numeric;
	n int;
	r float8;
BEGIN
	FOR i IN 1..5000 LOOP
		code := pg_temp.pick('USD', 'USD', 'EUR', 'JPY', 'JPY', 'KWD', 'KWD', 'CLF');
		d := pg_temp.minor(code);
		u := pg_temp.p10(6 - d);
		r := random();
		IF r < 0.50 THEN
			m := pg_temp.rsign() * pg_temp.digits(pg_temp.rint(1, 8)) * u;
		ELSIF r < 0.80 THEN
			m := pg_temp.rsign() * pg_temp.digits(pg_temp.rint(1, 12 + d)) * u;
		ELSIF r < 0.90 THEN
			m := pg_temp.rsign() * div(pg_temp.maxm() - pg_temp.digits(pg_temp.rint(0, 18)), u) * u;
		ELSE
			m := pg_temp.rsign() * pg_temp.rint(0, 30) * u;
		END IF;
		n := CASE WHEN random() < 0.3 THEN 12 ELSE pg_temp.rint(1, 60) END;
		INSERT INTO t_alln VALUES (i, code, d, m, m * 0.000001, n);
	END LOOP;
END $$;

SELECT * FROM pg_temp.check_kind('allocate(amount, n)', 'SELECT id FROM t_alln ORDER BY id', $q$
	SELECT c.id, format('allocate(%s %s, %s)', c.code, c.v, c.n),
	       (SELECT string_agg(pg_temp.canon(c.code,
	                   sign(c.m) * (div(div(abs(c.m), pg_temp.p10(6 - c.d)), c.n)
	                                + CASE WHEN i <= mod(div(abs(c.m), pg_temp.p10(6 - c.d)), c.n) THEN 1 ELSE 0 END)
	                   * pg_temp.p10(-c.d)), ',' ORDER BY i)
	          FROM generate_series(1, c.n) i),
	       (SELECT string_agg(pg_temp.canon_a(p), ',' ORDER BY o)
	          FROM unnest(allocate(amount(c.v, c.code), c.n)) WITH ORDINALITY AS t(p, o)),
	       false
	FROM t_alln c WHERE /*FILTER*/ $q$);

INSERT INTO err_cases (kind, expr, state)
SELECT 'allocate below the minor unit', format('SELECT allocate(amount(%s, %L), %s)', v + 0.000001, code, n), '22023'
FROM t_alln WHERE id % 200 = 0 AND d < 6 ORDER BY id;
INSERT INTO err_cases (kind, expr, state)
SELECT 'allocate into no parts', format('SELECT allocate(amount(%s, %L), %s)', v, code, (ARRAY[0, -1, -12])[1 + id % 3]), '22023'
FROM t_alln WHERE id % 500 = 0 ORDER BY id;

-- ---------------------------------------------------------------------------
-- allocate(amount, weights): largest remainder, ties to the earlier part
-- ---------------------------------------------------------------------------

CREATE TEMP TABLE t_allw (id int PRIMARY KEY, code text, d int, m numeric, v numeric, w numeric[]);
DO $$
DECLARE
	code text;
	d int;
	u numeric;
	m numeric;
	n int;
	w numeric[];
	r float8;
BEGIN
	FOR i IN 1..5000 LOOP
		code := pg_temp.pick('USD', 'USD', 'EUR', 'JPY', 'JPY', 'KWD', 'KWD', 'CLF');
		d := pg_temp.minor(code);
		u := pg_temp.p10(6 - d);
		r := random();
		IF r < 0.55 THEN
			m := pg_temp.rsign() * pg_temp.digits(pg_temp.rint(1, 8)) * u;
		ELSIF r < 0.85 THEN
			m := pg_temp.rsign() * pg_temp.digits(pg_temp.rint(1, 12 + d)) * u;
		ELSIF r < 0.95 THEN
			m := pg_temp.rsign() * div(pg_temp.maxm() - pg_temp.digits(pg_temp.rint(0, 18)), u) * u;
		ELSE
			m := pg_temp.rsign() * pg_temp.rint(0, 10) * u;
		END IF;
		n := pg_temp.rint(1, 12);
		w := '{}';
		FOR j IN 1..n LOOP
			r := random();
			w := w || CASE
				WHEN r < 0.15 THEN 0::numeric
				WHEN r < 0.45 THEN pg_temp.rint(1, 10)::numeric
				WHEN r < 0.75 THEN 1 + pg_temp.digits(pg_temp.rint(1, 8)) * pg_temp.p10(-pg_temp.rint(0, 6))
				WHEN j > 1 THEN w[pg_temp.rint(1, j - 1)]		-- a repeated weight: equal remainders
				ELSE 1::numeric END;
		END LOOP;
		IF random() < 0.15 THEN
			w := array_fill(round((1 + random() * 9)::numeric, pg_temp.rint(0, 3)), ARRAY[n]);
		END IF;
		IF (SELECT sum(x) FROM unnest(w) x) = 0 THEN
			w[1] := 1;
		END IF;
		INSERT INTO t_allw VALUES (i, code, d, m, m * 0.000001, w);
	END LOOP;
END $$;

-- weights scaled to integers W_i (same scale for all); the total in minor
-- units M; base_i = floor(M*W_i / sum W), rem_i = M*W_i - base_i * sum W;
-- the M - sum(base) units left go to the largest rem_i, earlier part first
SELECT * FROM pg_temp.check_kind('allocate(amount, numeric[])', 'SELECT id FROM t_allw ORDER BY id', $q$
	SELECT c.id, format('allocate(%s %s, %s)', c.code, c.v, c.w),
	       (SELECT string_agg(pg_temp.canon(c.code, sign(c.m) * (z.base + CASE WHEN z.rk <= z.lft THEN 1 ELSE 0 END)
	                                        * pg_temp.p10(-c.d)), ',' ORDER BY z.i)
	          FROM (SELECT y.*, y.mm - sum(y.base) OVER () AS lft,
	                       row_number() OVER (ORDER BY y.mm * y.wi - y.base * y.wsum DESC, y.i) AS rk
	                  FROM (SELECT x.*, div(x.mm * x.wi, x.wsum) AS base
	                          FROM (SELECT t.i, t.wt * pg_temp.p10(max(scale(t.wt)) OVER ()) AS wi,
	                                       sum(t.wt) OVER () * pg_temp.p10(max(scale(t.wt)) OVER ()) AS wsum,
	                                       div(abs(c.m), pg_temp.p10(6 - c.d)) AS mm
	                                  FROM unnest(c.w) WITH ORDINALITY AS t(wt, i)) x) y) z),
	       (SELECT string_agg(pg_temp.canon_a(p), ',' ORDER BY o)
	          FROM unnest(allocate(amount(c.v, c.code), c.w)) WITH ORDINALITY AS t(p, o)),
	       false
	FROM t_allw c WHERE /*FILTER*/ $q$);

INSERT INTO err_cases (kind, expr, state)
SELECT 'allocate with bad weights',
       format('SELECT allocate(amount(%s, %L), %L::numeric[])', v, code,
              (ARRAY['{0,0,0}', '{1,-1,2}', '{}', '{0}', '{-0.5,1}'])[1 + id % 5]), '22023'
FROM t_allw WHERE id % 250 = 0 ORDER BY id;

-- ---------------------------------------------------------------------------
-- prorate(full, billing_period, daterange) and the period's own bounds
-- ---------------------------------------------------------------------------

-- days in a month, and the cycle anchored on a day: min(anchor, days in month)
CREATE FUNCTION pg_temp.dim(y int, mo int) RETURNS int LANGUAGE sql IMMUTABLE AS
$$ SELECT ((make_date(y, mo, 1) + interval '1 month')::date - make_date(y, mo, 1)) $$;
CREATE FUNCTION pg_temp.pstart(y int, mo int, a int) RETURNS date LANGUAGE sql IMMUTABLE AS
$$ SELECT make_date(y, mo, least(a, pg_temp.dim(y, mo))) $$;
CREATE FUNCTION pg_temp.pend(y int, mo int, a int) RETURNS date LANGUAGE sql IMMUTABLE AS
$$ SELECT pg_temp.pstart(y + mo / 12, mo % 12 + 1, a) $$;

CREATE TEMP TABLE t_pro (id int PRIMARY KEY, code text, d int, m numeric, v numeric,
                         y int, mo int, a int, ptext text, cov daterange);
DO $$
DECLARE
	code text;
	d int;
	m numeric;
	y int;
	mo int;
	a int;
	ps date;
	pe date;
	plen int;
	lo date;
	hi date;
	cov daterange;
	r float8;
BEGIN
	FOR i IN 1..10000 LOOP
		code := pg_temp.pick('USD', 'USD', 'EUR', 'JPY', 'JPY', 'KWD', 'KWD', 'CLF');
		d := pg_temp.minor(code);
		y := CASE WHEN random() < 0.3
		          THEN (ARRAY[1, 4, 100, 400, 1582, 1900, 2000, 2023, 2024, 2100, 9996, 9999])[pg_temp.rint(1, 12)]
		          ELSE pg_temp.rint(1, 9999) END;
		mo := CASE WHEN random() < 0.2 THEN 2 ELSE pg_temp.rint(1, 12) END;
		r := random();
		a := CASE WHEN r < 0.35 THEN 1 WHEN r < 0.70 THEN pg_temp.rint(28, 31) ELSE pg_temp.rint(1, 31) END;
		ps := pg_temp.pstart(y, mo, a);
		pe := pg_temp.pend(y, mo, a);
		plen := pe - ps;
		m := pg_temp.gen_micro(d);
		r := random();
		IF r < 0.25 AND plen % 2 = 0 THEN
			-- exactly half the days of an even-length period, an odd number of
			-- minor units: the exact result is half a minor unit, a tie
			lo := ps + pg_temp.rint(0, plen / 2);
			cov := daterange(lo, lo + plen / 2, '[)');
			m := pg_temp.rsign() * (2 * pg_temp.digits(pg_temp.rint(0, 11 + d)) + 1) * pg_temp.p10(6 - d);
		ELSIF r < 0.40 THEN
			cov := CASE WHEN random() < 0.5 THEN daterange(ps, pe, '[)') ELSE daterange(ps, pe - 1, '[]') END;
		ELSIF r < 0.75 THEN
			lo := ps + pg_temp.rint(-40, 40);
			hi := lo + pg_temp.rint(0, 70);
			cov := daterange(lo, hi, (ARRAY['[)', '[]', '()', '(]'])[pg_temp.rint(1, 4)]);
		ELSIF r < 0.85 THEN
			lo := ps + pg_temp.rint(-10, 40);
			cov := (ARRAY[daterange(NULL, lo), daterange(lo, NULL, '(]'), daterange(NULL, NULL)])[pg_temp.rint(1, 3)];
		ELSIF r < 0.90 THEN
			lo := ps + pg_temp.rint(-10, 40);
			cov := (ARRAY[daterange('-infinity', lo), daterange(lo, 'infinity'), daterange('-infinity', 'infinity')])[pg_temp.rint(1, 3)];
		ELSIF r < 0.95 THEN
			cov := 'empty';
		ELSE
			-- disjoint, just before or just after
			cov := CASE WHEN random() < 0.5 THEN daterange(ps - pg_temp.rint(1, 60), ps)
			            ELSE daterange(pe, pe + pg_temp.rint(1, 60)) END;
		END IF;
		INSERT INTO t_pro VALUES (i, code, d, m, m * 0.000001, y, mo, a,
		                          format('%s-%s@%s', lpad(y::text, 4, '0'), lpad(mo::text, 2, '0'), a), cov);
	END LOOP;
END $$;

CREATE TEMP VIEW v_pro AS
	SELECT c.*, pg_temp.pstart(c.y, c.mo, c.a) AS ps, pg_temp.pend(c.y, c.mo, c.a) AS pe,
	       pg_temp.pend(c.y, c.mo, c.a) - pg_temp.pstart(c.y, c.mo, c.a) AS plen,
	       coalesce(upper(c.cov * daterange(pg_temp.pstart(c.y, c.mo, c.a), pg_temp.pend(c.y, c.mo, c.a)))
	              - lower(c.cov * daterange(pg_temp.pstart(c.y, c.mo, c.a), pg_temp.pend(c.y, c.mo, c.a))), 0) AS cdays
	FROM t_pro c;

SELECT * FROM pg_temp.check_kind('billing_period bounds (period_start, period_end, days, anchor)', 'SELECT id FROM t_pro ORDER BY id', $q$
	SELECT c.id, c.ptext,
	       concat_ws(' ', c.ps, c.pe, c.plen, c.a),
	       concat_ws(' ', period_start(c.ptext::billing_period), period_end(c.ptext::billing_period),
	                 days(c.ptext::billing_period), anchor(c.ptext::billing_period)),
	       false
	FROM v_pro c WHERE /*FILTER*/ $q$);

SELECT * FROM pg_temp.check_kind('prorate(amount, billing_period, daterange)', 'SELECT id FROM t_pro ORDER BY id', $q$
	SELECT c.id, format('prorate(%s %s, %s, %s): %s of %s days', c.code, c.v, c.ptext, c.cov, c.cdays, c.plen),
	       pg_temp.canon(c.code, pg_temp.rdiv(c.m * c.cdays, c.plen * pg_temp.p10(6 - c.d)) * pg_temp.p10(-c.d)),
	       pg_temp.canon_a(prorate(amount(c.v, c.code), c.ptext::billing_period, c.cov)),
	       pg_temp.tie(c.m * c.cdays, c.plen * pg_temp.p10(6 - c.d))
	FROM v_pro c
	WHERE pg_temp.in_range(pg_temp.rdiv(c.m * c.cdays, c.plen * pg_temp.p10(6 - c.d)) * pg_temp.p10(-c.d))
	  AND /*FILTER*/ $q$);

INSERT INTO err_cases (kind, expr, state)
SELECT 'prorate', format('SELECT prorate(amount(%s, %L), %L::billing_period, %L::daterange)', v, code, ptext, cov), '22003'
FROM v_pro
WHERE NOT pg_temp.in_range(pg_temp.rdiv(m * cdays, plen * pg_temp.p10(6 - d)) * pg_temp.p10(-d)) ORDER BY id;

-- prorate_fraction(full, part, whole): full * part / whole, half away from zero, in
-- minor units (whole > 0; part any int8)
CREATE TEMP TABLE t_frac (id int PRIMARY KEY, code text, d int, m numeric, v numeric, part bigint, whole bigint);
DO $$
DECLARE
	code text;
	d int;
	m numeric;
	part numeric;
	whole numeric;
	r float8;
BEGIN
	FOR i IN 1..6000 LOOP
		code := pg_temp.pick('USD', 'USD', 'EUR', 'JPY', 'JPY', 'KWD', 'KWD', 'CLF');
		d := pg_temp.minor(code);
		m := pg_temp.gen_micro(d);
		r := random();
		IF r < 0.25 THEN
			-- half of an even whole, an odd number of minor units: a tie
			whole := 2 * pg_temp.rint(1, 200);
			part := whole / 2;
			m := pg_temp.rsign() * (2 * pg_temp.digits(pg_temp.rint(0, 11 + d)) + 1) * pg_temp.p10(6 - d);
		ELSIF r < 0.65 THEN
			whole := (ARRAY[28, 29, 30, 31, 365, 366, 12, 7, 24, 100])[pg_temp.rint(1, 10)];
			part := pg_temp.rint(0, whole::int);
		ELSIF r < 0.80 THEN
			whole := pg_temp.rint(1, 1000);
			part := pg_temp.rint(-2000, 2000);
		ELSIF r < 0.92 THEN
			whole := 1 + pg_temp.digits(pg_temp.rint(1, 18));
			part := pg_temp.rsign() * pg_temp.digits(pg_temp.rint(1, 18));
		ELSE
			whole := (ARRAY[1, 9223372036854775807, 3, 9223372036854775807])[pg_temp.rint(1, 4)];
			part := (ARRAY[9223372036854775807, -9223372036854775808, 1, 0, 9223372036854775806])[pg_temp.rint(1, 5)];
		END IF;
		INSERT INTO t_frac VALUES (i, code, d, m, m * 0.000001, part, whole);
	END LOOP;
END $$;

SELECT * FROM pg_temp.check_kind('prorate_fraction(amount, part int8, whole int8)', 'SELECT id FROM t_frac ORDER BY id', $q$
	SELECT c.id, format('prorate(%s %s, %s, %s)', c.code, c.v, c.part, c.whole),
	       pg_temp.canon(c.code, pg_temp.rdiv(c.m * c.part, c.whole * pg_temp.p10(6 - c.d)) * pg_temp.p10(-c.d)),
	       pg_temp.canon_a(prorate_fraction(amount(c.v, c.code), c.part, c.whole)),
	       pg_temp.tie(c.m * c.part, c.whole * pg_temp.p10(6 - c.d))
	FROM t_frac c
	WHERE pg_temp.in_range(pg_temp.rdiv(c.m * c.part, c.whole * pg_temp.p10(6 - c.d)) * pg_temp.p10(-c.d))
	  AND /*FILTER*/ $q$);

INSERT INTO err_cases (kind, expr, state)
SELECT 'prorate by a fraction', format('SELECT prorate_fraction(amount(%s, %L), (%s)::int8, (%s)::int8)', v, code, part, whole), '22003'
FROM t_frac
WHERE NOT pg_temp.in_range(pg_temp.rdiv(m * part, whole * pg_temp.p10(6 - d)) * pg_temp.p10(-d)) ORDER BY id;
INSERT INTO err_cases (kind, expr, state)
SELECT 'prorate over no parts', format('SELECT prorate_fraction(amount(%s, %L), (%s)::int8, (%s)::int8)', v, code, part,
                                       (ARRAY[0, -1, -9223372036854775808])[1 + id % 3]), '22023'
FROM t_frac WHERE id % 500 = 0 ORDER BY id;

-- ---------------------------------------------------------------------------
-- Totals
-- ---------------------------------------------------------------------------

SELECT ok(sum(n) >= 100000, format('%s random operations compared in all (at least 100000)', sum(n)))
FROM opcount;
SELECT ok(sum(ties) >= 5000, format('%s of them exact ties of the rounding rule (at least 5000)', sum(ties)))
FROM opcount;

-- ---------------------------------------------------------------------------
-- Errors: results beyond the range are 22003, never wrapped or clamped;
-- division by zero is 22012; mixed currencies, digits below the minor unit
-- in allocate, bad part counts and weights are 22023
-- ---------------------------------------------------------------------------

SELECT * FROM pg_temp.check_errors('out of range', '22003');
SELECT * FROM pg_temp.check_errors('division by zero', '22012');
SELECT * FROM pg_temp.check_errors('invalid parameter', '22023');

-- a few dozen of them one by one, two or three of each kind
SELECT throws_ok(expr, state::char(5), NULL, format('%s raises %s: %s', kind, state, expr))
FROM (SELECT e.*, row_number() OVER (PARTITION BY kind ORDER BY id) AS rn FROM err_cases e) e
WHERE rn <= 3 ORDER BY id;

SELECT * FROM finish();

ROLLBACK;
