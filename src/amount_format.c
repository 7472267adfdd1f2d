/*
 * amount_format.c — an amount as a person reads it on a document (issue 16 §1).
 *
 * amount_format(amount) → text: the canonical text (code, space, the value
 * with at least the currency's ISO 4217 minor-unit digits and more only when
 * the value has them) with the integer digits grouped by three with ','
 * and '.' before the fraction — fixed, never the server's locale:
 * 'USD 1,234.50', 'JPY 1,000', 'KWD 1,234.567', 'USD -0.05', 'USD 3.333333'.
 * Nothing is rounded: a unit price with more digits than the minor unit
 * shows them all.
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/builtins.h"

#include "amount.h"

/* RB_AMOUNT_TEXT_MAX plus at most 6 separators (13 integer digits) */
#define RB_AMOUNT_FORMAT_MAX (RB_AMOUNT_TEXT_MAX + 8)

/*
 * Group the integer digits of canonical text src into dst (which holds
 * RB_AMOUNT_FORMAT_MAX bytes); returns the length written.
 */
static int
group_digits(const char *src, int len, char *dst)
{
	int			i = 0,
				o = 0,
				start,
				end;

	/* the code and its space, then an optional sign */
	while (i < len && src[i] != ' ')
		dst[o++] = src[i++];
	if (i < len)
		dst[o++] = src[i++];
	if (i < len && src[i] == '-')
		dst[o++] = src[i++];
	start = i;
	end = start;
	while (end < len && src[end] >= '0' && src[end] <= '9')
		end++;
	for (i = start; i < end; i++)
	{
		if (i > start && (end - i) % 3 == 0)
			dst[o++] = ',';
		dst[o++] = src[i];
	}
	while (i < len)
		dst[o++] = src[i++];
	dst[o] = '\0';
	return o;
}

PG_FUNCTION_INFO_V1(amount_format);
Datum
amount_format(PG_FUNCTION_ARGS)
{
	Amount	   *a = PG_GETARG_AMOUNT_P(0);
	char		canon[RB_AMOUNT_TEXT_MAX];
	char		out[RB_AMOUNT_FORMAT_MAX];
	int			len,
				olen;

	len = rb_amount_format(canon, a->value, a->currency);
	olen = group_digits(canon, len, out);
	PG_RETURN_TEXT_P(cstring_to_text_with_len(out, olen));
}
