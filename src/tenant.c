/*
 * tenant.c — whom the session acts for, as the row-level security policies
 * ask it (doc/security.md): current_reseller(), current_customer(),
 * provider_reseller_ids() and customer_subscription_ids().
 *
 * The policies call these functions directly, with no subquery (a Citus
 * worker plans no policy with a subquery, issue 14 §3), so they are asked
 * once per row.  Each result is kept for the statement: the answer is
 * computed again only when the transaction, the command, the role, the
 * login or one of the tenant settings (reseller_billing.reseller_id,
 * reseller_billing.customer_id) is not the one it was computed for — what
 * the former `(SELECT current_reseller())` subqueries gave: one evaluation
 * per query.  The two settings are defined here (strings, empty by
 * default, as an unset one reads through nullif(current_setting(...), ''))
 * so that every change of them, SET, SET LOCAL, set_config() or the
 * reverting at a rollback, moves a counter: a cached answer is checked
 * without reading them.  The rules themselves are SQL and stay where they were:
 * session_tenant() (the login's binding) and session_tenant_setting() (the
 * setting checked against it), provider_resellers() (a provider's
 * resellers), and the customer's own subscriptions under its policy.
 * In a Citus worker's connection a trusted login's empty tenant setting is
 * refused (citus_backend.c): there it may be a session-level SET that
 * Citus did not pass on.
 */
#include "postgres.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/memutils.h"

#include "citus_backend.h"
#include "session.h"
#include "shard.h"
#include "spi_rules.h"

typedef enum TenantAsk
{
	ASK_RESELLER,
	ASK_CUSTOMER,
	ASK_PROVIDED,
	ASK_SUBSCRIPTIONS,
	N_ASKS
} TenantAsk;

typedef struct TenantAnswer
{
	bool		valid;
	LocalTransactionId lxid;
	CommandId	cid;
	Oid			user;
	Oid			login;
	uint64		settings;		/* tenant_settings when computed */
	bool		isnull;
	Datum		value;			/* int8, or an int8[] in TopMemoryContext */
} TenantAnswer;

static TenantAnswer answers[N_ASKS];
static uint64 tenant_settings = 0;	/* moved by every change of the settings */
static char *reseller_setting = NULL;
static char *customer_setting = NULL;
static SPIPlanPtr plans[N_ASKS];

static const char *const queries[N_ASKS] = {
	"SELECT reseller_billing.session_tenant_setting('reseller_billing.reseller_id', t.reseller, t.kind), t.kind "
	"FROM reseller_billing.session_tenant() t",
	"SELECT reseller_billing.session_tenant_setting('reseller_billing.customer_id', t.customer, t.kind), t.kind "
	"FROM reseller_billing.session_tenant() t",
	"SELECT coalesce(pg_catalog.array_agg(p ORDER BY p), '{}') FROM reseller_billing.provider_resellers() p",
	"SELECT coalesce(pg_catalog.array_agg(s.subscription_id ORDER BY s.subscription_id), '{}') "
	"FROM reseller_billing.subscription s "
	"WHERE s.reseller_id = reseller_billing.current_reseller() AND s.customer_id = reseller_billing.current_customer()"
};

static void
tenant_setting_assigned(const char *newval, void *extra)
{
	tenant_settings++;
}

void
rb_tenant_init(void)
{
	DefineCustomStringVariable("reseller_billing.reseller_id",
							   "The reseller a trusted session acts for.",
							   "Checked against the login's binding (session_tenant()).",
							   &reseller_setting, "", PGC_USERSET, 0, NULL, tenant_setting_assigned, NULL);
	DefineCustomStringVariable("reseller_billing.customer_id",
							   "The customer a trusted session acts for.",
							   "Checked against the login's binding (session_tenant()).",
							   &customer_setting, "", PGC_USERSET, 0, NULL, tenant_setting_assigned, NULL);
}

static Datum
ask(TenantAsk what, bool *isnull)
{
	TenantAnswer *a = &answers[what];
	LocalTransactionId lxid = MyProc->lxid;
	CommandId	cid = GetCurrentCommandId(false);
	Oid			user = GetUserId();
	Oid			login = GetSessionUserId();
	uint64		settings = tenant_settings;
	bool		null;
	Datum		v;
	int			nest;

	if (a->valid && a->lxid == lxid && a->cid == cid && a->settings == settings &&
		a->user == user && a->login == login)
	{
		*isnull = a->isnull;
		return a->value;
	}

	SPI_connect();
	nest = rb_local_reads_begin();	/* the node's own rows (shard.c) */
	SPI_execute_plan(rb_prepare_once(&plans[what], queries[what], 0, NULL), NULL, NULL, true, 1);
	rb_local_reads_end(nest);
	v = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &null);
	/* a trusted login's tenant that may not have reached a Citus worker
	 * (citus_backend.c): refused there, before anything is kept */
	if (null && what <= ASK_CUSTOMER)
		rb_citus_tenant_unnamed(what == ASK_RESELLER ? "reseller_billing.reseller_id" : "reseller_billing.customer_id",
								SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2));

	/* forget the answer before it changes: an error above leaves it invalid */
	a->valid = false;
	if (what >= ASK_PROVIDED && !a->isnull && a->value != (Datum) 0)
		pfree(DatumGetPointer(a->value));
	a->value = (Datum) 0;
	a->isnull = null;
	if (!null)
	{
		if (what >= ASK_PROVIDED)
		{
			MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);

			a->value = PointerGetDatum(DatumGetArrayTypePCopy(v));
			MemoryContextSwitchTo(old);
		}
		else
			a->value = v;		/* int8, by value */
	}
	SPI_finish();
	a->lxid = lxid;
	a->cid = cid;
	a->settings = settings;
	a->user = user;
	a->login = login;
	a->valid = true;
	*isnull = a->isnull;
	return a->value;
}

PG_FUNCTION_INFO_V1(rb_current_reseller);
Datum
rb_current_reseller(PG_FUNCTION_ARGS)
{
	bool		isnull;
	Datum		v = ask(ASK_RESELLER, &isnull);

	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(v);
}

PG_FUNCTION_INFO_V1(rb_current_customer);
Datum
rb_current_customer(PG_FUNCTION_ARGS)
{
	bool		isnull;
	Datum		v = ask(ASK_CUSTOMER, &isnull);

	if (isnull)
		PG_RETURN_NULL();
	PG_RETURN_DATUM(v);
}

/* the arrays are returned as copies: the caller may free what it gets */
static Datum
ask_array(TenantAsk what, FunctionCallInfo fcinfo)
{
	bool		isnull;
	Datum		v = ask(what, &isnull);

	if (isnull)
	{
		fcinfo->isnull = true;
		return (Datum) 0;
	}
	return PointerGetDatum(DatumGetArrayTypePCopy(v));
}

PG_FUNCTION_INFO_V1(rb_provider_reseller_ids);
Datum
rb_provider_reseller_ids(PG_FUNCTION_ARGS)
{
	return ask_array(ASK_PROVIDED, fcinfo);
}

PG_FUNCTION_INFO_V1(rb_customer_subscription_ids);
Datum
rb_customer_subscription_ids(PG_FUNCTION_ARGS)
{
	return ask_array(ASK_SUBSCRIPTIONS, fcinfo);
}
