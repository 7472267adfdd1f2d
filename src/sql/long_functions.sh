#!/usr/bin/env bash
#
# src/sql/long_functions.sh — the functions of a version's SQL sections
# longer than a limit (issue 17: "functions over ~80 lines split where a
# reader would want them split").
#
#   bash src/sql/long_functions.sh [VERSION [LIMIT]]    (default 0.3.0, 80)
#
# prints "lines  file:line  name", longest first: a function's length runs
# from its CREATE FUNCTION line to the line that closes its dollar-quoted
# body ($$, $function$, $body$, ...).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version=${1:-0.3.0}
limit=${2:-80}

find "$here/$version" -maxdepth 1 -name '*.sql' | LC_ALL=C sort | while read -r f; do
	awk -v file="${f#"$here"/}" -v limit="$limit" '
	function report() {
		if (start && NR - start + 1 > limit) printf "%5d  %s:%d  %s\n", NR - start + 1, file, start, name
	}
	/^CREATE (OR REPLACE )?FUNCTION / {
		start = NR; tag = ""
		name = $0; sub(/^CREATE (OR REPLACE )?FUNCTION /, "", name); sub(/\(.*/, "", name)
	}
	start && tag == "" && match($0, /AS \$[A-Za-z_]*\$/) {
		tag = substr($0, RSTART + 3, RLENGTH - 3)
		rest = substr($0, RSTART + RLENGTH)
		if (index(rest, tag)) { report(); start = 0 }
		next
	}
	start && tag != "" && index($0, tag) { report(); start = 0 }
	' "$f"
done | sort -rn
