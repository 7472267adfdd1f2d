/*
 * tranche.c — a commitment tranche: the seats an Annual subscription
 * commits to from a day to its term's end, at a price, with the total the
 * term owes for them (prorated by days when the tranche starts inside the
 * term; doc/subscriptions.md, "Annual plans").
 *
 * rb_tranche_insert() is the one implementation: the billing-facts trigger
 * (billing_facts.c) calls it for a new term and for seats added to one, the
 * SQL function tranche_add() for the migration.  The checks come first,
 * each naming the subscription, the limit and the value given; then one
 * INSERT keyed by the reseller.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"

#include "amount.h"
#include "child_write.h"
#include "late_change.h"
#include "session.h"
#include "spi_rules.h"
#include "subscription_row.h"
#include "tranche.h"

static RbTypedPlan plan_insert;
static SPIPlanPtr plan_exists = NULL;

/* a value as RAISE prints it: <NULL> for a null */
static const char *
raised(TrancheArgs *a, int i, Oid type)
{
	Datum		d[8] = {a->reseller, a->subscription, a->plan, a->seats, a->price,
	a->term_start, a->term_end, a->starts_on};

	return a->null[i] ? "<NULL>" : rb_datum_text(d[i], type);
}

/* a value as format('%s', coalesce(x::text, 'NULL')) prints it */
static const char *
given(TrancheArgs *a, int i, Oid type)
{
	return a->null[i] ? "NULL" : raised(a, i, type);
}

static void
check_date(DateADT d)
{
	if (DATE_NOT_FINITE(d) || d < date2j(1900, 1, 1) - POSTGRES_EPOCH_JDATE ||
		d > date2j(8999, 12, 31) - POSTGRES_EPOCH_JDATE)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_FIELD_OVERFLOW),
				 errmsg("a commitment tranche: date %s is out of range", rb_datum_text(DateADTGetDatum(d), DATEOID)),
				 errdetail("Dates run from 1900-01-01 to 8999-12-31.")));
}

void
rb_tranche_check(TrancheArgs *a, bool check_exists)
{
	const char *sub,
			   *res;
	int32		seats;
	DateADT		start,
				end,
				from;

	for (int i = 0; i < 8; i++)
		if (a->null[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("a commitment tranche of subscription %s of reseller %s needs all its arguments",
							raised(a, 1, INT8OID), raised(a, 0, INT8OID)),
					 errdetail("Plan %s, seats %s, price %s, term %s to %s, starting on %s were given.",
							   given(a, 2, a->plan_type), given(a, 3, INT4OID), given(a, 4, a->price_type),
							   given(a, 5, DATEOID), given(a, 6, DATEOID), given(a, 7, DATEOID))));
	sub = raised(a, 1, INT8OID);
	res = raised(a, 0, INT8OID);
	start = DatumGetDateADT(a->term_start);
	end = DatumGetDateADT(a->term_end);
	from = DatumGetDateADT(a->starts_on);
	check_date(start);
	check_date(end);
	check_date(from);
	if (!PLAN_IS_ANNUAL((unsigned char) DatumGetChar(a->plan)))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a commitment tranche of subscription %s of reseller %s is of an Annual plan", sub, res),
				 errdetail("The plan given is %s.", rb_datum_text(a->plan, a->plan_type)),
				 errhint("Use annual_monthly or annual_prepaid.")));
	seats = DatumGetInt32(a->seats);
	if (seats < 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a commitment tranche of subscription %s of reseller %s must be for a positive number of seats",
						sub, res),
				 errdetail("%d seats were given.", seats)));
	if (seats > 1000000)
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("a commitment tranche of subscription %s of reseller %s would have more than 1000000 seats",
						sub, res),
				 errdetail("%d seats were given.", seats)));
	if (DatumGetAmountP(a->price)->value < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a commitment tranche of subscription %s of reseller %s has a price of zero or more", sub, res),
				 errdetail("%s was given.", rb_datum_text(a->price, a->price_type))));
	if (!(start < end && start <= from && from < end))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a commitment tranche of subscription %s of reseller %s starts within its term", sub, res),
				 errdetail("The term given runs from %s to %s; the tranche would start on %s.",
						   rb_datum_text(a->term_start, DATEOID), rb_datum_text(a->term_end, DATEOID),
						   rb_datum_text(a->starts_on, DATEOID))));
	if (check_exists)
	{
		Oid			types[2] = {INT8OID, INT8OID};
		Datum		args[2] = {a->reseller, a->subscription};

		SPI_execute_plan(rb_prepare_once(&plan_exists,
										 "SELECT FROM reseller_billing.subscription s "
										 "WHERE s.reseller_id OPERATOR(pg_catalog.=) $1 "
										 "AND s.subscription_id OPERATOR(pg_catalog.=) $2",
										 2, types),
						 args, NULL, true, 1);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_NO_DATA_FOUND),
					 errmsg("subscription %s of reseller %s does not exist", sub, res)));
	}
}

static Datum
array_of(Datum *values, int n, Oid type)
{
	int16		len;
	bool		byval;
	char		align;

	get_typlenbyvalalign(type, &len, &byval, &align);
	return PointerGetDatum(construct_array(values, n, type, len, byval, align));
}

/* the C functions of the INSERT's total: amount * integer, prorate_fraction */
extern Datum amount_mul_int4(PG_FUNCTION_ARGS);
extern Datum amount_prorate_fraction(PG_FUNCTION_ARGS);
/* the trigger commitment_tranche has (billing_facts.c) */
extern Datum rb_tranche_late_change(PG_FUNCTION_ARGS);

typedef struct TrancheDirect
{
	Datum	   *cols[10];
} TrancheDirect;

/* total = prorate_fraction(price * seats, term_end - starts_on, term_end - term_start) */
static void
tranche_total(void *arg, int r)
{
	TrancheDirect *d = arg;
	DateADT		ts = DatumGetDateADT(d->cols[5][r]),
				te = DatumGetDateADT(d->cols[6][r]),
				so = DatumGetDateADT(d->cols[7][r]);

	d->cols[9][r] = DirectFunctionCall3(amount_prorate_fraction,
										DirectFunctionCall2(amount_mul_int4, d->cols[4][r], d->cols[3][r]),
										Int64GetDatum((int64) (te - so)), Int64GetDatum((int64) (te - ts)));
}

/*
 * The checked tranches straight into the table (child_write.c), the
 * trigger tranche_late_change's work done after them as it would run;
 * false: nothing written.
 */
static bool
tranche_write_direct(TrancheArgs *rows, int n)
{
	static const char *const names[10] = {"reseller_id", "subscription_id", "plan", "seats", "price",
	"term_start", "term_end", "starts_on", "ends_on", "total"};
	Oid			types[10] = {INT8OID, INT8OID, rows[0].plan_type, INT4OID, rows[0].price_type,
	DATEOID, DATEOID, DATEOID, DATEOID, rows[0].price_type};
	TrancheDirect d;
	RbChildRows cr;
	ItemPointerData *tids = palloc(sizeof(ItemPointerData) * n);
	bool	   *nulls[10] = {NULL};
	bool		late;

	for (int c = 0; c < 10; c++)
		d.cols[c] = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
	{
		for (int c = 0; c < 8; c++)
			if (rows[i].null[c])
				return false;	/* checked already: not reached */
		if (rows[i].plan_type != rows[0].plan_type || rows[i].price_type != rows[0].price_type)
			return false;
		d.cols[0][i] = rows[i].reseller;
		d.cols[1][i] = rows[i].subscription;
		d.cols[2][i] = rows[i].plan;
		d.cols[3][i] = rows[i].seats;
		d.cols[4][i] = rows[i].price;
		d.cols[5][i] = rows[i].term_start;
		d.cols[6][i] = rows[i].term_end;
		d.cols[7][i] = rows[i].starts_on;
		d.cols[8][i] = rows[i].term_end;
		d.cols[9][i] = (Datum) 0;	/* tranche_total(), row by row */
		tids[i] = rows[i].tid;
		if (rows[i].parent != rows[0].parent)
			ItemPointerSetInvalid(&tids[i]);
	}
	memset(&cr, 0, sizeof(cr));
	cr.table = "commitment_tranche";
	cr.ncols = 10;
	cr.names = names;
	cr.types = types;
	cr.values = d.cols;
	cr.nulls = nulls;
	cr.nrows = n;
	cr.compute = tranche_total;
	cr.arg = &d;
	cr.known_trigger = rb_tranche_late_change;
	cr.parent_relid = rows[0].parent;
	cr.parent_tids = tids;
	if (!rb_child_write(&cr, &late))
		return false;
	/* tranche_late_change, AFTER INSERT of each row, in their order */
	if (late && !rb_restoring())
		for (int i = 0; i < n; i++)
			rb_mark_late(DatumGetInt64(rows[i].reseller), DatumGetInt64(rows[i].subscription),
						 DatumGetDateADT(rows[i].starts_on), -1);
	return true;
}

void
rb_tranche_write(TrancheArgs *rows, int n, bool direct)
{
	Oid			types[8];
	Datum		args[8];
	Datum	   *cols[8];

	if (n == 0)
		return;
	if (direct && tranche_write_direct(rows, n))
		return;
	for (int c = 0; c < 8; c++)
		cols[c] = palloc(sizeof(Datum) * n);
	for (int i = 0; i < n; i++)
	{
		cols[0][i] = rows[i].reseller;
		cols[1][i] = rows[i].subscription;
		cols[2][i] = rows[i].plan;
		cols[3][i] = rows[i].seats;
		cols[4][i] = rows[i].price;
		cols[5][i] = rows[i].term_start;
		cols[6][i] = rows[i].term_end;
		cols[7][i] = rows[i].starts_on;
	}
	{
		Oid			elem[8] = {INT8OID, INT8OID, rows[0].plan_type, INT4OID, rows[0].price_type,
		DATEOID, DATEOID, DATEOID};

		for (int c = 0; c < 8; c++)
		{
			types[c] = get_array_type(elem[c]);
			args[c] = array_of(cols[c], n, elem[c]);
		}
	}
	/* one statement for the statement's tranches, in the order given */
	SPI_execute_plan(rb_prepare_typed(&plan_insert,
									  "INSERT INTO reseller_billing.commitment_tranche "
									  "(reseller_id, subscription_id, plan, seats, price, term_start, term_end, starts_on, ends_on, total) "
									  "SELECT u.r, u.s, u.p, u.n, u.pr, u.ts, u.te, u.so, u.te, "
									  "reseller_billing.prorate_fraction(u.pr OPERATOR(reseller_billing.*) u.n, "
									  "(u.te OPERATOR(pg_catalog.-) u.so)::bigint, (u.te OPERATOR(pg_catalog.-) u.ts)::bigint) "
									  "FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), "
									  "pg_catalog.unnest($4), pg_catalog.unnest($5), pg_catalog.unnest($6), pg_catalog.unnest($7), "
									  "pg_catalog.unnest($8)) WITH ORDINALITY AS u(r, s, p, n, pr, ts, te, so, i) "
									  "ORDER BY u.i",
									  8, types),
					 args, NULL, false, 0);
}

void
rb_tranche_insert(TrancheArgs *a, bool check_exists)
{
	rb_tranche_check(a, check_exists);
	/* the rules' own tranches, for the subscription row they write, may go
	 * straight into the table; tranche_add()'s (any subscription) by SQL */
	rb_tranche_write(a, 1, !check_exists);
}

/*
 * tranche_add(reseller, subscription, plan, seats, price, term_start,
 * term_end, starts_on): the SQL form (the migration's tranches).
 */
PG_FUNCTION_INFO_V1(rb_tranche_add);
Datum
rb_tranche_add(PG_FUNCTION_ARGS)
{
	TrancheArgs a;
	Oid		   *types;
	int			nargs;

	get_func_signature(fcinfo->flinfo->fn_oid, &types, &nargs);
	a.reseller = PG_GETARG_DATUM(0);
	a.subscription = PG_GETARG_DATUM(1);
	a.plan = PG_GETARG_DATUM(2);
	a.seats = PG_GETARG_DATUM(3);
	a.price = PG_GETARG_DATUM(4);
	a.term_start = PG_GETARG_DATUM(5);
	a.term_end = PG_GETARG_DATUM(6);
	a.starts_on = PG_GETARG_DATUM(7);
	for (int i = 0; i < 8; i++)
		a.null[i] = PG_ARGISNULL(i);
	a.plan_type = types[2];
	a.price_type = types[4];
	a.parent = InvalidOid;
	ItemPointerSetInvalid(&a.tid);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "tranche_add: SPI_connect failed");
	rb_tranche_insert(&a, true);
	SPI_finish();
	PG_RETURN_VOID();
}
