/*
 * commitment.c — what an UPDATE of a subscription may change
 * (doc/subscriptions.md): BEFORE UPDATE on subscription, for every change but
 * the counter's.
 *
 *   - its reseller, customer and SKU never change; a cancelled subscription
 *     does not change at all (55000);
 *   - plan changes: a trial becomes Annual or Flex, Flex becomes Annual, at
 *     any time; Annual becomes Flex only by the renewal, on or after the
 *     renewal date; a prepaid order changes plan only inside
 *     migrate_to_postpaid (migration_check()); a post-paid reseller orders no
 *     prepaid plan (55000);
 *   - within an Annual commitment: no fewer seats (23514), no other term or
 *     price (55000); from the renewal date, only the renewal's next 12 months
 *     at the price list's price (55000); a Flex or trial price only from the
 *     price list (23514);
 *   - a trial's cap and length only shrink (23514); no limit below the active
 *     accounts (23514); a renewal setting only on an Annual plan (55000);
 *   - status: trial|active <-> suspended, -> cancelled; an Annual commitment
 *     is cancelled only at its renewal date or by terminate_early (55000);
 *     cancelled_at is set by the cancellation, and only then (55000).
 * What the change implies is written into the row: a converted trial is
 * active, a new commitment starts today for 12 months and renews
 * automatically, the partner price is the price list's.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/guc.h"
#include "utils/rel.h"
#include "utils/timestamp.h"

#include "amount.h"
#include "clock.h"
#include "spi_rules.h"
#include "subscription_row.h"

static SPIPlanPtr plan_today = NULL;
static SPIPlanPtr plan_model = NULL;
static RbTypedPlan plan_migration;

/* SQL's three-valued logic, where a rule compares columns that may be NULL */
typedef enum
{
	TV_FALSE,
	TV_TRUE,
	TV_NULL
} TriBool;

static TriBool
tv_or(TriBool a, TriBool b)
{
	if (a == TV_TRUE || b == TV_TRUE)
		return TV_TRUE;
	return (a == TV_NULL || b == TV_NULL) ? TV_NULL : TV_FALSE;
}

static TriBool
tv_and(TriBool a, TriBool b)
{
	if (a == TV_FALSE || b == TV_FALSE)
		return TV_FALSE;
	return (a == TV_NULL || b == TV_NULL) ? TV_NULL : TV_TRUE;
}

static TriBool
tv(bool b)
{
	return b ? TV_TRUE : TV_FALSE;
}

/* date comparisons of possibly NULL dates: -1, 0, 1, or NULL */
static TriBool
tv_date_lt(DateADT a, bool an, DateADT b, bool bn)
{
	return (an || bn) ? TV_NULL : tv(a < b);
}

static TriBool
tv_int_lt(SubRow *a, SubCol ca, SubRow *b, SubCol cb)
{
	if (sub_null(a, ca) || sub_null(b, cb))
		return TV_NULL;
	return tv(DatumGetInt32(sub_get(a, ca)) < DatumGetInt32(sub_get(b, cb)));
}

static DateADT
sub_date(SubRow *r, SubCol c)
{
	return sub_null(r, c) ? 0 : DatumGetDateADT(sub_get(r, c));
}

static char *
amount_text(Datum a, bool isnull)
{
	return isnull ? pstrdup("") : amount_to_cstring(DatumGetAmountP(a));
}

/* the plan change of a prepaid order in migrate_to_postpaid: the row
 * migration_check() returns.  The rows are passed as values of the type
 * reseller_billing.subscription whatever the trigger's table (on a shard
 * the row has the shard's type) */
static HeapTuple
migration_row(TriggerData *td, DateADT today, bool today_null)
{
	Oid			rowtype;
	Datum		old_row = sub_as_table_row(td, td->tg_trigtuple, &rowtype);
	Datum		new_row = sub_as_table_row(td, td->tg_newtuple, &rowtype);
	Oid			types[3] = {rowtype, rowtype, DATEOID};
	Datum		args[3] = {old_row, new_row, DateADTGetDatum(today)};
	char		nulls[3] = {' ', ' ', today_null ? 'n' : ' '};
	bool		isnull;
	Datum		r;

	SPI_execute_plan(rb_prepare_typed(&plan_migration,
									 "SELECT reseller_billing.migration_check($1, $2, $3)", 3, types),
					 args, nulls, true, 1);
	r = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
	if (isnull)
		return NULL;
	return SPI_copytuple(sub_from_table_row(td, r));
}

/* a plan change: allowed, and what it implies */
static void
plan_change(SubRow *o, SubRow *n, const char *sub, const char *action, DateADT today, bool today_null)
{
	int			op = sub_plan(o),
				np = sub_plan(n);
	TriBool		allowed;
	Datum		price;
	bool		price_null;

	if (np == PLAN_ANNUAL_PREPAID)
	{
		Oid			type[1] = {INT8OID};
		Datum		key[1] = {sub_get(n, SC_RESELLER)};

		SPI_execute_plan(rb_prepare_once(&plan_model,
										 "SELECT r.billing_model FROM reseller_billing.reseller r "
										 "WHERE r.reseller_id OPERATOR(pg_catalog.=) $1",
										 1, type),
						 key, NULL, true, 1);
		rb_prepaid_order_check(n, SPI_processed ? SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1) : NULL);
	}
	allowed = tv_or(tv(op == PLAN_TRIAL),
					tv_or(tv(op == PLAN_FLEXIBLE && PLAN_IS_ANNUAL(np)),
						  tv_and(tv(PLAN_IS_ANNUAL(op) && np == PLAN_FLEXIBLE && strcmp(action, "renew") == 0),
								 tv_or(tv_date_lt(sub_date(o, SC_TERM_END), sub_null(o, SC_TERM_END), today, today_null),
									   (today_null || sub_null(o, SC_TERM_END)) ? TV_NULL
									   : tv(today == sub_date(o, SC_TERM_END))))));
	if (allowed == TV_FALSE)
	{
		if (PLAN_IS_ANNUAL(op) && np == PLAN_FLEXIBLE)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("%s cannot change plan from %s to %s", sub, sub_raise_text(o, SC_PLAN), sub_raise_text(n, SC_PLAN)),
					 errdetail("An Annual plan becomes Flex only at its renewal on %s.",
							   sub_date_text(sub_date(o, SC_TERM_END), sub_null(o, SC_TERM_END))),
					 errhint("Set the renewal setting to switch_to_flex.")));
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s cannot change plan from %s to %s", sub, sub_raise_text(o, SC_PLAN), sub_raise_text(n, SC_PLAN)),
				 errdetail("A trial becomes Annual or Flex; Flex becomes Annual; Annual becomes Flex at renewal.")));
	}
	if (sub_text_is(o, SC_STATUS, "trial") || (sub_text_is(o, SC_STATUS, "suspended") && op == PLAN_TRIAL))
		sub_set(n, SC_STATUS, CStringGetTextDatum("active"), false);	/* a converted trial is paid from its conversion */
	if (PLAN_IS_ANNUAL(np) && !PLAN_IS_ANNUAL(op))
	{
		if (sub_null(n, SC_COMMITTED))
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("%s needs committed seats to become %s", sub, sub_raise_text(n, SC_PLAN))));
		/* a new 12-month commitment starts now */
		sub_set(n, SC_TERM_START, DateADTGetDatum(today), today_null);
		sub_set(n, SC_TERM_END, today_null ? (Datum) 0 : DateADTGetDatum(sub_plus_year(today)), today_null);
		sub_set(n, SC_CAP, (Datum) 0, true);
		/* it renews automatically unless this change says otherwise (a
		 * switch_to_flex of an earlier term does not carry over) */
		if (sub_same(n, o, SC_RENEWAL) && !sub_null(n, SC_RENEWAL))
			sub_set(n, SC_RENEWAL, CStringGetTextDatum("auto_renew"), false);
	}
	else if (np == PLAN_FLEXIBLE)
	{
		if (sub_null(n, SC_CAP))
			ereport(ERROR,
					(errcode(ERRCODE_NOT_NULL_VIOLATION),
					 errmsg("%s needs a seat cap to become Flex", sub)));
		sub_set(n, SC_COMMITTED, (Datum) 0, true);
		sub_set(n, SC_TERM_START, DateADTGetDatum(today), today_null);	/* at a switch at renewal, the renewal date */
		sub_set(n, SC_TERM_END, (Datum) 0, true);
	}
	/* paid from the change, at the price list's partner price of its day */
	price = sub_partner_price(n, sub_get(n, SC_PLAN), false, sub_get(n, SC_TERM_START), sub_null(n, SC_TERM_START),
							  &price_null);
	if (!sub_amount_same(sub_get(n, SC_PRICE), sub_null(n, SC_PRICE), sub_get(o, SC_PRICE), sub_null(o, SC_PRICE)) &&
		!sub_amount_same(sub_get(n, SC_PRICE), sub_null(n, SC_PRICE), price, price_null))
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s pays the partner price of the price list", sub),
				 errdetail("The %s partner price on %s is %s; %s was written.", sub_format_text(n, SC_PLAN),
						   sub_date_text(sub_date(n, SC_TERM_START), sub_null(n, SC_TERM_START)),
						   amount_text(price, price_null), amount_text(sub_get(n, SC_PRICE), sub_null(n, SC_PRICE)))));
	sub_set(n, SC_PRICE, price, price_null);
}

/* the term and price: fixed within a commitment, renewed only as the
 * renewal does; a Flex or trial price only from the price list */
static void
term_change(SubRow *o, SubRow *n, const char *sub, DateADT today, bool today_null)
{
	bool		annual = sub_plan(n) >= 0 && PLAN_IS_ANNUAL(sub_plan(n));
	bool		same_term = sub_same(n, o, SC_TERM_START) && sub_same(n, o, SC_TERM_END) &&
		sub_amount_same(sub_get(n, SC_PRICE), sub_null(n, SC_PRICE), sub_get(o, SC_PRICE), sub_null(o, SC_PRICE));
	Datum		price;
	bool		price_null;

	if (annual && tv_date_lt(today, today_null, sub_date(o, SC_TERM_END), sub_null(o, SC_TERM_END)) == TV_TRUE)
	{
		/* within a commitment (from the renewal date on, the renewal sets them) */
		if (tv_int_lt(n, SC_COMMITTED, o, SC_COMMITTED) == TV_TRUE)
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("%s cannot reduce its committed seats before the renewal date", sub),
					 errdetail("The commitment is %s seats until %s; %s seats were asked for.",
							   sub_format_text(o, SC_COMMITTED), sub_format_text(o, SC_TERM_END),
							   sub_format_text(n, SC_COMMITTED)),
					 errhint("Set the renewal setting to renew_current_users to renew with fewer seats.")));
		if (!same_term)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("%s cannot change its term or price during its commitment", sub),
					 errdetail("The term runs from %s to %s at %s per seat per year.",
							   sub_format_text(o, SC_TERM_START), sub_format_text(o, SC_TERM_END),
							   sub_format_text(o, SC_PRICE))));
	}
	else if (annual && !same_term)
	{
		/* the next 12 months, at the price list's price of the renewal day */
		DateADT		renew_end = sub_null(o, SC_TERM_END) ? 0 : sub_plus_year(sub_date(o, SC_TERM_END));

		price = sub_partner_price(n, sub_get(n, SC_PLAN), false, sub_get(o, SC_TERM_END), sub_null(o, SC_TERM_END),
								  &price_null);
		if (!((sub_null(n, SC_TERM_START) && sub_null(o, SC_TERM_END)) ||
			  (!sub_null(n, SC_TERM_START) && !sub_null(o, SC_TERM_END) &&
			   sub_date(n, SC_TERM_START) == sub_date(o, SC_TERM_END))) ||
			!((sub_null(n, SC_TERM_END) && sub_null(o, SC_TERM_END)) ||
			  (!sub_null(n, SC_TERM_END) && !sub_null(o, SC_TERM_END) && sub_date(n, SC_TERM_END) == renew_end)) ||
			!sub_amount_same(sub_get(n, SC_PRICE), sub_null(n, SC_PRICE), price, price_null))
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("%s renews for the next 12 months at the price list's price, or not at all", sub),
					 errdetail("The renewal is the term %s at %s; the term %s at %s was written.",
							   sub_range_text(sub_date(o, SC_TERM_END), sub_null(o, SC_TERM_END),
										 renew_end, sub_null(o, SC_TERM_END)),
							   amount_text(price, price_null),
							   sub_range_text(sub_date(n, SC_TERM_START), sub_null(n, SC_TERM_START),
										 sub_date(n, SC_TERM_END), sub_null(n, SC_TERM_END)),
							   amount_text(sub_get(n, SC_PRICE), sub_null(n, SC_PRICE))),
					 errhint("Renewals are applied by renew_due, by the renewal setting.")));
	}
	else if (!sub_amount_same(sub_get(n, SC_PRICE), sub_null(n, SC_PRICE), sub_get(o, SC_PRICE), sub_null(o, SC_PRICE)))
	{
		price = sub_partner_price(n, sub_get(n, SC_PLAN), sub_null(n, SC_PLAN), DateADTGetDatum(today), today_null,
								  &price_null);
		if (!sub_amount_same(sub_get(n, SC_PRICE), sub_null(n, SC_PRICE), price, price_null))
			ereport(ERROR,
					(errcode(ERRCODE_CHECK_VIOLATION),
					 errmsg("%s pays the partner price of the price list", sub),
					 errdetail("The %s partner price on %s is %s; %s was written.", sub_format_text(n, SC_PLAN),
							   sub_date_text(today, today_null), amount_text(price, price_null),
							   amount_text(sub_get(n, SC_PRICE), sub_null(n, SC_PRICE)))));
	}
}

/* the limits of a trial, the seats against the active accounts, the renewal
 * setting */
static void
limit_change(SubRow *o, SubRow *n, const char *sub)
{
	int			np = sub_plan(n);
	bool		annual = np >= 0 && PLAN_IS_ANNUAL(np);
	SubCol		limit = annual ? SC_COMMITTED : SC_CAP;
	const char *what = annual ? "commitment" : "seat cap";

	if (np == PLAN_TRIAL && tv_int_lt(o, SC_CAP, n, SC_CAP) == TV_TRUE)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s is a trial, whose seat cap is set by its program", sub),
				 errdetail("The trial cap is %s; %s was asked for.",
						   sub_format_text(o, SC_CAP), sub_format_text(n, SC_CAP))));
	if (np == PLAN_TRIAL &&
		tv_or(tv(sub_null(n, SC_TRIAL_END)),
			  tv_or(tv_date_lt(sub_date(o, SC_TRIAL_END), sub_null(o, SC_TRIAL_END),
							sub_date(n, SC_TRIAL_END), sub_null(n, SC_TRIAL_END)),
					tv_or(tv_date_lt(sub_date(n, SC_TRIAL_END), sub_null(n, SC_TRIAL_END),
								  sub_date(n, SC_TERM_START), sub_null(n, SC_TERM_START)),
						  (sub_null(n, SC_TRIAL_END) || sub_null(n, SC_TERM_START)) ? TV_NULL
						  : tv(sub_date(n, SC_TRIAL_END) == sub_date(n, SC_TERM_START))))) == TV_TRUE)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s is a trial, whose length is set by its program", sub),
				 errdetail("The trial ends on %s; %s was asked for.", sub_format_text(o, SC_TRIAL_END),
						   sub_null(n, SC_TRIAL_END) ? "NULL" : sub_format_text(n, SC_TRIAL_END)),
				 errhint("Convert it to an Annual or Flex plan with change_plan.")));
	if (tv_int_lt(n, limit, n, SC_ACTIVE) == TV_TRUE)
		ereport(ERROR,
				(errcode(ERRCODE_CHECK_VIOLATION),
				 errmsg("%s cannot have a %s below its active accounts", sub, what),
				 errdetail("%s accounts are active; the %s would be %s.", sub_format_text(n, SC_ACTIVE), what,
						   sub_format_text(n, limit)),
				 errhint("Remove accounts first (set active_until).")));
	if (!sub_null(n, SC_RENEWAL) && !sub_null(o, SC_RENEWAL) && !sub_same(n, o, SC_RENEWAL) &&
		np >= 0 && !annual)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s has no renewal to set: it is on the %s plan", sub, sub_raise_text(n, SC_PLAN))));
}

/* status: trial|active <-> suspended, -> cancelled */
static void
status_change(SubRow *o, SubRow *n, const char *sub, const char *action, DateADT today, bool today_null)
{
	int			op = sub_plan(o),
				np = sub_plan(n);

	if (!sub_null(n, SC_STATUS) && !sub_null(o, SC_STATUS) && !sub_same(n, o, SC_STATUS))
	{
		if (sub_text_is(n, SC_STATUS, "cancelled"))
		{
			if (op >= 0 && PLAN_IS_ANNUAL(op) &&
				tv_date_lt(today, today_null, sub_date(o, SC_TERM_END), sub_null(o, SC_TERM_END)) == TV_TRUE &&
				strcmp(action, "terminate") != 0)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("%s cannot be cancelled before its renewal date", sub),
						 errdetail("The Annual commitment runs until %s; today is %s.",
								   sub_format_text(o, SC_TERM_END), sub_date_text(today, today_null)),
						 errhint("Set the renewal setting to cancel, or call terminate_early to cancel now with an early-termination charge.")));
			sub_set(n, SC_CANCELLED_AT, TimestampTzGetDatum(rb_effective_at()), false);
		}
		else if (sub_text_is(n, SC_STATUS, "trial"))
		{
			TriBool		ended = tv_or(tv(np >= 0 && np != PLAN_TRIAL),
									  tv_or(tv_date_lt(sub_date(n, SC_TRIAL_END), sub_null(n, SC_TRIAL_END),
													today, today_null),
											(today_null || sub_null(n, SC_TRIAL_END)) ? TV_NULL
											: tv(sub_date(n, SC_TRIAL_END) == today)));

			if (ended == TV_TRUE)
				ereport(ERROR,
						(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
						 errmsg("%s cannot return to trial", sub),
						 errdetail("Its trial ended on %s.", sub_format_text(n, SC_TRIAL_END)),
						 errhint("Convert it to an Annual or Flex plan with change_plan.")));
		}
		else if (sub_text_is(n, SC_STATUS, "active") && np == PLAN_TRIAL)
			ereport(ERROR,
					(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
					 errmsg("%s is a trial and becomes active by converting it", sub),
					 errhint("Convert it to an Annual or Flex plan with change_plan.")));
	}
	if (!sub_same(n, o, SC_CANCELLED_AT) && !sub_null(n, SC_STATUS) && !sub_text_is(n, SC_STATUS, "cancelled"))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s is not cancelled and has no cancellation time", sub),
				 errdetail("cancelled_at %s was written.",
						   sub_null(n, SC_CANCELLED_AT) ? "NULL" : sub_format_text(n, SC_CANCELLED_AT)),
				 errhint("Cancel it (status cancelled): the time is set then.")));
}

PG_FUNCTION_INFO_V1(rb_subscription_before_update);
Datum
rb_subscription_before_update(PG_FUNCTION_ARGS)
{
	TriggerData *td = (TriggerData *) fcinfo->context;
	const char *action;
	TimestampTz eff;
	Oid			types[2] = {INT8OID, TIMESTAMPTZOID};
	Datum		args[2];
	char		nulls[2] = {' ', ' '};
	DateADT		today;
	bool		today_null;
	SubRow		o,
				n;
	char	   *sub;
	int			op,
				np;
	HeapTuple	result;

	if (!CALLED_AS_TRIGGER(fcinfo) || !TRIGGER_FIRED_BEFORE(td->tg_event) ||
		!TRIGGER_FIRED_FOR_ROW(td->tg_event) || !TRIGGER_FIRED_BY_UPDATE(td->tg_event))
		ereport(ERROR,
				(errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
				 errmsg("subscription_before_update() must be a BEFORE UPDATE row trigger")));

	action = GetConfigOption("reseller_billing.action", true, false);
	if (action == NULL)
		action = "";
	eff = rb_effective_at();
	SPI_connect();
	sub_row_read(&o, td, td->tg_trigtuple);
	sub_row_read(&n, td, td->tg_newtuple);
	args[0] = sub_get(&n, SC_RESELLER);
	nulls[0] = sub_null(&n, SC_RESELLER) ? 'n' : ' ';
	args[1] = TimestampTzGetDatum(eff);
	SPI_execute_plan(rb_prepare_once(&plan_today, "SELECT reseller_billing.program_date($1, $2)", 2, types),
					 args, nulls, true, 1);
	today = DatumGetDateADT(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &today_null));
	sub = sub_label(&n);

	if (!sub_same(&n, &o, SC_RESELLER) || !sub_same(&n, &o, SC_SUBSCRIPTION) || !sub_same(&n, &o, SC_CUSTOMER) ||
		!sub_same(&n, &o, SC_SKU) || !sub_same(&n, &o, SC_CREATED_AT))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s cannot change its reseller, customer or SKU", sub),
				 errhint("Cancel it and create a new subscription.")));
	if (sub_text_is(&o, SC_STATUS, "cancelled"))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("%s is cancelled", sub),
				 errdetail("It was cancelled at %s; a cancelled subscription does not change.",
						   sub_format_text(&o, SC_CANCELLED_AT))));

	op = sub_plan(&o);
	np = sub_plan(&n);
	/*
	 * The prepaid-to-postpaid migration is the one change of an Annual plan
	 * to another plan inside its term: migration_check() allows it only in
	 * migrate_to_postpaid's transaction, and only as the migration writes it.
	 */
	if (strcmp(action, "migrate") == 0 && op == PLAN_ANNUAL_PREPAID && np >= 0 && np != op)
	{
		result = migration_row(td, today, today_null);
		SPI_finish();
		return PointerGetDatum(result);
	}

	if (op >= 0 && np >= 0 && np != op)
		plan_change(&o, &n, sub, action, today, today_null);
	else
		term_change(&o, &n, sub, today, today_null);
	limit_change(&o, &n, sub);
	status_change(&o, &n, sub, action, today, today_null);

	result = sub_row_form(&n);
	SPI_finish();
	return PointerGetDatum(result);
}
