/* txn_sink.c - a test sink with transactions that span batches (ABI 1.3
 * commit()), to exercise how the core batches them up and acknowledges.
 * write() keeps records in memory (the open transaction); commit() appends
 * them to `path` (JSON Lines, flushed) and one line to `log`: the number of
 * write() calls and of records it committed.
 *   write_delay_ms  sleep in every write(), so the sink is the bottleneck
 *   fail_commit     the Nth commit() fails, its records are dropped (the
 *                   rollback) */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <sluice/plugin.h>

static const sluice_option txn_options[] = {
    {"path", SLUICE_OPT_PATH, SLUICE_OPT_REQUIRED, NULL, "JSON Lines output, written at commit", NULL},
    {"log", SLUICE_OPT_PATH, SLUICE_OPT_REQUIRED, NULL, "one line per commit: writes records", NULL},
    {"write_delay_ms", SLUICE_OPT_INT, 0, "0", "sleep in every write()", NULL},
    {"fail_commit", SLUICE_OPT_INT, 0, "0", "the Nth commit fails (0: none)", NULL},
    {0},
};

typedef struct txn {
    FILE *out, *log;
    json_t *open;  /* records of the open transaction (owned array) */
    long writes;   /* write() calls in the open transaction */
    long long delay_ms, fail_at, commits;
} txn;

static void txn_fini(void *state)
{
    txn *s = state;
    if (s->out)
        fclose(s->out);
    if (s->log)
        fclose(s->log);
    json_decref(s->open);
    free(s);
}

static int txn_init(sluice_ctx *ctx, void **state)
{
    txn *s = calloc(1, sizeof *s);
    if (!s)
        return SLUICE_ENOMEM;
    s->out = fopen(sluice_option_string(ctx, "path"), "a");
    s->log = fopen(sluice_option_string(ctx, "log"), "a");
    s->open = json_array();
    s->delay_ms = sluice_option_int(ctx, "write_delay_ms", 0);
    s->fail_at = sluice_option_int(ctx, "fail_commit", 0);
    if (!s->out || !s->log || !s->open) {
        txn_fini(s);
        sluice_set_error(ctx, "cannot open path or log");
        return SLUICE_EIO;
    }
    *state = s;
    return SLUICE_OK;
}

static int txn_write(void *state, sluice_ctx *ctx, sluice_batch *b)
{
    (void)ctx;
    txn *s = state;
    if (s->delay_ms > 0) {
        struct timespec ts = {s->delay_ms / 1000, (long)(s->delay_ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
    }
    size_t n = sluice_batch_count(b);
    for (size_t i = 0; i < n; i++) {
        json_t *r = sluice_batch_record(b, i);
        if (r)
            json_array_append(s->open, r);
    }
    s->writes++;
    return SLUICE_OK;
}

static int txn_commit(void *state, sluice_ctx *ctx)
{
    txn *s = state;
    size_t n = json_array_size(s->open);
    int rc = SLUICE_OK;
    if (++s->commits == s->fail_at) {
        sluice_set_error(ctx, "simulated commit failure");
        rc = SLUICE_ERROR;
    } else {
        size_t i;
        json_t *r;
        json_array_foreach(s->open, i, r)
        {
            if (json_dumpf(r, s->out, JSON_COMPACT) == 0)
                fputc('\n', s->out);
        }
        fprintf(s->log, "%ld %zu\n", s->writes, n);
        if (fflush(s->out) != 0 || fflush(s->log) != 0)
            rc = SLUICE_ERROR;
    }
    json_array_clear(s->open);
    s->writes = 0;
    return rc;
}

static const sluice_plugin txn_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SINK,
    .name = "txn",
    .version = "1.0.0",
    .description = "test sink whose transactions span batches",
    .options = txn_options,
    .flags = SLUICE_PLUGIN_SERIAL,
    .init = txn_init,
    .fini = txn_fini,
    .write = txn_write,
    .commit = txn_commit,
};

SLUICE_PLUGIN(txn_plugin)
