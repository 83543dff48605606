/*
 * unify_eval.c - one field specification evaluated against a record.
 *
 * The steps, in order (README.md, "Field specifications"):
 *
 *   when      the field is null unless the condition holds
 *   source    path, const, var, concat, first_of, object or array
 *   blank     blank text becomes null; in lists, null and blank items go
 *   map       the value map (exact keys first, then glob patterns)
 *   fn        the functions, in order
 *   default   when the value is still null (or an empty list)
 *
 * and, for a whole field, `required` and the on_invalid rule. Lists are
 * mapped and converted item by item, repeats removed; under on_invalid
 * "null" a bad item is left out and noted instead of failing the field.
 */
#include "unify.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int eval_spec(ufy_work *w, const ufy_spec *s, json_t **out);

static int is_empty(json_t *v) { return !v || json_is_null(v) || (json_is_array(v) && json_array_size(v) == 0); }

static int is_blank(json_t *v)
{
    if (!json_is_string(v))
        return 0;
    const char *s = json_string_value(v);
    size_t a = 0, b = json_string_length(v);
    if (!norm_utf8_valid(s, b))
        return 0;
    norm_trim(s, &a, &b);
    return a == b;
}

int ufy_truthy(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_TRUE: case JSON_OBJECT: return 1;
    case JSON_INTEGER: return json_integer_value(v) != 0;
    case JSON_REAL: return json_real_value(v) != 0.0;
    case JSON_ARRAY: return json_array_size(v) > 0;
    case JSON_STRING: {
        const char *s = json_string_value(v);
        return !is_blank(v) && strcmp(s, "false") != 0 && strcmp(s, "0") != 0;
    }
    default: return 0;
    }
}

/* Notes why a value of the current field was left out. */
static int note(ufy_work *w, const char *reason)
{
    if (!w->notes && !(w->notes = json_object()))
        return SLUICE_ENOMEM;
    json_t *old = json_object_get(w->notes, w->field);
    json_t *text = old ? json_sprintf("%s; %s", json_string_value(old), reason) : json_string(reason);
    if (!text || json_object_set_new(w->notes, w->field, text) < 0)
        return SLUICE_ENOMEM;
    return SLUICE_OK;
}

/* Appends v (stolen) to arr unless null or already there; a list is
 * appended item by item. */
static int add_unique(json_t *arr, json_t *v)
{
    int rc = SLUICE_OK;
    if (json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach(v, i, item)
            if (rc == SLUICE_OK && !json_is_null(item) && !is_blank(item) && !norm_json_has(arr, item))
                rc = json_array_append(arr, item) == 0 ? SLUICE_OK : SLUICE_ENOMEM;
    } else if (!json_is_null(v) && !is_blank(v) && !norm_json_has(arr, v)) {
        rc = json_array_append(arr, v) == 0 ? SLUICE_OK : SLUICE_ENOMEM;
    }
    json_decref(v);
    return rc;
}

/* A bad list item: left out and noted when lenient, else the field fails
 * with the item named. */
static int bad_item(ufy_work *w, size_t i)
{
    char why[UFY_REASON_MAX + 32];
    snprintf(why, sizeof why, "item %zu: %s", i + 1, w->reason);
    norm_utf8_cut(why);
    if (w->lenient)
        return note(w, why);
    return ufy_fail(w, "%s", why);
}

typedef int (*step_fn)(ufy_work *w, const void *arg, json_t *in, json_t **out);

/* Runs one step over *v: the value itself, or each item of a list. */
static int each_value(ufy_work *w, step_fn f, const void *arg, json_t **v)
{
    json_t *o = NULL;
    int rc;
    if (json_is_null(*v))
        return SLUICE_OK;
    if (!json_is_array(*v)) {
        rc = f(w, arg, *v, &o);
        if (rc == SLUICE_OK) {
            json_decref(*v);
            *v = o;
        }
        return rc;
    }
    json_t *arr = json_array(), *item;
    size_t i;
    if (!arr)
        return SLUICE_ENOMEM;
    json_array_foreach(*v, i, item) {
        rc = f(w, arg, item, &o);
        if (rc == UFY_INVALID)
            rc = bad_item(w, i);
        else if (rc == SLUICE_OK)
            rc = add_unique(arr, o);
        if (rc != SLUICE_OK) {
            json_decref(arr);
            return rc;
        }
    }
    json_decref(*v);
    *v = arr;
    return SLUICE_OK;
}

/* ---- map and functions ---- */

static int map_step(ufy_work *w, const void *arg, json_t *in, json_t **out)
{
    const ufy_spec *s = arg;
    char num[64];
    const char *text = ufy_scalar_text(in, num, sizeof num);
    json_t *hit = text ? json_object_get(s->map, text) : NULL;
    for (size_t k = 0; text && !hit && k < s->nglobs; k++)
        if (fnmatch(s->globs[k], text, 0) == 0)
            hit = json_object_get(s->map, s->globs[k]);
    if (!hit && s->strict && text) {
        char shown[80];
        ufy_show(in, shown, sizeof shown);
        return ufy_fail(w, "%s is not in the value map", shown);
    }
    *out = json_incref(hit ? hit : in);
    return SLUICE_OK;
}

static int fn_step(ufy_work *w, const void *arg, json_t *in, json_t **out)
{
    return ufy_fn_apply(w, arg, in, out);
}

/* ---- sources ---- */

/* Appends the text of v (a scalar, or each item of a list) to b, with sep
 * between pieces; *any says whether something was written already. */
static int join_text(ufy_work *w, norm_buf *b, json_t *v, const char *sep, int *any)
{
    char num[64];
    json_t *item;
    size_t i;
    if (json_is_array(v)) {
        json_array_foreach(v, i, item) {
            int rc = join_text(w, b, item, sep, any);
            if (rc != SLUICE_OK)
                return rc;
        }
        return SLUICE_OK;
    }
    if (json_is_null(v) || is_blank(v))
        return SLUICE_OK;
    const char *t = ufy_scalar_text(v, num, sizeof num);
    if (!t)
        return ufy_fail(w, "concat: cannot join an object");
    if ((*any && norm_buf_put(b, sep, strlen(sep)) != SLUICE_OK) || norm_buf_put(b, t, strlen(t)) != SLUICE_OK)
        return SLUICE_ENOMEM;
    *any = 1;
    return SLUICE_OK;
}

/* The parts' texts joined; a buffer of its own, since the parts' functions
 * use w->text. */
static int src_concat(ufy_work *w, const ufy_spec *s, json_t **out)
{
    norm_buf b = { 0 };
    int rc = SLUICE_OK, any = 0;
    for (size_t k = 0; k < s->nparts && rc == SLUICE_OK; k++) {
        json_t *v = NULL;
        rc = eval_spec(w, &s->parts[k], &v);
        if (rc == SLUICE_OK)
            rc = join_text(w, &b, v, s->sep, &any);
        json_decref(v);
    }
    if (rc == SLUICE_OK)
        *out = any ? json_stringn_nocheck(b.data, b.len) : json_null();
    if (rc == SLUICE_OK && !*out)
        rc = SLUICE_ENOMEM;
    norm_buf_free(&b);
    return rc;
}

static int src_first(ufy_work *w, const ufy_spec *s, json_t **out)
{
    for (size_t k = 0; k < s->nparts; k++) {
        json_t *v = NULL;
        int rc = eval_spec(w, &s->parts[k], &v);
        if (rc != SLUICE_OK)
            return rc;
        if (!is_empty(v)) {
            *out = v;
            return SLUICE_OK;
        }
        json_decref(v);
    }
    *out = json_null();
    return SLUICE_OK;
}

static int src_object(ufy_work *w, const ufy_spec *s, json_t **out)
{
    json_t *o = json_object();
    if (!o)
        return SLUICE_ENOMEM;
    for (size_t k = 0; k < s->nparts; k++) {
        json_t *v = NULL;
        int rc = eval_spec(w, &s->parts[k], &v);
        if (rc == SLUICE_OK && json_object_set_new_nocheck(o, s->keys[k], v) < 0)
            rc = SLUICE_ENOMEM;
        if (rc != SLUICE_OK) {
            json_decref(o);
            return rc;
        }
    }
    *out = o;
    return SLUICE_OK;
}

static int src_array(ufy_work *w, const ufy_spec *s, json_t **out)
{
    json_t *arr = json_array();
    if (!arr)
        return SLUICE_ENOMEM;
    for (size_t k = 0; k < s->nparts; k++) {
        json_t *v = NULL;
        int rc = eval_spec(w, &s->parts[k], &v);
        if (rc == UFY_INVALID)
            rc = bad_item(w, k);
        else if (rc == SLUICE_OK)
            rc = add_unique(arr, v);
        if (rc != SLUICE_OK) {
            json_decref(arr);
            return rc;
        }
    }
    *out = arr;
    return SLUICE_OK;
}

/* The parts added (or, for minus, the first less the others) exactly; null
 * when a part is null. */
static int src_sum(ufy_work *w, const ufy_spec *s, json_t **out)
{
    const ufy_fn wide = { .kind = UFY_FN_MONEY, .scale = 18, .cfg = w->nw.cfg };
    norm_buf acc = { 0 }, next = { 0 };
    int rc = norm_buf_put(&acc, "0", 1);
    *out = NULL;
    for (size_t k = 0; k < s->nparts && rc == SLUICE_OK && !*out; k++) {
        json_t *v = NULL, *d = NULL;
        rc = eval_spec(w, &s->parts[k], &v);
        if (rc == SLUICE_OK && !json_is_null(v))
            rc = ufy_fn_apply(w, &wide, v, &d);
        if (rc == SLUICE_OK && (!d || json_is_null(d)))
            *out = json_null(); /* an unknown part: an unknown total */
        else if (rc == SLUICE_OK)
            rc = ufy_dec_add(acc.data, json_string_value(d), s->src == UFY_SRC_MINUS && k > 0, &next);
        if (rc == SLUICE_OK && !*out) {
            norm_buf t = acc;
            acc = next;
            next = t;
        }
        json_decref(v);
        json_decref(d);
    }
    if (rc == SLUICE_OK && !*out) {
        ufy_dec_trim(&acc);
        *out = json_stringn_nocheck(acc.data, acc.len);
        rc = *out ? SLUICE_OK : SLUICE_ENOMEM;
    }
    norm_buf_free(&acc);
    norm_buf_free(&next);
    return rc;
}

static json_t *var_value(const ufy_work *w, int var)
{
    switch (var) {
    case UFY_VAR_SYSTEM: return json_string(w->system);
    case UFY_VAR_SOURCE: return w->source ? json_string(w->source) : json_null();
    case UFY_VAR_STREAM: return w->stream ? json_string(w->stream) : json_null();
    default: return json_integer((json_int_t)w->index);
    }
}

static int source_value(ufy_work *w, const ufy_spec *s, json_t **out)
{
    switch (s->src) {
    case UFY_SRC_PATH: return ufy_path_eval(s->path, w->root, w->item, out);
    case UFY_SRC_CONST: *out = json_incref(s->constant); break;
    case UFY_SRC_VAR: *out = var_value(w, s->var); break;
    case UFY_SRC_CONCAT: return src_concat(w, s, out);
    case UFY_SRC_FIRST: return src_first(w, s, out);
    case UFY_SRC_OBJECT: return src_object(w, s, out);
    case UFY_SRC_ARRAY: return src_array(w, s, out);
    case UFY_SRC_SUM: case UFY_SRC_MINUS: return src_sum(w, s, out);
    default: *out = json_null(); break;
    }
    return *out ? SLUICE_OK : SLUICE_ENOMEM;
}

/* ---- a whole specification ---- */

/* Blank text to null; in lists, null and blank items out. */
static int drop_blank(json_t **v)
{
    if (is_blank(*v)) {
        json_decref(*v);
        *v = json_null();
        return SLUICE_OK;
    }
    if (!json_is_array(*v))
        return SLUICE_OK;
    json_t *arr = json_array();
    if (!arr)
        return SLUICE_ENOMEM;
    int rc = add_unique(arr, json_incref(*v));
    json_decref(*v);
    *v = arr;
    return rc;
}

static int eval_spec(ufy_work *w, const ufy_spec *s, json_t **out)
{
    json_t *v = NULL;
    int rc, yes = 1;
    *out = NULL;
    if (s->when && (rc = ufy_eval_when(w, s->when, &yes)) != SLUICE_OK)
        return rc;
    if (!yes) {
        *out = json_null();
        return SLUICE_OK;
    }
    if ((rc = source_value(w, s, &v)) != SLUICE_OK)
        return rc;
    rc = drop_blank(&v);
    if (rc == SLUICE_OK && s->map)
        rc = each_value(w, map_step, s, &v);
    for (size_t k = 0; k < s->nfns && rc == SLUICE_OK; k++)
        rc = each_value(w, fn_step, &s->fns[k], &v);
    if (rc == SLUICE_OK && is_empty(v) && s->dflt) {
        json_decref(v);
        v = json_incref(s->dflt);
    }
    if (rc != SLUICE_OK) {
        json_decref(v);
        return rc;
    }
    *out = v;
    return SLUICE_OK;
}

int ufy_eval_when(ufy_work *w, const ufy_spec *s, int *yes)
{
    json_t *v = NULL;
    int rc = eval_spec(w, s, &v);
    *yes = rc == SLUICE_OK && ufy_truthy(v);
    json_decref(v);
    return rc;
}

int ufy_eval_field(ufy_work *w, const ufy_spec *s, json_t **out)
{
    json_t *v = NULL;
    w->lenient = s->on_invalid == UFY_INVALID_NULL && !s->required;
    int rc = eval_spec(w, s, &v);
    if (rc == UFY_INVALID && w->lenient) {
        rc = note(w, w->reason);
        v = json_null();
        if (rc == SLUICE_OK && s->dflt) {
            json_decref(v);
            v = json_incref(s->dflt);
        }
    }
    if (rc == SLUICE_OK && s->required && is_empty(v)) {
        rc = s->src == UFY_SRC_PATH ? ufy_fail(w, "is required, but \"%s\" is missing or empty", s->text)
                                    : ufy_fail(w, "is required, but its value is empty");
    }
    if (rc != SLUICE_OK) {
        json_decref(v);
        return rc;
    }
    *out = v;
    return SLUICE_OK;
}
