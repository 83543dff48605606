/*
 * norm_options.c - the option table and turning the stage's options into a
 * norm_plan.
 *
 * The core checked the JSON types against the table already; what is
 * checked here is the inside of lists and objects, that no field is given
 * two rules, and that the time zone loads, with messages that name the
 * option so a user can find the line to fix.
 */
#include "normalize.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCALE_MAX 18

static const char *const extension_choices[] = { "drop", "keep", NULL };
static const char *const order_choices[] = { "auto", "DMY", "MDY", NULL };
static const char *const date_only_choices[] = { "datetime", "date", NULL };
static const char *const invalid_choices[] = { "flag", "null", "reject", NULL };

const sluice_option norm_options[] = {
    { "email", SLUICE_OPT_LIST, 0, NULL, "e-mail fields: trimmed, lower-cased, syntax-checked", NULL },
    { "phone", SLUICE_OPT_LIST, 0, NULL, "phone fields: to E.164 (+79123456789)", NULL },
    { "name", SLUICE_OPT_LIST, 0, NULL, "name fields: trimmed, spaces collapsed, ALL CAPS or all lower to Title Case", NULL },
    { "currency", SLUICE_OPT_LIST, 0, NULL, "currency fields: symbols and names to ISO 4217 codes", NULL },
    { "money", SLUICE_OPT_ANY, 0, NULL,
      "amount fields to exact decimal strings: a list, or {\"field\": {\"scale\": N}}", NULL },
    { "date", SLUICE_OPT_LIST, 0, NULL, "date fields: to ISO 8601 UTC (2026-11-27T11:05:00Z)", NULL },
    { "default_country", SLUICE_OPT_STRING, 0, "\"RU\"", "country of phone numbers written without a country code",
      norm_country_codes },
    { "phone_extension", SLUICE_OPT_STRING, 0, "\"drop\"", "phone extensions: drop, or keep in the field FIELD_ext",
      extension_choices },
    { "timezone", SLUICE_OPT_STRING, 0, "\"UTC\"", "zone of dates written without an offset: IANA name, UTC or +03:00",
      NULL },
    { "date_order", SLUICE_OPT_STRING, 0, "\"auto\"",
      "numeric dates: auto (dots and dashes day first, slashes month first), DMY or MDY", order_choices },
    { "date_only", SLUICE_OPT_STRING, 0, "\"datetime\"",
      "a date without a time: datetime (its midnight in timezone, as UTC) or date (kept as YYYY-MM-DD)",
      date_only_choices },
    { "money_scale", SLUICE_OPT_INT, 0, "2", "decimal places of money fields listed without a scale (0-18)", NULL },
    { "on_invalid", SLUICE_OPT_STRING, 0, "\"flag\"",
      "invalid values: flag (keep, note why in invalid_field), null (set null, note why) or reject the record",
      invalid_choices },
    { "invalid_field", SLUICE_OPT_STRING, 0, "\"_invalid\"", "object field noting each invalid field and why", NULL },
    { 0 },
};

static const char *const kind_names[NORM_KINDS] = { "email", "phone", "name", "currency", "money", "date" };

const char *norm_kind_name(int kind) { return kind >= 0 && kind < NORM_KINDS ? kind_names[kind] : "?"; }

norm_rule_fn norm_rule(int kind)
{
    static const norm_rule_fn rules[NORM_KINDS] = { norm_email, norm_phone,  norm_name,
                                                    norm_currency, norm_money, norm_date };
    return rules[kind];
}

static int plan_error(sluice_ctx *ctx, const char *fmt, ...) SLUICE_PRINTF(2, 3);
static int plan_error(sluice_ctx *ctx, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sluice_error(ctx, "normalize: %s", msg);
    sluice_set_error(ctx, msg);
    return SLUICE_EINVAL;
}

/* Appends a field, refusing one that another rule already has. */
static int add_field(sluice_ctx *ctx, norm_plan *plan, const char *name, int kind, int scale, const char *where)
{
    if (!*name)
        return plan_error(ctx, "%s: field names must not be empty", where);
    for (size_t i = 0; i < plan->nfields; i++) {
        if (strcmp(plan->fields[i].name, name) != 0)
            continue;
        if (plan->fields[i].kind == kind)
            return plan_error(ctx, "%s: field \"%s\" is listed twice", where, name);
        return plan_error(ctx, "%s: field \"%s\" already has the %s rule", where, name,
                          norm_kind_name(plan->fields[i].kind));
    }
    plan->fields[plan->nfields++] = (norm_field){ .name = name, .kind = kind, .scale = scale };
    return SLUICE_OK;
}

static int read_list(sluice_ctx *ctx, norm_plan *plan, int kind, int scale)
{
    const char *opt = norm_kind_name(kind);
    json_t *v = json_object_get(plan->opts, opt);
    char where[64];
    size_t i;
    json_t *item;
    int rc;
    if (!v)
        return SLUICE_OK;
    if (json_is_string(v))
        return add_field(ctx, plan, json_string_value(v), kind, scale, opt);
    json_array_foreach(v, i, item) {
        snprintf(where, sizeof where, "%s[%zu]", opt, i);
        if (!json_is_string(item))
            return plan_error(ctx, "%s: must be a field name", where);
        if ((rc = add_field(ctx, plan, json_string_value(item), kind, scale, where)) != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

/* money: a list like the others, or {"field": {"scale": N}}. */
static int read_money(sluice_ctx *ctx, norm_plan *plan, int dflt_scale)
{
    json_t *v = json_object_get(plan->opts, "money");
    const char *key;
    json_t *spec;
    char where[300];
    int rc;
    if (!v || json_is_string(v) || json_is_array(v))
        return read_list(ctx, plan, NORM_MONEY, dflt_scale);
    if (!json_is_object(v))
        return plan_error(ctx, "money: must be a list of field names or an object {\"field\": {\"scale\": N}}");
    json_object_foreach(v, key, spec) {
        snprintf(where, sizeof where, "money.%s", key);
        json_t *scale = json_object_get(spec, "scale");
        if (!json_is_object(spec) || json_object_size(spec) > (scale ? 1u : 0u))
            return plan_error(ctx, "%s: must be an object with at most the key \"scale\"", where);
        if (scale && (!json_is_integer(scale) || json_integer_value(scale) < 0 ||
                      json_integer_value(scale) > SCALE_MAX))
            return plan_error(ctx, "%s.scale: must be an integer from 0 to %d", where, SCALE_MAX);
        int s = scale ? (int)json_integer_value(scale) : dflt_scale;
        if ((rc = add_field(ctx, plan, key, NORM_MONEY, s, where)) != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

static size_t count_entries(json_t *v)
{
    if (json_is_array(v))
        return json_array_size(v);
    if (json_is_object(v))
        return json_object_size(v);
    return v ? 1 : 0;
}

static int choice(sluice_ctx *ctx, const char *name, const char *const *choices)
{
    const char *v = sluice_option_string(ctx, name);
    for (int i = 0; v && choices[i]; i++)
        if (strcmp(v, choices[i]) == 0)
            return i;
    return 0; /* the core checked the choices; unset means the default */
}

/* The plan points into a private copy of the options: its lifetime is
 * plainly the stage's. */
static int copy_options(sluice_ctx *ctx, norm_plan *plan)
{
    plan->opts = json_object();
    if (!plan->opts)
        return SLUICE_ENOMEM;
    for (const sluice_option *o = norm_options; o->name; o++) {
        json_t *v = sluice_option_get(ctx, o->name);
        if (v && json_object_set_new(plan->opts, o->name, json_deep_copy(v)) < 0)
            return SLUICE_ENOMEM;
    }
    return SLUICE_OK;
}

static int read_settings(sluice_ctx *ctx, norm_plan *plan)
{
    norm_cfg *cfg = &plan->cfg;
    const char *country = json_string_value(json_object_get(plan->opts, "default_country"));
    cfg->country = norm_country_find(country ? country : "RU");
    if (!cfg->country)
        return plan_error(ctx, "default_country: \"%s\" is not supported", country);
    cfg->keep_extension = choice(ctx, "phone_extension", extension_choices) == 1;
    cfg->date_order = choice(ctx, "date_order", order_choices);
    cfg->date_only_as_date = choice(ctx, "date_only", date_only_choices) == 1;
    plan->on_invalid = choice(ctx, "on_invalid", invalid_choices);
    plan->invalid_field = json_string_value(json_object_get(plan->opts, "invalid_field"));
    if (!plan->invalid_field)
        plan->invalid_field = "_invalid";
    if (!*plan->invalid_field)
        return plan_error(ctx, "invalid_field: must not be empty");

    cfg->tz_name = json_string_value(json_object_get(plan->opts, "timezone"));
    if (!cfg->tz_name)
        cfg->tz_name = "UTC";
    char err[400] = "";
    int rc = norm_tz_load(cfg->tz_name, &cfg->tz, err, sizeof err);
    if (rc == SLUICE_EINVAL)
        return plan_error(ctx, "timezone: %s", err);
    return rc;
}

/* Phone fields get "<name>_ext" when extensions are kept. */
static int ext_names(sluice_ctx *ctx, norm_plan *plan)
{
    if (!plan->cfg.keep_extension)
        return SLUICE_OK;
    for (size_t i = 0; i < plan->nfields; i++) {
        norm_field *f = &plan->fields[i];
        if (f->kind != NORM_PHONE)
            continue;
        size_t len = strlen(f->name) + 5;
        if (!(f->ext_name = malloc(len)))
            return SLUICE_ENOMEM;
        snprintf(f->ext_name, len, "%s_ext", f->name);
        for (size_t k = 0; k < plan->nfields; k++)
            if (strcmp(plan->fields[k].name, f->ext_name) == 0)
                return plan_error(ctx, "phone_extension: \"%s\" would overwrite the %s field \"%s\"",
                                  f->name, norm_kind_name(plan->fields[k].kind), f->ext_name);
    }
    return SLUICE_OK;
}

int norm_plan_build(sluice_ctx *ctx, norm_plan *plan)
{
    int rc;
    memset(plan, 0, sizeof *plan);
    if ((rc = copy_options(ctx, plan)) != SLUICE_OK || (rc = read_settings(ctx, plan)) != SLUICE_OK)
        return rc;
    long long scale = sluice_option_int(ctx, "money_scale", 2);
    if (scale < 0 || scale > SCALE_MAX)
        return plan_error(ctx, "money_scale: must be from 0 to %d, not %lld", SCALE_MAX, scale);
    size_t total = 0;
    for (int k = 0; k < NORM_KINDS; k++)
        total += count_entries(json_object_get(plan->opts, norm_kind_name(k)));
    plan->fields = calloc(total + 1, sizeof *plan->fields);
    if (!plan->fields)
        return SLUICE_ENOMEM;
    for (int k = 0; k < NORM_KINDS; k++) {
        rc = k == NORM_MONEY ? read_money(ctx, plan, (int)scale) : read_list(ctx, plan, k, (int)scale);
        if (rc != SLUICE_OK)
            return rc;
    }
    for (size_t i = 0; i < plan->nfields; i++)
        if (strcmp(plan->fields[i].name, plan->invalid_field) == 0)
            return plan_error(ctx, "invalid_field: \"%s\" is also a field to normalise", plan->invalid_field);
    return ext_names(ctx, plan);
}

void norm_plan_free(norm_plan *plan)
{
    for (size_t i = 0; plan->fields && i < plan->nfields; i++)
        free(plan->fields[i].ext_name);
    free(plan->fields);
    norm_tz_free(&plan->cfg.tz);
    json_decref(plan->opts);
    memset(plan, 0, sizeof *plan);
}
