/* plugin.c - the `rest` source: descriptor, options, init/fini/run.
 * The options are the whole connector; README.md explains them with
 * examples. */
#include <stdlib.h>
#include <string.h>

#include "rest.h"

static const char *const method_choices[] = {"GET", "POST", "PUT", "PATCH", NULL};

static const sluice_option rest_options[] = {
    {"url", SLUICE_OPT_STRING, SLUICE_OPT_REQUIRED, NULL,
     "the list endpoint: absolute, or a path joined to base_url", NULL},
    HC_OPT_BASE_URL_DESC(NULL, "API root URL; `url` may then be a path below it"),
    {"method", SLUICE_OPT_STRING, 0, "\"GET\"", "HTTP method", method_choices},
    {"query", SLUICE_OPT_OBJECT, 0, NULL, "query parameters sent with the first page: {\"name\": value or [values]}", NULL},
    {"headers", SLUICE_OPT_OBJECT, 0, NULL, "extra request headers: {\"Name\": \"value\"}", NULL},
    {"body", SLUICE_OPT_ANY, 0, NULL, "JSON request body (e.g. for POST search endpoints)", NULL},
    {"auth", SLUICE_OPT_OBJECT, SLUICE_OPT_SECRET, NULL,
     "{\"type\": bearer|basic|header|query|oauth2_client|oauth2_refresh, \"token\", \"name\", \"username\", "
     "\"password\", \"token_url\", \"client_id\", \"client_secret\", \"refresh_token\", \"scope\"}", NULL},
    {"records", SLUICE_OPT_STRING, 0, "\"\"",
     "JSON pointer to the record array in each answer (\"\" = the answer itself is the array)", NULL},
    {"pagination", SLUICE_OPT_OBJECT, 0, NULL,
     "{\"type\": none|cursor|next_url|link|page|offset, ...}: how the next page is found (see README)", NULL},
    {"incremental", SLUICE_OPT_OBJECT, 0, NULL,
     "{\"field\": record cursor field, \"param\" or \"body_field\": where the lower bound goes, \"format\", "
     "\"id_field\", \"ordered\", \"start\", \"lookback_s\"}", NULL},
    {"stream", SLUICE_OPT_STRING, 0, NULL, "stream name of the records (default: the stage id)", NULL},
    HC_OPT_SYNC,
    HC_OPTS_TRANSPORT,
    {0},
};

static void rest_fini(void *state)
{
    rest_source *src = state;
    if (src == NULL)
        return;
    sluice_http_free(src->http);
    hc_cursor_free(&src->cursor);
    free(src);
}

static int rest_init(sluice_ctx *ctx, void **state)
{
    sluice_http_config http;
    rest_source *src;
    int rc;
    if (sluice_host_minor(ctx) < 2) {
        sluice_set_error(ctx, "the rest source needs a sluice core with the HTTP client (ABI 1.2)");
        return SLUICE_ERROR;
    }
    src = calloc(1, sizeof *src);
    if (src == NULL)
        return SLUICE_ENOMEM;
    rc = hc_options_read(ctx, &src->opt, 0, NULL);
    if (rc == SLUICE_OK)
        rc = rest_config_read(ctx, &src->cfg);
    hc_http_config(&src->opt, 0, &http);
    if (rc == SLUICE_OK)
        rc = rest_auth_read(ctx, &http);
    if (rc == SLUICE_OK && src->opt.base_url == NULL && strstr(src->cfg.url, "://") == NULL) {
        sluice_set_error(ctx, "url: a path needs base_url; or give an absolute URL");
        rc = SLUICE_EINVAL;
    }
    if (rc != SLUICE_OK) {
        rest_fini(src);
        return rc;
    }
    src->http = sluice_http_new(ctx, &http);
    if (src->http == NULL) {
        sluice_set_error(ctx, "cannot set up the HTTP client (see the log)");
        rest_fini(src);
        return SLUICE_ERROR;
    }
    *state = src;
    return SLUICE_OK;
}

static int rest_run(void *state, sluice_ctx *ctx)
{
    rest_source *src = state;
    int rc;
    src->cursor = hc_cursor_load(ctx, src->opt.full);
    if (src->cursor == NULL)
        return SLUICE_ENOMEM;
    rc = rest_fetch(ctx, src);
    return rc == SLUICE_STOPPED ? SLUICE_OK : rc;
}

static const sluice_plugin rest_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SOURCE,
    .name = "rest",
    .version = "1.0.0",
    .description = "any JSON list API described in the pipeline: auth, records pointer, pagination, incremental",
    .options = rest_options,
    .init = rest_init,
    .fini = rest_fini,
    .run = rest_run,
};

SLUICE_PLUGIN(rest_plugin);
