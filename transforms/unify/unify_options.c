/*
 * unify_options.c - the option table, and turning the options into a plan:
 * the mapping found and read, the pipeline's overrides merged over it, the
 * normalisation settings worked out (option, else the mapping's
 * "settings", else the built-in default) and the canonical model loaded.
 */
#include "unify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const order_choices[] = { "auto", "DMY", "MDY", NULL };
static const char *const invalid_choices[] = { "reject", "null", NULL };
static const char *const unmapped_choices[] = { "pass", "drop", "reject", NULL };

const sluice_option ufy_options[] = {
    { "mapping", SLUICE_OPT_PATH, SLUICE_OPT_REQUIRED, NULL,
      "a built-in mapping (hubspot, amocrm, bitrix24, shopify, woocommerce, commerceml, yml, maven_crm, quickstart) "
      "or a mapping file (JSON)",
      NULL },
    { "overrides", SLUICE_OPT_OBJECT, 0, NULL,
      "field specifications merged over the mapping: {\"deals.currency\": {\"const\": \"EUR\"}, \"deals.owner\": null}",
      NULL },
    { "system", SLUICE_OPT_STRING, 0, NULL, "the system's name in source fields and ids (default: the mapping's)", NULL },
    { "default_country", SLUICE_OPT_STRING, 0, NULL,
      "country of phone numbers written without a country code (default: the mapping's, else RU)", norm_country_codes },
    { "timezone", SLUICE_OPT_STRING, 0, NULL,
      "zone of dates written without an offset: IANA name, UTC or +03:00 (default: the mapping's, else UTC)", NULL },
    { "date_order", SLUICE_OPT_STRING, 0, NULL, "numeric dates: auto, DMY or MDY (default: the mapping's, else auto)",
      order_choices },
    { "on_invalid", SLUICE_OPT_STRING, 0, "\"reject\"",
      "a value that cannot be mapped, in a field without its own on_invalid: reject the record, or null (noted)",
      invalid_choices },
    { "invalid_field", SLUICE_OPT_STRING, 0, "\"_invalid\"",
      "object field of an output record noting values left out under on_invalid null (\"\": not noted)", NULL },
    { "unmapped", SLUICE_OPT_STRING, 0, "\"pass\"",
      "records of streams the mapping does not name: pass (unchanged, warned once), drop or reject", unmapped_choices },
    { 0 },
};

static int plan_error(sluice_ctx *ctx, const char *fmt, ...) SLUICE_PRINTF(2, 3);
static int plan_error(sluice_ctx *ctx, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sluice_error(ctx, "unify: %s", msg);
    sluice_set_error(ctx, msg);
    return SLUICE_EINVAL;
}

static int choice(sluice_ctx *ctx, const char *name, const char *const *choices, int dflt)
{
    const char *v = sluice_option_string(ctx, name);
    for (int i = 0; v && choices[i]; i++)
        if (strcmp(v, choices[i]) == 0)
            return i;
    return dflt; /* the core checked the choices; unset means the default */
}

/* ---- the mapping document ---- */

static int is_builtin_name(const char *s, size_t len)
{
    return len > 0 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == len;
}

/* The file the option names: an existing file, else a built-in mapping
 * named by its last path component (the core made the option absolute
 * against the pipeline's folder, so "hubspot" arrives as /dir/hubspot). */
static char *resolve(const char *value)
{
    struct stat sb;
    if (stat(value, &sb) == 0 && S_ISREG(sb.st_mode))
        return strdup(value);
    const char *base = strrchr(value, '/');
    base = base ? base + 1 : value;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".json") == 0)
        len -= 5;
    if (!is_builtin_name(base, len))
        return NULL;
    char file[256];
    if ((size_t)snprintf(file, sizeof file, "%.*s.json", (int)len, base) >= sizeof file)
        return NULL;
    return ufy_locate(file);
}

static int load_json(sluice_ctx *ctx, const char *path, const char *what, json_t **out)
{
    json_error_t je;
    *out = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!*out)
        return plan_error(ctx, "%s %s:%d:%d: %s", what, path, je.line, je.column, je.text);
    if (!json_is_object(*out))
        return plan_error(ctx, "%s %s: expected a JSON object", what, path);
    return SLUICE_OK;
}

static int load_mapping(sluice_ctx *ctx, ufy_plan *plan)
{
    const char *value = sluice_option_string(ctx, "mapping");
    char names[512], dirs[2048];
    if (!value || !*value)
        return plan_error(ctx, "mapping: required");
    plan->doc_name = resolve(value);
    if (!plan->doc_name) {
        ufy_builtin_names(names, sizeof names);
        ufy_search_dirs(dirs, sizeof dirs);
        return plan_error(ctx, "mapping: \"%s\" is neither a file nor a built-in mapping (built-in: %s; searched %s)",
                          value, names[0] ? names : "none found", dirs[0] ? dirs : "no folder");
    }
    return load_json(ctx, plan->doc_name, "mapping", &plan->doc);
}

static int load_canon(sluice_ctx *ctx, ufy_plan *plan)
{
    char dirs[2048];
    char *path = ufy_locate(UFY_CANON_FILE);
    if (!path) {
        ufy_search_dirs(dirs, sizeof dirs);
        return plan_error(ctx, "cannot find the canonical model %s (searched %s; set SLUICE_MAPPING_PATH)",
                          UFY_CANON_FILE, dirs[0] ? dirs : "no folder");
    }
    int rc = load_json(ctx, path, "canonical model", &plan->canon);
    free(path);
    return rc;
}

/* ---- overrides ---- */

/* The output streams a mapping makes, ", "-separated, for messages. */
static void output_names(json_t *streams, char *buf, size_t size)
{
    const char *in;
    json_t *v, *o;
    size_t i, len = 0;
    buf[0] = '\0';
    json_object_foreach(streams, in, v) {
        json_t *list = json_is_array(v) ? v : NULL;
        for (i = 0; i < (list ? json_array_size(list) : 1); i++) {
            o = list ? json_array_get(list, i) : v;
            const char *s = json_string_value(json_object_get(o, "stream"));
            if (!s || strstr(buf, s))
                continue;
            int n = snprintf(buf + len, size - len, "%s%s", len ? ", " : "", s);
            if (n > 0 && (size_t)n < size - len)
                len += (size_t)n;
        }
    }
}

/* Sets fields.<field> = spec in every output of `stream`; how many. */
static int override_outputs(json_t *streams, const char *stream, size_t slen, const char *field, json_t *spec,
                            size_t *count)
{
    const char *in;
    json_t *v;
    json_object_foreach(streams, in, v) {
        size_t n = json_is_array(v) ? json_array_size(v) : 1;
        for (size_t i = 0; i < n; i++) {
            json_t *o = json_is_array(v) ? json_array_get(v, i) : v;
            const char *s = json_string_value(json_object_get(o, "stream"));
            json_t *fields = json_object_get(o, "fields");
            if (!s || strlen(s) != slen || strncmp(s, stream, slen) != 0 || !json_is_object(fields))
                continue;
            if (json_object_set_new(fields, field, json_deep_copy(spec)) < 0)
                return SLUICE_ENOMEM;
            (*count)++;
        }
    }
    return SLUICE_OK;
}

static int merge_overrides(sluice_ctx *ctx, ufy_plan *plan)
{
    json_t *ov = sluice_option_get(ctx, "overrides"), *spec;
    json_t *streams = json_object_get(plan->doc, "streams");
    const char *key;
    char names[512];
    if (!ov)
        return SLUICE_OK;
    json_object_foreach(ov, key, spec) {
        const char *dot = strchr(key, '.');
        size_t count = 0;
        if (!dot || dot == key || !dot[1])
            return plan_error(ctx, "overrides.%s: expected a key \"stream.field\" (e.g. \"deals.currency\")", key);
        if (override_outputs(streams, key, (size_t)(dot - key), dot + 1, spec, &count) != SLUICE_OK)
            return SLUICE_ENOMEM;
        if (count == 0) {
            output_names(streams, names, sizeof names);
            return plan_error(ctx, "overrides.%s: the mapping makes no \"%.*s\" records (it makes: %s)", key,
                              (int)(dot - key), key, names);
        }
    }
    return SLUICE_OK;
}

/* ---- settings ---- */

static const char *setting(sluice_ctx *ctx, json_t *settings, const char *name, const char *dflt)
{
    const char *v = sluice_option_string(ctx, name);
    if (!v)
        v = json_string_value(json_object_get(settings, name));
    return v ? v : dflt;
}

static int read_settings(sluice_ctx *ctx, ufy_plan *plan)
{
    static const char *const known[] = { "default_country", "timezone", "date_order", NULL };
    json_t *settings = json_object_get(plan->doc, "settings"), *v;
    const char *key;
    char err[400] = "";
    if (settings && !json_is_object(settings))
        return plan_error(ctx, "mapping %s: settings: expected an object", plan->doc_name);
    json_object_foreach(settings, key, v) {
        int ok = 0;
        for (int k = 0; known[k]; k++)
            ok |= strcmp(known[k], key) == 0;
        if (!ok || !json_is_string(v))
            return plan_error(ctx, "mapping %s: settings.%s: expected one of default_country, timezone, date_order "
                                   "with a string value", plan->doc_name, key);
    }
    const char *country = setting(ctx, settings, "default_country", "RU");
    const char *order = setting(ctx, settings, "date_order", "auto");
    norm_cfg *cfg = &plan->base;
    if (!(cfg->country = norm_country_find(country)))
        return plan_error(ctx, "default_country: \"%s\" is not supported", country);
    cfg->date_order = strcmp(order, "DMY") == 0 ? NORM_ORDER_DMY : strcmp(order, "MDY") == 0 ? NORM_ORDER_MDY
                                                                                                : NORM_ORDER_AUTO;
    if (cfg->date_order == NORM_ORDER_AUTO && strcmp(order, "auto") != 0)
        return plan_error(ctx, "date_order: \"%s\": expected auto, DMY or MDY", order);
    cfg->date_only_as_date = 1; /* the model keeps dates without a time as YYYY-MM-DD */
    cfg->tz_name = setting(ctx, settings, "timezone", "UTC");
    int rc = norm_tz_load(cfg->tz_name, &cfg->tz, err, sizeof err);
    return rc == SLUICE_EINVAL ? plan_error(ctx, "timezone: %s", err) : rc;
}

static int read_system(sluice_ctx *ctx, ufy_plan *plan)
{
    plan->system = sluice_option_string(ctx, "system");
    if (!plan->system)
        plan->system = json_string_value(json_object_get(plan->doc, "system"));
    if (!plan->system || !*plan->system)
        return plan_error(ctx, "system: the mapping %s names no system: set the option", plan->doc_name);
    return SLUICE_OK;
}

int ufy_plan_build(sluice_ctx *ctx, ufy_plan *plan)
{
    char err[UFY_REASON_MAX + 256];
    int rc;
    memset(plan, 0, sizeof *plan);
    plan->on_invalid = choice(ctx, "on_invalid", invalid_choices, 0) == 1 ? UFY_INVALID_NULL : UFY_INVALID_REJECT;
    plan->unmapped = choice(ctx, "unmapped", unmapped_choices, 0);
    plan->invalid_field = sluice_option_string(ctx, "invalid_field");
    if (plan->invalid_field && !*plan->invalid_field)
        plan->invalid_field = NULL;
    if ((rc = load_mapping(ctx, plan)) != SLUICE_OK || (rc = merge_overrides(ctx, plan)) != SLUICE_OK ||
        (rc = read_system(ctx, plan)) != SLUICE_OK || (rc = read_settings(ctx, plan)) != SLUICE_OK ||
        (rc = load_canon(ctx, plan)) != SLUICE_OK)
        return rc;
    rc = ufy_compile(plan, err, sizeof err);
    if (rc == SLUICE_EINVAL)
        return plan_error(ctx, "mapping %s: %s", plan->doc_name, err);
    return rc;
}
