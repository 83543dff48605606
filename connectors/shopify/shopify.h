/* shopify.h - the `shopify` source's internal interface.
 *
 * plugin.c reads the options and builds the HTTP client; pager.c walks one
 * Admin REST listing page by page through the Link header; streams.c turns
 * each configured object into an hc_task (inventory_levels needs the
 * shop's locations first); link.c parses Link headers and window.c caps
 * the watermark of unordered listings at the time the listing began.
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

/* The listing-start cap shared by unordered streams (window.c). */
typedef struct shop_window {
    int64_t start_ms; /* server time of the first answer (Date header) */
    int known;
} shop_window;
/* Remembers the Date header of a stream's first answer. */
void shop_window_start(shop_window *w, const sluice_http_response *r);
/* Before saving an unordered mark: a watermark newer than the start of the
 * listing may hide records changed while it ran, so it is pulled back to
 * the start (records from there on are read again next time). 0 or -1. */
int shop_window_cap(const shop_window *w, hc_mark *m);

#endif /* SLUICE_SHOPIFY_H */
