/*
 * subscription_row.c — a subscription row for the C rules (subscription_terms.c,
 * commitment.c, subscription_history.c): the columns by name, their text as
 * the rules' messages print it, the price list's partner price.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "access/xact.h"
#include "executor/spi.h"
#include "storage/proc.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/datetime.h"
#include "catalog/namespace.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "amount.h"
#include "spi_rules.h"
#include "subscription_row.h"

static const char *const sub_col_names[SC_NCOLS] = {
	"reseller_id", "subscription_id", "customer_id", "sku_id", "plan",
	"committed_seats", "seat_cap", "term_start", "term_end", "renewal_setting",
	"status", "trial_end", "partner_price", "active_seats", "cancelled_at",
	"created_at"
};

static RbTypedPlan plan_price;

/* the attribute number each column had in the last row read */
static int	attno_kept[SC_NCOLS];

void
sub_row_read(SubRow *row, TriggerData *td, HeapTuple tuple)
{
	TupleDesc	desc = RelationGetDescr(td->tg_relation);

	row->desc = desc;
	for (int i = 0; i < SC_NCOLS; i++)
	{
		/* where the column was the last time, if it is still there (the
		 * name is checked: a shard or a changed table finds it again) */
		int			kept = attno_kept[i];

		if (kept > 0 && kept <= desc->natts && !TupleDescAttr(desc, kept - 1)->attisdropped &&
			strcmp(NameStr(TupleDescAttr(desc, kept - 1)->attname), sub_col_names[i]) == 0)
		{
			row->attno[i] = kept;
			continue;
		}
		row->attno[i] = SPI_fnumber(desc, sub_col_names[i]);
		if (row->attno[i] <= 0)
			elog(ERROR, "%s: the table has no column \"%s\"", RelationGetRelationName(td->tg_relation),
				 sub_col_names[i]);
		attno_kept[i] = row->attno[i];
	}
	row->values = palloc(desc->natts * sizeof(Datum));
	row->nulls = palloc(desc->natts * sizeof(bool));
	heap_deform_tuple(tuple, desc, row->values, row->nulls);
}

HeapTuple
sub_row_form(SubRow *row)
{
	/* into the trigger's memory: SPI_finish frees what was made while connected */
	return SPI_copytuple(heap_form_tuple(row->desc, row->values, row->nulls));
}

int
sub_plan(SubRow *r)
{
	return sub_null(r, SC_PLAN) ? -1 : (unsigned char) DatumGetChar(sub_get(r, SC_PLAN));
}

bool
sub_text_is(SubRow *r, SubCol c, const char *s)
{
	if (sub_null(r, c))
		return false;
	return strcmp(TextDatumGetCString(sub_get(r, c)), s) == 0;
}

char *
sub_raise_text(SubRow *r, SubCol c)
{
	return sub_null(r, c) ? pstrdup("<NULL>") : rb_datum_text(sub_get(r, c), sub_type(r, c));
}

char *
sub_format_text(SubRow *r, SubCol c)
{
	return sub_null(r, c) ? pstrdup("") : rb_datum_text(sub_get(r, c), sub_type(r, c));
}

char *
sub_label(SubRow *r)
{
	return psprintf("subscription %s of reseller %s", sub_format_text(r, SC_SUBSCRIPTION),
					sub_format_text(r, SC_RESELLER));
}

bool
sub_same(SubRow *a, SubRow *b, SubCol c)
{
	Form_pg_attribute att = TupleDescAttr(a->desc, a->attno[c] - 1);

	if (sub_null(a, c) || sub_null(b, c))
		return sub_null(a, c) && sub_null(b, c);
	return datumIsEqual(sub_get(a, c), sub_get(b, c), att->attbyval, att->attlen);
}

/* the last prices asked for (a few: a statement mixing plans or SKUs asks
 * for each in turn), kept for the command, as the lookups of
 * subscription_terms.c are */
#define PRICE_CACHE 8
typedef struct PriceKept
{
	bool		valid;
	LocalTransactionId lxid;
	CommandId	cid;
	int64		sku;
	int64		reseller;
	char		plan;
	DateADT		on;
	Amount		price;
} PriceKept;

static PriceKept prices_kept[PRICE_CACHE];
static int	prices_next = 0;

Datum
sub_partner_price(SubRow *r, Datum plan, bool plan_null, Datum on, bool on_null, bool *isnull)
{
	bool		keyed = !plan_null && !on_null && !sub_null(r, SC_SKU) && !sub_null(r, SC_RESELLER);
	Oid			types[4] = {INT8OID, sub_type(r, SC_PLAN), INT8OID, DATEOID};
	Datum		args[4] = {sub_get(r, SC_SKU), plan, sub_get(r, SC_RESELLER), on};
	char		nulls[4] = {sub_null(r, SC_SKU) ? 'n' : ' ', plan_null ? 'n' : ' ',
							sub_null(r, SC_RESELLER) ? 'n' : ' ', on_null ? 'n' : ' '};
	Amount	   *copy;
	Datum		price;

	if (keyed)
	{
		for (int i = 0; i < PRICE_CACHE; i++)
		{
			PriceKept  *k = &prices_kept[i];

			if (k->valid && k->lxid == MyProc->lxid && k->cid == GetCurrentCommandId(false) &&
				k->sku == DatumGetInt64(args[0]) && k->reseller == DatumGetInt64(args[2]) &&
				k->plan == DatumGetChar(plan) && k->on == DatumGetDateADT(on))
			{
				copy = palloc(sizeof(Amount));
				*copy = k->price;
				*isnull = false;
				return PointerGetDatum(copy);
			}
		}
	}
	SPI_execute_plan(rb_prepare_typed(&plan_price,
									  "SELECT reseller_billing.partner_price($1, $2, $3, $4)",
									  4, types),
					 args, nulls, true, 1);
	price = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, isnull);
	if (*isnull)
		return (Datum) 0;
	copy = palloc(sizeof(Amount));
	memcpy(copy, DatumGetPointer(price), sizeof(Amount));
	if (keyed)
	{
		PriceKept  *k = &prices_kept[prices_next];

		prices_next = (prices_next + 1) % PRICE_CACHE;
		k->lxid = MyProc->lxid;
		k->cid = GetCurrentCommandId(false);
		k->sku = DatumGetInt64(args[0]);
		k->reseller = DatumGetInt64(args[2]);
		k->plan = DatumGetChar(plan);
		k->on = DatumGetDateADT(on);
		k->price = *copy;
		k->valid = true;
	}
	return PointerGetDatum(copy);
}

DateADT
sub_plus_year(DateADT d)
{
	Interval   *year = palloc0(sizeof(Interval));
	Timestamp	t;

	year->month = 12;
	t = DatumGetTimestamp(DirectFunctionCall2(date_pl_interval, DateADTGetDatum(d), IntervalPGetDatum(year)));
	return DatumGetDateADT(DirectFunctionCall1(timestamp_date, TimestampGetDatum(t)));
}

/* the type reseller_billing.subscription */
static Oid
subscription_type(void)
{
	Oid			rel = get_relname_relid("subscription", get_namespace_oid("reseller_billing", false));

	if (!OidIsValid(rel))
		elog(ERROR, "table reseller_billing.subscription does not exist");
	return get_rel_type_id(rel);
}

/* copy the columns of FROM (desc fd) into a tuple of desc td, by name */
static HeapTuple
by_name(TupleDesc fd, HeapTuple from, TupleDesc td)
{
	Datum	   *fv = palloc(fd->natts * sizeof(Datum));
	bool	   *fn = palloc(fd->natts * sizeof(bool));
	Datum	   *tv = palloc(td->natts * sizeof(Datum));
	bool	   *tn = palloc(td->natts * sizeof(bool));

	heap_deform_tuple(from, fd, fv, fn);
	for (int i = 0; i < td->natts; i++)
	{
		Form_pg_attribute a = TupleDescAttr(td, i);
		int			j = a->attisdropped ? 0 : SPI_fnumber(fd, NameStr(a->attname));

		tv[i] = j > 0 ? fv[j - 1] : (Datum) 0;
		tn[i] = j > 0 ? fn[j - 1] : true;
	}
	return heap_form_tuple(td, tv, tn);
}

Datum
sub_as_table_row(TriggerData *td, HeapTuple tuple, Oid *type)
{
	TupleDesc	pd;
	Datum		d;

	*type = subscription_type();
	pd = lookup_rowtype_tupdesc(*type, -1);
	d = heap_copy_tuple_as_datum(by_name(RelationGetDescr(td->tg_relation), tuple, pd), pd);
	ReleaseTupleDesc(pd);
	return d;
}

HeapTuple
sub_from_table_row(TriggerData *td, Datum row)
{
	HeapTupleHeader h = DatumGetHeapTupleHeader(row);
	TupleDesc	pd = lookup_rowtype_tupdesc(HeapTupleHeaderGetTypeId(h), HeapTupleHeaderGetTypMod(h));
	HeapTupleData t;
	HeapTuple	r;

	t.t_len = HeapTupleHeaderGetDatumLength(h);
	ItemPointerSetInvalid(&t.t_self);
	t.t_tableOid = InvalidOid;
	t.t_data = h;
	r = by_name(pd, &t, RelationGetDescr(td->tg_relation));
	ReleaseTupleDesc(pd);
	return r;
}

bool
sub_amount_same(Datum a, bool an, Datum b, bool bn)
{
	if (an || bn)
		return an && bn;
	return memcmp(DatumGetPointer(a), DatumGetPointer(b), sizeof(Amount)) == 0;
}

char *
sub_date_text(DateADT d, bool isnull)
{
	return isnull ? pstrdup("") : rb_datum_text(DateADTGetDatum(d), DATEOID);
}

char *
sub_range_text(DateADT lo, bool lo_null, DateADT hi, bool hi_null)
{
	if (!lo_null && !hi_null)
	{
		if (lo > hi)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("range lower bound must be less than or equal to range upper bound")));
		if (lo == hi)
			return pstrdup("empty");
	}
	return psprintf("%s%s,%s)", lo_null ? "(" : "[", sub_date_text(lo, lo_null), sub_date_text(hi, hi_null));
}
