/*
 * late_change.h — a change dated back into a month already billed
 * (late_change.c), and what the rules need to know of a reseller's program.
 */
#ifndef RB_LATE_CHANGE_H
#define RB_LATE_CHANGE_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "utils/date.h"

/* the reseller's program and its time zone (palloc'd); false when the
 * reseller does not exist.  Needs SPI connected. */
extern bool rb_reseller_program(int64 reseller, int64 *program, char **time_zone);

/* the date of a moment in a time zone */
extern DateADT rb_date_in_zone(TimestampTz at, const char *time_zone);

/* records a late change of a subscription from the month of FROM on (a
 * date): waits for a close of the program in progress, then marks every
 * month from there the reseller has been billed for.  PROGRAM < 0: looked
 * up.  Returns the months marked.  Needs SPI connected. */
extern int	rb_mark_late(int64 reseller, int64 subscription, DateADT from, int64 program);


#endif
