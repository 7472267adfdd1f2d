# bench/lib.sh — what every benchmark script shares: psql options and a fresh
# database.  Sourced by bench/*.sh after they have set DB.

command -v psql >/dev/null || die "psql not found"

ADMIN_DB=${PGDATABASE:-postgres}
[[ $ADMIN_DB == "$DB" ]] && ADMIN_DB=postgres
PSQL=(psql -X -q -v ON_ERROR_STOP=1 --pset=pager=off)
# no "does not exist, skipping" notices in the report
export PGOPTIONS="${PGOPTIONS:+$PGOPTIONS }-c client_min_messages=warning"

# bench_fresh_database: drop and create the benchmark's own database
bench_fresh_database() {
	"${PSQL[@]}" -d "$ADMIN_DB" \
		-c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" \
		-c "CREATE DATABASE $DB"
}
