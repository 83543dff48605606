/* test_http.c - the core's HTTP client (core/http*.c) against the scripted
 * server of tests/http/testserver.py: requests, encoding, retries and
 * their waits, authentication, OAuth2 tokens, stopping.
 *
 * Timing checks are lower bounds (a wait that must happen) or generous
 * upper bounds, so a loaded machine does not make them flaky.
 * Prints "N passed, M failed"; exits 1 on any failure. */
#include <stdlib.h>
#include <string.h>

#include "http_int.h"
#include "testsrv.h"

static tsrv g_srv;

/* Sends req with a fresh client made from cfg; returns the status code and
 * leaves the response in *out. */
static int send1(const sluice_http_config *cfg, const sluice_http_request *req, sluice_http_response **out)
{
    sluice_http *h = sl_http_new_with(cfg, NULL);
    CHECK(h != NULL);
    if (!h) {
        *out = NULL;
        return SLUICE_ERROR;
    }
    int rc = sluice_http_send(h, req, out);
    sluice_http_free(h);
    return rc;
}

static void test_get_and_query(void)
{
    sluice_http_config cfg = ts_config(&g_srv);
    const char *q[] = {"id", "get", "q", "a b&c=d/\xc3\xa9", "empty", "", NULL};
    sluice_http_request req = ts_get("s", q);
    sluice_http_response *r;
    CHECK(send1(&cfg, &req, &r) == SLUICE_OK);
    CHECK(r->status == 200);
    CHECK(r->attempts == 1);
    CHECK(r->error == NULL);
    json_t *j = ts_json(r);
    CHECK_STR(json_string_value(json_object_get(j, "method")), "GET");
    CHECK_STR(json_string_value(json_object_get(j, "rawquery")), "id=get&q=a%20b%26c%3Dd%2F%C3%A9&empty=");
    CHECK_HAS(ts_str2(j, "headers", "user-agent"), "sluice/");
    CHECK_HAS(ts_str2(j, "headers", "accept-encoding"), "gzip");
    CHECK_HAS(r->url, "/s?id=get&q=a%20b");
    CHECK_STR(sluice_http_header(r, "content-TYPE"), "application/json");
    CHECK(sluice_http_header(r, "X-Not-There") == NULL);
    CHECK_HAS(sluice_http_header(r, "date"), " GMT"); /* the server's clock, for watermarks */
    json_decref(j);
    sluice_http_response_free(r);

    /* a query added to a URL that has one; an absolute URL ignores base_url */
    char abs[128];
    snprintf(abs, sizeof abs, "%s/s?id=get2", g_srv.base);
    const char *q2[] = {"x", "1", NULL};
    cfg.base_url = "http://127.0.0.1:1/nowhere";
    req = ts_get(abs, q2);
    CHECK(send1(&cfg, &req, &r) == SLUICE_OK);
    j = ts_json(r);
    CHECK_STR(json_string_value(json_object_get(j, "rawquery")), "id=get2&x=1");
    json_decref(j);
    sluice_http_response_free(r);

    /* base_url with a path and a trailing slash, URL with a leading one */
    char base[128];
    snprintf(base, sizeof base, "%s/", g_srv.base);
    cfg.base_url = base;
    req = ts_get("/s", NULL);
    CHECK(send1(&cfg, &req, &r) == SLUICE_OK && r->status == 200);
    char want[160];
    snprintf(want, sizeof want, "%s/s", g_srv.base);
    CHECK_STR(r->url, want);
    sluice_http_response_free(r);
}

/* Requests of one client share a connection. */
static void test_connection_reuse(void)
{
    sluice_http_config cfg = ts_config(&g_srv);
    sluice_http *h = sl_http_new_with(&cfg, NULL);
    const char *q[] = {"id", "reuse", NULL};
    sluice_http_request req = ts_get("s", q);
    json_int_t peer[3] = {0};
    for (int i = 0; i < 3; i++) {
        sluice_http_response *r;
        CHECK(sluice_http_send(h, &req, &r) == SLUICE_OK);
        json_t *j = ts_json(r);
        peer[i] = json_integer_value(json_object_get(j, "peer"));
        json_decref(j);
        sluice_http_response_free(r);
    }
    CHECK(peer[0] > 0 && peer[0] == peer[1] && peer[1] == peer[2]);
    sluice_http_free(h);
}

static void test_post_put(void)
{
    sluice_http_config cfg = ts_config(&g_srv);
    const char *q[] = {"id", "post", NULL};
    sluice_http_request req = ts_get("s", q);
    req.method = "POST";
    req.body = "{\"a\":1}";
    req.body_len = strlen(req.body);
    sluice_http_response *r;
    CHECK(send1(&cfg, &req, &r) == SLUICE_OK);
    json_t *j = ts_json(r);
    CHECK_STR(json_string_value(json_object_get(j, "method")), "POST");
    CHECK_STR(json_string_value(json_object_get(j, "body")), "{\"a\":1}");
    CHECK_STR(ts_str2(j, "headers", "content-type"), "application/json");
    CHECK(ts_str2(j, "headers", "expect") == NULL);
    json_decref(j);
    sluice_http_response_free(r);

    req.method = "PUT";
    req.body = "a=1";
    req.body_len = 3;
    req.content_type = "text/plain";
    const char *hdrs[] = {"X-Extra: yes", NULL};
    req.headers = hdrs;
    CHECK(send1(&cfg, &req, &r) == SLUICE_OK);
    j = ts_json(r);
    CHECK_STR(json_string_value(json_object_get(j, "method")), "PUT");
    CHECK_STR(json_string_value(json_object_get(j, "body")), "a=1");
    CHECK_STR(ts_str2(j, "headers", "content-type"), "text/plain");
    CHECK_STR(ts_str2(j, "headers", "x-extra"), "yes");
    json_decref(j);
    sluice_http_response_free(r);
}

static void test_gzip_and_json(void)
{
    sluice_http_config cfg = ts_config(&g_srv);
    const char *q[] = {"id", "gz", "gzip", "1", "body", "{\"ok\": [1, 2, 3]}", NULL};
    sluice_http_request req = ts_get("s", q);
    sluice_http_response *r;
    CHECK(send1(&cfg, &req, &r) == SLUICE_OK);
    CHECK_STR(sluice_http_header(r, "Content-Encoding"), "gzip");
    CHECK_STR(r->body, "{\"ok\": [1, 2, 3]}");
    CHECK(r->body_len == strlen("{\"ok\": [1, 2, 3]}"));
    char err[256];
    json_t *j = sluice_http_json(r, err, sizeof err);
    CHECK(json_array_size(json_object_get(j, "ok")) == 3);
    CHECK(err[0] == '\0');
    json_decref(j);
    sluice_http_response_free(r);

    const char *q2[] = {"id", "badjson", "body", "{\"a\": 1,\n  oops}", NULL};
    req = ts_get("s", q2);
    CHECK(send1(&cfg, &req, &r) == SLUICE_OK);
    j = sluice_http_json(r, err, sizeof err);
    CHECK(j == NULL);
    CHECK_HAS(err, "invalid JSON in the response of http://127.0.0.1:");
    CHECK_HAS(err, "/s?id=badjson");
    CHECK_HAS(err, "at line 2 column");
    sluice_http_response_free(r);
}

static void test_retry_then_success(void)
{
    sluice_http_config cfg = ts_config(&g_srv);
    const char *q[] = {"id", "r500", "seq", "500,502,200", NULL};
    sluice_http_request req = ts_get("s", q);
    sluice_http_response *r;
    CHECK(send1(&cfg, &req, &r) == SLUICE_OK);
    CHECK(r->status == 200);
    CHECK(r->attempts == 3);
    CHECK(ts_hits(&g_srv, "r500") == 3);
    sluice_http_response_free(r);
}

static void test_retry_after(void)
{
    sluice_http_config cfg = ts_config(&g_srv);
    const char *q[] = {"id", "ra1", "seq", "429,200", "ra", "1", NULL};
    sluice_http_request req = ts_get("s", q);
    sluice_http_response *r;
    double t = ts_now();
    CHECK(send1(&cfg, &req, &r) == SLUICE_OK);
    CHECK(ts_now() - t >= 1.0); /* backoff alone would be <= 0.1 s */
    CHECK(r->elapsed_s >= 1.0);
    CHECK(r->status == 200 && r->attempts == 2);
    sluice_http_response_free(r);

    const char *q2[] = {"id", "radate", "seq", "503,200", "ra", "date+2", NULL};
    req = ts_get("s", q2);
    t = ts_now();
    CHECK(send1(&cfg, &req, &r) == SLUICE_OK);
    /* an HTTP-date has whole seconds: 2 s ahead is at least 1 s away */
    CHECK(ts_now() - t >= 1.0);
    CHECK(r->status == 200 && r->attempts == 2);
    sluice_http_response_free(r);
}

static void test_retry_after_parse(void)
{
    double now = 1700000000.0; /* Tue, 14 Nov 2023 22:13:20 GMT */
    CHECK(sl_http_retry_after("2", now) == 2.0);
    CHECK(sl_http_retry_after(" 2.0 ", now) == 2.0);
    CHECK(sl_http_retry_after("0.5", now) == 0.5);
    CHECK(sl_http_retry_after("Tue, 14 Nov 2023 22:13:25 GMT", now) == 5.0);
    CHECK(sl_http_retry_after("Tuesday, 14-Nov-23 22:13:25 GMT", now) == 5.0); /* RFC 850 */
    CHECK(sl_http_retry_after("Tue Nov 14 22:13:25 2023", now) == 5.0);       /* asctime */
    CHECK(sl_http_retry_after("Tue, 14 Nov 2023 22:00:00 GMT", now) == 0.0);  /* past */
    CHECK(sl_http_retry_after("soon", now) < 0);
    CHECK(sl_http_retry_after("-3", now) < 0);
    CHECK(sl_http_retry_after(NULL, now) < 0);
}

static void test_give_up_and_no_retry(void)
{
    sluice_http_config cfg = ts_config(&g_srv);
    cfg.max_attempts = 3;
    const char *q[] = {"id", "always503", "seq", "503", NULL};
    sluice_http_request req = ts_get("s", q);
    sluice_http_response *r;
    CHECK(send1(&cfg, &req, &r) == SLUICE_RETRY);
    CHECK(r->status == 503);
    CHECK(r->attempts == 3);
    CHECK(ts_hits(&g_srv, "always503") == 3);
    sluice_http_response_free(r);

    /* attempts = 1 on the request: never retried */
    const char *q1[] = {"id", "once503", "seq", "503", NULL};
    req = ts_get("s", q1);
    req.attempts = 1;
    CHECK(send1(&cfg, &req, &r) == SLUICE_RETRY);
    CHECK(r->attempts == 1 && ts_hits(&g_srv, "once503") == 1);
    sluice_http_response_free(r);

    static const char *const codes[] = {"404", "400", "422", "403", NULL};
    for (const char *const *c = codes; *c; c++) {
        char key[32];
        snprintf(key, sizeof key, "no%s", *c);
        const char *q2[] = {"id", key, "seq", *c, NULL};
        req = ts_get("s", q2);
        CHECK(send1(&cfg, &req, &r) == SLUICE_OK);
        CHECK(r->status == strtol(*c, NULL, 10));
        CHECK(r->attempts == 1);
        CHECK(ts_hits(&g_srv, key) == 1);
        sluice_http_response_free(r);
    }
}

static void test_transport_errors(void)
{
    sluice_http_config cfg = ts_config(&g_srv);
    /* a fresh client: the first connection is new, so curl itself does not
     * silently re-send on it */
    const char *q[] = {"id", "drop", "seq", "drop,200", NULL};
    sluice_http_request req = ts_get("s", q);
    sluice_http_response *r;
    CHECK(send1(&cfg, &req, &r) == SLUICE_OK);
    CHECK(r->status == 200 && r->attempts == 2);
    CHECK(r->error == NULL);
    CHECK(ts_hits(&g_srv, "drop") == 2);
    sluice_http_response_free(r);

    cfg.timeout_ms = 300;
    const char *q2[] = {"id", "slow", "seq", "slow,200", "slow", "2", NULL};
    req = ts_get("s", q2);
    CHECK(send1(&cfg, &req, &r) == SLUICE_OK);
    CHECK(r->status == 200 && r->attempts == 2);
    sluice_http_response_free(r);

    /* always timing out: RETRY with the transport error and no status */
    cfg.max_attempts = 2;
    const char *q3[] = {"id", "slow2", "seq", "slow", "slow", "2", NULL};
    req = ts_get("s", q3);
    CHECK(send1(&cfg, &req, &r) == SLUICE_RETRY);
    CHECK(r->status == 0 && r->attempts == 2);
    CHECK_HAS(r->error, "timed out");
    sluice_http_response_free(r);

    /* nothing listens: connection refused, retried, then RETRY */
    cfg.base_url = "http://127.0.0.1:1";
    req = ts_get("x", NULL);
    CHECK(send1(&cfg, &req, &r) == SLUICE_RETRY);
    CHECK(r->status == 0 && r->attempts == 2 && r->error != NULL);
    sluice_http_response_free(r);
}

static void test_bad_requests(void)
{
    sluice_http_config cfg = ts_config(&g_srv);
    sluice_http_response *r;
    sluice_http_request req = ts_get("ftp://127.0.0.1/x", NULL);
    CHECK(send1(&cfg, &req, &r) == SLUICE_ERROR);
    CHECK_HAS(r->error, "only http and https");
    sluice_http_response_free(r);

    cfg.base_url = NULL;
    req = ts_get("relative", NULL);
    CHECK(send1(&cfg, &req, &r) == SLUICE_ERROR);
    CHECK_HAS(r->error, "no base_url");
    sluice_http_response_free(r);

    cfg = ts_config(&g_srv);
    const char *odd[] = {"a", NULL};
    req = ts_get("s", odd);
    CHECK(send1(&cfg, &req, &r) == SLUICE_ERROR);
    CHECK_HAS(r->error, "name, value pairs");
    sluice_http_response_free(r);

    req = ts_get("s", NULL);
    req.struct_size = 0;
    CHECK(send1(&cfg, &req, &r) == SLUICE_ERROR);
    CHECK_HAS(r->error, "struct_size");
    sluice_http_response_free(r);

    cfg.struct_size = 0;
    CHECK(sl_http_new_with(&cfg, NULL) == NULL);
    cfg = ts_config(&g_srv);
    cfg.auth = SLUICE_AUTH_BEARER; /* no token */
    CHECK(sl_http_new_with(&cfg, NULL) == NULL);
    cfg.auth = SLUICE_AUTH_NONE;
    cfg.ca_file = "/nonexistent/ca.pem";
    CHECK(sl_http_new_with(&cfg, NULL) == NULL);
}

static json_t *echo_with(sluice_http_config *cfg, const char *key, sluice_http_response **out)
{
    const char *q[] = {"id", key, NULL};
    sluice_http_request req = ts_get("s", q);
    CHECK(send1(cfg, &req, out) == SLUICE_OK);
    return ts_json(*out);
}

static void test_static_auth(void)
{
    sluice_http_config cfg = ts_config(&g_srv);
    sluice_http_response *r;
    cfg.auth = SLUICE_AUTH_BEARER;
    cfg.token = "bearer-tok-123";
    json_t *j = echo_with(&cfg, "bearer", &r);
    CHECK_STR(ts_str2(j, "headers", "authorization"), "Bearer bearer-tok-123");
    json_decref(j);
    sluice_http_response_free(r);

    cfg.auth = SLUICE_AUTH_BASIC;
    cfg.username = "user";
    cfg.password = "pa55word";
    j = echo_with(&cfg, "basic", &r);
    CHECK_STR(ts_str2(j, "headers", "authorization"), "Basic dXNlcjpwYTU1d29yZA==");
    json_decref(j);
    sluice_http_response_free(r);

    cfg.auth = SLUICE_AUTH_HEADER;
    cfg.auth_name = "X-Shopify-Access-Token";
    cfg.token = "shpat_secret1";
    j = echo_with(&cfg, "header", &r);
    CHECK_STR(ts_str2(j, "headers", "x-shopify-access-token"), "shpat_secret1");
    CHECK(ts_str2(j, "headers", "authorization") == NULL);
    json_decref(j);
    sluice_http_response_free(r);

    cfg.auth = SLUICE_AUTH_QUERY;
    cfg.auth_name = "auth";
    cfg.token = "q-tok/456";
    j = echo_with(&cfg, "query", &r);
    CHECK_STR(json_string_value(json_object_get(j, "rawquery")), "id=query&auth=q-tok%2F456");
    CHECK_HAS(r->url, "auth=***");
    CHECK_LACKS(r->url, "456");
    json_decref(j);
    sluice_http_response_free(r);
}

/* The server's count of token requests and the last form it got. */
static long token_requests(json_t **last_form)
{
    json_t *s = ts_stats(&g_srv, NULL);
    long n = (long)json_integer_value(json_object_get(s, "token_requests"));
    if (last_form) {
        json_t *forms = json_object_get(s, "token_forms");
        *last_form = json_incref(json_array_get(forms, json_array_size(forms) - 1));
    }
    json_decref(s);
    return n;
}

static int get_api(sluice_http *h, sluice_http_response **r)
{
    sluice_http_request req = ts_get("api", NULL);
    return sluice_http_send(h, &req, r);
}

static void server_call(const char *path, const char *const *q)
{
    sluice_http_config cfg = ts_config(&g_srv);
    sluice_http_request req = ts_get(path, q);
    sluice_http_response *r;
    CHECK(send1(&cfg, &req, &r) == SLUICE_OK && r->status == 200);
    sluice_http_response_free(r);
}

static void test_oauth_client(void)
{
    server_call("oauth/set", NULL);
    sluice_http_config cfg = ts_config(&g_srv);
    cfg.auth = SLUICE_AUTH_OAUTH2_CLIENT;
    cfg.token_url = "token";
    cfg.client_id = "cid";
    cfg.client_secret = "csecret";
    cfg.scope = "crm.read";
    sluice_http *h = sl_http_new_with(&cfg, NULL);
    sluice_http_response *r;
    for (int i = 0; i < 3; i++) {
        CHECK(get_api(h, &r) == SLUICE_OK);
        CHECK(r->status == 200 && r->attempts == 1);
        sluice_http_response_free(r);
    }
    json_t *form;
    CHECK(token_requests(&form) == 1); /* fetched once, cached */
    CHECK_STR(json_string_value(json_object_get(form, "grant_type")), "client_credentials");
    CHECK_STR(json_string_value(json_object_get(form, "client_id")), "cid");
    CHECK_STR(json_string_value(json_object_get(form, "client_secret")), "csecret");
    CHECK_STR(json_string_value(json_object_get(form, "scope")), "crm.read");
    json_decref(form);

    /* the server forgets the token: 401, one refresh, success */
    server_call("oauth/invalidate", NULL);
    CHECK(get_api(h, &r) == SLUICE_OK);
    CHECK(r->status == 200);
    CHECK(r->attempts == 2);
    sluice_http_response_free(r);
    CHECK(token_requests(NULL) == 2);

    /* a URL that always answers 401: exactly one refresh, then the 401 */
    const char *q[] = {"id", "always401", "seq", "401", NULL};
    sluice_http_request req = ts_get("s", q);
    CHECK(sluice_http_send(h, &req, &r) == SLUICE_OK);
    CHECK(r->status == 401 && r->attempts == 2);
    sluice_http_response_free(r);
    CHECK(token_requests(NULL) == 3);
    CHECK(ts_hits(&g_srv, "always401") == 2);
    sluice_http_free(h);

    /* a refused client secret: the request fails with the endpoint's word */
    cfg.client_secret = "wrong-secret";
    h = sl_http_new_with(&cfg, NULL);
    CHECK(get_api(h, &r) == SLUICE_ERROR);
    CHECK_HAS(r->error, "answered HTTP 401: invalid_client");
    sluice_http_response_free(r);
    sluice_http_free(h);
}

/* A state store of one stage: a JSON object. */
static json_t *kv_get(void *arg, const char *key) { return json_incref(json_object_get(arg, key)); }
static int kv_put(void *arg, const char *key, json_t *v)
{
    return json_object_set(arg, key, v) == 0 ? SLUICE_OK : SLUICE_EIO;
}

static void test_oauth_refresh_rotation(void)
{
    const char *q[] = {"refresh", "rt-0", "rotate", "1", NULL};
    server_call("oauth/set", q);
    json_t *kv = json_object();
    sl_http_hooks hooks = {.kv_get = kv_get, .kv_put = kv_put, .arg = kv};
    sluice_http_config cfg = ts_config(&g_srv);
    cfg.auth = SLUICE_AUTH_OAUTH2_REFRESH;
    char url[128];
    snprintf(url, sizeof url, "%s/token", g_srv.base); /* absolute this time */
    cfg.token_url = url;
    cfg.client_id = "cid";
    cfg.client_secret = "csecret";
    cfg.refresh_token = "rt-0";
    sluice_http *h = sl_http_new_with(&cfg, &hooks);
    sluice_http_response *r;
    CHECK(get_api(h, &r) == SLUICE_OK && r->status == 200);
    sluice_http_response_free(r);
    json_t *form;
    CHECK(token_requests(&form) == 1);
    CHECK_STR(json_string_value(json_object_get(form, "grant_type")), "refresh_token");
    CHECK_STR(json_string_value(json_object_get(form, "refresh_token")), "rt-0");
    json_decref(form);
    CHECK_STR(json_string_value(json_object_get(kv, "oauth_refresh_token")), "rt-1");

    /* the next refresh sends the rotated token */
    server_call("oauth/invalidate", NULL);
    CHECK(get_api(h, &r) == SLUICE_OK && r->status == 200 && r->attempts == 2);
    sluice_http_response_free(r);
    CHECK(token_requests(&form) == 2);
    CHECK_STR(json_string_value(json_object_get(form, "refresh_token")), "rt-1");
    json_decref(form);
    CHECK_STR(json_string_value(json_object_get(kv, "oauth_refresh_token")), "rt-2");
    sluice_http_free(h);

    /* a later run: the stored token wins over the stale one in the config */
    h = sl_http_new_with(&cfg, &hooks);
    CHECK(get_api(h, &r) == SLUICE_OK && r->status == 200);
    sluice_http_response_free(r);
    CHECK(token_requests(&form) == 3);
    CHECK_STR(json_string_value(json_object_get(form, "refresh_token")), "rt-2");
    json_decref(form);
    sluice_http_free(h);

    /* without the store the stale token is refused: an error, not a retry */
    h = sl_http_new_with(&cfg, NULL);
    CHECK(get_api(h, &r) == SLUICE_ERROR);
    CHECK_HAS(r->error, "invalid_grant");
    CHECK_LACKS(r->error, "rt-0");
    sluice_http_response_free(r);
    sluice_http_free(h);
    json_decref(kv);
}

static double g_stop_at;
static int stop_after(void *arg) { return ts_now() >= g_stop_at; }

static void test_stop(void)
{
    sluice_http_config cfg = ts_config(&g_srv);
    sluice_http *h = sl_http_new_standalone(&cfg, stop_after, NULL);
    const char *q[] = {"id", "stop", "seq", "429", "ra", "30", NULL};
    sluice_http_request req = ts_get("s", q);
    sluice_http_response *r;
    double t = ts_now();
    g_stop_at = t + 0.3;
    CHECK(sluice_http_send(h, &req, &r) == SLUICE_STOPPED);
    CHECK(ts_now() - t < 10); /* not the 30 s Retry-After */
    CHECK(r->status == 429 && r->attempts == 1);
    sluice_http_response_free(r);

    /* a slow answer is cut off too */
    const char *q2[] = {"id", "stopslow", "seq", "slow", "slow", "20", NULL};
    req = ts_get("s", q2);
    t = ts_now();
    g_stop_at = t + 0.3;
    CHECK(sluice_http_send(h, &req, &r) == SLUICE_STOPPED);
    CHECK(ts_now() - t < 10);
    CHECK_HAS(r->error, "stopping");
    sluice_http_response_free(r);
    sluice_http_free(h);
}

/* Log lines of the client, for the retry message. */
static char g_logs[8192];
static void keep_log(void *arg, int level, const char *msg)
{
    size_t n = strlen(g_logs);
    snprintf(g_logs + n, sizeof g_logs - n, "%d %s\n", level, msg);
}

static void test_retry_log(void)
{
    sluice_http_config cfg = ts_config(&g_srv);
    cfg.auth = SLUICE_AUTH_QUERY;
    cfg.auth_name = "api_key";
    cfg.token = "log-secret-789";
    cfg.max_attempts = 3;
    sl_http_hooks hooks = {.log = keep_log};
    g_logs[0] = '\0';
    sluice_http *h = sl_http_new_with(&cfg, &hooks);
    const char *q[] = {"id", "logged", "seq", "503,200", NULL};
    sluice_http_request req = ts_get("s", q);
    sluice_http_response *r;
    CHECK(sluice_http_send(h, &req, &r) == SLUICE_OK);
    sluice_http_response_free(r);
    sluice_http_free(h);
    CHECK_HAS(g_logs, "1 GET http://127.0.0.1:"); /* level 1: WARN */
    CHECK_HAS(g_logs, "api_key=***");
    CHECK_HAS(g_logs, "HTTP 503 (attempt 1 of 3), retrying in ");
    CHECK_LACKS(g_logs, "log-secret-789");
}

int main(void)
{
    if (tsrv_start(&g_srv, 0) != 0)
        return 1;
    test_retry_after_parse();
    test_get_and_query();
    test_connection_reuse();
    test_post_put();
    test_gzip_and_json();
    test_retry_then_success();
    test_retry_after();
    test_give_up_and_no_retry();
    test_transport_errors();
    test_bad_requests();
    test_static_auth();
    test_oauth_client();
    test_oauth_refresh_rotation();
    test_stop();
    test_retry_log();
    tsrv_stop(&g_srv);
    return ts_summary();
}
