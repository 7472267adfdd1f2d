/*
 * currency.c — ISO 4217 active currency codes and their minor units.
 *
 * The list is ISO 4217's active list (List One) as of 2026: BGN (euro from
 * 2026), ANG (replaced by XCG), HRK, SLL, ZWL, CUC and other withdrawn codes
 * are not in it, nor is XXX, ISO's code for "no currency": an amount is
 * always in a currency.  Codes whose minor unit ISO gives as "N.A." (metals,
 * SDRs, XTS) carry RB_MINOR_NA.  Kept sorted: lookups are binary searches.
 */
#include "currency.h"

#include <stddef.h>

static const RbCurrency currencies[] = {
	{"AED", 2}, {"AFN", 2}, {"ALL", 2}, {"AMD", 2}, {"AOA", 2}, {"ARS", 2},
	{"AUD", 2}, {"AWG", 2}, {"AZN", 2}, {"BAM", 2}, {"BBD", 2}, {"BDT", 2},
	{"BHD", 3}, {"BIF", 0}, {"BMD", 2}, {"BND", 2}, {"BOB", 2}, {"BOV", 2},
	{"BRL", 2}, {"BSD", 2}, {"BTN", 2}, {"BWP", 2}, {"BYN", 2}, {"BZD", 2},
	{"CAD", 2}, {"CDF", 2}, {"CHE", 2}, {"CHF", 2}, {"CHW", 2}, {"CLF", 4},
	{"CLP", 0}, {"CNY", 2}, {"COP", 2}, {"COU", 2}, {"CRC", 2}, {"CUP", 2},
	{"CVE", 2}, {"CZK", 2}, {"DJF", 0}, {"DKK", 2}, {"DOP", 2}, {"DZD", 2},
	{"EGP", 2}, {"ERN", 2}, {"ETB", 2}, {"EUR", 2}, {"FJD", 2}, {"FKP", 2},
	{"GBP", 2}, {"GEL", 2}, {"GHS", 2}, {"GIP", 2}, {"GMD", 2}, {"GNF", 0},
	{"GTQ", 2}, {"GYD", 2}, {"HKD", 2}, {"HNL", 2}, {"HTG", 2}, {"HUF", 2},
	{"IDR", 2}, {"ILS", 2}, {"INR", 2}, {"IQD", 3}, {"IRR", 2}, {"ISK", 0},
	{"JMD", 2}, {"JOD", 3}, {"JPY", 0}, {"KES", 2}, {"KGS", 2}, {"KHR", 2},
	{"KMF", 0}, {"KPW", 2}, {"KRW", 0}, {"KWD", 3}, {"KYD", 2}, {"KZT", 2},
	{"LAK", 2}, {"LBP", 2}, {"LKR", 2}, {"LRD", 2}, {"LSL", 2}, {"LYD", 3},
	{"MAD", 2}, {"MDL", 2}, {"MGA", 2}, {"MKD", 2}, {"MMK", 2}, {"MNT", 2},
	{"MOP", 2}, {"MRU", 2}, {"MUR", 2}, {"MVR", 2}, {"MWK", 2}, {"MXN", 2},
	{"MXV", 2}, {"MYR", 2}, {"MZN", 2}, {"NAD", 2}, {"NGN", 2}, {"NIO", 2},
	{"NOK", 2}, {"NPR", 2}, {"NZD", 2}, {"OMR", 3}, {"PAB", 2}, {"PEN", 2},
	{"PGK", 2}, {"PHP", 2}, {"PKR", 2}, {"PLN", 2}, {"PYG", 0}, {"QAR", 2},
	{"RON", 2}, {"RSD", 2}, {"RUB", 2}, {"RWF", 0}, {"SAR", 2}, {"SBD", 2},
	{"SCR", 2}, {"SDG", 2}, {"SEK", 2}, {"SGD", 2}, {"SHP", 2}, {"SLE", 2},
	{"SOS", 2}, {"SRD", 2}, {"SSP", 2}, {"STN", 2}, {"SVC", 2}, {"SYP", 2},
	{"SZL", 2}, {"THB", 2}, {"TJS", 2}, {"TMT", 2}, {"TND", 3}, {"TOP", 2},
	{"TRY", 2}, {"TTD", 2}, {"TWD", 2}, {"TZS", 2}, {"UAH", 2}, {"UGX", 0},
	{"USD", 2}, {"USN", 2}, {"UYI", 0}, {"UYU", 2}, {"UYW", 4}, {"UZS", 2},
	{"VED", 2}, {"VES", 2}, {"VND", 0}, {"VUV", 0}, {"WST", 2}, {"XAF", 0},
	{"XAG", RB_MINOR_NA}, {"XAU", RB_MINOR_NA}, {"XBA", RB_MINOR_NA},
	{"XBB", RB_MINOR_NA}, {"XBC", RB_MINOR_NA}, {"XBD", RB_MINOR_NA},
	{"XCD", 2}, {"XCG", 2}, {"XDR", RB_MINOR_NA}, {"XOF", 0},
	{"XPD", RB_MINOR_NA}, {"XPF", 0}, {"XPT", RB_MINOR_NA},
	{"XSU", RB_MINOR_NA}, {"XTS", RB_MINOR_NA}, {"XUA", RB_MINOR_NA},
	{"YER", 2}, {"ZAR", 2}, {"ZMW", 2}, {"ZWG", 2},
};

#define N_CURRENCIES (sizeof(currencies) / sizeof(currencies[0]))

_Static_assert(sizeof(currencies) / sizeof(currencies[0]) < 255, "the index stores positions in a byte");

static int
letter(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a';
	return -1;
}

uint16_t
rb_currency_pack(const char *s)
{
	int			a = letter(s[0]),
				b = a < 0 ? -1 : letter(s[1]),
				c = b < 0 ? -1 : letter(s[2]);

	if (c < 0)
		return RB_CURRENCY_NONE;
	return (uint16_t) ((a * 26 + b) * 26 + c);
}

void
rb_currency_unpack(uint16_t packed, char *out)
{
	if (packed >= 26 * 26 * 26)
	{
		out[0] = out[1] = out[2] = '?';
		out[3] = '\0';
		return;
	}
	out[2] = (char) ('A' + packed % 26);
	out[1] = (char) ('A' + (packed / 26) % 26);
	out[0] = (char) ('A' + packed / 676);
	out[3] = '\0';
}

/*
 * Direct index from packed code to table position + 1 (0: not a code), built
 * on first use: a lookup per row costs one load instead of a binary search.
 */
#define N_PACKED	(26 * 26 * 26)
static uint8_t currency_index[N_PACKED];
static int	currency_index_built = 0;

static void
build_index(void)
{
	for (size_t i = 0; i < N_CURRENCIES; i++)
		currency_index[rb_currency_pack(currencies[i].code)] = (uint8_t) (i + 1);
	currency_index_built = 1;
}

const RbCurrency *
rb_currency_lookup(uint16_t packed)
{
	if (packed >= N_PACKED)
		return NULL;
	if (!currency_index_built)
		build_index();
	return currency_index[packed] ? &currencies[currency_index[packed] - 1] : NULL;
}

/* the binary search the index is checked against (kept for the fuzz harness) */
const RbCurrency *
rb_currency_search(uint16_t packed)
{
	size_t		lo = 0,
				hi = N_CURRENCIES;

	while (lo < hi)
	{
		size_t		mid = (lo + hi) / 2;
		uint16_t	p = rb_currency_pack(currencies[mid].code);

		if (p == packed)
			return &currencies[mid];
		if (p < packed)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int
rb_currency_round_digits(const RbCurrency *c)
{
	return c->minor == RB_MINOR_NA ? 6 : c->minor;
}
