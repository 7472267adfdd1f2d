/*
 * close_lines.h — a month's recurring lines (close_lines.c), for the SQL
 * function usage_lines and for due_lines (close_due.c).
 */
#ifndef RB_CLOSE_LINES_H
#define RB_CLOSE_LINES_H

#include "postgres.h"

#include "fmgr.h"

#include "spi_rules.h"

/* the columns of a line, as usage_lines returns them */
enum
{
	UL_RESELLER, UL_CURRENCY, UL_KIND, UL_SUBSCRIPTION, UL_CUSTOMER, UL_SKU,
	UL_DESCRIPTION, UL_QUANTITY, UL_UNIT_PRICE, UL_AMOUNT, UL_SERVICE_PERIOD,
	UL_SERVICE, UL_TRANCHE, UL_NCOLS
};

/*
 * The lines' queries: $1 the month, $2 the program (NULL: every program),
 * $3..$4 the reseller range.  RB_RES_FILTER(t) restricts table t to the
 * range, "BETWEEN $3 AND $4", or in the one-reseller form (lo = hi) to
 * "= $3", so that on Citus the query is routed to the shard holding it;
 * rb_lines_sql fills in the form (format argument 1).
 */
#define RB_RES_FILTER(t) t ".reseller_id %1$s"
extern char *rb_lines_sql(const char *fmt, bool one);

/* the plan of query FMT in its form, kept in *PLAN for the session (the
 * range form planned at each execution for its bounds) */
extern SPIPlanPtr rb_lines_prepare(RbTypedPlan *plan, const char *fmt, bool one,
								   int nargs, Oid *types);

/* receives each line; values live until the next line */
typedef void (*RbLineSink) (void *arg, Datum *values, bool *nulls);

/*
 * The recurring lines of PERIOD (a billing_period of type PERIOD_TYPE) for
 * the resellers of PROGRAM (PROGRAM_NULL: every program) with ids in
 * [LO, HI], each handed to SINK.  Connects to SPI itself.
 */
extern void rb_usage_lines(int32 period, Oid period_type, Datum program, bool program_null,
						   int64 lo, int64 hi, RbLineSink sink, void *sink_arg);

#endif
