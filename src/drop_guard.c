/*
 * drop_guard.c — what DROP EXTENSION reseller_billing takes with it (issue
 * 19 §5; doc/security.md "Dropping the extension").
 *
 * An event trigger on ddl_command_start for DROP EXTENSION, a member of the
 * extension, so it runs before the drop while everything is still there.
 * When the statement drops reseller_billing it
 *   - unschedules the daily pg_cron job of this database that
 *     schedule_month_end() registered (reseller_billing_month_end), which
 *     would otherwise fail every day after the drop;
 *   - warns that the append-only audit log goes with it, saying how many
 *     rows, and how to keep them.
 * Both happen in the DROP's transaction: a drop that fails or is rolled
 * back keeps the job.
 */
#include "postgres.h"

#include "commands/event_trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"

#define RB_EXTENSION_NAME "reseller_billing"

static bool
drops_this_extension(Node *parsetree)
{
	DropStmt   *stmt;
	ListCell   *lc;

	if (parsetree == NULL || !IsA(parsetree, DropStmt))
		return false;
	stmt = (DropStmt *) parsetree;
	if (stmt->removeType != OBJECT_EXTENSION)
		return false;
	foreach(lc, stmt->objects)
	{
		Node	   *name = lfirst(lc);

		if (IsA(name, String) && strcmp(strVal(name), RB_EXTENSION_NAME) == 0)
			return true;
	}
	return false;
}

/* the single bigint a query returns */
static int64
query_count(const char *sql)
{
	bool		isnull;
	Datum		d;

	if (SPI_execute(sql, false, 1) != SPI_OK_SELECT || SPI_processed != 1)
		elog(ERROR, "drop_extension_guard: \"%s\" failed", sql);
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	return isnull ? 0 : DatumGetInt64(d);
}

PG_FUNCTION_INFO_V1(rb_drop_extension_guard);
Datum
rb_drop_extension_guard(PG_FUNCTION_ARGS)
{
	EventTriggerData *trigdata;
	int64		jobs = 0,
				audited;

	if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("drop_extension_guard() must be called as an event trigger")));
	trigdata = (EventTriggerData *) fcinfo->context;
	if (!drops_this_extension(trigdata->parsetree))
		PG_RETURN_VOID();

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "drop_extension_guard: SPI_connect failed");
	if (query_count("SELECT count(*) FROM pg_catalog.pg_extension WHERE extname = 'pg_cron'") > 0)
		jobs = query_count("SELECT count(cron.unschedule(j.jobid)) FROM cron.job j "
						   "WHERE j.jobname = 'reseller_billing_month_end' "
						   "AND j.database = pg_catalog.current_database()");
	audited = query_count("SELECT count(*) FROM reseller_billing.audit_log");
	SPI_finish();

	if (jobs > 0)
		ereport(NOTICE,
				(errmsg("dropping %s unschedules its pg_cron job reseller_billing_month_end", RB_EXTENSION_NAME)));
	if (audited > 0)
		ereport(WARNING,
				(errmsg("dropping %s erases its audit log of " INT64_FORMAT " rows", RB_EXTENSION_NAME, audited),
				 errdetail("The audit log is a table of the extension: it goes with it."),
				 errhint("To keep it, dump the database first (pg_dump), or copy the rows out: "
						 "\\copy reseller_billing.audit_log TO 'audit_log.csv' (FORMAT csv, HEADER).")));
	PG_RETURN_VOID();
}
