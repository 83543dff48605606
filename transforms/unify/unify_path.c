/*
 * unify_path.c - source paths into a record.
 *
 *     properties.email          object keys, dot-separated
 *     line_items[0].sku         an element by position ([-1] is the last)
 *     EMAIL[*].VALUE            every element: the result is a list
 *     values[field_code=EMAIL]  the first element whose field has that text
 *     ["odd.key"]               a key holding dots or brackets
 *     $.id                      from the input record, inside an "each"
 *     @                         the value at hand itself (an "each" element)
 *
 * Paths are parsed once, at init; evaluating one is a walk with no
 * allocation unless it selects several values.
 */
#include "unify.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum seg_kind { SEG_KEY, SEG_INDEX, SEG_ALL, SEG_FIND };

typedef struct seg {
    int kind;      /* seg_kind */
    char *key;     /* owned: SEG_KEY, or SEG_FIND's field */
    char *value;   /* owned: SEG_FIND's text */
    long index;    /* SEG_INDEX; negative counts from the end */
} seg;

struct ufy_path {
    int from_root; /* written with a leading "$" */
    int multi;     /* holds a SEG_ALL */
    seg *segs;     /* owned */
    size_t n;
};

void ufy_path_free(ufy_path **pp)
{
    ufy_path *p = pp ? *pp : NULL;
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++) {
        free(p->segs[i].key);
        free(p->segs[i].value);
    }
    free(p->segs);
    free(p);
    *pp = NULL;
}

int ufy_path_multi(const ufy_path *p) { return p && p->multi; }

/* ---- parsing ---- */

static int add_seg(ufy_path *p, seg s)
{
    seg *n = realloc(p->segs, (p->n + 1) * sizeof *n);
    if (!n) {
        free(s.key);
        free(s.value);
        return SLUICE_ENOMEM;
    }
    p->segs = n;
    p->segs[p->n++] = s;
    return SLUICE_OK;
}

static int parse_error(char *err, size_t size, const char *text, const char *why)
{
    snprintf(err, size, "path \"%s\": %s", text, why);
    return SLUICE_EINVAL;
}

/* A key up to the next '.', '[' or the end. */
static int parse_key(ufy_path *p, const char **s)
{
    size_t n = strcspn(*s, ".[]");
    if (n == 0)
        return SLUICE_EINVAL;
    seg sg = { .kind = SEG_KEY, .key = strndup(*s, n) };
    if (!sg.key)
        return SLUICE_ENOMEM;
    *s += n;
    return add_seg(p, sg);
}

static int parse_index(const char *in, size_t n, long *out)
{
    char buf[24], *end;
    if (n == 0 || n >= sizeof buf)
        return SLUICE_EINVAL;
    memcpy(buf, in, n);
    buf[n] = '\0';
    errno = 0;
    long v = strtol(buf, &end, 10);
    if (errno || *end)
        return SLUICE_EINVAL;
    *out = v;
    return SLUICE_OK;
}

/* The inside of [...]: "*", a position, "key=text" or "\"key\"". */
static int parse_bracket(ufy_path *p, const char *in, size_t n)
{
    seg sg = { .kind = SEG_ALL };
    const char *eq = memchr(in, '=', n);
    if (n == 1 && in[0] == '*') {
        p->multi = 1;
        return add_seg(p, sg);
    }
    if (n >= 2 && in[0] == '"' && in[n - 1] == '"') {
        sg.kind = SEG_KEY;
        if (!(sg.key = strndup(in + 1, n - 2)))
            return SLUICE_ENOMEM;
        return add_seg(p, sg);
    }
    if (eq) {
        if (eq == in)
            return SLUICE_EINVAL;
        sg.kind = SEG_FIND;
        sg.key = strndup(in, (size_t)(eq - in));
        sg.value = strndup(eq + 1, n - (size_t)(eq - in) - 1);
        if (!sg.key || !sg.value) {
            free(sg.key);
            free(sg.value);
            return SLUICE_ENOMEM;
        }
        return add_seg(p, sg);
    }
    sg.kind = SEG_INDEX;
    if (parse_index(in, n, &sg.index) != SLUICE_OK)
        return SLUICE_EINVAL;
    return add_seg(p, sg);
}

static int parse_rest(ufy_path *p, const char *s, char *err, size_t size, const char *text)
{
    int first = 1, rc;
    while (*s) {
        if (*s == '[') {
            const char *close = strchr(s + 1, ']');
            if (!close)
                return parse_error(err, size, text, "a '[' without its ']'");
            rc = parse_bracket(p, s + 1, (size_t)(close - s - 1));
            if (rc == SLUICE_EINVAL)
                return parse_error(err, size, text, "expected [N], [*], [key=text] or [\"key\"]");
            if (rc != SLUICE_OK)
                return rc;
            s = close + 1;
        } else {
            if (!first && *s++ != '.')
                return parse_error(err, size, text, "expected '.' or '[' after a ']'");
            rc = parse_key(p, &s);
            if (rc == SLUICE_EINVAL)
                return parse_error(err, size, text, "an empty key (two dots, or a dot at an end)");
            if (rc != SLUICE_OK)
                return rc;
        }
        first = 0;
    }
    return SLUICE_OK;
}

int ufy_path_parse(const char *text, ufy_path **out, char *err, size_t err_size)
{
    ufy_path *p = calloc(1, sizeof *p);
    const char *s = text;
    int rc;
    *out = NULL;
    if (!p)
        return SLUICE_ENOMEM;
    if (*s == '$') {
        p->from_root = 1;
        s += s[1] == '.' ? 2 : 1;
        if (s[-1] == '.' && !*s) {
            ufy_path_free(&p);
            return parse_error(err, err_size, text, "nothing after \"$.\"");
        }
    } else if (strcmp(s, "@") == 0) {
        s++;
    } else if (!*s) {
        ufy_path_free(&p);
        return parse_error(err, err_size, text, "empty (\"@\" is the value at hand)");
    }
    rc = parse_rest(p, s, err, err_size, text);
    if (rc != SLUICE_OK) {
        ufy_path_free(&p);
        return rc;
    }
    *out = p;
    return SLUICE_OK;
}

/* ---- evaluating ---- */

static json_t *find_in(json_t *arr, const seg *sg)
{
    size_t i;
    json_t *el;
    char num[64];
    json_array_foreach(arr, i, el) {
        const char *t = ufy_scalar_text(json_object_get(el, sg->key), num, sizeof num);
        if (t && strcmp(t, sg->value) == 0)
            return el;
    }
    return NULL;
}

/* One step; NULL when there is nothing there. Borrowed. */
static json_t *step(const seg *sg, json_t *v)
{
    switch (sg->kind) {
    case SEG_KEY: return json_object_get(v, sg->key);
    case SEG_INDEX: {
        if (!json_is_array(v))
            return NULL;
        long n = (long)json_array_size(v), i = sg->index < 0 ? n + sg->index : sg->index;
        return i >= 0 && i < n ? json_array_get(v, (size_t)i) : NULL;
    }
    case SEG_FIND: return json_is_array(v) ? find_in(v, sg) : NULL;
    default: return NULL;
    }
}

/* Appends every non-null value the path selects from segment k on. */
static int collect(const ufy_path *p, size_t k, json_t *v, json_t *acc)
{
    for (; k < p->n && v; k++) {
        if (p->segs[k].kind != SEG_ALL) {
            v = step(&p->segs[k], v);
            continue;
        }
        const char *key;
        json_t *el;
        size_t i;
        if (json_is_array(v)) {
            json_array_foreach(v, i, el)
                if (collect(p, k + 1, el, acc) != SLUICE_OK)
                    return SLUICE_ENOMEM;
        } else if (json_is_object(v)) {
            json_object_foreach(v, key, el)
                if (collect(p, k + 1, el, acc) != SLUICE_OK)
                    return SLUICE_ENOMEM;
        }
        return SLUICE_OK;
    }
    if (!v || json_is_null(v))
        return SLUICE_OK;
    return json_array_append(acc, v) == 0 ? SLUICE_OK : SLUICE_ENOMEM;
}

int ufy_path_eval(const ufy_path *p, json_t *root, json_t *item, json_t **out)
{
    json_t *v = p->from_root ? root : item;
    if (p->multi) {
        json_t *acc = json_array();
        if (!acc || collect(p, 0, v, acc) != SLUICE_OK) {
            json_decref(acc);
            return SLUICE_ENOMEM;
        }
        *out = acc;
        return SLUICE_OK;
    }
    for (size_t k = 0; k < p->n && v; k++)
        v = step(&p->segs[k], v);
    *out = v ? json_incref(v) : json_null();
    return SLUICE_OK;
}
