/*
 * sluice/plugin.h - the one header a sluice plugin needs.
 *
 * A plugin is a shared object exporting one symbol, sluice_plugin_entry(),
 * which returns a pointer to a static, const sluice_plugin descriptor. The
 * core dlopen()s the object, checks the descriptor's ABI version, validates
 * the stage's configuration against the descriptor's option table and then
 * drives the plugin through the callbacks in the descriptor.
 *
 * Plugins never link against core symbols. Everything the host offers comes
 * through the sluice_host function table reachable from every sluice_ctx and
 * sluice_batch; the static inline wrappers at the end of this file are the
 * intended way to call it.
 *
 * Growth rules (SQLite's and nginx's): sluice_plugin and sluice_host only
 * grow at the end. Each new host slot is documented with the ABI minor
 * version that added it; a plugin that needs a newer slot checks
 * sluice_host_minor(). A change that is not an append bumps SLUICE_ABI_MAJOR
 * and the loader refuses plugins built for another major version.
 *
 * Records are jansson objects (json_t). Ownership is spelled out beside every
 * call: "steals" means the host takes the caller's reference, "borrowed"
 * means the caller must not decref and must not keep the pointer past the
 * callback it got it in.
 */
#ifndef SLUICE_PLUGIN_H
#define SLUICE_PLUGIN_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SLUICE_ABI_MAJOR 1
#define SLUICE_ABI_MINOR 3

#if defined(__GNUC__)
#define SLUICE_EXPORT __attribute__((visibility("default")))
#define SLUICE_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SLUICE_EXPORT
#define SLUICE_PRINTF(f, a)
#endif

/* Status codes. Callbacks return SLUICE_OK or one of the negative codes. */
typedef enum sluice_status {
    SLUICE_OK = 0,
    SLUICE_ERROR = -1,   /* permanent failure: the stage, and the run, fail */
    SLUICE_RETRY = -2,   /* transient failure (sinks): the core retries */
    SLUICE_STOPPED = -3, /* the run is stopping; return from run() */
    SLUICE_ENOMEM = -4,
    SLUICE_EINVAL = -5,
    SLUICE_EIO = -6,
    SLUICE_ENOENT = -7,
    SLUICE_REJECTED = -8 /* sinks (1.1): some record of the batch is refused;
                          * the core splits the batch to find it, the rest lands */
} sluice_status;

static inline const char *sluice_strerror(int status)
{
    switch (status) {
    case SLUICE_OK: return "ok";
    case SLUICE_ERROR: return "error";
    case SLUICE_RETRY: return "transient error, retry";
    case SLUICE_STOPPED: return "run stopping";
    case SLUICE_ENOMEM: return "out of memory";
    case SLUICE_EINVAL: return "invalid argument";
    case SLUICE_EIO: return "input/output error";
    case SLUICE_ENOENT: return "not found";
    case SLUICE_REJECTED: return "record refused";
    default: return "unknown status";
    }
}

typedef enum sluice_kind {
    SLUICE_SOURCE = 1,
    SLUICE_TRANSFORM = 2,
    SLUICE_SINK = 3
} sluice_kind;

typedef enum sluice_log_level {
    SLUICE_LOG_ERROR = 0,
    SLUICE_LOG_WARN = 1,
    SLUICE_LOG_INFO = 2,
    SLUICE_LOG_DEBUG = 3
} sluice_log_level;

/* ---- Options -------------------------------------------------------------
 * A plugin declares its options in a static table ending with {0}. The core
 * rejects unknown keys, missing required options and values of the wrong
 * type before init() is called, applies defaults, and `sluice describe`
 * prints the same table. */
typedef enum sluice_opt_type {
    SLUICE_OPT_STRING = 1, /* JSON string */
    SLUICE_OPT_INT,        /* JSON integer */
    SLUICE_OPT_FLOAT,      /* JSON number */
    SLUICE_OPT_BOOL,       /* JSON true/false */
    SLUICE_OPT_PATH,       /* string; relative paths resolve against the config file's folder */
    SLUICE_OPT_LIST,       /* array of strings (a single string is accepted as a one-item list) */
    SLUICE_OPT_OBJECT,     /* any JSON object; the plugin checks its inside */
    SLUICE_OPT_ARRAY,      /* any JSON array; the plugin checks its inside */
    SLUICE_OPT_ANY         /* any JSON value */
} sluice_opt_type;

#define SLUICE_OPT_REQUIRED 0x1u /* the stage must set it */
#define SLUICE_OPT_SECRET 0x2u   /* never printed: logs, errors, describe */

typedef struct sluice_option {
    const char *name;
    int type;                   /* sluice_opt_type */
    unsigned flags;             /* SLUICE_OPT_* flags */
    const char *default_json;   /* default as JSON text ("\"csv\"", "10"), or NULL */
    const char *description;    /* one line, shown by `sluice describe` */
    const char *const *choices; /* STRING only: NULL-terminated allowed values, or NULL */
} sluice_option;

/* ---- Opaque handles -------------------------------------------------------
 * Both start with a pointer to the host table so the inline wrappers below
 * can reach it; everything after that is private to the core. */
typedef struct sluice_ctx sluice_ctx;     /* one per stage instance (worker) */
/* HTTP client types: see sluice/http.h */
typedef struct sluice_http sluice_http;
struct sluice_http_config;
struct sluice_http_request;
struct sluice_http_response;
typedef struct sluice_batch sluice_batch; /* records travelling together */

/* ---- Plugin descriptor ---------------------------------------------------- */

/* Descriptor flags. */
#define SLUICE_PLUGIN_SERIAL 0x1u /* one worker only (sinks always have one) */

typedef struct sluice_plugin {
    uint32_t abi_major;  /* SLUICE_ABI_MAJOR the plugin was built with */
    uint32_t abi_minor;  /* SLUICE_ABI_MINOR the plugin was built with */
    uint32_t struct_size; /* sizeof(sluice_plugin) the plugin was built with */
    int kind;            /* sluice_kind */
    const char *name;    /* [a-z0-9_]+, unique per kind */
    const char *version; /* the plugin's own version */
    const char *description; /* one line */
    const sluice_option *options; /* table ending with {0}; may be NULL */
    unsigned flags;      /* SLUICE_PLUGIN_* */

    /* Creates the instance. Options are validated already. *state is the
     * plugin's own, handed back to every callback and to fini(). A transform
     * may run in several workers at once: each worker gets its own init(). */
    int (*init)(sluice_ctx *ctx, void **state);
    /* Frees the instance; called once for every successful init(). */
    void (*fini)(void *state);

    /* Sources: read and emit records until the input ends or
     * sluice_should_stop() says so. Return SLUICE_OK at the end of input. */
    int (*run)(void *state, sluice_ctx *ctx);

    /* Transforms: change the batch in place (drop, replace, append,
     * dead-letter records). The batch keeps its identity. */
    int (*process)(void *state, sluice_ctx *ctx, sluice_batch *batch);

    /* Sinks: write the batch durably, then return SLUICE_OK: that is the
     * acknowledgement the source's cursor waits for. SLUICE_RETRY for a
     * transient failure (the core retries the same batch with backoff and
     * jitter, then fails the run); SLUICE_REJECTED (1.1) when the batch holds
     * a record the sink refuses and nothing of it was committed: the core
     * splits the batch until the refused records stand alone and
     * dead-letters them with the text of sluice_set_error(); SLUICE_ERROR
     * fails the run. Records may also be dead-lettered one by one. */
    int (*write)(void *state, sluice_ctx *ctx, sluice_batch *batch);
    /* Sinks: called once after the last batch; may be NULL. */
    int (*flush)(void *state, sluice_ctx *ctx);

    /* since 1.3 -- sinks with transactions that may span batches; NULL for
     * the usual one-write-one-commit sink. When set, write() puts the batch
     * into the sink's open transaction (beginning one when none is open)
     * and returns without committing; the core calls commit() when it wants
     * what was written so far durable (the transaction is 500 ms old, or
     * holds enough batches) and acknowledges those batches only when commit()
     * returns SLUICE_OK. Fewer, bigger commits for a sink that is the
     * bottleneck, with no more memory: written batches are freed at once.
     * Such a write() returns SLUICE_RETRY only when it began the transaction
     * itself (nothing earlier was undone), never SLUICE_REJECTED; any other
     * failure, or a failed commit(), must leave the transaction rolled back:
     * the core then fails the run, and as the batches were never
     * acknowledged, the next run reads them again. */
    int (*commit)(void *state, sluice_ctx *ctx);

    /* since 1.3 -- transforms that hold records back (a join waiting for
     * its table row); NULL for the usual transform. Called once per worker
     * at the end of its input, with the last batch it processed still in
     * hand: records appended to `last` (sluice_batch_append) go downstream
     * with it, before the end of the stream. For this the core keeps each
     * worker's last batch back until the next one arrives, or until no
     * batch has come for 200 ms; `last` is NULL when there is none left
     * (then what was held must wait for the next run). */
    int (*finish)(void *state, sluice_ctx *ctx, sluice_batch *last);

    void *reserved[6]; /* zero; room to grow without breaking old plugins */
} sluice_plugin;

/* The entry symbol every plugin exports. */
#define SLUICE_ENTRY_SYMBOL "sluice_plugin_entry"
typedef const sluice_plugin *(*sluice_entry_fn)(void);

/* Defines the entry point returning the descriptor `desc`:
 *     SLUICE_PLUGIN(my_descriptor);                                        */
#define SLUICE_PLUGIN(desc)                                                   \
    SLUICE_EXPORT const sluice_plugin *sluice_plugin_entry(void);            \
    SLUICE_EXPORT const sluice_plugin *sluice_plugin_entry(void) { return &(desc); }

/* ---- Host table ------------------------------------------------------------ */
typedef struct sluice_host {
    uint32_t abi_major;
    uint32_t abi_minor;
    uint32_t struct_size;

    /* since 1.0 -- context */
    void (*logv)(sluice_ctx *ctx, int level, const char *fmt, va_list ap);
    const char *(*stage_id)(sluice_ctx *ctx); /* borrowed, lives for the run */
    json_t *(*option)(sluice_ctx *ctx, const char *name); /* borrowed; NULL if unset and no default */
    int (*should_stop)(sluice_ctx *ctx); /* non-zero once the run is stopping */
    void (*set_error)(sluice_ctx *ctx, const char *msg); /* copied; shown in the summary */

    /* since 1.0 -- sources */
    /* Emits one record on `stream` (copied by the host). Steals `record`
     * (a JSON object) even on failure. Returns SLUICE_STOPPED when the run
     * is stopping: the record was still accepted and will be delivered, so
     * a position declared after it may include it; return from run(). */
    int (*emit)(sluice_ctx *ctx, const char *stream, json_t *record);
    /* Emits one record as JSON text (copied). The host parses it, possibly
     * on another thread; text that is not a JSON object is dead-lettered with
     * `origin`:`line` and the parser's reason. origin is copied. */
    int (*emit_json)(sluice_ctx *ctx, const char *stream, const char *text, size_t len,
                     const char *origin, uint64_t line);
    /* Reports input that could not become a record: counted, logged with
     * origin:line and reason, written to the dead-letter file. All copied. */
    int (*reject)(sluice_ctx *ctx, const char *stream, const char *raw, size_t len,
                  const char *origin, uint64_t line, const char *reason);
    /* Sends the records emitted so far downstream now (a trickle source
     * calls it when idle). */
    int (*flush)(sluice_ctx *ctx);

    /* since 1.0 -- batches (transforms and sinks) */
    size_t (*batch_count)(const sluice_batch *b); /* slots, including dropped ones */
    json_t *(*batch_record)(sluice_batch *b, size_t i); /* borrowed; NULL if dropped */
    const char *(*batch_stream)(const sluice_batch *b, size_t i); /* borrowed */
    const char *(*batch_origin)(const sluice_batch *b, size_t i, uint64_t *line); /* borrowed, may be NULL */
    const char *(*batch_source)(const sluice_batch *b); /* id of the source stage */
    void (*batch_drop)(sluice_batch *b, size_t i); /* counted as dropped */
    int (*batch_replace)(sluice_batch *b, size_t i, json_t *record); /* steals record */
    int (*batch_append)(sluice_batch *b, const char *stream, json_t *record); /* steals record */
    /* Takes record i out of the batch into the dead-letter file with the
     * reason (copied). */
    int (*batch_reject)(sluice_ctx *ctx, sluice_batch *b, size_t i, const char *reason);

    /* since 1.0 -- sources */
    /* emit() with where the record came from (origin copied), so that a
     * later stage rejecting it can still name the file and line. */
    int (*emit_at)(sluice_ctx *ctx, const char *stream, json_t *record, const char *origin, uint64_t line);

    /* since 1.1 -- delivery guarantees (sources) */
    /* The cursor the last run committed for this source, or NULL on a first
     * run or after `sluice state reset`. Borrowed, valid for the run. */
    json_t *(*cursor)(sluice_ctx *ctx);
    /* Declares that once every record emitted before this call is durably
     * in every sink, `position` may be committed as this source's cursor.
     * The core commits it only then, so the stored cursor is never ahead of
     * the data. Steals position (any JSON value). Call it every few thousand
     * records and at the end; calling it per record is allowed but costs. */
    int (*position)(sluice_ctx *ctx, json_t *position);

    /* since 1.1 -- small persistent values of a stage (e.g. a rotated OAuth
     * refresh token), written at once, independent of the cursor. */
    json_t *(*kv_get)(sluice_ctx *ctx, const char *key); /* new reference, or NULL */
    int (*kv_put)(sluice_ctx *ctx, const char *key, json_t *value); /* borrowed; NULL deletes */
    /* Sources: the newest position of this run that has been committed (all
     * records before it durable in every sink), or NULL. New reference. Lets
     * a source that answers a peer (an HTTP endpoint) say "done" only once
     * the data is safe. */
    json_t *(*committed)(sluice_ctx *ctx);

    /* since 1.2 -- HTTP client and secrets: use the wrappers in sluice/http.h */
    sluice_http *(*http_new)(sluice_ctx *ctx, const struct sluice_http_config *cfg);
    void (*http_free)(sluice_http *h);
    int (*http_send)(sluice_http *h, const struct sluice_http_request *req, struct sluice_http_response **out);
    int (*http_many)(sluice_http *h, const struct sluice_http_request *const *reqs, size_t n,
                     struct sluice_http_response **out);
    const char *(*http_header)(const struct sluice_http_response *r, const char *name);
    json_t *(*http_json)(const struct sluice_http_response *r, char *err, size_t errlen);
    void (*http_response_free)(struct sluice_http_response *r);
    void (*add_secret)(sluice_ctx *ctx, const char *secret);

    /* since 1.3 -- the folder holding the pipeline's state store, where a
     * stage may keep files of its own (e.g. the identity transform's store).
     * Borrowed, valid for the run. Use sluice_state_dir(). */
    const char *(*state_dir)(sluice_ctx *ctx);
    /* since 1.3 -- transforms that turn a record into records of other
     * streams (unify: an order into orders and order_lines). Use the
     * wrappers sluice_batch_replace_as() and sluice_batch_append_from(). */
    int (*batch_replace_as)(sluice_batch *b, size_t i, const char *stream, json_t *record);
    int (*batch_append_from)(sluice_batch *b, size_t i, const char *stream, json_t *record);
} sluice_host;

struct sluice_handle_head {
    const sluice_host *host;
};

static inline const sluice_host *sluice_host_of_ctx(sluice_ctx *ctx)
{
    return ((const struct sluice_handle_head *)(const void *)ctx)->host;
}
static inline const sluice_host *sluice_host_of_batch(const sluice_batch *b)
{
    return ((const struct sluice_handle_head *)(const void *)b)->host;
}
static inline uint32_t sluice_host_minor(sluice_ctx *ctx) { return sluice_host_of_ctx(ctx)->abi_minor; }

/* ---- Wrappers ------------------------------------------------------------- */
static inline void sluice_log(sluice_ctx *ctx, int level, const char *fmt, ...) SLUICE_PRINTF(3, 4);
static inline void sluice_log(sluice_ctx *ctx, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sluice_host_of_ctx(ctx)->logv(ctx, level, fmt, ap);
    va_end(ap);
}
#define sluice_error(ctx, ...) sluice_log((ctx), SLUICE_LOG_ERROR, __VA_ARGS__)
#define sluice_warn(ctx, ...) sluice_log((ctx), SLUICE_LOG_WARN, __VA_ARGS__)
#define sluice_info(ctx, ...) sluice_log((ctx), SLUICE_LOG_INFO, __VA_ARGS__)
#define sluice_debug(ctx, ...) sluice_log((ctx), SLUICE_LOG_DEBUG, __VA_ARGS__)

static inline const char *sluice_stage_id(sluice_ctx *ctx) { return sluice_host_of_ctx(ctx)->stage_id(ctx); }
/* The option's value (borrowed, valid for the run); NULL if unset with no default. */
static inline json_t *sluice_option_get(sluice_ctx *ctx, const char *name)
{
    return sluice_host_of_ctx(ctx)->option(ctx, name);
}
static inline const char *sluice_option_string(sluice_ctx *ctx, const char *name)
{
    return json_string_value(sluice_option_get(ctx, name)); /* NULL if unset */
}
static inline long long sluice_option_int(sluice_ctx *ctx, const char *name, long long dflt)
{
    json_t *v = sluice_option_get(ctx, name);
    return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}
static inline double sluice_option_float(sluice_ctx *ctx, const char *name, double dflt)
{
    json_t *v = sluice_option_get(ctx, name);
    return json_is_number(v) ? json_number_value(v) : dflt;
}
static inline int sluice_option_bool(sluice_ctx *ctx, const char *name, int dflt)
{
    json_t *v = sluice_option_get(ctx, name);
    return json_is_boolean(v) ? json_is_true(v) : dflt;
}
static inline int sluice_should_stop(sluice_ctx *ctx) { return sluice_host_of_ctx(ctx)->should_stop(ctx); }
static inline void sluice_set_error(sluice_ctx *ctx, const char *msg) { sluice_host_of_ctx(ctx)->set_error(ctx, msg); }

static inline int sluice_emit(sluice_ctx *ctx, const char *stream, json_t *record)
{
    return sluice_host_of_ctx(ctx)->emit(ctx, stream, record);
}
static inline int sluice_emit_at(sluice_ctx *ctx, const char *stream, json_t *record, const char *origin,
                                 uint64_t line)
{
    return sluice_host_of_ctx(ctx)->emit_at(ctx, stream, record, origin, line);
}
static inline int sluice_emit_json(sluice_ctx *ctx, const char *stream, const char *text, size_t len,
                                   const char *origin, uint64_t line)
{
    return sluice_host_of_ctx(ctx)->emit_json(ctx, stream, text, len, origin, line);
}
static inline int sluice_reject(sluice_ctx *ctx, const char *stream, const char *raw, size_t len,
                                const char *origin, uint64_t line, const char *reason)
{
    return sluice_host_of_ctx(ctx)->reject(ctx, stream, raw, len, origin, line, reason);
}
static inline int sluice_flush(sluice_ctx *ctx) { return sluice_host_of_ctx(ctx)->flush(ctx); }

/* since 1.1: check sluice_host_minor(ctx) >= 1 before calling these from a
 * plugin that must also load into a 1.0 host. */
static inline json_t *sluice_cursor(sluice_ctx *ctx) { return sluice_host_of_ctx(ctx)->cursor(ctx); }
static inline int sluice_position(sluice_ctx *ctx, json_t *position)
{
    return sluice_host_of_ctx(ctx)->position(ctx, position);
}
static inline json_t *sluice_committed(sluice_ctx *ctx) { return sluice_host_of_ctx(ctx)->committed(ctx); }
static inline json_t *sluice_kv_get(sluice_ctx *ctx, const char *key) { return sluice_host_of_ctx(ctx)->kv_get(ctx, key); }
static inline int sluice_kv_put(sluice_ctx *ctx, const char *key, json_t *value)
{
    return sluice_host_of_ctx(ctx)->kv_put(ctx, key, value);
}

/* The pipeline's state folder (see state_dir above), or NULL from a host
 * older than 1.3. */
static inline const char *sluice_state_dir(sluice_ctx *ctx)
{
    return sluice_host_minor(ctx) >= 3 ? sluice_host_of_ctx(ctx)->state_dir(ctx) : NULL;
}

/* Replaces record i and its stream (stream copied; NULL keeps it); the
 * record keeps its place and its origin (file and line) for later dead
 * letters. Steals record. On a host older than 1.3 the record is dropped
 * and appended instead. */
static inline int sluice_batch_replace_as(sluice_batch *b, size_t i, const char *stream, json_t *record);
/* Appends record on stream (copied) with the origin of record i, so a later
 * stage rejecting it still names the input's file and line. Steals record.
 * On a host older than 1.3 it is a plain sluice_batch_append(). */
static inline int sluice_batch_append_from(sluice_batch *b, size_t i, const char *stream, json_t *record);

static inline size_t sluice_batch_count(const sluice_batch *b) { return sluice_host_of_batch(b)->batch_count(b); }
static inline json_t *sluice_batch_record(sluice_batch *b, size_t i) { return sluice_host_of_batch(b)->batch_record(b, i); }
static inline const char *sluice_batch_stream(const sluice_batch *b, size_t i)
{
    return sluice_host_of_batch(b)->batch_stream(b, i);
}
static inline const char *sluice_batch_origin(const sluice_batch *b, size_t i, uint64_t *line)
{
    return sluice_host_of_batch(b)->batch_origin(b, i, line);
}
static inline const char *sluice_batch_source(const sluice_batch *b) { return sluice_host_of_batch(b)->batch_source(b); }
static inline void sluice_batch_drop(sluice_batch *b, size_t i) { sluice_host_of_batch(b)->batch_drop(b, i); }
static inline int sluice_batch_replace(sluice_batch *b, size_t i, json_t *record)
{
    return sluice_host_of_batch(b)->batch_replace(b, i, record);
}
static inline int sluice_batch_append(sluice_batch *b, const char *stream, json_t *record)
{
    return sluice_host_of_batch(b)->batch_append(b, stream, record);
}
static inline int sluice_batch_replace_as(sluice_batch *b, size_t i, const char *stream, json_t *record)
{
    const sluice_host *h = sluice_host_of_batch(b);
    if (h->abi_minor >= 3)
        return h->batch_replace_as(b, i, stream, record);
    h->batch_drop(b, i);
    return h->batch_append(b, stream, record);
}
static inline int sluice_batch_append_from(sluice_batch *b, size_t i, const char *stream, json_t *record)
{
    const sluice_host *h = sluice_host_of_batch(b);
    return h->abi_minor >= 3 ? h->batch_append_from(b, i, stream, record) : h->batch_append(b, stream, record);
}
static inline int sluice_batch_reject(sluice_ctx *ctx, sluice_batch *b, size_t i, const char *reason)
{
    return sluice_host_of_ctx(ctx)->batch_reject(ctx, b, i, reason);
}

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_PLUGIN_H */
