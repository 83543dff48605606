/* http_retry.c - which failures are worth another attempt, and how long to
 * wait before it (docs: /work/shared/docs/apis.md section 0, which fits
 * every API sluice talks to). */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http_int.h"
#include "xorshift.h"

/* Transport errors that say nothing about the request itself: the next
 * attempt, on a new connection, may well succeed. */
int sl_http_curl_transient(CURLcode cc, const char *errbuf)
{
    switch (cc) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST: /* resolvers in containers do flap */
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return 1;
    case CURLE_SSL_CONNECT_ERROR:
        /* The handshake failing on a reset or a cut connection is
         * transient; a protocol or certificate mismatch is not. */
        return errbuf && (strstr(errbuf, "reset") || strstr(errbuf, "SYSCALL") ||
                          strstr(errbuf, "unexpected eof") || strstr(errbuf, "timed out"));
    default:
        return 0;
    }
}

int sl_http_status_transient(long status)
{
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

double sl_http_retry_after(const char *v, double now_real)
{
    if (!v)
        return -1;
    while (isspace((unsigned char)*v))
        v++;
    if (isdigit((unsigned char)*v)) {
        char *end;
        errno = 0;
        double s = strtod(v, &end);
        while (isspace((unsigned char)*end))
            end++;
        if (errno == 0 && *end == '\0' && s >= 0)
            return s;
    }
    /* RFC 9110 HTTP-date (IMF-fixdate, and the obsolete RFC 850 and asctime
     * forms, all of which curl_getdate reads). */
    time_t t = curl_getdate(v, NULL);
    if (t == (time_t)-1)
        return -1;
    double s = (double)t - now_real;
    return s > 0 ? s : 0;
}

static double next_unit(sluice_http *c)
{
    return (double)(sl_xorshift64s(&c->rng) >> 11) / 9007199254740992.0; /* [0, 1) */
}

/* "Full jitter": uniform in [0, min(max, initial * 2^(n-1))], which spreads
 * clients that failed together better than a fixed doubling. */
double sl_http_backoff(sluice_http *c, int n)
{
    double cap = (double)c->cfg.backoff_initial_ms / 1000.0;
    double max = (double)c->cfg.backoff_max_ms / 1000.0;
    for (int i = 1; i < n && cap < max; i++)
        cap *= 2;
    if (cap > max)
        cap = max;
    return cap * next_unit(c);
}

int sl_http_wait(sluice_http *c, double s)
{
    double end = sl_http_now() + s;
    for (;;) {
        if (sl_http_stopping(c))
            return SLUICE_STOPPED;
        double left = end - sl_http_now();
        if (left <= 0)
            return SLUICE_OK;
        if (left > 0.1)
            left = 0.1;
        struct timespec ts = {(time_t)left, (long)((left - (double)(time_t)left) * 1e9)};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
}
