SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
--
-- billing_period: a calendar month ('2012-06') or the monthly cycle anchored
-- on a day ('2012-06@15' = [2012-06-15, 2012-07-15)).  An anchor of 29-31
-- falls on the last day of shorter months and returns to the anchor after.
--
\set SHOW_CONTEXT never
-- pg_regress sets DateStyle to Postgres; show dates as YYYY-MM-DD
SET DateStyle = 'ISO, YMD';

-- ===========================================================================
-- the type: fixed length, passed by value
-- ===========================================================================
SELECT typname, typlen, typbyval, typalign, typstorage
FROM pg_type WHERE oid = 'reseller_billing.billing_period'::regtype;

-- ===========================================================================
-- text input and canonical output
-- ===========================================================================
SELECT '2012-06'::billing_period AS calendar,
       '2012-06@15'::billing_period AS anchored,
       '2012-06@1'::billing_period AS at1,
       '2012-06@01'::billing_period AS at01,
       '2012-06@09'::billing_period AS at09,
       '  2012-06@31  '::billing_period AS spaces,
       E'\t2012-06\n'::billing_period AS tab_newline;
SELECT '0001-01'::billing_period AS first, '9999-12@31'::billing_period AS last;
SELECT NULL::billing_period IS NULL AS null_in;

-- bad month, anchor, year or syntax: 22P02
SELECT '2012-13'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-00'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06@0'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06@00'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06@32'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06@99'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '0000-06'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '10000-01'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06@'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06@031'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06@-1'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06@+5'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06 @15'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06@ 15'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-6'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '212-06'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012/06'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06-01'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06x'::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT ''::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '   '::billing_period;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- period_start, period_end (exclusive), days, anchor
-- ===========================================================================
SELECT p, period_start(p), period_end(p), days(p), anchor(p)
FROM (VALUES
    -- calendar months of every length
    ('2011-02'::billing_period), ('2012-02'), ('2012-04'), ('2012-01'), ('2012-12'),
    -- leap years: 2000 and 2024 are, 1900 and 2100 are not
    ('2000-02'), ('2024-02'), ('1900-02'), ('2100-02'),
    -- the issue's examples
    ('2012-06@15'), ('2012-01@31'), ('2012-02@31'),
    -- 29, 30, 31 around February of a leap year ...
    ('2012-01@29'), ('2012-01@30'), ('2012-02@29'), ('2012-02@30'),
    -- ... and of a non-leap year
    ('2011-01@28'), ('2011-01@29'), ('2011-01@31'), ('2011-02@28'), ('2011-02@29'), ('2011-02@31'),
    -- anchor 31 around 30-day months, and across the year end
    ('2012-03@31'), ('2012-04@31'), ('2012-12@31'), ('2012-12@15'),
    -- the first and the last periods
    ('0001-01'), ('0001-01@31'), ('9999-12'), ('9999-12@31')
) AS v(p);

-- All 12 months x anchors 28..31 of 2100 (not leap) and 2000 (leap)
SELECT y, a AS anchor, p, period_start(p), period_end(p), days(p)
FROM generate_series(28, 31) AS a,
     unnest(ARRAY[2100, 2000]) AS y,
     generate_series(1, 12) AS m,
     LATERAL (SELECT format('%s-%s@%s', y, lpad(m::text, 2, '0'), a)::billing_period AS p) AS q
ORDER BY y DESC, a, m;

-- a year of periods with one anchor tiles the year: 365 or 366 days
SELECT y, a AS anchor, sum(days(p)) AS days,
       min(period_start(p)) AS first_start, max(period_end(p)) AS last_end
FROM generate_series(28, 31) AS a,
     unnest(ARRAY[1900, 2000, 2024, 2100]) AS y,
     generate_series(1, 12) AS m,
     LATERAL (SELECT format('%s-%s@%s', y, lpad(m::text, 2, '0'), a)::billing_period AS p) AS q
GROUP BY y, a
ORDER BY y, a;

-- Periods checked against PostgreSQL's own calendar: adding months to
-- January the A-th clamps to the month's last day, which is the anchor rule.
-- Each "mismatches" query must return 0.
-- (1) Every year 0001..9999, every month, anchors 1 (calendar month), 2, 9, 10
-- (one and two digits), 15, 27, 28 (never clamped), 29, 30, 31 (clamped).
CREATE TEMP TABLE every_period AS
SELECT y, m, a, format('%s-%s@%s', lpad(y::text, 4, '0'), lpad(m::text, 2, '0'), a)::billing_period AS p,
       (make_date(y, 1, a) + make_interval(months => m - 1))::date AS s,
       (make_date(y, 1, a) + make_interval(months => m))::date AS e
FROM generate_series(1, 9999) AS y, generate_series(1, 12) AS m,
     unnest(ARRAY[1, 2, 9, 10, 15, 27, 28, 29, 30, 31]) AS a;
SELECT count(*) AS periods FROM every_period;
-- bounds, length, anchor, text form
SELECT count(*) AS mismatches FROM every_period
WHERE period_start(p) <> s OR period_end(p) <> e OR days(p) <> e - s OR anchor(p) <> a
   OR days(p) NOT BETWEEN 28 AND 31
   OR p::text <> format('%s-%s%s', lpad(y::text, 4, '0'), lpad(m::text, 2, '0'),
                        CASE WHEN a = 1 THEN '' ELSE '@' || a END);
-- consecutive periods with one anchor meet exactly
SELECT count(*) AS mismatches FROM every_period
WHERE (p < '9999-12@1' AND period_start(p + 1) <> e)
   OR (p > '0001-01@31' AND period_end(p - 1) <> s);
DROP TABLE every_period;
-- (2) Every anchor 1..31 in the first and last years and around every
-- century rule (1600, 2000 and 2400 leap; 1700, 1800, 1900 and 2100 not).
CREATE TEMP TABLE some_periods AS
SELECT y, m, a, format('%s-%s@%s', lpad(y::text, 4, '0'), lpad(m::text, 2, '0'), a)::billing_period AS p,
       (make_date(y, 1, a) + make_interval(months => m - 1))::date AS s,
       (make_date(y, 1, a) + make_interval(months => m))::date AS e
FROM unnest(ARRAY[1, 2, 3, 4, 5, 1599, 1600, 1601, 1699, 1700, 1701, 1800, 1899, 1900, 1901,
                  2100, 2399, 2400, 2401, 9996, 9997, 9998, 9999]
            || ARRAY(SELECT generate_series(1999, 2030))) AS y,
     generate_series(1, 12) AS m, generate_series(1, 31) AS a;
SELECT count(*) AS periods FROM some_periods;
SELECT count(*) AS mismatches FROM some_periods
WHERE period_start(p) <> s OR period_end(p) <> e OR days(p) <> e - s OR anchor(p) <> a
   OR p::text <> format('%s-%s%s', lpad(y::text, 4, '0'), lpad(m::text, 2, '0'),
                        CASE WHEN a = 1 THEN '' ELSE '@' || a END);
-- the first and last day belong to the period, the days either side do not
SELECT count(*) AS mismatches FROM some_periods
WHERE billing_period(s, a) <> p OR billing_period(e - 1, a) <> p
   OR NOT p @> s OR NOT p @> (e - 1) OR p @> (s - 1) OR p @> e
   OR p::daterange <> daterange(s, e);
-- order is start, then anchor
SELECT count(*) AS mismatches
FROM (SELECT p, row_number() OVER (ORDER BY p) AS by_p,
             row_number() OVER (ORDER BY s, a) AS by_start
      FROM some_periods) AS o
WHERE by_p <> by_start;
DROP TABLE some_periods;

-- ===========================================================================
-- billing_period(date [, anchor]): the period containing a date
-- ===========================================================================
SELECT d, a AS anchor, billing_period(d, a) AS p
FROM (VALUES
    ('2012-06-01'::date, 1), ('2012-06-15', 1), ('2012-06-30', 1), ('2012-07-01', 1),
    ('2012-06-14', 15), ('2012-06-15', 15), ('2012-07-14', 15), ('2012-07-15', 15),
    -- anchor 31 through February of a leap year
    ('2012-01-30', 31), ('2012-01-31', 31), ('2012-02-28', 31), ('2012-02-29', 31),
    ('2012-03-30', 31), ('2012-03-31', 31), ('2012-04-29', 31), ('2012-04-30', 31),
    -- anchors 29 and 30 through February of a non-leap year
    ('2011-02-27', 29), ('2011-02-28', 29), ('2011-03-28', 29), ('2011-03-29', 29),
    ('2011-02-27', 30), ('2011-02-28', 30), ('2011-03-29', 30), ('2011-03-30', 30),
    -- 2100 is not leap, 2000 is
    ('2100-02-28', 31), ('2100-03-30', 31), ('2000-02-28', 31), ('2000-02-29', 31),
    -- the year boundaries
    ('0001-01-01', 1), ('0001-01-31', 31), ('9999-12-31', 1), ('9999-12-31', 31),
    ('9999-12-30', 31), ('10000-01-30', 31)
) AS v(d, a);
SELECT billing_period('2012-06-15'::date) AS one_argument,
       billing_period('2012-06-15'::date, 1) = billing_period('2012-06-15'::date) AS same_as_anchor_1;
SELECT billing_period(NULL::date) IS NULL AS null_date, billing_period('2012-06-15'::date, NULL) IS NULL AS null_anchor;

-- anchor out of 1..31: 22023
SELECT billing_period('2012-06-15'::date, 0);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT billing_period('2012-06-15'::date, 32);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT billing_period('2012-06-15'::date, -1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- a date whose period starts outside years 0001..9999: 22008
SELECT billing_period('0001-01-30'::date, 31);   -- in 0000-12@31
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT billing_period('0001-12-31 BC'::date);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT billing_period('4713-01-01 BC'::date, 15);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT billing_period('10000-01-01'::date);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT billing_period('10000-01-31'::date, 31);  -- in 10000-01@31
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT billing_period('5874897-12-31'::date);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT billing_period('infinity'::date);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT billing_period('-infinity'::date);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT billing_period('infinity'::date, 31);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- p + n, p - n: months, same anchor
-- ===========================================================================
SELECT '2012-06'::billing_period + 1 AS plus_1,
       '2012-12'::billing_period + 1 AS year_end,
       '2012-01'::billing_period - 1 AS year_start,
       '2012-06'::billing_period + 0 AS plus_0,
       '2012-06'::billing_period + (-1) AS plus_minus_1,
       '2012-06'::billing_period - (-1) AS minus_minus_1;
SELECT '2012-01@31'::billing_period + 1 AS feb,
       '2012-01@31'::billing_period + 2 AS mar,
       '2012-06@15'::billing_period + 120 AS ten_years,
       '2012-06@15'::billing_period - 24 AS two_years_back;
SELECT '0001-01'::billing_period + 119987 AS to_last,
       '9999-12@31'::billing_period - 119987 AS to_first;

-- leaving years 0001..9999: 22008
SELECT '9999-12@31'::billing_period + 1;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '9999-12'::billing_period - (-1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '0001-01'::billing_period - 1;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '0001-01@15'::billing_period + (-1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '0001-01'::billing_period + 119988;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06'::billing_period + 2147483647;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06'::billing_period + (-2147483647 - 1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06'::billing_period - (-2147483647 - 1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT '2012-06'::billing_period - 2147483647;
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;

-- ===========================================================================
-- p @> date, p::daterange
-- ===========================================================================
SELECT p, d, p @> d AS contains
FROM (VALUES
    ('2012-06'::billing_period, '2012-05-31'::date), ('2012-06', '2012-06-01'),
    ('2012-06', '2012-06-30'), ('2012-06', '2012-07-01'),
    ('2012-01@31', '2012-01-30'), ('2012-01@31', '2012-01-31'),
    ('2012-01@31', '2012-02-28'), ('2012-01@31', '2012-02-29'),
    ('9999-12@31', '10000-01-30'), ('9999-12@31', '10000-01-31'),
    ('2012-06', 'infinity'), ('2012-06', '-infinity'), ('9999-12@31', 'infinity')
) AS v(p, d);
SELECT p, p::daterange AS range, daterange(p) AS by_function,
       upper(p::daterange) = period_end(p) AS upper_is_end
FROM (VALUES ('2012-06'::billing_period), ('2012-06@15'), ('2012-01@31'),
             ('2012-02@31'), ('0001-01'), ('9999-12@31')) AS v(p);

-- ===========================================================================
-- comparison: start month, then anchor
-- ===========================================================================
SELECT p, period_start(p)
FROM (VALUES ('2012-06@15'::billing_period), ('9999-12@31'), ('2012-02@31'), ('2012-06'),
             ('2012-02@29'), ('2012-05@31'), ('0001-01'), ('2012-07'), ('2012-02@30'),
             ('2012-06@2'), ('2012-02@28'), ('2011-12@31')) AS v(p)
ORDER BY p;
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge,
       period_cmp(a, b) AS cmp
FROM (VALUES ('2012-06'::billing_period, '2012-06'::billing_period),
             ('2012-06', '2012-06@1'),
             ('2012-06', '2012-06@15'),
             ('2012-06@15', '2012-06'),
             ('2012-05@31', '2012-06'),
             ('2012-02@30', '2012-02@31'),
             ('2011-12', '2012-01'),
             ('9999-12@31', '0001-01')) AS v(a, b);

-- hash support functions agree with equality and with each other
SELECT period_hash('2012-06') = period_hash('2012-06@01') AS same_hash,
       period_hash('2012-06') <> period_hash('2012-06@15') AS different_hash,
       period_hash_extended('2012-06@15', 0) <> period_hash_extended('2012-06@15', 1) AS seed_matters;
SELECT count(*) AS low_bits_mismatches
FROM generate_series(0, 200) AS i,
     LATERAL (SELECT '2000-01@7'::billing_period + i AS p) AS q
WHERE (period_hash(p)::bigint & 4294967295) <> (period_hash_extended(p, 0) & 4294967295);

-- a table, its indexes and the planner
-- every anchor of 2010-01 .. 2013-12 once, and each calendar month 9 more
-- times: 48 x 31 + 48 x 9 = 1920 rows
CREATE TABLE bp_test (id serial PRIMARY KEY, p billing_period NOT NULL);
INSERT INTO bp_test (p)
SELECT ('2010-01@' || a)::billing_period + m
FROM generate_series(0, 47) AS m, generate_series(1, 31) AS a;
INSERT INTO bp_test (p)
SELECT '2010-01'::billing_period + m
FROM generate_series(0, 47) AS m, generate_series(1, 9) AS k;
CREATE INDEX bp_test_p ON bp_test (p);
ANALYZE bp_test;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT p FROM bp_test WHERE p = '2012-06@15';
SELECT count(*) FROM bp_test WHERE p = '2012-06@15';
EXPLAIN (COSTS OFF) SELECT p FROM bp_test WHERE p >= '2013-11@28' AND p < '2013-12@3' ORDER BY p;
SELECT p, count(*) FROM bp_test WHERE p >= '2013-11@28' AND p < '2013-12@3' GROUP BY p ORDER BY p;
EXPLAIN (COSTS OFF) SELECT p FROM bp_test ORDER BY p DESC LIMIT 3;
SELECT p FROM bp_test ORDER BY p DESC LIMIT 3;
DROP INDEX bp_test_p;
CREATE INDEX bp_test_p_hash ON bp_test USING hash (p);
EXPLAIN (COSTS OFF) SELECT count(*) FROM bp_test WHERE p = '2013-12';
SELECT count(*) FROM bp_test WHERE p = '2013-12';
RESET enable_seqscan;
RESET enable_bitmapscan;
-- hash join and hash aggregation
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM bp_test AS a JOIN (SELECT DISTINCT p FROM bp_test WHERE anchor(p) = 1) AS b USING (p);
SELECT count(*) FROM bp_test AS a JOIN (SELECT DISTINCT p FROM bp_test WHERE anchor(p) = 1) AS b USING (p);
RESET enable_mergejoin;
RESET enable_nestloop;
SET enable_sort = off;
EXPLAIN (COSTS OFF) SELECT p, count(*) FROM bp_test GROUP BY p;
SELECT count(*) AS groups, sum(n) AS rows, min(n), max(n)
FROM (SELECT p, count(*) AS n FROM bp_test GROUP BY p) AS g;
RESET enable_sort;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF) SELECT p, count(*) FROM bp_test GROUP BY p;
SELECT count(*) AS groups, sum(n) AS rows, min(n), max(n)
FROM (SELECT p, count(*) AS n FROM bp_test GROUP BY p) AS g;
RESET enable_hashagg;

-- ===========================================================================
-- binary form: the int32 (year * 12 + month - 1) * 32 + anchor, validated
-- on receive
-- ===========================================================================
SELECT p, billing_period_send(p) AS binary
FROM (VALUES ('0001-01'::billing_period), ('2012-06'), ('2012-06@15'), ('9999-12@31')) AS v(p);
-- round trip through COPY BINARY (a file in the server's data directory)
COPY (SELECT id, p FROM bp_test) TO PROGRAM 'cat > rb_regress_billing_period.bin' WITH (FORMAT binary);
CREATE TABLE bp_copy (id int, p billing_period);
COPY bp_copy FROM PROGRAM 'cat rb_regress_billing_period.bin && rm rb_regress_billing_period.bin' WITH (FORMAT binary);
SELECT count(*) AS copied,
       count(*) FILTER (WHERE c.p IS DISTINCT FROM t.p) AS mismatches
FROM bp_copy AS c FULL JOIN bp_test AS t USING (id);
-- hand-made binary input: one row, one field of 4 bytes
TRUNCATE bp_copy;
COPY bp_copy (p) FROM PROGRAM 'printf ''PGCOPY\n\377\r\n\000\000\000\000\000\000\000\000\000\000\001\000\000\000\004\000\013\312\257\377\377''' WITH (FORMAT binary);
SELECT p FROM bp_copy;
-- anchor 0 (value 32): 22P03
COPY bp_copy (p) FROM PROGRAM 'printf ''PGCOPY\n\377\r\n\000\000\000\000\000\000\000\000\000\000\001\000\000\000\004\000\000\000\040\377\377''' WITH (FORMAT binary);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- year 0 (value 1): 22P03
COPY bp_copy (p) FROM PROGRAM 'printf ''PGCOPY\n\377\r\n\000\000\000\000\000\000\000\000\000\000\001\000\000\000\004\000\000\000\001\377\377''' WITH (FORMAT binary);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- year 10000 (value 3840001): 22P03
COPY bp_copy (p) FROM PROGRAM 'printf ''PGCOPY\n\377\r\n\000\000\000\000\000\000\000\000\000\000\001\000\000\000\004\000\072\230\001\377\377''' WITH (FORMAT binary);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- negative (value -1): 22P03
COPY bp_copy (p) FROM PROGRAM 'printf ''PGCOPY\n\377\r\n\000\000\000\000\000\000\000\000\000\000\001\000\000\000\004\377\377\377\377\377\377''' WITH (FORMAT binary);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT count(*) AS rows_after_errors FROM bp_copy;

DROP TABLE bp_copy;
DROP TABLE bp_test;
