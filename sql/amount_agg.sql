SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set VERBOSITY default
-- Every statement expected to fail is followed by "\echo sqlstate :SQLSTATE",
-- which prints the SQLSTATE of that statement (00000 had it succeeded).
\set SHOW_CONTEXT never

-- ===========================================================================
-- amount aggregates: sum, avg, min, max
-- ===========================================================================

-- declared parallel safe, with combine (and for sum/avg serial/deserial) functions
SELECT p.proname, p.proparallel, a.aggcombinefn <> 0 AS has_combine,
       a.aggserialfn <> 0 AS has_serial, a.aggdeserialfn <> 0 AS has_deserial
FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
WHERE p.pronamespace = 'reseller_billing'::regnamespace
  AND p.proargtypes[0] = 'reseller_billing.amount'::regtype
ORDER BY p.proname;

CREATE TABLE amount_agg_t (g int, a amount);
INSERT INTO amount_agg_t
VALUES (1, 'USD 10.00'), (1, 'USD 0.005'), (1, 'USD -3.333334'), (1, NULL),
       (2, 'JPY 1000'), (2, 'JPY 1'), (2, 'JPY 1'),
       (3, NULL), (3, NULL),
       (4, 'KWD 0.001'),
       (5, 'USD 0.000001'), (5, 'USD 0.000002'),
       (6, 'USD -0.000001'), (6, 'USD -0.000002'),
       (7, 'USD 1'), (7, 'USD 2'), (7, 'USD 2');

-- NULLs ignored; all NULL: NULL
SELECT g, sum(a), avg(a), min(a), max(a), count(a)
FROM amount_agg_t GROUP BY g ORDER BY g;

-- avg is the exact mean rounded once to 6 digits, ties away from zero:
--   g 1: 6.671666 / 3 = 2.2238886666... -> 2.223889
--   g 2: 1002 / 3 = 334
--   g 5: 0.000003 / 2 = 0.0000015 -> 0.000002;  g 6: -> -0.000002
--   g 7: 5 / 3 = 1.6666666... -> 1.666667

-- empty input: NULL
SELECT sum(a), avg(a), min(a), max(a), sum(a) IS NULL AS sum_null, avg(a) IS NULL AS avg_null
FROM amount_agg_t WHERE false;

-- one currency per sum or avg: 22023 naming both codes
SELECT sum(a) FROM amount_agg_t;
\echo sqlstate :SQLSTATE
SELECT avg(a) FROM amount_agg_t WHERE g IN (1, 4);
\echo sqlstate :SQLSTATE
SELECT sum(a) FROM (VALUES ('JPY 1'::amount), (NULL), ('EUR 1')) AS t(a);
\echo sqlstate :SQLSTATE

-- min and max follow the total order (currency code, then value), so they
-- accept several currencies
SELECT min(a), max(a) FROM amount_agg_t;

-- sum per currency
SELECT currency(a), sum(a), avg(a), count(*) FROM amount_agg_t
WHERE a IS NOT NULL GROUP BY 1 ORDER BY 1;

-- as window functions: a running total
SELECT g, a, sum(a) OVER (ORDER BY a, g ROWS UNBOUNDED PRECEDING) AS running
FROM amount_agg_t WHERE g IN (5, 7) ORDER BY a, g;

-- overflow: 22003 rather than wrapping ------------------------------------------

SELECT sum(a) FROM (VALUES ('USD 9000000000000'::amount), ('USD 9000000000000')) AS t(a);
\echo sqlstate :SQLSTATE
SELECT sum(a) FROM (VALUES ('-USD 9000000000000'::amount), ('-USD 9000000000000')) AS t(a);
\echo sqlstate :SQLSTATE
SELECT sum(a) FROM (VALUES ('USD 9223372036854.775807'::amount), ('USD 0.000001')) AS t(a);
\echo sqlstate :SQLSTATE
-- the accumulator is wider than an amount: only the final sum must fit
SELECT sum(a) AS back_in_range, avg(a) AS avg_of_big
FROM (VALUES ('USD 9000000000000'::amount), ('USD 9000000000000'), ('-USD 9000000000000')) AS t(a);
SELECT avg(a) AS avg_max, min(a), max(a)
FROM (VALUES ('USD 9223372036854.775807'::amount), ('USD 9223372036854.775807')) AS t(a);
SELECT avg(a) AS avg_min
FROM (VALUES ('-USD 9223372036854.775807'::amount), ('-USD 9223372036854.775807'),
             ('-USD 9223372036854.775807')) AS t(a);
SELECT sum(a) AS sum_min_max, avg(a) AS avg_min_max
FROM (VALUES ('USD 9223372036854.775807'::amount), ('-USD 9223372036854.775807')) AS t(a);

-- parallel aggregation ------------------------------------------------------------

-- 100,000 rows: i cents plus i mod 7 millionths
CREATE TABLE amount_agg_big (i int, a amount);
INSERT INTO amount_agg_big
SELECT i, amount(i * 0.01 + (i % 7) * 0.000001, 'USD') FROM generate_series(1, 100000) i;
ANALYZE amount_agg_big;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF) SELECT sum(a), avg(a), min(a), max(a) FROM amount_agg_big;
SELECT sum(a), avg(a), min(a), max(a), count(a) FROM amount_agg_big;
-- the same, checked against exact numeric arithmetic
SELECT sum(a) = amount(sum(value(a)), 'USD') AS sum_exact,
       avg(a) = amount(round(sum(value(a)) / count(a), 6), 'USD') AS avg_exact
FROM amount_agg_big;
SELECT i % 3 AS k, sum(a), avg(a), min(a), max(a) FROM amount_agg_big GROUP BY 1 ORDER BY 1;

-- in parallel too, an overflowing sum is 22003 (100,000 x USD 100,000,000 = 10^13)
EXPLAIN (COSTS OFF) SELECT sum(a + 'USD 100000000') FROM amount_agg_big;
SELECT sum(a + 'USD 100000000') FROM amount_agg_big;
\echo sqlstate :SQLSTATE

-- in parallel too, two currencies are 22023 (the EUR row is the last one,
-- after USD rows on its page, so USD is always seen first)
INSERT INTO amount_agg_big VALUES (100001, 'EUR 1');
SELECT (ctid::text::point)[1] > 1 AS eur_row_not_first_on_its_page
FROM amount_agg_big WHERE i = 100001;
SELECT sum(a) FROM amount_agg_big;
\echo sqlstate :SQLSTATE
DELETE FROM amount_agg_big WHERE i = 100001;

-- serial: the same results
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT sum(a), avg(a), min(a), max(a) FROM amount_agg_big;
SELECT sum(a), avg(a), min(a), max(a), count(a) FROM amount_agg_big;
SELECT i % 3 AS k, sum(a), avg(a), min(a), max(a) FROM amount_agg_big GROUP BY 1 ORDER BY 1;

RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;

DROP TABLE amount_agg_t, amount_agg_big;
