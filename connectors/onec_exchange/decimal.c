/* decimal.c - exact sums for the order document.
 *
 * Prices reach the warehouse as decimal strings and 1C books the order
 * totals we send; a double would turn 0.1 * 3 into 0.30000000000000004 and,
 * summed over many lines, a kopeck off. Values are held as integers scaled
 * by 10^6 (10^12 for products), in __int128 so no sum of real orders can
 * overflow. */
#include <ctype.h>

#include "onec.h"

#define SCALE_DIGITS 6
/* 10^18: amounts up to a trillion, so a product (10^36) stays far below
 * the __int128 limit (1.7 * 10^38). */
#define LIMIT ((__int128)1000000000 * 1000000000)

int sl_1c_dec_parse(const char *s, __int128 *out)
{
    __int128 v = 0;
    int neg = 0, digits = 0, frac = 0, seen_dot = 0, round_up = 0;
    while (isspace((unsigned char)*s))
        s++;
    if (*s == '-' || *s == '+')
        neg = *s++ == '-';
    for (; *s != '\0' && !isspace((unsigned char)*s); s++) {
        if (*s == '.' || *s == ',') { /* Russian exports write "2,5" too */
            if (seen_dot)
                return -1;
            seen_dot = 1;
            continue;
        }
        if (!isdigit((unsigned char)*s))
            return -1;
        digits++;
        if (seen_dot && frac >= SCALE_DIGITS) {
            /* Only the first dropped digit decides: half away from zero. */
            if (frac++ == SCALE_DIGITS)
                round_up = *s >= '5';
            continue;
        }
        v = v * 10 + (*s - '0');
        if (v > LIMIT)
            return -1;
        frac += seen_dot;
    }
    while (isspace((unsigned char)*s))
        s++;
    if (digits == 0 || *s != '\0')
        return -1;
    for (int i = frac < SCALE_DIGITS ? frac : SCALE_DIGITS; i < SCALE_DIGITS; i++)
        v *= 10;
    v += round_up;
    *out = neg ? -v : v;
    return 0;
}

/* Formats v / 10^shift rounded half away from zero to 2 decimals. printf
 * has no conversion for __int128, so the digits are made by hand. */
static void fmt_scaled(__int128 v, int shift, char *buf, size_t len)
{
    __int128 div = 1;
    for (int i = 0; i < shift - 2; i++)
        div *= 10;
    int neg = v < 0;
    if (neg)
        v = -v;
    __int128 cents = (v + div / 2) / div;
    char digits[48];
    size_t n = 0;
    do {
        digits[n++] = (char)('0' + (int)(cents % 10));
        cents /= 10;
    } while ((cents > 0 || n < 3) && n < sizeof digits - 1);
    /* digits holds the number backwards, at least "0.00" worth. */
    size_t o = 0;
    if (neg && !(n == 3 && digits[0] == '0' && digits[1] == '0' && digits[2] == '0') && o + 1 < len)
        buf[o++] = '-';
    for (size_t i = n; i-- > 0 && o + 1 < len;) {
        buf[o++] = digits[i];
        if (i == 2 && o + 1 < len)
            buf[o++] = '.';
    }
    buf[o < len ? o : len - 1] = '\0';
}

void sl_1c_dec_mul_fmt(__int128 a, __int128 b, char *buf, size_t len)
{
    fmt_scaled(a * b, 2 * SCALE_DIGITS, buf, len);
}

void sl_1c_dec_fmt12(__int128 v, char *buf, size_t len)
{
    fmt_scaled(v, 2 * SCALE_DIGITS, buf, len);
}
