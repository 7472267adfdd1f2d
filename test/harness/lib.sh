# shellcheck shell=bash
#
# test/harness/lib.sh — shared functions for the harness scripts
# (run-tests.sh, run-demo.sh, run-bench.sh, run-fuzz.sh).  Source it; do not
# run it.  Other scripts (bench/*.sh, test/fuzz/*.sh) may source it too: it
# only defines variables and functions, and sourcing it twice is harmless.
#
# Everything the harness creates lives under $RB_WORK ($repo/.work, which is
# git-ignored):
#
#   .work/cluster/   data directory of the throwaway PostgreSQL 15 cluster
#   .work/run/       its Unix socket directory (PGHOST); no TCP at all
#   .work/logs/      one log per suite/step, plus postgresql.log (server log)
#   .work/tap/       TESTDIR for the Perl TAP tests (tmp_check/ below it)
#   .work/harness.lock  serialises concurrent harness runs in one checkout
#
# Knobs (environment):
#   RB_PGPORT        port of the throwaway cluster (default 54329).  With
#                    listen_addresses='' it only names the socket file in
#                    .work/run, so it cannot clash with a TCP listener.
#   RB_EXTRA_CONF    extra postgresql.conf lines (newline separated) for
#                    cluster_start; run-bench.sh uses it.
#   RB_LOCK_WAIT     seconds to wait for another harness run (default 1800).
#   RB_FAKETIME      a moment, "YYYY-MM-DD hh:mm:ss" in UTC: cluster_start runs
#                    the server under libfaketime, its clock starting there
#                    (run-tests.sh's faketime suite sets it).

# ---------------------------------------------------------------------------
# Paths and constants
# ---------------------------------------------------------------------------

RB_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RB_WORK="$RB_REPO/.work"
RB_LOGS="$RB_WORK/logs"
RB_DATA="$RB_WORK/cluster"
RB_SOCK="$RB_WORK/run"
RB_PGPORT="${RB_PGPORT:-54329}"

# RB_PG_BINDIR: another PostgreSQL 15 installation's bin directory (a private
# copy, so two checkouts can install their builds side by side).
PG_BINDIR="${RB_PG_BINDIR:-/usr/lib/postgresql/15/bin}"
PG_CONFIG="$PG_BINDIR/pg_config"
PG_CTL="$PG_BINDIR/pg_ctl"
PG_PGXS_DIR="${PG_BINDIR%/bin}/lib/pgxs"
RB_LIBFAKETIME="/usr/lib/$(uname -m)-linux-gnu/faketime/libfaketime.so.1"

# Everything a fresh Debian 12 needs.  pgbench, psql and pg_isolation_regress
# come from postgresql-client-15 / postgresql-server-dev-15; perl provides
# `prove`; libtap-parser-sourcehandler-pgtap-perl provides `pg_prove`;
# weasyprint renders the documents to PDF (bin/rb-documents, make demo, the
# TAP test 100), with a font to render them in, and poppler-utils reads the
# PDFs back (pdfinfo, pdftotext).
RB_PACKAGES=(
	make gcc clang libclang-rt-14-dev cppcheck
	perl libipc-run-perl libtap-parser-sourcehandler-pgtap-perl
	postgresql-15 postgresql-client-15 postgresql-server-dev-15
	postgresql-15-pgtap postgresql-15-cron
	faketime
	weasyprint fonts-dejavu-core poppler-utils
)

# Wanted but not required: chromium takes the screenshot of an invoice in the
# TAP test 110 (issue 16).  ensure_optional_packages installs it when missing;
# when it cannot (no root, no network, no such package) it says so in
# .work/logs/optional-packages.log and the test skips, naming the reason.
RB_OPTIONAL_PACKAGES=(chromium)

export RB_REPO RB_WORK RB_LOGS RB_PGPORT PG_BINDIR PG_CONFIG PG_PGXS_DIR

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------

log()  { printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die()  { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# Run a command as the unprivileged `postgres` OS account (PostgreSQL refuses
# to run as root).  Only root can switch users; a non-root caller runs the
# cluster as itself.  AS_POSTGRES is the same thing as a command prefix, for
# use with `timeout`, `env` and the like, which cannot run shell functions.
if [[ $(id -u) -eq 0 ]]; then
	AS_POSTGRES=(runuser -u postgres --)
else
	AS_POSTGRES=()
fi
as_postgres() {
	"${AS_POSTGRES[@]}" "$@"
}

# run_logged LOGFILE CMD...: run CMD with stdout+stderr shown on the terminal
# and appended to LOGFILE; returns CMD's exit status (not tee's).
run_logged() {
	local logfile=$1
	shift
	local -a st
	set +e
	"$@" 2>&1 | tee -i -a "$logfile" # -i: a Ctrl-C must not cut the output
	st=("${PIPESTATUS[@]}")
	set -e
	return "${st[0]}"
}

# ---------------------------------------------------------------------------
# Packages
# ---------------------------------------------------------------------------

# ensure_packages: install whatever of RB_PACKAGES is missing.  Checks with
# dpkg-query first, so when everything is present it takes a fraction of a
# second and needs no network (no apt-get update).
ensure_packages() {
	local -a missing=()
	local p
	for p in "${RB_PACKAGES[@]}"; do
		if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
			missing+=("$p")
		fi
	done
	if ((${#missing[@]} == 0)); then
		return 0
	fi
	if ! is_root; then
		die "missing Debian packages: ${missing[*]}
       Install them as root:  apt-get update && apt-get install -y ${missing[*]}
       (or run 'make test' as root, which installs them itself)"
	fi
	log "installing missing packages: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
	id postgres >/dev/null 2>&1 || die "the 'postgres' OS user is missing after installing postgresql-15"
}

# ensure_optional_packages: install what of RB_OPTIONAL_PACKAGES is missing;
# a failure is written to .work/logs/optional-packages.log (the tests that
# need the package read it and skip), never fatal.
ensure_optional_packages() {
	local -a missing=()
	local p logfile="$RB_LOGS/optional-packages.log"
	mkdir -p "$RB_LOGS"
	: >"$logfile"
	for p in "${RB_OPTIONAL_PACKAGES[@]}"; do
		if ! dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null | grep -qx installed; then
			missing+=("$p")
		fi
	done
	((${#missing[@]} == 0)) && return 0
	if ! is_root; then
		echo "not installed: ${missing[*]} (not root; install them with apt-get install -y ${missing[*]})" >>"$logfile"
		warn "optional packages missing: ${missing[*]} (run as root to install them; their tests skip)"
		return 0
	fi
	log "installing optional packages: ${missing[*]} (log: ${logfile#"$RB_REPO"/})"
	if ! { DEBIAN_FRONTEND=noninteractive apt-get update -q &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; } >>"$logfile" 2>&1; then
		echo "not installed: ${missing[*]} (apt-get install failed, above)" >>"$logfile"
		warn "could not install ${missing[*]} (see ${logfile#"$RB_REPO"/}); their tests skip"
	fi
	return 0
}

# ---------------------------------------------------------------------------
# Build
# ---------------------------------------------------------------------------

# build_install: incremental PGXS build, then `make install` into the system
# PostgreSQL 15 (needs root, or write access to pg_config --pkglibdir and
# --sharedir).  Output goes to the terminal and .work/logs/build.log.  On
# failure it explains and returns non-zero (callers decide whether to stop).
build_install() {
	prepare_workdir
	local logfile="$RB_LOGS/build.log"
	: >"$logfile"
	log "building reseller_billing (log: ${logfile#"$RB_REPO"/})"
	# the compiler's lines go to the log only; a failure shows its end
	if ! make -C "$RB_REPO" PG_CONFIG="$PG_CONFIG" >>"$logfile" 2>&1; then
		tail -n 40 "$logfile" >&2
		printf '\nBUILD FAILED: "make" did not succeed (the last lines of %s are above).\n' "$logfile" >&2
		printf '  The C code or SQL may be mid-edit; nothing was installed.\n\n' >&2
		return 1
	fi
	if ! is_root && ! [[ -w "$("$PG_CONFIG" --pkglibdir)" ]]; then
		printf '\nINSTALL FAILED: "make install" needs root (or write access to %s).\n\n' \
			"$("$PG_CONFIG" --pkglibdir)" >&2
		return 1
	fi
	if ! make -C "$RB_REPO" PG_CONFIG="$PG_CONFIG" install >>"$logfile" 2>&1; then
		tail -n 20 "$logfile" >&2
		printf '\nINSTALL FAILED: "make install" did not succeed (see %s).\n\n' "$logfile" >&2
		return 1
	fi
	log "built and installed"
}

# ---------------------------------------------------------------------------
# Work directory, lock
# ---------------------------------------------------------------------------

# prepare_workdir: create .work and its subdirectories and make sure the
# postgres account can reach them.
#
# The server runs as `postgres`, so every directory from / down to .work must
# be traversable (x bit) by it.  The repository usually lives in a root-owned
# tree (e.g. /work/main, mode 755: fine).  If a parent is mode 700/750 (a repo
# under /root, say), we add o+x to that directory only: "others may pass
# through", not "others may list or read".  That is the smallest change that
# lets the cluster live inside the repository; we say so when we do it.
prepare_workdir() {
	mkdir -p "$RB_WORK" "$RB_LOGS" "$RB_SOCK" "$RB_WORK/tap"
	if is_root; then
		local dir="" part
		local -a parts
		IFS=/ read -r -a parts <<<"${RB_WORK#/}"
		for part in "${parts[@]}"; do
			dir="$dir/$part"
			if ! runuser -u postgres -- test -x "$dir"; then
				warn "the postgres user cannot traverse $dir; running chmod o+x $dir"
				chmod o+x "$dir"
			fi
		done
		# Server-side directories belong to postgres.  .work/logs is shared: root
		# writes suite logs, the server writes postgresql.log.
		chown postgres:postgres "$RB_SOCK" "$RB_LOGS" "$RB_WORK/tap"
		[[ -d $RB_DATA ]] && chown postgres:postgres "$RB_DATA"
	fi
	return 0
}

# take_lock: allow one harness run at a time per checkout (several engineers
# share this tree; two runs would stop each other's cluster and overwrite
# results/).  The lock is held by this shell's fd 9 and released at exit.
# cluster_start calls it too.  RB_LOCK_HELD is exported so that a script
# started by a harness run (a bench, the fuzz smoke) does not wait for its
# own parent.
take_lock() {
	[[ -n ${RB_LOCK_HELD:-} ]] && return 0
	prepare_workdir
	exec 9>"$RB_WORK/harness.lock"
	if ! flock -n 9; then
		log "another harness run holds $RB_WORK/harness.lock; waiting (up to ${RB_LOCK_WAIT:-1800}s)"
		flock -w "${RB_LOCK_WAIT:-1800}" 9 || die "timed out waiting for $RB_WORK/harness.lock"
	fi
	export RB_LOCK_HELD=$$
}

# ---------------------------------------------------------------------------
# Throwaway cluster
# ---------------------------------------------------------------------------

# cluster_running: true when a postmaster is running on $RB_DATA.
cluster_running() {
	[[ -f $RB_DATA/postmaster.pid ]] && as_postgres "$PG_CTL" status -D "$RB_DATA" >/dev/null 2>&1
}

# cluster_start: (re)create and start the throwaway cluster, then export
# PGHOST/PGPORT/PGUSER/PGDATABASE (and PATH with the PostgreSQL 15 binaries
# first) for the rest of the script.
#
# Each start is a fresh initdb (about a second with -N), so no state leaks
# between runs.  A cluster left running by an interrupted earlier run is
# stopped first.  Pair with:  trap cluster_stop EXIT
cluster_start() {
	take_lock
	id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (is postgresql-15 installed?)"

	if cluster_running; then
		log "stopping a cluster left running by an earlier run"
		as_postgres "$PG_CTL" stop -D "$RB_DATA" -m fast -w -t 60 >/dev/null ||
			as_postgres "$PG_CTL" stop -D "$RB_DATA" -m immediate -w -t 30 >/dev/null ||
			die "could not stop the old cluster in $RB_DATA"
	fi

	rm -rf "$RB_DATA"
	mkdir -p "$RB_DATA"
	is_root && chown postgres:postgres "$RB_DATA"
	chmod 700 "$RB_DATA"

	log "initdb ${RB_DATA#"$RB_REPO"/}"
	as_postgres "$PG_BINDIR/initdb" -D "$RB_DATA" -U postgres --auth=trust \
		--encoding=UTF8 --locale=C -N >"$RB_LOGS/initdb.log" 2>&1 ||
		{ cat "$RB_LOGS/initdb.log" >&2; die "initdb failed"; }

	# Our settings go in a separate file, included from postgresql.conf.
	{
		echo "# written by test/harness/lib.sh (cluster_start)"
		echo "listen_addresses = ''"
		echo "port = $RB_PGPORT"
		echo "unix_socket_directories = '$RB_SOCK'"
		echo "shared_preload_libraries = 'pg_cron'"
		echo "cron.database_name = 'postgres'"
		echo "# throwaway cluster: durability is not needed, speed is"
		echo "fsync = off"
		echo "synchronous_commit = off"
		echo "full_page_writes = off"
		echo "log_line_prefix = '%m [%p] %q%u@%d '"
		if [[ -n ${RB_EXTRA_CONF:-} ]]; then
			echo "# RB_EXTRA_CONF"
			printf '%s\n' "$RB_EXTRA_CONF"
		fi
	} >"$RB_DATA/harness.conf"
	echo "include 'harness.conf'" >>"$RB_DATA/postgresql.conf"
	is_root && chown postgres:postgres "$RB_DATA/harness.conf"

	local serverlog="$RB_LOGS/postgresql.log"
	: >"$serverlog"
	is_root && chown postgres:postgres "$serverlog"

	log "starting PostgreSQL 15 on socket $RB_SOCK, port $RB_PGPORT (server log: ${serverlog#"$RB_REPO"/})"
	# 9>&- : the postmaster must not inherit our lock fd, or a leftover server
	# would keep the harness lock held.
	# Under RB_FAKETIME the server (and pg_ctl, which compares the server's
	# start time with its own) sees a wall clock that starts at that moment
	# and runs on; forked backends share the postmaster's timeline.
	local -a fake=()
	if [[ -n ${RB_FAKETIME:-} ]]; then
		[[ -f $RB_LIBFAKETIME ]] || die "RB_FAKETIME is set but $RB_LIBFAKETIME is missing (package libfaketime)"
		fake=(env TZ=UTC LD_PRELOAD="$RB_LIBFAKETIME" FAKETIME="@$RB_FAKETIME"
			FAKETIME_DONT_RESET=1 FAKETIME_DONT_FAKE_MONOTONIC=1)
		faketime_holder_start
		fake+=(FAKETIME_SHARED="/faketime_sem_$RB_FAKETIME_HOLDER /faketime_shm_$RB_FAKETIME_HOLDER")
		log "the server's wall clock starts at $RB_FAKETIME UTC (libfaketime)"
	fi
	if ! as_postgres "${fake[@]}" "$PG_CTL" start -D "$RB_DATA" -l "$serverlog" -w -t 60 9>&- >/dev/null; then
		tail -n 50 "$serverlog" >&2
		die "the cluster did not start (see $serverlog)"
	fi

	export PGHOST="$RB_SOCK" PGPORT="$RB_PGPORT" PGUSER=postgres PGDATABASE=postgres
	export PATH="$PG_BINDIR:$PATH"
	# Leftover client settings from the caller's environment would only confuse.
	unset PGSERVICE PGOPTIONS PGPASSWORD PGHOSTADDR PGSSLMODE 2>/dev/null || true
}

# cluster_stop: stop the throwaway cluster (fast shutdown).  Safe to call when
# it is not running; meant for `trap cluster_stop EXIT`.
cluster_stop() {
	if cluster_running; then
		log "stopping the cluster"
		as_postgres "$PG_CTL" stop -D "$RB_DATA" -m fast -w -t 60 >/dev/null ||
			as_postgres "$PG_CTL" stop -D "$RB_DATA" -m immediate -w -t 30 >/dev/null ||
			warn "could not stop the cluster in $RB_DATA"
	fi
	faketime_holder_stop
	return 0
}

# libfaketime keeps the faked timeline in a POSIX semaphore and shared memory
# segment named after the process that created them, and that process
# removes them when it exits.  Were pg_ctl the creator, every program the
# server starts after pg_ctl exits (COPY ... PROGRAM's shell and cat) would
# fail to attach and exit 1 ("sem_open failed") — sometimes, by timing.  So
# a holder process creates them first and lives until cluster_stop; the
# server attaches to its (FAKETIME_SHARED), and no process of the server's
# removes them.  The holder is a shell that execs sleep: same pid, the
# segment is kept across the exec.
RB_FAKETIME_PIDFILE="$RB_WORK/faketime-holder.pid"
faketime_holder_start() {
	faketime_holder_stop
	mkdir -p "$RB_WORK"
	is_root && chown postgres:postgres "$RB_WORK"
	as_postgres env TZ=UTC LD_PRELOAD="$RB_LIBFAKETIME" FAKETIME="@$RB_FAKETIME" \
		FAKETIME_DONT_RESET=1 FAKETIME_DONT_FAKE_MONOTONIC=1 \
		sh -c 'echo $$ >"$1"; exec sleep 86400' sh "$RB_FAKETIME_PIDFILE" </dev/null >/dev/null 2>&1 9>&- &
	local i
	for ((i = 0; i < 100; i++)); do
		if [[ -s $RB_FAKETIME_PIDFILE ]]; then
			RB_FAKETIME_HOLDER=$(<"$RB_FAKETIME_PIDFILE")
			[[ -e /dev/shm/sem.faketime_sem_$RB_FAKETIME_HOLDER && -e /dev/shm/faketime_shm_$RB_FAKETIME_HOLDER ]] && return 0
		fi
		sleep 0.05
	done
	die "libfaketime's holder process did not start"
}
faketime_holder_stop() {
	local pid
	[[ -s $RB_FAKETIME_PIDFILE ]] || return 0
	pid=$(<"$RB_FAKETIME_PIDFILE")
	kill "$pid" 2>/dev/null || true
	rm -f "$RB_FAKETIME_PIDFILE" "/dev/shm/sem.faketime_sem_$pid" "/dev/shm/faketime_shm_$pid"
}

# psql_q SQL...: run SQL quietly against the throwaway cluster ($PGDATABASE
# unless -d is given first); stops on the first error.
psql_q() {
	"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"
}

# ---------------------------------------------------------------------------
# Reading the Makefile, counting results
# ---------------------------------------------------------------------------

# make_var NAME: print the value of a variable as the Makefile computes it
# (e.g. REGRESS, ISOLATION), so the harness never re-implements its globs.
make_var() {
	# shellcheck disable=SC2016 # $($*) is for make, not the shell
	make -s --no-print-directory -C "$RB_REPO" PG_CONFIG="$PG_CONFIG" \
		--eval 'rb-print-var-%: ; @echo "$($*)"' "rb-print-var-$1"
}

# count_regress_log FILE: print "PASSED FAILED" for a pg_regress or
# pg_isolation_regress log.  PostgreSQL 15 prints one line per test:
#     test amount                       ... ok           12 ms
#     test seat_cap                     ... FAILED       40 ms
#          name_in_parallel_group       ... ok            3 ms
# "failed (ignored)" counts as passed (pg_regress itself calls that success).
# The TAP style of PostgreSQL 16+ ("ok 1 - amount", "not ok 2 - x") is
# counted too, so the harness survives a server upgrade.
count_regress_log() {
	local file=$1 pass fail tpass tfail
	pass=$(grep -cE '^(test +)? *[^ ]+ +\.\.\. +(ok|failed \(ignored\))( |$)' "$file" || true)
	fail=$(grep -cE '^(test +)? *[^ ]+ +\.\.\. +FAILED' "$file" || true)
	read -r tpass tfail < <(count_tap_log "$file")
	echo "$((pass + tpass)) $((fail + tfail))"
}

# count_tap_log FILE: print "PASSED FAILED" for TAP output (pg_prove -v,
# prove -v).  Only top-level, numbered lines count (indented subtest lines
# do not, nor does the bare "ok" verdict prove prints after each file):
#     ok N ...            passed (including "# SKIP")
#     not ok N ... # TODO passed (an expected failure, as TAP defines it)
#     not ok N ...        failed
count_tap_log() {
	local file=$1 pass fail todo
	pass=$(grep -cE '^ok [0-9]+( |$)' "$file" || true)
	fail=$(grep -cE '^not ok [0-9]+( |$)' "$file" || true)
	todo=$(grep -E '^not ok [0-9]+( |$)' "$file" | grep -ciE '#[[:space:]]*todo' || true)
	echo "$((pass + todo)) $((fail - todo))"
}
