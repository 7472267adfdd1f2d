/*
 * close_due.c — everything a close of the month bills: due_lines(period,
 * program, lo, hi).
 *
 * For the resellers in [lo, hi] that have no invoice for the month yet:
 *   - the month's recurring lines (close_lines.c);
 *   - the charges due before the month's end and not on any invoice line
 *     (early termination fees, one-off charges), each as it was recorded;
 *   - per subscription and closed month changed afterwards (late_change),
 *     one adjustment line: what the month's recurring lines are now, less
 *     what its invoices not voided billed for them; nothing when equal.
 * Sales tax lines are added by the close and the preview on top of these.
 * As in close_lines.c, one reseller (lo = hi) restricts every table by
 * reseller_id = lo, so that on Citus each query is routed to one shard.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "executor/tstoreReceiver.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rangetypes.h"
#include "utils/typcache.h"

#include "amount.h"
#include "calendar.h"
#include "close_lines.h"
#include "period.h"
#include "spi_rules.h"

extern Datum amount_add(PG_FUNCTION_ARGS);
extern Datum amount_sub(PG_FUNCTION_ARGS);
extern Datum amount_eq(PG_FUNCTION_ARGS);
extern Datum period_to_daterange(PG_FUNCTION_ARGS);

/* due_lines' columns: a line's, then the charge it bills */
#define DL_CHARGE	UL_NCOLS
#define DL_NCOLS	(UL_NCOLS + 1)

/* $1 the month, $2 the program (NULL: all), $3..$4 the range, $5 the
 * resellers already invoiced for the month */
static const char *const done_sql =
"SELECT DISTINCT i.reseller_id FROM reseller_billing.invoice i"
" WHERE " RB_RES_FILTER("i") " AND i.period OPERATOR(reseller_billing.=) $1";

static const char *const charge_sql =
"SELECT c.reseller_id, reseller_billing.currency(c.amount),"
"       CASE WHEN c.kind OPERATOR(pg_catalog.=) 'early_termination' THEN 'early_termination' ELSE 'one_off' END,"
"       c.subscription_id, c.customer_id, s.sku_id, c.description, 1::numeric, c.amount, c.amount,"
"       reseller_billing.billing_period(c.charge_on), pg_catalog.daterange(c.charge_on, c.charge_on, '[]'),"
"       NULL::bigint, c.charge_id"
"  FROM reseller_billing.charge c"
"  JOIN reseller_billing.reseller r ON r.reseller_id OPERATOR(pg_catalog.=) c.reseller_id AND " RB_RES_FILTER("r")
"  LEFT JOIN reseller_billing.subscription s"
"    ON s.reseller_id OPERATOR(pg_catalog.=) c.reseller_id AND s.subscription_id OPERATOR(pg_catalog.=) c.subscription_id"
"   AND " RB_RES_FILTER("s")
" WHERE " RB_RES_FILTER("c")
"   AND ($2 IS NULL OR r.program_id OPERATOR(pg_catalog.=) $2)"
"   AND NOT (c.reseller_id OPERATOR(pg_catalog.=) ANY ($5))"
"   AND c.charge_on OPERATOR(pg_catalog.<) reseller_billing.period_end($1)"
"   AND NOT EXISTS (SELECT FROM reseller_billing.invoice_line l"
"                    WHERE l.reseller_id OPERATOR(pg_catalog.=) c.reseller_id AND " RB_RES_FILTER("l")
"                      AND l.charge_id OPERATOR(pg_catalog.=) c.charge_id)";

static const char *const late_sql =
"SELECT x.reseller_id, x.subscription_id, x.service_period, r.program_id, pg.currency, s.customer_id, s.sku_id,"
"       reseller_billing.amount(0, pg.currency)"
"  FROM reseller_billing.late_change x"
"  JOIN reseller_billing.reseller r ON r.reseller_id OPERATOR(pg_catalog.=) x.reseller_id AND " RB_RES_FILTER("r")
"  JOIN reseller_billing.program pg ON pg.program_id OPERATOR(pg_catalog.=) r.program_id"
"  JOIN reseller_billing.subscription s"
"    ON s.reseller_id OPERATOR(pg_catalog.=) x.reseller_id AND s.subscription_id OPERATOR(pg_catalog.=) x.subscription_id"
"   AND " RB_RES_FILTER("s")
" WHERE " RB_RES_FILTER("x")
"   AND ($2 IS NULL OR r.program_id OPERATOR(pg_catalog.=) $2)"
"   AND NOT (x.reseller_id OPERATOR(pg_catalog.=) ANY ($5))"
"   AND x.service_period OPERATOR(reseller_billing.<) $1"
" ORDER BY x.reseller_id, x.subscription_id, x.service_period";

/* what a closed month billed a subscription on invoices not voided:
 * $1 reseller, $2 subscription, $3 month, $4 zero in the currency */
static const char *const billed_sql =
"SELECT coalesce(reseller_billing.sum(l.amount), $4)"
"  FROM reseller_billing.invoice_line l"
"  JOIN reseller_billing.invoice i"
"    ON i.reseller_id OPERATOR(pg_catalog.=) l.reseller_id AND i.invoice_id OPERATOR(pg_catalog.=) l.invoice_id"
"   AND i.reseller_id OPERATOR(pg_catalog.=) $1"
" WHERE l.reseller_id OPERATOR(pg_catalog.=) $1 AND l.subscription_id OPERATOR(pg_catalog.=) $2"
"   AND l.service_period OPERATOR(reseller_billing.=) $3"
"   AND l.kind OPERATOR(pg_catalog.=) ANY (reseller_billing.recurring_line_kinds())"
"   AND i.status OPERATOR(pg_catalog.<>) 'void'";

/* [0: range, 1: one reseller] */
static RbTypedPlan done_plan[2],
			charge_plan[2],
			late_plan[2],
			billed_plan;

typedef struct DueState
{
	ReturnSetInfo *rsinfo;
	int64	   *done;			/* sorted */
	int			ndone;
	/* the adjustment being computed: its subscription and running sum */
	int64		subscription_id;
	Amount		sum;
	Datum		expected;		/* &sum */
} DueState;

static int
int64_cmp(const void *a, const void *b)
{
	int64		x = *(const int64 *) a;
	int64		y = *(const int64 *) b;

	return x < y ? -1 : x > y;
}

static bool
is_done(DueState *st, int64 reseller_id)
{
	return st->ndone > 0 &&
		bsearch(&reseller_id, st->done, st->ndone, sizeof(int64), int64_cmp) != NULL;
}

/* a recurring line, unless its reseller is invoiced for the month */
static void
recurring_sink(void *arg, Datum *values, bool *nulls)
{
	DueState   *st = arg;
	Datum		v[DL_NCOLS];
	bool		n[DL_NCOLS];

	if (is_done(st, DatumGetInt64(values[UL_RESELLER])))
		return;
	memcpy(v, values, sizeof(Datum) * UL_NCOLS);
	memcpy(n, nulls, sizeof(bool) * UL_NCOLS);
	n[DL_CHARGE] = true;
	v[DL_CHARGE] = (Datum) 0;
	tuplestore_putvalues(st->rsinfo->setResult, st->rsinfo->setDesc, v, n);
}

/* the recurring lines of one subscription, summed */
static void
expected_sink(void *arg, Datum *values, bool *nulls)
{
	DueState   *st = arg;

	if (DatumGetInt64(values[UL_SUBSCRIPTION]) != st->subscription_id)
		return;
	/* the sum is kept here: the line's memory is gone after the call */
	memcpy(&st->sum, DatumGetPointer(DirectFunctionCall2(amount_add, st->expected, values[UL_AMOUNT])),
		   sizeof(Amount));
	st->expected = PointerGetDatum(&st->sum);
}

static ParamListInfo
params_of(int n, Oid *types, Datum *values, bool *nulls)
{
	ParamListInfo p = makeParamList(n);

	for (int i = 0; i < n; i++)
	{
		p->params[i].value = values[i];
		p->params[i].isnull = nulls[i];
		p->params[i].pflags = PARAM_FLAG_CONST;
		p->params[i].ptype = types[i];
	}
	return p;
}

static int
execute(SPIPlanPtr plan, ParamListInfo params, DestReceiver *dest, const char *what)
{
	SPIExecuteOptions opt = {0};
	int			rc;

	opt.params = params;
	opt.read_only = true;
	opt.dest = dest;
	rc = SPI_execute_plan_extended(plan, &opt);
	if (rc < 0)
		elog(ERROR, "due_lines: the %s query failed: %s", what, SPI_result_code_string(rc));
	return rc;
}

PG_FUNCTION_INFO_V1(due_lines);
Datum
due_lines(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid			period_type = get_fn_expr_argtype(fcinfo->flinfo, 0);
	Oid			types[5] = {period_type, INT8OID, INT8OID, INT8OID, INT8ARRAYOID};
	Datum		args[5];
	bool		argnull[5] = {0};
	DueState	st = {0};
	bool		one;
	int32		period;
	int64		lo,
				hi;
	Datum	   *done;
	SPITupleTable *late;
	uint64		nlate;
	DestReceiver *store;

	InitMaterializedSRF(fcinfo, 0);
	if (PG_ARGISNULL(0) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
		return (Datum) 0;		/* no month or no range: nothing due */
	if (!OidIsValid(period_type))
		elog(ERROR, "due_lines: cannot tell the type of its first argument");
	st.rsinfo = rsinfo;
	period = PG_GETARG_INT32(0);
	lo = PG_GETARG_INT64(2);
	hi = PG_GETARG_INT64(3);
	one = lo == hi;
	args[0] = Int32GetDatum(period);
	args[1] = PG_ARGISNULL(1) ? (Datum) 0 : PG_GETARG_DATUM(1);
	argnull[1] = PG_ARGISNULL(1);
	args[2] = Int64GetDatum(lo);
	args[3] = Int64GetDatum(hi);

	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "due_lines: SPI_connect failed");

	/* the resellers in range already invoiced for the month */
	execute(rb_lines_prepare(&done_plan[one], done_sql, one, 4, types), params_of(4, types, args, argnull), NULL, "invoiced");
	st.ndone = (int) SPI_processed;
	st.done = palloc(sizeof(int64) * Max(st.ndone, 1));
	done = palloc(sizeof(Datum) * Max(st.ndone, 1));
	for (int i = 0; i < st.ndone; i++)
	{
		bool		isnull;

		st.done[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
		done[i] = Int64GetDatum(st.done[i]);
	}
	qsort(st.done, st.ndone, sizeof(int64), int64_cmp);
	args[4] = PointerGetDatum(construct_array(done, st.ndone, INT8OID, sizeof(int64), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));

	/* recurring lines */
	rb_usage_lines(period, period_type, args[1], argnull[1], lo, hi, recurring_sink, &st);

	/* charges due and not billed yet, straight into the result */
	store = CreateDestReceiver(DestTuplestore);
	SetTuplestoreDestReceiverParams(store, rsinfo->setResult, rsinfo->econtext->ecxt_per_query_memory,
									false, NULL, NULL);
	execute(rb_lines_prepare(&charge_plan[one], charge_sql, one, 5, types), params_of(5, types, args, argnull), store,
			"charges");
	store->rDestroy(store);

	/* adjustments of closed months: per late change (there are few) */
	execute(rb_lines_prepare(&late_plan[one], late_sql, one, 5, types), params_of(5, types, args, argnull), NULL,
			"late changes");
	late = SPI_tuptable;
	nlate = SPI_processed;
	for (uint64 i = 0; i < nlate; i++)
	{
		HeapTuple	row = late->vals[i];
		TupleDesc	desc = late->tupdesc;
		bool		isnull[8];
		Datum		lc[8];
		Oid			btypes[4];
		Datum		bargs[4];
		bool		bnull[4] = {0};
		Datum		billed;
		Datum		v[DL_NCOLS];
		bool		n[DL_NCOLS] = {0};
		char		ptext[RB_PERIOD_TEXT_MAX];

		CHECK_FOR_INTERRUPTS();
		for (int c = 0; c < 8; c++)
			lc[c] = SPI_getbinval(row, desc, c + 1, &isnull[c]);
		/* what the month's lines are now */
		st.subscription_id = DatumGetInt64(lc[1]);
		memcpy(&st.sum, DatumGetPointer(lc[7]), sizeof(Amount));
		st.expected = PointerGetDatum(&st.sum);
		rb_usage_lines(DatumGetInt32(lc[2]), period_type, lc[3], false, DatumGetInt64(lc[0]),
					   DatumGetInt64(lc[0]), expected_sink, &st);
		/* what was billed */
		btypes[0] = INT8OID;
		btypes[1] = INT8OID;
		btypes[2] = period_type;
		btypes[3] = SPI_gettypeid(desc, 8);
		bargs[0] = lc[0];
		bargs[1] = lc[1];
		bargs[2] = lc[2];
		bargs[3] = lc[7];
		execute(rb_prepare_typed(&billed_plan, billed_sql, 4, btypes), params_of(4, btypes, bargs, bnull), NULL,
				"billed");
		billed = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &bnull[0]);
		if (DatumGetBool(DirectFunctionCall2(amount_eq, st.expected, billed)))
			continue;
		rb_period_format(ptext, DatumGetInt32(lc[2]));
		v[UL_RESELLER] = lc[0];
		v[UL_CURRENCY] = lc[4];
		v[UL_KIND] = CStringGetTextDatum("adjustment");
		v[UL_SUBSCRIPTION] = lc[1];
		v[UL_CUSTOMER] = lc[5];
		n[UL_CUSTOMER] = isnull[5];
		v[UL_SKU] = lc[6];
		n[UL_SKU] = isnull[6];
		v[UL_DESCRIPTION] =
			CStringGetTextDatum(psprintf("Adjustment for %s: changes recorded after the month was closed", ptext));
		v[UL_QUANTITY] = NumericGetDatum(int64_to_numeric(1));
		n[UL_UNIT_PRICE] = true;
		v[UL_AMOUNT] = DirectFunctionCall2(amount_sub, st.expected, billed);
		v[UL_SERVICE_PERIOD] = lc[2];
		v[UL_SERVICE] = DirectFunctionCall1(period_to_daterange, lc[2]);
		n[UL_TRANCHE] = true;
		n[DL_CHARGE] = true;
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, v, n);
	}
	SPI_finish();
	return (Datum) 0;
}
