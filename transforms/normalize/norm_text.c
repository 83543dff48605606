/*
 * norm_text.c - the UTF-8 the rules need, without the C library's locale.
 *
 * towlower() and friends follow the process locale, which a daemon should
 * not have to set right; customer data here is mostly Latin and Cyrillic,
 * so we carry simple one-to-one case mappings for ASCII, Latin-1, Latin
 * Extended-A and Cyrillic (U+0400-U+04FF) and leave every other character
 * alone. No mapping makes text longer, which callers rely on when sizing.
 */
#include "normalize.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- buffers ---- */

static int buf_reserve(norm_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return SLUICE_OK;
    size_t cap = b->cap ? b->cap : 128;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p)
        return SLUICE_ENOMEM;
    b->data = p;
    b->cap = cap;
    return SLUICE_OK;
}

/* The text is kept NUL-terminated so rules can hand it to strcmp. */
int norm_buf_put(norm_buf *b, const char *s, size_t n)
{
    if (buf_reserve(b, n) != SLUICE_OK)
        return SLUICE_ENOMEM;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
    return SLUICE_OK;
}

int norm_buf_putc(norm_buf *b, char c) { return norm_buf_put(b, &c, 1); }

void norm_buf_free(norm_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

int norm_fail(norm_work *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->reason, sizeof w->reason, fmt, ap);
    va_end(ap);
    return NORM_INVALID;
}

/* ---- UTF-8 ---- */

size_t norm_utf8_decode(const char *str, size_t left, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t n;
    uint32_t c;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        n = 2;
        c = s[0] & 0x1Fu;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        n = 3;
        c = s[0] & 0x0Fu;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        n = 4;
        c = s[0] & 0x07u;
    } else {
        return 0;
    }
    if (left < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3Fu);
    }
    /* Overlong forms, surrogates and values past U+10FFFF are not text. */
    if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return n;
}

size_t norm_utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

void norm_utf8_cut(char *s)
{
    size_t len = strlen(s), i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = norm_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            break;
        i += n;
    }
    s[i] = '\0';
}

int norm_json_has(json_t *arr, json_t *v)
{
    size_t i;
    json_t *item;
    json_array_foreach(arr, i, item)
        if (json_equal(item, v))
            return 1;
    return 0;
}

int norm_utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = norm_utf8_decode(s + i, len - i, &cp);
        if (n == 0)
            return 0;
        i += n;
    }
    return 1;
}

/* ---- case ---- */

int norm_cp_space(uint32_t c)
{
    return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

void norm_trim(const char *s, size_t *start, size_t *end)
{
    size_t a = *start, b = *end;
    uint32_t cp;
    while (a < b) {
        size_t n = norm_utf8_decode(s + a, b - a, &cp);
        if (n == 0 || !norm_cp_space(cp))
            break;
        a += n;
    }
    while (b > a) {
        /* Step back to the start of the last character. */
        size_t k = b - 1;
        while (k > a && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--;
        size_t n = norm_utf8_decode(s + k, b - k, &cp);
        if (n == 0 || !norm_cp_space(cp))
            break;
        b = k;
    }
    *start = a;
    *end = b;
}

int norm_lower_into(const char *s, size_t len, norm_buf *out)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        char enc[4];
        size_t n = norm_utf8_decode(s + i, len - i, &cp);
        int rc;
        if (n == 0) { /* callers validate first; copy a stray byte rather than stop */
            rc = norm_buf_putc(out, s[i]);
            n = 1;
        } else {
            rc = norm_buf_put(out, enc, norm_utf8_encode(tx_cp_lower(cp), enc));
        }
        if (rc != SLUICE_OK)
            return rc;
        i += n;
    }
    return SLUICE_OK;
}

int norm_ascii_prefix(const char *s, size_t len, const char *p)
{
    size_t i = 0;
    for (; p[i]; i++) {
        if (i >= len)
            return 0;
        char a = s[i], b = p[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a + 0x20);
        if (b >= 'A' && b <= 'Z')
            b = (char)(b + 0x20);
        if (a != b)
            return 0;
    }
    return 1;
}
