#!/usr/bin/env bash
# Quick fuzz pass for the test suite: builds the harnesses, runs each for
# RB_FUZZ_SMOKE_SECONDS (default 25) on a fresh copy of its seed corpus, and
# exits non-zero if any harness finds a crash.  Total under a minute.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
exec bash "$HERE/fuzz-run.sh" smoke "${RB_FUZZ_SMOKE_SECONDS:-25}"
