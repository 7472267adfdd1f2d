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
 * amount_round_mul_div(a, q, k) = round((a * q) / k)
 */
PG_FUNCTION_INFO_V1(amount_round_mul_div);
Datum
amount_round_mul_div(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	int32		q = PG_GETARG_INT32(1);
	int32		k = PG_GETARG_INT32(2);
	RbDivisor  *v = (RbDivisor *) fcinfo->flinfo->fn_extra;
	uint64		d = k < 0 ? (uint64) 0 - (uint64) k : (uint64) k;
	__int128	product = (__int128) a->value * q;
	const RbCurrency *c;
	int64		quotient,
				rounded;

	if (unlikely(!rb_value_in_range(product)))
		(void) amount_new(product, a->currency);	/* raises 22003 */
	if (k == 0)
		ereport(ERROR,
				(errcode(ERRCODE_DIVISION_BY_ZERO),
				 errmsg("division by zero")));
	if (v == NULL)
	{
		v = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(RbDivisor));
		v->d = 0;
		fcinfo->flinfo->fn_extra = v;
	}
	if (v->d != d)
		rb_divisor_init(v, d);
	quotient = rb_div_round_by((int64) product, v, k < 0, RB_HALF_UP);
	c = amount_currency(a->currency);
	if (!rb_round_to_digits(quotient, rb_currency_round_digits(c), RB_HALF_UP, &rounded))
		amount_overflow("rounded amount");
	PG_RETURN_AMOUNT_P(amount_new(rounded, a->currency));
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
