/*
 * own_write.c — whether a row was written by the current transaction.
 *
 * written_by_this_transaction(xmin): true when the row version whose xmin is
 * given was written by this transaction or one of its live subtransactions.
 * The migration's guards ask it of the migration row (migrate_to_postpaid's
 * own row, written in the same transaction, unlocks the plan change of the
 * reseller's prepaid orders).  It replaces a comparison of a stored
 * pg_current_xact_id() with the current one: on a Citus cluster the row and
 * the triggers that ask live on a worker, in the worker's part of the
 * distributed transaction, whose transaction id is not the coordinator's;
 * the row's own xmin is the worker's.  Citus sends a reseller's statements
 * of one transaction over one connection per worker once its shards were
 * written, so the triggers run in the transaction that wrote the row.
 */
#include "postgres.h"

#include "access/xact.h"
#include "fmgr.h"

PG_FUNCTION_INFO_V1(rb_written_by_this_transaction);
Datum
rb_written_by_this_transaction(PG_FUNCTION_ARGS)
{
	TransactionId xmin = DatumGetTransactionId(PG_GETARG_DATUM(0));

	PG_RETURN_BOOL(TransactionIdIsValid(xmin) && TransactionIdIsCurrentTransactionId(xmin));
}
