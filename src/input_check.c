/*
 * input_check.c — the bounds of what a subscription or an account row may
 * hold (issue 19 §6; doc/subscriptions.md "Bounds").
 *
 * BEFORE INSERT OR UPDATE row triggers, named to fire before every other
 * rule of their table, so that an absurd value gets its own error instead
 * of a raw one from deep inside a rule ("cannot subtract infinite dates",
 * "integer out of range", "index row requires 11480 bytes"):
 *
 *   dates and moments     finite, in the years 1900 to 8999      22008
 *   committed seats, cap  at most RB_MAX_SEATS                   22003
 *   a user name           at most RB_MAX_USER_NAME characters    22023
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/timestamp.h"

#define RB_MAX_SEATS		1000000
#define RB_MAX_USER_NAME	320
#define RB_FIRST_YEAR		1900
#define RB_LAST_YEAR		8999

/* the first day allowed and the day after the last, as PostgreSQL dates */
static DateADT
bound_date(int year)
{
	return date2j(year, 1, 1) - POSTGRES_EPOCH_JDATE;
}

static HeapTuple
trigger_row(TriggerData *td)
{
	return TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
}

/* the value of a column by name, or isnull when absent or null */
static Datum
column(TriggerData *td, const char *name, bool *isnull)
{
	TupleDesc	desc = td->tg_relation->rd_att;
	int			attno = SPI_fnumber(desc, name);

	if (attno <= 0)
	{
		*isnull = true;
		return (Datum) 0;
	}
	return heap_getattr(trigger_row(td), attno, desc, isnull);
}

static int64
column_int8(TriggerData *td, const char *name)
{
	bool		isnull;
	Datum		d = column(td, name, &isnull);

	return isnull ? 0 : DatumGetInt64(d);
}

static void
check_date(TriggerData *td, const char *what, const char *name)
{
	bool		isnull;
	Datum		d = column(td, name, &isnull);
	DateADT		v;

	if (isnull)
		return;
	v = DatumGetDateADT(d);
	if (DATE_NOT_FINITE(v) || v < bound_date(RB_FIRST_YEAR) || v >= bound_date(RB_LAST_YEAR + 1))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_FIELD_OVERFLOW),
				 errmsg("%s: %s %s is out of range", what, name,
						DatumGetCString(DirectFunctionCall1(date_out, d))),
				 errdetail("Dates run from %d-01-01 to %d-12-31.", RB_FIRST_YEAR, RB_LAST_YEAR)));
}

static void
check_moment(TriggerData *td, const char *what, const char *name)
{
	bool		isnull;
	Datum		d = column(td, name, &isnull);
	TimestampTz v;
	Timestamp	lo = (Timestamp) bound_date(RB_FIRST_YEAR) * USECS_PER_DAY;
	Timestamp	hi = (Timestamp) bound_date(RB_LAST_YEAR + 1) * USECS_PER_DAY;

	if (isnull)
		return;
	v = DatumGetTimestampTz(d);
	if (TIMESTAMP_NOT_FINITE(v) || v < lo || v >= hi)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_FIELD_OVERFLOW),
				 errmsg("%s: %s %s is out of range", what, name,
						DatumGetCString(DirectFunctionCall1(timestamptz_out, d))),
				 errdetail("Moments run from %d-01-01 to %d-12-31.", RB_FIRST_YEAR, RB_LAST_YEAR)));
}

static void
check_seats(TriggerData *td, const char *what, const char *name)
{
	bool		isnull;
	Datum		d = column(td, name, &isnull);

	if (!isnull && DatumGetInt32(d) > RB_MAX_SEATS)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s: %s %d is more than %d", what, name, DatumGetInt32(d), RB_MAX_SEATS),
				 errdetail("A subscription holds at most %d seats.", RB_MAX_SEATS)));
}

static TriggerData *
trigger_data(FunctionCallInfo fcinfo, const char *fn)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("%s() must be a BEFORE INSERT OR UPDATE row trigger", fn)));
	return td;
}

PG_FUNCTION_INFO_V1(rb_subscription_input);
Datum
rb_subscription_input(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "subscription_input");
	char		what[96];

	snprintf(what, sizeof(what), "subscription " INT64_FORMAT " of reseller " INT64_FORMAT,
			 column_int8(td, "subscription_id"), column_int8(td, "reseller_id"));
	check_date(td, what, "term_start");
	check_date(td, what, "term_end");
	check_date(td, what, "trial_end");
	check_seats(td, what, "committed_seats");
	check_seats(td, what, "seat_cap");
	return PointerGetDatum(trigger_row(td));
}

PG_FUNCTION_INFO_V1(rb_seat_input);
Datum
rb_seat_input(PG_FUNCTION_ARGS)
{
	TriggerData *td = trigger_data(fcinfo, "seat_input");
	char		what[96];
	bool		isnull;
	Datum		d;

	snprintf(what, sizeof(what), "an account of subscription " INT64_FORMAT " of reseller " INT64_FORMAT,
			 column_int8(td, "subscription_id"), column_int8(td, "reseller_id"));
	check_moment(td, what, "active_from");
	check_moment(td, what, "active_until");
	d = column(td, "user_name", &isnull);
	if (!isnull)
	{
		text	   *t = DatumGetTextPP(d);
		int			n = pg_mbstrlen_with_len(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));

		if (n > RB_MAX_USER_NAME)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s: a user name of %d characters is longer than %d", what, n, RB_MAX_USER_NAME),
					 errhint("A user name is the account's login or e-mail address.")));
	}
	return PointerGetDatum(trigger_row(td));
}
