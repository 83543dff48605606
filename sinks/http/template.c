/* template.c - {field} placeholders in the URL, headers and body. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_sink.h"

/* A growing NUL-terminated string. */
typedef struct hs_buf {
    char *s;
    size_t n, cap;
} hs_buf;

static int buf_add(hs_buf *b, const char *s, size_t len)
{
    if (b->n + len + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + len + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (p == NULL)
            return -1;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->n, s, len);
    b->n += len;
    b->s[b->n] = '\0';
    return 0;
}

static int add_part(hs_template *t, const char *text, size_t len, int is_field)
{
    hs_part *p = realloc(t->parts, (t->n + 1) * sizeof *p);
    if (p == NULL)
        return -1;
    t->parts = p;
    if ((p[t->n].text = strndup(text, len)) == NULL)
        return -1;
    p[t->n].is_field = is_field;
    t->n++;
    t->has_fields |= is_field;
    return 0;
}

int hs_template_compile(hs_template *t, const char *src, char *err, size_t errlen)
{
    hs_buf lit = {0};
    memset(t, 0, sizeof *t);
    for (const char *p = src; *p;) {
        if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
            if (buf_add(&lit, p, 1) != 0)
                goto nomem;
            p += 2;
        } else if (*p == '{') {
            const char *end = strpbrk(p + 1, "{}");
            if (end == NULL || *end != '}' || end == p + 1) {
                snprintf(err, errlen, "unclosed or empty placeholder at \"%.20s\" (write {{ for a literal {)", p);
                goto fail;
            }
            if ((lit.n && add_part(t, lit.s, lit.n, 0) != 0) || add_part(t, p + 1, (size_t)(end - p - 1), 1) != 0)
                goto nomem;
            lit.n = 0;
            p = end + 1;
        } else if (*p == '}') {
            snprintf(err, errlen, "stray } at \"%.20s\" (write }} for a literal })", p);
            goto fail;
        } else {
            if (buf_add(&lit, p, 1) != 0)
                goto nomem;
            p++;
        }
    }
    if (lit.n && add_part(t, lit.s, lit.n, 0) != 0)
        goto nomem;
    free(lit.s);
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
fail:
    free(lit.s);
    hs_template_free(t);
    return -1;
}

void hs_template_free(hs_template *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->parts[i].text);
    free(t->parts);
    memset(t, 0, sizeof *t);
}

/* The record's field: a member by its exact name first, so names with dots
 * work, then a dotted path or JSON pointer. Borrowed, or NULL. */
static json_t *field_of(json_t *record, const char *name)
{
    json_t *v = json_object_get(record, name);
    return v ? v : hc_pointer(record, name);
}

/* Appends field `name` as text. 0, or -1 with why. */
static int add_field(hs_buf *b, json_t *record, const char *name, int encode, char *why, size_t whylen)
{
    char num[64];
    const char *text;
    json_t *v = field_of(record, name);
    if (v == NULL) {
        snprintf(why, whylen, "missing field %s", name);
        return -1;
    }
    if (json_is_string(v)) {
        text = json_string_value(v);
    } else if (hc_scalar_text(v, num, sizeof num) == 0) {
        text = num;
    } else {
        snprintf(why, whylen, "field %s is %s, not a string, number or boolean", name,
                 json_is_null(v) ? "null" : json_is_array(v) ? "an array" : "an object");
        return -1;
    }
    char *enc = encode ? hc_urlencode(text) : NULL;
    int rc = encode && enc == NULL ? -1 : buf_add(b, enc ? enc : text, strlen(enc ? enc : text));
    free(enc);
    if (rc != 0)
        snprintf(why, whylen, "out of memory");
    return rc;
}

char *hs_template_text(const hs_template *t, json_t *record, int encode, char *why, size_t whylen)
{
    hs_buf b = {0};
    if (buf_add(&b, "", 0) != 0) {
        snprintf(why, whylen, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < t->n; i++) {
        const hs_part *p = &t->parts[i];
        int rc = p->is_field ? add_field(&b, record, p->text, encode, why, whylen)
                             : buf_add(&b, p->text, strlen(p->text));
        if (rc != 0) {
            if (!p->is_field)
                snprintf(why, whylen, "out of memory");
            free(b.s);
            return NULL;
        }
    }
    return b.s;
}

/* ---- JSON body templates ---------------------------------------------------- */

int hs_body_check(json_t *tmpl, char *err, size_t errlen)
{
    const char *key;
    json_t *v;
    size_t i;
    hs_template t;
    switch (json_typeof(tmpl)) {
    case JSON_STRING:
        if (hs_template_compile(&t, json_string_value(tmpl), err, errlen) != 0)
            return -1;
        hs_template_free(&t);
        return 0;
    case JSON_OBJECT:
        json_object_foreach(tmpl, key, v)
            if (hs_body_check(v, err, errlen) != 0)
                return -1;
        return 0;
    case JSON_ARRAY:
        json_array_foreach(tmpl, i, v)
            if (hs_body_check(v, err, errlen) != 0)
                return -1;
        return 0;
    default: return 0;
    }
}

int hs_body_has_fields(json_t *tmpl)
{
    const char *key;
    json_t *v;
    size_t i;
    char err[8];
    hs_template t;
    int has = 0;
    switch (json_typeof(tmpl)) {
    case JSON_STRING:
        if (hs_template_compile(&t, json_string_value(tmpl), err, sizeof err) == 0) {
            has = t.has_fields;
            hs_template_free(&t);
        }
        return has;
    case JSON_OBJECT:
        json_object_foreach(tmpl, key, v)
            has |= hs_body_has_fields(v);
        return has;
    case JSON_ARRAY:
        json_array_foreach(tmpl, i, v)
            has |= hs_body_has_fields(v);
        return has;
    default: return 0;
    }
}

static json_t *render_string(const char *src, json_t *record, char *why, size_t whylen)
{
    hs_template t;
    if (hs_template_compile(&t, src, why, whylen) != 0) /* checked at init: only ENOMEM here */
        return NULL;
    json_t *out = NULL;
    if (t.n == 1 && t.parts[0].is_field) { /* "{qty}": the value with its own type */
        json_t *v = field_of(record, t.parts[0].text);
        if (v == NULL)
            snprintf(why, whylen, "missing field %s", t.parts[0].text);
        else
            out = json_deep_copy(v);
    } else {
        char *text = hs_template_text(&t, record, 0, why, whylen);
        out = text ? json_string(text) : NULL;
        free(text);
    }
    hs_template_free(&t);
    return out;
}

json_t *hs_body_render(json_t *tmpl, json_t *record, char *why, size_t whylen)
{
    const char *key;
    json_t *v, *out, *item;
    size_t i;
    switch (json_typeof(tmpl)) {
    case JSON_STRING: return render_string(json_string_value(tmpl), record, why, whylen);
    case JSON_OBJECT:
        if ((out = json_object()) == NULL)
            break;
        json_object_foreach(tmpl, key, v) {
            if ((item = hs_body_render(v, record, why, whylen)) == NULL || json_object_set_new(out, key, item) != 0) {
                json_decref(out);
                return NULL;
            }
        }
        return out;
    case JSON_ARRAY:
        if ((out = json_array()) == NULL)
            break;
        json_array_foreach(tmpl, i, v) {
            if ((item = hs_body_render(v, record, why, whylen)) == NULL || json_array_append_new(out, item) != 0) {
                json_decref(out);
                return NULL;
            }
        }
        return out;
    default: return json_incref(tmpl);
    }
    snprintf(why, whylen, "out of memory");
    return NULL;
}
