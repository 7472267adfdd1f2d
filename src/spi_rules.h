/*
 * spi_rules.h — what the C rules share to read rows and run their queries
 * (spi_rules.c).
 */
#ifndef RB_SPI_RULES_H
#define RB_SPI_RULES_H

#include "access/htup.h"
#include "access/tupdesc.h"
#include "executor/spi.h"

/* the column NAME of a row, found by name (a shard's row type has other
 * attribute numbers than its table's); elog naming WHO when it is missing */
extern Datum rb_column(TupleDesc desc, HeapTuple tuple, const char *name,
					   bool *isnull, const char *who);

/* a plan prepared once per session (SPI_keepplan) */
extern SPIPlanPtr rb_prepare_once(SPIPlanPtr *plan, const char *sql,
								  int nargs, Oid *types);

/* a plan whose parameters include the extension's own types: prepared
 * again when their OIDs change (the extension dropped and created again in
 * the session) */
#define RB_PLAN_MAX_ARGS 24
typedef struct RbTypedPlan
{
	SPIPlanPtr	plan;
	int			nargs;
	Oid			types[RB_PLAN_MAX_ARGS];
} RbTypedPlan;

extern SPIPlanPtr rb_prepare_typed(RbTypedPlan *plan, const char *sql,
								   int nargs, Oid *types);

/* a value as its type prints it (palloc'd) */
extern char *rb_datum_text(Datum d, Oid type);

#endif
