/*
 * fuzz_period.c — libFuzzer harness for the billing period text form and the
 * calendar arithmetic behind it (calendar.c, no server).
 *
 * Text properties, for every input that rb_period_parse accepts:
 *   - rb_period_valid(p); year/month/anchor in range;
 *   - rb_period_format -> rb_period_parse gives the identical period, and
 *     formatting that again is byte-identical;
 *   - bounds: start < end and the period is 28..31 days long;
 *   - start and end-1 both lie in the civil month the period is named after
 *     (start) or the next one (end-1), and rb_period_containing of either,
 *     with the period's anchor, is the period itself;
 *   - add_months(+1) then add_months(-1) is the identity when it succeeds,
 *     and the next period starts exactly where this one ends;
 *   - rb_civil_from_days(start) is the period's year and month on day
 *     min(anchor, days in month), and rb_days_from_civil maps it back.
 *
 * The same bytes are also read as binary arguments (little-endian int32 day,
 * an anchor byte, an int64 month count) to drive rb_period_containing and
 * rb_period_add_months over their whole documented domain: any int32 day,
 * any anchor (false outside 1..31), any int64 months.
 *
 * A violation prints what went wrong and calls abort().
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"

/* month index (year * 12 + month - 1) range of valid periods */
#define MI_MIN	((int64_t) RB_YEAR_MIN * 12)
#define MI_MAX	((int64_t) RB_YEAR_MAX * 12 + 11)

static void
fail(const char *what, const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz_period: property violated: %s\n  input (%zu bytes): \"", what, size);
	for (size_t i = 0; i < size; i++)
	{
		unsigned char c = data[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fputs("\"\n", stderr);
	abort();
}

static int64_t
month_index(int32_t p)
{
	int			y,
				m,
				a;

	rb_period_split(p, &y, &m, &a);
	return (int64_t) y * 12 + m - 1;
}

/* everything that must hold for a valid period p */
static void
check_period(int32_t p, const uint8_t *data, size_t size)
{
	int			y,
				m,
				a;
	int32_t		start,
				end,
				q;
	char		msg[200];

	if (!rb_period_valid(p))
	{
		snprintf(msg, sizeof msg, "period %d is not rb_period_valid", (int) p);
		fail(msg, data, size);
	}
	rb_period_split(p, &y, &m, &a);
	if (y < RB_YEAR_MIN || y > RB_YEAR_MAX || m < 1 || m > 12 || a < 1 || a > 31)
		fail("rb_period_split out of range", data, size);

	/* text round trip */
	{
		char		t1[RB_PERIOD_TEXT_MAX],
					t2[RB_PERIOD_TEXT_MAX];
		int			n1 = rb_period_format(t1, p),
					n2;
		char	   *copy;
		int32_t		back = -1;
		RbPeriodStatus st;

		if (n1 <= 0 || n1 >= RB_PERIOD_TEXT_MAX || strlen(t1) != (size_t) n1)
			fail("rb_period_format length wrong", data, size);
		copy = malloc((size_t) n1);
		if (copy == NULL)
			return;
		memcpy(copy, t1, (size_t) n1);
		st = rb_period_parse(copy, (size_t) n1, &back);
		free(copy);
		if (st != RB_PERIOD_OK || back != p)
		{
			snprintf(msg, sizeof msg, "period %d -> \"%s\" -> status %d, period %d",
					 (int) p, t1, (int) st, (int) back);
			fail(msg, data, size);
		}
		n2 = rb_period_format(t2, back);
		if (n2 != n1 || strcmp(t1, t2) != 0)
			fail("period formatting is not idempotent", data, size);
	}

	/* bounds */
	rb_period_bounds(p, &start, &end);
	if (!(start < end) || end - start < 28 || end - start > 31)
	{
		snprintf(msg, sizeof msg, "period %d: bounds [%d, %d) are %d days",
				 (int) p, (int) start, (int) end, (int) (end - start));
		fail(msg, data, size);
	}

	/* civil round trip of start, and where start falls */
	{
		int64_t		cy;
		int			cm,
					cd,
					dim = rb_days_in_month(y, m);

		rb_civil_from_days(start, &cy, &cm, &cd);
		if (cy != y || cm != m || cd != (a < dim ? a : dim))
		{
			snprintf(msg, sizeof msg, "period %d starts on day %d = %lld-%02d-%02d, expected %04d-%02d-%02d",
					 (int) p, (int) start, (long long) cy, cm, cd, y, m, a < dim ? a : dim);
			fail(msg, data, size);
		}
		if (rb_days_from_civil(cy, cm, cd) != start)
			fail("rb_days_from_civil(rb_civil_from_days(start)) != start", data, size);

		/* end-1 is in the same or the next civil month */
		rb_civil_from_days(end - 1, &cy, &cm, &cd);
		if (!((cy == y && cm == m) || (cy * 12 + cm - 1 == (int64_t) y * 12 + m)))
			fail("end-1 is not in the period's month or the next", data, size);
		if (rb_days_from_civil(cy, cm, cd) != end - 1)
			fail("rb_days_from_civil(rb_civil_from_days(end-1)) != end-1", data, size);
	}

	/* containing */
	if (!rb_period_containing(start, a, &q) || q != p)
	{
		snprintf(msg, sizeof msg, "rb_period_containing(start %d, %d) is not period %d",
				 (int) start, a, (int) p);
		fail(msg, data, size);
	}
	if (!rb_period_containing(end - 1, a, &q) || q != p)
	{
		snprintf(msg, sizeof msg, "rb_period_containing(end-1 %d, %d) is not period %d",
				 (int) (end - 1), a, (int) p);
		fail(msg, data, size);
	}

	/* next and back */
	{
		int32_t		next,
					prev;

		if (rb_period_add_months(p, 1, &next))
		{
			int32_t		ns,
						ne;

			if (!rb_period_valid(next) || month_index(next) != month_index(p) + 1)
				fail("add_months(+1) is not the next month", data, size);
			if (!rb_period_add_months(next, -1, &prev) || prev != p)
				fail("add_months(+1) then (-1) is not the identity", data, size);
			rb_period_bounds(next, &ns, &ne);
			if (ns != end)
				fail("next period does not start where this one ends", data, size);
			if (!rb_period_containing(end, a, &q) || q != next)
				fail("rb_period_containing(end) is not the next period", data, size);
		}
		else if (month_index(p) != MI_MAX)
			fail("add_months(+1) failed before year 9999-12", data, size);
	}
}

static int32_t
le32(const uint8_t *b)
{
	return (int32_t) ((uint32_t) b[0] | (uint32_t) b[1] << 8 |
					  (uint32_t) b[2] << 16 | (uint32_t) b[3] << 24);
}

static int64_t
le64(const uint8_t *b)
{
	uint64_t	v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | b[i];
	return (int64_t) v;
}

/* the binary reading of the input: arbitrary day / anchor / months */
static void
check_binary(const uint8_t *data, size_t size)
{
	int32_t		day,
				p;
	int			anchor;
	char		msg[200];

	if (size < 4)
		return;
	day = le32(data);
	anchor = size >= 5 ? data[4] % 40 : 1;	/* includes invalid 0 and 32..39 */

	if (rb_period_containing(day, anchor, &p))
	{
		int32_t		start,
					end;

		if (anchor < 1 || anchor > 31)
			fail("rb_period_containing accepted an invalid anchor", data, size);
		if (!rb_period_valid(p))
			fail("rb_period_containing returned an invalid period", data, size);
		rb_period_bounds(p, &start, &end);
		if (day < start || day >= end)
		{
			snprintf(msg, sizeof msg, "rb_period_containing(%d, %d) = %d with bounds [%d, %d)",
					 (int) day, anchor, (int) p, (int) start, (int) end);
			fail(msg, data, size);
		}
		{
			int			y,
						m,
						a;

			rb_period_split(p, &y, &m, &a);
			if (a != anchor)
				fail("rb_period_containing changed the anchor", data, size);
		}

		/* arbitrary month counts from a valid period */
		if (size >= 13)
		{
			int64_t		months = le64(data + 5);
			int32_t		r;
			int64_t		target = month_index(p) + (months > 0 ? (months > 200000 ? 200000 : months)
												   : (months < -200000 ? -200000 : months));

			if (rb_period_add_months(p, months, &r))
			{
				if (!rb_period_valid(r) || month_index(r) != target || r % 32 != p % 32)
				{
					snprintf(msg, sizeof msg, "rb_period_add_months(%d, %lld) = %d is wrong",
							 (int) p, (long long) months, (int) r);
					fail(msg, data, size);
				}
			}
			else if (target >= MI_MIN && target <= MI_MAX)
			{
				snprintf(msg, sizeof msg, "rb_period_add_months(%d, %lld) failed for an in-range target",
						 (int) p, (long long) months);
				fail(msg, data, size);
			}
		}
	}
	else if (anchor >= 1 && anchor <= 31)
	{
		/* only legitimate outside the first and last period with this anchor */
		int32_t		first,
					last,
					s0,
					e0,
					s1,
					e1;

		rb_period_make(RB_YEAR_MIN, 1, anchor, &first);
		rb_period_make(RB_YEAR_MAX, 12, anchor, &last);
		rb_period_bounds(first, &s0, &e0);
		rb_period_bounds(last, &s1, &e1);
		if (day >= s0 && day < e1)
		{
			snprintf(msg, sizeof msg, "rb_period_containing(%d, %d) failed inside [%d, %d)",
					 (int) day, anchor, (int) s0, (int) e1);
			fail(msg, data, size);
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	   *buf = malloc(size ? size : 1);
	int32_t		p = -1;
	RbPeriodStatus st;

	if (buf == NULL)
		return 0;
	if (size)
		memcpy(buf, data, size);
	st = rb_period_parse(buf, size, &p);
	free(buf);

	switch (st)
	{
		case RB_PERIOD_OK:
			check_period(p, data, size);
			break;
		case RB_PERIOD_SYNTAX:
		case RB_PERIOD_BAD_YEAR:
		case RB_PERIOD_BAD_MONTH:
		case RB_PERIOD_BAD_ANCHOR:
			break;
		default:
			fail("unknown parse status", data, size);
	}

#ifndef RB_FUZZ_TEXT_ONLY		/* -DRB_FUZZ_TEXT_ONLY: triage the text half alone */
	check_binary(data, size);
#endif
	return 0;
}
