/*
 * fuzz_amount.c — libFuzzer harness for the amount text parser and formatter.
 *
 * Links the server-independent sources only (amount_text.c, rounding.c,
 * currency.c); see build.sh.  Properties checked on every input:
 *
 *   - the parser never reads outside [data, data + size) (ASan, because the
 *     input is copied into an exactly-sized heap buffer with no NUL);
 *   - on RB_PARSE_OK: value != INT64_MIN, the currency is in the table, the
 *     canonical text reparses to the identical value and currency, and
 *     formatting that again is byte-identical;
 *   - rb_round_to_digits for digits 0..6 and every mode does not crash and,
 *     when it succeeds, lands on a multiple of 10^(6-digits) less than one
 *     step away from the value (HALF_UP / HALF_EVEN: at most half a step;
 *     DOWN: toward zero);
 *   - rb_div_round agrees with rb_round_to_digits for the same step.
 *
 * A violation prints what went wrong and calls abort(), which libFuzzer
 * reports as a crash and saves as crash-<sha1>.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amount_core.h"

static void
fail(const char *what, const uint8_t *data, size_t size)
{
	fprintf(stderr, "fuzz_amount: property violated: %s\n  input (%zu bytes): \"", what, size);
	for (size_t i = 0; i < size; i++)
	{
		unsigned char c = data[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
			fputc(c, stderr);
		else
			fprintf(stderr, "\\x%02x", c);
	}
	fputs("\"\n", stderr);
	abort();
}

static const char *
mode_name(RbRoundMode mode)
{
	switch (mode)
	{
		case RB_HALF_UP:
			return "HALF_UP";
		case RB_HALF_EVEN:
			return "HALF_EVEN";
		case RB_DOWN:
			return "DOWN";
	}
	return "?";
}

static void
check_rounding(int64_t value, const uint8_t *data, size_t size)
{
	static const RbRoundMode modes[] = {RB_HALF_UP, RB_HALF_EVEN, RB_DOWN};

	for (int digits = 0; digits <= RB_SCALE; digits++)
	{
		int64_t		step = rb_pow10(RB_SCALE - digits);

		for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++)
		{
			int64_t		rounded;
			__int128	diff,
						absdiff;
			char		msg[160];

			if (!rb_round_to_digits(value, digits, modes[m], &rounded))
			{
				/* only legitimate when the exact result leaves the range */
				__int128	q = rb_div_round(value, step, modes[m]) * step;

				if (rb_value_in_range(q))
				{
					snprintf(msg, sizeof msg,
							 "rb_round_to_digits(%lld, %d, %s) failed but the result %lld is in range",
							 (long long) value, digits, mode_name(modes[m]), (long long) q);
					fail(msg, data, size);
				}
				continue;
			}

			diff = (__int128) rounded - value;
			absdiff = diff < 0 ? -diff : diff;
			msg[0] = '\0';
			if (rounded == INT64_MIN)
				snprintf(msg, sizeof msg, "rounded to INT64_MIN");
			else if (rounded % step != 0)
				snprintf(msg, sizeof msg, "not a multiple of the step");
			else if (absdiff >= step)
				snprintf(msg, sizeof msg, "|rounded - value| >= 10^(6-digits)");
			else if (modes[m] != RB_DOWN && 2 * absdiff > step)
				snprintf(msg, sizeof msg, "moved more than half a step");
			else if (modes[m] == RB_DOWN &&
					 (value >= 0 ? (rounded > value || rounded < 0)
					  : (rounded < value || rounded > 0)))
				snprintf(msg, sizeof msg, "DOWN did not truncate toward zero");
			else if (modes[m] == RB_HALF_UP && 2 * absdiff == step &&
					 (value >= 0 ? rounded < value : rounded > value))
				snprintf(msg, sizeof msg, "HALF_UP tie not away from zero");
			else if (modes[m] == RB_HALF_EVEN && 2 * absdiff == step &&
					 (rounded / step) % 2 != 0)
				snprintf(msg, sizeof msg, "HALF_EVEN tie not to even");

			if (msg[0] != '\0')
			{
				char		full[320];

				snprintf(full, sizeof full, "rb_round_to_digits(%lld, %d, %s) = %lld: %s",
						 (long long) value, digits, mode_name(modes[m]),
						 (long long) rounded, msg);
				fail(full, data, size);
			}
		}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, no terminator: any over-read is an ASan report */
	char	   *buf = malloc(size ? size : 1);
	RbParsedAmount parsed,
				again;
	RbParseStatus st;
	char		text1[RB_AMOUNT_TEXT_MAX],
				text2[RB_AMOUNT_TEXT_MAX];
	int			len1,
				len2;

	if (buf == NULL)
		return 0;
	if (size)
		memcpy(buf, data, size);
	st = rb_amount_parse(buf, size, &parsed);
	free(buf);

	if (st != RB_PARSE_OK)
	{
		if (st != RB_PARSE_SYNTAX && st != RB_PARSE_CURRENCY &&
			st != RB_PARSE_PRECISION && st != RB_PARSE_RANGE)
			fail("unknown parse status", data, size);
		return 0;
	}

	if (parsed.value == INT64_MIN)
		fail("parsed value is INT64_MIN", data, size);
	if (rb_currency_lookup(parsed.currency) == NULL)
		fail("RB_PARSE_OK with a currency not in the table", data, size);

	/* canonical text, with a canary past the documented maximum */
	memset(text1, 0x5a, sizeof text1);
	len1 = rb_amount_format(text1, parsed.value, parsed.currency);
	if (len1 <= 0 || len1 >= RB_AMOUNT_TEXT_MAX || text1[len1] != '\0' ||
		strlen(text1) != (size_t) len1)
		fail("rb_amount_format length/terminator wrong", data, size);

	/* reparse the canonical text from an exact-size buffer */
	{
		char	   *copy = malloc((size_t) len1);

		if (copy == NULL)
			return 0;
		memcpy(copy, text1, (size_t) len1);
		st = rb_amount_parse(copy, (size_t) len1, &again);
		free(copy);
	}
	if (st != RB_PARSE_OK)
	{
		char		msg[128];

		snprintf(msg, sizeof msg, "canonical text \"%s\" does not reparse (status %d)",
				 text1, (int) st);
		fail(msg, data, size);
	}
	if (again.value != parsed.value || again.currency != parsed.currency)
	{
		char		msg[200];

		snprintf(msg, sizeof msg,
				 "round trip changed the amount: %lld/%u -> \"%s\" -> %lld/%u",
				 (long long) parsed.value, parsed.currency, text1,
				 (long long) again.value, again.currency);
		fail(msg, data, size);
	}
	if (strcmp(again.code, parsed.code) != 0)
		fail("round trip changed the code as written", data, size);

	len2 = rb_amount_format(text2, again.value, again.currency);
	if (len2 != len1 || memcmp(text1, text2, (size_t) len1 + 1) != 0)
		fail("formatting is not idempotent", data, size);

	/* the code in the canonical text is the upper-cased code as written */
	if (memcmp(text1, parsed.code, 3) != 0 || text1[3] != ' ')
		fail("canonical text does not start with the code and a space", data, size);

	/* the negated amount (always representable: INT64_MIN is excluded) */
	{
		char		neg[RB_AMOUNT_TEXT_MAX];
		int			nlen = rb_amount_format(neg, -parsed.value, parsed.currency);
		RbParsedAmount back;

		if (rb_amount_parse(neg, (size_t) nlen, &back) != RB_PARSE_OK ||
			back.value != -parsed.value || back.currency != parsed.currency)
			fail("negated canonical text does not round-trip", data, size);
	}

	check_rounding(parsed.value, data, size);
	return 0;
}
