/*
 * period.c — reseller_billing.billing_period: a calendar month ('2012-06') or
 * a monthly cycle anchored on a day ('2012-06@15' is [2012-06-15, 2012-07-15)).
 * Input/output, construction from dates, month arithmetic, containment, the
 * cast to daterange, and comparison.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/rangetypes.h"
#include "utils/typcache.h"

#include "period.h"

char *
period_to_cstring(int32 p)
{
	char	   *buf = palloc(RB_PERIOD_TEXT_MAX);

	rb_period_format(buf, p);
	return buf;
}

static void
period_out_of_range(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
			 errmsg("billing period out of range: %s", what),
			 errdetail("Billing periods start in years 0001 to 9999.")));
}

PG_FUNCTION_INFO_V1(period_in);
Datum
period_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	int32		p = 0;

	switch (rb_period_parse(str, strlen(str), &p))
	{
		case RB_PERIOD_OK:
			break;
		case RB_PERIOD_SYNTAX:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type billing_period: \"%s\"", str),
					 errhint("Write 'YYYY-MM' for a calendar month or 'YYYY-MM@D' for the cycle anchored on day D.")));
			break;
		case RB_PERIOD_BAD_YEAR:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("year out of range in billing period \"%s\"", str),
					 errdetail("The year must be between 0001 and 9999.")));
			break;
		case RB_PERIOD_BAD_MONTH:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("month out of range in billing period \"%s\"", str),
					 errdetail("The month must be between 01 and 12.")));
			break;
		case RB_PERIOD_BAD_ANCHOR:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("anchor day out of range in billing period \"%s\"", str),
					 errdetail("The anchor day must be between 1 and 31.")));
			break;
	}
	PG_RETURN_PERIOD(p);
}

PG_FUNCTION_INFO_V1(period_out);
Datum
period_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(period_to_cstring(PG_GETARG_PERIOD(0)));
}

/* binary form: the int32 encoding, re-validated on receive */
PG_FUNCTION_INFO_V1(period_send);
Datum
period_send(PG_FUNCTION_ARGS)
{
	StringInfoData buf;

	pq_begintypsend(&buf);
	pq_sendint32(&buf, PG_GETARG_PERIOD(0));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(period_recv);
Datum
period_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int32		p = pq_getmsgint(buf, 4);

	if (!rb_period_valid(p))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external billing_period value %d", p)));
	PG_RETURN_PERIOD(p);
}

/* period_start(p): the first day */
PG_FUNCTION_INFO_V1(period_start);
Datum
period_start(PG_FUNCTION_ARGS)
{
	int32		start,
				end;

	rb_period_bounds(PG_GETARG_PERIOD(0), &start, &end);
	PG_RETURN_DATEADT(start);
}

/* period_end(p): the day after the last day (exclusive bound) */
PG_FUNCTION_INFO_V1(period_end);
Datum
period_end(PG_FUNCTION_ARGS)
{
	int32		start,
				end;

	rb_period_bounds(PG_GETARG_PERIOD(0), &start, &end);
	PG_RETURN_DATEADT(end);
}

/* days(p): the number of days in the period */
PG_FUNCTION_INFO_V1(period_days);
Datum
period_days(PG_FUNCTION_ARGS)
{
	int32		start,
				end;

	rb_period_bounds(PG_GETARG_PERIOD(0), &start, &end);
	PG_RETURN_INT32(end - start);
}

/* anchor(p): the billing cycle day, 1 for a calendar month */
PG_FUNCTION_INFO_V1(period_anchor);
Datum
period_anchor(PG_FUNCTION_ARGS)
{
	int			y,
				m,
				a;

	rb_period_split(PG_GETARG_PERIOD(0), &y, &m, &a);
	PG_RETURN_INT32(a);
}

/*
 * billing_period(date [, anchor]): the period with that anchor containing
 * the date.
 */
PG_FUNCTION_INFO_V1(period_of_date);
Datum
period_of_date(PG_FUNCTION_ARGS)
{
	DateADT		d = PG_GETARG_DATEADT(0);
	int32		anchor = PG_NARGS() > 1 ? PG_GETARG_INT32(1) : 1;
	int32		p;

	if (anchor < 1 || anchor > 31)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("anchor day %d out of range", anchor),
				 errdetail("The anchor day must be between 1 and 31.")));
	if (DATE_NOT_FINITE(d) || !rb_period_containing(d, anchor, &p))
		period_out_of_range(DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(d))));
	PG_RETURN_PERIOD(p);
}

static int32
period_add(int32 p, int64 months)
{
	int32		r;

	if (!rb_period_add_months(p, months, &r))
		period_out_of_range(psprintf("%s %+lld months", period_to_cstring(p), (long long) months));
	return r;
}

/* p + n, p - n: n months later / earlier, same anchor */
PG_FUNCTION_INFO_V1(period_plus_months);
Datum
period_plus_months(PG_FUNCTION_ARGS)
{
	PG_RETURN_PERIOD(period_add(PG_GETARG_PERIOD(0), PG_GETARG_INT32(1)));
}

PG_FUNCTION_INFO_V1(period_minus_months);
Datum
period_minus_months(PG_FUNCTION_ARGS)
{
	PG_RETURN_PERIOD(period_add(PG_GETARG_PERIOD(0), -(int64) PG_GETARG_INT32(1)));
}

/* p @> d: the period contains the day */
PG_FUNCTION_INFO_V1(period_contains_date);
Datum
period_contains_date(PG_FUNCTION_ARGS)
{
	DateADT		d = PG_GETARG_DATEADT(1);
	int32		start,
				end;

	rb_period_bounds(PG_GETARG_PERIOD(0), &start, &end);
	PG_RETURN_BOOL(!DATE_NOT_FINITE(d) && d >= start && d < end);
}

/* p::daterange: [start, end) */
PG_FUNCTION_INFO_V1(period_to_daterange);
Datum
period_to_daterange(PG_FUNCTION_ARGS)
{
	TypeCacheEntry *typcache = lookup_type_cache(DATERANGEOID, TYPECACHE_RANGE_INFO);
	RangeBound	lower,
				upper;
	int32		start,
				end;

	rb_period_bounds(PG_GETARG_PERIOD(0), &start, &end);
	lower.val = DateADTGetDatum(start);
	lower.infinite = false;
	lower.inclusive = true;
	lower.lower = true;
	upper.val = DateADTGetDatum(end);
	upper.infinite = false;
	upper.inclusive = false;
	upper.lower = false;
	PG_RETURN_RANGE_P(make_range(typcache, &lower, &upper, false));
}

/* comparison: the int32 order, which is the order of start dates */
#define PERIOD_CMP_FN(name, op) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL(PG_GETARG_PERIOD(0) op PG_GETARG_PERIOD(1)); \
}

PERIOD_CMP_FN(period_eq, ==)
PERIOD_CMP_FN(period_ne, !=)
PERIOD_CMP_FN(period_lt, <)
PERIOD_CMP_FN(period_le, <=)
PERIOD_CMP_FN(period_gt, >)
PERIOD_CMP_FN(period_ge, >=)

PG_FUNCTION_INFO_V1(period_cmp);
Datum
period_cmp(PG_FUNCTION_ARGS)
{
	int32		a = PG_GETARG_PERIOD(0),
				b = PG_GETARG_PERIOD(1);

	PG_RETURN_INT32((a > b) - (a < b));
}

PG_FUNCTION_INFO_V1(period_hash);
Datum
period_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32((uint32) PG_GETARG_PERIOD(0));
}

PG_FUNCTION_INFO_V1(period_hash_extended);
Datum
period_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended((uint32) PG_GETARG_PERIOD(0), PG_GETARG_INT64(1));
}

/* p - q: the number of months from q's start month to p's (same or any anchor) */
PG_FUNCTION_INFO_V1(period_months_between);
Datum
period_months_between(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(PG_GETARG_PERIOD(0) / 32 - PG_GETARG_PERIOD(1) / 32);
}

/* the earlier / later of two periods (min and max) */
PG_FUNCTION_INFO_V1(period_smaller);
Datum
period_smaller(PG_FUNCTION_ARGS)
{
	int32		a = PG_GETARG_PERIOD(0),
				b = PG_GETARG_PERIOD(1);

	PG_RETURN_PERIOD(a <= b ? a : b);
}

PG_FUNCTION_INFO_V1(period_larger);
Datum
period_larger(PG_FUNCTION_ARGS)
{
	int32		a = PG_GETARG_PERIOD(0),
				b = PG_GETARG_PERIOD(1);

	PG_RETURN_PERIOD(a >= b ? a : b);
}
