#!/usr/bin/env bash
#
# test/harness/run-fuzz.sh — `make fuzz`: long fuzzing run.
#
# Installs what is missing (clang, libclang-rt-14-dev, PostgreSQL 15 headers
# ...) and hands over to test/fuzz/run-long.sh, which builds and runs the
# fuzzers itself (it may source test/harness/lib.sh for cluster_start etc.).
# Its exit status is ours.

set -euo pipefail

# shellcheck source=test/harness/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages
prepare_workdir

script="$RB_REPO/test/fuzz/run-long.sh"
if [[ ! -f $script ]]; then
	log "no long fuzzing yet: test/fuzz/run-long.sh does not exist"
	exit 0
fi

cd "$RB_REPO"
exec bash "$script" "$@"
