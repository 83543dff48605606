/* http_int.h - what the http*.c files of the core share; nothing here is
 * visible to plugins. http.c drives transfers (curl multi), http_retry.c
 * decides what is retried and how long to wait, http_rate.c holds the rate
 * budget, http_auth.c the credentials, http_resp.c the responses. */
#ifndef SL_HTTP_INT_H
#define SL_HTTP_INT_H

#include <pthread.h>
#include <stddef.h>

#include <curl/curl.h>

#include "http.h"

/* ---- response headers ---------------------------------------------------- */
typedef struct sl_hdr {
    char *name, *value; /* owned */
} sl_hdr;

typedef struct sl_headers {
    sl_hdr *v;
    size_t n, cap;
} sl_headers;

/* Adds one raw header line ("Name: value\r\n"); lines without a colon are
 * ignored. -1 when out of memory. */
int sl_headers_add_line(sl_headers *h, const char *line, size_t len);
/* The first value of `name` (case-insensitive), borrowed, or NULL. */
const char *sl_headers_get(const sl_headers *h, const char *name);
void sl_headers_clear(sl_headers *h);

/* ---- bodies ----------------------------------------------------------------- */
#define SL_HTTP_MAX_BODY ((size_t)1 << 30) /* a response body larger than this is refused */

typedef struct sl_buf {
    char *p;  /* NUL-terminated once anything arrived (owned) */
    size_t len, cap;
    int full; /* out of memory, or over SL_HTTP_MAX_BODY */
} sl_buf;

/* CURLOPT_WRITEFUNCTION appending to the sl_buf in userdata. */
size_t sl_buf_write(char *ptr, size_t size, size_t n, void *userdata);
void sl_buf_free(sl_buf *b);
/* CURLOPT_HEADERFUNCTION collecting into the sl_headers in userdata; a new
 * status line (after 100 Continue) starts over. */
size_t sl_headers_write(char *ptr, size_t size, size_t n, void *userdata);

/* ---- responses ----------------------------------------------------------- */
/* priv of a sluice_http_response: starts with the host table, as the
 * inline wrappers of sluice/http.h require. */
typedef struct sl_resp_priv {
    const sluice_host *host;
    sl_headers headers;
} sl_resp_priv;

typedef struct sl_resp {
    sluice_http_response pub;
    sl_resp_priv priv;
} sl_resp;

/* A response with an empty body and the given (unredacted) URL; NULL when
 * out of memory. */
sl_resp *sl_resp_new(const char *url);
/* Replaces the error text (redacted copy of msg, NULL clears). */
void sl_resp_set_error(sl_resp *r, const char *msg);

/* ---- rate budget (http_rate.c) ---------------------------------------------- */
typedef struct sl_rate {
    pthread_mutex_t mu;
    double per_s, burst, tokens, last; /* token bucket; per_s 0: unlimited */
    double hold_until;                 /* monotonic seconds: nothing starts before */
    int limits;                        /* sluice_http_limits */
    double window_s;                   /* HubSpot: the rolling window last announced */
} sl_rate;

void sl_rate_init(sl_rate *r); /* unlimited */
/* Before first use: refill per second (0: unlimited), bucket size (0:
 * max(1, per_s)), sluice_http_limits. */
void sl_rate_configure(sl_rate *r, double per_s, double burst, int limits);
void sl_rate_destroy(sl_rate *r);
/* 0 when a request may start now (its token is taken), else the seconds
 * to wait before asking again. */
double sl_rate_acquire(sl_rate *r, double now);
/* Nothing starts before now + s (a later hold already set is kept). */
void sl_rate_hold(sl_rate *r, double now, double s);
/* Reads the adaptive-limit headers of a response that arrived. Returns
 * the hold it decided in seconds (0: none), for the log. */
double sl_rate_observe(sl_rate *r, double now, const sl_headers *h);
/* For a retried response: whether it is the vendor's "slow down" signal
 * (then the wait applies to every request of the client) and, when the
 * response says how long, that many seconds (else -1). */
double sl_rate_throttle(sl_rate *r, long status, const char *body, size_t len, double now_real, int *throttle);

/* ---- retries (http_retry.c) -------------------------------------------------- */
int sl_http_curl_transient(CURLcode cc, const char *errbuf);
int sl_http_status_transient(long status);
/* Seconds a Retry-After value asks for (integer, decimal or HTTP-date),
 * or -1 when v is NULL or unreadable. now_real: wall-clock seconds. */
double sl_http_retry_after(const char *v, double now_real);
/* Full-jitter backoff before retry n (1: the first retry), seconds. */
double sl_http_backoff(sluice_http *c, int n);
/* Sleeps s seconds in slices of 100 ms, watching the stop flag.
 * SLUICE_OK or SLUICE_STOPPED. */
int sl_http_wait(sluice_http *c, double s);

/* ---- OAuth2 state (http_auth.c) ---------------------------------------------- */
typedef struct sl_oauth {
    char *access;       /* current access token (owned), or NULL */
    double expires_at;  /* monotonic; 0: until refused */
    unsigned gen;       /* bumped with every new access token */
    char *refresh;      /* newest refresh token (owned), or NULL */
    CURL *easy;         /* the token endpoint's handle */
} sl_oauth;

/* ---- the client ---------------------------------------------------------------- */
struct sluice_http {
    const sluice_host *host; /* must stay first: the inline wrappers read it */
    sl_http_hooks hooks;
    sluice_http_config cfg;  /* defaults applied; every string an owned copy */
    struct curl_blob ca;     /* system bundle + ca_file (owned data), or data NULL */
    sl_rate rate;
    sl_oauth oa;
    CURLM *multi;            /* every transfer, so connections are reused */
    CURL **easy;             /* [cfg.max_concurrency], created on first use */
    unsigned char *busy;
    pthread_mutex_t lock;    /* one send/many at a time */
    uint64_t rng;            /* jitter state */
};

double sl_http_now(void);      /* monotonic seconds */
double sl_http_now_real(void); /* wall-clock seconds */
int sl_http_stopping(sluice_http *c);
void sl_http_log(sluice_http *c, int level, const char *fmt, ...) SLUICE_PRINTF(3, 4);
/* Options every transfer of the client shares: timeouts, TLS, user agent,
 * compression, protocols. After curl_easy_reset. */
void sl_http_common_opts(sluice_http *c, CURL *e, char *errbuf);
/* url joined to base_url unless absolute; caller frees; NULL when out of
 * memory or when a relative URL has no base_url. */
char *sl_http_join(const sluice_http *c, const char *url);
/* The full URL of a request: joined, query and QUERY credential encoded,
 * checked (http or https). Caller frees; it may hold a credential. NULL
 * with the reason in err and SLUICE_ERROR / SLUICE_ENOMEM in *rc. */
char *sl_http_request_url(const sluice_http *c, const sluice_http_request *req, int *rc, char *err, size_t errlen);
/* Appends "name=value" percent-encoded (RFC 3986 unreserved characters
 * kept) to the malloc'ed *dst of length *len, after a '&' unless *dst is
 * empty. 0, or -1 when out of memory (*dst stays valid). */
int sl_http_form_add(char **dst, size_t *len, const char *name, const char *value);

/* Checks the auth part of the config. 0, or -1 with a message in err. */
int sl_auth_check(const sluice_http_config *cfg, char *err, size_t errlen);
/* Registers the config's secrets and picks the refresh token (the stored
 * one first). 0, or -1 with a message in err. */
int sl_auth_init(sluice_http *c, char *err, size_t errlen);
void sl_auth_free(sluice_http *c);
/* Adds credentials to one attempt: headers to *hdrs, options to e. OAuth2
 * fetches a token first when none is valid (blocking). *gen receives the
 * token generation used. On failure returns SLUICE_RETRY / SLUICE_ERROR /
 * SLUICE_STOPPED / SLUICE_ENOMEM and fills r's status and error. */
int sl_auth_apply(sluice_http *c, CURL *e, struct curl_slist **hdrs, unsigned *gen, sl_resp *r);
/* The access token of generation gen was refused (401): drop it so the
 * next attempt fetches a new one; a newer token is kept. */
void sl_auth_invalidate(sluice_http *c, unsigned gen);
int sl_auth_is_oauth(const sluice_http *c);

#endif
