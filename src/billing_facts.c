/*
 * billing_facts.c — the facts the month-end close bills from, kept as a
 * subscription changes (doc/invoicing.md): AFTER INSERT and AFTER UPDATE on
 * subscription, and AFTER INSERT on commitment_tranche.
 *
 *   - an Annual term (created, converted, renewed) starts a commitment
 *     tranche of all its committed seats; seats added during the term start
 *     a tranche from the day they are added to the term's end;
 *   - an Annual subscription cancelled inside its term (terminate_early):
 *     its tranches are billed through the month of termination;
 *   - Flex: a stretch (flex_term) starts when the plan becomes Flex, or its
 *     price changes, and ends when either changes again or it is cancelled;
 *     a new Flex subscription is billed from the start of its term_start day
 *     in the program's time zone;
 *   - a change dated back into a month already billed marks that month and
 *     the later billed ones as changed (mark_late_change), so the next close
 *     bills the difference; a new tranche marks them too.
 * The tranche is written by tranche_add(), which add_tranche() (the
 * migration's) calls as well.  A restore brings the facts with the rows.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/date.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "amount.h"
#include "child_write.h"
#include "clock.h"
#include "session.h"
#include "late_change.h"
#include "spi_rules.h"
#include "tranche.h"
#include "subscription_row.h"

static SPIPlanPtr plan_tranche_end = NULL;
static SPIPlanPtr plan_flex_end = NULL;

/*
 * A new subscription's facts (its tranche, its Flex stretch) are kept by
 * the row trigger, checked already, and written by the statement trigger
 * subscription_billing_facts_flush(), one INSERT per kind for the whole
 * statement (issue 13: a statement creating a thousand subscriptions ran a
 * thousand INSERTs of each).  Tagged with the relation and the
 * subtransaction, as the audit rows are.
 */
typedef struct FactsPending
{
	RbPending	head;
	bool		tranche;		/* a tranche, else a Flex stretch */
	TrancheArgs t;
	/* a Flex stretch */
	Datum		reseller;
	Datum		subscription;
	Datum		price;
	bool		price_null;
	Oid			price_type;
	TimestampTz starts_at;
	/* the subscription row written, in the trigger's relation */
	Oid			parent;
	ItemPointerData tid;
} FactsPending;

static List *facts_pending = NIL;
static MemoryContext facts_cxt = NULL;
static bool facts_callbacks = false;
static RbTypedPlan plan_flex_many;

static void
facts_xact_callback(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
	{
		facts_pending = NIL;
		facts_cxt = NULL;
	}
}

static void
facts_subxact_callback(SubXactEvent event, SubTransactionId mine, SubTransactionId parent, void *arg)
{
	rb_pending_subxact(&facts_pending, event, mine, parent);
}

static FactsPending *
facts_keep(TriggerData *td)
{
	FactsPending *p;

	if (!facts_callbacks)
	{
		RegisterXactCallback(facts_xact_callback, NULL);
		RegisterSubXactCallback(facts_subxact_callback, NULL);
		facts_callbacks = true;
	}
	if (facts_cxt == NULL)
		facts_cxt = AllocSetContextCreate(TopTransactionContext, "reseller_billing billing facts",
										  ALLOCSET_DEFAULT_SIZES);
	p = MemoryContextAllocZero(facts_cxt, sizeof(FactsPending));
	p->head.relid = RelationGetRelid(td->tg_relation);
	p->head.subxid = GetCurrentSubTransactionId();
	{
		MemoryContext old = MemoryContextSwitchTo(facts_cxt);

		facts_pending = lappend(facts_pending, p);
		MemoryContextSwitchTo(old);
	}
	return p;
}

/* an amount kept past the row's memory */
static Datum
kept_amount(Datum a)
{
	Amount	   *copy = MemoryContextAlloc(facts_cxt, sizeof(Amount));

	memcpy(copy, DatumGetPointer(a), sizeof(Amount));
	return PointerGetDatum(copy);
}

/* Flex stretches: one INSERT (price NULL is refused by the column) */
static void
flex_write(FactsPending **rows, int n)
{
	Datum	   *r = palloc(sizeof(Datum) * n),
			   *s = palloc(sizeof(Datum) * n),
			   *pr = palloc(sizeof(Datum) * n),
			   *at = palloc(sizeof(Datum) * n);
	bool	   *prnull = palloc(sizeof(bool) * n);
	int			dims[1] = {n},
				lbs[1] = {1};
	Oid			price_type = rows[0]->price_type;
	int16		len;
	bool		byval;
	char		align;
	Oid			types[4];
	Datum		args[4];

	for (int i = 0; i < n; i++)
	{
		r[i] = rows[i]->reseller;
		s[i] = rows[i]->subscription;
		pr[i] = rows[i]->price;
		prnull[i] = rows[i]->price_null;
		at[i] = TimestampTzGetDatum(rows[i]->starts_at);
	}
	/* straight into the table when that is the INSERT's equal (child_write.c) */
	{
		static const char *const names[4] = {"reseller_id", "subscription_id", "price", "starts_at"};
		Oid			coltypes[4] = {INT8OID, INT8OID, price_type, TIMESTAMPTZOID};
		Datum	   *cols[4] = {r, s, pr, at};
		bool	   *nulls[4] = {NULL, NULL, prnull, NULL};
		RbChildRows cr;
		bool		known;
		bool		one_type = true;
		ItemPointerData *tids = palloc(sizeof(ItemPointerData) * n);

		for (int i = 0; i < n; i++)
		{
			one_type &= rows[i]->price_type == price_type;
			tids[i] = rows[i]->tid;
			if (rows[i]->parent != rows[0]->parent)
				ItemPointerSetInvalid(&tids[i]);
		}
		memset(&cr, 0, sizeof(cr));
		cr.table = "flex_term";
		cr.ncols = 4;
		cr.names = names;
		cr.types = coltypes;
		cr.values = cols;
		cr.nulls = nulls;
		cr.nrows = n;
		cr.parent_relid = rows[0]->parent;
		cr.parent_tids = tids;
		if (one_type && rb_child_write(&cr, &known))
			return;
	}
	get_typlenbyvalalign(price_type, &len, &byval, &align);
	types[0] = INT8ARRAYOID;
	types[1] = INT8ARRAYOID;
	types[2] = get_array_type(price_type);
	types[3] = get_array_type(TIMESTAMPTZOID);
	args[0] = PointerGetDatum(construct_array(r, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[1] = PointerGetDatum(construct_array(s, n, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	args[2] = PointerGetDatum(construct_md_array(pr, prnull, 1, dims, lbs, price_type, len, byval, align));
	args[3] = PointerGetDatum(construct_array(at, n, TIMESTAMPTZOID, sizeof(TimestampTz), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
	SPI_execute_plan(rb_prepare_typed(&plan_flex_many,
									  "INSERT INTO reseller_billing.flex_term (reseller_id, subscription_id, price, starts_at) "
									  "SELECT u.r, u.s, u.p, u.a FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), "
									  "pg_catalog.unnest($3), pg_catalog.unnest($4)) WITH ORDINALITY AS u(r, s, p, a, i) "
									  "ORDER BY u.i",
									  4, types),
					 args, NULL, false, 0);
}

/* when a Flex stretch starts: a new subscription from the start of its
 * term_start day in the program's time zone, if earlier than the change */
static TimestampTz
flex_start(SubRow *n, bool insert, TimestampTz eff, const char *tz)
{
	TimestampTz day;

	if (!insert || sub_null(n, SC_TERM_START) || tz == NULL)
		return eff;
	day = DatumGetTimestampTz(DirectFunctionCall2(timestamp_zone, CStringGetTextDatum(tz),
												  DirectFunctionCall1(date_timestamp, sub_get(n, SC_TERM_START))));
	return day < eff ? day : eff;
}

static bool
is_annual(SubRow *r)
{
	return sub_plan(r) >= 0 && PLAN_IS_ANNUAL(sub_plan(r));
}

/* plan is flexible and status is not cancelled (NULL: no) */
static bool
on_flex(SubRow *r)
{
	return sub_plan(r) == PLAN_FLEXIBLE && !sub_null(r, SC_STATUS) && !sub_text_is(r, SC_STATUS, "cancelled");
}


static void
tranche_args(SubRow *n, TrancheArgs *a, Datum seats, bool seats_null, DateADT starts_on,
			 TriggerData *td, HeapTuple row)
{
	SubCol		cols[8] = {SC_RESELLER, SC_SUBSCRIPTION, SC_PLAN, SC_NCOLS, SC_PRICE, SC_TERM_START, SC_TERM_END,
						   SC_NCOLS};

	a->reseller = sub_get(n, SC_RESELLER);
	a->subscription = sub_get(n, SC_SUBSCRIPTION);
	a->plan = sub_get(n, SC_PLAN);
	a->seats = seats;
	a->price = sub_get(n, SC_PRICE);
	a->term_start = sub_get(n, SC_TERM_START);
	a->term_end = sub_get(n, SC_TERM_END);
	a->starts_on = DateADTGetDatum(starts_on);
	for (int i = 0; i < 8; i++)
		a->null[i] = cols[i] != SC_NCOLS && sub_null(n, cols[i]);
	a->null[3] = seats_null;
	a->plan_type = sub_type(n, SC_PLAN);
	a->price_type = sub_type(n, SC_PRICE);
	a->parent = RelationGetRelid(td->tg_relation);
	a->tid = row->t_self;
}

static void
add_tranche(SubRow *n, Datum seats, bool seats_null, DateADT starts_on, TriggerData *td, HeapTuple row)
{
	TrancheArgs a;

	tranche_args(n, &a, seats, seats_null, starts_on, td, row);
	rb_tranche_insert(&a, false);
}

PG_FUNCTION_INFO_V1(rb_subscription_billing_facts);
Datum
rb_subscription_billing_facts(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	bool		insert;
	TimestampTz eff;
	SubRow		o,
				n;
	bool		was_flex = false,
				is_flex,
				stale = false;
	DateADT		today = 0;
	bool		today_null;
	bool		have_program;
	int64		program = -1;
	char	   *tz = NULL;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("subscription_billing_facts() must be an AFTER INSERT OR UPDATE row trigger")));
	insert = TRIGGER_FIRED_BY_INSERT(td->tg_event);
	eff = rb_effective_at();
	if (rb_restoring())
		return PointerGetDatum(NULL);

	SPI_connect();
	sub_row_read(&n, td, insert ? td->tg_trigtuple : td->tg_newtuple);
	if (!insert)
	{
		sub_row_read(&o, td, td->tg_trigtuple);
		was_flex = on_flex(&o);
	}
	is_flex = on_flex(&n);
	{
		/* the program's date of the change (program_date) */
		have_program = rb_reseller_program(DatumGetInt64(sub_get(&n, SC_RESELLER)), &program, &tz);
		today_null = !have_program || tz == NULL;
		if (!today_null)
			today = rb_date_in_zone(eff, tz);
	}

	/* Annual: a new term starts a tranche of all committed seats; added
	 * seats start one running to the term end */
	if (is_annual(&n) && !sub_null(&n, SC_STATUS) && !sub_text_is(&n, SC_STATUS, "cancelled"))
	{
		if (insert)
		{
			/* checked now, written with the statement's others */
			FactsPending *p;
			TrancheArgs a;

			tranche_args(&n, &a, sub_get(&n, SC_COMMITTED), sub_null(&n, SC_COMMITTED),
						 DatumGetDateADT(sub_get(&n, SC_TERM_START)), td, td->tg_trigtuple);
			rb_tranche_check(&a, false);
			p = facts_keep(td);
			p->tranche = true;
			p->t = a;
			p->t.price = kept_amount(a.price);
		}
		else if (!is_annual(&o) || !sub_same(&o, &n, SC_TERM_START))
			add_tranche(&n, sub_get(&n, SC_COMMITTED), sub_null(&n, SC_COMMITTED),
						DatumGetDateADT(sub_get(&n, SC_TERM_START)), td, td->tg_newtuple);
		else if (!sub_null(&n, SC_COMMITTED) && !sub_null(&o, SC_COMMITTED) &&
				 DatumGetInt32(sub_get(&n, SC_COMMITTED)) > DatumGetInt32(sub_get(&o, SC_COMMITTED)))
		{
			/* LEAST(GREATEST(today, term_start), term_end - 1), NULLs ignored */
			DateADT		from = today;
			bool		from_null = today_null;

			if (!sub_null(&n, SC_TERM_START) &&
				(from_null || DatumGetDateADT(sub_get(&n, SC_TERM_START)) > from))
				from = DatumGetDateADT(sub_get(&n, SC_TERM_START)), from_null = false;
			if (!sub_null(&n, SC_TERM_END) &&
				(from_null || DatumGetDateADT(sub_get(&n, SC_TERM_END)) - 1 < from))
				from = DatumGetDateADT(sub_get(&n, SC_TERM_END)) - 1, from_null = false;
			add_tranche(&n, Int32GetDatum(DatumGetInt32(sub_get(&n, SC_COMMITTED)) -
										  DatumGetInt32(sub_get(&o, SC_COMMITTED))), false, from, td, td->tg_newtuple);
		}
	}

	/* cancelled inside a term (terminate_early): the tranches are billed
	 * monthly through the month of termination, the rest is the
	 * early-termination charge */
	if (!insert && sub_text_is(&n, SC_STATUS, "cancelled") && !sub_null(&o, SC_STATUS) &&
		!sub_text_is(&o, SC_STATUS, "cancelled") && is_annual(&o))
	{
		Oid			types[3] = {INT8OID, INT8OID, DATEOID};
		Datum		args[3] = {sub_get(&n, SC_RESELLER), sub_get(&n, SC_SUBSCRIPTION), DateADTGetDatum(today)};
		char		nulls[3] = {' ', ' ', today_null ? 'n' : ' '};

		SPI_execute_plan(rb_prepare_once(&plan_tranche_end,
										 "UPDATE reseller_billing.commitment_tranche t "
										 "SET last_month = reseller_billing.billing_period(GREATEST($3, t.starts_on)) "
										 "WHERE t.reseller_id = $1 AND t.subscription_id = $2 "
										 "AND t.ends_on > $3 AND t.last_month IS NULL",
										 3, types),
						 args, nulls, false, 0);
		stale = true;
	}

	/* Flex: a stretch starts when the plan becomes Flex (or its price
	 * changes) and ends when it stops being Flex or is cancelled */
	if (was_flex && (!is_flex || !sub_same(&o, &n, SC_PRICE)))
	{
		Oid			types[3] = {INT8OID, INT8OID, TIMESTAMPTZOID};
		Datum		args[3] = {sub_get(&n, SC_RESELLER), sub_get(&n, SC_SUBSCRIPTION), TimestampTzGetDatum(eff)};

		SPI_execute_plan(rb_prepare_once(&plan_flex_end,
										 "UPDATE reseller_billing.flex_term f SET ends_at = $3 "
										 "WHERE f.reseller_id = $1 AND f.subscription_id = $2 AND f.ends_at IS NULL",
										 3, types),
						 args, NULL, false, 0);
		stale = true;
	}
	if (is_flex && (!was_flex || !sub_same(&o, &n, SC_PRICE)))
	{
		FactsPending one;
		FactsPending *p;

		memset(&one, 0, sizeof(one));
		p = insert ? facts_keep(td) : &one;

		p->tranche = false;
		p->reseller = sub_get(&n, SC_RESELLER);
		p->subscription = sub_get(&n, SC_SUBSCRIPTION);
		p->price_null = sub_null(&n, SC_PRICE);
		p->price = p->price_null ? (Datum) 0 : (insert ? kept_amount(sub_get(&n, SC_PRICE)) : sub_get(&n, SC_PRICE));
		p->price_type = sub_type(&n, SC_PRICE);
		p->starts_at = flex_start(&n, insert, eff, tz);
		p->parent = RelationGetRelid(td->tg_relation);
		p->tid = (insert ? td->tg_trigtuple : td->tg_newtuple)->t_self;
		/* a new subscription's with the statement's others */
		if (!insert)
			flex_write(&p, 1);
		stale = true;
	}

	/* a change dated back into a month already billed makes its bill stale
	 * from that month on (new tranches are marked by their own trigger) */
	if (stale && !today_null)
		rb_mark_late(DatumGetInt64(sub_get(&n, SC_RESELLER)), DatumGetInt64(sub_get(&n, SC_SUBSCRIPTION)), today,
					 have_program ? program : -1);
	SPI_finish();
	return PointerGetDatum(NULL);
}

/*
 * subscription_billing_facts_flush(): AFTER INSERT of subscriptions, FOR
 * EACH STATEMENT: the new subscriptions' tranches and Flex stretches, one
 * INSERT each, in the order of the rows.
 */
PG_FUNCTION_INFO_V1(rb_subscription_billing_facts_flush);
Datum
rb_subscription_billing_facts_flush(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	List	   *mine;
	ListCell   *lc;
	TrancheArgs *tranches;
	FactsPending **flex;
	int			nt = 0,
				nf = 0;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_STATEMENT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("subscription_billing_facts_flush() must be an AFTER statement trigger")));
	mine = rb_pending_take(&facts_pending, RelationGetRelid(td->tg_relation));
	if (mine == NIL)
		return PointerGetDatum(NULL);
	tranches = palloc(sizeof(TrancheArgs) * list_length(mine));
	flex = palloc(sizeof(FactsPending *) * list_length(mine));
	foreach(lc, mine)
	{
		FactsPending *p = lfirst(lc);

		if (p->tranche)
			tranches[nt++] = p->t;
		else
			flex[nf++] = p;
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "subscription_billing_facts_flush: SPI_connect failed");
	if (nt > 0)
		rb_tranche_write(tranches, nt, true);
	if (nf > 0)
		flex_write(flex, nf);
	SPI_finish();
	list_free(mine);
	if (facts_pending == NIL && facts_cxt != NULL)
		MemoryContextReset(facts_cxt);
	return PointerGetDatum(NULL);
}

/* commitment_tranche, AFTER INSERT: the months billed from its start on */
PG_FUNCTION_INFO_V1(rb_tranche_late_change);
Datum
rb_tranche_late_change(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	bool		r_null,
				s_null,
				d_null;
	Datum		reseller,
				subscription,
				starts_on;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("tranche_late_change() must be an AFTER INSERT row trigger")));
	if (rb_restoring())
		return PointerGetDatum(NULL);
	desc = RelationGetDescr(td->tg_relation);
	reseller = rb_column(desc, td->tg_trigtuple, "reseller_id", &r_null, "tranche_late_change");
	subscription = rb_column(desc, td->tg_trigtuple, "subscription_id", &s_null, "tranche_late_change");
	starts_on = rb_column(desc, td->tg_trigtuple, "starts_on", &d_null, "tranche_late_change");
	SPI_connect();
	if (!d_null)
		rb_mark_late(DatumGetInt64(reseller), DatumGetInt64(subscription), DatumGetDateADT(starts_on), -1);
	SPI_finish();
	return PointerGetDatum(NULL);
}
