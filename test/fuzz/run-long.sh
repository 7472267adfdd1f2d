#!/usr/bin/env bash
# Long fuzz run (make fuzz), in two parts:
#
#  1. libFuzzer: each harness (ASan + UBSan) for RB_FUZZ_SECONDS (default
#     300), in parallel (RB_FUZZ_PARALLEL=0 to run them one after the other),
#     each keeping its corpus in .work/fuzz/long/ between runs (fuzz-run.sh).
#  2. sqlsmith: random SQL against a populated database with the extension
#     for RB_SQLSMITH_SECONDS (default 300) or RB_SQLSMITH_QUERIES
#     (run-sqlsmith.sh); no backend may crash.
#
# RB_FUZZ_SECONDS=0 or RB_SQLSMITH_SECONDS=0 skips that part.  The sqlsmith
# part needs the extension installed (run-fuzz.sh does it) and sqlsmith.
# Exit status: 0 when both parts passed, else the larger of their statuses
# (1 a crash or failure, 2 a part could not be set up).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

fuzz_secs=${RB_FUZZ_SECONDS:-300}
smith_secs=${RB_SQLSMITH_SECONDS:-300}

rc_lib=skipped
if [[ $fuzz_secs != 0 ]]; then
	bash "$HERE/fuzz-run.sh" long "$fuzz_secs"
	rc_lib=$?
fi

rc_smith=skipped
if [[ $smith_secs != 0 ]]; then
	echo
	RB_SQLSMITH_SECONDS=$smith_secs bash "$HERE/run-sqlsmith.sh"
	rc_smith=$?
fi

verdict() {
	case $1 in
	skipped) echo "skipped" ;;
	0) echo "passed" ;;
	*) echo "FAILED (exit $1)" ;;
	esac
}
echo
echo "make fuzz: libFuzzer $(verdict "$rc_lib"); sqlsmith $(verdict "$rc_smith")"
rc=0
for r in "$rc_lib" "$rc_smith"; do
	[[ $r == skipped ]] && continue
	((r > rc)) && rc=$r
done
exit "$rc"
