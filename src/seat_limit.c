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
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "seat_counter_write.h"
#include "seat_state.h"
#include "session.h"
#include "spi_rules.h"

#define attr(td, tuple, name, isnull) \
	rb_column(RelationGetDescr((td)->tg_relation), (tuple), (name), (isnull), "seat_count")

static SPIPlanPtr plan_lock = NULL;
static SPIPlanPtr plan_count = NULL;
static SPIPlanPtr plan_today = NULL;
static SPIPlanPtr plan_late = NULL;

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

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("seat_count_row() must be an AFTER INSERT OR UPDATE row trigger")));
	if (rb_restoring())
		return PointerGetDatum(NULL);	/* restored counters count these seats already */

	insert = TRIGGER_FIRED_BY_INSERT(td->tg_event);
	n = insert ? td->tg_trigtuple : td->tg_newtuple;
	reseller = DatumGetInt64(attr(td, n, "reseller_id", &isnull));
	subscription = DatumGetInt64(attr(td, n, "subscription_id", &isnull));
	g = seat_group(RelationGetRelid(td->tg_relation), insert, reseller, subscription);

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

/* reads the row of a locked subscription into K (the trial's end needs the
 * program's date) */
static void
locked_read(SeatLocked *k, HeapTuple row, TupleDesc desc)
{
	bool		isnull;

	strlcpy(k->status, TextDatumGetCString(SPI_getbinval(row, desc, 2, &isnull)), sizeof(k->status));
	k->annual = DatumGetBool(SPI_getbinval(row, desc, 3, &isnull));
	k->lim = DatumGetInt32(SPI_getbinval(row, desc, 4, &k->lim_null));
	k->active = DatumGetInt32(SPI_getbinval(row, desc, 5, &isnull));
	if (strcmp(k->status, "trial") == 0)
	{
		bool		tnull;
		Datum		trial_end = SPI_getbinval(row, desc, 6, &tnull);

		if (!tnull)
		{
			Oid			keytypes[1] = {INT8OID};
			Datum		keys[1] = {Int64GetDatum(k->key.reseller)};
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
}

/*
 * Locks the subscriptions of groups[from .. to) (one reseller, in key order)
 * that the transaction has not locked yet, in one statement keyed by the
 * reseller (a router query on Citus): FOR NO KEY UPDATE in subscription
 * order, so concurrent statements lock them in the same order.  What the
 * rows say is kept for the rest of the transaction.
 */
static void
lock_subscriptions(SeatGroup *groups, int from, int to)
{
	Oid			types[2] = {INT8OID, INT8ARRAYOID};
	Datum		args[2];
	Datum	   *ids = palloc(sizeof(Datum) * (to - from));
	int			n = 0;
	int64		reseller = groups[from].key.sub.reseller;

	for (int i = from; i < to; i++)
		if (seat_locked_find(reseller, groups[i].key.sub.subscription) == NULL)
			ids[n++] = Int64GetDatum(groups[i].key.sub.subscription);
	if (n == 0)
		return;
	args[0] = Int64GetDatum(reseller);
	args[1] = PointerGetDatum(construct_array(ids, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	SPI_execute_plan(rb_prepare_once(&plan_lock,
								  "SELECT s.subscription_id, s.status, reseller_billing.is_annual(s.plan), "
								  "CASE WHEN reseller_billing.is_annual(s.plan) THEN s.committed_seats ELSE s.seat_cap END, "
								  "s.active_seats, s.trial_end "
								  "FROM reseller_billing.subscription s "
								  "WHERE s.reseller_id OPERATOR(pg_catalog.=) $1 "
								  "AND s.subscription_id OPERATOR(pg_catalog.=) ANY ($2) "
								  "ORDER BY s.subscription_id FOR NO KEY UPDATE",
								  2, types),
					 args, NULL, false, 0);
	{
		SPITupleTable *tt = SPI_tuptable;
		uint64		rows = SPI_processed;

		for (uint64 r = 0; r < rows; r++)
		{
			bool		isnull;
			int64		sub = DatumGetInt64(SPI_getbinval(tt->vals[r], tt->tupdesc, 1, &isnull));

			locked_read(seat_locked_add(reseller, sub), tt->vals[r], tt->tupdesc);
		}
		SPI_freetuptable(tt);
	}
}

/* the limit of one subscription, and its pending count moved by delta */
static void
apply_group(SeatGroup *g)
{
	int64		reseller = g->key.sub.reseller,
				subscription = g->key.sub.subscription;
	SeatLocked *k = seat_locked_find(reseller, subscription);
	int64		active;

	if (k == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("subscription " INT64_FORMAT " of reseller " INT64_FORMAT " does not exist",
						subscription, reseller),
				 errdetail("A seat belongs to an existing subscription of the same reseller.")));
	if (g->delta == 0)
		return;					/* only accounts recorded already ended */
	active = k->active + seat_pending_sum(reseller, subscription);
	if (g->delta > 0)
	{
		if (strcmp(k->status, "active") != 0 && strcmp(k->status, "trial") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("subscription " INT64_FORMAT " of reseller " INT64_FORMAT " is %s and accepts no new accounts",
							subscription, reseller, k->status),
					 errdetail(INT64_FORMAT " new account(s) were to be added.", g->delta)));
		if (k->trial_ended)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("trial subscription " INT64_FORMAT " of reseller " INT64_FORMAT " ended on %s and accepts no new accounts",
							subscription, reseller, k->trial_end),
					 errdetail("The trial ran until %s; " INT64_FORMAT " new account(s) were to be added.",
							   k->trial_end, g->delta),
					 errhint("Convert it to an Annual or Flex plan with change_plan.")));
		if (!k->lim_null && active + g->delta > k->lim)
		{
			const char *what = k->annual ? "committed seats" : "seat cap";

			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("subscription " INT64_FORMAT " of reseller " INT64_FORMAT " would exceed its %s",
							subscription, reseller, what),
					 errdetail("The %s: " INT64_FORMAT "; " INT64_FORMAT " accounts are active and " INT64_FORMAT
							   " more were to be added, " INT64_FORMAT " in all.",
							   what, k->lim, active, g->delta, active + g->delta),
					 errhint(k->annual ? "Add seats to the commitment with add_seats."
							 : "Raise the cap with set_seat_cap, or remove accounts first.")));
		}
	}
	seat_pending_add(reseller, subscription, g->delta);
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
	bool		insert;
	SeatGroup  *mine;
	int			n;
	TimestampTz now,
				bound;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("seat_count_apply() must be an AFTER statement trigger")));
	insert = TRIGGER_FIRED_BY_INSERT(td->tg_event);
	mine = seat_groups_take(RelationGetRelid(td->tg_relation), insert, &n);
	if (n == 0)
		return PointerGetDatum(NULL);

	now = rb_clock();
	bound = late_change_bound(now);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "seat_count: SPI_connect failed");
	for (int from = 0; from < n;)
	{
		int			to = from;
		int			m = 0;
		SeatGroup  *run;

		/* one reseller's groups (key order), those with something to
		 * check, locked in one statement */
		while (to < n && mine[to].key.sub.reseller == mine[from].key.sub.reseller)
			to++;
		run = palloc(sizeof(SeatGroup) * (to - from));
		for (int i = from; i < to; i++)
			if (insert || mine[i].delta != 0)
				run[m++] = mine[i];
		if (m > 0)
			lock_subscriptions(run, 0, m);
		pfree(run);

		for (int i = from; i < to; i++)
		{
			SeatGroup  *g = &mine[i];

			CHECK_FOR_INTERRUPTS();
			if (insert && g->has_moment && g->latest > now)
				ereport(ERROR,
						(errcode(ERRCODE_CHECK_VIOLATION),
						 errmsg("accounts of subscription " INT64_FORMAT " of reseller " INT64_FORMAT
								" cannot start or end in the future", g->key.sub.subscription, g->key.sub.reseller),
						 errdetail("An account would start or end at %s.",
								   rb_datum_text(TimestampTzGetDatum(g->latest), TIMESTAMPTZOID)),
						 errhint("Add an account when it starts; end it (set active_until) when it is removed.")));
			if (!insert && g->delta == 0)
				continue;
			apply_group(g);
			/* an account dated back into a month that may be billed already
			 * is a late change */
			if (insert && g->has_moment && g->earliest < bound)
			{
				Oid			types[3] = {INT8OID, INT8OID, TIMESTAMPTZOID};
				Datum		args[3] = {Int64GetDatum(g->key.sub.reseller), Int64GetDatum(g->key.sub.subscription),
				TimestampTzGetDatum(g->earliest)};

				SPI_execute_plan(rb_prepare_once(&plan_late,
											  "SELECT reseller_billing.mark_late_change_at($1, $2, $3)", 3, types),
								 args, NULL, false, 0);
			}
		}
		from = to;
	}
	SPI_finish();
	pfree(mine);
	return PointerGetDatum(NULL);
}

/*
 * seat_count_commit(): the deferred constraint trigger, queued by every seat
 * row and fired when the transaction commits.  The first call writes every
 * pending count of the transaction, one UPDATE per reseller over its
 * subscriptions (the rows are locked by this transaction already, so the
 * order of the writes cannot deadlock); the later calls find nothing to
 * write.
 */
PG_FUNCTION_INFO_V1(rb_seat_count_commit);
Datum
rb_seat_count_commit(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	SeatCount  *todo;
	bool	   *done;
	int			n;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("seat_count_commit() must be an AFTER row trigger")));
	/* the event is consumed: a later row queues the next one */
	seat_commit_fired();
	/* taken first: the UPDATEs below must not fold these counts again */
	todo = seat_pending_take_all(&n);
	if (n == 0)
		return PointerGetDatum(NULL);
	/* most counts need no trigger of subscription: written directly
	 * (seat_counter_write.c); the rest through the UPDATE below */
	done = palloc(sizeof(bool) * n);
	if (seat_counter_write_direct(todo, n, done) > 0)
	{
		int			left = 0;

		for (int i = 0; i < n; i++)
			if (!done[i])
				todo[left++] = todo[i];
		n = left;
	}
	pfree(done);
	if (n == 0)
	{
		pfree(todo);
		return PointerGetDatum(NULL);
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "seat_count: SPI_connect failed");
	for (int from = 0; from < n;)
	{
		int			to = from;
		Oid			types[3] = {INT8OID, INT8ARRAYOID, INT4ARRAYOID};
		Datum		args[3];
		Datum	   *subs,
				   *deltas;

		CHECK_FOR_INTERRUPTS();
		while (to < n && todo[to].key.reseller == todo[from].key.reseller)
			to++;
		subs = palloc(sizeof(Datum) * (to - from));
		deltas = palloc(sizeof(Datum) * (to - from));
		for (int i = from; i < to; i++)
		{
			subs[i - from] = Int64GetDatum(todo[i].key.subscription);
			deltas[i - from] = Int32GetDatum((int32) todo[i].delta);
		}
		args[0] = Int64GetDatum(todo[from].key.reseller);
		args[1] = PointerGetDatum(construct_array(subs, to - from, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		args[2] = PointerGetDatum(construct_array(deltas, to - from, INT4OID, sizeof(int32), true, TYPALIGN_INT));
		SPI_execute_plan(rb_prepare_once(&plan_count,
									  "UPDATE reseller_billing.subscription t "
									  "SET active_seats = t.active_seats OPERATOR(pg_catalog.+) d.delta "
									  "FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($3)) AS d(subscription_id, delta) "
									  "WHERE t.reseller_id OPERATOR(pg_catalog.=) $1 "
									  "AND t.subscription_id OPERATOR(pg_catalog.=) d.subscription_id",
									  3, types),
						 args, NULL, false, 0);
		pfree(subs);
		pfree(deltas);
		from = to;
	}
	SPI_finish();
	pfree(todo);
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
	if (!seat_pending_any() && !seat_locked_any())
		return PointerGetDatum(n);
	desc = RelationGetDescr(td->tg_relation);
	reseller = DatumGetInt64(attr(td, n, "reseller_id", &isnull));
	subscription = DatumGetInt64(attr(td, n, "subscription_id", &isnull));
	/* the row changes: what was read of it when it was locked is stale */
	seat_locked_forget(reseller, subscription);
	if (!seat_pending_any())
		return PointerGetDatum(n);
	pending = seat_pending_sum(reseller, subscription);
	if (pending == 0)
		return PointerGetDatum(n);
	attno = SPI_fnumber(desc, "active_seats");
	value = heap_getattr(n, attno, desc, &isnull);
	value = Int32GetDatum(DatumGetInt32(value) + (int32) pending);
	isnull = false;
	n = heap_modify_tuple_by_cols(n, desc, 1, &attno, &value, &isnull);
	seat_pending_add(reseller, subscription, -pending);
	return PointerGetDatum(n);
}

/*
 * seat_commit_queue() → bool: the WHEN of the seat_count_commit trigger
 * (seat_state.c).  Called by hand it can only make the caller's own
 * transaction fail at commit (its counts would be unwritten).
 */
PG_FUNCTION_INFO_V1(rb_seat_commit_queue);
Datum
rb_seat_commit_queue(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(seat_commit_queue());
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
	PG_RETURN_INT32((int32) seat_pending_sum(PG_GETARG_INT64(0), PG_GETARG_INT64(1)));
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
