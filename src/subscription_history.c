/*
 * subscription_history.c — the history of a subscription
 * (subscription_change; doc/subscriptions.md): AFTER INSERT and AFTER UPDATE
 * on subscription, one row when it is created and one row per changed field
 * (plan, committed seats, seat cap, renewal setting, status, term, partner
 * price), with the moment the change takes effect and the reason given
 * (reseller_billing.reason).  A restore brings the history with the rows.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/timestamp.h"

#include "clock.h"
#include "session.h"
#include "spi_rules.h"
#include "subscription_row.h"

static SPIPlanPtr plan_created = NULL;
static RbTypedPlan plan_changed;

/* the history's columns of a row: plan, seats, cap, renewal, status, term
 * (start, end) and price, in this order */
static const SubCol history_cols[] = {
	SC_PLAN, SC_COMMITTED, SC_CAP, SC_RENEWAL, SC_STATUS, SC_TERM_START, SC_TERM_END, SC_PRICE
};
#define N_HISTORY_COLS ((int) lengthof(history_cols))

PG_FUNCTION_INFO_V1(rb_subscription_history);
Datum
rb_subscription_history(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TimestampTz eff;
	const char *reason;
	Datum		why;
	bool		why_null;
	SubRow		n;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) ||
		!(TRIGGER_FIRED_BY_INSERT(td->tg_event) || TRIGGER_FIRED_BY_UPDATE(td->tg_event)))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("subscription_history() must be an AFTER INSERT OR UPDATE row trigger")));
	eff = rb_effective_at();
	reason = GetConfigOption("reseller_billing.reason", true, false);
	why_null = (reason == NULL || reason[0] == '\0');
	why = why_null ? (Datum) 0 : CStringGetTextDatum(reason);
	if (rb_restoring())
		return PointerGetDatum(NULL);	/* the history is restored with the rows */

	SPI_connect();
	if (TRIGGER_FIRED_BY_INSERT(td->tg_event))
	{
		Oid			types[5] = {INT8OID, INT8OID, TEXTOID, TIMESTAMPTZOID, TEXTOID};
		Datum		args[5];
		char		nulls[5] = {' ', ' ', ' ', ' ', why_null ? 'n' : ' '};
		int			plan;
		const char *terms;

		sub_row_read(&n, td, td->tg_trigtuple);
		plan = sub_plan(&n);
		if (plan >= 0 && PLAN_IS_ANNUAL(plan))
			terms = sub_null(&n, SC_COMMITTED) ? "" : psprintf("%s seats", sub_format_text(&n, SC_COMMITTED));
		else
			terms = sub_null(&n, SC_CAP) ? "" : psprintf("cap %s", sub_format_text(&n, SC_CAP));
		args[0] = sub_get(&n, SC_RESELLER);
		args[1] = sub_get(&n, SC_SUBSCRIPTION);
		args[2] = CStringGetTextDatum(psprintf("%s, %s", sub_format_text(&n, SC_PLAN), terms));
		args[3] = TimestampTzGetDatum(eff);
		args[4] = why;
		SPI_execute_plan(rb_prepare_once(&plan_created,
										 "INSERT INTO reseller_billing.subscription_change "
										 "(reseller_id, subscription_id, field, old_value, new_value, effective_at, reason) "
										 "VALUES ($1, $2, 'created', NULL, $3, $4, $5)",
										 5, types),
						 args, nulls, false, 0);
	}
	else
	{
		SubRow		o;
		Oid			types[4 + 2 * N_HISTORY_COLS];
		Datum		args[4 + 2 * N_HISTORY_COLS];
		char		nulls[4 + 2 * N_HISTORY_COLS];

		sub_row_read(&o, td, td->tg_trigtuple);
		sub_row_read(&n, td, td->tg_newtuple);
		types[0] = types[1] = INT8OID;
		args[0] = sub_get(&n, SC_RESELLER);
		args[1] = sub_get(&n, SC_SUBSCRIPTION);
		nulls[0] = nulls[1] = ' ';
		types[2] = TIMESTAMPTZOID;
		args[2] = TimestampTzGetDatum(eff);
		nulls[2] = ' ';
		types[3] = TEXTOID;
		args[3] = why;
		nulls[3] = why_null ? 'n' : ' ';
		for (int i = 0; i < N_HISTORY_COLS; i++)
		{
			SubCol		c = history_cols[i];

			types[4 + 2 * i] = types[5 + 2 * i] = sub_type(&n, c);
			args[4 + 2 * i] = sub_get(&o, c);
			nulls[4 + 2 * i] = sub_null(&o, c) ? 'n' : ' ';
			args[5 + 2 * i] = sub_get(&n, c);
			nulls[5 + 2 * i] = sub_null(&n, c) ? 'n' : ' ';
		}
		SPI_execute_plan(rb_prepare_typed(&plan_changed,
										 "INSERT INTO reseller_billing.subscription_change "
										 "(reseller_id, subscription_id, field, old_value, new_value, effective_at, reason) "
										 "SELECT $1, $2, c.field, c.old_value, c.new_value, $3, $4 "
										 "FROM (VALUES ('plan', $5::text, $6::text), "
										 "('committed_seats', $7::text, $8::text), "
										 "('seat_cap', $9::text, $10::text), "
										 "('renewal_setting', $11, $12), "
										 "('status', $13, $14), "
										 "('term', pg_catalog.daterange($15, $17)::text, pg_catalog.daterange($16, $18)::text), "
										 "('partner_price', $19::text, $20::text)) AS c(field, old_value, new_value) "
										 "WHERE c.old_value IS DISTINCT FROM c.new_value",
										 4 + 2 * N_HISTORY_COLS, types),
						 args, nulls, false, 0);
	}
	SPI_finish();
	return PointerGetDatum(NULL);
}
