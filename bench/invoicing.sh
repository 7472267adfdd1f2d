#!/usr/bin/env bash
#
# bench/invoicing.sh — the month-end close and preview_invoice at scale
# (issue 4 §6).
#
# Run by `make bench` (test/harness/run-bench.sh), which starts a throwaway
# cluster, installs the extension and exports PGHOST/PGPORT/PGUSER/PGDATABASE.
# Standalone: point those at any PostgreSQL 15 with reseller_billing installed.
#
#   RB_BENCH_RESELLERS      resellers                               (default 10000)
#   RB_BENCH_SUBS           subscriptions per reseller, 10..999     (default 100)
#   RB_BENCH_SMALL          resellers when preview is first timed   (default RESELLERS / 10)
#   RB_BENCH_PREVIEW_RUNS   timed preview_invoice calls per size    (default 201)
#   RB_BENCH_JOBS           parallel sessions generating the data   (default: CPUs, at most 4)
#   RB_BENCH_INVOICING_DB   database, dropped and made              (default rb_bench_invoicing)
#   RB_BENCH_STRICT         1: exit non-zero on a MISS              (default 0: report only)
#
# Data (one USD program, UTC, four SKUs), generated set-based through the
# extension's tables and triggers — nothing is bypassed: resellers, 10
# customers each, and per reseller SUBS subscriptions, by position j:
#   j % 10 in 0..4  Annual (annual_monthly), 1..50 committed seats, terms
#                   starting between 2023-04-01 and 2024-02-25 (so March 2024
#                   is a full month of every term, with different installment
#                   schedules)                                         50%
#   j % 10 in 5..8  Flex, cap 50, on Flex since 2024-01-01, 13 accounts:
#                   3 in use all March, 5 added during March, 5 ended during
#                   March (ten account changes in the month)           40%
#   j % 10 = 9      trial started ten days ago, 2 accounts (bills nothing) 10%
# A procedure adds resellers in batches of 100 (one transaction each: one
# INSERT per table, the Flex and trial accounts as one multi-row INSERT each
# for the batch's subscriptions, so the per-statement seat triggers see whole
# batches); RB_BENCH_JOBS sessions run it on disjoint reseller ranges.
#
# Measurements, in this order, in one run:
#
# (b) preview_invoice(P, '2024-03') for reseller P = SMALL / 2 (100
#     subscriptions, 90 lines), with SMALL resellers in the database; then the
#     database grows to RESELLERS resellers (VACUUM ANALYZE after each phase)
#     and the same call is timed again.  Each size: 10 untimed calls, then
#     PREVIEW_RUNS calls timed one by one server-side (clock_timestamp around
#     each call in a plpgsql loop); medians compared, goal <= 1.2 (the preview
#     must not grow with the database).  Checked: the preview returns the same
#     90 lines at both sizes.
#
# (a) close_period('2024-03') over all subscriptions, in one transaction,
#     timed server-side; then, in a subtransaction of the same transaction,
#     the baseline: a bare INSERT ... SELECT writing the same rows into the
#     same tables.  Choice of baseline: the close's own invoices and lines are
#     copied, one INSERT ... SELECT per table, as they are (same columns, same
#     amounts, same descriptions) except that
#       - the copies are drafts under period 2124-03 (the unique key
#         (reseller_id, period, currency, kind) allows one invoice per
#         reseller and month; a draft is what the close itself inserts before
#         it issues, and the only state in which invoice_line_guard accepts
#         lines), and
#       - invoice ids are offset past the highest id, so each copied line
#         points at its copied invoice;
#     so the baseline writes as many rows, of the same width, into the same
#     tables with the same indexes (grown by the close's rows), through the
#     same row trigger (invoice_line_guard) and foreign keys.  What the close
#     does on top — computing the lines from tranches, Flex terms and
#     accounts, its work table, numbering and issuing (an UPDATE of every
#     invoice), progress — is what the ratio measures.  The baseline is then
#     rolled back, and so is the close (the database is left unclosed).
#     Goal close / baseline <= 1.5 (issue 13); also the close's rows (invoices + lines)
#     per second.  Checked: the close wrote one invoice per reseller and one
#     line per Annual subscription and per Flex subscription (all have account
#     days), lines add up to the subtotals, numbers 1..N without gaps; the
#     baseline wrote exactly as many invoices and lines with the same total;
#     the backend's memory (pg_backend_memory_contexts) grew by less than
#     32 MB over the close (a leak per line or per reseller would be tens of
#     megabytes at a million lines).
#
# A failed check, or any SQL error, makes the script exit non-zero; a missed
# goal is reported as MISS and fails the script only with RB_BENCH_STRICT=1.
# Quick trial: RB_BENCH_RESELLERS=400 RB_BENCH_SUBS=20 bash bench/invoicing.sh
set -euo pipefail

RESELLERS=${RB_BENCH_RESELLERS:-10000}
SUBS=${RB_BENCH_SUBS:-100}
PREVIEW_RUNS=${RB_BENCH_PREVIEW_RUNS:-201}
DB=${RB_BENCH_INVOICING_DB:-rb_bench_invoicing}
STRICT=${RB_BENCH_STRICT:-0}
CPUS=$(nproc 2>/dev/null || echo 2)
JOBS=${RB_BENCH_JOBS:-$((CPUS > 4 ? 4 : CPUS))}

die() { echo "bench/invoicing.sh: $*" >&2; exit 1; }
posint() {
	if ! [[ $2 =~ ^[0-9]+$ ]] || ((10#$2 < 1)); then
		die "$1 must be a positive integer, got '$2'"
	fi
}
posint RB_BENCH_RESELLERS "$RESELLERS"
posint RB_BENCH_SUBS "$SUBS"
posint RB_BENCH_PREVIEW_RUNS "$PREVIEW_RUNS"
posint RB_BENCH_JOBS "$JOBS"
((SUBS >= 10 && SUBS <= 999)) || die "RB_BENCH_SUBS must be between 10 and 999, got '$SUBS'"
((RESELLERS >= 2)) || die "RB_BENCH_RESELLERS must be at least 2, got '$RESELLERS'"
SMALL=${RB_BENCH_SMALL:-$((RESELLERS / 10 > 0 ? RESELLERS / 10 : 1))}
posint RB_BENCH_SMALL "$SMALL"
((SMALL < RESELLERS)) || die "RB_BENCH_SMALL ($SMALL) must be less than RB_BENCH_RESELLERS ($RESELLERS)"
[[ $DB =~ ^[a-z_][a-z0-9_]*$ ]] || die "RB_BENCH_INVOICING_DB must be a plain lower-case identifier, got '$DB'"
command -v psql >/dev/null || die "psql not found"

PREVIEW_RESELLER=$(((SMALL + 1) / 2))
MONTH=2024-03
ADMIN_DB=${PGDATABASE:-postgres}
[[ $ADMIN_DB == "$DB" ]] && ADMIN_DB=postgres
PSQL=(psql -X -q -v ON_ERROR_STOP=1 --pset=pager=off)
# no "does not exist, skipping" notices, no close progress notices
export PGOPTIONS="${PGOPTIONS:+$PGOPTIONS }-c client_min_messages=warning"

echo "bench/invoicing.sh: $RESELLERS resellers x $SUBS subscriptions = $((RESELLERS * SUBS)) subscriptions," \
	"preview first timed at $SMALL resellers, $PREVIEW_RUNS timed previews per size, $JOBS generating sessions," \
	"server ${PGHOST:-default}:${PGPORT:-5432}"

# ---- database and generator --------------------------------------------------
"${PSQL[@]}" -d "$ADMIN_DB" \
	-c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
	-c "CREATE DATABASE $DB"

"${PSQL[@]}" -d "$DB" <<'SQL'
CREATE EXTENSION reseller_billing;

INSERT INTO reseller_billing.program (program_id, code, name, currency, time_zone, reseller_discount)
VALUES (1, 'bench', 'Invoicing benchmark', 'USD', 'UTC', 0.20);
INSERT INTO reseller_billing.sku (sku_id, program_id, code, name, family) VALUES
	(1, 1, 'apps', 'Apps', 'apps'), (2, 1, 'vault', 'Vault', 'vault'),
	(3, 1, 'meet', 'Meet', 'apps'), (4, 1, 'voice', 'Voice', 'voice');
INSERT INTO reseller_billing.price (sku_id, plan, list_price, valid_from)
SELECT k, p::reseller_billing.plan_kind,
       reseller_billing.amount(CASE p WHEN 'flexible' THEN 72 ELSE 60 END + 12 * k, 'USD'), '2000-01-01'
  FROM generate_series(1, 4) k, unnest(ARRAY['annual_monthly', 'flexible']) p;

-- resellers p_from..p_to with everything they have, p_batch resellers per
-- transaction
CREATE PROCEDURE public.bench_grow(p_from int, p_to int, p_subs int, p_batch int DEFAULT 100)
LANGUAGE plpgsql AS $p$
DECLARE
	lo int := p_from;
	hi int;
BEGIN
	WHILE lo <= p_to LOOP
		hi := LEAST(lo + p_batch - 1, p_to);
		INSERT INTO reseller_billing.reseller (reseller_id, program_id, name, country)
		SELECT r, 1, format('Reseller %s', lpad(r::text, 6, '0')), 'US' FROM generate_series(lo, hi) r;
		INSERT INTO reseller_billing.customer (reseller_id, customer_id, name, primary_domain)
		SELECT r, r::bigint * 100 + c, format('Customer %s-%s', r, c), format('c%s-%s.example', r, c)
		  FROM generate_series(lo, hi) r, generate_series(0, 9) c;
		-- Annual and Flex, in effect since 2024-01-01 (the Flex terms start then)
		PERFORM set_config('reseller_billing.effective_at', '2024-01-01 00:00+00', true);
		INSERT INTO reseller_billing.subscription
		       (reseller_id, subscription_id, customer_id, sku_id, plan, committed_seats, seat_cap, term_start)
		SELECT r, r::bigint * 1000 + j, r::bigint * 100 + j % 10, j % 4 + 1,
		       CASE WHEN j % 10 < 5 THEN 'annual_monthly' ELSE 'flexible' END::reseller_billing.plan_kind,
		       CASE WHEN j % 10 < 5 THEN 1 + (r * 7 + j) % 50 END,
		       CASE WHEN j % 10 >= 5 THEN 50 END,
		       CASE WHEN j % 10 < 5 THEN date '2023-04-01' + (r * 13 + j * 7) % 330 ELSE date '2024-01-01' END
		  FROM generate_series(lo, hi) r, generate_series(1, p_subs) j
		 WHERE j % 10 < 9
		 ORDER BY 1, 2;
		PERFORM set_config('reseller_billing.effective_at', '', true);
		-- trials, started ten days ago
		INSERT INTO reseller_billing.subscription
		       (reseller_id, subscription_id, customer_id, sku_id, plan, seat_cap, term_start)
		SELECT r, r::bigint * 1000 + j, r::bigint * 100 + j % 10, j % 4 + 1, 'trial', 5, current_date - 10
		  FROM generate_series(lo, hi) r, generate_series(1, p_subs) j
		 WHERE j % 10 = 9
		 ORDER BY 1, 2;
		-- Flex accounts: 3 in use all of March 2024, 5 added during March, 5
		-- ended during March; one multi-row INSERT for the batch
		INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name, active_from, active_until)
		SELECT r, r::bigint * 1000 + j, format('user%s', k),
		       CASE WHEN k <= 3 THEN timestamptz '2024-02-01 00:00+00' + make_interval(days => k, hours => (r + j) % 24)
		            WHEN k <= 8 THEN timestamptz '2024-03-01 00:00+00'
		                             + make_interval(days => (r + j * 3 + k) % 31, hours => (r + k) % 24)
		            ELSE timestamptz '2024-01-15 00:00+00' + make_interval(days => k, hours => (j + k) % 24) END,
		       CASE WHEN k > 8 THEN timestamptz '2024-03-01 00:00+00'
		                            + make_interval(days => (r * 3 + j + k) % 31, hours => (r + j + k) % 24) END
		  FROM generate_series(lo, hi) r, generate_series(1, p_subs) j, generate_series(1, 13) k
		 WHERE j % 10 BETWEEN 5 AND 8
		 ORDER BY 1, 2;
		-- two accounts on each trial
		INSERT INTO reseller_billing.seat (reseller_id, subscription_id, user_name, active_from)
		SELECT r, r::bigint * 1000 + j, format('trial%s', k), now() - interval '1 hour'
		  FROM generate_series(lo, hi) r, generate_series(1, p_subs) j, generate_series(1, 2) k
		 WHERE j % 10 = 9
		 ORDER BY 1, 2;
		COMMIT;
		lo := hi + 1;
	END LOOP;
END $p$;

CREATE TABLE public.bench_figure (name text PRIMARY KEY, value float8 NOT NULL);
CREATE TABLE public.bench_check (ord int PRIMARY KEY, label text NOT NULL, ok bool, detail text);

-- n timed calls of preview_invoice after 10 untimed ones; returns the
-- median in milliseconds and records every call
CREATE TABLE public.bench_preview_run (size int NOT NULL, run int NOT NULL, ms float8 NOT NULL);
CREATE FUNCTION public.bench_preview(p_size int, p_reseller bigint, p_period text, p_runs int) RETURNS float8
LANGUAGE plpgsql AS $f$
DECLARE
	t0  timestamptz;
	t1  timestamptz;
BEGIN
	FOR i IN 1 .. 10 LOOP
		PERFORM count(*) FROM reseller_billing.preview_invoice(p_reseller, p_period::reseller_billing.billing_period);
	END LOOP;
	FOR i IN 1 .. p_runs LOOP
		t0 := clock_timestamp();
		PERFORM count(*) FROM reseller_billing.preview_invoice(p_reseller, p_period::reseller_billing.billing_period);
		t1 := clock_timestamp();
		INSERT INTO public.bench_preview_run VALUES (p_size, i, extract(epoch FROM t1 - t0) * 1000);
	END LOOP;
	RETURN (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM public.bench_preview_run WHERE size = p_size);
END $f$;

-- the preview's lines, as text, for the same-result check
CREATE TABLE public.bench_preview_lines (size int NOT NULL, lines text);

-- for the interleaved re-check: n timed calls after 3 untimed ones, the
-- times in milliseconds as an array literal
CREATE FUNCTION public.bench_preview_times(p_reseller bigint, p_period text, p_n int) RETURNS float8[]
LANGUAGE plpgsql AS $f$
DECLARE
	t0  timestamptz;
	ms  float8[] := '{}';
BEGIN
	FOR i IN 1 .. 3 LOOP
		PERFORM count(*) FROM reseller_billing.preview_invoice(p_reseller, p_period::reseller_billing.billing_period);
	END LOOP;
	FOR i IN 1 .. p_n LOOP
		t0 := clock_timestamp();
		PERFORM count(*) FROM reseller_billing.preview_invoice(p_reseller, p_period::reseller_billing.billing_period);
		ms := ms || extract(epoch FROM clock_timestamp() - t0)::float8 * 1000;
	END LOOP;
	RETURN ms;
END $f$;
CREATE TABLE public.bench_preview_interleaved (db text NOT NULL, ms float8 NOT NULL);
SQL

# grow FROM TO: resellers FROM..TO in JOBS parallel sessions (disjoint ranges)
grow() {
	local from=$1 to=$2 n=$(($2 - $1 + 1)) j lo hi
	local -a pids=()
	for ((j = 0; j < JOBS; j++)); do
		lo=$((from + n * j / JOBS))
		hi=$((from + n * (j + 1) / JOBS - 1))
		((lo <= hi)) || continue
		"${PSQL[@]}" -d "$DB" -c "CALL public.bench_grow($lo, $hi, $SUBS)" &
		pids+=($!)
	done
	local rc=0 pid
	for pid in "${pids[@]}"; do
		wait "$pid" || rc=1
	done
	((rc == 0)) || die "data generation failed"
	"${PSQL[@]}" -d "$DB" -c "VACUUM ANALYZE"
}

record() { # record NAME VALUE
	"${PSQL[@]}" -d "$DB" -c "INSERT INTO public.bench_figure VALUES ('$1', $2)"
}

now_ms() { date +%s%3N; }

# ---- (b) preview with SMALL resellers, then RESELLERS --------------------------
preview() { # preview SIZE
	"${PSQL[@]}" -d "$DB" -v size="$1" -v r="$PREVIEW_RESELLER" -v m="$MONTH" -v runs="$PREVIEW_RUNS" <<'SQL'
SET jit = off;
INSERT INTO public.bench_preview_lines
SELECT :size, string_agg(concat_ws('|', line_no, currency, kind, subscription_id, description, quantity, unit_price,
                                   amount, service_period, service), E'\n' ORDER BY currency, line_no)
  FROM reseller_billing.preview_invoice(:r, :'m');
INSERT INTO public.bench_figure
SELECT 'preview_ms_' || :size, public.bench_preview(:size, :r, :'m', :runs);
SQL
}

t=$(now_ms)
grow 1 "$SMALL"
record gen_small_s "$(($(now_ms) - t)) / 1000.0"
preview "$SMALL"
# a copy of the database at this size, for the interleaved re-check
"${PSQL[@]}" -d "$ADMIN_DB" \
	-c "DROP DATABASE IF EXISTS ${DB}_small WITH (FORCE)" \
	-c "CREATE DATABASE ${DB}_small TEMPLATE $DB"

t=$(now_ms)
grow $((SMALL + 1)) "$RESELLERS"
record gen_rest_s "$(($(now_ms) - t)) / 1000.0"
preview "$RESELLERS"

# interleaved re-check (informational): the small copy and the grown database
# take turns, ROUNDS rounds, each a fresh session timing RUNS / ROUNDS calls,
# so drift in the machine's speed (other work on it) hits both sizes alike
ROUNDS=10
PER_ROUND=$(((PREVIEW_RUNS + ROUNDS - 1) / ROUNDS))
for ((i = 0; i < ROUNDS; i++)); do
	if ((i % 2 == 0)); then order=(small large); else order=(large small); fi
	for which in "${order[@]}"; do
		db=$DB
		[[ $which == small ]] && db=${DB}_small
		times=$("${PSQL[@]}" -d "$db" -Atc \
			"SELECT public.bench_preview_times($PREVIEW_RESELLER, '$MONTH', $PER_ROUND)")
		"${PSQL[@]}" -d "$DB" -c \
			"INSERT INTO public.bench_preview_interleaved SELECT '$which', unnest('$times'::float8[])"
	done
done
"${PSQL[@]}" -d "$ADMIN_DB" -c "DROP DATABASE ${DB}_small WITH (FORCE)"
"${PSQL[@]}" -d "$DB" -c "INSERT INTO public.bench_figure
SELECT 'preview_il_' || db, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) FROM public.bench_preview_interleaved GROUP BY db"

# ---- (a) the close against the bare INSERT ... SELECT, then the report ---------
set +e
"${PSQL[@]}" -d "$DB" -v m="$MONTH" -v small="$SMALL" -v resellers="$RESELLERS" -v subs="$SUBS" \
	-v r="$PREVIEW_RESELLER" -v runs="$PREVIEW_RUNS" -v jobs="$JOBS" <<'SQL'
\set QUIET on
SET jit = off;
SELECT set_config('rb.month', :'m', false), set_config('rb.resellers', :'resellers', false) \g /dev/null

INSERT INTO public.bench_figure
SELECT 'subscriptions', count(*) FROM reseller_billing.subscription
UNION ALL SELECT 'annual', count(*) FROM reseller_billing.subscription WHERE plan::text = 'annual_monthly'
UNION ALL SELECT 'flex', count(*) FROM reseller_billing.subscription WHERE plan::text = 'flexible'
UNION ALL SELECT 'trial', count(*) FROM reseller_billing.subscription WHERE plan::text = 'trial'
UNION ALL SELECT 'seats', count(*) FROM reseller_billing.seat
UNION ALL SELECT 'db_mb', pg_database_size(current_database()) / 1048576.0;

INSERT INTO public.bench_check
SELECT 1, 'the data: ' || :resellers || ' resellers x ' || :subs || ' subscriptions, 50% Annual, 40% Flex, 10% trials',
       (SELECT count(*) FROM reseller_billing.reseller) = :resellers
       AND (SELECT value FROM public.bench_figure WHERE name = 'subscriptions') = :resellers * :subs
       AND (SELECT value FROM public.bench_figure WHERE name = 'annual')
           = :resellers * (SELECT count(*) FROM generate_series(1, :subs) j WHERE j % 10 < 5)
       AND (SELECT value FROM public.bench_figure WHERE name = 'trial')
           = :resellers * (SELECT count(*) FROM generate_series(1, :subs) j WHERE j % 10 = 9),
       (SELECT string_agg(format('%s %s', name, value), ', ' ORDER BY name) FROM public.bench_figure
         WHERE name IN ('annual', 'flex', 'trial', 'seats'));
INSERT INTO public.bench_check
SELECT 2, 'preview_invoice of reseller ' || :r || ' gave the same lines at both sizes',
       count(DISTINCT lines) = 1 AND count(*) = 2 AND min(lines) IS NOT NULL,
       (SELECT count(*) FROM reseller_billing.preview_invoice(:r, :'m')) || ' lines'
  FROM public.bench_preview_lines;

-- the close, committed; the baseline in a subtransaction, rolled back
DO $$
DECLARE
	m       text := current_setting('rb.month');
	t0      timestamptz;
	t1      timestamptz;
	written int;
	off     bigint;
	n_inv   bigint;
	n_lines bigint;
	n_total numeric;
	b_s     float8;
	b_inv   bigint;
	b_lines bigint;
	b_total numeric;
	mem0    numeric;
	mem1    numeric;
BEGIN
	-- the backend's memory before and after the close (a leak per line or
	-- per reseller would show as tens of megabytes over a million lines)
	SELECT sum(total_bytes) INTO mem0 FROM pg_backend_memory_contexts;
	t0 := clock_timestamp();
	written := reseller_billing.close_period(m::reseller_billing.billing_period);
	t1 := clock_timestamp();
	SELECT sum(total_bytes) INTO mem1 FROM pg_backend_memory_contexts;
	INSERT INTO public.bench_figure VALUES ('close_s', extract(epoch FROM t1 - t0)), ('close_written', written),
	       ('close_mem_mb', (mem1 - mem0) / 1048576.0);
	SELECT count(*), sum(reseller_billing.value(subtotal)) INTO n_inv, n_total
	  FROM reseller_billing.invoice WHERE period::text = m;
	SELECT count(*) INTO n_lines FROM reseller_billing.invoice_line;
	INSERT INTO public.bench_figure VALUES ('close_invoices', n_inv), ('close_lines', n_lines), ('close_total', n_total);
	INSERT INTO public.bench_check
	SELECT 3, 'the close wrote one invoice per reseller, issued and numbered 1..N without gaps',
	       n_inv = current_setting('rb.resellers')::int AND written = n_inv
	       AND (SELECT count(DISTINCT invoice_number) = n_inv AND min(invoice_number) = 1 AND max(invoice_number) = n_inv
	                   AND bool_and(status = 'issued') FROM reseller_billing.invoice),
	       format('%s invoices written', written);
	INSERT INTO public.bench_check
	SELECT 4, 'one line per Annual and per Flex subscription, adding up to the subtotals',
	       n_lines = (SELECT sum(value) FROM public.bench_figure WHERE name IN ('annual', 'flex'))
	       AND NOT EXISTS (SELECT FROM reseller_billing.invoice i
	                        WHERE reseller_billing.value(i.subtotal)
	                              <> (SELECT sum(reseller_billing.value(l.amount)) FROM reseller_billing.invoice_line l
	                                   WHERE l.reseller_id = i.reseller_id AND l.invoice_id = i.invoice_id)),
	       format('%s lines, total USD %s', n_lines, n_total);
	INSERT INTO public.bench_check
	SELECT 6, 'the close left the backend''s memory less than 32 MB larger than it found it',
	       mem1 - mem0 < 32 * 1048576.0,
	       format('%s MB more after the close, %s MB before', round((mem1 - mem0) / 1048576.0, 1),
	              round(mem0 / 1048576.0, 1));

	SELECT max(invoice_id) INTO off FROM reseller_billing.invoice;
	BEGIN
		t0 := clock_timestamp();
		INSERT INTO reseller_billing.invoice
		       (reseller_id, invoice_id, program_id, period, currency, kind, status, invoice_number, issued_on, due_on,
		        subtotal, credits_applied, tax, total, paid, credited)
		SELECT reseller_id, invoice_id + off, program_id, '2124-03', currency, kind, 'draft', invoice_number, issued_on,
		       due_on, subtotal, credits_applied, tax, total, paid, credited
		  FROM reseller_billing.invoice WHERE period::text = m;
		INSERT INTO reseller_billing.invoice_line
		       (reseller_id, invoice_id, line_no, kind, subscription_id, customer_id, sku_id, description, quantity,
		        unit_price, amount, service_period, service, charge_id, tranche_id)
		SELECT l.reseller_id, l.invoice_id + off, l.line_no, l.kind, l.subscription_id, l.customer_id, l.sku_id,
		       l.description, l.quantity, l.unit_price, l.amount, l.service_period, l.service, l.charge_id, l.tranche_id
		  FROM reseller_billing.invoice_line l WHERE l.invoice_id <= off;
		t1 := clock_timestamp();
		b_s := extract(epoch FROM t1 - t0);
		SELECT count(*) INTO b_inv FROM reseller_billing.invoice WHERE period::text = '2124-03';
		SELECT count(*), sum(reseller_billing.value(amount)) INTO b_lines, b_total
		  FROM reseller_billing.invoice_line WHERE invoice_id > off;
		RAISE EXCEPTION USING ERRCODE = 'RBB01', MESSAGE = 'roll back the baseline';
	EXCEPTION WHEN SQLSTATE 'RBB01' THEN
		NULL;
	END;
	INSERT INTO public.bench_figure VALUES ('baseline_s', b_s);
	INSERT INTO public.bench_check
	SELECT 5, 'the baseline wrote as many invoices and lines, with the same total (then rolled back)',
	       b_inv = n_inv AND b_lines = n_lines AND b_total = n_total
	       AND NOT EXISTS (SELECT FROM reseller_billing.invoice WHERE period::text = '2124-03'),
	       format('%s invoices, %s lines, total USD %s', b_inv, b_lines, b_total);
END $$;

CREATE TEMP VIEW f AS SELECT name, value FROM public.bench_figure;
SELECT (SELECT value FROM f WHERE name = 'close_s') AS close_s,
       (SELECT value FROM f WHERE name = 'baseline_s') AS base_s,
       (SELECT value FROM f WHERE name = 'close_invoices') + (SELECT value FROM f WHERE name = 'close_lines') AS close_rows,
       (SELECT value FROM f WHERE name = 'preview_ms_' || :small) AS prev_small,
       (SELECT value FROM f WHERE name = 'preview_ms_' || :resellers) AS prev_large,
       (SELECT value FROM f WHERE name = 'gen_small_s') + (SELECT value FROM f WHERE name = 'gen_rest_s') AS gen_s,
       (SELECT value FROM f WHERE name = 'preview_il_small') AS il_small,
       (SELECT value FROM f WHERE name = 'preview_il_large') AS il_large,
       (SELECT count(*) FROM public.bench_preview_interleaved WHERE db = 'large') AS il_n \gset

\echo
\echo '== data'
SELECT to_char(:resellers, 'FM999,999,999') || ' x ' || :subs AS "resellers x subscriptions",
       to_char((SELECT value FROM f WHERE name = 'annual'), 'FM999,999,999') AS annual,
       to_char((SELECT value FROM f WHERE name = 'flex'), 'FM999,999,999') AS flex,
       to_char((SELECT value FROM f WHERE name = 'trial'), 'FM999,999,999') AS trials,
       to_char((SELECT value FROM f WHERE name = 'seats'), 'FM999,999,999') AS accounts,
       to_char((SELECT value FROM f WHERE name = 'db_mb'), 'FM999,990') || ' MB' AS "database",
       to_char(:gen_s, 'FM99990.0') || ' s, ' || :jobs || ' sessions, '
       || to_char(:resellers * :subs / :gen_s, 'FM999,990') || ' subscriptions/s' AS generation;

\echo '== measurements (server-side clock_timestamp)'
SELECT measurement, value FROM (VALUES
	(1, 'close_period(' || quote_literal(:'m') || ') over ' || to_char(:resellers * :subs, 'FM999,999,999') || ' subscriptions',
	    to_char(:close_s, 'FM99990.000') || ' s'),
	(2, '  rows written: invoices + lines',
	    to_char((SELECT value FROM f WHERE name = 'close_invoices'), 'FM999,999,999') || ' + '
	    || to_char((SELECT value FROM f WHERE name = 'close_lines'), 'FM999,999,999')),
	(3, '  close: rows (invoices + lines) per second', to_char(:close_rows / :close_s, 'FM999,999,990')),
	(4, '  close: subscriptions per second', to_char(:resellers * :subs / :close_s, 'FM999,999,990')),
	(5, 'bare INSERT ... SELECT of the same rows (rolled back)', to_char(:base_s, 'FM99990.000') || ' s'),
	(6, 'preview_invoice(' || :r || ', ' || quote_literal(:'m') || ') with ' || to_char(:small, 'FM999,999') || ' resellers',
	    to_char(:prev_small, 'FM99990.000') || ' ms (median of ' || :runs || ')'),
	(7, 'preview_invoice(' || :r || ', ' || quote_literal(:'m') || ') with ' || to_char(:resellers, 'FM999,999') || ' resellers',
	    to_char(:prev_large, 'FM99990.000') || ' ms (median of ' || :runs || ')'),
	(8, '  interleaved re-check, ' || to_char(:small, 'FM999,999') || ' resellers (copy)',
	    to_char(:il_small, 'FM99990.000') || ' ms (median of ' || :il_n || ')'),
	(9, '  interleaved re-check, ' || to_char(:resellers, 'FM999,999') || ' resellers',
	    to_char(:il_large, 'FM99990.000') || ' ms (median of ' || :il_n || ')')
) AS t(ord, measurement, value) ORDER BY ord;

\echo '== comparisons'
CREATE TEMP TABLE cmp AS
SELECT * FROM (VALUES
	(1, 'close_period vs bare INSERT ... SELECT of its rows', 'close / insert', :close_s / :base_s, '<= 1.5', 1.5),
	(2, 'preview_invoice: ' || to_char(:resellers, 'FM999,999') || ' vs ' || to_char(:small, 'FM999,999') || ' resellers',
	    'large / small', :prev_large / :prev_small, '<= 1.2', 1.2),
	(3, '  the same, interleaved re-check', 'large / small', :il_large / :il_small, '(info)', NULL)
) AS c(ord, comparison, ratio_of, ratio, goal, goal_val);
SELECT comparison, ratio_of AS "ratio of", to_char(ratio, 'FM99990.000') AS ratio, goal,
       CASE WHEN goal_val IS NULL THEN 'info' WHEN ratio <= goal_val THEN 'PASS' ELSE 'MISS' END AS verdict
  FROM cmp ORDER BY ord;
CREATE TABLE public.bench_verdict AS
SELECT comparison, ratio,
       CASE WHEN goal_val IS NULL THEN 'info' WHEN ratio <= goal_val THEN 'PASS' ELSE 'MISS' END AS verdict FROM cmp;

\echo '== result checks'
SELECT label AS "check", CASE WHEN ok THEN 'ok' ELSE 'FAILED' END AS result, detail FROM public.bench_check ORDER BY ord;
SELECT count(*) FILTER (WHERE ok IS NOT TRUE) AS failed_checks FROM public.bench_check \gset
SELECT count(*) FILTER (WHERE verdict = 'MISS') AS misses FROM public.bench_verdict \gset
SELECT (:failed_checks > 0 OR (SELECT count(*) FROM public.bench_check) <> 6) AS any_failed \gset
\if :any_failed
  \echo 'FAILED:' :failed_checks 'result check(s) failed'
  DO $$ BEGIN RAISE EXCEPTION 'bench/invoicing.sh: result checks failed'; END $$;
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
echo "bench/invoicing.sh: done"
