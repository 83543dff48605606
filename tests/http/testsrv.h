/* testsrv.h - what the HTTP client's unit tests share: check macros, the
 * scripted test server (tests/http/testserver.py) run as a child process,
 * and small request helpers.
 *
 * The tests link sluicecore and create clients with sl_http_new_with(), so
 * no engine runs. TESTSERVER_PY and PYTHON3 come from tests/unit/http.cmake. */
#ifndef SLUICE_TESTSRV_H
#define SLUICE_TESTSRV_H

#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "http.h"

/* Counts one check; prints where it failed. Returns ok. */
int ts_note(int ok, const char *file, int line, const char *what);

#define CHECK(cond) ts_note(!!(cond), __FILE__, __LINE__, #cond)

#define CHECK_STR(got, want)                                                                        \
    do {                                                                                            \
        const char *g_ = (got), *w_ = (want);                                                       \
        if (!ts_note(g_ && w_ ? strcmp(g_, w_) == 0 : g_ == w_, __FILE__, __LINE__, #got " == " #want)) \
            fprintf(stderr, "    got:  %s\n    want: %s\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
    } while (0)

#define CHECK_HAS(hay, needle)                                                                      \
    do {                                                                                            \
        const char *h_ = (hay), *n_ = (needle);                                                     \
        if (!ts_note(h_ && strstr(h_, n_), __FILE__, __LINE__, #hay " contains " #needle))          \
            fprintf(stderr, "    text:   %s\n    needle: %s\n", h_ ? h_ : "(null)", n_);           \
    } while (0)

#define CHECK_LACKS(hay, needle)                                                                    \
    do {                                                                                            \
        const char *h_ = (hay), *n_ = (needle);                                                     \
        if (!ts_note(h_ && !strstr(h_, n_), __FILE__, __LINE__, #hay " lacks " #needle))            \
            fprintf(stderr, "    text:   %s\n    must not contain: %s\n", h_ ? h_ : "(null)", n_); \
    } while (0)

typedef struct tsrv {
    pid_t pid;
    int to_child;   /* the server's stdin: closing it ends the server */
    int port;
    char base[64];  /* "http://127.0.0.1:PORT" or https */
    char dir[128];  /* a temporary folder (the TLS certificate lives there) */
} tsrv;

/* Starts the server (HTTPS when tls). 0, or -1 after printing why. */
int tsrv_start(tsrv *s, int tls);
void tsrv_stop(tsrv *s);

/* A config with struct_size set, base_url the server, fast backoff. */
sluice_http_config ts_config(const tsrv *s);
/* A GET request of url with the NULL-terminated query pairs (borrowed). */
sluice_http_request ts_get(const char *url, const char *const *query);
/* The response body as JSON (new reference) or NULL. */
json_t *ts_json(const sluice_http_response *r);
/* A string at a path of two keys ("headers", "authorization"), borrowed. */
const char *ts_str2(json_t *o, const char *k1, const char *k2);
/* The server's /stats for key (new reference). */
json_t *ts_stats(const tsrv *s, const char *key);
/* Hits of a scripted key. */
long ts_hits(const tsrv *s, const char *key);
/* Monotonic seconds. */
double ts_now(void);
int ts_summary(void);

#endif
