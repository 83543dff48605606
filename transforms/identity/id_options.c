/*
 * id_options.c - the identity transform's options and the id_plan built
 * from them once, at init.
 *
 * The core has checked the JSON types against the table; this file checks
 * the inside of lists and objects, with messages naming the option.
 */
#include "identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "option_error.h"
#include "state_file.h"

static const char *const unidentified_choices[] = { "keep", "reject", NULL };

const sluice_option id_options[] = {
    { "store", SLUICE_OPT_PATH, 0, NULL,
      "the identity store, a SQLite file (default: identity.db in the pipeline's state folder)", NULL },
    { "customers", SLUICE_OPT_LIST, 0, "[\"customers\"]", "streams whose records are customers", NULL },
    { "email", SLUICE_OPT_LIST, 0, "[\"email\", \"emails\"]",
      "fields of customer records holding e-mail addresses (text or lists of text)", NULL },
    { "phone", SLUICE_OPT_LIST, 0, "[\"phone\", \"phones\"]",
      "fields of customer records holding phone numbers (text, integers or lists)", NULL },
    { "crossrefs", SLUICE_OPT_OBJECT, 0, NULL,
      "fields of customer records holding the customer's id in another system: {\"field\": \"system\"} "
      "(\"$field\" takes the system from that field)", NULL },
    { "references", SLUICE_OPT_OBJECT, 0, NULL,
      "other streams whose records name a customer: {\"orders\": {\"email\": [..], \"phone\": [..], "
      "\"crossrefs\": {..}, \"record_id\": \"order_id\"}}", NULL },
    { "system_field", SLUICE_OPT_STRING, 0, "\"source\"",
      "customer field naming the system a record comes from (default: the source stage's id)", NULL },
    { "external_id_field", SLUICE_OPT_STRING, 0, "\"external_id\"", "customer field holding its id in that system",
      NULL },
    { "sources_field", SLUICE_OPT_STRING, 0, "\"sources\"",
      "customer field listing [{\"system\", \"external_id\"}] records of the same customer", NULL },
    { "id_field", SLUICE_OPT_STRING, 0, "\"customer_id\"", "field the customer id is written to", NULL },
    { "merges_stream", SLUICE_OPT_STRING, 0, "\"identity_merges\"",
      "stream of the {from_id, into_id, reason, at} records emitted when customers merge", NULL },
    { "default_country", SLUICE_OPT_STRING, 0, "\"RU\"", "country of phone numbers written without a country code",
      norm_country_codes },
    { "on_unidentified", SLUICE_OPT_STRING, 0, "\"keep\"",
      "customer records without any e-mail, phone or id: keep (no customer_id) or reject", unidentified_choices },
    { 0 },
};

#define plan_error(ctx, ...) tx_option_error((ctx), "identity", __VA_ARGS__)

/* A list of non-empty field names (a single string is a one-item list);
 * the names are borrowed from v. */
static int read_names(sluice_ctx *ctx, json_t *v, const char *where, const char ***out, size_t *n)
{
    size_t count = json_is_array(v) ? json_array_size(v) : v ? 1 : 0;
    *out = NULL;
    *n = 0;
    if (v && !json_is_array(v) && !json_is_string(v))
        return plan_error(ctx, "%s: expected a field name or a list of them", where);
    if (count == 0)
        return SLUICE_OK;
    if (!(*out = calloc(count, sizeof **out)))
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < count; i++) {
        json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
        if (!json_is_string(e) || !json_string_length(e))
            return plan_error(ctx, "%s: field names must be non-empty text", where);
        (*out)[(*n)++] = json_string_value(e);
    }
    return SLUICE_OK;
}

static int read_refs(sluice_ctx *ctx, json_t *obj, const char *where, id_spec *spec)
{
    const char *field;
    json_t *sys;
    if (!obj)
        return SLUICE_OK;
    if (!json_is_object(obj))
        return plan_error(ctx, "%s: expected an object {\"field\": \"system\"}", where);
    if (json_object_size(obj) && !(spec->refs = calloc(json_object_size(obj), sizeof *spec->refs)))
        return SLUICE_ENOMEM;
    json_object_foreach(obj, field, sys) {
        const char *s = json_string_value(sys);
        if (!*field || !s || !*s || (s[0] == '$' && !s[1]))
            return plan_error(ctx, "%s.%s: expected a system name, or \"$field\" naming the field that holds it",
                              where, field);
        id_ref *r = &spec->refs[spec->nrefs++];
        r->field = field;
        r->system_is_field = s[0] == '$';
        r->system = s + r->system_is_field;
    }
    return SLUICE_OK;
}

static id_spec *new_spec(id_plan *plan, const char *stream)
{
    id_spec *s = realloc(plan->specs, (plan->nspecs + 1) * sizeof *s);
    if (!s)
        return NULL;
    plan->specs = s;
    s = &plan->specs[plan->nspecs++];
    memset(s, 0, sizeof *s);
    s->stream = stream;
    return s;
}

static int read_customers(sluice_ctx *ctx, id_plan *plan)
{
    json_t *streams = json_object_get(plan->opts, "customers");
    for (size_t i = 0; i < json_array_size(streams); i++) {
        const char *name = json_string_value(json_array_get(streams, i));
        if (!name || !*name)
            return plan_error(ctx, "customers: stream names must be non-empty text");
        if (id_plan_spec(plan, name))
            return plan_error(ctx, "customers: %s is listed twice", name);
        id_spec *s = new_spec(plan, name);
        if (!s)
            return SLUICE_ENOMEM;
        s->customer = 1;
        int rc = read_names(ctx, json_object_get(plan->opts, "email"), "email", &s->email, &s->nemail);
        if (rc == SLUICE_OK)
            rc = read_names(ctx, json_object_get(plan->opts, "phone"), "phone", &s->phone, &s->nphone);
        if (rc == SLUICE_OK)
            rc = read_refs(ctx, json_object_get(plan->opts, "crossrefs"), "crossrefs", s);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

static int read_reference(sluice_ctx *ctx, id_plan *plan, const char *stream, json_t *def)
{
    char where[256];
    const char *k;
    json_t *v;
    snprintf(where, sizeof where, "references.%s", stream);
    if (!*stream || !json_is_object(def))
        return plan_error(ctx, "%s: expected {\"email\": [..], \"phone\": [..], \"crossrefs\": {..}}", where);
    if (id_plan_spec(plan, stream))
        return plan_error(ctx, "%s: the stream is listed twice (customers and references?)", where);
    json_object_foreach(def, k, v) {
        if (strcmp(k, "email") && strcmp(k, "phone") && strcmp(k, "crossrefs") && strcmp(k, "record_id"))
            return plan_error(ctx, "%s.%s: unknown key (email, phone, crossrefs, record_id)", where, k);
    }
    id_spec *s = new_spec(plan, stream);
    if (!s)
        return SLUICE_ENOMEM;
    json_t *rid = json_object_get(def, "record_id");
    if (rid && (!json_is_string(rid) || !json_string_length(rid)))
        return plan_error(ctx, "%s.record_id: expected a field name", where);
    s->record_id = json_string_value(rid);
    char sub[300];
    snprintf(sub, sizeof sub, "%s.email", where);
    int rc = read_names(ctx, json_object_get(def, "email"), sub, &s->email, &s->nemail);
    snprintf(sub, sizeof sub, "%s.phone", where);
    if (rc == SLUICE_OK)
        rc = read_names(ctx, json_object_get(def, "phone"), sub, &s->phone, &s->nphone);
    snprintf(sub, sizeof sub, "%s.crossrefs", where);
    if (rc == SLUICE_OK)
        rc = read_refs(ctx, json_object_get(def, "crossrefs"), sub, s);
    if (rc == SLUICE_OK && s->nemail + s->nphone + s->nrefs == 0)
        return plan_error(ctx, "%s: names no field (email, phone or crossrefs)", where);
    return rc;
}

static int read_strings(sluice_ctx *ctx, id_plan *plan)
{
    static const struct {
        const char *name;
        size_t off;
    } names[] = {
        { "system_field", offsetof(id_plan, system_field) },
        { "external_id_field", offsetof(id_plan, external_id_field) },
        { "sources_field", offsetof(id_plan, sources_field) },
        { "id_field", offsetof(id_plan, id_field) },
        { "merges_stream", offsetof(id_plan, merges_stream) },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const char *v = json_string_value(json_object_get(plan->opts, names[i].name));
        if (!v || !*v)
            return plan_error(ctx, "%s: must not be empty", names[i].name);
        *(const char **)(void *)((char *)plan + names[i].off) = v;
    }
    return SLUICE_OK;
}

int id_plan_build(sluice_ctx *ctx, id_plan *plan)
{
    static const char *const keys[] = { "store", "customers", "email", "phone", "crossrefs", "references",
                                        "system_field", "external_id_field", "sources_field", "id_field",
                                        "merges_stream", "default_country", "on_unidentified" };
    memset(plan, 0, sizeof *plan);
    if (!(plan->opts = json_object()))
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        json_t *v = sluice_option_get(ctx, keys[i]);
        if (v && json_object_set_new(plan->opts, keys[i], json_deep_copy(v)) != 0)
            return SLUICE_ENOMEM;
    }
    int rc = read_strings(ctx, plan);
    if (rc == SLUICE_OK)
        rc = read_customers(ctx, plan);
    const char *stream;
    json_t *def;
    json_object_foreach(json_object_get(plan->opts, "references"), stream, def) {
        if (rc == SLUICE_OK)
            rc = read_reference(ctx, plan, stream, def);
    }
    if (rc != SLUICE_OK)
        return rc;
    if (plan->nspecs == 0)
        return plan_error(ctx, "neither customers nor references name a stream");
    if (id_plan_spec(plan, plan->merges_stream))
        return plan_error(ctx, "merges_stream: %s is also a stream this stage resolves", plan->merges_stream);
    const char *country = json_string_value(json_object_get(plan->opts, "default_country"));
    if (!country || !(plan->ncfg.country = norm_country_find(country)))
        return plan_error(ctx, "default_country: unknown country");
    const char *on = json_string_value(json_object_get(plan->opts, "on_unidentified"));
    plan->reject_unidentified = on && strcmp(on, "reject") == 0;
    return tx_state_file(ctx, "store", ID_STORE_FILE, &plan->store_path);
}

void id_plan_free(id_plan *plan)
{
    for (size_t i = 0; i < plan->nspecs; i++) {
        free(plan->specs[i].email);
        free(plan->specs[i].phone);
        free(plan->specs[i].refs);
    }
    free(plan->specs);
    free(plan->store_path);
    json_decref(plan->opts);
    memset(plan, 0, sizeof *plan);
}

const id_spec *id_plan_spec(const id_plan *plan, const char *stream)
{
    for (size_t i = 0; stream && i < plan->nspecs; i++)
        if (strcmp(plan->specs[i].stream, stream) == 0)
            return &plan->specs[i];
    return NULL;
}
