/* http_resp.c - responses as plugins see them: body, status, headers, the
 * redacted URL, and the JSON view of the body. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "batch.h" /* sl_host_table */
#include "http_int.h"
#include "http_redact.h"

int sl_headers_add_line(sl_headers *h, const char *line, size_t len)
{
    const char *colon = memchr(line, ':', len);
    if (!colon || colon == line)
        return 0;
    const char *v = colon + 1, *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && isspace((unsigned char)end[-1]))
        end--;
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 16;
        sl_hdr *nv = realloc(h->v, cap * sizeof *nv);
        if (!nv)
            return -1;
        h->v = nv;
        h->cap = cap;
    }
    char *name = strndup(line, (size_t)(colon - line));
    char *value = strndup(v, (size_t)(end - v));
    if (!name || !value) {
        free(name);
        free(value);
        return -1;
    }
    h->v[h->n].name = name;
    h->v[h->n].value = value;
    h->n++;
    return 0;
}

const char *sl_headers_get(const sl_headers *h, const char *name)
{
    for (size_t i = 0; name && i < h->n; i++)
        if (strcasecmp(h->v[i].name, name) == 0)
            return h->v[i].value;
    return NULL;
}

void sl_headers_clear(sl_headers *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->v[i].name);
        free(h->v[i].value);
    }
    free(h->v);
    h->v = NULL;
    h->n = h->cap = 0;
}

sl_resp *sl_resp_new(const char *url)
{
    sl_resp *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->priv.host = &sl_host_table;
    r->pub.priv = &r->priv;
    r->pub.body = strdup("");
    r->pub.url = sl_redact_dup(url ? url : "");
    if (!r->pub.body || !r->pub.url) {
        sl_http_response_free(&r->pub);
        return NULL;
    }
    return r;
}

void sl_resp_set_error(sl_resp *r, const char *msg)
{
    free(r->pub.error);
    r->pub.error = msg ? sl_redact_dup(msg) : NULL;
}

void sl_http_response_free(sluice_http_response *pub)
{
    if (!pub)
        return;
    sl_resp *r = (sl_resp *)pub; /* pub is the first member */
    free(pub->body);
    free(pub->url);
    free(pub->error);
    sl_headers_clear(&r->priv.headers);
    free(r);
}

const char *sl_http_header(const sluice_http_response *pub, const char *name)
{
    if (!pub || !pub->priv)
        return NULL;
    return sl_headers_get(&((const sl_resp_priv *)pub->priv)->headers, name);
}

json_t *sl_http_json(const sluice_http_response *r, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!r)
        return NULL;
    json_error_t jerr;
    json_t *j = json_loadb(r->body ? r->body : "", r->body ? r->body_len : 0, JSON_DECODE_ANY, &jerr);
    if (!j && err && errlen)
        snprintf(err, errlen, "invalid JSON in the response of %s at line %d column %d: %s",
                 r->url ? r->url : "?", jerr.line, jerr.column, jerr.text);
    if (!j && err && errlen)
        sl_redact_inplace(err, errlen); /* jansson quotes the body near the error */
    return j;
}
