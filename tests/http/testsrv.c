/* testsrv.c - see testsrv.h. */
#include "testsrv.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int g_pass, g_fail;

int ts_note(int ok, const char *file, int line, const char *what)
{
    if (ok) {
        g_pass++;
    } else {
        g_fail++;
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    }
    return ok;
}

int ts_summary(void)
{
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}

double ts_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void child(tsrv *s, int in[2], int out[2], int tls)
{
    dup2(in[0], 0);
    dup2(out[1], 1);
    close(in[0]);
    close(in[1]);
    close(out[0]);
    close(out[1]);
    if (tls)
        execlp(PYTHON3, PYTHON3, TESTSERVER_PY, "--tls", s->dir, (char *)NULL);
    else
        execlp(PYTHON3, PYTHON3, TESTSERVER_PY, (char *)NULL);
    perror("exec " PYTHON3);
    _exit(127);
}

/* The port line the server prints once it listens (certificate made). */
static int read_port(int fd)
{
    char line[32];
    size_t n = 0;
    double end = ts_now() + 20;
    while (n < sizeof line - 1 && ts_now() < end) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 200) <= 0)
            continue;
        ssize_t k = read(fd, line + n, 1);
        if (k <= 0)
            return -1;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    char *e;
    long port = strtol(line, &e, 10);
    return e != line && port > 0 && port < 65536 ? (int)port : -1;
}

int tsrv_start(tsrv *s, int tls)
{
    memset(s, 0, sizeof *s);
    signal(SIGPIPE, SIG_IGN);
    snprintf(s->dir, sizeof s->dir, "/tmp/sluice-http-XXXXXX");
    int in[2], out[2];
    if (!mkdtemp(s->dir) || pipe(in) != 0 || pipe(out) != 0) {
        perror("testsrv");
        return -1;
    }
    s->pid = fork();
    if (s->pid < 0) {
        perror("fork");
        return -1;
    }
    if (s->pid == 0)
        child(s, in, out, tls);
    close(in[0]);
    close(out[1]);
    s->to_child = in[1];
    s->port = read_port(out[0]);
    close(out[0]);
    if (s->port < 0) {
        fprintf(stderr, "testsrv: %s printed no port\n", TESTSERVER_PY);
        tsrv_stop(s);
        return -1;
    }
    snprintf(s->base, sizeof s->base, "%s://127.0.0.1:%d", tls ? "https" : "http", s->port);
    return 0;
}

void tsrv_stop(tsrv *s)
{
    if (s->to_child > 0)
        close(s->to_child);
    s->to_child = -1;
    if (s->pid > 0) {
        int st;
        double end = ts_now() + 3;
        while (waitpid(s->pid, &st, WNOHANG) == 0) {
            if (ts_now() > end) {
                kill(s->pid, SIGKILL);
                waitpid(s->pid, &st, 0);
                break;
            }
            usleep(20000);
        }
        s->pid = 0;
    }
    char path[256];
    snprintf(path, sizeof path, "%s/cert.pem", s->dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/key.pem", s->dir);
    unlink(path);
    rmdir(s->dir);
}

sluice_http_config ts_config(const tsrv *s)
{
    sluice_http_config c = {0};
    c.struct_size = sizeof c;
    c.base_url = s->base;
    c.backoff_initial_ms = 20;
    c.backoff_max_ms = 100;
    c.timeout_ms = 20000;
    return c;
}

sluice_http_request ts_get(const char *url, const char *const *query)
{
    sluice_http_request r = {0};
    r.struct_size = sizeof r;
    r.url = url;
    r.query = query;
    return r;
}

json_t *ts_json(const sluice_http_response *r)
{
    return r ? json_loadb(r->body, r->body_len, 0, NULL) : NULL;
}

const char *ts_str2(json_t *o, const char *k1, const char *k2)
{
    return json_string_value(json_object_get(json_object_get(o, k1), k2));
}

json_t *ts_stats(const tsrv *s, const char *key)
{
    sluice_http_config cfg = ts_config(s);
    cfg.ca_file = NULL;
    sluice_http *h = sl_http_new_with(&cfg, NULL);
    const char *q[] = {"id", key ? key : "default", NULL};
    sluice_http_request req = ts_get("/stats", q);
    sluice_http_response *r = NULL;
    json_t *j = h && sluice_http_send(h, &req, &r) == SLUICE_OK ? ts_json(r) : NULL;
    sluice_http_response_free(r);
    sluice_http_free(h);
    return j;
}

long ts_hits(const tsrv *s, const char *key)
{
    json_t *j = ts_stats(s, key);
    long n = j ? (long)json_integer_value(json_object_get(j, "hits")) : -1;
    json_decref(j);
    return n;
}
