/*
 * event_trigger.c — the seat_cap.reached event of the outbox (issue 16 §3;
 * doc/events.md).
 *
 * event_seat_cap(), AFTER UPDATE of a subscription row whose accounts
 * reach its seat cap (the trigger's WHEN says when), hands the row's values
 * to reseller_billing.emit_seat_cap_reached(), which writes the event.  The
 * rules every write of a subscription runs are C (pgTAP 100), and the row's
 * values are passed so that the SQL side reads no table from a shard.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/rel.h"

#include "spi_rules.h"

static SPIPlanPtr plan_emit = NULL;

PG_FUNCTION_INFO_V1(rb_event_seat_cap);
Datum
rb_event_seat_cap(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	TupleDesc	desc;
	HeapTuple	n;
	Oid			types[7] = {INT8OID, INT8OID, INT8OID, INT8OID, TEXTOID, INT4OID, INT4OID};
	Datum		values[7];
	char		nulls[7] = {' ', ' ', ' ', ' ', ' ', ' ', ' '};
	const char *cols[7] = {"reseller_id", "subscription_id", "customer_id", "sku_id", "plan",
		"seat_cap", "active_seats"};

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_AFTER(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("event_seat_cap() must be an AFTER UPDATE row trigger")));
	desc = RelationGetDescr(td->tg_relation);
	n = td->tg_newtuple;
	for (int i = 0; i < 7; i++)
	{
		bool		isnull;
		Datum		d = rb_column(desc, n, cols[i], &isnull, "event_seat_cap");

		if (isnull)
		{
			nulls[i] = 'n';
			values[i] = (Datum) 0;
		}
		else if (i == 4)
		{
			int			attno = SPI_fnumber(desc, cols[i]);

			values[i] = CStringGetTextDatum(rb_datum_text(d, TupleDescAttr(desc, attno - 1)->atttypid));
		}
		else
			values[i] = d;
	}
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "event_seat_cap: SPI_connect failed");
	if (SPI_execute_plan(rb_prepare_once(&plan_emit,
										 "SELECT reseller_billing.emit_seat_cap_reached($1, $2, $3, $4, $5, $6, $7)",
										 7, types),
						 values, nulls, false, 0) != SPI_OK_SELECT)
		elog(ERROR, "event_seat_cap: the event was not written");
	SPI_finish();
	return PointerGetDatum(NULL);
}
