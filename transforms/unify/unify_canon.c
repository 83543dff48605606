/*
 * unify_canon.c - the canonical model applied to a mapping's outputs.
 *
 * The model is data too (mappings/canonical.schema.json, described in
 * docs/unified-model.md): per canonical stream its key and its fields, each
 * with a type, maybe a vocabulary and a default. It is what makes every
 * mapping's records look alike: key fields must be there, fields a
 * mapping leaves out are added as null (so the warehouse has every column
 * the report reads, whatever system filled it), and values of the wrong
 * type or outside the vocabulary are refused with the field named.
 */
#include "unify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *ufy_canon_stream(json_t *canon, const char *stream)
{
    json_t *def = json_object_get(json_object_get(canon, "streams"), stream);
    return json_is_object(def) ? def : NULL;
}

static int is_key(json_t *def, const char *name)
{
    size_t i;
    json_t *k;
    json_array_foreach(json_object_get(def, "key"), i, k)
        if (json_is_string(k) && strcmp(json_string_value(k), name) == 0)
            return 1;
    return 0;
}

static ufy_field *find_field(ufy_output *o, const char *name)
{
    for (size_t k = 0; k < o->nfields; k++)
        if (o->fields[k].name && strcmp(o->fields[k].name, name) == 0)
            return &o->fields[k];
    return NULL;
}

/* Adds a canonical field the mapping left out: its default, or null. */
static int add_missing(ufy_plan *plan, ufy_output *o, const char *name, json_t *fdef, const char *where, char *err,
                       size_t size)
{
    char sub[400];
    ufy_field *grown = realloc(o->fields, (o->nfields + 1) * sizeof *grown);
    if (!grown)
        return SLUICE_ENOMEM;
    o->fields = grown;
    ufy_field *f = &o->fields[o->nfields];
    memset(f, 0, sizeof *f);
    f->name = name;
    snprintf(sub, sizeof sub, "%s (canonical default of %s)", where, name);
    json_t *dflt = json_object_get(fdef, "default");
    int rc = dflt ? ufy_spec_compile(plan, dflt, &f->spec, sub, err, size) : SLUICE_OK; /* no source: null */
    o->nfields++; /* counted even on failure, so that it is freed */
    return rc;
}

/* Puts the model's fields first, in the model's order, then the mapping's
 * own: every system's table then reads alike. */
static int reorder(ufy_output *o, json_t *fields)
{
    ufy_field *sorted = calloc(o->nfields + 1, sizeof *sorted);
    size_t n = 0;
    const char *name;
    json_t *fdef;
    if (!sorted)
        return SLUICE_ENOMEM;
    json_object_foreach(fields, name, fdef) {
        ufy_field *f = find_field(o, name);
        if (f) {
            sorted[n++] = *f;
            f->name = NULL; /* taken */
        }
    }
    for (size_t k = 0; k < o->nfields; k++)
        if (o->fields[k].name)
            sorted[n++] = o->fields[k];
    free(o->fields);
    o->fields = sorted;
    return SLUICE_OK;
}

int ufy_canon_complete(ufy_plan *plan, ufy_output *o, json_t *def, const char *where, char *err, size_t err_size)
{
    json_t *fields = json_object_get(def, "fields"), *fdef;
    const char *name;
    int rc;
    json_object_foreach(fields, name, fdef) {
        ufy_field *f = find_field(o, name);
        if (!f && is_key(def, name) && !json_object_get(fdef, "default")) {
            snprintf(err, err_size, "%s: the canonical stream \"%s\" needs its key field \"%s\"", where, o->stream,
                     name);
            return SLUICE_EINVAL;
        }
        if (!f && !o->partial && (rc = add_missing(plan, o, name, fdef, where, err, err_size)) != SLUICE_OK)
            return rc;
        if (!(f = find_field(o, name)))
            continue;
        f->canon.type = json_string_value(json_object_get(fdef, "type"));
        f->canon.values = json_is_array(json_object_get(fdef, "values")) ? json_object_get(fdef, "values") : NULL;
        if (is_key(def, name))
            f->spec.required = 1;
    }
    return reorder(o, fields);
}

/* ---- checking values ---- */

static int digits(const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++)
        if (s[k] < '0' || s[k] > '9')
            return 0;
    return 1;
}

/* YYYY-MM-DD */
static int is_date(const char *s)
{
    return strlen(s) >= 10 && digits(s, 4) && s[4] == '-' && digits(s + 5, 2) && s[7] == '-' && digits(s + 8, 2);
}

/* YYYY-MM-DDTHH:MM:SS...Z, or a date alone */
static int is_datetime(const char *s)
{
    size_t n = strlen(s);
    if (n == 10)
        return is_date(s);
    return n >= 20 && is_date(s) && s[10] == 'T' && digits(s + 11, 2) && s[13] == ':' && s[n - 1] == 'Z';
}

static int type_ok(const char *type, json_t *v)
{
    const char *s = json_string_value(v);
    if (strcmp(type, "string") == 0)
        return s != NULL;
    if (strcmp(type, "money") == 0)
        return s && ufy_dec_valid(s);
    if (strcmp(type, "integer") == 0)
        return json_is_integer(v);
    if (strcmp(type, "quantity") == 0)
        return json_is_integer(v) || (s && ufy_dec_valid(s));
    if (strcmp(type, "date") == 0)
        return s && strlen(s) == 10 && is_date(s);
    if (strcmp(type, "datetime") == 0)
        return s && is_datetime(s);
    if (strcmp(type, "boolean") == 0)
        return json_is_boolean(v);
    if (strcmp(type, "array") == 0)
        return json_is_array(v);
    if (strcmp(type, "object") == 0)
        return json_is_object(v);
    return 1; /* "any", or a type this plugin does not know */
}

static const char *type_hint(const char *type)
{
    static const struct {
        const char *type, *hint;
    } hints[] = {
        { "string", "text; \"fn\": \"string\" writes numbers as text" },
        { "money", "a decimal string such as \"1590.00\"; use \"fn\": \"money\"" },
        { "integer", "an integer; use \"fn\": \"int\"" },
        { "quantity", "an integer or a decimal string; use \"fn\": \"quantity\"" },
        { "date", "a date YYYY-MM-DD; use \"fn\": \"date\"" },
        { "datetime", "an ISO 8601 UTC time or a date; use \"fn\": \"date\"" },
        { "boolean", "true or false; use \"fn\": \"bool\"" },
        { "array", "a list; use \"array\"" },
        { "object", "an object; use \"object\"" },
    };
    for (size_t k = 0; k < sizeof hints / sizeof hints[0]; k++)
        if (strcmp(hints[k].type, type) == 0)
            return hints[k].hint;
    return type;
}

/* "open, won, lost" into buf. */
static void list_values(json_t *values, char *buf, size_t size)
{
    size_t i, len = 0;
    json_t *v;
    char num[64];
    buf[0] = '\0';
    json_array_foreach(values, i, v) {
        const char *t = ufy_scalar_text(v, num, sizeof num);
        int n = snprintf(buf + len, size - len, "%s%s", i ? ", " : "", t ? t : "null");
        if (n < 0 || (size_t)n >= size - len)
            break;
        len += (size_t)n;
    }
}

int ufy_canon_check(ufy_work *w, const ufy_canon_field *c, json_t *v)
{
    char shown[80], list[200];
    if (json_is_null(v))
        return SLUICE_OK;
    if (c->type && !type_ok(c->type, v)) {
        ufy_show(v, shown, sizeof shown);
        return ufy_fail(w, "%s does not fit the canonical type %s (%s)", shown, c->type, type_hint(c->type));
    }
    if (!c->values)
        return SLUICE_OK;
    size_t i;
    json_t *ok;
    json_array_foreach(c->values, i, ok)
        if (json_equal(ok, v))
            return SLUICE_OK;
    ufy_show(v, shown, sizeof shown);
    list_values(c->values, list, sizeof list);
    return ufy_fail(w, "%s is not one of %s", shown, list);
}
