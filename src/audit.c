/*
 * audit.c — the audit log's triggers (doc/audit.md), row by row.
 *
 * audit_row(table, keys, quiet) is an AFTER INSERT OR UPDATE OR DELETE row
 * trigger: it turns the changed row into the audit log's values — the
 * reseller, the operation, the row's key and its old and new values as jsonb
 * (to_jsonb's own encoding) — and keeps them in transaction memory.  An
 * UPDATE that changes none but the quiet columns is not kept.  audit_flush()
 * is the table's AFTER statement trigger: it writes what the statement's
 * rows kept with one INSERT … SELECT FROM unnest(…), a cached plan.  Neither
 * reads a transition table or a row type by name, so both work on the
 * shards of a distributed table; the table name logged is the trigger's
 * argument, not the (shard) relation's.
 *
 * Kept rows are tagged with their relation and subtransaction: a flush
 * writes those of its own statement, and the abort of a subtransaction
 * forgets those it kept.  A restore (restoring(): check_function_bodies off
 * in a superuser session) keeps nothing: the dump holds the log already.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"

#include "audit_flat.h"
#include "audit_jsonb.h"
#include "audit_write.h"
#include "clock.h"
#include "session.h"
#include "shard.h"
#include "spi_rules.h"

typedef struct AuditPending
{
	RbPending	head;			/* relation and subtransaction (spi_rules.h) */
	int64		reseller;
	const char *operation;
	Datum		row_key;
	Datum		old_row;		/* (Datum) 0: none */
	Datum		new_row;
} AuditPending;

/* what a trigger instance needs, kept in its fn_extra for the query */
typedef struct AuditTable
{
	Oid			relid;
	int			natts;
	int			reseller_att;	/* 0: no reseller_id column (logged as 0) */
	int			nkeys;
	int		   *key_atts;
	int		   *key_order;		/* key_atts' indexes in jsonb key order */
	bool		keys_unique;	/* no key column named twice */
	FmgrInfo   *key_jsonb;		/* to_jsonb, one per key column */
	RowJsonb   *row_jsonb;		/* to_jsonb of the whole row (audit_jsonb.c) */
	int			npairs;			/* the pairs of a row's object */
	int		   *key_pair;		/* per key in jsonb key order: its row pair,
								 * NULL when the key is made on its own */
	JsonbPair  *pairs;			/* a row's pairs, npairs of them (scratch) */
	JsonbPair  *key_pairs;		/* its key's, nkeys of them (scratch) */
	bool	   *quiet;			/* per attribute, 1-based */
	bool		shard;			/* a Citus shard (shard.c) */
} AuditTable;

static List *audit_pending = NIL;	/* in audit_cxt */
static MemoryContext audit_cxt = NULL;	/* under TopTransactionContext */
static bool audit_callbacks = false;
static SPIPlanPtr audit_insert_plan = NULL;

static void
audit_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
	{
		audit_pending = NIL;	/* its memory goes with the transaction */
		audit_cxt = NULL;
	}
}

static void
audit_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
					   SubTransactionId parentSubid, void *arg)
{
	rb_pending_subxact(&audit_pending, event, mySubid, parentSubid);
}


static int
attribute_number(TupleDesc desc, const char *name, const char *table)
{
	int			attno = SPI_fnumber(desc, name);

	if (attno <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("audit_row: table %s has no column \"%s\"", table, name)));
	return attno;
}

static AuditTable *
audit_table(FunctionCallInfo fcinfo, TriggerData *td)
{
	AuditTable *at = fcinfo->flinfo->fn_extra;
	Relation	rel = td->tg_relation;
	TupleDesc	desc = RelationGetDescr(rel);
	MemoryContext cxt = fcinfo->flinfo->fn_mcxt;
	char	  **args = td->tg_trigger->tgargs;
	List	   *keys,
			   *quiet;
	ListCell   *lc;
	char	   *keylist,
			   *quietlist;
	int			i;

	if (at != NULL && at->relid == RelationGetRelid(rel) && at->natts == desc->natts)
		return at;
	if (td->tg_trigger->tgnargs != 3)
		elog(ERROR, "audit_row: expected 3 arguments (table, key columns, quiet columns), got %d",
			 td->tg_trigger->tgnargs);

	at = MemoryContextAllocZero(cxt, sizeof(AuditTable));
	at->relid = RelationGetRelid(rel);
	at->natts = desc->natts;
	at->reseller_att = SPI_fnumber(desc, "reseller_id");
	if (at->reseller_att < 0)
		at->reseller_att = 0;

	keylist = MemoryContextStrdup(cxt, args[1]);
	quietlist = MemoryContextStrdup(cxt, args[2]);
	if (!SplitIdentifierString(keylist, ',', &keys) || keys == NIL ||
		!SplitIdentifierString(quietlist, ',', &quiet))
		elog(ERROR, "audit_row: invalid column lists \"%s\", \"%s\"", args[1], args[2]);
	at->nkeys = list_length(keys);
	at->key_atts = MemoryContextAlloc(cxt, sizeof(int) * at->nkeys);
	at->key_jsonb = MemoryContextAllocZero(cxt, sizeof(FmgrInfo) * at->nkeys);
	i = 0;
	foreach(lc, keys)
	{
		int			attno = attribute_number(desc, lfirst(lc), args[0]);

		at->key_atts[i] = attno;
		rb_setup_to_jsonb(&at->key_jsonb[i], TupleDescAttr(desc, attno - 1)->atttypid, cxt);
		i++;
	}
	{
		const char **names = palloc(sizeof(char *) * at->nkeys);

		for (i = 0; i < at->nkeys; i++)
			names[i] = NameStr(TupleDescAttr(desc, at->key_atts[i] - 1)->attname);
		at->key_order = MemoryContextAlloc(cxt, sizeof(int) * at->nkeys);
		rb_jsonb_key_order(names, at->nkeys, at->key_order);
		at->keys_unique = rb_jsonb_keys_unique(names, at->key_order, at->nkeys);
		pfree(names);
	}
	at->quiet = MemoryContextAllocZero(cxt, sizeof(bool) * (desc->natts + 1));
	foreach(lc, quiet)
		at->quiet[attribute_number(desc, lfirst(lc), args[0])] = true;
	at->row_jsonb = rb_row_jsonb_plan(desc, cxt);
	at->npairs = rb_row_jsonb_count(at->row_jsonb);
	at->pairs = MemoryContextAlloc(cxt, sizeof(JsonbPair) * Max(at->npairs, 1));
	at->key_pairs = MemoryContextAlloc(cxt, sizeof(JsonbPair) * at->nkeys);
	if (at->keys_unique)
	{
		at->key_pair = MemoryContextAlloc(cxt, sizeof(int) * at->nkeys);
		for (int k = 0; k < at->nkeys; k++)
		{
			at->key_pair[k] = rb_row_jsonb_index(at->row_jsonb, at->key_atts[at->key_order[k]]);
			if (at->key_pair[k] < 0)
			{
				at->key_pair = NULL;
				break;
			}
		}
	}
	at->shard = strcmp(RelationGetRelationName(rel), rb_logical_name(at->relid)) != 0;
	fcinfo->flinfo->fn_extra = at;
	return at;
}

/* one key column's value as to_jsonb gives it */
static void
key_value(AuditTable *at, int i, TupleDesc desc, HeapTuple tuple, const char *table, JsonbValue *v)
{
	Form_pg_attribute att = TupleDescAttr(desc, at->key_atts[i] - 1);
	bool		isnull;
	Datum		d = heap_getattr(tuple, at->key_atts[i], desc, &isnull);

	if (isnull)
		v->type = jbvNull;
	else if (att->atttypid == INT8OID || att->atttypid == INT4OID || att->atttypid == INT2OID)
	{
		/* what to_jsonb gives an integer, without its detour through text */
		v->type = jbvNumeric;
		v->val.numeric = int64_to_numeric(att->atttypid == INT8OID ? DatumGetInt64(d) :
										  att->atttypid == INT4OID ? DatumGetInt32(d) : DatumGetInt16(d));
	}
	else
	{
		Jsonb	   *jb = DatumGetJsonbP(rb_call_to_jsonb(&at->key_jsonb[i], d));

		if (!JsonbExtractScalar(&jb->root, v))
			elog(ERROR, "audit_row: key column \"%s\" of %s is not a scalar", NameStr(att->attname), table);
	}
}

/* the row's key as a jsonb object (jsonb orders its keys itself) */
static Datum
row_key(AuditTable *at, TupleDesc desc, HeapTuple tuple, const char *table)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;

	if (at->keys_unique)
	{
		/* the object as pushJsonbValue would end with, pairs already in order */
		JsonbPair  *pairs = palloc(sizeof(JsonbPair) * at->nkeys);
		JsonbValue	obj;

		for (int k = 0; k < at->nkeys; k++)
		{
			int			i = at->key_order[k];
			Form_pg_attribute att = TupleDescAttr(desc, at->key_atts[i] - 1);

			pairs[k].key.type = jbvString;
			pairs[k].key.val.string.val = NameStr(att->attname);
			pairs[k].key.val.string.len = strlen(NameStr(att->attname));
			pairs[k].order = k;
			key_value(at, i, desc, tuple, table, &pairs[k].value);
		}
		obj.type = jbvObject;
		obj.val.object.nPairs = at->nkeys;
		obj.val.object.pairs = pairs;
		return JsonbPGetDatum(JsonbValueToJsonb(&obj));
	}
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < at->nkeys; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, at->key_atts[i] - 1);
		JsonbValue	k,
					v;

		k.type = jbvString;
		k.val.string.val = NameStr(att->attname);
		k.val.string.len = strlen(NameStr(att->attname));
		pushJsonbValue(&state, WJB_KEY, &k);
		key_value(at, i, desc, tuple, table, &v);
		pushJsonbValue(&state, WJB_VALUE, &v);
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbPGetDatum(JsonbValueToJsonb(res));
}

/* D copied into CXT */
static Datum
kept_copy(Datum d, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);

	d = datumCopy(d, false, -1);
	MemoryContextSwitchTo(old);
	return d;
}

/*
 * A row's object, made straight in CXT (audit_flat.c); with KEY, its key
 * too, from the same pairs, when the table allows.  What cannot be made so
 * is made as before and copied.
 */
static Datum
kept_row(AuditTable *at, TupleDesc desc, HeapTuple tuple, MemoryContext cxt,
		 Datum *key, const char *table)
{
	JsonbPair  *pairs = at->pairs;
	bool		flat = rb_row_jsonb_pairs(at->row_jsonb, desc, tuple, pairs);

	if (key != NULL && flat && at->key_pair != NULL)
	{
		JsonbPair  *kp = at->key_pairs;

		for (int k = 0; k < at->nkeys; k++)
		{
			kp[k].key = pairs[at->key_pair[k]].key;
			kp[k].value = pairs[at->key_pair[k]].value;
			kp[k].order = k;
		}
		*key = rb_flat_jsonb(kp, at->nkeys, cxt);
	}
	else if (key != NULL)
		*key = kept_copy(row_key(at, desc, tuple, table), cxt);
	if (flat)
		return rb_flat_jsonb(pairs, at->npairs, cxt);
	return kept_copy(rb_row_jsonb_whole(at->row_jsonb, desc, tuple), cxt);
}

/* does the UPDATE change a column that is not quiet? */
static bool
changes_something(AuditTable *at, TupleDesc desc, HeapTuple o, HeapTuple n)
{
	for (int attno = 1; attno <= desc->natts; attno++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, attno - 1);
		bool		onull,
					nnull;
		Datum		ov,
					nv;

		if (att->attisdropped || at->quiet[attno])
			continue;
		ov = heap_getattr(o, attno, desc, &onull);
		nv = heap_getattr(n, attno, desc, &nnull);
		if (onull != nnull)
			return true;
		if (!onull && !datum_image_eq(ov, nv, att->attbyval, att->attlen))
			return true;
	}
	return false;
}

PG_FUNCTION_INFO_V1(rb_audit_row);
Datum
rb_audit_row(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	AuditTable *at;
	TupleDesc	desc;
	HeapTuple	o = NULL,
				n = NULL;
	AuditPending *p;
	MemoryContext old;
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("audit_row() must be an AFTER row trigger")));
	if (rb_restoring())
		return PointerGetDatum(NULL);	/* a restore replays rows already audited */
	if (!audit_callbacks)
	{
		RegisterXactCallback(audit_xact_callback, NULL);
		RegisterSubXactCallback(audit_subxact_callback, NULL);
		audit_callbacks = true;
	}

	at = audit_table(fcinfo, td);
	if (at->shard && !rb_shared_copy_writes(at->relid))
		return PointerGetDatum(NULL);	/* another copy of a shared table logs it */
	desc = RelationGetDescr(td->tg_relation);
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
		n = td->tg_trigtuple;
	else if (TRIGGER_FIRED_BY_DELETE(td->tg_event))
		o = td->tg_trigtuple;
	else
	{
		o = td->tg_trigtuple;
		n = td->tg_newtuple;
		if (!changes_something(at, desc, o, n))
			return PointerGetDatum(NULL);
	}

	if (audit_cxt == NULL)
		audit_cxt = AllocSetContextCreate(TopTransactionContext, "reseller_billing audit rows",
										  ALLOCSET_DEFAULT_SIZES);
	/*
	 * The key and the rows are made straight in the kept memory, at their
	 * size (the work is in the trigger's own per-row memory); the key from
	 * the old row if there is one, else the new.  The old row's object is
	 * made before the new row's pairs (they share a date's text).
	 */
	{
		const char *table = td->tg_trigger->tgargs[0];
		Datum		key = (Datum) 0;
		Datum		orow,
					nrow;

		orow = o != NULL ? kept_row(at, desc, o, audit_cxt, &key, table) : (Datum) 0;
		nrow = n != NULL ? kept_row(at, desc, n, audit_cxt, o == NULL ? &key : NULL, table) : (Datum) 0;

		old = MemoryContextSwitchTo(audit_cxt);
		p = palloc(sizeof(AuditPending));
		p->row_key = key;
		p->old_row = orow;
		p->new_row = nrow;
	}
	p->head.relid = at->relid;
	p->head.subxid = GetCurrentSubTransactionId();
	p->operation = n == NULL ? "DELETE" : (o == NULL ? "INSERT" : "UPDATE");
	p->reseller = 0;
	if (at->reseller_att > 0)
	{
		Datum		r = heap_getattr(n != NULL ? n : o, at->reseller_att, desc, &isnull);

		if (!isnull)
			p->reseller = DatumGetInt64(r);
	}
	audit_pending = lappend(audit_pending, p);
	MemoryContextSwitchTo(old);
	return PointerGetDatum(NULL);
}

PG_FUNCTION_INFO_V1(rb_audit_flush);
Datum
rb_audit_flush(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Oid			relid;
	List	   *mine = NIL;
	ListCell   *lc;
	int			n,
				i;
	Datum	   *resellers,
			   *ops,
			   *keys,
			   *olds,
			   *news;
	bool	   *old_nulls,
			   *new_nulls;
	int			dims[1],
				lbs[1] = {1};
	Datum		values[10];
	char		nulls[10] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' ', ' '};
	Oid			acting = rb_acting_role();
	const char *tenant = GetConfigOption("reseller_billing.reseller_id", true, false);
	int			ret;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event) || td->tg_trigger->tgnargs != 1)
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("audit_flush(table) must be an AFTER statement trigger")));
	relid = RelationGetRelid(td->tg_relation);
	mine = rb_pending_take(&audit_pending, relid);
	n = list_length(mine);
	if (n == 0)
		return PointerGetDatum(NULL);

	/* on one node, straight into the log (audit_write.c) */
	{
		AuditRowValues *rows = palloc(sizeof(AuditRowValues) * n);
		AuditShared shared;

		i = 0;
		foreach(lc, mine)
		{
			AuditPending *p = lfirst(lc);

			rows[i].reseller = p->reseller;
			rows[i].operation = p->operation;
			rows[i].row_key = p->row_key;
			rows[i].old_row = p->old_row;
			rows[i].new_row = p->new_row;
			i++;
		}
		shared.table_name = td->tg_trigger->tgargs[0];
		shared.role_name = GetUserNameFromId(acting, false);
		shared.session_role = GetUserNameFromId(GetSessionUserId(), false);
		shared.tenant_setting = (tenant == NULL || tenant[0] == '\0') ? NULL : tenant;
		shared.clock_at = rb_clock();
		if (rb_audit_write_direct(rows, n, &shared))
		{
			pfree(rows);
			list_free(mine);
			if (audit_pending == NIL && audit_cxt != NULL)
				MemoryContextReset(audit_cxt);	/* nothing kept: free what the rows took */
			return PointerGetDatum(NULL);
		}
		pfree(rows);
	}

	resellers = palloc(sizeof(Datum) * n);
	ops = palloc(sizeof(Datum) * n);
	keys = palloc(sizeof(Datum) * n);
	olds = palloc(sizeof(Datum) * n);
	news = palloc(sizeof(Datum) * n);
	old_nulls = palloc(sizeof(bool) * n);
	new_nulls = palloc(sizeof(bool) * n);
	i = 0;
	foreach(lc, mine)
	{
		AuditPending *p = lfirst(lc);

		resellers[i] = Int64GetDatum(p->reseller);
		ops[i] = CStringGetTextDatum(p->operation);
		keys[i] = p->row_key;
		olds[i] = p->old_row;
		old_nulls[i] = p->old_row == (Datum) 0;
		news[i] = p->new_row;
		new_nulls[i] = p->new_row == (Datum) 0;
		i++;
	}
	dims[0] = n;
	values[0] = PointerGetDatum(construct_array(resellers, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[1] = CStringGetTextDatum(td->tg_trigger->tgargs[0]);
	values[2] = PointerGetDatum(construct_array(ops, n, TEXTOID, -1, false, TYPALIGN_INT));
	values[3] = PointerGetDatum(construct_array(keys, n, JSONBOID, -1, false, TYPALIGN_INT));
	values[4] = PointerGetDatum(construct_md_array(olds, old_nulls, 1, dims, lbs, JSONBOID, -1, false, TYPALIGN_INT));
	values[5] = PointerGetDatum(construct_md_array(news, new_nulls, 1, dims, lbs, JSONBOID, -1, false, TYPALIGN_INT));
	/* who and when, as the log's defaults say it (acting_role(), session_user,
	 * the tenant setting, clock_now()), once for the statement */
	values[6] = CStringGetTextDatum(GetUserNameFromId(acting, false));
	values[7] = CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false));
	if (tenant == NULL || tenant[0] == '\0')
		nulls[8] = 'n';
	else
		values[8] = CStringGetTextDatum(tenant);
	values[9] = TimestampTzGetDatum(rb_clock());

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "audit_flush: SPI_connect failed");
	if (audit_insert_plan == NULL)
	{
		Oid			types[10] = {INT8ARRAYOID, TEXTOID, TEXTARRAYOID, JSONBARRAYOID, JSONBARRAYOID, JSONBARRAYOID,
		TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID};
		SPIPlanPtr	plan = SPI_prepare(
									   "INSERT INTO reseller_billing.audit_log (reseller_id, table_name, operation, row_key, old_row, new_row, "
									   "role_name, session_role, tenant_setting, clock_at) "
									   "SELECT u.r, $2, u.o, u.k, u.ol, u.nw, $7, $8, $9, $10 FROM "
									   "ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($3), pg_catalog.unnest($4), "
									   "pg_catalog.unnest($5), pg_catalog.unnest($6)) WITH ORDINALITY AS u(r, o, k, ol, nw, i) "
									   "ORDER BY u.i",
									   10, types);

		if (plan == NULL)
			elog(ERROR, "audit_flush: SPI_prepare failed: %s", SPI_result_code_string(SPI_result));
		SPI_keepplan(plan);
		audit_insert_plan = plan;
	}
	ret = SPI_execute_plan(audit_insert_plan, values, nulls, false, 0);
	if (ret != SPI_OK_INSERT || SPI_processed != (uint64) n)
		elog(ERROR, "audit_flush: writing %d audit rows failed: %s", n, SPI_result_code_string(ret));
	SPI_finish();
	list_free(mine);
	if (audit_pending == NIL && audit_cxt != NULL)
		MemoryContextReset(audit_cxt);	/* nothing kept: free what the rows took */
	return PointerGetDatum(NULL);
}
