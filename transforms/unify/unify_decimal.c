/*
 * unify_decimal.c - exact decimal text, moved digit by digit.
 *
 * The money rule of the canonical model: amounts are decimal strings and
 * never pass through a binary double. normalize's money rule reads an
 * amount into such text; these helpers then shift its decimal point (a
 * revenue given in millions), round it (a unit price computed by the shop
 * with more decimals than the field keeps) or trim it (a quantity), all
 * on the text itself.
 */
#include "unify.h"

#include <string.h>

/* The parts of "-?I(.F)?": sign, integer and fraction digits (borrowed). */
typedef struct dec_parts {
    int neg;
    const char *i, *f;
    size_t ni, nf;
} dec_parts;

static void split(const char *s, dec_parts *d)
{
    d->neg = s[0] == '-';
    d->i = s + d->neg;
    const char *dot = strchr(d->i, '.');
    d->ni = dot ? (size_t)(dot - d->i) : strlen(d->i);
    d->f = dot ? dot + 1 : d->i + d->ni;
    d->nf = dot ? strlen(d->f) : 0;
}

static int all_zero(const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (s[k] != '0')
            return 0;
    return 1;
}

/* Writes sign, digits with the point after `point` digits (leading zeros
 * of the integer part dropped, one kept), into out. */
static int assemble(norm_buf *out, int neg, const char *digits, size_t n, size_t point)
{
    size_t skip = 0;
    while (skip + 1 < point && digits[skip] == '0')
        skip++;
    out->len = 0;
    if (neg && !all_zero(digits, n) && norm_buf_putc(out, '-') != SLUICE_OK)
        return SLUICE_ENOMEM;
    if (point == 0 && norm_buf_putc(out, '0') != SLUICE_OK)
        return SLUICE_ENOMEM;
    if (norm_buf_put(out, digits + skip, point - skip) != SLUICE_OK)
        return SLUICE_ENOMEM;
    if (point < n && (norm_buf_putc(out, '.') != SLUICE_OK || norm_buf_put(out, digits + point, n - point) != SLUICE_OK))
        return SLUICE_ENOMEM;
    return SLUICE_OK;
}

/* The digits of b, without sign and point, into `digits`; d says where
 * the point was. */
static int gather(const norm_buf *b, norm_buf *digits, dec_parts *d)
{
    split(b->data, d);
    digits->len = 0;
    if (norm_buf_put(digits, d->i, d->ni) != SLUICE_OK || norm_buf_put(digits, d->f, d->nf) != SLUICE_OK)
        return SLUICE_ENOMEM;
    return SLUICE_OK;
}

static int zeros(norm_buf *b, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (norm_buf_putc(b, '0') != SLUICE_OK)
            return SLUICE_ENOMEM;
    return SLUICE_OK;
}

int ufy_dec_shift(norm_buf *b, int shift)
{
    norm_buf digits = { 0 }, lead = { 0 };
    dec_parts d;
    int rc = gather(b, &digits, &d);
    long point = (long)d.ni + shift;
    if (rc == SLUICE_OK && point < 0) {
        /* 0.00ddd: zeros go in front. */
        rc = zeros(&lead, (size_t)-point);
        if (rc == SLUICE_OK)
            rc = norm_buf_put(&lead, digits.data, digits.len);
        if (rc == SLUICE_OK)
            rc = assemble(b, d.neg, lead.data, lead.len, 0);
    } else if (rc == SLUICE_OK) {
        if ((size_t)point > digits.len)
            rc = zeros(&digits, (size_t)point - digits.len);
        if (rc == SLUICE_OK)
            rc = assemble(b, d.neg, digits.data, digits.len, (size_t)point);
    }
    norm_buf_free(&digits);
    norm_buf_free(&lead);
    return rc;
}

int ufy_dec_round(norm_buf *b, int scale)
{
    norm_buf digits = { 0 };
    dec_parts d;
    size_t keep = (size_t)scale;
    int rc = gather(b, &digits, &d);
    if (rc != SLUICE_OK)
        goto out;
    if (d.nf <= keep) {
        rc = zeros(&digits, keep - d.nf);
    } else {
        int up = digits.data[d.ni + keep] >= '5';
        digits.len = d.ni + keep;
        digits.data[digits.len] = '\0';
        for (size_t k = digits.len; up && k > 0; k--) {
            if (digits.data[k - 1] == '9') {
                digits.data[k - 1] = '0';
            } else {
                digits.data[k - 1]++;
                up = 0;
            }
        }
        if (up) { /* 9.99 -> 10.00: one digit more in front */
            norm_buf tmp = { 0 };
            rc = norm_buf_putc(&tmp, '1');
            if (rc == SLUICE_OK)
                rc = norm_buf_put(&tmp, digits.data, digits.len);
            norm_buf_free(&digits);
            digits = tmp;
            d.ni++;
        }
    }
    if (rc == SLUICE_OK)
        rc = assemble(b, d.neg, digits.data, digits.len, d.ni);
out:
    norm_buf_free(&digits);
    return rc;
}

void ufy_dec_trim(norm_buf *b)
{
    if (!strchr(b->data, '.'))
        goto sign;
    while (b->len > 0 && b->data[b->len - 1] == '0')
        b->len--;
    if (b->len > 0 && b->data[b->len - 1] == '.')
        b->len--;
    b->data[b->len] = '\0';
sign:
    if (strcmp(b->data, "-0") == 0) {
        b->data[0] = '0';
        b->data[1] = '\0';
        b->len = 1;
    }
}

int ufy_dec_valid(const char *s)
{
    size_t k = s[0] == '-', n = 0;
    for (; s[k] >= '0' && s[k] <= '9'; k++)
        n++;
    if (n == 0)
        return 0;
    if (s[k] == '\0')
        return 1;
    if (s[k++] != '.')
        return 0;
    for (n = 0; s[k] >= '0' && s[k] <= '9'; k++)
        n++;
    return n > 0 && s[k] == '\0';
}

/* ---- adding ---- */

/* Digit k of d counted from the right at `scale` decimals (0 outside). */
static int digit_at(const dec_parts *d, size_t scale, size_t k)
{
    if (k < scale) { /* a decimal place */
        size_t pos = scale - 1 - k;
        return pos < d->nf ? d->f[pos] - '0' : 0;
    }
    k -= scale;
    return k < d->ni ? d->i[d->ni - 1 - k] - '0' : 0;
}

/* Compares |a| and |b|. */
static int cmp_mag(const dec_parts *a, const dec_parts *b, size_t scale, size_t width)
{
    for (size_t k = width; k-- > 0;) {
        int x = digit_at(a, scale, k), y = digit_at(b, scale, k);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return 0;
}

int ufy_dec_add(const char *as, const char *bs, int negate_b, norm_buf *out)
{
    dec_parts a, b;
    split(as, &a);
    split(bs, &b);
    b.neg ^= negate_b;
    size_t scale = a.nf > b.nf ? a.nf : b.nf, width = scale + (a.ni > b.ni ? a.ni : b.ni) + 1;
    const dec_parts *big = &a, *small = &b;
    int subtract = a.neg != b.neg;
    if (subtract && cmp_mag(&a, &b, scale, width) < 0) {
        big = &b;
        small = &a;
    }
    /* Digits from the right into out, reversed at the end. */
    norm_buf rev = { 0 };
    int carry = 0, rc = SLUICE_OK;
    for (size_t k = 0; k < width && rc == SLUICE_OK; k++) {
        int d = digit_at(big, scale, k) + (subtract ? -digit_at(small, scale, k) : digit_at(small, scale, k)) + carry;
        carry = d < 0 ? -1 : d / 10;
        d = d < 0 ? d + 10 : d % 10;
        rc = norm_buf_putc(&rev, (char)('0' + d));
    }
    if (rc == SLUICE_OK) {
        for (size_t x = 0, y = rev.len - 1; x < y; x++, y--) {
            char t = rev.data[x];
            rev.data[x] = rev.data[y];
            rev.data[y] = t;
        }
        rc = assemble(out, big->neg, rev.data, rev.len, rev.len - scale);
    }
    norm_buf_free(&rev);
    return rc;
}
