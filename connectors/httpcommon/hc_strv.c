/* hc_strv.c - growing NULL-terminated string arrays (query parameters,
 * header lines), query-component percent-encoding and URL joining. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpcommon.h"

static int grow(hc_strv *s)
{
    size_t cap;
    char **v;
    if (s->n + 1 < s->cap)
        return 0;
    cap = s->cap ? s->cap * 2 : 8;
    v = realloc(s->v, cap * sizeof *v);
    if (v == NULL)
        return -1;
    s->v = v;
    s->cap = cap;
    return 0;
}

/* Takes ownership of str (NULL = out of memory). */
static int push(hc_strv *s, char *str)
{
    if (str == NULL || grow(s) != 0) {
        free(str);
        return -1;
    }
    s->v[s->n++] = str;
    s->v[s->n] = NULL;
    return 0;
}

int hc_strv_add(hc_strv *s, const char *str)
{
    return push(s, strdup(str ? str : ""));
}

int hc_strv_addf(hc_strv *s, const char *fmt, ...)
{
    char *str;
    int n;
    va_list ap;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || (str = malloc((size_t)n + 1)) == NULL)
        return -1;
    va_start(ap, fmt);
    vsnprintf(str, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return push(s, str);
}

int hc_strv_pair(hc_strv *s, const char *name, const char *value)
{
    if (hc_strv_add(s, name) != 0)
        return -1;
    return hc_strv_add(s, value);
}

const char *const *hc_strv_items(const hc_strv *s)
{
    return s->n ? (const char *const *)s->v : NULL;
}

void hc_strv_clear(hc_strv *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    s->n = 0;
    if (s->v)
        s->v[0] = NULL;
}

void hc_strv_free(hc_strv *s)
{
    hc_strv_clear(s);
    free(s->v);
    s->v = NULL;
    s->cap = 0;
}

char *hc_urlencode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s), j = 0;
    char *out = malloc(n * 3 + 1);
    if (out == NULL)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-' ||
            *p == '.' || *p == '_' || *p == '~') {
            out[j++] = (char)*p;
        } else {
            out[j++] = '%';
            out[j++] = hex[*p >> 4];
            out[j++] = hex[*p & 15];
        }
    }
    out[j] = '\0';
    return out;
}

char *hc_url_join(const char *base, const char *path)
{
    size_t bl, pl;
    char *out;
    if (path == NULL)
        return NULL;
    if (base == NULL || strstr(path, "://") != NULL)
        return strdup(path);
    bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    while (*path == '/')
        path++;
    pl = strlen(path);
    out = malloc(bl + pl + 2);
    if (out == NULL)
        return NULL;
    memcpy(out, base, bl);
    out[bl] = '/';
    memcpy(out + bl + 1, path, pl + 1);
    return out;
}
