/* plugin.c - the `bitrix24` source: descriptor, options, init/fini/run.
 * See README.md. */
#include <stdlib.h>
#include <string.h>

#include "bitrix24.h"

/* The portal's bucket drains 2 requests per second (5 on Enterprise);
 * refusals are 503 QUERY_LIMIT_EXCEEDED, which the client retries. */
#define BX_RATE 2.0

static const sluice_option bitrix24_options[] = {
    {"webhook_url", SLUICE_OPT_STRING, SLUICE_OPT_SECRET, NULL,
     "incoming webhook, https://<portal>/rest/<user>/<code>/ (or use base_url and access_token)", NULL},
    HC_OPT_BASE_URL_DESC(NULL, "with access_token: https://<portal>/rest/ (a proxy or a simulator)"),
    {"access_token", SLUICE_OPT_STRING, SLUICE_OPT_SECRET, NULL,
     "OAuth access token, sent as the `auth` parameter; base_url is then https://<portal>/rest/", NULL},
    HC_OPT_OBJECTS("[\"deals\", \"contacts\", \"companies\", \"products\"]"),
    HC_OPT_SYNC,
    {"select", SLUICE_OPT_OBJECT, 0, NULL,
     "fields per object, e.g. {\"deals\": [\"ID\", \"TITLE\", \"DATE_MODIFY\"]} (default: all, with UF_* and "
     "PHONE/EMAIL)", NULL},
    {"filter", SLUICE_OPT_OBJECT, 0, NULL,
     "extra list filters per object, e.g. {\"deals\": {\"CATEGORY_ID\": 1}, \"products\": {\"iblockId\": 23}}",
     NULL},
    {"batch", SLUICE_OPT_BOOL, 0, "true", "pack up to 50 list calls into one batch.json request", NULL},
    HC_OPTS_TRANSPORT,
    {0},
};

static int invalid(sluice_ctx *ctx, const char *msg)
{
    sluice_set_error(ctx, msg);
    return SLUICE_EINVAL;
}

static void bitrix24_fini(void *state)
{
    bx_source *src = state;
    if (src == NULL)
        return;
    sluice_http_free(src->http);
    hc_cursor_free(&src->cursor);
    free(src->base);
    free(src);
}

/* The webhook's code is the secret part of its path: mask it on its own
 * too, in case it shows up without the rest of the URL. */
static void mask_webhook_code(sluice_ctx *ctx, const char *url)
{
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        n--;
    size_t b = n;
    while (b > 0 && url[b - 1] != '/')
        b--;
    if (n > b) {
        char *code = strndup(url + b, n - b);
        if (code != NULL)
            sluice_secret(ctx, code);
        free(code);
    }
}

static int pick_base(sluice_ctx *ctx, bx_source *src, const char **token)
{
    const char *hook = sluice_option_string(ctx, "webhook_url");
    *token = sluice_option_string(ctx, "access_token");
    if ((hook != NULL) == (*token != NULL))
        return invalid(ctx, "set either webhook_url or access_token (with base_url)");
    if (hook != NULL) {
        if (strncmp(hook, "https://", 8) != 0 && strncmp(hook, "http://", 7) != 0)
            return invalid(ctx, "webhook_url: expected https://<portal>/rest/<user>/<code>/");
        sluice_secret(ctx, hook);
        mask_webhook_code(ctx, hook);
        src->base = strdup(hook);
    } else {
        if (src->opt.base_url == NULL)
            return invalid(ctx, "access_token needs base_url (https://<portal>/rest/)");
        sluice_secret(ctx, *token);
        src->base = strdup(src->opt.base_url);
    }
    return src->base ? SLUICE_OK : SLUICE_ENOMEM;
}

static int check_select(sluice_ctx *ctx, json_t *select, json_t *filter)
{
    const char *key, *k2;
    json_t *list, *v;
    size_t i;
    json_object_foreach(select, key, list) {
        int ok = bx_object_find(key) != NULL && json_array_size(list) > 0;
        json_array_foreach(list, i, v) ok = ok && json_string_length(v) > 0;
        if (!ok)
            return invalid(ctx, "select: expected {\"<object>\": [\"FIELD\", ...]} for known objects");
    }
    json_object_foreach(filter, key, list) {
        int ok = bx_object_find(key) != NULL && json_is_object(list);
        json_object_foreach(list, k2, v) ok = ok && (json_is_string(v) || json_is_number(v));
        if (!ok)
            return invalid(ctx, "filter: expected {\"<object>\": {\"FIELD\": value}} for known objects");
    }
    return SLUICE_OK;
}

static int bitrix24_init(sluice_ctx *ctx, void **state)
{
    sluice_http_config cfg;
    const char *token = NULL;
    bx_source *src;
    int rc;
    if (sluice_host_minor(ctx) < 2) {
        sluice_set_error(ctx, "the bitrix24 source needs a sluice core with the HTTP client (ABI 1.2)");
        return SLUICE_ERROR;
    }
    src = calloc(1, sizeof *src);
    if (src == NULL)
        return SLUICE_ENOMEM;
    rc = hc_options_read(ctx, &src->opt, 0, bx_object_names);
    if (rc == SLUICE_OK)
        rc = pick_base(ctx, src, &token);
    if (rc == SLUICE_OK)
        rc = check_select(ctx, src->select = sluice_option_get(ctx, "select"),
                          src->filter = sluice_option_get(ctx, "filter"));
    if (rc != SLUICE_OK) {
        bitrix24_fini(src);
        return rc;
    }
    src->batch = sluice_option_bool(ctx, "batch", 1);
    hc_http_config(&src->opt, BX_RATE, &cfg);
    cfg.base_url = src->base;
    cfg.limits = SLUICE_LIMITS_BITRIX24;
    if (token != NULL) {
        cfg.auth = SLUICE_AUTH_QUERY;
        cfg.auth_name = "auth";
        cfg.token = token;
    }
    src->http = sluice_http_new(ctx, &cfg);
    if (src->http == NULL) {
        sluice_set_error(ctx, "cannot set up the HTTP client (see the log)");
        bitrix24_fini(src);
        return SLUICE_ERROR;
    }
    *state = src;
    return SLUICE_OK;
}

static int bitrix24_run(void *state, sluice_ctx *ctx)
{
    bx_source *src = state;
    size_t n = json_array_size(src->opt.objects), i, ready = 0;
    bx_stream *streams;
    int rc = SLUICE_OK;

    src->cursor = hc_cursor_load(ctx, src->opt.full);
    streams = calloc(n, sizeof *streams);
    if (src->cursor == NULL || streams == NULL)
        rc = SLUICE_ENOMEM;
    for (i = 0; i < n && rc == SLUICE_OK; i++, ready++) {
        const bx_object *obj = bx_object_find(json_string_value(json_array_get(src->opt.objects, i)));
        if (bx_stream_init(&streams[i], src, obj) != 0)
            rc = SLUICE_ENOMEM;
    }
    if (rc == SLUICE_OK)
        rc = src->batch ? bx_run_batch(ctx, src, streams, n) : bx_run_single(ctx, src, streams, n);
    for (i = 0; i < ready; i++) {
        if (rc == SLUICE_OK)
            sluice_info(ctx, "%s: %llu records in %llu pages (%s)", streams[i].obj->name,
                        (unsigned long long)streams[i].emitted, (unsigned long long)streams[i].pages,
                        hc_mark_since(&streams[i].mark) ? "modified since the last run" : "all");
        bx_stream_fini(&streams[i]);
    }
    free(streams);
    return rc == SLUICE_STOPPED ? SLUICE_OK : rc;
}

static const sluice_plugin bitrix24_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SOURCE,
    .name = "bitrix24",
    .version = "1.0.0",
    .description = "Bitrix24 CRM deals, contacts, companies, leads, products and stock, batched, incremental on DATE_MODIFY",
    .options = bitrix24_options,
    .init = bitrix24_init,
    .fini = bitrix24_fini,
    .run = bitrix24_run,
};

SLUICE_PLUGIN(bitrix24_plugin);
