/* http.c - the endpoint 1C talks to: libmicrohttpd, a thread per
 * connection, the protocol's modes dispatched by ?type=&mode=.
 *
 * Replies are text/plain UTF-8, lines ending in "\n"; 1C reads the first
 * line (success, progress, failure) and, for failure, shows the second to
 * the user. Every request but checkauth needs HTTP Basic credentials and
 * the session cookie checkauth handed out. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "onec.h"

/* How long an import request waits for the run thread before answering
 * `progress` (1C repeats the request at once on progress). */
#define IMPORT_WAIT_MS 2000

typedef struct sl_1c_req {
    int is_upload;     /* POST mode=file: body goes to fd */
    int is_sale;       /* type=sale */
    int fd;            /* the file appended to, or -1 */
    off_t start;       /* its size before this request: undo point */
    uint64_t got;      /* body bytes this request */
    char name[SL_1C_NAME_MAX + 1 + 5]; /* entry name ("sale-" prefix for type=sale) */
    unsigned err_status;              /* non-zero: answer failure with it */
    char err[SL_1C_REASON_MAX];
    int final;         /* once: this reply ends the exchange */
} sl_1c_req;

/* ---- replies ---- */

static enum MHD_Result reply_buf(struct MHD_Connection *c, unsigned status, const char *ctype, char *body,
                                 size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, body, mode);
    if (resp == NULL) {
        if (mode == MHD_RESPMEM_MUST_FREE)
            free(body);
        return MHD_NO;
    }
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Basic realm=\"1C exchange\", charset=\"UTF-8\"");
    enum MHD_Result rc = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
    SLUICE_PRINTF(3, 4);
static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned status, const char *fmt, ...)
{
    char body[SL_1C_REASON_MAX + 128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof body ? (size_t)n : sizeof body - 1;
    return reply_buf(c, status, "text/plain; charset=utf-8", body, len, MHD_RESPMEM_MUST_COPY);
}

static enum MHD_Result reply_failure(struct MHD_Connection *c, unsigned status, const char *reason)
{
    return reply_text(c, status, "failure\n%s\n", reason);
}

static const char *arg(struct MHD_Connection *c, const char *key)
{
    return MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, key);
}

/* ---- modes without a body ---- */

static enum MHD_Result do_checkauth(sl_1c *st, struct MHD_Connection *c)
{
    char value[33];
    pthread_mutex_lock(&st->sh.mu);
    int rc = sl_1c_cookie_new(&st->sh, value);
    pthread_mutex_unlock(&st->sh.mu);
    if (rc != 0)
        return reply_failure(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "no randomness for a session cookie");
    char body[128], set[128];
    int n = snprintf(body, sizeof body, "success\n%s\n%s\n", SL_1C_COOKIE_NAME, value);
    snprintf(set, sizeof set, "%s=%s; Path=/; HttpOnly", SL_1C_COOKIE_NAME, value);
    struct MHD_Response *resp = MHD_create_response_from_buffer((size_t)n, body, MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    MHD_add_response_header(resp, MHD_HTTP_HEADER_SET_COOKIE, set);
    enum MHD_Result r = MHD_queue_response(c, MHD_HTTP_OK, resp);
    MHD_destroy_response(resp);
    sluice_info(st->ctx, "1C signed in (checkauth)");
    return r;
}

static enum MHD_Result do_init(sl_1c *st, struct MHD_Connection *c, int is_sale)
{
    if (!is_sale) {
        /* A catalogue exchange starts: what the last one left goes. */
        pthread_mutex_lock(&st->sh.mu);
        sl_1c_files_clear(st, 0);
        st->sh.exchange++;
        pthread_mutex_unlock(&st->sh.mu);
    }
    return reply_text(c, MHD_HTTP_OK, "zip=no\nfile_limit=%llu\n", (unsigned long long)st->cfg.file_limit);
}

/* Waits (caller holds mu) while the file's import is on its way. */
static void wait_for_import(sl_1c *st, const char *name)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += IMPORT_WAIT_MS / 1000;
    until.tv_nsec += (long)(IMPORT_WAIT_MS % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    for (;;) {
        sl_1c_file *f = sl_1c_file_find(&st->sh, name);
        if (f == NULL || st->sh.stopping ||
            (f->state != SL_1C_QUEUED && f->state != SL_1C_PARSING && f->state != SL_1C_COMMITTING))
            return;
        if (pthread_cond_timedwait(&st->sh.changed, &st->sh.mu, &until) == ETIMEDOUT)
            return;
    }
}

/* The reply for the file's state (caller holds mu). */
static enum MHD_Result import_answer(sl_1c *st, struct MHD_Connection *c, sl_1c_req *r, sl_1c_file *f)
{
    unsigned long long n = (unsigned long long)f->records;
    switch (f->state) {
    case SL_1C_DONE:
        if (st->cfg.once && !sl_1c_files_pending(&st->sh))
            r->final = 1;
        return reply_text(c, MHD_HTTP_OK, "success\n%s: %llu records imported\n", f->name, n);
    case SL_1C_FAILED:
        return reply_failure(c, MHD_HTTP_OK, f->reason);
    case SL_1C_COMMITTING:
        return reply_text(c, MHD_HTTP_OK, "progress\n%s: %llu records read, waiting for the sinks to commit them\n",
                          f->name, n);
    case SL_1C_PARSING:
        return reply_text(c, MHD_HTTP_OK, "progress\n%s: reading, %llu records so far\n", f->name, n);
    default:
        return reply_text(c, MHD_HTTP_OK, "progress\n%s: waiting for its turn\n", f->name);
    }
}

static enum MHD_Result do_import(sl_1c *st, struct MHD_Connection *c, sl_1c_req *r)
{
    char name[SL_1C_NAME_MAX + 1];
    const char *raw = arg(c, "filename");
    if (raw == NULL || sl_1c_safe_name(raw, name) != 0)
        return reply_failure(c, MHD_HTTP_BAD_REQUEST, "missing or unusable filename parameter");
    pthread_mutex_lock(&st->sh.mu);
    sl_1c_file *f = sl_1c_file_find(&st->sh, name);
    enum MHD_Result rc;
    if (f == NULL) {
        pthread_mutex_unlock(&st->sh.mu);
        char why[SL_1C_REASON_MAX];
        snprintf(why, sizeof why, "%s was not uploaded in this exchange (mode=file first)", name);
        return reply_failure(c, MHD_HTTP_OK, why);
    }
    if (f->uploading) {
        rc = reply_text(c, MHD_HTTP_OK, "progress\n%s: still being uploaded\n", name);
        pthread_mutex_unlock(&st->sh.mu);
        return rc;
    }
    if (f->state == SL_1C_UPLOADED) {
        f->state = SL_1C_QUEUED;
        pthread_cond_signal(&st->sh.work);
    }
    wait_for_import(st, name);
    f = sl_1c_file_find(&st->sh, name);
    if (f == NULL)
        rc = reply_failure(c, MHD_HTTP_OK, "the file was removed by a new exchange's init");
    else
        rc = import_answer(st, c, r, f);
    pthread_mutex_unlock(&st->sh.mu);
    return rc;
}

static enum MHD_Result do_query(sl_1c *st, struct MHD_Connection *c)
{
    char *xml = NULL, err[SL_1C_REASON_MAX];
    size_t len = 0;
    if (sl_1c_orders_query(st, &xml, &len, err, sizeof err) != 0) {
        sluice_warn(st->ctx, "type=sale&mode=query: %s", err);
        return reply_failure(c, MHD_HTTP_OK, err);
    }
    return reply_buf(c, MHD_HTTP_OK, "application/xml; charset=utf-8", xml, len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result do_success(sl_1c *st, struct MHD_Connection *c)
{
    char err[SL_1C_REASON_MAX];
    if (sl_1c_orders_confirm(st, err, sizeof err) != 0) {
        sluice_warn(st->ctx, "type=sale&mode=success: %s", err);
        return reply_failure(c, MHD_HTTP_OK, err);
    }
    return reply_text(c, MHD_HTTP_OK, "success\n");
}

/* ---- mode=file: the body is appended to the named file ---- */

/* Claims the entry for an upload and opens the file (caller holds mu).
 * Returns 0, or -1 with r->err set. */
static int upload_claim(sl_1c *st, sl_1c_req *r)
{
    sl_1c_file *f = sl_1c_file_find(&st->sh, r->name);
    int fresh = f == NULL;
    if (f != NULL && f->uploading) {
        snprintf(r->err, sizeof r->err, "another upload of %s is running", r->name);
        return -1;
    }
    if (f != NULL && f->state != SL_1C_UPLOADED) {
        if (f->state != SL_1C_DONE && f->state != SL_1C_FAILED) {
            snprintf(r->err, sizeof r->err, "%s is being imported; send it again afterwards", r->name);
            return -1;
        }
        fresh = 1; /* imported before: this is a new version of the file */
    }
    char path[PATH_MAX];
    if (sl_1c_file_path(&st->cfg, r->name, path, sizeof path) != 0) {
        snprintf(r->err, sizeof r->err, "file name too long");
        return -1;
    }
    /* New in this exchange: start empty, whatever an earlier run left. */
    int flags = O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC | (fresh ? O_TRUNC : 0);
    r->fd = open(path, flags, 0600);
    if (r->fd < 0) {
        snprintf(r->err, sizeof r->err, "cannot write %s: %s", r->name, strerror(errno));
        return -1;
    }
    struct stat sb;
    r->start = fstat(r->fd, &sb) == 0 ? sb.st_size : 0;
    if (f == NULL) {
        f = calloc(1, sizeof *f);
        if (f == NULL) {
            close(r->fd);
            r->fd = -1;
            snprintf(r->err, sizeof r->err, "out of memory");
            return -1;
        }
        memcpy(f->name, r->name, sizeof f->name);
        f->next = st->sh.files;
        st->sh.files = f;
    }
    f->state = SL_1C_UPLOADED;
    f->records = 0;
    f->reason[0] = '\0';
    f->size = (uint64_t)r->start;
    f->uploading = 1;
    return 0;
}

static enum MHD_Result upload_begin(sl_1c *st, struct MHD_Connection *c, sl_1c_req *r)
{
    char base[SL_1C_NAME_MAX + 1];
    const char *raw = arg(c, "filename");
    if (raw == NULL || sl_1c_safe_name(raw, base) != 0)
        return reply_failure(c, MHD_HTTP_BAD_REQUEST, "missing or unusable filename parameter");
    snprintf(r->name, sizeof r->name, "%s%s", r->is_sale ? "sale-" : "", base);
    if (strlen(r->name) > SL_1C_NAME_MAX)
        return reply_failure(c, MHD_HTTP_BAD_REQUEST, "file name too long");
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (cl != NULL && strtoull(cl, NULL, 10) > st->cfg.file_limit) {
        char why[160];
        snprintf(why, sizeof why, "request body larger than file_limit (%llu bytes)",
                 (unsigned long long)st->cfg.file_limit);
        return reply_failure(c, MHD_HTTP_CONTENT_TOO_LARGE, why);
    }
    pthread_mutex_lock(&st->sh.mu);
    int rc = upload_claim(st, r);
    pthread_mutex_unlock(&st->sh.mu);
    if (rc != 0)
        return reply_failure(c, MHD_HTTP_OK, r->err);
    r->is_upload = 1;
    return MHD_YES;
}

static void upload_error(sl_1c_req *r, unsigned status, const char *fmt, ...) SLUICE_PRINTF(3, 4);
static void upload_error(sl_1c_req *r, unsigned status, const char *fmt, ...)
{
    if (r->err_status != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->err_status = status;
}

static void upload_chunk(sl_1c *st, sl_1c_req *r, const char *data, size_t len)
{
    if (r->err_status != 0)
        return; /* the rest of a refused body is read and dropped */
    if (r->got + len > st->cfg.file_limit) {
        upload_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "request body larger than file_limit (%llu bytes)",
                     (unsigned long long)st->cfg.file_limit);
        return;
    }
    if ((uint64_t)r->start + r->got + len > st->cfg.max_file_size) {
        upload_error(r, MHD_HTTP_CONTENT_TOO_LARGE, "%s would grow past max_file_size (%llu bytes)", r->name,
                     (unsigned long long)st->cfg.max_file_size);
        return;
    }
    while (len > 0) {
        ssize_t w = write(r->fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            upload_error(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot write %s: %s", r->name,
                         w < 0 ? strerror(errno) : "short write");
            return;
        }
        data += w;
        len -= (size_t)w;
        r->got += (uint64_t)w;
    }
}

/* Closes the upload; on failure the file goes back to its size before this
 * request, so a refused chunk never leaves half of itself behind. */
static void upload_end(sl_1c *st, sl_1c_req *r, int ok)
{
    if (r->fd < 0)
        return;
    if (!ok && ftruncate(r->fd, r->start) != 0)
        sluice_warn(st->ctx, "cannot undo a failed upload of %s: %s", r->name, strerror(errno));
    close(r->fd);
    r->fd = -1;
    pthread_mutex_lock(&st->sh.mu);
    sl_1c_file *f = sl_1c_file_find(&st->sh, r->name);
    if (f != NULL) {
        f->uploading = 0;
        f->size = (uint64_t)r->start + (ok ? r->got : 0);
        if (r->is_sale)
            f->state = SL_1C_DONE; /* order changes are kept, not imported */
        else if (!ok && f->size == 0)
            sl_1c_file_drop(st, r->name); /* nothing arrived: no file waits for an import */
    }
    pthread_mutex_unlock(&st->sh.mu);
}

static enum MHD_Result upload_finish(sl_1c *st, struct MHD_Connection *c, sl_1c_req *r)
{
    if (!r->is_upload)
        return MHD_NO; /* not reached: other modes answer on the first call */
    int ok = r->err_status == 0;
    upload_end(st, r, ok);
    if (!ok) {
        sluice_warn(st->ctx, "upload of %s refused: %s", r->name, r->err);
        return reply_failure(c, r->err_status, r->err);
    }
    if (r->is_sale)
        sluice_info(st->ctx, "kept order changes from 1C in %s/%s (not imported)", st->cfg.upload_dir, r->name);
    else
        sluice_debug(st->ctx, "received %llu bytes of %s", (unsigned long long)r->got, r->name);
    return reply_text(c, MHD_HTTP_OK, "success\n");
}

/* ---- dispatch ---- */

static enum MHD_Result dispatch(sl_1c *st, struct MHD_Connection *c, sl_1c_req *r, const char *mode, int is_post)
{
    if (strcmp(mode, "init") == 0)
        return do_init(st, c, r->is_sale);
    if (strcmp(mode, "file") == 0) {
        if (!is_post)
            return reply_failure(c, MHD_HTTP_METHOD_NOT_ALLOWED, "mode=file needs a POST with the file's bytes");
        return upload_begin(st, c, r);
    }
    if (!r->is_sale && strcmp(mode, "import") == 0)
        return do_import(st, c, r);
    if (r->is_sale && strcmp(mode, "import") == 0) /* newer 1C: after sending order changes */
        return reply_text(c, MHD_HTTP_OK, "success\norder changes are kept, not imported\n");
    if (r->is_sale && strcmp(mode, "query") == 0)
        return do_query(st, c);
    if (r->is_sale && strcmp(mode, "success") == 0)
        return do_success(st, c);
    return reply_failure(c, MHD_HTTP_OK, "unknown mode for this type");
}

/* Checks path, type, credentials and session; answers itself on a refusal
 * (returns 0), or returns 1 to go on with the mode. */
static int admit(sl_1c *st, struct MHD_Connection *c, const char *url, const char *type, const char *mode,
                 enum MHD_Result *out)
{
    if (strcmp(url, st->cfg.prefix) != 0) {
        *out = reply_failure(c, MHD_HTTP_NOT_FOUND, "not found");
        return 0;
    }
    if (type == NULL || mode == NULL || (strcmp(type, "catalog") != 0 && strcmp(type, "sale") != 0)) {
        *out = reply_failure(c, MHD_HTTP_BAD_REQUEST, "expected ?type=catalog|sale&mode=...");
        return 0;
    }
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!sl_1c_auth_ok(&st->cfg, auth)) {
        sluice_warn(st->ctx, "refused %s&mode=%s: wrong or missing user/password", type, mode);
        *out = reply_failure(c, MHD_HTTP_UNAUTHORIZED, "wrong user or password");
        return 0;
    }
    if (strcmp(mode, "checkauth") == 0)
        return 1;
    const char *cookie = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_COOKIE);
    pthread_mutex_lock(&st->sh.mu);
    int ok = sl_1c_cookie_ok(&st->sh, cookie);
    pthread_mutex_unlock(&st->sh.mu);
    if (!ok) {
        *out = reply_failure(c, MHD_HTTP_OK, "no session: call mode=checkauth first and send its cookie");
        return 0;
    }
    return 1;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    sl_1c *st = cls;
    sl_1c_req *r = *con_cls;
    if (r != NULL) { /* the body of a mode=file POST, then its end */
        if (*upload_data_size > 0) {
            upload_chunk(st, r, upload_data, *upload_data_size);
            *upload_data_size = 0;
            return MHD_YES;
        }
        return upload_finish(st, c, r);
    }
    r = calloc(1, sizeof *r);
    if (r == NULL)
        return MHD_NO;
    r->fd = -1;
    *con_cls = r;
    int is_post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
    if (!is_post && strcmp(method, MHD_HTTP_METHOD_GET) != 0)
        return reply_failure(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or POST only");
    const char *type = arg(c, "type"), *mode = arg(c, "mode");
    enum MHD_Result out;
    if (!admit(st, c, url, type, mode, &out))
        return out;
    r->is_sale = strcmp(type, "sale") == 0;
    sluice_debug(st->ctx, "%s type=%s mode=%s", method, type, mode);
    if (strcmp(mode, "checkauth") == 0)
        return do_checkauth(st, c);
    return dispatch(st, c, r, mode, is_post);
}

/* Runs when a request is over, answered or not. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    sl_1c *st = cls;
    sl_1c_req *r = *con_cls;
    if (r == NULL)
        return;
    upload_end(st, r, 0); /* only still open when the client went away mid-body */
    if (r->final && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
        pthread_mutex_lock(&st->sh.mu);
        st->sh.finished = 1;
        pthread_cond_signal(&st->sh.work);
        pthread_mutex_unlock(&st->sh.mu);
    }
    free(r);
    *con_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    sl_1c *st = cls;
    sluice_host_of_ctx(st->ctx)->logv(st->ctx, SLUICE_LOG_WARN, fmt, ap);
}

/* ---- listening ---- */

typedef struct listen_addr {
    struct sockaddr_storage ss;
    int v6;
    int loopback;
} listen_addr;

/* Parses "host:port", "[v6]:port" or "localhost:port". Returns 0 or -1. */
static int parse_listen(const char *spec, listen_addr *la)
{
    char host[128];
    const char *colon = strrchr(spec, ':');
    if (colon == NULL || colon == spec || (size_t)(colon - spec) >= sizeof host)
        return -1;
    memcpy(host, spec, (size_t)(colon - spec));
    host[colon - spec] = '\0';
    char *end;
    errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (errno != 0 || end == colon + 1 || *end != '\0' || port < 0 || port > 65535)
        return -1;
    memset(la, 0, sizeof *la);
    size_t hl = strlen(host);
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&la->ss;
        host[hl - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1)
            return -1;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        la->v6 = 1;
        la->loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr);
        return 0;
    }
    struct sockaddr_in *a4 = (struct sockaddr_in *)&la->ss;
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &a4->sin_addr) != 1)
        return -1;
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
    la->loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
    return 0;
}

int sl_1c_listen_ok(const char *spec)
{
    listen_addr la;
    return parse_listen(spec, &la) == 0;
}

/* The port the kernel gave (port 0 asks for any free one). */
static int bound_port(struct MHD_Daemon *d)
{
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_LISTEN_FD);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (info == NULL || getsockname(info->listen_fd, (struct sockaddr *)&ss, &sl) != 0)
        return -1;
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int sl_1c_http_start(sl_1c *st, sluice_ctx *ctx)
{
    listen_addr la;
    char msg[512];
    if (parse_listen(st->cfg.listen, &la) != 0) {
        snprintf(msg, sizeof msg, "listen: expected HOST:PORT (IPv4, [IPv6] or localhost), got \"%s\"",
                 st->cfg.listen);
        sluice_set_error(ctx, msg);
        return SLUICE_EINVAL;
    }
    if (!la.loopback)
        sluice_warn(ctx, "listening on %s, not a loopback address: 1C's password travels in clear text "
                         "unless a TLS proxy sits in front", st->cfg.listen);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION | MHD_USE_ERROR_LOG |
                     (la.v6 ? MHD_USE_IPv6 : 0);
    /* The logger goes first, or libmicrohttpd complains on stderr. */
    st->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, st,
                                  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, st,
                                  MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&la.ss,
                                  MHD_OPTION_NOTIFY_COMPLETED, on_completed, st,
                                  MHD_OPTION_CONNECTION_LIMIT, 32u,
                                  MHD_OPTION_CONNECTION_TIMEOUT, 300u,
                                  MHD_OPTION_END);
    if (st->daemon == NULL) {
        snprintf(msg, sizeof msg, "cannot listen on %s: %s", st->cfg.listen,
                 errno != 0 ? strerror(errno) : "libmicrohttpd refused to start");
        sluice_set_error(ctx, msg);
        return SLUICE_EIO;
    }
    int port = bound_port(st->daemon);
    char host[128];
    const char *colon = strrchr(st->cfg.listen, ':');
    snprintf(host, sizeof host, "%.*s", (int)(colon - st->cfg.listen), st->cfg.listen);
    snprintf(st->url, sizeof st->url, "http://%s:%d%s", host, port, st->cfg.prefix);
    return SLUICE_OK;
}

void sl_1c_http_stop(sl_1c *st)
{
    if (st->daemon == NULL)
        return;
    pthread_mutex_lock(&st->sh.mu);
    st->sh.stopping = 1;
    pthread_cond_broadcast(&st->sh.changed);
    pthread_mutex_unlock(&st->sh.mu);
    MHD_stop_daemon(st->daemon);
    st->daemon = NULL;
}
