/* sqlite_sink.c - sink `sqlite`: the embedded warehouse.
 *
 * One table per stream, created and widened from the records' fields,
 * upserted on the stream's key; one BEGIN IMMEDIATE ... COMMIT per batch.
 * See README.md for options and guarantees, sqlite_sink.h for the files. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkdirs.h"
#include "sqlite_sink.h"

static const char *const sync_choices[] = {"off", "normal", "full", NULL};

static const sluice_option sqlite_options[] = {
    {"path", SLUICE_OPT_PATH, SLUICE_OPT_REQUIRED, NULL,
     "database file; missing parent folders are created", NULL},
    {"table", SLUICE_OPT_ANY, 0, NULL,
     "table for every stream, or an object stream -> table; default: the stream's name", NULL},
    {"key", SLUICE_OPT_ANY, 0, NULL,
     "fields to upsert on: a list for every stream, or an object stream -> list; default: append", NULL},
    {"synchronous", SLUICE_OPT_STRING, 0, "\"normal\"", "PRAGMA synchronous: off, normal or full",
     sync_choices},
    {"busy_timeout_ms", SLUICE_OPT_INT, 0, "5000",
     "how long to wait for another writer before retrying the batch", NULL},
    {"cache_mb", SLUICE_OPT_INT, 0, "16",
     "page cache in MiB (PRAGMA cache_size): upserts on random keys into a large table read fewer pages", NULL},
    {"checkpoint_pages", SLUICE_OPT_INT, 0, "20000",
     "WAL pages before a checkpoint (PRAGMA wal_autocheckpoint): fewer rewrites of hot pages, a larger WAL file",
     NULL},
    {0},
};

void sqlsink_fail(sluice_ctx *ctx, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sluice_error(ctx, "%s", msg);
    sluice_set_error(ctx, msg);
}

int sqlsink_failed(sqlsink *s, sluice_ctx *ctx, int rc, const char *what, int record_level, char *reason,
                   size_t cap)
{
    /* Our own SQLITE_NOMEM (a buffer) leaves no message on the connection. */
    const char *msg = (rc & 0xff) == SQLITE_NOMEM ? sqlite3_errstr(rc) : sqlite3_errmsg(s->db);
    switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
        sluice_warn(ctx, "%s: %s: %s; the batch will be retried", s->path, what, msg);
        return SLUICE_RETRY;
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
    case SQLITE_RANGE:
        if (record_level >= 1 && reason) {
            snprintf(reason, cap, "%s: %s", what, msg);
            return SQLSINK_REJECT;
        }
        break;
    case SQLITE_ERROR:
        if (record_level >= 2 && reason) {
            snprintf(reason, cap, "%s: %s", what, msg);
            return SQLSINK_REJECT;
        }
        break;
    default: break;
    }
    sqlsink_fail(ctx, "%s: %s: %s", s->path, what, msg);
    return SLUICE_ERROR;
}

/* Runs one statement outside any record; reports failures. */
static int run(sqlsink *s, sluice_ctx *ctx, const char *sql, const char *what)
{
    int rc = sqlite3_exec(s->db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? SLUICE_OK : sqlsink_failed(s, ctx, rc, what, 0, NULL, 0);
}

static int set_wal(sqlsink *s, sluice_ctx *ctx)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(s->db, "PRAGMA journal_mode=WAL", -1, &stmt, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *mode = (const char *)sqlite3_column_text(stmt, 0);
        if (!mode || sqlite3_stricmp(mode, "wal") != 0) /* e.g. a filesystem without shared memory */
            sluice_warn(ctx, "%s: journal mode is %s, not WAL", s->path, mode ? mode : "unknown");
        rc = SQLITE_OK;
    }
    sqlite3_finalize(stmt);
    return rc == SQLITE_OK ? SLUICE_OK : sqlsink_failed(s, ctx, rc, "setting journal_mode=WAL", 0, NULL, 0);
}

static int open_db(sqlsink *s, sluice_ctx *ctx)
{
    if (sink_mkdirs_parent(s->path) != 0) {
        sqlsink_fail(ctx, "cannot create the folder of %s: %s", s->path, strerror(errno));
        return SLUICE_EIO;
    }
    int rc = sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             NULL);
    if (rc != SQLITE_OK) {
        sqlsink_fail(ctx, "cannot open %s: %s", s->path, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        return SLUICE_EIO;
    }
    sqlite3_extended_result_codes(s->db, 1);
    long long timeout = sluice_option_int(ctx, "busy_timeout_ms", 5000);
    if (timeout < 0 || timeout > 24LL * 3600 * 1000) {
        sqlsink_fail(ctx, "option busy_timeout_ms: expected 0 to 86400000, got %lld", timeout);
        return SLUICE_EINVAL;
    }
    sqlite3_busy_timeout(s->db, (int)timeout);
    const char *sync = sluice_option_string(ctx, "synchronous");
    const char *pragma = "PRAGMA synchronous=NORMAL";
    if (sync && strcmp(sync, "off") == 0)
        pragma = "PRAGMA synchronous=OFF";
    else if (sync && strcmp(sync, "full") == 0)
        pragma = "PRAGMA synchronous=FULL";
    long long cache_mb = sluice_option_int(ctx, "cache_mb", 16);
    if (cache_mb < 1 || cache_mb > 65536) {
        sqlsink_fail(ctx, "option cache_mb: expected 1 to 65536, got %lld", cache_mb);
        return SLUICE_EINVAL;
    }
    long long ckpt = sluice_option_int(ctx, "checkpoint_pages", 20000);
    if (ckpt < 0 || ckpt > 10000000) {
        sqlsink_fail(ctx, "option checkpoint_pages: expected 0 to 10000000, got %lld", ckpt);
        return SLUICE_EINVAL;
    }
    char cache_pragma[64];
    snprintf(cache_pragma, sizeof cache_pragma, "PRAGMA cache_size=-%lld", cache_mb * 1024);
    int status = set_wal(s, ctx);
    if (status == SLUICE_OK)
        status = run(s, ctx, cache_pragma, "setting the page cache");
    if (status == SLUICE_OK)
        status = run(s, ctx, pragma, "setting synchronous");
    return status == SLUICE_OK ? sqlsink_ckpt_start(s, ctx, (int)ckpt, pragma) : status;
}

static void sqlite_fini(void *state)
{
    sqlsink *s = state;
    if (!s)
        return;
    sqlsink_streams_free(s); /* finalizes the statements first */
    sqlsink_ckpt_stop(s, NULL);
    sqlite3_close_v2(s->db);
    sink_buf_free(&s->sql);
    sink_buf_free(&s->text);
    sink_buf_free(&s->folded);
    free(s->path);
    free(s);
}

static int sqlite_init(sluice_ctx *ctx, void **state)
{
    const char *path = sluice_option_string(ctx, "path");
    if (!path || !*path) {
        sqlsink_fail(ctx, "option path: required");
        return SLUICE_EINVAL;
    }
    sqlsink *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return SLUICE_ENOMEM;
    }
    int status = sqlsink_streams_configure(s, ctx);
    if (status == SLUICE_OK)
        status = open_db(s, ctx);
    if (status != SLUICE_OK) {
        sqlite_fini(s);
        return status;
    }
    *state = s;
    return SLUICE_OK;
}

/* Undoes the batch. What was cached about the schema may have been undone
 * with it (a table created, a column added), so it is read again. */
static void rollback(sqlsink *s)
{
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    sqlsink_streams_forget(s);
}

/* Writes record i; a record the table cannot take is dead-lettered. */
static int write_one(sqlsink *s, sluice_ctx *ctx, sluice_batch *b, size_t i, json_t *rec)
{
    char reason[SQLSINK_REASON_MAX];
    sqlsink_stream *st = sqlsink_stream_get(s, sluice_batch_stream(b, i));
    if (!st)
        return SLUICE_ENOMEM;
    int status = sqlsink_upsert(s, ctx, st, rec, reason, sizeof reason);
    if (status != SQLSINK_REJECT)
        return status;
    if (sluice_batch_reject(ctx, b, i, reason) != SLUICE_OK)
        return SLUICE_ERROR;
    /* Errors such as a full disk end the transaction, not just the
     * statement; then nothing of the batch is left to commit. */
    if (sqlite3_get_autocommit(s->db)) {
        sluice_warn(ctx, "%s: the transaction was rolled back by SQLite; the batch will be retried", s->path);
        return SLUICE_RETRY;
    }
    return SQLSINK_WRITTEN;
}

/* Writes the batch into the open transaction, beginning one when none is
 * open; the core calls sqlite_commit() when it wants it durable (see commit()
 * in plugin.h). Random keys dirty pages all over the unique index, and each
 * commit writes every dirty page to the WAL again, so fewer, bigger commits
 * write far less (500,000 GUID-keyed products: ~400,000 WAL frames when
 * committing every 2,000 records). */
static int sqlite_write(void *state, sluice_ctx *ctx, sluice_batch *b)
{
    sqlsink *s = state;
    size_t n = sluice_batch_count(b);
    int began = 0, status = SLUICE_OK;
    for (size_t i = 0; i < n && status == SLUICE_OK; i++) {
        json_t *rec = sluice_batch_record(b, i);
        if (!rec)
            continue;
        if (!s->in_txn) {
            /* IMMEDIATE takes the write lock now, so the schema read while
             * writing cannot change under the transaction; BUSY means
             * another writer held it past busy_timeout_ms. */
            if ((status = run(s, ctx, "BEGIN IMMEDIATE", "starting a transaction")) != SLUICE_OK)
                return status;
            s->in_txn = began = 1;
        }
        status = write_one(s, ctx, b, i, rec);
    }
    if (status != SLUICE_OK && s->in_txn) {
        rollback(s);
        s->in_txn = 0;
    }
    if (status == SLUICE_ENOMEM)
        sqlsink_fail(ctx, "%s: out of memory", s->path);
    /* A retry is sound only when nothing written before this batch was
     * undone with it. */
    if (status == SLUICE_RETRY && began)
        return SLUICE_RETRY;
    return status == SLUICE_OK ? SLUICE_OK : SLUICE_ERROR;
}

static int sqlite_commit(void *state, sluice_ctx *ctx)
{
    sqlsink *s = state;
    if (!s->in_txn)
        return SLUICE_OK;
    int status = run(s, ctx, "COMMIT", "committing");
    if (status != SLUICE_OK)
        rollback(s);
    s->in_txn = 0;
    return status == SLUICE_OK ? SLUICE_OK : SLUICE_ERROR;
}

/* Every batch is committed already; checkpointing moves the WAL into the
 * database file (and syncs it) so the file is complete on its own. */
static int sqlite_flush(void *state, sluice_ctx *ctx)
{
    sqlsink *s = state;
    sqlsink_ckpt_stop(s, ctx); /* nothing more to write: the last checkpoint is the writer's */
    int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    if (rc != SQLITE_OK)
        sluice_debug(ctx, "%s: checkpoint: %s", s->path, sqlite3_errmsg(s->db));
    return SLUICE_OK;
}

static const sluice_plugin sqlite_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SINK,
    .name = "sqlite",
    .version = "1.0.0",
    .description = "upserts records into SQLite tables, one per stream",
    .options = sqlite_options,
    /* Upserts must land in batch order for the latest values to win. */
    .flags = SLUICE_PLUGIN_SERIAL,
    .init = sqlite_init,
    .fini = sqlite_fini,
    .write = sqlite_write,
    .flush = sqlite_flush,
    .commit = sqlite_commit,
};

SLUICE_PLUGIN(sqlite_plugin);
