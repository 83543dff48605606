/* plugin.c - the `hubspot` source: descriptor, options, init/fini/run.
 * See README.md for what it pulls and how it resumes. */
#include <stdlib.h>
#include <string.h>

#include "hubspot.h"

/* Private apps get 100 requests per 10 s (190 on Professional and up): 10/s
 * fits every tier, and the X-HubSpot-RateLimit-* headers adapt it further.
 * Search has its own, lower limit (4/s) and no such headers. */
#define HS_RATE_LIST 10.0
#define HS_RATE_SEARCH 4.0

static const sluice_option hubspot_options[] = {
    HC_OPT_BASE_URL("\"https://api.hubapi.com\""),
    HC_OPT_OBJECTS("[\"contacts\", \"companies\", \"deals\", \"products\", \"line_items\"]"),
    HC_OPT_SYNC,
    HC_OPT_PAGE_SIZE("100", "records per page (1..100)"),
    {"token", SLUICE_OPT_STRING, SLUICE_OPT_REQUIRED | SLUICE_OPT_SECRET, NULL,
     "private app access token (or an OAuth access token), sent as Authorization: Bearer", NULL},
    {"properties", SLUICE_OPT_OBJECT, 0, NULL,
     "properties to fetch per object, e.g. {\"deals\": [\"dealname\", \"amount\"]} (default: the common ones)", NULL},
    {"search_cap", SLUICE_OPT_INT, 0, "10000",
     "results one search query may page through (HubSpot's cap); the search restarts from the newest timestamp before it",
     NULL},
    HC_OPTS_TRANSPORT,
    {0},
};

static int check_properties(sluice_ctx *ctx, json_t *props)
{
    const char *key;
    json_t *list, *v;
    size_t i;
    char msg[256];
    json_object_foreach(props, key, list) {
        int ok = hs_object_find(key) != NULL && json_is_array(list);
        json_array_foreach(list, i, v) ok = ok && json_string_length(v) > 0;
        if (!ok) {
            snprintf(msg, sizeof msg,
                     "properties.%s: expected a known object with a list of property names", key);
            sluice_set_error(ctx, msg);
            return SLUICE_EINVAL;
        }
    }
    return SLUICE_OK;
}

static sluice_http *client(sluice_ctx *ctx, const hs_source *src, double rate, int limits)
{
    sluice_http_config cfg;
    hc_http_config(&src->opt, rate, &cfg);
    cfg.limits = limits;
    cfg.auth = SLUICE_AUTH_BEARER;
    cfg.token = src->token;
    return sluice_http_new(ctx, &cfg);
}

static void hubspot_fini(void *state)
{
    hs_source *src = state;
    if (src == NULL)
        return;
    sluice_http_free(src->list);
    sluice_http_free(src->search);
    hc_cursor_free(&src->cursor);
    free(src);
}

static int hubspot_init(sluice_ctx *ctx, void **state)
{
    hs_source *src;
    int rc;
    if (sluice_host_minor(ctx) < 2) {
        sluice_set_error(ctx, "the hubspot source needs a sluice core with the HTTP client (ABI 1.2)");
        return SLUICE_ERROR;
    }
    src = calloc(1, sizeof *src);
    if (src == NULL)
        return SLUICE_ENOMEM;
    rc = hc_options_read(ctx, &src->opt, 100, hs_object_names);
    if (rc == SLUICE_OK)
        rc = check_properties(ctx, src->properties = sluice_option_get(ctx, "properties"));
    if (rc != SLUICE_OK) {
        hubspot_fini(src);
        return rc;
    }
    src->search_cap = (long)sluice_option_int(ctx, "search_cap", 10000);
    if (src->search_cap < 2 * src->opt.page_size) {
        sluice_set_error(ctx, "search_cap: must be at least twice page_size");
        hubspot_fini(src);
        return SLUICE_EINVAL;
    }
    src->token = sluice_option_string(ctx, "token");
    sluice_secret(ctx, src->token);
    src->list = client(ctx, src, HS_RATE_LIST, SLUICE_LIMITS_HUBSPOT);
    src->search = client(ctx, src, HS_RATE_SEARCH, SLUICE_LIMITS_NONE);
    if (src->list == NULL || src->search == NULL) {
        sluice_set_error(ctx, "cannot set up the HTTP client (see the log)");
        hubspot_fini(src);
        return SLUICE_ERROR;
    }
    *state = src;
    return SLUICE_OK;
}

/* Listings and searches use different clients (rate budgets): run the
 * streams of each kind together, listings first. */
static int run_streams(sluice_ctx *ctx, hs_source *src, hs_stream **streams, size_t n)
{
    hc_task **tasks = calloc(n ? n : 1, sizeof *tasks);
    int rc = SLUICE_OK;
    if (tasks == NULL)
        return SLUICE_ENOMEM;
    for (int pass = 0; pass < 2 && rc == SLUICE_OK; pass++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            if (hs_stream_searches(streams[i]) == pass)
                tasks[k++] = hs_stream_task(streams[i]);
        rc = hc_run_tasks(ctx, pass ? src->search : src->list, tasks, k, src->opt.concurrency);
    }
    free(tasks);
    return rc;
}

static int hubspot_run(void *state, sluice_ctx *ctx)
{
    hs_source *src = state;
    size_t n = json_array_size(src->opt.objects), i;
    hs_stream **streams;
    int rc = SLUICE_OK;

    src->cursor = hc_cursor_load(ctx, src->opt.full);
    streams = calloc(n, sizeof *streams);
    if (src->cursor == NULL || streams == NULL) {
        free(streams);
        return SLUICE_ENOMEM;
    }
    for (i = 0; i < n && rc == SLUICE_OK; i++) {
        const hs_object *obj = hs_object_find(json_string_value(json_array_get(src->opt.objects, i)));
        streams[i] = hs_stream_new(src, obj);
        if (streams[i] == NULL)
            rc = SLUICE_ENOMEM;
    }
    if (rc == SLUICE_OK)
        rc = run_streams(ctx, src, streams, n);
    for (i = 0; i < n; i++) {
        if (streams[i] != NULL && rc == SLUICE_OK)
            hs_stream_report(ctx, streams[i]);
        hs_stream_free(streams[i]);
    }
    free(streams);
    return rc == SLUICE_STOPPED ? SLUICE_OK : rc;
}

static const sluice_plugin hubspot_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SOURCE,
    .name = "hubspot",
    .version = "1.0.0",
    .description = "HubSpot CRM v3 objects (contacts, companies, deals, products, line items), incremental by search",
    .options = hubspot_options,
    .init = hubspot_init,
    .fini = hubspot_fini,
    .run = hubspot_run,
};

SLUICE_PLUGIN(hubspot_plugin);
