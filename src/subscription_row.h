/*
 * subscription_row.h — a subscription row as the C rules read and change it
 * (subscription_row.c): its columns found by name, so the rules work on a
 * shard of the table as on the table.
 */
#ifndef RB_SUBSCRIPTION_ROW_H
#define RB_SUBSCRIPTION_ROW_H

#include "postgres.h"

#include "access/htup.h"
#include "commands/trigger.h"
#include "utils/date.h"

typedef enum SubCol
{
	SC_RESELLER,
	SC_SUBSCRIPTION,
	SC_CUSTOMER,
	SC_SKU,
	SC_PLAN,
	SC_COMMITTED,
	SC_CAP,
	SC_TERM_START,
	SC_TERM_END,
	SC_RENEWAL,
	SC_STATUS,
	SC_TRIAL_END,
	SC_PRICE,
	SC_ACTIVE,
	SC_CANCELLED_AT,
	SC_CREATED_AT,
	SC_NCOLS
} SubCol;

/* the plan_kind codes (plan_kind.c) */
#define PLAN_ANNUAL_MONTHLY	0
#define PLAN_ANNUAL_PREPAID	1
#define PLAN_FLEXIBLE		2
#define PLAN_TRIAL			3
#define PLAN_IS_ANNUAL(c)	((c) <= PLAN_ANNUAL_PREPAID)

typedef struct SubRow
{
	TupleDesc	desc;
	int			attno[SC_NCOLS];
	Datum	   *values;			/* desc->natts of them */
	bool	   *nulls;
} SubRow;

/* the row TUPLE of the trigger's table, deformed */
extern void sub_row_read(SubRow *row, TriggerData *td, HeapTuple tuple);
/* the row with its changed columns, for the trigger to return (SPI connected:
 * the tuple is copied out of SPI's memory) */
extern HeapTuple sub_row_form(SubRow *row);

static inline bool
sub_null(SubRow *r, SubCol c)
{
	return r->nulls[r->attno[c] - 1];
}
static inline Datum
sub_get(SubRow *r, SubCol c)
{
	return r->values[r->attno[c] - 1];
}
static inline void
sub_set(SubRow *r, SubCol c, Datum v, bool isnull)
{
	r->values[r->attno[c] - 1] = v;
	r->nulls[r->attno[c] - 1] = isnull;
}
static inline Oid
sub_type(SubRow *r, SubCol c)
{
	return TupleDescAttr(r->desc, r->attno[c] - 1)->atttypid;
}

/* the plan's code, -1 when NULL */
extern int	sub_plan(SubRow *r);
/* text columns compared with a constant (false when NULL) */
extern bool sub_text_is(SubRow *r, SubCol c, const char *s);
/* the column as RAISE prints it ("<NULL>" for NULL) and as format('%s')
 * does ("" for NULL) */
extern char *sub_raise_text(SubRow *r, SubCol c);
extern char *sub_format_text(SubRow *r, SubCol c);
/* "subscription S of reseller R" */
extern char *sub_label(SubRow *r);
/* the column equal in both rows, NULL equal to NULL (IS NOT DISTINCT FROM) */
extern bool sub_same(SubRow *a, SubRow *b, SubCol c);
/* a partner price of the price list (partner_price()); may raise */
extern Datum sub_partner_price(SubRow *r, Datum plan, bool plan_null, Datum on, bool on_null, bool *isnull);
/* a post-paid reseller places no prepaid order (55000; subscription_terms.c) */
extern void rb_prepaid_order_check(SubRow *n, const char *model);

/* a row of the trigger's table (the table, or a shard of it) as a value of
 * the type reseller_billing.subscription, its columns matched by name, for
 * the SQL functions that take one (migration_check); and back */
extern Datum sub_as_table_row(TriggerData *td, HeapTuple tuple, Oid *type);
extern HeapTuple sub_from_table_row(TriggerData *td, Datum row);
/* two amounts equal, NULL equal to NULL (IS NOT DISTINCT FROM) */
extern bool sub_amount_same(Datum a, bool an, Datum b, bool bn);
/* a date as format('%s') prints it ("" for NULL) */
extern char *sub_date_text(DateADT d, bool isnull);
/* daterange(lo, hi)::text */
extern char *sub_range_text(DateADT lo, bool lo_null, DateADT hi, bool hi_null);
/* date + 12 months */
extern DateADT sub_plus_year(DateADT d);

#endif
