/* woo.h - the `woocommerce` source's internal interface.
 *
 * plugin.c reads the options and builds the HTTP client; listing.c reads
 * one object: its first page says how many pages there are
 * (X-WP-TotalPages) and the rest are fetched several at a time with
 * sluice_http_many, emitted in page order; httpcommon's hc_window keeps the saved
 * watermark behind the server time the listing began. Everything runs on the producer thread. */
#ifndef SLUICE_WOO_H
#define SLUICE_WOO_H

#include <stdint.h>

#include "httpcommon.h"

/* Largest per_page WooCommerce accepts (more is a 400). */
#define WOO_MAX_PAGE 100

typedef struct woo_source {
    hc_options o;            /* strings borrowed from the core's option values */
    const char *key;         /* borrowed: consumer_key */
    const char *secret;      /* borrowed: consumer_secret */
    int auth_in_query;       /* send the key pair as query parameters */
    const char *customer_role; /* borrowed: role= of the customers listing */
    char *api_root;          /* owned: ".../wp-json/wc/v3/" */
    sluice_http *http;       /* owned */
} woo_source;

/* Reads one object into its stream, from the mark's watermark on, and
 * saves the mark once the listing is complete. SLUICE_OK, SLUICE_STOPPED
 * or SLUICE_ERROR (reported). */
int woo_read_object(woo_source *src, sluice_ctx *ctx, const char *object, hc_mark *m);


#endif /* SLUICE_WOO_H */
