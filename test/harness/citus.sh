# test/harness/citus.sh — Citus for the multi-node suite (sourced after lib.sh).
#
# Citus is not packaged for Debian 12.  citus_install builds it from a source
# tarball of Citus 13.2.2 (the release line for PostgreSQL 15) into the
# PostgreSQL installation the harness uses, once: a later run finds
# citus.so of that version and does nothing.  The tarball is looked for in
# $RB_CITUS_SRC (a directory holding citus-13.2.2.tar.gz and, optionally,
# the PostgreSQL 15.20 build patch), else in ../shared/citus next to the
# checkout.  citus_source prints the directory, or nothing when there is
# none (the multi-node suite is then skipped, and says so).

RB_CITUS_VERSION=13.2.2
RB_CITUS_PACKAGES=(liblz4-dev libzstd-dev libkrb5-dev libssl-dev libselinux1-dev
	libxslt1-dev libxml2-dev libpam0g-dev libreadline-dev zlib1g-dev)

citus_source() {
	local d
	for d in "${RB_CITUS_SRC:-}" "$RB_REPO/../shared/citus"; do
		if [[ -n $d && -f $d/citus-$RB_CITUS_VERSION.tar.gz ]]; then
			(cd "$d" && pwd)
			return 0
		fi
	done
	return 0
}

citus_installed() {
	local so
	so="$("$PG_CONFIG" --pkglibdir)/citus.so"
	[[ -f $so ]] && grep -qa "Citus $RB_CITUS_VERSION" "$so"
}

citus_install() {
	local src build logfile="$RB_LOGS/citus-build.log" header
	citus_installed && return 0
	mkdir -p "$RB_LOGS"
	src="$(citus_source)"
	[[ -n $src ]] || die "no citus-$RB_CITUS_VERSION.tar.gz (set RB_CITUS_SRC)"
	local missing=()
	for p in "${RB_CITUS_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
	done
	if ((${#missing[@]})); then
		is_root || die "Citus needs the packages ${missing[*]}; run as root"
		log "installing ${missing[*]} (for building Citus)"
		DEBIAN_FRONTEND=noninteractive apt-get update -q >>"$logfile" 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >>"$logfile" 2>&1 ||
			die "apt-get install ${missing[*]} failed (see ${logfile#"$RB_REPO"/})"
	fi
	build="$RB_WORK/citus-build"
	rm -rf "$build" && mkdir -p "$build"
	log "building Citus $RB_CITUS_VERSION from $src (log: ${logfile#"$RB_REPO"/})"
	tar -xzf "$src/citus-$RB_CITUS_VERSION.tar.gz" -C "$build" --strip-components=1
	header="$("$PG_CONFIG" --includedir-server)/commands/dbcommands.h"
	if grep -q have_createdb_privilege "$header" && [[ -f $src/citus-pg15.20-have_createdb_privilege.patch ]]; then
		(cd "$build" && patch -p1 <"$src/citus-pg15.20-have_createdb_privilege.patch") >>"$logfile" 2>&1 ||
			die "the Citus build patch does not apply"
	fi
	(cd "$build" && ./configure --without-libcurl PG_CONFIG="$PG_CONFIG" && make -j2 && make install) \
		>>"$logfile" 2>&1 || die "building Citus failed (see ${logfile#"$RB_REPO"/})"
	citus_installed || die "Citus built but citus.so $RB_CITUS_VERSION is not in $("$PG_CONFIG" --pkglibdir)"
}

# ---------------------------------------------------------------------------
# A Citus cluster on this machine: a coordinator and two workers, each its
# own throwaway PostgreSQL 15 under .work/citus/<node>/, all listening on the
# harness's socket directory only, on the ports after RB_PGPORT.
# citus_cluster_start leaves PGHOST/PGPORT pointing at the coordinator;
# citus_psql NODE runs psql on one node (coordinator, worker1, worker2).
# ---------------------------------------------------------------------------
RB_CITUS_NODES=(coordinator worker1 worker2)

citus_port() {
	case $1 in
	coordinator) echo $((RB_PGPORT + 1)) ;;
	worker1) echo $((RB_PGPORT + 2)) ;;
	worker2) echo $((RB_PGPORT + 3)) ;;
	*) die "citus_port: no node $1" ;;
	esac
}

citus_psql() {
	local node=$1
	shift
	"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$RB_SOCK" -p "$(citus_port "$node")" -U postgres "$@"
}

citus_cluster_stop() {
	local node data
	for node in "${RB_CITUS_NODES[@]}"; do
		data="$RB_WORK/citus/$node"
		if [[ -f $data/postmaster.pid ]]; then
			as_postgres "$PG_CTL" stop -D "$data" -m fast -w -t 60 >/dev/null 2>&1 ||
				as_postgres "$PG_CTL" stop -D "$data" -m immediate -w -t 30 >/dev/null 2>&1 || true
		fi
	done
}

citus_cluster_start() {
	local node data port
	citus_cluster_stop
	mkdir -p "$RB_WORK/citus" "$RB_SOCK" "$RB_LOGS"
	is_root && chown postgres:postgres "$RB_WORK/citus" "$RB_SOCK" "$RB_LOGS"
	for node in "${RB_CITUS_NODES[@]}"; do
		data="$RB_WORK/citus/$node"
		port=$(citus_port "$node")
		rm -rf "$data" && mkdir -p "$data"
		is_root && chown postgres:postgres "$data"
		chmod 700 "$data"
		as_postgres "$PG_BINDIR/initdb" -D "$data" -U postgres --auth=trust --encoding=UTF8 --locale=C -N \
			>"$RB_LOGS/citus-initdb-$node.log" 2>&1 || die "initdb of the Citus $node failed"
		{
			echo "listen_addresses = ''"
			echo "port = $port"
			echo "unix_socket_directories = '$RB_SOCK'"
			if [[ $node == coordinator ]]; then
				# pg_cron on the coordinator only, where run_due runs
				# (doc/scaling.md, "The month-end under pg_cron"), for
				# the suite's database rb_cron (citus_database creates
				# it; the launcher retries until then); its jobs connect
				# through the socket directory
				echo "shared_preload_libraries = 'citus,pg_cron'"
				echo "cron.database_name = 'rb_cron'"
				echo "cron.host = '$RB_SOCK'"
			else
				echo "shared_preload_libraries = 'citus'"
			fi
			echo "max_connections = 200"
			# Citus runs a maintenance worker per Citus database: the
			# suite's seven (and pg_cron's launcher) need more than the 8
			# default ("could not start maintenance background worker")
			echo "max_worker_processes = 32"
			echo "citus.propagate_set_commands = 'local'"
			echo "fsync = off"
			echo "synchronous_commit = off"
			echo "full_page_writes = off"
			echo "log_line_prefix = '%m [%p] %q%u@%d '"
		} >>"$data/postgresql.conf"
		: >"$RB_LOGS/citus-$node.log"
		is_root && chown postgres:postgres "$RB_LOGS/citus-$node.log"
		as_postgres "$PG_CTL" start -D "$data" -l "$RB_LOGS/citus-$node.log" -w -t 60 9>&- >/dev/null ||
			{ tail -n 30 "$RB_LOGS/citus-$node.log" >&2; die "the Citus $node did not start"; }
		citus_psql "$node" -d postgres -c "CREATE EXTENSION citus" >/dev/null
	done
	citus_psql coordinator -d postgres -c "SELECT citus_set_coordinator_host('$RB_SOCK', $(citus_port coordinator))" >/dev/null
	for node in worker1 worker2; do
		citus_psql coordinator -d postgres -c "SELECT citus_add_node('$RB_SOCK', $(citus_port "$node"))" >/dev/null
	done
	log "Citus $RB_CITUS_VERSION: coordinator on port $(citus_port coordinator), workers on $(citus_port worker1) and $(citus_port worker2)"
}

# citus_database NAME: a second database on the cluster, made a Citus
# database of its own (Citus keeps its metadata per database): created on
# every node, citus in each, the coordinator and the workers registered from
# the coordinator.  citus_db NAME NODE ... runs psql on that database.
citus_database() {
	local db=$1 node
	for node in "${RB_CITUS_NODES[@]}"; do
		PGOPTIONS="-c client_min_messages=warning" citus_psql "$node" -d postgres \
			-c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db" >/dev/null &&
			citus_psql "$node" -d "$db" -c "CREATE EXTENSION citus" >/dev/null || return 1
	done
	citus_psql coordinator -d "$db" -c "SELECT citus_set_coordinator_host('$RB_SOCK', $(citus_port coordinator))" >/dev/null &&
		for node in worker1 worker2; do
			citus_psql coordinator -d "$db" -c "SELECT citus_add_node('$RB_SOCK', $(citus_port "$node"))" >/dev/null || return 1
		done
}
