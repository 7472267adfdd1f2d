/*
 * installment.c — the month-by-month schedule of an Annual commitment, and
 * proration by a whole-number fraction.
 *
 * A commitment tranche (the seats at the start of a term, or seats added
 * later, which run to the term's end) covers the days [start, end) and has a
 * total in whole minor units.  It is billed month by month:
 *
 *   - a first month the tranche does not cover from its 1st day is prorated
 *     by days: total × days covered / days of the tranche, rounded once;
 *   - a last month the tranche does not cover to its end is prorated the
 *     same way when the tranche has full months between (the final month
 *     then takes the remainder: total minus every other month);
 *   - the full calendar months share what is left in equal installments,
 *     split with allocate (remainders one minor unit each to the earliest).
 *
 * Every month's amount is computed in O(1) from these rules, so a close can
 * bill one month of a million tranches without looking at the others, and
 * the months of a whole tranche always add up exactly to its total.
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/date.h"

#include "amount.h"
#include "period.h"

typedef struct Schedule
{
	int64		first_month;	/* month index (year*12 + month-1) of start */
	int64		last_month;		/* month index of end - 1 */
	bool		first_partial;
	bool		last_partial;
	int64		first_amount;	/* minor units, when first_partial */
	int64		last_amount;	/* minor units, when last_partial */
	int64		n_full;			/* full calendar months in between */
	int64		full_base;		/* each full month gets base (+1 for the earliest extra ones) */
	int64		full_extra;
	int64		full_sign;		/* the sign of the full months' share */
	int64		total;			/* minor units */
} Schedule;

static int64
month_index(int32 day)
{
	int64		y;
	int			m,
				d;

	rb_civil_from_days(day, &y, &m, &d);
	return y * 12 + m - 1;
}

/*
 * The first day of month index mi.  The index is negative before year 0 (2 BC
 * and earlier, which a date may be), so split it with floor division: C's
 * truncating / and % would give month 0 or less there.
 */
static int32
month_first_day(int64 mi)
{
	int64		y = mi >= 0 ? mi / 12 : -((-mi + 11) / 12);

	return rb_days_from_civil(y, (int) (mi - y * 12) + 1, 1);
}

/* total × num / den in minor units, rounded once, ties away from zero */
static int64
prorate_units(int64 total, int64 num, int64 den)
{
	return (int64) rb_div_round((__int128) total * num, den, RB_HALF_UP);
}

static void
schedule_build(Schedule *s, int64 total, int32 start, int32 end)
{
	int32		days = end - start;
	int64		first_full,
				last_full,
				rest;

	s->total = total;
	s->first_month = month_index(start);
	s->last_month = month_index(end - 1);
	s->first_partial = month_first_day(s->first_month) != start;
	s->last_partial = month_first_day(s->last_month + 1) != end;
	s->first_amount = s->last_amount = 0;
	if (s->first_month == s->last_month)
	{
		/* one month holds the whole tranche */
		s->first_partial = true;
		s->last_partial = false;
		s->first_amount = total;
		s->n_full = 0;
		s->full_sign = 1;
		s->full_base = s->full_extra = 0;
		return;
	}
	first_full = s->first_partial ? s->first_month + 1 : s->first_month;
	last_full = s->last_partial ? s->last_month - 1 : s->last_month;
	s->n_full = last_full >= first_full ? last_full - first_full + 1 : 0;
	if (s->first_partial)
		s->first_amount = prorate_units(total, month_first_day(s->first_month + 1) - start, days);
	rest = total - s->first_amount;
	if (s->last_partial)
	{
		if (s->n_full > 0)
		{
			/* the full months get their share by days; the final month the remainder */
			int64		full_days = month_first_day(last_full + 1) - month_first_day(first_full);

			rest = prorate_units(total, full_days, days);
		}
		else
			rest = 0;
		s->last_amount = total - s->first_amount - rest;
	}
	if (s->n_full > 0)
	{
		int64		sign = rest < 0 ? -1 : 1;

		s->full_sign = sign;
		s->full_base = sign * ((rest * sign) / s->n_full);
		s->full_extra = (rest * sign) % s->n_full;	/* parts that get one more unit (by sign) */
	}
	else
	{
		s->full_sign = 1;
		s->full_base = s->full_extra = 0;
	}
}

/* the amount billed for month index mi */
static int64
schedule_month(const Schedule *s, int64 mi)
{
	int64		first_full;
	int64		i;

	if (mi < s->first_month || mi > s->last_month)
		return 0;
	if (mi == s->first_month && s->first_partial)
		return s->first_amount;
	if (mi == s->last_month && s->last_partial)
		return s->last_amount;
	first_full = s->first_partial ? s->first_month + 1 : s->first_month;
	i = mi - first_full;
	return s->full_base + (i < s->full_extra ? s->full_sign : 0);
}

/* the amounts billed for every month up to and including month index mi */
static int64
schedule_through(const Schedule *s, int64 mi)
{
	int64		sum = 0,
				first_full,
				k;

	if (mi < s->first_month)
		return 0;
	if (mi >= s->last_month)
		return s->total;
	if (s->first_partial)
		sum += s->first_amount;
	first_full = s->first_partial ? s->first_month + 1 : s->first_month;
	k = mi - first_full + 1;	/* full months up to mi */
	if (k > s->n_full)
		k = s->n_full;
	if (k > 0)
		sum += k * s->full_base + s->full_sign * (k < s->full_extra ? k : s->full_extra);
	return sum;
}

/*
 * The tranche total in minor units; 22023 unless it is a whole number of
 * them, and 22023 for an empty or inverted tranche.
 */
static int64
tranche_units(const Amount *total, DateADT start, DateADT end, int64 *unit)
{
	const RbCurrency *c = amount_currency(total->currency);

	if (DATE_NOT_FINITE(start) || DATE_NOT_FINITE(end))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a tranche must start and end on finite dates"),
				 errdetail("It runs from %s to %s.",
						   DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(start))),
						   DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(end))))));
	if (end <= start)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a tranche must cover at least one day"),
				 errdetail("It runs from %s to %s (exclusive): %d day(s).",
						   DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(start))),
						   DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(end))),
						   (int) (end - start))));
	*unit = rb_pow10(RB_SCALE - rb_currency_round_digits(c));
	if (total->value % *unit != 0)
	{
		int			digits = RB_SCALE;

		while (digits > 0 && total->value % rb_pow10(RB_SCALE - digits + 1) == 0)
			digits--;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("tranche total %s is not a whole number of minor units", amount_to_cstring(total)),
				 errdetail("%s has %d decimal place(s); the total has %d.",
						   c->code, rb_currency_round_digits(c), digits),
				 errhint("Round the total once, with round(amount), before scheduling it.")));
	}
	return total->value / *unit;
}

static int64
period_month_index(int32 period)
{
	int			y,
				m,
				a;

	rb_period_split(period, &y, &m, &a);
	if (a != 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("installments are billed by calendar month, not by the cycle %s",
						period_to_cstring(period)),
				 errdetail("The month must be anchored on day 1; it is anchored on day %d.", a),
				 errhint("Pass the calendar month %04d-%02d.", y, m)));
	return (int64) y * 12 + m - 1;
}

/*
 * annual_installment(total, start, end, month): what the tranche
 * [start, end) of the given total bills in that calendar month.
 */
PG_FUNCTION_INFO_V1(annual_installment);
Datum
annual_installment(PG_FUNCTION_ARGS)
{
	Amount	   *total = PG_GETARG_AMOUNT_P(0);
	int64		unit;
	int64		units = tranche_units(total, PG_GETARG_DATEADT(1), PG_GETARG_DATEADT(2), &unit);
	Schedule	s;

	schedule_build(&s, units, PG_GETARG_DATEADT(1), PG_GETARG_DATEADT(2));
	PG_RETURN_AMOUNT_P(amount_new((__int128) schedule_month(&s, period_month_index(PG_GETARG_PERIOD(3))) * unit,
								  total->currency));
}

/*
 * annual_installments_through(total, start, end, month): what the tranche
 * bills in all months up to and including that one.
 */
PG_FUNCTION_INFO_V1(annual_installments_through);
Datum
annual_installments_through(PG_FUNCTION_ARGS)
{
	Amount	   *total = PG_GETARG_AMOUNT_P(0);
	int64		unit;
	int64		units = tranche_units(total, PG_GETARG_DATEADT(1), PG_GETARG_DATEADT(2), &unit);
	Schedule	s;

	schedule_build(&s, units, PG_GETARG_DATEADT(1), PG_GETARG_DATEADT(2));
	PG_RETURN_AMOUNT_P(amount_new((__int128) schedule_through(&s, period_month_index(PG_GETARG_PERIOD(3))) * unit,
								  total->currency));
}

/*
 * prorate(full, part, whole): full × part / whole, exactly, rounded once to
 * the currency's minor unit, ties away from zero.  whole must be positive.
 */
PG_FUNCTION_INFO_V1(amount_prorate_fraction);
Datum
amount_prorate_fraction(PG_FUNCTION_ARGS)
{
	Amount	   *full = PG_GETARG_AMOUNT_P(0);
	int64		part = PG_GETARG_INT64(1);
	int64		whole = PG_GETARG_INT64(2);
	const RbCurrency *c = amount_currency(full->currency);
	int64		unit = rb_pow10(RB_SCALE - rb_currency_round_digits(c));

	if (whole <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot prorate over %lld parts", (long long) whole),
				 errdetail("The whole must be a positive number.")));
	PG_RETURN_AMOUNT_P(amount_new(rb_div_round((__int128) full->value * part, (__int128) whole * unit, RB_HALF_UP) * unit,
								  full->currency));
}
