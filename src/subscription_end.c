/*
 * subscription_end.c — what a cancellation does (doc/subscriptions.md):
 * AFTER UPDATE of a subscription to cancelled, by whatever wrote it
 * (cancel_subscription, terminate_early, renew_due or a plain UPDATE).
 *
 *   - its accounts end at the moment the cancellation takes effect;
 *   - an Annual commitment cancelled before its renewal date records its
 *     early-termination charge: the installments left in the term
 *     (early_termination_fee_of()), as a charge the next close bills.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/timestamp.h"

#include "amount.h"
#include "clock.h"
#include "session.h"
#include "spi_rules.h"
#include "subscription_row.h"

static SPIPlanPtr plan_today = NULL;
static SPIPlanPtr plan_end_seats = NULL;
static RbTypedPlan plan_fee;
static RbTypedPlan plan_charge;

PG_FUNCTION_INFO_V1(rb_subscription_cancelled);
Datum
rb_subscription_cancelled(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TimestampTz eff;
	SubRow		o,
				n;
	DateADT		today;
	bool		today_null;
	int			plan;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("subscription_cancelled() must be an AFTER UPDATE row trigger")));
	eff = rb_effective_at();
	SPI_connect();
	sub_row_read(&o, td, td->tg_trigtuple);
	sub_row_read(&n, td, td->tg_newtuple);
	{
		Oid			types[2] = {INT8OID, TIMESTAMPTZOID};
		Datum		args[2] = {sub_get(&n, SC_RESELLER), TimestampTzGetDatum(eff)};

		SPI_execute_plan(rb_prepare_once(&plan_today, "SELECT reseller_billing.program_date($1, $2)", 2, types),
						 args, NULL, true, 1);
		today = DatumGetDateADT(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &today_null));
	}
	if (rb_restoring())
	{
		SPI_finish();
		return PointerGetDatum(NULL);
	}

	/* the accounts end when the cancellation takes effect */
	{
		Oid			types[3] = {INT8OID, INT8OID, TIMESTAMPTZOID};
		Datum		args[3] = {sub_get(&n, SC_RESELLER), sub_get(&n, SC_SUBSCRIPTION), TimestampTzGetDatum(eff)};

		SPI_execute_plan(rb_prepare_once(&plan_end_seats,
										 "UPDATE reseller_billing.seat t SET active_until = GREATEST($3, t.active_from) "
										 "WHERE t.reseller_id OPERATOR(pg_catalog.=) $1 "
										 "AND t.subscription_id OPERATOR(pg_catalog.=) $2 AND t.active_until IS NULL",
										 3, types),
						 args, NULL, false, 0);
	}

	/* an Annual commitment cancelled before its renewal date: the charge */
	plan = sub_plan(&o);
	if (plan >= 0 && PLAN_IS_ANNUAL(plan) && !today_null && !sub_null(&o, SC_TERM_END) &&
		today < DatumGetDateADT(sub_get(&o, SC_TERM_END)))
	{
		Oid			ftypes[6] = {INT8OID, INT8OID, DATEOID, DATEOID, sub_type(&o, SC_PRICE), DATEOID};
		Datum		fargs[6] = {sub_get(&o, SC_RESELLER), sub_get(&o, SC_SUBSCRIPTION), sub_get(&o, SC_TERM_START),
								sub_get(&o, SC_TERM_END), sub_get(&o, SC_PRICE), DateADTGetDatum(today)};
		char		fnulls[6] = {sub_null(&o, SC_RESELLER) ? 'n' : ' ', sub_null(&o, SC_SUBSCRIPTION) ? 'n' : ' ',
								 sub_null(&o, SC_TERM_START) ? 'n' : ' ', ' ', sub_null(&o, SC_PRICE) ? 'n' : ' ', ' '};
		bool		fee_null;
		Datum		fee;

		SPI_execute_plan(rb_prepare_typed(&plan_fee,
										  "SELECT reseller_billing.early_termination_fee_of($1, $2, $3, $4, $5, $6)",
										  6, ftypes),
						 fargs, fnulls, true, 1);
		fee = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &fee_null);
		if (!fee_null && DatumGetAmountP(fee)->value != 0)
		{
			Oid			ctypes[8] = {INT8OID, INT8OID, INT8OID, INT4OID, DATEOID, DATEOID, DATEOID,
									 SPI_gettypeid(SPI_tuptable->tupdesc, 1)};
			Datum		cargs[8] = {sub_get(&n, SC_RESELLER), sub_get(&n, SC_CUSTOMER), sub_get(&n, SC_SUBSCRIPTION),
									sub_get(&o, SC_COMMITTED), DateADTGetDatum(today), sub_get(&o, SC_TERM_START),
									sub_get(&o, SC_TERM_END), fee};
			char		cnulls[8] = {' ', ' ', ' ', sub_null(&o, SC_COMMITTED) ? 'n' : ' ', ' ',
									 sub_null(&o, SC_TERM_START) ? 'n' : ' ', ' ', ' '};

			SPI_execute_plan(rb_prepare_typed(&plan_charge,
											  "INSERT INTO reseller_billing.charge "
											  "(reseller_id, customer_id, subscription_id, kind, description, amount, charge_on) "
											  "VALUES ($1, $2, $3, 'early_termination', "
											  "pg_catalog.format('Early termination of subscription %s: %s seats, installments after %s to %s', "
											  "$3, $4, pg_catalog.to_char(GREATEST($5, $6), 'YYYY-MM'), $7), $8, $5)",
											  8, ctypes),
							 cargs, cnulls, false, 0);
		}
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}
