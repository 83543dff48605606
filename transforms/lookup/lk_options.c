/*
 * lk_options.c - the lookup transform's options and the lk_plan built from
 * them once, at init.
 */
#include "lookup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "option_error.h"
#include "state_file.h"

static const char *const format_choices[] = { "auto", "csv", "jsonl", NULL };
static const char *const missing_choices[] = { "flag", "reject", NULL };

const sluice_option lk_options[] = {
    { "streams", SLUICE_OPT_LIST, SLUICE_OPT_REQUIRED, NULL, "streams whose records are enriched", NULL },
    { "key", SLUICE_OPT_LIST, SLUICE_OPT_REQUIRED, NULL, "their fields forming the key (e.g. [\"sku\"])", NULL },
    { "fields", SLUICE_OPT_ANY, SLUICE_OPT_REQUIRED, NULL,
      "table fields to copy: a list, or {\"table_field\": \"record_field\"}", NULL },
    { "table_stream", SLUICE_OPT_STRING, 0, NULL, "stream whose records build the table (e.g. products)", NULL },
    { "table_file", SLUICE_OPT_PATH, 0, NULL, "CSV or JSON Lines file building the table (read at start)", NULL },
    { "table_format", SLUICE_OPT_STRING, 0, "\"auto\"", "table_file format: auto (by extension), csv or jsonl",
      format_choices },
    { "delimiter", SLUICE_OPT_STRING, 0, "\",\"", "table_file CSV field separator: one character", NULL },
    { "table_key", SLUICE_OPT_LIST, 0, NULL, "the table rows' key fields, in the order of key (default: key)", NULL },
    { "table_row_key", SLUICE_OPT_LIST, 0, NULL,
      "fields telling apart several rows of one key, e.g. [\"sku\", \"warehouse\"] (default: table_key: one row a key)",
      NULL },
    { "sum", SLUICE_OPT_LIST, 0, NULL, "table fields summed exactly over a key's rows (e.g. stock qty)", NULL },
    { "overwrite", SLUICE_OPT_BOOL, 0, "false", "replace values the record already has (default: fill missing or null only)",
      NULL },
    { "missing_field", SLUICE_OPT_STRING, 0, "\"_lookup_missing\"", "record field listing the fields left unfilled",
      NULL },
    { "on_missing", SLUICE_OPT_STRING, 0, "\"flag\"", "a record whose key has no row: flag it, or reject it",
      missing_choices },
    { "margin", SLUICE_OPT_STRING, 0, NULL,
      "field to write qty*unit_price - discount - qty*cost to (exact decimal; null when an input is unknown)", NULL },
    { "margin_inputs", SLUICE_OPT_OBJECT, 0, NULL,
      "fields the margin reads: {\"qty\", \"unit_price\", \"discount\", \"cost\"} (defaults: those names)", NULL },
    { "max_memory_rows", SLUICE_OPT_INT, 0, "100000", "table rows kept in memory; more go to SQLite in the state folder",
      NULL },
    { "persist", SLUICE_OPT_BOOL, 0, "true", "keep table_stream rows for later runs", NULL },
    { "hold_misses", SLUICE_OPT_BOOL, 0, "true",
      "hold records whose key has no row yet until table_stream brings it, at the latest until the input ends", NULL },
    { "hold_across_runs", SLUICE_OPT_BOOL, 0, "false",
      "records still held when the input ends wait for their row in later runs instead of going out flagged", NULL },
    { "pass_table", SLUICE_OPT_BOOL, 0, "true", "let table_stream records go on downstream", NULL },
    { "store", SLUICE_OPT_PATH, 0, NULL,
      "the stage's SQLite file (default: lookup-STAGE.db in the pipeline's state folder)", NULL },
    { 0 },
};

#define plan_error(ctx, ...) tx_option_error((ctx), "lookup", __VA_ARGS__)

static int read_names(sluice_ctx *ctx, lk_plan *plan, const char *opt, lk_names *out)
{
    json_t *v = json_object_get(plan->opts, opt);
    size_t n = json_array_size(v);
    out->v = NULL;
    out->n = 0;
    if (!n)
        return SLUICE_OK;
    if (!(out->v = calloc(n, sizeof *out->v)))
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *s = json_string_value(json_array_get(v, i));
        if (!s || !*s)
            return plan_error(ctx, "%s: names must be non-empty text", opt);
        out->v[out->n++] = s;
    }
    return SLUICE_OK;
}

static int names_has(const lk_names *n, const char *s)
{
    for (size_t i = 0; i < n->n; i++)
        if (strcmp(n->v[i], s) == 0)
            return 1;
    return 0;
}

/* `fields`: ["cost"] or {"cost": "unit_cost"}. */
static int read_fill(sluice_ctx *ctx, lk_plan *plan)
{
    json_t *f = json_object_get(plan->opts, "fields"), *v;
    size_t n = json_is_array(f) ? json_array_size(f) : json_is_object(f) ? json_object_size(f) : 0;
    const char *k;
    if (!n)
        return plan_error(ctx, "fields: expected a non-empty list, or an object {\"table_field\": \"record_field\"}");
    if (!(plan->fill = calloc(n, sizeof *plan->fill)))
        return SLUICE_ENOMEM;
    if (json_is_array(f)) {
        for (size_t i = 0; i < n; i++) {
            const char *s = json_string_value(json_array_get(f, i));
            if (!s || !*s)
                return plan_error(ctx, "fields: names must be non-empty text");
            plan->fill[plan->nfill++] = (lk_fill){ s, s, 0 };
        }
        return SLUICE_OK;
    }
    json_object_foreach(f, k, v) {
        const char *s = json_string_value(v);
        if (!*k || !s || !*s)
            return plan_error(ctx, "fields.%s: expected a non-empty record field name", k);
        plan->fill[plan->nfill++] = (lk_fill){ k, s, 0 };
    }
    return SLUICE_OK;
}

static int read_sum(sluice_ctx *ctx, lk_plan *plan)
{
    lk_names sum;
    int rc = read_names(ctx, plan, "sum", &sum);
    for (size_t i = 0; rc == SLUICE_OK && i < sum.n; i++) {
        size_t k = 0;
        while (k < plan->nfill && strcmp(plan->fill[k].from, sum.v[i]) != 0)
            k++;
        if (k == plan->nfill)
            rc = plan_error(ctx, "sum: %s is not one of the table fields in fields", sum.v[i]);
        else
            plan->fill[k].sum = 1;
    }
    free(sum.v);
    return rc;
}

static int read_margin(sluice_ctx *ctx, lk_plan *plan)
{
    static const char *const inputs[] = { "qty", "unit_price", "discount", "cost" };
    const char **dst[] = { &plan->m_qty, &plan->m_price, &plan->m_discount, &plan->m_cost };
    json_t *o = json_object_get(plan->opts, "margin_inputs"), *v;
    const char *k;
    plan->margin = json_string_value(json_object_get(plan->opts, "margin"));
    if (plan->margin && !*plan->margin)
        return plan_error(ctx, "margin: expected a field name");
    json_object_foreach(o, k, v) {
        size_t i = 0;
        while (i < 4 && strcmp(inputs[i], k) != 0)
            i++;
        if (i == 4)
            return plan_error(ctx, "margin_inputs.%s: unknown input (qty, unit_price, discount, cost)", k);
        if (!json_is_string(v) || !json_string_length(v))
            return plan_error(ctx, "margin_inputs.%s: expected a field name", k);
    }
    for (size_t i = 0; i < 4; i++) {
        json_t *f = json_object_get(o, inputs[i]);
        *dst[i] = f ? json_string_value(f) : inputs[i];
    }
    return SLUICE_OK;
}

static int read_table_source(sluice_ctx *ctx, lk_plan *plan)
{
    plan->table_stream = json_string_value(json_object_get(plan->opts, "table_stream"));
    plan->table_file = json_string_value(json_object_get(plan->opts, "table_file"));
    if ((!plan->table_stream || !*plan->table_stream) && (!plan->table_file || !*plan->table_file))
        return plan_error(ctx, "set table_stream, table_file or both: where the table comes from");
    if (plan->table_stream && !*plan->table_stream)
        plan->table_stream = NULL;
    if (plan->table_stream && names_has(&plan->streams, plan->table_stream))
        return plan_error(ctx, "table_stream: %s is also in streams", plan->table_stream);
    const char *fmt = json_string_value(json_object_get(plan->opts, "table_format"));
    plan->table_format = !fmt || !strcmp(fmt, "auto") ? LK_FORMAT_AUTO : !strcmp(fmt, "csv") ? LK_FORMAT_CSV : LK_FORMAT_JSONL;
    const char *d = json_string_value(json_object_get(plan->opts, "delimiter"));
    if (!d || strlen(d) != 1 || *d == '"' || *d == '\n' || *d == '\r')
        return plan_error(ctx, "delimiter: expected one character (not a quote or a line break)");
    plan->delimiter = *d;
    return SLUICE_OK;
}

static int copy_names(const lk_names *from, lk_names *to)
{
    if (!(to->v = calloc(from->n, sizeof *to->v)))
        return SLUICE_ENOMEM;
    memcpy(to->v, from->v, from->n * sizeof *to->v);
    to->n = from->n;
    return SLUICE_OK;
}

static int read_keys(sluice_ctx *ctx, lk_plan *plan)
{
    int rc = read_names(ctx, plan, "streams", &plan->streams);
    if (rc == SLUICE_OK)
        rc = read_names(ctx, plan, "key", &plan->key);
    if (rc == SLUICE_OK)
        rc = read_names(ctx, plan, "table_key", &plan->table_key);
    if (rc == SLUICE_OK)
        rc = read_names(ctx, plan, "table_row_key", &plan->row_key);
    if (rc != SLUICE_OK)
        return rc;
    if (!plan->streams.n || !plan->key.n)
        return plan_error(ctx, "streams and key must name at least one stream and field");
    if (plan->table_key.n && plan->table_key.n != plan->key.n)
        return plan_error(ctx, "table_key: %zu fields, but key has %zu", plan->table_key.n, plan->key.n);
    if (!plan->table_key.n && (rc = copy_names(&plan->key, &plan->table_key)) != SLUICE_OK)
        return rc;
    if (!plan->row_key.n && (rc = copy_names(&plan->table_key, &plan->row_key)) != SLUICE_OK)
        return rc;
    return SLUICE_OK;
}

int lk_plan_build(sluice_ctx *ctx, lk_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    if (!(plan->opts = json_object()))
        return SLUICE_ENOMEM;
    for (const sluice_option *o = lk_options; o->name; o++) {
        json_t *v = sluice_option_get(ctx, o->name);
        if (v && json_object_set_new(plan->opts, o->name, json_deep_copy(v)) != 0)
            return SLUICE_ENOMEM;
    }
    int rc = read_keys(ctx, plan);
    if (rc == SLUICE_OK)
        rc = read_fill(ctx, plan);
    if (rc == SLUICE_OK)
        rc = read_sum(ctx, plan);
    if (rc == SLUICE_OK)
        rc = read_margin(ctx, plan);
    if (rc == SLUICE_OK)
        rc = read_table_source(ctx, plan);
    if (rc != SLUICE_OK)
        return rc;
    plan->overwrite = sluice_option_bool(ctx, "overwrite", 0);
    plan->pass_table = sluice_option_bool(ctx, "pass_table", 1);
    plan->persist = plan->table_stream && sluice_option_bool(ctx, "persist", 1);
    plan->hold = plan->table_stream && sluice_option_bool(ctx, "hold_misses", 1);
    plan->hold_across_runs = plan->hold && sluice_option_bool(ctx, "hold_across_runs", 0);
    const char *on = json_string_value(json_object_get(plan->opts, "on_missing"));
    plan->reject_missing = on && !strcmp(on, "reject");
    plan->missing_field = json_string_value(json_object_get(plan->opts, "missing_field"));
    if (!plan->missing_field || !*plan->missing_field)
        return plan_error(ctx, "missing_field: must not be empty");
    plan->max_memory_rows = sluice_option_int(ctx, "max_memory_rows", 100000);
    if (plan->max_memory_rows < 0)
        return plan_error(ctx, "max_memory_rows: must be 0 or more");
    /* A table built only from a file needs the file only when rows spill:
     * its path is worked out then (lookup.c). */
    if (!plan->table_stream)
        return SLUICE_OK;
    char name[256];
    snprintf(name, sizeof name, "lookup-%s.db", sluice_stage_id(ctx));
    return tx_state_file(ctx, "store", name, &plan->store_path);
}

void lk_plan_free(lk_plan *plan)
{
    free(plan->streams.v);
    free(plan->key.v);
    free(plan->table_key.v);
    free(plan->row_key.v);
    free(plan->fill);
    free(plan->store_path);
    json_decref(plan->opts);
    memset(plan, 0, sizeof *plan);
}

int lk_plan_enriches(const lk_plan *plan, const char *stream)
{
    return stream && names_has(&plan->streams, stream);
}
