/*
 * audit_jsonb.c — the audit log's old and new rows as jsonb, equal to
 * to_jsonb(row), without its detour through text for every column (issue
 * 13: to_jsonb was a third of an audited INSERT).
 *
 * to_jsonb of a row writes one key per column, in the object order jsonb
 * keeps (keys sorted), with a value by the column's type: a number for the
 * integer types (their text read back as numeric), true/false for bool, the
 * ISO form for dates and timestamps, the text itself for text, and for
 * every other type whatever to_jsonb gives for the value alone.  This file
 * does the same: integers, bool, text and the date/time types directly
 * (an integer's numeric and a date's text kept while the next row has the
 * same value in that column);
 * any other column through to_jsonb of the value (a scalar, embedded as
 * is).  A table with an array, composite, json or jsonb column, or a value
 * whose to_jsonb is not a scalar, is encoded by to_jsonb of the whole row.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "fmgr.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/typcache.h"
#include "pgtime.h"

#include "audit_jsonb.h"

typedef enum ColKind
{
	CK_SKIP,					/* dropped */
	CK_INT2,
	CK_INT4,
	CK_INT8,
	CK_BOOL,
	CK_TEXT,
	CK_DATETIME,				/* date, timestamp, timestamptz */
	CK_VALUE					/* to_jsonb of the value, a scalar */
} ColKind;

/*
 * A date/time column's last value and its text: the rows of one statement
 * mostly share their moments (clock_now() defaults), and encoding one costs
 * more than the rest of the row.  The text of a timestamptz depends on the
 * session's time zone, which is kept with it.
 */
typedef struct DateText
{
	bool		valid;
	Datum		value;
	pg_tz	   *zone;
	int			len;
	char		text[MAXDATELEN + 1];
} DateText;

/*
 * An integer column's last value and its numeric: the rows of one statement
 * mostly share their reseller and parent (a seat's subscription), and the
 * numeric costs more than the rest of the column.
 */
typedef struct IntNumeric
{
	bool		valid;
	int64		value;
	Numeric		num;			/* in the plan's memory */
} IntNumeric;

struct RowJsonb
{
	int			natts;
	bool		whole;			/* to_jsonb of the whole row only */
	FmgrInfo	row_fn;			/* to_jsonb(record) */
	ColKind    *kind;
	FmgrInfo   *value_fn;		/* CK_VALUE: to_jsonb(value) */
	int			nkeys;			/* columns written (not dropped) */
	int		   *order;			/* their attribute indexes in jsonb key order */
	DateText   *dates;			/* CK_DATETIME: the last value encoded */
	IntNumeric *ints;			/* CK_INT*: the last value encoded */
	int		   *name_len;		/* per attribute: strlen of its name */
	Datum	   *values;			/* a row's values and nulls, deformed */
	bool	   *nulls;
	MemoryContext cxt;			/* the plan's memory */
};

/* V's numeric, as int64_to_numeric gives it; kept while the value stays */
static Numeric
int_numeric(RowJsonb *p, int i, int64 v)
{
	IntNumeric *c = &p->ints[i];

	if (!c->valid || c->value != v)
	{
		MemoryContext old = MemoryContextSwitchTo(p->cxt);
		Numeric		n = int64_to_numeric(v);

		MemoryContextSwitchTo(old);
		if (c->num != NULL)
			pfree(c->num);
		c->num = n;
		c->value = v;
		c->valid = true;
	}
	return c->num;
}

/* jsonb's order of object keys: the shorter first, then bytewise */
static int
key_order_cmp(const char *a, int alen, const char *b, int blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

void
rb_jsonb_key_order(const char *const *names, int n, int *order)
{
	/* insertion sort: a table has few columns, and this runs once per query */
	for (int i = 0; i < n; i++)
		order[i] = i;
	for (int i = 1; i < n; i++)
	{
		int			v = order[i];
		int			j = i - 1;

		while (j >= 0 && key_order_cmp(names[order[j]], strlen(names[order[j]]),
									   names[v], strlen(names[v])) > 0)
		{
			order[j + 1] = order[j];
			j--;
		}
		order[j + 1] = v;
	}
}

bool
rb_jsonb_keys_unique(const char *const *names, const int *order, int n)
{
	for (int i = 1; i < n; i++)
		if (strcmp(names[order[i - 1]], names[order[i]]) == 0)
			return false;
	return true;
}

void
rb_setup_to_jsonb(FmgrInfo *fl, Oid argtype, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);

	fmgr_info_cxt(F_TO_JSONB, fl, cxt);
	fl->fn_expr = (Node *) makeFuncExpr(F_TO_JSONB, JSONBOID,
										list_make1(makeNullConst(argtype, -1, InvalidOid)),
										InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
	MemoryContextSwitchTo(old);
}

Datum
rb_call_to_jsonb(FmgrInfo *fl, Datum value)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum		result;

	InitFunctionCallInfoData(*fcinfo, fl, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = value;
	fcinfo->args[0].isnull = false;
	result = FunctionCallInvoke(fcinfo);
	if (fcinfo->isnull)
		elog(ERROR, "audit_row: to_jsonb returned null");
	return result;
}

RowJsonb *
rb_row_jsonb_plan(TupleDesc desc, MemoryContext cxt)
{
	RowJsonb   *p = MemoryContextAllocZero(cxt, sizeof(RowJsonb));

	p->natts = desc->natts;
	p->kind = MemoryContextAllocZero(cxt, sizeof(ColKind) * desc->natts);
	p->value_fn = MemoryContextAllocZero(cxt, sizeof(FmgrInfo) * desc->natts);
	p->dates = MemoryContextAllocZero(cxt, sizeof(DateText) * Max(desc->natts, 1));
	p->ints = MemoryContextAllocZero(cxt, sizeof(IntNumeric) * Max(desc->natts, 1));
	p->name_len = MemoryContextAllocZero(cxt, sizeof(int) * Max(desc->natts, 1));
	p->values = MemoryContextAlloc(cxt, sizeof(Datum) * Max(desc->natts, 1));
	p->nulls = MemoryContextAlloc(cxt, sizeof(bool) * Max(desc->natts, 1));
	p->cxt = cxt;
	rb_setup_to_jsonb(&p->row_fn, desc->tdtypeid, cxt);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		Oid			t = att->atttypid;
		Oid			base;

		if (att->attisdropped)
		{
			p->kind[i] = CK_SKIP;
			continue;
		}
		p->name_len[i] = strlen(NameStr(att->attname));
		switch (t)
		{
			case INT2OID:
				p->kind[i] = CK_INT2;
				continue;
			case INT4OID:
				p->kind[i] = CK_INT4;
				continue;
			case INT8OID:
				p->kind[i] = CK_INT8;
				continue;
			case BOOLOID:
				p->kind[i] = CK_BOOL;
				continue;
			case TEXTOID:
				p->kind[i] = CK_TEXT;
				continue;
			case DATEOID:
			case TIMESTAMPOID:
			case TIMESTAMPTZOID:
				p->kind[i] = CK_DATETIME;
				continue;
			default:
				break;
		}
		base = getBaseType(t);
		if (base == JSONOID || base == JSONBOID || OidIsValid(get_element_type(base)) ||
			type_is_rowtype(base))
			p->whole = true;
		p->kind[i] = CK_VALUE;
		rb_setup_to_jsonb(&p->value_fn[i], t, cxt);
	}
	/* the keys' order in the jsonb object, once: no sort per row */
	{
		const char **names = palloc(sizeof(char *) * Max(desc->natts, 1));
		int		   *atts = palloc(sizeof(int) * Max(desc->natts, 1));
		int		   *order = palloc(sizeof(int) * Max(desc->natts, 1));

		for (int i = 0; i < desc->natts; i++)
			if (p->kind[i] != CK_SKIP)
			{
				names[p->nkeys] = NameStr(TupleDescAttr(desc, i)->attname);
				atts[p->nkeys] = i;
				p->nkeys++;
			}
		rb_jsonb_key_order(names, p->nkeys, order);
		p->order = MemoryContextAlloc(cxt, sizeof(int) * Max(p->nkeys, 1));
		for (int k = 0; k < p->nkeys; k++)
			p->order[k] = atts[order[k]];
		pfree(names);
		pfree(atts);
		pfree(order);
	}
	return p;
}

int
rb_row_jsonb_count(RowJsonb *p)
{
	return p->nkeys;
}

int
rb_row_jsonb_index(RowJsonb *p, int attno)
{
	for (int k = 0; k < p->nkeys; k++)
		if (p->order[k] == attno - 1)
			return k;
	return -1;
}

bool
rb_row_jsonb_pairs(RowJsonb *p, TupleDesc desc, HeapTuple tuple, JsonbPair *pairs)
{
	Datum	   *values;
	bool	   *nulls;

	if (p->whole || p->natts != desc->natts)
		return false;
	values = p->values;
	nulls = p->nulls;
	heap_deform_tuple(tuple, desc, values, nulls);

	/*
	 * The pairs are those of the JsonbValue pushJsonbValue() would end with:
	 * in jsonb's key order (fixed per table, computed by rb_row_jsonb_plan),
	 * the column names unique.
	 */
	for (int k = 0; k < p->nkeys; k++)
	{
		int			i = p->order[k];
		Form_pg_attribute att = TupleDescAttr(desc, i);
		JsonbValue *kv = &pairs[k].key;
		JsonbValue *v = &pairs[k].value;

		kv->type = jbvString;
		kv->val.string.val = NameStr(att->attname);
		kv->val.string.len = p->name_len[i];
		pairs[k].order = k;
		if (nulls[i])
			v->type = jbvNull;
		else
		{
			Datum		d = values[i];

			switch (p->kind[i])
			{
				case CK_INT2:
					v->type = jbvNumeric;
					v->val.numeric = int_numeric(p, i, DatumGetInt16(d));
					break;
				case CK_INT4:
					v->type = jbvNumeric;
					v->val.numeric = int_numeric(p, i, DatumGetInt32(d));
					break;
				case CK_INT8:
					v->type = jbvNumeric;
					v->val.numeric = int_numeric(p, i, DatumGetInt64(d));
					break;
				case CK_BOOL:
					v->type = jbvBool;
					v->val.boolean = DatumGetBool(d);
					break;
				case CK_TEXT:
					{
						text	   *t = DatumGetTextPP(d);

						v->type = jbvString;
						v->val.string.val = VARDATA_ANY(t);
						v->val.string.len = VARSIZE_ANY_EXHDR(t);
						break;
					}
				case CK_DATETIME:
					{
						DateText   *dt = &p->dates[i];

						if (!dt->valid || dt->value != d || dt->zone != session_timezone)
						{
							JsonEncodeDateTime(dt->text, d, att->atttypid, NULL);
							dt->len = strlen(dt->text);
							dt->value = d;
							dt->zone = session_timezone;
							dt->valid = true;
						}
						v->type = jbvString;
						v->val.string.len = dt->len;
						v->val.string.val = dt->text;	/* valid until the next row */
						break;
					}
				default:
					{
						Jsonb	   *jb = DatumGetJsonbP(rb_call_to_jsonb(&p->value_fn[i], d));

						if (!JsonbExtractScalar(&jb->root, v))
							return false;	/* not a scalar: to_jsonb of the row */
						break;
					}
			}
		}
	}
	return true;
}

Datum
rb_row_jsonb_whole(RowJsonb *p, TupleDesc desc, HeapTuple tuple)
{
	return rb_call_to_jsonb(&p->row_fn, heap_copy_tuple_as_datum(tuple, desc));
}

