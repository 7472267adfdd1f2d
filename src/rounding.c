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

/* the same rule in 64 bits, for operands that fit (the common case) */
static inline __attribute__((always_inline)) int64_t
div_round64(int64_t n, int64_t d, RbRoundMode mode)
{
	int64_t		q,
				r,
				twice_r;

	if (d < 0)
	{
		n = -n;
		d = -d;
	}
	q = n / d;
	r = n % d;
	if (r == 0 || mode == RB_DOWN)
		return q;
	twice_r = r < 0 ? -2 * r : 2 * r;	/* |r| < d <= 2^62: no overflow */
	if (twice_r > d || (twice_r == d && (mode == RB_HALF_UP || (q % 2) != 0)))
		q += n < 0 ? -1 : 1;
	return q;
}

__int128
rb_div_round(__int128 n, __int128 d, RbRoundMode mode)
{
	__int128	q,
				r,
				twice_r;
	int			sign;

	/* 128-bit division is a library call; most operands fit in 62 bits */
	if (n >= -(INT64_C(1) << 62) && n <= (INT64_C(1) << 62) &&
		d >= -(INT64_C(1) << 62) && d <= (INT64_C(1) << 62))
		return div_round64((int64_t) n, (int64_t) d, mode);
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
	int64_t		step = pow10_table[RB_SCALE - digits];
	__int128	r;

	/*
	 * Dividing by a constant compiles to a multiply and shift; the minor
	 * units of ISO currencies are 0 to 4 digits, i.e. steps 10^6 to 10^2.
	 */
	switch (RB_SCALE - digits)
	{
		case 0:
			*result = value;
			return true;
		case 2:
			r = (__int128) div_round64(value, 100, mode) * 100;
			break;
		case 3:
			r = (__int128) div_round64(value, 1000, mode) * 1000;
			break;
		case 4:
			r = (__int128) div_round64(value, 10000, mode) * 10000;
			break;
		case 6:
			r = (__int128) div_round64(value, 1000000, mode) * 1000000;
			break;
		default:
			r = rb_div_round(value, step, mode) * step;
			break;
	}

	if (!rb_value_in_range(r))
		return false;
	*result = (int64_t) r;
	return true;
}

void
rb_divisor_init(RbDivisor *v, uint64_t d)
{
	int			l = 0;

	while (l < 64 && ((unsigned __int128) 1 << l) < d)
		l++;					/* l = ceil(log2(d)) */
	v->d = d;
	v->m = (uint64_t) ((((unsigned __int128) 1 << 64) * (((unsigned __int128) 1 << l) - d)) / d + 1);
	v->sh1 = l < 1 ? l : 1;
	v->sh2 = l > 1 ? l - 1 : 0;
}

static inline uint64_t
divisor_quotient(uint64_t n, const RbDivisor *v)
{
	uint64_t	t1 = (uint64_t) (((unsigned __int128) v->m * n) >> 64);

	return (t1 + ((n - t1) >> v->sh1)) >> v->sh2;
}

int64_t
rb_div_round_by(int64_t n, const RbDivisor *v, int negative_divisor, RbRoundMode mode)
{
	int			negative = (n < 0) != (negative_divisor != 0);
	uint64_t	mag = n < 0 ? (uint64_t) 0 - (uint64_t) n : (uint64_t) n;
	uint64_t	q = divisor_quotient(mag, v);
	uint64_t	r = mag - q * v->d;

	/* the same decision as rb_div_round, on magnitudes */
	if (r != 0 && mode != RB_DOWN)
	{
		uint64_t	rest = v->d - r;	/* compare 2r with d without overflow */

		if (r > rest || (r == rest && (mode == RB_HALF_UP || (q % 2) != 0)))
			q++;
	}
	return negative ? -(int64_t) q : (int64_t) q;
}
