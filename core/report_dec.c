/* report_dec.c - exact decimal arithmetic on scaled 128-bit integers. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "report_dec.h"

typedef unsigned __int128 u128;

/* 10^k for 0 <= k <= 38; 0 when it would not fit. */
static __int128 pow10_i(int k)
{
    if (k < 0 || k > 38)
        return 0;
    __int128 p = 1;
    while (k--)
        p *= 10;
    return p;
}

static int upscale(__int128 *m, int by)
{
    __int128 p = pow10_i(by);
    return p == 0 || __builtin_mul_overflow(*m, p, m) ? -1 : 0;
}

/* num / den rounded half away from zero; den > 0. */
static __int128 div_round(__int128 num, __int128 den)
{
    __int128 q = num / den, r = num % den;
    if (r < 0)
        r = -r;
    if (r >= den - r)
        q += num < 0 ? -1 : 1;
    return q;
}

/* Brings a.scale down to `to`, rounding. */
static sl_dec round_to(sl_dec a, int to)
{
    if (a.scale <= to)
        return a;
    int by = a.scale - to;
    sl_dec r = {by > 38 ? 0 : div_round(a.m, pow10_i(by)), to};
    return r;
}

/* Strips trailing zero decimals: fewer digits to overflow in products. */
static sl_dec trim(sl_dec a)
{
    while (a.scale > 0 && a.m % 10 == 0) {
        a.m /= 10;
        a.scale--;
    }
    return a;
}

static const char *skip_blanks(const char *s)
{
    while (*s && isspace((unsigned char)*s))
        s++;
    return s;
}

/* Reads digits into *m (counting them into *n); -1 on overflow. */
static int read_digits(const char **p, __int128 *m, int *n)
{
    const char *s = *p;
    for (; *s >= '0' && *s <= '9'; s++, (*n)++)
        if (__builtin_mul_overflow(*m, 10, m) || __builtin_add_overflow(*m, *s - '0', m))
            return -1;
    *p = s;
    return 0;
}

static int read_exponent(const char **p, int *exp)
{
    const char *s = *p;
    int neg = 0, e = 0, n = 0;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    for (; *s >= '0' && *s <= '9'; s++, n++)
        if ((e = e * 10 + (*s - '0')) > 400)
            return -1;
    if (n == 0)
        return -1;
    *exp = neg ? -e : e;
    *p = s;
    return 0;
}

int sl_dec_parse(const char *s, sl_dec *out)
{
    if (!s)
        return -1;
    s = skip_blanks(s);
    int neg = 0, nint = 0, nfrac = 0, exp = 0;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    __int128 m = 0;
    if (read_digits(&s, &m, &nint) != 0)
        return -1;
    if (*s == '.') {
        s++;
        if (read_digits(&s, &m, &nfrac) != 0)
            return -1;
    }
    if (nint + nfrac == 0)
        return -1;
    if ((*s == 'e' || *s == 'E') && (s++, read_exponent(&s, &exp) != 0))
        return -1;
    if (*skip_blanks(s) != '\0')
        return -1;
    sl_dec d = {neg ? -m : m, nfrac - exp};
    if (d.scale < 0) {
        if (upscale(&d.m, -d.scale) != 0)
            return -1;
        d.scale = 0;
    }
    d = trim(d);
    *out = round_to(d, SL_DEC_MAX_SCALE);
    return 0;
}

int sl_dec_add(sl_dec *acc, sl_dec v)
{
    sl_dec a = *acc;
    int s = a.scale > v.scale ? a.scale : v.scale;
    if (upscale(&a.m, s - a.scale) != 0 || upscale(&v.m, s - v.scale) != 0)
        return -1;
    __int128 sum;
    if (__builtin_add_overflow(a.m, v.m, &sum))
        return -1;
    acc->m = sum;
    acc->scale = s;
    return 0;
}

int sl_dec_sub(sl_dec a, sl_dec b, sl_dec *out)
{
    const __int128 max = (__int128)(((u128)1 << 127) - 1);
    if (b.m < -max) /* the one value whose negation overflows */
        return -1;
    b.m = -b.m;
    if (sl_dec_add(&a, b) != 0)
        return -1;
    *out = a;
    return 0;
}

int sl_dec_mul(sl_dec a, sl_dec b, sl_dec *out)
{
    a = trim(a);
    b = trim(b);
    sl_dec p = {0, a.scale + b.scale};
    if (__builtin_mul_overflow(a.m, b.m, &p.m))
        return -1;
    *out = round_to(p, SL_DEC_MAX_SCALE);
    return 0;
}

int sl_dec_div_int(sl_dec a, long long n, int scale, sl_dec *out)
{
    if (n <= 0 || scale < 0 || scale > SL_DEC_MAX_SCALE)
        return -1;
    __int128 num = a.m, den = n;
    if (scale >= a.scale) {
        if (upscale(&num, scale - a.scale) != 0)
            return -1;
    } else if (upscale(&den, a.scale - scale) != 0) {
        return -1;
    }
    out->m = div_round(num, den);
    out->scale = scale;
    return 0;
}

double sl_dec_to_double(sl_dec a)
{
    /* Integer and fraction apart, so large sums keep their cents. */
    __int128 p = pow10_i(a.scale);
    return (double)(a.m / p) + (double)(a.m % p) / (double)p;
}

double sl_dec_ratio(sl_dec a, sl_dec b)
{
    return sl_dec_to_double(a) / sl_dec_to_double(b);
}

int sl_dec_is_zero(sl_dec a)
{
    return a.m == 0;
}

int sl_dec_cmp(sl_dec a, sl_dec b)
{
    sl_dec d;
    if (sl_dec_sub(a, b, &d) != 0) /* only at the very ends of the range */
        return sl_dec_to_double(a) < sl_dec_to_double(b) ? -1 : 1;
    return d.m < 0 ? -1 : d.m > 0;
}

char *sl_dec_format(sl_dec a, int min_scale, char *buf, size_t len)
{
    char digits[48];
    int n = 0;
    u128 u = a.m < 0 ? (u128)0 - (u128)a.m : (u128)a.m;
    int scale = a.scale;
    /* Drop zeros past min_scale, pad up to it. */
    while (scale > min_scale && u % 10 == 0) {
        u /= 10;
        scale--;
    }
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    for (; n <= scale; n++)
        digits[n] = '0';
    size_t o = 0;
    char tmp[SL_DEC_BUFSZ];
    if (a.m < 0)
        tmp[o++] = '-';
    for (int i = n - 1; i >= 0; i--) {
        tmp[o++] = digits[i];
        if (i == scale && scale > 0)
            tmp[o++] = '.';
    }
    if (scale == 0 && min_scale > 0)
        tmp[o++] = '.';
    for (int i = scale; i < min_scale; i++)
        tmp[o++] = '0';
    tmp[o] = '\0';
    snprintf(buf, len, "%s", tmp);
    return buf;
}
