/*
 * amount_agg.c — sum(amount) and avg(amount).
 *
 * The transition state is a 128-bit sum with a row count and the currency of
 * the first row: it cannot wrap for any realistic number of rows, and the
 * final function raises 22003 if the result leaves the amount range.  A row
 * in another currency is 22023.  Parallel aggregation combines states and
 * ships them between processes with serial/deserial.
 */
#include "postgres.h"

#include "libpq/pqformat.h"
#include "utils/builtins.h"

#include "amount.h"

/*
 * The sum is PostgreSQL's int128, which c.h declares with MAXALIGN (8-byte)
 * alignment: the state is palloc'd, and palloc only guarantees MAXALIGN, so a
 * raw __int128 (16-byte alignment) member would be a misaligned object that
 * the compiler may access with aligned SSE instructions.
 */
typedef struct AmountAggState
{
	int128		sum;			/* millionths */
	int64		count;			/* non-null rows */
	uint16		currency;		/* RB_CURRENCY_NONE until the first row */
} AmountAggState;

static AmountAggState *
agg_state_new(FunctionCallInfo fcinfo)
{
	MemoryContext aggcontext;
	AmountAggState *st;

	if (!AggCheckCallContext(fcinfo, &aggcontext))
		elog(ERROR, "amount aggregate function called in non-aggregate context");
	st = (AmountAggState *) MemoryContextAllocZero(aggcontext, sizeof(AmountAggState));
	st->currency = RB_CURRENCY_NONE;
	return st;
}

static void
agg_mixed_currencies(uint16 a, uint16 b)
{
	char		ca[4],
				cb[4];

	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("cannot aggregate amounts in different currencies %s and %s",
					amount_code(a, ca), amount_code(b, cb)),
			 errhint("Group by currency(amount), or filter to one currency.")));
}

static void
agg_add(AmountAggState *st, int128 value, int64 count, uint16 currency)
{
	if (st->currency == RB_CURRENCY_NONE)
		st->currency = currency;
	else if (st->currency != currency)
		agg_mixed_currencies(st->currency, currency);
	if (__builtin_add_overflow(st->sum, value, &st->sum) ||
		__builtin_add_overflow(st->count, count, &st->count))
		amount_overflow("sum of amounts");
}

PG_FUNCTION_INFO_V1(amount_agg_accum);
Datum
amount_agg_accum(PG_FUNCTION_ARGS)
{
	AmountAggState *st = PG_ARGISNULL(0) ? NULL : (AmountAggState *) PG_GETARG_POINTER(0);

	if (PG_ARGISNULL(1))
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	if (st == NULL)
		st = agg_state_new(fcinfo);
	{
		Amount	   *a = PG_GETARG_AMOUNT_P(1);

		agg_add(st, a->value, 1, a->currency);
	}
	PG_RETURN_POINTER(st);
}

PG_FUNCTION_INFO_V1(amount_agg_combine);
Datum
amount_agg_combine(PG_FUNCTION_ARGS)
{
	AmountAggState *st = PG_ARGISNULL(0) ? NULL : (AmountAggState *) PG_GETARG_POINTER(0);
	AmountAggState *other = PG_ARGISNULL(1) ? NULL : (AmountAggState *) PG_GETARG_POINTER(1);

	if (other == NULL || other->count == 0)
	{
		if (st == NULL)
			PG_RETURN_NULL();
		PG_RETURN_POINTER(st);
	}
	if (st == NULL)
		st = agg_state_new(fcinfo);
	agg_add(st, other->sum, other->count, other->currency);
	PG_RETURN_POINTER(st);
}

/* serial form: sum as two int64 halves, count, currency */
PG_FUNCTION_INFO_V1(amount_agg_serialize);
Datum
amount_agg_serialize(PG_FUNCTION_ARGS)
{
	AmountAggState *st = (AmountAggState *) PG_GETARG_POINTER(0);
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint64(&buf, (int64) (st->sum >> 64));
	pq_sendint64(&buf, (int64) (uint64) st->sum);
	pq_sendint64(&buf, st->count);
	pq_sendint16(&buf, st->currency);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(amount_agg_deserialize);
Datum
amount_agg_deserialize(PG_FUNCTION_ARGS)
{
	bytea	   *b = PG_GETARG_BYTEA_PP(0);
	StringInfoData buf;
	AmountAggState *st = agg_state_new(fcinfo);
	int64		hi;
	uint64		lo;

	initStringInfo(&buf);
	appendBinaryStringInfo(&buf, VARDATA_ANY(b), VARSIZE_ANY_EXHDR(b));
	hi = pq_getmsgint64(&buf);
	lo = (uint64) pq_getmsgint64(&buf);
	st->sum = (int128) (((uint128) (uint64) hi << 64) | lo);
	st->count = pq_getmsgint64(&buf);
	st->currency = (uint16) pq_getmsgint(&buf, 2);
	pq_getmsgend(&buf);
	PG_RETURN_POINTER(st);
}

/* sum: NULL over no rows, 22003 when the total leaves the amount range */
PG_FUNCTION_INFO_V1(amount_sum_final);
Datum
amount_sum_final(PG_FUNCTION_ARGS)
{
	AmountAggState *st = PG_ARGISNULL(0) ? NULL : (AmountAggState *) PG_GETARG_POINTER(0);

	if (st == NULL || st->count == 0)
		PG_RETURN_NULL();
	if (!rb_value_in_range(st->sum))
		amount_overflow("sum of amounts");
	PG_RETURN_AMOUNT_P(amount_new(st->sum, st->currency));
}

/* avg: the exact mean rounded half away from zero to the stored scale */
PG_FUNCTION_INFO_V1(amount_avg_final);
Datum
amount_avg_final(PG_FUNCTION_ARGS)
{
	AmountAggState *st = PG_ARGISNULL(0) ? NULL : (AmountAggState *) PG_GETARG_POINTER(0);

	if (st == NULL || st->count == 0)
		PG_RETURN_NULL();
	PG_RETURN_AMOUNT_P(amount_new(rb_div_round(st->sum, st->count, RB_HALF_UP), st->currency));
}
