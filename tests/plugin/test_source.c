/* test_source.c - a source for the config and loader tests: one option of
 * every type, so the option checker has something to check. It emits
 * nothing. Built as source_<TP_NAME>.so into a test-only folder. */
#include "sluice/plugin.h"

#ifndef TP_NAME
#define TP_NAME "cfgsrc"
#endif

static const char *const formats[] = {"csv", "jsonl", NULL};
static const char *const tag_values[] = {"a", "b", "c", NULL};
static const char *const separators[] = {",", "\t", "tab", NULL};

static const sluice_option options[] = {
    {"path", SLUICE_OPT_PATH, SLUICE_OPT_REQUIRED, NULL, "file to read", NULL},
    {"format", SLUICE_OPT_STRING, 0, "\"csv\"", "input format", formats},
    {"limit", SLUICE_OPT_INT, 0, "10", "records to read", NULL},
    {"ratio", SLUICE_OPT_FLOAT, 0, NULL, "sampling ratio", NULL},
    {"header", SLUICE_OPT_BOOL, 0, "true", "first line is a header", NULL},
    {"columns", SLUICE_OPT_LIST, 0, NULL, "columns to keep", NULL},
    {"tags", SLUICE_OPT_LIST, 0, "\"a\"", "tags", tag_values},
    {"mapping", SLUICE_OPT_OBJECT, 0, NULL, "renames", NULL},
    {"rows", SLUICE_OPT_ARRAY, 0, NULL, "literal rows", NULL},
    {"extra", SLUICE_OPT_ANY, 0, NULL, "anything", NULL},
    {"token", SLUICE_OPT_STRING, SLUICE_OPT_SECRET, NULL, "API token", NULL},
    {"out_dir", SLUICE_OPT_PATH, 0, "\"state\"", "where to keep state", NULL},
    {"sep", SLUICE_OPT_STRING, 0, "\",\"", "separator", separators},
    {0},
};

static int tp_init(sluice_ctx *ctx, void **state)
{
    (void)ctx;
    *state = NULL;
    return SLUICE_OK;
}

static void tp_fini(void *state) { (void)state; }

static int tp_run(void *state, sluice_ctx *ctx)
{
    (void)state;
    (void)ctx;
    return SLUICE_OK;
}

static const sluice_plugin descriptor = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SOURCE,
    .name = TP_NAME,
    .version = "0.0.1",
    .description = "test source with one option of each type",
    .options = options,
    .init = tp_init,
    .fini = tp_fini,
    .run = tp_run,
};

SLUICE_PLUGIN(descriptor);
