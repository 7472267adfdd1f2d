#!/usr/bin/env bash
#
# test/harness/run-demo.sh — `make demo`.
#
# Installs what is missing, builds and installs the extension, starts the
# throwaway cluster, creates a fresh database rb_demo with
# CREATE EXTENSION reseller_billing, then runs doc/demo/*.sql in sorted order,
# and renders the demo's invoices to PDF files in .work/demo/invoices/
# (bin/rb-documents --all, WeasyPrint), printing where they are.
# Each statement is echoed (psql -e) and followed by its result, so the output
# reads as a walkthrough; \echo headings in the files appear as written.
# The first failing file stops the demo (later files build on earlier ones)
# and the exit status is non-zero.  The cluster is stopped on exit.
#
# Output is also written to .work/logs/demo.log.

set -euo pipefail

# shellcheck source=test/harness/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

take_lock
ensure_packages
prepare_workdir

mapfile -t files < <(compgen -G "$RB_REPO/doc/demo/*.sql" | LC_ALL=C sort)
if ((${#files[@]} == 0)); then
	log "no demo yet: doc/demo/*.sql matches no file; nothing to show"
	exit 0
fi

build_install || die "cannot run the demo: the build failed (see .work/logs/build.log)"

trap cluster_stop EXIT
cluster_start

logfile="$RB_LOGS/demo.log"
: >"$logfile"

psql_q -d postgres -c 'SET client_min_messages = warning' -c 'DROP DATABASE IF EXISTS rb_demo' -c 'CREATE DATABASE rb_demo'
run_logged "$logfile" psql_q -d rb_demo -c 'CREATE EXTENSION reseller_billing' ||
	die "CREATE EXTENSION reseller_billing failed in rb_demo"

# psql options:
#   -X                  ignore ~/.psqlrc
#   -e                  echo each SQL statement before its result
#                       (-a would also echo \echo lines, printing headings twice)
#   ON_ERROR_STOP=1     stop at the first error, exit status 3
#   -P pager=off        never wait for a key
#   -P null=NULL        make NULLs visible in result tables
for f in "${files[@]}"; do
	rel=${f#"$RB_REPO"/}
	printf '\n======================== %s ========================\n\n' "$rel" | tee -a "$logfile"
	if ! (cd "$RB_REPO/doc/demo" &&
		run_logged "$logfile" "$PG_BINDIR/psql" -X -e -v ON_ERROR_STOP=1 \
			-P pager=off -P null=NULL -d rb_demo -f "$f"); then
		printf '\nDEMO FAILED in %s (output above; log: %s)\n' "$rel" "${logfile#"$RB_REPO"/}" >&2
		exit 1
	fi
done

# the demo's invoices as PDF files (issue 16 §2): every month-end and two-tier
# invoice of rb_demo, rendered by the database and WeasyPrint
pdfdir="$RB_WORK/demo/invoices"
rm -rf "$pdfdir"
printf '\n======================== invoices as PDF (bin/rb-documents --all) ========================\n\n' | tee -a "$logfile"
if ! PATH="$PG_BINDIR:$PATH" run_logged "$logfile" "$RB_REPO/bin/rb-documents" -d rb_demo --all -o "$pdfdir"; then
	printf '\nDEMO FAILED rendering the invoices to PDF (output above; log: %s)\n' "${logfile#"$RB_REPO"/}" >&2
	exit 1
fi
printf '\nthe demo'\''s invoices as PDF: %d file(s) in %s\n' "$(compgen -G "$pdfdir/*.pdf" | wc -l)" "${pdfdir#"$RB_REPO"/}" | tee -a "$logfile"

printf '\ndemo finished: %d file(s) ran without error (log: %s)\n' "${#files[@]}" "${logfile#"$RB_REPO"/}"
