/* stream.c - one HubSpot object's pages: the listing (GET, paging.next.after)
 * or the incremental search (POST .../search, ascending on the modification
 * property, restarted from the newest timestamp before the 10 000-results
 * cap), each page emitted and followed by the cursor position. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hubspot.h"

#define HS_SEARCH_MAX_LIMIT 200

struct hs_stream {
    hc_task task;            /* first: hc_run_tasks sees only this */
    hs_source *src;          /* borrowed */
    const hs_object *obj;
    hc_mark mark;
    int search;              /* POST .../search from the watermark */
    char *url;               /* owned: the list or search URL */
    char *after;             /* owned: the next page's token, NULL on the first page */
    int finished;            /* the last page was handled */
    hc_strv query;           /* list: query of the pending request */
    char *body;              /* search: body of the pending request (owned) */
    json_t *props;           /* owned: property names */
    json_t *lower;           /* owned: search lower bound (a cursor value) */
    long in_query;           /* results read by the current search query */
    long limit;              /* page size */
    uint64_t emitted;
    uint64_t pages;
};

int hs_stream_searches(const hs_stream *s) { return s->search; }
hc_task *hs_stream_task(hs_stream *s) { return &s->task; }

/* The configured properties of the object, or its defaults. */
static json_t *properties_of(hs_source *src, const hs_object *obj)
{
    json_t *set = json_object_get(src->properties, obj->name);
    json_t *out;
    if (json_is_array(set))
        return json_deep_copy(set);
    out = json_array();
    for (const char *const *p = obj->props; out && *p; p++)
        json_array_append_new(out, json_string(*p));
    return out;
}

static char *join_props(json_t *props)
{
    size_t i, n = 1;
    json_t *v;
    char *out;
    json_array_foreach(props, i, v) n += json_string_length(v) + 1;
    out = calloc(1, n);
    if (out == NULL)
        return NULL;
    json_array_foreach(props, i, v) {
        if (i > 0)
            strcat(out, ",");
        strcat(out, json_string_value(v));
    }
    return out;
}

static int list_request(hs_stream *s, sluice_http_request *req)
{
    char limit[32], *props = join_props(s->props);
    int bad;
    if (props == NULL)
        return SLUICE_ENOMEM;
    snprintf(limit, sizeof limit, "%ld", s->limit);
    hc_strv_clear(&s->query);
    bad = hc_strv_pair(&s->query, "limit", limit) || hc_strv_pair(&s->query, "archived", "false") ||
          (*props && hc_strv_pair(&s->query, "properties", props)) ||
          (s->after && hc_strv_pair(&s->query, "after", s->after));
    free(props);
    if (bad)
        return SLUICE_ENOMEM;
    req->url = s->url;
    req->query = hc_strv_items(&s->query);
    return 1;
}

/* The watermark as epoch milliseconds, the form the search filter takes. */
static int lower_ms(hs_stream *s, sluice_ctx *ctx, char *buf, size_t n)
{
    char text[128];
    int64_t ms;
    if (hc_scalar_text(s->lower, text, sizeof text) != 0 || hc_time_parse(text, &ms) != 0)
        return hc_fail(ctx, "%s: the cursor's watermark is not a timestamp; run `sluice state reset`",
                       s->obj->name);
    snprintf(buf, n, "%lld", (long long)ms);
    return SLUICE_OK;
}

static int search_request(hs_stream *s, sluice_ctx *ctx, sluice_http_request *req)
{
    char ms[32];
    json_t *body;
    if (lower_ms(s, ctx, ms, sizeof ms) != SLUICE_OK)
        return SLUICE_ERROR;
    body = json_pack("{s:[{s:[{s:s,s:s,s:s}]}],s:[{s:s,s:s}],s:O,s:I}", "filterGroups", "filters",
                     "propertyName", s->obj->modified_prop, "operator", "GTE", "value", ms, "sorts",
                     "propertyName", s->obj->modified_prop, "direction", "ASCENDING", "properties", s->props,
                     "limit", (json_int_t)s->limit);
    if (body == NULL || (s->after && json_object_set_new(body, "after", json_string(s->after)) != 0)) {
        json_decref(body);
        return SLUICE_ENOMEM;
    }
    free(s->body);
    s->body = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    if (s->body == NULL)
        return SLUICE_ENOMEM;
    req->method = "POST";
    req->url = s->url;
    req->body = s->body;
    req->body_len = strlen(s->body);
    req->content_type = "application/json";
    return 1;
}

static int next_request(hc_task *t, sluice_ctx *ctx, sluice_http_request *req)
{
    hs_stream *s = (hs_stream *)t;
    if (s->finished)
        return 0;
    return s->search ? search_request(s, ctx, req) : list_request(s, req);
}

/* Before the search would page past its cap, start a new query from the
 * newest timestamp delivered; its ids keep the overlap from repeating. */
static int maybe_restart(hs_stream *s, sluice_ctx *ctx)
{
    long cap = s->src->search_cap;
    if (!s->search || s->after == NULL || s->in_query + s->limit <= cap)
        return SLUICE_OK;
    if (hc_value_cmp(s->mark.max, s->lower) <= 0)
        return hc_fail(ctx, "%s: more than %ld records share %s %s; the search cannot page past them",
                       s->obj->name, cap - s->limit, s->obj->modified_prop, json_string_value(s->lower));
    if (hc_mark_rebase(&s->mark) != 0)
        return SLUICE_ENOMEM;
    json_decref(s->lower);
    s->lower = json_deep_copy(s->mark.since);
    free(s->after);
    s->after = NULL;
    s->in_query = 0;
    sluice_debug(ctx, "%s: search restarted from %s to stay under the %ld-result cap", s->obj->name,
                 json_string_value(s->lower) ? json_string_value(s->lower) : "?", cap);
    return s->lower ? SLUICE_OK : SLUICE_ENOMEM;
}

/* paging.next.after, or NULL on the last page (HubSpot leaves `paging` out). */
static int next_token(hs_stream *s, json_t *body)
{
    char tok[512];
    json_t *after = hc_pointer(body, "/paging/next/after");
    free(s->after);
    s->after = NULL;
    if (after == NULL || hc_scalar_text(after, tok, sizeof tok) != 0 || *tok == '\0')
        return 0;
    s->after = strdup(tok);
    return s->after ? 1 : -1;
}

static int handle_page(hc_task *t, sluice_ctx *ctx, int rc, sluice_http_response *r)
{
    hs_stream *s = (hs_stream *)t;
    json_t *body = NULL, *results;
    long n;
    int more;

    rc = hc_response_json(ctx, rc, r, &body);
    if (rc != SLUICE_OK)
        return rc;
    results = hc_pointer(body, "/results");
    if (!json_is_array(results)) {
        json_decref(body);
        return hc_fail(ctx, "malformed page from %s: no \"results\" array", r->url);
    }
    s->pages++;
    s->in_query += (long)json_array_size(results);
    n = hc_emit_array(ctx, s->obj->name, results, &s->mark, r->url, 1);
    more = n >= 0 ? next_token(s, body) : 0;
    json_decref(body);
    if (n < 0)
        return (int)n;
    if (more < 0)
        return SLUICE_ENOMEM;
    s->emitted += (uint64_t)n;
    s->finished = !more;
    if (hc_mark_save(&s->mark, s->finished) != 0)
        return SLUICE_ENOMEM;
    rc = hc_cursor_commit(ctx, s->src->cursor);
    if (rc != SLUICE_OK)
        return rc;
    return s->finished ? SLUICE_OK : maybe_restart(s, ctx);
}

hs_stream *hs_stream_new(hs_source *src, const hs_object *obj)
{
    hs_stream *s = calloc(1, sizeof *s);
    char path[128];
    if (s == NULL)
        return NULL;
    s->task.next = next_request;
    s->task.handle = handle_page;
    s->src = src;
    s->obj = obj;
    /* updatedAt mirrors the modification property and is in every record,
     * whatever properties are selected */
    if (hc_mark_init(&s->mark, src->cursor, obj->name, "/updatedAt", "/id", 1) != 0)
        goto fail;
    s->search = hc_mark_since(&s->mark) != NULL;
    /* a listing comes in id order: its watermark is only safe once complete */
    s->mark.ordered = s->search;
    s->lower = s->search ? json_deep_copy(hc_mark_since(&s->mark)) : NULL;
    s->props = properties_of(src, obj);
    s->limit = (long)src->opt.page_size;
    if (s->search && s->limit > HS_SEARCH_MAX_LIMIT)
        s->limit = HS_SEARCH_MAX_LIMIT;
    snprintf(path, sizeof path, "/crm/v3/objects/%s%s", obj->name, s->search ? "/search" : "");
    s->url = hc_url_join(src->opt.base_url, path);
    if (s->props == NULL || s->url == NULL || (s->search && s->lower == NULL))
        goto fail;
    return s;
fail:
    hs_stream_free(s);
    return NULL;
}

void hs_stream_report(sluice_ctx *ctx, const hs_stream *s)
{
    sluice_info(ctx, "%s: %llu records in %llu pages (%s)%s", s->obj->name, (unsigned long long)s->emitted,
                (unsigned long long)s->pages, s->search ? "changed since the last run" : "full listing",
                s->mark.skipped ? ", boundary duplicates skipped" : "");
}

void hs_stream_free(hs_stream *s)
{
    if (s == NULL)
        return;
    hc_mark_fini(&s->mark);
    free(s->url);
    free(s->after);
    free(s->body);
    hc_strv_free(&s->query);
    json_decref(s->props);
    json_decref(s->lower);
    free(s);
}
