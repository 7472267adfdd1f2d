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

# (its NOTICE, that the database's new sessions load the library, on stderr)
coord -At -c "SELECT kind || ' ' || count(*) FROM reseller_billing.distribute() GROUP BY kind ORDER BY kind" \
	>"$out/distribute.out" 2>"$out/distribute.log"
ok $? "distribute() runs (${out#"$RB_REPO"/}/distribute.log)"
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
# the library loaded by every new session of the database (issue 14: the
# settings check lives in it; doc/scaling.md, "Setting up a cluster"):
# distribute() sets the database's session_preload_libraries, and Citus
# passes the ALTER DATABASE on to the workers
preload_setting() { # DB: the database's own session_preload_libraries on each node, "none" without one
	local node
	for node in "${RB_CITUS_NODES[@]}"; do
		citus_psql "$node" -d "$1" -Atc "
SELECT coalesce((SELECT c FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase, unnest(s.setconfig) c
                  WHERE d.datname = current_database() AND s.setrole = 0 AND c LIKE 'session_preload_libraries=%'), 'none')" 2>&1
	done | tr '\n' ';'
}
preloaded() { # DB: whether a new session on each node has loaded the library at its start (1) or not (0)
	local node
	for node in "${RB_CITUS_NODES[@]}"; do
		citus_psql "$node" -d "$1" -Atc "SELECT count(*) FROM pg_settings WHERE name = 'reseller_billing.restore'" 2>&1
	done | tr '\n' ' '
}
is "$(grep -c '^NOTICE:  distribute(): every new session of database postgres loads reseller_billing' "$out/distribute.log")" "1" \
	"distribute() says that the database's new sessions load the library (NOTICE: the sessions open now are not covered)"
rb_setting="session_preload_libraries=reseller_billing"
is "$(preload_setting postgres)" "$rb_setting;$rb_setting;$rb_setting;" \
	"after distribute() the database's session_preload_libraries lists reseller_billing, on the coordinator and (Citus propagates it) on each worker"
is "$(preloaded postgres)" "1 1 1 " "a new session of the database loads the library at its start, on every node"
is "$(coord -At -c "SELECT count(*) FROM reseller_billing.distribute()" 2>&1)" "0" \
	"a second distribute() does nothing"
is "$(preload_setting postgres)" "$rb_setting;$rb_setting;$rb_setting;" \
	"a second distribute() leaves the database's setting as it was (no second entry)"
expected_tables="$(coord -At -c "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'reseller_billing.%'")"
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

# 3. ALTER EXTENSION UPDATE on a cluster ------------------------------------------
# The released 0.2.0 (its own full script, test/release/frozen.sh --install),
# filled with test/fuzz/fixture.sql, then updated to this version and only
# then distributed: 0.2.0 has no distribute() (doc/scaling.md, "Upgrading a
# distributed installation").  On one node the same without distribute().
sharedir="$("$PG_CONFIG" --sharedir)/extension"
released="$RB_WORK/release/v0.2.0/reseller_billing--0.2.0.sql"
if ! { [[ -f $released ]] && cmp -s "$released" "$sharedir/reseller_billing--0.2.0.sql"; }; then
	bash "$RB_REPO/test/release/frozen.sh" --export "$RB_WORK/release" --install >"$out/release.log" 2>&1
fi
cmp -s "$released" "$sharedir/reseller_billing--0.2.0.sql"
ok $? "the full script of release v0.2.0 is the one installed"
psql_q -d postgres -c "DROP DATABASE IF EXISTS rb_citus_upgrade" -c "CREATE DATABASE rb_citus_upgrade" >/dev/null 2>&1
citus_database rb_upgrade
ok $? "a second Citus database, rb_upgrade, on the cluster"
up() { citus_psql coordinator -d rb_upgrade "$@"; }
for side in single cluster; do
	if [[ $side == single ]]; then run() { psql_q -d rb_citus_upgrade "$@"; }; else run() { up "$@"; }; fi
	{
		run -c "CREATE EXTENSION reseller_billing VERSION '0.2.0'" &&
			run -f "$RB_REPO/test/fuzz/fixture.sql" >/dev/null &&
			run -f "$RB_REPO/test/citus/upgrade_business.sql" >"$out/$side-upgrade-before.out" &&
			run -c "ALTER EXTENSION reseller_billing UPDATE"
	} >"$out/$side-upgrade.log" 2>&1
	ok $? "$side: the released 0.2.0 created, filled with the fixture and updated (${out#"$RB_REPO"/}/$side-upgrade.log)"
done
is "$(for node in "${RB_CITUS_NODES[@]}"; do
	citus_psql "$node" -d rb_upgrade -Atc "SELECT extversion FROM pg_extension WHERE extname = 'reseller_billing'"
done | tr '\n' ' ')" "$(for _ in 1 2 3; do psql_q -d rb_citus_upgrade -Atc "SELECT extversion FROM pg_extension WHERE extname = 'reseller_billing'"; done | tr '\n' ' ')" \
	"ALTER EXTENSION UPDATE on the coordinator updates the workers' extension too"
up -At -c "SELECT kind || ' ' || count(*) FROM reseller_billing.distribute() GROUP BY kind ORDER BY kind" \
	>"$out/upgrade-distribute.out" 2>"$out/upgrade-distribute.log"
ok $? "the updated installation distributes, its rows moved into the shards without the rules' triggers (${out#"$RB_REPO"/}/upgrade-distribute.log)"
is "$(cat "$out/upgrade-distribute.out")" "$expected_kinds" "the updated installation: every table a Citus table"
is "$(up -At -c "SELECT count(*) FROM reseller_billing.distribute()" 2>&1)" "0" "the updated installation: a second distribute() does nothing"
is "$(up -At -c "
SELECT count(DISTINCT p.groupid)
  FROM reseller_billing.reseller r
  JOIN pg_dist_placement p ON p.shardid = get_shard_id_for_distribution_column('reseller_billing.reseller', r.reseller_id)")" \
	"2" "the updated installation: the fixture's resellers now live on both workers"
# what a later update does to a function (CREATE OR REPLACE drops its
# settings), on every node; distribute() called again sets it back
unset_functions() {
	local node
	for node in "${RB_CITUS_NODES[@]}"; do
		citus_psql "$node" -d rb_upgrade -Atc "
SELECT count(*) FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
 WHERE p.pronamespace = 'reseller_billing'::regnamespace AND p.prokind = 'f' AND l.lanname IN ('plpgsql', 'sql')
   AND NOT coalesce('citus.allow_nested_distributed_execution=on' = ANY (p.proconfig), false)"
	done | tr '\n' ' '
}
for node in "${RB_CITUS_NODES[@]}"; do
	citus_psql "$node" -d rb_upgrade -c "SET citus.enable_ddl_propagation = off" \
		-c "ALTER FUNCTION reseller_billing.provider_resellers() RESET citus.allow_nested_distributed_execution" >/dev/null 2>&1
done
is "$(unset_functions)" "1 1 1 " "a function re-created as an update would, on every node, has lost its Citus setting"
is "$(up -At -c "SELECT count(*) FROM reseller_billing.distribute()" 2>&1) $(unset_functions)" "0 0 0 0 " \
	"distribute() after an update: no table to convert, and every function has its setting again on every node"
is "$(preload_setting rb_upgrade)" "$rb_setting;$rb_setting;$rb_setting;" \
	"after the update and the calls of distribute(), the database's session_preload_libraries lists reseller_billing once, on every node"
up -f "$RB_REPO/test/citus/upgrade_business.sql" >"$out/cluster-upgrade-after.out" 2>&1
diff -u "$out/cluster-upgrade-before.out" "$out/cluster-upgrade-after.out" >"$out/upgrade-business.diff"
ok $? "after the update and distribute(): invoices, lines, balances, subscriptions, accounts, credits, payments and the audit log read as at 0.2.0 (${out#"$RB_REPO"/}/upgrade-business.diff)"
# (the audit log's rows carry the wall time they were written at: not compared)
diff -u <(grep -v '^ audit_log ' "$out/single-upgrade-before.out") <(grep -v '^ audit_log ' "$out/cluster-upgrade-before.out") >/dev/null
ok $? "the fixture at 0.2.0 is the same on one node and on the coordinator"
psql_q -d rb_citus_upgrade -f "$RB_REPO/test/citus/upgrade.sql" >"$out/single-upgrade-flows.out" 2>&1
ok $? "the flows on the updated database run on one node"
up -f "$RB_REPO/test/citus/upgrade.sql" >"$out/cluster-upgrade-flows.out" 2>&1
ok $? "the flows on the updated, distributed database run on the cluster (${out#"$RB_REPO"/}/cluster-upgrade-flows.out)"
diff -u "$out/single-upgrade-flows.out" "$out/cluster-upgrade-flows.out" >"$out/upgrade-flows.diff"
ok $? "the updated database: a Flex cap's refusal, row-level security and May's close on the cluster are the one node's (${out#"$RB_REPO"/}/upgrade-flows.diff)"
[[ -s $out/upgrade-flows.diff ]] && sed 's/^/# /' "$out/upgrade-flows.diff" | head -n 40

# 4. the month-end under pg_cron on the coordinator ---------------------------------
# pg_cron (1.4, preloaded on the coordinator for database rb_cron:
# test/harness/citus.sh) runs the documented job, schedule_month_end(),
# every minute ('* * * * *': pg_cron 1.4 has no schedules in seconds); the
# billing clock, frozen on 2 March 2012, makes January and February due.
# On one node the same data closed by what the job runs, CALL run_due().
citus_database rb_cron
ok $? "a third Citus database, rb_cron (pg_cron's), on the cluster"
cr() { citus_psql coordinator -d rb_cron "$@"; }
# pg_cron is the coordinator's alone: Citus would create it on the workers
# too, where it is not preloaded
cr -c "SET citus.enable_ddl_propagation = off" -c "CREATE EXTENSION pg_cron" >/dev/null 2>&1
ok $? "CREATE EXTENSION pg_cron on the coordinator (not propagated to the workers)"
cr -c "CREATE EXTENSION reseller_billing" -c "SELECT count(*) FROM reseller_billing.distribute()" >/dev/null 2>&1 &&
	cr -f "$RB_REPO/test/citus/cron_setup.sql" >"$out/cluster-cron-setup.out" 2>&1
ok $? "rb_cron: the extension distributed, a program with January and February 2012 due (${out#"$RB_REPO"/}/cluster-cron-setup.out)"
psql_q -d postgres -c "DROP DATABASE IF EXISTS rb_citus_cron" -c "CREATE DATABASE rb_citus_cron" >/dev/null 2>&1
psql_q -d rb_citus_cron -c "CREATE EXTENSION reseller_billing" >/dev/null &&
	psql_q -d rb_citus_cron -f "$RB_REPO/test/citus/cron_setup.sql" >"$out/single-cron-setup.out" 2>&1 &&
	psql_q -d rb_citus_cron -c "CALL reseller_billing.run_due()" >/dev/null 2>&1 &&
	psql_q -d rb_citus_cron -f "$RB_REPO/test/citus/cron_report.sql" >"$out/single-cron.out" 2>&1
ok $? "one node: the same program closed by CALL run_due() (${out#"$RB_REPO"/}/single-cron.out)"
is "$(cr -At -c "SELECT reseller_billing.schedule_month_end('* * * * *') IS NOT NULL" 2>&1)" "t" \
	"schedule_month_end('* * * * *') registers the job on the coordinator"
is "$(cr -At -c "SELECT jobname || ' ' || schedule || ' ' || command || ' ' || database FROM cron.job" 2>&1)" \
	"reseller_billing_month_end * * * * * CALL reseller_billing.run_due() rb_cron" "the job: run_due(), every minute, in rb_cron"
cron_state=""
for _ in $(seq 1 75); do # a run starts at the next minute: wait up to 150 seconds
	cron_state="$(cr -At -c "SELECT status FROM cron.job_run_details WHERE status IN ('succeeded', 'failed') ORDER BY runid LIMIT 1" 2>&1)"
	[[ -n $cron_state ]] && break
	sleep 2
done
cr -c "SELECT cron.unschedule('reseller_billing_month_end')" >/dev/null 2>&1
is "$cron_state" "succeeded" "pg_cron ran the job on the coordinator (cron.job_run_details)"
is "$(cr -At -c "SELECT command || ' ' || return_message FROM cron.job_run_details ORDER BY runid LIMIT 1" 2>&1)" \
	"CALL reseller_billing.run_due() 1 row" "cron.job_run_details: CALL reseller_billing.run_due(), its one row (the INOUT results)"
cr -f "$RB_REPO/test/citus/cron_report.sql" >"$out/cluster-cron.out" 2>&1
diff -u "$out/single-cron.out" "$out/cluster-cron.out" >"$out/cron.diff"
ok $? "the invoices the pg_cron job wrote on the cluster are CALL run_due()'s on one node ($(wc -l <"$out/single-cron.out") lines; ${out#"$RB_REPO"/}/cron.diff)"
[[ -s $out/cron.diff ]] && sed 's/^/# /' "$out/cron.diff" | head -n 40
is "$(cr -At -c "SELECT count(*) || ' ' || sum(invoices) FROM reseller_billing.period_close")" "2 8" \
	"the job closed January and February, four invoices each"

# 5. two closes of one month at once, on the coordinator (isolationtester) ---------
# test/citus/race_channel.spec: the program's close and a direct
# channel_close of the same CSP month in two sessions, in both orders and
# with the close rolled back; its output (with the invariant: each invoice
# written once, numbers without gaps) is compared with
# test/citus/expected/race_channel.out.
citus_database rb_race &&
	citus_psql coordinator -d rb_race -c "CREATE EXTENSION reseller_billing" -c "SELECT count(*) FROM reseller_billing.distribute()" >/dev/null 2>&1 &&
	citus_psql coordinator -d rb_race -f "$RB_REPO/test/citus/race_channel_data.sql" >"$out/race_channel_data.out" 2>&1
ok $? "a fourth Citus database, rb_race: the extension distributed, a CSP program (test/citus/race_channel_data.sql)"
"$("$PG_CONFIG" --pkglibdir)/pgxs/src/test/isolation/isolationtester" \
	"host=$RB_SOCK port=$(citus_port coordinator) dbname=rb_race user=postgres" \
	<"$RB_REPO/test/citus/race_channel.spec" >"$out/race_channel.out" 2>&1
ok $? "isolationtester runs test/citus/race_channel.spec against the coordinator (${out#"$RB_REPO"/}/race_channel.out)"
diff -u "$RB_REPO/test/citus/expected/race_channel.out" "$out/race_channel.out" >"$out/race_channel.diff"
ok $? "the program's close and channel_close at once on the cluster: each invoice once, numbers without gaps (${out#"$RB_REPO"/}/race_channel.diff)"
[[ -s $out/race_channel.diff ]] && sed 's/^/# /' "$out/race_channel.diff" | head -n 60

# 6. roles and the rules' settings on the cluster ------------------------------------
# test/citus/roles.sql on one node and on the cluster (database rb_roles),
# each compared with its expected output: they differ exactly where the
# cluster refuses (a NOLOGIN group role taken with SET ROLE; a
# session-level SET of the rules' settings, refused at the SET; a trusted
# login whose tenant setting is empty on a worker, refused there instead of
# seeing nothing); SET LOCAL in a transaction works on both, and so do an
# unbound login (nothing seen), an administrator, and a tenant login's own
# writes (accounts, one and several rows, a subscription, the Flex cap's
# refusal, another reseller's rows refused and unseen).
psql_q -d postgres -c "DROP DATABASE IF EXISTS rb_citus_roles" -c "CREATE DATABASE rb_citus_roles" >/dev/null 2>&1
psql_q -d rb_citus_roles -c "CREATE EXTENSION reseller_billing" >/dev/null 2>&1 &&
	psql_q -d rb_citus_roles -f "$RB_REPO/test/citus/roles.sql" >"$out/single-roles.out" 2>&1
ok $? "roles: test/citus/roles.sql runs on one node"
diff -u "$RB_REPO/test/citus/expected/roles-single.out" "$out/single-roles.out" >"$out/roles-single.diff"
ok $? "roles on one node: every way of taking a tenant role works (${out#"$RB_REPO"/}/roles-single.diff)"
[[ -s $out/roles-single.diff ]] && sed 's/^/# /' "$out/roles-single.diff" | head -n 40
citus_database rb_roles &&
	citus_psql coordinator -d rb_roles -c "CREATE EXTENSION reseller_billing" -c "SELECT count(*) FROM reseller_billing.distribute()" >/dev/null 2>&1 &&
	citus_psql coordinator -d rb_roles -f "$RB_REPO/test/citus/roles.sql" >"$out/cluster-roles.out" 2>&1
ok $? "roles: test/citus/roles.sql runs on the cluster (database rb_roles)"
diff -u "$RB_REPO/test/citus/expected/roles-cluster.out" "$out/cluster-roles.out" >"$out/roles-cluster.diff"
ok $? "roles on the cluster: a login's SET LOCAL ROLE and SET LOCAL tenant work, and its own accounts and subscriptions through INSERT; a group role does not; a session SET of the tenant and a trusted login naming none on a worker are refused (0A000), as doc/scaling.md says (${out#"$RB_REPO"/}/roles-cluster.diff)"
[[ -s $out/roles-cluster.diff ]] && sed 's/^/# /' "$out/roles-cluster.diff" | head -n 40

# 6a. a rule setting the workers would not have -------------------------------------
# test/citus/settings.sql, after roles.sql in the same databases, on one node
# and on the cluster, each compared with its expected output: set_config()
# (session or local), a set_config() over a SET LOCAL, a SET LOCAL inside a
# released savepoint, ALTER ROLE ... SET for a login, then a statement that
# reaches the workers (INSERT a rule dates, read, UPDATE, COPY): refused on
# the cluster (0A000) where one node runs it; SET LOCAL, ROLLBACK TO, empty
# values, RESET, a statement about no Citus table, the extension's
# functions with a SET clause and one's own: the one node's result.
psql_q -d rb_citus_roles -f "$RB_REPO/test/citus/settings.sql" >"$out/single-settings.out" 2>&1
ok $? "settings: test/citus/settings.sql runs on one node"
diff -u "$RB_REPO/test/citus/expected/settings-single.out" "$out/single-settings.out" >"$out/settings-single.diff"
ok $? "settings on one node: every way of giving a setting works (${out#"$RB_REPO"/}/settings-single.diff)"
[[ -s $out/settings-single.diff ]] && sed 's/^/# /' "$out/settings-single.diff" | head -n 40
citus_psql coordinator -d rb_roles -f "$RB_REPO/test/citus/settings.sql" >"$out/cluster-settings.out" 2>&1
ok $? "settings: test/citus/settings.sql runs on the cluster (database rb_roles)"
diff -u "$RB_REPO/test/citus/expected/settings-cluster.out" "$out/cluster-settings.out" >"$out/settings-cluster.diff"
ok $? "settings on the cluster: a setting given otherwise than by SET LOCAL refuses the statements that reach the workers (0A000), SET LOCAL and the SET clauses give the one node's result (${out#"$RB_REPO"/}/settings-cluster.diff)"
[[ -s $out/settings-cluster.diff ]] && sed 's/^/# /' "$out/settings-cluster.diff" | head -n 40

# 6b. what still does not work on a cluster -------------------------------------------
# test/citus/limits.sql on one node and on the cluster (database rb_drop),
# each compared with its expected output (doc/scaling.md, "What does not
# work on Citus"): a query of one's own joining a reseller with its
# provider, a rule function called with a whole row, and the SQLSTATE of a
# refusal through an INSERT ... SELECT without RETURNING.
psql_q -d postgres -c "DROP DATABASE IF EXISTS rb_citus_limits" -c "CREATE DATABASE rb_citus_limits" >/dev/null 2>&1
psql_q -d rb_citus_limits -c "CREATE EXTENSION reseller_billing" >/dev/null 2>&1 &&
	psql_q -d rb_citus_limits -f "$RB_REPO/test/citus/limits.sql" >"$out/single-limits.out" 2>&1
ok $? "limits: test/citus/limits.sql runs on one node"
diff -u "$RB_REPO/test/citus/expected/limits-single.out" "$out/single-limits.out" >"$out/limits-single.diff"
ok $? "limits on one node: each case works (${out#"$RB_REPO"/}/limits-single.diff)"
[[ -s $out/limits-single.diff ]] && sed 's/^/# /' "$out/limits-single.diff" | head -n 40
# (in the database part 7 then drops the extension from: one Citus
# database fewer to create and distribute, within the suite's time)
# (its session_preload_libraries names another library first: distribute()
# keeps it, and drop_shards() in part 7 leaves it)
citus_database rb_drop &&
	citus_psql coordinator -d rb_drop -c "ALTER DATABASE rb_drop SET session_preload_libraries = 'auto_explain'" \
		-c "CREATE EXTENSION reseller_billing" -c "SELECT count(*) FROM reseller_billing.distribute()" >/dev/null 2>&1 &&
	citus_psql coordinator -d rb_drop -f "$RB_REPO/test/citus/limits.sql" >"$out/cluster-limits.out" 2>&1
ok $? "limits: test/citus/limits.sql runs on the cluster (database rb_drop)"
diff -u "$RB_REPO/test/citus/expected/limits-cluster.out" "$out/cluster-limits.out" >"$out/limits-cluster.diff"
ok $? "limits on the cluster: the join on the provider and the SQLSTATE through an INSERT ... SELECT or COPY fail, seat_limit of a whole row works, as doc/scaling.md says (${out#"$RB_REPO"/}/limits-cluster.diff)"
[[ -s $out/limits-cluster.diff ]] && sed 's/^/# /' "$out/limits-cluster.diff" | head -n 40

# 7. removing the extension from a cluster -------------------------------------------
# (doc/scaling.md, "Removing the extension from a cluster") a database of
# its own, rb_drop, with a CSP program in it: a plain DROP EXTENSION is
# refused on the coordinator; drop_shards() refuses a wrong confirmation, a
# worker and a node without Citus, and a call rolled back keeps every row;
# drop_shards() and DROP EXTENSION in one transaction leave nothing of the
# extension on any node; then it is created and distributed again.
drop_state() { # on each node: relations in the schema (shards included), the extension, Citus's tables
	local node
	for node in "${RB_CITUS_NODES[@]}"; do
		citus_psql "$node" -d rb_drop -Atc "
SET citus.override_table_visibility = off;
SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = 'reseller_billing')
       || ' ' || (SELECT count(*) FROM pg_extension WHERE extname = 'reseller_billing')
       || ' ' || (SELECT count(*) FROM pg_dist_partition) || ' ' || (SELECT count(*) FROM pg_dist_shard)" 2>&1
	done | tr '\n' ' '
}
dr() { citus_psql coordinator -d rb_drop "$@"; }
ae_setting="session_preload_libraries=auto_explain"
is "$(preload_setting rb_drop)" "$ae_setting, reseller_billing;$ae_setting, reseller_billing;$ae_setting, reseller_billing;" \
	"distribute() adds reseller_billing after the database's other library, on every node"
# a caller who may not set session_preload_libraries (a superuser setting):
# a WARNING with the command to run, and nothing changed
dr -c "ALTER DATABASE rb_drop SET session_preload_libraries = 'auto_explain'" \
	-c "CREATE ROLE rb_not_super LOGIN" -c "GRANT USAGE ON SCHEMA reseller_billing TO rb_not_super" \
	-c "GRANT EXECUTE ON FUNCTION reseller_billing.distribute_preload(boolean), reseller_billing.distribute_preload_list(text), reseller_billing.distribute_preload_setting() TO rb_not_super" \
	>/dev/null 2>&1
is "$(dr -Atc "SET ROLE rb_not_super" -c "SELECT reseller_billing.distribute_preload(true)" 2>&1 >/dev/null | grep -e '^WARNING' -e '^HINT')" \
	"$(printf '%s\n' 'WARNING:  distribute() could not add reseller_billing to session_preload_libraries of database rb_drop' \
		"HINT:  As a superuser: ALTER DATABASE rb_drop SET session_preload_libraries = 'auto_explain', 'reseller_billing';")" \
	"distribute()'s step run by a role that may not set session_preload_libraries: a WARNING naming the setting and the command, not an error"
is "$(preload_setting rb_drop)" "$ae_setting;$ae_setting;$ae_setting;" "the WARNING changed nothing"
is "$(dr -Atc "SELECT count(*) FROM reseller_billing.distribute()" 2>/dev/null) $(preload_setting rb_drop)" \
	"0 $ae_setting, reseller_billing;$ae_setting, reseller_billing;$ae_setting, reseller_billing;" \
	"distribute() again, by a superuser: no table to convert, reseller_billing back in the setting"
dr -f "$RB_REPO/test/citus/race_channel_data.sql" >"$out/drop-data.out" 2>&1
ok $? "a fifth Citus database, rb_drop (part 6b's): the extension distributed, a CSP program added (test/citus/race_channel_data.sql)"
resellers="$(dr -Atc "SELECT count(*) FROM reseller_billing.reseller WHERE program_id = 71")"
dr -v ON_ERROR_STOP=0 -v VERBOSITY=verbose -c "DROP EXTENSION reseller_billing" >"$out/drop-plain.out" 2>&1
is "$(grep -o 'ERROR:  [0-9A-Z]*: cannot drop extension reseller_billing because other objects depend on it' "$out/drop-plain.out")" \
	"ERROR:  2BP01: cannot drop extension reseller_billing because other objects depend on it" \
	"a plain DROP EXTENSION on the coordinator is refused (the coordinator's placements of the reference tables)"
is "$({ dr -v VERBOSITY=verbose -Atc "SELECT reseller_billing.drop_shards(NULL)" 2>&1;
	dr -v VERBOSITY=verbose -Atc "SELECT reseller_billing.drop_shards('billing')" 2>&1;
	citus_psql worker1 -d rb_drop -v VERBOSITY=verbose -Atc "SELECT reseller_billing.drop_shards('rb_drop')" 2>&1;
	psql_q -d rb_citus_single -v VERBOSITY=verbose -Atc "SELECT reseller_billing.drop_shards('rb_citus_single')" 2>&1; } | grep '^ERROR')" \
	"$(printf '%s\n' 'ERROR:  22004: drop_shards() needs the name of the database whose shards it drops' \
		'ERROR:  22023: drop_shards() drops the shards of database "rb_drop", not of "billing"' \
		'ERROR:  55000: drop_shards() runs on the coordinator, and this node is a worker' \
		'ERROR:  55000: drop_shards() needs Citus: the extension citus is not installed in database rb_citus_single')" \
	"drop_shards() refuses no database, another database's name, a worker and a node without Citus"
dr -q -c "BEGIN" -c "SELECT reseller_billing.drop_shards('rb_drop')" -c "ROLLBACK" >/dev/null 2>&1
is "$(dr -Atc "SELECT count(*) FROM reseller_billing.reseller WHERE program_id = 71" 2>&1) $(dr -Atc "SELECT count(*) FROM reseller_billing.distribute()" 2>&1)" \
	"$resellers 0" "drop_shards() rolled back: every reseller is still there, every table still distributed"
dr -At -c "BEGIN" -c "SELECT reseller_billing.drop_shards('rb_drop')" -c "DROP EXTENSION reseller_billing" -c "COMMIT" \
	>"$out/drop.out" 2>"$out/drop.log"
ok $? "drop_shards() and DROP EXTENSION in one transaction (${out#"$RB_REPO"/}/drop.log)"
is "$(head -n 1 "$out/drop.out")" "$expected_tables" "drop_shards() dropped the shards of every table of the extension"
is "$(grep -c 'WARNING:  drop_shards() erases the audit log of reseller_billing, [0-9]* rows' "$out/drop.log")" "1" \
	"drop_shards() warns that the audit log goes"
is "$(drop_state)" "0 0 0 0 0 0 0 0 0 0 0 0 " \
	"after the drop no node has a relation left in schema reseller_billing (no shard), the extension, or a Citus table"
is "$(preload_setting rb_drop)" "$ae_setting;$ae_setting;$ae_setting;" \
	"drop_shards() took reseller_billing out of the database's session_preload_libraries on every node, the other library kept"
is "$(preloaded rb_drop)" "0 0 0 " "after the drop a new session loads no library of the removed extension"
# (the data file's helper public.attempt is no part of the extension: it stays)
dr -c "CREATE EXTENSION reseller_billing" -c "SELECT count(*) FROM reseller_billing.distribute()" >/dev/null 2>&1 &&
	dr -c "DROP FUNCTION public.attempt(text)" -f "$RB_REPO/test/citus/race_channel_data.sql" >"$out/drop-again.out" 2>&1
ok $? "created and distributed again after the drop, and the CSP program written again"
is "$(dr -Atc "SELECT count(*) FROM reseller_billing.reseller WHERE program_id = 71") $(dr -Atc "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'reseller_billing.%'")" \
	"$resellers $expected_tables" "the new installation: the same resellers, every table a Citus table again"
is "$(preload_setting rb_drop)" "$ae_setting, reseller_billing;$ae_setting, reseller_billing;$ae_setting, reseller_billing;" \
	"the new installation distributed: reseller_billing in the database's setting again"

echo "1..$n"
((failed == 0))
