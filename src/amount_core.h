/*
 * amount_core.h — the server-independent half of the amount type: its value
 * model, the one rounding rule, and the text parser and formatter.
 *
 * Plain C (no PostgreSQL headers) so that the fuzz harness links it without a
 * server.  An amount is an integer count of millionths of the currency's major
 * unit (scale 6) plus a packed ISO 4217 code (currency.h).  Values run over
 * the whole int64 range except INT64_MIN, so negation and abs never overflow:
 * ±9,223,372,036,854.775807 major units.
 */
#ifndef RB_AMOUNT_CORE_H
#define RB_AMOUNT_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "currency.h"

#define RB_SCALE			6					/* fractional digits stored */
#define RB_UNIT				INT64_C(1000000)	/* 10^RB_SCALE */
#define RB_VALUE_MAX		INT64_MAX
#define RB_VALUE_MIN		(-INT64_MAX)

/* The rounding modes; RB_HALF_UP rounds ties away from zero. */
typedef enum RbRoundMode
{
	RB_HALF_UP,
	RB_HALF_EVEN,
	RB_DOWN						/* toward zero */
} RbRoundMode;

/*
 * n / d rounded to an integer by mode, exactly (d != 0, |n| < 2^126).
 * This is the one rounding rule: every operation that rounds calls it.
 */
extern __int128 rb_div_round(__int128 n, __int128 d, RbRoundMode mode);

/*
 * Division by an invariant divisor (Granlund and Montgomery, "Division by
 * invariant integers using multiplication", 1994, figure 4.1): a multiply
 * and two shifts instead of a hardware divide, exact for every 64-bit
 * dividend.  Prepared once per divisor, e.g. once per query for `x / 12`.
 */
typedef struct RbDivisor
{
	uint64_t	d;				/* the divisor, >= 1 */
	uint64_t	m;				/* magic multiplier */
	int			sh1;
	int			sh2;
} RbDivisor;

extern void rb_divisor_init(RbDivisor *v, uint64_t d);
/* n / (sign * v->d) rounded by mode, exactly, for any n except INT64_MIN */
extern int64_t rb_div_round_by(int64_t n, const RbDivisor *v, int negative_divisor, RbRoundMode mode);

/* true when v fits the stored range */
static inline bool
rb_value_in_range(__int128 v)
{
	return v >= RB_VALUE_MIN && v <= RB_VALUE_MAX;
}

/* 10^k for 0 <= k <= 18 */
extern int64_t rb_pow10(int k);

typedef enum RbParseStatus
{
	RB_PARSE_OK = 0,
	RB_PARSE_SYNTAX,			/* malformed text: 22P02 */
	RB_PARSE_CURRENCY,			/* not an ISO 4217 active code: 22P02 */
	RB_PARSE_PRECISION,			/* more than RB_SCALE significant fractional digits: 22003 */
	RB_PARSE_RANGE				/* magnitude beyond RB_VALUE_MAX: 22003 */
} RbParseStatus;

typedef struct RbParsedAmount
{
	int64_t		value;			/* millionths */
	uint16_t	currency;		/* packed code */
	char		code[4];		/* the code as written, upper-cased, for messages */
} RbParsedAmount;

/*
 * Parses 'USD 12.34', '12.34 USD', 'usd -1', '-USD 1', '+12 EUR'.  One
 * optional sign, either first or just before the digits; digits with at most
 * one '.'; no exponent, no thousands separators; spaces around and between.
 * Fractional zeros past the sixth digit are accepted (nothing is lost); any
 * other seventh digit is RB_PARSE_PRECISION.
 */
extern RbParseStatus rb_amount_parse(const char *s, size_t len, RbParsedAmount *out);

/*
 * Canonical text: code, space, value with at least the currency's minor-unit
 * digits and more only when the value has them.  Locale-independent.  buf
 * must hold RB_AMOUNT_TEXT_MAX bytes; returns the length written.
 */
#define RB_AMOUNT_TEXT_MAX	40
extern int	rb_amount_format(char *buf, int64_t value, uint16_t currency);

/* value rounded to digits (0..6) fractional digits by mode; false on overflow */
extern bool rb_round_to_digits(int64_t value, int digits, RbRoundMode mode, int64_t *result);

#endif
