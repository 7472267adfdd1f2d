/*
 * seat_rules.c — what an UPDATE of an account may change
 * (doc/subscriptions.md): BEFORE UPDATE on seat.
 *
 *   - an account stays on its subscription (55000);
 *   - an ended account is history: its start and end do not change (55000);
 *   - no start or end in the future (23514; the moments are the billing
 *     clock's).  One end is not a moment of this transaction's choosing: an
 *     account ended at its own, unchanged, start (never in use).  A session
 *     whose transaction began before another committed the account sees its
 *     start after its own clock; ending it there is allowed.
 * The counters and limits are seat_limit.c's.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "spi_rules.h"

typedef struct SeatRow
{
	Datum		reseller,
				seat,
				subscription,
				from,
				until;
	bool		reseller_null,
				seat_null,
				subscription_null,
				from_null,
				until_null;
} SeatRow;

static void
seat_row(TupleDesc desc, HeapTuple t, SeatRow *r)
{
	r->reseller = rb_column(desc, t, "reseller_id", &r->reseller_null, "seat_before_update");
	r->seat = rb_column(desc, t, "seat_id", &r->seat_null, "seat_before_update");
	r->subscription = rb_column(desc, t, "subscription_id", &r->subscription_null, "seat_before_update");
	r->from = rb_column(desc, t, "active_from", &r->from_null, "seat_before_update");
	r->until = rb_column(desc, t, "active_until", &r->until_null, "seat_before_update");
}

/* IS NOT DISTINCT FROM, for by-value int8 / timestamptz */
static bool
same(Datum a, bool an, Datum b, bool bn)
{
	return (an || bn) ? (an && bn) : DatumGetInt64(a) == DatumGetInt64(b);
}

static char *
text_of(Datum d, bool isnull, Oid type, const char *null_text)
{
	return isnull ? pstrdup(null_text) : rb_datum_text(d, type);
}

PG_FUNCTION_INFO_V1(rb_seat_before_update);
Datum
rb_seat_before_update(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	SeatRow		o,
				n;
	bool		latest_null;
	TimestampTz latest;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("seat_before_update() must be a BEFORE UPDATE row trigger")));
	desc = RelationGetDescr(td->tg_relation);
	seat_row(desc, td->tg_trigtuple, &o);
	seat_row(desc, td->tg_newtuple, &n);

	if (!same(n.reseller, n.reseller_null, o.reseller, o.reseller_null) ||
		!same(n.seat, n.seat_null, o.seat, o.seat_null) ||
		!same(n.subscription, n.subscription_null, o.subscription, o.subscription_null))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("seat %s cannot move to another subscription", text_of(o.seat, o.seat_null, INT8OID, "<NULL>")),
				 errhint("End it (set active_until) and add a seat on the other subscription.")));
	if (!o.until_null && (!same(n.until, n.until_null, o.until, o.until_null) ||
						  !same(n.from, n.from_null, o.from, o.from_null)))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("seat %s of subscription %s ended at %s and is history",
						text_of(o.seat, o.seat_null, INT8OID, "<NULL>"),
						text_of(o.subscription, o.subscription_null, INT8OID, "<NULL>"),
						text_of(o.until, false, TIMESTAMPTZOID, "")),
				 errhint("Add a new seat for the user instead.")));
	/* GREATEST(active_from, active_until), NULLs ignored */
	latest_null = n.from_null && n.until_null;
	latest = n.from_null ? DatumGetTimestampTz(n.until)
		: (n.until_null ? DatumGetTimestampTz(n.from)
		   : Max(DatumGetTimestampTz(n.from), DatumGetTimestampTz(n.until)));
	if (!latest_null && latest > rb_clock() &&
		(!same(n.from, n.from_null, o.from, o.from_null) || !same(n.until, n.until_null, o.until, o.until_null)) &&
		!(same(n.from, n.from_null, o.from, o.from_null) && !n.until_null &&
		  same(n.until, n.until_null, n.from, n.from_null)))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("seat %s of subscription %s cannot start or end in the future",
						text_of(o.seat, o.seat_null, INT8OID, "<NULL>"),
						text_of(o.subscription, o.subscription_null, INT8OID, "<NULL>")),
				 errdetail("It would start at %s and end at %s.", text_of(n.from, n.from_null, TIMESTAMPTZOID, ""),
						   text_of(n.until, n.until_null, TIMESTAMPTZOID, "NULL")),
				 errhint("End an account (set active_until) when it is removed.")));
	return PointerGetDatum(td->tg_newtuple);
}
