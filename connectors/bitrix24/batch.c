/* batch.c - list calls packed into batch.json requests: up to 50 commands
 * each, one unit of the rate limit. A round gives every unfinished stream
 * its next page; a stream whose `total` is known gets its remaining pages
 * in the same round, as far as the 50 commands go. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitrix24.h"

typedef struct bx_cmd {
    bx_stream *stream; /* borrowed */
    long start;
} bx_cmd;

/* "crm.deal.list?order%5BID%5D=ASC&...&start=50" (malloc'd). */
static char *command_text(const bx_stream *s, long start)
{
    size_t cap = strlen(s->obj->method) + 32, len;
    char **enc = calloc(s->params.n ? s->params.n : 1, sizeof *enc);
    char *out = NULL;
    size_t i;
    int ok = enc != NULL;
    for (i = 0; ok && i < s->params.n; i++) {
        enc[i] = hc_urlencode(s->params.v[i]);
        ok = enc[i] != NULL;
        if (ok)
            cap += strlen(enc[i]) + 1;
    }
    if (ok && (out = malloc(cap)) != NULL) {
        len = (size_t)snprintf(out, cap, "%s?", s->obj->method);
        for (i = 0; i + 1 < s->params.n; i += 2)
            len += (size_t)snprintf(out + len, cap - len, "%s=%s&", enc[i], enc[i + 1]);
        snprintf(out + len, cap - len, "start=%ld", start);
    }
    for (i = 0; enc && i < s->params.n; i++)
        free(enc[i]);
    free(enc);
    return out;
}

/* Fills cmds for one round; returns how many. */
static size_t plan(bx_stream *streams, size_t n, bx_cmd *cmds)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k < BX_BATCH_MAX; i++)
        if (!streams[i].finished)
            cmds[k++] = (bx_cmd){&streams[i], streams[i].next_start};
    for (size_t i = 0; i < n && k < BX_BATCH_MAX; i++) {
        bx_stream *s = &streams[i];
        for (long st = s->next_start + BX_PAGE; !s->finished && st < s->total && k < BX_BATCH_MAX; st += BX_PAGE)
            cmds[k++] = (bx_cmd){s, st};
    }
    return k;
}

/* {"halt": 1, "cmd": {"c0": "...", ...}} as text (malloc'd). */
static char *batch_body(const bx_cmd *cmds, size_t k)
{
    json_t *cmd = json_object(), *body;
    char key[16], *text = NULL;
    int ok = cmd != NULL;
    for (size_t i = 0; ok && i < k; i++) {
        char *c = command_text(cmds[i].stream, cmds[i].start);
        snprintf(key, sizeof key, "c%zu", i);
        ok = c != NULL && json_object_set_new(cmd, key, json_string(c)) == 0;
        free(c);
    }
    body = ok ? json_pack("{s:i,s:O}", "halt", 1, "cmd", cmd) : NULL;
    if (body != NULL)
        text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    json_decref(cmd);
    return text;
}

/* An error a command reported inside a successful batch answer. */
static int command_error(sluice_ctx *ctx, const bx_cmd *c, json_t *err, const char *url)
{
    const char *code = json_string_value(json_object_get(err, "error"));
    const char *desc = json_string_value(json_object_get(err, "error_description"));
    if (code == NULL && json_is_string(err))
        code = json_string_value(err);
    return hc_fail(ctx, "%s (start %ld) failed in %s: %s%s%s", c->stream->obj->method, c->start, url,
                   code && *code ? code : "error", desc ? ": " : "", desc ? desc : "");
}

/* Hands every command's page to its stream, in order. */
static int take_answer(sluice_ctx *ctx, bx_source *src, const bx_cmd *cmds, size_t k, json_t *body,
                       const char *url)
{
    json_t *res = hc_pointer(body, "/result/result"), *errs = hc_pointer(body, "/result/result_error");
    json_t *nexts = hc_pointer(body, "/result/result_next"), *totals = hc_pointer(body, "/result/result_total");
    char key[16], origin[1024];
    int rc;

    if (!json_is_object(res) && !json_is_array(res))
        return hc_fail(ctx, "malformed page from %s: no \"result.result\" in the batch answer", url);
    for (size_t i = 0; i < k; i++) {
        bx_stream *s = cmds[i].stream;
        json_t *page;
        snprintf(key, sizeof key, "c%zu", i);
        if (s->finished || cmds[i].start != s->next_start)
            continue; /* past the end, found by an earlier page of this batch */
        if (json_object_get(errs, key) != NULL)
            return command_error(ctx, &cmds[i], json_object_get(errs, key), url);
        page = json_object_get(res, key);
        if (page == NULL)
            return hc_fail(ctx, "malformed page from %s: no result for %s (start %ld)", url, s->obj->method,
                           cmds[i].start);
        /* which list call of the batch the records came from */
        snprintf(origin, sizeof origin, "%s#%s", url, s->obj->method);
        rc = bx_stream_page(s, ctx, page, json_object_get(nexts, key), json_object_get(totals, key), origin);
        if (rc != SLUICE_OK)
            return rc;
    }
    return hc_cursor_commit(ctx, src->cursor);
}

int bx_run_batch(sluice_ctx *ctx, bx_source *src, bx_stream *streams, size_t n)
{
    bx_cmd cmds[BX_BATCH_MAX];
    char *url = hc_url_join(src->base, "batch.json");
    int rc = url ? SLUICE_OK : SLUICE_ENOMEM;

    while (rc == SLUICE_OK && !sluice_should_stop(ctx)) {
        size_t k = plan(streams, n, cmds);
        sluice_http_request req = {.struct_size = sizeof req, .method = "POST", .url = url};
        sluice_http_response *r = NULL;
        json_t *body = NULL;
        char *text;
        if (k == 0)
            break;
        text = batch_body(cmds, k);
        if (text == NULL) {
            rc = SLUICE_ENOMEM;
            break;
        }
        req.body = text;
        req.body_len = strlen(text);
        req.content_type = "application/json";
        rc = hc_fetch_json(ctx, src->http, &req, &r, &body);
        if (rc == SLUICE_OK)
            rc = take_answer(ctx, src, cmds, k, body, r->url);
        json_decref(body);
        sluice_http_response_free(r);
        free(text);
    }
    free(url);
    return rc;
}
