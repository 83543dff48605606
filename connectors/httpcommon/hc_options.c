/* hc_options.c - the options every HTTP connector shares, and hc_fail. */
#include <stdio.h>
#include <string.h>

#include "httpcommon.h"

const char *const hc_sync_choices[] = {"incremental", "full", NULL};

int hc_fail(sluice_ctx *ctx, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sluice_set_error(ctx, msg); /* the core logs it, and shows it in the summary */
    return SLUICE_ERROR;
}

static int invalid(sluice_ctx *ctx, const char *fmt, ...) SLUICE_PRINTF(2, 3);
static int invalid(sluice_ctx *ctx, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sluice_set_error(ctx, msg);
    return SLUICE_EINVAL;
}

static int known_name(const char *name, const char *const *known)
{
    for (; *known; known++)
        if (strcmp(*known, name) == 0)
            return 1;
    return 0;
}

/* Each object must be known and appear once: a repeated stream would be
 * fetched twice and fight over one cursor entry. */
static int check_objects(sluice_ctx *ctx, json_t *objects, const char *const *known)
{
    size_t i, j;
    if (json_array_size(objects) == 0)
        return invalid(ctx, "objects: name at least one object");
    for (i = 0; i < json_array_size(objects); i++) {
        const char *name = json_string_value(json_array_get(objects, i));
        if (name == NULL || *name == '\0')
            return invalid(ctx, "objects[%zu]: expected a non-empty string", i);
        if (known && !known_name(name, known)) {
            char list[256] = "";
            for (const char *const *k = known; *k; k++) {
                strncat(list, *k, sizeof list - strlen(list) - 1);
                if (k[1])
                    strncat(list, ", ", sizeof list - strlen(list) - 1);
            }
            return invalid(ctx, "objects: unknown object \"%s\" (known: %s)", name, list);
        }
        for (j = 0; j < i; j++)
            if (strcmp(name, json_string_value(json_array_get(objects, j))) == 0)
                return invalid(ctx, "objects: \"%s\" is listed twice", name);
    }
    return SLUICE_OK;
}

int hc_options_read(sluice_ctx *ctx, hc_options *o, long long max_page, const char *const *known)
{
    const char *sync = sluice_option_string(ctx, "sync");
    memset(o, 0, sizeof *o);
    o->base_url = sluice_option_string(ctx, "base_url");
    o->objects = sluice_option_get(ctx, "objects");
    o->full = sync != NULL && strcmp(sync, "full") == 0;
    o->page_size = sluice_option_int(ctx, "page_size", 0);
    o->ca_file = sluice_option_string(ctx, "ca_file");
    o->rate_limit = sluice_option_float(ctx, "rate_limit", 0);
    o->max_attempts = (int)sluice_option_int(ctx, "max_attempts", 6);
    o->timeout_ms = (long)sluice_option_int(ctx, "timeout_ms", 120000);
    o->concurrency = (int)sluice_option_int(ctx, "concurrency", 4);

    if (o->base_url && strncmp(o->base_url, "http://", 7) != 0 && strncmp(o->base_url, "https://", 8) != 0)
        return invalid(ctx, "base_url: expected an http:// or https:// URL, got \"%s\"", o->base_url);
    if (sluice_option_get(ctx, "page_size") &&
        (o->page_size < 1 || (max_page > 0 && o->page_size > max_page)))
        return invalid(ctx, "page_size: %lld is out of range (1..%lld)", o->page_size, max_page);
    if (sluice_option_get(ctx, "rate_limit") && !(o->rate_limit > 0))
        return invalid(ctx, "rate_limit: expected requests per second > 0");
    if (o->max_attempts < 1 || o->max_attempts > 100)
        return invalid(ctx, "max_attempts: %d is out of range (1..100)", o->max_attempts);
    if (o->timeout_ms < 1)
        return invalid(ctx, "timeout_ms: expected milliseconds > 0");
    if (o->concurrency < 1 || o->concurrency > 64)
        return invalid(ctx, "concurrency: %d is out of range (1..64)", o->concurrency);
    if (o->objects)
        return check_objects(ctx, o->objects, known);
    return SLUICE_OK;
}

void hc_http_config(const hc_options *o, double default_rate, sluice_http_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->struct_size = sizeof *cfg;
    cfg->base_url = o->base_url;
    cfg->ca_file = o->ca_file;
    cfg->timeout_ms = o->timeout_ms;
    cfg->max_attempts = o->max_attempts;
    cfg->rate_per_s = o->rate_limit > 0 ? o->rate_limit : default_rate;
    cfg->max_concurrency = o->concurrency;
}
