/*
 * spi_rules.c — helpers shared by the C rules (seat_limit.c,
 * subscription_*.c, commitment.c): columns read by name, plans prepared once,
 * values printed by their types' output functions.
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "fmgr.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"

#include "spi_rules.h"

Datum
rb_column(TupleDesc desc, HeapTuple tuple, const char *name, bool *isnull, const char *who)
{
	int			attno = SPI_fnumber(desc, name);

	if (attno <= 0)
		elog(ERROR, "%s: the row has no column \"%s\"", who, name);
	return heap_getattr(tuple, attno, desc, isnull);
}

static SPIPlanPtr
prepare_kept(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types, int cursor_options)
{
	if (*plan == NULL)
	{
		SPIPlanPtr	p = SPI_prepare_cursor(sql, nargs, types, cursor_options);

		if (p == NULL)
			elog(ERROR, "SPI_prepare failed: %s (%s)", SPI_result_code_string(SPI_result), sql);
		SPI_keepplan(p);
		*plan = p;
	}
	return *plan;
}

SPIPlanPtr
rb_prepare_once(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types)
{
	return prepare_kept(plan, sql, nargs, types, 0);
}

SPIPlanPtr
rb_prepare_typed_opts(RbTypedPlan *plan, const char *sql, int nargs, Oid *types, int cursor_options)
{
	Assert(nargs <= RB_PLAN_MAX_ARGS);
	if (plan->plan != NULL &&
		(plan->nargs != nargs || memcmp(plan->types, types, nargs * sizeof(Oid)) != 0))
	{
		SPI_freeplan(plan->plan);
		plan->plan = NULL;
	}
	if (plan->plan == NULL)
	{
		prepare_kept(&plan->plan, sql, nargs, types, cursor_options);
		plan->nargs = nargs;
		memcpy(plan->types, types, nargs * sizeof(Oid));
	}
	return plan->plan;
}

SPIPlanPtr
rb_prepare_typed(RbTypedPlan *plan, const char *sql, int nargs, Oid *types)
{
	return rb_prepare_typed_opts(plan, sql, nargs, types, 0);
}

List *
rb_pending_take(List **pending, Oid relid)
{
	SubTransactionId subxid = GetCurrentSubTransactionId();
	List	   *mine = NIL;
	List	   *keep = NIL;
	MemoryContext cxt;
	ListCell   *lc;

	if (*pending == NIL)
		return NIL;
	/* one pass: deleting cell by cell moved the rest of the list each time */
	cxt = GetMemoryChunkContext(*pending);
	foreach(lc, *pending)
	{
		RbPending  *p = lfirst(lc);

		if (p->relid == relid && p->subxid == subxid)
			mine = lappend(mine, p);
		else
		{
			MemoryContext old = MemoryContextSwitchTo(cxt);

			keep = lappend(keep, p);
			MemoryContextSwitchTo(old);
		}
	}
	list_free(*pending);
	*pending = keep;
	return mine;
}

void
rb_pending_subxact(List **pending, SubXactEvent event, SubTransactionId mine, SubTransactionId parent)
{
	List	   *keep = NIL;
	MemoryContext cxt,
				old;
	ListCell   *lc;

	if (*pending == NIL)
		return;
	if (event == SUBXACT_EVENT_COMMIT_SUB)
	{
		foreach(lc, *pending)
		{
			RbPending  *p = lfirst(lc);

			if (p->subxid == mine)
				p->subxid = parent;
		}
		return;
	}
	if (event != SUBXACT_EVENT_ABORT_SUB)
		return;
	cxt = GetMemoryChunkContext(*pending);
	old = MemoryContextSwitchTo(cxt);
	foreach(lc, *pending)
	{
		RbPending  *p = lfirst(lc);

		if (p->subxid != mine)
			keep = lappend(keep, p);
	}
	MemoryContextSwitchTo(old);
	list_free(*pending);
	*pending = keep;
}

char *
rb_datum_text(Datum d, Oid type)
{
	Oid			out;
	bool		varlena;

	getTypeOutputInfo(type, &out, &varlena);
	return OidOutputFunctionCall(out, d);
}
