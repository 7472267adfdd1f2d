#!/usr/bin/env bash
# Long fuzz run (make fuzz): RB_FUZZ_SECONDS per harness (default 600), the
# harnesses in parallel (RB_FUZZ_PARALLEL=0 to run them one after the other),
# each keeping its corpus in .work/fuzz/long/ between runs.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/fuzz-run.sh" long "${RB_FUZZ_SECONDS:-600}"
