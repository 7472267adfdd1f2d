SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set VERBOSITY default
-- Every statement expected to fail is followed by "\echo sqlstate :SQLSTATE",
-- which prints the SQLSTATE of that statement (00000 had it succeeded).
\set SHOW_CONTEXT never

-- ===========================================================================
-- amount: round to the minor unit, allocate into parts
-- ===========================================================================

-- round(amount) and round(amount, mode) ----------------------------------------
-- round(a) is round(a, 'half_up'): ties away from zero.  'half_even': ties to
-- the even minor unit.  'down': toward zero.  Ties (.5 of the minor unit) of
-- both signs, and values either side of a tie, in JPY (0), USD (2), KWD (3).

SELECT a, round(a) AS round, round(a, 'half_up') AS half_up,
       round(a, 'half_even') AS half_even, round(a, 'down') AS down
FROM (VALUES ('JPY 0.5'::amount), ('JPY 1.5'), ('JPY 2.5'), ('JPY 3.5'),
             ('JPY -0.5'), ('JPY -1.5'), ('JPY -2.5'), ('JPY -3.5'),
             ('JPY 0.499999'), ('JPY 0.500001'), ('JPY -0.499999'), ('JPY -0.500001'),
             ('JPY 7'), ('JPY -7'), ('JPY 0')) AS t(a);

SELECT a, round(a) AS round, round(a, 'half_up') AS half_up,
       round(a, 'half_even') AS half_even, round(a, 'down') AS down
FROM (VALUES ('USD 0.005'::amount), ('USD 0.015'), ('USD 0.025'), ('USD 1.125'), ('USD 1.135'),
             ('USD -0.005'), ('USD -0.015'), ('USD -0.025'), ('USD -1.125'), ('USD -1.135'),
             ('USD 0.004999'), ('USD 0.005001'), ('USD -0.004999'), ('USD -0.005001'),
             ('USD 1.999'), ('USD -1.999'), ('USD 3.333333'), ('USD 2.675'), ('USD 1.5'),
             ('USD 0')) AS t(a);

SELECT a, round(a) AS round, round(a, 'half_up') AS half_up,
       round(a, 'half_even') AS half_even, round(a, 'down') AS down
FROM (VALUES ('KWD 0.0005'::amount), ('KWD 0.0015'), ('KWD 1.2345'), ('KWD 1.2355'),
             ('KWD -0.0005'), ('KWD -0.0015'), ('KWD -1.2345'), ('KWD -1.2355'),
             ('KWD 0.000499'), ('KWD 0.000501'), ('KWD -0.000499'), ('KWD -0.000501'),
             ('KWD 1.235')) AS t(a);

-- four digits (CLF); ISO "N.A." (XAU, XTS) rounds to the stored 6 digits: no change
SELECT round('CLF 1.00005'::amount) AS clf_tie, round('CLF 1.00015'::amount, 'half_even') AS clf_even,
       round('CLF -1.00005'::amount, 'down') AS clf_down,
       round('XAU 1.234567'::amount) AS xau, round('XTS -0.000001'::amount, 'down') AS xts;

-- the result keeps the currency and is exactly on the minor unit
SELECT round('USD 2.675'::amount) = 'USD 2.68' AS usd, round('JPY 2.5'::amount) = 'JPY 3' AS jpy,
       value(round('USD 1.005'::amount)) AS value_rounded;

-- an unknown mode: 22023 (modes are lower case)
SELECT round('USD 1.005'::amount, 'half_down');
\echo sqlstate :SQLSTATE
SELECT round('USD 1.005'::amount, 'HALF_UP');
\echo sqlstate :SQLSTATE
SELECT round('USD 1.005'::amount, '');
\echo sqlstate :SQLSTATE
SELECT round('USD 1.005'::amount, NULL) IS NULL AS null_mode;

-- round near the ends of the range
SELECT round('USD 9223372036854.774999'::amount) AS below_tie,
       round('USD 9223372036854.775807'::amount, 'down') AS max_down,
       round('-USD 9223372036854.775807'::amount, 'down') AS min_down,
       round('JPY 9223372036854.499999'::amount) AS jpy_below_tie,
       round('JPY 9223372036854.775807'::amount, 'down') AS jpy_max_down,
       round('XAU 9223372036854.775807'::amount) AS xau_max,
       round('USD 9223372036854.77'::amount) AS already_rounded;
SELECT round('USD 9223372036854.775807'::amount);
\echo sqlstate :SQLSTATE
SELECT round('USD 9223372036854.775'::amount);
\echo sqlstate :SQLSTATE
SELECT round('USD 9223372036854.775807'::amount, 'half_even');
\echo sqlstate :SQLSTATE
SELECT round('-USD 9223372036854.775807'::amount);
\echo sqlstate :SQLSTATE
SELECT round('JPY 9223372036854.5'::amount);
\echo sqlstate :SQLSTATE
SELECT round('KWD 9223372036854.7755'::amount, 'half_up');
\echo sqlstate :SQLSTATE

-- allocate(amount, n) ------------------------------------------------------------
-- n parts in whole minor units adding up exactly to the amount, differing by
-- at most one minor unit, the extra minor units to the earliest parts

SELECT a, n, allocate(a, n)
FROM (VALUES ('USD 100'::amount, 3), ('USD -100', 3), ('USD 100', 1), ('USD -0.01', 1),
             ('USD 0.01', 3), ('USD -0.02', 3), ('USD 0', 3), ('USD 0.05', 4),
             ('USD 1000', 12), ('JPY 10', 3), ('JPY -10', 4), ('KWD 1', 3), ('KWD 0.002', 3),
             ('CLF 1', 3), ('XAU 1', 3), ('USD 9223372036854.77', 2),
             ('-USD 9223372036854.77', 7), ('USD 9223372036854.77', 1)) AS t(a, n);

-- the same rules over many amounts and part counts
CREATE TABLE amount_round_cases AS
SELECT i AS id, amount(((i * 7919) % 200003 - 100001) * 0.01, 'USD') AS a, 1 + (i * 31) % 17 AS n
FROM generate_series(1, 500) i
UNION ALL
SELECT 1000 + i, amount((i * 104729) % 20011 - 10005, 'JPY'), 1 + (i * 13) % 11
FROM generate_series(1, 200) i
UNION ALL
SELECT 2000 + i, amount(((i::int8 * 15485863) % 2000003 - 1000001) * 0.001, 'KWD'), 1 + i % 9
FROM generate_series(1, 200) i;
SELECT count(*) AS cases,
       count(*) FILTER (WHERE total = a) AS sum_exact,
       count(*) FILTER (WHERE nparts = n) AS n_parts,
       count(*) FILTER (WHERE spread <= unit) AS within_one_minor_unit,
       count(*) FILTER (WHERE earliest_largest) AS extra_units_first,
       count(*) FILTER (WHERE whole_units) AS whole_minor_units,
       count(*) FILTER (WHERE same_sign) AS same_sign
FROM (SELECT c.a, c.n, sum(p.part) AS total, count(*) AS nparts,
             max(value(p.part)) - min(value(p.part)) AS spread,
             10::numeric ^ -minor_unit(currency(c.a)) AS unit,
             bool_and(p.ord = 1 OR abs(p.part) <= abs(p.prev)) AS earliest_largest,
             bool_and(value(p.part) = value(round(p.part))) AS whole_units,
             bool_and(value(p.part) * value(c.a) >= 0) AS same_sign
      FROM amount_round_cases c,
           LATERAL (SELECT x AS part, o AS ord, lag(x) OVER (ORDER BY o) AS prev
                    FROM unnest(allocate(c.a, c.n)) WITH ORDINALITY AS u(x, o)) p
      GROUP BY c.id, c.a, c.n) s;

SELECT allocate('USD 1'::amount, 0);
\echo sqlstate :SQLSTATE
SELECT allocate('USD 1'::amount, -1);
\echo sqlstate :SQLSTATE
SELECT allocate('USD 1'::amount, 10000001);
\echo sqlstate :SQLSTATE
-- digits below the minor unit could not be handed out exactly: 22023
SELECT allocate('USD 1.001'::amount, 2);
\echo sqlstate :SQLSTATE
SELECT allocate('JPY 0.5'::amount, 1);
\echo sqlstate :SQLSTATE
SELECT allocate('-KWD 0.0001'::amount, 3);
\echo sqlstate :SQLSTATE
SELECT allocate('USD 1'::amount, NULL::int) IS NULL AS null_n;
SELECT pg_typeof(allocate('USD 1'::amount, 2));

-- allocate(amount, weights) --------------------------------------------------------
-- parts proportional to the weights in whole minor units, adding up exactly:
-- each part gets its truncated exact share, then the minor units left over go
-- one each to the largest exact remainders, ties to the earliest part

SELECT a, w, allocate(a, w)
FROM (VALUES ('USD 100'::amount, '{1,1,1}'::numeric[]),
             ('USD 100', '{1,2,3}'),			-- 16.666.., 33.333.., 50: 16.67 33.33 50.00
             ('USD -100', '{1,2,3}'),
             ('USD 0.10', '{1,2}'),				-- 3.33.., 6.66.. cents: the larger remainder wins
             ('USD -0.10', '{1,2}'),
             ('USD 0.02', '{1,1,1}'),			-- ties: earliest parts first
             ('USD 0.01', '{0,1,1}'),			-- a zero weight gets nothing
             ('USD 100', '{0,1,1,0}'),
             ('USD 100', '{5}'),
             ('USD 100', '{0,0,7}'),
             ('USD 100', '{0.5,0.25,0.25}'),
             ('USD 100', '{33.3,33.3,33.4}'),
             ('USD 1', '{1,1,1,1,1,1,1}'),
             ('USD 10', '{1e-30,1e-30,2e-30}'),
             ('USD 10', '{1e25,3e25}'),
             ('JPY 10', '{1,1,1}'),
             ('KWD 1', '{2,1}'),
             ('USD 0', '{1,2}'),
             ('USD 9223372036854.77', '{1,1,1}'),
             ('-USD 9223372036854.77', '{1,2}'),
             ('USD 100', '[0:2]={1,2,3}')) AS t(a, w);

-- the same rules over many amounts and weight vectors
CREATE TABLE amount_round_wcases AS
SELECT i AS id, amount(((i * 7919) % 200003 - 100001) * 0.01, 'USD') AS a,
       ARRAY[(i * 37) % 11, (i * 53) % 7 + 0.5, (i * 11) % 5, ((i * 17) % 13) * 0.001]::numeric[] AS w
FROM generate_series(1, 500) i;
SELECT count(*) AS cases,
       count(*) FILTER (WHERE total = a) AS sum_exact,
       count(*) FILTER (WHERE near_share) AS within_one_minor_unit_of_share,
       count(*) FILTER (WHERE zero_weight_zero_part) AS zero_weights_get_zero
FROM (SELECT c.a, sum(p.part) AS total,
             bool_and(abs(value(p.part) - value(c.a) * p.wt / ws.total_w) < 0.01) AS near_share,
             bool_and(p.wt <> 0 OR value(p.part) = 0) AS zero_weight_zero_part
      FROM amount_round_wcases c,
           LATERAL (SELECT sum(x) AS total_w FROM unnest(c.w) x) ws,
           LATERAL (SELECT x AS part, c.w[o] AS wt
                    FROM unnest(allocate(c.a, c.w)) WITH ORDINALITY AS u(x, o)) p
      GROUP BY c.id, c.a) s;

SELECT allocate('USD 100'::amount, '{1,-1,2}'::numeric[]);
\echo sqlstate :SQLSTATE
SELECT allocate('USD 100'::amount, '{1,NULL,2}'::numeric[]);
\echo sqlstate :SQLSTATE
SELECT allocate('USD 100'::amount, '{0,0,0}'::numeric[]);
\echo sqlstate :SQLSTATE
SELECT allocate('USD 100'::amount, '{}'::numeric[]);
\echo sqlstate :SQLSTATE
SELECT allocate('USD 100'::amount, '{1,NaN}'::numeric[]);
\echo sqlstate :SQLSTATE
SELECT allocate('USD 100'::amount, '{1,Infinity}'::numeric[]);
\echo sqlstate :SQLSTATE
SELECT allocate('USD 100'::amount, '{{1,2},{3,4}}'::numeric[]);
\echo sqlstate :SQLSTATE
SELECT allocate('USD 100.001'::amount, '{1,2}'::numeric[]);
\echo sqlstate :SQLSTATE
SELECT allocate('USD 100'::amount, NULL::numeric[]) IS NULL AS null_weights;

DROP TABLE amount_round_cases, amount_round_wcases;
