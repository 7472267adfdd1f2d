#!/usr/bin/env bash
#
# bench/types.sh — the amount type against int8 minor units and numeric.
#
# Run by `make bench` (test/harness/run-bench.sh), which starts a throwaway
# cluster, installs the extension and exports PGHOST/PGPORT/PGUSER/PGDATABASE.
# Standalone: point those at any PostgreSQL 15 with reseller_billing installed.
#
#   RB_BENCH_ROWS   rows in the table            (default 10000000)
#   RB_BENCH_RUNS   timed runs of each query     (default 5)
#   RB_BENCH_DB     database, dropped and made   (default rb_bench)
#   RB_BENCH_JIT    jit setting for the timings  (default off)
#   RB_BENCH_STRICT 1: exit non-zero on a MISS   (default 0: report only)
#
# One table t(amt amount, cents int8, num numeric, qty int4) of USD prices
# (about one row in ten is a credit, i.e. negative) and quantities 1..100,
# generated deterministically.  Every query runs once untimed, then RUNS times
# interleaved (A B C D E, A B C D E, ...) in one backend, timed server-side
# with clock_timestamp() around EXECUTE; no parallel workers.  The medians
# are compared:
#
#   1. sum(amt)                         vs sum(cents)              goal amount/int8 <= 1.25
#   2. sum(round(amt * qty / 12))       vs sum(round(num * qty / 12, 2))
#                                                                  goal numeric/amount >= 3
#   3. sum(round(amt * qty / 12))       vs sum(cents * qty / 12)   amount/int8, informational
#
# The results are checked too: every run of a query gives the same result,
# value(sum(amt)) * 100 = sum(cents) = sum(num) * 100, the amount and numeric
# versions of (2) are equal (both round each row half away from zero to
# cents), and the truncating int8 version is within one cent per row of them.
# A failed check, or any SQL error, makes the script exit non-zero.
set -euo pipefail

ROWS=${RB_BENCH_ROWS:-10000000}
RUNS=${RB_BENCH_RUNS:-5}
DB=${RB_BENCH_DB:-rb_bench}
JIT=${RB_BENCH_JIT:-off}
STRICT=${RB_BENCH_STRICT:-0}

die() { echo "bench/types.sh: $*" >&2; exit 1; }
[[ $ROWS =~ ^[0-9]+$ ]] && ((ROWS >= 1)) || die "RB_BENCH_ROWS must be a positive integer, got '$ROWS'"
[[ $RUNS =~ ^[0-9]+$ ]] && ((RUNS >= 1)) || die "RB_BENCH_RUNS must be a positive integer, got '$RUNS'"
[[ $DB =~ ^[a-z_][a-z0-9_]*$ ]] || die "RB_BENCH_DB must be a plain lower-case identifier, got '$DB'"
[[ $JIT == on || $JIT == off ]] || die "RB_BENCH_JIT must be on or off, got '$JIT'"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

echo "bench/types.sh: $ROWS rows, $RUNS timed runs per query, jit=$JIT," \
	"server ${PGHOST:-default}:${PGPORT:-5432}"

# ---- database --------------------------------------------------------------
bench_fresh_database

# ---- data ------------------------------------------------------------------
load_start=$(date +%s)
"${PSQL[@]}" -d "$DB" -v rows="$ROWS" <<'SQL'
CREATE EXTENSION reseller_billing;
CREATE EXTENSION pg_prewarm;

-- unlogged: the load writes no WAL; scans are the same as for a logged table
CREATE UNLOGGED TABLE t (
	amt   reseller_billing.amount NOT NULL,
	cents int8    NOT NULL,
	num   numeric NOT NULL,
	qty   int4    NOT NULL
);

-- Deterministic pseudo-random data: multiplicative hashes of the row number.
-- cents 1..99999 ($0.01..$999.99), every tenth row a credit; qty 1..100.
INSERT INTO t (amt, cents, num, qty)
SELECT reseller_billing.amount(c * 0.01, 'USD'), c, c * 0.01, q
FROM (
	SELECT CASE WHEN i % 10 = 0 THEN -1 ELSE 1 END * ((i * 2654435761) % 99999 + 1) AS c,
	       ((i * 2246822519) % 1000003) % 100 + 1 AS q
	FROM generate_series(1::int8, :rows::int8) AS i
) s;

VACUUM (ANALYZE) t;
SQL
load_secs=$(($(date +%s) - load_start))

# ---- measurement and checks, one backend -------------------------------------
set +e
"${PSQL[@]}" -d "$DB" -v rows="$ROWS" -v runs="$RUNS" -v jit="$JIT" -v load_secs="$load_secs" <<'SQL'
\set QUIET on
SET max_parallel_workers_per_gather = 0;
SET jit = :'jit';
SET search_path = reseller_billing, public;
SELECT set_config('rb_bench.runs', :'runs', false) \g /dev/null

\echo
\echo '== data'
SELECT pg_prewarm('t') AS blocks_prewarmed \gset d_
SELECT count(*) AS rows,
       pg_size_pretty(pg_table_size('t')) AS table_size,
       current_setting('shared_buffers') AS shared_buffers,
       :'load_secs' || ' s' AS load_time
FROM t \gset d_
\echo 'rows:' :d_rows '  table:' :d_table_size '  shared_buffers:' :d_shared_buffers '  prewarmed blocks:' :d_blocks_prewarmed '  load + vacuum analyze:' :d_load_time
SELECT (:'d_rows'::int8 = :'rows'::int8) AS rows_ok \gset
\if :rows_ok
\else
  \echo 'FAILED: the table has' :d_rows 'rows, expected' :rows
  DO $$ BEGIN RAISE EXCEPTION 'bench/types.sh: wrong row count'; END $$;
\endif
SELECT pg_table_size('t') > pg_size_bytes(current_setting('shared_buffers')) AS too_big \gset
\if :too_big
  \echo 'note: the table is larger than shared_buffers; scans will read from the OS cache'
\endif

-- bookkeeping in public (reseller_billing is first on the search_path)
DROP TABLE IF EXISTS public.bench_query, public.bench_run, public.bench_verdict;
CREATE TABLE public.bench_query (id int PRIMARY KEY, label text NOT NULL, sql text NOT NULL);
CREATE TABLE public.bench_run (query_id int NOT NULL, run int NOT NULL, ms float8 NOT NULL, result text);
INSERT INTO public.bench_query VALUES
	(1, 'sum amount',         'SELECT sum(amt) FROM t'),
	(2, 'sum int8',           'SELECT sum(cents) FROM t'),
	(3, 'round div amount',   'SELECT sum(round(amt * qty / 12)) FROM t'),
	(4, 'round div numeric',  'SELECT sum(round(num * qty / 12, 2)) FROM t'),
	(5, 'div int8 (floor)',   'SELECT sum(cents * qty / 12) FROM t');

\echo
\echo '== timing:' :runs 'interleaved runs of each query after one untimed run (server-side clock_timestamp)'
DO $$
DECLARE
	q      record;
	r      int;
	t0     timestamptz;
	t1     timestamptz;
	res    text;
	nruns  int := current_setting('rb_bench.runs')::int;
BEGIN
	-- warm-up: caches, hint bits, catalog lookups
	FOR q IN SELECT * FROM public.bench_query ORDER BY id LOOP
		EXECUTE q.sql INTO res;
	END LOOP;
	FOR r IN 1 .. nruns LOOP
		FOR q IN SELECT * FROM public.bench_query ORDER BY id LOOP
			t0 := clock_timestamp();
			EXECUTE q.sql INTO res;
			t1 := clock_timestamp();
			INSERT INTO public.bench_run VALUES (q.id, r, extract(epoch FROM t1 - t0) * 1000, res);
		END LOOP;
	END LOOP;
END
$$;

CREATE TEMP VIEW med AS
SELECT q.id, q.label, q.sql,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms) AS median_ms,
       min(r.ms) AS min_ms, max(r.ms) AS max_ms,
       count(*) AS runs,
       count(DISTINCT r.result) AS distinct_results,
       min(r.result) AS result
FROM public.bench_query q JOIN public.bench_run r ON r.query_id = q.id
GROUP BY q.id, q.label, q.sql;

SELECT label AS query, sql,
       to_char(median_ms, 'FM999999990.0') AS "median ms",
       to_char(min_ms, 'FM999999990.0') AS "min ms",
       to_char(max_ms, 'FM999999990.0') AS "max ms",
       result
FROM med ORDER BY id;

\echo '== comparisons'
CREATE TEMP VIEW cmp AS
WITH m AS (SELECT id, median_ms FROM med)
SELECT c.ord, c.comparison, c.ratio_of, c.ratio, c.goal,
       CASE WHEN c.goal_op = '<=' THEN CASE WHEN c.ratio <= c.goal_val THEN 'PASS' ELSE 'MISS' END
            WHEN c.goal_op = '>=' THEN CASE WHEN c.ratio >= c.goal_val THEN 'PASS' ELSE 'MISS' END
            ELSE 'info' END AS verdict
FROM (
	SELECT 1 AS ord, 'sum(amt) vs sum(cents)' AS comparison, 'amount / int8' AS ratio_of,
	       (SELECT median_ms FROM m WHERE id = 1) / nullif((SELECT median_ms FROM m WHERE id = 2), 0) AS ratio,
	       '<= 1.25' AS goal, '<=' AS goal_op, 1.25 AS goal_val
	UNION ALL
	SELECT 2, 'sum(round(x * qty / 12)): numeric vs amount', 'numeric / amount',
	       (SELECT median_ms FROM m WHERE id = 4) / nullif((SELECT median_ms FROM m WHERE id = 3), 0),
	       '>= 3', '>=', 3
	UNION ALL
	SELECT 3, 'x * qty / 12: amount (rounded) vs int8 (truncated)', 'amount / int8',
	       (SELECT median_ms FROM m WHERE id = 3) / nullif((SELECT median_ms FROM m WHERE id = 5), 0),
	       '(floor)', NULL, NULL
) c;
CREATE TABLE public.bench_verdict AS SELECT * FROM cmp;
SELECT comparison, ratio_of AS "ratio of medians", to_char(ratio, 'FM99990.00') AS ratio, goal, verdict
FROM cmp ORDER BY ord;

\echo '== result checks'
CREATE TEMP VIEW res AS
SELECT (SELECT result FROM med WHERE id = 1) AS sum_amt,
       (SELECT result FROM med WHERE id = 2)::numeric AS sum_cents,
       (SELECT result FROM med WHERE id = 3) AS rdiv_amt,
       (SELECT result FROM med WHERE id = 4)::numeric AS rdiv_num,
       (SELECT result FROM med WHERE id = 5)::numeric AS div_cents;
CREATE TEMP TABLE checks AS
SELECT 1 AS ord, 'every run of a query gave the same result' AS "check",
       (SELECT bool_and(distinct_results = 1) FROM med) AS ok,
       (SELECT string_agg(label || ': ' || distinct_results, ', ') FROM med WHERE distinct_results <> 1) AS detail
UNION ALL
SELECT 2, 'sum(amt) is in USD',
       currency(sum_amt::amount) = 'USD', sum_amt
FROM res
UNION ALL
SELECT 3, 'value(sum(amt)) * 100 = sum(cents)',
       value(sum_amt::amount) * 100 = sum_cents,
       value(sum_amt::amount) * 100 || ' vs ' || sum_cents
FROM res
UNION ALL
SELECT 4, 'sum(num) * 100 = sum(cents)',
       s * 100 = (SELECT sum_cents FROM res), s * 100 || ' vs ' || (SELECT sum_cents FROM res)
FROM (SELECT sum(num) AS s FROM t) x
UNION ALL
SELECT 5, 'value(sum(round(amt*qty/12))) = sum(round(num*qty/12, 2))',
       value(rdiv_amt::amount) = rdiv_num,
       value(rdiv_amt::amount) || ' vs ' || rdiv_num
FROM res
UNION ALL
SELECT 6, '|rounded cents - truncated cents| <= rows',
       abs(rdiv_num * 100 - div_cents) <= :'rows'::numeric,
       'difference ' || (rdiv_num * 100 - div_cents) || ' cents over ' || :'rows' || ' rows'
FROM res;
SELECT "check", CASE WHEN ok THEN 'ok' ELSE 'FAILED' END AS result, detail
FROM checks ORDER BY ord;

SELECT count(*) FILTER (WHERE ok IS NOT TRUE) AS failed_checks FROM checks \gset
SELECT count(*) FILTER (WHERE verdict = 'MISS') AS misses FROM cmp \gset
SELECT (:failed_checks > 0) AS any_failed \gset
\if :any_failed
  \echo 'FAILED:' :failed_checks 'result check(s) failed'
  DO $$ BEGIN RAISE EXCEPTION 'bench/types.sh: result checks failed'; END $$;
\endif
\echo 'summary: all result checks ok;' :misses 'goal(s) missed'
SQL
rc=$?
set -e

((rc == 0)) || die "FAILED (psql exit $rc; see the messages above)"


if [[ $STRICT == 1 ]]; then
	misses=$("${PSQL[@]}" -d "$DB" -Atc "SELECT count(*) FROM public.bench_verdict WHERE verdict = 'MISS'")
	if ((misses > 0)); then
		die "$misses performance goal(s) missed (RB_BENCH_STRICT=1)"
	fi
fi
echo "bench/types.sh: done"
