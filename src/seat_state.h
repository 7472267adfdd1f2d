/*
 * seat_state.h — what a transaction remembers of its seat counters
 * (seat_state.c), for the seat triggers (seat_limit.c).
 *
 * Three kinds of entries, each in a hash table of the transaction, so a
 * statement over thousands of subscriptions costs one look-up per row:
 * - groups: a statement's rows of one subscription, tagged with the
 *   relation, the operation and the subtransaction, applied by the
 *   statement trigger;
 * - pending counts: what the transaction added to a counter and has not
 *   written yet, per subtransaction;
 * - locked rows: a subscription the transaction has locked and read.
 * An aborted subtransaction's entries are forgotten; a committed one's
 * become its parent's.
 */
#ifndef RB_SEAT_STATE_H
#define RB_SEAT_STATE_H

#include "access/xact.h"
#include "datatype/timestamp.h"

typedef struct SeatKey
{
	int64		reseller;
	int64		subscription;
} SeatKey;

typedef struct SeatGroupKey
{
	Oid			relid;
	SubTransactionId subxid;
	bool		insert;			/* an INSERT's group, or an UPDATE's */
	SeatKey		sub;
} SeatGroupKey;

typedef struct SeatGroup
{
	SeatGroupKey key;
	int64		delta;			/* accounts in use gained (lost) */
	bool		has_moment;
	TimestampTz latest;			/* INSERT: the latest start or end */
	TimestampTz earliest;		/* INSERT: the earliest start */
} SeatGroup;

/* what a subscription's row said when this transaction locked it */
typedef struct SeatLocked
{
	SeatKey		key;
	SubTransactionId subxid;
	char		status[16];
	bool		annual;
	bool		lim_null;
	int64		lim;
	int64		active;			/* active_seats on disk when locked */
	bool		trial_ended;	/* a trial whose end has come */
	char		trial_end[16];
} SeatLocked;

/* a counter's change not yet written, summed over the subtransactions */
typedef struct SeatCount
{
	SeatKey		key;
	int64		delta;
} SeatCount;

/* the group of the current subtransaction for these keys (created empty) */
extern SeatGroup *seat_group(Oid relid, bool insert, int64 reseller, int64 subscription);

/* the groups of RELID/INSERT in the current subtransaction, taken out, in
 * key order; *n is their number (palloc'd in the caller's context) */
extern SeatGroup *seat_groups_take(Oid relid, bool insert, int *n);

extern int64 seat_pending_sum(int64 reseller, int64 subscription);
extern void seat_pending_add(int64 reseller, int64 subscription, int64 delta);
extern bool seat_pending_any(void);

/* every pending count of the transaction, summed, taken out, in key order
 * (zero sums left out) */
extern SeatCount *seat_pending_take_all(int *n);

/* the WHEN of the deferred seat_count_commit trigger: true for the first
 * row of the transaction (and the first after the event fired), so one
 * event is queued, not one per row; seat_commit_fired() when it fires */
extern bool seat_commit_queue(void);
extern void seat_commit_fired(void);

extern SeatLocked *seat_locked_find(int64 reseller, int64 subscription);
extern SeatLocked *seat_locked_add(int64 reseller, int64 subscription);
extern void seat_locked_forget(int64 reseller, int64 subscription);
extern bool seat_locked_any(void);

#endif
