/*
 * amount_arith.c — arithmetic on amounts: + - * / abs, with overflow and
 * currency checks.  Results that need rounding are rounded once, to the stored
 * scale, half away from zero (rb_div_round).
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/numeric.h"

#include "amount.h"

PG_FUNCTION_INFO_V1(amount_add);
Datum
amount_add(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0),
			   *b = PG_GETARG_AMOUNT_P(1);

	amount_same_currency(a, b, "add");
	PG_RETURN_AMOUNT_P(amount_new((__int128) a->value + b->value, a->currency));
}

PG_FUNCTION_INFO_V1(amount_sub);
Datum
amount_sub(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0),
			   *b = PG_GETARG_AMOUNT_P(1);

	amount_same_currency(a, b, "subtract");
	PG_RETURN_AMOUNT_P(amount_new((__int128) a->value - b->value, a->currency));
}

PG_FUNCTION_INFO_V1(amount_neg);
Datum
amount_neg(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);

	PG_RETURN_AMOUNT_P(amount_new(-(__int128) a->value, a->currency));
}

PG_FUNCTION_INFO_V1(amount_abs);
Datum
amount_abs(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);

	PG_RETURN_AMOUNT_P(amount_new(a->value < 0 ? -(__int128) a->value : a->value, a->currency));
}

/* amount * integer: exact, 22003 when the product leaves the range */
static Amount *
amount_mul_int(const Amount *a, int64 k)
{
	return amount_new((__int128) a->value * k, a->currency);
}

PG_FUNCTION_INFO_V1(amount_mul_int8);
Datum
amount_mul_int8(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(amount_mul_int(PG_GETARG_AMOUNT_P(0), PG_GETARG_INT64(1)));
}

PG_FUNCTION_INFO_V1(amount_mul_int4);
Datum
amount_mul_int4(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(amount_mul_int(PG_GETARG_AMOUNT_P(0), PG_GETARG_INT32(1)));
}

PG_FUNCTION_INFO_V1(int8_mul_amount);
Datum
int8_mul_amount(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(amount_mul_int(PG_GETARG_AMOUNT_P(1), PG_GETARG_INT64(0)));
}

PG_FUNCTION_INFO_V1(int4_mul_amount);
Datum
int4_mul_amount(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(amount_mul_int(PG_GETARG_AMOUNT_P(1), PG_GETARG_INT32(0)));
}

/*
 * amount * numeric: the exact product, rounded to the stored scale half away
 * from zero.  Computed in millionths: round(value_micro * n) at scale 0.
 */
static Amount *
amount_mul_num(const Amount *a, Numeric n)
{
	Numeric		prod;

	numeric_check_finite(n, "multiplier");
	prod = DatumGetNumeric(DirectFunctionCall2(numeric_mul,
											   NumericGetDatum(int64_to_numeric(a->value)),
											   NumericGetDatum(n)));
	return amount_new(numeric_round_to_value(prod, "amount product"), a->currency);
}

PG_FUNCTION_INFO_V1(amount_mul_numeric);
Datum
amount_mul_numeric(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(amount_mul_num(PG_GETARG_AMOUNT_P(0), PG_GETARG_NUMERIC(1)));
}

PG_FUNCTION_INFO_V1(numeric_mul_amount);
Datum
numeric_mul_amount(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(amount_mul_num(PG_GETARG_AMOUNT_P(1), PG_GETARG_NUMERIC(0)));
}

/* -1, 0 or 1 */
static int
numeric_signum(Numeric n)
{
	return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(n),
											 NumericGetDatum(int64_to_numeric(0))));
}

static void
division_by_zero(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DIVISION_BY_ZERO),
			 errmsg("division by zero")));
}

/*
 * amount / integer: exact quotient rounded half away from zero.  The divisor
 * is prepared once and kept with the call site, since a query divides many
 * rows by the same number.
 */
static Amount *
amount_div_int(FunctionCallInfo fcinfo, const Amount *a, int64 k)
{
	RbDivisor  *v = (RbDivisor *) fcinfo->flinfo->fn_extra;
	uint64		d = k < 0 ? (uint64) 0 - (uint64) k : (uint64) k;

	if (k == 0)
		division_by_zero();
	if (v == NULL)
	{
		v = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(RbDivisor));
		v->d = 0;
		fcinfo->flinfo->fn_extra = v;
	}
	if (v->d != d)
		rb_divisor_init(v, d);
	return amount_new(rb_div_round_by(a->value, v, k < 0, RB_HALF_UP), a->currency);
}

PG_FUNCTION_INFO_V1(amount_div_int8);
Datum
amount_div_int8(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(amount_div_int(fcinfo, PG_GETARG_AMOUNT_P(0), PG_GETARG_INT64(1)));
}

PG_FUNCTION_INFO_V1(amount_div_int4);
Datum
amount_div_int4(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(amount_div_int(fcinfo, PG_GETARG_AMOUNT_P(0), PG_GETARG_INT32(1)));
}

/*
 * amount / numeric: the exact quotient of the value in millionths by n,
 * rounded half away from zero.  div() truncates exactly and mod() gives the
 * exact remainder, so the rounding decision needs no approximation.
 */
PG_FUNCTION_INFO_V1(amount_div_numeric);
Datum
amount_div_numeric(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Numeric		n = PG_GETARG_NUMERIC(1);
	Datum		x = NumericGetDatum(int64_to_numeric(a->value));
	Datum		d = NumericGetDatum(n);
	Datum		q,
				r,
				twice_r,
				abs_d;
	int64		result;

	numeric_check_finite(n, "divisor");
	if (numeric_signum(n) == 0)
		division_by_zero();
	q = DirectFunctionCall2(numeric_div_trunc, x, d);
	r = DirectFunctionCall2(numeric_mod, x, d);
	twice_r = DirectFunctionCall2(numeric_add,
								  DirectFunctionCall1(numeric_abs, r),
								  DirectFunctionCall1(numeric_abs, r));
	abs_d = DirectFunctionCall1(numeric_abs, d);
	result = numeric_round_to_value(DatumGetNumeric(q), "amount quotient");
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, twice_r, abs_d)) >= 0)
	{
		/* away from zero: the sign of the exact quotient */
		int			sign = (a->value < 0) != (numeric_signum(n) < 0) ? -1 : 1;

		PG_RETURN_AMOUNT_P(amount_new((__int128) result + sign, a->currency));
	}
	PG_RETURN_AMOUNT_P(amount_new(result, a->currency));
}

/* amount / amount: the ratio as numeric, at numeric division's precision (same currency only) */
PG_FUNCTION_INFO_V1(amount_div_amount);
Datum
amount_div_amount(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0),
			   *b = PG_GETARG_AMOUNT_P(1);

	amount_same_currency(a, b, "divide");
	if (b->value == 0)
		division_by_zero();
	PG_RETURN_DATUM(DirectFunctionCall2(numeric_div,
										NumericGetDatum(int64_to_numeric(a->value)),
										NumericGetDatum(int64_to_numeric(b->value))));
}
