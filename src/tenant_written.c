/*
 * tenant_written.c — a tenant's new subscription is created at the billing
 * clock's time (the trigger subscription_0_tenant_written,
 * src/sql/0.3.0/96_z_citus_cluster.sql; doc/security.md, "Columns a
 * reseller application may write").
 *
 * The reseller role may insert created_at, because Citus sends the
 * coordinator's default of every defaulted column to the shard, where the
 * role needs INSERT on each.  On a shard a sent default cannot be told from
 * a written value, so for a tenant (a member of reseller_billing_reseller
 * that is not an administrator; a superuser is a member of every role) the
 * row gets clock_now() whatever arrived: the default's own value on one
 * node.  An administrator's created_at (a migration, a restore) is kept.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/acl.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "session.h"

static bool
acting_for_a_tenant(void)
{
	Oid			who = rb_acting_role();
	Oid			reseller = get_role_oid("reseller_billing_reseller", true);
	Oid			admin = get_role_oid("reseller_billing_admin", true);

	return OidIsValid(reseller) && is_member_of_role(who, reseller) &&
		!(OidIsValid(admin) && is_member_of_role(who, admin));
}

PG_FUNCTION_INFO_V1(rb_tenant_row_written);
Datum
rb_tenant_row_written(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	HeapTuple	n;
	TupleDesc	desc;
	int			attno;
	Datum		value;
	bool		isnull = false;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("tenant_row_written() must be a BEFORE INSERT row trigger")));
	n = td->tg_trigtuple;
	if (!acting_for_a_tenant())
		return PointerGetDatum(n);
	desc = RelationGetDescr(td->tg_relation);
	attno = SPI_fnumber(desc, "created_at");
	if (attno <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("tenant_row_written(): table \"%s\" has no column created_at",
						RelationGetRelationName(td->tg_relation))));
	value = TimestampTzGetDatum(rb_clock());
	n = heap_modify_tuple_by_cols(n, desc, 1, &attno, &value, &isnull);
	return PointerGetDatum(n);
}
