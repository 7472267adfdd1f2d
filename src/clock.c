/*
 * clock.c — the billing clock: the one "now" every rule of the extension
 * reads (doc/clock.md).
 *
 * clock_now() is the transaction's start time, as now() is, unless an
 * administrator has frozen the clock of this database: the one row of
 * reseller_billing.clock then holds the moment the clock stands at.  After
 * a thaw the row stays as a floor: the clock follows the transaction time
 * again but never reads earlier than the last moment it was frozen at, so
 * it never runs backwards.
 *
 * The row is read once per transaction (like now(), the clock does not move
 * within one) and kept in backend memory.  A change of the row (the
 * clock_changed trigger) and the abort of a subtransaction that may have
 * changed it forget the kept value, so a transaction that freezes or moves
 * the clock sees the new moment at once.
 */
#include "postgres.h"

#include "clock.h"
#include "shard.h"

#include "access/xact.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

/* what the clock row said, and in which transaction it was read */
static bool clock_known = false;
static LocalTransactionId clock_lxid = InvalidLocalTransactionId;
static bool clock_has_row;
static bool clock_frozen;
static TimestampTz clock_at;
static bool clock_callback_registered = false;

static void
clock_forget(void)
{
	clock_known = false;
}

static void
clock_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		clock_forget();
}

/* read the clock row, unless it was read in this transaction already */
static void
clock_load(void)
{
	int			ret,
				nest;

	if (!clock_callback_registered)
	{
		RegisterSubXactCallback(clock_subxact_callback, NULL);
		clock_callback_registered = true;
	}
	if (clock_known && clock_lxid == MyProc->lxid)
		return;

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "clock_now: SPI_connect failed");
	nest = rb_local_reads_begin();	/* a copy on every node (shard.c) */
	ret = SPI_execute("SELECT frozen, at FROM reseller_billing.clock", true, 2);
	rb_local_reads_end(nest);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "clock_now: reading reseller_billing.clock failed: %s",
			 SPI_result_code_string(ret));
	if (SPI_processed > 1)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_CORRUPTED),
				 errmsg("reseller_billing.clock holds %llu rows, not one",
						(unsigned long long) SPI_processed)));
	clock_has_row = (SPI_processed == 1);
	if (clock_has_row)
	{
		bool		isnull_frozen,
					isnull_at;
		Datum		frozen = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull_frozen);
		Datum		at = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull_at);

		if (isnull_frozen || isnull_at)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_CORRUPTED),
					 errmsg("reseller_billing.clock holds a null")));
		clock_frozen = DatumGetBool(frozen);
		clock_at = DatumGetTimestampTz(at);
	}
	SPI_finish();
	clock_lxid = MyProc->lxid;
	clock_known = true;
}

/*
 * clock_now(): the billing clock.  Never frozen: the transaction's start
 * time.  Frozen: the frozen moment.  Thawed: the transaction's start time,
 * or the last frozen moment when that is later.
 */
TimestampTz
rb_clock(void)
{
	TimestampTz xact_at = GetCurrentTransactionStartTimestamp();

	clock_load();
	if (!clock_has_row)
		return xact_at;
	if (clock_frozen)
		return clock_at;
	return Max(xact_at, clock_at);
}

PG_FUNCTION_INFO_V1(rb_clock_now);
Datum
rb_clock_now(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(rb_clock());
}

/* clock_changed(): trigger on reseller_billing.clock, forgets the kept row */
PG_FUNCTION_INFO_V1(rb_clock_changed);
Datum
rb_clock_changed(PG_FUNCTION_ARGS)
{
	if (!CALLED_AS_TRIGGER(fcinfo))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("clock_changed() must be called as a trigger")));
	clock_forget();
	return PointerGetDatum(NULL);
}

/*
 * effective_at(): the moment a change takes effect — the setting
 * reseller_billing.effective_at where an API function names one (set_context),
 * else the clock; never in the future (22023).
 */
TimestampTz
rb_effective_at(void)
{
	const char *s = GetConfigOption("reseller_billing.effective_at", true, false);
	TimestampTz now = rb_clock();
	TimestampTz eff;

	if (s == NULL || s[0] == '\0')
		return now;
	eff = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(s),
												  ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	if (eff > now)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a change cannot take effect in the future"),
				 errdetail("It would take effect at %s.",
						   DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(eff)))),
				 errhint("Changes are applied when they are written; make the change when it is due.")));
	return eff;
}

PG_FUNCTION_INFO_V1(rb_effective_at_fn);
Datum
rb_effective_at_fn(PG_FUNCTION_ARGS)
{
	PG_RETURN_TIMESTAMPTZ(rb_effective_at());
}

/*
 * The wall times that are not the billing clock, for the two places that
 * need them: the audit log's logged_at and statement_at (its column
 * defaults, now() and statement_timestamp(), written by audit_write.c),
 * and the identity of a statement, which the lookups kept by
 * late_change.c compare.  No rule reads them.
 */
TimestampTz
rb_wall_transaction_start(void)
{
	return GetCurrentTransactionStartTimestamp();
}

TimestampTz
rb_wall_statement_start(void)
{
	return GetCurrentStatementStartTimestamp();
}
