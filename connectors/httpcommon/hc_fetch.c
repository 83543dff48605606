/* hc_fetch.c - one place that turns an HTTP answer into JSON or into an
 * error message naming the URL, so every connector fails the same way. */
#include <stdio.h>
#include <string.h>

#include "httpcommon.h"

/* The start of a body on one line, for error messages. */
static void excerpt(const sluice_http_response *r, char *buf, size_t n)
{
    size_t j = 0;
    if (n == 0)
        return;
    if (r != NULL && r->body != NULL) {
        for (size_t i = 0; i < r->body_len && j + 4 < n; i++) {
            unsigned char c = (unsigned char)r->body[i];
            buf[j++] = (c == '\n' || c == '\r' || c == '\t') ? ' ' : (char)c;
        }
        if (r->body_len > 0 && j + 4 >= n) {
            memcpy(buf + j, "...", 3);
            j += 3;
        }
    }
    buf[j] = '\0';
}

static const char *url_of(const sluice_http_response *r)
{
    return r != NULL && r->url != NULL ? r->url : "(no URL)";
}

static int gave_up(sluice_ctx *ctx, const sluice_http_response *r)
{
    char body[200];
    if (r == NULL)
        return hc_fail(ctx, "request failed: no response");
    if (r->status == 0)
        return hc_fail(ctx, "gave up on %s after %d attempts: %s", url_of(r), r->attempts,
                       r->error ? r->error : "no response");
    excerpt(r, body, sizeof body);
    return hc_fail(ctx, "gave up on %s after %d attempts: HTTP %ld%s%s", url_of(r), r->attempts, r->status,
                   *body ? ": " : "", body);
}

static int bad_status(sluice_ctx *ctx, const sluice_http_response *r)
{
    char body[300];
    excerpt(r, body, sizeof body);
    if (r->status == 401)
        return hc_fail(ctx, "authentication failed (HTTP 401) at %s: check the credentials%s%s", url_of(r),
                       *body ? ": " : "", body);
    if (r->status == 403)
        return hc_fail(ctx, "access refused (HTTP 403) at %s: check the credentials' permissions%s%s",
                       url_of(r), *body ? ": " : "", body);
    return hc_fail(ctx, "%s answered HTTP %ld%s%s", url_of(r), r->status, *body ? ": " : "", body);
}

int hc_response_json(sluice_ctx *ctx, int rc, const sluice_http_response *r, json_t **body)
{
    char err[512];
    json_t *j;

    *body = NULL;
    if (rc == SLUICE_STOPPED)
        return SLUICE_STOPPED;
    if (rc == SLUICE_RETRY)
        return gave_up(ctx, r);
    if (rc != SLUICE_OK || r == NULL)
        return hc_fail(ctx, "cannot send the request to %s: %s", url_of(r),
                       r && r->error ? r->error : sluice_strerror(rc));
    if (r->status < 200 || r->status >= 300)
        return bad_status(ctx, r);
    if (r->status == 204 || r->body_len == 0)
        return SLUICE_OK;
    err[0] = '\0';
    j = sluice_http_json(r, err, sizeof err);
    if (j == NULL) {
        if (strstr(err, url_of(r)) != NULL)
            return hc_fail(ctx, "malformed page: %s", err);
        return hc_fail(ctx, "malformed page from %s: %s", url_of(r), *err ? err : "not JSON");
    }
    *body = j;
    return SLUICE_OK;
}

int hc_fetch_json(sluice_ctx *ctx, sluice_http *h, const sluice_http_request *req,
                  sluice_http_response **resp_out, json_t **body)
{
    sluice_http_response *r = NULL;
    int rc = sluice_http_send(h, req, &r);
    rc = hc_response_json(ctx, rc, r, body);
    if (resp_out)
        *resp_out = r;
    else
        sluice_http_response_free(r);
    return rc;
}
