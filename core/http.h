/* http.h - the core's side of sluice/http.h: the functions behind the
 * host table's HTTP slots, and a constructor that needs no engine.
 *
 * A client created through the host table (sl_http_new) reaches its stage
 * through the sluice_ctx: should_stop, the state store (rotated OAuth2
 * refresh tokens) and the stage's log prefix. sl_http_new_with() takes those
 * as hooks instead, so unit tests and tools can use the client without a
 * running pipeline.
 *
 * The behaviour is the contract written in include/sluice/http.h; details
 * beyond it:
 *   - *out is always set: a response (with `error` explaining what went
 *     wrong, e.g. a bad URL or a refused TLS certificate) or NULL when
 *     memory ran out;
 *   - redirects are not followed (a 3xx is returned), so credentials never
 *     travel to another host;
 *   - a Retry-After above SL_HTTP_MAX_RETRY_AFTER_S ends the retries
 *     (SLUICE_RETRY) instead of sleeping for hours;
 *   - the 401 refresh is one extra attempt, not taken from the budget;
 *   - one thread at a time per client (a mutex enforces it); for
 *     parallelism use sluice_http_many.
 */
#ifndef SL_HTTP_H
#define SL_HTTP_H

#include "sluice/http.h"

#define SL_HTTP_MAX_RETRY_AFTER_S 3600.0

typedef struct sl_http_hooks {
    int (*should_stop)(void *arg);                           /* NULL: never */
    json_t *(*kv_get)(void *arg, const char *key);            /* new reference or NULL; may be NULL */
    int (*kv_put)(void *arg, const char *key, json_t *value); /* value borrowed; may be NULL */
    void (*log)(void *arg, int level, const char *msg);       /* NULL: the core logger, stage "http" */
    void (*count)(void *arg, int retry);                      /* each attempt sent (0), each retry (1); may be NULL */
    void *arg;
} sl_http_hooks;

/* Host slots (see core/host.c). */
sluice_http *sl_http_new(sluice_ctx *ctx, const sluice_http_config *cfg);
void sl_http_free(sluice_http *h);
int sl_http_send(sluice_http *h, const sluice_http_request *req, sluice_http_response **out);
int sl_http_many(sluice_http *h, const sluice_http_request *const *reqs, size_t n, sluice_http_response **out);
const char *sl_http_header(const sluice_http_response *r, const char *name);
json_t *sl_http_json(const sluice_http_response *r, char *err, size_t errlen);
void sl_http_response_free(sluice_http_response *r);
void sl_http_add_secret(sluice_ctx *ctx, const char *secret);

/* A client without an engine. hooks is copied; NULL means no hooks.
 * Returns NULL (after logging why) on a bad config or out of memory. */
sluice_http *sl_http_new_with(const sluice_http_config *cfg, const sl_http_hooks *hooks);
/* The same with only a stop check: should_stop(arg) non-zero ends waits. */
sluice_http *sl_http_new_standalone(const sluice_http_config *cfg, int (*should_stop)(void *), void *arg);

#endif
