/* hc_json.c - JSON pointers (RFC 6901, or dotted paths), scalars as text,
 * and the ordering of cursor values. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpcommon.h"

/* The next reference token of ptr at *p (unescaped into tok); advances *p.
 * Returns 1 for a token, 0 at the end, -1 when malformed or too long. */
static int next_token(const char **p, char sep, char *tok, size_t n)
{
    const char *s = *p;
    size_t j = 0;
    if (*s == '\0')
        return 0;
    if (*s != sep)
        return -1;
    s++;
    for (; *s && *s != sep; s++) {
        char c = *s;
        if (sep == '/' && c == '~') {
            if (s[1] == '0')
                c = '~';
            else if (s[1] == '1')
                c = '/';
            else
                return -1;
            s++;
        }
        if (j + 1 >= n)
            return -1;
        tok[j++] = c;
    }
    tok[j] = '\0';
    *p = s;
    return 1;
}

/* An array index: digits only, no leading zero (RFC 6901). */
static int array_index(const char *tok, size_t *out)
{
    char *end;
    unsigned long long v;
    if (tok[0] < '0' || tok[0] > '9' || (tok[0] == '0' && tok[1] != '\0'))
        return -1;
    errno = 0;
    v = strtoull(tok, &end, 10);
    if (errno || *end)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* Walks ptr; with root NULL only checks the syntax. Returns 1 when the
 * syntax is good. */
static int walk(json_t *root, const char *ptr, json_t **out)
{
    char tok[256];
    char sep = '/';
    const char *p = ptr;
    json_t *cur = root;
    int r;
    char dotted[1024];

    if (ptr == NULL || *ptr == '\0') {
        *out = root;
        return 1;
    }
    if (*ptr != '/') {
        /* "a.b.c" reads as ".a.b.c" */
        if (snprintf(dotted, sizeof dotted, ".%s", ptr) >= (int)sizeof dotted)
            return 0;
        p = dotted;
        sep = '.';
    }
    while ((r = next_token(&p, sep, tok, sizeof tok)) == 1) {
        size_t idx;
        if (sep == '.' && tok[0] == '\0')
            return 0;
        if (cur == NULL)
            continue;
        if (json_is_object(cur))
            cur = json_object_get(cur, tok);
        else if (json_is_array(cur) && array_index(tok, &idx) == 0)
            cur = json_array_get(cur, idx);
        else
            cur = NULL;
    }
    *out = cur;
    return r == 0;
}

json_t *hc_pointer(json_t *root, const char *ptr)
{
    json_t *out = NULL;
    if (root == NULL || !walk(root, ptr, &out))
        return NULL;
    return out;
}

int hc_pointer_valid(const char *ptr)
{
    json_t *out;
    return walk(NULL, ptr, &out);
}

int hc_scalar_text(const json_t *v, char *buf, size_t n)
{
    int w;
    if (n == 0)
        return -1;
    switch (json_typeof(v)) {
    case JSON_STRING:
        if (json_string_length(v) >= n)
            return -1;
        memcpy(buf, json_string_value(v), json_string_length(v) + 1);
        return 0;
    case JSON_INTEGER:
        w = snprintf(buf, n, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        break;
    case JSON_REAL:
        w = snprintf(buf, n, "%.17g", json_real_value(v));
        break;
    case JSON_TRUE:
        w = snprintf(buf, n, "true");
        break;
    case JSON_FALSE:
        w = snprintf(buf, n, "false");
        break;
    default:
        return -1;
    }
    return w >= 0 && (size_t)w < n ? 0 : -1;
}

/* A number from a JSON number or an all-digit string (optional '-', one
 * '.'), so "1717200000000" and 1717200000000 compare as equals. */
static int as_number(const json_t *v, long double *out)
{
    const char *s;
    char *end;
    if (json_is_integer(v)) {
        *out = (long double)json_integer_value(v);
        return 0;
    }
    if (json_is_real(v)) {
        *out = json_real_value(v);
        return 0;
    }
    s = json_string_value(v);
    if (s == NULL || *s == '\0')
        return -1;
    for (const char *q = (*s == '-') ? s + 1 : s; *q; q++)
        if ((*q < '0' || *q > '9') && *q != '.')
            return -1;
    errno = 0;
    *out = strtold(s, &end);
    return errno || *end ? -1 : 0;
}

static int cmp_ld(long double a, long double b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

int hc_value_cmp(const json_t *a, const json_t *b)
{
    long double x, y;
    int64_t ta, tb;
    char sa[256], sb[256];
    int an = a == NULL || json_is_null(a), bn = b == NULL || json_is_null(b);

    if (an || bn)
        return an - bn == 0 ? 0 : (an ? -1 : 1);
    if (as_number(a, &x) == 0 && as_number(b, &y) == 0)
        return cmp_ld(x, y);
    if (json_is_string(a) && json_is_string(b) && hc_time_parse(json_string_value(a), &ta) == 0 &&
        hc_time_parse(json_string_value(b), &tb) == 0 && ta != tb)
        return ta < tb ? -1 : 1;
    /* equal instants in different spellings compare by text: stable, and
     * they are rare enough not to matter for de-duplication */
    if (hc_scalar_text(a, sa, sizeof sa) != 0 || hc_scalar_text(b, sb, sizeof sb) != 0)
        return 0;
    return strcmp(sa, sb);
}
