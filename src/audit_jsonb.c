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
 * does the same: integers, bool, text and the date/time types directly;
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

struct RowJsonb
{
	int			natts;
	bool		whole;			/* to_jsonb of the whole row only */
	FmgrInfo	row_fn;			/* to_jsonb(record) */
	ColKind    *kind;
	FmgrInfo   *value_fn;		/* CK_VALUE: to_jsonb(value) */
};

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
	return p;
}

Datum
rb_row_jsonb(RowJsonb *p, TupleDesc desc, HeapTuple tuple)
{
	JsonbParseState *state = NULL;
	JsonbValue *res;
	Datum	   *values;
	bool	   *nulls;

	if (p->whole || p->natts != desc->natts)
		return rb_call_to_jsonb(&p->row_fn, heap_copy_tuple_as_datum(tuple, desc));
	values = palloc(sizeof(Datum) * desc->natts);
	nulls = palloc(sizeof(bool) * desc->natts);
	heap_deform_tuple(tuple, desc, values, nulls);
	pushJsonbValue(&state, WJB_BEGIN_OBJECT, NULL);
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		JsonbValue	k,
					v;

		if (p->kind[i] == CK_SKIP)
			continue;
		k.type = jbvString;
		k.val.string.val = NameStr(att->attname);
		k.val.string.len = strlen(NameStr(att->attname));
		if (nulls[i])
			v.type = jbvNull;
		else
		{
			Datum		d = values[i];

			switch (p->kind[i])
			{
				case CK_INT2:
					v.type = jbvNumeric;
					v.val.numeric = int64_to_numeric(DatumGetInt16(d));
					break;
				case CK_INT4:
					v.type = jbvNumeric;
					v.val.numeric = int64_to_numeric(DatumGetInt32(d));
					break;
				case CK_INT8:
					v.type = jbvNumeric;
					v.val.numeric = int64_to_numeric(DatumGetInt64(d));
					break;
				case CK_BOOL:
					v.type = jbvBool;
					v.val.boolean = DatumGetBool(d);
					break;
				case CK_TEXT:
					{
						text	   *t = DatumGetTextPP(d);

						v.type = jbvString;
						v.val.string.val = VARDATA_ANY(t);
						v.val.string.len = VARSIZE_ANY_EXHDR(t);
						break;
					}
				case CK_DATETIME:
					{
						char		buf[MAXDATELEN + 1];

						JsonEncodeDateTime(buf, d, att->atttypid, NULL);
						v.type = jbvString;
						v.val.string.val = pstrdup(buf);
						v.val.string.len = strlen(buf);
						break;
					}
				default:
					{
						Jsonb	   *jb = DatumGetJsonbP(rb_call_to_jsonb(&p->value_fn[i], d));

						if (!JsonbExtractScalar(&jb->root, &v))
						{
							/* not a scalar: to_jsonb of the row, as it is */
							return rb_call_to_jsonb(&p->row_fn, heap_copy_tuple_as_datum(tuple, desc));
						}
						break;
					}
			}
		}
		pushJsonbValue(&state, WJB_KEY, &k);
		pushJsonbValue(&state, WJB_VALUE, &v);
	}
	res = pushJsonbValue(&state, WJB_END_OBJECT, NULL);
	return JsonbPGetDatum(JsonbValueToJsonb(res));
}
