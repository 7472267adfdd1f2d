/*
 * clock.h — the billing clock for the C rules (clock.c).
 */
#ifndef RB_CLOCK_H
#define RB_CLOCK_H

#include "datatype/timestamp.h"

/* clock_now(): the transaction time, or the frozen moment */
extern TimestampTz rb_clock(void);

/* effective_at(): the moment a change takes effect (22023 in the future) */
extern TimestampTz rb_effective_at(void);

/* the transaction's and the statement's start, wall time: the audit log's
 * logged_at and statement_at, and a statement's identity; never a rule's
 * moment */
extern TimestampTz rb_wall_transaction_start(void);
extern TimestampTz rb_wall_statement_start(void);

#endif
