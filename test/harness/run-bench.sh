#!/usr/bin/env bash
#
# test/harness/run-bench.sh — `make bench`.
#
# Installs what is missing, builds and installs the extension, starts the
# throwaway cluster with benchmark settings, and runs every bench/*.sh in
# sorted order.  Each benchmark inherits PGHOST/PGPORT/PGUSER/PGDATABASE
# (plus RB_REPO, RB_WORK, PATH with the PostgreSQL 15 binaries first, so
# `psql` and `pgbench` are the 15 ones) and prints its own figures.
# A failing benchmark does not stop the others; the exit status is non-zero
# if any failed.  Output also goes to .work/logs/bench-<name>.log.
#
# Cluster settings for benchmarks only (on top of the usual ones):
#   shared_buffers = 1GB                 the data sets stay in memory, so timings
#                                        measure CPU work, not reads
#   work_mem = 64MB                      sorts/hashes in memory, no temp files
#   max_parallel_workers_per_gather = 0  no parallel plans: compared queries
#                                        run single-process, so side-by-side
#                                        ratios do not depend on how many
#                                        workers happened to be free

set -euo pipefail

# shellcheck source=test/harness/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

take_lock
ensure_packages
prepare_workdir

# every bench/*.sh but lib.sh, which they source
mapfile -t benches < <(compgen -G "$RB_REPO/bench/*.sh" | grep -v "/lib\.sh$" | LC_ALL=C sort)
if ((${#benches[@]} == 0)); then
	log "no benchmarks yet: bench/*.sh matches no file"
	exit 0
fi

build_install || die "cannot run benchmarks: the build failed (see .work/logs/build.log)"

RB_EXTRA_CONF="shared_buffers = 1GB
work_mem = 64MB
max_parallel_workers_per_gather = 0"

trap cluster_stop EXIT
cluster_start

failed=()
for b in "${benches[@]}"; do
	name=$(basename "$b" .sh)
	logfile="$RB_LOGS/bench-$name.log"
	: >"$logfile"
	printf '\n######## bench: %s ########\n' "${b#"$RB_REPO"/}" | tee -a "$logfile"
	if ! (cd "$RB_REPO" && run_logged "$logfile" bash "$b"); then
		echo "bench ${b#"$RB_REPO"/} FAILED" | tee -a "$logfile"
		failed+=("$name")
	fi
done

echo
if ((${#failed[@]} > 0)); then
	echo "benchmarks failed: ${failed[*]} (logs: ${RB_LOGS#"$RB_REPO"/}/bench-*.log)"
	exit 1
fi
echo "all ${#benches[@]} benchmark(s) finished (logs: ${RB_LOGS#"$RB_REPO"/}/bench-*.log)"
