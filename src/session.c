/*
 * session.c — who acts in this session: the C side of acting_role() and
 * restoring() (0.2.0's SQL functions say the same), shared by the audit and
 * seat triggers.
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/guc.h"

#include "session.h"

Oid
rb_acting_role(void)
{
	return OidIsValid(GetCurrentRoleId()) ? GetCurrentRoleId() : GetSessionUserId();
}

bool
rb_restoring(void)
{
	return !check_function_bodies && superuser_arg(rb_acting_role());
}
