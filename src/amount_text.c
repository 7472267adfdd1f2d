/*
 * amount_text.c — text form of an amount: parser and canonical formatter.
 *
 * Plain C, no server: the fuzz harness links this file as it is.  The parser
 * reads a bounded buffer (it never relies on a terminating NUL) and reports
 * what went wrong as an RbParseStatus; the SQL layer turns that into errors.
 */
#include "amount_core.h"

#include <string.h>

static bool
is_letter(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* a currency code: exactly three upper-case letters not followed by a fourth */
static bool
scan_code(const char *s, size_t len, size_t *pos, RbParsedAmount *out)
{
	size_t		p = *pos;

	if (len - p < 3 || !is_upper(s[p]) || !is_upper(s[p + 1]) || !is_upper(s[p + 2]))
		return false;
	if (len - p > 3 && is_letter(s[p + 3]))
		return false;
	for (int i = 0; i < 3; i++)
		out->code[i] = s[p + i];
	out->code[3] = '\0';
	out->currency = rb_currency_pack(out->code);
	*pos = p + 3;
	return true;
}

typedef struct NumberScan
{
	__int128	magnitude;		/* millionths, saturated past the range */
	bool		precision_lost; /* a nonzero digit after the sixth */
	bool		too_large;
} NumberScan;

/* digits [ '.' digits ], at least one digit */
static bool
scan_number(const char *s, size_t len, size_t *pos, NumberScan *n)
{
	size_t		p = *pos;
	int			ndigits = 0,
				nfrac = 0;
	__int128	limit = (__int128) RB_VALUE_MAX + 1;

	n->magnitude = 0;
	n->precision_lost = n->too_large = false;
	while (p < len && is_digit(s[p]))
	{
		if (!n->too_large)
		{
			n->magnitude = n->magnitude * 10 + (s[p] - '0') * (__int128) RB_UNIT;
			if (n->magnitude > limit)
				n->too_large = true;
		}
		ndigits++;
		p++;
	}
	if (p < len && s[p] == '.')
	{
		p++;
		while (p < len && is_digit(s[p]))
		{
			if (nfrac < RB_SCALE)
				n->magnitude += (s[p] - '0') * (__int128) rb_pow10(RB_SCALE - 1 - nfrac);
			else if (s[p] != '0')
				n->precision_lost = true;
			nfrac++;
			ndigits++;
			p++;
		}
	}
	if (ndigits == 0)
		return false;
	if (n->magnitude > RB_VALUE_MAX)
		n->too_large = true;
	*pos = p;
	return true;
}

/* the one space between the code and the number */
static bool
scan_space(const char *s, size_t len, size_t *pos)
{
	if (*pos < len && s[*pos] == ' ')
	{
		(*pos)++;
		return true;
	}
	return false;
}

static bool
scan_sign(const char *s, size_t len, size_t *pos, int *sign)
{
	if (*pos < len && (s[*pos] == '-' || s[*pos] == '+'))
	{
		*sign = s[*pos] == '-' ? -1 : 1;
		(*pos)++;
		return true;
	}
	return false;
}

RbParseStatus
rb_amount_parse(const char *s, size_t len, RbParsedAmount *out)
{
	size_t		p = 0;
	int			sign = 1;
	bool		signed_already;
	NumberScan	num;

	memset(out, 0, sizeof(*out));
	out->currency = RB_CURRENCY_NONE;

	signed_already = scan_sign(s, len, &p, &sign);
	if (p < len && is_letter(s[p]))
	{
		/* 'USD 12.34', '-USD 12.34', 'USD -12.34' */
		if (!scan_code(s, len, &p, out) || !scan_space(s, len, &p))
			return RB_PARSE_SYNTAX;
		if (!signed_already)
			scan_sign(s, len, &p, &sign);
		if (!scan_number(s, len, &p, &num))
			return RB_PARSE_SYNTAX;
	}
	else
	{
		/* '12.34 USD', '-12.34 USD' */
		if (!scan_number(s, len, &p, &num) || !scan_space(s, len, &p) || !scan_code(s, len, &p, out))
			return RB_PARSE_SYNTAX;
	}
	if (p != len)
		return RB_PARSE_SYNTAX;
	if (rb_currency_lookup(out->currency) == NULL)
		return RB_PARSE_CURRENCY;
	if (num.precision_lost)
		return RB_PARSE_PRECISION;
	if (num.too_large)
		return RB_PARSE_RANGE;
	out->value = (int64_t) (sign * num.magnitude);
	return RB_PARSE_OK;
}

int
rb_amount_format(char *buf, int64_t value, uint16_t currency)
{
	const RbCurrency *cur = rb_currency_lookup(currency);
	int			min_digits = (cur == NULL || cur->minor == RB_MINOR_NA) ? 0 : cur->minor;
	uint64_t	mag = value < 0 ? (uint64_t) (-(value + 1)) + 1 : (uint64_t) value;
	uint64_t	whole = mag / RB_UNIT,
				frac = mag % RB_UNIT;
	char		digits[24];
	int			nd = 0,
				len = 0,
				nfrac = RB_SCALE;

	rb_currency_unpack(currency, buf);
	len = 3;
	buf[len++] = ' ';
	if (value < 0)
		buf[len++] = '-';
	do
	{
		digits[nd++] = (char) ('0' + whole % 10);
		whole /= 10;
	} while (whole > 0);
	while (nd > 0)
		buf[len++] = digits[--nd];

	/* drop trailing zeros down to the currency's minor unit */
	while (nfrac > min_digits && frac % 10 == 0)
	{
		frac /= 10;
		nfrac--;
	}
	if (nfrac > 0)
	{
		buf[len++] = '.';
		for (int i = nfrac - 1; i >= 0; i--)
		{
			buf[len + i] = (char) ('0' + frac % 10);
			frac /= 10;
		}
		len += nfrac;
	}
	buf[len] = '\0';
	return len;
}
