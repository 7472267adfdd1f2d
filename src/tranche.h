/*
 * tranche.h — a commitment tranche of an Annual subscription (tranche.c).
 */
#ifndef RB_TRANCHE_H
#define RB_TRANCHE_H

#include "postgres.h"

#include "storage/itemptr.h"
#include "utils/date.h"

/* the arguments of a tranche; a NULL is a null flag set */
typedef struct TrancheArgs
{
	Datum		reseller, subscription, plan, seats, price, term_start, term_end, starts_on;
	bool		null[8];
	Oid			plan_type;
	Oid			price_type;
	/* the subscription row the tranche is of, in relation parent (the
	 * billing-facts trigger's tuple); invalid: not known */
	Oid			parent;
	ItemPointerData tid;
} TrancheArgs;

/* checks the arguments (the subscription's existence when CHECK_EXISTS):
 * every error of tranche_add; SPI connected */
extern void rb_tranche_check(TrancheArgs *a, bool check_exists);

/* writes N checked tranches (of one plan and price type) with one
 * statement, or, when DIRECT (tranches of subscription rows the current
 * command wrote), straight into the table where that is the statement's
 * equal (child_write.c); SPI connected */
extern void rb_tranche_write(TrancheArgs *rows, int n, bool direct);

/* check, then write one */
extern void rb_tranche_insert(TrancheArgs *a, bool check_exists);

#endif
