/*
 * transform_tag.c - a complete sluice plugin to copy when writing your own.
 *
 * It sets `field` to `value` on every record, and dead-letters records that
 * already carry `field` with another value when `strict` is true.
 *
 * Build it out of tree against an installed sluice:
 *     cc -shared -fPIC $(pkg-config --cflags sluice) transform_tag.c \
 *        $(pkg-config --libs jansson) -o transform_tag.so
 * and point a pipeline's "plugin_path" (or $SLUICE_PLUGIN_PATH) at the
 * folder holding transform_tag.so. The file name must be <kind>_<name>.so.
 */
#include <stdlib.h>
#include <string.h>

#include <sluice/plugin.h>

/* The option table: the core validates a stage's options against it before
 * init() and `sluice describe tag` prints it. */
static const sluice_option tag_options[] = {
    {"field", SLUICE_OPT_STRING, SLUICE_OPT_REQUIRED, NULL, "field to set on every record", NULL},
    {"value", SLUICE_OPT_STRING, 0, "\"tagged\"", "value to set", NULL},
    {"strict", SLUICE_OPT_BOOL, 0, "false", "reject records whose field already holds another value", NULL},
    {0},
};

/* One instance per worker: the plugin owns it, fini() frees it. */
typedef struct tag_state {
    char *field; /* owned copies: option values are only borrowed */
    char *value;
    int strict;
} tag_state;

static int tag_init(sluice_ctx *ctx, void **state)
{
    tag_state *t = calloc(1, sizeof *t);
    if (!t)
        return SLUICE_ENOMEM;
    t->field = strdup(sluice_option_string(ctx, "field"));
    t->value = strdup(sluice_option_string(ctx, "value"));
    t->strict = sluice_option_bool(ctx, "strict", 0);
    if (!t->field || !t->value) {
        free(t->field);
        free(t->value);
        free(t);
        return SLUICE_ENOMEM;
    }
    *state = t;
    return SLUICE_OK;
}

static void tag_fini(void *state)
{
    tag_state *t = state;
    free(t->field);
    free(t->value);
    free(t);
}

static int tag_process(void *state, sluice_ctx *ctx, sluice_batch *batch)
{
    tag_state *t = state;
    for (size_t i = 0; i < sluice_batch_count(batch); i++) {
        json_t *rec = sluice_batch_record(batch, i); /* borrowed; NULL if dropped */
        if (!rec)
            continue;
        const char *have = json_string_value(json_object_get(rec, t->field));
        if (t->strict && have && strcmp(have, t->value) != 0) {
            sluice_batch_reject(ctx, batch, i, "field already set to another value");
            continue;
        }
        json_object_set_new(rec, t->field, json_string(t->value));
    }
    return SLUICE_OK;
}

static const sluice_plugin tag_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_TRANSFORM,
    .name = "tag",
    .version = "1.0.0",
    .description = "Sets a field to a fixed value (the plugin template)",
    .options = tag_options,
    .init = tag_init,
    .fini = tag_fini,
    .process = tag_process,
};

SLUICE_PLUGIN(tag_plugin)
