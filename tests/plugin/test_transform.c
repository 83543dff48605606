/* test_transform.c - a transform for the config tests that passes batches
 * through. With TP_SERIAL defined it is marked serial (one worker only). */
#include "sluice/plugin.h"

#ifndef TP_NAME
#define TP_NAME "cfgmap"
#endif
#ifdef TP_SERIAL
#define TP_FLAGS SLUICE_PLUGIN_SERIAL
#else
#define TP_FLAGS 0u
#endif

static const sluice_option options[] = {
    {"expr", SLUICE_OPT_STRING, 0, NULL, "an expression", NULL},
    {0},
};

static int tp_init(sluice_ctx *ctx, void **state)
{
    (void)ctx;
    *state = NULL;
    return SLUICE_OK;
}

static int tp_process(void *state, sluice_ctx *ctx, sluice_batch *batch)
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
    .kind = SLUICE_TRANSFORM,
    .name = TP_NAME,
    .version = "0.0.2",
    .description = "test transform",
    .options = options,
    .flags = TP_FLAGS,
    .init = tp_init,
    .process = tp_process,
};

SLUICE_PLUGIN(descriptor);
