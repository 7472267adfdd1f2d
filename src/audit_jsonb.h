/*
 * audit_jsonb.h — a row as the audit log stores it: to_jsonb(row), built
 * column by column (audit_jsonb.c).
 */
#ifndef RB_AUDIT_JSONB_H
#define RB_AUDIT_JSONB_H

#include "postgres.h"

#include "access/htup.h"
#include "access/tupdesc.h"
#include "fmgr.h"

typedef struct RowJsonb RowJsonb;

/* FL: to_jsonb of a value of ARGTYPE, looked up once in CXT */
extern void rb_setup_to_jsonb(FmgrInfo *fl, Oid argtype, MemoryContext cxt);

/* to_jsonb(value) through FL (never null) */
extern Datum rb_call_to_jsonb(FmgrInfo *fl, Datum value);

/* what encoding the rows of DESC needs, in memory context CXT */
extern RowJsonb *rb_row_jsonb_plan(TupleDesc desc, MemoryContext cxt);

/* to_jsonb of the whole row, through the record's own to_jsonb */
extern Datum rb_row_jsonb_whole(RowJsonb *plan, TupleDesc desc, HeapTuple tuple);

/* how many pairs a row's object has; the pair of attribute ATTNO (-1: none) */
extern int	rb_row_jsonb_count(RowJsonb *plan);
extern int	rb_row_jsonb_index(RowJsonb *plan, int attno);

/*
 * PAIRS (rb_row_jsonb_count entries) gets TUPLE's object as pairs in
 * jsonb's key order, every value a scalar; false when the row must be
 * encoded by rb_row_jsonb_whole.  A date/time value's text and an integer's
 * numeric are the plan's own: use the pairs before those of the next row
 * are made.
 */
extern bool rb_row_jsonb_pairs(RowJsonb *plan, TupleDesc desc, HeapTuple tuple, JsonbPair *pairs);

/*
 * ORDER (N entries) gets the indexes of NAMES in the order a jsonb object
 * keeps its keys (shorter first, then bytewise); rb_jsonb_keys_unique says
 * whether the names so ordered are all different.
 */
extern void rb_jsonb_key_order(const char *const *names, int n, int *order);
extern bool rb_jsonb_keys_unique(const char *const *names, const int *order, int n);

#endif
