#!/usr/bin/env bash
#
# sql/scripts.sh — the extension's version scripts, from the SQL sections.
#
#   sql/install/*.sql            the first released version, BASE below, in
#                                file-name order; frozen once released:
#                                later changes go to an upgrade directory
#   sql/upgrade/<V>/*.sql        what version V changes, in file-name order
#                                (versions ordered by sort -V)
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
#   bash sql/scripts.sh --list     the file names, one per line
#   bash sql/scripts.sh --build    write them into the current directory
set -euo pipefail

EXT=reseller_billing
BASE=0.1.0
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

mapfile -t upgrades < <(find "$here/upgrade" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | sort -V)
versions=("$BASE" "${upgrades[@]}")
newest=${versions[-1]}
control=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" "$here/../$EXT.control")
if [[ $control != "$newest" ]]; then
	echo "sql/scripts.sh: $EXT.control says default_version '$control' but the newest version is '$newest'" >&2
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
	mapfile -t base < <(sections "$here/install")
	files=("${base[@]}")
	for v in "${versions[@]}"; do
		if [[ -n $prev ]]; then
			mapfile -t delta < <(sections "$here/upgrade/$v")
			files+=("${delta[@]}")
			{
				echo "-- $EXT $prev -> $v (generated from sql/upgrade/$v by sql/scripts.sh)"
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
