/* test_sink.c - a sink for the config and CLI tests. With TP_NO_OPTIONS it
 * declares no options at all. */
#include "sluice/plugin.h"

#ifndef TP_NAME
#define TP_NAME "cfgout"
#endif

#ifndef TP_NO_OPTIONS
static const char *const modes[] = {"alpha", "beta", NULL};

static const sluice_option options[] = {
    {"path", SLUICE_OPT_PATH, 0, "\"out.jsonl\"", "file to write", NULL},
    {"key", SLUICE_OPT_OBJECT, 0, NULL, "key columns per stream", NULL},
    {"mode", SLUICE_OPT_STRING, SLUICE_OPT_SECRET, NULL, "secret mode", modes},
    {0},
};
#define TP_OPTIONS options
#else
#define TP_OPTIONS NULL
#endif

static int tp_init(sluice_ctx *ctx, void **state)
{
    (void)ctx;
    *state = NULL;
    return SLUICE_OK;
}

static int tp_write(void *state, sluice_ctx *ctx, sluice_batch *batch)
{
    (void)state;
    (void)ctx;
    (void)batch;
    return SLUICE_OK;
}

static const sluice_plugin descriptor = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SINK,
    .name = TP_NAME,
    .version = "0.0.3",
    .description = "test sink",
    .options = TP_OPTIONS,
    .init = tp_init,
    .write = tp_write,
};

SLUICE_PLUGIN(descriptor);
