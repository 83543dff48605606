/* xml_text.c - text helpers over expanded subtrees (see xml_text.h). */
#include "xml_text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int slx_buf_reserve(slx_buf *b, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = 1;
            return -1;
        }
        b->p = p;
        b->cap = cap;
    }
    return 0;
}

int slx_buf_add(slx_buf *b, const char *s, size_t n)
{
    if (slx_buf_reserve(b, n) != 0)
        return -1;
    if (n > 0)
        memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
    return 0;
}

void slx_buf_reset(slx_buf *b)
{
    b->len = 0;
    if (b->p != NULL)
        b->p[0] = '\0';
}

void slx_buf_free(slx_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
    b->oom = 0;
}

int slx_is(const xmlNode *n, const char *local)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, local) == 0;
}

xmlNode *slx_next_elem(const xmlNode *n)
{
    for (n = n != NULL ? n->next : NULL; n != NULL; n = n->next)
        if (n->type == XML_ELEMENT_NODE)
            return (xmlNode *)n;
    return NULL;
}

xmlNode *slx_first_elem(const xmlNode *n)
{
    xmlNode *c = n != NULL ? n->children : NULL;
    if (c == NULL || c->type == XML_ELEMENT_NODE)
        return c;
    return slx_next_elem(c);
}

xmlNode *slx_child(const xmlNode *n, const char *local)
{
    for (xmlNode *c = slx_first_elem(n); c != NULL; c = slx_next_elem(c))
        if (strcmp((const char *)c->name, local) == 0)
            return c;
    return NULL;
}

static int is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

char *slx_trim(char *s)
{
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_space(s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* Trims b in place (moving the text to the front). */
static const char *trim_buf(slx_buf *b)
{
    if (b->p == NULL) {
        if (slx_buf_add(b, "", 0) != 0)
            return NULL;
    }
    char *t = slx_trim(b->p);
    size_t n = strlen(t);
    memmove(b->p, t, n + 1);
    b->len = n;
    return b->p;
}

const char *slx_text(const xmlNode *n, slx_buf *b)
{
    slx_buf_reset(b);
    for (const xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content != NULL) {
            slx_buf_add(b, (const char *)c->content, strlen((const char *)c->content));
        } else if (c->type == XML_ENTITY_REF_NODE) {
            /* Never expanded: see xml_safe.h. */
            slx_buf_add(b, "&", 1);
            slx_buf_add(b, (const char *)c->name, strlen((const char *)c->name));
            slx_buf_add(b, ";", 1);
        }
    }
    return b->oom ? NULL : trim_buf(b);
}

static void add_all(const xmlNode *n, slx_buf *b, int depth)
{
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content != NULL)
            slx_buf_add(b, (const char *)c->content, strlen((const char *)c->content));
        else if (c->type == XML_ELEMENT_NODE && depth < 256) /* libxml2 caps nesting at 256 anyway */
            add_all(c, b, depth + 1);
    }
}

const char *slx_text_all(const xmlNode *n, slx_buf *b)
{
    slx_buf_reset(b);
    if (n != NULL)
        add_all(n, b, 0);
    return b->oom ? NULL : trim_buf(b);
}

const char *slx_child_text(const xmlNode *n, const char *local, slx_buf *b)
{
    xmlNode *c = slx_child(n, local);
    if (c == NULL)
        return NULL;
    const char *t = slx_text(c, b);
    return t != NULL && t[0] != '\0' ? t : NULL;
}

const char *slx_attr_text(const xmlNode *n, const char *name, slx_buf *b)
{
    slx_buf_reset(b);
    for (const xmlAttr *a = n != NULL ? n->properties : NULL; a != NULL; a = a->next) {
        if (a->ns != NULL || strcmp((const char *)a->name, name) != 0)
            continue;
        for (const xmlNode *c = a->children; c != NULL; c = c->next)
            if (c->type == XML_TEXT_NODE && c->content != NULL)
                slx_buf_add(b, (const char *)c->content, strlen((const char *)c->content));
        const char *t = b->oom ? NULL : trim_buf(b);
        return t != NULL && t[0] != '\0' ? t : NULL;
    }
    return NULL;
}

/* Length of a space that may sit between digit groups at s, or 0: ASCII
 * space, no-break space U+00A0, thin space U+2009, narrow no-break space
 * U+202F. */
static size_t group_space(const unsigned char *s)
{
    if (s[0] == ' ')
        return 1;
    if (s[0] == 0xC2 && s[1] == 0xA0)
        return 2;
    if (s[0] == 0xE2 && s[1] == 0x80 && (s[2] == 0x89 || s[2] == 0xAF))
        return 3;
    return 0;
}

const char *slx_decimal(const char *s, slx_buf *b)
{
    const unsigned char *p = (const unsigned char *)s;
    slx_buf_reset(b);
    if (*p == '-' || *p == '+') {
        if (*p == '-' && slx_buf_add(b, "-", 1) != 0)
            return NULL;
        p++;
    }
    int digits = 0, point = 0;
    while (*p != '\0') {
        size_t sp;
        if (*p >= '0' && *p <= '9') {
            if (slx_buf_add(b, (const char *)p, 1) != 0)
                return NULL;
            digits++;
            p++;
        } else if ((*p == '.' || *p == ',') && !point && digits > 0 && p[1] >= '0' && p[1] <= '9') {
            if (slx_buf_add(b, ".", 1) != 0)
                return NULL;
            point = 1;
            p++;
        } else if (!point && digits > 0 && (sp = group_space(p)) > 0 && p[sp] >= '0' && p[sp] <= '9') {
            p += sp;
        } else {
            return NULL;
        }
    }
    return digits > 0 ? b->p : NULL;
}

/* "-12.345" -> mantissa -12345000000 at scale 9, and the number of
 * decimals written; -1 when it does not fit. */
static int parse_fixed(const char *s, __int128 *out, int *decimals)
{
    int neg = *s == '-';
    if (neg)
        s++;
    __int128 v = 0;
    int intdigits = 0, dec = 0, point = 0;
    for (; *s != '\0'; s++) {
        if (*s == '.') {
            point = 1;
            continue;
        }
        if (*s < '0' || *s > '9')
            return -1;
        if (point && ++dec > 9)
            return -1;
        if (!point && ++intdigits > 18)
            return -1;
        v = v * 10 + (*s - '0');
    }
    for (int k = dec; k < 9; k++)
        v *= 10;
    *out = neg ? -v : v;
    *decimals = dec;
    return 0;
}

const char *slx_decimal_add(const char *a, const char *b, slx_buf *out)
{
    __int128 x, y;
    int da, db;
    if (parse_fixed(a, &x, &da) != 0 || parse_fixed(b, &y, &db) != 0)
        return NULL;
    __int128 sum = x + y;
    int dec = da > db ? da : db;
    char tmp[64];
    int neg = sum < 0;
    unsigned __int128 u = neg ? (unsigned __int128)(-sum) : (unsigned __int128)sum;
    for (int k = dec; k < 9; k++)
        u /= 10; /* the dropped digits are zeros: both inputs had at most dec decimals */
    size_t n = 0;
    int written = 0;
    do {
        if (written == dec && dec > 0)
            tmp[n++] = '.';
        tmp[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
        written++;
    } while (u > 0 || written <= dec);
    if (neg)
        tmp[n++] = '-';
    slx_buf_reset(out);
    for (size_t i = 0; i < n; i++)
        if (slx_buf_add(out, &tmp[n - 1 - i], 1) != 0)
            return NULL;
    return out->p;
}

/* _nocheck: the text comes from libxml2, which hands out validated UTF-8
 * only (see connectors/commerceml/cml_items.c). */
int slx_set_str(json_t *obj, const char *key, const char *s)
{
    if (s == NULL || s[0] == '\0')
        return 0;
    return json_object_set_new_nocheck(obj, key, json_string_nocheck(s));
}

int slx_set_decimal(json_t *obj, const char *key, const char *s, slx_buf *tmp)
{
    if (s == NULL || s[0] == '\0')
        return 0;
    const char *d = slx_decimal(s, tmp);
    return json_object_set_new_nocheck(obj, key, json_string_nocheck(d != NULL ? d : s));
}

int slx_set_bool(json_t *obj, const char *key, const char *s)
{
    if (s == NULL)
        return 0;
    if (strcasecmp(s, "true") == 0 || strcmp(s, "1") == 0)
        return json_object_set_new_nocheck(obj, key, json_true());
    if (strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0)
        return json_object_set_new_nocheck(obj, key, json_false());
    return 0;
}
