/*
 * norm_money.c - amounts of money to exact decimal strings ("1234.50").
 *
 * Digits are moved as text from input to output and never pass through a
 * binary double, so 0.1 stays 0.1 and a 20-digit amount keeps every digit.
 * A JSON real is first written in its shortest form that reads back to the
 * same double (what the sender most likely typed), then treated as text.
 *
 * Amounts with more decimals than the field's scale are refused rather
 * than rounded: rounding would change the figure silently, and a price of
 * 12.345 in a two-decimal field usually means the wrong field or scale.
 */
#include "normalize.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define INT_DIGITS_MAX 38 /* NUMERIC(38) holds any amount we can print */
#define TEXT_DIGITS_MAX 80

enum sep_kind { SEP_DOT, SEP_COMMA, SEP_SPACE, SEP_APOS };

typedef struct money_text {
    int neg;
    char d[TEXT_DIGITS_MAX + 1]; /* every digit, separators removed */
    size_t n;
    struct {
        int kind; /* sep_kind */
        size_t at; /* digits before it */
    } sep[TEXT_DIGITS_MAX];
    size_t nsep;
} money_text;

static const char *sep_name(int kind)
{
    switch (kind) {
    case SEP_DOT: return "'.'";
    case SEP_COMMA: return "','";
    case SEP_SPACE: return "a space";
    default: return "an apostrophe";
    }
}

/* Reads sign, digits and separators; checks nothing else is there and that
 * separators stand between digits. */
static int scan(norm_work *w, const char *s, size_t len, money_text *m)
{
    size_t i = 0;
    uint32_t cp;
    if (i < len && (s[i] == '-' || s[i] == '+')) {
        m->neg = s[i++] == '-';
    } else if (len >= 3 && memcmp(s, "\xE2\x88\x92", 3) == 0) { /* U+2212 minus sign */
        m->neg = 1;
        i = 3;
    }
    while (i < len) {
        size_t k = norm_utf8_decode(s + i, len - i, &cp);
        int kind = -1;
        if (cp >= '0' && cp <= '9') {
            if (m->n == TEXT_DIGITS_MAX)
                return norm_fail(w, "more than %d digits", TEXT_DIGITS_MAX);
            m->d[m->n++] = (char)cp;
            i += k;
            continue;
        }
        if (cp == '.')
            kind = SEP_DOT;
        else if (cp == ',')
            kind = SEP_COMMA;
        else if (norm_cp_space(cp))
            kind = SEP_SPACE;
        else if (cp == '\'' || cp == 0x2019)
            kind = SEP_APOS;
        if (kind < 0) {
            char enc[5] = { 0 };
            norm_utf8_encode(cp, enc);
            return norm_fail(w, "contains '%s' (an amount is digits, separators and a sign)", enc);
        }
        if (m->nsep && m->sep[m->nsep - 1].at == m->n)
            return norm_fail(w, "two separators in a row");
        if (m->nsep == TEXT_DIGITS_MAX)
            return norm_fail(w, "too many separators");
        m->sep[m->nsep].kind = kind;
        m->sep[m->nsep++].at = m->n;
        i += k;
    }
    if (m->n == 0)
        return norm_fail(w, "no digits");
    return SLUICE_OK;
}

/* Which separator is the decimal point: the index into m->sep, or -1 for
 * none. Returns SLUICE_OK or NORM_INVALID. */
static int find_decimal(norm_work *w, const money_text *m, long *dec)
{
    size_t count[4] = { 0 }, last[4] = { 0 };
    for (size_t k = 0; k < m->nsep; k++) {
        count[m->sep[k].kind]++;
        last[m->sep[k].kind] = k;
    }
    *dec = -1;
    if (count[SEP_DOT] && count[SEP_COMMA]) {
        /* "1,234.50" and "1.234,50": the last one is the decimal point. */
        int kind = last[SEP_DOT] > last[SEP_COMMA] ? SEP_DOT : SEP_COMMA;
        if (count[kind] > 1)
            return norm_fail(w, "both '.' and ',' appear, and the last of them more than once");
        *dec = (long)last[kind];
    } else if (count[SEP_DOT] == 1) {
        *dec = (long)last[SEP_DOT];
    } else if (count[SEP_COMMA] == 1) {
        size_t k = last[SEP_COMMA], before = m->sep[k].at, after = m->n - before;
        int could_group = before >= 1 && before <= 3 && m->d[0] != '0' && k == 0;
        /* "1,234": a thousands comma in the US, a decimal one in Europe. A
         * field of scale below 3 cannot hold three decimals, so there it
         * is a thousands separator; elsewhere we refuse to guess. Other
         * group separators already present make the comma decimal. */
        if (after == 3 && could_group && count[SEP_SPACE] + count[SEP_APOS] == 0) {
            if (w->scale >= 3)
                return norm_fail(w, "ambiguous: ',' may be a decimal or a thousands separator");
        } else {
            *dec = (long)k;
        }
    }
    return SLUICE_OK;
}

/* Everything before the decimal point: one kind of group separator, in
 * groups of three digits after a first group of one to three. */
static int check_groups(norm_work *w, const money_text *m, long dec, size_t int_len)
{
    int kind = -1;
    size_t prev = 0;
    for (size_t k = 0; k < m->nsep; k++) {
        if ((long)k == dec)
            continue;
        if ((long)k > dec && dec >= 0)
            return norm_fail(w, "a separator after the decimal point");
        if (kind >= 0 && m->sep[k].kind != kind)
            return norm_fail(w, "mixes %s and %s as group separators", sep_name(kind), sep_name(m->sep[k].kind));
        kind = m->sep[k].kind;
        size_t group = m->sep[k].at - prev;
        if (m->sep[k].at == 0 || (prev == 0 && group > 3) || (prev > 0 && group != 3))
            return norm_fail(w, "digits are not grouped by three around %s", sep_name(kind));
        prev = m->sep[k].at;
    }
    if (kind >= 0 && int_len - prev != 3)
        return norm_fail(w, "digits are not grouped by three around %s", sep_name(kind));
    return SLUICE_OK;
}

/* Writes the amount with exactly w->scale decimals. */
static int format(norm_work *w, int neg, const char *ip, size_t ilen, const char *fp, size_t flen,
                  json_t **out)
{
    size_t scale = (size_t)w->scale;
    while (ilen > 1 && ip[0] == '0') {
        ip++;
        ilen--;
    }
    if (ilen == 0) {
        ip = "0";
        ilen = 1;
    }
    if (ilen > INT_DIGITS_MAX)
        return norm_fail(w, "more than %d digits before the decimal point", INT_DIGITS_MAX);
    for (size_t k = scale; k < flen; k++)
        if (fp[k] != '0')
            return norm_fail(w, "%zu decimal places, the field's scale is %zu", flen, scale);
    int zero = ilen == 1 && ip[0] == '0';
    for (size_t k = 0; zero && k < flen && k < scale; k++)
        zero = fp[k] == '0';
    w->buf.len = 0;
    if ((neg && !zero && norm_buf_putc(&w->buf, '-') != SLUICE_OK) || norm_buf_put(&w->buf, ip, ilen) != SLUICE_OK)
        return SLUICE_ENOMEM;
    if (scale > 0 && norm_buf_putc(&w->buf, '.') != SLUICE_OK)
        return SLUICE_ENOMEM;
    for (size_t k = 0; k < scale; k++)
        if (norm_buf_putc(&w->buf, k < flen ? fp[k] : '0') != SLUICE_OK)
            return SLUICE_ENOMEM;
    *out = json_stringn_nocheck(w->buf.data, w->buf.len);
    return *out ? SLUICE_OK : SLUICE_ENOMEM;
}

static int from_text(norm_work *w, const char *s, size_t len, json_t **out)
{
    money_text m;
    long dec;
    int rc;
    memset(&m, 0, sizeof m);
    if ((rc = scan(w, s, len, &m)) != SLUICE_OK || (rc = find_decimal(w, &m, &dec)) != SLUICE_OK)
        return rc;
    size_t int_len = dec >= 0 ? m.sep[dec].at : m.n;
    if ((rc = check_groups(w, &m, dec, int_len)) != SLUICE_OK)
        return rc;
    return format(w, m.neg, m.d, int_len, m.d + int_len, m.n - int_len, out);
}

/* The shortest "%.*e" text that reads back as d (C locale). */
static void shortest(double d, char *buf, size_t size)
{
    for (int prec = 0; prec < 17; prec++) {
        snprintf(buf, size, "%.*e", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
    snprintf(buf, size, "%.16e", d);
}

void norm_real_text(double d, char *buf, size_t size)
{
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            return;
    }
}

/* A double as exact decimal text: its shortest round-trip digits placed
 * by the exponent, "1.5e-07" -> "0.00000015". */
static int from_real(norm_work *w, double d, json_t **out)
{
    char e[40], digits[24];
    size_t nd = 0;
    shortest(d, e, sizeof e);
    const char *p = e;
    int neg = *p == '-';
    p += neg;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9')
            digits[nd++] = *p;
    long exp10 = *p == 'e' ? strtol(p + 1, NULL, 10) : 0;
    if (exp10 >= INT_DIGITS_MAX)
        return norm_fail(w, "more than %d digits before the decimal point", INT_DIGITS_MAX);
    /* Integer part: the first exp10 + 1 digits (padded with zeros). */
    char ip[INT_DIGITS_MAX + 1], fp[TEXT_DIGITS_MAX];
    size_t ilen = 0, flen = 0;
    if (exp10 < 0) {
        ip[ilen++] = '0';
        for (long k = -1; k > exp10 && flen < sizeof fp; k--)
            fp[flen++] = '0';
        for (size_t k = 0; k < nd && flen < sizeof fp; k++)
            fp[flen++] = digits[k];
    } else {
        for (long k = 0; k <= exp10; k++)
            ip[ilen++] = (size_t)k < nd ? digits[k] : '0';
        for (size_t k = (size_t)exp10 + 1; k < nd; k++)
            fp[flen++] = digits[k];
    }
    return format(w, neg, ip, ilen, fp, flen, out);
}

int norm_money(norm_work *w, json_t *in, json_t **out)
{
    if (json_is_integer(in)) {
        char num[32];
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(in));
        return from_text(w, num, strlen(num), out);
    }
    if (json_is_real(in))
        return from_real(w, json_real_value(in), out);
    if (!json_is_string(in))
        return norm_fail(w, "expected a number or text");
    const char *s = json_string_value(in);
    size_t a = 0, b = json_string_length(in);
    if (!norm_utf8_valid(s, b))
        return norm_fail(w, "not valid UTF-8");
    norm_trim(s, &a, &b);
    if (a == b) {
        *out = json_null();
        return SLUICE_OK;
    }
    return from_text(w, s + a, b - a, out);
}
