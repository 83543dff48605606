/*
 * map.c - the `map` transform: rename, copy, drop, default, set, trim,
 * lowercase, uppercase and cast fields of every record, in that order.
 *
 * init() turns the options into a map_plan (map_options.c) so that the
 * per-record work is lookups and jansson calls only. Each worker has its
 * own state; nothing is shared between instances.
 */
#include "map.h"
#include "each_record.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#define MAP_VERSION "1.0.0"

typedef struct map_state {
    map_plan plan;
    char *buf;       /* owned scratch for case mapping; grows, never shrinks */
    size_t buf_size;
    locale_t c_locale; /* owned: number parsing/formatting must not follow LC_NUMERIC */
    char reason[512];
} map_state;

/* Record outcome of the pipeline. */
enum { REC_KEPT = 0, REC_REJECTED = 1 };

static int map_rename(const map_plan *p, json_t *rec)
{
    for (size_t k = 0; k < p->nrename; k++) {
        json_t *v = json_object_get(rec, p->rename[k].from);
        if (!v)
            continue;
        json_incref(v);
        json_object_del(rec, p->rename[k].from);
        if (json_object_set_new_nocheck(rec, p->rename[k].to, v) < 0)
            return SLUICE_ENOMEM;
    }
    return SLUICE_OK;
}

static int map_copy(const map_plan *p, json_t *rec)
{
    for (size_t k = 0; k < p->ncopy; k++) {
        json_t *v = json_object_get(rec, p->copy[k].from);
        /* A deep copy, so that a later stage editing one field in place
         * cannot change the other. */
        if (v && json_object_set_new_nocheck(rec, p->copy[k].to, json_deep_copy(v)) < 0)
            return SLUICE_ENOMEM;
    }
    return SLUICE_OK;
}

static void map_drop(const map_plan *p, json_t *rec)
{
    for (size_t k = 0; k < p->drop.n; k++)
        json_object_del(rec, p->drop.names[k]);
}

static int map_consts(const map_const *c, size_t n, int only_if_absent, json_t *rec)
{
    for (size_t k = 0; k < n; k++) {
        if (only_if_absent) {
            json_t *v = json_object_get(rec, c[k].field);
            if (v && !json_is_null(v))
                continue;
        }
        /* Copied per record: records leave this worker and are owned
         * elsewhere, so they must not share our option values. */
        if (json_object_set_new_nocheck(rec, c[k].field, json_deep_copy(c[k].value)) < 0)
            return SLUICE_ENOMEM;
    }
    return SLUICE_OK;
}

static int map_trim(const map_plan *p, json_t *rec)
{
    for (size_t k = 0; k < p->trim.n; k++) {
        json_t *v = json_object_get(rec, p->trim.names[k]);
        if (!json_is_string(v))
            continue;
        size_t len = json_string_length(v), a = 0, b = len;
        const char *s = json_string_value(v);
        map_trim_bounds(s, &a, &b);
        if (a == 0 && b == len)
            continue;
        if (json_object_set_new_nocheck(rec, p->trim.names[k], json_stringn_nocheck(s + a, b - a)) < 0)
            return SLUICE_ENOMEM;
    }
    return SLUICE_OK;
}

static int ensure_buf(map_state *st, size_t need)
{
    if (need <= st->buf_size)
        return SLUICE_OK;
    size_t size = st->buf_size ? st->buf_size : 256;
    while (size < need)
        size *= 2;
    char *buf = realloc(st->buf, size);
    if (!buf)
        return SLUICE_ENOMEM;
    st->buf = buf;
    st->buf_size = size;
    return SLUICE_OK;
}

static int map_case(map_state *st, const map_fields *f, json_t *rec,
                    size_t (*fn)(const char *, size_t, char *))
{
    for (size_t k = 0; k < f->n; k++) {
        json_t *v = json_object_get(rec, f->names[k]);
        if (!json_is_string(v))
            continue;
        size_t len = json_string_length(v);
        const char *s = json_string_value(v);
        if (ensure_buf(st, len) != SLUICE_OK)
            return SLUICE_ENOMEM;
        size_t out = fn(s, len, st->buf);
        /* Unchanged text keeps its json_t: no allocation for the common case. */
        if (out == len && memcmp(s, st->buf, len) == 0)
            continue;
        if (json_object_set_new_nocheck(rec, f->names[k], json_stringn_nocheck(st->buf, out)) < 0)
            return SLUICE_ENOMEM;
    }
    return SLUICE_OK;
}

/* Returns REC_KEPT, REC_REJECTED (record i dead-lettered) or an error. */
static int map_cast_fields(map_state *st, sluice_ctx *ctx, sluice_batch *b, size_t i, json_t *rec)
{
    const map_plan *p = &st->plan;
    for (size_t k = 0; k < p->ncast; k++) {
        json_t *v = json_object_get(rec, p->cast[k].field);
        json_t *out;
        if (!v || json_is_null(v))
            continue;
        int rc = map_cast_value(v, p->cast[k].type, p->cast[k].field, &out, st->reason, sizeof st->reason);
        if (rc == -2)
            return SLUICE_ENOMEM;
        if (rc < 0) {
            rc = sluice_batch_reject(ctx, b, i, st->reason);
            return rc == SLUICE_OK ? REC_REJECTED : rc;
        }
        if (out && json_object_set_new_nocheck(rec, p->cast[k].field, out) < 0)
            return SLUICE_ENOMEM;
    }
    return REC_KEPT;
}

static int map_record(void *state, sluice_ctx *ctx, sluice_batch *b, size_t i, json_t *rec)
{
    map_state *st = state;
    const map_plan *p = &st->plan;
    int rc;
    if ((rc = map_rename(p, rec)) != SLUICE_OK || (rc = map_copy(p, rec)) != SLUICE_OK)
        return rc;
    map_drop(p, rec);
    if ((rc = map_consts(p->dflt, p->ndflt, 1, rec)) != SLUICE_OK ||
        (rc = map_consts(p->set, p->nset, 0, rec)) != SLUICE_OK ||
        (rc = map_trim(p, rec)) != SLUICE_OK ||
        (rc = map_case(st, &p->lower, rec, map_utf8_lower)) != SLUICE_OK ||
        (rc = map_case(st, &p->upper, rec, map_utf8_upper)) != SLUICE_OK)
        return rc;
    rc = map_cast_fields(st, ctx, b, i, rec);
    return rc == REC_REJECTED ? SLUICE_OK : rc;
}

static int map_process(void *state, sluice_ctx *ctx, sluice_batch *b)
{
    map_state *st = state;
    return tx_each_record(b, st->c_locale, map_record, st, ctx, "map");
}

static void map_fini(void *state)
{
    map_state *st = state;
    if (!st)
        return;
    map_plan_free(&st->plan);
    if (st->c_locale)
        freelocale(st->c_locale);
    free(st->buf);
    free(st);
}

static int map_init(sluice_ctx *ctx, void **state)
{
    map_state *st = calloc(1, sizeof *st);
    if (!st)
        return SLUICE_ENOMEM;
    st->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    int rc = st->c_locale ? map_plan_build(ctx, &st->plan) : SLUICE_ENOMEM;
    if (rc != SLUICE_OK) {
        map_fini(st);
        return rc;
    }
    if (map_plan_size(&st->plan) == 0)
        sluice_warn(ctx, "map: no operation configured; records pass unchanged");
    *state = st;
    return SLUICE_OK;
}

static const sluice_option map_options[] = {
    { "rename", SLUICE_OPT_OBJECT, 0, NULL, "fields to rename, {\"old\": \"new\"} (1st)", NULL },
    { "copy", SLUICE_OPT_OBJECT, 0, NULL, "fields to copy, {\"source\": \"destination\"} (2nd)", NULL },
    { "drop", SLUICE_OPT_LIST, 0, NULL, "fields to remove (3rd)", NULL },
    { "default", SLUICE_OPT_OBJECT, 0, NULL, "values for fields that are missing or null, {\"field\": value} (4th)", NULL },
    { "set", SLUICE_OPT_OBJECT, 0, NULL, "values written over fields, {\"field\": value} (5th)", NULL },
    { "trim", SLUICE_OPT_LIST, 0, NULL, "string fields to strip of whitespace and NBSP at both ends (6th)", NULL },
    { "lowercase", SLUICE_OPT_LIST, 0, NULL, "string fields to lower-case: Latin and Cyrillic (7th)", NULL },
    { "uppercase", SLUICE_OPT_LIST, 0, NULL, "string fields to upper-case: Latin and Cyrillic (8th)", NULL },
    { "cast", SLUICE_OPT_OBJECT, 0, NULL, "type conversions, {\"field\": \"int|float|bool|string\"} (9th)", NULL },
    { 0 },
};

static const sluice_plugin map_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_TRANSFORM,
    .name = "map",
    .version = MAP_VERSION,
    .description = "rename, copy, drop, default, set, trim, case-map and cast record fields",
    .options = map_options,
    .init = map_init,
    .fini = map_fini,
    .process = map_process,
};

SLUICE_PLUGIN(map_plugin);
