#!/usr/bin/env bash
# Builds the libFuzzer harnesses (ASan + UBSan) into $REPO/.work/fuzz/.
#
#   bash test/fuzz/build.sh            # from any directory
#   RB_FUZZ_CC=clang-14 bash test/fuzz/build.sh
#
# Only the server-independent C sources are linked (no PostgreSQL headers).
# A harness is rebuilt only when one of its inputs is newer than the binary.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT="$REPO/.work/fuzz"
mkdir -p "$OUT"

CC=${RB_FUZZ_CC:-}
if [[ -z $CC ]]; then
	for c in clang clang-14; do
		if command -v "$c" >/dev/null 2>&1; then CC=$c; break; fi
	done
fi
if [[ -z $CC ]]; then
	echo "build.sh: no clang found (set RB_FUZZ_CC)" >&2
	exit 2
fi
CFLAGS=(-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
	-fno-omit-frame-pointer -Wall -Wextra -Wno-unused-parameter -I"$REPO/src")

# harness -> the plain C sources it links (headers listed for the staleness check)
declare -A SOURCES=(
	[fuzz_amount]="src/amount_text.c src/rounding.c src/currency.c"
	[fuzz_period]="src/calendar.c"
)
declare -A HEADERS=(
	[fuzz_amount]="src/amount_core.h src/currency.h"
	[fuzz_period]="src/calendar.h"
)

built=0
for h in fuzz_amount fuzz_period; do
	bin="$OUT/$h"
	srcs=("$HERE/$h.c")
	for s in ${SOURCES[$h]}; do srcs+=("$REPO/$s"); done
	deps=("${srcs[@]}" "$HERE/build.sh")
	for s in ${HEADERS[$h]}; do deps+=("$REPO/$s"); done

	stale=0
	if [[ ! -x $bin ]]; then
		stale=1
	else
		for d in "${deps[@]}"; do
			if [[ ! -e $d ]]; then
				echo "build.sh: missing $d" >&2
				exit 2
			fi
			if [[ $d -nt $bin ]]; then stale=1; break; fi
		done
	fi
	if (( stale )); then
		echo "build.sh: $CC -> .work/fuzz/$h"
		"$CC" "${CFLAGS[@]}" -o "$bin.tmp.$$" "${srcs[@]}" || { rm -f "$bin.tmp.$$"; exit 1; }
		mv -f "$bin.tmp.$$" "$bin"
		built=$((built + 1))
	fi
done
(( built )) || echo "build.sh: harnesses up to date in .work/fuzz/"
