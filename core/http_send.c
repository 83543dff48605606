/* http_send.c - requests. Each request is an xfer with its own attempts
 * and waits; the client's curl multi handle drives all of them, so
 * sluice_http_send (one xfer) and sluice_http_many (several, at most
 * max_concurrency in flight) share connections, the rate budget and the
 * stop check. The loop never blocks for more than 100 ms outside a token
 * fetch, so a stopping run is noticed promptly. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http_int.h"

enum { X_WAIT, X_RUN, X_DONE };

typedef struct xfer {
    sluice_http_request req; /* the caller's, widened to this struct size (strings borrowed) */
    const char *method;
    char *url;               /* full URL; may hold a credential (owned) */
    sl_resp *r;              /* the answer so far (owned until handed out) */
    sl_buf body;             /* of the running attempt */
    sl_headers headers;      /* of the running attempt */
    struct curl_slist *hdrs; /* request headers of the running attempt */
    char errbuf[CURL_ERROR_SIZE];
    int slot;                /* index into c->easy while running */
    int tries, budget;       /* attempts that count, and how many may */
    int refreshed;           /* the one 401 refresh is used */
    unsigned gen;            /* OAuth2 token generation sent */
    double ready_at;         /* monotonic: not before */
    int state, rc;
} xfer;

static void finish(xfer *x, int rc, double t0)
{
    x->state = X_DONE;
    x->rc = rc;
    if (x->r)
        x->r->pub.elapsed_s = sl_http_now() - t0;
}

static void xfer_init(sluice_http *c, xfer *x, const sluice_http_request *in, double t0)
{
    char err[1024];
    int rc = SLUICE_ERROR;
    x->slot = -1;
    x->state = X_WAIT;
    if (!in || in->struct_size < offsetof(sluice_http_request, url) + sizeof in->url) {
        snprintf(err, sizeof err, "sluice_http_request.struct_size is not set");
    } else {
        memcpy(&x->req, in, in->struct_size < sizeof x->req ? in->struct_size : sizeof x->req);
        x->method = x->req.method && *x->req.method ? x->req.method : "GET";
        x->budget = x->req.attempts > 0 ? x->req.attempts : c->cfg.max_attempts;
        x->url = sl_http_request_url(c, &x->req, &rc, err, sizeof err);
    }
    x->r = sl_resp_new(x->url ? x->url : x->req.url ? x->req.url : "");
    if (!x->r)
        finish(x, SLUICE_ENOMEM, t0);
    else if (!x->url) {
        sl_resp_set_error(x->r, err);
        finish(x, rc, t0);
    }
}

static void xfer_clear(xfer *x)
{
    free(x->url);
    sl_buf_free(&x->body);
    sl_headers_clear(&x->headers);
    curl_slist_free_all(x->hdrs);
}

static int has_header(const char *const *h, const char *name)
{
    size_t n = strlen(name);
    for (; h && *h; h++)
        if (strncasecmp(*h, name, n) == 0 && (*h)[n] == ':')
            return 1;
    return 0;
}

static int add_line(struct curl_slist **l, const char *line)
{
    struct curl_slist *n = curl_slist_append(*l, line);
    if (!n)
        return -1;
    *l = n;
    return 0;
}

/* The caller's headers, a Content-Type for a body, and no "Expect:
 * 100-continue" (a round trip lost on every POST). */
static int request_headers(xfer *x)
{
    for (const char *const *h = x->req.headers; h && *h; h++)
        if (add_line(&x->hdrs, *h))
            return -1;
    if (x->req.body && !has_header(x->req.headers, "Content-Type")) {
        const char *ct = x->req.content_type ? x->req.content_type : "application/json";
        size_t n = strlen("Content-Type: ") + strlen(ct) + 1;
        char *line = malloc(n);
        if (!line)
            return -1;
        snprintf(line, n, "Content-Type: %s", ct);
        int bad = add_line(&x->hdrs, line);
        free(line);
        if (bad)
            return -1;
    }
    return add_line(&x->hdrs, "Expect:");
}

static void set_method(CURL *e, const xfer *x)
{
    const char *m = x->method;
    if (!x->req.body && strcasecmp(m, "GET") == 0) {
        curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    } else if (!x->req.body && strcasecmp(m, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(x->req.body ? x->req.body_len : 0));
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, x->req.body ? x->req.body : "");
        if (strcmp(m, "POST") != 0)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, m);
    }
}

/* A free easy handle of the pool (created on first use), or -1. */
static int take_slot(sluice_http *c)
{
    for (int i = 0; i < c->cfg.max_concurrency; i++) {
        if (c->busy[i])
            continue;
        if (!c->easy[i] && !(c->easy[i] = curl_easy_init()))
            return -1;
        c->busy[i] = 1;
        return i;
    }
    return -1;
}

static void release_slot(sluice_http *c, xfer *x)
{
    curl_multi_remove_handle(c->multi, c->easy[x->slot]);
    c->busy[x->slot] = 0;
    x->slot = -1;
}

/* Starts the next attempt of x. 0 when it runs; otherwise x is finished. */
static int start(sluice_http *c, xfer *x, double t0)
{
    int slot = take_slot(c);
    if (slot < 0) {
        finish(x, SLUICE_ENOMEM, t0);
        return -1;
    }
    CURL *e = c->easy[slot];
    x->slot = slot;
    sl_buf_free(&x->body);
    sl_headers_clear(&x->headers);
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
    curl_easy_reset(e);
    sl_http_common_opts(c, e, x->errbuf);
    curl_easy_setopt(e, CURLOPT_URL, x->url);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (void *)x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sl_buf_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &x->body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, sl_headers_write);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &x->headers);
    set_method(e, x);
    int rc = request_headers(x) ? SLUICE_ENOMEM : sl_auth_apply(c, e, &x->hdrs, &x->gen, x->r);
    if (rc == SLUICE_OK) {
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, x->hdrs);
        if (curl_multi_add_handle(c->multi, e) == CURLM_OK) {
            x->state = X_RUN;
            return 0;
        }
        rc = SLUICE_ERROR;
        sl_resp_set_error(x->r, "cannot start the transfer");
    } else if (rc == SLUICE_ENOMEM) {
        sl_resp_set_error(x->r, "out of memory");
    }
    c->busy[slot] = 0;
    x->slot = -1;
    finish(x, rc, t0);
    return -1;
}

/* The attempt's outcome becomes the response: status, body, headers, error. */
static int record(xfer *x, CURLcode cc, long status)
{
    sl_resp *r = x->r;
    r->pub.attempts++;
    r->pub.status = status;
    free(r->pub.body);
    r->pub.body = x->body.p ? x->body.p : strdup("");
    r->pub.body_len = x->body.p ? x->body.len : 0;
    x->body.p = NULL;
    sl_buf_free(&x->body);
    sl_headers_clear(&r->priv.headers);
    r->priv.headers = x->headers;
    memset(&x->headers, 0, sizeof x->headers);
    if (cc == CURLE_OK)
        sl_resp_set_error(r, NULL);
    else
        sl_resp_set_error(r, x->errbuf[0] ? x->errbuf : curl_easy_strerror(cc));
    return r->pub.body ? 0 : -1;
}

/* A transient failure: another attempt after the wait the response asks
 * for, the vendor's throttle wait, or a backoff; or the end of the budget. */
static void retry_or_give_up(sluice_http *c, xfer *x, CURLcode cc, double now, double t0)
{
    sl_resp *r = x->r;
    char why[CURL_ERROR_SIZE + 32];
    if (cc == CURLE_OK)
        snprintf(why, sizeof why, "HTTP %ld", r->pub.status);
    else
        snprintf(why, sizeof why, "%s", r->pub.error ? r->pub.error : curl_easy_strerror(cc));
    if (x->tries >= x->budget) {
        if (x->budget > 1)
            sl_http_log(c, SLUICE_LOG_WARN, "%s %s: %s, giving up after %d attempts", x->method, r->pub.url, why,
                        r->pub.attempts);
        finish(x, SLUICE_RETRY, t0);
        return;
    }
    int throttle = 0;
    double real = sl_http_now_real(), wait = -1, vendor = -1;
    if (cc == CURLE_OK) {
        wait = sl_http_retry_after(sl_headers_get(&r->priv.headers, "Retry-After"), real);
        vendor = sl_rate_throttle(&c->rate, r->pub.status, r->pub.body, r->pub.body_len, real, &throttle);
    }
    if (wait < 0)
        wait = vendor;
    if (wait < 0)
        wait = sl_http_backoff(c, x->tries);
    if (wait > SL_HTTP_MAX_RETRY_AFTER_S) {
        sl_http_log(c, SLUICE_LOG_WARN, "%s %s: %s asks to wait %.0f s: giving up", x->method, r->pub.url, why, wait);
        finish(x, SLUICE_RETRY, t0);
        return;
    }
    sl_http_log(c, SLUICE_LOG_WARN, "%s %s: %s (attempt %d of %d), retrying in %.1f s", x->method, r->pub.url, why,
                x->tries, x->budget, wait);
    x->ready_at = now + wait;
    if (c->hooks.count)
        c->hooks.count(c->hooks.arg, 1);
    if (throttle)
        sl_rate_hold(&c->rate, now, wait); /* the whole client slows down, not just this request */
    x->state = X_WAIT;
}

static void after_attempt(sluice_http *c, xfer *x, CURLcode cc, double t0)
{
    CURL *e = c->easy[x->slot];
    long status = 0;
    if (cc == CURLE_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    int too_big = cc == CURLE_WRITE_ERROR && x->body.full;
    release_slot(c, x);
    double now = sl_http_now();
    x->tries++;
    if (c->hooks.count)
        c->hooks.count(c->hooks.arg, 0);
    if (record(x, cc, status) != 0) {
        finish(x, SLUICE_ENOMEM, t0);
        return;
    }
    if (cc == CURLE_OK) {
        double hold = sl_rate_observe(&c->rate, now, &x->r->priv.headers);
        if (hold > 0)
            sl_http_log(c, SLUICE_LOG_DEBUG, "rate limit headers: pausing requests for %.1f s", hold);
    }
    if (too_big) {
        sl_resp_set_error(x->r, "the response body is too large (or memory ran out)");
        finish(x, SLUICE_ERROR, t0);
    } else if (cc != CURLE_OK && !sl_http_curl_transient(cc, x->errbuf)) {
        finish(x, SLUICE_ERROR, t0);
    } else if (status == 401 && sl_auth_is_oauth(c) && !x->refreshed) {
        sl_http_log(c, SLUICE_LOG_INFO, "%s %s: HTTP 401, fetching a new OAuth2 access token", x->method,
                    x->r->pub.url);
        x->refreshed = 1;
        x->tries--; /* the refresh's attempt is extra, not from the budget */
        sl_auth_invalidate(c, x->gen);
        x->ready_at = now;
        x->state = X_WAIT;
    } else if (cc == CURLE_OK && !sl_http_status_transient(status)) {
        finish(x, SLUICE_OK, t0);
    } else {
        retry_or_give_up(c, x, cc, now, t0);
    }
}

/* Starts, in order, the requests whose wait is over while slots and the
 * rate budget allow. Returns when the loop should look again. */
static double start_ready(sluice_http *c, xfer *xs, size_t n, int *running, double t0)
{
    double now = sl_http_now(), next = now + 0.1;
    for (size_t i = 0; i < n; i++) {
        xfer *x = &xs[i];
        if (x->state != X_WAIT)
            continue;
        if (x->ready_at > now) {
            if (x->ready_at < next)
                next = x->ready_at;
            continue;
        }
        if (*running >= c->cfg.max_concurrency)
            break; /* a finishing transfer wakes the poll */
        double w = sl_rate_acquire(&c->rate, now);
        if (w > 0) {
            if (now + w < next)
                next = now + w;
            break; /* later requests do not overtake this one */
        }
        if (start(c, x, t0) == 0)
            (*running)++;
    }
    return next;
}

/* Handles finished attempts; returns how many requests may start again
 * at once (a 401 refresh). */
static int collect(sluice_http *c, int *running, double t0)
{
    CURLMsg *m;
    int left, again = 0;
    while ((m = curl_multi_info_read(c->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        char *p = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, &p);
        CURLcode cc = m->data.result; /* m dies with remove_handle */
        xfer *x = (xfer *)(void *)p;
        after_attempt(c, x, cc, t0);
        (*running)--;
        again += x->state == X_WAIT && x->ready_at <= sl_http_now();
    }
    return again;
}

static void stop_all(sluice_http *c, xfer *xs, size_t n, double t0)
{
    for (size_t i = 0; i < n; i++) {
        xfer *x = &xs[i];
        if (x->state == X_DONE)
            continue;
        if (x->state == X_RUN)
            release_slot(c, x);
        if (x->state == X_RUN || x->r->pub.attempts == 0)
            sl_resp_set_error(x->r, "the run is stopping");
        finish(x, SLUICE_STOPPED, t0);
    }
}

/* The earliest future wake-up of a waiting request. Requests ready now
 * but held back by the slots or the rate budget are not counted: a
 * finishing transfer or start_ready's own estimate wakes the loop. */
static double next_ready(const xfer *xs, size_t n, double now, double next)
{
    for (size_t i = 0; i < n; i++)
        if (xs[i].state == X_WAIT && xs[i].ready_at > now && xs[i].ready_at < next)
            next = xs[i].ready_at;
    return next;
}

static int pending(const xfer *xs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (xs[i].state != X_DONE)
            return 1;
    return 0;
}

static void drive(sluice_http *c, xfer *xs, size_t n, double t0)
{
    int running = 0, still = 0;
    while (pending(xs, n)) {
        if (sl_http_stopping(c)) {
            stop_all(c, xs, n, t0);
            return;
        }
        double next = start_ready(c, xs, n, &running, t0);
        if (running)
            curl_multi_perform(c->multi, &still);
        if (collect(c, &running, t0) > 0 || !pending(xs, n))
            continue;
        /* rounded up: waking a little early would only spin */
        double now = sl_http_now();
        double ms = (next_ready(xs, n, now, next) - now) * 1000.0 + 0.999;
        curl_multi_poll(c->multi, NULL, 0, ms < 0 ? 0 : ms > 100 ? 100 : (int)ms, NULL);
    }
}

static int rank(int rc)
{
    return rc == SLUICE_OK ? 0 : rc == SLUICE_RETRY ? 1 : rc == SLUICE_STOPPED ? 2 : 3;
}

int sl_http_many(sluice_http *c, const sluice_http_request *const *reqs, size_t n, sluice_http_response **out)
{
    if (!out)
        return SLUICE_EINVAL;
    for (size_t i = 0; i < n; i++)
        out[i] = NULL;
    if (!c || (n && !reqs))
        return SLUICE_EINVAL;
    if (n == 0)
        return SLUICE_OK;
    xfer *xs = calloc(n, sizeof *xs);
    if (!xs)
        return SLUICE_ENOMEM;
    pthread_mutex_lock(&c->lock);
    double t0 = sl_http_now();
    for (size_t i = 0; i < n; i++)
        xfer_init(c, &xs[i], reqs[i], t0);
    drive(c, xs, n, t0);
    pthread_mutex_unlock(&c->lock);
    int worst = SLUICE_OK;
    for (size_t i = 0; i < n; i++) {
        out[i] = xs[i].r ? &xs[i].r->pub : NULL;
        if (rank(xs[i].rc) > rank(worst))
            worst = xs[i].rc;
        xfer_clear(&xs[i]);
    }
    free(xs);
    return worst;
}

int sl_http_send(sluice_http *c, const sluice_http_request *req, sluice_http_response **out)
{
    const sluice_http_request *reqs[1] = {req};
    return sl_http_many(c, reqs, 1, out);
}
