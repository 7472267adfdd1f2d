/*
 * amount_order.c — what the rules ask of an amount's size: its sign, whether
 * it is zero, and the larger or smaller of two amounts of one currency.
 *
 * The comparison operators order amounts of different currencies by code
 * (a total order, for indexes); larger and smaller refuse to compare two
 * currencies (22023), which is what a rule means.
 */
#include "postgres.h"

#include "fmgr.h"

#include "amount.h"

/* sign(amount) → -1, 0 or 1 */
PG_FUNCTION_INFO_V1(amount_sign);
Datum
amount_sign(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);

	PG_RETURN_INT32(a->value > 0 ? 1 : (a->value < 0 ? -1 : 0));
}

/* is_zero(amount) → bool */
PG_FUNCTION_INFO_V1(amount_is_zero);
Datum
amount_is_zero(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(PG_GETARG_AMOUNT_P(0)->value == 0);
}

/* larger(a, b) / smaller(a, b): of two amounts in one currency */
PG_FUNCTION_INFO_V1(amount_larger_of);
Datum
amount_larger_of(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0),
			   *b = PG_GETARG_AMOUNT_P(1);

	amount_same_currency(a, b, "compare");
	PG_RETURN_AMOUNT_P(a->value >= b->value ? a : b);
}

PG_FUNCTION_INFO_V1(amount_smaller_of);
Datum
amount_smaller_of(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0),
			   *b = PG_GETARG_AMOUNT_P(1);

	amount_same_currency(a, b, "compare");
	PG_RETURN_AMOUNT_P(a->value <= b->value ? a : b);
}
