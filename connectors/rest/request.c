/* request.c - one page's request from the declarative options and the page
 * state: URL, query, headers and body, with the incremental lower bound and
 * the pagination parameters put where the options say. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rest.h"

void rest_req_free(rest_req *r)
{
    free(r->url);
    hc_strv_free(&r->query);
    hc_strv_free(&r->headers);
    free(r->body);
    memset(r, 0, sizeof *r);
}

/* One token of a pointer ("/a/b" or "a.b") starting at *p, unescaped. */
static int token_at(const char **p, char sep, char *tok, size_t n)
{
    size_t j = 0;
    if (**p != sep)
        return 0;
    for ((*p)++; **p && **p != sep; (*p)++) {
        char c = **p;
        if (sep == '/' && c == '~' && ((*p)[1] == '0' || (*p)[1] == '1'))
            c = *++(*p) == '0' ? '~' : '/';
        if (j + 1 < n)
            tok[j++] = c;
    }
    tok[j] = '\0';
    return 1;
}

int rest_pointer_set(json_t *doc, const char *ptr, json_t *value)
{
    char tok[256], dotted[512];
    const char *p = ptr;
    char sep = '/';
    json_t *cur = doc;
    if (*ptr != '/') {
        snprintf(dotted, sizeof dotted, ".%s", ptr);
        p = dotted;
        sep = '.';
    }
    while (token_at(&p, sep, tok, sizeof tok)) {
        int last = *p == '\0';
        if (json_is_array(cur)) {
            char *end;
            unsigned long idx = strtoul(tok, &end, 10);
            if (*end || idx >= json_array_size(cur))
                return -1;
            if (last)
                return json_array_set(cur, idx, value);
            cur = json_array_get(cur, idx);
        } else if (json_is_object(cur)) {
            json_t *next = json_object_get(cur, tok);
            if (last)
                return json_object_set(cur, tok, value);
            if (next == NULL) {
                next = json_object();
                if (json_object_set_new(cur, tok, next) != 0)
                    return -1;
            }
            cur = next;
        } else {
            return -1;
        }
    }
    return -1;
}

/* The lower bound as the API wants it written: as the records had it
 * ("raw"), or re-formatted as a timestamp, moved back by lookback_s for an
 * API that filters with ">" (the boundary records come again and are
 * skipped by id). New reference, NULL on failure (reported). */
static json_t *since_value(sluice_ctx *ctx, const rest_config *c, json_t *since)
{
    char text[128], out[128];
    int64_t ms;
    if (strcmp(c->inc_format, "raw") == 0)
        return json_deep_copy(since);
    if (hc_scalar_text(since, text, sizeof text) != 0 || hc_time_parse(text, &ms) != 0) {
        hc_fail(ctx, "incremental: cannot read the cursor value \"%s\" as a timestamp for format %s; "
                     "use \"format\": \"raw\" or `sluice state reset`", text, c->inc_format);
        return NULL;
    }
    ms -= (int64_t)(c->inc_lookback_s * 1000);
    if (hc_time_format(ms, c->inc_format, out, sizeof out) != 0) {
        hc_fail(ctx, "incremental.format: cannot format a timestamp as \"%s\"", c->inc_format);
        return NULL;
    }
    return json_string(out);
}

static int add_param(hc_strv *q, const char *name, json_t *v)
{
    char text[512];
    size_t i;
    json_t *item;
    if (json_is_array(v)) {
        json_array_foreach(v, i, item) if (add_param(q, name, item) != 0) return -1;
        return 0;
    }
    if (hc_scalar_text(v, text, sizeof text) != 0)
        return -1;
    return hc_strv_pair(q, name, text);
}

static int build_query(const rest_source *src, const rest_page_state *ps, json_t *since, rest_req *r)
{
    const rest_config *c = &src->cfg;
    const char *key;
    json_t *v;
    char num[32];
    int bad = 0;
    json_object_foreach(c->query, key, v) bad = bad || add_param(&r->query, key, v);
    if (since && c->inc_param)
        bad = bad || add_param(&r->query, c->inc_param, since);
    if (c->paging == RP_CURSOR && c->cursor_param && ps->token)
        bad = bad || hc_strv_pair(&r->query, c->cursor_param, ps->token);
    if (c->paging == RP_PAGE || c->paging == RP_OFFSET) {
        snprintf(num, sizeof num, "%ld", ps->page);
        bad = bad || hc_strv_pair(&r->query, c->page_param, num);
        snprintf(num, sizeof num, "%ld", c->size);
        bad = bad || (c->size_param && hc_strv_pair(&r->query, c->size_param, num));
    }
    return bad ? -1 : 0;
}

static int build_body(const rest_source *src, const rest_page_state *ps, json_t *since, rest_req *r)
{
    const rest_config *c = &src->cfg;
    json_t *body;
    int bad = 0;
    if (c->body == NULL && !((since && c->inc_body) || (ps->token && c->cursor_body)))
        return 0;
    body = c->body ? json_deep_copy(c->body) : json_object();
    if (body == NULL)
        return -1;
    if (since && c->inc_body)
        bad = rest_pointer_set(body, c->inc_body, since) != 0;
    if (!bad && ps->token && c->cursor_body) {
        json_t *tok = json_string(ps->token);
        bad = rest_pointer_set(body, c->cursor_body, tok) != 0;
        json_decref(tok);
    }
    if (!bad)
        r->body = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(body);
    return bad || r->body == NULL ? -1 : 0;
}

int rest_req_build(sluice_ctx *ctx, const rest_source *src, const rest_page_state *ps, rest_req *r)
{
    const rest_config *c = &src->cfg;
    json_t *since = NULL, *v;
    const char *key;
    int bad = 0;

    memset(r, 0, sizeof *r);
    if (ps->since != NULL && (since = since_value(ctx, c, ps->since)) == NULL)
        return SLUICE_ERROR;
    /* a followed URL already carries the query (and any filter) */
    if (ps->next_url != NULL) {
        r->url = strdup(ps->next_url);
    } else {
        r->url = hc_url_join(src->opt.base_url, c->url);
        bad = r->url == NULL || build_query(src, ps, since, r) != 0;
    }
    bad = bad || r->url == NULL || build_body(src, ps, since, r) != 0;
    json_object_foreach(c->headers, key, v) bad = bad || hc_strv_addf(&r->headers, "%s: %s", key, json_string_value(v));
    json_decref(since);
    if (bad) {
        rest_req_free(r);
        return hc_fail(ctx, "cannot build the request for %s (out of memory, or a body_field that does not fit the body)",
                       c->url);
    }
    r->req.struct_size = sizeof r->req;
    r->req.method = c->method;
    r->req.url = r->url;
    r->req.query = hc_strv_items(&r->query);
    r->req.headers = hc_strv_items(&r->headers);
    r->req.body = r->body;
    r->req.body_len = r->body ? strlen(r->body) : 0;
    return SLUICE_OK;
}
