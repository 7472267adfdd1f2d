/*
 * seat_counter_write.c — the commit-time write of the seat counters without
 * the executor's UPDATE (issue 13; doc/subscriptions.md "Race-freedom" and
 * "What a new subscription costs").
 *
 * seat_count_commit() (seat_limit.c) writes each subscription's pending
 * count once, when the transaction commits.  Through an SQL UPDATE that
 * write ran every UPDATE trigger of subscription and, for a subscription
 * the same transaction had inserted, re-checked its foreign keys (customer,
 * SKU): PostgreSQL re-checks the keys of any update of a row its own
 * transaction inserted, whether or not they change.  For a counter-only
 * change none of that does anything: the keys do not change and were
 * checked when the row was inserted (the subscription's foreign keys are
 * not deferrable, so that check ran at the end of the inserting statement,
 * before any account could be counted); the audit log does not log a
 * counter-only change (audit_row's third argument); the rules, history and
 * billing-fact triggers have WHENs false for it; the counter guard's WHEN
 * is false inside a trigger.  The one trigger that can act is
 * event_seat_cap (a Flex or trial subscription reaching its cap): such a
 * subscription is left to the SQL UPDATE.
 *
 * So here, for each pending count, the subscription's current row is found
 * through its primary key and updated as the executor would: a new row
 * version (an ordinary heap update, WAL-logged and decoded as one), its
 * CHECK and NOT NULL constraints checked (subscription_seat_limit is the
 * backstop), its index entries added unless the update is HOT.  The row is
 * locked by this transaction already (seat_count_apply), so it cannot have
 * been changed by another.  What this transaction remembers of the locked
 * row is forgotten, as seat_count_fold() does for an UPDATE.
 *
 * Only on a table that is not distributed: on a Citus cluster the triggers
 * fire on shards and the write goes through SQL, which Citus routes.  A
 * subscription whose row is not found here (a shell table) is left to the
 * SQL UPDATE too, and so is every count when the table has a stored
 * generated column (this write does not compute one).
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/relscan.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"

#include "seat_counter_write.h"
#include "seat_state.h"
#include "shard.h"

/* whether the PK index's columns are, in order, reseller_id and subscription_id */
static bool
key_is(Relation idx, AttrNumber reseller, AttrNumber subscription)
{
	Form_pg_index f = idx->rd_index;

	return f->indnkeyatts == 2 && f->indkey.values[0] == reseller && f->indkey.values[1] == subscription;
}

int
seat_counter_write_direct(SeatCount *todo, int n, bool *done)
{
	Oid			nsp,
				relid,
				pkid;
	Relation	rel,
				idx;
	AttrNumber	a_reseller,
				a_subscription,
				a_active,
				a_cap;
	EState	   *estate;
	ResultRelInfo *rri;
	RangeTblEntry *rte;
	TupleTableSlot *oldslot,
			   *newslot;
	Snapshot	snap;
	int			written = 0;

	for (int i = 0; i < n; i++)
		done[i] = false;
	if (n == 0 || rb_distributed())
		return 0;
	nsp = get_namespace_oid("reseller_billing", true);
	relid = OidIsValid(nsp) ? get_relname_relid("subscription", nsp) : InvalidOid;
	if (!OidIsValid(relid))
		return 0;
	rel = table_open(relid, RowExclusiveLock);
	a_reseller = get_attnum(relid, "reseller_id");
	a_subscription = get_attnum(relid, "subscription_id");
	a_active = get_attnum(relid, "active_seats");
	a_cap = get_attnum(relid, "seat_cap");
	pkid = RelationGetPrimaryKeyIndex(rel);
	if (rel->rd_rel->relkind != RELKIND_RELATION || !OidIsValid(pkid) ||
		a_reseller <= 0 || a_subscription <= 0 || a_active <= 0 || a_cap <= 0 ||
		TupleDescAttr(RelationGetDescr(rel), a_active - 1)->atttypid != INT4OID ||
		TupleDescAttr(RelationGetDescr(rel), a_cap - 1)->atttypid != INT4OID ||
		(rel->rd_att->constr && rel->rd_att->constr->has_generated_stored))
	{
		table_close(rel, RowExclusiveLock);
		return 0;
	}
	idx = index_open(pkid, RowExclusiveLock);
	if (!key_is(idx, a_reseller, a_subscription))
	{
		index_close(idx, RowExclusiveLock);
		table_close(rel, RowExclusiveLock);
		return 0;
	}

	/* an executor state for one result relation, as logical replication's
	 * apply worker builds one (its constraints and indexes) */
	estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	ExecInitRangeTable(estate, list_make1(rte));
	estate->es_output_cid = GetCurrentCommandId(true);
	rri = makeNode(ResultRelInfo);
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	ExecOpenIndices(rri, false);

	CommandCounterIncrement();
	snap = RegisterSnapshot(GetLatestSnapshot());
	estate->es_snapshot = snap;
	oldslot = table_slot_create(rel, NULL);
	newslot = table_slot_create(rel, NULL);

	for (int i = 0; i < n; i++)
	{
		IndexScanDesc scan;
		ScanKeyData key[2];
		bool		found,
					update_indexes;
		int32		active,
					next;
		Datum		cap;

		CHECK_FOR_INTERRUPTS();
		ScanKeyInit(&key[0], 1, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(todo[i].key.reseller));
		ScanKeyInit(&key[1], 2, BTEqualStrategyNumber, F_INT8EQ, Int64GetDatum(todo[i].key.subscription));
		scan = index_beginscan(rel, idx, snap, 2, 0);
		index_rescan(scan, key, 2, NULL, 0);
		found = index_getnext_slot(scan, ForwardScanDirection, oldslot);
		index_endscan(scan);
		if (!found)
			continue;			/* left to the SQL UPDATE */

		slot_getallattrs(oldslot);
		active = DatumGetInt32(oldslot->tts_values[a_active - 1]);
		if (oldslot->tts_isnull[a_active - 1] || todo[i].delta > PG_INT32_MAX || todo[i].delta < PG_INT32_MIN)
			continue;
		next = active + (int32) todo[i].delta;
		cap = oldslot->tts_values[a_cap - 1];
		/* reaching a cap may raise event_seat_cap: the SQL UPDATE runs it */
		if (!oldslot->tts_isnull[a_cap - 1] && DatumGetInt32(cap) > 0 &&
			next >= DatumGetInt32(cap) && active < DatumGetInt32(cap))
			continue;

		ExecClearTuple(newslot);
		memcpy(newslot->tts_values, oldslot->tts_values, sizeof(Datum) * newslot->tts_tupleDescriptor->natts);
		memcpy(newslot->tts_isnull, oldslot->tts_isnull, sizeof(bool) * newslot->tts_tupleDescriptor->natts);
		newslot->tts_values[a_active - 1] = Int32GetDatum(next);
		newslot->tts_isnull[a_active - 1] = false;
		ExecStoreVirtualTuple(newslot);

		/* the table's CHECK constraints: subscription_seat_limit is the backstop */
		if (rel->rd_att->constr)
			ExecConstraints(rri, newslot, estate);
		simple_table_tuple_update(rel, &oldslot->tts_tid, newslot, snap, &update_indexes);
		if (update_indexes && rri->ri_NumIndices > 0)
			list_free(ExecInsertIndexTuples(rri, newslot, estate, true, false, NULL, NIL));
		/* the row changed: what was read of it when it was locked is stale */
		seat_locked_forget(todo[i].key.reseller, todo[i].key.subscription);
		ResetPerTupleExprContext(estate);
		done[i] = true;
		written++;
	}

	ExecDropSingleTupleTableSlot(oldslot);
	ExecDropSingleTupleTableSlot(newslot);
	UnregisterSnapshot(snap);
	ExecCloseIndices(rri);
	FreeExecutorState(estate);
	index_close(idx, NoLock);
	table_close(rel, NoLock);
	CommandCounterIncrement();
	return written;
}
