/* report_dec.h - exact decimal numbers for `sluice report`.
 *
 * Money in the warehouse is a decimal string ("1590.00"); summing it as a
 * binary double would drift by cents over a few hundred thousand orders, so
 * the report keeps every amount as a scaled integer: value = m / 10^scale,
 * with a 128-bit m (38 digits: 20 before the point even at the largest
 * scale). Every operation reports overflow instead of wrapping. */
#ifndef SL_REPORT_DEC_H
#define SL_REPORT_DEC_H

#include <stddef.h>

#define SL_DEC_MAX_SCALE 18

typedef struct sl_dec {
    __int128 m;
    int scale; /* 0..SL_DEC_MAX_SCALE */
} sl_dec;

/* Parses "-12.50", "+3", "1054", ".5", "1.5e-3" (SQLite's text of a REAL)
 * with surrounding blanks. Returns 0, or -1 when `s` is not a number or
 * does not fit (more than SL_DEC_MAX_SCALE decimals after the exponent is
 * applied, or more than 38 digits). */
int sl_dec_parse(const char *s, sl_dec *out);

/* *acc += v. Returns 0 or -1 on overflow (acc unchanged). */
int sl_dec_add(sl_dec *acc, sl_dec v);

/* *out = a * b, rounded half away from zero to SL_DEC_MAX_SCALE decimals
 * when the exact product has more. Returns 0 or -1 on overflow. */
int sl_dec_mul(sl_dec a, sl_dec b, sl_dec *out);

/* *out = a - b. Returns 0 or -1 on overflow. */
int sl_dec_sub(sl_dec a, sl_dec b, sl_dec *out);

/* *out = a / n rounded half away from zero to `scale` decimals (n > 0).
 * Returns 0 or -1 on overflow or n <= 0. */
int sl_dec_div_int(sl_dec a, long long n, int scale, sl_dec *out);

/* a / b as a double (for percentages); b must not be zero. */
double sl_dec_ratio(sl_dec a, sl_dec b);

double sl_dec_to_double(sl_dec a);
int sl_dec_is_zero(sl_dec a);
/* -1, 0 or 1 as a <, ==, > b. */
int sl_dec_cmp(sl_dec a, sl_dec b);

/* Writes `a` into buf with at least `min_scale` decimals (padded with
 * zeros) and no trailing zeros beyond them: "1590.00", "0.125". Returns buf.
 * 64 bytes are always enough. */
#define SL_DEC_BUFSZ 64
char *sl_dec_format(sl_dec a, int min_scale, char *buf, size_t len);

#endif
