/*
 * unify_compile.c - a mapping document checked and turned into a plan.
 *
 * Everything a mapping can get wrong is found here, at start-up, with a
 * message naming the place in the document (streams.deals[0].fields.amount.fn:
 * unknown function "moneyy" ...), so that process() never meets a
 * malformed specification. Unknown keys are errors: a misspelt "requried"
 * silently ignored would be worse than a refusal.
 */
#include "unify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCALE_MAX 18
#define SHIFT_MAX 18

/* Names a place inside `where` (cut when too long: it is only for messages). */
static void at(char *out, size_t size, const char *fmt, ...) SLUICE_PRINTF(3, 4);
static void at(char *out, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out, size, fmt, ap);
    va_end(ap);
}

static int fail(char *err, size_t size, const char *where, const char *fmt, ...) SLUICE_PRINTF(4, 5);
static int fail(char *err, size_t size, const char *where, const char *fmt, ...)
{
    char msg[UFY_REASON_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, size, "%s: %s", where, msg);
    return SLUICE_EINVAL;
}

/* Refuses keys of obj not in the NULL-terminated list. */
static int check_keys(json_t *obj, const char *const *known, const char *where, char *err, size_t size)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        int ok = 0;
        for (int k = 0; known[k] && !ok; k++)
            ok = strcmp(known[k], key) == 0;
        if (!ok)
            return fail(err, size, where, "unknown key \"%s\"", key);
    }
    return SLUICE_OK;
}

/* ---- settings shared by fields: one norm_cfg per zone/country/order ---- */

static int same_cfg(const norm_cfg *c, const char *tz, const norm_country *country, int order)
{
    return strcmp(c->tz_name, tz) == 0 && c->country == country && c->date_order == order;
}

static int order_of(const char *s)
{
    if (!s)
        return -1;
    if (strcmp(s, "auto") == 0)
        return NORM_ORDER_AUTO;
    if (strcmp(s, "DMY") == 0)
        return NORM_ORDER_DMY;
    return strcmp(s, "MDY") == 0 ? NORM_ORDER_MDY : -2;
}

int ufy_plan_cfg(ufy_plan *plan, const char *tz, const char *country, const char *order, const norm_cfg **out,
                 char *err, size_t err_size)
{
    const norm_country *c = country ? norm_country_find(country) : plan->base.country;
    int ord = order ? order_of(order) : plan->base.date_order;
    tz = tz ? tz : plan->base.tz_name;
    if (!c) {
        snprintf(err, err_size, "country \"%s\" is not supported (one of RU KZ US CA GB DE FR UA BY)", country);
        return SLUICE_EINVAL;
    }
    if (ord < 0) {
        snprintf(err, err_size, "date_order \"%s\": expected auto, DMY or MDY", order);
        return SLUICE_EINVAL;
    }
    if (same_cfg(&plan->base, tz, c, ord)) {
        *out = &plan->base;
        return SLUICE_OK;
    }
    for (size_t i = 0; i < plan->ncfgs; i++)
        if (same_cfg(plan->cfgs[i], tz, c, ord)) {
            *out = plan->cfgs[i];
            return SLUICE_OK;
        }
    norm_cfg **grown = realloc(plan->cfgs, (plan->ncfgs + 1) * sizeof *grown);
    norm_cfg *cfg = calloc(1, sizeof *cfg);
    if (grown)
        plan->cfgs = grown;
    if (!grown || !cfg) {
        free(cfg);
        return SLUICE_ENOMEM;
    }
    *cfg = plan->base;
    cfg->tz = NULL;
    cfg->tz_name = tz;
    cfg->country = c;
    cfg->date_order = ord;
    int rc = norm_tz_load(tz, &cfg->tz, err, err_size);
    if (rc != SLUICE_OK) {
        free(cfg);
        return rc;
    }
    plan->cfgs[plan->ncfgs++] = cfg;
    *out = cfg;
    return SLUICE_OK;
}

/* ---- field specifications ---- */

static const char *const spec_keys[] = { "path",   "const",  "var",      "concat",  "first_of", "object",
                                         "array",  "sum",    "minus",    "sep",    "when",     "map",     "strict",   "fn",
                                         "scale",  "round",  "shift",    "timezone", "country", "date_order",
                                         "default", "required", "on_invalid", "comment", NULL };
static const char *const source_keys[] = { "path",  "const", "var", "concat", "first_of",
                                           "object", "array", "sum", "minus",  NULL };
static const char *const var_names[] = { "system", "source", "stream", "index", NULL };

static int compile_parts(ufy_plan *plan, json_t *list, ufy_spec *s, const char *where, char *err, size_t size)
{
    size_t i;
    json_t *item;
    char sub[400];
    if (!json_is_array(list) || json_array_size(list) == 0)
        return fail(err, size, where, "expected a non-empty list of field specifications");
    if (!(s->parts = calloc(json_array_size(list), sizeof *s->parts)))
        return SLUICE_ENOMEM;
    json_array_foreach(list, i, item) {
        at(sub, sizeof sub, "%s[%zu]", where, i);
        s->nparts++;
        int rc = ufy_spec_compile(plan, item, &s->parts[i], sub, err, size);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

static int compile_object(ufy_plan *plan, json_t *obj, ufy_spec *s, const char *where, char *err, size_t size)
{
    const char *key;
    json_t *v;
    char sub[400];
    if (!json_is_object(obj) || json_object_size(obj) == 0)
        return fail(err, size, where, "expected an object of field specifications");
    s->parts = calloc(json_object_size(obj), sizeof *s->parts);
    s->keys = calloc(json_object_size(obj), sizeof *s->keys);
    if (!s->parts || !s->keys)
        return SLUICE_ENOMEM;
    json_object_foreach(obj, key, v) {
        at(sub, sizeof sub, "%s.%s", where, key);
        s->keys[s->nparts] = key;
        int rc = ufy_spec_compile(plan, v, &s->parts[s->nparts++], sub, err, size);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

static int compile_path(ufy_spec *s, json_t *v, const char *where, char *err, size_t size)
{
    char why[300];
    if (!json_is_string(v))
        return fail(err, size, where, "a path is a string");
    s->src = UFY_SRC_PATH;
    s->text = json_string_value(v);
    int rc = ufy_path_parse(s->text, &s->path, why, sizeof why);
    return rc == SLUICE_EINVAL ? fail(err, size, where, "%s", why) : rc;
}

static int compile_var(ufy_spec *s, json_t *v, const char *where, char *err, size_t size)
{
    const char *name = json_string_value(v);
    for (int k = 0; name && var_names[k]; k++)
        if (strcmp(name, var_names[k]) == 0) {
            s->src = UFY_SRC_VAR;
            s->var = k;
            return SLUICE_OK;
        }
    return fail(err, size, where, "expected one of system, source, stream, index");
}

/* The one source key of a specification. */
static int compile_source(ufy_plan *plan, json_t *j, ufy_spec *s, const char *where, char *err, size_t size)
{
    const char *found = NULL;
    char sub[400];
    for (int k = 0; source_keys[k]; k++) {
        if (!json_object_get(j, source_keys[k]))
            continue;
        if (found)
            return fail(err, size, where, "both \"%s\" and \"%s\": give one source", found, source_keys[k]);
        found = source_keys[k];
    }
    if (!found)
        return SLUICE_OK; /* no source: null unless a default */
    json_t *v = json_object_get(j, found);
    at(sub, sizeof sub, "%s.%s", where, found);
    if (strcmp(found, "path") == 0)
        return compile_path(s, v, sub, err, size);
    if (strcmp(found, "const") == 0) {
        s->src = UFY_SRC_CONST;
        s->constant = v;
        return SLUICE_OK;
    }
    if (strcmp(found, "var") == 0)
        return compile_var(s, v, sub, err, size);
    if (strcmp(found, "object") == 0) {
        s->src = UFY_SRC_OBJECT;
        return compile_object(plan, v, s, sub, err, size);
    }
    static const struct {
        const char *key;
        int src;
    } lists[] = { { "concat", UFY_SRC_CONCAT }, { "first_of", UFY_SRC_FIRST }, { "array", UFY_SRC_ARRAY },
                  { "sum", UFY_SRC_SUM },       { "minus", UFY_SRC_MINUS } };
    for (size_t k = 0; k < sizeof lists / sizeof lists[0]; k++)
        if (strcmp(found, lists[k].key) == 0)
            s->src = lists[k].src;
    if (s->src == UFY_SRC_MINUS && json_array_size(v) < 2)
        return fail(err, size, sub, "expected at least two field specifications");
    return compile_parts(plan, v, s, sub, err, size);
}

static int compile_map(json_t *j, ufy_spec *s, const char *where, char *err, size_t size)
{
    json_t *map = json_object_get(j, "map"), *v;
    const char *key;
    if (!map)
        return SLUICE_OK;
    if (!json_is_object(map))
        return fail(err, size, where, "map: expected an object of value -> value");
    s->map = map;
    if (!(s->globs = calloc(json_object_size(map) + 1, sizeof *s->globs)))
        return SLUICE_ENOMEM;
    json_object_foreach(map, key, v)
        if (strpbrk(key, "*?["))
            s->globs[s->nglobs++] = key;
    return SLUICE_OK;
}

static int int_param(json_t *j, const char *name, int lo, int hi, int dflt, int *out, const char *where, char *err,
                     size_t size)
{
    json_t *v = json_object_get(j, name);
    *out = dflt;
    if (!v)
        return SLUICE_OK;
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi)
        return fail(err, size, where, "%s: expected an integer from %d to %d", name, lo, hi);
    *out = (int)json_integer_value(v);
    return SLUICE_OK;
}

/* Parameters only some functions take: refused on the others, so that a
 * "scale" next to the wrong function is noticed. */
static int check_params(json_t *j, const ufy_spec *s, const char *where, char *err, size_t size)
{
    static const struct {
        const char *param;
        int kinds[3];
    } owners[] = {
        { "scale", { UFY_FN_MONEY, -1, -1 } },           { "round", { UFY_FN_MONEY, -1, -1 } },
        { "shift", { UFY_FN_MONEY, UFY_FN_QUANTITY, UFY_FN_INT } }, { "timezone", { UFY_FN_DATE, -1, -1 } },
        { "date_order", { UFY_FN_DATE, -1, -1 } },       { "country", { UFY_FN_PHONE, -1, -1 } },
    };
    for (size_t p = 0; p < sizeof owners / sizeof owners[0]; p++) {
        if (!json_object_get(j, owners[p].param))
            continue;
        int ok = 0;
        for (size_t f = 0; f < s->nfns && !ok; f++)
            for (int k = 0; k < 3; k++)
                ok |= s->fns[f].kind == owners[p].kinds[k];
        if (!ok)
            return fail(err, size, where, "%s: only with fn %s", owners[p].param, ufy_fn_name(owners[p].kinds[0]));
    }
    return SLUICE_OK;
}

static int compile_fns(ufy_plan *plan, json_t *j, ufy_spec *s, const char *where, char *err, size_t size)
{
    json_t *fn = json_object_get(j, "fn"), *item;
    size_t i;
    int rc, scale, round = json_is_true(json_object_get(j, "round")), shift;
    const norm_cfg *cfg;
    char why[300];
    if (!fn)
        return check_params(j, s, where, err, size);
    if (json_is_string(fn))
        fn = json_pack("[O]", fn);
    else if (json_is_array(fn))
        json_incref(fn);
    else
        return fail(err, size, where, "fn: expected a function name or a list of them");
    if (!fn)
        return SLUICE_ENOMEM;
    rc = int_param(j, "scale", 0, SCALE_MAX, 2, &scale, where, err, size);
    if (rc == SLUICE_OK)
        rc = int_param(j, "shift", -SHIFT_MAX, SHIFT_MAX, 0, &shift, where, err, size);
    if (rc == SLUICE_OK) {
        rc = ufy_plan_cfg(plan, json_string_value(json_object_get(j, "timezone")),
                          json_string_value(json_object_get(j, "country")),
                          json_string_value(json_object_get(j, "date_order")), &cfg, why, sizeof why);
        if (rc == SLUICE_EINVAL)
            rc = fail(err, size, where, "%s", why);
    }
    if (rc == SLUICE_OK && !(s->fns = calloc(json_array_size(fn) + 1, sizeof *s->fns)))
        rc = SLUICE_ENOMEM;
    json_array_foreach(fn, i, item) {
        if (rc != SLUICE_OK)
            break;
        int kind = json_is_string(item) ? ufy_fn_kind_of(json_string_value(item)) : -1;
        if (kind < 0) {
            rc = fail(err, size, where, "fn: unknown function %s (known: %s)",
                      json_is_string(item) ? json_string_value(item) : "(not a string)", ufy_fn_names());
            break;
        }
        s->fns[s->nfns++] = (ufy_fn){ .kind = kind, .scale = scale, .round = round, .shift = shift, .cfg = cfg };
    }
    json_decref(fn);
    return rc == SLUICE_OK ? check_params(j, s, where, err, size) : rc;
}

static int compile_flags(json_t *j, ufy_spec *s, const char *where, char *err, size_t size)
{
    static const char *const bools[] = { "strict", "round", "required", NULL };
    for (int k = 0; bools[k]; k++) {
        json_t *v = json_object_get(j, bools[k]);
        if (v && !json_is_boolean(v))
            return fail(err, size, where, "%s: expected true or false", bools[k]);
    }
    s->strict = json_is_true(json_object_get(j, "strict"));
    s->required = json_is_true(json_object_get(j, "required"));
    s->dflt = json_object_get(j, "default");
    if (json_object_get(j, "sep") && s->src != UFY_SRC_CONCAT)
        return fail(err, size, where, "sep: only with concat");
    json_t *sep = json_object_get(j, "sep");
    if (sep && !json_is_string(sep))
        return fail(err, size, where, "sep: expected a string");
    s->sep = sep ? json_string_value(sep) : " ";
    if (s->strict && !s->map)
        return fail(err, size, where, "strict: only with map");
    json_t *oi = json_object_get(j, "on_invalid");
    s->on_invalid = UFY_INVALID_UNSET;
    if (oi) {
        const char *t = json_string_value(oi);
        if (!t || (strcmp(t, "reject") != 0 && strcmp(t, "null") != 0))
            return fail(err, size, where, "on_invalid: expected \"reject\" or \"null\"");
        s->on_invalid = strcmp(t, "null") == 0 ? UFY_INVALID_NULL : UFY_INVALID_REJECT;
    }
    return SLUICE_OK;
}

int ufy_spec_compile(ufy_plan *plan, json_t *j, ufy_spec *s, const char *where, char *err, size_t size)
{
    char sub[400];
    int rc;
    memset(s, 0, sizeof *s);
    s->on_invalid = UFY_INVALID_UNSET;
    if (json_is_null(j))
        return SLUICE_OK; /* always null */
    if (json_is_string(j))
        return compile_path(s, j, where, err, size);
    if (!json_is_object(j))
        return fail(err, size, where, "expected a path (string), null or an object with path, const, var, concat, "
                                      "first_of, object, array, sum or minus");
    if ((rc = check_keys(j, spec_keys, where, err, size)) != SLUICE_OK ||
        (rc = compile_source(plan, j, s, where, err, size)) != SLUICE_OK ||
        (rc = compile_map(j, s, where, err, size)) != SLUICE_OK ||
        (rc = compile_fns(plan, j, s, where, err, size)) != SLUICE_OK ||
        (rc = compile_flags(j, s, where, err, size)) != SLUICE_OK)
        return rc;
    json_t *when = json_object_get(j, "when");
    if (!when)
        return SLUICE_OK;
    if (!(s->when = calloc(1, sizeof *s->when)))
        return SLUICE_ENOMEM;
    at(sub, sizeof sub, "%s.when", where);
    return ufy_spec_compile(plan, when, s->when, sub, err, size);
}

void ufy_spec_free(ufy_spec *s)
{
    if (!s)
        return;
    ufy_path_free(&s->path);
    for (size_t k = 0; s->parts && k < s->nparts; k++)
        ufy_spec_free(&s->parts[k]);
    free(s->parts);
    free(s->keys);
    if (s->when) {
        ufy_spec_free(s->when);
        free(s->when);
    }
    free(s->globs);
    free(s->fns);
    memset(s, 0, sizeof *s);
}

/* ---- outputs and inputs ---- */

static const char *const output_keys[] = { "stream", "each", "when", "partial", "fields", "comment", NULL };

static int compile_fields(ufy_plan *plan, json_t *fields, ufy_output *o, const char *where, char *err, size_t size)
{
    const char *name;
    json_t *v;
    char sub[400];
    if (!json_is_object(fields))
        return fail(err, size, where, "fields: expected an object of field -> specification");
    if (!(o->fields = calloc(json_object_size(fields) + 1, sizeof *o->fields)))
        return SLUICE_ENOMEM;
    json_object_foreach(fields, name, v) {
        at(sub, sizeof sub, "%s.fields.%s", where, name);
        if (!*name)
            return fail(err, size, sub, "empty field name");
        ufy_field *f = &o->fields[o->nfields++];
        f->name = name;
        int rc = ufy_spec_compile(plan, v, &f->spec, sub, err, size);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

static int compile_output(ufy_plan *plan, json_t *j, ufy_output *o, const char *where, char *err, size_t size)
{
    char sub[400], why[300];
    int rc;
    if (!json_is_object(j))
        return fail(err, size, where, "expected an output object {\"stream\": ..., \"fields\": {...}}");
    if ((rc = check_keys(j, output_keys, where, err, size)) != SLUICE_OK)
        return rc;
    o->stream = json_string_value(json_object_get(j, "stream"));
    if (!o->stream || !*o->stream)
        return fail(err, size, where, "stream: the output stream's name is required");
    json_t *partial = json_object_get(j, "partial"), *each = json_object_get(j, "each"), *when;
    if (partial && !json_is_boolean(partial))
        return fail(err, size, where, "partial: expected true or false");
    o->partial = json_is_true(partial);
    if (each && !json_is_string(each))
        return fail(err, size, where, "each: expected a path to a list");
    if (each && (rc = ufy_path_parse(json_string_value(each), &o->each, why, sizeof why)) != SLUICE_OK)
        return rc == SLUICE_EINVAL ? fail(err, size, where, "each: %s", why) : rc;
    if ((when = json_object_get(j, "when"))) {
        at(sub, sizeof sub, "%s.when", where);
        if (!(o->when = calloc(1, sizeof *o->when)))
            return SLUICE_ENOMEM;
        if ((rc = ufy_spec_compile(plan, when, o->when, sub, err, size)) != SLUICE_OK)
            return rc;
    }
    if ((rc = compile_fields(plan, json_object_get(j, "fields"), o, where, err, size)) != SLUICE_OK)
        return rc;
    json_t *def = ufy_canon_stream(plan->canon, o->stream);
    if (def && (rc = ufy_canon_complete(plan, o, def, where, err, size)) != SLUICE_OK)
        return rc;
    for (size_t k = 0; k < o->nfields; k++)
        if (o->fields[k].spec.on_invalid == UFY_INVALID_UNSET)
            o->fields[k].spec.on_invalid = plan->on_invalid;
    return SLUICE_OK;
}

static int compile_input(ufy_plan *plan, const char *name, json_t *v, ufy_input *in, char *err, size_t size)
{
    char where[300];
    size_t n = json_is_array(v) ? json_array_size(v) : 1;
    in->stream = name;
    if (n == 0) {
        at(where, sizeof where, "streams.%s", name);
        return fail(err, size, where, "an empty list of outputs");
    }
    if (!(in->outs = calloc(n, sizeof *in->outs)))
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (json_is_array(v))
            at(where, sizeof where, "streams.%s[%zu]", name, i);
        else
            at(where, sizeof where, "streams.%s", name);
        in->nouts++;
        int rc = compile_output(plan, json_is_array(v) ? json_array_get(v, i) : v, &in->outs[i], where, err, size);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

static int compile_ignore(ufy_plan *plan, json_t *ignore, char *err, size_t size)
{
    size_t i;
    json_t *item;
    if (!ignore)
        return SLUICE_OK;
    if (!json_is_array(ignore))
        return fail(err, size, "ignore", "expected a list of input stream names");
    json_array_foreach(ignore, i, item) {
        const char *name = json_string_value(item);
        if (!name)
            return fail(err, size, "ignore", "expected a list of input stream names");
        if (ufy_plan_input(plan, name))
            return fail(err, size, "ignore", "\"%s\" is mapped in streams too", name);
        plan->inputs[plan->ninputs++] = (ufy_input){ .stream = name, .ignore = 1 };
    }
    return SLUICE_OK;
}

static const char *const doc_keys[] = { "system", "description", "comment", "settings", "ignore", "streams", NULL };

int ufy_compile(ufy_plan *plan, char *err, size_t size)
{
    json_t *streams = json_object_get(plan->doc, "streams"), *ignore = json_object_get(plan->doc, "ignore"), *v;
    const char *name;
    int rc;
    if ((rc = check_keys(plan->doc, doc_keys, "mapping", err, size)) != SLUICE_OK)
        return rc;
    if (!json_is_object(streams))
        return fail(err, size, "streams", "expected an object of input stream -> outputs");
    size_t n = json_object_size(streams) + json_array_size(ignore);
    if (!(plan->inputs = calloc(n + 1, sizeof *plan->inputs)))
        return SLUICE_ENOMEM;
    json_object_foreach(streams, name, v) {
        ufy_input *in = &plan->inputs[plan->ninputs++];
        if ((rc = compile_input(plan, name, v, in, err, size)) != SLUICE_OK)
            return rc;
    }
    return compile_ignore(plan, ignore, err, size);
}

const ufy_input *ufy_plan_input(const ufy_plan *plan, const char *stream)
{
    for (size_t i = 0; stream && i < plan->ninputs; i++)
        if (strcmp(plan->inputs[i].stream, stream) == 0)
            return &plan->inputs[i];
    return NULL;
}

static void output_free(ufy_output *o)
{
    ufy_path_free(&o->each);
    if (o->when) {
        ufy_spec_free(o->when);
        free(o->when);
    }
    for (size_t k = 0; o->fields && k < o->nfields; k++)
        ufy_spec_free(&o->fields[k].spec);
    free(o->fields);
}

void ufy_plan_free(ufy_plan *plan)
{
    for (size_t i = 0; plan->inputs && i < plan->ninputs; i++) {
        for (size_t k = 0; k < plan->inputs[i].nouts; k++)
            output_free(&plan->inputs[i].outs[k]);
        free(plan->inputs[i].outs);
    }
    free(plan->inputs);
    for (size_t i = 0; i < plan->ncfgs; i++) {
        norm_tz_free(&plan->cfgs[i]->tz);
        free(plan->cfgs[i]);
    }
    free(plan->cfgs);
    norm_tz_free(&plan->base.tz);
    json_decref(plan->doc);
    json_decref(plan->canon);
    free(plan->doc_name);
    memset(plan, 0, sizeof *plan);
}
