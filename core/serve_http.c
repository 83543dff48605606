/* serve_http.c - the HTTP endpoint of `sluice serve` (libmicrohttpd in
 * external-poll mode: it answers from the server's one loop, never from a
 * thread of its own, so that fork() stays safe).
 *
 *   GET  /health                200 {"status":"ok",...}, or 503 with the reason
 *   GET  /metrics               Prometheus text format
 *   GET  /runs                  the pipelines and their last runs (JSON);
 *                               ?pipeline=NAME, ?limit=N (default 20)
 *   POST /pipelines/NAME/run    start a run now (202), 404, 409, 503
 *
 * With a token every path but /health needs "Authorization: Bearer TOKEN"
 * (401 otherwise). Without one the server listens on loopback only, and
 * refuses requests whose Host or Origin is not a loopback name: a web page
 * in the user's browser must not reach it (DNS rebinding, cross-site POST). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "log.h"
#include "serve.h"
#include "serve_history.h"

#define SL_RUNS_DEFAULT 20
#define SL_RUNS_MAX 1000

static int g_request_marker; /* *con_cls once the request's headers were seen */

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    sl_log(SLUICE_LOG_WARN, NULL, "http: %s", msg);
}

/* Sends body (malloc'd, taken over; NULL means out of memory). */
static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type, char *body)
{
    if (!body)
        return MHD_NO;
    struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"sluice\"");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "POST");
    enum MHD_Result rc = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return rc;
}

/* Sends o (taken over) as JSON. */
static enum MHD_Result reply_json(struct MHD_Connection *c, unsigned status, json_t *o)
{
    char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    if (text) {
        size_t n = strlen(text);
        char *t = realloc(text, n + 2);
        if (t) {
            text = t;
            memcpy(text + n, "\n", 2);
        }
    }
    return reply(c, status, "application/json", text);
}

static enum MHD_Result reply_error(struct MHD_Connection *c, unsigned status, const char *msg)
{
    return reply_json(c, status, json_pack("{s:s}", "error", msg));
}

/* ---- who may ask -------------------------------------------------------------------- */

/* Compares without leaking where the first difference is. */
static int same_secret(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    unsigned char d = (unsigned char)(na != nb);
    for (size_t i = 0; i < na; i++)
        d |= (unsigned char)(a[i] ^ b[i % (nb ? nb : 1)]);
    return d == 0;
}

static int bearer_ok(struct MHD_Connection *c, const char *token)
{
    const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!h || strncasecmp(h, "Bearer ", 7) != 0)
        return 0;
    h += 7;
    while (*h == ' ')
        h++;
    return same_secret(h, token);
}

/* "localhost", "127.x.y.z" or "[::1]", with or without ":port". */
static int loopback_host(const char *h, size_t n)
{
    char host[64];
    if (n >= sizeof host)
        return 0;
    memcpy(host, h, n);
    host[n] = '\0';
    if (host[0] == '[') {
        char *end = strchr(host, ']');
        if (!end)
            return 0;
        *end = '\0';
        struct in6_addr a6;
        return inet_pton(AF_INET6, host + 1, &a6) == 1 && IN6_IS_ADDR_LOOPBACK(&a6);
    }
    char *colon = strchr(host, ':');
    if (colon)
        *colon = '\0';
    struct in_addr a4;
    if (strcasecmp(host, "localhost") == 0)
        return 1;
    return inet_pton(AF_INET, host, &a4) == 1 && (ntohl(a4.s_addr) >> 24) == 127;
}

/* An Origin is "scheme://host[:port]". */
static int loopback_origin(const char *o)
{
    const char *p = strstr(o, "://");
    if (!p)
        return 0;
    p += 3;
    return loopback_host(p, strcspn(p, "/"));
}

/* NULL when the request may go on, else the status and message to refuse it. */
static const char *refusal(const sl_serve *s, struct MHD_Connection *c, const char *url, unsigned *status)
{
    const char *token = s->opts->token;
    if (token) {
        if (strcmp(url, "/health") == 0 || bearer_ok(c, token))
            return NULL;
        *status = MHD_HTTP_UNAUTHORIZED;
        return "a bearer token is required: Authorization: Bearer TOKEN";
    }
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    *status = MHD_HTTP_FORBIDDEN;
    if (host && !loopback_host(host, strlen(host)))
        return "the Host header must name a loopback address (configure a token to serve other names)";
    if (origin && !loopback_origin(origin))
        return "requests from web pages of other sites are refused";
    return NULL;
}

/* ---- what is asked ------------------------------------------------------------------- */

static enum MHD_Result health(sl_serve *s, struct MHD_Connection *c)
{
    char why[512];
    if (sl_serve_unhealthy(s, why, sizeof why))
        return reply_json(c, MHD_HTTP_SERVICE_UNAVAILABLE, json_pack("{s:s, s:s}", "status", "unavailable", "reason", why));
    size_t n = 0, running = 0;
    for (size_t i = 0; i < s->npipes; i++) {
        n += !s->pipes[i]->removed;
        running += s->pipes[i]->pid != 0;
    }
    return reply_json(c, MHD_HTTP_OK,
                      json_pack("{s:s, s:I, s:I, s:f, s:b}", "status", "ok", "pipelines", (json_int_t)n, "running",
                                (json_int_t)running, "uptime_s", sl_serve_now() - s->started, "last_reload_ok",
                                s->reload_ok));
}

static enum MHD_Result metrics(sl_serve *s, struct MHD_Connection *c)
{
    sl_metrics_view *v = calloc(s->npipes + 1, sizeof *v);
    char *text = NULL;
    size_t len = 0, n = 0;
    FILE *f = v ? open_memstream(&text, &len) : NULL;
    if (!f) {
        free(v);
        return MHD_NO;
    }
    for (size_t i = 0; i < s->npipes; i++) {
        const sl_serve_pipe *p = s->pipes[i];
        if (!p->removed)
            v[n++] = (sl_metrics_view){p->cfg->name, &p->m, p->pid != 0, p->queued, p->sched.due};
    }
    sl_metrics_server srv = {s->started, s->reload_ok, s->reload_at, s->stopping};
    sl_metrics_write(f, &srv, v, n);
    fclose(f);
    free(v);
    return reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8", text);
}

static json_t *pipe_json(const sl_serve_pipe *p, int limit)
{
    char *err = NULL;
    json_t *runs = sl_history_runs(p->cfg->state, limit, &err);
    json_t *o = sl_history_describe(p->cfg, p->tz, p->sched.due, runs);
    if (o && err)
        json_object_set_new(o, "error", json_string(err));
    free(err);
    if (o && p->pid) {
        char since[64];
        sl_history_format_time((time_t)p->run_started, NULL, since, sizeof since);
        json_object_set_new(o, "running", json_pack("{s:I, s:s, s:s}", "pid", (json_int_t)p->pid, "since", since,
                                                    "trigger", p->trigger ? p->trigger : "?"));
    } else if (o) {
        json_object_set_new(o, "running", json_null());
    }
    if (o)
        json_object_set_new(o, "queued", json_boolean(p->queued));
    return o;
}

static enum MHD_Result runs(sl_serve *s, struct MHD_Connection *c)
{
    const char *only = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "pipeline");
    const char *lim = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit");
    long limit = SL_RUNS_DEFAULT;
    if (lim) {
        char *end;
        limit = strtol(lim, &end, 10);
        if (*end || end == lim || limit < 1 || limit > SL_RUNS_MAX)
            return reply_error(c, MHD_HTTP_BAD_REQUEST, "limit must be an integer from 1 to 1000");
    }
    if (only && !sl_serve_find(s, only))
        return reply_error(c, MHD_HTTP_NOT_FOUND, "no such pipeline");
    json_t *list = json_array();
    for (size_t i = 0; list && i < s->npipes; i++) {
        const sl_serve_pipe *p = s->pipes[i];
        if (!p->removed && (!only || strcmp(only, p->cfg->name) == 0))
            json_array_append_new(list, pipe_json(p, (int)limit));
    }
    return reply_json(c, MHD_HTTP_OK, json_pack("{s:o}", "pipelines", list));
}

/* POST /pipelines/NAME/run; *matched is 0 when url is not of that form. */
static enum MHD_Result trigger(sl_serve *s, struct MHD_Connection *c, const char *url, const char *method,
                               int *matched)
{
    static const char prefix[] = "/pipelines/", suffix[] = "/run";
    size_t n = strlen(url), np = sizeof prefix - 1, ns = sizeof suffix - 1;
    *matched = n > np + ns && strncmp(url, prefix, np) == 0 && strcmp(url + n - ns, suffix) == 0;
    if (!*matched)
        return MHD_NO;
    if (strcmp(method, MHD_HTTP_METHOD_POST) != 0)
        return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST to start a run");
    char name[256], msg[512];
    size_t len = n - np - ns;
    if (len >= sizeof name)
        return reply_error(c, MHD_HTTP_NOT_FOUND, "no such pipeline");
    memcpy(name, url + np, len);
    name[len] = '\0';
    int status = sl_serve_request_run(s, name, msg, sizeof msg);
    if (status == MHD_HTTP_ACCEPTED)
        return reply_json(c, (unsigned)status, json_pack("{s:s, s:s}", "pipeline", name, "status", msg));
    return reply_error(c, (unsigned)status, msg);
}

static enum MHD_Result route(sl_serve *s, struct MHD_Connection *c, const char *url, const char *method)
{
    int get = strcmp(method, MHD_HTTP_METHOD_GET) == 0 || strcmp(method, MHD_HTTP_METHOD_HEAD) == 0;
    int matched = 0;
    enum MHD_Result rc = trigger(s, c, url, method, &matched);
    if (matched)
        return rc;
    if (strcmp(url, "/health") != 0 && strcmp(url, "/metrics") != 0 && strcmp(url, "/runs") != 0)
        return reply_error(c, MHD_HTTP_NOT_FOUND,
                           "not found; the endpoints are GET /health, GET /metrics, GET /runs and POST /pipelines/NAME/run");
    if (!get)
        return reply_error(c, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET");
    if (strcmp(url, "/health") == 0)
        return health(s, c);
    if (strcmp(url, "/metrics") == 0)
        return metrics(s, c);
    return runs(s, c);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    (void)upload_data;
    sl_serve *s = cls;
    if (*con_cls == NULL) { /* headers only so far; the body (ignored) may follow */
        *con_cls = &g_request_marker;
        return MHD_YES;
    }
    if (*upload_data_size) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    unsigned status = 0;
    const char *why = refusal(s, c, url, &status);
    if (why)
        return reply_error(c, status, why);
    return route(s, c, url, method);
}

/* ---- the daemon ------------------------------------------------------------------------ */

static void log_address(const sl_serve *s)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_LISTEN_FD);
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (info && getsockname(info->listen_fd, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
            port = ntohs(a->sin6_port);
        } else {
            const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
            port = ntohs(a->sin_port);
        }
    }
    int v6 = ss.ss_family == AF_INET6;
    sl_log(SLUICE_LOG_INFO, NULL, "listening on http://%s%s%s:%u (/health, /metrics, /runs, POST /pipelines/NAME/run)%s",
           v6 ? "[" : "", host, v6 ? "]" : "", port, s->opts->token ? "; a bearer token is required" : "");
}

int sl_serve_http_start(sl_serve *s)
{
    const sl_serve_opts *o = s->opts;
    errno = 0;
    unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (o->listen.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    s->mhd = MHD_start_daemon(flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, (void *)NULL,
                              MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&o->listen, MHD_OPTION_CONNECTION_TIMEOUT,
                              (unsigned)15, MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_END);
    if (!s->mhd) {
        sl_log(SLUICE_LOG_ERROR, NULL, "cannot listen on the --listen address: %s",
               errno ? strerror(errno) : "libmicrohttpd refused it");
        return -1;
    }
    log_address(s);
    return 0;
}

int sl_serve_http_fd(const sl_serve *s)
{
    if (!s->mhd)
        return -1;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_EPOLL_FD);
    return info ? info->epoll_fd : -1;
}

long sl_serve_http_timeout_ms(const sl_serve *s)
{
    MHD_UNSIGNED_LONG_LONG ms = 0;
    if (!s->mhd || MHD_get_timeout(s->mhd, &ms) != MHD_YES)
        return -1;
    return ms > 3600000 ? 3600000 : (long)ms;
}

void sl_serve_http_run(sl_serve *s)
{
    if (s->mhd)
        MHD_run(s->mhd);
}

void sl_serve_http_stop(sl_serve *s)
{
    if (s->mhd)
        MHD_stop_daemon(s->mhd);
    s->mhd = NULL;
}
