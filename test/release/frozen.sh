#!/usr/bin/env bash
#
# test/release/frozen.sh — released versions never change.
#
# Every released version is tagged v<version> (README, "Versions and
# upgrades").  For each tag this script builds the version scripts from the
# tag's own sources, with the tag's own build script, and checks that the
# scripts that release introduced are still, byte for byte, what the current
# tree builds (but for an upgrade step's first line, the comment that says
# where its sections live):
#   - the first version's full script (reseller_billing--0.1.0.sql);
#   - every later version's upgrade step (reseller_billing--<prev>--<v>.sql).
# It also checks that the tags are the oldest versions of the tree (a tag
# for every version but the newest, which is the one under development).
#
# With --export DIR it leaves each tag's scripts in DIR/v<version>/ (the
# upgrade test, test/t/070_upgrade.pl, starts from them) and, with
# --install, puts the released full script of every tagged version that the
# tree no longer writes (0.2.0's) in PostgreSQL's extension directory, so
# CREATE EXTENSION ... VERSION '0.2.0' installs exactly what 0.2.0 did.
#
# Output is TAP (ok / not ok lines, a plan); the exit status is non-zero on
# any failure.
set -uo pipefail

EXT=reseller_billing
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export_dir="" install=0
while (($#)); do
	case $1 in
	--export) export_dir=$2; shift 2 ;;
	--install) install=1; shift ;;
	*) echo "usage: $0 [--export DIR [--install]]" >&2; exit 2 ;;
	esac
done

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "#   $l"; done; }

scripts_of() { # DIR: the build script of a tree (it moved once)
	local d
	for d in src/sql sql; do [[ -f $1/$d/scripts.sh ]] && { echo "$1/$d/scripts.sh"; return; }; done
	return 1
}

# body SCRIPT: the script without the generated comment naming its sources
body() { sed '1{/^-- reseller_billing .* (generated from .*)$/d}' "$1"; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# the current tree's scripts
mkdir -p "$work/current"
(cd "$work/current" && bash "$(scripts_of "$repo")" --build) || { not_ok "the current tree builds its scripts"; echo "1..$n"; exit 1; }
mapfile -t versions < <(ls "$work/current" | sed -n "s/^$EXT--\([0-9.]*\)--\([0-9.]*\)\.sql$/\2/p; s/^$EXT--\([0-9.]*\)\.sql$/\1/p" | sort -uV)
newest=${versions[-1]}

if ! git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
	not_ok "the checkout is a git repository with its release tags" "no .git here: clone the repository (with its tags)"
	echo "1..$n"; exit 1
fi
mapfile -t tags < <(git -C "$repo" tag --list 'v[0-9]*' | sort -V)
if ((${#tags[@]} == 0)); then
	not_ok "released versions are tagged" "no v* tag: fetch the tags (git fetch --tags)"
	echo "1..$n"; exit 1
fi

prev=""
i=0
for tag in "${tags[@]}"; do
	v=${tag#v}
	if [[ ${versions[$i]:-} == "$v" && $v != "$newest" ]]; then
		ok "$tag is version $((i + 1)) of the tree, and not the one under development ($newest)"
	else
		not_ok "$tag is version $((i + 1)) of the tree (${versions[$i]:-none}), not the newest ($newest)"
	fi
	src="$work/src-$v" out="$work/$tag"
	mkdir -p "$src" "$out"
	git -C "$repo" archive "$tag" | tar -x -C "$src"
	if ! (cd "$out" && bash "$(scripts_of "$src")" --build >/dev/null); then
		not_ok "$tag builds its own scripts"
		continue
	fi
	if [[ -z $prev ]]; then
		script="$EXT--$v.sql"
	else
		script="$EXT--$prev--$v.sql"
	fi
	if cmp -s <(body "$out/$script") <(body "$work/current/$script"); then
		ok "$script is what $tag released"
	else
		not_ok "$script is what $tag released" \
			"the tree changed a released script; put the change in the next version's upgrade folder" \
			"$(diff <(body "$out/$script") <(body "$work/current/$script") | head -20 | tr '\n' '~' | sed 's/~/\n#   /g')"
	fi
	if [[ -n $export_dir ]]; then
		mkdir -p "$export_dir/$tag"
		cp "$out"/$EXT--*.sql "$export_dir/$tag/"
		if ((install)) && [[ -f $out/$EXT--$v.sql && ! -f $work/current/$EXT--$v.sql ]]; then
			sharedir=$("${PG_CONFIG:-pg_config}" --sharedir)
			cp "$out/$EXT--$v.sql" "$sharedir/extension/$EXT--$v.sql"
			echo "# installed $tag's full script as $sharedir/extension/$EXT--$v.sql"
		fi
	fi
	prev=$v
	i=$((i + 1))
done
echo "1..$n"
((failed == 0))
