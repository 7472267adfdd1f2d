#!/usr/bin/env bash
#
# test/harness/run-fuzz.sh — `make fuzz`: long fuzzing run.
#
# Installs what is missing (clang, libclang-rt-14-dev, PostgreSQL 15 headers
# ..., and for fuzzing only: sqlsmith), builds and installs the extension
# (sqlsmith runs against the installed one), and hands over to
# test/fuzz/run-long.sh, which builds and runs the libFuzzer harnesses and
# then sqlsmith on a cluster of its own.  Its exit status is ours.
# Knobs (see test/fuzz/run-long.sh, doc/fuzzing.md): RB_FUZZ_SECONDS,
# RB_FUZZ_PARALLEL, RB_SQLSMITH_SECONDS, RB_SQLSMITH_QUERIES, RB_SQLSMITH_SEED.

set -euo pipefail

# shellcheck source=test/harness/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# Packages only `make fuzz` needs (`make test` does not install them).
RB_FUZZ_PACKAGES=(sqlsmith)
RB_PACKAGES+=("${RB_FUZZ_PACKAGES[@]}")

ensure_packages
prepare_workdir

# sqlsmith needs the extension installed: build and install it under the
# harness lock (as `make test` does), then let the lock go: the fuzzers use
# clusters and work directories of their own.
if [[ ${RB_SQLSMITH_SECONDS:-} != 0 ]]; then
	( take_lock && build_install ) || die "cannot fuzz: the build failed (see .work/logs/build.log)"
fi

script="$RB_REPO/test/fuzz/run-long.sh"
if [[ ! -f $script ]]; then
	log "no long fuzzing yet: test/fuzz/run-long.sh does not exist"
	exit 0
fi

cd "$RB_REPO"
exec bash "$script" "$@"
