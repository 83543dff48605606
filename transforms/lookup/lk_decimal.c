/*
 * lk_decimal.c - exact decimals: an integer mantissa and a count of decimal
 * places, so "0.10" * "3" is "0.30" and money never passes through a
 * binary float. 128-bit mantissas hold 37 digits: a quantity times a price
 * with four decimals each still has room for totals in the quadrillions.
 */
#include "lookup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MANT_DIGITS 37
#define SCALE_MAX 36

/* 10^37 and 10^36: the mantissa's limit, and what may still be multiplied by 10. */
#define LIMIT ((__int128)10000000000000000000ULL * 1000000000000000000ULL)
#define LIMIT_10 ((__int128)10000000000000000000ULL * 100000000000000000ULL)

static int too_big(__int128 m) { return m >= LIMIT || m <= -LIMIT; }

/* m * 10^n, or -1 when that overflows. */
static int shift(__int128 m, int n, __int128 *out)
{
    while (n-- > 0) {
        if (m >= LIMIT_10 || m <= -LIMIT_10)
            return -1;
        m *= 10;
    }
    *out = m;
    return 0;
}

int lk_dec_parse(const char *s, size_t len, lk_dec *out)
{
    size_t i = 0, digits = 0;
    int neg = 0, any = 0, seen_dot = 0;
    long frac = 0;
    __int128 m = 0;
    while (len && strchr(" \t", s[len - 1]))
        len--;
    while (i < len && strchr(" \t", s[i]))
        i++;
    if (i < len && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    for (; i < len; i++) {
        if (s[i] == '.' && !seen_dot) {
            seen_dot = 1;
            continue;
        }
        if (s[i] < '0' || s[i] > '9')
            break;
        any = 1;
        frac += seen_dot;
        if ((m != 0 || s[i] != '0') && ++digits > MANT_DIGITS)
            return -1;
        m = m * 10 + (s[i] - '0');
    }
    if (!any)
        return -1;
    long exp = 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        int eneg = 0;
        size_t e0 = ++i;
        if (i < len && (s[i] == '-' || s[i] == '+'))
            eneg = s[i++] == '-';
        if (i == len)
            return -1;
        for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
            if ((exp = exp * 10 + (s[i] - '0')) > 1000)
                return -1;
        if (i == e0)
            return -1;
        exp = eneg ? -exp : exp;
    }
    if (i != len)
        return -1;
    long scale = frac - exp;
    if (scale < 0) {
        if (shift(m, (int)-scale, &m) != 0)
            return -1;
        scale = 0;
    }
    if (scale > SCALE_MAX)
        return -1;
    out->m = neg ? -m : m;
    out->scale = (int)scale;
    return 0;
}

/* The shortest "%.Ng" text that reads back as d. */
static void real_text(double d, char *buf, size_t size)
{
    for (int p = 1; p <= 17; p++) {
        snprintf(buf, size, "%.*g", p, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

int lk_dec_from_json(json_t *v, lk_dec *out)
{
    char buf[64];
    if (!v || json_is_null(v))
        return 1;
    if (json_is_string(v))
        return lk_dec_parse(json_string_value(v), json_string_length(v), out);
    if (json_is_integer(v)) {
        out->m = json_integer_value(v);
        out->scale = 0;
        return 0;
    }
    if (json_is_real(v)) {
        real_text(json_real_value(v), buf, sizeof buf);
        return lk_dec_parse(buf, strlen(buf), out);
    }
    return -1;
}

/* Brings a and b to the same scale. */
static int align(lk_dec *a, lk_dec *b)
{
    if (a->scale < b->scale) {
        if (shift(a->m, b->scale - a->scale, &a->m) != 0)
            return -1;
        a->scale = b->scale;
    } else if (b->scale < a->scale) {
        if (shift(b->m, a->scale - b->scale, &b->m) != 0)
            return -1;
        b->scale = a->scale;
    }
    return 0;
}

int lk_dec_add(lk_dec a, lk_dec b, lk_dec *out)
{
    if (align(&a, &b) != 0 || too_big(a.m + b.m))
        return -1;
    out->m = a.m + b.m;
    out->scale = a.scale;
    return 0;
}

int lk_dec_sub(lk_dec a, lk_dec b, lk_dec *out)
{
    b.m = -b.m;
    return lk_dec_add(a, b, out);
}

int lk_dec_mul(lk_dec a, lk_dec b, lk_dec *out)
{
    __int128 x = a.m < 0 ? -a.m : a.m, y = b.m < 0 ? -b.m : b.m;
    if (a.scale + b.scale > SCALE_MAX || (x && y > LIMIT / x))
        return -1;
    out->m = a.m * b.m;
    out->scale = a.scale + b.scale;
    return too_big(out->m) ? -1 : 0;
}

void lk_dec_format(lk_dec d, char *buf, size_t size)
{
    char digits[64];
    size_t n = 0;
    __int128 m = d.m < 0 ? -d.m : d.m;
    do {
        digits[n++] = (char)('0' + (int)(m % 10));
        m /= 10;
    } while (m);
    while (n <= (size_t)d.scale)
        digits[n++] = '0'; /* at least one digit before the point */
    char out[80], *p = out;
    if (d.m < 0)
        *p++ = '-';
    for (size_t i = n; i-- > 0;) {
        *p++ = digits[i];
        if (i == (size_t)d.scale && d.scale > 0)
            *p++ = '.';
    }
    *p = '\0';
    snprintf(buf, size, "%s", out);
}
