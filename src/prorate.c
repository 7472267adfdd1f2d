/*
 * prorate.c — prorate(full amount, billing_period, covered daterange).
 *
 * full × days(covered ∩ period) / days(period), computed exactly in 128-bit
 * integers and rounded once to the currency's minor unit, ties away from
 * zero.  Days outside the period are ignored; any bound style is accepted.
 */
#include "postgres.h"

#include "utils/date.h"
#include "utils/rangetypes.h"
#include "utils/typcache.h"

#include "amount.h"
#include "period.h"

/*
 * The covered range as [lo, hi) day numbers, clamped to [start, end).
 * Returns the number of days in common (0 for an empty range).
 */
static int32
covered_days(FunctionCallInfo fcinfo, RangeType *r, int32 start, int32 end)
{
	TypeCacheEntry *typcache;
	RangeBound	lower,
				upper;
	bool		empty;
	int64		lo = start,
				hi = end;

	typcache = (TypeCacheEntry *) fcinfo->flinfo->fn_extra;
	if (typcache == NULL || typcache->type_id != RangeTypeGetOid(r))
	{
		typcache = lookup_type_cache(RangeTypeGetOid(r), TYPECACHE_RANGE_INFO);
		if (typcache->rngelemtype == NULL)
			elog(ERROR, "type %u is not a range type", RangeTypeGetOid(r));
		fcinfo->flinfo->fn_extra = typcache;
	}
	range_deserialize(typcache, r, &lower, &upper, &empty);
	if (empty)
		return 0;
	if (!lower.infinite && !DATE_IS_NOBEGIN(DatumGetDateADT(lower.val)))
	{
		DateADT		d = DatumGetDateADT(lower.val);

		if (DATE_IS_NOEND(d))
			return 0;
		lo = (int64) d + (lower.inclusive ? 0 : 1);
	}
	if (!upper.infinite && !DATE_IS_NOEND(DatumGetDateADT(upper.val)))
	{
		DateADT		d = DatumGetDateADT(upper.val);

		if (DATE_IS_NOBEGIN(d))
			return 0;
		hi = (int64) d + (upper.inclusive ? 1 : 0);
	}
	if (lo < start)
		lo = start;
	if (hi > end)
		hi = end;
	return hi > lo ? (int32) (hi - lo) : 0;
}

PG_FUNCTION_INFO_V1(amount_prorate);
Datum
amount_prorate(PG_FUNCTION_ARGS)
{
	Amount	   *full = PG_GETARG_AMOUNT_P(0);
	int32		period = PG_GETARG_PERIOD(1);
	RangeType  *covered = PG_GETARG_RANGE_P(2);
	const RbCurrency *c = amount_currency(full->currency);
	int64		unit = rb_pow10(RB_SCALE - rb_currency_round_digits(c));
	int32		start,
				end,
				days;
	__int128	minor;

	rb_period_bounds(period, &start, &end);
	days = covered_days(fcinfo, covered, start, end);
	/* value × days / (period days × minor unit), in minor units, rounded once */
	minor = rb_div_round((__int128) full->value * days,
						 (__int128) (end - start) * unit, RB_HALF_UP);
	PG_RETURN_AMOUNT_P(amount_new(minor * unit, full->currency));
}
