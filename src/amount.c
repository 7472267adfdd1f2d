/*
 * amount.c — reseller_billing.amount: input/output, construction, accessors,
 * the total order (currency code first, then value) and hashing.
 */
#include "postgres.h"

#include "common/hashfn.h"
#include "libpq/pqformat.h"
#include "utils/builtins.h"
#include "utils/numeric.h"

#include "amount.h"

/* decimal text of a value in millionths that may lie outside int64 */
static char *
int128_to_decimal(__int128 v)
{
	char		digits[48];
	char	   *out = palloc(52);
	unsigned __int128 mag = v < 0 ? -(unsigned __int128) v : (unsigned __int128) v;
	int			n = 0,
				len = 0;

	do
	{
		digits[n++] = (char) ('0' + (int) (mag % 10));
		mag /= 10;
	} while (mag > 0 || n <= RB_SCALE);
	if (v < 0)
		out[len++] = '-';
	while (n > 0)
	{
		if (n == RB_SCALE)
			out[len++] = '.';
		out[len++] = digits[--n];
	}
	out[len] = '\0';
	return out;
}

/* the error of amount_new, kept out of line so the common path stays small */
static void amount_new_overflow(__int128 v, uint16 currency) pg_attribute_noreturn() pg_noinline;

static void
amount_new_overflow(__int128 v, uint16 currency)
{
	char		code[4];

	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("amount out of range"),
			 errdetail("The result would be %s %s; an amount holds at most 9223372036854.775807 major units either side of zero.",
					   amount_code(currency, code), int128_to_decimal(v))));
}

Amount *
amount_new(__int128 v, uint16 currency)
{
	Amount	   *a;

	if (unlikely(!rb_value_in_range(v)))
		amount_new_overflow(v, currency);
	a = (Amount *) palloc(sizeof(Amount));	/* every byte is set below */
	a->value = (int64) v;
	a->currency = currency;
	a->reserved16 = 0;
	a->reserved32 = 0;
	return a;
}

const char *
amount_code(uint16 currency, char *buf)
{
	rb_currency_unpack(currency, buf);
	return buf;
}

const RbCurrency *
amount_currency(uint16 currency)
{
	const RbCurrency *c = rb_currency_lookup(currency);
	char		code[4];

	if (c == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unknown currency code \"%s\"", amount_code(currency, code)),
				 errhint("Use an active ISO 4217 code such as USD, EUR, JPY or KWD.")));
	return c;
}

void
amount_same_currency(const Amount *a, const Amount *b, const char *what)
{
	char		ca[4],
				cb[4];

	if (a->currency != b->currency)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("cannot %s amounts in different currencies %s and %s",
						what, amount_code(a->currency, ca), amount_code(b->currency, cb)),
				 errhint("Convert one amount to the other currency first.")));
}

void
amount_overflow(const char *what)
{
	ereport(ERROR,
			(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
			 errmsg("%s out of range", what),
			 errdetail("An amount holds at most 9223372036854.775807 major units either side of zero.")));
}

char *
amount_to_cstring(const Amount *a)
{
	char	   *buf = palloc(RB_AMOUNT_TEXT_MAX);

	rb_amount_format(buf, a->value, a->currency);
	return buf;
}

/*
 * Text input: 'USD 12.34', '12.34 USD', with one optional sign.
 */
PG_FUNCTION_INFO_V1(amount_in);
Datum
amount_in(PG_FUNCTION_ARGS)
{
	char	   *str = PG_GETARG_CSTRING(0);
	RbParsedAmount p;

	switch (rb_amount_parse(str, strlen(str), &p))
	{
		case RB_PARSE_OK:
			break;
		case RB_PARSE_SYNTAX:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("invalid input syntax for type amount: \"%s\"", str),
					 errhint("Write an upper-case ISO 4217 code, one space and a decimal number, as in 'USD 12.34' or '-12.34 USD'.")));
			break;
		case RB_PARSE_CURRENCY:
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
					 errmsg("unknown currency code \"%s\" in amount \"%s\"", p.code, str),
					 errhint("Use an active ISO 4217 code such as USD, EUR, JPY or KWD.")));
			break;
		case RB_PARSE_PRECISION:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("amount \"%s\" has more than %d fractional digits", str, RB_SCALE),
					 errdetail("An amount stores exactly %d fractional digits; the rest would be lost.", RB_SCALE),
					 errhint("Round the value before converting it, for example with round(numeric, %d).", RB_SCALE)));
			break;
		case RB_PARSE_RANGE:
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("amount \"%s\" is out of range", str),
					 errdetail("An amount holds at most 9223372036854.775807 major units either side of zero.")));
			break;
	}
	PG_RETURN_AMOUNT_P(amount_new(p.value, p.currency));
}

/*
 * Canonical text: 'USD 12.34', 'JPY 1000', 'USD 3.333333'.
 */
PG_FUNCTION_INFO_V1(amount_out);
Datum
amount_out(PG_FUNCTION_ARGS)
{
	PG_RETURN_CSTRING(amount_to_cstring(PG_GETARG_AMOUNT_P(0)));
}

/*
 * Binary form: the three ASCII letters of the code, then the value in
 * millionths as a big-endian int64.  Receive re-validates both.
 */
PG_FUNCTION_INFO_V1(amount_send);
Datum
amount_send(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	StringInfoData buf;
	char		code[4];

	pq_begintypsend(&buf);
	pq_sendbytes(&buf, amount_code(a->currency, code), 3);
	pq_sendint64(&buf, a->value);
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(amount_recv);
Datum
amount_recv(PG_FUNCTION_ARGS)
{
	StringInfo	buf = (StringInfo) PG_GETARG_POINTER(0);
	char		code[4];
	uint16		currency;
	int64		value;

	pq_copymsgbytes(buf, code, 3);
	code[3] = '\0';
	value = pq_getmsgint64(buf);
	currency = rb_currency_pack(code);
	if (currency == RB_CURRENCY_NONE || code[0] < 'A' || code[0] > 'Z' ||
		code[1] < 'A' || code[1] > 'Z' || code[2] < 'A' || code[2] > 'Z')
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("invalid currency code in external amount value")));
	if (rb_currency_lookup(currency) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
				 errmsg("unknown currency code \"%s\" in external amount value", code),
				 errhint("Use an active ISO 4217 code such as USD, EUR, JPY or KWD.")));
	if (value == PG_INT64_MIN)
		amount_overflow("amount");
	PG_RETURN_AMOUNT_P(amount_new(value, currency));
}

/*
 * amount(numeric, text): an exact amount; more than 6 fractional digits
 * that are not zeros is 22003, never rounded away.
 */
PG_FUNCTION_INFO_V1(amount_from_numeric);
Datum
amount_from_numeric(PG_FUNCTION_ARGS)
{
	Numeric		n = PG_GETARG_NUMERIC(0);
	text	   *code_text = PG_GETARG_TEXT_PP(1);
	char	   *code = text_to_cstring(code_text);
	uint16		currency = strlen(code) == 3 ? rb_currency_pack(code) : RB_CURRENCY_NONE;
	Numeric		scaled;

	if (currency == RB_CURRENCY_NONE || rb_currency_lookup(currency) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unknown currency code \"%s\"", code),
				 errhint("Use an active ISO 4217 code such as USD, EUR, JPY or KWD.")));
	numeric_check_finite(n, "amount");
	scaled = DatumGetNumeric(DirectFunctionCall2(numeric_mul, NumericGetDatum(n),
												 NumericGetDatum(int64_to_numeric(RB_UNIT))));
	if (!DatumGetBool(DirectFunctionCall2(numeric_eq, NumericGetDatum(scaled),
										  DirectFunctionCall2(numeric_trunc, NumericGetDatum(scaled),
															  Int32GetDatum(0)))))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value %s has more than %d fractional digits",
						DatumGetCString(DirectFunctionCall1(numeric_out, NumericGetDatum(n))), RB_SCALE),
				 errdetail("An amount stores exactly %d fractional digits; the rest would be lost.", RB_SCALE),
				 errhint("Round the value first, for example with round(numeric, %d).", RB_SCALE)));
	PG_RETURN_AMOUNT_P(amount_new(numeric_round_to_value(scaled, "amount"), currency));
}

/* currency(amount): the ISO 4217 code */
PG_FUNCTION_INFO_V1(amount_currency_code);
Datum
amount_currency_code(PG_FUNCTION_ARGS)
{
	char		code[4];

	PG_RETURN_TEXT_P(cstring_to_text(amount_code(PG_GETARG_AMOUNT_P(0)->currency, code)));
}

/* value(amount): the exact value as numeric, in the canonical digits */
PG_FUNCTION_INFO_V1(amount_value);
Datum
amount_value(PG_FUNCTION_ARGS)
{
	PG_RETURN_NUMERIC(amount_value_numeric(PG_GETARG_AMOUNT_P(0)));
}

/* minor_unit(text): the currency's minor-unit digits, NULL for ISO's N.A. */
PG_FUNCTION_INFO_V1(currency_minor_unit);
Datum
currency_minor_unit(PG_FUNCTION_ARGS)
{
	char	   *code = text_to_cstring(PG_GETARG_TEXT_PP(0));
	uint16		currency = strlen(code) == 3 ? rb_currency_pack(code) : RB_CURRENCY_NONE;
	const RbCurrency *c = rb_currency_lookup(currency);

	if (c == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
				 errmsg("unknown currency code \"%s\"", code)));
	if (c->minor == RB_MINOR_NA)
		PG_RETURN_NULL();
	PG_RETURN_INT32(c->minor);
}

Numeric
amount_value_numeric(const Amount *a)
{
	char		buf[RB_AMOUNT_TEXT_MAX];

	rb_amount_format(buf, a->value, a->currency);
	/* skip "CCC " */
	return DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(buf + 4),
											   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

void
numeric_check_finite(Numeric n, const char *what)
{
	if (numeric_is_nan(n))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s cannot be NaN", what)));
	if (numeric_is_inf(n))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s cannot be infinite", what)));
}

int64
numeric_round_to_value(Numeric n, const char *what)
{
	Datum		r,
				hi,
				lo;

	numeric_check_finite(n, what);
	r = DirectFunctionCall2(numeric_round, NumericGetDatum(n), Int32GetDatum(0));
	hi = NumericGetDatum(int64_to_numeric(RB_VALUE_MAX));
	lo = NumericGetDatum(int64_to_numeric(RB_VALUE_MIN));
	if (DatumGetBool(DirectFunctionCall2(numeric_gt, r, hi)) ||
		DatumGetBool(DirectFunctionCall2(numeric_lt, r, lo)))
	{
		/*
		 * r is in millionths: scale it by multiplying with 0.000001, which
		 * numeric does exactly (numeric_div would round to about 16
		 * significant digits and misstate the value).
		 */
		Datum		micro = DirectFunctionCall3(numeric_in, CStringGetDatum("0.000001"),
												ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
		Datum		major = DirectFunctionCall2(numeric_mul, r, micro);

		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("%s out of range", what),
				 errdetail("The result would be %s; an amount holds at most 9223372036854.775807 major units either side of zero.",
						   DatumGetCString(DirectFunctionCall1(numeric_out, major)))));
	}
	return DatumGetInt64(DirectFunctionCall1(numeric_int8, r));
}

/*
 * The total order: currency code (alphabetical, which the packed code
 * preserves), then value.  Equal only when both match.
 */
static inline int
amount_cmp_internal(const Amount *a, const Amount *b)
{
	if (a->currency != b->currency)
		return a->currency < b->currency ? -1 : 1;
	if (a->value != b->value)
		return a->value < b->value ? -1 : 1;
	return 0;
}

#define AMOUNT_CMP_FN(name, expr) \
PG_FUNCTION_INFO_V1(name); \
Datum \
name(PG_FUNCTION_ARGS) \
{ \
	int			c = amount_cmp_internal(PG_GETARG_AMOUNT_P(0), PG_GETARG_AMOUNT_P(1)); \
	PG_RETURN_BOOL(expr); \
}

AMOUNT_CMP_FN(amount_eq, c == 0)
AMOUNT_CMP_FN(amount_ne, c != 0)
AMOUNT_CMP_FN(amount_lt, c < 0)
AMOUNT_CMP_FN(amount_le, c <= 0)
AMOUNT_CMP_FN(amount_gt, c > 0)
AMOUNT_CMP_FN(amount_ge, c >= 0)

/* btree support 1 */
PG_FUNCTION_INFO_V1(amount_cmp);
Datum
amount_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(amount_cmp_internal(PG_GETARG_AMOUNT_P(0), PG_GETARG_AMOUNT_P(1)));
}

/* the smaller / larger of two amounts in the total order (min and max) */
PG_FUNCTION_INFO_V1(amount_smaller);
Datum
amount_smaller(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0),
			   *b = PG_GETARG_AMOUNT_P(1);

	PG_RETURN_AMOUNT_P(amount_cmp_internal(a, b) <= 0 ? a : b);
}

PG_FUNCTION_INFO_V1(amount_larger);
Datum
amount_larger(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0),
			   *b = PG_GETARG_AMOUNT_P(1);

	PG_RETURN_AMOUNT_P(amount_cmp_internal(a, b) >= 0 ? a : b);
}

/*
 * Hashes read only the meaningful parts (value and code), never padding, as
 * little-endian bytes: hash values, and so hash partitions, are the same on
 * every architecture.
 */
static void
amount_hash_key(const Amount *a, unsigned char *key)
{
	uint64		v = (uint64) a->value;

	for (int i = 0; i < 8; i++)
		key[i] = (unsigned char) (v >> (8 * i));
	key[8] = (unsigned char) (a->currency & 0xFF);
	key[9] = (unsigned char) (a->currency >> 8);
}

PG_FUNCTION_INFO_V1(amount_hash);
Datum
amount_hash(PG_FUNCTION_ARGS)
{
	unsigned char key[sizeof(int64) + sizeof(uint16)];

	amount_hash_key(PG_GETARG_AMOUNT_P(0), key);
	return hash_any(key, sizeof(key));
}

PG_FUNCTION_INFO_V1(amount_hash_extended);
Datum
amount_hash_extended(PG_FUNCTION_ARGS)
{
	unsigned char key[sizeof(int64) + sizeof(uint16)];

	amount_hash_key(PG_GETARG_AMOUNT_P(0), key);
	return hash_any_extended(key, sizeof(key), PG_GETARG_INT64(1));
}
