/*
 * plan_kind.c — reseller_billing.plan_kind: one byte, passed by value, with
 * the four plans of domain.md §3 in their declaration order.  The byte codes
 * are fixed forever (they are what is on disk); new kinds get new codes.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"

static const char *const plan_kind_names[] = {
	"annual_monthly",			/* 0: Annual commitment, paid monthly */
	"annual_prepaid",			/* 1: Annual commitment, paid upfront */
	"flexible",					/* 2: Flex: no commitment, seat cap, pay per use */
	"trial"						/* 3: free trial with a seat cap */
};

#define N_PLAN_KINDS	4

static int
plan_kind_code(const char *s)
{
	for (int i = 0; i < N_PLAN_KINDS; i++)
		if (strcmp(s, plan_kind_names[i]) == 0)
			return i;
	return -1;
}

PG_FUNCTION_INFO_V1(plan_kind_in);
Datum
plan_kind_in(PG_FUNCTION_ARGS)
{
	char	   *s = PG_GETARG_CSTRING(0);
	int			code = plan_kind_code(s);

	if (code < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("invalid input value for plan_kind: \"%s\"", s),
				 errhint("Use one of annual_monthly, annual_prepaid, flexible, trial.")));
	PG_RETURN_CHAR((char) code);
}

PG_FUNCTION_INFO_V1(plan_kind_out);
Datum
plan_kind_out(PG_FUNCTION_ARGS)
{
	int			code = (unsigned char) PG_GETARG_CHAR(0);

	if (code >= N_PLAN_KINDS)
		elog(ERROR, "invalid plan_kind code %d", code);
	PG_RETURN_CSTRING(pstrdup(plan_kind_names[code]));
}

/* binary form: the label as text, so clients need not know the codes */
PG_FUNCTION_INFO_V1(plan_kind_send);
Datum
plan_kind_send(PG_FUNCTION_ARGS)
{
	int			code = (unsigned char) PG_GETARG_CHAR(0);
	StringInfoData buf;

	if (code >= N_PLAN_KINDS)
		elog(ERROR, "invalid plan_kind code %d", code);
	pq_begintypsend(&buf);
	pq_sendtext(&buf, plan_kind_names[code], strlen(plan_kind_names[code]));
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(plan_kind_recv);
Datum
plan_kind_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	int			nbytes;
	char	   *s = pq_getmsgtext(buf, buf->len - buf->cursor, &nbytes);
	int			code = plan_kind_code(s);

	if (code < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid external plan_kind value \"%s\"", s)));
	PG_RETURN_CHAR((char) code);
}

#define PLAN_KIND_CMP_FN(name, op) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	PG_RETURN_BOOL((unsigned char) PG_GETARG_CHAR(0) op (unsigned char) PG_GETARG_CHAR(1)); \
}

PLAN_KIND_CMP_FN(plan_kind_eq, ==)
PLAN_KIND_CMP_FN(plan_kind_ne, !=)
PLAN_KIND_CMP_FN(plan_kind_lt, <)
PLAN_KIND_CMP_FN(plan_kind_le, <=)
PLAN_KIND_CMP_FN(plan_kind_gt, >)
PLAN_KIND_CMP_FN(plan_kind_ge, >=)

PG_FUNCTION_INFO_V1(plan_kind_cmp);
Datum
plan_kind_cmp(PG_FUNCTION_ARGS)
{
	int			a = (unsigned char) PG_GETARG_CHAR(0),
				b = (unsigned char) PG_GETARG_CHAR(1);

	PG_RETURN_INT32((a > b) - (a < b));
}

PG_FUNCTION_INFO_V1(plan_kind_hash);
Datum
plan_kind_hash(PG_FUNCTION_ARGS)
{
	return hash_uint32((unsigned char) PG_GETARG_CHAR(0));
}

PG_FUNCTION_INFO_V1(plan_kind_hash_extended);
Datum
plan_kind_hash_extended(PG_FUNCTION_ARGS)
{
	return hash_uint32_extended((unsigned char) PG_GETARG_CHAR(0), PG_GETARG_INT64(1));
}

/* is_annual(kind): true for the Annual plans, which carry a 12-month commitment */
PG_FUNCTION_INFO_V1(plan_kind_is_annual);
Datum
plan_kind_is_annual(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL((unsigned char) PG_GETARG_CHAR(0) <= 1);
}
