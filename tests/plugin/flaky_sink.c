/* flaky_sink.c - a test sink that fails on purpose, to exercise the core's
 * retries, batch splitting and acknowledgements. Records land in a JSON
 * Lines file (`path`, flushed per batch).
 *   fail_first   the first N write() calls answer SLUICE_RETRY
 *   always_retry every write() answers SLUICE_RETRY (retries run out)
 *   refuse_field a batch holding a record whose field is true is refused
 *                whole (SLUICE_REJECTED), as a database refuses a COPY
 *   token        a SECRET option this sink carelessly puts into its error
 *                texts: the core must mask it everywhere */
#include <stdio.h>
#include <stdlib.h>

#include <sluice/plugin.h>

static const sluice_option flaky_options[] = {
    {"path", SLUICE_OPT_PATH, SLUICE_OPT_REQUIRED, NULL, "JSON Lines output", NULL},
    {"fail_first", SLUICE_OPT_INT, 0, "0", "answer RETRY to the first N writes", NULL},
    {"always_retry", SLUICE_OPT_BOOL, 0, "false", "answer RETRY to every write", NULL},
    {"refuse_field", SLUICE_OPT_STRING, 0, NULL, "refuse batches holding a record with this field true", NULL},
    {"token", SLUICE_OPT_STRING, SLUICE_OPT_SECRET, NULL, "a secret leaked into error texts", NULL},
    {0},
};

typedef struct flaky {
    FILE *f;
    long long fail_left;
    int always;
    const char *refuse; /* borrowed option values, live for the run */
    const char *token;
} flaky;

static int flaky_init(sluice_ctx *ctx, void **state)
{
    flaky *s = calloc(1, sizeof *s);
    if (!s)
        return SLUICE_ENOMEM;
    s->f = fopen(sluice_option_string(ctx, "path"), "a");
    s->fail_left = sluice_option_int(ctx, "fail_first", 0);
    s->always = sluice_option_bool(ctx, "always_retry", 0);
    s->refuse = sluice_option_string(ctx, "refuse_field");
    s->token = sluice_option_string(ctx, "token") ? sluice_option_string(ctx, "token") : "none";
    if (!s->f) {
        free(s);
        sluice_set_error(ctx, "cannot open path");
        return SLUICE_EIO;
    }
    *state = s;
    return SLUICE_OK;
}

static void flaky_fini(void *state)
{
    flaky *s = state;
    fclose(s->f);
    free(s);
}

static int flaky_write(void *state, sluice_ctx *ctx, sluice_batch *b)
{
    flaky *s = state;
    if (s->always || s->fail_left > 0) {
        s->fail_left--;
        char msg[256];
        snprintf(msg, sizeof msg, "simulated transient failure (token %s)", s->token);
        sluice_set_error(ctx, msg);
        return SLUICE_RETRY;
    }
    size_t n = sluice_batch_count(b);
    for (size_t i = 0; s->refuse && i < n; i++) {
        json_t *r = sluice_batch_record(b, i);
        if (r && json_is_true(json_object_get(r, s->refuse))) {
            char msg[256];
            snprintf(msg, sizeof msg, "simulated constraint violation (token %s)", s->token);
            sluice_set_error(ctx, msg);
            return SLUICE_REJECTED;
        }
    }
    for (size_t i = 0; i < n; i++) {
        json_t *r = sluice_batch_record(b, i);
        if (r && json_dumpf(r, s->f, JSON_COMPACT) == 0)
            fputc('\n', s->f);
    }
    return fflush(s->f) == 0 ? SLUICE_OK : SLUICE_ERROR;
}

static const sluice_plugin flaky_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SINK,
    .name = "flaky",
    .version = "1.0.0",
    .description = "test sink that fails on purpose",
    .options = flaky_options,
    .flags = SLUICE_PLUGIN_SERIAL,
    .init = flaky_init,
    .fini = flaky_fini,
    .write = flaky_write,
};

SLUICE_PLUGIN(flaky_plugin)
