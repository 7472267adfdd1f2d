/*
 * rounding.c — the one rounding rule of the extension.
 *
 * Every operation that has to drop digits (division, multiplication by a
 * fraction, proration, avg, round()) computes the exact quotient as an integer
 * part and a remainder and decides here, once, which way to go.
 */
#include "amount_core.h"

static const int64_t pow10_table[19] = {
	INT64_C(1), INT64_C(10), INT64_C(100), INT64_C(1000), INT64_C(10000),
	INT64_C(100000), INT64_C(1000000), INT64_C(10000000), INT64_C(100000000),
	INT64_C(1000000000), INT64_C(10000000000), INT64_C(100000000000),
	INT64_C(1000000000000), INT64_C(10000000000000), INT64_C(100000000000000),
	INT64_C(1000000000000000), INT64_C(10000000000000000),
	INT64_C(100000000000000000), INT64_C(1000000000000000000)
};

int64_t
rb_pow10(int k)
{
	return pow10_table[k];
}

__int128
rb_div_round(__int128 n, __int128 d, RbRoundMode mode)
{
	__int128	q,
				r,
				twice_r;
	int			sign;

	if (d < 0)
	{
		n = -n;
		d = -d;
	}
	q = n / d;					/* truncates toward zero */
	r = n % d;					/* same sign as n */
	if (r == 0 || mode == RB_DOWN)
		return q;
	sign = n < 0 ? -1 : 1;
	twice_r = r < 0 ? -2 * r : 2 * r;
	if (twice_r > d || (twice_r == d && (mode == RB_HALF_UP || (q % 2) != 0)))
		q += sign;
	return q;
}

bool
rb_round_to_digits(int64_t value, int digits, RbRoundMode mode, int64_t *result)
{
	int64_t		step = rb_pow10(RB_SCALE - digits);
	__int128	r = rb_div_round(value, step, mode) * step;

	if (!rb_value_in_range(r))
		return false;
	*result = (int64_t) r;
	return true;
}
