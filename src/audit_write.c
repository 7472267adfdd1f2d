/*
 * audit_write.c — a statement's audit rows, written straight into the
 * audit log's heap and indexes (issue 13).
 *
 * audit_flush() used to write them with one INSERT … SELECT FROM unnest(…)
 * per statement.  For the single-row statements applications send, that
 * INSERT's executor start (its plan, the table's CHECK constraint parsed
 * and planned again, the column defaults) cost more than the audited
 * change itself.  Here each row is formed in C, with exactly what the
 * log's column defaults would give (the identity from its sequence, now(),
 * statement_timestamp(), the top transaction's id), and inserted with the
 * table access method and its indexes, as COPY does; the statement's ids
 * are taken from the sequence in one step (audit_ids.c).
 *
 * Only where that is the same as the INSERT: the log is a plain table of
 * the shape this version creates (no other column, no CHECK but the
 * operation's, which the rows keep by construction), with no trigger on
 * INSERT (no foreign key, no user trigger), on one node (on a Citus
 * cluster the log is distributed and Citus must route the rows).
 * Otherwise rb_audit_write_direct() writes nothing and returns false, and
 * audit_flush() uses SQL.
 */
#include "postgres.h"

#include "access/table.h"
#include "access/tableam.h"
#include "access/transam.h"
#include "access/xact.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/execnodes.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/xid8.h"

#include "audit_ids.h"
#include "audit_write.h"
#include "clock.h"
#include "shard.h"

enum
{
	AC_RESELLER,
	AC_ID,
	AC_LOGGED_AT,
	AC_STATEMENT_AT,
	AC_XACT,
	AC_ROLE,
	AC_SESSION_ROLE,
	AC_TENANT,
	AC_TABLE,
	AC_OPERATION,
	AC_KEY,
	AC_OLD,
	AC_NEW,
	AC_CLOCK_AT,
	AC_NCOLS
};

static const char *const audit_columns[AC_NCOLS] = {
	"reseller_id", "audit_id", "logged_at", "statement_at", "xact", "role_name", "session_role",
	"tenant_setting", "table_name", "operation", "row_key", "old_row", "new_row", "clock_at"
};

/* the log's shape as last checked: its relation, column count, attnums */
static Oid	shape_relid = InvalidOid;
static int	shape_natts = -1;
static bool shape_ok = false;
static AttrNumber shape_att[AC_NCOLS];
static Oid	shape_seq = InvalidOid;

/* rows per table_multi_insert() call: a few heap pages of audit rows (more
 * slots would cost more to pin their tuple descriptor than they save) */
#define AUDIT_BATCH 96

/* the operation as text: one datum per kind, made once */
static Datum
operation_text(const char *op)
{
	static Datum ins = (Datum) 0,
				upd = (Datum) 0,
				del = (Datum) 0;
	Datum	   *d;
	MemoryContext old;

	if (strcmp(op, "INSERT") == 0)
		d = &ins;
	else if (strcmp(op, "UPDATE") == 0)
		d = &upd;
	else if (strcmp(op, "DELETE") == 0)
		d = &del;
	else
		return CStringGetTextDatum(op);
	if (*d == (Datum) 0)
	{
		old = MemoryContextSwitchTo(TopMemoryContext);
		*d = CStringGetTextDatum(op);
		MemoryContextSwitchTo(old);
	}
	return *d;
}

static bool
check_shape(Relation rel)
{
	TupleDesc	desc = RelationGetDescr(rel);
	int			found = 0;

	if (RelationGetRelid(rel) == shape_relid && desc->natts == shape_natts)
		return shape_ok;
	shape_relid = RelationGetRelid(rel);
	shape_natts = desc->natts;
	shape_ok = false;
	for (int c = 0; c < AC_NCOLS; c++)
		shape_att[c] = InvalidAttrNumber;
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		int			c;

		if (att->attisdropped)
			continue;
		for (c = 0; c < AC_NCOLS; c++)
			if (strcmp(NameStr(att->attname), audit_columns[c]) == 0)
				break;
		if (c == AC_NCOLS || att->attgenerated)
			return false;		/* a column this version does not write */
		shape_att[c] = att->attnum;
		found++;
	}
	if (found != AC_NCOLS)
		return false;
	if (TupleDescAttr(desc, shape_att[AC_ID] - 1)->attidentity == '\0')
		return false;
	shape_seq = getIdentitySequence(RelationGetRelid(rel), shape_att[AC_ID], true);
	shape_ok = OidIsValid(shape_seq);
	return shape_ok;
}

static bool
writable_directly(Relation rel)
{
	TriggerDesc *t = rel->trigdesc;

	if (rel->rd_rel->relkind != RELKIND_RELATION)
		return false;
	if (t != NULL && (t->trig_insert_before_row || t->trig_insert_after_row || t->trig_insert_instead_row ||
					  t->trig_insert_before_statement || t->trig_insert_after_statement ||
					  t->trig_insert_new_table))
		return false;
	/* the one CHECK of the log (the operation), kept by construction */
	if (rel->rd_att->constr != NULL && rel->rd_att->constr->num_check > 1)
		return false;
	return check_shape(rel);
}

bool
rb_audit_write_direct(AuditRowValues *rows, int n, AuditShared *shared)
{
	Oid			nsp,
				relid;
	Relation	rel;
	EState	   *estate;
	ResultRelInfo *rri;
	TupleTableSlot **slots;
	int64	   *ids;
	int			nslots;
	CommandId	cid;
	Datum		logged_at,
				statement_at,
				xact,
				role,
				session_role,
				tenant = (Datum) 0,
				table_name,
				clock_at;

	if (rb_distributed())
		return false;
	nsp = get_namespace_oid("reseller_billing", true);
	if (!OidIsValid(nsp))
		return false;
	relid = get_relname_relid("audit_log", nsp);
	if (!OidIsValid(relid))
		return false;
	rel = table_open(relid, RowExclusiveLock);
	if (!writable_directly(rel))
	{
		table_close(rel, RowExclusiveLock);
		return false;
	}

	/* what the column defaults give, once for the statement */
	logged_at = TimestampTzGetDatum(rb_wall_transaction_start());
	statement_at = TimestampTzGetDatum(rb_wall_statement_start());
	xact = FullTransactionIdGetDatum(GetTopFullTransactionId());
	role = CStringGetTextDatum(shared->role_name);
	session_role = CStringGetTextDatum(shared->session_role);
	if (shared->tenant_setting != NULL)
		tenant = CStringGetTextDatum(shared->tenant_setting);
	table_name = CStringGetTextDatum(shared->table_name);
	clock_at = TimestampTzGetDatum(shared->clock_at);

	estate = CreateExecutorState();
	rri = makeNode(ResultRelInfo);
	InitResultRelInfo(rri, rel, 1, NULL, 0);
	ExecOpenIndices(rri, false);
	cid = GetCurrentCommandId(true);

	/* the statement's ids, in row order, taken in one step (audit_ids.c) */
	ids = palloc(sizeof(int64) * n);
	rb_audit_ids(shape_seq, n, ids);

	/*
	 * The rows go in batches through table_multi_insert(), as COPY writes
	 * them: a heap page is locked and WAL-logged once for the rows it takes,
	 * not once per row.  The index entries are then made row by row.
	 */
	nslots = Min(n, AUDIT_BATCH);
	slots = palloc(sizeof(TupleTableSlot *) * nslots);
	for (int j = 0; j < nslots; j++)
		slots[j] = table_slot_create(rel, NULL);
	for (int first = 0; first < n; first += nslots)
	{
		int			nb = Min(nslots, n - first);

		CHECK_FOR_INTERRUPTS();
		for (int j = 0; j < nb; j++)
		{
			AuditRowValues *row = &rows[first + j];
			TupleTableSlot *slot = slots[j];
			Datum	   *v;
			bool	   *isnull;

			ExecClearTuple(slot);
			v = slot->tts_values;
			isnull = slot->tts_isnull;
			memset(isnull, true, sizeof(bool) * slot->tts_tupleDescriptor->natts);
#define SET(c, d) (v[shape_att[c] - 1] = (d), isnull[shape_att[c] - 1] = false)
			SET(AC_RESELLER, Int64GetDatum(row->reseller));
			SET(AC_ID, Int64GetDatum(ids[first + j]));
			SET(AC_LOGGED_AT, logged_at);
			SET(AC_STATEMENT_AT, statement_at);
			SET(AC_XACT, xact);
			SET(AC_ROLE, role);
			SET(AC_SESSION_ROLE, session_role);
			if (shared->tenant_setting != NULL)
				SET(AC_TENANT, tenant);
			SET(AC_TABLE, table_name);
			SET(AC_OPERATION, operation_text(row->operation));
			SET(AC_KEY, row->row_key);
			if (row->old_row != (Datum) 0)
				SET(AC_OLD, row->old_row);
			if (row->new_row != (Datum) 0)
				SET(AC_NEW, row->new_row);
			SET(AC_CLOCK_AT, clock_at);
#undef SET
			ExecStoreVirtualTuple(slot);
		}
		table_multi_insert(rel, slots, nb, cid, 0, NULL);
		if (rri->ri_NumIndices > 0)
			for (int j = 0; j < nb; j++)
				ExecInsertIndexTuples(rri, slots[j], estate, false, false, NULL, NIL);
		ResetPerTupleExprContext(estate);
	}
	for (int j = 0; j < nslots; j++)
		ExecDropSingleTupleTableSlot(slots[j]);
	pfree(slots);
	pfree(ids);
	ExecCloseIndices(rri);
	FreeExecutorState(estate);
	table_close(rel, NoLock);	/* the lock is kept to the transaction's end */
	CommandCounterIncrement();
	return true;
}
