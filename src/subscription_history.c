/*
 * subscription_history.c — the history of a subscription
 * (subscription_change; doc/subscriptions.md): one row when it is created
 * and one row per changed field (plan, committed seats, seat cap, renewal
 * setting, status, term, partner price), with the moment the change takes
 * effect and the reason given (reseller_billing.reason).
 *
 * subscription_history(), AFTER INSERT and AFTER UPDATE of each row, keeps
 * the rows; subscription_history_flush(), AFTER the statement, writes the
 * statement's rows with one INSERT ... SELECT FROM unnest(...) (so a
 * statement creating a thousand subscriptions writes, and audits, its
 * history once).  Rows are tagged with the relation and the subtransaction,
 * as the audit log's are (audit.c): an aborted subtransaction's are
 * forgotten.  The values are written as their types print them, as the
 * SQL version's casts to text did.  A restore brings the history with the
 * rows.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "amount.h"
#include "child_write.h"
#include "clock.h"
#include "session.h"
#include "spi_rules.h"
#include "subscription_row.h"

typedef struct HistoryRow
{
	RbPending	head;			/* relation and subtransaction (spi_rules.h) */
	int64		reseller;
	int64		subscription;
	const char *field;
	char	   *old_value;		/* NULL: SQL NULL */
	char	   *new_value;
	TimestampTz effective;
	char	   *reason;
	ItemPointerData tid;		/* the subscription row written */
} HistoryRow;

static List *history_pending = NIL;
static MemoryContext history_cxt = NULL;
static bool history_callbacks = false;
static SPIPlanPtr plan_flush = NULL;

static void
history_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
	{
		history_pending = NIL;
		history_cxt = NULL;		/* freed with TopTransactionContext */
	}
}

static void
history_subxact_callback(SubXactEvent event, SubTransactionId mySubid,
						 SubTransactionId parentSubid, void *arg)
{
	rb_pending_subxact(&history_pending, event, mySubid, parentSubid);
}

static char *
kept(const char *s)
{
	return s == NULL ? NULL : MemoryContextStrdup(history_cxt, s);
}

static void
keep_row(TriggerData *td, HeapTuple row, SubRow *n, const char *field, const char *old_value, const char *new_value,
		 TimestampTz eff, const char *why)
{
	HistoryRow *h = MemoryContextAllocZero(history_cxt, sizeof(HistoryRow));
	MemoryContext old;

	h->head.relid = RelationGetRelid(td->tg_relation);
	h->head.subxid = GetCurrentSubTransactionId();
	h->reseller = DatumGetInt64(sub_get(n, SC_RESELLER));
	h->subscription = DatumGetInt64(sub_get(n, SC_SUBSCRIPTION));
	h->field = field;
	h->old_value = kept(old_value);
	h->new_value = kept(new_value);
	h->effective = eff;
	h->reason = kept(why);
	h->tid = row->t_self;
	old = MemoryContextSwitchTo(history_cxt);
	history_pending = lappend(history_pending, h);
	MemoryContextSwitchTo(old);
}

/* a column as `column::text` gives it (NULL for NULL) */
static char *
as_text(SubRow *r, SubCol c)
{
	return sub_null(r, c) ? NULL : rb_datum_text(sub_get(r, c), sub_type(r, c));
}

/* daterange(term_start, term_end)::text */
static char *
term_text(SubRow *r)
{
	return sub_range_text(sub_null(r, SC_TERM_START) ? 0 : DatumGetDateADT(sub_get(r, SC_TERM_START)),
						  sub_null(r, SC_TERM_START),
						  sub_null(r, SC_TERM_END) ? 0 : DatumGetDateADT(sub_get(r, SC_TERM_END)),
						  sub_null(r, SC_TERM_END));
}

static bool
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

PG_FUNCTION_INFO_V1(rb_subscription_history);
Datum
rb_subscription_history(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TimestampTz eff;
	const char *reason;
	SubRow		n;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("subscription_history() must be an AFTER INSERT OR UPDATE row trigger")));
	eff = rb_effective_at();
	reason = GetConfigOption("reseller_billing.reason", true, false);
	if (reason != NULL && reason[0] == '\0')
		reason = NULL;
	if (rb_restoring())
		return PointerGetDatum(NULL);	/* the history is restored with the rows */

	if (!history_callbacks)
	{
		RegisterXactCallback(history_xact_callback, NULL);
		RegisterSubXactCallback(history_subxact_callback, NULL);
		history_callbacks = true;
	}
	if (history_cxt == NULL)
		history_cxt = AllocSetContextCreate(TopTransactionContext, "reseller_billing history rows",
											ALLOCSET_SMALL_SIZES);

	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		int			plan;
		const char *terms;

		sub_row_read(&n, td, td->tg_trigtuple);
		plan = sub_plan(&n);
		if (plan >= 0 && PLAN_IS_ANNUAL(plan))
			terms = sub_null(&n, SC_COMMITTED) ? "" : psprintf("%s seats", as_text(&n, SC_COMMITTED));
		else
			terms = sub_null(&n, SC_CAP) ? "" : psprintf("cap %s", as_text(&n, SC_CAP));
		keep_row(td, td->tg_trigtuple, &n, "created", NULL, psprintf("%s, %s", sub_format_text(&n, SC_PLAN), terms), eff, reason);
	}
	else
	{
		SubRow		o;
		static const struct
		{
			const char *field;
			SubCol		col;
		}			fields[] = {
			{"plan", SC_PLAN}, {"committed_seats", SC_COMMITTED}, {"seat_cap", SC_CAP},
			{"renewal_setting", SC_RENEWAL}, {"status", SC_STATUS}, {"term", SC_NCOLS},
			{"partner_price", SC_PRICE}
		};

		sub_row_read(&o, td, td->tg_trigtuple);
		sub_row_read(&n, td, td->tg_newtuple);
		for (int i = 0; i < (int) lengthof(fields); i++)
		{
			char	   *ov = fields[i].col == SC_NCOLS ? term_text(&o) : as_text(&o, fields[i].col);
			char	   *nv = fields[i].col == SC_NCOLS ? term_text(&n) : as_text(&n, fields[i].col);

			if (!same_text(ov, nv))
				keep_row(td, td->tg_newtuple, &n, fields[i].field, ov, nv, eff, reason);
		}
	}
	return PointerGetDatum(NULL);
}

static Datum
text_array(char **v, int n)
{
	Datum	   *d = palloc(sizeof(Datum) * n);
	bool	   *nulls = palloc(sizeof(bool) * n);
	int			dims[1] = {n},
				lbs[1] = {1};

	for (int i = 0; i < n; i++)
	{
		nulls[i] = v[i] == NULL;
		d[i] = nulls[i] ? (Datum) 0 : CStringGetTextDatum(v[i]);
	}
	return PointerGetDatum(construct_md_array(d, nulls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
}

/* AFTER INSERT OR UPDATE, once per statement: the statement's history rows */
PG_FUNCTION_INFO_V1(rb_subscription_history_flush);
Datum
rb_subscription_history_flush(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	Oid			relid;
	List	   *mine = NIL;
	ListCell   *lc;
	int			n,
				i;
	Datum	   *resellers,
			   *subscriptions,
			   *moments;
	char	  **fieldv,
			  **oldv,
			  **newv,
			  **whyv;
	Oid			types[7] = {INT8ARRAYOID, INT8ARRAYOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
							TIMESTAMPTZARRAYOID, TEXTARRAYOID};
	Datum		values[7];

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("subscription_history_flush() must be an AFTER statement trigger")));
	relid = RelationGetRelid(td->tg_relation);
	mine = rb_pending_take(&history_pending, relid);
	n = list_length(mine);
	if (n == 0)
		return PointerGetDatum(NULL);

	resellers = palloc(sizeof(Datum) * n);
	subscriptions = palloc(sizeof(Datum) * n);
	moments = palloc(sizeof(Datum) * n);
	fieldv = palloc(sizeof(char *) * n);
	oldv = palloc(sizeof(char *) * n);
	newv = palloc(sizeof(char *) * n);
	whyv = palloc(sizeof(char *) * n);
	i = 0;
	foreach(lc, mine)
	{
		HistoryRow *h = lfirst(lc);

		resellers[i] = Int64GetDatum(h->reseller);
		subscriptions[i] = Int64GetDatum(h->subscription);
		moments[i] = TimestampTzGetDatum(h->effective);
		fieldv[i] = (char *) h->field;
		oldv[i] = h->old_value;
		newv[i] = h->new_value;
		whyv[i] = h->reason;
		i++;
	}
	/* straight into the table when that is the INSERT's equal (child_write.c) */
	{
		static const char *const names[7] = {"reseller_id", "subscription_id", "field", "old_value",
		"new_value", "effective_at", "reason"};
		static const Oid coltypes[7] = {INT8OID, INT8OID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TEXTOID};
		Datum	   *cols[7];
		bool	   *nulls[7] = {NULL, NULL, NULL, NULL, NULL, NULL, NULL};
		char	  **texts[7] = {NULL, NULL, fieldv, oldv, newv, NULL, whyv};
		RbChildRows rows;
		bool		known;
		ItemPointerData *tids = palloc(sizeof(ItemPointerData) * n);

		i = 0;
		foreach(lc, mine)
			tids[i++] = ((HistoryRow *) lfirst(lc))->tid;
		cols[0] = resellers;
		cols[1] = subscriptions;
		cols[5] = moments;
		for (int c = 2; c < 7; c++)
		{
			if (texts[c] == NULL)
				continue;
			cols[c] = palloc(sizeof(Datum) * n);
			nulls[c] = palloc(sizeof(bool) * n);
			for (int r = 0; r < n; r++)
			{
				nulls[c][r] = texts[c][r] == NULL;
				cols[c][r] = nulls[c][r] ? (Datum) 0 : CStringGetTextDatum(texts[c][r]);
			}
		}
		memset(&rows, 0, sizeof(rows));
		rows.table = "subscription_change";
		rows.ncols = 7;
		rows.names = names;
		rows.types = coltypes;
		rows.values = cols;
		rows.nulls = nulls;
		rows.nrows = n;
		rows.parent_relid = relid;
		rows.parent_tids = tids;
		if (rb_child_write(&rows, &known))
		{
			list_free(mine);
			return PointerGetDatum(NULL);
		}
	}

	values[0] = PointerGetDatum(construct_array(resellers, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[1] = PointerGetDatum(construct_array(subscriptions, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[2] = text_array(fieldv, n);
	values[3] = text_array(oldv, n);
	values[4] = text_array(newv, n);
	values[5] = PointerGetDatum(construct_array(moments, n, TIMESTAMPTZOID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	values[6] = text_array(whyv, n);

	SPI_connect();
	SPI_execute_plan(rb_prepare_once(&plan_flush,
									 "INSERT INTO reseller_billing.subscription_change "
									 "(reseller_id, subscription_id, field, old_value, new_value, effective_at, reason) "
									 "SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), "
									 "pg_catalog.unnest($3), pg_catalog.unnest($4), pg_catalog.unnest($5), "
									 "pg_catalog.unnest($6), pg_catalog.unnest($7))",
									 7, types),
					 values, NULL, false, 0);
	SPI_finish();
	list_free(mine);
	return PointerGetDatum(NULL);
}
