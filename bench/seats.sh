#!/usr/bin/env bash
#
# bench/seats.sh — the cost of the seat-limit trigger (issue 3 §5).
#
# Run by `make bench` (test/harness/run-bench.sh), which starts a throwaway
# cluster, installs the extension and exports PGHOST/PGPORT/PGUSER/PGDATABASE.
# Standalone: point those at any PostgreSQL 15 with reseller_billing installed.
#
#   RB_SEATS_ROWS     rows per multi-row INSERT            (default 1000)
#   RB_SEATS_SINGLE   single-row INSERTs per transaction   (default 1000)
#   RB_SEATS_PRELOAD  accounts on the "full" subscription  (default 100000)
#   RB_SEATS_RUNS     timed runs of each measurement       (default 11)
#   RB_SEATS_DB       database, dropped and made           (default rb_bench_seats)
#   RB_BENCH_STRICT   1: exit non-zero on a MISS           (default 0: report only)
#
# Two Flex subscriptions with cap 1,000,000 (the most a subscription holds): "empty" (0 active accounts) and
# "full" (PRELOAD active accounts, loaded with one INSERT through the trigger).
# Two tables of the same shape as reseller_billing.seat, holding the same
# PRELOAD rows: public.plain_seat (LIKE seat INCLUDING DEFAULTS, IDENTITY,
# INDEXES: no trigger, no foreign key, no check) and public.fk_seat (the same
# plus seat's foreign key to subscription, still no trigger), which splits the
# cost of a seat insert into the foreign key's share and the cap trigger's.
#
# Measurements (all inserting into the empty subscription unless "full"):
#   rows  seat        INSERT ... SELECT of ROWS rows into seat (cap trigger + FK)
#   rows  seat full   the same into the full subscription
#   rows  fk_seat     the same rows into fk_seat
#   rows  plain       the same rows into plain_seat
#   rows  audited     the same rows into audited_seat (plain_seat with the audit
#                     log's triggers, issue 7 §3)
#   single ...        SINGLE single-row INSERT statements in one transaction
#                     (a plpgsql loop), into seat / seat full / fk_seat / plain
#   subs  subscription  ROWS/10 subscriptions (half Annual, half Flex) in one
#                     INSERT, then 5 accounts on each in one INSERT, through
#                     every rule of subscription and seat (issue 13)
#   subs  plain       the same rows into plain_subscription (LIKE subscription)
#                     and plain_seat, with the values the rules fill in
#                     (term end, status, partner price) written out
#
# The counter is written once per transaction, at commit, by a deferred
# trigger (0.3.0): each measurement ends with SET CONSTRAINTS ALL IMMEDIATE
# inside the timed part, so that write is counted as a commit would.
#
# Every measurement runs inside a subtransaction that is rolled back (the
# plpgsql block raises a private SQLSTATE right after the timed statement and
# catches it), so the tables keep their size: seats cannot be deleted, by
# design.  One untimed round warms up; then RUNS rounds, each running every
# measurement once in a rotated order (interleaved), timed server-side with
# clock_timestamp(), with a VACUUM of the tables between rounds so the dead
# rows of the rolled-back inserts do not pile up.  Medians are compared:
#
#   seat full / seat     (ROWS-row INSERT)   goal <= 1.2: the check does not count rows
#   subscription / plain_subscription         goal <= 3.0: creating
#                        subscriptions with accounts; also subscriptions/s
#   seat / audited_seat  (ROWS-row INSERT)   goal <= 1.5: the cost of the constraint
#                        (both tables carry the audit log's triggers)
#   seat / plain         (ROWS-row INSERT)   goal <= 2.0: the constraint and the
#                        audit together (issue 13)
#   audited_seat / plain (ROWS-row INSERT)   goal <= 1.6: the audit alone
#   seat / plain         (SINGLE x 1 row)    goal <= 4.0, seat / fk_seat goal <= 2.5:
#                        what one application INSERT costs (issue 13)
#   seat / fk_seat, fk_seat / plain (ROWS rows), seat full / seat (single
#   rows): informational
#
# Checks: every timed statement inserted exactly what it should (the counter
# moved by that much, or the plain table grew by that much, inside the
# subtransaction), and afterwards the counters and tables are as loaded.  A
# failed check, or any SQL error, makes the script exit non-zero; a missed
# goal is reported as MISS and fails the script only with RB_BENCH_STRICT=1.
set -euo pipefail

ROWS=${RB_SEATS_ROWS:-1000}
SINGLE=${RB_SEATS_SINGLE:-1000}
PRELOAD=${RB_SEATS_PRELOAD:-100000}
RUNS=${RB_SEATS_RUNS:-11}
DB=${RB_SEATS_DB:-rb_bench_seats}
STRICT=${RB_BENCH_STRICT:-0}

die() { echo "bench/seats.sh: $*" >&2; exit 1; }
posint() {
	if ! [[ $2 =~ ^[0-9]+$ ]] || ((10#$2 < 1)); then
		die "$1 must be a positive integer, got '$2'"
	fi
}
posint RB_SEATS_ROWS "$ROWS"
posint RB_SEATS_SINGLE "$SINGLE"
posint RB_SEATS_PRELOAD "$PRELOAD"
posint RB_SEATS_RUNS "$RUNS"
[[ $DB =~ ^[a-z_][a-z0-9_]*$ ]] || die "RB_SEATS_DB must be a plain lower-case identifier, got '$DB'"
# shellcheck source=bench/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

echo "bench/seats.sh: $ROWS-row INSERTs, $SINGLE single-row INSERTs per transaction," \
	"$PRELOAD accounts preloaded, $RUNS timed runs, server ${PGHOST:-default}:${PGPORT:-5432}"

# ---- database --------------------------------------------------------------
bench_fresh_database

# ---- data ------------------------------------------------------------------
load_start=$(date +%s)
"${PSQL[@]}" -d "$DB" -v preload="$PRELOAD" <<'SQL'
CREATE EXTENSION reseller_billing;

INSERT INTO reseller_billing.program (program_id, code, name, currency, time_zone, reseller_discount)
VALUES (1, 'bench', 'Seat benchmark', 'USD', 'UTC', 0.20);
INSERT INTO reseller_billing.sku (sku_id, program_id, code, name, family)
VALUES (1, 1, 'apps', 'Apps', 'apps');
INSERT INTO reseller_billing.price (sku_id, plan, list_price, valid_from) VALUES
	(1, 'annual_monthly', reseller_billing.amount(50, 'USD'), '2000-01-01'),
	(1, 'flexible',       reseller_billing.amount(60, 'USD'), '2000-01-01');
INSERT INTO reseller_billing.reseller (reseller_id, program_id, name, country)
VALUES (1, 1, 'Bench reseller', 'US');
INSERT INTO reseller_billing.customer (reseller_id, customer_id, name, primary_domain)
VALUES (1, 1, 'Bench customer', 'bench.example');
-- 1 = empty, 2 = full
INSERT INTO reseller_billing.subscription
	(reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start)
VALUES (1, 1, 1, 1, 'flexible', 1000000, '2024-01-01'),
       (1, 2, 1, 1, 'flexible', 1000000, '2024-01-01');

-- the full subscription, in one INSERT through the trigger
INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name)
SELECT 1, 2, 'p' || g FROM generate_series(1, :preload) g;

-- the same shape without the rules, holding the same rows
CREATE TABLE public.plain_seat
	(LIKE reseller_billing.seat INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES);
CREATE TABLE public.fk_seat
	(LIKE reseller_billing.seat INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES,
	 FOREIGN KEY (reseller_id, subscription_id) REFERENCES reseller_billing.subscription);
-- the plain shape with the audit log's triggers, exactly as seat has them
-- (issue 7 §3): what the cap rules cost on top of the audit
CREATE TABLE public.audited_seat
	(LIKE reseller_billing.seat INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES);
-- subscriptions without the rules, for creating subscriptions with accounts
CREATE TABLE public.plain_subscription
	(LIKE reseller_billing.subscription INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING INDEXES);
SELECT setval(pg_get_serial_sequence('reseller_billing.subscription', 'subscription_id'), 2) \g /dev/null
INSERT INTO public.plain_seat SELECT * FROM reseller_billing.seat;
INSERT INTO public.fk_seat SELECT * FROM reseller_billing.seat;
INSERT INTO public.audited_seat SELECT * FROM reseller_billing.seat;
SELECT reseller_billing.audit_attach('public.audited_seat', ARRAY['reseller_id', 'seat_id']) \g /dev/null
SELECT setval(pg_get_serial_sequence('public.audited_seat', 'seat_id'), max(seat_id)) FROM public.audited_seat \g /dev/null
SELECT setval(pg_get_serial_sequence('public.plain_seat', 'seat_id'), max(seat_id)) FROM public.plain_seat \g /dev/null
SELECT setval(pg_get_serial_sequence('public.fk_seat', 'seat_id'), max(seat_id)) FROM public.fk_seat \g /dev/null

-- autovacuum would run at random moments; the script vacuums between rounds
ALTER TABLE reseller_billing.seat SET (autovacuum_enabled = off);
ALTER TABLE reseller_billing.subscription SET (autovacuum_enabled = off);
ALTER TABLE public.plain_seat SET (autovacuum_enabled = off);
ALTER TABLE public.plain_subscription SET (autovacuum_enabled = off);
ALTER TABLE public.fk_seat SET (autovacuum_enabled = off);
ALTER TABLE public.audited_seat SET (autovacuum_enabled = off);
ALTER TABLE reseller_billing.audit_log SET (autovacuum_enabled = off);
VACUUM (ANALYZE) reseller_billing.seat, reseller_billing.subscription, public.plain_seat, public.fk_seat,
	public.audited_seat, reseller_billing.audit_log;
SQL
load_secs=$(($(date +%s) - load_start))

# ---- measurement and checks, one backend -------------------------------------
rounds=""
for ((r = 0; r <= RUNS; r++)); do
	rounds+="CALL public.seat_bench_round($r);
VACUUM reseller_billing.seat, reseller_billing.subscription, public.plain_seat, public.fk_seat, public.audited_seat, public.plain_subscription, reseller_billing.audit_log, reseller_billing.subscription_change;
"
done

set +e
"${PSQL[@]}" -d "$DB" -v rows="$ROWS" -v single="$SINGLE" -v preload="$PRELOAD" -v runs="$RUNS" \
	-v load_secs="$load_secs" <<SQL
\set QUIET on
SET jit = off;
SET max_parallel_workers_per_gather = 0;

\echo
\echo '== data'
SELECT (SELECT active_seats FROM reseller_billing.subscription WHERE subscription_id = 1) AS empty_accounts,
       (SELECT active_seats FROM reseller_billing.subscription WHERE subscription_id = 2) AS full_accounts,
       (SELECT count(*) FROM public.plain_seat) AS plain_rows,
       (SELECT count(*) FROM public.fk_seat) AS fk_rows,
       pg_size_pretty(pg_total_relation_size('reseller_billing.seat')) AS seat_size \gset d_
\echo 'accounts: empty subscription' :d_empty_accounts ', full subscription' :d_full_accounts '  plain_seat rows:' :d_plain_rows '  fk_seat rows:' :d_fk_rows '  seat table with indexes:' :d_seat_size '  load:' :load_secs 's'
SELECT (:'d_empty_accounts'::int = 0 AND :'d_full_accounts'::int = :'preload'::int
        AND :'d_plain_rows'::int = :'preload'::int AND :'d_fk_rows'::int = :'preload'::int) AS load_ok \gset
\if :load_ok
\else
  \echo 'FAILED: the data did not load as expected'
  DO \$\$ BEGIN RAISE EXCEPTION 'bench/seats.sh: wrong data'; END \$\$;
\endif

-- bookkeeping in public
DROP TABLE IF EXISTS public.seat_bench_query, public.seat_bench_run, public.seat_bench_verdict;
CREATE TABLE public.seat_bench_query (
	id        int PRIMARY KEY,
	label     text NOT NULL,
	sql       text NOT NULL,     -- the timed statement
	check_sql text NOT NULL,     -- run after it, inside the subtransaction
	expected  bigint NOT NULL    -- what check_sql must return
);
CREATE TABLE public.seat_bench_run (query_id int NOT NULL, run int NOT NULL, ms float8 NOT NULL, checked bigint);

-- N single-row INSERT statements in the caller's transaction
CREATE FUNCTION public.seat_bench_single(p_table regclass, p_sub bigint, p_n int) RETURNS int
	LANGUAGE plpgsql AS \$f\$
BEGIN
	IF p_table = 'reseller_billing.seat'::regclass THEN
		FOR i IN 1 .. p_n LOOP
			INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name) VALUES (1, p_sub, 's' || i);
		END LOOP;
	ELSIF p_table = 'public.fk_seat'::regclass THEN
		FOR i IN 1 .. p_n LOOP
			INSERT INTO public.fk_seat (reseller_id, subscription_id, user_name) VALUES (1, p_sub, 's' || i);
		END LOOP;
	ELSE
		FOR i IN 1 .. p_n LOOP
			INSERT INTO public.plain_seat (reseller_id, subscription_id, user_name) VALUES (1, p_sub, 's' || i);
		END LOOP;
	END IF;
	RETURN p_n;
END \$f\$;

-- N subscriptions (half Annual with 10 committed seats, half Flex with cap
-- 10), then 5 accounts on each: through the extension's tables and every
-- rule, or into tables of the same shape with the values the rules fill in
-- written out
CREATE FUNCTION public.sub_bench_create(p_plain bool, p_n int) RETURNS int
	LANGUAGE plpgsql AS \$f\$
DECLARE
	ids     bigint[];
	start   date := reseller_billing.clock_now()::date - 30;
BEGIN
	IF p_plain THEN
		WITH s AS (
			INSERT INTO public.plain_subscription
				(reseller_id, customer_id, sku_id, plan, committed_seats, seat_cap, term_start, term_end, partner_price, status)
			SELECT 1, 1, 1, CASE WHEN g % 2 = 0 THEN 'annual_monthly' ELSE 'flexible' END::reseller_billing.plan_kind,
			       CASE WHEN g % 2 = 0 THEN 10 END, CASE WHEN g % 2 = 1 THEN 10 END, start,
			       CASE WHEN g % 2 = 0 THEN (start + interval '12 months')::date END,
			       CASE WHEN g % 2 = 0 THEN reseller_billing.amount(40, 'USD') ELSE reseller_billing.amount(48, 'USD') END,
			       'active'
			  FROM generate_series(1, p_n) g
			RETURNING subscription_id)
		SELECT array_agg(subscription_id) INTO ids FROM s;
		INSERT INTO public.plain_seat (reseller_id, subscription_id, user_name)
		SELECT 1, i, 'n' || k FROM unnest(ids) i, generate_series(1, 5) k;
	ELSE
		WITH s AS (
			INSERT INTO reseller_billing.subscription (reseller_id, customer_id, sku_id, plan, committed_seats, seat_cap, term_start)
			SELECT 1, 1, 1, CASE WHEN g % 2 = 0 THEN 'annual_monthly' ELSE 'flexible' END::reseller_billing.plan_kind,
			       CASE WHEN g % 2 = 0 THEN 10 END, CASE WHEN g % 2 = 1 THEN 10 END, start
			  FROM generate_series(1, p_n) g
			RETURNING subscription_id)
		SELECT array_agg(subscription_id) INTO ids FROM s;
		INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name)
		SELECT 1, i, 'n' || k FROM unnest(ids) i, generate_series(1, 5) k;
	END IF;
	RETURN p_n;
END \$f\$;

INSERT INTO public.seat_bench_query VALUES
	(1, 'seat, ' || :rows || ' rows, empty sub',
	    'INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name) SELECT 1, 1, ''b'' || g FROM generate_series(1, ' || :rows || ') g',
	    'SELECT active_seats FROM reseller_billing.subscription WHERE reseller_id = 1 AND subscription_id = 1', :rows),
	(2, 'seat, ' || :rows || ' rows, full sub',
	    'INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name) SELECT 1, 2, ''b'' || g FROM generate_series(1, ' || :rows || ') g',
	    'SELECT active_seats FROM reseller_billing.subscription WHERE reseller_id = 1 AND subscription_id = 2', :preload + :rows),
	(3, 'fk_seat, ' || :rows || ' rows',
	    'INSERT INTO public.fk_seat (reseller_id, subscription_id, user_name) SELECT 1, 1, ''b'' || g FROM generate_series(1, ' || :rows || ') g',
	    'SELECT count(*) FROM public.fk_seat', :preload + :rows),
	(4, 'plain_seat, ' || :rows || ' rows',
	    'INSERT INTO public.plain_seat (reseller_id, subscription_id, user_name) SELECT 1, 1, ''b'' || g FROM generate_series(1, ' || :rows || ') g',
	    'SELECT count(*) FROM public.plain_seat', :preload + :rows),
	(5, 'seat, ' || :single || ' x 1 row, empty sub',
	    'SELECT public.seat_bench_single(''reseller_billing.seat'', 1, ' || :single || ')',
	    'SELECT active_seats FROM reseller_billing.subscription WHERE reseller_id = 1 AND subscription_id = 1', :single),
	(6, 'seat, ' || :single || ' x 1 row, full sub',
	    'SELECT public.seat_bench_single(''reseller_billing.seat'', 2, ' || :single || ')',
	    'SELECT active_seats FROM reseller_billing.subscription WHERE reseller_id = 1 AND subscription_id = 2', :preload + :single),
	(7, 'fk_seat, ' || :single || ' x 1 row',
	    'SELECT public.seat_bench_single(''public.fk_seat'', 1, ' || :single || ')',
	    'SELECT count(*) FROM public.fk_seat', :preload + :single),
	(8, 'plain_seat, ' || :single || ' x 1 row',
	    'SELECT public.seat_bench_single(''public.plain_seat'', 1, ' || :single || ')',
	    'SELECT count(*) FROM public.plain_seat', :preload + :single),
	(9, 'audited_seat, ' || :rows || ' rows',
	    'INSERT INTO public.audited_seat (reseller_id, subscription_id, user_name) SELECT 1, 1, ''b'' || g FROM generate_series(1, ' || :rows || ') g',
	    'SELECT count(*) FROM public.audited_seat', :preload + :rows),
	(10, 'subscription, ' || :rows / 10 || ' subscriptions with 5 accounts each',
	    'SELECT public.sub_bench_create(false, ' || :rows / 10 || ')',
	    'SELECT count(*) + sum(active_seats) FROM reseller_billing.subscription WHERE reseller_id = 1 AND subscription_id > 2', :rows / 10 * 6),
	(11, 'plain_subscription, ' || :rows / 10 || ' subscriptions with 5 accounts each',
	    'SELECT public.sub_bench_create(true, ' || :rows / 10 || ')',
	    'SELECT (SELECT count(*) FROM public.plain_subscription) + (SELECT count(*) FROM public.plain_seat) - ' || :preload, :rows / 10 * 6);

-- One round: every measurement once, in an order rotated by the round number,
-- each in a subtransaction rolled back by a private SQLSTATE.  Round 0 is the
-- warm-up and is not recorded.
CREATE PROCEDURE public.seat_bench_round(p_round int) LANGUAGE plpgsql AS \$p\$
DECLARE
	q       record;
	nq      int := (SELECT count(*) FROM public.seat_bench_query);
	t0      timestamptz;
	t1      timestamptz;
	got     bigint;
BEGIN
	FOR q IN SELECT * FROM public.seat_bench_query ORDER BY (id + p_round) % nq LOOP
		BEGIN
			t0 := clock_timestamp();
			EXECUTE q.sql;
			-- the seat counter is written at commit (seat_count_commit,
			-- deferred): write it now, inside the timed part
			SET CONSTRAINTS ALL IMMEDIATE;
			t1 := clock_timestamp();
			SET CONSTRAINTS ALL DEFERRED;
			EXECUTE q.check_sql INTO got;
			RAISE EXCEPTION USING ERRCODE = 'RBB01', MESSAGE = 'roll back the measurement';
		EXCEPTION WHEN SQLSTATE 'RBB01' THEN
			NULL;
		END;
		IF p_round > 0 THEN
			INSERT INTO public.seat_bench_run VALUES (q.id, p_round, extract(epoch FROM t1 - t0) * 1000, got);
		ELSIF got IS DISTINCT FROM q.expected THEN
			RAISE EXCEPTION 'bench/seats.sh: warm-up of "%" gave % (expected %)', q.label, got, q.expected;
		END IF;
	END LOOP;
END \$p\$;

\echo
\echo '== timing:' :runs 'interleaved rounds after one untimed round (server-side clock_timestamp), each measurement rolled back, VACUUM between rounds'
$rounds

CREATE TEMP VIEW med AS
SELECT q.id, q.label,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY r.ms) AS median_ms,
       min(r.ms) AS min_ms, max(r.ms) AS max_ms, count(*) AS runs,
       bool_and(r.checked = q.expected) AS all_checked
FROM public.seat_bench_query q JOIN public.seat_bench_run r ON r.query_id = q.id
GROUP BY q.id, q.label;

SELECT label AS measurement,
       to_char(median_ms, 'FM999999990.000') AS "median ms",
       to_char(min_ms, 'FM999999990.000') AS "min ms",
       to_char(max_ms, 'FM999999990.000') AS "max ms",
       to_char(1000 * median_ms / CASE WHEN id <= 4 OR id = 9 THEN :rows WHEN id >= 10 THEN :rows / 10 ELSE :single END,
               'FM999990.00') AS "µs per row (subscription)"
FROM med ORDER BY id;

\echo '== comparisons'
CREATE TEMP VIEW cmp AS
WITH m AS (SELECT id, median_ms FROM med)
SELECT c.ord, c.comparison, c.ratio_of,
       (SELECT median_ms FROM m WHERE id = c.num) / nullif((SELECT median_ms FROM m WHERE id = c.den), 0) AS ratio,
       c.goal,
       CASE WHEN c.goal_val IS NULL THEN 'info'
            WHEN (SELECT median_ms FROM m WHERE id = c.num) / nullif((SELECT median_ms FROM m WHERE id = c.den), 0) <= c.goal_val
            THEN 'PASS' ELSE 'MISS' END AS verdict
FROM (VALUES
	(1, :rows || '-row INSERT: ' || :preload || ' vs 0 accounts', 'seat full / seat', 2, 1, '<= 1.2', 1.2),
	(2, :rows || '-row INSERT: cap trigger vs plain table, both audited', 'seat / audited_seat', 1, 9, '<= 1.5', 1.5),
	(8, :rows || '-row INSERT: cap trigger and audit vs plain table', 'seat / plain', 1, 4, '<= 2.0', 2.0),
	(9, :rows || '-row INSERT: audit alone (audited vs plain table)', 'audited_seat / plain', 9, 4, '<= 1.6', 1.6),
	(3, :rows || '-row INSERT: cap trigger vs FK only', 'seat / fk_seat', 1, 3, '(info)', NULL),
	(4, :rows || '-row INSERT: FK only vs plain table', 'fk_seat / plain', 3, 4, '(info)', NULL),
	(5, :single || ' single-row INSERTs: ' || :preload || ' vs 0 accounts', 'seat full / seat', 6, 5, '(info)', NULL),
	(6, :single || ' single-row INSERTs: cap trigger vs plain table', 'seat / plain', 5, 8, '<= 4.0', 4.0),
	(7, :single || ' single-row INSERTs: cap trigger vs FK only', 'seat / fk_seat', 5, 7, '<= 2.5', 2.5),
	(10, 'creating ' || :rows / 10 || ' subscriptions with their accounts: the rules vs plain tables', 'subscription / plain_subscription', 10, 11, '<= 3.0', 3.0)
) AS c(ord, comparison, ratio_of, num, den, goal, goal_val);
CREATE TABLE public.seat_bench_verdict AS SELECT * FROM cmp;
SELECT comparison, ratio_of AS "ratio of medians", to_char(ratio, 'FM99990.00') AS ratio, goal, verdict
FROM cmp ORDER BY ord;
SELECT to_char(:rows / 10 / (median_ms / 1000), 'FM999,999,990') AS subs_per_s FROM med WHERE id = 10 \gset
\echo 'creating subscriptions with 5 accounts each through the rules, one session:' :subs_per_s 'subscriptions/s'


\echo '== result checks'
CREATE TEMP TABLE checks AS
SELECT 1 AS ord, 'every timed statement inserted what it should (checked inside its subtransaction)' AS "check",
       (SELECT bool_and(all_checked) AND count(*) = 11 AND min(runs) = :runs FROM med) AS ok,
       (SELECT string_agg(label, ', ') FROM med WHERE NOT all_checked) AS detail
UNION ALL
SELECT 2, 'the rollbacks left the counters as loaded',
       (SELECT active_seats FROM reseller_billing.subscription WHERE subscription_id = 1) = 0
       AND (SELECT active_seats FROM reseller_billing.subscription WHERE subscription_id = 2) = :preload,
       (SELECT string_agg(subscription_id || ': ' || active_seats, ', ' ORDER BY subscription_id) FROM reseller_billing.subscription)
UNION ALL
SELECT 3, 'the rollbacks left the tables as loaded',
       (SELECT count(*) FROM reseller_billing.seat) = :preload
       AND (SELECT count(*) FROM public.plain_seat) = :preload
       AND (SELECT count(*) FROM public.fk_seat) = :preload,
       (SELECT count(*) FROM reseller_billing.seat) || ' / ' || (SELECT count(*) FROM public.plain_seat)
         || ' / ' || (SELECT count(*) FROM public.fk_seat) || ' rows';
SELECT "check", CASE WHEN ok THEN 'ok' ELSE 'FAILED' END AS result, detail FROM checks ORDER BY ord;

SELECT count(*) FILTER (WHERE ok IS NOT TRUE) AS failed_checks FROM checks \gset
SELECT count(*) FILTER (WHERE verdict = 'MISS') AS misses FROM cmp \gset
SELECT (:failed_checks > 0) AS any_failed \gset
\if :any_failed
  \echo 'FAILED:' :failed_checks 'result check(s) failed'
  DO \$\$ BEGIN RAISE EXCEPTION 'bench/seats.sh: result checks failed'; END \$\$;
\endif
\echo 'summary: all result checks ok;' :misses 'goal(s) missed'
SQL
rc=$?
set -e

((rc == 0)) || die "FAILED (psql exit $rc; see the messages above)"

if [[ $STRICT == 1 ]]; then
	misses=$("${PSQL[@]}" -d "$DB" -Atc "SELECT count(*) FROM public.seat_bench_verdict WHERE verdict = 'MISS'")
	if ((misses > 0)); then
		die "$misses performance goal(s) missed (RB_BENCH_STRICT=1)"
	fi
fi
echo "bench/seats.sh: done"
