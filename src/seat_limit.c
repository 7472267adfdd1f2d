/*
 * seat_limit.c — the seat counters and limits: a subscription's active
 * accounts never exceed its committed seats (Annual) or its seat cap (Flex,
 * trial); no account is added to a suspended, cancelled or expired
 * subscription; no account starts or ends in the future (doc/subscriptions.md;
 * issue 13).
 *
 * seat_count_row(), AFTER INSERT OR UPDATE of each seat row, adds the row's
 * change to its subscription's group (accounts in use gained or lost, the
 * latest moment, the earliest start); seat_count_apply(), AFTER the
 * statement, applies the statement's groups in key order (reseller,
 * subscription): it locks the subscription row (FOR NO KEY UPDATE) and checks
 * the limit against the counter plus what the transaction added before, so
 * concurrent statements take turns on each subscription and lock them in the
 * same order.  No transition table is read, so the triggers work on the
 * shards of a distributed table.
 *
 * The counter itself moves once per transaction: the statements' changes
 * are kept as pending counts (tagged with their subtransaction) and written
 * by seat_count_commit(), a deferred constraint trigger, when the
 * transaction commits (or at SET CONSTRAINTS ... IMMEDIATE).  Moving it per
 * statement made each statement of a transaction update the same row again,
 * and a thousand single-row INSERTs walked a chain of a thousand row
 * versions each (issue 13).  An UPDATE of the subscription in between takes
 * the pending count into its new row (seat_count_fold(), BEFORE UPDATE), so
 * the rules of that UPDATE see the true count.
 *
 * Groups are tagged with the relation, the operation and the
 * subtransaction, as the audit rows are (audit.c): a statement applies its
 * own, and an aborted subtransaction's are forgotten.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "session.h"
#include "spi_rules.h"

#define attr(td, tuple, name, isnull) \
	rb_column(RelationGetDescr((td)->tg_relation), (tuple), (name), (isnull), "seat_count")

typedef struct SeatGroup
{
	Oid			relid;
	SubTransactionId subxid;
	bool		insert;			/* an INSERT's group, or an UPDATE's */
	int64		reseller;
	int64		subscription;
	int64		delta;			/* accounts in use gained (lost) */
	bool		has_moment;
	TimestampTz latest;			/* INSERT: the latest start or end */
	TimestampTz earliest;		/* INSERT: the earliest start */
} SeatGroup;

/* a transaction's change of a counter not yet written */
typedef struct SeatPending
{
	int64		reseller;
	int64		subscription;
	SubTransactionId subxid;
	int64		delta;
} SeatPending;

/*
 * A subscription this transaction has locked (FOR NO KEY UPDATE) and read:
 * while the lock is held nobody else changes the row, so a later statement
 * of the transaction checks its accounts against what was read, with no
 * query.  Forgotten when the transaction updates the row (seat_count_fold
 * runs before every UPDATE of a subscription) and when the subtransaction
 * that took the lock aborts (the lock goes with it).
 */
typedef struct SeatLocked
{
	int64		reseller;
	int64		subscription;
	SubTransactionId subxid;
	char		status[16];
	bool		annual;
	bool		lim_null;
	int64		lim;
	int64		active;			/* active_seats on disk when locked */
	bool		trial_ended;	/* a trial whose end has come */
	char		trial_end[16];
} SeatLocked;

static List *seat_groups = NIL;
static List *seat_pending = NIL;
static List *seat_locked = NIL;
static MemoryContext seat_cxt = NULL;
static bool seat_callbacks = false;
static SPIPlanPtr plan_lock = NULL;
static SPIPlanPtr plan_count = NULL;
static SPIPlanPtr plan_today = NULL;
static SPIPlanPtr plan_late = NULL;

static void
seat_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
	{
		seat_groups = NIL;
		seat_pending = NIL;
		seat_locked = NIL;
		seat_cxt = NULL;
	}
}

static void
seat_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					  SubTransactionId parentSubid, void *arg)
{
	ListCell   *lc;

	foreach(lc, seat_groups)
	{
		SeatGroup  *g = lfirst(lc);

		if (g->subxid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_ABORT_SUB)
			seat_groups = foreach_delete_current(seat_groups, lc);
		else if (event == SUBXACT_EVENT_COMMIT_SUB)
			g->subxid = parentSubid;
	}
	foreach(lc, seat_pending)
	{
		SeatPending *p = lfirst(lc);

		if (p->subxid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_ABORT_SUB)
			seat_pending = foreach_delete_current(seat_pending, lc);
		else if (event == SUBXACT_EVENT_COMMIT_SUB)
			p->subxid = parentSubid;
	}
	foreach(lc, seat_locked)
	{
		SeatLocked *k = lfirst(lc);

		if (k->subxid != mySubid)
			continue;
		if (event == SUBXACT_EVENT_ABORT_SUB)
			seat_locked = foreach_delete_current(seat_locked, lc);
		else if (event == SUBXACT_EVENT_COMMIT_SUB)
			k->subxid = parentSubid;
	}
}

static SeatLocked *
locked_find(int64 reseller, int64 subscription)
{
	ListCell   *lc;

	foreach(lc, seat_locked)
	{
		SeatLocked *k = lfirst(lc);

		if (k->reseller == reseller && k->subscription == subscription)
			return k;
	}
	return NULL;
}

static void
locked_forget(int64 reseller, int64 subscription)
{
	ListCell   *lc;

	foreach(lc, seat_locked)
	{
		SeatLocked *k = lfirst(lc);

		if (k->reseller == reseller && k->subscription == subscription)
			seat_locked = foreach_delete_current(seat_locked, lc);
	}
}

/* the first call of a transaction: callbacks and the memory of its groups */
static void
seat_state_init(void)
{
	if (!seat_callbacks)
	{
		RegisterXactCallback(seat_xact_callback, NULL);
		RegisterSubXactCallback(seat_subxact_callback, NULL);
		seat_callbacks = true;
	}
	if (seat_cxt == NULL)
		seat_cxt = AllocSetContextCreate(TopTransactionContext, "reseller_billing seat groups",
										 ALLOCSET_SMALL_SIZES);
}

/* what the transaction has added to a counter and not written yet */
static int64
pending_sum(int64 reseller, int64 subscription)
{
	ListCell   *lc;
	int64		sum = 0;

	foreach(lc, seat_pending)
	{
		SeatPending *p = lfirst(lc);

		if (p->reseller == reseller && p->subscription == subscription)
			sum += p->delta;
	}
	return sum;
}

/* adds delta to a counter's pending count, in the current subtransaction */
static void
pending_add(int64 reseller, int64 subscription, int64 delta)
{
	SubTransactionId subxid = GetCurrentSubTransactionId();
	ListCell   *lc;
	SeatPending *p;

	foreach(lc, seat_pending)
	{
		p = lfirst(lc);
		if (p->reseller == reseller && p->subscription == subscription && p->subxid == subxid)
		{
			p->delta += delta;
			return;
		}
	}
	seat_state_init();
	p = MemoryContextAllocZero(seat_cxt, sizeof(SeatPending));
	p->reseller = reseller;
	p->subscription = subscription;
	p->subxid = subxid;
	p->delta = delta;
	{
		MemoryContext old = MemoryContextSwitchTo(seat_cxt);

		seat_pending = lappend(seat_pending, p);
		MemoryContextSwitchTo(old);
	}
}


static SeatGroup *
group_for(Oid relid, bool insert, int64 reseller, int64 subscription)
{
	SubTransactionId subxid = GetCurrentSubTransactionId();
	SeatGroup  *g;

	/* the last group first: a statement's rows usually share one */
	for (int i = list_length(seat_groups) - 1; i >= 0; i--)
	{
		g = list_nth(seat_groups, i);
		if (g->relid == relid && g->subxid == subxid && g->insert == insert &&
			g->reseller == reseller && g->subscription == subscription)
			return g;
	}
	g = MemoryContextAllocZero(seat_cxt, sizeof(SeatGroup));
	g->relid = relid;
	g->subxid = subxid;
	g->insert = insert;
	g->reseller = reseller;
	g->subscription = subscription;
	seat_groups = lappend(seat_groups, g);
	return g;
}

PG_FUNCTION_INFO_V1(rb_seat_count_row);
Datum
rb_seat_count_row(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	bool		insert;
	HeapTuple	n;
	bool		isnull,
				until_null;
	Datum		until;
	int64		reseller,
				subscription;
	SeatGroup  *g;
	MemoryContext old;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("seat_count_row() must be an AFTER INSERT OR UPDATE row trigger")));
	if (rb_restoring())
		return PointerGetDatum(NULL);	/* restored counters count these seats already */
	seat_state_init();

	insert = TRIGGER_FIRED_BY_INSERT(td->tg_event);
	n = insert ? td->tg_trigtuple : td->tg_newtuple;
	reseller = DatumGetInt64(attr(td, n, "reseller_id", &isnull));
	subscription = DatumGetInt64(attr(td, n, "subscription_id", &isnull));
	old = MemoryContextSwitchTo(seat_cxt);
	g = group_for(RelationGetRelid(td->tg_relation), insert, reseller, subscription);
	MemoryContextSwitchTo(old);

	until = attr(td, n, "active_until", &until_null);
	if (insert)
	{
		TimestampTz f = DatumGetTimestampTz(attr(td, n, "active_from", &isnull));
		TimestampTz latest = f;

		if (!until_null && DatumGetTimestampTz(until) > latest)
			latest = DatumGetTimestampTz(until);
		if (until_null)
			g->delta++;
		if (!g->has_moment)
		{
			g->latest = latest;
			g->earliest = f;
			g->has_moment = true;
		}
		else
		{
			g->latest = Max(g->latest, latest);
			g->earliest = Min(g->earliest, f);
		}
	}
	else
	{
		bool		was_null;

		(void) attr(td, td->tg_trigtuple, "active_until", &was_null);
		g->delta += (until_null ? 1 : 0) - (was_null ? 1 : 0);
	}
	return PointerGetDatum(NULL);
}

static int
group_cmp(const ListCell *a, const ListCell *b)
{
	const SeatGroup *x = lfirst(a);
	const SeatGroup *y = lfirst(b);

	if (x->reseller != y->reseller)
		return x->reseller < y->reseller ? -1 : 1;
	if (x->subscription != y->subscription)
		return x->subscription < y->subscription ? -1 : 1;
	return 0;
}

/* lock a subscription and read what its limit needs (once per transaction) */
static SeatLocked *
lock_subscription_row(SeatGroup *g)
{
	Oid			keytypes[1] = {INT8OID};
	Datum		keys[2] = {Int64GetDatum(g->reseller), Int64GetDatum(g->subscription)};
	Oid			lock_types[2] = {INT8OID, INT8OID};
	HeapTuple	row;
	TupleDesc	desc;
	bool		isnull;
	SeatLocked *k = locked_find(g->reseller, g->subscription);

	if (k != NULL)
		return k;
	SPI_execute_plan(rb_prepare_once(&plan_lock,
								  "SELECT s.status, s.plan::text, reseller_billing.is_annual(s.plan), "
								  "CASE WHEN reseller_billing.is_annual(s.plan) THEN s.committed_seats ELSE s.seat_cap END, "
								  "s.active_seats, s.trial_end "
								  "FROM reseller_billing.subscription s "
								  "WHERE s.reseller_id OPERATOR(pg_catalog.=) $1 AND s.subscription_id OPERATOR(pg_catalog.=) $2 "
								  "FOR NO KEY UPDATE",
								  2, lock_types),
					 keys, NULL, false, 1);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("subscription " INT64_FORMAT " of reseller " INT64_FORMAT " does not exist",
						g->subscription, g->reseller),
				 errdetail("A seat belongs to an existing subscription of the same reseller.")));
	row = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	k = MemoryContextAllocZero(seat_cxt, sizeof(SeatLocked));
	k->reseller = g->reseller;
	k->subscription = g->subscription;
	k->subxid = GetCurrentSubTransactionId();
	strlcpy(k->status, TextDatumGetCString(SPI_getbinval(row, desc, 1, &isnull)), sizeof(k->status));
	k->annual = DatumGetBool(SPI_getbinval(row, desc, 3, &isnull));
	k->lim = DatumGetInt32(SPI_getbinval(row, desc, 4, &k->lim_null));
	k->active = DatumGetInt32(SPI_getbinval(row, desc, 5, &isnull));
	if (strcmp(k->status, "trial") == 0)
	{
		bool		tnull;
		Datum		trial_end = SPI_getbinval(row, desc, 6, &tnull);

		if (!tnull)
		{
			Datum		today;
			bool		today_null;

			strlcpy(k->trial_end, rb_datum_text(trial_end, DATEOID), sizeof(k->trial_end));
			/* the billing clock does not move inside a transaction */
			SPI_execute_plan(rb_prepare_once(&plan_today,
											 "SELECT reseller_billing.program_date($1, reseller_billing.clock_now())",
											 1, keytypes),
							 keys, NULL, true, 1);
			today = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &today_null);
			k->trial_ended = !today_null && DatumGetDateADT(trial_end) <= DatumGetDateADT(today);
		}
	}
	{
		MemoryContext old = MemoryContextSwitchTo(seat_cxt);

		seat_locked = lappend(seat_locked, k);
		MemoryContextSwitchTo(old);
	}
	return k;
}

/* the limit of one subscription, and its pending count moved by delta */
static void
apply_group(SeatGroup *g)
{
	SeatLocked *k = lock_subscription_row(g);
	int64		active;

	if (g->delta == 0)
		return;					/* only accounts recorded already ended */
	active = k->active + pending_sum(g->reseller, g->subscription);
	if (g->delta > 0)
	{
		if (strcmp(k->status, "active") != 0 && strcmp(k->status, "trial") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("subscription " INT64_FORMAT " of reseller " INT64_FORMAT " is %s and accepts no new accounts",
							g->subscription, g->reseller, k->status),
					 errdetail(INT64_FORMAT " new account(s) were to be added.", g->delta)));
		if (k->trial_ended)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("trial subscription " INT64_FORMAT " of reseller " INT64_FORMAT " ended on %s and accepts no new accounts",
							g->subscription, g->reseller, k->trial_end),
					 errdetail("The trial ran until %s; " INT64_FORMAT " new account(s) were to be added.",
							   k->trial_end, g->delta),
					 errhint("Convert it to an Annual or Flex plan with change_plan.")));
		if (!k->lim_null && active + g->delta > k->lim)
		{
			const char *what = k->annual ? "committed seats" : "seat cap";

			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("subscription " INT64_FORMAT " of reseller " INT64_FORMAT " would exceed its %s",
							g->subscription, g->reseller, what),
					 errdetail("The %s: " INT64_FORMAT "; " INT64_FORMAT " accounts are active and " INT64_FORMAT
							   " more were to be added, " INT64_FORMAT " in all.",
							   what, k->lim, active, g->delta, active + g->delta),
					 errhint(k->annual ? "Add seats to the commitment with add_seats."
							 : "Raise the cap with set_seat_cap, or remove accounts first.")));
		}
	}
	pending_add(g->reseller, g->subscription, g->delta);
}

/* the first moment that may lie in a month billed already: the month's
 * start in UTC plus 12 hours (no time zone starts its month later) */
static TimestampTz
late_change_bound(TimestampTz now)
{
	struct pg_tm tm;
	fsec_t		fsec;
	Timestamp	start;

	if (timestamp2tm(now, NULL, &tm, &fsec, NULL, NULL) != 0)
		elog(ERROR, "seat_count: the clock is out of range");
	tm.tm_mday = 1;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	if (tm2timestamp(&tm, 0, NULL, &start) != 0)
		elog(ERROR, "seat_count: the clock is out of range");
	return start + 12 * USECS_PER_HOUR;
}

PG_FUNCTION_INFO_V1(rb_seat_count_apply);
Datum
rb_seat_count_apply(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Oid			relid;
	bool		insert;
	SubTransactionId subxid = GetCurrentSubTransactionId();
	List	   *mine = NIL;
	ListCell   *lc;
	TimestampTz now,
				bound;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("seat_count_apply() must be an AFTER statement trigger")));
	relid = RelationGetRelid(td->tg_relation);
	insert = TRIGGER_FIRED_BY_INSERT(td->tg_event);
	foreach(lc, seat_groups)
	{
		SeatGroup  *g = lfirst(lc);

		if (g->relid == relid && g->subxid == subxid && g->insert == insert)
		{
			mine = lappend(mine, g);
			seat_groups = foreach_delete_current(seat_groups, lc);
		}
	}
	if (mine == NIL)
		return PointerGetDatum(NULL);
	list_sort(mine, group_cmp);

	now = rb_clock();
	bound = late_change_bound(now);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "seat_count: SPI_connect failed");
	foreach(lc, mine)
	{
		SeatGroup  *g = lfirst(lc);

		CHECK_FOR_INTERRUPTS();
		if (insert && g->has_moment && g->latest > now)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("accounts of subscription " INT64_FORMAT " of reseller " INT64_FORMAT
							" cannot start or end in the future", g->subscription, g->reseller),
					 errdetail("An account would start or end at %s.",
							   rb_datum_text(TimestampTzGetDatum(g->latest), TIMESTAMPTZOID)),
					 errhint("Add an account when it starts; end it (set active_until) when it is removed.")));
		if (!insert && g->delta == 0)
			continue;
		apply_group(g);
		/* an account dated back into a month that may be billed already is a
		 * late change */
		if (insert && g->has_moment && g->earliest < bound)
		{
			Oid			types[3] = {INT8OID, INT8OID, TIMESTAMPTZOID};
			Datum		args[3] = {Int64GetDatum(g->reseller), Int64GetDatum(g->subscription),
			TimestampTzGetDatum(g->earliest)};

			SPI_execute_plan(rb_prepare_once(&plan_late,
										  "SELECT reseller_billing.mark_late_change_at($1, $2, $3)", 3, types),
							 args, NULL, false, 0);
		}
	}
	SPI_finish();
	list_free(mine);
	return PointerGetDatum(NULL);
}

static int
pending_cmp(const ListCell *a, const ListCell *b)
{
	const SeatPending *x = lfirst(a);
	const SeatPending *y = lfirst(b);

	if (x->reseller != y->reseller)
		return x->reseller < y->reseller ? -1 : 1;
	if (x->subscription != y->subscription)
		return x->subscription < y->subscription ? -1 : 1;
	return 0;
}

/*
 * seat_count_commit(): the deferred constraint trigger, queued by every seat
 * row and fired when the transaction commits.  The first call writes every
 * pending count of the transaction, in key order (the rows are locked by
 * this transaction already); the later calls find nothing to write.
 */
PG_FUNCTION_INFO_V1(rb_seat_count_commit);
Datum
rb_seat_count_commit(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	List	   *todo;
	int64		reseller = 0,
				subscription = 0,
				sum = 0;
	bool		have = false;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("seat_count_commit() must be an AFTER row trigger")));
	if (seat_pending == NIL)
		return PointerGetDatum(NULL);
	/* taken first: the UPDATEs below must not fold these counts again */
	todo = list_copy(seat_pending);
	seat_pending = NIL;
	list_sort(todo, pending_cmp);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "seat_count: SPI_connect failed");
	for (int i = 0; i <= list_length(todo); i++)
	{
		SeatPending *p = i < list_length(todo) ? list_nth(todo, i) : NULL;

		if (have && (p == NULL || p->reseller != reseller || p->subscription != subscription))
		{
			if (sum != 0)
			{
				Oid			keytypes[3] = {INT8OID, INT8OID, INT8OID};
				Datum		keys[3] = {Int64GetDatum(reseller), Int64GetDatum(subscription), Int64GetDatum(sum)};

				SPI_execute_plan(rb_prepare_once(&plan_count,
											  "UPDATE reseller_billing.subscription t SET active_seats = t.active_seats OPERATOR(pg_catalog.+) $3::int "
											  "WHERE t.reseller_id OPERATOR(pg_catalog.=) $1 AND t.subscription_id OPERATOR(pg_catalog.=) $2",
											  3, keytypes),
								 keys, NULL, false, 0);
			}
			have = false;
		}
		if (p == NULL)
			break;
		if (!have)
		{
			reseller = p->reseller;
			subscription = p->subscription;
			sum = 0;
			have = true;
		}
		sum += p->delta;
	}
	SPI_finish();
	list_free(todo);
	return PointerGetDatum(NULL);
}

/*
 * seat_count_fold(): BEFORE UPDATE of a subscription, the transaction's
 * pending count of that subscription goes into the new row, so the rules of
 * the UPDATE (a cap lowered below the accounts, a plan change) see the true
 * count.  The pending count is cancelled in the current subtransaction: if
 * it aborts, the UPDATE is undone and the count is pending again.
 */
PG_FUNCTION_INFO_V1(rb_seat_count_fold);
Datum
rb_seat_count_fold(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	n;
	bool		isnull;
	int64		reseller,
				subscription,
				pending;
	int			attno;
	Datum		value;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("seat_count_fold() must be a BEFORE UPDATE row trigger")));
	n = td->tg_newtuple;
	if (seat_pending == NIL && seat_locked == NIL)
		return PointerGetDatum(n);
	desc = RelationGetDescr(td->tg_relation);
	reseller = DatumGetInt64(attr(td, n, "reseller_id", &isnull));
	subscription = DatumGetInt64(attr(td, n, "subscription_id", &isnull));
	/* the row changes: what was read of it when it was locked is stale */
	locked_forget(reseller, subscription);
	if (seat_pending == NIL)
		return PointerGetDatum(n);
	pending = pending_sum(reseller, subscription);
	if (pending == 0)
		return PointerGetDatum(n);
	attno = SPI_fnumber(desc, "active_seats");
	value = heap_getattr(n, attno, desc, &isnull);
	value = Int32GetDatum(DatumGetInt32(value) + (int32) pending);
	isnull = false;
	n = heap_modify_tuple_by_cols(n, desc, 1, &attno, &value, &isnull);
	pending_add(reseller, subscription, -pending);
	return PointerGetDatum(n);
}

/*
 * seat_count_pending(reseller, subscription) → int: what this transaction
 * has added to the subscription's counter and not written yet (0 in any
 * other session); lock_subscription() adds it to the row it returns.
 */
PG_FUNCTION_INFO_V1(rb_seat_count_pending);
Datum
rb_seat_count_pending(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32((int32) pending_sum(PG_GETARG_INT64(0), PG_GETARG_INT64(1)));
}

/*
 * seat_change_reaches_back(old_from, new_from, old_until, new_until) → bool:
 * whether an UPDATE of an account moves its start, or its end, to a moment
 * that may lie in a month billed already (before late_change_bound of the
 * billing clock).  The WHEN of the late-change trigger: an account ended
 * today, the common update, costs this call and nothing more.
 */
PG_FUNCTION_INFO_V1(rb_seat_change_reaches_back);
Datum
rb_seat_change_reaches_back(PG_FUNCTION_ARGS)
{
	bool		from_moved,
				until_moved;
	TimestampTz moment = 0;
	bool		have = false;

	/* a start is never NULL; an end is NULL while the account is active */
	from_moved = !PG_ARGISNULL(0) && !PG_ARGISNULL(1) &&
		PG_GETARG_TIMESTAMPTZ(0) != PG_GETARG_TIMESTAMPTZ(1);
	until_moved = PG_ARGISNULL(2) != PG_ARGISNULL(3) ||
		(!PG_ARGISNULL(2) && !PG_ARGISNULL(3) && PG_GETARG_TIMESTAMPTZ(2) != PG_GETARG_TIMESTAMPTZ(3));
	if (from_moved)
	{
		moment = Min(PG_GETARG_TIMESTAMPTZ(0), PG_GETARG_TIMESTAMPTZ(1));
		have = true;
	}
	if (until_moved)
	{
		TimestampTz u = !PG_ARGISNULL(3) ? PG_GETARG_TIMESTAMPTZ(3) : PG_GETARG_TIMESTAMPTZ(2);

		moment = have ? Min(moment, u) : u;
		have = true;
	}
	PG_RETURN_BOOL(have && moment < late_change_bound(rb_clock()));
}
