#!/usr/bin/env bash
#
# test/release/frozen.sh — released versions never change.
#
# What every release installed is recorded in this directory, so a clone
# without history or tags can check it:
#   released.sha256      the sha256 of each script a release installed (an
#                        upgrade step's generated first line, which names
#                        where its sections live, left out);
#   v0.2.0-base.diff     how the base sections 0.2.0 installed differed from
#                        0.1.0's released script (0.1.0 was changed after its
#                        release; the change lives in 0.3.0 now).
# The script builds the tree's version scripts and checks, byte for byte:
#   - every released script the tree still writes (the first version's full
#     script, every later version's upgrade step) is what its release
#     installed;
#   - the full script of a release the tree no longer writes (0.2.0) is
#     rebuilt from the tree (0.1.0's script, the diff, 0.2.0's upgrade step)
#     and is what that release installed;
#   - every version but the newest (the one under development) is released.
# Where the release tags (v<version>) are present it also builds each tag's
# scripts from the tag's own sources and checks the record against them.
#
# With --export DIR it leaves each release's scripts in DIR/v<version>/ (the
# upgrade test, test/t/070_upgrade.pl, starts from them) and, with
# --install, puts the full script of every release the tree no longer
# writes in PostgreSQL's extension directory, so CREATE EXTENSION ...
# VERSION '0.2.0' installs exactly what 0.2.0 did.
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

here="$repo/test/release"
sha() { body "$1" | sha256sum | cut -d' ' -f1; }

# the record: tag, script, sha256
declare -A want tag_of
released_versions=()
while read -r tag script sum; do
	[[ -z $tag || $tag == \#* ]] && continue
	want[$script]=$sum tag_of[$script]=$tag
	[[ " ${released_versions[*]} " == *" ${tag#v} "* ]] || released_versions+=("${tag#v}")
done <"$here/released.sha256"

# every version but the newest is released, in order
expected=("${versions[@]:0:${#versions[@]}-1}")
if [[ "${released_versions[*]}" == "${expected[*]}" ]]; then
	ok "the released versions (${released_versions[*]}) are every version of the tree but the one under development ($newest)"
else
	not_ok "the released versions are every version of the tree but the newest" \
		"recorded: ${released_versions[*]}; the tree: ${versions[*]}"
fi

# the full script of 0.2.0, which the tree no longer writes
mkdir -p "$work/rebuilt"
cp "$work/current/$EXT--0.1.0.sql" "$work/rebuilt/base.sql"
if (cd "$work/rebuilt" && git apply "$here/v0.2.0-base.diff" 2>/dev/null || patch -s base.sql "$here/v0.2.0-base.diff" 2>/dev/null); then
	{ cat "$work/rebuilt/base.sql"; tail -n +3 "$work/current/$EXT--0.1.0--0.2.0.sql"; } >"$work/rebuilt/$EXT--0.2.0.sql"
else
	not_ok "v0.2.0-base.diff applies to the tree's 0.1.0 script"
fi
rm -f "$work/rebuilt/base.sql"

for script in $(printf '%s\n' "${!want[@]}" | sort -V); do
	tag=${tag_of[$script]}
	if [[ -f $work/current/$script ]]; then
		file=$work/current/$script how="the tree writes"
	else
		file=$work/rebuilt/$script how="rebuilt from the tree"
	fi
	if [[ -f $file && $(sha "$file") == "${want[$script]}" ]]; then
		ok "$script ($how) is what $tag installed"
	else
		not_ok "$script ($how) is what $tag installed" \
			"the tree changed a released script; put the change in the next version's upgrade folder"
	fi
	if [[ -n $export_dir && -f $file ]]; then
		mkdir -p "$export_dir/$tag"
		cp "$file" "$export_dir/$tag/$script"
		if ((install)) && [[ $file == "$work/rebuilt/"* ]]; then
			sharedir=$("${PG_CONFIG:-pg_config}" --sharedir)
			cp "$file" "$sharedir/extension/$script"
			echo "# installed $tag's full script as $sharedir/extension/$script"
		fi
	fi
done

# the record itself, against the tags where this clone has them
mapfile -t tags < <(git -C "$repo" tag --list 'v[0-9]*' 2>/dev/null | sort -V)
if ((${#tags[@]} == 0)); then
	ok "the record matches the release tags # SKIP this clone has no release tags"
fi
for tag in "${tags[@]}"; do
	src="$work/src-$tag" out="$work/$tag"
	mkdir -p "$src" "$out"
	git -C "$repo" archive "$tag" | tar -x -C "$src"
	if ! (cd "$out" && bash "$(scripts_of "$src")" --build >/dev/null); then
		not_ok "$tag builds its own scripts"
		continue
	fi
	bad=()
	for script in "${!want[@]}"; do
		[[ ${tag_of[$script]} == "$tag" ]] || continue
		[[ -f $out/$script && $(sha "$out/$script") == "${want[$script]}" ]] || bad+=("$script")
	done
	if ((${#bad[@]} == 0)); then
		ok "what $tag's sources build is the record of $tag"
	else
		not_ok "what $tag's sources build is the record of $tag" "differs: ${bad[*]}"
	fi
done
echo "1..$n"
((failed == 0))
