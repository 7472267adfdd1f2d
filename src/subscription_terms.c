/*
 * subscription_terms.c — a new subscription gets the terms its plan implies
 * (doc/subscriptions.md): BEFORE INSERT on subscription.
 *
 *   - its reseller and SKU exist, and the SKU is sold in the reseller's
 *     program (23503, 23514);
 *   - a post-paid reseller places no prepaid order (55000);
 *   - it starts active, or as a trial (55000), on its term start (today in the
 *     program's time zone when none is given);
 *   - a trial: at most the program's trial cap and length (23514);
 *     an Annual plan: committed seats (23502) and a 12-month term; Flex: a
 *     seat cap (23502);
 *   - its partner price is the price list's on the term start (23514 when a
 *     different one is written).
 * The counter starts at 0 and the row is not cancelled.  A restore keeps the
 * rows as dumped (restoring()).
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "storage/proc.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/date.h"
#include "utils/timestamp.h"

#include "amount.h"
#include "clock.h"
#include "session.h"
#include "spi_rules.h"
#include "subscription_row.h"

static SPIPlanPtr plan_program = NULL;
static SPIPlanPtr plan_sku = NULL;

/*
 * A statement inserting many subscriptions usually names one reseller and a
 * few SKUs: the last reseller's program and the last SKU looked up are kept
 * for the statement (the transaction and command they were read in).
 */
typedef struct ProgramOf
{
	bool		valid;
	LocalTransactionId lxid;
	CommandId	cid;
	int64		reseller;
	bool		found;
	char	   *program;
	char	   *time_zone;
	char	   *model;
	int32		trial_cap;
	int32		trial_days;
} ProgramOf;

typedef struct SkuOf
{
	bool		valid;
	LocalTransactionId lxid;
	CommandId	cid;
	int64		sku;
	bool		found;
	char	   *code;
	char	   *program;
} SkuOf;

static ProgramOf program_of;
static SkuOf sku_of;

static char *
kept(char *s, char *old)
{
	if (old)
		pfree(old);
	return s ? MemoryContextStrdup(TopMemoryContext, s) : NULL;
}

static ProgramOf *
lookup_program(int64 reseller)
{
	Oid			type[1] = {INT8OID};
	Datum		key[1] = {Int64GetDatum(reseller)};
	ProgramOf  *p = &program_of;

	if (p->valid && p->lxid == MyProc->lxid && p->cid == GetCurrentCommandId(false) && p->reseller == reseller)
		return p;
	p->valid = false;
	SPI_execute_plan(rb_prepare_once(&plan_program,
									 "SELECT p.code, p.time_zone, p.trial_seat_cap, p.trial_days, r.billing_model "
									 "FROM reseller_billing.reseller r "
									 "JOIN reseller_billing.program p ON p.program_id OPERATOR(pg_catalog.=) r.program_id "
									 "WHERE r.reseller_id OPERATOR(pg_catalog.=) $1",
									 1, type),
					 key, NULL, true, 1);
	p->found = SPI_processed > 0;
	if (p->found)
	{
		HeapTuple	t = SPI_tuptable->vals[0];
		TupleDesc	d = SPI_tuptable->tupdesc;
		bool		isnull;

		p->program = kept(SPI_getvalue(t, d, 1), p->program);
		p->time_zone = kept(SPI_getvalue(t, d, 2), p->time_zone);
		p->trial_cap = DatumGetInt32(SPI_getbinval(t, d, 3, &isnull));
		p->trial_days = DatumGetInt32(SPI_getbinval(t, d, 4, &isnull));
		p->model = kept(SPI_getvalue(t, d, 5), p->model);
	}
	p->lxid = MyProc->lxid;
	p->cid = GetCurrentCommandId(false);
	p->reseller = reseller;
	p->valid = true;
	return p;
}

static SkuOf *
lookup_sku(int64 sku)
{
	Oid			type[1] = {INT8OID};
	Datum		key[1] = {Int64GetDatum(sku)};
	SkuOf	   *k = &sku_of;

	if (k->valid && k->lxid == MyProc->lxid && k->cid == GetCurrentCommandId(false) && k->sku == sku)
		return k;
	k->valid = false;
	SPI_execute_plan(rb_prepare_once(&plan_sku,
									 "SELECT k.code, p.code FROM reseller_billing.sku k "
									 "JOIN reseller_billing.program p ON p.program_id OPERATOR(pg_catalog.=) k.program_id "
									 "WHERE k.sku_id OPERATOR(pg_catalog.=) $1",
									 1, type),
					 key, NULL, true, 1);
	k->found = SPI_processed > 0;
	if (k->found)
	{
		k->code = kept(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1), k->code);
		k->program = kept(SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2), k->program);
	}
	k->lxid = MyProc->lxid;
	k->cid = GetCurrentCommandId(false);
	k->sku = sku;
	k->valid = true;
	return k;
}

/* a post-paid reseller buys Annual paid monthly or Flex, never prepaid */
void
rb_prepaid_order_check(SubRow *n, const char *model)
{
	if (sub_plan(n) == PLAN_ANNUAL_PREPAID && model != NULL && strcmp(model, "postpaid") == 0)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("subscription %s of reseller %s: a post-paid reseller cannot place a prepaid order",
						sub_raise_text(n, SC_SUBSCRIPTION), sub_raise_text(n, SC_RESELLER)),
				 errdetail("Reseller %s is billed %s; the plan asked for is annual_prepaid.",
						   sub_format_text(n, SC_RESELLER), model),
				 errhint("Order annual_monthly (the same commitment, paid monthly) or flexible.")));
}

static char *
int_text(int64 v)
{
	return psprintf(INT64_FORMAT, v);
}


PG_FUNCTION_INFO_V1(rb_subscription_before_insert);
Datum
rb_subscription_before_insert(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	SubRow		n;
	char	   *sub;
	char	   *program,
			   *model = NULL;
	Datum		tz;
	int32		trial_cap,
				trial_days;
	DateADT		today,
				start;
	int			plan;
	Datum		price;
	bool		price_null;
	HeapTuple	result;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_INSERT(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("subscription_before_insert() must be a BEFORE INSERT row trigger")));
	if (rb_restoring())
		return PointerGetDatum(td->tg_trigtuple);

	SPI_connect();
	sub_row_read(&n, td, td->tg_trigtuple);
	sub = sub_label(&n);

	if (sub_null(&n, SC_RESELLER) || !lookup_program(DatumGetInt64(sub_get(&n, SC_RESELLER)))->found)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("%s: reseller %s does not exist", sub, sub_raise_text(&n, SC_RESELLER))));
	program = pstrdup(program_of.program);
	tz = CStringGetTextDatum(program_of.time_zone);
	trial_cap = program_of.trial_cap;
	trial_days = program_of.trial_days;
	model = program_of.model ? pstrdup(program_of.model) : NULL;

	if (sub_null(&n, SC_SKU) || !lookup_sku(DatumGetInt64(sub_get(&n, SC_SKU)))->found)
		ereport(ERROR,
				(errcode(ERRCODE_FOREIGN_KEY_VIOLATION),
				 errmsg("%s: SKU %s does not exist", sub, sub_raise_text(&n, SC_SKU))));
	if (strcmp(sku_of.program, program) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s: SKU \"%s\" of program \"%s\" is not sold in program \"%s\"",
						sub, sku_of.code, sku_of.program, program)));
	rb_prepaid_order_check(&n, model);

	today = DatumGetDateADT(DirectFunctionCall1(timestamp_date,
												DirectFunctionCall2(timestamptz_zone, tz,
																	TimestampTzGetDatum(rb_effective_at()))));
	sub_set(&n, SC_ACTIVE, Int32GetDatum(0), false);
	sub_set(&n, SC_CANCELLED_AT, (Datum) 0, true);
	if (sub_null(&n, SC_TERM_START))
		sub_set(&n, SC_TERM_START, DateADTGetDatum(today), false);
	start = DatumGetDateADT(sub_get(&n, SC_TERM_START));
	if (!sub_null(&n, SC_STATUS) && !sub_text_is(&n, SC_STATUS, "active") && !sub_text_is(&n, SC_STATUS, "trial"))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s cannot start %s", sub, sub_raise_text(&n, SC_STATUS)),
				 errhint("A new subscription starts active, or as a trial.")));

	plan = sub_plan(&n);
	if (plan == PLAN_TRIAL)
	{
		DateADT		longest = DatumGetDateADT(DirectFunctionCall2(date_pli, DateADTGetDatum(start),
																  Int32GetDatum(trial_days)));
		DateADT		end;

		sub_set(&n, SC_STATUS, CStringGetTextDatum("trial"), false);
		if (sub_null(&n, SC_CAP))
			sub_set(&n, SC_CAP, Int32GetDatum(trial_cap), false);
		if (DatumGetInt32(sub_get(&n, SC_CAP)) > trial_cap)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("%s would exceed the trial seat cap of its program", sub),
					 errdetail("Program \"%s\" allows trials of at most %s accounts; %s were asked for.",
							   program, int_text(trial_cap), sub_format_text(&n, SC_CAP))));
		/* a trial lasts the program's trial length (or less), never longer */
		if (sub_null(&n, SC_TRIAL_END))
			sub_set(&n, SC_TRIAL_END, DateADTGetDatum(longest), false);
		end = DatumGetDateADT(sub_get(&n, SC_TRIAL_END));
		if (end > longest || end <= start)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("%s would be a trial longer than its program allows", sub),
					 errdetail("Program \"%s\" allows trials of 1 to %s days; the trial would run from %s to %s.",
							   program, int_text(trial_days), sub_date_text(start, false), sub_date_text(end, false))));
		sub_set(&n, SC_TERM_END, (Datum) 0, true);
		sub_set(&n, SC_COMMITTED, (Datum) 0, true);
	}
	else
	{
		sub_set(&n, SC_STATUS, CStringGetTextDatum("active"), false);
		if (plan >= 0 && PLAN_IS_ANNUAL(plan))
		{
			if (sub_null(&n, SC_COMMITTED))
				ereport(ERROR,
						(errcode(ERRCODE_NOT_NULL_VIOLATION),
						 errmsg("an Annual subscription needs committed seats"),
						 errhint("Set committed_seats to the number of seats committed for the year.")));
			if (sub_null(&n, SC_TERM_END))
				sub_set(&n, SC_TERM_END, DateADTGetDatum(sub_plus_year(start)), false);
			sub_set(&n, SC_CAP, (Datum) 0, true);
			sub_set(&n, SC_TRIAL_END, (Datum) 0, true);
		}
		else
		{
			if (sub_null(&n, SC_CAP))
				ereport(ERROR,
						(errcode(ERRCODE_NOT_NULL_VIOLATION),
						 errmsg("a Flex subscription needs a seat cap"),
						 errhint("Set seat_cap to the most user accounts the customer may have.")));
			sub_set(&n, SC_TERM_END, (Datum) 0, true);
			sub_set(&n, SC_COMMITTED, (Datum) 0, true);
			sub_set(&n, SC_TRIAL_END, (Datum) 0, true);
		}
	}

	/* the price is the price list's, captured on the term start: a price
	 * written with the row must be that one */
	price = sub_partner_price(&n, sub_get(&n, SC_PLAN), sub_null(&n, SC_PLAN),
							  sub_get(&n, SC_TERM_START), false, &price_null);
	if (!sub_null(&n, SC_PRICE) &&
		!sub_amount_same(price, price_null, sub_get(&n, SC_PRICE), false))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s pays the partner price of the price list", sub),
				 errdetail("The %s partner price on %s is %s; %s was written.",
						   sub_format_text(&n, SC_PLAN), sub_date_text(start, false),
						   price_null ? "" : rb_datum_text(price, sub_type(&n, SC_PRICE)),
						   sub_format_text(&n, SC_PRICE)),
				 errhint("Leave partner_price out: it is filled in from the price list.")));
	sub_set(&n, SC_PRICE, price, price_null);

	result = sub_row_form(&n);
	SPI_finish();
	return PointerGetDatum(result);
}
