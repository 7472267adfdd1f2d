/*
 * late_change.c — a change dated back into a month already billed: the
 * subscription's bill of that month (and of every later billed month) is
 * stale, and the next close writes the difference as an adjustment
 * (doc/invoicing.md, "Late changes").
 *
 * rb_mark_late() is the one implementation, called by the billing-facts
 * triggers (billing_facts.c, tranche.c) and by the SQL function
 * mark_late_change().  It first waits for a close of the program in
 * progress (a shared advisory lock the close holds exclusively; on a Citus
 * cluster also the reseller's row, FOR SHARE, which the close of that
 * reseller holds FOR NO KEY UPDATE), so a change committed while a month is
 * being closed is never missed; then it finds the months billed from FROM
 * on (closed for the program, or invoiced to the reseller) and records one
 * late_change row per month.  Every statement is keyed by the reseller.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/fmgrprotos.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "late_change.h"
#include "period.h"
#include "shard.h"
#include "spi_rules.h"

static SPIPlanPtr plan_program = NULL;
static SPIPlanPtr plan_share = NULL;
static RbTypedPlan plan_months_of;
static SPIPlanPtr plan_exists = NULL;

/*
 * What the lookups below found, kept for the statement: a statement adding
 * a thousand subscriptions asks for the same reseller's program and billed
 * months a thousand times.  An entry holds while the transaction, its
 * top-level statement and the billing generation are the ones it was read
 * in.  The generation moves whenever this backend writes a reseller, a
 * program, a closed month or an invoice (billing_facts_changed(), a BEFORE
 * row trigger on those tables) and when a subtransaction aborts (its
 * writes and its locks are gone).  Other sessions cannot change what was
 * read while the statement runs: a close of the program waits for the
 * advisory lock this transaction holds from its first late change on.
 */
static uint64 billing_generation = 1;
static bool callbacks = false;

typedef struct Stamp
{
	LocalTransactionId lxid;
	TimestampTz statement;
	uint64		generation;
} Stamp;

static Stamp
stamp_now(void)
{
	Stamp		s;

	s.lxid = MyProc->lxid;
	s.statement = rb_wall_statement_start();
	s.generation = billing_generation;
	return s;
}

static bool
stamp_current(const Stamp *s)
{
	return s->lxid == MyProc->lxid && s->statement == rb_wall_statement_start() &&
		s->generation == billing_generation;
}

static void
generation_subxact(SubXactEvent event, SubTransactionId mine, SubTransactionId parent, void *arg)
{
	if (event == SUBXACT_EVENT_ABORT_SUB)
		billing_generation++;
}

static void
generation_xact(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
		billing_generation++;
}

static void
callbacks_once(void)
{
	if (!callbacks)
	{
		RegisterSubXactCallback(generation_subxact, NULL);
		RegisterXactCallback(generation_xact, NULL);
		callbacks = true;
	}
}

#define KEPT 8

typedef struct ProgramKept
{
	Stamp		at;
	bool		valid;
	int64		reseller;
	bool		found;
	int64		program;
	char	   *time_zone;		/* TopMemoryContext */
	bool		csp;			/* the program's settings say "csp": true */
} ProgramKept;

static ProgramKept programs_kept[KEPT];
static int	programs_next = 0;

typedef struct MonthsKept
{
	Stamp		at;
	bool		valid;
	int64		reseller;
	int64		program;
	Oid			from_type;
	Datum		from;			/* a billing period: by value */
	int			n;
	Oid			month_type;
	Datum	   *months;			/* TopMemoryContext */
} MonthsKept;

static MonthsKept months_kept[KEPT];
static int	months_next = 0;

/* the locks a late change takes, taken once per statement */
typedef struct LockKept
{
	Stamp		at;
	bool		valid;
	int64		program;
	int64		reseller;
} LockKept;

static LockKept locks_kept[KEPT];
static int	locks_next = 0;

/*
 * billing_facts_changed(): BEFORE each row written to reseller, program,
 * period_close or invoice (and BEFORE TRUNCATE): what the lookups kept is
 * stale.
 */
PG_FUNCTION_INFO_V1(rb_billing_facts_changed);
Datum
rb_billing_facts_changed(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("billing_facts_changed() must be a BEFORE trigger")));
	billing_generation++;
	if (!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		return PointerGetDatum(NULL);
	return PointerGetDatum(TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple);
}


/* the reseller's entry, read when not kept */
static ProgramKept *
program_kept(int64 reseller)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(reseller)};
	bool		isnull;
	ProgramKept *k;

	callbacks_once();
	for (int i = 0; i < KEPT; i++)
	{
		k = &programs_kept[i];
		if (k->valid && k->reseller == reseller && stamp_current(&k->at))
			return k;
	}
	k = &programs_kept[programs_next];
	programs_next = (programs_next + 1) % KEPT;
	k->valid = false;
	if (k->time_zone)
		pfree(k->time_zone);
	k->time_zone = NULL;

	SPI_execute_plan(rb_prepare_once(&plan_program,
									 "SELECT r.program_id, pg.time_zone, "
									 "COALESCE(pg.settings OPERATOR(pg_catalog.@>) '{\"csp\": true}'::pg_catalog.jsonb, false) "
									 "FROM reseller_billing.reseller r "
									 "JOIN reseller_billing.program pg ON pg.program_id OPERATOR(pg_catalog.=) r.program_id "
									 "WHERE r.reseller_id OPERATOR(pg_catalog.=) $1",
									 1, types),
					 args, NULL, true, 1);
	k->reseller = reseller;
	k->at = stamp_now();
	k->found = SPI_processed > 0;
	if (k->found)
	{
		Datum		tz = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2, &isnull);

		bool		tz_null = isnull;

		k->program = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
		if (!tz_null)
			k->time_zone = MemoryContextStrdup(TopMemoryContext, TextDatumGetCString(tz));
		k->csp = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 3, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
	k->valid = true;
	return k;
}

bool
rb_reseller_program(int64 reseller, int64 *program, char **time_zone)
{
	ProgramKept *k = program_kept(reseller);

	if (!k->found)
		return false;
	*program = k->program;
	if (time_zone != NULL)
		*time_zone = k->time_zone ? pstrdup(k->time_zone) : NULL;
	return true;
}

/*
 * reseller_in_csp(reseller) → bool: whether the reseller's program is a CSP
 * program (settings "csp": true), kept for the statement: the WHEN of the
 * CSP order check, so a subscription of any other program runs no
 * PL/pgSQL.
 */
PG_FUNCTION_INFO_V1(rb_reseller_in_csp);
Datum
rb_reseller_in_csp(PG_FUNCTION_ARGS)
{
	ProgramKept *k;
	bool		csp;
	int			nest;

	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(false);
	/* a WHEN runs inside the shard's own query on a Citus worker: the
	 * reseller's row is colocated with the row written and the program a
	 * shared table, so the read stays on the node (shard.c) */
	nest = rb_local_reads_begin();
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "reseller_in_csp: SPI_connect failed");
	k = program_kept(PG_GETARG_INT64(0));
	csp = k->found && k->csp;
	SPI_finish();
	rb_local_reads_end(nest);
	PG_RETURN_BOOL(csp);
}

DateADT
rb_date_in_zone(TimestampTz at, const char *time_zone)
{
	Datum		local = DirectFunctionCall2(timestamptz_zone, CStringGetTextDatum(time_zone),
											TimestampTzGetDatum(at));

	return DatumGetDateADT(DirectFunctionCall1(timestamp_date, local));
}

/* one late_change row per month */
static int
mark_months(int64 reseller, int64 subscription, Datum *months, int n, Oid month_type)
{
	static RbTypedPlan plan_mark_typed;

	for (int i = 0; i < n; i++)
	{
		Oid			itypes[3] = {INT8OID, INT8OID, month_type};
		Datum		iargs[3] = {Int64GetDatum(reseller), Int64GetDatum(subscription), months[i]};

		CHECK_FOR_INTERRUPTS();
		SPI_execute_plan(rb_prepare_typed(&plan_mark_typed,
										  "INSERT INTO reseller_billing.late_change AS lc "
										  "(reseller_id, subscription_id, service_period) VALUES ($1, $2, $3) "
										  "ON CONFLICT (reseller_id, subscription_id, service_period) "
										  "DO UPDATE SET recorded_at = excluded.recorded_at",
										  3, itypes),
						 iargs, NULL, false, 0);
	}
	return n;
}

/* FROM is a billing_period (of type FROM_TYPE) */
static int
mark_late(int64 reseller, int64 subscription, Datum from, Oid from_type, int64 program)
{
	Oid			types[1] = {INT8OID};
	Datum		args[1] = {Int64GetDatum(reseller)};
	char		buf[32];

	if (program < 0 && !rb_reseller_program(reseller, &program, NULL))
		return 0;				/* no reseller, so nothing billed */

	/* wait for a close of the program in progress (once per statement:
	 * the locks are held to the transaction's end) */
	{
		bool		held = false;

		for (int i = 0; i < KEPT; i++)
			if (locks_kept[i].valid && locks_kept[i].program == program && locks_kept[i].reseller == reseller &&
				stamp_current(&locks_kept[i].at))
				held = true;
		if (!held)
		{
			LockKept   *l = &locks_kept[locks_next];

			locks_next = (locks_next + 1) % KEPT;
			snprintf(buf, sizeof(buf), INT64_FORMAT, program);
			DirectFunctionCall2(pg_advisory_xact_lock_shared_int4,
								DirectFunctionCall1Coll(hashtext, DEFAULT_COLLATION_OID,
														CStringGetTextDatum("reseller_billing.close")),
								DirectFunctionCall1Coll(hashtext, DEFAULT_COLLATION_OID, CStringGetTextDatum(buf)));
			if (rb_distributed())
				SPI_execute_plan(rb_prepare_once(&plan_share,
												 "SELECT FROM reseller_billing.reseller r "
												 "WHERE r.reseller_id OPERATOR(pg_catalog.=) $1 FOR SHARE",
												 1, types),
								 args, NULL, false, 0);
			l->program = program;
			l->reseller = reseller;
			l->at = stamp_now();
			l->valid = true;
		}
	}

	/* the months billed from FROM on, as read after the lock */
	for (int i = 0; i < KEPT; i++)
	{
		MonthsKept *k = &months_kept[i];

		if (k->valid && k->reseller == reseller && k->program == program && k->from_type == from_type &&
			k->from == from && stamp_current(&k->at))
			return mark_months(reseller, subscription, k->months, k->n, k->month_type);
	}
	{
		Oid			mtypes[3] = {INT8OID, INT8OID, from_type};
		Datum		margs[3] = {Int64GetDatum(reseller), Int64GetDatum(program), from};

		SPI_execute_plan(rb_prepare_typed(&plan_months_of,
										  "SELECT c.period FROM reseller_billing.period_close c "
										  "WHERE c.program_id OPERATOR(pg_catalog.=) $2 "
										  "AND c.period OPERATOR(reseller_billing.>=) $3 "
										  "UNION "
										  "SELECT i.period FROM reseller_billing.invoice i "
										  "WHERE i.reseller_id OPERATOR(pg_catalog.=) $1 "
										  "AND i.period OPERATOR(reseller_billing.>=) $3",
										  3, mtypes),
						 margs, NULL, true, 0);
	}
	{
		MonthsKept *k = &months_kept[months_next];
		SPITupleTable *tt = SPI_tuptable;
		uint64		n = SPI_processed;

		months_next = (months_next + 1) % KEPT;
		if (k->months)
			pfree(k->months);
		k->months = MemoryContextAlloc(TopMemoryContext, sizeof(Datum) * (n > 0 ? n : 1));
		k->month_type = SPI_gettypeid(tt->tupdesc, 1);
		for (uint64 i = 0; i < n; i++)
		{
			bool		isnull;

			/* a billing period is passed by value (int4) */
			k->months[i] = SPI_getbinval(tt->vals[i], tt->tupdesc, 1, &isnull);
		}
		k->n = (int) n;
		k->reseller = reseller;
		k->program = program;
		k->from_type = from_type;
		k->from = from;
		k->at = stamp_now();
		k->valid = true;
		SPI_freetuptable(tt);
		return mark_months(reseller, subscription, k->months, k->n, k->month_type);
	}
}

/* the type reseller_billing.billing_period */
static Oid
period_type_oid(void)
{
	Oid			nsp = get_namespace_oid("reseller_billing", false);

	return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("billing_period"),
						   ObjectIdGetDatum(nsp));
}

int
rb_mark_late(int64 reseller, int64 subscription, DateADT from, int64 program)
{
	/* the month of the date, as billing_period(date) gives it */
	return mark_late(reseller, subscription, DirectFunctionCall1(period_of_date, DateADTGetDatum(from)),
					 period_type_oid(), program);
}

/*
 * mark_late_change(reseller, subscription, month) → int: the SQL form, for
 * the rules written in SQL (an account's change, a payment's, the
 * migration's): the arguments given, the subscription existing.
 */
/* the declared type of the function's third argument (billing_period) */
static Oid
period_type(FunctionCallInfo fcinfo)
{
	Oid		   *types;
	int			nargs;

	get_func_signature(fcinfo->flinfo->fn_oid, &types, &nargs);
	return types[2];
}

PG_FUNCTION_INFO_V1(rb_mark_late_change);
Datum
rb_mark_late_change(PG_FUNCTION_ARGS)
{
	int64		reseller,
				subscription;
	int			n;

	if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("a late change needs a reseller, a subscription and a month"),
				 errdetail("Reseller %s, subscription %s and month %s were given.",
						   PG_ARGISNULL(0) ? "NULL" : rb_datum_text(PG_GETARG_DATUM(0), INT8OID),
						   PG_ARGISNULL(1) ? "NULL" : rb_datum_text(PG_GETARG_DATUM(1), INT8OID),
						   PG_ARGISNULL(2) ? "NULL" : rb_datum_text(PG_GETARG_DATUM(2), period_type(fcinfo)))));
	reseller = PG_GETARG_INT64(0);
	subscription = PG_GETARG_INT64(1);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "mark_late_change: SPI_connect failed");
	{
		Oid			types[2] = {INT8OID, INT8OID};
		Datum		args[2] = {Int64GetDatum(reseller), Int64GetDatum(subscription)};

		SPI_execute_plan(rb_prepare_once(&plan_exists,
										 "SELECT FROM reseller_billing.subscription s "
										 "WHERE s.reseller_id OPERATOR(pg_catalog.=) $1 "
										 "AND s.subscription_id OPERATOR(pg_catalog.=) $2",
										 2, types),
						 args, NULL, true, 1);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("subscription " INT64_FORMAT " of reseller " INT64_FORMAT " does not exist",
							subscription, reseller)));
	}
	n = mark_late(reseller, subscription, PG_GETARG_DATUM(2), period_type(fcinfo), -1);
	SPI_finish();
	PG_RETURN_INT32(n);
}
