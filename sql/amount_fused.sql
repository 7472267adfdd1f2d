SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS reseller_billing;
RESET client_min_messages;
SET search_path = reseller_billing, public;
\set SHOW_CONTEXT never
-- round(a * q / k) with int4 q and k is planned as one call ...
CREATE TEMP TABLE fused AS
SELECT amount(v, c) AS a, q, k
  FROM (VALUES ('USD'), ('JPY'), ('KWD'), ('CLF'), ('XAU')) AS cur(c),
       LATERAL (SELECT round((g * 7919 % 2000003 - 1000001) * 0.000037, 6) AS v,
                       (g % 13 - 6)::int AS q, (ARRAY[1, 2, 3, 7, 12, -12, 1000, 365])[1 + g % 8]::int AS k
                  FROM generate_series(1, 4000) g) x;
EXPLAIN (VERBOSE, COSTS OFF) SELECT round(a * q / k) FROM fused;
-- ... whose result is the three operations' to the last digit, ties included
SELECT count(*) AS rows,
       count(*) FILTER (WHERE round(a * q / k) IS DISTINCT FROM round((a * q / k) + amount(0, currency(a)))) AS mismatches,
       count(*) FILTER (WHERE value(a * q) * 1000000 % k = k / 2 AND k % 2 = 0) > 0 AS has_ties
  FROM fused;
SELECT round('USD 10.00'::amount * 1 / 8), round('USD -10.00'::amount * 1 / 8), round('KWD 0.001'::amount * 5 / 10);
-- the same errors, in the same order
SELECT round('USD 9223372036854'::amount * 2 / 12);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT round('USD 1'::amount * 2 / 0);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
SELECT round('USD 9223372036854.775807'::amount * 1 / 1);
SELECT :'LAST_ERROR_SQLSTATE' AS sqlstate;
-- other shapes keep their own calls
EXPLAIN (VERBOSE, COSTS OFF) SELECT round(a * 2.5 / k), round(a / k), round(a * q::int8 / k) FROM fused;
