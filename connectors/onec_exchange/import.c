/* import.c - mode=import on the run thread: parse a received file with the
 * CommerceML reader, emit its records, and say `success` only once the
 * sinks have committed them.
 *
 * A file is parsed all or nothing (the reader spools its records and
 * delivers them only when the whole file was read), so a malformed upload
 * answers `failure` and leaves nothing half-imported. After the last record
 * the plugin declares a position {"seq": N, "file": NAME, "records": K};
 * the core commits it once every record before it is durable in every
 * sink, and sluice_committed() shows that: then the file is DONE. */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cml_parser.h"
#include "onec.h"

/* How often (records) the request threads' progress count is updated. */
#define PROGRESS_EVERY 1000u

typedef struct emit_ctx {
    sl_1c *st;
    sluice_ctx *ctx;
    sl_1c_file *f;
    uint64_t n;
    int stopped; /* an emit answered SLUICE_STOPPED */
} emit_ctx;

static int counted(emit_ctx *e, int rc)
{
    if (rc == SLUICE_STOPPED)
        e->stopped = 1;
    if (rc != SLUICE_OK)
        return 1;
    if (++e->n % PROGRESS_EVERY == 0) {
        pthread_mutex_lock(&e->st->sh.mu);
        e->f->records = e->n;
        pthread_mutex_unlock(&e->st->sh.mu);
    }
    return 0;
}

/* The reader's own constant for a stream name. Replayed records name their
 * stream from a buffer the reader reuses, and the host remembers the last
 * stream by its pointer: one address with changing text would send
 * records to the wrong table. */
static const char *stable_stream(const char *stream)
{
    static const char *const known[] = {CML_STREAM_GROUPS, CML_STREAM_PRODUCTS, CML_STREAM_OFFERS,
                                        CML_STREAM_PRICES, CML_STREAM_STOCK};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(stream, known[i]) == 0)
            return known[i];
    return NULL;
}

static int on_record(void *ud, const char *stream, json_t *rec, const char *origin, uint64_t line)
{
    emit_ctx *e = ud;
    const char *s = stable_stream(stream);
    if (s == NULL) {
        json_decref(rec);
        return counted(e, sluice_reject(e->ctx, NULL, stream, strlen(stream), origin, line,
                                        "the CommerceML reader named an unknown stream"));
    }
    return counted(e, sluice_emit_at(e->ctx, s, rec, origin, line));
}

/* The spooled records come back as JSON text: the host parses them on its
 * decode workers, off this thread. */
static int on_record_json(void *ud, const char *stream, const char *json, size_t len, const char *origin,
                          uint64_t line)
{
    emit_ctx *e = ud;
    const char *s = stable_stream(stream);
    if (s == NULL)
        return counted(e, sluice_reject(e->ctx, NULL, json, len, origin, line,
                                        "the CommerceML reader named an unknown stream"));
    return counted(e, sluice_emit_json(e->ctx, s, json, len, origin, line));
}

static int on_reject(void *ud, const char *stream, const char *raw, size_t len, const char *origin, uint64_t line,
                     const char *reason)
{
    emit_ctx *e = ud;
    int rc = sluice_reject(e->ctx, stream, raw, len, origin, line, reason);
    if (rc == SLUICE_STOPPED)
        e->stopped = 1;
    return rc == SLUICE_OK ? 0 : 1;
}

static int on_should_stop(void *ud)
{
    emit_ctx *e = ud;
    if (sluice_should_stop(e->ctx))
        e->stopped = 1;
    return e->stopped;
}

void sl_1c_import_reset(sl_1c *st)
{
    cml_parser_free(&st->parser);
}

/* The parser of the current exchange, made anew after each init. */
static cml_parser *parser_for_exchange(sl_1c *st)
{
    pthread_mutex_lock(&st->sh.mu);
    unsigned exchange = st->sh.exchange;
    pthread_mutex_unlock(&st->sh.mu);
    if (st->parser != NULL && st->parser_exchange == exchange)
        return st->parser;
    cml_parser_free(&st->parser);
    cml_options opt = {0};
    opt.price_type = st->cfg.price_type;
    opt.all_or_nothing = 1;
    opt.tmpdir = st->cfg.upload_dir;
    st->parser = cml_parser_new(&opt);
    st->parser_exchange = exchange;
    return st->parser;
}

/* Sets the entry's end state and wakes the requests waiting on it. */
static void settle(sl_1c *st, sl_1c_file *f, int state, uint64_t records, uint64_t seq, const char *reason)
{
    pthread_mutex_lock(&st->sh.mu);
    f->state = state;
    f->records = records;
    f->seq = seq;
    if (reason != NULL)
        snprintf(f->reason, sizeof f->reason, "%s", reason);
    pthread_cond_broadcast(&st->sh.changed);
    pthread_mutex_unlock(&st->sh.mu);
}

/* The reader's message names the file by its path in the upload folder;
 * 1C's user knows it by the name 1C sent. */
static void strip_folder(const sl_1c *st, char *msg)
{
    size_t n = strlen(st->cfg.upload_dir);
    if (strncmp(msg, st->cfg.upload_dir, n) == 0 && msg[n] == '/')
        memmove(msg, msg + n + 1, strlen(msg + n + 1) + 1);
}

/* Declares where this file's records end, so that sl_1c_import_poll_commits
 * can tell when they are durable. Returns the import number, or 0 when the
 * host cannot tell commits (then success comes at once). */
static uint64_t declare_position(sl_1c *st, sluice_ctx *ctx, const char *name, uint64_t records)
{
    uint64_t seq = 0;
    if (st->have_committed) {
        pthread_mutex_lock(&st->sh.mu);
        seq = st->sh.next_seq++;
        pthread_mutex_unlock(&st->sh.mu);
        json_t *pos = json_pack("{sI ss sI}", "seq", (json_int_t)seq, "file", name, "records", (json_int_t)records);
        if (pos == NULL || sluice_position(ctx, pos) != SLUICE_OK)
            seq = 0;
    }
    /* After the position: the flush sends it with the last records (a quiet
     * source's last batch would otherwise wait for more). */
    sluice_flush(ctx);
    return seq;
}

int sl_1c_import_one(sl_1c *st, sluice_ctx *ctx, sl_1c_file *f)
{
    char path[PATH_MAX], err[SL_1C_REASON_MAX];
    /* f->name does not change while the entry is PARSING. */
    if (sl_1c_file_path(&st->cfg, f->name, path, sizeof path) != 0) {
        settle(st, f, SL_1C_FAILED, 0, 0, "file name too long");
        return SLUICE_OK;
    }
    cml_parser *p = parser_for_exchange(st);
    if (p == NULL) {
        settle(st, f, SL_1C_FAILED, 0, 0, "out of memory");
        return SLUICE_OK;
    }
    emit_ctx e = {.st = st, .ctx = ctx, .f = f};
    cml_sink sink = {.ud = &e, .record = on_record, .record_json = on_record_json, .reject = on_reject,
                     .should_stop = on_should_stop};
    cml_stats stats = {0};
    err[0] = '\0';
    sluice_info(ctx, "importing %s", f->name);
    int rc = cml_parser_file(p, path, &sink, &stats, err, sizeof err);
    if (e.stopped) {
        settle(st, f, SL_1C_FAILED, e.n, 0, "the exchange endpoint is shutting down");
        return SLUICE_STOPPED;
    }
    if (rc != CML_OK) {
        strip_folder(st, err);
        if (err[0] == '\0')
            snprintf(err, sizeof err, "%s: cannot import (error %d)", f->name, rc);
        sluice_warn(ctx, "import of %s failed: %s", f->name, err);
        settle(st, f, SL_1C_FAILED, 0, 0, err);
        return SLUICE_OK;
    }
    uint64_t seq = declare_position(st, ctx, f->name, e.n);
    sluice_info(ctx,
                "%s: %llu records (%llu products, %llu offers, %llu prices, %llu stock, %llu groups, %llu rejected)%s",
                f->name, (unsigned long long)e.n, (unsigned long long)stats.products,
                (unsigned long long)stats.offers, (unsigned long long)stats.prices, (unsigned long long)stats.stock,
                (unsigned long long)stats.groups, (unsigned long long)stats.rejected,
                seq != 0 ? ", waiting for the sinks to commit them" : "");
    settle(st, f, seq != 0 ? SL_1C_COMMITTING : SL_1C_DONE, e.n, seq, NULL);
    return SLUICE_OK;
}

void sl_1c_import_poll_commits(sl_1c *st, sluice_ctx *ctx)
{
    if (!st->have_committed)
        return;
    pthread_mutex_lock(&st->sh.mu);
    int waiting = 0;
    for (sl_1c_file *f = st->sh.files; f != NULL && !waiting; f = f->next)
        waiting = f->state == SL_1C_COMMITTING;
    pthread_mutex_unlock(&st->sh.mu);
    if (!waiting)
        return;
    json_t *pos = sluice_committed(ctx);
    json_int_t done = json_integer_value(json_object_get(pos, "seq"));
    json_decref(pos);
    if (done <= 0)
        return;
    pthread_mutex_lock(&st->sh.mu);
    for (sl_1c_file *f = st->sh.files; f != NULL; f = f->next) {
        if (f->state == SL_1C_COMMITTING && f->seq <= (uint64_t)done) {
            f->state = SL_1C_DONE;
            sluice_info(ctx, "%s committed", f->name);
        }
    }
    pthread_cond_broadcast(&st->sh.changed);
    pthread_mutex_unlock(&st->sh.mu);
}
