#!/usr/bin/env bash
# Shared runner for run-smoke.sh and run-long.sh; not meant to be called
# directly (it works, though):
#
#   bash test/fuzz/fuzz-run.sh MODE SECONDS_PER_HARNESS
#
# MODE "smoke": each harness starts from a fresh copy of its seed corpus.
# MODE "long":  each harness keeps growing .work/fuzz/long/corpus-NAME across
#               runs (seeds are merged in first); harnesses run in parallel
#               unless RB_FUZZ_PARALLEL=0.
#
# The committed corpus (test/fuzz/corpus/) is only ever read.  Crash inputs
# go to .work/fuzz/MODE/artifacts/, logs to .work/fuzz/MODE/logs/.
# Exit status: 0 when every harness ran its time without a crash, 1 otherwise,
# 2 when the harnesses could not be built.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
MODE=${1:?mode (smoke|long)}
SECONDS_EACH=${2:?seconds per harness}
HARNESSES=(fuzz_amount fuzz_period)

if ! [[ $SECONDS_EACH =~ ^[0-9]+$ ]] || (( SECONDS_EACH < 1 )); then
	echo "fuzz-run.sh: seconds per harness must be a positive integer, got '$SECONDS_EACH'" >&2
	exit 2
fi

if ! bash "$HERE/build.sh"; then
	echo "fuzz-run.sh: build failed" >&2
	exit 2
fi

BIN="$REPO/.work/fuzz"
WORK="$BIN/$MODE"
mkdir -p "$WORK/logs" "$WORK/artifacts"

# one run per mode at a time: a second one (say, the test suite while a
# developer runs the smoke by hand) waits instead of sharing the work dir
exec 9>"$BIN/$MODE.lock"
if ! flock -n 9; then
	echo "fuzz-run.sh: another fuzz $MODE run holds .work/fuzz/$MODE.lock; waiting ..."
	flock 9
fi

if command -v llvm-symbolizer >/dev/null 2>&1; then
	export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-$(command -v llvm-symbolizer)}
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

parallel=0
[[ $MODE == long ]] && parallel=${RB_FUZZ_PARALLEL:-1}

prepare_corpus() {
	local name=$1 seeds=$2 dir=$3
	if [[ $MODE == smoke ]]; then
		rm -rf "$dir"
	fi
	mkdir -p "$dir"
	# copy the seeds (never point libFuzzer at the committed directory)
	if [[ -d $seeds ]]; then
		cp -n "$seeds"/* "$dir"/ 2>/dev/null || true
	fi
}

run_one() {
	local name=$1
	local short=${name#fuzz_}
	local seeds="$HERE/corpus/$short"
	local corpus="$WORK/corpus-$short"
	local log="$WORK/logs/$name.log"
	local dict="$HERE/dict/$short.dict"
	local args=(
		-max_total_time="$SECONDS_EACH"
		-timeout=5
		-rss_limit_mb=2048
		-max_len=128
		-print_final_stats=1
		-artifact_prefix="$WORK/artifacts/$name-"
	)
	[[ -f $dict ]] && args+=(-dict="$dict")

	prepare_corpus "$name" "$seeds" "$corpus"
	rm -f "$log"
	# a hard stop well past libFuzzer's own limit, in case a harness hangs
	timeout --kill-after=10 $((SECONDS_EACH + 60)) \
		"$BIN/$name" "${args[@]}" "$corpus" >"$log" 2>&1
	echo $? >"$log.rc"
}

start=$(date +%s)
if (( parallel )); then
	pids=()
	for h in "${HARNESSES[@]}"; do
		run_one "$h" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
else
	for h in "${HARNESSES[@]}"; do
		echo "fuzz-run.sh: $h for ${SECONDS_EACH}s ..."
		run_one "$h"
	done
fi
elapsed=$(( $(date +%s) - start ))

# ---- summary -------------------------------------------------------------
failures=0
printf '\nlibFuzzer %s run (%ss per harness, %ss wall)\n' "$MODE" "$SECONDS_EACH" "$elapsed"
printf '%-12s %-8s %12s %8s %10s %8s\n' harness result executions seconds execs/s corpus
for h in "${HARNESSES[@]}"; do
	log="$WORK/logs/$h.log"
	rc=$(cat "$log.rc" 2>/dev/null || echo 99)
	done_line=$(grep -E '^Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1)
	if [[ -n $done_line ]]; then
		runs=$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\1/' <<<"$done_line")
		secs=$(sed -E 's/^Done ([0-9]+) runs in ([0-9]+) second.*/\2/' <<<"$done_line")
	else
		# crashed: the last "#N ..." status line is the best count there is
		runs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
		runs=${runs:-0}
		secs=-
	fi
	if [[ $secs =~ ^[0-9]+$ ]] && (( secs > 0 )); then
		rate=$(( runs / secs ))
	else
		rate=-
	fi
	corpus_n=$(find "$WORK/corpus-${h#fuzz_}" -type f | wc -l)
	if [[ $rc == 0 && -n $done_line ]]; then
		result=ok
	else
		result=FAILED
		failures=$((failures + 1))
	fi
	printf '%-12s %-8s %12s %8s %10s %8s\n' "$h" "$result" "$runs" "$secs" "$rate" "$corpus_n"
done

if (( failures )); then
	for h in "${HARNESSES[@]}"; do
		log="$WORK/logs/$h.log"
		rc=$(cat "$log.rc" 2>/dev/null || echo 99)
		grep -qE '^Done [0-9]+ runs' "$log" && [[ $rc == 0 ]] && continue
		echo
		echo "=== $h FAILED (exit $rc); log: ${log#$REPO/}"
		# the property message or sanitizer report, and the top of the stack
		grep -E 'property violated|input \(|ERROR: (AddressSanitizer|libFuzzer)|runtime error|SUMMARY|deadly signal|Test unit written|timeout' "$log" | head -n 20
		grep -E '^ +#[0-9]+ ' "$log" | head -n 12
		for a in "$WORK/artifacts/$h-"*; do
			[[ -e $a ]] || continue
			echo "  reproduce: .work/fuzz/$h ${a#$REPO/}"
		done
	done
	echo
	echo "fuzz $MODE: $failures harness(es) FAILED"
	exit 1
fi
echo "fuzz $MODE: all harnesses passed"
exit 0
