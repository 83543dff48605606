/* xml_recpath.c - compiling and matching the `record` path subset (see
 * xml_recpath.h). */
#include "xml_recpath.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longer paths are refused: matching is recursive. */
#define XRP_MAX_STEPS 32

void xrp_free(xrp_path *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->steps[i].ns);
        free(p->steps[i].local);
    }
    free(p->steps);
    free(p->memo);
    p->steps = NULL;
    p->memo = NULL;
    p->n = 0;
}

static int bad(char *err, size_t errlen, const char *text, const char *why)
{
    snprintf(err, errlen, "record path \"%s\": %s", text, why);
    return -1;
}

/* One name test (between slashes), into s. */
static int compile_test(xrp_step *s, const char *t, size_t len, const json_t *ns, const char *text, char *err,
                        size_t errlen)
{
    if (len == 0)
        return bad(err, errlen, text, "empty step");
    if (memchr(t, '[', len) != NULL || memchr(t, '@', len) != NULL || memchr(t, '(', len) != NULL ||
        memchr(t, ' ', len) != NULL || (len >= 1 && t[0] == '.'))
        return bad(err, errlen, text,
                   "only element names, '*', '/' and '//' are supported here (predicates, attributes, "
                   "functions and axes go in fields)");
    const char *colon = memchr(t, ':', len);
    const char *name = colon != NULL ? colon + 1 : t;
    size_t nlen = colon != NULL ? len - (size_t)(colon + 1 - t) : len;
    if (nlen == 0 || (colon != NULL && colon == t))
        return bad(err, errlen, text, "bad name");
    if (colon != NULL) {
        char prefix[256];
        size_t plen = (size_t)(colon - t);
        if (plen >= sizeof prefix)
            return bad(err, errlen, text, "prefix too long");
        memcpy(prefix, t, plen);
        prefix[plen] = '\0';
        const char *uri = json_string_value(json_object_get(ns, prefix));
        if (uri == NULL) {
            snprintf(err, errlen, "record path \"%s\": prefix \"%s\" is not declared in namespaces", text, prefix);
            return -1;
        }
        if ((s->ns = strdup(uri)) == NULL)
            return bad(err, errlen, text, "out of memory");
    } else if (nlen == 1 && name[0] == '*') {
        s->any_ns = 1;
    }
    if (!(nlen == 1 && name[0] == '*') && (s->local = strndup(name, nlen)) == NULL)
        return bad(err, errlen, text, "out of memory");
    return 0;
}

int xrp_compile(xrp_path *p, const char *text, const json_t *ns, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (text == NULL || text[0] != '/')
        return bad(err, errlen, text ? text : "", "must start with / or //");
    p->steps = calloc(XRP_MAX_STEPS, sizeof *p->steps);
    if (p->steps == NULL)
        return bad(err, errlen, text, "out of memory");
    const char *s = text;
    while (*s != '\0') {
        if (p->n == XRP_MAX_STEPS) {
            xrp_free(p);
            return bad(err, errlen, text, "too many steps");
        }
        xrp_step *st = &p->steps[p->n++];
        st->descendant = s[1] == '/';
        s += st->descendant ? 2 : 1;
        size_t len = strcspn(s, "/");
        if (compile_test(st, s, len, ns, text, err, errlen) != 0) {
            xrp_free(p);
            return -1;
        }
        s += len;
    }
    p->memo = malloc((p->n + 1) * (XRP_MAX_DEPTH + 1));
    if (p->memo == NULL) {
        xrp_free(p);
        return bad(err, errlen, text, "out of memory");
    }
    return 0;
}

static int test_matches(const xrp_step *s, const char *name, const char *uri)
{
    if (s->local != NULL && strcmp(s->local, name) != 0)
        return 0;
    if (s->any_ns)
        return 1;
    if (s->ns == NULL)
        return uri == NULL || uri[0] == '\0';
    return uri != NULL && strcmp(s->ns, uri) == 0;
}

/* Steps i.. against ancestry j..: a bit mask of XRP_BELOW and XRP_RECORD. */
static int match_from(const xrp_path *p, size_t i, const char *const *names, const char *const *uris, size_t j,
                      size_t n)
{
    if (j == n)
        return i == p->n ? XRP_RECORD : XRP_BELOW;
    if (i == p->n)
        return XRP_NONE;
    unsigned char *memo = &p->memo[i * (XRP_MAX_DEPTH + 1) + j];
    if (*memo != 0)
        return *memo - 1;
    const xrp_step *s = &p->steps[i];
    int r = test_matches(s, names[j], uris[j]) ? match_from(p, i + 1, names, uris, j + 1, n) : XRP_NONE;
    if (s->descendant && r != (XRP_RECORD | XRP_BELOW))
        r |= match_from(p, i, names, uris, j + 1, n); /* names[j] is an ancestor in between */
    *memo = (unsigned char)(r + 1);
    return r;
}

int xrp_match(const xrp_path *p, const char *const *names, const char *const *uris, size_t n)
{
    if (n > XRP_MAX_DEPTH)
        return XRP_NONE;
    for (size_t i = 0; i <= p->n; i++)
        memset(&p->memo[i * (XRP_MAX_DEPTH + 1)], 0, n + 1);
    int r = match_from(p, 0, names, uris, 0, n);
    return (r & XRP_RECORD) ? XRP_RECORD : r;
}
