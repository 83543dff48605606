/* plugin.c - the `shopify` source: descriptor, options, init/fini/run.
 *
 * Pulls orders (with their line items), customers, products (with their
 * variants) and inventory levels from the Admin REST API, one stream per
 * object, records exactly as the API spells them. See README.md. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shopify.h"

static const char *const shop_objects[] = {"orders", "customers", "products", "inventory_levels", NULL};

static const sluice_option shop_options[] = {
    {"shop", SLUICE_OPT_STRING, 0, NULL,
     "the shop's name: the API is at https://{shop}.myshopify.com (or set base_url)", NULL},
    HC_OPT_BASE_URL(NULL),
    {"access_token", SLUICE_OPT_STRING, SLUICE_OPT_REQUIRED | SLUICE_OPT_SECRET, NULL,
     "Admin API access token (sent as X-Shopify-Access-Token)", NULL},
    {"api_version", SLUICE_OPT_STRING, 0, "\"2024-10\"", "Admin API version in the URL: YYYY-MM or unstable", NULL},
    HC_OPT_OBJECTS("[\"orders\", \"customers\", \"products\", \"inventory_levels\"]"),
    HC_OPT_SYNC,
    HC_OPT_PAGE_SIZE("250", "records per page (1..250)"),
    HC_OPTS_TRANSPORT,
    {0},
};

/* Standard plans: a bucket of 40 calls leaking 2 per second. The client
 * also follows X-Shopify-Shop-Api-Call-Limit (SLUICE_LIMITS_SHOPIFY), so
 * bigger plans are not slowed by more than the first seconds. */
#define SHOP_RATE 2.0
#define SHOP_BURST 40.0

static int invalid(sluice_ctx *ctx, const char *msg)
{
    sluice_set_error(ctx, msg);
    return SLUICE_EINVAL;
}

static int valid_version(const char *v)
{
    if (strcmp(v, "unstable") == 0)
        return 1;
    return strlen(v) == 7 && isdigit((unsigned char)v[0]) && isdigit((unsigned char)v[1]) &&
           isdigit((unsigned char)v[2]) && isdigit((unsigned char)v[3]) && v[4] == '-' &&
           isdigit((unsigned char)v[5]) && isdigit((unsigned char)v[6]);
}

static int valid_shop(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-')
            return 0;
    return 1;
}

/* ".../admin/api/<version>/" from base_url or the shop's name. */
static int make_root(sluice_ctx *ctx, shop_source *src)
{
    const char *shop = sluice_option_string(ctx, "shop");
    const char *version = sluice_option_string(ctx, "api_version");
    char base[512];
    if (!valid_version(version))
        return invalid(ctx, "api_version: expected YYYY-MM (e.g. 2024-10) or unstable");
    if (src->o.base_url != NULL) {
        snprintf(base, sizeof base, "%s", src->o.base_url);
    } else if (shop != NULL) {
        if (!valid_shop(shop))
            return invalid(ctx, "shop: expected the shop's name, e.g. my-store for my-store.myshopify.com");
        snprintf(base, sizeof base, "https://%s.myshopify.com", shop);
    } else {
        return invalid(ctx, "set shop (the shop's name) or base_url");
    }
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        base[--n] = '\0';
    size_t len = n + strlen("/admin/api//") + strlen(version) + 1;
    if ((src->api_root = malloc(len)) == NULL)
        return SLUICE_ENOMEM;
    snprintf(src->api_root, len, "%s/admin/api/%s/", base, version);
    return SLUICE_OK;
}

static void shop_fini(void *state)
{
    shop_source *src = state;
    if (src == NULL)
        return;
    sluice_http_free(src->http);
    free(src->api_root);
    free(src);
}

static int shop_init(sluice_ctx *ctx, void **state)
{
    if (sluice_host_minor(ctx) < 2)
        return invalid(ctx, "this host has no HTTP client (plugin ABI 1.2 needed)");
    shop_source *src = calloc(1, sizeof *src);
    if (src == NULL)
        return SLUICE_ENOMEM;
    int rc = hc_options_read(ctx, &src->o, SHOP_MAX_PAGE, shop_objects);
    if (rc == SLUICE_OK)
        rc = make_root(ctx, src);
    if (rc != SLUICE_OK) {
        shop_fini(src);
        return rc;
    }
    src->token = sluice_option_string(ctx, "access_token");
    src->version = sluice_option_string(ctx, "api_version");
    sluice_secret(ctx, src->token);

    sluice_http_config cfg;
    hc_http_config(&src->o, SHOP_RATE, &cfg);
    cfg.base_url = src->api_root;
    if (src->o.rate_limit <= 0)
        cfg.rate_burst = SHOP_BURST;
    cfg.limits = SLUICE_LIMITS_SHOPIFY;
    cfg.auth = SLUICE_AUTH_HEADER;
    cfg.auth_name = "X-Shopify-Access-Token";
    cfg.token = src->token;
    if ((src->http = sluice_http_new(ctx, &cfg)) == NULL) {
        shop_fini(src);
        return invalid(ctx, "cannot create the HTTP client");
    }
    *state = src;
    return SLUICE_OK;
}

static int shop_run(void *state, sluice_ctx *ctx)
{
    shop_source *src = state;
    size_t n = 0;
    hc_cursor *cursor = hc_cursor_load(ctx, src->o.full);
    hc_task **tasks = cursor ? shop_tasks_new(src, cursor, &n) : NULL;
    if (tasks == NULL) {
        hc_cursor_free(&cursor);
        return hc_fail(ctx, "out of memory");
    }
    sluice_debug(ctx, "shopify: %zu objects from %s, %s sync", n, src->api_root,
                 src->o.full ? "full" : "incremental");
    int rc = hc_run_tasks(ctx, src->http, tasks, n, src->o.concurrency);
    shop_tasks_free(tasks, n);
    hc_cursor_free(&cursor);
    return rc == SLUICE_STOPPED ? SLUICE_OK : rc;
}

static const sluice_plugin shop_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SOURCE,
    .name = "shopify",
    .version = "0.1.0",
    .description = "Shopify Admin REST: orders, customers, products, inventory levels",
    .options = shop_options,
    .init = shop_init,
    .fini = shop_fini,
    .run = shop_run,
};

SLUICE_PLUGIN(shop_plugin);
