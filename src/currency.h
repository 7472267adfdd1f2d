/*
 * currency.h — the ISO 4217 table: alphabetic codes and their minor units.
 *
 * Plain C (no PostgreSQL headers) so that the fuzz harness links it without a
 * server.  A currency is carried as a 15-bit "packed code": the three letters
 * read as a base-26 number.  Packing keeps alphabetical order, needs no table
 * to decode, and never changes meaning when the table is updated, so it is
 * what goes on disk.
 */
#ifndef RB_CURRENCY_H
#define RB_CURRENCY_H

#include <stdint.h>

#define RB_CURRENCY_NONE		0xFFFF	/* never a valid packed code */
#define RB_MINOR_NA				(-1)	/* ISO "N.A.": funds, metals, XXX */

typedef struct RbCurrency
{
	char		code[4];		/* "USD" */
	int			minor;			/* 0, 2, 3, 4, or RB_MINOR_NA */
} RbCurrency;

/* packed code of three letters A-Z (case-insensitive); RB_CURRENCY_NONE otherwise */
extern uint16_t rb_currency_pack(const char *letters);
/* writes the three letters and a NUL into out[4] */
extern void rb_currency_unpack(uint16_t packed, char *out);
/* the table entry of an active code, or NULL when ISO 4217 does not list it */
extern const RbCurrency *rb_currency_lookup(uint16_t packed);
/* the same answer by binary search over the sorted table (for tests) */
extern const RbCurrency *rb_currency_search(uint16_t packed);
/* minor unit digits used for rounding: RB_MINOR_NA counts as the stored scale */
extern int	rb_currency_round_digits(const RbCurrency *c);

#endif
