/*
 * close_lines.c — a month's recurring invoice lines, computed from the
 * billing facts: usage_lines(period, program, lo, hi).
 *
 * The close (close_chunk, through due_lines), preview_invoice, the channel's
 * lines and the adjustments of closed months all take their recurring lines
 * from here, so each rule has one implementation:
 *
 *   Annual   one line per commitment tranche running in the month: the
 *            month's installment of the tranche total (annual_installment,
 *            installment.c) on Annual paid monthly, the whole total in the
 *            month a prepaid tranche starts; zero installments are not lines.
 *   Flex     one line per Flex stretch (flex_term) with account-days in the
 *            month: every account counts each day of the reseller's time
 *            zone on which it was active at any moment inside both the month
 *            and the stretch; the line is price x account-days / (12 x days
 *            of the month), rounded once (prorate_fraction, installment.c).
 *
 * The facts are read by three queries whose rows are handed to this file one
 * by one as the executor produces them (a DestReceiver: no result set is
 * built): the tranches, the Flex stretches with the month's bounds in their
 * reseller's time zone, and the accounts of those stretches.  The stretches
 * are kept in a hash table while their accounts are summed.  For one
 * reseller (lo = hi) every table is restricted by reseller_id = lo, so on a
 * Citus cluster each query is routed to the one shard holding it.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "tcop/dest.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

#include "amount.h"
#include "calendar.h"
#include "close_lines.h"
#include "late_change.h"
#include "period.h"
#include "spi_rules.h"

/* the rules' one implementation, in installment.c */
extern Datum annual_installment(PG_FUNCTION_ARGS);
extern Datum amount_prorate_fraction(PG_FUNCTION_ARGS);


static const char *const annual_sql =
"SELECT t.reseller_id, pg.currency, t.plan OPERATOR(reseller_billing.=) 'annual_prepaid'::reseller_billing.plan_kind,"
"       t.subscription_id, s.customer_id, s.sku_id, k.name, t.seats, t.price, t.total, t.starts_on, t.ends_on,"
"       t.tranche_id"
"  FROM reseller_billing.commitment_tranche t"
"  JOIN reseller_billing.reseller r ON r.reseller_id OPERATOR(pg_catalog.=) t.reseller_id AND " RB_RES_FILTER("r")
"  JOIN reseller_billing.program pg ON pg.program_id OPERATOR(pg_catalog.=) r.program_id"
"  JOIN reseller_billing.subscription s"
"    ON s.reseller_id OPERATOR(pg_catalog.=) t.reseller_id AND s.subscription_id OPERATOR(pg_catalog.=) t.subscription_id"
"   AND " RB_RES_FILTER("s")
"  JOIN reseller_billing.sku k ON k.sku_id OPERATOR(pg_catalog.=) s.sku_id"
" WHERE " RB_RES_FILTER("t")
"   AND ($2 IS NULL OR r.program_id OPERATOR(pg_catalog.=) $2)"
"   AND t.starts_on OPERATOR(pg_catalog.<) reseller_billing.period_end($1)"
"   AND t.ends_on OPERATOR(pg_catalog.>) reseller_billing.period_start($1)"
"   AND (t.last_month IS NULL OR t.last_month OPERATOR(reseller_billing.>=) $1)"
"   AND (t.plan OPERATOR(reseller_billing.=) 'annual_monthly'::reseller_billing.plan_kind"
"        OR reseller_billing.billing_period(t.starts_on) OPERATOR(reseller_billing.=) $1)";

/* the month's bounds are computed once per reseller (OFFSET 0 keeps the
 * subquery from being merged into the join) */
static const char *const term_sql =
"SELECT f.reseller_id, f.flex_term_id, f.subscription_id, f.price, f.starts_at, f.ends_at,"
"       s.customer_id, s.sku_id, k.name, r.currency, r.time_zone, r.ms, r.me"
"  FROM (SELECT x.reseller_id, pg.currency, pg.time_zone,"
"               reseller_billing.period_start($1)::timestamp AT TIME ZONE pg.time_zone AS ms,"
"               reseller_billing.period_end($1)::timestamp AT TIME ZONE pg.time_zone AS me"
"          FROM reseller_billing.reseller x"
"          JOIN reseller_billing.program pg ON pg.program_id OPERATOR(pg_catalog.=) x.program_id"
"         WHERE " RB_RES_FILTER("x")
"           AND ($2 IS NULL OR x.program_id OPERATOR(pg_catalog.=) $2)"
"        OFFSET 0) r"
"  JOIN reseller_billing.flex_term f ON f.reseller_id OPERATOR(pg_catalog.=) r.reseller_id AND " RB_RES_FILTER("f")
"  JOIN reseller_billing.subscription s"
"    ON s.reseller_id OPERATOR(pg_catalog.=) f.reseller_id AND s.subscription_id OPERATOR(pg_catalog.=) f.subscription_id"
"   AND " RB_RES_FILTER("s")
"  JOIN reseller_billing.sku k ON k.sku_id OPERATOR(pg_catalog.=) s.sku_id"
" WHERE f.starts_at OPERATOR(pg_catalog.<) r.me"
"   AND (f.ends_at IS NULL OR f.ends_at OPERATOR(pg_catalog.>) r.ms)";

/* the accounts of the stretches of the month ($5, $6: the earliest start
 * and the latest end of the month over the stretches' time zones; each
 * account is clipped exactly by its stretch's bounds here in C) */
static const char *const seat_sql =
"SELECT f.reseller_id, f.flex_term_id, a.active_from, a.active_until"
"  FROM reseller_billing.flex_term f"
"  JOIN reseller_billing.seat a"
"    ON a.reseller_id OPERATOR(pg_catalog.=) f.reseller_id AND a.subscription_id OPERATOR(pg_catalog.=) f.subscription_id"
"   AND " RB_RES_FILTER("a")
" WHERE " RB_RES_FILTER("f")
"   AND f.starts_at OPERATOR(pg_catalog.<) $6 AND (f.ends_at IS NULL OR f.ends_at OPERATOR(pg_catalog.>) $5)"
"   AND a.active_from OPERATOR(pg_catalog.<) $6 AND (a.active_until IS NULL OR a.active_until OPERATOR(pg_catalog.>) $5)";

enum
{
	Q_ANNUAL, Q_TERM, Q_SEAT, Q_COUNT
};

/* [query][0: range, 1: one reseller] */
static RbTypedPlan plans[Q_COUNT][2];

/* a Flex stretch of the month, keyed by (reseller, stretch) */
typedef struct TermKey
{
	int64		reseller_id;
	int64		flex_term_id;
} TermKey;

typedef struct Term
{
	TermKey		key;
	int64		subscription_id;
	Datum		price;			/* amount */
	TimestampTz lo;				/* the month and the stretch overlapped */
	TimestampTz hi;
	bool		customer_null;
	int64		customer_id;
	int64		sku_id;
	char	   *sku_name;
	text	   *currency;
	char	   *time_zone;
	int64		account_days;
	TimestampTz first;			/* the earliest moment counted */
	TimestampTz last;			/* the latest */
} Term;

/* what the receivers share */
typedef struct LinesState
{
	DestReceiver pub;
	void		(*row) (struct LinesState *st, TupleTableSlot *slot);
	RbLineSink	sink;			/* where the lines go */
	void	   *sink_arg;
	int32		period;
	DateADT		period_start;
	DateADT		period_end;
	int64		whole;			/* 12 x days of the month */
	TypeCacheEntry *daterange;
	HTAB	   *terms;
	List	   *term_order;		/* the stretches in the order read */
	TimestampTz bound_lo;		/* earliest ms over the stretches */
	TimestampTz bound_hi;		/* latest me */
	Term	   *last_term;		/* the stretch the previous account was of */
	MemoryContext rowcxt;		/* reset after every row */
	MemoryContext keep;			/* the stretches */
} LinesState;

static bool
lines_receive(TupleTableSlot *slot, DestReceiver *self)
{
	LinesState *st = (LinesState *) self;
	MemoryContext old = MemoryContextSwitchTo(st->rowcxt);

	slot_getallattrs(slot);
	st->row(st, slot);
	MemoryContextSwitchTo(old);
	MemoryContextReset(st->rowcxt);
	return true;
}

static void
lines_startup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
lines_shutdown(DestReceiver *self)
{
}

static void
lines_destroy(DestReceiver *self)
{
}

static char *
date_text(DateADT d)
{
	return DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(d)));
}

static Datum
date_range(LinesState *st, DateADT lo, bool lo_inc, DateADT hi, bool hi_inc)
{
	RangeBound	lower = {.val = DateADTGetDatum(lo), .infinite = false, .inclusive = lo_inc, .lower = true};
	RangeBound	upper = {.val = DateADTGetDatum(hi), .infinite = false, .inclusive = hi_inc, .lower = false};

	return RangeTypePGetDatum(make_range(st->daterange, &lower, &upper, false));
}

static void
put_line(LinesState *st, Datum *values, bool *nulls)
{
	st->sink(st->sink_arg, values, nulls);
}

/* one tranche row of annual_sql: its line, unless the month bills nothing */
static void
annual_row(LinesState *st, TupleTableSlot *slot)
{
	Datum	   *v = slot->tts_values;
	bool	   *n = slot->tts_isnull;
	bool		prepaid = DatumGetBool(v[2]);
	DateADT		starts = DatumGetDateADT(v[10]);
	DateADT		ends = DatumGetDateADT(v[11]);
	Datum		amount;
	Datum		values[UL_NCOLS];
	bool		nulls[UL_NCOLS] = {0};

	if (prepaid)
		amount = v[9];
	else
		amount = DirectFunctionCall4(annual_installment, v[9], v[10], v[11], Int32GetDatum(st->period));
	if (DatumGetAmountP(amount)->value == 0)
		return;
	values[UL_RESELLER] = v[0];
	values[UL_CURRENCY] = v[1];
	values[UL_KIND] = CStringGetTextDatum(prepaid ? "annual_prepaid" : "annual_installment");
	values[UL_SUBSCRIPTION] = v[3];
	values[UL_CUSTOMER] = v[4];
	nulls[UL_CUSTOMER] = n[4];
	values[UL_SKU] = v[5];
	values[UL_DESCRIPTION] =
		CStringGetTextDatum(psprintf("%s: %d seat(s), commitment %s to %s",
									 n[6] ? "" : TextDatumGetCString(v[6]), DatumGetInt32(v[7]), date_text(starts),
									 date_text(DATE_NOT_FINITE(ends) ? ends : ends - 1)));
	values[UL_QUANTITY] = NumericGetDatum(int64_to_numeric(DatumGetInt32(v[7])));
	values[UL_UNIT_PRICE] = v[8];
	values[UL_AMOUNT] = amount;
	values[UL_SERVICE_PERIOD] = Int32GetDatum(st->period);
	if (prepaid)
		values[UL_SERVICE] = date_range(st, starts, true, ends, false);
	else
		values[UL_SERVICE] = date_range(st, Max(starts, st->period_start), true,
										Min(ends, st->period_end), false);
	values[UL_TRANCHE] = v[12];
	put_line(st, values, nulls);
}

/* one stretch row of term_sql: kept, with its bounds in the month */
static void
term_row(LinesState *st, TupleTableSlot *slot)
{
	Datum	   *v = slot->tts_values;
	bool	   *n = slot->tts_isnull;
	TermKey		key = {DatumGetInt64(v[0]), DatumGetInt64(v[1])};
	TimestampTz starts = DatumGetTimestampTz(v[4]);
	TimestampTz ms = DatumGetTimestampTz(v[11]);
	TimestampTz me = DatumGetTimestampTz(v[12]);
	bool		found;
	Term	   *t;
	MemoryContext old;

	t = hash_search(st->terms, &key, HASH_ENTER, &found);
	if (found)
		elog(ERROR, "usage_lines: Flex stretch %lld of reseller %lld read twice",
			 (long long) key.flex_term_id, (long long) key.reseller_id);
	old = MemoryContextSwitchTo(st->keep);
	t->subscription_id = DatumGetInt64(v[2]);
	t->price = PointerGetDatum(palloc(sizeof(Amount)));
	memcpy(DatumGetPointer(t->price), DatumGetPointer(v[3]), sizeof(Amount));
	t->lo = Max(starts, ms);
	t->hi = n[5] ? me : Min(DatumGetTimestampTz(v[5]), me);
	t->customer_null = n[6];
	t->customer_id = n[6] ? 0 : DatumGetInt64(v[6]);
	t->sku_id = DatumGetInt64(v[7]);
	t->sku_name = n[8] ? "" : TextDatumGetCString(v[8]);
	t->currency = DatumGetTextPCopy(v[9]);
	t->time_zone = TextDatumGetCString(v[10]);
	t->account_days = 0;
	t->first = DT_NOEND;
	t->last = DT_NOBEGIN;
	st->term_order = lappend(st->term_order, t);
	MemoryContextSwitchTo(old);
	st->bound_lo = Min(st->bound_lo, ms);
	st->bound_hi = Max(st->bound_hi, me);
}

/* one account row of seat_sql: its days in its stretch's part of the month */
static void
seat_row(LinesState *st, TupleTableSlot *slot)
{
	Datum	   *v = slot->tts_values;
	bool	   *n = slot->tts_isnull;
	TermKey		key = {DatumGetInt64(v[0]), DatumGetInt64(v[1])};
	Term	   *t = st->last_term;
	TimestampTz lo,
				hi;

	/* a stretch's accounts mostly come one after another */
	if (t == NULL || t->key.reseller_id != key.reseller_id || t->key.flex_term_id != key.flex_term_id)
		st->last_term = t = hash_search(st->terms, &key, HASH_FIND, NULL);
	if (t == NULL)				/* a stretch of another program, or outside the month */
		return;
	lo = Max(DatumGetTimestampTz(v[2]), t->lo);
	hi = n[3] ? t->hi : Min(DatumGetTimestampTz(v[3]), t->hi);
	if (hi <= lo)
		return;
	/* the day of its first and of its last microsecond, both counted */
	t->account_days += rb_date_in_zone(hi - 1, t->time_zone) - rb_date_in_zone(lo, t->time_zone) + 1;
	t->first = Min(t->first, lo);
	t->last = Max(t->last, hi);
}

/* every stretch with account-days: its line */
static void
flex_lines(LinesState *st)
{
	ListCell   *lc;

	foreach(lc, st->term_order)
	{
		Term	   *t = lfirst(lc);
		Datum		values[UL_NCOLS];
		bool		nulls[UL_NCOLS] = {0};
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		if (t->account_days <= 0)
			continue;
		old = MemoryContextSwitchTo(st->rowcxt);
		values[UL_RESELLER] = Int64GetDatum(t->key.reseller_id);
		values[UL_CURRENCY] = PointerGetDatum(t->currency);
		values[UL_KIND] = CStringGetTextDatum("flex_usage");
		values[UL_SUBSCRIPTION] = Int64GetDatum(t->subscription_id);
		values[UL_CUSTOMER] = Int64GetDatum(t->customer_id);
		nulls[UL_CUSTOMER] = t->customer_null;
		values[UL_SKU] = Int64GetDatum(t->sku_id);
		values[UL_DESCRIPTION] =
			CStringGetTextDatum(psprintf("%s: " INT64_FORMAT " account-day(s) on Flex",
										 t->sku_name, t->account_days));
		values[UL_QUANTITY] = NumericGetDatum(int64_to_numeric(t->account_days));
		values[UL_UNIT_PRICE] = t->price;
		values[UL_AMOUNT] = DirectFunctionCall3(amount_prorate_fraction, t->price,
												Int64GetDatum(t->account_days), Int64GetDatum(st->whole));
		values[UL_SERVICE_PERIOD] = Int32GetDatum(st->period);
		values[UL_SERVICE] = date_range(st, rb_date_in_zone(t->first, t->time_zone), true,
										rb_date_in_zone(t->last - 1, t->time_zone), true);
		nulls[UL_TRANCHE] = true;
		put_line(st, values, nulls);
		MemoryContextSwitchTo(old);
		MemoryContextReset(st->rowcxt);
	}
}

char *
rb_lines_sql(const char *fmt, bool one)
{
	return psprintf(fmt, one ? "OPERATOR(pg_catalog.=) $3" : "BETWEEN $3 AND $4");
}

/*
 * A query's plan in its form, kept for the session.  The one-reseller form
 * keeps its generic plan (index scans on the reseller's rows fit every
 * reseller).  The range form is planned at each execution for its bounds:
 * a generic plan cannot know how much of the tables a range covers, and
 * the nested loops it picks for "a few resellers" cost the close of 1,000
 * resellers about three times the hash joins a plan for the actual range
 * chooses.
 */
SPIPlanPtr
rb_lines_prepare(RbTypedPlan *plan, const char *fmt, bool one, int nargs, Oid *types)
{
	return rb_prepare_typed_opts(plan, rb_lines_sql(fmt, one), nargs, types,
								 one ? 0 : CURSOR_OPT_CUSTOM_PLAN);
}

/* runs query q in its range or one-reseller form, rows to st->row */
static void
run_query(LinesState *st, int q, const char *sql, bool one, Oid period_type, Datum *args, bool *argnull,
		  int nargs, void (*row) (LinesState *, TupleTableSlot *))
{
	Oid			types[6] = {period_type, INT8OID, INT8OID, INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
	SPIPlanPtr	plan = rb_lines_prepare(&plans[q][one], sql, one, nargs, types);
	ParamListInfo params = makeParamList(nargs);
	SPIExecuteOptions opt = {0};
	int			rc;

	for (int i = 0; i < nargs; i++)
	{
		params->params[i].value = args[i];
		params->params[i].isnull = argnull[i];
		params->params[i].pflags = PARAM_FLAG_CONST;
		params->params[i].ptype = types[i];
	}
	st->row = row;
	opt.params = params;
	opt.read_only = true;
	opt.dest = &st->pub;
	/* rows sent to a receiver other than SPI's own are reported as UTILITY */
	rc = SPI_execute_plan_extended(plan, &opt);
	if (rc != SPI_OK_SELECT && rc != SPI_OK_UTILITY)
		elog(ERROR, "usage_lines: query %d failed: %s", q, SPI_result_code_string(rc));
}

void
rb_usage_lines(int32 period, Oid period_type, Datum program, bool program_null, int64 lo, int64 hi,
			   RbLineSink sink, void *sink_arg)
{
	LinesState	st = {0};
	Datum		args[6];
	bool		argnull[6] = {0};
	bool		one = lo == hi;
	HASHCTL		ctl = {0};
	int32		start,
				end;

	st.pub.receiveSlot = lines_receive;
	st.pub.rStartup = lines_startup;
	st.pub.rShutdown = lines_shutdown;
	st.pub.rDestroy = lines_destroy;
	st.pub.mydest = DestNone;
	st.sink = sink;
	st.sink_arg = sink_arg;
	st.period = period;
	rb_period_bounds(period, &start, &end);
	st.period_start = start;
	st.period_end = end;
	st.whole = (int64) 12 * (end - start);
	st.daterange = lookup_type_cache(DATERANGEOID, TYPECACHE_RANGE_INFO);
	st.rowcxt = AllocSetContextCreate(CurrentMemoryContext, "usage_lines row", ALLOCSET_SMALL_SIZES);
	st.keep = AllocSetContextCreate(CurrentMemoryContext, "usage_lines stretches", ALLOCSET_DEFAULT_SIZES);
	ctl.keysize = sizeof(TermKey);
	ctl.entrysize = sizeof(Term);
	ctl.hcxt = st.keep;
	st.terms = hash_create("usage_lines stretches", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	st.bound_lo = DT_NOEND;
	st.bound_hi = DT_NOBEGIN;

	args[0] = Int32GetDatum(period);
	args[1] = program;
	argnull[1] = program_null;
	args[2] = Int64GetDatum(lo);
	args[3] = Int64GetDatum(hi);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "usage_lines: SPI_connect failed");
	run_query(&st, Q_ANNUAL, annual_sql, one, period_type, args, argnull, 4, annual_row);
	run_query(&st, Q_TERM, term_sql, one, period_type, args, argnull, 4, term_row);
	if (st.term_order != NIL)
	{
		args[4] = TimestampTzGetDatum(st.bound_lo);
		args[5] = TimestampTzGetDatum(st.bound_hi);
		run_query(&st, Q_SEAT, seat_sql, one, period_type, args, argnull, 6, seat_row);
		flex_lines(&st);
	}
	SPI_finish();
	MemoryContextDelete(st.rowcxt);
	MemoryContextDelete(st.keep);
}

static void
tuplestore_sink(void *arg, Datum *values, bool *nulls)
{
	ReturnSetInfo *rsinfo = arg;

	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/*
 * usage_lines(period, program, lo, hi): the recurring lines of the month for
 * the resellers of the program (NULL: every program) with ids in [lo, hi].
 */
PG_FUNCTION_INFO_V1(usage_lines);
Datum
usage_lines(PG_FUNCTION_ARGS)
{
	Oid			period_type = get_fn_expr_argtype(fcinfo->flinfo, 0);

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		return (Datum) 0;		/* no month or no range: no lines */
	if (!OidIsValid(period_type))
		elog(ERROR, "usage_lines: cannot tell the type of its first argument");
	rb_usage_lines(PG_GETARG_INT32(0), period_type, PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1),
				   PG_ARGISNULL(1), PG_GETARG_INT64(2), PG_GETARG_INT64(3),
				   tuplestore_sink, fcinfo->resultinfo);
	return (Datum) 0;
}
