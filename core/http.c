/* http.c - the HTTP client plugins get through sluice/http.h: creation
 * from a config (defaults, owned copies, the CA bundle), the options every
 * transfer shares, and the stage's stop flag, state store and log reached
 * through hooks. Transfers are in http_send.c. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h" /* sl_host_table */
#include "engine.h" /* sl_engine_count_http */
#include "http_int.h"
#include "http_redact.h"
#include "log.h"

static pthread_once_t g_curl_once = PTHREAD_ONCE_INIT;
static CURLcode g_curl_rc = CURLE_FAILED_INIT;

/* curl_global_init is not thread-safe in every libcurl: once, whoever
 * comes first. */
static void curl_init_once(void) { g_curl_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

double sl_http_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double sl_http_now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int sl_http_stopping(sluice_http *c) { return c->hooks.should_stop && c->hooks.should_stop(c->hooks.arg); }

void sl_http_log(sluice_http *c, int level, const char *fmt, ...)
{
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->hooks.log)
        c->hooks.log(c->hooks.arg, level, msg);
    else
        sl_log(level, "http", "%s", msg);
}

/* The string fields of sluice_http_config: the client owns copies. */
static const size_t g_str_fields[] = {
    offsetof(sluice_http_config, base_url),      offsetof(sluice_http_config, ca_file),
    offsetof(sluice_http_config, user_agent),    offsetof(sluice_http_config, token),
    offsetof(sluice_http_config, auth_name),     offsetof(sluice_http_config, username),
    offsetof(sluice_http_config, password),      offsetof(sluice_http_config, token_url),
    offsetof(sluice_http_config, client_id),     offsetof(sluice_http_config, client_secret),
    offsetof(sluice_http_config, refresh_token), offsetof(sluice_http_config, scope),
};
#define N_STR_FIELDS (sizeof g_str_fields / sizeof g_str_fields[0])

static const char **str_field(sluice_http_config *k, size_t i)
{
    return (const char **)(void *)((char *)k + g_str_fields[i]);
}

static void apply_defaults(sluice_http_config *k)
{
    if (k->connect_timeout_ms <= 0)
        k->connect_timeout_ms = 10000;
    if (k->timeout_ms <= 0)
        k->timeout_ms = 120000;
    if (k->low_speed_limit <= 0)
        k->low_speed_limit = 1;
    if (k->low_speed_time_s <= 0)
        k->low_speed_time_s = 30;
    if (k->max_attempts <= 0)
        k->max_attempts = 6;
    if (k->backoff_initial_ms <= 0)
        k->backoff_initial_ms = 1000;
    if (k->backoff_max_ms <= 0)
        k->backoff_max_ms = 60000;
    if (k->backoff_max_ms < k->backoff_initial_ms)
        k->backoff_max_ms = k->backoff_initial_ms;
    if (k->max_concurrency <= 0)
        k->max_concurrency = 4;
}

/* Copies cfg (as much of it as the caller's struct_size covers) with
 * defaults applied and every string duplicated. */
static int copy_config(sluice_http *c, const sluice_http_config *in, char *err, size_t errlen)
{
    if (!in || in->struct_size < offsetof(sluice_http_config, base_url) + sizeof in->base_url) {
        snprintf(err, errlen, "sluice_http_config.struct_size is not set");
        return -1;
    }
    memcpy(&c->cfg, in, in->struct_size < sizeof c->cfg ? in->struct_size : sizeof c->cfg);
    c->cfg.struct_size = sizeof c->cfg;
    const char *orig[N_STR_FIELDS];
    for (size_t i = 0; i < N_STR_FIELDS; i++) {
        orig[i] = *str_field(&c->cfg, i);
        *str_field(&c->cfg, i) = NULL; /* so a failure half way frees only copies */
    }
    if (!orig[2]) /* user_agent */
        orig[2] = "sluice/" SLUICE_VERSION;
    for (size_t i = 0; i < N_STR_FIELDS; i++) {
        if (orig[i] && !(*str_field(&c->cfg, i) = strdup(orig[i]))) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    apply_defaults(&c->cfg);
    return 0;
}

static int read_all(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    sl_buf b = {0};
    char chunk[16384];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (sl_buf_write(chunk, 1, n, &b) != n)
            break;
    int bad = ferror(f) || b.full;
    int saved = errno;
    fclose(f);
    if (bad) {
        sl_buf_free(&b);
        errno = saved ? saved : ENOMEM;
        return -1;
    }
    *out = b.p ? b.p : strdup("");
    *len = b.len;
    return *out ? 0 : -1;
}

/* CURLOPT_CAINFO replaces the default bundle; ca_file must add a CA, so
 * the blob holds the system bundle followed by ca_file. */
static int load_ca(sluice_http *c, char *err, size_t errlen)
{
    if (!c->cfg.ca_file || !*c->cfg.ca_file)
        return 0;
    char *extra = NULL, *sys = NULL, *path = NULL;
    size_t elen = 0, slen = 0;
    if (read_all(c->cfg.ca_file, &extra, &elen) != 0) {
        snprintf(err, errlen, "cannot read ca_file %s: %s", c->cfg.ca_file, strerror(errno));
        return -1;
    }
    CURL *e = curl_easy_init();
    if (e && curl_easy_getinfo(e, CURLINFO_CAINFO, &path) == CURLE_OK && path)
        (void)read_all(path, &sys, &slen); /* no system bundle: ca_file alone */
    if (e)
        curl_easy_cleanup(e);
    char *all = malloc(slen + 1 + elen + 1);
    if (all) {
        if (slen)
            memcpy(all, sys, slen);
        all[slen] = '\n';
        memcpy(all + slen + 1, extra, elen);
        all[slen + 1 + elen] = '\0';
        c->ca.data = all;
        c->ca.len = slen + 1 + elen;
        c->ca.flags = CURL_BLOB_NOCOPY; /* lives as long as the client */
    }
    free(sys);
    free(extra);
    if (!all)
        snprintf(err, errlen, "out of memory");
    return all ? 0 : -1;
}

void sl_http_common_opts(sluice_http *c, CURL *e, char *errbuf)
{
    const sluice_http_config *k = &c->cfg;
    errbuf[0] = '\0';
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* credentials stay with their host */
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");  /* every encoding libcurl decodes */
    curl_easy_setopt(e, CURLOPT_USERAGENT, k->user_agent);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, k->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, k->timeout_ms);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, k->low_speed_limit);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, k->low_speed_time_s);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    if (c->ca.data)
        curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &c->ca);
    /* No CURLOPT_PROXY: libcurl then honours http_proxy, HTTPS_PROXY and
     * no_proxy from the environment. */
}

void sl_http_free(sluice_http *c)
{
    if (!c)
        return;
    for (int i = 0; c->easy && i < c->cfg.max_concurrency; i++)
        if (c->easy[i])
            curl_easy_cleanup(c->easy[i]);
    if (c->multi)
        curl_multi_cleanup(c->multi);
    sl_auth_free(c);
    sl_rate_destroy(&c->rate);
    for (size_t i = 0; i < N_STR_FIELDS; i++)
        free((char *)*str_field(&c->cfg, i));
    free((void *)c->ca.data);
    free(c->easy);
    free(c->busy);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

static int setup(sluice_http *c, const sluice_http_config *cfg, char *err, size_t errlen)
{
    if (g_curl_rc != CURLE_OK) {
        snprintf(err, errlen, "libcurl failed to initialise: %s", curl_easy_strerror(g_curl_rc));
        return -1;
    }
    if (copy_config(c, cfg, err, errlen) || sl_auth_check(&c->cfg, err, errlen) || load_ca(c, err, errlen))
        return -1;
    sl_rate_configure(&c->rate, c->cfg.rate_per_s, c->cfg.rate_burst, c->cfg.limits);
    c->multi = curl_multi_init();
    c->easy = calloc((size_t)c->cfg.max_concurrency, sizeof *c->easy);
    c->busy = calloc((size_t)c->cfg.max_concurrency, 1);
    if (!c->multi || !c->easy || !c->busy) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->rng = ((uint64_t)(sl_http_now_real() * 1e6) ^ (uint64_t)(uintptr_t)c) | 1;
    return sl_auth_init(c, err, errlen);
}

sluice_http *sl_http_new_with(const sluice_http_config *cfg, const sl_http_hooks *hooks)
{
    pthread_once(&g_curl_once, curl_init_once);
    sluice_http *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->host = &sl_host_table;
    if (hooks)
        c->hooks = *hooks;
    pthread_mutex_init(&c->lock, NULL);
    sl_rate_init(&c->rate);
    char err[512] = "";
    if (setup(c, cfg, err, sizeof err) != 0) {
        sl_http_log(c, SLUICE_LOG_ERROR, "HTTP client: %s", err);
        sl_http_free(c);
        return NULL;
    }
    return c;
}

sluice_http *sl_http_new_standalone(const sluice_http_config *cfg, int (*should_stop)(void *), void *arg)
{
    sl_http_hooks h = {.should_stop = should_stop, .arg = arg};
    return sl_http_new_with(cfg, &h);
}

/* ---- through a stage's context ------------------------------------------- */
static int ctx_stop(void *arg) { return sluice_should_stop(arg); }
static json_t *ctx_kv_get(void *arg, const char *key) { return sluice_kv_get(arg, key); }
static int ctx_kv_put(void *arg, const char *key, json_t *v) { return sluice_kv_put(arg, key, v); }
static void ctx_log(void *arg, int level, const char *msg) { sluice_log(arg, level, "%s", msg); }
static void ctx_count(void *arg, int retry) { sl_engine_count_http(arg, retry); }

sluice_http *sl_http_new(sluice_ctx *ctx, const sluice_http_config *cfg)
{
    sl_http_hooks h = {.should_stop = ctx_stop, .kv_get = ctx_kv_get, .kv_put = ctx_kv_put, .log = ctx_log,
                       .count = ctx_count, .arg = ctx};
    return sl_http_new_with(cfg, ctx ? &h : NULL);
}

void sl_http_add_secret(sluice_ctx *ctx, const char *secret)
{
    (void)ctx; /* one list for the process: a secret of one stage is a secret everywhere */
    sl_secret_add(secret);
}
