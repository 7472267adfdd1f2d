#!/usr/bin/env bash
#
# test/citus/run.sh — the multi-node suite (make test's suite "citus"; TAP
# on stdout).
#
# Runs test/citus/flows.sql twice and compares the outputs line by line:
#   1. on one node: a fresh database on the harness's running cluster;
#   2. on a Citus 13.2.2 cluster of a coordinator and two workers on this
#      machine (test/harness/citus.sh), after reseller_billing.distribute()
#      made the tenant tables distributed by reseller_id and the shared
#      tables reference tables.
# Then test/citus/channel.sql (the CSP channel: providers and their
# indirect resellers on different shards), and make demo's two parts about
# licence orders and two about the CSP channel, on both, compared the same
# way.  It also checks what distribute() did: the tables it names, that a second
# call does nothing, that the shards sit on both workers and that the
# scenario's resellers are spread over them.
#
# Citus is built from source once (citus_install); without the source
# tarball (RB_CITUS_SRC, or ../shared/citus next to the checkout) the suite
# prints "1..0 # SKIP" and the harness reports it skipped.
#
# Expects what run-tests.sh sets up: lib.sh sourced, PG_CONFIG, the harness
# cluster running (PGHOST/PGPORT/PGUSER set).

set -uo pipefail
RB_REPO=${RB_REPO:-$(cd "$(dirname "$0")/../.." && pwd)}
# shellcheck source=../harness/lib.sh
source "$RB_REPO/test/harness/lib.sh"
# shellcheck source=../harness/citus.sh
source "$RB_REPO/test/harness/citus.sh"

out="$RB_WORK/citus-out"
mkdir -p "$out"
n=0
failed=0
ok() { # ok CONDITION-EXIT-STATUS DESCRIPTION
	n=$((n + 1))
	if (($1 == 0)); then echo "ok $n - $2"; else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}
is() { # is GOT EXPECTED DESCRIPTION
	local r=0
	[[ $1 == "$2" ]] || r=1
	ok $r "$3"
	((r == 0)) || printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"
}

if [[ -z $(citus_source) ]]; then
	echo "1..0 # SKIP no Citus $RB_CITUS_VERSION source (citus-$RB_CITUS_VERSION.tar.gz in \$RB_CITUS_SRC or ../shared/citus)"
	exit 0
fi
citus_install >&2 || {
	echo "not ok 1 - Citus $RB_CITUS_VERSION builds and installs"
	echo "1..1"
	exit 1
}
trap citus_cluster_stop EXIT

# 1. one node ------------------------------------------------------------------
psql_q -d postgres -c "DROP DATABASE IF EXISTS rb_citus_single" -c "CREATE DATABASE rb_citus_single" >/dev/null
psql_q -d rb_citus_single -c "CREATE EXTENSION reseller_billing" >/dev/null
psql_q -d rb_citus_single -f "$RB_REPO/test/citus/flows.sql" >"$out/single.out" 2>&1
ok $? "the flows run on one node (${out#"$RB_REPO"/}/single.out)"
psql_q -d rb_citus_single -f "$RB_REPO/test/citus/channel.sql" >"$out/single-channel.out" 2>&1
ok $? "the CSP channel runs on one node (${out#"$RB_REPO"/}/single-channel.out)"

# 2. the cluster ------------------------------------------------------------------
citus_cluster_start >&2
coord() { citus_psql coordinator -d postgres "$@"; }
coord -c "CREATE EXTENSION reseller_billing" >/dev/null
ok $? "CREATE EXTENSION reseller_billing on the coordinator"
is "$(coord -Atc "SELECT count(*) FROM pg_extension WHERE extname = 'reseller_billing'" 2>&1;
	citus_psql worker1 -d postgres -Atc "SELECT extversion FROM pg_extension WHERE extname = 'reseller_billing'" 2>&1)" \
	"$(printf '1\n%s' "$(coord -Atc "SELECT extversion FROM pg_extension WHERE extname = 'reseller_billing'")")" \
	"Citus creates the extension on the workers too"

coord -At -c "SELECT kind || ' ' || count(*) FROM reseller_billing.distribute() GROUP BY kind ORDER BY kind" \
	>"$out/distribute.out" 2>&1
ok $? "distribute() runs"
expected_kinds="$(coord -At -c "
SELECT kind || ' ' || count(*)
  FROM (SELECT CASE WHEN EXISTS (SELECT FROM pg_attribute a
                                  WHERE a.attrelid = c.oid AND a.attname = 'reseller_id' AND NOT a.attisdropped)
                    THEN 'distributed by reseller_id' ELSE 'reference' END AS kind
          FROM pg_class c WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind = 'r') t
 GROUP BY kind ORDER BY kind" 2>&1)"
is "$(cat "$out/distribute.out")" "$expected_kinds" \
	"distribute() makes every table with reseller_id distributed and every other table a reference table"
is "$(coord -At -c "
SELECT count(*) FROM pg_class c LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid
 WHERE c.relnamespace = 'reseller_billing'::regnamespace AND c.relkind = 'r'
   AND (p.logicalrelid IS NULL OR (p.partmethod = 'h' AND p.colocationid <> (
        SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'reseller_billing.reseller'::regclass)))")" \
	"0" "every table is a Citus table, the distributed ones colocated with reseller"
is "$(coord -At -c "SELECT count(*) FROM reseller_billing.distribute()" 2>&1)" "0" \
	"a second distribute() does nothing"
is "$(coord -At -c "
SELECT string_agg(DISTINCT n.nodeport::text, ' ' ORDER BY n.nodeport::text)
  FROM pg_dist_shard s JOIN pg_dist_placement p USING (shardid) JOIN pg_dist_node n USING (groupid)
 WHERE s.logicalrelid = 'reseller_billing.subscription'::regclass")" \
	"$(citus_port worker1) $(citus_port worker2)" "the shards of subscription sit on both workers"

coord -f "$RB_REPO/test/citus/flows.sql" >"$out/cluster.out" 2>&1
ok $? "the flows run on the cluster (${out#"$RB_REPO"/}/cluster.out)"
diff -u "$out/single.out" "$out/cluster.out" >"$out/flows.diff"
ok $? "the cluster's output is the one node's, line for line (${out#"$RB_REPO"/}/flows.diff)"
[[ -s $out/flows.diff ]] && sed 's/^/# /' "$out/flows.diff" | head -n 60
# the CSP channel: a provider and its indirect resellers on different shards
coord -f "$RB_REPO/test/citus/channel.sql" >"$out/cluster-channel.out" 2>&1
ok $? "the CSP channel runs on the cluster (${out#"$RB_REPO"/}/cluster-channel.out)"
diff -u "$out/single-channel.out" "$out/cluster-channel.out" >"$out/channel.diff"
ok $? "the CSP channel: the cluster's output is the one node's, line for line ($(wc -l <"$out/single-channel.out") lines; ${out#"$RB_REPO"/}/channel.diff)"
[[ -s $out/channel.diff ]] && sed 's/^/# /' "$out/channel.diff" | head -n 60
is "$(coord -At -c "
SELECT count(DISTINCT n.nodeport)
  FROM reseller_billing.reseller r
  JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('reseller_billing.reseller', r.reseller_id)
  JOIN pg_dist_node n USING (groupid)
 WHERE r.name IN ('Sierra Distribution', 'Reno IT', 'Tahoe Tech', 'Carson Cloud')")" \
	"2" "the channel's provider and its three resellers live on both workers"
reseller_group() { # the group (node) of the worker holding the named reseller's row
	coord -At -c "
SELECT p.groupid FROM reseller_billing.reseller r
  JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('reseller_billing.reseller', r.reseller_id)
 WHERE r.name = '$1'"
}
is "$(for r in 'Reno IT' 'Tahoe Tech' 'Carson Cloud'; do
	[[ $(reseller_group "$r") != "$(reseller_group 'Sierra Distribution')" ]] && printf '%s;' "$r"
done)" "Reno IT;Carson Cloud;" "Reno IT and Carson Cloud live on another worker than their provider"
# the late-change race across nodes: a close of one reseller's month in
# progress on the coordinator, an account of that reseller ended back in
# that month through another session (its trigger runs on the worker)
coord -v ON_ERROR_STOP=1 -At -f "$RB_REPO/test/citus/race_close.sql" >"$out/race_close.out" 2>&1 &
race_pid=$!
coord -v ON_ERROR_STOP=1 -At -f "$RB_REPO/test/citus/race_late_change.sql" >"$out/race_late_change.out" 2>&1
wait "$race_pid"
is "$(cat "$out/race_close.out")" "1" "the race: the close of April writes its invoice"
is "$(tr '\n' ' ' <"$out/race_late_change.out")" "t 1 2012-04 " \
	"the race: the account ended back in April waited for the close, then recorded April as a late change"
# make demo's parts about licence orders, on both: every function they call
# runs on the cluster as on one node (Citus warns once that the parts'
# pg_temp helper is created on the coordinator only: not compared)
# and its two parts about the CSP channel (each shows three refusals on
# purpose: their ERROR lines are counted)
for part in 05_channel 05_channel_providers 06_orders 06_orders_returns; do
	psql_q -d rb_citus_single -v ON_ERROR_STOP=0 -f "$RB_REPO/doc/demo/$part.sql" >"$out/single-$part.out" 2>&1
	coord -v ON_ERROR_STOP=0 -f "$RB_REPO/doc/demo/$part.sql" 2>&1 |
		grep -v -e '^psql:.*WARNING:  "function pg_temp' -e '^DETAIL:  "function pg_temp' >"$out/cluster-$part.out"
	case $part in
	05_*) expected_errors=3 ;;
	*) expected_errors=0 ;;
	esac
	is "$(grep -c 'ERROR' "$out/single-$part.out")" "$expected_errors" \
		"make demo's doc/demo/$part.sql runs on one node with the refusals it shows ($expected_errors)"
	diff -u "$out/single-$part.out" "$out/cluster-$part.out" >"$out/$part.diff"
	ok $? "make demo's doc/demo/$part.sql: the cluster's output is the one node's ($(wc -l <"$out/single-$part.out") lines; ${out#"$RB_REPO"/}/$part.diff)"
	[[ -s $out/$part.diff ]] && sed 's/^/# /' "$out/$part.diff" | head -n 40
done

is "$(coord -At -c "
SELECT count(DISTINCT n.nodeport)
  FROM reseller_billing.reseller r
  JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('reseller_billing.reseller', r.reseller_id)
  JOIN pg_dist_node n USING (groupid)
 WHERE r.name IN ('Golden Gate Apps', 'Sound Consulting Group', 'Lone Star Cloud', 'Empire Workspace')")" \
	"2" "the scenario's four resellers live on both workers"

echo "1..$n"
((failed == 0))
