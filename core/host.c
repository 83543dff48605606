/* host.c - the sluice_host table: everything a plugin can ask of the core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "http_redact.h"
#include "http.h"
#include "intern.h"
#include "log.h"

static void h_logv(sluice_ctx *ctx, int level, const char *fmt, va_list ap)
{
    sl_logv(level, ctx->st->cfg->id, fmt, ap);
}

static const char *h_stage_id(sluice_ctx *ctx) { return ctx->st->cfg->id; }

static json_t *h_option(sluice_ctx *ctx, const char *name)
{
    return name ? json_object_get(ctx->st->cfg->options, name) : NULL;
}

static int h_should_stop(sluice_ctx *ctx) { return atomic_load(&ctx->e->stopping); }

/* The text explains the next failing return code (or a SLUICE_REJECTED
 * batch); the engine turns it into the stage's error or a reject reason. */
static void h_set_error(sluice_ctx *ctx, const char *msg)
{
    free(ctx->last_error);
    ctx->last_error = msg ? sl_redact_dup(msg) : NULL; /* it ends up in logs and dead letters */
}

/* The stream name interned, with a one-entry cache: sources emit the same
 * stream (usually the same pointer) over and over. */
static const char *stream_of(sluice_ctx *ctx, const char *stream)
{
    if (!stream)
        stream = ctx->st->cfg->id;
    /* compare the text, not the pointer: a plugin may reuse one buffer */
    if (ctx->stream_val && strcmp(stream, ctx->stream_val) == 0)
        return ctx->stream_val;
    ctx->stream_val = sl_intern(stream);
    return ctx->stream_val;
}

static const char *origin_of(sluice_ctx *ctx, const char *origin)
{
    if (!origin)
        return NULL;
    if (origin == ctx->origin_val || (ctx->origin_val && strcmp(origin, ctx->origin_val) == 0))
        return ctx->origin_val;
    ctx->origin_val = sl_intern(origin);
    return ctx->origin_val;
}

static int ensure_batch(sluice_ctx *ctx)
{
    if (ctx->cur)
        return 0;
    sl_stage *st = ctx->st;
    ctx->cur = sl_batch_new((uint32_t)st->idx, st->cfg->id, ctx->e->cfg->batch_size);
    ctx->cur_started_ms = sl_now_ms();
    return ctx->cur ? 0 : -1;
}

/* Sends the batch when it is full, large, or has waited long enough. */
static int after_emit(sluice_ctx *ctx)
{
    sluice_batch *b = ctx->cur;
    int due = b->n >= ctx->e->cfg->batch_size || b->raw_len >= SL_BATCH_BYTES;
    if (!due && (++ctx->tick & 63) == 0)
        due = sl_now_ms() - ctx->cur_started_ms >= SL_FLUSH_MS;
    if (due && sl_producer_send(ctx) != 0)
        return SLUICE_ERROR;
    return atomic_load(&ctx->e->stopping) ? SLUICE_STOPPED : SLUICE_OK;
}

static int h_emit_at(sluice_ctx *ctx, const char *stream, json_t *record, const char *origin, uint64_t line)
{
    if (ctx->worker != -1 || !json_is_object(record)) {
        sl_log(SLUICE_LOG_ERROR, ctx->st->cfg->id, "plugin bug: emit() %s",
               ctx->worker != -1 ? "outside a source's run()" : "of a value that is not a JSON object");
        json_decref(record);
        return SLUICE_EINVAL;
    }
    const char *s = stream_of(ctx, stream);
    if (!s || ensure_batch(ctx) != 0 || sl_batch_push(ctx->cur, s, record, origin_of(ctx, origin), line) != 0)
        return SLUICE_ENOMEM;
    return after_emit(ctx);
}

static int h_emit(sluice_ctx *ctx, const char *stream, json_t *record)
{
    return h_emit_at(ctx, stream, record, NULL, 0);
}

static int h_emit_json(sluice_ctx *ctx, const char *stream, const char *text, size_t len,
                       const char *origin, uint64_t line)
{
    if (ctx->worker != -1 || !text) {
        sl_log(SLUICE_LOG_ERROR, ctx->st->cfg->id, "plugin bug: emit_json() outside a source's run()");
        return SLUICE_EINVAL;
    }
    const char *s = stream_of(ctx, stream);
    if (!s || ensure_batch(ctx) != 0)
        return SLUICE_ENOMEM;
    if (sl_batch_push_raw(ctx->cur, s, text, len, origin_of(ctx, origin), line) != 0)
        return SLUICE_ENOMEM;
    return after_emit(ctx);
}

void sl_count_reject(sl_engine *e)
{
    unsigned long long n = atomic_fetch_add(&e->rejects, 1) + 1;
    long long max = e->cfg->max_errors;
    if (max >= 0 && n > (unsigned long long)max && !atomic_exchange(&e->max_errors_hit, 1)) {
        sl_log(SLUICE_LOG_ERROR, NULL, "more than max_errors (%lld) records rejected: stopping the run", max);
        atomic_store(&e->failed, 1);
        atomic_store(&e->stopping, 1);
    }
}

static int h_reject(sluice_ctx *ctx, const char *stream, const char *raw, size_t len,
                    const char *origin, uint64_t line, const char *reason)
{
    sl_stage *st = ctx->st;
    atomic_fetch_add(&st->c.in, 1);
    atomic_fetch_add(&st->c.dead, 1);
    int rc = sl_dlq_write(ctx->e->dlq, st->cfg->id, st->cfg->id, stream ? stream : st->cfg->id,
                          origin, line, reason, NULL, raw ? raw : "", raw ? len : 0);
    if (rc != 0)
        sl_stage_fail(st, ctx->e, "cannot write the dead-letter file");
    sl_count_reject(ctx->e);
    return rc == 0 ? (atomic_load(&ctx->e->stopping) ? SLUICE_STOPPED : SLUICE_OK) : SLUICE_EIO;
}

static int h_flush(sluice_ctx *ctx)
{
    if (ctx->worker != -1 || ((!ctx->cur || ctx->cur->n == 0) && !ctx->pos))
        return SLUICE_OK;
    return sl_producer_send(ctx) == 0 ? SLUICE_OK : SLUICE_ERROR;
}

static size_t h_batch_count(const sluice_batch *b) { return b->n; }

static json_t *h_batch_record(sluice_batch *b, size_t i)
{
    return i < b->n && b->recs[i].state == SL_REC_LIVE ? b->recs[i].obj : NULL;
}

static const char *h_batch_stream(const sluice_batch *b, size_t i) { return i < b->n ? b->recs[i].stream : NULL; }

static const char *h_batch_origin(const sluice_batch *b, size_t i, uint64_t *line)
{
    if (i >= b->n)
        return NULL;
    if (line)
        *line = b->recs[i].line;
    return b->recs[i].origin;
}

static const char *h_batch_source(const sluice_batch *b) { return b->src_id; }

static void h_batch_drop(sluice_batch *b, size_t i)
{
    if (i >= b->n || b->recs[i].state != SL_REC_LIVE)
        return;
    json_decref(b->recs[i].obj);
    b->recs[i].obj = NULL;
    b->recs[i].state = SL_REC_DROPPED;
    b->dropped++;
}

static int h_batch_replace(sluice_batch *b, size_t i, json_t *record)
{
    if (i >= b->n || !json_is_object(record)) {
        json_decref(record);
        return SLUICE_EINVAL;
    }
    if (b->recs[i].obj != record)
        json_decref(b->recs[i].obj);
    b->recs[i].obj = record;
    b->recs[i].state = SL_REC_LIVE;
    return SLUICE_OK;
}

static int h_batch_append(sluice_batch *b, const char *stream, json_t *record)
{
    if (!json_is_object(record)) {
        json_decref(record);
        return SLUICE_EINVAL;
    }
    const char *s = sl_intern(stream ? stream : (b->n ? b->recs[0].stream : b->src_id));
    if (!s) {
        json_decref(record);
        return SLUICE_ENOMEM;
    }
    return sl_batch_push(b, s, record, NULL, 0) == 0 ? SLUICE_OK : SLUICE_ENOMEM;
}

static int h_batch_replace_as(sluice_batch *b, size_t i, const char *stream, json_t *record)
{
    const char *s = stream ? sl_intern(stream) : NULL;
    if (i >= b->n || (stream && !s)) {
        json_decref(record);
        return i >= b->n ? SLUICE_EINVAL : SLUICE_ENOMEM;
    }
    int rc = h_batch_replace(b, i, record);
    if (rc == SLUICE_OK && s)
        b->recs[i].stream = s;
    return rc;
}

static int h_batch_append_from(sluice_batch *b, size_t i, const char *stream, json_t *record)
{
    if (i >= b->n || !json_is_object(record)) {
        json_decref(record);
        return SLUICE_EINVAL;
    }
    /* read before the push, which may move recs */
    const char *origin = b->recs[i].origin;
    uint64_t line = b->recs[i].line;
    const char *s = sl_intern(stream ? stream : b->recs[i].stream);
    if (!s) {
        json_decref(record);
        return SLUICE_ENOMEM;
    }
    return sl_batch_push(b, s, record, origin, line) == 0 ? SLUICE_OK : SLUICE_ENOMEM;
}

int sl_batch_reject_rec(sluice_ctx *ctx, sluice_batch *b, size_t i, const char *reason)
{
    if (i >= b->n || (b->recs[i].state != SL_REC_LIVE && b->recs[i].state != SL_REC_RAW))
        return SLUICE_EINVAL;
    sl_rec *r = &b->recs[i];
    sl_stage *st = ctx->st;
    int rc = sl_dlq_write(ctx->e->dlq, st->cfg->id, b->src_id, r->stream, r->origin, r->line, reason,
                          r->state == SL_REC_LIVE ? r->obj : NULL,
                          r->state == SL_REC_RAW ? b->raw + r->raw_off : NULL, r->raw_len);
    json_decref(r->obj);
    r->obj = NULL;
    r->state = SL_REC_REJECTED;
    b->rejected++;
    atomic_fetch_add(&st->c.dead, 1);
    if (rc != 0)
        sl_stage_fail(st, ctx->e, "cannot write the dead-letter file");
    sl_count_reject(ctx->e);
    return rc == 0 ? SLUICE_OK : SLUICE_EIO;
}

static json_t *h_cursor(sluice_ctx *ctx) { return ctx->st->kind == SLUICE_SOURCE ? ctx->st->cursor : NULL; }

static int h_position(sluice_ctx *ctx, json_t *position)
{
    if (ctx->worker != -1 || !position) {
        if (position)
            sl_log(SLUICE_LOG_ERROR, ctx->st->cfg->id, "plugin bug: position() outside a source's run()");
        json_decref(position);
        return SLUICE_EINVAL;
    }
    json_decref(ctx->pos);
    ctx->pos = position;
    return SLUICE_OK;
}

static json_t *h_committed(sluice_ctx *ctx)
{
    sl_stage *st = ctx->st;
    pthread_mutex_lock(&st->wlock);
    json_t *v = json_incref(st->committed);
    pthread_mutex_unlock(&st->wlock);
    return v;
}

static json_t *h_kv_get(sluice_ctx *ctx, const char *key)
{
    return key && ctx->e->state ? sl_state_kv_get(ctx->e->state, ctx->st->cfg->id, key) : NULL;
}

static int h_kv_put(sluice_ctx *ctx, const char *key, json_t *value)
{
    if (!key || !ctx->e->state)
        return SLUICE_EINVAL;
    return sl_state_kv_put(ctx->e->state, ctx->st->cfg->id, key, value) == 0 ? SLUICE_OK : SLUICE_EIO;
}

static const char *h_state_dir(sluice_ctx *ctx) { return ctx->e->state_dir; }

void sl_decode_batch(sluice_ctx *ctx, sluice_batch *b)
{
    for (size_t i = 0; i < b->n; i++) {
        sl_rec *r = &b->recs[i];
        if (r->state != SL_REC_RAW)
            continue;
        json_error_t jerr;
        json_t *o = json_loadb(b->raw + r->raw_off, r->raw_len, 0, &jerr);
        if (json_is_object(o)) {
            r->obj = o;
            r->state = SL_REC_LIVE;
            continue;
        }
        char reason[300];
        if (o)
            snprintf(reason, sizeof reason, "invalid record: a JSON %s, not an object",
                     json_is_array(o) ? "array" : "value");
        else
            snprintf(reason, sizeof reason, "invalid JSON at column %d: %s", jerr.column, jerr.text);
        json_decref(o);
        sl_batch_reject_rec(ctx, b, i, reason);
    }
    free(b->raw);
    b->raw = NULL;
    b->raw_len = b->raw_cap = 0;
}

const sluice_host sl_host_table = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_host),
    .logv = h_logv,
    .stage_id = h_stage_id,
    .option = h_option,
    .should_stop = h_should_stop,
    .set_error = h_set_error,
    .emit = h_emit,
    .emit_json = h_emit_json,
    .reject = h_reject,
    .flush = h_flush,
    .batch_count = h_batch_count,
    .batch_record = h_batch_record,
    .batch_stream = h_batch_stream,
    .batch_origin = h_batch_origin,
    .batch_source = h_batch_source,
    .batch_drop = h_batch_drop,
    .batch_replace = h_batch_replace,
    .batch_append = h_batch_append,
    .batch_reject = sl_batch_reject_rec,
    .emit_at = h_emit_at,
    .cursor = h_cursor,
    .position = h_position,
    .kv_get = h_kv_get,
    .kv_put = h_kv_put,
    .committed = h_committed,
    .http_new = sl_http_new,
    .http_free = sl_http_free,
    .http_send = sl_http_send,
    .http_many = sl_http_many,
    .http_header = sl_http_header,
    .http_json = sl_http_json,
    .http_response_free = sl_http_response_free,
    .add_secret = sl_http_add_secret,
    .state_dir = h_state_dir,
    .batch_replace_as = h_batch_replace_as,
    .batch_append_from = h_batch_append_from,
};
