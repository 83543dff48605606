/* pg_sink.c - sink `postgres`: records into PostgreSQL tables, one per
 * stream, created and widened from the records, upserted on a key.
 *
 * One transaction per batch: each stream's records are cut into runs of
 * records with the same fields, each run is COPYed into a temporary
 * staging table and moved into its table with one INSERT ... SELECT (ON
 * CONFLICT ... DO UPDATE with a key). The batch is acknowledged after
 * COMMIT. See README.md for options and guarantees, pg_sink.h for the
 * files. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_sink.h"

static const sluice_option pg_options[] = {
    {"conninfo", SLUICE_OPT_STRING, SLUICE_OPT_SECRET, "\"\"",
     "libpq connection string or URI; empty: the PG* environment variables (PGHOST, PGUSER ...)", NULL},
    {"schema", SLUICE_OPT_STRING, 0, "\"public\"", "schema of the tables; created when missing", NULL},
    {"table", SLUICE_OPT_ANY, 0, NULL,
     "table for every stream, or an object stream -> table; default: the stream's name", NULL},
    {"key", SLUICE_OPT_ANY, 0, NULL,
     "fields to upsert on: a list for every stream, or an object stream -> list; default: append", NULL},
    {"types", SLUICE_OPT_OBJECT, 0, NULL,
     "SQL types of new columns instead of the inferred ones: {stream: {column: type}}", NULL},
    {"batch_size", SLUICE_OPT_INT, 0, "10000", "rows per COPY and INSERT ... SELECT within one batch", NULL},
    {0},
};

/* Upper bound of batch_size: beyond it a statement's sort needs more
 * memory than it saves in round trips. */
#define PGSINK_BATCH_MAX 1000000

void pgsink_fail(pgsink *s, sluice_ctx *ctx, const char *fmt, ...)
{
    char raw[PGSINK_REASON_MAX * 2], msg[PGSINK_REASON_MAX * 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    pgsink_scrub(s, raw, msg, sizeof msg);
    sluice_error(ctx, "%s", msg);
    sluice_set_error(ctx, msg);
}

int pgsink_reject(sluice_ctx *ctx, sluice_batch *b, size_t i, const char *reason)
{
    return sluice_batch_reject(ctx, b, i, reason) == SLUICE_OK ? SLUICE_OK : SLUICE_ERROR;
}

static void pg_fini(void *state)
{
    pgsink *s = state;
    if (!s)
        return;
    PQfinish(s->conn);
    pgsink_streams_free(s);
    for (size_t i = 0; i < s->nsecrets; i++)
        free(s->secrets[i]);
    free(s->secrets);
    free(s->conninfo);
    free(s->where);
    free(s->schema);
    free(s->cols);
    free(s->seen);
    sink_buf_free(&s->sql);
    sink_buf_free(&s->copy);
    sink_buf_free(&s->text);
    free(s);
}

static int configure(pgsink *s, sluice_ctx *ctx)
{
    const char *schema = sluice_option_string(ctx, "schema");
    if (!schema || !*schema || strlen(schema) > PGSINK_NAME_MAX) {
        pgsink_fail(s, ctx, "option schema: expected a name of 1 to %d bytes", PGSINK_NAME_MAX);
        return SLUICE_EINVAL;
    }
    long long batch = sluice_option_int(ctx, "batch_size", 10000);
    if (batch < 1 || batch > PGSINK_BATCH_MAX) {
        pgsink_fail(s, ctx, "option batch_size: expected 1 to %d, got %lld", PGSINK_BATCH_MAX, batch);
        return SLUICE_EINVAL;
    }
    s->batch_size = (size_t)batch;
    if (!(s->schema = strdup(schema)) || !(s->where = strdup("postgres")))
        return SLUICE_ENOMEM;
    int status = pgsink_conn_configure(s, ctx, sluice_option_string(ctx, "conninfo"));
    return status == SLUICE_OK ? pgsink_streams_configure(s, ctx) : status;
}

static int pg_init(sluice_ctx *ctx, void **state)
{
    pgsink *s = calloc(1, sizeof *s);
    if (!s)
        return SLUICE_ENOMEM;
    s->ctx = ctx;
    int status = configure(s, ctx);
    if (status == SLUICE_OK)
        status = pgsink_connect(s, ctx);
    if (status != SLUICE_OK) {
        pg_fini(s);
        return status;
    }
    *state = s;
    return SLUICE_OK;
}

/* ---- one batch ----------------------------------------------------------- */

static int push_index(pgsink_stream *st, size_t i)
{
    if (st->nidx == st->capidx) {
        size_t cap = st->capidx ? st->capidx * 2 : 1024;
        size_t *grown = realloc(st->idx, cap * sizeof *grown);
        if (!grown)
            return -1;
        st->idx = grown;
        st->capidx = cap;
    }
    st->idx[st->nidx++] = i;
    return 0;
}

/* Lists each stream's records, streams in the order of their first record.
 * Returns the number of live records, or -1 (out of memory). */
static long group_by_stream(pgsink *s, sluice_batch *b)
{
    size_t n = sluice_batch_count(b);
    long live = 0;
    for (size_t i = 0; i < n; i++) {
        if (!sluice_batch_record(b, i))
            continue;
        pgsink_stream *st = pgsink_stream_get(s, sluice_batch_stream(b, i));
        if (!st)
            return -1;
        if (!st->in_batch) {
            st->in_batch = 1;
            st->nidx = 0;
            s->order[s->norder++] = st;
        }
        if (push_index(st, i) != 0)
            return -1;
        live++;
    }
    return live;
}

static void clear_order(pgsink *s)
{
    for (size_t i = 0; i < s->norder; i++) {
        s->order[i]->in_batch = 0;
        s->order[i]->nidx = 0;
    }
    s->norder = 0;
}

/* Why a record that starts a run cannot be written, or NULL. */
static const char *check_fields(json_t *rec, char *reason, size_t cap)
{
    if (json_object_size(rec) == 0)
        return "record has no fields";
    const char *field;
    json_t *v;
    json_object_foreach(rec, field, v) {
        size_t n = strlen(field);
        if (n == 0)
            return "a field has an empty name, which cannot be a column";
        if (n > PGSINK_NAME_MAX) {
            snprintf(reason, cap, "field \"%.40s...\": name longer than %d bytes, the limit of PostgreSQL "
                                  "column names", field, PGSINK_NAME_MAX);
            return reason;
        }
        if (strcmp(field, PGSINK_ORD_COLUMN) == 0)
            return "field \"" PGSINK_ORD_COLUMN "\" is reserved by the postgres sink";
    }
    return NULL;
}

static const char *check_key(const pgsink_stream *st, json_t *rec, char *reason, size_t cap)
{
    for (size_t k = 0; k < st->nkey; k++) {
        json_t *v = json_object_get(rec, st->key[k]);
        if (!v || json_is_null(v)) {
            snprintf(reason, cap, "missing key field %s%s", st->key[k], v ? " (null)" : "");
            return reason;
        }
    }
    return NULL;
}

/* Whether rec has exactly the run's fields (in any order). */
static int same_fields(const pgsink_run *run, json_t *rec)
{
    if (json_object_size(rec) != run->ncols)
        return 0;
    size_t j = 0;
    const char *field;
    json_t *v;
    json_object_foreach(rec, field, v) {
        if (strcmp(field, run->cols[j]) != 0)
            break;
        j++;
    }
    for (; j < run->ncols; j++) /* another order: look each column up */
        if (!json_object_get(rec, run->cols[j]))
            return 0;
    return 1;
}

static int set_columns(pgsink *s, pgsink_run *run, json_t *proto)
{
    size_t n = json_object_size(proto);
    if (n > s->capcols) {
        const char **grown = realloc(s->cols, n * sizeof *grown);
        if (!grown)
            return -1;
        s->cols = grown;
        s->capcols = n;
    }
    run->proto = json_incref(proto);
    run->cols = s->cols;
    run->ncols = 0;
    const char *field;
    json_t *v;
    json_object_foreach(proto, field, v) {
        s->cols[run->ncols++] = field;
    }
    return 0;
}

static int write_run(pgsink *s, sluice_ctx *ctx, pgsink_stream *st, sluice_batch *b, pgsink_run *run)
{
    int status = pgsink_schema_ready(s, ctx, st, b, run);
    if (status == SLUICE_OK)
        status = pgsink_copy_run(s, ctx, st, b, run);
    if (status == SLUICE_OK)
        status = pgsink_merge_run(s, ctx, st, run);
    return status;
}

/* Takes the run starting at st->idx[*pos] (a record that passed the
 * checks) as far as it goes and writes it. The others of the run have the
 * same field names, so only a null key is left to find (pg_copy.c). */
static int take_run(pgsink *s, sluice_ctx *ctx, pgsink_stream *st, sluice_batch *b, size_t *pos)
{
    size_t first = *pos, i = first + 1, count = 1;
    pgsink_run run = {0};
    if (set_columns(s, &run, sluice_batch_record(b, st->idx[first])) != 0)
        return SLUICE_ENOMEM;
    for (; i < st->nidx && count < s->batch_size; i++) {
        json_t *rec = sluice_batch_record(b, st->idx[i]);
        if (rec && !same_fields(&run, rec))
            break;
        count += rec != NULL;
    }
    run.idx = st->idx + first;
    run.nidx = i - first;
    *pos = i;
    int status = write_run(s, ctx, st, b, &run);
    json_decref(run.proto);
    return status;
}

static int write_stream(pgsink *s, sluice_ctx *ctx, pgsink_stream *st, sluice_batch *b)
{
    char reason[PGSINK_REASON_MAX];
    int status = SLUICE_OK;
    for (size_t i = 0; i < st->nidx && status == SLUICE_OK;) {
        json_t *rec = sluice_batch_record(b, st->idx[i]);
        const char *why = rec ? check_fields(rec, reason, sizeof reason) : NULL;
        if (rec && !why)
            why = check_key(st, rec, reason, sizeof reason);
        if (!rec || why) {
            status = why ? pgsink_reject(ctx, b, st->idx[i], why) : SLUICE_OK;
            i++;
            continue;
        }
        status = take_run(s, ctx, st, b, &i);
    }
    return status;
}

static int commit(pgsink *s, sluice_ctx *ctx)
{
    PGresult *r = PQexec(s->conn, "COMMIT");
    int status;
    if (r && PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0) {
        status = SLUICE_OK;
    } else if (r && PQresultStatus(r) == PGRES_COMMAND_OK) {
        /* COMMIT of a failed transaction answers ROLLBACK; it cannot get
         * here, but the batch must not count as written if it did. */
        sluice_warn(ctx, "%s: the server rolled the batch back; it will be retried", s->where);
        status = SLUICE_RETRY;
    } else {
        status = pgsink_result_failed(s, ctx, r, "committing the batch", PGSINK_PHASE_DATA);
    }
    PQclear(r);
    return status;
}

static int write_batch(pgsink *s, sluice_ctx *ctx, sluice_batch *b)
{
    int status = pgsink_conn_ready(s, ctx);
    if (status != SLUICE_OK)
        return status;
    status = pgsink_exec(s, ctx, "BEGIN", "starting a transaction", PGSINK_PHASE_SESSION);
    for (size_t i = 0; i < s->norder && status == SLUICE_OK; i++)
        status = write_stream(s, ctx, s->order[i], b);
    if (status == SLUICE_OK)
        status = commit(s, ctx);
    if (status != SLUICE_OK) {
        pgsink_rollback(s);
        pgsink_streams_forget(s);
    }
    return status;
}

static int pg_write(void *state, sluice_ctx *ctx, sluice_batch *b)
{
    pgsink *s = state;
    s->ctx = ctx;
    long live = group_by_stream(s, b);
    int status = live < 0 ? SLUICE_ENOMEM : live == 0 ? SLUICE_OK : write_batch(s, ctx, b);
    clear_order(s);
    switch (status) {
    case SLUICE_OK:
    case SLUICE_RETRY:
    case SLUICE_REJECTED:
    case SLUICE_ERROR: return status;
    case SLUICE_ENOMEM: pgsink_fail(s, ctx, "%s: out of memory", s->where); return SLUICE_ERROR;
    default: return SLUICE_ERROR;
    }
}

static const sluice_plugin pg_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SINK,
    .name = "postgres",
    .version = "1.0.0",
    .description = "upserts records into PostgreSQL tables, one per stream, with COPY",
    .options = pg_options,
    /* Upserts must land in batch order for the latest values to win. */
    .flags = SLUICE_PLUGIN_SERIAL,
    .init = pg_init,
    .fini = pg_fini,
    .write = pg_write,
    .flush = NULL, /* every batch is committed when write returns */
};

SLUICE_PLUGIN(pg_plugin);
