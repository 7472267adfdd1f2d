/*
 * subscription_guard.c — two guards of a subscription row
 * (doc/subscriptions.md):
 *   - subscription_counter_guard (BEFORE UPDATE OF active_seats, outside
 *     the rules' own triggers): only the seat triggers move the counter
 *     (55000);
 *   - subscription_keep_seats (BEFORE DELETE): a subscription with accounts
 *     is never deleted, its accounts are the record its usage is billed
 *     from (23503).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/rel.h"

#include "spi_rules.h"

static SPIPlanPtr plan_has_seats = NULL;

static char *
column_text(TriggerData *td, HeapTuple t, const char *name, const char *fn)
{
	bool		isnull;
	Datum		d = rb_column(RelationGetDescr(td->tg_relation), t, name, &isnull, fn);

	return isnull ? pstrdup("") : rb_datum_text(d, SPI_gettypeid(RelationGetDescr(td->tg_relation),
																 SPI_fnumber(RelationGetDescr(td->tg_relation), name)));
}

PG_FUNCTION_INFO_V1(rb_subscription_counter_guard);
Datum
rb_subscription_counter_guard(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("subscription_counter_guard() must be a BEFORE UPDATE row trigger")));
	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("active_seats of subscription %s is maintained by the seat triggers",
					column_text(td, td->tg_newtuple, "subscription_id", "subscription_counter_guard")),
			 errdetail("It counts %s active accounts; %s was written.",
					   column_text(td, td->tg_trigtuple, "active_seats", "subscription_counter_guard"),
					   column_text(td, td->tg_newtuple, "active_seats", "subscription_counter_guard")),
			 errhint("Insert seat rows, or set active_until on them, instead.")));
	PG_RETURN_NULL();
}

PG_FUNCTION_INFO_V1(rb_subscription_keep_seats);
Datum
rb_subscription_keep_seats(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	Oid			types[2] = {INT8OID, INT8OID};
	Datum		args[2];
	char		nulls[2];
	bool		isnull;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_DELETE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("subscription_keep_seats() must be a BEFORE DELETE row trigger")));
	desc = RelationGetDescr(td->tg_relation);
	args[0] = rb_column(desc, td->tg_trigtuple, "reseller_id", &isnull, "subscription_keep_seats");
	nulls[0] = isnull ? 'n' : ' ';
	args[1] = rb_column(desc, td->tg_trigtuple, "subscription_id", &isnull, "subscription_keep_seats");
	nulls[1] = isnull ? 'n' : ' ';
	SPI_connect();
	SPI_execute_plan(rb_prepare_once(&plan_has_seats,
									 "SELECT FROM reseller_billing.seat a "
									 "WHERE a.reseller_id = $1 AND a.subscription_id = $2 LIMIT 1",
									 2, types),
					 args, nulls, true, 1);
	if (SPI_processed > 0)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("subscription %s of reseller %s has seats and cannot be deleted",
						column_text(td, td->tg_trigtuple, "subscription_id", "subscription_keep_seats"),
						column_text(td, td->tg_trigtuple, "reseller_id", "subscription_keep_seats")),
				 errhint("Cancel it instead; its seats are the record its usage is billed from.")));
	SPI_finish();
	return PointerGetDatum(td->tg_trigtuple);
}
