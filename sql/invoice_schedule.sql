SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
SET DateStyle = 'ISO, YMD';
SET TimeZone = 'UTC';
--
-- invoice_schedule: the month-by-month schedule of an Annual commitment
-- tranche (issue 4 §1, domain.md §2-§3).
--
--   annual_installment(total, start, end, month): what the tranche
--   [start, end) of that total bills in one calendar month;
--   annual_installments_through(total, start, end, month): what it bills in
--   every month up to and including that one.
--
-- The rules: a first month the tranche does not cover from its 1st is
-- prorated by days (total × days covered / days of the tranche, rounded
-- once, ties away from zero); so is a last month it does not cover to its
-- end, as the remainder (total less every other month); the full calendar
-- months share what is left in equal installments, split like allocate
-- (remainders one minor unit each to the earliest months).  Every figure
-- below is worked by hand in the comment above its query.
--

-- the schedule of one tranche, month by month, with the running total
CREATE TEMP TABLE tranche (label text PRIMARY KEY, total amount, starts date, ends date);
CREATE TEMP VIEW schedule AS
SELECT t.label, m::text AS month, annual_installment(t.total, t.starts, t.ends, m) AS amount,
       annual_installments_through(t.total, t.starts, t.ends, m) AS through
  FROM tranche t,
       generate_series(0, billing_period(t.ends - 1) - billing_period(t.starts)) g,
       LATERAL (SELECT billing_period(t.starts) + g AS m) p;

-- ===========================================================================
-- 10 seats at USD 40.00 a year from 1 January 2012: total 400.00 over 12
-- full months.  40000 cents / 12 = 3333 rem 4, so January..April 33.34 and
-- May..December 33.33: 4 × 33.34 + 8 × 33.33 = 133.36 + 266.64 = 400.00.
-- Running total after June: 133.36 + 2 × 33.33 = 200.02.
-- ===========================================================================
INSERT INTO tranche VALUES ('10 seats from Jan 1', 'USD 400.00', '2012-01-01', '2013-01-01');
SELECT month, amount, through FROM schedule WHERE label = '10 seats from Jan 1' ORDER BY month;
-- the same as allocate
SELECT allocate('USD 400.00', 12) = array_agg(amount ORDER BY month) AS same_as_allocate
  FROM schedule WHERE label = '10 seats from Jan 1';
-- nothing before the first month or after the last; through() is 0 before
-- and the whole total after
SELECT annual_installment('USD 400.00', '2012-01-01', '2013-01-01', '2011-12') AS dec_2011,
       annual_installment('USD 400.00', '2012-01-01', '2013-01-01', '2013-01') AS jan_2013,
       annual_installments_through('USD 400.00', '2012-01-01', '2013-01-01', '2011-12') AS through_dec_2011,
       annual_installments_through('USD 400.00', '2012-01-01', '2013-01-01', '2099-12') AS through_2099;

-- ===========================================================================
-- terms starting on the 29th, 30th and 31st (the end is 12 months later,
-- the last day of a shorter month when the day does not exist)
-- ===========================================================================
SELECT d AS term_start, (d + interval '12 months')::date AS term_end,
       (d + interval '12 months')::date - d AS days
  FROM unnest('{2012-01-31,2012-02-29,2013-01-29,2012-03-30}'::date[]) d;

-- 2012-01-31 .. 2013-01-31, 366 days (February 2012 has 29), USD 400.00.
--   Jan 2012, 1 day:   40000 × 1 / 366 = 109.29 -> 1.09
--   Feb..Dec 2012, 11 full months, 335 days: 40000 × 335 / 366 = 36612.02
--                      -> 366.12; 36612 / 11 = 3328 rem 4: Feb..May 33.29,
--                      Jun..Dec 33.28
--   Jan 2013, 30 days, the remainder: 400.00 - 1.09 - 366.12 = 32.79
--                      (by days it would be 40000 × 30 / 366 = 3278.69)
INSERT INTO tranche VALUES ('from Jan 31 (leap)', 'USD 400.00', '2012-01-31', '2013-01-31');
SELECT month, amount, through FROM schedule WHERE label = 'from Jan 31 (leap)' ORDER BY month;

-- 2012-02-29 .. 2013-02-28, 365 days, USD 400.00.
--   Feb 2012, 1 day:   40000 / 365 = 109.59 -> 1.10
--   Mar 2012..Jan 2013, 11 full months, 337 days: 40000 × 337 / 365 =
--                      36931.51 -> 369.32; 36932 / 11 = 3357 rem 5:
--                      Mar..Jul 33.58, Aug..Jan 33.57
--   Feb 2013 (28 days, 27 of them covered): 400.00 - 1.10 - 369.32 = 29.58
INSERT INTO tranche VALUES ('from Feb 29', 'USD 400.00', '2012-02-29', '2013-02-28');
SELECT month, amount, through FROM schedule WHERE label = 'from Feb 29' ORDER BY month;

-- 2013-01-29 .. 2014-01-29, 365 days (February 2013 has 28), USD 400.00.
--   Jan 2013, 3 days:  40000 × 3 / 365 = 328.77 -> 3.29
--   Feb..Dec 2013, 11 full months, 334 days: 40000 × 334 / 365 = 36602.74
--                      -> 366.03; 36603 / 11 = 3327 rem 6: Feb..Jul 33.28,
--                      Aug..Dec 33.27 (February's 28 days bill as much as
--                      March's 31: full months are equal installments)
--   Jan 2014, 28 days: 400.00 - 3.29 - 366.03 = 30.68
INSERT INTO tranche VALUES ('from Jan 29 (non-leap)', 'USD 400.00', '2013-01-29', '2014-01-29');
SELECT month, amount, through FROM schedule WHERE label = 'from Jan 29 (non-leap)' ORDER BY month;

-- 2012-03-30 .. 2013-03-30, 365 days, USD 400.00.
--   Mar 2012, 2 days:  40000 × 2 / 365 = 219.18 -> 2.19
--   Apr 2012..Feb 2013, 11 full months, 334 days: 366.03 as above:
--                      Apr..Sep 33.28, Oct..Feb 33.27
--   Mar 2013, 29 days: 400.00 - 2.19 - 366.03 = 31.78
INSERT INTO tranche VALUES ('from Mar 30', 'USD 400.00', '2012-03-30', '2013-03-30');
SELECT month, amount, through FROM schedule WHERE label = 'from Mar 30' ORDER BY month;

-- ===========================================================================
-- months of 28, 29, 30 and 31 days, partly covered: USD 1.00 a day makes
-- each month's share its number of days covered
-- ===========================================================================
-- 2013-02-15 .. 2013-04-15, 59 days, USD 59.00: February 2013 (28 days)
-- 14 days -> 14.00; March full, 31 days: 5900 × 31 / 59 = 31.00; April the
-- remainder, 59.00 - 14.00 - 31.00 = 14.00 (14 days)
INSERT INTO tranche VALUES ('Feb of 28 days', 'USD 59.00', '2013-02-15', '2013-04-15');
-- 2012-02-15 .. 2012-04-15, 60 days, USD 60.00: February 2012 (29 days)
-- 15 days -> 15.00; March 31.00; April 60.00 - 15.00 - 31.00 = 14.00
INSERT INTO tranche VALUES ('Feb of 29 days', 'USD 60.00', '2012-02-15', '2012-04-15');
-- 2012-04-10 .. 2012-06-10, 61 days, USD 61.00: April (30 days) 21 days
-- -> 21.00; May 31.00; June 61.00 - 21.00 - 31.00 = 9.00
INSERT INTO tranche VALUES ('Apr of 30 days', 'USD 61.00', '2012-04-10', '2012-06-10');
-- one whole month of each length: the whole total in it
INSERT INTO tranche VALUES ('all of Feb 2013', 'USD 28.00', '2013-02-01', '2013-03-01'),
                           ('all of Feb 2012', 'USD 29.00', '2012-02-01', '2012-03-01'),
                           ('all of Jun 2012', 'USD 30.00', '2012-06-01', '2012-07-01'),
                           ('all of Jul 2012', 'USD 31.00', '2012-07-01', '2012-08-01');
SELECT label, month, amount, through FROM schedule
 WHERE label IN ('Feb of 28 days', 'Feb of 29 days', 'Apr of 30 days', 'all of Feb 2013', 'all of Feb 2012',
                 'all of Jun 2012', 'all of Jul 2012')
 ORDER BY label, month;

-- ===========================================================================
-- seats added in the first and in the last month of a term: each addition
-- is a tranche from its day to the term's end, total = seats × price × its
-- days / days of the term, rounded once (prorate_fraction)
-- ===========================================================================
-- term 2012-01-01 .. 2013-01-01 (366 days); 2 seats at USD 40.00 added on
-- 2012-01-20: 347 days, 80.00 × 347 / 366 = 75.846994 -> 75.85.
--   Jan, 12 days:      7585 × 12 / 347 = 262.31 -> 2.62
--   Feb..Dec, 11 full months share 75.85 - 2.62 = 73.23: 7323 / 11 = 665
--                      rem 8: Feb..Sep 6.66, Oct..Dec 6.65
--                      (2.62 + 8 × 6.66 + 3 × 6.65 = 2.62 + 53.28 + 19.95 = 75.85)
SELECT prorate_fraction('USD 80.00', 347, 366) AS added_jan_20,
       prorate_fraction('USD 40.00', 22, 366) AS added_dec_10,
       prorate_fraction('USD 120.00', 10, 366) AS added_jan_5_2013,
       prorate_fraction('USD 120.00', 26, 366) AS added_dec_20;
INSERT INTO tranche VALUES ('2 seats added Jan 20', 'USD 75.85', '2012-01-20', '2013-01-01');
SELECT month, amount, through FROM schedule WHERE label = '2 seats added Jan 20' ORDER BY month;
-- 1 seat added on 2012-12-10, the term's last month: 22 days, 40.00 × 22 /
-- 366 = 2.404 -> 2.40, all billed in December
INSERT INTO tranche VALUES ('1 seat added Dec 10', 'USD 2.40', '2012-12-10', '2013-01-01');
SELECT month, amount, through FROM schedule WHERE label = '1 seat added Dec 10' ORDER BY month;
-- term 2012-01-15 .. 2013-01-15 (366 days), its last month January 2013.
-- 3 seats added on 2013-01-05: 10 days, 120.00 × 10 / 366 = 3.2787 -> 3.28,
-- all in January 2013.  3 seats added on 2012-12-20: 26 days, 120.00 × 26 /
-- 366 = 8.5246 -> 8.52, over two partial months and no full one: December
-- 12 days, 852 × 12 / 26 = 393.23 -> 3.93; January the remainder, 4.59.
INSERT INTO tranche VALUES ('3 seats added Jan 5 2013', 'USD 3.28', '2013-01-05', '2013-01-15'),
                           ('3 seats added Dec 20', 'USD 8.52', '2012-12-20', '2013-01-15');
SELECT label, month, amount, through FROM schedule
 WHERE label IN ('3 seats added Jan 5 2013', '3 seats added Dec 20') ORDER BY label, month;

-- ===========================================================================
-- negative totals: the mirror image (remainders to the earliest months,
-- ties away from zero)
-- ===========================================================================
-- -400.00 from Jan 1: January..April -33.34, May..December -33.33
INSERT INTO tranche VALUES ('negative 400', 'USD -400.00', '2012-01-01', '2013-01-01');
-- -75.85 from Jan 20: January -2.62, February..September -6.66,
-- October..December -6.65
INSERT INTO tranche VALUES ('negative 75.85', 'USD -75.85', '2012-01-20', '2013-01-01');
SELECT label, month, amount, through FROM schedule
 WHERE label IN ('negative 400', 'negative 75.85') ORDER BY label, month;
-- a tie: one cent over 2012-01-31 .. 2012-02-02 (2 days): January is
-- 1 × 1 / 2 = 0.5 cent -> 1 cent (away from zero), February the remainder 0;
-- the same for minus one cent
INSERT INTO tranche VALUES ('tie +0.01', 'USD 0.01', '2012-01-31', '2012-02-02'),
                           ('tie -0.01', 'USD -0.01', '2012-01-31', '2012-02-02');
SELECT label, month, amount, through FROM schedule WHERE label LIKE 'tie%' ORDER BY label, month;

-- ===========================================================================
-- other minor units: JPY (0 digits), KWD (3 digits)
-- ===========================================================================
-- JPY 1000 from Jan 1: 1000 / 12 = 83 rem 4: Jan..Apr 84, May..Dec 83
INSERT INTO tranche VALUES ('JPY 1000', 'JPY 1000', '2012-01-01', '2013-01-01');
-- JPY 12000 from 2012-01-31 (366 days): January 12000 / 366 = 32.79 -> 33;
-- Feb..Dec 12000 × 335 / 366 = 10983.61 -> 10984, / 11 = 998 rem 6:
-- Feb..Jul 999, Aug..Dec 998; January 2013: 12000 - 33 - 10984 = 983
INSERT INTO tranche VALUES ('JPY 12000 from Jan 31', 'JPY 12000', '2012-01-31', '2013-01-31');
-- KWD 1.000 from Jan 1: 1000 fils / 12 = 83 rem 4: Jan..Apr 0.084,
-- May..Dec 0.083
INSERT INTO tranche VALUES ('KWD 1.000', 'KWD 1.000', '2012-01-01', '2013-01-01');
-- KWD 10.000 from 2012-01-31: January 10000 / 366 = 27.32 -> 0.027;
-- Feb..Dec 10000 × 335 / 366 = 9153.01 -> 9.153, / 11 = 832 rem 1:
-- February 0.833, Mar..Dec 0.832; January 2013: 10.000 - 0.027 - 9.153 = 0.820
INSERT INTO tranche VALUES ('KWD 10.000 from Jan 31', 'KWD 10.000', '2012-01-31', '2013-01-31');
SELECT label, month, amount, through FROM schedule
 WHERE label IN ('JPY 1000', 'JPY 12000 from Jan 31', 'KWD 1.000', 'KWD 10.000 from Jan 31')
 ORDER BY label, month;

-- ===========================================================================
-- the exact term total, for every tranche above: the months add up to the
-- total, through() of the last month is the total, and through() of every
-- month is the running sum of the months so far
-- ===========================================================================
SELECT t.label, t.total, sum(s.amount) AS sum_of_months,
       annual_installments_through(t.total, t.starts, t.ends, billing_period(t.ends - 1)) AS through_last,
       annual_installments_through(t.total, t.starts, t.ends, billing_period(t.starts) - 1) AS through_before,
       sum(s.amount) = t.total AS exact
  FROM tranche t JOIN schedule s USING (label)
 GROUP BY t.label, t.total, t.starts, t.ends
 ORDER BY t.label;
SELECT count(*) AS months, count(*) FILTER (WHERE through = running) AS running_sums_match
  FROM (SELECT s.through, sum(s.amount) OVER (PARTITION BY s.label ORDER BY s.month) AS running
          FROM schedule s) x;

-- The same rules recomputed in plain numeric, for 12-month terms starting
-- on every day of 2012 and of 2013, at USD 400.00, USD -123.45, JPY 12345 and
-- KWD 7.001: first partial month by days, the full months' share (the rest,
-- or by days when the last month is partial) through allocate, the last
-- partial month the remainder.
CREATE TEMP TABLE grid AS
SELECT d::date AS starts, (d + interval '12 months')::date AS ends, tot AS total
  FROM generate_series('2012-01-01'::timestamp, '2013-12-31', '1 day') d,
       unnest('{USD 400.00,USD -123.45,JPY 12345,KWD 7.001}'::amount[]) tot;
CREATE TEMP TABLE grid_parts AS
SELECT g.*, value(g.total) AS tv, minor_unit(currency(g.total)) AS mu, g.ends - g.starts AS days,
       billing_period(g.starts) AS fm, billing_period(g.ends - 1) AS lm,
       g.starts <> period_start(billing_period(g.starts)) AS fp,
       g.ends <> period_end(billing_period(g.ends - 1)) AS lp
  FROM grid g;
CREATE TEMP TABLE grid_expected AS
WITH p AS (
    SELECT gp.*,
           CASE WHEN fp THEN round(tv * (period_end(fm) - starts) / days, mu) ELSE 0 END AS first_amt,
           (lm - fm + 1) - fp::int - lp::int AS n_full,
           period_start(fm + fp::int) AS full_from, period_start(lm + 1 - lp::int) AS full_to
      FROM grid_parts gp
), q AS (
    SELECT p.*, CASE WHEN lp THEN round(tv * (full_to - full_from) / days, mu) ELSE tv - first_amt END AS full_share
      FROM p
)
SELECT q.starts, q.total, q.fm + k AS month,
       CASE WHEN k = 0 AND q.fp THEN q.first_amt
            WHEN q.fm + k = q.lm AND q.lp THEN q.tv - q.first_amt - q.full_share
            ELSE value((allocate(amount(q.full_share, currency(q.total)), q.n_full))[k + 1 - q.fp::int]) END AS expected
  FROM q, generate_series(0, q.lm - q.fm) k;
SELECT count(*) AS months_checked,
       count(*) FILTER (WHERE value(annual_installment(g.total, g.starts, g.ends, e.month)) = e.expected) AS as_expected
  FROM grid_expected e JOIN grid g USING (starts, total);
SELECT count(*) AS terms_checked,
       count(*) FILTER (WHERE annual_installments_through(g.total, g.starts, g.ends, billing_period(g.ends - 1)) = g.total
                          AND e.sum_expected = value(g.total)) AS exact_totals
  FROM grid g
  JOIN (SELECT starts, total, sum(expected) AS sum_expected FROM grid_expected GROUP BY starts, total) e
 USING (starts, total);

-- ===========================================================================
-- dates before year 0: the calendar is the same every 400 years, so a
-- tranche from 2 BC (year -1) bills year 1 exactly as the tranche shifted
-- by 400 years bills year 401 (month arithmetic must floor, not truncate)
-- ===========================================================================
SELECT annual_installment('USD 1000000.00', '0002-01-10 BC', '0001-06-10', '0001-01') AS bc,
       annual_installment('USD 1000000.00', '0399-01-10', '0401-06-10', '0401-01') AS shifted,
       annual_installments_through('USD 1000000.00', '0002-01-10 BC', '0001-06-10', '0001-01') AS bc_through,
       annual_installments_through('USD 1000000.00', '0399-01-10', '0401-06-10', '0401-01') AS shifted_through;
SELECT count(*) AS months,
       count(*) FILTER (WHERE annual_installment('USD 1000000.00', '0002-02-10 BC', '0001-06-10', '0001-01'::billing_period + k)
                            = annual_installment('USD 1000000.00', '0399-02-10', '0401-06-10', '0401-01'::billing_period + k)
                          AND annual_installments_through('USD 1000000.00', '0002-02-10 BC', '0001-06-10', '0001-01'::billing_period + k)
                            = annual_installments_through('USD 1000000.00', '0399-02-10', '0401-06-10', '0401-01'::billing_period + k))
           AS same
  FROM generate_series(0, 5) k;

-- ===========================================================================
-- bad input: 22023
-- ===========================================================================
-- a total with digits below the minor unit
SELECT annual_installment('USD 400.001', '2012-01-01', '2013-01-01', '2012-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT annual_installments_through('JPY 1000.5', '2012-01-01', '2013-01-01', '2012-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- an empty or inverted tranche, or one without an end
SELECT annual_installment('USD 400.00', '2012-01-01', '2012-01-01', '2012-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT annual_installments_through('USD 400.00', '2013-01-01', '2012-01-01', '2012-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT annual_installment('USD 400.00', '2012-01-01', 'infinity', '2012-01');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- a cycle anchored on another day than the 1st
SELECT annual_installment('USD 400.00', '2012-01-01', '2013-01-01', '2012-01@15');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT annual_installments_through('USD 400.00', '2012-01-01', '2013-01-01', '2012-06@31');
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- NULL in, NULL out (strict)
SELECT annual_installment(NULL, '2012-01-01', '2013-01-01', '2012-01') IS NULL AS null_total,
       annual_installments_through('USD 400.00', NULL, '2013-01-01', '2012-01') IS NULL AS null_start;
