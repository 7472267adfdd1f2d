/*
 * spi_rules.h — what the C rules share to read rows and run their queries
 * (spi_rules.c).
 */
#ifndef RB_SPI_RULES_H
#define RB_SPI_RULES_H

#include "access/htup.h"
#include "access/xact.h"
#include "nodes/pg_list.h"
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

/* the same with SPI_prepare_cursor's options: CURSOR_OPT_CUSTOM_PLAN plans
 * each execution for its parameters (a range of resellers, whose size the
 * generic plan cannot know) */
extern SPIPlanPtr rb_prepare_typed_opts(RbTypedPlan *plan, const char *sql,
										int nargs, Oid *types, int cursor_options);

/*
 * What a row trigger keeps for its statement trigger (audit.c,
 * subscription_history.c) starts with this head: the relation and the
 * subtransaction the item belongs to.
 */
typedef struct RbPending
{
	Oid			relid;
	SubTransactionId subxid;
} RbPending;

/* the items of RELID and the current subtransaction, taken out of *pending */
extern List *rb_pending_take(List **pending, Oid relid);

/* at a subtransaction's end: an aborted one's items are dropped, a
 * committed one's become its parent's (from a SubXactCallback) */
extern void rb_pending_subxact(List **pending, SubXactEvent event,
							   SubTransactionId mine, SubTransactionId parent);

/* a value as its type prints it (palloc'd) */
extern char *rb_datum_text(Datum d, Oid type);

#endif
