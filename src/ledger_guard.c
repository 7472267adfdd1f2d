/*
 * ledger_guard.c — invoice_line_guard(): an invoice's rows change only
 * while it is a draft.
 *
 * BEFORE INSERT, UPDATE or DELETE of each row of invoice_line and
 * credit_application: the row's invoice (reseller_id, invoice_id) must be a
 * draft; otherwise 55000 naming the invoice by its number, the reseller, the
 * status and the table.  Deleting a row whose invoice no longer exists is
 * allowed (the invoice's own deletion is guarded by invoice_guard).  During
 * a restore (restoring()) nothing is checked.
 *
 * The invoice is read as a volatile function reads (a new snapshot after
 * CommandCounterIncrement), so it sees the invoice the same statement wrote
 * (the close inserts its drafts and their lines in one statement).  The
 * close writes every line of its drafts in one statement, so the statuses
 * read are kept while the transaction and its command counter stay as they
 * were after the read: any later command of the transaction (issuing the
 * invoice, for example) moves the counter first, and the next check reads
 * again.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "session.h"
#include "shard.h"
#include "spi_rules.h"

typedef struct InvoiceKey
{
	int64		reseller_id;
	int64		invoice_id;
} InvoiceKey;

typedef struct InvoiceKept
{
	InvoiceKey	key;
	bool		found;
	bool		draft;
	bool		number_null;
	int64		number;
	char		status[NAMEDATALEN];
} InvoiceKept;

static HTAB *kept = NULL;
static LocalTransactionId kept_lxid = InvalidLocalTransactionId;
static CommandId kept_cid = InvalidCommandId;

static InvoiceKept *
invoice_status(int64 reseller_id, int64 invoice_id)
{
	static SPIPlanPtr plan = NULL;
	InvoiceKey	key = {reseller_id, invoice_id};
	InvoiceKept *k;
	bool		found;
	int			nest;

	if (kept == NULL || kept_lxid != MyProc->lxid || kept_cid != GetCurrentCommandId(false))
	{
		HASHCTL		ctl = {0};

		/* an earlier transaction's table went with its memory */
		if (kept != NULL && kept_lxid == MyProc->lxid)
			hash_destroy(kept);
		ctl.keysize = sizeof(InvoiceKey);
		ctl.entrysize = sizeof(InvoiceKept);
		ctl.hcxt = TopTransactionContext;
		kept = hash_create("invoice_line_guard invoices", 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
		kept_lxid = MyProc->lxid;
	}
	k = hash_search(kept, &key, HASH_ENTER, &found);
	if (found)
		return k;
	k->found = false;
	/* the invoice is colocated with its rows: the read stays on the node
	 * when the trigger fires on a Citus shard (shard.c) */
	nest = rb_local_reads_begin();
	PG_TRY();
	{
		Oid			types[2] = {INT8OID, INT8OID};
		Datum		args[2] = {Int64GetDatum(reseller_id), Int64GetDatum(invoice_id)};

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "invoice_line_guard: SPI_connect failed");
		rb_prepare_once(&plan,
						"SELECT i.status, i.invoice_number FROM reseller_billing.invoice i "
						"WHERE i.reseller_id OPERATOR(pg_catalog.=) $1 AND i.invoice_id OPERATOR(pg_catalog.=) $2",
						2, types);
		if (SPI_execute_plan(plan, args, NULL, false, 1) != SPI_OK_SELECT)
			elog(ERROR, "invoice_line_guard: the invoice's query failed");
		if (SPI_processed == 1)
		{
			HeapTuple	row = SPI_tuptable->vals[0];
			TupleDesc	desc = SPI_tuptable->tupdesc;
			bool		isnull;
			char	   *status = SPI_getvalue(row, desc, 1);
			Datum		number = SPI_getbinval(row, desc, 2, &isnull);

			k->found = true;
			strlcpy(k->status, status ? status : "", sizeof(k->status));
			k->draft = status != NULL && strcmp(status, "draft") == 0;
			k->number_null = isnull;
			k->number = isnull ? 0 : DatumGetInt64(number);
		}
		SPI_finish();
	}
	PG_CATCH();
	{
		/* the entry was not filled in: forget it */
		hash_search(kept, &key, HASH_REMOVE, NULL);
		PG_RE_THROW();
	}
	PG_END_TRY();
	rb_local_reads_end(nest);
	kept_cid = GetCurrentCommandId(false);
	return k;
}

PG_FUNCTION_INFO_V1(rb_invoice_line_guard);
Datum
rb_invoice_line_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	HeapTuple	row;
	TupleDesc	desc;
	bool		deleting;
	bool		isnull;
	int64		reseller_id,
				invoice_id;
	InvoiceKept *k;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BEFORE(td->tg_event))
		elog(ERROR, "invoice_line_guard: not called as a BEFORE row trigger");
	deleting = TRIGGER_FIRED_BY_DELETE(td->tg_event);
	row = TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? td->tg_newtuple : td->tg_trigtuple;
	if (rb_restoring())
		return PointerGetDatum(row);
	desc = RelationGetDescr(td->tg_relation);
	reseller_id = DatumGetInt64(rb_column(desc, row, "reseller_id", &isnull, "invoice_line_guard"));
	if (isnull)
		return PointerGetDatum(row);	/* NOT NULL refuses it */
	invoice_id = DatumGetInt64(rb_column(desc, row, "invoice_id", &isnull, "invoice_line_guard"));
	if (isnull)
		return PointerGetDatum(row);
	k = invoice_status(reseller_id, invoice_id);
	if (k->draft || (deleting && !k->found))
		return PointerGetDatum(row);
	{
		const char *op = deleting ? "DELETE" : TRIGGER_FIRED_BY_UPDATE(td->tg_event) ? "UPDATE" : "INSERT";
		char	   *tab = rb_logical_name(RelationGetRelid(td->tg_relation));
		char	   *num = k->found && !k->number_null ? psprintf(INT64_FORMAT, k->number)
			: psprintf("(id " INT64_FORMAT ")", invoice_id);

		/* named by its number, as the invoice's own messages do; a missing
		 * invoice's status prints as PL/pgSQL's RAISE prints NULL */
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("invoice %s of reseller " INT64_FORMAT " is %s and its %s rows cannot be changed",
						num, reseller_id, k->found ? k->status : "<NULL>", tab),
				 errdetail("%s of its %s rows was attempted.", op, tab),
				 errhint("Correct an issued invoice with a credit note.")));
	}
	PG_RETURN_NULL();			/* not reached */
}
