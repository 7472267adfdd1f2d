/*
 * seat_state.c — a transaction's seat counters in memory: the statements'
 * groups, the pending counts and the locked rows (seat_state.h), in hash
 * tables of the transaction's memory, so no look-up walks a list (a
 * statement adding accounts to thousands of subscriptions used to compare
 * each row with every group).
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"

#include "seat_state.h"

typedef struct PendKey
{
	SeatKey		sub;
	SubTransactionId subxid;
} PendKey;

typedef struct PendEntry
{
	PendKey		key;
	int64		delta;
} PendEntry;

static MemoryContext seat_cxt = NULL;
static HTAB *groups = NULL;
static HTAB *pending = NULL;	/* PendEntry: per subtransaction */
static HTAB *totals = NULL;		/* SeatCount: summed */
static HTAB *locked = NULL;
static bool callbacks = false;

/* the transaction's one queued seat_count_commit event (seat_commit_queue) */
static bool commit_queued = false;
static SubTransactionId commit_subxid = InvalidSubTransactionId;

static bool seat_unwritten(void);

static void
forget_all(void)
{
	/* the memory goes with the transaction's */
	seat_cxt = NULL;
	groups = pending = totals = locked = NULL;
}

static void
seat_xact_callback(XactEvent event, void *arg)
{
	/*
	 * The deferred triggers have fired: a count still unwritten means no
	 * seat_count_commit event was queued for it (seat_commit_queue() called
	 * by hand).  The transaction fails rather than commit a wrong counter.
	 */
	if ((event == XACT_EVENT_PRE_COMMIT || event == XACT_EVENT_PRE_PREPARE) && seat_unwritten())
		ereport(ERROR,
				(errcode(ERRCODE_INTEGRITY_CONSTRAINT_VIOLATION),
				 errmsg("the seat counters this transaction changed were not written"),
				 errdetail("No seat_count_commit event was queued for them."),
				 errhint("seat_commit_queue() is the WHEN of the seat_count_commit trigger; do not call it yourself.")));
	if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT ||
		event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT ||
		event == XACT_EVENT_PREPARE)
	{
		forget_all();
		commit_queued = false;
		commit_subxid = InvalidSubTransactionId;
	}
}

static void
pending_add_in(SubTransactionId subxid, int64 reseller, int64 subscription, int64 delta);

static void
seat_subxact_callback(SubXactEvent event, SubTransactionId mine,
					  SubTransactionId parent, void *arg)
{
	HASH_SEQ_STATUS scan;
	bool		commit = (event == SUBXACT_EVENT_COMMIT_SUB);

	if (event != SUBXACT_EVENT_COMMIT_SUB && event != SUBXACT_EVENT_ABORT_SUB)
		return;
	/* the event queued in this subtransaction goes with it, or to its parent */
	if (commit_queued && commit_subxid == mine)
	{
		if (commit)
			commit_subxid = parent;
		else
			commit_queued = false;
	}
	if (seat_cxt == NULL)
		return;
	if (groups != NULL && hash_get_num_entries(groups) > 0)
	{
		SeatGroup  *g;
		List	   *moved = NIL;
		ListCell   *lc;

		hash_seq_init(&scan, groups);
		while ((g = hash_seq_search(&scan)) != NULL)
		{
			if (g->key.subxid != mine)
				continue;
			if (commit)
			{
				SeatGroup  *copy = palloc(sizeof(SeatGroup));

				*copy = *g;
				moved = lappend(moved, copy);
			}
			hash_search(groups, &g->key, HASH_REMOVE, NULL);
		}
		foreach(lc, moved)
		{
			SeatGroup  *c = lfirst(lc);
			SeatGroupKey key = c->key;
			SeatGroup  *g;
			bool		found;

			key.subxid = parent;
			g = hash_search(groups, &key, HASH_ENTER, &found);
			if (!found)
			{
				*g = *c;
				g->key = key;
				continue;
			}
			g->delta += c->delta;
			if (c->has_moment && !g->has_moment)
			{
				g->latest = c->latest;
				g->earliest = c->earliest;
				g->has_moment = true;
			}
			else if (c->has_moment)
			{
				g->latest = Max(g->latest, c->latest);
				g->earliest = Min(g->earliest, c->earliest);
			}
		}
		list_free_deep(moved);
	}
	if (pending != NULL && hash_get_num_entries(pending) > 0)
	{
		PendEntry  *p;
		List	   *moved = NIL;
		ListCell   *lc;

		hash_seq_init(&scan, pending);
		while ((p = hash_seq_search(&scan)) != NULL)
		{
			if (p->key.subxid != mine)
				continue;
			if (commit)
			{
				PendEntry  *copy = palloc(sizeof(PendEntry));

				*copy = *p;
				moved = lappend(moved, copy);
			}
			else
			{
				SeatCount  *t = hash_search(totals, &p->key.sub, HASH_FIND, NULL);

				if (t != NULL)
					t->delta -= p->delta;
			}
			hash_search(pending, &p->key, HASH_REMOVE, NULL);
		}
		foreach(lc, moved)
		{
			PendEntry  *c = lfirst(lc);
			SeatCount  *t = hash_search(totals, &c->key.sub, HASH_FIND, NULL);

			/* moved, not added twice: the total keeps it already */
			if (t != NULL)
				t->delta -= c->delta;
			pending_add_in(parent, c->key.sub.reseller, c->key.sub.subscription, c->delta);
		}
		list_free_deep(moved);
	}
	if (locked != NULL && hash_get_num_entries(locked) > 0)
	{
		SeatLocked *k;

		hash_seq_init(&scan, locked);
		while ((k = hash_seq_search(&scan)) != NULL)
		{
			if (k->subxid != mine)
				continue;
			if (commit)
				k->subxid = parent;
			else
				hash_search(locked, &k->key, HASH_REMOVE, NULL);
		}
	}
}

static HTAB *
make_table(const char *name, Size keysize, Size entrysize)
{
	HASHCTL		ctl;

	ctl.keysize = keysize;
	ctl.entrysize = entrysize;
	ctl.hcxt = seat_cxt;
	return hash_create(name, 64, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/* the first use in a transaction: the callbacks, the memory, the tables */
static void
seat_state_init(void)
{
	if (!callbacks)
	{
		RegisterXactCallback(seat_xact_callback, NULL);
		RegisterSubXactCallback(seat_subxact_callback, NULL);
		callbacks = true;
	}
	if (seat_cxt == NULL)
	{
		seat_cxt = AllocSetContextCreate(TopTransactionContext, "reseller_billing seat counters",
										 ALLOCSET_DEFAULT_SIZES);
		groups = make_table("reseller_billing seat groups", sizeof(SeatGroupKey), sizeof(SeatGroup));
		pending = make_table("reseller_billing pending seats", sizeof(PendKey), sizeof(PendEntry));
		totals = make_table("reseller_billing pending totals", sizeof(SeatKey), sizeof(SeatCount));
		locked = make_table("reseller_billing locked subscriptions", sizeof(SeatKey), sizeof(SeatLocked));
	}
}

static SeatKey
sub_key(int64 reseller, int64 subscription)
{
	SeatKey		k;

	memset(&k, 0, sizeof(k));
	k.reseller = reseller;
	k.subscription = subscription;
	return k;
}

SeatGroup *
seat_group(Oid relid, bool insert, int64 reseller, int64 subscription)
{
	SeatGroupKey key;
	SeatGroup  *g;
	bool		found;

	seat_state_init();
	memset(&key, 0, sizeof(key));
	key.relid = relid;
	key.subxid = GetCurrentSubTransactionId();
	key.insert = insert;
	key.sub = sub_key(reseller, subscription);
	g = hash_search(groups, &key, HASH_ENTER, &found);
	if (!found)
	{
		memset(((char *) g) + sizeof(SeatGroupKey), 0, sizeof(SeatGroup) - sizeof(SeatGroupKey));
	}
	return g;
}

static int
group_cmp(const void *a, const void *b)
{
	const SeatGroup *x = a;
	const SeatGroup *y = b;

	if (x->key.sub.reseller != y->key.sub.reseller)
		return x->key.sub.reseller < y->key.sub.reseller ? -1 : 1;
	if (x->key.sub.subscription != y->key.sub.subscription)
		return x->key.sub.subscription < y->key.sub.subscription ? -1 : 1;
	return 0;
}

SeatGroup *
seat_groups_take(Oid relid, bool insert, int *n)
{
	HASH_SEQ_STATUS scan;
	SeatGroup  *g,
			   *out;
	SubTransactionId subxid = GetCurrentSubTransactionId();
	int			cap,
				count = 0;

	*n = 0;
	if (groups == NULL || hash_get_num_entries(groups) == 0)
		return NULL;
	cap = hash_get_num_entries(groups);
	out = palloc(sizeof(SeatGroup) * cap);
	hash_seq_init(&scan, groups);
	while ((g = hash_seq_search(&scan)) != NULL)
	{
		if (g->key.relid != relid || g->key.subxid != subxid || g->key.insert != insert)
			continue;
		out[count++] = *g;
		hash_search(groups, &g->key, HASH_REMOVE, NULL);
	}
	if (count > 1)
		qsort(out, count, sizeof(SeatGroup), group_cmp);
	*n = count;
	return out;
}

int64
seat_pending_sum(int64 reseller, int64 subscription)
{
	SeatKey		k = sub_key(reseller, subscription);
	SeatCount  *t;

	if (totals == NULL)
		return 0;
	t = hash_search(totals, &k, HASH_FIND, NULL);
	return t != NULL ? t->delta : 0;
}

static void
pending_add_in(SubTransactionId subxid, int64 reseller, int64 subscription, int64 delta)
{
	PendKey		key;
	PendEntry  *p;
	SeatCount  *t;
	bool		found;

	memset(&key, 0, sizeof(key));
	key.sub = sub_key(reseller, subscription);
	key.subxid = subxid;
	p = hash_search(pending, &key, HASH_ENTER, &found);
	if (!found)
		p->delta = 0;
	p->delta += delta;
	t = hash_search(totals, &key.sub, HASH_ENTER, &found);
	if (!found)
		t->delta = 0;
	t->delta += delta;
}

void
seat_pending_add(int64 reseller, int64 subscription, int64 delta)
{
	seat_state_init();
	pending_add_in(GetCurrentSubTransactionId(), reseller, subscription, delta);
}

bool
seat_pending_any(void)
{
	return pending != NULL && hash_get_num_entries(pending) > 0;
}

static int
count_cmp(const void *a, const void *b)
{
	const SeatCount *x = a;
	const SeatCount *y = b;

	if (x->key.reseller != y->key.reseller)
		return x->key.reseller < y->key.reseller ? -1 : 1;
	if (x->key.subscription != y->key.subscription)
		return x->key.subscription < y->key.subscription ? -1 : 1;
	return 0;
}

SeatCount *
seat_pending_take_all(int *n)
{
	HASH_SEQ_STATUS scan;
	SeatCount  *t,
			   *out;
	int			count = 0;
	PendEntry  *p;

	*n = 0;
	if (!seat_pending_any())
		return NULL;
	out = palloc(sizeof(SeatCount) * hash_get_num_entries(totals));
	hash_seq_init(&scan, totals);
	while ((t = hash_seq_search(&scan)) != NULL)
	{
		if (t->delta != 0)
			out[count++] = *t;
		hash_search(totals, &t->key, HASH_REMOVE, NULL);
	}
	hash_seq_init(&scan, pending);
	while ((p = hash_seq_search(&scan)) != NULL)
		hash_search(pending, &p->key, HASH_REMOVE, NULL);
	if (count > 1)
		qsort(out, count, sizeof(SeatCount), count_cmp);
	*n = count;
	return out;
}

SeatLocked *
seat_locked_find(int64 reseller, int64 subscription)
{
	SeatKey		k = sub_key(reseller, subscription);

	if (locked == NULL)
		return NULL;
	return hash_search(locked, &k, HASH_FIND, NULL);
}

SeatLocked *
seat_locked_add(int64 reseller, int64 subscription)
{
	SeatKey		k = sub_key(reseller, subscription);
	SeatLocked *e;
	bool		found;

	seat_state_init();
	e = hash_search(locked, &k, HASH_ENTER, &found);
	memset(((char *) e) + sizeof(SeatKey), 0, sizeof(SeatLocked) - sizeof(SeatKey));
	e->subxid = GetCurrentSubTransactionId();
	return e;
}

void
seat_locked_forget(int64 reseller, int64 subscription)
{
	SeatKey		k = sub_key(reseller, subscription);

	if (locked != NULL)
		hash_search(locked, &k, HASH_REMOVE, NULL);
}

bool
seat_locked_any(void)
{
	return locked != NULL && hash_get_num_entries(locked) > 0;
}

/* a counter change not written yet */
static bool
seat_unwritten(void)
{
	HASH_SEQ_STATUS scan;
	SeatCount  *t;

	if (totals == NULL || hash_get_num_entries(totals) == 0)
		return false;
	hash_seq_init(&scan, totals);
	while ((t = hash_seq_search(&scan)) != NULL)
	{
		if (t->delta != 0)
		{
			hash_seq_term(&scan);
			return true;
		}
	}
	return false;
}

bool
seat_commit_queue(void)
{
	if (!callbacks)
		seat_state_init();
	if (commit_queued)
		return false;
	commit_queued = true;
	commit_subxid = GetCurrentSubTransactionId();
	return true;
}

void
seat_commit_fired(void)
{
	commit_queued = false;
	commit_subxid = InvalidSubTransactionId;
}
