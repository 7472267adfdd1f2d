/*
 * child_write.h — the rows the subscription rules write for a subscription
 * (history, tranches, Flex stretches), written straight into their table
 * without queuing the foreign-key check (child_write.c).
 */
#ifndef RB_CHILD_WRITE_H
#define RB_CHILD_WRITE_H

#include "postgres.h"

#include "fmgr.h"
#include "storage/itemptr.h"

/* the columns a rule writes, column-major: values[c][row], nulls[c][row]
 * (nulls[c] NULL: no null in that column) */
typedef struct RbChildRows
{
	const char *table;			/* in schema reseller_billing */
	int			ncols;
	const char *const *names;
	const Oid  *types;
	Datum	  **values;
	bool	  **nulls;
	int			nrows;
	/* called for each row after the column defaults of the row (its
	 * identity) and before its constraints, to fill in what the INSERT
	 * computed in its target list (a tranche's total); may be NULL */
	void		(*compute) (void *arg, int row);
	void	   *arg;
	/* where each row's subscription row is, when the rule has it in hand
	 * (the trigger's tuple; invalid: not known), in relation parent_relid:
	 * looked at there first, its index searched otherwise; may be NULL */
	Oid			parent_relid;
	ItemPointerData *parent_tids;
	/* the one trigger besides the foreign-key checks the table may have:
	 * an AFTER INSERT row trigger calling this C function; NULL: none */
	PGFunction	known_trigger;
} RbChildRows;

/*
 * Writes the rows, as an INSERT of the given columns would (defaults,
 * identity, NOT NULL and CHECK constraints, indexes), and returns true; or
 * writes nothing and returns false when that would not be the same as the
 * INSERT (see child_write.c), and the caller runs its INSERT.  On true,
 * *known_fired tells whether known_trigger is on the table and would have
 * fired: the caller then does its work for each row.
 */
extern bool rb_child_write(RbChildRows *rows, bool *known_fired);

#endif
