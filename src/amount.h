/*
 * amount.h — the reseller_billing.amount type as the server sees it.
 *
 * Fixed length (16 bytes, double-aligned, passed by reference, no varlena):
 * a value in millionths of the major unit and a packed ISO 4217 code.
 */
#ifndef RB_AMOUNT_H
#define RB_AMOUNT_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/numeric.h"

#include "amount_core.h"

typedef struct Amount
{
	int64		value;			/* millionths of the major unit */
	uint16		currency;		/* packed ISO 4217 code, see currency.h */
	uint16		reserved16;		/* always zero */
	int32		reserved32;		/* always zero */
} Amount;

#define DatumGetAmountP(X)		((Amount *) DatumGetPointer(X))
#define AmountPGetDatum(X)		PointerGetDatum(X)
#define PG_GETARG_AMOUNT_P(n)	DatumGetAmountP(PG_GETARG_DATUM(n))
#define PG_RETURN_AMOUNT_P(x)	PG_RETURN_POINTER(x)

/* a new amount; errors with 22003 when v is outside the stored range */
extern Amount *amount_new(__int128 v, uint16 currency);
/* the table entry of a packed code; 22P02 when it is not an active code */
extern const RbCurrency *amount_currency(uint16 currency);
/* the code's three letters, for messages */
extern const char *amount_code(uint16 currency, char *buf);
/* 22023 naming both codes unless a and b are in one currency */
extern void amount_same_currency(const Amount *a, const Amount *b, const char *what);
/* 22003 naming the operation */
extern void amount_overflow(const char *what) pg_attribute_noreturn();
/* canonical text of an amount (palloc'd) */
extern char *amount_to_cstring(const Amount *a);

/* exact conversions between millionths and numeric */
extern Numeric amount_value_numeric(const Amount *a);
/* numeric rounded half away from zero to an integer, as int64 in range; 22003 otherwise */
extern int64 numeric_round_to_value(Numeric n, const char *what);
/* 22023 / 22003 for NaN and infinities, naming what */
extern void numeric_check_finite(Numeric n, const char *what);

#endif
