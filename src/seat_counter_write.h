/*
 * seat_counter_write.h — the commit-time write of the seat counters without
 * the executor's UPDATE (seat_counter_write.c).
 */
#ifndef RB_SEAT_COUNTER_WRITE_H
#define RB_SEAT_COUNTER_WRITE_H

#include "seat_state.h"

/* writes the pending counts TODO[0..N) that need no trigger of subscription
 * straight into their rows, sets DONE[i] for each written, and returns how
 * many; the others (and all of them on a distributed table) are left to the
 * SQL UPDATE */
extern int	seat_counter_write_direct(SeatCount *todo, int n, bool *done);

#endif
