/*
 * calendar.c — Gregorian day numbers and billing periods, without a server.
 */
#include "calendar.h"

#include <stdio.h>

#define DAYS_1970_TO_2000	10957

bool
rb_is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int
rb_days_in_month(int64_t y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return (m == 2 && rb_is_leap(y)) ? 29 : dim[m - 1];
}

/*
 * Day number of a civil date.  The year is shifted to start in March so the
 * leap day is last; 400-year eras have exactly 146097 days.
 */
int32_t
rb_days_from_civil(int64_t y, int m, int d)
{
	int64_t		era,
				yoe,
				doy,
				doe;

	if (m <= 2)
		y--;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (int32_t) (era * 146097 + doe - 719468 - DAYS_1970_TO_2000);
}

void
rb_civil_from_days(int32_t days, int64_t *year, int *month, int *day)
{
	int64_t		z = (int64_t) days + DAYS_1970_TO_2000 + 719468;
	int64_t		era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t		doe = z - era * 146097;
	int64_t		yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t		doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t		mp = (5 * doy + 2) / 153;
	int			m = (int) (mp < 10 ? mp + 3 : mp - 9);

	*day = (int) (doy - (153 * mp + 2) / 5 + 1);
	*month = m;
	*year = yoe + era * 400 + (m <= 2 ? 1 : 0);
}

RbPeriodStatus
rb_period_make(int64_t year, int month, int anchor, int32_t *out)
{
	if (year < RB_YEAR_MIN || year > RB_YEAR_MAX)
		return RB_PERIOD_BAD_YEAR;
	if (month < 1 || month > 12)
		return RB_PERIOD_BAD_MONTH;
	if (anchor < 1 || anchor > 31)
		return RB_PERIOD_BAD_ANCHOR;
	*out = (int32_t) ((year * 12 + month - 1) * 32 + anchor);
	return RB_PERIOD_OK;
}

void
rb_period_split(int32_t p, int *year, int *month, int *anchor)
{
	int32_t		mi = p / 32;

	*anchor = p % 32;
	*year = mi / 12;
	*month = mi % 12 + 1;
}

bool
rb_period_valid(int32_t p)
{
	int			y,
				m,
				a;
	int32_t		again;

	if (p < 0)
		return false;
	rb_period_split(p, &y, &m, &a);
	return rb_period_make(y, m, a, &again) == RB_PERIOD_OK && again == p;
}

/* first day of the cycle anchored on a that starts in month index mi */
static int32_t
cycle_start(int64_t mi, int anchor)
{
	int64_t		y = mi / 12;
	int			m = (int) (mi % 12) + 1;
	int			dim = rb_days_in_month(y, m);

	return rb_days_from_civil(y, m, anchor < dim ? anchor : dim);
}

void
rb_period_bounds(int32_t p, int32_t *start, int32_t *end)
{
	int64_t		mi = p / 32;
	int			anchor = p % 32;

	*start = cycle_start(mi, anchor);
	*end = cycle_start(mi + 1, anchor);
}

bool
rb_period_containing(int32_t day, int anchor, int32_t *out)
{
	int64_t		y;
	int			m,
				d;
	int64_t		mi;

	if (anchor < 1 || anchor > 31)
		return false;
	rb_civil_from_days(day, &y, &m, &d);
	/*
	 * A day of year 0 or earlier lies in a period starting before 0001; one
	 * of year 10000 can still lie in 9999-12@A (A > its day of month).
	 * Anything else is out of range, and cycle_start() needs mi >= 0.
	 */
	if (y < RB_YEAR_MIN || y > RB_YEAR_MAX + 1)
		return false;
	mi = y * 12 + m - 1;
	if (day < cycle_start(mi, anchor))
		mi--;
	return rb_period_make(mi / 12, (int) (mi % 12) + 1, anchor, out) == RB_PERIOD_OK
		&& mi >= 12;
}

bool
rb_period_add_months(int32_t p, int64_t months, int32_t *out)
{
	int64_t		mi;

	/* bound months first: p / 32 + months must not overflow */
	if (months > 12 * RB_YEAR_MAX || months < -12 * RB_YEAR_MAX)
		return false;
	mi = p / 32 + months;
	if (mi < 12)
		return false;
	return rb_period_make(mi / 12, (int) (mi % 12) + 1, p % 32, out) == RB_PERIOD_OK;
}

static int
scan_digits(const char *s, size_t len, size_t *pos, int max_digits, int *value)
{
	int			n = 0;

	*value = 0;
	while (*pos < len && n < max_digits && s[*pos] >= '0' && s[*pos] <= '9')
	{
		*value = *value * 10 + (s[*pos] - '0');
		(*pos)++;
		n++;
	}
	return n;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

RbPeriodStatus
rb_period_parse(const char *s, size_t len, int32_t *out)
{
	size_t		p = 0;
	int			year,
				month,
				anchor = 1;

	while (p < len && is_space(s[p]))
		p++;
	if (scan_digits(s, len, &p, 4, &year) != 4 || p >= len || s[p] != '-')
		return RB_PERIOD_SYNTAX;
	p++;
	if (scan_digits(s, len, &p, 2, &month) != 2)
		return RB_PERIOD_SYNTAX;
	if (p < len && s[p] == '@')
	{
		p++;
		if (scan_digits(s, len, &p, 2, &anchor) == 0)
			return RB_PERIOD_SYNTAX;
	}
	while (p < len && is_space(s[p]))
		p++;
	if (p != len)
		return RB_PERIOD_SYNTAX;
	return rb_period_make(year, month, anchor, out);
}

int
rb_period_format(char *buf, int32_t p)
{
	int			y,
				m,
				a;

	rb_period_split(p, &y, &m, &a);
	if (a == 1)
		return snprintf(buf, RB_PERIOD_TEXT_MAX, "%04d-%02d", y, m);
	return snprintf(buf, RB_PERIOD_TEXT_MAX, "%04d-%02d@%d", y, m, a);
}
