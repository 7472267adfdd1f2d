/*
 * session.c — who acts in this session, and whether it replays a dump: the
 * C side of acting_role() and restoring(), shared by the audit and seat
 * triggers and by the SQL rules (through restoring()).
 *
 * A restore is asked for, never guessed: the superuser-only setting
 * reseller_billing.restore, set for the restoring session
 * (PGOPTIONS='-c reseller_billing.restore=on' pg_restore ...).  While it is
 * on in a superuser session the rule triggers keep the replayed rows as they
 * are.  No ordinary setting turns it on (0.2.0 took check_function_bodies =
 * off for a restore, which any superuser session may set for other
 * reasons), and it is read once per transaction.
 */
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/guc.h"

#include "session.h"

static bool restore_asked = false;

/* the answer of rb_restoring() for the transaction that asked last */
static LocalTransactionId restoring_lxid = InvalidLocalTransactionId;
static bool restoring_answer = false;

void
rb_session_init(void)
{
	DefineCustomBoolVariable("reseller_billing.restore",
							 "Replays a dump: the rule triggers keep the restored rows as they are.",
							 "Superuser only. Set it for the restoring session, e.g. "
							 "PGOPTIONS='-c reseller_billing.restore=on' pg_restore ...",
							 &restore_asked,
							 false,
							 PGC_SUSET,
							 0,
							 NULL, NULL, NULL);
}

Oid
rb_acting_role(void)
{
	return OidIsValid(GetCurrentRoleId()) ? GetCurrentRoleId() : GetSessionUserId();
}

bool
rb_restoring(void)
{
	if (MyProc == NULL)
		return false;
	if (restoring_lxid != MyProc->lxid)
	{
		restoring_answer = restore_asked && superuser_arg(rb_acting_role());
		restoring_lxid = MyProc->lxid;
	}
	return restoring_answer;
}

/*
 * restoring() → bool: whether this transaction replays a dump (above).
 */
PG_FUNCTION_INFO_V1(rb_restoring_sql);
Datum
rb_restoring_sql(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(rb_restoring());
}
