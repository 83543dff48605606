/* single.c - one list call per request ("batch": false): every stream is an
 * hc_task asking GET <method>.json?start=N, streams fetched side by side. */
#include <stdio.h>

#include "bitrix24.h"

static int next_request(hc_task *t, sluice_ctx *ctx, sluice_http_request *req)
{
    bx_stream *s = (bx_stream *)t;
    int bad = 0;
    if (s->finished)
        return 0;
    hc_strv_clear(&s->query);
    for (size_t i = 0; i < s->params.n; i++)
        bad = bad || hc_strv_add(&s->query, s->params.v[i]);
    if (bad || hc_strv_add(&s->query, "start") || hc_strv_addf(&s->query, "%ld", s->next_start))
        return SLUICE_ENOMEM;
    req->url = s->url;
    req->query = hc_strv_items(&s->query);
    return 1;
}

static int handle_page(hc_task *t, sluice_ctx *ctx, int rc, sluice_http_response *r)
{
    bx_stream *s = (bx_stream *)t;
    json_t *body = NULL;
    rc = hc_response_json(ctx, rc, r, &body);
    if (rc != SLUICE_OK)
        return rc;
    rc = bx_stream_page(s, ctx, json_object_get(body, "result"), json_object_get(body, "next"),
                        json_object_get(body, "total"), r->url);
    json_decref(body);
    if (rc != SLUICE_OK)
        return rc;
    return hc_cursor_commit(ctx, s->src->cursor);
}

int bx_run_single(sluice_ctx *ctx, bx_source *src, bx_stream *streams, size_t n)
{
    hc_task *tasks[16];
    if (n > sizeof tasks / sizeof tasks[0])
        return hc_fail(ctx, "too many objects");
    for (size_t i = 0; i < n; i++) {
        streams[i].task.next = next_request;
        streams[i].task.handle = handle_page;
        tasks[i] = &streams[i].task;
    }
    return hc_run_tasks(ctx, src->http, tasks, n, src->opt.concurrency);
}
