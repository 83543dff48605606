/* auth.c - HTTP Basic credentials and the session cookie of checkauth.
 *
 * 1C sends Basic credentials on every request and, after checkauth, the
 * cookie the site named. Both are checked on every request but checkauth
 * itself. The header is decoded here rather than with libmicrohttpd's
 * helpers, whose names changed between 0.9.75 and later releases. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include "onec.h"

static int b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes base64 text (padding optional) into out; returns the length, or
 * -1 on a bad character or when out is too small (one byte is kept for
 * the terminating NUL). */
static long b64_decode(const char *in, char *out, size_t cap)
{
    unsigned acc = 0;
    int bits = 0;
    size_t n = 0;
    for (; *in != '\0' && *in != '='; in++) {
        int v = b64_value((unsigned char)*in);
        if (v < 0)
            return -1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n + 1 >= cap)
                return -1;
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[n] = '\0';
    return (long)n;
}

/* Compares without an early exit, so the time taken does not tell an
 * attacker how many leading bytes of the password were right. */
static int same_secret(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    unsigned char diff = alen != blen;
    for (size_t i = 0; i < alen; i++)
        diff |= (unsigned char)(a[i] ^ b[i % (blen ? blen : 1)]);
    return diff == 0;
}

int sl_1c_auth_ok(const sl_1c_config *cfg, const char *header)
{
    char plain[1024];
    if (header == NULL || strncasecmp(header, "Basic ", 6) != 0)
        return 0;
    const char *p = header + 6;
    while (*p == ' ')
        p++;
    long n = b64_decode(p, plain, sizeof plain);
    if (n < 0)
        return 0;
    char *colon = memchr(plain, ':', (size_t)n);
    if (colon == NULL || memchr(plain, '\0', (size_t)n) != NULL)
        return 0;
    size_t ulen = (size_t)(colon - plain);
    int ok = same_secret(plain, ulen, cfg->user);
    ok &= same_secret(colon + 1, (size_t)n - ulen - 1, cfg->password);
    explicit_bzero(plain, sizeof plain);
    return ok;
}

int sl_1c_cookie_new(sl_1c_shared *sh, char out[33])
{
    unsigned char raw[16];
    size_t got = 0;
    while (got < sizeof raw) {
        ssize_t r = getrandom(raw + got, sizeof raw - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    for (size_t i = 0; i < sizeof raw; i++)
        snprintf(out + 2 * i, 3, "%02x", raw[i]);
    /* The oldest session makes room: 1C runs one exchange at a time. */
    unsigned slot = sh->next_cookie++ % SL_1C_COOKIES;
    memcpy(sh->cookies[slot], out, 33);
    return 0;
}

/* Non-zero when value (vlen bytes) is one of the live sessions. */
static int live_session(const sl_1c_shared *sh, const char *value, size_t vlen)
{
    if (vlen != 32)
        return 0;
    for (unsigned i = 0; i < SL_1C_COOKIES; i++)
        if (sh->cookies[i][0] != '\0' && same_secret(value, vlen, sh->cookies[i]))
            return 1;
    return 0;
}

int sl_1c_cookie_ok(const sl_1c_shared *sh, const char *header)
{
    static const char name[] = SL_1C_COOKIE_NAME "=";
    const char *p = header;
    while (p != NULL && *p != '\0') {
        while (*p == ' ' || *p == ';')
            p++;
        size_t len = strcspn(p, ";");
        if (len > sizeof name - 1 && strncmp(p, name, sizeof name - 1) == 0) {
            const char *v = p + sizeof name - 1;
            size_t vlen = len - (sizeof name - 1);
            while (vlen > 0 && v[vlen - 1] == ' ')
                vlen--;
            if (live_session(sh, v, vlen))
                return 1;
        }
        p += len;
    }
    return 0;
}
