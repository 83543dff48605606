/* json_text.c - JSON text for records (see json_text.h). */
#include <float.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "json_text.h"

/* Bytes that must be escaped inside a JSON string. */
static int needs_escape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

int sink_json_string(sink_buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (sink_buf_putc(out, '"') != 0)
        return -1;
    size_t run = 0; /* start of the current run of plain bytes */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!needs_escape(c))
            continue;
        if (sink_buf_put(out, s + run, i - run) != 0)
            return -1;
        run = i + 1;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t elen = 2;
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xf];
            elen = 6;
        }
        if (sink_buf_put(out, esc, elen) != 0)
            return -1;
    }
    if (sink_buf_put(out, s + run, n - run) != 0)
        return -1;
    return sink_buf_putc(out, '"');
}

int sink_json_integer(sink_buf *out, json_int_t n)
{
    char tmp[24];
    size_t i = sizeof tmp;
    /* Negate in unsigned arithmetic so the most negative value works too. */
    unsigned long long u = n < 0 ? 0ULL - (unsigned long long)n : (unsigned long long)n;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (n < 0)
        tmp[--i] = '-';
    return sink_buf_put(out, tmp + i, sizeof tmp - i);
}

/* printf's %g follows LC_NUMERIC; JSON always wants '.'. */
static void fix_decimal_point(char *s)
{
    const char *dp = localeconv()->decimal_point;
    if (!dp || (dp[0] == '.' && dp[1] == '\0') || dp[0] == '\0')
        return;
    for (; *s; s++)
        if (*s == dp[0])
            *s = '.';
}

/* Rewrites "1e+22" as "1e22" and "1e-07" as "1e-7", as jansson does. */
static size_t tidy_exponent(char *s, size_t len)
{
    char *e = memchr(s, 'e', len);
    if (!e)
        return len;
    char *src = e + 1, *dst = e + 1;
    if (*src == '+')
        src++;
    else if (*src == '-')
        *dst++ = *src++;
    while (*src == '0' && src[1] != '\0')
        src++;
    while (*src)
        *dst++ = *src++;
    *dst = '\0';
    return (size_t)(dst - s);
}

size_t sink_json_real(char dst[SINK_JSON_REAL_MAX], double d)
{
    int len = 0;
    /* A decimal of 15 significant digits or fewer (every price and
     * quantity) comes back as itself from %.15g; 17 digits always
     * round-trip. Subnormals carry fewer digits, so they start at 1. */
    int subnormal = d != 0 && d > -DBL_MIN && d < DBL_MIN;
    for (int prec = subnormal ? 1 : 15; prec <= 17; prec++) {
        len = snprintf(dst, SINK_JSON_REAL_MAX, "%.*g", prec, d);
        if (len < 0 || len >= SINK_JSON_REAL_MAX)
            len = 0;
        if (prec == 17 || strtod(dst, NULL) == d)
            break;
    }
    fix_decimal_point(dst);
    size_t n = tidy_exponent(dst, (size_t)len);
    if (!strpbrk(dst, ".eEn") && n + 2 < SINK_JSON_REAL_MAX) { /* 'n': inf/nan never reach here */
        dst[n++] = '.';
        dst[n++] = '0';
        dst[n] = '\0';
    }
    return n;
}

static int newline_indent(sink_buf *out, int indent, int depth)
{
    if (sink_buf_putc(out, '\n') != 0 || sink_buf_grow(out, (size_t)indent * (size_t)depth) != 0)
        return -1;
    memset(out->data + out->len, ' ', (size_t)indent * (size_t)depth);
    out->len += (size_t)indent * (size_t)depth;
    return 0;
}

static int append_value(sink_buf *out, const json_t *v, int indent, int depth);

static int append_object(sink_buf *out, const json_t *obj, int indent, int depth)
{
    if (json_object_size(obj) == 0)
        return sink_buf_put(out, "{}", 2);
    if (sink_buf_putc(out, '{') != 0)
        return -1;
    const char *key;
    size_t klen;
    json_t *val;
    int first = 1;
    json_object_keylen_foreach((json_t *)obj, key, klen, val) {
        if (!first && sink_buf_putc(out, ',') != 0)
            return -1;
        first = 0;
        if (indent && newline_indent(out, indent, depth + 1) != 0)
            return -1;
        if (sink_json_string(out, key, klen) != 0 || sink_buf_put(out, ": ", indent ? 2 : 1) != 0)
            return -1;
        if (append_value(out, val, indent, depth + 1) != 0)
            return -1;
    }
    if (indent && newline_indent(out, indent, depth) != 0)
        return -1;
    return sink_buf_putc(out, '}');
}

static int append_array(sink_buf *out, const json_t *arr, int indent, int depth)
{
    size_t n = json_array_size(arr);
    if (n == 0)
        return sink_buf_put(out, "[]", 2);
    if (sink_buf_putc(out, '[') != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (i && sink_buf_putc(out, ',') != 0)
            return -1;
        if (indent && newline_indent(out, indent, depth + 1) != 0)
            return -1;
        if (append_value(out, json_array_get(arr, i), indent, depth + 1) != 0)
            return -1;
    }
    if (indent && newline_indent(out, indent, depth) != 0)
        return -1;
    return sink_buf_putc(out, ']');
}

static int append_value(sink_buf *out, const json_t *v, int indent, int depth)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return append_object(out, v, indent, depth);
    case JSON_ARRAY: return append_array(out, v, indent, depth);
    case JSON_STRING: return sink_json_string(out, json_string_value(v), json_string_length(v));
    case JSON_INTEGER: return sink_json_integer(out, json_integer_value(v));
    case JSON_REAL: {
        char tmp[SINK_JSON_REAL_MAX];
        size_t n = sink_json_real(tmp, json_real_value(v));
        return sink_buf_put(out, tmp, n);
    }
    case JSON_TRUE: return sink_buf_put(out, "true", 4);
    case JSON_FALSE: return sink_buf_put(out, "false", 5);
    case JSON_NULL: return sink_buf_put(out, "null", 4);
    }
    return -1;
}

int sink_json_append(sink_buf *out, const json_t *v, int indent)
{
    size_t mark = out->len;
    if (!v || append_value(out, v, indent, 0) != 0) {
        out->len = mark;
        return -1;
    }
    return 0;
}
