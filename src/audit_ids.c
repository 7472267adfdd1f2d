/*
 * audit_ids.c — the audit ids of one statement's rows, taken from the log's
 * identity sequence in one step (issue 13).
 *
 * audit_write.c used to call nextval once per row: each call opens the
 * sequence, locks its one page, updates it and, every few calls, writes a
 * WAL record — a tenth of what an audited row cost.  rb_audit_ids() takes
 * the first N - 1 of the statement's N ids with the page locked once, and
 * the last by nextval: the ids N nextval calls in a row give when no other
 * session takes one in between.  When one does, the N - 1 stay consecutive
 * (the page lock keeps the others out while the block is taken); only the
 * last can come after ids given meanwhile to another session (per-row
 * nextval let every row's id do so).
 *
 * The sequence page is changed as nextval changes it, under the same locks
 * (RowExclusiveLock on the sequence, the buffer's exclusive lock), and is
 * WAL-logged with the same record (XLOG_SEQ_LOG: the sequence's relfilenode
 * and its tuple, commands/sequence.h), so that crash recovery and standbys
 * see it as they see nextval's.  The record is written before any id of the
 * block is used and states a value past the block (log_ahead more), as
 * nextval does: after a crash, the sequence never hands out an id a
 * committed row holds.  A record is written whenever the ids already
 * covered by the last one do not suffice, the sequence has never been
 * called, or a checkpoint came since (the replay would start after it).
 *
 * Only for what is plainly a sequence this version creates: a permanent
 * sequence with increment 1 and cache 1 (no session cache to keep in step),
 * the page as expected, room for the block before its maximum.  Otherwise,
 * and for the last id of the block, nextval_internal() is called: so the
 * last id is also what lastval() and currval() report after the statement,
 * as before, and a sequence at its end fails with PostgreSQL's own error
 * at the row that reaches it.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "access/rmgr.h"
#include "access/xact.h"
#include "access/xlog.h"
#include "access/xloginsert.h"
#include "catalog/pg_class.h"
#include "catalog/pg_sequence.h"
#include "commands/sequence.h"
#include "miscadmin.h"
#include "storage/bufmgr.h"
#include "storage/bufpage.h"
#include "storage/lmgr.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "audit_ids.h"

/* the magic word in a sequence page's special space (its on-disk format) */
#define RB_SEQ_PAGE_MAGIC 0x1717

/* ids a WAL record covers past the block it is written for */
#define RB_SEQ_LOG_AHEAD 32

/* the sequence's increment, maximum and cache are those direct use needs */
static bool
plain_sequence(Oid seqid, int64 *maxv)
{
	HeapTuple	tup = SearchSysCache1(SEQRELID, ObjectIdGetDatum(seqid));
	Form_pg_sequence s;
	bool		ok;

	if (!HeapTupleIsValid(tup))
		return false;
	s = (Form_pg_sequence) GETSTRUCT(tup);
	ok = s->seqincrement == 1 && s->seqcache == 1;
	*maxv = s->seqmax;
	ReleaseSysCache(tup);
	return ok;
}

/*
 * K ids (K >= 1) from sequence SEQID into IDS with its page locked once;
 * false when the sequence is not one this can do so for (nothing taken).
 */
static bool
take_block(Oid seqid, int64 k, int64 *ids)
{
	Relation	rel;
	Buffer		buf;
	Page		page;
	ItemId		lp;
	HeapTupleData tup;
	Form_pg_sequence_data seq;
	int64		maxv,
				first,
				last,
				ahead = 0;
	bool		log;

	rel = relation_open(seqid, RowExclusiveLock);
	if (rel->rd_rel->relkind != RELKIND_SEQUENCE || !RelationNeedsWAL(rel) ||
		!plain_sequence(seqid, &maxv))
	{
		relation_close(rel, NoLock);
		return false;
	}

	buf = ReadBuffer(rel, 0);
	LockBuffer(buf, BUFFER_LOCK_EXCLUSIVE);
	page = BufferGetPage(buf);
	if (PageGetSpecialSize(page) != MAXALIGN(sizeof(uint32)) ||
		*(uint32 *) PageGetSpecialPointer(page) != RB_SEQ_PAGE_MAGIC ||
		PageGetMaxOffsetNumber(page) != FirstOffsetNumber)
		goto not_plain;
	lp = PageGetItemId(page, FirstOffsetNumber);
	if (!ItemIdIsNormal(lp))
		goto not_plain;
	tup.t_data = (HeapTupleHeader) PageGetItem(page, lp);
	tup.t_len = ItemIdGetLength(lp);
	/* a tuple with an xmax is one nextval still has to tidy up */
	if (HeapTupleHeaderGetRawXmax(tup.t_data) != InvalidTransactionId ||
		tup.t_len < tup.t_data->t_hoff + offsetof(FormData_pg_sequence_data, is_called) + sizeof(bool))
		goto not_plain;
	seq = (Form_pg_sequence_data) GETSTRUCT(&tup);

	/* the block: first .. first + k - 1, all at most the maximum */
	if (seq->is_called)
	{
		if (seq->last_value >= maxv)
			goto not_plain;
		first = seq->last_value + 1;
	}
	else
		first = seq->last_value;
	if (maxv - first < k - 1)
		goto not_plain;
	last = first + (k - 1);

	log = !seq->is_called || seq->log_cnt < k || PageGetLSN(page) <= GetRedoRecPtr();
	if (log)
	{
		ahead = Min(RB_SEQ_LOG_AHEAD, maxv - last);
		/* the commit must flush the record: the transaction needs an xid */
		(void) GetTopTransactionId();
	}

	START_CRIT_SECTION();
	MarkBufferDirty(buf);
	if (log)
	{
		xl_seq_rec	xlrec;
		XLogRecPtr	recptr;

		/* the state a replay restores: past the block by AHEAD */
		seq->last_value = last + ahead;
		seq->is_called = true;
		seq->log_cnt = 0;
		xlrec.node = rel->rd_node;
		XLogBeginInsert();
		XLogRegisterBuffer(0, buf, REGBUF_WILL_INIT);
		XLogRegisterData((char *) &xlrec, sizeof(xl_seq_rec));
		XLogRegisterData((char *) tup.t_data, tup.t_len);
		recptr = XLogInsert(RM_SEQ_ID, XLOG_SEQ_LOG);
		PageSetLSN(page, recptr);
		seq->log_cnt = ahead;
	}
	else
		seq->log_cnt -= k;
	seq->last_value = last;
	seq->is_called = true;
	END_CRIT_SECTION();

	UnlockReleaseBuffer(buf);
	relation_close(rel, NoLock);
	for (int64 i = 0; i < k; i++)
		ids[i] = first + i;
	return true;

not_plain:
	UnlockReleaseBuffer(buf);
	relation_close(rel, NoLock);
	return false;
}

void
rb_audit_ids(Oid seqid, int n, int64 *ids)
{
	int			i = 0;

	if (n > 1 && take_block(seqid, n - 1, ids))
		i = n - 1;
	for (; i < n; i++)
		ids[i] = nextval_internal(seqid, false);

	/*
	 * nextval can return a value this session cached before the sequence's
	 * cache was set back to 1 (ALTER SEQUENCE leaves other sessions' caches
	 * be), smaller than the block: the ids stay increasing in row order.
	 */
	if (n > 1 && ids[n - 1] < ids[n - 2])
	{
		int64		v = ids[n - 1];
		int			j = n - 1;

		while (j > 0 && ids[j - 1] > v)
		{
			ids[j] = ids[j - 1];
			j--;
		}
		ids[j] = v;
	}
}
