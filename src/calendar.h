/*
 * calendar.h — proleptic Gregorian calendar arithmetic and the billing period
 * encoding.  Plain C (no PostgreSQL headers): the fuzz harness links it.
 *
 * Days are counted from 2000-01-01 (day 0), PostgreSQL's DateADT epoch, so a
 * day number here is a date value there.
 *
 * A billing period is one int32: (year * 12 + month - 1) * 32 + anchor, with
 * year 1..9999, month 1..12, anchor 1..31.  The cycle anchored on day A that
 * starts in month M begins on min(A, days in M) and ends (exclusive) on the
 * same rule applied to the next month.  Integer order of the encoding is the
 * order of the periods' start dates, ties broken by anchor.
 */
#ifndef RB_CALENDAR_H
#define RB_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RB_YEAR_MIN		1
#define RB_YEAR_MAX		9999

extern bool rb_is_leap(int64_t year);
extern int	rb_days_in_month(int64_t year, int month);
extern int32_t rb_days_from_civil(int64_t year, int month, int day);
extern void rb_civil_from_days(int32_t days, int64_t *year, int *month, int *day);

typedef enum RbPeriodStatus
{
	RB_PERIOD_OK = 0,
	RB_PERIOD_SYNTAX,			/* not YYYY-MM[@D] */
	RB_PERIOD_BAD_YEAR,			/* year outside 0001..9999 */
	RB_PERIOD_BAD_MONTH,		/* month outside 01..12 */
	RB_PERIOD_BAD_ANCHOR		/* anchor outside 1..31 */
} RbPeriodStatus;

/* the encoding; RB_PERIOD_OK or which part is out of range */
extern RbPeriodStatus rb_period_make(int64_t year, int month, int anchor, int32_t *out);
extern void rb_period_split(int32_t p, int *year, int *month, int *anchor);
/* true when p is a value rb_period_make can produce (for binary receive) */
extern bool rb_period_valid(int32_t p);

/* [start, end) in days since 2000-01-01 */
extern void rb_period_bounds(int32_t p, int32_t *start, int32_t *end);
/* the period with anchor that contains day; false when outside years 1..9999 */
extern bool rb_period_containing(int32_t day, int anchor, int32_t *out);
/* p moved by months; false when the result leaves years 1..9999 */
extern bool rb_period_add_months(int32_t p, int64_t months, int32_t *out);

/* 'YYYY-MM' or 'YYYY-MM@D' with surrounding spaces; bounded buffer */
extern RbPeriodStatus rb_period_parse(const char *s, size_t len, int32_t *out);
/* canonical text ('2012-06', '2012-06@15'); buf of RB_PERIOD_TEXT_MAX bytes */
#define RB_PERIOD_TEXT_MAX	16
extern int	rb_period_format(char *buf, int32_t p);

#endif
