/*
 * audit_flat.h — a flat jsonb object laid out directly (audit_flat.c).
 */
#ifndef RB_AUDIT_FLAT_H
#define RB_AUDIT_FLAT_H

#include "postgres.h"

#include "utils/jsonb.h"

/*
 * The jsonb object of the N PAIRS (already in jsonb's key order, keys
 * unique), made in CXT: exactly what JsonbValueToJsonb gives for them.
 */
extern Datum rb_flat_jsonb(JsonbPair *pairs, int n, MemoryContext cxt);

#endif
