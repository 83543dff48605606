/*
 * harness.c - a fake sluice host for in-process plugin tests.
 *
 * Implements every slot of sluice_host over plain arrays: a batch is a
 * vector of slots, a source's output is a vector of records. Nothing here
 * is shared with the core on purpose: the harness exercises the plugin ABI
 * exactly as a third-party plugin author sees it.
 */
#define _GNU_SOURCE
#include "harness.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SLUICE_HARNESS_PLUGIN_DIR
#define SLUICE_HARNESS_PLUGIN_DIR "plugins"
#endif

#define HARNESS_STAGE_ID "harness"
#define HARNESS_SOURCE_ID "harness_source"

enum slot_state { SLOT_LIVE = 0, SLOT_DROPPED, SLOT_REJECTED };

/* The opaque handles of plugin.h: both must start with the host table. */
struct sluice_ctx {
    const sluice_host *host;
    sl_harness *h;
};

struct sluice_batch {
    const sluice_host *host;
    harness_batch *hb;
};

typedef struct harness_slot {
    json_t *rec;   /* owned; NULL once dropped or rejected */
    char *stream;  /* owned */
    char *origin;  /* owned, may be NULL */
    uint64_t line;
    int state;     /* enum slot_state */
} harness_slot;

/* A growable array of owned json_t* with owned stream names. */
typedef struct harness_recvec {
    json_t **recs;
    char **streams;
    size_t n, cap;
} harness_recvec;

struct harness_batch {
    struct sluice_batch handle; /* what the plugin sees */
    sl_harness *h;
    harness_slot *slots; /* owned */
    size_t n, cap;
    size_t dropped, rejected;
    char *last_reject;         /* owned, may be NULL */
    harness_recvec rejects;    /* the records as they were when rejected */
};

struct sl_harness {
    struct sluice_ctx ctx; /* what the plugin sees */
    void *dl;
    const sluice_plugin *desc; /* borrowed from dl */
    void *state;               /* the plugin's, freed by its fini() */
    int inited;
    json_t *options;           /* owned */
    char *last_error;          /* owned, may be NULL */
    size_t log_counts[SLUICE_LOG_DEBUG + 1];
    int stop;
    harness_recvec emitted;
    size_t src_rejected;
    char *src_last_reject;     /* owned, may be NULL */
    size_t flush_calls;
};

/* ---- Small helpers ---------------------------------------------------------- */

/* Replaces *dst with a malloc'd copy of src (NULL allowed). */
static void replace_str(char **dst, const char *src)
{
    char *copy = src ? strdup(src) : NULL;
    free(*dst);
    *dst = copy;
}

static void set_err(char **err, const char *fmt, ...) SLUICE_PRINTF(2, 3);
static void set_err(char **err, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;
    if (!err)
        return;
    va_start(ap, fmt);
    if (vasprintf(&msg, fmt, ap) < 0)
        msg = NULL;
    va_end(ap);
    free(*err);
    *err = msg;
}

/* A harness misused by the plugin (index out of range...) is a plugin bug:
 * stop the test right there, loudly, instead of corrupting memory. */
static void harness_bug(const char *what, size_t i, size_t n)
{
    fprintf(stderr, "[harness BUG] plugin called %s with index %zu, batch has %zu slots\n", what, i, n);
    abort();
}

static int recvec_push(harness_recvec *v, const char *stream, json_t *rec)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        json_t **recs = realloc(v->recs, cap * sizeof *recs);
        if (!recs)
            return -1;
        v->recs = recs;
        char **streams = realloc(v->streams, cap * sizeof *streams);
        if (!streams)
            return -1;
        v->streams = streams;
        v->cap = cap;
    }
    char *s = strdup(stream ? stream : "");
    if (!s)
        return -1;
    v->recs[v->n] = rec;
    v->streams[v->n] = s;
    v->n++;
    return 0;
}

static void recvec_free(harness_recvec *v)
{
    for (size_t i = 0; i < v->n; i++) {
        json_decref(v->recs[i]);
        free(v->streams[i]);
    }
    free(v->recs);
    free(v->streams);
    memset(v, 0, sizeof *v);
}

/* ---- Host: context ---------------------------------------------------------- */

static const char *level_name(int level)
{
    switch (level) {
    case SLUICE_LOG_ERROR: return "ERROR";
    case SLUICE_LOG_WARN: return "WARN";
    case SLUICE_LOG_INFO: return "INFO";
    default: return "DEBUG";
    }
}

static void host_logv(sluice_ctx *ctx, int level, const char *fmt, va_list ap)
{
    sl_harness *h = ctx->h;
    char *msg = NULL;
    if (level < SLUICE_LOG_ERROR)
        level = SLUICE_LOG_ERROR;
    if (level > SLUICE_LOG_DEBUG)
        level = SLUICE_LOG_DEBUG;
    h->log_counts[level]++;
    if (vasprintf(&msg, fmt, ap) < 0) {
        fprintf(stderr, "[harness %s] (message lost: out of memory)\n", level_name(level));
        return;
    }
    fprintf(stderr, "[harness %s] %s: %s\n", level_name(level), HARNESS_STAGE_ID, msg);
    if (level == SLUICE_LOG_ERROR) {
        free(h->last_error);
        h->last_error = msg;
    } else {
        free(msg);
    }
}

static const char *host_stage_id(sluice_ctx *ctx) { return HARNESS_STAGE_ID; }

static json_t *host_option(sluice_ctx *ctx, const char *name)
{
    return json_object_get(ctx->h->options, name);
}

static int host_should_stop(sluice_ctx *ctx) { return ctx->h->stop; }

static void host_set_error(sluice_ctx *ctx, const char *msg)
{
    fprintf(stderr, "[harness set_error] %s\n", msg ? msg : "(null)");
    replace_str(&ctx->h->last_error, msg);
}

/* ---- Host: sources ------------------------------------------------------------ */

static int host_emit(sluice_ctx *ctx, const char *stream, json_t *record)
{
    sl_harness *h = ctx->h;
    if (!json_is_object(record)) {
        json_decref(record);
        h->src_rejected++;
        replace_str(&h->src_last_reject, "emit: record is not a JSON object");
        return SLUICE_EINVAL;
    }
    if (recvec_push(&h->emitted, stream, record) < 0) {
        json_decref(record);
        return SLUICE_ENOMEM;
    }
    return h->stop ? SLUICE_STOPPED : SLUICE_OK;
}

static int host_reject(sluice_ctx *ctx, const char *stream, const char *raw, size_t len,
                       const char *origin, uint64_t line, const char *reason)
{
    sl_harness *h = ctx->h;
    h->src_rejected++;
    replace_str(&h->src_last_reject, reason);
    fprintf(stderr, "[harness reject] %s:%llu: %s\n", origin ? origin : "-",
            (unsigned long long)line, reason ? reason : "");
    return SLUICE_OK;
}

static int host_emit_json(sluice_ctx *ctx, const char *stream, const char *text, size_t len,
                          const char *origin, uint64_t line)
{
    json_error_t jerr;
    json_t *rec = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!rec)
        return host_reject(ctx, stream, text, len, origin, line, jerr.text);
    if (!json_is_object(rec)) {
        json_decref(rec);
        return host_reject(ctx, stream, text, len, origin, line, "not a JSON object");
    }
    return host_emit(ctx, stream, rec);
}

static int host_flush(sluice_ctx *ctx)
{
    ctx->h->flush_calls++;
    return SLUICE_OK;
}

/* ---- Host: batches -------------------------------------------------------------- */

static harness_batch *hb_of(const sluice_batch *b) { return b->hb; }

static size_t host_batch_count(const sluice_batch *b) { return hb_of(b)->n; }

static json_t *host_batch_record(sluice_batch *b, size_t i)
{
    harness_batch *hb = hb_of(b);
    if (i >= hb->n)
        harness_bug("batch_record", i, hb->n);
    return hb->slots[i].rec;
}

static const char *host_batch_stream(const sluice_batch *b, size_t i)
{
    harness_batch *hb = hb_of(b);
    if (i >= hb->n)
        harness_bug("batch_stream", i, hb->n);
    return hb->slots[i].stream;
}

static const char *host_batch_origin(const sluice_batch *b, size_t i, uint64_t *line)
{
    harness_batch *hb = hb_of(b);
    if (i >= hb->n)
        harness_bug("batch_origin", i, hb->n);
    if (line)
        *line = hb->slots[i].line;
    return hb->slots[i].origin;
}

static const char *host_batch_source(const sluice_batch *b) { return HARNESS_SOURCE_ID; }

static void host_batch_drop(sluice_batch *b, size_t i)
{
    harness_batch *hb = hb_of(b);
    if (i >= hb->n)
        harness_bug("batch_drop", i, hb->n);
    harness_slot *s = &hb->slots[i];
    if (s->state != SLOT_LIVE)
        return;
    json_decref(s->rec);
    s->rec = NULL;
    s->state = SLOT_DROPPED;
    hb->dropped++;
}

static int host_batch_replace(sluice_batch *b, size_t i, json_t *record)
{
    harness_batch *hb = hb_of(b);
    if (i >= hb->n)
        harness_bug("batch_replace", i, hb->n);
    harness_slot *s = &hb->slots[i];
    if (s->state != SLOT_LIVE || !json_is_object(record)) {
        json_decref(record);
        return SLUICE_EINVAL;
    }
    json_decref(s->rec);
    s->rec = record;
    return SLUICE_OK;
}

static int slot_push(harness_batch *hb, const char *stream, json_t *record)
{
    if (hb->n == hb->cap) {
        size_t cap = hb->cap ? hb->cap * 2 : 16;
        harness_slot *slots = realloc(hb->slots, cap * sizeof *slots);
        if (!slots)
            return -1;
        hb->slots = slots;
        hb->cap = cap;
    }
    char *s = strdup(stream ? stream : "");
    if (!s)
        return -1;
    hb->slots[hb->n] = (harness_slot){ .rec = record, .stream = s };
    hb->n++;
    return 0;
}

static int host_batch_append(sluice_batch *b, const char *stream, json_t *record)
{
    harness_batch *hb = hb_of(b);
    if (!json_is_object(record) || slot_push(hb, stream, record) < 0) {
        json_decref(record);
        return SLUICE_EINVAL;
    }
    return SLUICE_OK;
}

static int host_batch_replace_as(sluice_batch *b, size_t i, const char *stream, json_t *record)
{
    harness_batch *hb = hb_of(b);
    if (i >= hb->n)
        harness_bug("batch_replace_as", i, hb->n);
    char *copy = stream ? strdup(stream) : NULL;
    if (stream && !copy) {
        json_decref(record);
        return SLUICE_ENOMEM;
    }
    int rc = host_batch_replace(b, i, record);
    if (rc == SLUICE_OK && copy) {
        free(hb->slots[i].stream);
        hb->slots[i].stream = copy;
        copy = NULL;
    }
    free(copy);
    return rc;
}

static int host_batch_append_from(sluice_batch *b, size_t i, const char *stream, json_t *record)
{
    harness_batch *hb = hb_of(b);
    if (i >= hb->n)
        harness_bug("batch_append_from", i, hb->n);
    char *origin = hb->slots[i].origin ? strdup(hb->slots[i].origin) : NULL;
    uint64_t line = hb->slots[i].line;
    int rc = host_batch_append(b, stream ? stream : hb->slots[i].stream, record);
    if (rc == SLUICE_OK) {
        hb->slots[hb->n - 1].origin = origin;
        hb->slots[hb->n - 1].line = line;
    } else {
        free(origin);
    }
    return rc;
}

static const char *harness_state_folder;

void harness_set_state_dir(const char *dir) { harness_state_folder = dir; }

static const char *host_state_dir(sluice_ctx *ctx)
{
    (void)ctx;
    return harness_state_folder;
}

static int host_batch_reject(sluice_ctx *ctx, sluice_batch *b, size_t i, const char *reason)
{
    harness_batch *hb = hb_of(b);
    if (i >= hb->n)
        harness_bug("batch_reject", i, hb->n);
    harness_slot *s = &hb->slots[i];
    if (s->state != SLOT_LIVE)
        return SLUICE_EINVAL;
    if (recvec_push(&hb->rejects, s->stream, s->rec) < 0)
        return SLUICE_ENOMEM;
    s->rec = NULL;
    s->state = SLOT_REJECTED;
    hb->rejected++;
    replace_str(&hb->last_reject, reason ? reason : "");
    fprintf(stderr, "[harness reject] slot %zu: %s\n", i, reason ? reason : "");
    return SLUICE_OK;
}

static const sluice_host harness_host = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_host),
    .logv = host_logv,
    .stage_id = host_stage_id,
    .option = host_option,
    .should_stop = host_should_stop,
    .set_error = host_set_error,
    .emit = host_emit,
    .emit_json = host_emit_json,
    .reject = host_reject,
    .flush = host_flush,
    .batch_count = host_batch_count,
    .batch_record = host_batch_record,
    .batch_stream = host_batch_stream,
    .batch_origin = host_batch_origin,
    .batch_source = host_batch_source,
    .batch_drop = host_batch_drop,
    .batch_replace = host_batch_replace,
    .batch_append = host_batch_append,
    .batch_reject = host_batch_reject,
    .state_dir = host_state_dir,
    .batch_replace_as = host_batch_replace_as,
    .batch_append_from = host_batch_append_from,
};

/* ---- Opening: descriptor and options ------------------------------------------- */

static int check_descriptor(const sluice_plugin *d, const char *path, char **err)
{
    if (d->abi_major != SLUICE_ABI_MAJOR) {
        set_err(err, "%s: built for plugin ABI %u.%u, this harness has ABI %d.%d", path,
                (unsigned)d->abi_major, (unsigned)d->abi_minor, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
        return -1;
    }
    if (d->struct_size < offsetof(sluice_plugin, reserved)) {
        set_err(err, "%s: descriptor struct_size %u is too small", path, (unsigned)d->struct_size);
        return -1;
    }
    if (!d->name || !*d->name) {
        set_err(err, "%s: descriptor has no name", path);
        return -1;
    }
    int ok = (d->kind == SLUICE_SOURCE && d->run) || (d->kind == SLUICE_TRANSFORM && d->process) ||
             (d->kind == SLUICE_SINK && d->write);
    if (!ok) {
        set_err(err, "%s: kind %d without the callback that kind needs", path, d->kind);
        return -1;
    }
    return 0;
}

static const sluice_option *find_option(const sluice_plugin *d, const char *name)
{
    for (const sluice_option *o = d->options; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

static int is_string_list(json_t *v)
{
    size_t i;
    json_t *item;
    if (!json_is_array(v))
        return 0;
    json_array_foreach(v, i, item)
        if (!json_is_string(item))
            return 0;
    return 1;
}

static int in_choices(const char *const *choices, const char *s)
{
    for (; *choices; choices++)
        if (strcmp(*choices, s) == 0)
            return 1;
    return 0;
}

/* Type check of one option value; a LIST given as one string becomes a list
 * (stored back into opts). */
static int check_option_value(json_t *opts, const sluice_option *o, json_t *v, char **err)
{
    int ok;
    switch (o->type) {
    case SLUICE_OPT_STRING:
    case SLUICE_OPT_PATH: ok = json_is_string(v); break;
    case SLUICE_OPT_INT: ok = json_is_integer(v); break;
    case SLUICE_OPT_FLOAT: ok = json_is_number(v); break;
    case SLUICE_OPT_BOOL: ok = json_is_boolean(v); break;
    case SLUICE_OPT_LIST:
        if (json_is_string(v)) {
            json_t *list = json_pack("[O]", v);
            return (list && json_object_set_new(opts, o->name, list) == 0) ? 0 : -1;
        }
        ok = is_string_list(v);
        break;
    case SLUICE_OPT_OBJECT: ok = json_is_object(v); break;
    case SLUICE_OPT_ARRAY: ok = json_is_array(v); break;
    default: ok = 1; break;
    }
    if (!ok) {
        set_err(err, "option %s: wrong JSON type (option type %d)", o->name, o->type);
        return -1;
    }
    if (o->type == SLUICE_OPT_STRING && o->choices && !in_choices(o->choices, json_string_value(v))) {
        set_err(err, "option %s: \"%s\" is not one of the allowed values", o->name, json_string_value(v));
        return -1;
    }
    return 0;
}

static int apply_default(json_t *opts, const sluice_option *o, char **err)
{
    if (o->flags & SLUICE_OPT_REQUIRED) {
        set_err(err, "option %s is required", o->name);
        return -1;
    }
    if (!o->default_json)
        return 0;
    json_error_t jerr;
    json_t *v = json_loads(o->default_json, JSON_DECODE_ANY, &jerr);
    if (!v) {
        set_err(err, "option %s: default_json does not parse: %s", o->name, jerr.text);
        return -1;
    }
    if (json_object_set_new(opts, o->name, v) < 0)
        return -1;
    return check_option_value(opts, o, json_object_get(opts, o->name), err);
}

/* Parses the options text and checks it against the descriptor's table.
 * Returns a new object (caller owns) or NULL with *err set. */
static json_t *check_options(const sluice_plugin *d, const char *text, char **err)
{
    json_error_t jerr;
    json_t *opts = text ? json_loads(text, JSON_REJECT_DUPLICATES, &jerr) : json_object();
    if (!opts) {
        set_err(err, "options: %d:%d: %s", jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    if (!json_is_object(opts)) {
        set_err(err, "options: not a JSON object");
        goto fail;
    }
    const char *key;
    json_t *v;
    json_object_foreach(opts, key, v) {
        const sluice_option *o = find_option(d, key);
        if (!o) {
            set_err(err, "unknown option \"%s\" for %s", key, d->name);
            goto fail;
        }
        if (check_option_value(opts, o, v, err) < 0)
            goto fail;
    }
    for (const sluice_option *o = d->options; o && o->name; o++)
        if (!json_object_get(opts, o->name) && apply_default(opts, o, err) < 0)
            goto fail;
    return opts;
fail:
    json_decref(opts);
    return NULL;
}

static void harness_free(sl_harness *h)
{
    if (h->inited && h->desc->fini)
        h->desc->fini(h->state);
    if (h->dl)
        dlclose(h->dl);
    json_decref(h->options);
    free(h->last_error);
    recvec_free(&h->emitted);
    free(h->src_last_reject);
    free(h);
}

static int load_descriptor(sl_harness *h, const char *path, char **err)
{
    h->dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h->dl) {
        set_err(err, "dlopen: %s", dlerror());
        return -1;
    }
    sluice_entry_fn entry;
    void *sym = dlsym(h->dl, SLUICE_ENTRY_SYMBOL);
    if (!sym) {
        set_err(err, "%s: no %s symbol", path, SLUICE_ENTRY_SYMBOL);
        return -1;
    }
    /* POSIX blesses this conversion for dlsym results. */
    memcpy(&entry, &sym, sizeof entry);
    h->desc = entry();
    if (!h->desc) {
        set_err(err, "%s: %s returned NULL", path, SLUICE_ENTRY_SYMBOL);
        return -1;
    }
    return check_descriptor(h->desc, path, err);
}

sl_harness *harness_open(const char *so_path, const char *options_json, char **err)
{
    sl_harness *h = calloc(1, sizeof *h);
    if (!h) {
        set_err(err, "out of memory");
        return NULL;
    }
    h->ctx.host = &harness_host;
    h->ctx.h = h;
    if (load_descriptor(h, so_path, err) < 0)
        goto fail;
    h->options = check_options(h->desc, options_json, err);
    if (!h->options)
        goto fail;
    if (h->desc->init) {
        int rc = h->desc->init(&h->ctx, &h->state);
        if (rc != SLUICE_OK) {
            set_err(err, "init failed (%s): %s", sluice_strerror(rc),
                    h->last_error ? h->last_error : "(nothing logged)");
            goto fail;
        }
    }
    h->inited = 1;
    return h;
fail:
    harness_free(h);
    return NULL;
}

const char *harness_plugin_dir(void)
{
    const char *env = getenv("SLUICE_HARNESS_PLUGIN_DIR");
    return (env && *env) ? env : SLUICE_HARNESS_PLUGIN_DIR;
}

sl_harness *harness_open_plugin(const char *kind, const char *name, const char *options_json,
                                char **err)
{
    char *path = NULL;
    if (asprintf(&path, "%s/%s_%s.so", harness_plugin_dir(), kind, name) < 0) {
        set_err(err, "out of memory");
        return NULL;
    }
    sl_harness *h = harness_open(path, options_json, err);
    free(path);
    return h;
}

sl_harness *harness_open_logged(const char *kind, const char *name, const char *options_json)
{
    char *err = NULL;
    sl_harness *h = harness_open_plugin(kind, name, options_json, &err);
    if (!h)
        fprintf(stderr, "open %s/%s %s: %s\n", kind, name, options_json, err ? err : "?");
    free(err);
    return h;
}

char *harness_open_error(const char *kind, const char *name, const char *options_json)
{
    char *err = NULL;
    sl_harness *h = harness_open_plugin(kind, name, options_json, &err);
    if (h) {
        harness_close(&h);
        return strdup("");
    }
    return err ? err : strdup("(no message)");
}

json_t *harness_transform_one(const char *name, const char *options_json, const char *stream, const char *rec,
                              char *reason, size_t reason_size)
{
    sl_harness *h = harness_open_logged("transform", name, options_json);
    json_t *out = NULL;
    if (reason)
        reason[0] = '\0';
    if (!h)
        return NULL;
    harness_batch *b = harness_batch_new(h);
    if (harness_batch_add_json(b, stream, rec) == 0 && harness_process(h, b) == SLUICE_OK) {
        out = json_incref(harness_batch_get(b, 0));
        if (reason && harness_batch_last_reject(b))
            snprintf(reason, reason_size, "%s", harness_batch_last_reject(b));
    }
    harness_batch_free(&b);
    harness_close(&h);
    return out;
}

void harness_close(sl_harness **h)
{
    if (!h || !*h)
        return;
    harness_free(*h);
    *h = NULL;
}

const sluice_plugin *harness_descriptor(sl_harness *h) { return h->desc; }
json_t *harness_options(sl_harness *h) { return h->options; }
const char *harness_last_error(sl_harness *h) { return h->last_error ? h->last_error : ""; }
void harness_request_stop(sl_harness *h) { h->stop = 1; }

size_t harness_log_count(sl_harness *h, int level)
{
    return (level >= SLUICE_LOG_ERROR && level <= SLUICE_LOG_DEBUG) ? h->log_counts[level] : 0;
}

/* ---- Batches ------------------------------------------------------------------------ */

harness_batch *harness_batch_new(sl_harness *h)
{
    harness_batch *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->handle.host = &harness_host;
    b->handle.hb = b;
    b->h = h;
    return b;
}

void harness_batch_free(harness_batch **bp)
{
    if (!bp || !*bp)
        return;
    harness_batch *b = *bp;
    for (size_t i = 0; i < b->n; i++) {
        json_decref(b->slots[i].rec);
        free(b->slots[i].stream);
        free(b->slots[i].origin);
    }
    free(b->slots);
    free(b->last_reject);
    recvec_free(&b->rejects);
    free(b);
    *bp = NULL;
}

int harness_batch_add(harness_batch *b, const char *stream, json_t *record)
{
    if (!json_is_object(record) || slot_push(b, stream, record) < 0) {
        json_decref(record);
        return -1;
    }
    return 0;
}

int harness_batch_add_json(harness_batch *b, const char *stream, const char *json_text)
{
    json_error_t jerr;
    json_t *rec = json_loads(json_text, 0, &jerr);
    if (!rec) {
        fprintf(stderr, "[harness] batch_add_json: %s: %s\n", json_text, jerr.text);
        return -1;
    }
    return harness_batch_add(b, stream, rec);
}

int harness_batch_set_origin(harness_batch *b, const char *origin, uint64_t line)
{
    if (b->n == 0)
        return -1;
    harness_slot *s = &b->slots[b->n - 1];
    replace_str(&s->origin, origin);
    s->line = line;
    return (origin && !s->origin) ? -1 : 0;
}

int harness_process(sl_harness *h, harness_batch *b)
{
    if (!h->desc->process)
        return SLUICE_EINVAL;
    return h->desc->process(h->state, &h->ctx, &b->handle);
}

int harness_write_open(sl_harness *h, harness_batch *b)
{
    if (!h->desc->write)
        return SLUICE_EINVAL;
    return h->desc->write(h->state, &h->ctx, &b->handle);
}

int harness_finish(sl_harness *h, harness_batch *last)
{
    if (!h->desc->finish)
        return SLUICE_OK;
    return h->desc->finish(h->state, &h->ctx, last ? &last->handle : NULL);
}

int harness_commit(sl_harness *h)
{
    return h->desc->commit ? h->desc->commit(h->state, &h->ctx) : SLUICE_OK;
}

int harness_write(sl_harness *h, harness_batch *b)
{
    int rc = harness_write_open(h, b);
    return rc == SLUICE_OK ? harness_commit(h) : rc;
}

int harness_flush(sl_harness *h)
{
    return h->desc->flush ? h->desc->flush(h->state, &h->ctx) : SLUICE_OK;
}

/* Slot index of the i-th live record, or b->n. */
static size_t live_slot(const harness_batch *b, size_t i)
{
    for (size_t k = 0; k < b->n; k++) {
        if (b->slots[k].state != SLOT_LIVE)
            continue;
        if (i-- == 0)
            return k;
    }
    return b->n;
}

size_t harness_batch_count(const harness_batch *b)
{
    size_t live = 0;
    for (size_t k = 0; k < b->n; k++)
        live += b->slots[k].state == SLOT_LIVE;
    return live;
}

json_t *harness_batch_get(harness_batch *b, size_t i)
{
    size_t k = live_slot(b, i);
    return k < b->n ? b->slots[k].rec : NULL;
}

const char *harness_batch_stream(const harness_batch *b, size_t i)
{
    size_t k = live_slot(b, i);
    return k < b->n ? b->slots[k].stream : NULL;
}

size_t harness_batch_dropped(const harness_batch *b) { return b->dropped; }
size_t harness_batch_rejected(const harness_batch *b) { return b->rejected; }
const char *harness_batch_last_reject(const harness_batch *b) { return b->last_reject; }

json_t *harness_batch_rejected_record(harness_batch *b, size_t k)
{
    return k < b->rejects.n ? b->rejects.recs[k] : NULL;
}

/* ---- Sources ----------------------------------------------------------------------- */

int harness_run(sl_harness *h)
{
    if (!h->desc->run)
        return SLUICE_EINVAL;
    return h->desc->run(h->state, &h->ctx);
}

size_t harness_emitted_count(const sl_harness *h) { return h->emitted.n; }

json_t *harness_emitted(sl_harness *h, size_t i)
{
    return i < h->emitted.n ? h->emitted.recs[i] : NULL;
}

const char *harness_emitted_stream(const sl_harness *h, size_t i)
{
    return i < h->emitted.n ? h->emitted.streams[i] : NULL;
}

size_t harness_rejected_count(const sl_harness *h) { return h->src_rejected; }
const char *harness_last_reject(const sl_harness *h) { return h->src_last_reject; }
size_t harness_flush_calls(const sl_harness *h) { return h->flush_calls; }
