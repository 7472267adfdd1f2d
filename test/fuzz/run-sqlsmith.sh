#!/usr/bin/env bash
# sqlsmith against a populated reseller_billing database (part of `make fuzz`).
#
#   bash test/fuzz/run-sqlsmith.sh        # as root (or the postgres user)
#
# Starts a cluster of its own (.work/fuzz/sqlsmith/: data, socket, logs; not
# the test suite's cluster, so it neither waits for nor disturbs `make test`),
# creates database rb_fuzz with the extension as installed (run-fuzz.sh
# installs it first), loads test/fuzz/fixture.sql, and lets sqlsmith generate
# random queries for a bounded time as role rb_sqlsmith:
#
#   - rb_sqlsmith may read and write the extension's tables only (it sees no
#     other table: sqlsmith takes its tables from information_schema, which
#     shows only those a role has a privilege on; --exclude-catalog drops
#     pg_catalog and information_schema), may execute every function of the
#     extension, and has search_path = reseller_billing, public so that the
#     operators sqlsmith writes unqualified (amount + amount, billing_period
#     < billing_period, ...) resolve.  It bypasses row-level security (a
#     tenant-less session would otherwise see no rows) and is no superuser,
#     so pg_terminate_backend, file access and the like are refused.
#   - sqlsmith runs every statement in a transaction it rolls back, with
#     statement_timeout = 1s; the populated data stays as loaded.
#
# Knobs: RB_SQLSMITH_SECONDS (default 300) wall time, RB_SQLSMITH_QUERIES
# (default 200000) queries, whichever ends first; RB_SQLSMITH_SEED (default:
# the epoch second; printed, rerun with it to reproduce); RB_SQLSMITH_PORT
# (default 54339; with listen_addresses='' it only names the socket);
# RB_SQLSMITH_DUMP=1 also writes every query to .work/fuzz/sqlsmith/
# sqlsmith.out (--dump-all-queries; large), to replay a seed and find the
# query behind an error.
#
# After the run the server log is searched for a backend that died (a
# signal, PANIC, a failed assertion) and for internal errors (SQLSTATE XX000)
# raised by our C code (log_error_verbosity = verbose gives each error's
# source file); either fails the run.  It prints the queries run, the errors
# by SQLSTATE class and the crashes.  Exit status: 0 clean, 1 a crash or an
# internal error of ours, 2 setup failed.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=test/harness/lib.sh
source "$HERE/../harness/lib.sh"

SECS=${RB_SQLSMITH_SECONDS:-300}
QUERIES=${RB_SQLSMITH_QUERIES:-200000}
SEED=${RB_SQLSMITH_SEED:-$(date +%s)}
PORT=${RB_SQLSMITH_PORT:-54339}
for v in SECS QUERIES SEED PORT; do
	if ! [[ ${!v} =~ ^[0-9]+$ ]] || ((${!v} < 1)); then
		echo "run-sqlsmith.sh: $v must be a positive integer, got '${!v}'" >&2
		exit 2
	fi
done

W="$RB_WORK/fuzz/sqlsmith"
DATA="$W/data"
SOCK="$W/run"
SERVERLOG="$W/postgresql.log"
SMITH_OUT="$W/sqlsmith.out"
SMITH_ERR="$W/sqlsmith.err"
DB=rb_fuzz
ROLE=rb_sqlsmith
PSQL=("$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCK" -p "$PORT" -U postgres)

command -v sqlsmith >/dev/null 2>&1 ||
	{ echo "run-sqlsmith.sh: sqlsmith is not installed (apt-get install sqlsmith; make fuzz does it)" >&2; exit 2; }
id postgres >/dev/null 2>&1 || { echo "run-sqlsmith.sh: no 'postgres' OS user" >&2; exit 2; }

mkdir -p "$RB_WORK/fuzz"
# one sqlsmith run per checkout at a time
exec 8>"$RB_WORK/fuzz/sqlsmith.lock"
if ! flock -n 8; then
	echo "run-sqlsmith.sh: another run holds .work/fuzz/sqlsmith.lock; waiting ..."
	flock 8
fi

stop_cluster() {
	if [[ -f $DATA/postmaster.pid ]]; then
		as_postgres "$PG_CTL" stop -D "$DATA" -m fast -w -t 60 >/dev/null 2>&1 ||
			as_postgres "$PG_CTL" stop -D "$DATA" -m immediate -w -t 30 >/dev/null 2>&1
	fi
	return 0
}
trap stop_cluster EXIT
stop_cluster # left running by an interrupted run

rm -rf "$W"
mkdir -p "$DATA" "$SOCK"
chmod 700 "$DATA"
is_root && chown -R postgres:postgres "$W"
# the postgres account must reach .work (lib.sh explains)
prepare_workdir

as_postgres "$PG_BINDIR/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 \
	--locale=C -N >"$W/initdb.log" 2>&1 || { cat "$W/initdb.log" >&2; exit 2; }
{
	echo "listen_addresses = ''"
	echo "port = $PORT"
	echo "unix_socket_directories = '$SOCK'"
	echo "fsync = off"
	echo "synchronous_commit = off"
	echo "full_page_writes = off"
	echo "max_connections = 20"
	# every error with its SQLSTATE (%e) and its source file (a LOCATION
	# line after it); not the statements of errors (sqlsmith makes tens of
	# thousands): the postmaster logs the statement of a crashed backend
	echo "log_line_prefix = '%m [%p] %e '"
	echo "log_error_verbosity = verbose"
	echo "log_min_error_statement = panic"
	echo "log_checkpoints = off"
	echo "restart_after_crash = on"
} >>"$DATA/postgresql.conf"
: >"$SERVERLOG"
is_root && chown postgres:postgres "$SERVERLOG"
if ! as_postgres "$PG_CTL" start -D "$DATA" -l "$SERVERLOG" -w -t 60 8>&- >/dev/null; then
	tail -n 30 "$SERVERLOG" >&2
	echo "run-sqlsmith.sh: the cluster did not start" >&2
	exit 2
fi

# ---- the populated database -------------------------------------------------
setup() {
	"${PSQL[@]}" -d postgres -c "CREATE DATABASE $DB" &&
		"${PSQL[@]}" -d "$DB" -c 'CREATE EXTENSION reseller_billing' &&
		"${PSQL[@]}" -d "$DB" -f "$HERE/fixture.sql" >"$W/fixture.out" &&
		"${PSQL[@]}" -d "$DB" <<-SQL
			CREATE ROLE $ROLE LOGIN BYPASSRLS;
			GRANT USAGE ON SCHEMA reseller_billing TO $ROLE;
			GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA reseller_billing TO $ROLE;
			GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA reseller_billing TO $ROLE;
			GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA reseller_billing TO $ROLE;
			GRANT EXECUTE ON ALL PROCEDURES IN SCHEMA reseller_billing TO $ROLE;
			ALTER ROLE $ROLE SET search_path = reseller_billing, public;
			ANALYZE;
		SQL
}
if ! setup; then
	echo "run-sqlsmith.sh: could not create the populated database (see above; fixture output: ${W#"$RB_REPO"/}/fixture.out)" >&2
	exit 2
fi
rows=$("${PSQL[@]}" -d "$DB" -At -c "SELECT sum(n_live_tup) FROM pg_stat_user_tables WHERE schemaname = 'reseller_billing'")
ntables=$("${PSQL[@]}" -d "$DB" -At -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'reseller_billing'")
log_start=$(wc -l <"$SERVERLOG")

# ---- sqlsmith ---------------------------------------------------------------
echo "run-sqlsmith.sh: sqlsmith --seed=$SEED for ${SECS}s or $QUERIES queries on $DB ($ntables tables, $rows rows)"
dump=()
[[ ${RB_SQLSMITH_DUMP:-0} == 1 ]] && dump=(--dump-all-queries)
start=$(date +%s)
timeout --kill-after=10 "$SECS" sqlsmith \
	--target="host=$SOCK port=$PORT dbname=$DB user=$ROLE application_name=sqlsmith" \
	--seed="$SEED" --max-queries="$QUERIES" --exclude-catalog --verbose "${dump[@]}" \
	>"$SMITH_OUT" 2>"$SMITH_ERR"
smith_rc=$?
elapsed=$(($(date +%s) - start))

# ---- the verdict ------------------------------------------------------------
server_up=1
"${PSQL[@]}" -d "$DB" -At -c 'SELECT 1' >/dev/null 2>&1 || server_up=0
runlog="$W/postgresql.run.log" # the server log of the sqlsmith run only
tail -n +"$((log_start + 1))" "$SERVERLOG" >"$runlog"

# queries: with --verbose sqlsmith prints one character per query executed
# ("." ok, "e" error, "t" timeout, "s" syntax error, "c" broken connection),
# 80 to a line, and "queries: N" at each report; the characters also count a
# run the time limit ended between two reports
progress=$(grep -E '^[.etsc]+$' "$SMITH_ERR" | tr -d '\n')
count_char() { local x=${progress//[^$1]/}; echo "${#x}"; }
q_ok=$(count_char .) q_err=$(count_char e) q_timeout=$(count_char t)
q_syntax=$(count_char s) q_broken=$(count_char c)
queries=${#progress}
reported=$(grep -oE '^queries: [0-9]+' "$SMITH_ERR" | tail -n 1 | grep -oE '[0-9]+')
((${reported:-0} > queries)) && queries=$reported
qnote=""
if ((smith_rc == 124 || smith_rc == 137)); then
	qnote=" (ended by the time limit)"
	smith_rc=0
fi
# One record per error in the run's server log: SQLSTATE, where it was raised
# (LOCATION: function, file:line; it comes after the DETAIL, HINT and CONTEXT
# lines of the same backend) and the message.  %e puts the SQLSTATE after the
# pid: "... UTC [123] 22023 ERROR:  22023: message".  (mawk: no {n} in
# regular expressions.)
errtab="$W/errors.tsv"
awk '
	match($0, /^[^ ]+ [^ ]+ [^ ]+ \[[0-9]+\] [0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z] /) {
		split($0, f, " "); pid = f[4]; code = f[5]
		rest = substr($0, RLENGTH + 1)
		if (rest ~ /^ERROR: /) {
			if (pid in msg) print code0[pid] "\t?\t" msg[pid]
			m = rest; sub(/^ERROR: +([0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z][0-9A-Z]: )?/, "", m)
			msg[pid] = m; code0[pid] = code
		} else if (rest ~ /^LOCATION: / && (pid in msg)) {
			loc = rest; sub(/^LOCATION: +/, "", loc)
			print code0[pid] "\t" loc "\t" msg[pid]
			delete msg[pid]
		}
	}
	END { for (p in msg) print code0[p] "\t?\t" msg[p] }' "$runlog" >"$errtab"
errors=$(wc -l <"$errtab")
crash_re='terminated by signal|was terminated by exception|server process \([0-9]+\) was terminated|exited with exit code [^0]|PANIC: |TRAP: |Assertion'
crashes=$(grep -cE "$crash_re" "$runlog")
# the C files of the extension: an error raised in one of them is ours
ours_re=", ($(find "$RB_REPO/src" -name '*.c' -printf '%f\n' | paste -sd'|')):[0-9]+\$"
internal_ours=$(awk -F'\t' -v re="$ours_re" '$1 ~ /^XX/ && $2 ~ re' "$errtab" | wc -l)

printf '\nsqlsmith run (seed %s, %ss wall, exit %s)\n' "$SEED" "$elapsed" "$smith_rc"
printf 'sqlsmith: populated database: %s tables, %s rows (test/fuzz/fixture.sql)\n' "$ntables" "$rows"
printf 'sqlsmith: queries run: %s%s: ok %s, error %s, timeout %s, syntax error %s, broken connection %s\n' \
	"$queries" "$qnote" "$q_ok" "$q_err" "$q_timeout" "$q_syntax" "$q_broken"
printf 'sqlsmith: errors (server log): %s, by SQLSTATE class:\n' "$errors"
cut -c1-2 "$errtab" | sort | uniq -c | sort -rn |
	while read -r n cls; do
		case $cls in
		0A) what="feature not supported" ;; 21) what="cardinality violation" ;;
		22) what="data exception" ;; 23) what="integrity constraint violation" ;;
		25) what="invalid transaction state" ;; 2B) what="dependent privilege descriptors" ;;
		2F) what="SQL routine exception" ;; 39) what="external routine invocation" ;;
		40) what="transaction rollback" ;; 42) what="syntax error or access rule violation" ;;
		53) what="insufficient resources" ;; 54) what="program limit exceeded" ;;
		55) what="object not in prerequisite state" ;; 57) what="operator intervention (57014: statement timeout)" ;;
		58) what="system error" ;; P0) what="PL/pgSQL error (RAISE)" ;; XX) what="internal error" ;;
		*) what="" ;;
		esac
		printf 'sqlsmith:   class %s %8s  %s\n' "$cls" "$n" "$what"
	done
printf 'sqlsmith: errors raised by the extension (its C code or its PL/pgSQL RAISE): %s; the most frequent:\n' \
	"$(awk -F'\t' -v re="$ours_re" '$2 ~ re || $2 ~ /^exec_stmt_raise,/' "$errtab" | wc -l)"
awk -F'\t' -v re="$ours_re" '$2 ~ re || $2 ~ /^exec_stmt_raise,/ {
		m = $3; gsub(/[0-9]+/, "N", m); print $1 " " substr(m, 1, 90) }' "$errtab" |
	sort | uniq -c | sort -rn | head -n 8 | sed 's/^ */sqlsmith:   /'
printf 'sqlsmith: internal errors (XX000) raised by our C code: %s\n' "$internal_ours"
printf 'sqlsmith: crashes (backend terminated by a signal, PANIC, assertion): %s\n' "$crashes"
printf 'sqlsmith: server still accepting connections: %s\n' "$( ((server_up)) && echo yes || echo NO)"

failed=0
if ((crashes > 0)); then
	failed=1
	echo
	echo "=== sqlsmith crashed a backend; from ${runlog#"$RB_REPO"/}:"
	grep -E -A2 "$crash_re" "$runlog" | head -n 40
fi
if ((internal_ours > 0)); then
	failed=1
	echo
	echo "=== internal errors raised by our C code (replay with the queries: RB_FUZZ_SECONDS=0 RB_SQLSMITH_SEED=$SEED RB_SQLSMITH_DUMP=1 make fuzz):"
	awk -F'\t' -v re="$ours_re" '$1 ~ /^XX/ && $2 ~ re' "$errtab" | sort | uniq -c | sort -rn | head -n 20
fi
if ((server_up == 0)); then
	failed=1
	echo "=== the server no longer accepts connections (see ${SERVERLOG#"$RB_REPO"/})"
fi
if ((smith_rc != 0)); then
	failed=1
	echo "=== sqlsmith exited with status $smith_rc; last lines of ${SMITH_ERR#"$RB_REPO"/}:"
	tail -n 5 "$SMITH_ERR"
fi
if ((queries == 0)); then
	failed=1
	echo "=== sqlsmith ran no query (see ${SMITH_ERR#"$RB_REPO"/})"
fi
if ((failed)); then
	echo "sqlsmith: FAILED"
	exit 1
fi
echo "sqlsmith: passed (no backend crashed)"
exit 0
