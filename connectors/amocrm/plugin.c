/* plugin.c - the `amocrm` source: descriptor, options, init/fini/run.
 * See README.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "amocrm.h"

/* amoCRM allows 7 requests per second per integration, counted over any
 * second; over it comes 429, and persistent excess gets the IP blocked
 * (403 on everything). 6/s evenly spaced (no burst) stays under it. */
#define AMO_RATE 6.0

const char *const amo_object_names[] = {"leads", "contacts", "companies", NULL};

static const sluice_option amocrm_options[] = {
    HC_OPT_BASE_URL_DESC(NULL, "the account's root URL (instead of subdomain), a proxy or a simulator"),
    {"subdomain", SLUICE_OPT_STRING, 0, NULL,
     "the account: \"mycompany\" for https://mycompany.amocrm.ru, or a host such as \"mycompany.kommo.com\"; "
     "or set base_url", NULL},
    HC_OPT_OBJECTS("[\"leads\", \"contacts\", \"companies\"]"),
    HC_OPT_SYNC,
    HC_OPT_PAGE_SIZE("250", "records per page (1..250)"),
    {"token", SLUICE_OPT_STRING, SLUICE_OPT_REQUIRED | SLUICE_OPT_SECRET, NULL,
     "long-lived token (or OAuth access token), sent as Authorization: Bearer", NULL},
    {"with", SLUICE_OPT_OBJECT, 0, "{\"leads\": \"contacts\"}",
     "embedded links per object, the API's `with` parameter, e.g. {\"leads\": \"contacts,catalog_elements\"}", NULL},
    HC_OPTS_TRANSPORT,
    {0},
};

static void amocrm_fini(void *state)
{
    amo_source *src = state;
    if (src == NULL)
        return;
    sluice_http_free(src->http);
    hc_cursor_free(&src->cursor);
    free(src->base_url);
    free(src);
}

static int invalid(sluice_ctx *ctx, const char *msg)
{
    sluice_set_error(ctx, msg);
    return SLUICE_EINVAL;
}

/* base_url wins; else the subdomain names the account's host. */
static int pick_base(sluice_ctx *ctx, amo_source *src)
{
    const char *sub = sluice_option_string(ctx, "subdomain");
    char url[512];
    if (src->opt.base_url) {
        src->base_url = strdup(src->opt.base_url);
    } else if (sub && *sub && strspn(sub, "abcdefghijklmnopqrstuvwxyz0123456789-.") == strlen(sub)) {
        snprintf(url, sizeof url, "https://%s%s", sub, strchr(sub, '.') ? "" : ".amocrm.ru");
        src->base_url = strdup(url);
    } else {
        return invalid(ctx, sub ? "subdomain: expected a host name such as \"mycompany\""
                                : "set subdomain (the account) or base_url");
    }
    return src->base_url ? SLUICE_OK : SLUICE_ENOMEM;
}

static int check_with(sluice_ctx *ctx, json_t *with)
{
    const char *key;
    json_t *v;
    json_object_foreach(with, key, v) {
        int known = 0;
        for (const char *const *k = amo_object_names; *k; k++)
            known |= strcmp(*k, key) == 0;
        if (!known || !json_is_string(v))
            return invalid(ctx, "with: expected {\"<object>\": \"<link>,<link>\"} for leads, contacts or companies");
    }
    return SLUICE_OK;
}

static int amocrm_init(sluice_ctx *ctx, void **state)
{
    sluice_http_config cfg;
    amo_source *src;
    int rc;
    if (sluice_host_minor(ctx) < 2) {
        sluice_set_error(ctx, "the amocrm source needs a sluice core with the HTTP client (ABI 1.2)");
        return SLUICE_ERROR;
    }
    src = calloc(1, sizeof *src);
    if (src == NULL)
        return SLUICE_ENOMEM;
    rc = hc_options_read(ctx, &src->opt, 250, amo_object_names);
    if (rc == SLUICE_OK)
        rc = pick_base(ctx, src);
    if (rc == SLUICE_OK)
        rc = check_with(ctx, src->with = sluice_option_get(ctx, "with"));
    if (rc != SLUICE_OK) {
        amocrm_fini(src);
        return rc;
    }
    hc_http_config(&src->opt, AMO_RATE, &cfg);
    cfg.base_url = src->base_url;
    cfg.rate_burst = 1;
    cfg.auth = SLUICE_AUTH_BEARER;
    cfg.token = sluice_option_string(ctx, "token");
    sluice_secret(ctx, cfg.token);
    src->http = sluice_http_new(ctx, &cfg);
    if (src->http == NULL) {
        sluice_set_error(ctx, "cannot set up the HTTP client (see the log)");
        amocrm_fini(src);
        return SLUICE_ERROR;
    }
    *state = src;
    return SLUICE_OK;
}

static int amocrm_run(void *state, sluice_ctx *ctx)
{
    amo_source *src = state;
    size_t n = json_array_size(src->opt.objects), i;
    amo_stream **streams;
    hc_task **tasks;
    int rc = SLUICE_OK;

    src->cursor = hc_cursor_load(ctx, src->opt.full);
    streams = calloc(n, sizeof *streams);
    tasks = calloc(n, sizeof *tasks);
    if (src->cursor == NULL || streams == NULL || tasks == NULL)
        rc = SLUICE_ENOMEM;
    for (i = 0; i < n && rc == SLUICE_OK; i++) {
        streams[i] = amo_stream_new(src, json_string_value(json_array_get(src->opt.objects, i)));
        if (streams[i] == NULL)
            rc = SLUICE_ENOMEM;
        else
            tasks[i] = amo_stream_task(streams[i]);
    }
    if (rc == SLUICE_OK)
        rc = hc_run_tasks(ctx, src->http, tasks, n, src->opt.concurrency);
    for (i = 0; streams && i < n; i++) {
        if (streams[i] != NULL && rc == SLUICE_OK)
            amo_stream_report(ctx, streams[i]);
        amo_stream_free(streams[i]);
    }
    free(streams);
    free(tasks);
    return rc == SLUICE_STOPPED ? SLUICE_OK : rc;
}

static const sluice_plugin amocrm_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SOURCE,
    .name = "amocrm",
    .version = "1.0.0",
    .description = "amoCRM / Kommo API v4 leads, contacts and companies, incremental on updated_at",
    .options = amocrm_options,
    .init = amocrm_init,
    .fini = amocrm_fini,
    .run = amocrm_run,
};

SLUICE_PLUGIN(amocrm_plugin);
