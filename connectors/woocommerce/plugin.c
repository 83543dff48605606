/* plugin.c - the `woocommerce` source: descriptor, options, init/fini/run.
 *
 * Pulls orders, customers and products from the WooCommerce REST API v3,
 * one stream per object, records exactly as the API spells them. See
 * README.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "woo.h"

static const char *const woo_objects[] = {"orders", "customers", "products", NULL};

static const sluice_option woo_options[] = {
    {"base_url", SLUICE_OPT_STRING, SLUICE_OPT_REQUIRED, NULL,
     "the shop's site, e.g. https://shop.example.com (the API is under /wp-json/wc/v3/)", NULL},
    {"consumer_key", SLUICE_OPT_STRING, SLUICE_OPT_REQUIRED | SLUICE_OPT_SECRET, NULL,
     "REST API consumer key (ck_...)", NULL},
    {"consumer_secret", SLUICE_OPT_STRING, SLUICE_OPT_REQUIRED | SLUICE_OPT_SECRET, NULL,
     "REST API consumer secret (cs_...)", NULL},
    {"auth_in_query", SLUICE_OPT_BOOL, 0, "false",
     "send the key pair as consumer_key/consumer_secret query parameters instead of HTTP Basic "
     "(for servers that drop the Authorization header)",
     NULL},
    HC_OPT_OBJECTS("[\"orders\", \"customers\", \"products\"]"),
    {"customer_role", SLUICE_OPT_STRING, 0, "\"customer\"",
     "customers: the WordPress role to list (customer, subscriber, ...), or all for every user", NULL},
    HC_OPT_SYNC,
    HC_OPT_PAGE_SIZE("100", "records per page (1..100)"),
    HC_OPTS_TRANSPORT,
    {0},
};

static int invalid(sluice_ctx *ctx, const char *msg)
{
    sluice_set_error(ctx, msg);
    return SLUICE_EINVAL;
}

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

/* ".../wp-json/wc/v3/": base_url is the site, or already the API root. */
static int make_root(woo_source *src)
{
    const char *base = src->o.base_url;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    const char *tail = ends_with(base, n, "/wc/v3") ? "/" : "/wp-json/wc/v3/";
    size_t len = n + strlen(tail) + 1;
    if ((src->api_root = malloc(len)) == NULL)
        return SLUICE_ENOMEM;
    snprintf(src->api_root, len, "%.*s%s", (int)n, base, tail);
    return SLUICE_OK;
}

static void woo_fini(void *state)
{
    woo_source *src = state;
    if (src == NULL)
        return;
    sluice_http_free(src->http);
    free(src->api_root);
    free(src);
}

static int woo_init(sluice_ctx *ctx, void **state)
{
    if (sluice_host_minor(ctx) < 2)
        return invalid(ctx, "this host has no HTTP client (plugin ABI 1.2 needed)");
    woo_source *src = calloc(1, sizeof *src);
    if (src == NULL)
        return SLUICE_ENOMEM;
    int rc = hc_options_read(ctx, &src->o, WOO_MAX_PAGE, woo_objects);
    if (rc == SLUICE_OK)
        rc = make_root(src);
    if (rc != SLUICE_OK) {
        woo_fini(src);
        return rc;
    }
    src->key = sluice_option_string(ctx, "consumer_key");
    src->secret = sluice_option_string(ctx, "consumer_secret");
    src->auth_in_query = sluice_option_bool(ctx, "auth_in_query", 0);
    src->customer_role = sluice_option_string(ctx, "customer_role");
    sluice_secret(ctx, src->key);
    sluice_secret(ctx, src->secret);

    sluice_http_config cfg;
    hc_http_config(&src->o, 0, &cfg); /* WooCommerce itself has no rate limit */
    cfg.base_url = src->api_root;
    if (!src->auth_in_query) {
        cfg.auth = SLUICE_AUTH_BASIC;
        cfg.username = src->key;
        cfg.password = src->secret;
    }
    if ((src->http = sluice_http_new(ctx, &cfg)) == NULL) {
        woo_fini(src);
        return invalid(ctx, "cannot create the HTTP client");
    }
    *state = src;
    return SLUICE_OK;
}

static int woo_run(void *state, sluice_ctx *ctx)
{
    woo_source *src = state;
    int rc = SLUICE_OK;
    hc_cursor *cursor = hc_cursor_load(ctx, src->o.full);
    if (cursor == NULL)
        return hc_fail(ctx, "out of memory");
    sluice_debug(ctx, "woocommerce: %s, %s sync", src->api_root, src->o.full ? "full" : "incremental");
    for (size_t i = 0; rc == SLUICE_OK && i < json_array_size(src->o.objects); i++) {
        const char *object = json_string_value(json_array_get(src->o.objects, i));
        hc_mark m;
        if (hc_mark_init(&m, cursor, object, "/date_modified_gmt", "/id", 0) != 0) {
            rc = hc_fail(ctx, "out of memory");
            break;
        }
        rc = woo_read_object(src, ctx, object, &m);
        hc_mark_fini(&m);
    }
    hc_cursor_free(&cursor);
    return rc == SLUICE_STOPPED ? SLUICE_OK : rc;
}

static const sluice_plugin woo_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SOURCE,
    .name = "woocommerce",
    .version = "0.1.0",
    .description = "WooCommerce REST API v3: orders, customers, products",
    .options = woo_options,
    .init = woo_init,
    .fini = woo_fini,
    .run = woo_run,
};

SLUICE_PLUGIN(woo_plugin);
