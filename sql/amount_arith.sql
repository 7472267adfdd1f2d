SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set VERBOSITY default
-- Every statement expected to fail is followed by "\echo sqlstate :SQLSTATE",
-- which prints the SQLSTATE of that statement (00000 had it succeeded).
\set SHOW_CONTEXT never

-- ===========================================================================
-- amount: + - unary- * / abs, comparison, the total order and its indexes
-- ===========================================================================

-- + and - -----------------------------------------------------------------------

SELECT 'USD 12.34'::amount + 'USD 0.66' AS add, 'USD 12.34'::amount - 'USD 20' AS sub,
       'USD 0.000001'::amount + 'USD 0.000002' AS add_micro,
       'JPY 1000'::amount - 'JPY 1' AS jpy_sub, 'KWD 1.2'::amount + 'KWD 0.035' AS kwd_add;
SELECT -'USD 12.34'::amount AS neg, -'USD -12.34'::amount AS neg_neg, -'USD 0'::amount AS neg_zero,
       abs('USD -12.34'::amount) AS abs_neg, abs('USD 12.34'::amount) AS abs_pos,
       abs('JPY 0'::amount) AS abs_zero;

-- two currencies in arithmetic: 22023 naming both codes
SELECT 'USD 1'::amount + 'EUR 1';
\echo sqlstate :SQLSTATE
SELECT 'EUR 1'::amount - 'USD 1';
\echo sqlstate :SQLSTATE
SELECT 'USD 1'::amount / 'JPY 1'::amount;
\echo sqlstate :SQLSTATE

-- amount * numeric | int8 | int4, and commuted ------------------------------------

SELECT 'USD 10'::amount * 1.5 AS num, 1.5 * 'USD 10'::amount AS num_c,
       'USD 10'::amount * 3::int8 AS i8, 3::int8 * 'USD 10'::amount AS i8_c,
       'USD 10'::amount * 3 AS i4, 3 * 'USD 10'::amount AS i4_c,
       'USD 10'::amount * -2 AS neg, 'USD 10'::amount * 0 AS zero;
SELECT pg_typeof('USD 1'::amount * 2), pg_typeof('USD 1'::amount * 2::int8),
       pg_typeof('USD 1'::amount * 2.0);
-- the exact product, rounded once to 6 digits, ties away from zero
SELECT 'USD 1'::amount * 0.3333333 AS "0.3333333 -> 0.333333",
       'USD 1'::amount * 0.6666666 AS "0.6666666 -> 0.666667",
       'USD 0.000001'::amount * 0.5 AS "0.0000005 -> 0.000001",
       'USD -0.000001'::amount * 0.5 AS "-0.0000005 -> -0.000001",
       'USD 0.000001'::amount * -0.5 AS "-0.0000005 -> -0.000001 (2)",
       'USD 0.000001'::amount * 0.49999999999999999999 AS "just under a tie -> 0",
       'USD 0.000001'::amount * 0.50000000000000000001 AS "just over a tie -> 0.000001",
       'USD 0.000003'::amount * 0.5 AS "0.0000015 -> 0.000002",
       'USD 0.000005'::amount * 0.5 AS "0.0000025 -> 0.000003";
SELECT 'USD 19.99'::amount * 0.0825 AS tax, 'JPY 1000'::amount * 0.1 AS jpy_tax,
       'USD 1'::amount * 1e-6 AS micro, 'USD 1'::amount * 1e-7 AS under_micro;
SELECT 'USD 1'::amount * 'NaN'::numeric;
\echo sqlstate :SQLSTATE
SELECT 'USD 1'::amount * 'Infinity'::numeric;
\echo sqlstate :SQLSTATE

-- amount / numeric | int8 | int4: the exact quotient rounded to 6 digits,
-- ties away from zero ------------------------------------------------------------

SELECT 'USD 10'::amount / 3 AS i4, 'USD 20'::amount / 3 AS i4_up, 'USD -20'::amount / 3 AS i4_neg,
       'USD 20'::amount / -3 AS i4_negdiv, 'USD 10'::amount / 3::int8 AS i8,
       'USD 10'::amount / 3.0 AS num, 'USD 10'::amount / 0.3 AS num_frac,
       'USD 1'::amount / 0.000001 AS num_micro;
SELECT 'USD 0.000001'::amount / 2 AS "0.0000005 -> 0.000001",
       'USD -0.000001'::amount / 2 AS "-0.0000005 -> -0.000001",
       'USD 0.000001'::amount / -2 AS "-0.0000005 -> -0.000001 (2)",
       'USD 0.000003'::amount / 2 AS "0.0000015 -> 0.000002",
       'USD 0.000005'::amount / 2 AS "0.0000025 -> 0.000003",
       'USD 0.000001'::amount / 3 AS "0.00000033 -> 0",
       'USD -0.000002'::amount / 3 AS "-0.00000067 -> -0.000001";
SELECT 'USD 0.000001'::amount / 2::int8 AS i8_tie, 'USD 0.000001'::amount / 2.0 AS num_tie,
       'USD -0.000001'::amount / 2.0 AS num_tie_neg, 'USD 0.000001'::amount / -2.0 AS num_tie_negdiv,
       'USD 0.000001'::amount / 2.00000000000000000001 AS "just over 2 -> 0",
       'USD 0.000001'::amount / 1.99999999999999999999 AS "just under 2 -> 0.000001",
       'USD 0.000005'::amount / 2.0 AS "0.0000025 -> 0.000003",
       'USD 1'::amount / 7.5 AS "0.1333333 -> 0.133333";
SELECT 'USD 1'::amount / (-9223372036854775807)::int8 AS by_int8_min_plus_1,
       'USD 1'::amount / (-9223372036854775808)::int8 AS by_int8_min,
       'USD 9223372036854.775807'::amount / (-9223372036854775808)::int8 AS max_by_int8_min,
       'USD 9223372036854.775807'::amount / 1 AS max_by_1,
       'USD 9223372036854.775807'::amount / -1 AS max_by_minus_1;
SELECT pg_typeof('USD 1'::amount / 2), pg_typeof('USD 1'::amount / 2.0);

-- division by zero: 22012
SELECT 'USD 1'::amount / 0;
\echo sqlstate :SQLSTATE
SELECT 'USD 1'::amount / 0::int8;
\echo sqlstate :SQLSTATE
SELECT 'USD 1'::amount / 0.0;
\echo sqlstate :SQLSTATE
SELECT 'USD 0'::amount / 0;
\echo sqlstate :SQLSTATE
SELECT 'USD 1'::amount / 'USD 0'::amount;
\echo sqlstate :SQLSTATE
SELECT 'USD 1'::amount / 'NaN'::numeric;
\echo sqlstate :SQLSTATE
SELECT 'USD 1'::amount / 'Infinity'::numeric;
\echo sqlstate :SQLSTATE

-- amount / amount: numeric -----------------------------------------------------------

SELECT 'USD 10'::amount / 'USD 4'::amount AS ratio, 'USD 1'::amount / 'USD 3'::amount AS third,
       'USD -3'::amount / 'USD 0.5'::amount AS neg, 'JPY 1'::amount / 'JPY 1000'::amount AS jpy,
       'USD 9223372036854.775807'::amount / 'USD 0.000001'::amount AS max_over_micro,
       pg_typeof('USD 10'::amount / 'USD 4'::amount);

-- comparison ---------------------------------------------------------------------------

SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge
FROM (VALUES ('USD 1'::amount, 'USD 1.000000'::amount), ('USD 1', 'USD 2'), ('USD 2', 'USD 1'),
             ('USD -1', 'USD 1'), ('USD 0.000001', 'USD 0'),
             -- another currency: ordered by code first, never equal
             ('EUR 100', 'USD 1'), ('USD 1', 'EUR 100'), ('JPY 1', 'USD 1'), ('USD 1', 'JPY 1'),
             ('USD 9223372036854.775807', '-USD 9223372036854.775807')) AS t(a, b);

-- extreme values ------------------------------------------------------------------------

SELECT -'USD 9223372036854.775807'::amount AS neg_max, -'-USD 9223372036854.775807'::amount AS neg_min,
       abs('-USD 9223372036854.775807'::amount) AS abs_min,
       'USD 9223372036854.775806'::amount + 'USD 0.000001' AS up_to_max,
       '-USD 9223372036854.775806'::amount - 'USD 0.000001' AS down_to_min,
       'USD 9223372036854.775807'::amount + '-USD 9223372036854.775807' AS max_plus_min,
       'USD 9223372036854.775807'::amount * -1 AS max_times_minus_1,
       'USD 4611686018427.387903'::amount * 2 AS max_odd_times_2;
SELECT 'USD 9223372036854.775807'::amount + 'USD 0.000001';
\echo sqlstate :SQLSTATE
SELECT '-USD 9223372036854.775807'::amount - 'USD 0.000001';
\echo sqlstate :SQLSTATE
SELECT 'USD 9223372036854.775807'::amount - '-USD 1';
\echo sqlstate :SQLSTATE
SELECT 'USD 4611686018427.387904'::amount * 2;
\echo sqlstate :SQLSTATE
SELECT 'USD 9223372036854.775807'::amount * 2::int8;
\echo sqlstate :SQLSTATE
SELECT 2 * 'USD 9223372036854.775807'::amount;
\echo sqlstate :SQLSTATE
-- the int64 product would wrap to a small value: still 22003
SELECT 'USD 9223372036854.775807'::amount * 9223372036854775807::int8;
\echo sqlstate :SQLSTATE
SELECT 'USD 0.000002'::amount * 4611686018427387904::int8;
\echo sqlstate :SQLSTATE
SELECT '-USD 9223372036854.775807'::amount * (-9223372036854775808)::int8;
\echo sqlstate :SQLSTATE
SELECT 'USD 9223372036854.775807'::amount * 1.0000001;
\echo sqlstate :SQLSTATE
-- a product that only reaches the range limit through rounding
-- (max millionths × 6e-20 = 0.553...: rounds up past the max)
SELECT 'USD 9223372036854.775807'::amount * 1.00000000000000000006;
\echo sqlstate :SQLSTATE
-- (max millionths × 5e-20 = 0.461...: rounds back down to the max)
SELECT 'USD 9223372036854.775807'::amount * 1.00000000000000000005 AS rounds_back_to_max;
SELECT 'USD 9223372036854.775807'::amount / 0.5;
\echo sqlstate :SQLSTATE
SELECT 'USD 1'::amount / 1e-20;
\echo sqlstate :SQLSTATE
-- (max millionths / (1 - 7e-20) = max + 0.645...: rounds up past the max)
SELECT 'USD 9223372036854.775807'::amount / 0.99999999999999999993;
\echo sqlstate :SQLSTATE
-- (max millionths / (1 - 5e-20) = max + 0.461...: rounds back down to the max)
SELECT 'USD 9223372036854.775807'::amount / 0.99999999999999999995 AS rounds_back_to_max;

-- the total order: currency code first, then value --------------------------------------

CREATE TABLE amount_arith_t (id int, a amount);
INSERT INTO amount_arith_t
VALUES (1, 'USD 10'), (2, 'EUR 5'), (3, 'USD -3'), (4, 'JPY 1000'), (5, 'USD 10.000000'),
       (6, 'EUR 5.00'), (7, 'KWD 0.001'), (8, 'USD 9223372036854.775807'),
       (9, '-USD 9223372036854.775807'), (10, 'EUR -0.000001'), (11, NULL), (12, 'USD 0');

SELECT id, a FROM amount_arith_t ORDER BY a, id;
SELECT id, a FROM amount_arith_t ORDER BY a DESC NULLS LAST, id;
SELECT DISTINCT a FROM amount_arith_t ORDER BY a;
SELECT a, count(*) AS n FROM amount_arith_t GROUP BY a ORDER BY a;
SELECT currency(a), count(*) AS n FROM amount_arith_t GROUP BY 1 ORDER BY 1;

-- hashed DISTINCT and GROUP BY agree with the sorted ones
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT DISTINCT a FROM amount_arith_t;
SELECT count(*) AS n_distinct FROM (SELECT DISTINCT a FROM amount_arith_t) s;
EXPLAIN (COSTS OFF) SELECT a, count(*) FROM amount_arith_t GROUP BY a;
SELECT a, count(*) AS n FROM amount_arith_t GROUP BY a ORDER BY 1;
RESET enable_sort;

-- the default btree and hash operator classes
SELECT am.amname, opc.opcname, opc.opcdefault
FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod
WHERE opc.opcintype = 'reseller_billing.amount'::regtype ORDER BY am.amname;

-- a btree index, used for equality, ranges and order
INSERT INTO amount_arith_t SELECT 100 + i, amount(i * 0.01, 'USD') FROM generate_series(1, 2000) i;
CREATE INDEX amount_arith_t_btree ON amount_arith_t (a);
ANALYZE amount_arith_t;
SET enable_seqscan = off;
EXPLAIN (COSTS OFF) SELECT id FROM amount_arith_t WHERE a = 'USD 10';
SELECT id FROM amount_arith_t WHERE a = 'USD 10' ORDER BY id;
EXPLAIN (COSTS OFF) SELECT id, a FROM amount_arith_t WHERE a > 'USD 19.97' ORDER BY a;
SELECT id, a FROM amount_arith_t WHERE a > 'USD 19.97' ORDER BY a, id;
SELECT id, a FROM amount_arith_t WHERE a BETWEEN 'JPY 0' AND 'USD -1' ORDER BY a, id;
DROP INDEX amount_arith_t_btree;

-- a hash index
CREATE INDEX amount_arith_t_hash ON amount_arith_t USING hash (a);
EXPLAIN (COSTS OFF) SELECT id FROM amount_arith_t WHERE a = 'EUR 5';
SELECT id FROM amount_arith_t WHERE a = 'EUR 5' ORDER BY id;
SELECT id FROM amount_arith_t WHERE a = 'USD 12.34' ORDER BY id;
SELECT id FROM amount_arith_t WHERE a = 'CAD 12.34' ORDER BY id;
DROP INDEX amount_arith_t_hash;
RESET enable_seqscan;

-- a unique btree index: 'USD 1' and 'USD 1.00' are the same amount (23505)
CREATE TABLE amount_arith_u (a amount UNIQUE);
INSERT INTO amount_arith_u VALUES ('USD 1'), ('JPY 1'), ('EUR 1');
INSERT INTO amount_arith_u VALUES ('USD 1.00');
\echo sqlstate :SQLSTATE

-- a hash join and a merge join match the same rows
CREATE TABLE amount_arith_j (a amount, label text);
INSERT INTO amount_arith_j
VALUES ('USD 10.00', 'ten dollars'), ('EUR 5', 'five euros'), ('JPY 1000', 'a thousand yen'),
       ('JPY 10', 'ten yen'), ('USD 0.000000', 'nothing');
ANALYZE amount_arith_j;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT t.id, j.label FROM amount_arith_t t JOIN amount_arith_j j ON t.a = j.a;
SELECT t.id, j.label FROM amount_arith_t t JOIN amount_arith_j j ON t.a = j.a ORDER BY t.id;
RESET enable_mergejoin;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT t.id, j.label FROM amount_arith_t t JOIN amount_arith_j j ON t.a = j.a;
SELECT t.id, j.label FROM amount_arith_t t JOIN amount_arith_j j ON t.a = j.a ORDER BY t.id;
RESET enable_hashjoin;
RESET enable_nestloop;

-- the hash support functions see only the value and the code
SELECT amount_hash('USD 1') = amount_hash('USD 1.000000') AS same_hash,
       amount_hash_extended('USD 1', 0) = amount_hash_extended('USD 1.00', 0) AS same_hash_ext,
       amount_hash_extended('USD 1', 42) = amount_hash_extended('USD 1.00', 42) AS same_hash_ext_seed,
       amount_hash('USD 1') = amount_hash('EUR 1') AS usd_eur_same_hash;

DROP TABLE amount_arith_t, amount_arith_u, amount_arith_j;
