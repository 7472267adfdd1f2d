/*
 * audit_flat.c — a flat jsonb object (every value a scalar) written in one
 * allocation of its exact size, in the memory context that keeps it (issue
 * 13).
 *
 * JsonbValueToJsonb() serialises into a growing buffer of at least 1 kB, so
 * each audit row's key and values were made in the trigger's memory and
 * copied into transaction memory: two allocations, a copy, and the buffer's
 * growth, twice a row.  The audit log's objects are always flat — a key and
 * a row of columns whose to_jsonb is a scalar — so their binary form is
 * simple enough to lay out directly, byte for byte what JsonbValueToJsonb
 * gives for the same pairs (the regression test audit_flat compares the
 * bytes with jsonb_send):
 *
 *   varlena header | container header (count | JB_FOBJECT) |
 *   one JEntry per key, then one per value | the keys' bytes | the values'
 *
 * A JEntry holds its item's type and its length, except every
 * JB_OFFSET_STRIDE-th, which holds the end offset of its item (from the
 * start of the data) with JENTRY_HAS_OFF.  A numeric value is preceded by
 * the zero bytes that align it to 4 bytes from the start of the datum, and
 * they count in its length; strings, true, false and null are unaligned
 * (the last three take no bytes).
 *
 * Anything else (a nested value, an object too large for a JEntry) goes
 * through JsonbValueToJsonb() and a copy, as before.
 */
#include "postgres.h"

#include "utils/datum.h"
#include "utils/memutils.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "audit_flat.h"

/* the item's bytes after OFF (the datum's bytes so far): padding included */
static inline Size
item_size(const JsonbValue *v, Size off, uint32 *type)
{
	switch (v->type)
	{
		case jbvString:
			*type = JENTRY_ISSTRING;
			return v->val.string.len;
		case jbvNumeric:
			*type = JENTRY_ISNUMERIC;
			return (INTALIGN(off) - off) + VARSIZE_ANY(v->val.numeric);
		case jbvBool:
			*type = v->val.boolean ? JENTRY_ISBOOL_TRUE : JENTRY_ISBOOL_FALSE;
			return 0;
		case jbvNull:
			*type = JENTRY_ISNULL;
			return 0;
		default:
			return (Size) -1;	/* not a scalar */
	}
}

static inline char *
put_item(char *out, const char *base, const JsonbValue *v)
{
	switch (v->type)
	{
		case jbvString:
			memcpy(out, v->val.string.val, v->val.string.len);
			return out + v->val.string.len;
		case jbvNumeric:
			{
				Size		off = out - base;
				Size		pad = INTALIGN(off) - off;
				Size		len = VARSIZE_ANY(v->val.numeric);

				memset(out, 0, pad);
				memcpy(out + pad, v->val.numeric, len);
				return out + pad + len;
			}
		default:
			return out;
	}
}

static Datum
through_jsonb_value(JsonbPair *pairs, int n, MemoryContext cxt)
{
	JsonbValue	obj;
	Datum		d;
	MemoryContext old;

	obj.type = jbvObject;
	obj.val.object.nPairs = n;
	obj.val.object.pairs = pairs;
	d = JsonbPGetDatum(JsonbValueToJsonb(&obj));
	old = MemoryContextSwitchTo(cxt);
	d = datumCopy(d, false, -1);
	MemoryContextSwitchTo(old);
	return d;
}

Datum
rb_flat_jsonb(JsonbPair *pairs, int n, MemoryContext cxt)
{
	Size		head = VARHDRSZ + sizeof(uint32) + sizeof(JEntry) * 2 * (Size) n;
	Size		off = head;
	uint32		type;
	char	   *res,
			   *out;
	JEntry	   *je;
	uint32		total = 0;

	/* the size: every item after the ones before it (alignment depends on it) */
	for (int i = 0; i < n; i++)
	{
		Size		s = item_size(&pairs[i].key, off, &type);

		if (s == (Size) -1 || type != JENTRY_ISSTRING)
			return through_jsonb_value(pairs, n, cxt);
		off += s;
	}
	for (int i = 0; i < n; i++)
	{
		Size		s = item_size(&pairs[i].value, off, &type);

		if (s == (Size) -1)
			return through_jsonb_value(pairs, n, cxt);
		off += s;
	}
	if (off - head > JENTRY_OFFLENMASK || off > MaxAllocSize)
		return through_jsonb_value(pairs, n, cxt);	/* its error, as before */

	res = MemoryContextAlloc(cxt, off);
	SET_VARSIZE(res, off);
	*(uint32 *) (res + VARHDRSZ) = (uint32) n | JB_FOBJECT;
	je = (JEntry *) (res + VARHDRSZ + sizeof(uint32));
	out = res + head;
	for (int k = 0; k < 2 * n; k++)
	{
		const JsonbValue *v = k < n ? &pairs[k].key : &pairs[k - n].value;
		char	   *end;
		uint32		len;

		(void) item_size(v, out - res, &type);
		end = put_item(out, res, v);
		len = (uint32) (end - out);
		total += len;
		je[k] = (k % JB_OFFSET_STRIDE) == 0 ? (type | total | JENTRY_HAS_OFF) : (type | len);
		out = end;
	}
	Assert((Size) (out - res) == off);
	return PointerGetDatum(res);
}
