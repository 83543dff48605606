/* http_url.c - request URLs: joined to base_url, query parameters
 * percent-encoded, checked by curl's URL parser; and the buffers a transfer
 * fills. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"

static int is_absolute(const char *url)
{
    return strncasecmp(url, "http://", 7) == 0 || strncasecmp(url, "https://", 8) == 0 || strstr(url, "://");
}

char *sl_http_join(const sluice_http *c, const char *url)
{
    if (!url)
        url = "";
    if (is_absolute(url))
        return strdup(url);
    const char *base = c->cfg.base_url;
    if (!base || !*base)
        return NULL;
    size_t bl = strlen(base);
    while (bl > 0 && base[bl - 1] == '/')
        bl--;
    while (*url == '/')
        url++;
    size_t n = bl + 1 + strlen(url) + 1;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%.*s%s%s", (int)bl, base, *url ? "/" : "", url);
    return out;
}

/* Percent-encoded length of s. */
static size_t enc_len(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += strchr("-._~", *s) || (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')
                 ? 1 : 3;
    return n;
}

static char *enc_put(char *d, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (strchr("-._~", ch) || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')) {
            *d++ = (char)ch;
        } else {
            *d++ = '%';
            *d++ = hex[ch >> 4];
            *d++ = hex[ch & 15];
        }
    }
    return d;
}

int sl_http_form_add(char **dst, size_t *len, const char *name, const char *value)
{
    if (!value)
        value = "";
    size_t add = (*len ? 1 : 0) + enc_len(name) + 1 + enc_len(value);
    char *p = realloc(*dst, *len + add + 1);
    if (!p)
        return -1;
    *dst = p;
    char *d = p + *len;
    if (*len)
        *d++ = '&';
    d = enc_put(d, name);
    *d++ = '=';
    d = enc_put(d, value);
    *d = '\0';
    *len += add;
    return 0;
}

/* The query of req plus the QUERY credential, encoded; "" when none.
 * NULL when out of memory or when the list has an odd length (*odd set). */
static char *query_of(const sluice_http *c, const sluice_http_request *req, int *odd)
{
    char *q = strdup("");
    size_t n = 0;
    *odd = 0;
    for (const char *const *p = req->query; q && p && *p; p += 2) {
        if (!p[1]) {
            *odd = 1;
            free(q);
            return NULL;
        }
        if (sl_http_form_add(&q, &n, p[0], p[1])) {
            free(q);
            return NULL;
        }
    }
    if (q && c->cfg.auth == SLUICE_AUTH_QUERY && sl_http_form_add(&q, &n, c->cfg.auth_name, c->cfg.token)) {
        free(q);
        return NULL;
    }
    return q;
}

/* Checks the URL with curl's parser: an http(s) URL with a host. */
static int check_url(const char *url, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    if (!u) {
        snprintf(err, errlen, "out of memory");
        return SLUICE_ENOMEM;
    }
    char *scheme = NULL;
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
    if (uc == CURLUE_OK)
        uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    int rc = SLUICE_OK;
    if (uc != CURLUE_OK) {
        snprintf(err, errlen, "bad URL %s: %s", url, curl_url_strerror(uc));
        rc = SLUICE_ERROR;
    } else if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0) {
        snprintf(err, errlen, "bad URL %s: only http and https are allowed", url);
        rc = SLUICE_ERROR;
    }
    curl_free(scheme);
    curl_url_cleanup(u);
    return rc;
}

/* The full URL of a request (caller frees; it may hold a credential), or
 * NULL with the reason in err and the status in *rc. */
char *sl_http_request_url(const sluice_http *c, const sluice_http_request *req, int *rc, char *err, size_t errlen)
{
    int odd = 0;
    char *base = sl_http_join(c, req->url);
    char *q = base ? query_of(c, req, &odd) : NULL;
    char *url = NULL;
    *rc = SLUICE_ENOMEM;
    snprintf(err, errlen, "out of memory");
    if (!base && (!c->cfg.base_url || !*c->cfg.base_url)) {
        snprintf(err, errlen, "relative URL %s and no base_url", req->url ? req->url : "(null)");
        *rc = SLUICE_ERROR;
    } else if (base && !q && odd) {
        snprintf(err, errlen, "the query of %s is not a list of name, value pairs", base);
        *rc = SLUICE_ERROR;
    } else if (base && q) {
        char *hash = strchr(base, '#');
        if (hash)
            *hash = '\0'; /* a fragment never reaches the server */
        size_t bl = strlen(base), n = bl + 1 + strlen(q) + 1;
        char last = bl ? base[bl - 1] : '\0';
        const char *sep = !*q ? "" : !strchr(base, '?') ? "?" : (last == '?' || last == '&') ? "" : "&";
        url = malloc(n);
        if (url) {
            snprintf(url, n, "%s%s%s", base, sep, q);
            *rc = check_url(url, err, errlen);
        }
    }
    if (*rc != SLUICE_OK) {
        free(url);
        url = NULL;
    }
    free(base);
    free(q);
    return url;
}

size_t sl_buf_write(char *ptr, size_t size, size_t n, void *userdata)
{
    sl_buf *b = userdata;
    size_t add = size * n;
    if (b->len + add + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + add + 1)
            cap *= 2;
        char *p = cap <= SL_HTTP_MAX_BODY ? realloc(b->p, cap) : NULL;
        if (!p) {
            b->full = 1;
            return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, ptr, add);
    b->len += add;
    b->p[b->len] = '\0';
    return add;
}

void sl_buf_free(sl_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->full = 0;
}

size_t sl_headers_write(char *ptr, size_t size, size_t n, void *userdata)
{
    sl_headers *h = userdata;
    size_t len = size * n;
    if (len >= 5 && memcmp(ptr, "HTTP/", 5) == 0)
        sl_headers_clear(h); /* a new response: after 100 Continue, or a proxy's CONNECT answer */
    else if (sl_headers_add_line(h, ptr, len) != 0)
        return 0;
    return len;
}
