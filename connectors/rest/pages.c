/* pages.c - the `rest` source's page loop: fetch, emit the records, work
 * out the next page from the answer (token, URL, Link header, page number
 * or offset), declare the cursor position, repeat. Page-numbered APIs that
 * announce their page count get the following pages `concurrency` at a
 * time through sluice_http_many. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rest.h"

typedef struct loop {
    sluice_ctx *ctx;
    rest_source *src;
    hc_mark mark;
    rest_page_state ps;
    long total;       /* pages (page) or records (offset) announced, -1 unknown */
    int done;
    uint64_t emitted, pages;
} loop;

/* A count from the answer: an integer, or digits in a string or header. */
static long count_of(json_t *v, const char *header)
{
    const char *s = header ? header : json_string_value(v);
    char *end;
    long n;
    if (json_is_integer(v))
        return (long)json_integer_value(v);
    if (s == NULL || *s == '\0')
        return -1;
    n = strtol(s, &end, 10);
    return (*end == '\0' || *end == ' ' || *end == '\r') && n >= 0 ? n : -1;
}

/* The rel="next" target of a Link header (malloc'd), or NULL. */
static char *link_next(const char *h)
{
    while (h != NULL && (h = strchr(h, '<')) != NULL) {
        const char *end = strchr(h, '>'), *params, *stop;
        if (end == NULL)
            return NULL;
        params = end + 1;
        stop = strchr(params, '<');
        size_t plen = stop ? (size_t)(stop - params) : strlen(params);
        char *p = strndup(params, plen);
        int next = p && (strstr(p, "rel=\"next\"") || strstr(p, "rel=next") || strstr(p, " next\"") ||
                         strstr(p, "\"next "));
        free(p);
        if (next)
            return strndup(h + 1, (size_t)(end - h - 1));
        h = end;
    }
    return NULL;
}

/* A next URL from the answer, made absolute: a path takes the scheme and
 * host of the page it came from. */
static char *resolve(const char *next, const char *from, const char *base)
{
    const char *host;
    if (strstr(next, "://") != NULL)
        return strdup(next);
    if (next[0] == '/' && from != NULL && (host = strstr(from, "://")) != NULL) {
        const char *slash = strchr(host + 3, '/');
        size_t n = slash ? (size_t)(slash - from) : strlen(from);
        char *out = malloc(n + strlen(next) + 1);
        if (out != NULL) {
            memcpy(out, from, n);
            memcpy(out + n, next, strlen(next) + 1);
        }
        return out;
    }
    return hc_url_join(base, next);
}

static int set_next_url(loop *l, char *url)
{
    if (url == NULL) {
        l->done = 1;
        return SLUICE_OK;
    }
    if (l->ps.next_url && strcmp(l->ps.next_url, url) == 0) {
        free(url);
        return hc_fail(l->ctx, "pagination does not advance: the next page is again %s", l->ps.next_url);
    }
    free(l->ps.next_url);
    l->ps.next_url = url;
    return SLUICE_OK;
}

static int next_cursor(loop *l, json_t *body)
{
    char tok[1024];
    json_t *v = hc_pointer(body, l->src->cfg.cursor_ptr);
    if (v == NULL || hc_scalar_text(v, tok, sizeof tok) != 0 || tok[0] == '\0') {
        l->done = 1;
        return SLUICE_OK;
    }
    if (l->ps.token && strcmp(l->ps.token, tok) == 0)
        return hc_fail(l->ctx, "pagination does not advance: the answer gives the same cursor \"%s\" again", tok);
    free(l->ps.token);
    l->ps.token = strdup(tok);
    return l->ps.token ? SLUICE_OK : SLUICE_ENOMEM;
}

static void next_counted(loop *l, json_t *body, const sluice_http_response *r, size_t count)
{
    const rest_config *c = &l->src->cfg;
    json_t *tv = c->total_ptr ? hc_pointer(body, c->total_ptr) : NULL;
    const char *th = c->total_header ? sluice_http_header(r, c->total_header) : NULL;
    long total = count_of(tv, th);
    if (total >= 0)
        l->total = total;
    if (count == 0) {
        l->done = 1;
    } else if (c->paging == RP_PAGE) {
        if ((l->total >= 0 && l->ps.page >= c->page_start + l->total - 1) ||
            (l->total < 0 && c->size > 0 && (long)count < c->size))
            l->done = 1;
        l->ps.page++;
    } else {
        l->ps.page += (long)count;
        if ((l->total >= 0 && l->ps.page >= l->total) || (l->total < 0 && (long)count < c->size))
            l->done = 1;
    }
}

static int next_page(loop *l, json_t *body, const sluice_http_response *r, size_t count)
{
    const rest_config *c = &l->src->cfg;
    switch (c->paging) {
    case RP_CURSOR:
        return next_cursor(l, body);
    case RP_NEXT_URL: {
        json_t *v = hc_pointer(body, c->next_ptr);
        const char *s = json_string_value(v);
        return set_next_url(l, s && *s ? resolve(s, r->url, l->src->opt.base_url) : NULL);
    }
    case RP_LINK: {
        const char *h = sluice_http_header(r, "Link");
        char *u = h ? link_next(h) : NULL;
        char *abs = u ? resolve(u, r->url, l->src->opt.base_url) : NULL;
        free(u);
        return set_next_url(l, abs);
    }
    case RP_PAGE:
    case RP_OFFSET:
        next_counted(l, body, r, count);
        return SLUICE_OK;
    default:
        l->done = 1;
        return SLUICE_OK;
    }
}

/* One answer: records out, next page worked out, position declared. */
static int take(loop *l, int rc, const sluice_http_response *r)
{
    const rest_config *c = &l->src->cfg;
    json_t *body = NULL, *records;
    size_t count;
    long n;

    rc = hc_response_json(l->ctx, rc, r, &body);
    if (rc != SLUICE_OK)
        return rc;
    records = body ? hc_pointer(body, c->records) : NULL;
    if (body != NULL && !json_is_array(records)) {
        json_decref(body);
        return hc_fail(l->ctx, "malformed page from %s: no record array at \"%s\"", r->url, c->records);
    }
    count = json_array_size(records); /* 0 for 204 */
    n = records ? hc_emit_array(l->ctx, c->stream, records, &l->mark, r->url, 1) : 0;
    rc = n < 0 ? (int)n : next_page(l, body, r, count);
    json_decref(body);
    if (rc != SLUICE_OK)
        return rc;
    l->emitted += (uint64_t)n;
    l->pages++;
    if (body == NULL)
        l->done = 1;
    if (hc_mark_save(&l->mark, l->done) != 0)
        return SLUICE_ENOMEM;
    return hc_cursor_commit(l->ctx, l->src->cursor);
}

/* How many pages to ask for at once: several only when page numbers are
 * known to exist. */
static long width(const loop *l)
{
    const rest_config *c = &l->src->cfg;
    long left;
    if (c->paging != RP_PAGE || l->total < 0)
        return 1;
    left = c->page_start + l->total - l->ps.page;
    if (left < 1)
        return 1;
    return left < l->src->opt.concurrency ? left : l->src->opt.concurrency;
}

static int round_trip(loop *l)
{
    long k = width(l), i;
    rest_req reqs[64];
    const sluice_http_request *ptrs[64] = {0};
    sluice_http_response *resps[64] = {0};
    int rc = SLUICE_OK, sent;

    for (i = 0; i < k && rc == SLUICE_OK; i++) {
        rest_page_state ps = l->ps;
        ps.page = l->ps.page + i;
        rc = rest_req_build(l->ctx, l->src, &ps, &reqs[i]);
        ptrs[i] = &reqs[i].req;
    }
    if (rc != SLUICE_OK) {
        while (i-- > 1)
            rest_req_free(&reqs[i - 1]);
        return rc;
    }
    sent = k == 1 ? sluice_http_send(l->src->http, ptrs[0], &resps[0])
                  : sluice_http_many(l->src->http, ptrs, (size_t)k, resps);
    for (i = 0; i < k; i++) {
        if (rc == SLUICE_OK && !l->done) {
            int one = sent;
            if (k > 1 && resps[i] != NULL && sent != SLUICE_STOPPED)
                one = (resps[i]->status == 0 || resps[i]->status == 429 || resps[i]->status >= 500) ? SLUICE_RETRY
                                                                                                    : SLUICE_OK;
            rc = take(l, one, resps[i]);
        }
        sluice_http_response_free(resps[i]);
        rest_req_free(&reqs[i]);
    }
    return rc;
}

int rest_fetch(sluice_ctx *ctx, rest_source *src)
{
    const rest_config *c = &src->cfg;
    loop l = {.ctx = ctx, .src = src, .total = -1};
    int rc = SLUICE_OK;

    if (hc_mark_init(&l.mark, src->cursor, c->stream, c->incremental ? c->inc_field : NULL, c->id_field,
                     c->inc_ordered) != 0)
        rc = SLUICE_ENOMEM;
    l.ps.page = c->paging == RP_PAGE ? c->page_start : 0;
    if (c->incremental && !src->opt.full)
        l.ps.since = hc_mark_since(&l.mark) ? hc_mark_since(&l.mark) : c->inc_start;
    else if (c->incremental)
        l.ps.since = c->inc_start;
    while (rc == SLUICE_OK && !l.done) {
        if (sluice_should_stop(ctx))
            rc = SLUICE_STOPPED;
        else
            rc = round_trip(&l);
    }
    if (rc == SLUICE_OK)
        sluice_info(ctx, "%s: %llu records in %llu pages%s", c->stream, (unsigned long long)l.emitted,
                    (unsigned long long)l.pages, l.mark.skipped ? " (boundary duplicates skipped)" : "");
    free(l.ps.next_url);
    free(l.ps.token);
    hc_mark_fini(&l.mark);
    return rc;
}
