/*
 * period.h — reseller_billing.billing_period as the server sees it: an int32
 * passed by value (encoding in calendar.h).
 */
#ifndef RB_PERIOD_H
#define RB_PERIOD_H

#include "postgres.h"

#include "fmgr.h"

#include "calendar.h"

#define PG_GETARG_PERIOD(n)		PG_GETARG_INT32(n)
#define PG_RETURN_PERIOD(x)		PG_RETURN_INT32(x)

/* billing_period(date): the calendar month of a date (period.c) */
extern Datum period_of_date(PG_FUNCTION_ARGS);

/* the text form, palloc'd */
extern char *period_to_cstring(int32 p);

#endif
