/*
 * sluice/http.h - HTTP for plugins (ABI 1.2), built on libcurl inside the core.
 *
 * Every HTTP connector, in tree or out of tree, gets the same client:
 * connection reuse, compressed responses, connect/total/low-speed timeouts,
 * HTTP(S)_PROXY from the environment, TLS verification always on (ca_file
 * adds a CA; there is no switch that turns verification off), retries with
 * exponential backoff and full jitter on transport errors, timeouts and 5xx,
 * 429 honouring Retry-After (seconds, decimals or an HTTP date), a token
 * bucket rate budget plus adaptive limits from response headers, concurrent
 * requests through the curl multi interface, and authentication (bearer,
 * basic, API key in a header or the query, OAuth2 client credentials and
 * refresh token, refreshed once on 401, the rotated refresh token persisted
 * in the state store).
 *
 * Secrets (tokens, passwords, client secrets, and the values of options
 * marked SLUICE_OPT_SECRET) are registered with the core, which replaces
 * them with "***" in every log line, error message and dead letter;
 * Authorization headers and token-bearing query parameters never reach a
 * log.
 *
 * Plugins still link no core symbol: these wrappers call slots of the host
 * table. Check sluice_host_minor(ctx) >= 2 before using them from a plugin
 * that must also load into an older host.
 *
 * Ownership: sluice_http_new returns a client the plugin frees with
 * sluice_http_free (in fini at the latest). Requests and configs are
 * borrowed for the duration of the call. Responses are owned by the caller
 * and freed with sluice_http_response_free.
 */
#ifndef SLUICE_HTTP_H
#define SLUICE_HTTP_H

#include <sluice/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

/* declared in sluice/plugin.h */

typedef enum sluice_http_auth {
    SLUICE_AUTH_NONE = 0,
    SLUICE_AUTH_BEARER,         /* Authorization: Bearer <token> */
    SLUICE_AUTH_BASIC,          /* username + password */
    SLUICE_AUTH_HEADER,         /* <auth_name>: <token> */
    SLUICE_AUTH_QUERY,          /* ?<auth_name>=<token> on every request */
    SLUICE_AUTH_OAUTH2_CLIENT,  /* client_credentials grant at token_url */
    SLUICE_AUTH_OAUTH2_REFRESH  /* refresh_token grant at token_url */
} sluice_http_auth;

/* Adaptive limits the client reads from responses, besides Retry-After. */
typedef enum sluice_http_limits {
    SLUICE_LIMITS_NONE = 0,
    SLUICE_LIMITS_SHOPIFY,      /* X-Shopify-Shop-Api-Call-Limit: used/size leaky bucket */
    SLUICE_LIMITS_HUBSPOT,      /* X-HubSpot-RateLimit-Remaining / -Interval-Milliseconds */
    SLUICE_LIMITS_BITRIX24      /* "time": {"operating": ...} and QUERY_LIMIT_EXCEEDED (503) */
} sluice_http_limits;

typedef struct sluice_http_config {
    uint32_t struct_size;       /* sizeof(sluice_http_config) */
    const char *base_url;       /* relative request URLs are joined to it */
    const char *ca_file;        /* an extra CA bundle (PEM), or NULL */
    const char *user_agent;     /* default "sluice/<version>" */
    long connect_timeout_ms;    /* 0: 10000 */
    long timeout_ms;            /* whole request; 0: 120000 */
    long low_speed_limit;       /* bytes/s below which ...; 0: 1 */
    long low_speed_time_s;      /* ... for this long aborts; 0: 30 */
    int max_attempts;           /* 0: 6 */
    long backoff_initial_ms;    /* 0: 1000 */
    long backoff_max_ms;        /* 0: 60000 */
    double rate_per_s;          /* token bucket refill; 0: unlimited */
    double rate_burst;          /* bucket size; 0: max(1, rate_per_s) */
    int max_concurrency;        /* parallel requests in sluice_http_many; 0: 4 */
    int limits;                 /* sluice_http_limits */
    /* authentication */
    int auth;                   /* sluice_http_auth */
    const char *token;          /* BEARER, HEADER, QUERY: the secret value */
    const char *auth_name;      /* HEADER: header name; QUERY: parameter name */
    const char *username;       /* BASIC; OAUTH2 (resource owner): unused */
    const char *password;       /* BASIC */
    const char *token_url;      /* OAUTH2_*: absolute or relative to base_url */
    const char *client_id;      /* OAUTH2_* */
    const char *client_secret;  /* OAUTH2_* */
    const char *refresh_token;  /* OAUTH2_REFRESH: the first one; the newest is kept in the state store */
    const char *scope;          /* OAUTH2_*: optional */
} sluice_http_config;

typedef struct sluice_http_request {
    uint32_t struct_size;          /* sizeof(sluice_http_request) */
    const char *method;            /* NULL: GET */
    const char *url;               /* absolute, or relative to base_url */
    const char *const *query;      /* NULL-terminated name, value, name, value...; encoded by the core */
    const char *const *headers;    /* NULL-terminated "Name: value" lines */
    const char *body;              /* NULL: no body */
    size_t body_len;
    const char *content_type;      /* NULL with a body: application/json */
    int attempts;                  /* 0: the client's max_attempts; 1: never retry */
} sluice_http_request;

typedef struct sluice_http_response {
    long status;          /* HTTP status of the last attempt; 0 when none arrived */
    char *body;           /* NUL-terminated (owned by the response) */
    size_t body_len;
    char *url;            /* the URL of the last attempt, secrets redacted */
    char *error;          /* transport error of the last attempt, or NULL */
    int attempts;         /* attempts made */
    double elapsed_s;     /* across all attempts and waits */
    void *priv;           /* the core's */
} sluice_http_response;

/* Results of sluice_http_send / sluice_http_many:
 *   SLUICE_OK       a response arrived that is not retried (2xx, 3xx, 4xx
 *                   other than 429, or 401 after one refresh) -- look at status;
 *   SLUICE_RETRY    attempts ran out on transport errors, timeouts, 429 or
 *                   5xx; *out still holds the last response (status/error);
 *   SLUICE_STOPPED  the run is stopping;
 *   SLUICE_ERROR    cannot even try (bad URL, out of memory). */

static inline sluice_http *sluice_http_new(sluice_ctx *ctx, const sluice_http_config *cfg)
{
    return sluice_host_of_ctx(ctx)->http_new(ctx, cfg);
}
static inline void sluice_http_free(sluice_http *h)
{
    /* the client remembers its host table: no ctx needed */
    if (h)
        (*(const sluice_host *const *)(const void *)h)->http_free(h);
}
static inline int sluice_http_send(sluice_http *h, const sluice_http_request *req, sluice_http_response **out)
{
    return (*(const sluice_host *const *)(const void *)h)->http_send(h, req, out);
}
/* Sends n requests at once (up to max_concurrency in flight, each with its
 * own retries and the shared rate budget); out[i] answers reqs[i]. Returns
 * the worst of the per-request results. */
static inline int sluice_http_many(sluice_http *h, const sluice_http_request *const *reqs, size_t n,
                                   sluice_http_response **out)
{
    return (*(const sluice_host *const *)(const void *)h)->http_many(h, reqs, n, out);
}
/* A response header's value (borrowed from the response), or NULL;
 * the name is matched case-insensitively. */
static inline const char *sluice_http_header(const sluice_http_response *r, const char *name)
{
    return (*(const sluice_host *const *)r->priv)->http_header(r, name);
}
/* Parses the body as JSON (new reference); NULL with a message naming the
 * URL, line and column in err. */
static inline json_t *sluice_http_json(const sluice_http_response *r, char *err, size_t errlen)
{
    return (*(const sluice_host *const *)r->priv)->http_json(r, err, errlen);
}
static inline void sluice_http_response_free(sluice_http_response *r)
{
    if (r)
        (*(const sluice_host *const *)r->priv)->http_response_free(r);
}
/* Registers a secret the core must never print (copied). */
static inline void sluice_secret(sluice_ctx *ctx, const char *secret)
{
    sluice_host_of_ctx(ctx)->add_secret(ctx, secret);
}

#ifdef __cplusplus
}
#endif
#endif /* SLUICE_HTTP_H */
