/* stream.c - one amoCRM object's pages: GET /api/v4/<object>?page=N,
 * ordered by updated_at so the watermark can advance page by page, until a
 * page without _links.next or a 204. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amocrm.h"

struct amo_stream {
    hc_task task;       /* first: hc_run_tasks sees only this */
    amo_source *src;    /* borrowed */
    char *object;       /* owned: the object, the stream and the _embedded key */
    char *url;          /* owned */
    hc_mark mark;
    hc_strv query;      /* the pending request's query */
    long page;          /* next page to ask for, from 1 */
    int finished;
    uint64_t emitted;
};

hc_task *amo_stream_task(amo_stream *s) { return &s->task; }

static int next_request(hc_task *t, sluice_ctx *ctx, sluice_http_request *req)
{
    amo_stream *s = (amo_stream *)t;
    json_t *since = hc_mark_since(&s->mark);
    const char *with = json_string_value(json_object_get(s->src->with, s->object));
    char since_text[64];
    int bad;

    if (s->finished)
        return 0;
    hc_strv_clear(&s->query);
    bad = hc_strv_add(&s->query, "page") || hc_strv_addf(&s->query, "%ld", s->page) ||
          hc_strv_add(&s->query, "limit") || hc_strv_addf(&s->query, "%lld", s->src->opt.page_size) ||
          hc_strv_pair(&s->query, "order[updated_at]", "asc") || (with && hc_strv_pair(&s->query, "with", with));
    if (!bad && since) {
        if (hc_scalar_text(since, since_text, sizeof since_text) != 0)
            return hc_fail(ctx, "%s: the cursor's watermark is not a timestamp; run `sluice state reset`",
                           s->object);
        bad = hc_strv_pair(&s->query, "filter[updated_at][from]", since_text);
    }
    if (bad)
        return SLUICE_ENOMEM;
    req->url = s->url;
    req->query = hc_strv_items(&s->query);
    return 1;
}

static int handle_page(hc_task *t, sluice_ctx *ctx, int rc, sluice_http_response *r)
{
    amo_stream *s = (amo_stream *)t;
    json_t *body = NULL, *records;
    char ptr[160];
    long n = 0;

    rc = hc_response_json(ctx, rc, r, &body);
    if (rc != SLUICE_OK)
        return rc;
    if (body != NULL) { /* NULL: 204, nothing (more) to read */
        snprintf(ptr, sizeof ptr, "/_embedded/%s", s->object);
        records = hc_pointer(body, ptr);
        if (!json_is_array(records)) {
            json_decref(body);
            return hc_fail(ctx, "malformed page from %s: no \"_embedded.%s\" array", r->url, s->object);
        }
        n = hc_emit_array(ctx, s->object, records, &s->mark, r->url, 1);
        s->finished = hc_pointer(body, "/_links/next/href") == NULL || json_array_size(records) == 0;
        json_decref(body);
        if (n < 0)
            return (int)n;
    } else {
        s->finished = 1;
    }
    s->emitted += (uint64_t)n;
    s->page++;
    if (hc_mark_save(&s->mark, s->finished) != 0)
        return SLUICE_ENOMEM;
    return hc_cursor_commit(ctx, s->src->cursor);
}

amo_stream *amo_stream_new(amo_source *src, const char *object)
{
    amo_stream *s = calloc(1, sizeof *s);
    char path[128];
    if (s == NULL)
        return NULL;
    s->task.next = next_request;
    s->task.handle = handle_page;
    s->src = src;
    s->page = 1;
    s->object = strdup(object);
    snprintf(path, sizeof path, "/api/v4/%s", object);
    s->url = hc_url_join(src->base_url, path);
    if (s->object == NULL || s->url == NULL ||
        hc_mark_init(&s->mark, src->cursor, object, "/updated_at", "/id", 1) != 0) {
        amo_stream_free(s);
        return NULL;
    }
    return s;
}

void amo_stream_report(sluice_ctx *ctx, const amo_stream *s)
{
    sluice_info(ctx, "%s: %llu records in %ld pages (%s)", s->object, (unsigned long long)s->emitted,
                s->page - 1, hc_mark_since(&s->mark) ? "updated since the last run" : "all");
}

void amo_stream_free(amo_stream *s)
{
    if (s == NULL)
        return;
    hc_mark_fini(&s->mark);
    hc_strv_free(&s->query);
    free(s->object);
    free(s->url);
    free(s);
}
