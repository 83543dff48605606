/* hc_window.c - keeps a saved watermark behind the moment its records were
 * read, using the server's clock (the Date header of the answers).
 *
 * The boundary ids in the cursor say "these records were delivered as they
 * were at `since`". That holds only when `since` is older than the read:
 * a record changed again later in the same second keeps the same
 * (second-granular) timestamp and would be skipped for good. And a listing
 * in id order (Shopify customers and products, WooCommerce pages) that takes minutes
 * can hand out record A early, then A is changed, then B is changed and
 * read on a later page: a watermark at B would skip A's change.
 *
 * So an ordered listing saves its boundary ids only while the newest
 * timestamp is older than the page's Date, and an unordered one pulls its
 * watermark back to the Date of its first answer. Records from there on are
 * read again next run (at least once; keyed sinks upsert). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "httpcommon.h"

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the only form
 * RFC 9110 lets servers send, as ms since the epoch. 0 or -1. */
static int parse_http_date(const char *s, int64_t *ms)
{
    char wday[4], mon[4], zone[4];
    int d, y, hh, mm, ss, m = -1;
    if (s == NULL || sscanf(s, "%3s, %d %3s %d %d:%d:%d %3s", wday, &d, mon, &y, &hh, &mm, &ss, zone) != 8)
        return -1;
    for (int i = 0; i < 12; i++)
        if (strcasecmp(mon, months[i]) == 0)
            m = i + 1;
    if (m < 0 || strcasecmp(zone, "GMT") != 0)
        return -1;
    char iso[32];
    snprintf(iso, sizeof iso, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, d, hh, mm, ss);
    return hc_time_parse(iso, ms);
}

void hc_window_seen(hc_window *w, const sluice_http_response *r)
{
    int64_t ms;
    if (r == NULL || parse_http_date(sluice_http_header(r, "Date"), &ms) != 0)
        return;
    if (!w->known)
        w->start_ms = ms;
    w->known = 1;
    w->last_ms = ms;
}

/* The mark's newest value is at or after `ms`. */
static int max_reaches(const hc_mark *m, int64_t ms)
{
    char text[64];
    int64_t max_ms;
    return m->max != NULL && hc_scalar_text(m->max, text, sizeof text) == 0 &&
           hc_time_parse(text, &max_ms) == 0 && max_ms >= ms;
}

/* Unordered: the watermark becomes the listing's start, with no ids. */
static int pull_back(const hc_window *w, hc_mark *m)
{
    char iso[40];
    if (hc_time_format(w->start_ms, "iso8601", iso, sizeof iso) != 0)
        return -1;
    json_t *start = json_string(iso), *ids = json_array();
    if (start == NULL || ids == NULL) {
        json_decref(start);
        json_decref(ids);
        return -1;
    }
    json_decref(m->max);
    json_decref(m->max_ids);
    m->max = start;
    m->max_ids = ids;
    return 0;
}

int hc_window_save(const hc_window *w, hc_mark *m, int complete)
{
    if (!m->ordered) {
        if (complete && w->known && max_reaches(m, w->start_ms) && pull_back(w, m) != 0)
            return -1;
        return hc_mark_save(m, complete);
    }
    if (!w->known || !max_reaches(m, w->last_ms))
        return hc_mark_save(m, complete);
    /* save the boundary without its ids; the mark keeps them for the pages
     * still to come */
    json_t *ids = m->max_ids, *none = json_array();
    if (none == NULL)
        return -1;
    m->max_ids = none;
    int rc = hc_mark_save(m, complete);
    m->max_ids = ids;
    json_decref(none);
    return rc;
}
