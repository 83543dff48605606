/*
 * filter.c - the `filter` transform: keeps the records for which every
 * `keep` condition holds, then drops those for which every `drop`
 * condition holds.
 *
 * Conditions are compiled in init() (filter_conditions.c) and evaluated
 * with filter_cond_eval() (filter_compare.c). Each worker has its own
 * state, so nothing here is shared between threads.
 */
#include "filter.h"

#include <locale.h>
#include <stdlib.h>

#define FILTER_VERSION "1.0.0"

typedef struct filter_state {
    json_t *opts;       /* owned: private copy; the lists point into it */
    filter_list keep;
    filter_list drop;
    locale_t c_locale;  /* owned: number parsing must not follow LC_NUMERIC */
} filter_state;

static int all_hold(const filter_list *l, json_t *rec)
{
    for (size_t k = 0; k < l->n; k++)
        if (!filter_cond_eval(&l->conds[k], rec))
            return 0;
    return 1;
}

static int filter_wants(const filter_state *st, json_t *rec)
{
    if (st->keep.set && !all_hold(&st->keep, rec))
        return 0;
    if (st->drop.set && all_hold(&st->drop, rec))
        return 0;
    return 1;
}

static int filter_process(void *state, sluice_ctx *ctx, sluice_batch *b)
{
    filter_state *st = state;
    size_t n = sluice_batch_count(b);
    locale_t old = uselocale(st->c_locale);
    for (size_t i = 0; i < n; i++) {
        json_t *rec = sluice_batch_record(b, i);
        if (rec && !filter_wants(st, rec))
            sluice_batch_drop(b, i);
    }
    uselocale(old);
    return SLUICE_OK;
}

static void filter_fini(void *state)
{
    filter_state *st = state;
    if (!st)
        return;
    filter_list_free(&st->keep);
    filter_list_free(&st->drop);
    json_decref(st->opts);
    if (st->c_locale)
        freelocale(st->c_locale);
    free(st);
}

/* The lists point into a private copy of the options, so their lifetime
 * is plainly the stage's, whatever the host does with its own. */
static int copy_options(sluice_ctx *ctx, filter_state *st)
{
    static const char *const names[] = { "keep", "drop" };
    st->opts = json_object();
    if (!st->opts)
        return SLUICE_ENOMEM;
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        json_t *v = sluice_option_get(ctx, names[k]);
        if (v && json_object_set_new(st->opts, names[k], json_deep_copy(v)) < 0)
            return SLUICE_ENOMEM;
    }
    return SLUICE_OK;
}

static int filter_build(sluice_ctx *ctx, filter_state *st)
{
    int rc;
    if ((rc = copy_options(ctx, st)) != SLUICE_OK ||
        (rc = filter_list_build(ctx, st->opts, "keep", &st->keep)) != SLUICE_OK ||
        (rc = filter_list_build(ctx, st->opts, "drop", &st->drop)) != SLUICE_OK)
        return rc;
    if (!st->keep.set && !st->drop.set) {
        const char *msg = "set keep, drop or both: a filter without conditions does nothing";
        sluice_error(ctx, "filter: %s", msg);
        sluice_set_error(ctx, msg);
        return SLUICE_EINVAL;
    }
    return SLUICE_OK;
}

static int filter_init(sluice_ctx *ctx, void **state)
{
    filter_state *st = calloc(1, sizeof *st);
    if (!st)
        return SLUICE_ENOMEM;
    st->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    int rc = st->c_locale ? filter_build(ctx, st) : SLUICE_ENOMEM;
    if (rc != SLUICE_OK) {
        filter_fini(st);
        return rc;
    }
    *state = st;
    return SLUICE_OK;
}

static const sluice_option filter_options[] = {
    { "keep", SLUICE_OPT_ARRAY, 0, NULL,
      "conditions that must all hold for a record to stay: [{\"field\", \"op\", \"value\"}]", NULL },
    { "drop", SLUICE_OPT_ARRAY, 0, NULL,
      "conditions that drop a record when they all hold: [{\"field\", \"op\", \"value\"}]", NULL },
    { 0 },
};

static const sluice_plugin filter_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_TRANSFORM,
    .name = "filter",
    .version = FILTER_VERSION,
    .description = "keep or drop records by conditions on their fields (eq, lt, in, regex, ...)",
    .options = filter_options,
    .init = filter_init,
    .fini = filter_fini,
    .process = filter_process,
};

SLUICE_PLUGIN(filter_plugin);
