/*
 * map_options.c - turns the stage's options into a map_plan.
 *
 * The core checked the JSON types against the option table already; what
 * is checked here is the inside of the objects and lists, with messages
 * that name the option and the key so a user can find the line to fix.
 */
#include "map.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const option_names[] = {
    "rename", "copy", "drop", "default", "set", "trim", "lowercase", "uppercase", "cast", NULL,
};

static void plan_error(sluice_ctx *ctx, const char *fmt, ...) SLUICE_PRINTF(2, 3);
static void plan_error(sluice_ctx *ctx, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sluice_error(ctx, "map: %s", msg);
    sluice_set_error(ctx, msg);
}

static const char *type_name(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

/* A LIST option: an array of field names, or one name. */
static int read_fields(sluice_ctx *ctx, json_t *opts, const char *name, map_fields *out)
{
    json_t *v = json_object_get(opts, name);
    size_t i;
    json_t *item;
    if (!v)
        return SLUICE_OK;
    if (json_is_string(v)) {
        v = json_pack("[O]", v);
        if (!v || json_object_set_new(opts, name, v) < 0)
            return SLUICE_ENOMEM;
    }
    if (!json_is_array(v)) {
        plan_error(ctx, "%s: must be a list of field names, got %s", name, type_name(v));
        return SLUICE_EINVAL;
    }
    out->names = calloc(json_array_size(v) + 1, sizeof *out->names);
    if (!out->names)
        return SLUICE_ENOMEM;
    json_array_foreach(v, i, item) {
        if (!json_is_string(item) || json_string_length(item) == 0) {
            plan_error(ctx, "%s[%zu]: must be a non-empty field name, got %s", name, i,
                       json_is_string(item) ? "\"\"" : type_name(item));
            return SLUICE_EINVAL;
        }
        out->names[out->n++] = json_string_value(item);
    }
    return SLUICE_OK;
}

/* An OBJECT option: checks it is an object with non-empty keys and returns
 * it, or NULL (absent, or invalid with *rc set). */
static json_t *object_option(sluice_ctx *ctx, json_t *opts, const char *name, int *rc)
{
    json_t *v = json_object_get(opts, name);
    const char *key;
    json_t *val;
    *rc = SLUICE_OK;
    if (!v)
        return NULL;
    if (!json_is_object(v)) {
        plan_error(ctx, "%s: must be an object, got %s", name, type_name(v));
        *rc = SLUICE_EINVAL;
        return NULL;
    }
    json_object_foreach(v, key, val) {
        if (!*key) {
            plan_error(ctx, "%s: field names must not be empty", name);
            *rc = SLUICE_EINVAL;
            return NULL;
        }
    }
    return v;
}

/* rename and copy: {"from": "to"}. */
static int read_pairs(sluice_ctx *ctx, json_t *opts, const char *name, const char *role,
                      map_pair **out, size_t *n)
{
    int rc;
    json_t *obj = object_option(ctx, opts, name, &rc);
    const char *key;
    json_t *val;
    if (!obj)
        return rc;
    *out = calloc(json_object_size(obj) + 1, sizeof **out);
    if (!*out)
        return SLUICE_ENOMEM;
    json_object_foreach(obj, key, val) {
        if (!json_is_string(val) || json_string_length(val) == 0) {
            plan_error(ctx, "%s.%s: must be a non-empty string naming the %s field, got %s", name,
                       key, role, json_is_string(val) ? "\"\"" : type_name(val));
            return SLUICE_EINVAL;
        }
        /* Moving or copying a field onto itself changes nothing: skip it. */
        if (strcmp(key, json_string_value(val)) == 0)
            continue;
        (*out)[(*n)++] = (map_pair){ .from = key, .to = json_string_value(val) };
    }
    return SLUICE_OK;
}

/* set and default: {"field": any JSON value}. */
static int read_consts(sluice_ctx *ctx, json_t *opts, const char *name, map_const **out, size_t *n)
{
    int rc;
    json_t *obj = object_option(ctx, opts, name, &rc);
    const char *key;
    json_t *val;
    if (!obj)
        return rc;
    *out = calloc(json_object_size(obj) + 1, sizeof **out);
    if (!*out)
        return SLUICE_ENOMEM;
    json_object_foreach(obj, key, val)
        (*out)[(*n)++] = (map_const){ .field = key, .value = val };
    return SLUICE_OK;
}

static int cast_type(const char *s)
{
    for (int t = MAP_CAST_INT; t <= MAP_CAST_STRING; t++)
        if (strcmp(s, map_cast_name(t)) == 0)
            return t;
    return -1;
}

static int read_casts(sluice_ctx *ctx, json_t *opts, map_plan *plan)
{
    int rc;
    json_t *obj = object_option(ctx, opts, "cast", &rc);
    const char *key;
    json_t *val;
    if (!obj)
        return rc;
    plan->cast = calloc(json_object_size(obj) + 1, sizeof *plan->cast);
    if (!plan->cast)
        return SLUICE_ENOMEM;
    json_object_foreach(obj, key, val) {
        int t = json_is_string(val) ? cast_type(json_string_value(val)) : -1;
        if (t < 0) {
            char *shown = json_dumps(val, JSON_ENCODE_ANY | JSON_COMPACT);
            plan_error(ctx, "cast.%s: unknown type %s (one of int, float, bool, string)", key,
                       shown ? shown : "?");
            free(shown);
            return SLUICE_EINVAL;
        }
        plan->cast[plan->ncast++] = (map_cast){ .field = key, .type = t };
    }
    return SLUICE_OK;
}

/* The plan points into a private copy of the options rather than the
 * host's: the copy is ours to normalise (a one-string LIST becomes a list)
 * and its lifetime is plainly the stage's. */
static int copy_options(sluice_ctx *ctx, map_plan *plan)
{
    plan->opts = json_object();
    if (!plan->opts)
        return SLUICE_ENOMEM;
    for (const char *const *name = option_names; *name; name++) {
        json_t *v = sluice_option_get(ctx, *name);
        if (v && json_object_set_new(plan->opts, *name, json_deep_copy(v)) < 0)
            return SLUICE_ENOMEM;
    }
    return SLUICE_OK;
}

int map_plan_build(sluice_ctx *ctx, map_plan *plan)
{
    int rc;
    memset(plan, 0, sizeof *plan);
    if ((rc = copy_options(ctx, plan)) != SLUICE_OK)
        return rc;
    json_t *o = plan->opts;
    if ((rc = read_pairs(ctx, o, "rename", "new", &plan->rename, &plan->nrename)) != SLUICE_OK ||
        (rc = read_pairs(ctx, o, "copy", "destination", &plan->copy, &plan->ncopy)) != SLUICE_OK ||
        (rc = read_fields(ctx, o, "drop", &plan->drop)) != SLUICE_OK ||
        (rc = read_consts(ctx, o, "default", &plan->dflt, &plan->ndflt)) != SLUICE_OK ||
        (rc = read_consts(ctx, o, "set", &plan->set, &plan->nset)) != SLUICE_OK ||
        (rc = read_fields(ctx, o, "trim", &plan->trim)) != SLUICE_OK ||
        (rc = read_fields(ctx, o, "lowercase", &plan->lower)) != SLUICE_OK ||
        (rc = read_fields(ctx, o, "uppercase", &plan->upper)) != SLUICE_OK ||
        (rc = read_casts(ctx, o, plan)) != SLUICE_OK)
        return rc;
    return SLUICE_OK;
}

size_t map_plan_size(const map_plan *p)
{
    return p->nrename + p->ncopy + p->drop.n + p->ndflt + p->nset + p->trim.n + p->lower.n +
           p->upper.n + p->ncast;
}

void map_plan_free(map_plan *p)
{
    free(p->rename);
    free(p->copy);
    free(p->drop.names);
    free(p->dflt);
    free(p->set);
    free(p->trim.names);
    free(p->lower.names);
    free(p->upper.names);
    free(p->cast);
    json_decref(p->opts);
    memset(p, 0, sizeof *p);
}
