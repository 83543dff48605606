/* deadletter.c - see deadletter.h. */
#include "deadletter.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "http_redact.h"
#include "log.h"

/* How many rejects per stage are logged in full before only counting. */
#define SL_DLQ_LOG_LIMIT 20

struct sl_dlq {
    pthread_mutex_t lock;
    FILE *f;
    char *path;
    uint64_t count;
    int write_failed;
    /* per-stage log throttling: stage pointer -> number logged */
    const char *stages[64];
    unsigned logged[64];
};

int sl_dlq_open(sl_dlq **out, const char *path, char **err)
{
    sl_dlq *q = calloc(1, sizeof *q);
    if (!q)
        return -1;
    pthread_mutex_init(&q->lock, NULL);
    if (path) {
        if (sl_mkdir_parents(path) != 0 || !(q->f = fopen(path, "a"))) {
            if (err) {
                size_t n = strlen(path) + 128;
                *err = malloc(n);
                if (*err)
                    snprintf(*err, n, "cannot open dead-letter file %s: %s", path, strerror(errno));
            }
            pthread_mutex_destroy(&q->lock);
            free(q);
            return -1;
        }
        q->path = strdup(path);
    }
    *out = q;
    return 0;
}

char *sl_utf8_sanitize(const char *s, size_t len, size_t *outlen)
{
    char *o = malloc(len * 3 + 1);
    size_t j = 0;
    if (!o)
        return NULL;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        int ok = n > 0 && i + n <= len && c != 0;
        for (size_t k = 1; ok && k < n; k++)
            ok = ((unsigned char)s[i + k] >> 6) == 2;
        if (ok && n == 2 && c < 0xC2)
            ok = 0; /* overlong */
        if (ok) {
            memcpy(o + j, s + i, n);
            j += n;
            i += n;
        } else {
            memcpy(o + j, "\xEF\xBF\xBD", 3);
            j += 3;
            i++;
        }
    }
    o[j] = '\0';
    if (outlen)
        *outlen = j;
    return o;
}

static int should_log(sl_dlq *q, const char *stage, int *last)
{
    for (size_t i = 0; i < 64; i++) {
        if (q->stages[i] == stage || !q->stages[i]) {
            q->stages[i] = stage;
            unsigned n = ++q->logged[i];
            *last = n == SL_DLQ_LOG_LIMIT;
            return n <= SL_DLQ_LOG_LIMIT;
        }
    }
    *last = 0;
    return 0;
}

static json_t *entry(const char *stage, const char *source, const char *stream, const char *origin,
                     uint64_t line, const char *reason, const json_t *rec, const char *raw, size_t rawlen)
{
    char when[40];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    json_t *o = json_object();
    json_object_set_new(o, "time", json_string(when));
    json_object_set_new(o, "stage", json_string(stage ? stage : ""));
    if (source)
        json_object_set_new(o, "source", json_string(source));
    if (stream)
        json_object_set_new(o, "stream", json_string(stream));
    if (origin)
        json_object_set_new(o, "origin", json_string(origin));
    if (line)
        json_object_set_new(o, "line", json_integer((json_int_t)line));
    json_object_set_new(o, "reason", json_string(reason ? reason : "rejected"));
    if (rec) {
        json_object_set_new(o, "record", json_deep_copy(rec));
    } else if (raw) {
        size_t n;
        char *clean = sl_utf8_sanitize(raw, rawlen, &n);
        json_object_set_new(o, "raw", json_stringn(clean ? clean : "", clean ? n : 0));
        free(clean);
    }
    return o;
}

int sl_dlq_write(sl_dlq *q, const char *stage, const char *source, const char *stream,
                 const char *origin, uint64_t line, const char *reason,
                 const json_t *rec, const char *raw, size_t rawlen)
{
    json_t *o = entry(stage, source, stream, origin, line, reason, rec, raw, rawlen);
    char *dumped = o ? json_dumps(o, JSON_COMPACT) : NULL;
    /* a secret must not reach the dead-letter file (a token echoed in a
     * response body, a URL with an API key) */
    char *text = dumped ? sl_redact_dup(dumped) : NULL;
    free(dumped);
    json_decref(o);
    int rc = 0, last = 0, log_it;

    pthread_mutex_lock(&q->lock);
    q->count++;
    log_it = should_log(q, stage, &last);
    if (q->f && (!text || fprintf(q->f, "%s\n", text) < 0)) {
        q->write_failed = 1;
        rc = -1;
    }
    pthread_mutex_unlock(&q->lock);

    if (log_it) {
        char where[512] = "";
        if (origin && line)
            snprintf(where, sizeof where, "%s:%llu: ", origin, (unsigned long long)line);
        else if (origin)
            snprintf(where, sizeof where, "%s: ", origin);
        sl_log(SLUICE_LOG_WARN, stage, "%s%s%s", where, reason ? reason : "rejected",
               q->f ? " (dead-lettered)" : " (no dead_letter file configured)");
        if (last)
            sl_log(SLUICE_LOG_WARN, stage, "further rejected records of this stage are counted%s, not logged",
                   q->f ? " and dead-lettered" : "");
    }
    if (rc != 0)
        sl_log(SLUICE_LOG_ERROR, stage, "cannot write the dead-letter file %s", q->path);
    free(text);
    return rc;
}

int sl_dlq_sync(sl_dlq *q)
{
    int rc = 0;
    pthread_mutex_lock(&q->lock);
    if (q->f && (fflush(q->f) != 0 || fsync(fileno(q->f)) != 0))
        rc = -1;
    if (q->write_failed)
        rc = -1;
    pthread_mutex_unlock(&q->lock);
    return rc;
}

uint64_t sl_dlq_count(const sl_dlq *q) { return q->count; }
int sl_dlq_has_file(const sl_dlq *q) { return q->f != NULL; }

void sl_dlq_close(sl_dlq **pq)
{
    sl_dlq *q = pq ? *pq : NULL;
    if (!q)
        return;
    if (q->f)
        fclose(q->f);
    free(q->path);
    pthread_mutex_destroy(&q->lock);
    free(q);
    *pq = NULL;
}
