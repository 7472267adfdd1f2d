#!/usr/bin/env bash
#
# src/sql/scripts.sh — the extension's version scripts, from the SQL sections.
#
#   src/sql/<BASE>/*.sql         the first released version, BASE below, in
#                                file-name order
#   src/sql/<V>/*.sql            what each later version V changes, in
#                                file-name order (versions ordered by sort -V)
# A released version's directory is frozen (make test compares what it
# builds with the release's tag); later changes go to the next version's.
#
# It writes the full script of the base and of the newest version
# (reseller_billing--V.sql: the base and every upgrade up to V, for CREATE
# EXTENSION) and, for every upgrade, reseller_billing--<previous>--V.sql
# (that directory alone, for ALTER EXTENSION ... UPDATE).  A version in
# between is installed as PostgreSQL chains it: the base, then its upgrades.
# Released versions are tagged v<V>; test/release/frozen.sh checks that what
# a tag released is still what this script writes.  The newest version must be default_version
# in reseller_billing.control: the version is still written once.
#
#   bash src/sql/scripts.sh --list     the file names, one per line
#   bash src/sql/scripts.sh --build    write them into the current directory
set -euo pipefail

EXT=reseller_billing
BASE=0.1.0
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

mapfile -t upgrades < <(find "$here" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*' ! -name "$BASE" -printf '%f\n' | sort -V)
versions=("$BASE" "${upgrades[@]}")
newest=${versions[-1]}
control=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$here/../../$EXT.control")
if [[ $control != "$newest" ]]; then
	echo "src/sql/scripts.sh: $EXT.control says default_version '$control' but the newest version is '$newest'" >&2
	exit 1
fi

sections() { find "$1" -maxdepth 1 -name '*.sql' | LC_ALL=C sort; }

case ${1:-} in
--list)
	prev=""
	for v in "${versions[@]}"; do
		[[ $v == "$BASE" || $v == "$newest" ]] && echo "$EXT--$v.sql"
		[[ -n $prev ]] && echo "$EXT--$prev--$v.sql"
		prev=$v
	done
	;;
--build)
	prev=""
	files=()
	mapfile -t base < <(sections "$here/$BASE")
	files=("${base[@]}")
	for v in "${versions[@]}"; do
		if [[ -n $prev ]]; then
			mapfile -t delta < <(sections "$here/$v")
			files+=("${delta[@]}")
			{
				echo "-- $EXT $prev -> $v (generated from src/sql/$v by src/sql/scripts.sh)"
				echo "\\echo Use \"ALTER EXTENSION $EXT UPDATE TO '$v'\" to load this file. \\quit"
				cat "${delta[@]}"
			} >"$EXT--$prev--$v.sql"
		fi
		if [[ $v == "$BASE" || $v == "$newest" ]]; then
			cat "${files[@]}" >"$EXT--$v.sql"
		fi
		prev=$v
	done
	;;
*)
	echo "usage: $0 --list | --build" >&2
	exit 2
	;;
esac
