/*
 * child_write.c — the rows the subscription rules write for the
 * subscriptions of a statement (subscription_change, commitment_tranche,
 * flex_term), written straight into their table and indexes, without the
 * foreign-key check an INSERT queues for each row (issue 13;
 * doc/subscriptions.md, "What a new subscription costs").
 *
 * Through SQL each of those rows queued an RI_FKey_check_ins event that,
 * at the end of the INSERT, looked its subscription up again (an SPI query
 * per row, FOR KEY SHARE).  The rules write these rows for subscriptions
 * the same command has just inserted or updated: the row the check looks
 * for is one this transaction wrote, which no other transaction can update,
 * delete or even lock before this one ends, and whose deletion by this
 * transaction, later, is still refused by the subscription's own ON DELETE
 * trigger.  So here the check is replaced by what makes it redundant: for
 * each row (each new key), the referenced table's unique index is probed
 * for the key, and the version found must have been written by this
 * transaction; otherwise nothing is written and the caller runs its INSERT,
 * whose check then does what it always did.
 *
 * The rest is the INSERT's work, done as COPY does it: the column defaults
 * (the identity from its sequence, clock_now(), acting_role()) evaluated
 * from the table's own default expressions, in column order, row by row;
 * the NOT NULL and CHECK constraints (ExecConstraints, with the INSERT's
 * column list for the error's detail); the rows through table_multi_insert()
 * and their index entries.
 *
 * Only where that is the same as the INSERT; otherwise false, and SQL:
 *   - on one node (on a Citus cluster the tables are distributed and the
 *     rows must be routed: rb_distributed());
 *   - session_replication_role is origin;
 *   - a plain table, not a partition, no rule, no stored generated column,
 *     no row-level security that applies to the acting role, INSERT
 *     granted to it;
 *   - the columns written are the table's, of the types given, without
 *     typmod, identity or generation; no other column of a domain type;
 *   - every trigger that fires on INSERT is enabled and is either a
 *     foreign-key check (not deferrable, int8 keys written by the caller,
 *     referencing a plain table's unique index) or the one known trigger
 *     the caller names (an AFTER INSERT row trigger calling that C
 *     function, without WHEN, arguments or transition table, whose owner
 *     and settings are the caller's), whose work the caller then does for
 *     each row, in the order the trigger would have;
 *   - every key the checks would look up is found, written by this
 *     transaction.
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_index.h"
#include "catalog/pg_language.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "nodes/parsenodes.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/inval.h"
#include "utils/memutils.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "child_write.h"
#include "shard.h"

/* rows per table_multi_insert() call */
#define CHILD_BATCH 64
#define CHILD_MAX_KEYS 4

/* a foreign-key check of the table, replaced by a probe */
typedef struct ChildKey
{
	Oid			confrelid;
	Oid			indexid;
	int			nkeys;
	int			col[CHILD_MAX_KEYS];	/* the caller's column of each index key */
	AttrNumber	pk_att[CHILD_MAX_KEYS];	/* the referenced column of each */
} ChildKey;

/*
 * Kept across statements, forgotten on any invalidation of what they came
 * from: the C function a function OID resolves to (load_external_function
 * looks its library up on disk), and each table's column defaults as the
 * rewriter builds them (the identity's sequence is found in pg_depend).
 */
static Oid	known_foid = InvalidOid;
static void *known_addr = NULL;

typedef struct DefaultsKept
{
	Oid			relid;
	int			natts;
	Node	  **defaults;		/* in CacheMemoryContext */
} DefaultsKept;

#define DEFAULTS_KEPT 4
static DefaultsKept defaults_kept[DEFAULTS_KEPT];
static bool callbacks_set = false;

static void
forget_function(Datum arg, int cacheid, uint32 hashvalue)
{
	known_foid = InvalidOid;
	known_addr = NULL;
}

static void
forget_defaults(Datum arg, Oid relid)
{
	for (int i = 0; i < DEFAULTS_KEPT; i++)
		if (defaults_kept[i].relid != InvalidOid && (relid == InvalidOid || defaults_kept[i].relid == relid))
		{
			defaults_kept[i].relid = InvalidOid;
			/* the trees stay allocated: a few, until the next kept ones */
		}
}

static void
set_callbacks(void)
{
	if (callbacks_set)
		return;
	CacheRegisterSyscacheCallback(PROCOID, forget_function, (Datum) 0);
	CacheRegisterRelcacheCallback(forget_defaults, (Datum) 0);
	callbacks_set = true;
}

/* build_column_default(rel, attnum), kept per table */
static Node *
column_default(Relation rel, AttrNumber attnum)
{
	Oid			relid = RelationGetRelid(rel);
	int			natts = RelationGetDescr(rel)->natts;
	DefaultsKept *k = NULL;

	set_callbacks();
	for (int i = 0; i < DEFAULTS_KEPT && k == NULL; i++)
		if (defaults_kept[i].relid == relid && defaults_kept[i].natts == natts)
			k = &defaults_kept[i];
	if (k == NULL)
	{
		MemoryContext old;
		int			slot = 0;

		for (int i = 0; i < DEFAULTS_KEPT; i++)
			if (defaults_kept[i].relid == InvalidOid)
				slot = i;
		k = &defaults_kept[slot];
		k->relid = InvalidOid;
		old = MemoryContextSwitchTo(CacheMemoryContext);
		k->defaults = palloc0(sizeof(Node *) * natts);
		for (int i = 0; i < natts; i++)
			if (!TupleDescAttr(RelationGetDescr(rel), i)->attisdropped)
				k->defaults[i] = build_column_default(rel, i + 1);
		MemoryContextSwitchTo(old);
		k->natts = natts;
		k->relid = relid;
	}
	return k->defaults[attnum - 1];
}

/* the settings a function's SET clause gives are those in effect */
static bool
settings_in_effect(HeapTuple proc)
{
	bool		isnull;
	Datum		d = SysCacheGetAttr(PROCOID, proc, Anum_pg_proc_proconfig, &isnull);
	ArrayType  *a;
	Datum	   *items;
	bool	   *inulls;
	int			n;

	if (isnull)
		return true;
	a = DatumGetArrayTypeP(d);
	deconstruct_array(a, TEXTOID, -1, false, TYPALIGN_INT, &items, &inulls, &n);
	for (int i = 0; i < n; i++)
	{
		char	   *item,
				   *eq;
		const char *now;

		if (inulls[i])
			return false;
		item = TextDatumGetCString(items[i]);
		eq = strchr(item, '=');
		if (eq == NULL)
			return false;
		*eq = '\0';
		now = GetConfigOption(item, true, false);
		if (now == NULL || strcmp(now, eq + 1) != 0)
			return false;
	}
	return true;
}

/* whether the trigger is the caller's known one, as it would fire */
static bool
is_known_trigger(Trigger *t, PGFunction known)
{
	HeapTuple	proc;
	Form_pg_proc p;
	bool		ok = false;

	if (known == NULL || !TRIGGER_FOR_ROW(t->tgtype) || TRIGGER_FOR_BEFORE(t->tgtype) ||
		TRIGGER_FOR_INSTEAD(t->tgtype) || t->tgqual != NULL || t->tgnargs != 0 ||
		t->tgnewtable != NULL || t->tgoldtable != NULL || OidIsValid(t->tgconstraint))
		return false;
	proc = SearchSysCache1(PROCOID, ObjectIdGetDatum(t->tgfoid));
	if (!HeapTupleIsValid(proc))
		return false;
	p = (Form_pg_proc) GETSTRUCT(proc);
	if (p->prolang == ClanguageId && (!p->prosecdef || p->proowner == GetUserId()) &&
		settings_in_effect(proc))
	{
		bool		n1,
					n2;
		Datum		src = SysCacheGetAttr(PROCOID, proc, Anum_pg_proc_prosrc, &n1);
		Datum		bin = SysCacheGetAttr(PROCOID, proc, Anum_pg_proc_probin, &n2);

		set_callbacks();
		if (known_foid != t->tgfoid && !n1 && !n2)
		{
			known_addr = load_external_function(TextDatumGetCString(bin), TextDatumGetCString(src), false, NULL);
			known_foid = t->tgfoid;
		}
		ok = !n1 && !n2 && known_foid == t->tgfoid && known_addr == (void *) known;
	}
	ReleaseSysCache(proc);
	return ok;
}

/* the foreign-key check T stands for, as a probe of the caller's columns */
static bool
key_of(Relation rel, Trigger *t, RbChildRows *rows, const AttrNumber *att_of_col, ChildKey *k)
{
	List	   *fks = RelationGetFKeyList(rel);
	ListCell   *lc;
	ForeignKeyCacheInfo *fk = NULL;
	HeapTuple	con;
	Form_pg_constraint c;
	Relation	idx;
	bool		ok = true;

	if (!TRIGGER_FOR_ROW(t->tgtype) || TRIGGER_FOR_BEFORE(t->tgtype) || t->tgdeferrable ||
		t->tginitdeferred || t->tgqual != NULL)
		return false;
	foreach(lc, fks)
		if (((ForeignKeyCacheInfo *) lfirst(lc))->conoid == t->tgconstraint)
			fk = lfirst(lc);
	if (fk == NULL || fk->nkeys > CHILD_MAX_KEYS)
		return false;
	con = SearchSysCache1(CONSTROID, ObjectIdGetDatum(t->tgconstraint));
	if (!HeapTupleIsValid(con))
		return false;
	c = (Form_pg_constraint) GETSTRUCT(con);
	if (c->contype != CONSTRAINT_FOREIGN || c->condeferrable || c->conrelid != RelationGetRelid(rel))
		ok = false;
	k->confrelid = fk->confrelid;
	k->indexid = c->conindid;
	k->nkeys = fk->nkeys;
	ReleaseSysCache(con);
	if (!ok || get_rel_relkind(k->confrelid) != RELKIND_RELATION)
		return false;

	idx = index_open(k->indexid, AccessShareLock);
	if (idx->rd_index->indrelid != k->confrelid || idx->rd_index->indnkeyatts != k->nkeys ||
		!idx->rd_index->indisunique || !idx->rd_index->indisvalid)
		ok = false;
	for (int i = 0; ok && i < k->nkeys; i++)
	{
		AttrNumber	pk_att = idx->rd_index->indkey.values[i];
		int			j;

		for (j = 0; j < fk->nkeys; j++)
			if (fk->confkey[j] == pk_att)
				break;
		if (j == fk->nkeys || get_opcode(fk->conpfeqop[j]) != F_INT8EQ ||
			get_atttype(k->confrelid, pk_att) != INT8OID ||
			TupleDescAttr(RelationGetDescr(rel), fk->conkey[j] - 1)->atttypid != INT8OID)
		{
			ok = false;
			break;
		}
		k->pk_att[i] = pk_att;
		k->col[i] = -1;
		for (int cc = 0; cc < rows->ncols; cc++)
			if (att_of_col[cc] == fk->conkey[j])
				k->col[i] = cc;
		if (k->col[i] < 0)
			ok = false;			/* a key column the caller does not write */
	}
	index_close(idx, AccessShareLock);
	return ok;
}

/* every key of K the rows refer to is a row this transaction wrote */
static bool
keys_written_here(ChildKey *k, RbChildRows *rows)
{
	Relation	pk = table_open(k->confrelid, AccessShareLock);
	Relation	idx = index_open(k->indexid, AccessShareLock);
	TupleTableSlot *slot = table_slot_create(pk, NULL);
	IndexScanDesc scan = NULL;
	bool		ok = true;

	for (int r = 0; ok && r < rows->nrows; r++)
	{
		ScanKeyData key[CHILD_MAX_KEYS];
		bool		same = r > 0;

		for (int i = 0; i < k->nkeys; i++)
		{
			int			c = k->col[i];

			if (rows->nulls[c] != NULL && rows->nulls[c][r])
				ok = false;		/* NOT NULL is the INSERT's error */
			else if (same && DatumGetInt64(rows->values[c][r]) != DatumGetInt64(rows->values[c][r - 1]))
				same = false;
		}
		if (!ok)
			break;
		if (same)
			continue;			/* the key of the row before */
		CHECK_FOR_INTERRUPTS();
		/* the row the rule has in hand, where it was: still the current
		 * version, this transaction's, with the key */
		if (rows->parent_tids != NULL && k->confrelid == rows->parent_relid &&
			ItemPointerIsValid(&rows->parent_tids[r]) &&
			table_tuple_fetch_row_version(pk, &rows->parent_tids[r], SnapshotSelf, slot))
		{
			bool		should_free;
			HeapTuple	tup = ExecFetchSlotHeapTuple(slot, false, &should_free);
			bool		mine = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data));

			if (should_free)
				heap_freetuple(tup);
			for (int i = 0; mine && i < k->nkeys; i++)
			{
				bool		isnull;
				Datum		v = slot_getattr(slot, k->pk_att[i], &isnull);

				mine = !isnull && DatumGetInt64(v) == DatumGetInt64(rows->values[k->col[i]][r]);
			}
			ExecClearTuple(slot);
			if (mine)
				continue;
		}
		for (int i = 0; i < k->nkeys; i++)
			ScanKeyInit(&key[i], i + 1, BTEqualStrategyNumber, F_INT8EQ, rows->values[k->col[i]][r]);
		if (scan == NULL)
			scan = index_beginscan(pk, idx, SnapshotSelf, k->nkeys, 0);
		index_rescan(scan, key, k->nkeys, NULL, 0);
		if (!index_getnext_slot(scan, ForwardScanDirection, slot))
			ok = false;
		else
		{
			bool		should_free;
			HeapTuple	tup = ExecFetchSlotHeapTuple(slot, false, &should_free);

			ok = TransactionIdIsCurrentTransactionId(HeapTupleHeaderGetXmin(tup->t_data));
			if (should_free)
				heap_freetuple(tup);
		}
	}
	if (scan != NULL)
		index_endscan(scan);
	ExecDropSingleTupleTableSlot(slot);
	index_close(idx, AccessShareLock);
	table_close(pk, AccessShareLock);
	return ok;
}

/* the table's shape and triggers allow writing directly; *known: the known
 * trigger is there */
static bool
writable(Relation rel, RbChildRows *rows, AttrNumber *att_of_col, bool *known, List **keys)
{
	TupleDesc	desc = RelationGetDescr(rel);
	TriggerDesc *td = rel->trigdesc;

	*known = false;
	*keys = NIL;
	if (rel->rd_rel->relkind != RELKIND_RELATION || rel->rd_rel->relispartition ||
		rel->rd_rules != NULL || (desc->constr && desc->constr->has_generated_stored))
		return false;
	if (check_enable_rls(RelationGetRelid(rel), InvalidOid, true) == RLS_ENABLED ||
		pg_class_aclcheck(RelationGetRelid(rel), GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		return false;
	for (int c = 0; c < rows->ncols; c++)
	{
		AttrNumber	a = InvalidAttrNumber;

		for (int i = 0; i < desc->natts; i++)
			if (!TupleDescAttr(desc, i)->attisdropped &&
				strcmp(NameStr(TupleDescAttr(desc, i)->attname), rows->names[c]) == 0)
				a = i + 1;
		if (a == InvalidAttrNumber)
			return false;
		{
			Form_pg_attribute att = TupleDescAttr(desc, a - 1);

			if (att->atttypid != rows->types[c] || att->atttypmod != -1 || att->attidentity != '\0' ||
				att->attgenerated != '\0')
				return false;
		}
		att_of_col[c] = a;
	}
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		bool		given = false;

		for (int c = 0; c < rows->ncols; c++)
			given |= att_of_col[c] == i + 1;
		if (!given && !att->attisdropped && get_typtype(att->atttypid) == TYPTYPE_DOMAIN)
			return false;
	}
	if (td == NULL)
		return true;
	if (td->trig_insert_new_table)
		return false;
	for (int i = 0; i < td->numtriggers; i++)
	{
		Trigger    *t = &td->triggers[i];

		if (!TRIGGER_FOR_INSERT(t->tgtype))
			continue;
		if (t->tgenabled != TRIGGER_FIRES_ON_ORIGIN && t->tgenabled != TRIGGER_FIRES_ALWAYS)
			return false;
		if (t->tgfoid == F_RI_FKEY_CHECK_INS && OidIsValid(t->tgconstraint))
		{
			ChildKey   *k = palloc0(sizeof(ChildKey));

			if (!key_of(rel, t, rows, att_of_col, k))
				return false;
			*keys = lappend(*keys, k);
		}
		else if (!*known && is_known_trigger(t, rows->known_trigger))
			*known = true;
		else
			return false;
	}
	return true;
}

bool
rb_child_write(RbChildRows *rows, bool *known_fired)
{
	Oid			nsp,
				relid;
	Relation	rel;
	TupleDesc	desc;
	AttrNumber *att_of_col;
	int		   *col_of_att;
	ExprState **defaults;
	bool	   *once;			/* a default without volatile function: its value */
	Datum	   *once_value;
	bool	   *once_null;
	bool		known;
	List	   *keys;
	ListCell   *lc;
	EState	   *estate;
	ResultRelInfo *rri;
	RangeTblEntry *rte;
	ExprContext *econtext;
	TupleTableSlot **slots;
	int			nslots;
	CommandId	cid;

	*known_fired = false;
	if (rows->nrows <= 0)
		return rows->nrows == 0;
	if (rb_distributed() || SessionReplicationRole != SESSION_REPLICATION_ROLE_ORIGIN)
		return false;
	nsp = get_namespace_oid("reseller_billing", true);
	relid = OidIsValid(nsp) ? get_relname_relid(rows->table, nsp) : InvalidOid;
	if (!OidIsValid(relid))
		return false;
	rel = table_open(relid, RowExclusiveLock);
	desc = RelationGetDescr(rel);
	att_of_col = palloc0(sizeof(AttrNumber) * rows->ncols);
	if (!writable(rel, rows, att_of_col, &known, &keys))
	{
		table_close(rel, NoLock);	/* as the INSERT that follows would keep it */
		return false;
	}
	foreach(lc, keys)
		if (!keys_written_here(lfirst(lc), rows))
		{
			table_close(rel, NoLock);
			return false;
		}

	/* the INSERT's executor state: its range table (the columns it lists,
	 * for a constraint error's detail), constraints and indexes */
	estate = CreateExecutorState();
	rte = makeNode(RangeTblEntry);
	rte->rtekind = RTE_RELATION;
	rte->relid = relid;
	rte->relkind = rel->rd_rel->relkind;
	rte->rellockmode = RowExclusiveLock;
	rte->requiredPerms = ACL_INSERT;
	for (int c = 0; c < rows->ncols; c++)
		rte->insertedCols = bms_add_member(rte->insertedCols,
										   att_of_col[c] - FirstLowInvalidHeapAttributeNumber);
	ExecInitRangeTable(estate, list_make1(rte));
	estate->es_snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : NULL;
	rri = makeNode(ResultRelInfo);
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	ExecOpenIndices(rri, false);
	econtext = GetPerTupleExprContext(estate);

	/* the defaults of the columns not written, as the INSERT plans them */
	col_of_att = palloc(sizeof(int) * desc->natts);
	defaults = palloc0(sizeof(ExprState *) * desc->natts);
	once = palloc0(sizeof(bool) * desc->natts);
	once_value = palloc0(sizeof(Datum) * desc->natts);
	once_null = palloc0(sizeof(bool) * desc->natts);
	for (int i = 0; i < desc->natts; i++)
	{
		col_of_att[i] = -1;
		for (int c = 0; c < rows->ncols; c++)
			if (att_of_col[c] == i + 1)
				col_of_att[i] = c;
		if (col_of_att[i] < 0 && !TupleDescAttr(desc, i)->attisdropped)
		{
			Node	   *def = column_default(rel, i + 1);

			if (def != NULL)
			{
				Expr	   *planned = expression_planner((Expr *) copyObject(def));

				defaults[i] = ExecInitExpr(planned, NULL);
				/*
				 * No volatile function (clock_now(), acting_role(): stable):
				 * the same value for every row of the statement, so it is
				 * computed once; the identity (nextval) row by row.
				 */
				if (!contain_volatile_functions((Node *) planned))
				{
					Form_pg_attribute att = TupleDescAttr(desc, i);
					MemoryContext old = MemoryContextSwitchTo(estate->es_query_cxt);

					once_value[i] = ExecEvalExpr(defaults[i], econtext, &once_null[i]);
					if (!once_null[i])
						once_value[i] = datumCopy(once_value[i], att->attbyval, att->attlen);
					MemoryContextSwitchTo(old);
					ResetExprContext(econtext);
					once[i] = true;
				}
			}
		}
	}

	cid = GetCurrentCommandId(true);
	nslots = Min(rows->nrows, CHILD_BATCH);
	slots = palloc(sizeof(TupleTableSlot *) * nslots);
	for (int j = 0; j < nslots; j++)
		slots[j] = table_slot_create(rel, NULL);
	for (int first = 0; first < rows->nrows; first += nslots)
	{
		int			nb = Min(nslots, rows->nrows - first);

		CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < nb; j++)
		{
			int			r = first + j;
			TupleTableSlot *slot = slots[j];

			ExecClearTuple(slot);
			for (int i = 0; i < desc->natts; i++)
			{
				slot->tts_isnull[i] = true;
				slot->tts_values[i] = (Datum) 0;
				if (once[i])
				{
					slot->tts_values[i] = once_value[i];
					slot->tts_isnull[i] = once_null[i];
				}
				else if (defaults[i] != NULL)
					slot->tts_values[i] = ExecEvalExprSwitchContext(defaults[i], econtext, &slot->tts_isnull[i]);
			}
			if (rows->compute != NULL)
			{
				MemoryContext old = MemoryContextSwitchTo(econtext->ecxt_per_tuple_memory);

				rows->compute(rows->arg, r);
				MemoryContextSwitchTo(old);
			}
			for (int c = 0; c < rows->ncols; c++)
			{
				int			a = att_of_col[c] - 1;

				slot->tts_isnull[a] = rows->nulls[c] != NULL && rows->nulls[c][r];
				slot->tts_values[a] = slot->tts_isnull[a] ? (Datum) 0 : rows->values[c][r];
			}
			ExecStoreVirtualTuple(slot);
			if (desc->constr)
				ExecConstraints(rri, slot, estate);
		}
		table_multi_insert(rel, slots, nb, cid, 0, NULL);
		if (rri->ri_NumIndices > 0)
			for (int j = 0; j < nb; j++)
				list_free(ExecInsertIndexTuples(rri, slots[j], estate, false, false, NULL, NIL));
		ResetPerTupleExprContext(estate);
	}
	for (int j = 0; j < nslots; j++)
		ExecDropSingleTupleTableSlot(slots[j]);
	ExecCloseIndices(rri);
	FreeExecutorState(estate);
	table_close(rel, NoLock);	/* the lock is kept to the transaction's end */
	CommandCounterIncrement();
	*known_fired = known;
	return true;
}
