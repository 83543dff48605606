/* window.c - caps an unordered listing's watermark at the server time its
 * first page was answered.
 *
 * Why: a listing in id order (customers, products, inventory levels) that
 * takes minutes can hand out record A early, then A is changed, then B is
 * changed and read on a later page. The newest value read is B's, newer
 * than A's change, so a watermark at B would skip A's change for good.
 * Everything changed after the listing began is read again next run
 * instead (at least once; keyed sinks upsert). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "shopify.h"

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* An IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), the only form
 * RFC 9110 lets servers send, as ms since the epoch. 0 or -1. */
static int parse_http_date(const char *s, int64_t *ms)
{
    char wday[4], mon[4], zone[4];
    int d, y, hh, mm, ss, m = -1;
    if (s == NULL || sscanf(s, "%3s %d %3s %d %d:%d:%d %3s", wday, &d, mon, &y, &hh, &mm, &ss, zone) != 8)
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

void shop_window_start(shop_window *w, const sluice_http_response *r)
{
    if (w->known || r == NULL)
        return;
    w->known = parse_http_date(sluice_http_header(r, "Date"), &w->start_ms) == 0;
}

int shop_window_cap(const shop_window *w, hc_mark *m)
{
    char text[64], iso[40];
    int64_t max_ms;
    if (!w->known || m->max == NULL || hc_scalar_text(m->max, text, sizeof text) != 0 ||
        hc_time_parse(text, &max_ms) != 0 || max_ms <= w->start_ms)
        return 0;
    if (hc_time_format(w->start_ms, "iso8601", iso, sizeof iso) != 0)
        return -1;
    json_t *cap = json_string(iso), *ids = json_array();
    if (cap == NULL || ids == NULL) {
        json_decref(cap);
        json_decref(ids);
        return -1;
    }
    json_decref(m->max);
    json_decref(m->max_ids);
    m->max = cap;
    m->max_ids = ids; /* nothing is known delivered at exactly the cap */
    return 0;
}
