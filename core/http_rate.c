/* http_rate.c - the client's rate budget: a token bucket every request
 * draws from (sluice_http_many's concurrent ones too), plus pauses decided
 * from what the API says about its own limits.
 *
 * Adaptive limits, by sluice_http_limits:
 *   SHOPIFY   X-Shopify-Shop-Api-Call-Limit: used/size describes a leaky
 *             bucket that drains size/20 requests a second (40 -> 2/s,
 *             80 -> 4/s, 400 -> 20/s: the REST plans). Once it is more than
 *             half full, every request waits until it would be back at
 *             half: (used - size/2) / leak seconds. In steady state the
 *             bucket then hovers around half and 429s do not happen; when
 *             one does, its Retry-After ("2.0") pauses the whole client.
 *   HUBSPOT   X-HubSpot-RateLimit-Remaining / -Max / -Interval-Milliseconds
 *             describe a rolling window (100 or 190 per 10 s). With less
 *             than a tenth of the window left (the reserve), requests
 *             pause (reserve - remaining) * interval/max: the time the
 *             window, draining at its average rate, needs to get the
 *             reserve back (1 s at 100/10 s with none left). A rolling
 *             window frees a slot every interval/max, so waiting a whole
 *             interval would be too much; if the pacing falls short, the
 *             429 that follows without Retry-After waits for the window to
 *             roll (the last interval seen, 10 s before any was seen), not
 *             just a backoff.
 *   BITRIX24  a 503 whose body says QUERY_LIMIT_EXCEEDED is the portal's
 *             leaky bucket (50 requests, 2/s) overflowing: retried with
 *             backoff like any 503, and the wait pauses the whole client.
 *             A 429 OPERATION_TIME_LIMIT (a method's time budget) waits
 *             until the body's time.operating_reset_at when it has one.
 * With any of them, a 429 pauses the whole client for its wait: concurrent
 * requests would only collect more 429s.
 */
#include <stdlib.h>
#include <string.h>

#include "http_int.h"

#define HUBSPOT_DEFAULT_WINDOW_S 10.0

void sl_rate_init(sl_rate *r)
{
    pthread_mutex_init(&r->mu, NULL);
    sl_rate_configure(r, 0, 0, SLUICE_LIMITS_NONE);
}

void sl_rate_configure(sl_rate *r, double per_s, double burst, int limits)
{
    r->per_s = per_s > 0 ? per_s : 0;
    r->burst = burst > 0 ? burst : (per_s > 1 ? per_s : 1);
    r->tokens = r->burst;
    r->last = sl_http_now();
    r->hold_until = 0;
    r->limits = limits;
    r->window_s = HUBSPOT_DEFAULT_WINDOW_S;
}

void sl_rate_destroy(sl_rate *r) { pthread_mutex_destroy(&r->mu); }

double sl_rate_acquire(sl_rate *r, double now)
{
    pthread_mutex_lock(&r->mu);
    double wait = r->hold_until - now;
    if (wait <= 0 && r->per_s > 0) {
        r->tokens += (now - r->last) * r->per_s;
        if (r->tokens > r->burst)
            r->tokens = r->burst;
        r->last = now;
        if (r->tokens >= 1)
            r->tokens -= 1;
        else
            wait = (1 - r->tokens) / r->per_s;
    }
    pthread_mutex_unlock(&r->mu);
    return wait > 0 ? wait : 0;
}

void sl_rate_hold(sl_rate *r, double now, double s)
{
    pthread_mutex_lock(&r->mu);
    if (now + s > r->hold_until)
        r->hold_until = now + s;
    pthread_mutex_unlock(&r->mu);
}

/* "32/40" -> used 32, size 40. */
static double shopify_hold(const sl_headers *h)
{
    const char *v = sl_headers_get(h, "X-Shopify-Shop-Api-Call-Limit");
    if (!v)
        return 0;
    char *end;
    double used = strtod(v, &end);
    if (*end != '/')
        return 0;
    double size = strtod(end + 1, NULL);
    if (size <= 0 || used <= size / 2)
        return 0;
    return (used - size / 2) / (size / 20);
}

static double header_num(const sl_headers *h, const char *name, double dflt)
{
    const char *v = sl_headers_get(h, name);
    if (!v)
        return dflt;
    char *end;
    double d = strtod(v, &end);
    return end == v ? dflt : d;
}

static double hubspot_hold(sl_rate *r, const sl_headers *h)
{
    double remaining = header_num(h, "X-HubSpot-RateLimit-Remaining", -1);
    double max = header_num(h, "X-HubSpot-RateLimit-Max", -1);
    double interval_ms = header_num(h, "X-HubSpot-RateLimit-Interval-Milliseconds", -1);
    if (interval_ms > 0)
        r->window_s = interval_ms / 1000.0;
    if (remaining < 0 || max <= 0)
        return 0;
    double reserve = max / 10 > 1 ? max / 10 : 1;
    return remaining < reserve ? (reserve - remaining) * r->window_s / max : 0;
}

double sl_rate_observe(sl_rate *r, double now, const sl_headers *h)
{
    double hold = 0;
    pthread_mutex_lock(&r->mu);
    if (r->limits == SLUICE_LIMITS_SHOPIFY)
        hold = shopify_hold(h);
    else if (r->limits == SLUICE_LIMITS_HUBSPOT)
        hold = hubspot_hold(r, h);
    if (hold > 0 && now + hold > r->hold_until)
        r->hold_until = now + hold;
    pthread_mutex_unlock(&r->mu);
    return hold;
}

/* Bitrix24's 429 body: time.operating_reset_at (Unix seconds), if any. */
static double bitrix_reset_wait(const char *body, size_t len, double now_real)
{
    json_t *j = json_loadb(body, len, 0, NULL);
    json_t *at = json_object_get(json_object_get(j, "time"), "operating_reset_at");
    double wait = json_is_number(at) ? json_number_value(at) - now_real : -1;
    json_decref(j);
    return wait < 0 ? -1 : wait;
}

double sl_rate_throttle(sl_rate *r, long status, const char *body, size_t len, double now_real, int *throttle)
{
    *throttle = status == 429;
    if (r->limits == SLUICE_LIMITS_BITRIX24) {
        if (status == 503 && body && strstr(body, "QUERY_LIMIT_EXCEEDED"))
            *throttle = 1;
        if (status == 429 && body && strstr(body, "OPERATION_TIME_LIMIT"))
            return bitrix_reset_wait(body, len, now_real);
    }
    if (r->limits == SLUICE_LIMITS_HUBSPOT && status == 429) {
        pthread_mutex_lock(&r->mu);
        double w = r->window_s;
        pthread_mutex_unlock(&r->mu);
        return w;
    }
    return -1;
}
