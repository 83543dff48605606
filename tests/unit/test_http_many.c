/* test_http_many.c - the HTTP client's rate budget, adaptive limits,
 * concurrent requests (sluice_http_many) and TLS with a self-signed
 * certificate, against tests/http/testserver.py.
 *
 * Timing checks are lower bounds, or upper bounds far above the expected
 * time, so a loaded machine does not make them flaky.
 * Prints "N passed, M failed"; exits 1 on any failure. */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "http_int.h"
#include "testsrv.h"

static tsrv g_srv;

static void test_token_bucket(void)
{
    sluice_http_config cfg = ts_config(&g_srv);
    cfg.rate_per_s = 5;
    cfg.rate_burst = 1;
    sluice_http *h = sl_http_new_with(&cfg, NULL);
    const char *q[] = {"id", "bucket", NULL};
    sluice_http_request req = ts_get("s", q);
    double t = ts_now();
    int ok = 1;
    for (int i = 0; i < 10; i++) {
        sluice_http_response *r;
        ok &= sluice_http_send(h, &req, &r) == SLUICE_OK && r->status == 200;
        sluice_http_response_free(r);
    }
    CHECK(ok);
    CHECK(ts_now() - t >= 1.6); /* 9 waits of 0.2 s after the first token */

    /* concurrent requests draw from the same bucket */
    const sluice_http_request *reqs[6];
    sluice_http_response *out[6];
    for (int i = 0; i < 6; i++)
        reqs[i] = &req;
    t = ts_now();
    CHECK(sluice_http_many(h, reqs, 6, out) == SLUICE_OK);
    CHECK(ts_now() - t >= 0.9); /* the bucket is empty: 6 x 0.2 s, give or take one */
    for (int i = 0; i < 6; i++)
        sluice_http_response_free(out[i]);
    sluice_http_free(h);
}

static void test_many(void)
{
    sluice_http_config cfg = ts_config(&g_srv);
    cfg.max_concurrency = 5;
    sluice_http *h = sl_http_new_with(&cfg, NULL);
    enum { N = 5 };
    char keys[N][16];
    const char *qs[N][7];
    sluice_http_request reqs[N];
    const sluice_http_request *rp[N];
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "many%d", i);
        const char *q[] = {"id", keys[i], "delay", "0.5", NULL};
        memcpy(qs[i], q, sizeof q);
        reqs[i] = ts_get("s", qs[i]);
        rp[i] = &reqs[i];
    }
    sluice_http_response *out[N];
    double t = ts_now();
    CHECK(sluice_http_many(h, rp, N, out) == SLUICE_OK);
    double took = ts_now() - t;
    CHECK(took >= 0.5);
    CHECK(took < 2.0); /* one after the other would take 2.5 s */
    for (int i = 0; i < N; i++) {
        CHECK(out[i] && out[i]->status == 200);
        json_t *j = ts_json(out[i]);
        char want[128];
        snprintf(want, sizeof want, "id=%s&delay=0.5", keys[i]);
        CHECK_STR(json_string_value(json_object_get(j, "rawquery")), want); /* out[i] answers reqs[i] */
        json_decref(j);
        sluice_http_response_free(out[i]);
    }

    /* each request retries on its own; the worst result is returned */
    const char *q0[] = {"id", "mixed0", "seq", "500,200", NULL};
    const char *q1[] = {"id", "mixed1", "seq", "404", NULL};
    const char *q2[] = {"id", "mixed2", "seq", "503", NULL};
    sluice_http_request m[3] = {ts_get("s", q0), ts_get("s", q1), ts_get("s", q2)};
    m[2].attempts = 2;
    const sluice_http_request *mp[3] = {&m[0], &m[1], &m[2]};
    CHECK(sluice_http_many(h, mp, 3, out) == SLUICE_RETRY);
    CHECK(out[0]->status == 200 && out[0]->attempts == 2);
    CHECK(out[1]->status == 404 && out[1]->attempts == 1);
    CHECK(out[2]->status == 503 && out[2]->attempts == 2);
    for (int i = 0; i < 3; i++)
        sluice_http_response_free(out[i]);

    /* more requests than slots: all done, in order */
    enum { M = 12 };
    sluice_http_request many[M];
    const sluice_http_request *mp2[M];
    char mk[M][16];
    const char *mq[M][3];
    for (int i = 0; i < M; i++) {
        snprintf(mk[i], sizeof mk[i], "lot%d", i);
        mq[i][0] = "id";
        mq[i][1] = mk[i];
        mq[i][2] = NULL;
        many[i] = ts_get("s", mq[i]);
        mp2[i] = &many[i];
    }
    sluice_http_response *mo[M];
    CHECK(sluice_http_many(h, mp2, M, mo) == SLUICE_OK);
    for (int i = 0; i < M; i++) {
        CHECK_HAS(mo[i]->url, mk[i]);
        sluice_http_response_free(mo[i]);
    }
    sluice_http_free(h);
}

/* Adaptive limits, read straight from headers. */
static sl_headers headers_of(const char *const *lines)
{
    sl_headers h = {0};
    for (; *lines; lines++)
        sl_headers_add_line(&h, *lines, strlen(*lines));
    return h;
}

static double hold_for(int limits, const char *const *lines)
{
    sl_rate r;
    sl_rate_init(&r);
    sl_rate_configure(&r, 0, 0, limits);
    sl_headers h = headers_of(lines);
    double hold = sl_rate_observe(&r, 100.0, &h);
    /* the hold applies to the next acquire */
    double wait = sl_rate_acquire(&r, 100.0);
    CHECK(wait == hold);
    sl_headers_clear(&h);
    sl_rate_destroy(&r);
    return hold;
}

static void test_adaptive(void)
{
    const char *shop_low[] = {"X-Shopify-Shop-Api-Call-Limit: 10/40\r\n", NULL};
    const char *shop_high[] = {"x-shopify-shop-api-call-limit: 32/40\r\n", NULL};
    const char *shop_plus[] = {"X-Shopify-Shop-Api-Call-Limit: 300/400", NULL};
    CHECK(hold_for(SLUICE_LIMITS_SHOPIFY, shop_low) == 0);
    CHECK(hold_for(SLUICE_LIMITS_SHOPIFY, shop_high) == 6.0); /* (32 - 20) / 2 per s */
    CHECK(hold_for(SLUICE_LIMITS_SHOPIFY, shop_plus) == 5.0); /* (300 - 200) / 20 per s */
    CHECK(hold_for(SLUICE_LIMITS_NONE, shop_high) == 0);

    const char *hs_ok[] = {"X-HubSpot-RateLimit-Max: 100", "X-HubSpot-RateLimit-Remaining: 50",
                           "X-HubSpot-RateLimit-Interval-Milliseconds: 10000", NULL};
    const char *hs_low[] = {"X-HubSpot-RateLimit-Max: 100", "X-HubSpot-RateLimit-Remaining: 5",
                            "X-HubSpot-RateLimit-Interval-Milliseconds: 10000", NULL};
    const char *hs_none[] = {"X-HubSpot-RateLimit-Max: 100", "X-HubSpot-RateLimit-Remaining: 0",
                             "X-HubSpot-RateLimit-Interval-Milliseconds: 10000", NULL};
    CHECK(hold_for(SLUICE_LIMITS_HUBSPOT, hs_ok) == 0);
    double low = hold_for(SLUICE_LIMITS_HUBSPOT, hs_low);
    CHECK(low > 0.49 && low < 0.51); /* (10 - 5) x 10 s / 100 */
    CHECK(hold_for(SLUICE_LIMITS_HUBSPOT, hs_none) == 1.0); /* the reserve of 10 back at 10/s */

    sl_rate r;
    sl_rate_init(&r);
    sl_rate_configure(&r, 0, 0, SLUICE_LIMITS_BITRIX24);
    int throttle = 0;
    const char *qle = "{\"error\":\"QUERY_LIMIT_EXCEEDED\",\"error_description\":\"Too many requests\"}";
    CHECK(sl_rate_throttle(&r, 503, qle, strlen(qle), 1000.0, &throttle) < 0 && throttle == 1);
    CHECK(sl_rate_throttle(&r, 503, "{}", 2, 1000.0, &throttle) < 0 && throttle == 0);
    const char *otl = "{\"error\":\"OPERATION_TIME_LIMIT\",\"time\":{\"operating_reset_at\":1030}}";
    CHECK(sl_rate_throttle(&r, 429, otl, strlen(otl), 1000.0, &throttle) == 30.0 && throttle == 1);
    sl_rate_configure(&r, 0, 0, SLUICE_LIMITS_NONE);
    CHECK(sl_rate_throttle(&r, 503, qle, strlen(qle), 1000.0, &throttle) < 0 && throttle == 0);
    CHECK(sl_rate_throttle(&r, 429, "", 0, 1000.0, &throttle) < 0 && throttle == 1);
    sl_rate_destroy(&r);

    /* live: a Shopify bucket at 22/40 delays the next request by ~1 s */
    sluice_http_config cfg = ts_config(&g_srv);
    cfg.limits = SLUICE_LIMITS_SHOPIFY;
    sluice_http *h = sl_http_new_with(&cfg, NULL);
    const char *q[] = {"id", "shopify", "hdr", "X-Shopify-Shop-Api-Call-Limit:22/40", NULL};
    sluice_http_request req = ts_get("s", q);
    sluice_http_response *out;
    double t = ts_now();
    CHECK(sluice_http_send(h, &req, &out) == SLUICE_OK);
    sluice_http_response_free(out);
    CHECK(sluice_http_send(h, &req, &out) == SLUICE_OK);
    sluice_http_response_free(out);
    CHECK(ts_now() - t >= 0.9);
    sluice_http_free(h);
}

static void test_tls(void)
{
    tsrv tls;
    if (!CHECK(tsrv_start(&tls, 1) == 0))
        return;
    sluice_http_config cfg = ts_config(&tls);
    sluice_http_request req = ts_get("s", NULL);
    sluice_http_response *r;

    /* an unknown CA is refused at once: never retried, never a success */
    sluice_http *h = sl_http_new_with(&cfg, NULL);
    CHECK(sluice_http_send(h, &req, &r) == SLUICE_ERROR);
    CHECK(r->status == 0 && r->attempts == 1);
    CHECK(r->error != NULL);
    sluice_http_response_free(r);
    sluice_http_free(h);

    char ca[200];
    snprintf(ca, sizeof ca, "%s/cert.pem", tls.dir);
    cfg.ca_file = ca;
    h = sl_http_new_with(&cfg, NULL);
    CHECK(h != NULL);
    CHECK(sluice_http_send(h, &req, &r) == SLUICE_OK);
    CHECK(r->status == 200);
    sluice_http_response_free(r);
    /* the CA was added to the system bundle, not put in its place */
    struct stat st, sys;
    char *bundle = NULL;
    CURL *e = curl_easy_init();
    curl_easy_getinfo(e, CURLINFO_CAINFO, &bundle);
    if (bundle && stat(bundle, &sys) == 0)
        CHECK(stat(ca, &st) == 0 && h->ca.len == (size_t)sys.st_size + 1 + (size_t)st.st_size);
    curl_easy_cleanup(e);
    sluice_http_free(h);
    tsrv_stop(&tls);
}

int main(void)
{
    if (tsrv_start(&g_srv, 0) != 0)
        return 1;
    test_many();
    test_token_bucket();
    test_adaptive();
    test_tls();
    tsrv_stop(&g_srv);
    return ts_summary();
}
