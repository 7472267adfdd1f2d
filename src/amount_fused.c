/*
 * amount_fused.c — round(amount * int4 / int4) in one call.
 *
 * The billing-shaped expression round(price * qty / 12) is three calls and
 * three intermediate amounts.  The planner support function of round(amount)
 * recognises that shape and replaces it with one call that computes the same
 * steps — the exact product (22003 on overflow), the quotient rounded to the
 * stored scale, then the minor unit, both ties away from zero — without the
 * intermediate values.  The result is identical by construction: the same
 * checks and the same two roundings, in the same order.
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/supportnodes.h"
#include "parser/parse_func.h"
#include "utils/builtins.h"

#include "amount.h"

/* the C functions behind the operators the rewrite looks for */
extern Datum amount_mul_int4(PG_FUNCTION_ARGS);
extern Datum amount_div_int4(PG_FUNCTION_ARGS);

/*
 * What a call site keeps between rows (fn_extra): the divisor prepared for
 * multiplication (amount_core.h) and the last currency seen with its
 * rounding step, so a column of one currency costs no lookup per row.
 */
typedef struct FusedCache
{
	RbDivisor	v;				/* |k| as a multiplier (v.d = 0: not yet) */
	uint16		currency;
	bool		have_currency;
	int			step_exp;		/* RB_SCALE - the currency's round digits */
} FusedCache;

/* n rounded to a multiple of 10^e (e = 2, 3, 4, 6), ties away from zero */
static inline int64
round_to_step(int64 n, int64 step)
{
	int64		q = n / step;
	int64		r = n % step;
	int64		twice_r = r < 0 ? -2 * r : 2 * r;	/* |r| < step <= 10^6 */

	if (twice_r >= step)
		q += n < 0 ? -1 : 1;
	return q;
}

/*
 * amount_round_mul_div(a, q, k) = round((a * q) / k): the product exact,
 * the quotient rounded to the stored scale, then to the currency's minor
 * unit, both ties away from zero — the steps of rb_div_round_by() and
 * rb_round_to_digits() (rounding.c), written out here so that a row costs
 * no call but this one.
 */
PG_FUNCTION_INFO_V1(amount_round_mul_div);
Datum
amount_round_mul_div(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	int32		q = PG_GETARG_INT32(1);
	int32		k = PG_GETARG_INT32(2);
	FusedCache *fc = (FusedCache *) fcinfo->flinfo->fn_extra;
	uint64		d = k < 0 ? (uint64) 0 - (uint64) k : (uint64) k;
	__int128	product = (__int128) a->value * q;
	int64		p,
				quotient;
	uint64		mag,
				qm,
				rm;
	__int128	rounded;
	Amount	   *result;

	if (unlikely(!rb_value_in_range(product)))
		(void) amount_new(product, a->currency);	/* raises 22003 */
	if (k == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DIVISION_BY_ZERO),
				 errmsg("division by zero")));
	if (unlikely(fc == NULL))
	{
		fc = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(FusedCache));
		fcinfo->flinfo->fn_extra = fc;
	}
	if (unlikely(!fc->have_currency || fc->currency != a->currency))
	{
		const RbCurrency *c = amount_currency(a->currency);	/* 22P02 if unknown */

		fc->currency = a->currency;
		fc->step_exp = RB_SCALE - rb_currency_round_digits(c);
		fc->have_currency = true;
	}

	/* the quotient at the stored scale: |product| <= INT64_MAX here */
	p = (int64) product;
	mag = p < 0 ? (uint64) 0 - (uint64) p : (uint64) p;
	if (unlikely(fc->v.d != d))
		rb_divisor_init(&fc->v, d);
	/* mag / d as rb_div_round_by() computes it: a multiply and two shifts */
	{
		uint64		t1 = (uint64) (((unsigned __int128) fc->v.m * mag) >> 64);

		qm = (t1 + ((mag - t1) >> fc->v.sh1)) >> fc->v.sh2;
	}
	rm = mag - qm * d;
	if (rm != 0 && rm >= d - rm)
		qm++;					/* ties away from zero */
	quotient = ((p < 0) != (k < 0)) ? -(int64) qm : (int64) qm;

	/* then the currency's minor unit */
	switch (fc->step_exp)
	{
		case 0:
			rounded = quotient;
			break;
		case 2:
			rounded = (__int128) round_to_step(quotient, 100) * 100;
			break;
		case 3:
			rounded = (__int128) round_to_step(quotient, 1000) * 1000;
			break;
		case 4:
			rounded = (__int128) round_to_step(quotient, 10000) * 10000;
			break;
		case 6:
			rounded = (__int128) round_to_step(quotient, 1000000) * 1000000;
			break;
		default:
			{
				int64		r;

				if (!rb_round_to_digits(quotient, RB_SCALE - fc->step_exp, RB_HALF_UP, &r))
					amount_overflow("rounded amount");
				rounded = r;
				break;
			}
	}
	if (unlikely(!rb_value_in_range(rounded)))
		amount_overflow("rounded amount");
	result = (Amount *) palloc(sizeof(Amount));
	result->value = (int64) rounded;
	result->currency = a->currency;
	result->reserved16 = 0;
	result->reserved32 = 0;
	PG_RETURN_AMOUNT_P(result);
}

/* whether the function with this OID is the given C function of ours */
static bool
is_c_function(Oid funcid, PGFunction fn)
{
	FmgrInfo	finfo;

	fmgr_info(funcid, &finfo);
	return finfo.fn_addr == fn;
}

/*
 * Planner support for round(amount): SupportRequestSimplify rewrites
 * round(a * q / k), with q and k int4, into amount_round_mul_div(a, q, k).
 */
PG_FUNCTION_INFO_V1(amount_round_support);
Datum
amount_round_support(PG_FUNCTION_ARGS)
{
	Node	   *rawreq = (Node *) PG_GETARG_POINTER(0);
	SupportRequestSimplify *req;
	Node	   *arg;
	OpExpr	   *div;
	OpExpr	   *mul;
	Oid			argtypes[3];
	Oid			fused;
	List	   *name = NIL;
	List	   *args = NIL;

	if (!IsA(rawreq, SupportRequestSimplify))
		PG_RETURN_POINTER(NULL);
	req = (SupportRequestSimplify *) rawreq;
	if (list_length(req->fcall->args) != 1)
		PG_RETURN_POINTER(NULL);
	arg = linitial(req->fcall->args);
	if (!IsA(arg, OpExpr) || list_length(((OpExpr *) arg)->args) != 2)
		PG_RETURN_POINTER(NULL);
	div = (OpExpr *) arg;
	if (!IsA(linitial(div->args), OpExpr) || list_length(((OpExpr *) linitial(div->args))->args) != 2)
		PG_RETURN_POINTER(NULL);
	mul = (OpExpr *) linitial(div->args);
	if (exprType(lsecond(div->args)) != INT4OID || exprType(lsecond(mul->args)) != INT4OID)
		PG_RETURN_POINTER(NULL);
	if (!is_c_function(div->opfuncid, amount_div_int4) || !is_c_function(mul->opfuncid, amount_mul_int4))
		PG_RETURN_POINTER(NULL);

	argtypes[0] = exprType(linitial(mul->args));
	argtypes[1] = INT4OID;
	argtypes[2] = INT4OID;
	name = lappend(name, makeString("reseller_billing"));
	name = lappend(name, makeString("amount_round_mul_div"));
	fused = LookupFuncName(name, 3, argtypes, true);
	if (!OidIsValid(fused))
		PG_RETURN_POINTER(NULL);
	args = lappend(args, linitial(mul->args));
	args = lappend(args, lsecond(mul->args));
	args = lappend(args, lsecond(div->args));
	PG_RETURN_POINTER(makeFuncExpr(fused, req->fcall->funcresulttype, args,
								   InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL));
}
