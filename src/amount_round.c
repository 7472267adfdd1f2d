/*
 * amount_round.c — rounding an amount to its currency's minor unit, and
 * splitting an amount into parts that add up to it exactly (allocate).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"

#include "amount.h"

/* the largest number of parts allocate() returns */
#define RB_ALLOCATE_MAX_PARTS	10000000

static RbRoundMode
round_mode_from_text(text *t)
{
	char	   *mode = text_to_cstring(t);

	if (strcmp(mode, "half_up") == 0)
		return RB_HALF_UP;
	if (strcmp(mode, "half_even") == 0)
		return RB_HALF_EVEN;
	if (strcmp(mode, "down") == 0)
		return RB_DOWN;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown rounding mode \"%s\"", mode),
			 errhint("Use 'half_up' (ties away from zero), 'half_even' (ties to even) or 'down' (toward zero).")));
	return RB_HALF_UP;			/* not reached */
}

static Amount *
amount_round_mode(const Amount *a, RbRoundMode mode)
{
	const RbCurrency *c = amount_currency(a->currency);
	int64		r;

	if (!rb_round_to_digits(a->value, rb_currency_round_digits(c), mode, &r))
		amount_overflow("rounded amount");
	return amount_new(r, a->currency);
}

/*
 * round(amount): to the currency's minor unit, ties away from zero.
 */
PG_FUNCTION_INFO_V1(amount_round);
Datum
amount_round(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(amount_round_mode(PG_GETARG_AMOUNT_P(0), RB_HALF_UP));
}

/*
 * round(amount, mode): 'half_up' (ties away from zero), 'half_even', 'down'
 * (toward zero).
 */
PG_FUNCTION_INFO_V1(amount_round_with_mode);
Datum
amount_round_with_mode(PG_FUNCTION_ARGS)
{
	PG_RETURN_AMOUNT_P(amount_round_mode(PG_GETARG_AMOUNT_P(0),
										 round_mode_from_text(PG_GETARG_TEXT_PP(1))));
}

/*
 * The amount as a whole number of minor units, refusing (22023) an amount
 * with digits below the minor unit: those could not be handed out exactly.
 */
static int64
whole_minor_units(const Amount *a, int64 *unit)
{
	const RbCurrency *c = amount_currency(a->currency);

	*unit = rb_pow10(RB_SCALE - rb_currency_round_digits(c));
	if (a->value % *unit != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot allocate %s in whole minor units", amount_to_cstring(a)),
				 errdetail("The amount has digits below the %s minor unit, which no split into minor units can add up to.",
						   c->code),
				 errhint("Round the amount first, for example with round(amount).")));
	return a->value / *unit;
}

/* an amount[] of n parts; the element type is the function's first argument's */
static ArrayType *
amount_array(FunctionCallInfo fcinfo, const int64 *units, int n, int64 unit, uint16 currency)
{
	Oid			elemtype = get_fn_expr_argtype(fcinfo->flinfo, 0);
	Datum	   *elems = palloc(sizeof(Datum) * n);
	Amount	   *parts = palloc0(sizeof(Amount) * n);

	if (!OidIsValid(elemtype))
		elog(ERROR, "could not determine the amount type");
	for (int i = 0; i < n; i++)
	{
		parts[i].value = units[i] * unit;
		parts[i].currency = currency;
		elems[i] = AmountPGetDatum(&parts[i]);
	}
	return construct_array(elems, n, elemtype, sizeof(Amount), false, TYPALIGN_DOUBLE);
}

static void
check_parts(int64 n)
{
	if (n < 1 || n > RB_ALLOCATE_MAX_PARTS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot allocate into %lld parts", (long long) n),
				 errdetail("The number of parts must be between 1 and %d.", RB_ALLOCATE_MAX_PARTS)));
}

/*
 * allocate(amount, n): n parts in whole minor units that add up exactly to
 * the amount, differing by at most one minor unit, the larger parts first.
 * A negative amount splits into negative parts the same way.
 */
PG_FUNCTION_INFO_V1(amount_allocate_n);
Datum
amount_allocate_n(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	int32		n = PG_GETARG_INT32(1);
	int64		unit,
				total,
				sign,
				base,
				extra;
	int64	   *units;

	check_parts(n);
	total = whole_minor_units(a, &unit);
	sign = total < 0 ? -1 : 1;
	base = (total * sign) / n;
	extra = (total * sign) % n;
	units = palloc(sizeof(int64) * n);
	for (int i = 0; i < n; i++)
		units[i] = sign * (base + (i < extra ? 1 : 0));
	PG_RETURN_ARRAYTYPE_P(amount_array(fcinfo, units, n, unit, a->currency));
}

typedef struct WeightShare
{
	int			index;
	Datum		remainder;		/* numeric: units * w mod total weight */
} WeightShare;

static int
share_cmp(const void *x, const void *y)
{
	const WeightShare *a = x,
			   *b = y;
	int			c = DatumGetInt32(DirectFunctionCall2(numeric_cmp, b->remainder, a->remainder));

	return c != 0 ? c : (a->index > b->index) - (a->index < b->index);
}

/*
 * allocate(amount, weights): parts proportional to non-negative weights, in
 * whole minor units, adding up exactly to the amount.  Each part first gets
 * the truncated exact share; the minor units left over go one each to the
 * parts with the largest exact remainders, ties to the earlier part
 * (largest-remainder method).
 */
PG_FUNCTION_INFO_V1(amount_allocate_weights);
Datum
amount_allocate_weights(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	ArrayType  *warr = PG_GETARG_ARRAYTYPE_P(1);
	Datum	   *w;
	bool	   *wnull;
	int			n;
	int64		unit,
				total,
				sign,
				left;
	Datum		wsum = NumericGetDatum(int64_to_numeric(0));
	Datum		m;
	int64	   *units;
	WeightShare *shares;

	if (ARR_NDIM(warr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights must be a one-dimensional array")));
	deconstruct_array(warr, NUMERICOID, -1, false, TYPALIGN_INT, &w, &wnull, &n);
	check_parts(n);
	for (int i = 0; i < n; i++)
	{
		if (wnull[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("weight %d is null", i + 1)));
		numeric_check_finite(DatumGetNumeric(w[i]), "weight");
		if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, w[i],
											  NumericGetDatum(int64_to_numeric(0)))) < 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("weight %d is negative: %s", i + 1,
							DatumGetCString(DirectFunctionCall1(numeric_out, w[i]))),
					 errdetail("Weights must be zero or positive.")));
		wsum = DirectFunctionCall2(numeric_add, wsum, w[i]);
	}
	if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, wsum,
										  NumericGetDatum(int64_to_numeric(0)))) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("weights add up to zero"),
				 errdetail("At least one weight must be positive.")));

	total = whole_minor_units(a, &unit);
	sign = total < 0 ? -1 : 1;
	m = NumericGetDatum(int64_to_numeric(total * sign));
	units = palloc(sizeof(int64) * n);
	shares = palloc(sizeof(WeightShare) * n);
	left = total * sign;
	for (int i = 0; i < n; i++)
	{
		Datum		prod = DirectFunctionCall2(numeric_mul, m, w[i]);

		units[i] = DatumGetInt64(DirectFunctionCall1(numeric_int8,
													 DirectFunctionCall2(numeric_div_trunc, prod, wsum)));
		shares[i].index = i;
		shares[i].remainder = DirectFunctionCall2(numeric_mod, prod, wsum);
		left -= units[i];
	}
	/* 0 <= left < n: each truncation lost less than one unit */
	qsort(shares, n, sizeof(WeightShare), share_cmp);
	for (int64 k = 0; k < left; k++)
		units[shares[k].index]++;
	for (int i = 0; i < n; i++)
		units[i] *= sign;
	PG_RETURN_ARRAYTYPE_P(amount_array(fcinfo, units, n, unit, a->currency));
}
