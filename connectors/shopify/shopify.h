/* shopify.h - the `shopify` source's internal interface.
 *
 * plugin.c reads the options and builds the HTTP client; pager.c walks one
 * Admin REST listing page by page through the Link header; streams.c turns
 * each configured object into an hc_task (inventory_levels needs the
 * shop's locations first); link.c parses Link headers. httpcommon's
 * hc_window keeps saved watermarks behind the server time their records
 * were read.
 * Everything runs on the source's producer thread. */
#ifndef SLUICE_SHOPIFY_H
#define SLUICE_SHOPIFY_H

#include <stdint.h>

#include "httpcommon.h"

/* Largest `limit` the Admin REST API accepts. */
#define SHOP_MAX_PAGE 250
/* inventory_levels takes at most this many location_ids per request. */
#define SHOP_MAX_LOCATIONS 50

typedef struct shop_source {
    hc_options o;        /* strings borrowed from the core's option values */
    const char *token;   /* borrowed: access_token */
    const char *version; /* borrowed: api_version */
    int version_checked; /* the served version was compared with it */
    char *api_root;      /* owned: ".../admin/api/<version>/" */
    sluice_http *http;   /* owned */
} shop_source;

/* One listing: `path` with its first page's parameters, then each Link
 * rel="next" URL verbatim (Shopify freezes filters in page_info and
 * refuses them beside it). */
typedef struct shop_pager {
    char *path;       /* owned: "orders.json", relative to api_root */
    hc_strv query;    /* owned: first page's parameters */
    char *next;       /* owned: the next page's URL; NULL before the first page */
    int started;      /* first page requested */
    int done;         /* no rel="next" on the last answer */
    uint64_t pages;
} shop_pager;

int shop_pager_init(shop_pager *p, const char *path);
void shop_pager_fini(shop_pager *p);
/* Fills req for the next page (storage owned by the pager). 1: a request;
 * 0: the listing is over. */
int shop_pager_next(shop_pager *p, sluice_http_request *req);
/* Checks the answer and takes the page's `key` array out of its body (new
 * reference in *items), then moves to the Link header's next page.
 * SLUICE_OK or SLUICE_ERROR/SLUICE_STOPPED (reported with the URL). */
int shop_pager_take(shop_pager *p, sluice_ctx *ctx, int rc, const sluice_http_response *r, const char *key,
                    json_t **items);

/* The URL of the rel="next" entry of a Link header (malloc'd), or NULL. */
char *shop_link_next(const char *link);

/* The stream tasks for every configured object (owned array of owned
 * tasks, freed with shop_tasks_free). NULL on ENOMEM. */
hc_task **shop_tasks_new(shop_source *src, hc_cursor *cursor, size_t *n);
void shop_tasks_free(hc_task **tasks, size_t n);


#endif /* SLUICE_SHOPIFY_H */
