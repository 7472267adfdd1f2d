/*
 * amount_scale.c — an amount scaled by a factor (a tax rate) or by the ratio
 * of two amounts (a price over another), rounded once to the currency's
 * minor unit, half away from zero (the rounding rule of doc/types.md): the
 * result is a line amount.  Before 0.3.0 the SQL took value() out, did
 * numeric arithmetic and built an amount again, skipping the currency check.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/numeric.h"

#include "amount.h"

/* millionths in one minor unit of the amount's currency */
static int64
minor_unit_micro(const Amount *a)
{
	return rb_pow10(RB_SCALE - rb_currency_round_digits(amount_currency(a->currency)));
}
/*
 * scale(a amount, factor numeric) → amount: a × factor, exact (numeric
 * multiplication keeps every digit), rounded once to the minor unit.
 */
PG_FUNCTION_INFO_V1(amount_scale_numeric);
Datum
amount_scale_numeric(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Numeric		factor = PG_GETARG_NUMERIC(1);
	int			digits = rb_currency_round_digits(amount_currency(a->currency));
	Datum		prod;

	numeric_check_finite(factor, "scale factor");
	/* the exact product in major units, rounded once to the minor unit */
	prod = DirectFunctionCall2(numeric_mul, NumericGetDatum(amount_value_numeric(a)), NumericGetDatum(factor));
	prod = DirectFunctionCall2(numeric_round, prod, Int32GetDatum(digits));
	/* to millionths: exact, nothing left to round */
	prod = DirectFunctionCall2(numeric_mul, prod, NumericGetDatum(int64_to_numeric(RB_UNIT)));
	PG_RETURN_AMOUNT_P(amount_new(numeric_round_to_value(DatumGetNumeric(prod), "scaled amount"), a->currency));
}

/*
 * scale(a amount, numerator amount, denominator amount) → amount:
 * a × numerator / denominator, exact (128-bit), rounded once to the minor
 * unit.  The ratio's two amounts are in one currency (22023 otherwise), the
 * denominator not zero (22012).
 */
PG_FUNCTION_INFO_V1(amount_scale_ratio);
Datum
amount_scale_ratio(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0),
			   *num = PG_GETARG_AMOUNT_P(1),
			   *den = PG_GETARG_AMOUNT_P(2);
	int64		unit = minor_unit_micro(a);

	amount_same_currency(num, den, "scale by the ratio of");
	if (den->value == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DIVISION_BY_ZERO),
				 errmsg("cannot scale %s by a ratio over zero", amount_to_cstring(a)),
				 errdetail("The ratio was %s / %s.", amount_to_cstring(num), amount_to_cstring(den))));
	PG_RETURN_AMOUNT_P(amount_new(rb_div_round((__int128) a->value * num->value, (__int128) den->value * unit,
											   RB_HALF_UP) * unit,
								  a->currency));
}

/* the numeric constant of an integer */
static Datum
num_int(int64 v)
{
	return NumericGetDatum(int64_to_numeric(v));
}

/*
 * scale(a amount, numerator numeric, denominator numeric) → amount:
 * a × numerator / denominator, rounded once to the minor unit, ties away
 * from zero (late interest: scale(balance × days, rate, 365)).  Exact: the
 * product is exact, the quotient an exact truncated division (div) and its
 * remainder decide the rounding; no digit is lost to numeric division.
 */
PG_FUNCTION_INFO_V1(amount_scale_fraction);
Datum
amount_scale_fraction(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	Numeric		num = PG_GETARG_NUMERIC(1),
				den = PG_GETARG_NUMERIC(2);
	int			digits = rb_currency_round_digits(amount_currency(a->currency));
	Datum		n,
				q,
				r,
				twice_r,
				abs_den;

	numeric_check_finite(num, "scale numerator");
	numeric_check_finite(den, "scale denominator");
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(den), num_int(0))) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DIVISION_BY_ZERO),
				 errmsg("cannot scale %s by a fraction over zero", amount_to_cstring(a))));
	/* n = a × num in minor units, exact */
	n = DirectFunctionCall2(numeric_mul, NumericGetDatum(amount_value_numeric(a)), NumericGetDatum(num));
	n = DirectFunctionCall2(numeric_mul, n, num_int(rb_pow10(digits)));
	/* q = trunc(n / den), r = n - q × den: both exact */
	q = DirectFunctionCall2(numeric_div_trunc, n, NumericGetDatum(den));
	r = DirectFunctionCall2(numeric_sub, n, DirectFunctionCall2(numeric_mul, q, NumericGetDatum(den)));
	twice_r = DirectFunctionCall1(numeric_abs, DirectFunctionCall2(numeric_mul, r, num_int(2)));
	abs_den = DirectFunctionCall1(numeric_abs, NumericGetDatum(den));
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, twice_r, abs_den)) >= 0)
	{
		/* a tie or more: away from zero, the sign of n / den */
		bool		negative = (DatumGetInt32(DirectFunctionCall2(numeric_cmp, n, num_int(0))) < 0) !=
			(DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(den), num_int(0))) < 0);

		q = DirectFunctionCall2(numeric_add, q, num_int(negative ? -1 : 1));
	}
	/* minor units to millionths */
	q = DirectFunctionCall2(numeric_mul, q, num_int(rb_pow10(RB_SCALE - digits)));
	PG_RETURN_AMOUNT_P(amount_new(numeric_round_to_value(DatumGetNumeric(q), "scaled amount"), a->currency));
}
