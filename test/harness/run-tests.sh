#!/usr/bin/env bash
#
# test/harness/run-tests.sh — `make test`.
#
# Installs what is missing (Debian 12, as root), builds and installs the
# extension, starts a throwaway PostgreSQL 15 cluster under .work/, runs every
# suite (a failing suite does not stop the others), stops the cluster and
# prints a summary whose last line is exactly "N passed, N failed".
# Exit status: 0 when nothing failed, 1 otherwise.
#
# Suites (in this order):
#   release    test/release/frozen.sh: what each release installed (its
#              recorded checksums, and its tag where the clone has it) is
#              still what the tree builds; leaves the released scripts in
#              .work/release/ (and 0.2.0's full script installed) for the
#              upgrade test
#   regress    pg_regress:   sql/*.sql vs expected/*.out   (make installcheck)
#   isolation  isolation:    test/isolation/specs/*.spec   (make installcheck)
#   pgtap      pgTAP:        test/pgtap/*.sql               (pg_prove, db rb_pgtap)
#   tap        Perl TAP:     test/t/*.pl                    (prove, as postgres)
#   fuzz       fuzz smoke:   test/fuzz/run-smoke.sh         (1 test: its exit code)
#   faketime   regress and isolation again, the server restarted under
#              libfaketime at each of RB_FAKE_DATES (rows regress@<date>,
#              isolation@<date>): the suites pass on any day
#   citus      test/citus/run.sh: Citus 13.2.2 built from source (once), a
#              coordinator and two workers on the ports after RB_PGPORT, the
#              tables distributed by reseller_id, the flows of
#              test/citus/flows.sql compared with one node's (TAP lines
#              counted); skipped when the Citus source is not there
# A suite with no test files is reported as "skipped".
#
# Environment:
#   RB_SUITES   which suites to run, e.g. RB_SUITES="regress pgtap" (space or
#               comma separated; default: all of them)
#   RB_TIMEOUT  seconds allowed for each command (one make installcheck, one
#               pgTAP file, one Perl TAP file, the fuzz smoke); default 300
#               (the citus suite, one command: at least 900).
#               A command that runs out of time counts as failed.
#   RB_PGPORT   port of the throwaway cluster (default 54329)
#   RB_FAKE_DATES  the server's dates for the faketime suite, UTC, separated
#               by commas (default: a month-end at 23:30, and 29 February of
#               a leap year)
#
# Logs: .work/logs/<suite>.log (also shown on the terminal), build.log,
# postgresql.log (server), and for Perl TAP .work/tap/tmp_check/log/.

set -euo pipefail

# shellcheck source=test/harness/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=test/harness/citus.sh
source "$(dirname "${BASH_SOURCE[0]}")/citus.sh"

ALL_SUITES=(lint release regress isolation pgtap tap fuzz faketime citus)
RB_FAKE_DATES="${RB_FAKE_DATES:-2027-01-31 23:30:00,2028-02-29 12:00:00}"
RB_TIMEOUT="${RB_TIMEOUT:-300}"

# ---------------------------------------------------------------------------
# Which suites to run
# ---------------------------------------------------------------------------

declare -A WANT=()
if [[ -z ${RB_SUITES:-} || ${RB_SUITES:-} == all ]]; then
	for s in "${ALL_SUITES[@]}"; do WANT[$s]=1; done
else
	for s in ${RB_SUITES//,/ }; do
		case " ${ALL_SUITES[*]} " in
		*" $s "*) WANT[$s]=1 ;;
		*) die "unknown suite '$s' in RB_SUITES (valid: ${ALL_SUITES[*]})" ;;
		esac
	done
fi

# ---------------------------------------------------------------------------
# Results bookkeeping and the summary (printed from the EXIT trap, so it also
# appears when setup dies half-way)
# ---------------------------------------------------------------------------

ORDER=()              # row names, in the order they were recorded
declare -A R_STATE=() # ok | FAILED | skipped | not run
declare -A R_PASS=() R_FAIL=() R_NOTE=()
SETUP_DONE=0
CURRENT_SUITE="" # set while a suite runs

# record NAME STATE PASSED FAILED NOTE
record() {
	ORDER+=("$1")
	R_STATE[$1]=$2
	R_PASS[$1]=$3
	R_FAIL[$1]=$4
	R_NOTE[$1]=$5
}

finish() {
	local rc=$?
	trap - EXIT
	set +e
	local pid
	if [[ -n $CURRENT_SUITE ]] && pid=$(cat "$RB_WORK/current.pid" 2>/dev/null); then
		# The main shell was killed (SIGTERM, Ctrl-C) while a test command ran:
		# end that too.
		kill -TERM "$pid" 2>/dev/null
		rm -f "$RB_WORK/current.pid"
	fi
	cluster_stop
	[[ $CURRENT_SUITE == tap ]] && sleep 1 && tap_stop_nodes
	[[ $CURRENT_SUITE == citus ]] && citus_cluster_stop
	if [[ -n $CURRENT_SUITE ]]; then
		# We are exiting in the middle of a suite: the run was interrupted.
		echo
		echo "INTERRUPTED during suite '$CURRENT_SUITE'"
		record "$CURRENT_SUITE" FAILED - 1 "interrupted; counts lost"
	elif ((SETUP_DONE == 0)); then
		# ensure_packages / build / cluster start died before any suite ran
		record setup FAILED 0 1 "setup failed (exit $rc), see messages above"
	fi
	local total_pass=0 total_fail=0 name
	echo
	echo "==================================== summary ===================================="
	printf '%-20s %-8s %7s %7s  %s\n' suite result passed failed notes
	for name in "${ORDER[@]}"; do
		printf '%-20s %-8s %7s %7s  %s\n' "$name" "${R_STATE[$name]}" \
			"${R_PASS[$name]}" "${R_FAIL[$name]}" "${R_NOTE[$name]}"
		[[ ${R_PASS[$name]} =~ ^[0-9]+$ ]] && total_pass=$((total_pass + R_PASS[$name]))
		[[ ${R_FAIL[$name]} =~ ^[0-9]+$ ]] && total_fail=$((total_fail + R_FAIL[$name]))
	done
	echo "================================================================================="
	echo "logs: ${RB_LOGS#"$RB_REPO"/}/"
	echo "$total_pass passed, $total_fail failed"
	((total_fail == 0)) && exit 0
	exit 1
}
trap finish EXIT
# Ctrl-C: the running test command is ended by with_timeout's own trap; once
# it is gone, leave (finish reports the suite as interrupted).  SIGTERM needs
# no trap: bash exits at once and finish ends the test command itself.
trap 'exit 130' INT

# Record a finished suite from its counts; "rc" is the exit status of the
# command(s) and turns a silent non-zero exit into one counted failure.
record_counts() {
	local name=$1 pass=$2 fail=$3 rc=$4 logfile=$5
	if ((rc != 0 && fail == 0)); then
		fail=1
	fi
	if ((fail > 0)); then
		record "$name" FAILED "$pass" "$fail" "${logfile#"$RB_REPO"/}"
	else
		record "$name" ok "$pass" "$fail" "${logfile#"$RB_REPO"/}"
	fi
}

# banner NAME: heading on the terminal and at the top of the suite's log.
banner() {
	local logfile="$RB_LOGS/$1.log"
	: >"$logfile"
	printf '\n################ suite: %s ################\n' "$1" | tee -a "$logfile"
}

# with_timeout CMD...: run CMD with the per-command time limit.
# `timeout` runs CMD in a process group of its own (so it can kill all of
# it), which a Ctrl-C on the terminal does not reach.  So: on SIGINT/SIGTERM
# this function (always running in a pipeline subshell) passes a SIGTERM on
# to timeout, which forwards it to the group; and the pid is kept in
# .work/current.pid so finish() can do the same if the main shell is killed.
with_timeout() {
	local rc=0 pid
	timeout --kill-after=15 "$RB_TIMEOUT" "$@" &
	pid=$!
	echo "$pid" >"$RB_WORK/current.pid"
	# shellcheck disable=SC2064 # expand $pid now
	trap "kill -TERM $pid 2>/dev/null" INT TERM
	wait "$pid" || rc=$?
	while kill -0 "$pid" 2>/dev/null; do # interrupted: wait for the real end
		rc=0
		wait "$pid" || rc=$?
	done
	trap - INT TERM
	rm -f "$RB_WORK/current.pid"
	if ((rc == 124 || rc == 137)); then
		echo "TIMEOUT: '$*' did not finish within ${RB_TIMEOUT}s (RB_TIMEOUT)"
	fi
	return "$rc"
}

# print_head FILE: show the first 200 lines of a diff file, if present.
print_head() {
	[[ -s $1 ]] || return 0
	echo "---------------- first 200 lines of ${1#"$RB_REPO"/} ----------------"
	head -n 200 "$1"
	echo "---------------------------------------------------------------------"
}

# ---------------------------------------------------------------------------
# Suites.  Each one runs with `set -e` off in its own subshell-free body and
# must call record (or record_counts) exactly once.
# ---------------------------------------------------------------------------

# pg_regress and pg_isolation_regress, through the Makefile's installcheck.
# The two run as separate make invocations (the other list emptied on the
# command line) so a regress failure does not keep isolation from running.
suite_pg_regress() {
	local kind=$1 name=${2:-$1} var other diffs
	case $kind in
	regress) var=REGRESS other=ISOLATION diffs="$RB_REPO/regression.diffs" ;;
	isolation) var=ISOLATION other=REGRESS diffs="$RB_REPO/output_iso/regression.diffs" ;;
	esac
	local list
	list=$(make_var "$var") || {
		record "$name" FAILED 0 1 "could not read $var from the Makefile"
		return
	}
	if [[ -z ${list// /} ]]; then
		record "$name" skipped - - "no tests ($var is empty)"
		return
	fi
	local logfile="$RB_LOGS/$name.log" rc=0 pass fail
	banner "$name"
	rm -f "$diffs"
	run_logged "$logfile" with_timeout \
		make -C "$RB_REPO" --no-print-directory PG_CONFIG="$PG_CONFIG" installcheck "$other=" ||
		rc=$?
	read -r pass fail < <(count_regress_log "$logfile")
	if ((rc != 0)) && ! grep -qE 'All [0-9]+ tests passed|[0-9]+ of [0-9]+ tests (failed|passed)' "$logfile"; then
		# No final tally: pg_regress stopped early (a missing expected file, a
		# lost connection, ...); the remaining tests never ran.
		echo "pg_regress stopped before the end (no final tally): counted as 1 more failure" |
			tee -a "$logfile"
		fail=$((fail + 1))
	fi
	if ((rc != 0 || fail > 0)); then
		print_head "$diffs" | tee -a "$logfile"
	fi
	record_counts "$name" "$pass" "$fail" "$rc" "$logfile"
}

# pgTAP: each test/pgtap/*.sql through `pg_prove --verbose`, one file at a
# time, in database rb_pgtap (created fresh for the suite, with pgtap).
suite_pgtap() {
	local -a files
	mapfile -t files < <(compgen -G "$RB_REPO/test/pgtap/*.sql" | LC_ALL=C sort)
	if ((${#files[@]} == 0)); then
		record pgtap skipped - - "no test/pgtap/*.sql"
		return
	fi
	local logfile="$RB_LOGS/pgtap.log" tmp="$RB_WORK/pgtap-one.out"
	banner pgtap
	if ! run_logged "$logfile" psql_q -d postgres -c 'SET client_min_messages = warning' \
		-c 'DROP DATABASE IF EXISTS rb_pgtap' -c 'CREATE DATABASE rb_pgtap' ||
		! run_logged "$logfile" psql_q -d rb_pgtap -c 'CREATE EXTENSION IF NOT EXISTS pgtap'; then
		record pgtap FAILED 0 1 "could not create database rb_pgtap"
		return
	fi
	local f rc pass fail tpass=0 tfail=0
	for f in "${files[@]}"; do
		rc=0
		: >"$tmp"
		(cd "$RB_REPO" && with_timeout pg_prove --verbose --dbname rb_pgtap "${f#"$RB_REPO"/}") 2>&1 |
			tee -i -a "$logfile" "$tmp" || rc=$?
		read -r pass fail < <(count_tap_log "$tmp")
		if ((rc != 0 && fail == 0)); then
			echo "pg_prove exited with status $rc and no 'not ok' line: counted as 1 failure (${f#"$RB_REPO"/})" |
				tee -a "$logfile"
			fail=1
		fi
		tpass=$((tpass + pass)) tfail=$((tfail + fail))
	done
	rm -f "$tmp"
	record_counts pgtap "$tpass" "$tfail" 0 "$logfile"
}

# Perl TAP: each test/t/*.pl through `prove -v`, run as the postgres OS user
# (PostgreSQL::Test::Cluster runs initdb, which refuses root).  Its nodes get
# their own random ports (10200-32767) and socket directories, so they never
# meet the harness cluster; PostgreSQL::Test::Utils drops PGHOST/PGPORT/...
# anyway.  TESTDIR=.work/tap, so node logs land in .work/tap/tmp_check/log/.
suite_tap() {
	local -a files
	mapfile -t files < <(compgen -G "$RB_REPO/test/t/*.pl" | LC_ALL=C sort)
	if ((${#files[@]} == 0)); then
		record tap skipped - - "no test/t/*.pl"
		return
	fi
	local logfile="$RB_LOGS/tap.log" tmp="$RB_WORK/tap-one.out" testdir="$RB_WORK/tap"
	banner tap
	tap_stop_nodes
	rm -rf "$testdir"
	mkdir -p "$testdir"
	is_root && chown postgres:postgres "$testdir"
	local f rc pass fail tpass=0 tfail=0 base
	for f in "${files[@]}"; do
		rc=0
		: >"$tmp"
		(cd "$RB_REPO" && with_timeout "${AS_POSTGRES[@]}" env \
			-u PGHOST -u PGPORT -u PGUSER -u PGDATABASE \
			HOME="$testdir" \
			PATH="$PG_BINDIR:$PATH" \
			PERL5LIB="$PG_PGXS_DIR/src/test/perl${PERL5LIB:+:$PERL5LIB}" \
			PG_REGRESS="$PG_PGXS_DIR/src/test/regress/pg_regress" \
			TESTDIR="$testdir" \
			RB_REPO="$RB_REPO" \
			prove -v "${f#"$RB_REPO"/}") 2>&1 | tee -i -a "$logfile" "$tmp" || rc=$?
		tap_stop_nodes
		read -r pass fail < <(count_tap_log "$tmp")
		if ((rc != 0 && fail == 0)); then
			echo "prove exited with status $rc and no 'not ok' line: counted as 1 failure (${f#"$RB_REPO"/})" |
				tee -a "$logfile"
			fail=1
		fi
		if ((fail > 0)); then
			# The test's own log (node start-up, psql errors) explains most failures.
			base=$(basename "$f" .pl)
			if [[ -s $testdir/tmp_check/log/regress_log_$base ]]; then
				echo "---------------- last 60 lines of .work/tap/tmp_check/log/regress_log_$base ----------------"
				tail -n 60 "$testdir/tmp_check/log/regress_log_$base"
				echo "--------------------------------------------------------------------------------"
			fi 2>&1 | tee -a "$logfile"
		fi
		tpass=$((tpass + pass)) tfail=$((tfail + fail))
	done
	rm -f "$tmp"
	record_counts tap "$tpass" "$tfail" 0 "$logfile"
}

# tap_stop_nodes: stop PostgreSQL::Test::Cluster nodes left running under
# .work/tap (a test killed by a signal or timeout skips its END block, which
# would otherwise stop them).
tap_stop_nodes() {
	local pidfile
	while IFS= read -r pidfile; do
		as_postgres "$PG_CTL" stop -D "$(dirname "$pidfile")" -m immediate >/dev/null 2>&1 || true
	done < <(find "$RB_WORK/tap" -name postmaster.pid 2>/dev/null)
}

# Fuzz smoke test: test/fuzz/run-smoke.sh, counted as one test by exit code.
# It inherits PGHOST/PGPORT/PGUSER/PGDATABASE of the running cluster.
suite_fuzz() {
	local script="$RB_REPO/test/fuzz/run-smoke.sh"
	if [[ ! -f $script ]]; then
		record fuzz skipped - - "no test/fuzz/run-smoke.sh"
		return
	fi
	local logfile="$RB_LOGS/fuzz.log" rc=0
	banner fuzz
	(cd "$RB_REPO" && run_logged "$logfile" with_timeout bash "$script") || rc=$?
	if ((rc == 0)); then
		record fuzz ok 1 0 "${logfile#"$RB_REPO"/}"
	else
		echo "test/fuzz/run-smoke.sh exited with status $rc" | tee -a "$logfile"
		record fuzz FAILED 0 1 "${logfile#"$RB_REPO"/}"
	fi
}

# The regression and isolation suites again, on other days: for each of
# RB_FAKE_DATES the cluster is restarted with the server under libfaketime,
# its wall clock starting at that moment (UTC).  Nothing in the suites may
# depend on the day they run (issue 12).  The server's date is checked
# first: a run that did not fake the clock would prove nothing.
suite_faketime() {
	local -a dates
	local d label got
	IFS=, read -r -a dates <<<"$RB_FAKE_DATES"
	for d in "${dates[@]}"; do
		label=${d%% *}
		cluster_stop
		if ! (RB_FAKETIME=$d cluster_start); then
			record "regress@$label" FAILED 0 1 "the cluster did not start under libfaketime"
			continue
		fi
		got=$(psql_q -At -c "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')" 2>&1)
		if [[ $got != "${d:0:16}" && $got != "${d:0:15}"* ]]; then
			record "faketime@$label" FAILED 0 1 "the server's clock reads '$got', not $d"
			continue
		fi
		log "the server's clock reads $got UTC"
		suite_pg_regress regress "regress@$label"
		suite_pg_regress isolation "isolation@$label"
	done
	cluster_stop
	(cluster_start) || record faketime FAILED 0 1 "the cluster did not restart without libfaketime"
}

# The multi-node suite: test/citus/run.sh, TAP lines counted; "1..0 # SKIP"
# (no Citus source next to the checkout) is reported as skipped.
suite_citus() {
	local logfile="$RB_LOGS/citus.log" rc=0 pass fail
	# the suite is one command of about 150 s to 300 s (Citus built once,
	# three clusters, several databases distributed): at least 900 s for it
	local RB_TIMEOUT=$((RB_TIMEOUT > 900 ? RB_TIMEOUT : 900))
	banner citus
	(cd "$RB_REPO" && run_logged "$logfile" with_timeout bash test/citus/run.sh) || rc=$?
	if grep -q '^1\.\.0 # SKIP' "$logfile"; then
		record citus skipped - - "$(sed -n 's/^1\.\.0 # SKIP //p' "$logfile")"
		return
	fi
	read -r pass fail < <(count_tap_log "$logfile")
	record_counts citus "$pass" "$fail" "$rc" "$logfile"
}

# Frozen releases: test/release/frozen.sh, TAP lines counted.  It exports
# the tagged versions' scripts to .work/release for test/t/070_upgrade.pl.
suite_release() {
	local logfile="$RB_LOGS/release.log" rc=0 pass fail
	banner release
	rm -rf "$RB_WORK/release"
	(cd "$RB_REPO" && run_logged "$logfile" with_timeout bash test/release/frozen.sh \
		--export "$RB_WORK/release" --install) || rc=$?
	read -r pass fail < <(count_tap_log "$logfile")
	record_counts release "$pass" "$fail" "$rc" "$logfile"
}

# Static analysis: `make lint` (cppcheck over src/, no warnings allowed),
# counted as one test by exit code.  Compiler warnings already fail the
# build, which runs with -Werror.
suite_lint() {
	local logfile="$RB_LOGS/lint.log" rc=0
	banner lint
	(cd "$RB_REPO" && run_logged "$logfile" with_timeout make -s lint PG_CONFIG="$PG_CONFIG") || rc=$?
	if ((rc == 0)); then
		record lint ok 1 0 "${logfile#"$RB_REPO"/}"
	else
		record lint FAILED 0 1 "${logfile#"$RB_REPO"/}"
	fi
}

# ---------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------

take_lock
rm -f "$RB_WORK/current.pid" # left by a run that was killed with SIGKILL
ensure_packages
ensure_optional_packages
prepare_workdir

if ! build_install; then
	record build FAILED 0 1 "build/install failed: ${RB_LOGS#"$RB_REPO"/}/build.log"
	for s in "${ALL_SUITES[@]}"; do
		[[ -n ${WANT[$s]:-} ]] && record "$s" "not run" - - "build failed"
	done
	SETUP_DONE=1
	exit 1
fi

cluster_start
SETUP_DONE=1

set +e # suites handle their own failures; nothing below may stop the run
for s in "${ALL_SUITES[@]}"; do
	[[ -n ${WANT[$s]:-} ]] || continue
	CURRENT_SUITE=$s
	case $s in
	lint) suite_lint ;;
	release) suite_release ;;
	regress | isolation) suite_pg_regress "$s" ;;
	pgtap) suite_pgtap ;;
	tap) suite_tap ;;
	fuzz) suite_fuzz ;;
	faketime) suite_faketime ;;
	citus) suite_citus ;;
	esac
	CURRENT_SUITE=""
done
# finish (EXIT trap) stops the cluster and prints the summary.
