/*
 * citus_backend.c — the rules' answer inside a Citus worker's connection
 * (issue 14, doc/scaling.md "Roles and the rules' settings on a cluster").
 *
 * Citus runs a statement's parts on the workers over connections of its
 * own (application_name "citus_internal gpid=..."), as the current role,
 * and passes on to them only a SET LOCAL given inside a transaction block.
 * A trusted application login (trust_login()) names its tenant with the
 * setting reseller_billing.reseller_id (.customer_id for a customer
 * portal); when the setting is empty in such a connection the worker
 * cannot tell "named none" from "named one with a session-level SET that
 * stayed on the coordinator", and answering for nobody would give a count
 * of 0 where one node counts the tenant's rows.  So there it refuses
 * (0A000), naming the setting.  Everywhere else nothing changes: on one
 * node (and in the coordinator's own session) an empty setting still acts
 * for nobody; a bound login has its binding; an unbound login acts for
 * nobody (fail closed); a superuser or an administrator is never refused.
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/guc.h"

#include "citus_backend.h"

#define CITUS_INTERNAL_PREFIX "citus_internal gpid="

bool
rb_citus_internal_backend(void)
{
	const char *app = GetConfigOption("application_name", true, false);

	return app != NULL && strncmp(app, CITUS_INTERNAL_PREFIX, strlen(CITUS_INTERNAL_PREFIX)) == 0;
}

void
rb_citus_tenant_unnamed(const char *setting, const char *kind)
{
	Oid			login = GetSessionUserId();
	Oid			admin;
	bool		customer = strcmp(setting, "reseller_billing.customer_id") == 0;

	if (kind == NULL || strcmp(kind, "trusted") != 0 || !rb_citus_internal_backend())
		return;
	if (superuser_arg(login))
		return;
	admin = get_role_oid("reseller_billing_admin", true);
	if (OidIsValid(admin) && is_member_of_role(login, admin))
		return;
	if (customer)
	{
		Oid			portal = get_role_oid("reseller_billing_customer", true);

		/* a reseller application names no customer: nothing is missing */
		if (!OidIsValid(portal) || !is_member_of_role(login, portal))
			return;
	}
	ereport(ERROR,
			(errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
			 errmsg("trusted login %s names no %s on this Citus worker: the setting %s is empty here",
					GetUserNameFromId(login, false), customer ? "customer" : "reseller", setting),
			 errdetail("Citus passes on to the workers only a SET LOCAL given inside a transaction block; "
					   "a session-level SET (or set_config(..., false)) stays on the coordinator, and "
					   "the worker cannot tell it from no setting, so it refuses rather than act for nobody."),
			 errhint("Name the tenant with SET LOCAL %s inside BEGIN ... COMMIT, "
					 "or bind the login to its %s with reseller_billing.bind_login().",
					 setting, customer ? "customer" : "reseller")));
}
