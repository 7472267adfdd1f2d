SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
--
-- prorate(full, period, covered) = full x days(covered ∩ period) / days(period),
-- exact, rounded once to the currency's minor unit, ties away from zero.
--
\set SHOW_CONTEXT never
-- pg_regress sets DateStyle to Postgres; show dates as YYYY-MM-DD
SET DateStyle = 'ISO, YMD';

-- ===========================================================================
-- the issue's examples
-- ===========================================================================
-- 10.00 x 2/31 = 0.645161... -> 0.65
SELECT prorate('USD 10.00', '2016-01', '[2016-01-30,2016-02-01)');
-- 4.00 x 15/30 = 2.00 (the upper bound is inclusive: April 1..15)
SELECT prorate('USD 4.00', '2012-04', '[2012-04-01,2012-04-15]');

-- ===========================================================================
-- bound styles: USD 30.00 over April 2012 (30 days) is USD 1.00 a day
-- ===========================================================================
SELECT r AS covered, prorate('USD 30.00', '2012-04', r::daterange) AS prorated
FROM (VALUES
    ('[2012-04-01,2012-04-15]'),     -- 15 days: 1..15
    ('[2012-04-01,2012-04-15)'),     -- 14 days: 1..14
    ('(2012-04-01,2012-04-15)'),     -- 13 days: 2..14
    ('(2012-04-01,2012-04-15]'),     -- 14 days: 2..15
    ('[2012-04-10,)'),               -- 21 days: 10..30
    ('(2012-04-10,)'),               -- 20 days: 11..30
    ('(,2012-04-10)'),               --  9 days: 1..9
    ('(,2012-04-10]'),               -- 10 days: 1..10
    ('(,)'),                         -- 30 days
    ('[2012-04-10,infinity)'),       -- 21 days
    ('[-infinity,2012-04-10)'),      --  9 days
    ('[-infinity,infinity]'),        -- 30 days
    ('[2012-04-15,2012-04-15]'),     --  1 day
    ('[2012-04-15,2012-04-15)'),     -- empty
    ('(2012-04-15,2012-04-16)'),     -- empty
    ('empty'),                       -- empty
    ('[2012-03-01,2012-05-31]'),     -- 30 days: the part outside is ignored
    ('[2011-01-01,2013-01-01)'),     -- 30 days
    ('[2012-03-25,2012-04-01]'),     --  1 day: April 1
    ('[2012-04-30,2012-05-05)'),     --  1 day: April 30
    ('[2012-03-01,2012-04-01)'),     --  0: ends where the period starts
    ('[2012-05-01,2012-06-01)'),     --  0: starts where the period ends
    ('(,2012-03-31]'),               --  0: before
    ('[2012-05-01,)'),               --  0: after
    ('[infinity,infinity]'),         --  0: only +infinity
    ('[-infinity,-infinity]')        --  0: only -infinity
) AS v(r);
-- the daterange constructor with explicit bound styles
SELECT prorate('USD 30.00', '2012-04', daterange('2012-04-01', '2012-04-15', '[]')) AS closed,
       prorate('USD 30.00', '2012-04', daterange('2012-04-01', '2012-04-15', '()')) AS open,
       prorate('USD 30.00', '2012-04', daterange('2012-04-01', '2012-04-15', '(]')) AS open_closed,
       prorate('USD 30.00', '2012-04', daterange(NULL, NULL)) AS unbounded;

-- ===========================================================================
-- the full period gives the full amount, rounded to the minor unit
-- ===========================================================================
SELECT full_amount, p, prorate(full_amount::amount, p, p::daterange) AS prorated
FROM (VALUES
    ('USD 10.00', '2012-02'::billing_period), ('USD 10.00', '2011-02'),
    ('USD 99.99', '2012-01@31'), ('USD -99.99', '2012-02@31'),
    ('USD 10.004999', '2012-04'), ('USD 10.005', '2012-04'), ('USD 10.005001', '2012-04'),
    ('USD -10.004999', '2012-04'), ('USD -10.005', '2012-04'),
    ('JPY 1000', '2012-04'), ('JPY 0.5', '2012-04'), ('JPY -0.5', '2012-04'), ('JPY 0.499999', '2012-04'),
    ('KWD 1.2345', '2012-04'), ('KWD -1.2345', '2012-04'), ('KWD 1.234499', '2012-04'),
    ('USD 0', '9999-12@31'), ('USD 1.00', '0001-01')
) AS v(full_amount, p);

-- ===========================================================================
-- February, leap and not; anchored periods
-- ===========================================================================
SELECT full_amount, p, days(p) AS period_days, covered,
       prorate(full_amount::amount, p, covered::daterange) AS prorated
FROM (VALUES
    -- 29.00 x 1/29 = 1.00; x 1/28 = 1.0357... -> 1.04
    ('USD 29.00', '2012-02'::billing_period, '[2012-02-29,2012-03-01)'),
    ('USD 29.00', '2011-02', '[2011-02-28,2011-03-01)'),
    -- 100.00 x 10/29 = 34.4827... -> 34.48; x 10/28 = 35.7142... -> 35.71
    ('USD 100.00', '2000-02', '[2000-02-20,)'),
    ('USD 100.00', '2024-02', '[2024-02-20,)'),
    ('USD 100.00', '1900-02', '[1900-02-19,)'),
    ('USD 100.00', '2100-02', '[2100-02-19,)'),
    -- 1.00 x 7/28 = 0.25 exactly
    ('USD 1.00', '2100-02', '[2100-02-01,2100-02-08)'),
    -- [2012-02-29, 2012-03-31): 31 days; March 1..4 = 4 days -> 4.00
    ('USD 31.00', '2012-02@31', '[2012-03-01,2012-03-05)'),
    -- [2012-01-31, 2012-02-29): 29 days; February 1..28 = 28 days -> 28.00
    ('USD 29.00', '2012-01@31', '[2012-02-01,)'),
    -- [2011-01-31, 2011-02-28): 28 days; January 31 alone -> 1.00
    ('USD 28.00', '2011-01@31', '(,2011-01-31]'),
    -- [2012-06-15, 2012-07-15): 30 days; June 15..19 = 5 days -> 5.00
    ('USD 30.00', '2012-06@15', '[2012-06-01,2012-06-20)'),
    -- the calendar month June covers June 15..30 = 16 of 30 days: 5.333... -> 5.33
    ('USD 10.00', '2012-06@15', '[2012-06-01,2012-07-01)'),
    -- [9999-12-31, 10000-01-31): 31 days; 10000-01-30 alone -> 1.00
    ('USD 31.00', '9999-12@31', '[10000-01-30,10000-01-30]')
) AS v(full_amount, p, covered);
-- a period's days are split between its two calendar months
SELECT prorate('USD 29.00', '2012-01@31', '2012-01'::billing_period::daterange) AS january,
       prorate('USD 29.00', '2012-01@31', '2012-02'::billing_period::daterange) AS february,
       prorate('USD 29.00', '2012-01@31', '2012-03'::billing_period::daterange) AS march;

-- ===========================================================================
-- currencies: JPY (0 digits), KWD (3 digits); negative amounts
-- ===========================================================================
SELECT full_amount, covered, prorate(full_amount::amount, '2012-04', covered::daterange) AS prorated
FROM (VALUES
    ('JPY 1000', '[2012-04-01,2012-04-11)'),   -- 1000 x 10/30 = 333.33... -> 333
    ('JPY 1000', '[2012-04-01,2012-04-21)'),   -- 1000 x 20/30 = 666.66... -> 667
    ('JPY -1000', '[2012-04-01,2012-04-21)'),  -- -666.66... -> -667
    ('JPY 7', '[2012-04-01,2012-04-16)'),      -- 7 x 15/30 = 3.5 -> 4
    ('JPY -7', '[2012-04-01,2012-04-16)'),     -- -3.5 -> -4
    ('JPY 1', '[2012-04-01,2012-04-16)'),      -- 0.5 -> 1
    ('JPY 1', '[2012-04-01,2012-04-15)'),      -- 0.466... -> 0
    ('KWD 1.000', '[2012-04-01,2012-04-11)'),  -- 0.3333... -> 0.333
    ('KWD 1.000', '[2012-04-01,2012-04-21)'),  -- 0.6666... -> 0.667
    ('KWD -1.000', '[2012-04-01,2012-04-21)'), -- -0.667
    ('KWD 0.021', '[2012-04-01,2012-04-16)'),  -- 0.0105 -> 0.011
    ('KWD -0.021', '[2012-04-01,2012-04-16)'), -- -0.0105 -> -0.011
    ('KWD 0.001', '[2012-04-01,2012-04-16)'),  -- 0.0005 -> 0.001
    ('USD -10.00', '[2012-04-01,2012-04-11)'), -- -3.333... -> -3.33
    ('USD -20.00', '[2012-04-01,2012-04-11)')  -- -6.666... -> -6.67
) AS v(full_amount, covered);
SELECT prorate('USD -10.00', '2016-01', '[2016-01-30,2016-02-01)') AS negative_issue_example;

-- ===========================================================================
-- exact halves round away from zero, for both signs
-- ===========================================================================
SELECT full_amount, p, covered, prorate(full_amount::amount, p, covered::daterange) AS prorated
FROM (VALUES
    -- 0.10 x 15/30 = 0.05: exact, no rounding
    ('USD 0.10', '2012-04'::billing_period, '[2012-04-01,2012-04-16)'),
    ('USD -0.10', '2012-04', '[2012-04-01,2012-04-16)'),
    -- 0.01 x 15/30 = 0.005 -> 0.01
    ('USD 0.01', '2012-04', '[2012-04-01,2012-04-16)'),
    ('USD -0.01', '2012-04', '[2012-04-01,2012-04-16)'),
    -- 0.05 x 15/30 = 0.025 -> 0.03 (half-even would give 0.02)
    ('USD 0.05', '2012-04', '[2012-04-16,)'),
    ('USD -0.05', '2012-04', '[2012-04-16,)'),
    -- 0.07 x 14/28 = 0.035 -> 0.04
    ('USD 0.07', '2100-02', '[2100-02-15,)'),
    ('USD -0.07', '2100-02', '[2100-02-15,)'),
    -- 0.02 x 7/28 = 0.005 -> 0.01
    ('USD 0.02', '2100-02', '[2100-02-01,2100-02-08)'),
    ('USD -0.02', '2100-02', '[2100-02-01,2100-02-08)'),
    -- 0.01 x 7/28 = 0.0025 -> 0.00 (below the half)
    ('USD 0.01', '2100-02', '[2100-02-01,2100-02-08)'),
    ('USD -0.01', '2100-02', '[2100-02-01,2100-02-08)'),
    -- 0.155 x 1/31 = 0.005 -> 0.01; 0.0775 x 2/31 = 0.005 -> 0.01
    ('USD 0.155', '2016-01', '[2016-01-31,2016-01-31]'),
    ('USD -0.155', '2016-01', '[2016-01-31,2016-01-31]'),
    ('USD 0.0775', '2016-01', '[2016-01-01,2016-01-02]'),
    ('USD -0.0775', '2016-01', '[2016-01-01,2016-01-02]'),
    -- 0.154969 x 1/31 = 0.004999 -> 0.00; 0.155031 x 1/31 = 0.005001 -> 0.01
    ('USD 0.154969', '2016-01', '[2016-01-31,2016-01-31]'),
    ('USD 0.155031', '2016-01', '[2016-01-31,2016-01-31]'),
    ('USD -0.154969', '2016-01', '[2016-01-31,2016-01-31]'),
    ('USD -0.155031', '2016-01', '[2016-01-31,2016-01-31]'),
    -- all of 2012-02@29 = [2012-02-29, 2012-03-29): 1.125 x 29/29 -> 1.13
    ('USD 1.125', '2012-02@29', '[2012-02-01,2012-04-01)'),
    ('USD -1.125', '2012-02@29', '[2012-02-29,2012-03-28]')
) AS v(full_amount, p, covered);

-- ===========================================================================
-- against an independent computation: numeric division with 20 digits, then
-- numeric round() (half away from zero) to the minor unit; the days in common
-- from the range intersection.  Every covered range [start+i, start+j) for
-- -2 <= i <= j <= 33 and a few open-ended ones, over periods of every length.
-- ===========================================================================
CREATE TEMP TABLE pr_cases AS
SELECT f::amount AS full_amount, p, r AS covered
FROM unnest(ARRAY['USD 10.00', 'USD -10.00', 'USD 0.01', 'USD -0.05', 'USD 99.99', 'USD 1234.567891',
                  'USD -0.155', 'USD 9223372036854.775807', 'USD -9223372036853.775807',
                  'JPY 1', 'JPY -7', 'JPY 1000', 'JPY 123456789',
                  'KWD 0.001', 'KWD -0.021', 'KWD 1.000', 'KWD 31.0005']) AS f,
     unnest(ARRAY['2011-02', '2012-02', '2012-04', '2016-01', '2012-01@31', '2011-01@31',
                  '2012-02@30', '2100-02@29', '2012-06@15', '9999-12@31']::billing_period[]) AS p,
     LATERAL (SELECT daterange(period_start(p) + i, period_start(p) + j) AS r
              FROM generate_series(-2, 33) AS i, generate_series(-2, 33) AS j
              WHERE i <= j
              UNION ALL
              SELECT daterange(NULL, period_start(p) + i) FROM generate_series(-1, 32) AS i
              UNION ALL
              SELECT daterange(period_start(p) + i, NULL) FROM generate_series(-1, 32) AS i) AS rr
WHERE NOT (f = 'USD 9223372036854.775807' AND period_start(p) + 0 <@ r AND period_end(p) - 1 <@ r);
SELECT count(*) AS cases FROM pr_cases;
SELECT count(*) AS mismatches
FROM (SELECT full_amount, p, covered,
             CASE WHEN isempty(covered * p::daterange) THEN 0
                  ELSE upper(covered * p::daterange) - lower(covered * p::daterange) END AS common
      FROM pr_cases) AS c
WHERE value(prorate(full_amount, p, covered))
      <> round(value(full_amount)::numeric(40, 20) * common / days(p), minor_unit(currency(full_amount)))
   OR currency(prorate(full_amount, p, covered)) <> currency(full_amount);
-- the two parts of a period split on its 8th day add up to the prorated whole
-- within one minor unit (each is rounded once)
SELECT count(*) AS mismatches
FROM pr_cases AS c, LATERAL (SELECT period_start(c.p) + 7 AS cut) AS k
WHERE abs(value(prorate(full_amount, p, daterange(NULL, cut)))
          + value(prorate(full_amount, p, daterange(cut, NULL)))
          - value(prorate(full_amount, p, p::daterange)))
      > 10 ^ (-minor_unit(currency(full_amount)))
  AND value(full_amount) < 9000000000000;
DROP TABLE pr_cases;

-- ===========================================================================
-- large amounts: exact in 128 bits; a rounded result beyond the amount range
-- is 22003, never a wrap
-- ===========================================================================
-- 9223372036854.775807 / 30 = 307445734561.8258602... -> 307445734561.83
SELECT prorate('USD 9223372036854.775807', '2012-06', '[2012-06-01,2012-06-02)');
-- x 29/30 = 8915926302292.94994... -> 8915926302292.95
SELECT prorate('USD 9223372036854.775807', '2012-06', '[2012-06-01,2012-06-30)');
SELECT prorate('USD -9223372036854.775807', '2012-06', '[2012-06-01,2012-06-30)');
-- the full period rounds 9223372036854.775807 up to .78: out of range
SELECT prorate('USD 9223372036854.775807', '2012-06', '[2012-06-01,2012-07-01)');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT prorate('USD -9223372036854.775807', '2012-06', '(,)');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- JPY rounds to whole yen: 9223372036854.775807 -> 9223372036855, out of range
SELECT prorate('JPY 9223372036854.775807', '2012-06', '(,)');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- .775 stays in range
SELECT prorate('USD 9223372036854.774999', '2012-06', '(,)');

-- ===========================================================================
-- NULL in, NULL out
-- ===========================================================================
SELECT prorate(NULL, '2012-06', '(,)') IS NULL AS null_amount,
       prorate('USD 1.00', NULL, '(,)') IS NULL AS null_period,
       prorate('USD 1.00', '2012-06', NULL) IS NULL AS null_range;
