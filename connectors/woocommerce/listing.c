/* listing.c - one WooCommerce object, page by page (see woo.h).
 *
 * Pages are asked for in id order: records that change keep their place,
 * new ones land at the end, so page numbers stay valid while the shop
 * works. Only a deletion shifts later records to earlier pages; the
 * X-WP-Total of every page shows it (it drops), and the listing is read
 * again. The watermark is saved when the listing is complete, pulled back
 * to its start (hc_window.c); the cursor is declared after every page. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "woo.h"

/* Times a listing is read again when records vanish under it. */
#define WOO_MAX_RESTARTS 3
/* More pages than this in X-WP-TotalPages is not a number to believe. */
#define WOO_MAX_PAGES 10000000LL

typedef struct woo_list {
    woo_source *src;     /* borrowed */
    const char *object;  /* borrowed */
    hc_mark *m;          /* borrowed */
    hc_window window;
    char since[32];      /* modified_after, "" for none */
    long long total;     /* X-WP-Total of the first page, or -1 */
    long long pages;     /* X-WP-TotalPages of the first page, or -1 */
    int shrunk;          /* a later page counted fewer records */
    uint64_t emitted;
} woo_list;

static long long header_count(const sluice_http_response *r, const char *name)
{
    const char *v = sluice_http_header(r, name);
    char *end;
    if (v == NULL)
        return -1;
    long long n = strtoll(v, &end, 10);
    while (*end == ' ' || *end == '\t')
        end++;
    return end == v || *end != '\0' || n < 0 ? -1 : n;
}

/* Customers cannot be filtered by modification: they are listed in full
 * and the mark skips what was delivered already. */
static int filters_by_date(const char *object)
{
    return strcmp(object, "customers") != 0;
}

/* The watermark as WooCommerce's modified_after, one second earlier:
 * modified_after is exclusive and records at the watermark itself must
 * come back (the mark skips the ones already delivered). */
static void since_param(woo_list *l)
{
    char text[64];
    int64_t ms;
    json_t *since = hc_mark_since(l->m);
    l->since[0] = '\0';
    if (since == NULL || !filters_by_date(l->object) || hc_scalar_text(since, text, sizeof text) != 0 ||
        hc_time_parse(text, &ms) != 0)
        return;
    ms = (ms / 1000 - 1) * 1000;
    if (hc_time_format(ms, "%Y-%m-%dT%H:%M:%S", l->since, sizeof l->since) != 0)
        l->since[0] = '\0';
}

static int page_query(const woo_list *l, long long page, hc_strv *q)
{
    char per_page[24], num[24];
    snprintf(per_page, sizeof per_page, "%lld", l->src->o.page_size);
    snprintf(num, sizeof num, "%lld", page);
    int rc = hc_strv_pair(q, "per_page", per_page) | hc_strv_pair(q, "page", num) |
             hc_strv_pair(q, "orderby", "id") | hc_strv_pair(q, "order", "asc");
    if (l->since[0] != '\0')
        rc |= hc_strv_pair(q, "modified_after", l->since) | hc_strv_pair(q, "dates_are_gmt", "true");
    if (strcmp(l->object, "customers") == 0)
        rc |= hc_strv_pair(q, "role", l->src->customer_role);
    if (l->src->auth_in_query)
        rc |= hc_strv_pair(q, "consumer_key", l->src->key) | hc_strv_pair(q, "consumer_secret", l->src->secret);
    return rc;
}

static void page_request(const woo_list *l, const hc_strv *q, sluice_http_request *req)
{
    memset(req, 0, sizeof *req);
    req->struct_size = sizeof *req;
    req->url = l->object; /* relative to .../wp-json/wc/v3/ */
    req->query = hc_strv_items(q);
}

/* What sluice_http_many did with one request, as sluice_http_send would
 * have said it: it only reports the worst of them. */
static int result_of(const sluice_http_response *r)
{
    if (r == NULL)
        return SLUICE_ERROR;
    if (r->status == 0 || r->status == 429 || r->status >= 500)
        return SLUICE_RETRY;
    return SLUICE_OK;
}

/* One page's answer: emits its records and declares the position. The
 * number of records in the page (>= 0; 0 also for WordPress's "past the
 * last page" 400), or a negative status. */
static long take_page(woo_list *l, sluice_ctx *ctx, int rc, const sluice_http_response *r, long long page)
{
    json_t *body = NULL;
    if (page > 1 && rc == SLUICE_OK && r->status == 400 && r->body &&
        strstr(r->body, "rest_post_invalid_page_number") != NULL)
        return 0;
    hc_window_seen(&l->window, r);
    if ((rc = hc_response_json(ctx, rc, r, &body)) != SLUICE_OK)
        return rc;
    if (!json_is_array(body)) {
        json_decref(body);
        return hc_fail(ctx, "malformed page from %s: expected a JSON array of %s", r->url, l->object);
    }
    long long total = header_count(r, "X-WP-Total");
    if (page == 1) {
        l->total = total;
        l->pages = header_count(r, "X-WP-TotalPages");
    } else if (total >= 0 && l->total >= 0 && total < l->total) {
        l->shrunk = 1;
    }
    long size = (long)json_array_size(body);
    long n = hc_emit_array(ctx, l->object, body, l->m, r->url, 1);
    json_decref(body);
    if (n < 0)
        return n;
    l->emitted += (uint64_t)n;
    sluice_debug(ctx, "%s: page %lld, %ld records", l->object, page, n);
    if (hc_cursor_commit(ctx, l->m->cursor) != SLUICE_OK)
        return hc_fail(ctx, "%s: cannot record the position reached", l->object);
    return size;
}

static long fetch_one(woo_list *l, sluice_ctx *ctx, long long page)
{
    hc_strv q = {0};
    sluice_http_request req;
    sluice_http_response *r = NULL;
    if (page_query(l, page, &q) != 0) {
        hc_strv_free(&q);
        return hc_fail(ctx, "out of memory");
    }
    page_request(l, &q, &req);
    int rc = sluice_http_send(l->src->http, &req, &r);
    long n = rc == SLUICE_STOPPED ? SLUICE_STOPPED : take_page(l, ctx, rc, r, page);
    sluice_http_response_free(r);
    hc_strv_free(&q);
    return n;
}

/* Pages first..last at once (at most `concurrency` of them), handled in
 * page order. SLUICE_OK or a negative status. */
static int fetch_window(woo_list *l, sluice_ctx *ctx, long long first, long long last)
{
    size_t n = (size_t)(last - first + 1), i;
    hc_strv *qs = calloc(n, sizeof *qs);
    sluice_http_request *reqs = calloc(n, sizeof *reqs);
    const sluice_http_request **ptrs = calloc(n, sizeof *ptrs);
    sluice_http_response **out = calloc(n, sizeof *out);
    int rc = qs && reqs && ptrs && out ? SLUICE_OK : hc_fail(ctx, "out of memory");
    for (i = 0; rc == SLUICE_OK && i < n; i++) {
        if (page_query(l, first + (long long)i, &qs[i]) != 0)
            rc = hc_fail(ctx, "out of memory");
        page_request(l, &qs[i], &reqs[i]);
        ptrs[i] = &reqs[i];
    }
    if (rc == SLUICE_OK) {
        rc = sluice_http_many(l->src->http, ptrs, n, out);
        if (rc != SLUICE_STOPPED) {
            rc = SLUICE_OK;
            for (i = 0; rc == SLUICE_OK && i < n; i++) {
                long got = take_page(l, ctx, result_of(out[i]), out[i], first + (long long)i);
                rc = got < 0 ? (int)got : SLUICE_OK;
            }
        }
    }
    for (i = 0; out && i < n; i++)
        sluice_http_response_free(out[i]);
    for (i = 0; qs && i < n; i++)
        hc_strv_free(&qs[i]);
    free(out);
    free(ptrs);
    free(reqs);
    free(qs);
    return rc;
}

/* Reads the listing once, every page. SLUICE_OK or a negative status. */
static int read_pages(woo_list *l, sluice_ctx *ctx)
{
    long long per_page = l->src->o.page_size, page;
    long got = fetch_one(l, ctx, 1);
    if (got < 0)
        return (int)got;
    if (l->pages > WOO_MAX_PAGES)
        return hc_fail(ctx, "%s: implausible X-WP-TotalPages %lld", l->object, l->pages);
    if (l->pages >= 0) {
        long long step = l->src->o.concurrency;
        for (page = 2; page <= l->pages; page += step) {
            long long last = page + step - 1 < l->pages ? page + step - 1 : l->pages;
            int rc = fetch_window(l, ctx, page, last);
            if (rc != SLUICE_OK || l->shrunk) /* shrunk: start again, the rest has moved */
                return rc;
        }
        return SLUICE_OK;
    }
    /* no page count: walk until a short or empty page */
    for (page = 2; got == per_page && !l->shrunk; page++)
        if ((got = fetch_one(l, ctx, page)) < 0)
            return (int)got;
    return SLUICE_OK;
}

int woo_read_object(woo_source *src, sluice_ctx *ctx, const char *object, hc_mark *m)
{
    woo_list l;
    for (int attempt = 0;; attempt++) {
        memset(&l, 0, sizeof l);
        l.src = src;
        l.object = object;
        l.m = m;
        l.total = l.pages = -1;
        since_param(&l);
        int rc = read_pages(&l, ctx);
        if (rc != SLUICE_OK)
            return rc;
        if (!l.shrunk)
            break;
        if (attempt == WOO_MAX_RESTARTS) {
            /* records may have moved past pages already read: keep the old
             * watermark so the next run reads them */
            sluice_warn(ctx, "%s: records kept vanishing while the listing was read; "
                        "the watermark stays where it was", object);
            return SLUICE_OK;
        }
        sluice_warn(ctx, "%s: records were deleted while the listing was read; reading it again", object);
    }
    sluice_info(ctx, "%s: %llu records (%llu already delivered skipped)", object, (unsigned long long)l.emitted,
                (unsigned long long)m->skipped);
    if (hc_window_save(&l.window, m, 1) != 0 || hc_cursor_commit(ctx, m->cursor) != SLUICE_OK)
        return hc_fail(ctx, "%s: cannot record the position reached", object);
    return SLUICE_OK;
}
