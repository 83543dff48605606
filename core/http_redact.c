/* http_redact.c - see http_redact.h. */
#include "http_redact.h"

#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MASK "***"

static pthread_rwlock_t g_lock = PTHREAD_RWLOCK_INITIALIZER;
static char **g_secrets; /* owned, longest first so a secret containing another goes first */
static size_t g_n, g_cap;

/* Parameter names whose values are always masked (compared case-insensitively). */
static const char *const g_param_names[] = {
    "token", "access_token", "refresh_token", "id_token", "api_key", "apikey", "hapikey", "key",
    "secret", "client_secret", "password", "passwd", "auth", NULL,
};

int sl_secret_add(const char *s)
{
    if (!s || strlen(s) < SL_SECRET_MIN_LEN)
        return 0;
    int rc = 0;
    pthread_rwlock_wrlock(&g_lock);
    size_t len = strlen(s), at = g_n;
    for (size_t i = 0; i < g_n; i++) {
        if (strcmp(g_secrets[i], s) == 0)
            goto out;
        if (at == g_n && strlen(g_secrets[i]) < len)
            at = i;
    }
    if (g_n == g_cap) {
        size_t cap = g_cap ? g_cap * 2 : 16;
        char **v = realloc(g_secrets, cap * sizeof *v);
        if (!v) {
            rc = -1;
            goto out;
        }
        g_secrets = v;
        g_cap = cap;
    }
    char *copy = strdup(s);
    if (!copy) {
        rc = -1;
        goto out;
    }
    memmove(g_secrets + at + 1, g_secrets + at, (g_n - at) * sizeof *g_secrets);
    g_secrets[at] = copy;
    g_n++;
out:
    pthread_rwlock_unlock(&g_lock);
    return rc;
}

void sl_secrets_clear(void)
{
    pthread_rwlock_wrlock(&g_lock);
    for (size_t i = 0; i < g_n; i++)
        free(g_secrets[i]);
    free(g_secrets);
    g_secrets = NULL;
    g_n = g_cap = 0;
    pthread_rwlock_unlock(&g_lock);
}

/* A growing output string; on allocation failure `bad` is set and the
 * rest is ignored. */
typedef struct sb {
    char *p;
    size_t len, cap;
    int bad;
} sb;

static void sb_add(sb *b, const char *s, size_t n)
{
    if (b->bad)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->bad = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static char *sb_finish(sb *b)
{
    if (!b->bad && !b->p)
        sb_add(b, "", 0);
    if (b->bad) {
        free(b->p);
        return NULL;
    }
    return b->p;
}

/* Pass 1: every registered secret becomes MASK. */
static char *mask_secrets(const char *in)
{
    sb out = {0};
    pthread_rwlock_rdlock(&g_lock);
    const char *run = in; /* start of the text not yet copied */
    for (const char *p = in; *p;) {
        size_t hit = 0;
        for (size_t i = 0; i < g_n && !hit; i++)
            if (g_secrets[i][0] == *p && strncmp(p, g_secrets[i], strlen(g_secrets[i])) == 0)
                hit = strlen(g_secrets[i]);
        if (!hit) {
            p++;
            continue;
        }
        sb_add(&out, run, (size_t)(p - run));
        sb_add(&out, MASK, strlen(MASK));
        p += hit;
        run = p;
    }
    pthread_rwlock_unlock(&g_lock);
    sb_add(&out, run, strlen(run));
    return sb_finish(&out);
}

static int is_word(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* Characters that end a parameter value in a URL, a form or free text. */
static int ends_value(char c)
{
    return c == '\0' || c == '&' || c == '#' || isspace((unsigned char)c) || strchr("\"'<>,;)]}\\", c);
}

static int sensitive_name(const char *w, size_t n)
{
    for (const char *const *k = g_param_names; *k; k++)
        if (strlen(*k) == n && strncasecmp(w, *k, n) == 0)
            return 1;
    return 0;
}

/* p points just past a sensitive word: masks "=value" or a JSON
 * `": "value"`. Returns how far it consumed, 0 when neither follows. */
static size_t mask_value(const char *p, sb *out)
{
    if (*p == '=' && !ends_value(p[1])) {
        size_t n = 1;
        while (!ends_value(p[n]))
            n++;
        sb_add(out, "=" MASK, 1 + strlen(MASK));
        return n;
    }
    if (*p != '"')
        return 0;
    size_t n = 1;
    while (p[n] == ' ')
        n++;
    if (p[n] != ':')
        return 0;
    n++;
    while (p[n] == ' ')
        n++;
    if (p[n] != '"')
        return 0;
    size_t v = n + 1;
    while (p[v] && p[v] != '"')
        v += (p[v] == '\\' && p[v + 1]) ? 2 : 1;
    sb_add(out, p, n + 1);
    sb_add(out, MASK, strlen(MASK));
    return v;
}

/* "Authorization:" (any case, also the tail of Proxy-Authorization): the
 * rest of the line goes. Returns the length consumed, or 0. */
static size_t mask_auth_header(const char *p, sb *out)
{
    static const char name[] = "authorization:";
    if (strncasecmp(p, name, sizeof name - 1) != 0)
        return 0;
    size_t n = sizeof name - 1;
    sb_add(out, p, n);
    while (p[n] == ' ' || p[n] == '\t')
        n++;
    sb_add(out, " " MASK, 1 + strlen(MASK));
    while (p[n] && p[n] != '\r' && p[n] != '\n')
        n++;
    return n;
}

/* "://user:password@": keeps the user, masks the password. */
static size_t mask_userinfo(const char *p, sb *out)
{
    if (strncmp(p, "://", 3) != 0)
        return 0;
    size_t u = 3;
    while (p[u] && !strchr("/@:?# \t\r\n\"", p[u]))
        u++;
    if (p[u] != ':' || u == 3)
        return 0;
    size_t w = u + 1;
    while (p[w] && !strchr("/@?# \t\r\n\"", p[w]))
        w++;
    if (p[w] != '@' || w == u + 1)
        return 0;
    sb_add(out, p, u + 1);
    sb_add(out, MASK "@", strlen(MASK) + 1);
    return w + 1;
}

/* Pass 2: the patterns of http_redact.h. Whole words are skipped at once so
 * "monkey=1" never matches "key". */
static char *mask_patterns(const char *in)
{
    sb out = {0};
    const char *p = in;
    while (*p) {
        size_t n = mask_auth_header(p, &out);
        if (!n)
            n = mask_userinfo(p, &out);
        if (n) {
            p += n;
            continue;
        }
        if (!is_word(*p)) {
            sb_add(&out, p++, 1);
            continue;
        }
        size_t w = 1;
        while (is_word(p[w]))
            w++;
        sb_add(&out, p, w);
        size_t v = sensitive_name(p, w) ? mask_value(p + w, &out) : 0;
        p += w + v;
    }
    return sb_finish(&out);
}

char *sl_redact_dup(const char *s)
{
    if (!s)
        return NULL;
    char *a = mask_secrets(s);
    if (!a)
        return NULL;
    char *b = mask_patterns(a);
    free(a);
    return b;
}

void sl_redact_inplace(char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return;
    char *r = sl_redact_dup(buf);
    if (!r) {
        /* Better a lost line than a leaked secret. */
        static const char lost[] = "(message dropped: out of memory while masking secrets)";
        size_t n = sizeof lost < cap ? sizeof lost - 1 : cap - 1;
        memcpy(buf, lost, n);
        buf[n] = '\0';
        return;
    }
    size_t n = strlen(r);
    if (n >= cap)
        n = cap - 1;
    memcpy(buf, r, n);
    buf[n] = '\0';
    free(r);
}
