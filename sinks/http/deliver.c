/* deliver.c - sends a batch and sorts out the answers.
 *
 * An answer is one of:
 *   2xx                          landed;
 *   4xx (not 401, not 429)       the endpoint refuses the record: it goes to
 *                                the dead-letter file with status and body;
 *   429, 5xx, no answer          the client's retries ran out: SLUICE_RETRY,
 *                                the core sends the batch again later;
 *   401, anything else           SLUICE_ERROR: the run fails.
 * A batch is acknowledged (SLUICE_OK) only when every record landed or was
 * dead-lettered. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_sink.h"

/* Requests handed to one sluice_http_many call (memory bound; the client
 * keeps `concurrency` of them in flight). */
#define HS_CHUNK 256
/* Bytes of a response body quoted in a dead letter or an error. */
#define HS_BODY_QUOTE 1000

enum outcome { LANDED, REFUSED, TRANSIENT, FATAL };

typedef struct hs_item {
    size_t idx;        /* slot in the batch */
    json_t *rec;       /* borrowed from the batch */
    char *url;         /* owned */
    char *body;        /* owned */
    hc_strv headers;   /* owned */
    sluice_http_request req;
} hs_item;

static enum outcome outcome_of(const sluice_http_response *r)
{
    if (r == NULL)
        return FATAL;
    if (r->status >= 200 && r->status < 300)
        return LANDED;
    if (r->status == 0 || r->status == 429 || r->status >= 500)
        return TRANSIENT;
    if (r->status >= 400 && r->status != 401)
        return REFUSED;
    return FATAL;
}

/* Says what happened to a request, for a dead letter or the log. */
static void describe(const hs_sink *s, const sluice_http_response *r, char *out, size_t n)
{
    if (r == NULL) {
        snprintf(out, n, "%s: the request could not be made", s->method);
        return;
    }
    const char *url = r->url ? r->url : "";
    if (r->status == 0)
        snprintf(out, n, "gave up on %s %s after %d attempts: %s", s->method, url, r->attempts,
                 r->error ? r->error : "no answer");
    else if (r->status == 401)
        snprintf(out, n, "authentication failed (HTTP 401) at %s %s: check auth", s->method, url);
    else if (r->status == 429 || r->status >= 500)
        snprintf(out, n, "gave up on %s %s after %d attempts: HTTP %ld: %.*s", s->method, url, r->attempts,
                 r->status, HS_BODY_QUOTE, r->body ? r->body : "");
    else
        snprintf(out, n, "HTTP %ld from %s %s: %.*s", r->status, s->method, url, HS_BODY_QUOTE,
                 r->body ? r->body : "");
}

/* The headers option filled from the record ("Name: value" lines). 0, or
 * -1 with why. */
static int fill_headers(const hs_sink *s, json_t *rec, hc_strv *out, char *why, size_t whylen)
{
    for (size_t i = 0; i < s->nheaders; i++) {
        char *v = hs_template_text(&s->headers[i].value, rec, 0, why, whylen);
        if (v == NULL)
            return -1;
        if (strpbrk(v, "\r\n") != NULL) { /* would smuggle in another header */
            snprintf(why, whylen, "header %s would hold a line break", s->headers[i].name);
            free(v);
            return -1;
        }
        int rc = hc_strv_addf(out, "%s: %s", s->headers[i].name, v);
        free(v);
        if (rc != 0) {
            snprintf(why, whylen, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* The body for one record: the template filled, or the record itself. */
static json_t *body_of(const hs_sink *s, json_t *rec, char *why, size_t whylen)
{
    return s->body ? hs_body_render(s->body, rec, why, whylen) : json_incref(rec);
}

static void set_request(const hs_sink *s, hs_item *it)
{
    memset(&it->req, 0, sizeof it->req);
    it->req.struct_size = sizeof it->req;
    it->req.method = s->method;
    it->req.url = it->url;
    it->req.headers = hc_strv_items(&it->headers);
    it->req.body = it->body;
    it->req.body_len = strlen(it->body);
    it->req.content_type = s->content_type;
    it->req.attempts = 0;
}

/* Builds the request for one record. 0, or -1 with why. */
static int prepare(const hs_sink *s, json_t *rec, hs_item *it, char *why, size_t whylen)
{
    if ((it->url = hs_template_text(&s->url, rec, 1, why, whylen)) == NULL ||
        fill_headers(s, rec, &it->headers, why, whylen) != 0)
        return -1;
    json_t *body = body_of(s, rec, why, whylen);
    if (body == NULL)
        return -1;
    it->body = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
    json_decref(body);
    if (it->body == NULL) {
        snprintf(why, whylen, "cannot encode the body as JSON");
        return -1;
    }
    set_request(s, it);
    return 0;
}

static void item_clear(hs_item *it)
{
    free(it->url);
    free(it->body);
    hc_strv_free(&it->headers);
    memset(it, 0, sizeof *it);
}

/* ---- Records that landed before a SLUICE_RETRY --------------------------- */

static int ptr_cmp(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t) * (json_t *const *)a, y = (uintptr_t) * (json_t *const *)b;
    return x < y ? -1 : x > y;
}

static int landed_has(const hs_sink *s, json_t *rec)
{
    return s->nlanded && bsearch(&rec, s->landed, s->nlanded, sizeof *s->landed, ptr_cmp) != NULL;
}

static int landed_add(hs_sink *s, json_t *rec)
{
    if (s->nlanded == s->caplanded) {
        size_t cap = s->caplanded ? s->caplanded * 2 : 256;
        json_t **p = realloc(s->landed, cap * sizeof *p);
        if (p == NULL)
            return -1;
        s->landed = p;
        s->caplanded = cap;
    }
    s->landed[s->nlanded++] = rec;
    return 0;
}

/* ---- Record mode ------------------------------------------------------------ */

/* Sends k prepared requests at once and files each answer. SLUICE_OK (the
 * transient failures are noted in `transient`) or SLUICE_ERROR. */
static int send_chunk(hs_sink *s, sluice_ctx *ctx, sluice_batch *b, hs_item *items, size_t k, char *transient,
                      size_t tlen)
{
    const sluice_http_request *reqs[HS_CHUNK];
    sluice_http_response *out[HS_CHUNK] = {0};
    char what[HS_BODY_QUOTE + 512];
    int rc = SLUICE_OK;
    for (size_t j = 0; j < k; j++)
        reqs[j] = &items[j].req;
    if (sluice_http_many(s->http, reqs, k, out) == SLUICE_STOPPED) {
        rc = hc_fail(ctx, "the run is stopping: %zu records not delivered", k);
        k = 0;
    }
    for (size_t j = 0; j < k && rc == SLUICE_OK; j++) {
        describe(s, out[j], what, sizeof what);
        switch (outcome_of(out[j])) {
        case LANDED:
            if (landed_add(s, items[j].rec) != 0)
                rc = hc_fail(ctx, "out of memory");
            break;
        case REFUSED: rc = sluice_batch_reject(ctx, b, items[j].idx, what); break;
        case TRANSIENT: snprintf(transient, tlen, "%s", what); break;
        case FATAL: rc = hc_fail(ctx, "%s", what); break;
        }
    }
    for (size_t j = 0; j < HS_CHUNK; j++)
        sluice_http_response_free(out[j]);
    if (s->nlanded > 1)
        qsort(s->landed, s->nlanded, sizeof *s->landed, ptr_cmp);
    return rc == SLUICE_OK ? SLUICE_OK : SLUICE_ERROR;
}

int hs_deliver_records(hs_sink *s, sluice_ctx *ctx, sluice_batch *b)
{
    char why[512], transient[HS_BODY_QUOTE + 512] = "";
    size_t n = sluice_batch_count(b), i = 0, sent = 0;
    int rc = SLUICE_OK;
    hs_item *items = calloc(HS_CHUNK, sizeof *items);
    if (items == NULL)
        return SLUICE_ENOMEM;
    if (!s->retrying) /* a new batch: forget the last one's records */
        s->nlanded = 0;
    s->retrying = 0;
    while (i < n && rc == SLUICE_OK) {
        size_t k = 0;
        for (; i < n && k < HS_CHUNK && rc == SLUICE_OK; i++) {
            json_t *rec = sluice_batch_record(b, i);
            if (rec == NULL || landed_has(s, rec))
                continue;
            items[k].idx = i;
            items[k].rec = rec;
            if (prepare(s, rec, &items[k], why, sizeof why) == 0) {
                k++;
            } else {
                item_clear(&items[k]);
                rc = sluice_batch_reject(ctx, b, i, why);
            }
        }
        if (rc == SLUICE_OK && k > 0)
            rc = send_chunk(s, ctx, b, items, k, transient, sizeof transient);
        sent += k;
        for (size_t j = 0; j < k; j++)
            item_clear(&items[j]);
    }
    free(items);
    sluice_debug(ctx, "sent %zu records, %zu landed so far", sent, s->nlanded);
    if (rc == SLUICE_OK && transient[0] != '\0') {
        s->retrying = 1; /* the core sends this batch again: skip what landed */
        sluice_set_error(ctx, transient);
        return SLUICE_RETRY;
    }
    return rc;
}

/* ---- Batch mode ------------------------------------------------------------- */

/* The live records' bodies as one JSON array; records whose body cannot be
 * built are dead-lettered. New reference, or NULL (reported). */
static json_t *batch_array(hs_sink *s, sluice_ctx *ctx, sluice_batch *b)
{
    char why[512];
    json_t *arr = json_array();
    if (arr == NULL)
        return NULL;
    for (size_t i = 0; i < sluice_batch_count(b); i++) {
        json_t *rec = sluice_batch_record(b, i), *body;
        if (rec == NULL)
            continue;
        if ((body = body_of(s, rec, why, sizeof why)) == NULL) {
            if (sluice_batch_reject(ctx, b, i, why) != SLUICE_OK) {
                json_decref(arr);
                return NULL;
            }
            continue;
        }
        if (json_array_append_new(arr, body) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

int hs_deliver_batch(hs_sink *s, sluice_ctx *ctx, sluice_batch *b)
{
    char why[HS_BODY_QUOTE + 512];
    hs_item it = {0};
    sluice_http_response *r = NULL;
    json_t *arr = batch_array(s, ctx, b);
    if (arr == NULL)
        return hc_fail(ctx, "cannot build the request body");
    size_t count = json_array_size(arr);
    if (count == 0) {
        json_decref(arr);
        return SLUICE_OK;
    }
    /* the URL and headers have no placeholders in batch mode (init checks) */
    it.url = hs_template_text(&s->url, NULL, 1, why, sizeof why);
    it.body = json_dumps(arr, JSON_COMPACT);
    json_decref(arr);
    if (it.url == NULL || it.body == NULL || fill_headers(s, NULL, &it.headers, why, sizeof why) != 0) {
        item_clear(&it);
        return hc_fail(ctx, "cannot build the request");
    }
    set_request(s, &it);
    int rc = sluice_http_send(s->http, &it.req, &r);
    if (rc == SLUICE_STOPPED) {
        rc = hc_fail(ctx, "the run is stopping: %zu records not delivered", count);
    } else {
        describe(s, r, why, sizeof why);
        switch (outcome_of(r)) {
        case LANDED: rc = SLUICE_OK; break;
        case REFUSED: /* one of them is bad: the core halves the batch to find it */
            sluice_debug(ctx, "%zu records refused as a whole: %s", count, why);
            sluice_set_error(ctx, why);
            rc = SLUICE_REJECTED;
            break;
        case TRANSIENT:
            sluice_set_error(ctx, why);
            rc = SLUICE_RETRY;
            break;
        case FATAL: rc = hc_fail(ctx, "%s", why); break;
        }
    }
    sluice_http_response_free(r);
    item_clear(&it);
    return rc;
}
