/* http_auth.c - credentials on every request: static ones (bearer, basic,
 * API key in a header or the query) and OAuth2 access tokens fetched from
 * token_url (client_credentials or refresh_token grant), cached until a
 * minute before they expire, dropped on a 401 so the request's one retry
 * fetches a new one. A refresh token the server rotates is kept in the
 * stage's state store under "oauth_refresh_token", and a later run prefers
 * it to the one in the config (which the server no longer accepts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_int.h"
#include "http_redact.h"

#define KV_REFRESH "oauth_refresh_token"

int sl_auth_is_oauth(const sluice_http *c)
{
    return c->cfg.auth == SLUICE_AUTH_OAUTH2_CLIENT || c->cfg.auth == SLUICE_AUTH_OAUTH2_REFRESH;
}

static int need(const char *v, const char *what, const char *auth, char *err, size_t errlen)
{
    if (v && *v)
        return 0;
    snprintf(err, errlen, "HTTP auth %s needs %s", auth, what);
    return -1;
}

int sl_auth_check(const sluice_http_config *cfg, char *err, size_t errlen)
{
    switch (cfg->auth) {
    case SLUICE_AUTH_NONE:
        return 0;
    case SLUICE_AUTH_BEARER:
        return need(cfg->token, "a token", "bearer", err, errlen);
    case SLUICE_AUTH_BASIC:
        return need(cfg->username, "a username", "basic", err, errlen);
    case SLUICE_AUTH_HEADER:
    case SLUICE_AUTH_QUERY: {
        const char *a = cfg->auth == SLUICE_AUTH_HEADER ? "header" : "query";
        return need(cfg->token, "a token", a, err, errlen) || need(cfg->auth_name, "auth_name", a, err, errlen)
                   ? -1 : 0;
    }
    case SLUICE_AUTH_OAUTH2_CLIENT:
        return need(cfg->token_url, "token_url", "oauth2_client", err, errlen) ||
                       need(cfg->client_id, "client_id", "oauth2_client", err, errlen) ||
                       need(cfg->client_secret, "client_secret", "oauth2_client", err, errlen)
                   ? -1 : 0;
    case SLUICE_AUTH_OAUTH2_REFRESH:
        return need(cfg->token_url, "token_url", "oauth2_refresh", err, errlen) ||
                       need(cfg->client_id, "client_id", "oauth2_refresh", err, errlen)
                   ? -1 : 0;
    default:
        snprintf(err, errlen, "unknown HTTP auth %d", cfg->auth);
        return -1;
    }
}

int sl_auth_init(sluice_http *c, char *err, size_t errlen)
{
    const sluice_http_config *k = &c->cfg;
    if (sl_secret_add(k->token) || sl_secret_add(k->password) || sl_secret_add(k->client_secret) ||
        sl_secret_add(k->refresh_token)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (k->auth != SLUICE_AUTH_OAUTH2_REFRESH)
        return 0;
    json_t *stored = c->hooks.kv_get ? c->hooks.kv_get(c->hooks.arg, KV_REFRESH) : NULL;
    const char *rt = json_string_value(stored);
    if (rt && *rt)
        sl_secret_add(rt);
    else
        rt = k->refresh_token;
    c->oa.refresh = rt && *rt ? strdup(rt) : NULL;
    json_decref(stored);
    if (!c->oa.refresh) {
        snprintf(err, errlen, "HTTP auth oauth2_refresh needs a refresh_token");
        return -1;
    }
    return 0;
}

void sl_auth_free(sluice_http *c)
{
    free(c->oa.access);
    free(c->oa.refresh);
    if (c->oa.easy)
        curl_easy_cleanup(c->oa.easy);
    c->oa.access = c->oa.refresh = NULL;
    c->oa.easy = NULL;
}

void sl_auth_invalidate(sluice_http *c, unsigned gen)
{
    if (gen != c->oa.gen)
        return;
    free(c->oa.access);
    c->oa.access = NULL;
}

/* The form of the token request (caller frees), or NULL when out of memory. */
static char *token_form(sluice_http *c)
{
    const sluice_http_config *k = &c->cfg;
    char *f = strdup("");
    size_t n = 0;
    int bad = !f;
    if (k->auth == SLUICE_AUTH_OAUTH2_CLIENT) {
        bad = bad || sl_http_form_add(&f, &n, "grant_type", "client_credentials");
    } else {
        bad = bad || sl_http_form_add(&f, &n, "grant_type", "refresh_token");
        bad = bad || sl_http_form_add(&f, &n, "refresh_token", c->oa.refresh);
    }
    bad = bad || sl_http_form_add(&f, &n, "client_id", k->client_id);
    if (k->client_secret)
        bad = bad || sl_http_form_add(&f, &n, "client_secret", k->client_secret);
    if (k->scope && *k->scope)
        bad = bad || sl_http_form_add(&f, &n, "scope", k->scope);
    if (bad) {
        free(f);
        return NULL;
    }
    return f;
}

static int xferinfo_stop(void *p, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    return sl_http_stopping(p);
}

/* One exchange with the token endpoint, retried like any request. */
typedef struct tok_xfer {
    char *url, *form; /* owned */
    struct curl_slist *hdrs;
    sl_buf body;
    sl_headers headers;
    char errbuf[CURL_ERROR_SIZE];
    CURLcode cc;
    long status;
} tok_xfer;

static void tok_attempt(sluice_http *c, tok_xfer *t)
{
    CURL *e = c->oa.easy;
    sl_buf_free(&t->body);
    sl_headers_clear(&t->headers);
    curl_easy_reset(e);
    sl_http_common_opts(c, e, t->errbuf);
    curl_easy_setopt(e, CURLOPT_URL, t->url);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, t->form);
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(t->form));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, t->hdrs);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sl_buf_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &t->body);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, sl_headers_write);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, &t->headers);
    curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, xferinfo_stop);
    curl_easy_setopt(e, CURLOPT_XFERINFODATA, c);
    t->cc = curl_easy_perform(e);
    t->status = 0;
    if (t->cc == CURLE_OK)
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &t->status);
}

/* Runs the attempts; SLUICE_OK when a response arrived that is not
 * retried, else why not. */
static int tok_run(sluice_http *c, tok_xfer *t)
{
    for (int attempt = 1;; attempt++) {
        tok_attempt(c, t);
        if (t->cc == CURLE_ABORTED_BY_CALLBACK)
            return SLUICE_STOPPED;
        int transient = t->cc != CURLE_OK ? sl_http_curl_transient(t->cc, t->errbuf)
                                          : sl_http_status_transient(t->status);
        if (!transient)
            return t->cc == CURLE_OK ? SLUICE_OK : SLUICE_ERROR;
        if (attempt >= c->cfg.max_attempts)
            return SLUICE_RETRY;
        double wait = sl_http_retry_after(sl_headers_get(&t->headers, "Retry-After"), sl_http_now_real());
        if (wait < 0 || wait > SL_HTTP_MAX_RETRY_AFTER_S)
            wait = sl_http_backoff(c, attempt);
        char why[CURL_ERROR_SIZE + 32];
        if (t->cc != CURLE_OK)
            snprintf(why, sizeof why, "%s", t->errbuf[0] ? t->errbuf : curl_easy_strerror(t->cc));
        else
            snprintf(why, sizeof why, "HTTP %ld", t->status);
        sl_http_log(c, SLUICE_LOG_WARN, "OAuth2 token request to %s: %s (attempt %d of %d), retrying in %.1f s",
                    t->url, why, attempt, c->cfg.max_attempts, wait);
        if (sl_http_wait(c, wait) != SLUICE_OK)
            return SLUICE_STOPPED;
    }
}

static double number_of(json_t *v)
{
    if (json_is_number(v))
        return json_number_value(v);
    const char *s = json_string_value(v);
    return s ? strtod(s, NULL) : 0;
}

/* A rotated refresh token: kept, and stored for the next run. */
static void rotate_refresh(sluice_http *c, const char *rt)
{
    if (c->cfg.auth != SLUICE_AUTH_OAUTH2_REFRESH || !rt || !*rt || (c->oa.refresh && strcmp(rt, c->oa.refresh) == 0))
        return;
    sl_secret_add(rt);
    char *copy = strdup(rt);
    if (!copy)
        return;
    free(c->oa.refresh);
    c->oa.refresh = copy;
    json_t *v = json_string(rt);
    int rc = v && c->hooks.kv_put ? c->hooks.kv_put(c->hooks.arg, KV_REFRESH, v) : SLUICE_OK;
    json_decref(v);
    if (!v || rc != SLUICE_OK)
        sl_http_log(c, SLUICE_LOG_WARN, "the rotated OAuth2 refresh token could not be stored: "
                                        "the next run may be refused by the token endpoint");
}

/* Takes the token out of a 2xx answer. */
static int tok_take(sluice_http *c, tok_xfer *t, char *msg, size_t msglen)
{
    json_t *j = json_loadb(t->body.p ? t->body.p : "", t->body.len, 0, NULL);
    const char *at = json_string_value(json_object_get(j, "access_token"));
    if (!at || !*at) {
        snprintf(msg, msglen, "OAuth2 token response of %s has no access_token", t->url);
        json_decref(j);
        return SLUICE_ERROR;
    }
    sl_secret_add(at);
    char *copy = strdup(at);
    if (!copy) {
        json_decref(j);
        return SLUICE_ENOMEM;
    }
    free(c->oa.access);
    c->oa.access = copy;
    c->oa.gen++;
    double ttl = number_of(json_object_get(j, "expires_in"));
    /* A minute's margin, but never less than half the lifetime. */
    double margin = ttl / 2 < 60 ? ttl / 2 : 60;
    c->oa.expires_at = ttl > 0 ? sl_http_now() + ttl - margin : 0;
    rotate_refresh(c, json_string_value(json_object_get(j, "refresh_token")));
    json_decref(j);
    return SLUICE_OK;
}

/* The error of a refusing token endpoint, with its "error" and
 * "error_description" when the body is the usual OAuth2 JSON. */
static void tok_refused(tok_xfer *t, char *msg, size_t msglen)
{
    json_t *j = json_loadb(t->body.p ? t->body.p : "", t->body.len, 0, NULL);
    const char *e = json_string_value(json_object_get(j, "error"));
    const char *d = json_string_value(json_object_get(j, "error_description"));
    snprintf(msg, msglen, "OAuth2 token request to %s answered HTTP %ld%s%s%s%s", t->url, t->status,
             e ? ": " : "", e ? e : "", d ? ": " : "", d ? d : "");
    json_decref(j);
}

static struct curl_slist *tok_headers(void)
{
    static const char *const lines[] = {"Content-Type: application/x-www-form-urlencoded",
                                        "Accept: application/json", "Expect:", NULL};
    struct curl_slist *h = NULL;
    for (const char *const *l = lines; *l; l++) {
        struct curl_slist *n = curl_slist_append(h, *l);
        if (!n) {
            curl_slist_free_all(h);
            return NULL;
        }
        h = n;
    }
    return h;
}

/* Fetches a new access token; on failure r gets the error. */
static int fetch_token(sluice_http *c, sl_resp *r)
{
    tok_xfer t = {0};
    char msg[1024] = "out of memory";
    int rc = SLUICE_ENOMEM;
    if (!c->oa.easy)
        c->oa.easy = curl_easy_init();
    t.url = sl_http_join(c, c->cfg.token_url);
    t.form = token_form(c);
    t.hdrs = tok_headers();
    if (c->oa.easy && t.url && t.form && t.hdrs) {
        rc = tok_run(c, &t);
        if (rc == SLUICE_STOPPED) {
            snprintf(msg, sizeof msg, "the run is stopping");
        } else if (t.cc != CURLE_OK) {
            snprintf(msg, sizeof msg, "OAuth2 token request to %s failed: %s", t.url,
                     t.errbuf[0] ? t.errbuf : curl_easy_strerror(t.cc));
        } else if (t.status < 200 || t.status > 299) {
            tok_refused(&t, msg, sizeof msg);
            if (rc == SLUICE_OK)
                rc = SLUICE_ERROR;
        } else {
            rc = tok_take(c, &t, msg, sizeof msg);
            if (rc == SLUICE_OK)
                sl_http_log(c, SLUICE_LOG_DEBUG, "new OAuth2 access token from %s", t.url);
        }
    }
    if (rc != SLUICE_OK)
        sl_resp_set_error(r, msg);
    free(t.url);
    free(t.form);
    curl_slist_free_all(t.hdrs);
    sl_buf_free(&t.body);
    sl_headers_clear(&t.headers);
    return rc;
}

/* Appends "<fmt...>" as one header line; 0 or -1. The formatted line holds
 * a secret: it is wiped before it is freed. */
static int add_header(struct curl_slist **hdrs, const char *a, const char *b, const char *c)
{
    size_t n = strlen(a) + strlen(b) + strlen(c) + 1;
    char *line = malloc(n);
    if (!line)
        return -1;
    snprintf(line, n, "%s%s%s", a, b, c);
    struct curl_slist *l = curl_slist_append(*hdrs, line);
    memset(line, 0, n);
    free(line);
    if (!l)
        return -1;
    *hdrs = l;
    return 0;
}

int sl_auth_apply(sluice_http *c, CURL *e, struct curl_slist **hdrs, unsigned *gen, sl_resp *r)
{
    const sluice_http_config *k = &c->cfg;
    *gen = 0;
    switch (k->auth) {
    case SLUICE_AUTH_BEARER:
        return add_header(hdrs, "Authorization: Bearer ", k->token, "") ? SLUICE_ENOMEM : SLUICE_OK;
    case SLUICE_AUTH_HEADER:
        return add_header(hdrs, k->auth_name, ": ", k->token) ? SLUICE_ENOMEM : SLUICE_OK;
    case SLUICE_AUTH_BASIC:
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        curl_easy_setopt(e, CURLOPT_USERNAME, k->username);
        curl_easy_setopt(e, CURLOPT_PASSWORD, k->password ? k->password : "");
        return SLUICE_OK;
    case SLUICE_AUTH_OAUTH2_CLIENT:
    case SLUICE_AUTH_OAUTH2_REFRESH:
        if (!c->oa.access || (c->oa.expires_at > 0 && sl_http_now() >= c->oa.expires_at)) {
            int rc = fetch_token(c, r);
            if (rc != SLUICE_OK)
                return rc;
        }
        *gen = c->oa.gen;
        return add_header(hdrs, "Authorization: Bearer ", c->oa.access, "") ? SLUICE_ENOMEM : SLUICE_OK;
    default: /* NONE; QUERY is part of the URL */
        return SLUICE_OK;
    }
}
