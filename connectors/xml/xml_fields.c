/* xml_fields.c - fields of a record by XPath, or the whole element as JSON
 * (see xml_fields.h). */
#include "xml_fields.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpathInternals.h>

#include "xml_text.h"

/* XPath errors go to the context, never to stderr. */
static void on_xpath_error(void *ud, xmlErrorPtr e)
{
    xfl_fields *f = ud;
    if (e == NULL || f->err[0] != '\0')
        return;
    snprintf(f->err, sizeof f->err, "%s", e->message != NULL ? e->message : "XPath error");
    size_t n = strlen(f->err);
    while (n > 0 && (f->err[n - 1] == '\n' || f->err[n - 1] == ' '))
        f->err[--n] = '\0';
}

void xfl_free(xfl_fields *f)
{
    for (size_t i = 0; i < f->n; i++) {
        free(f->names[i]);
        if (f->exprs[i] != NULL)
            xmlXPathFreeCompExpr(f->exprs[i]);
    }
    free(f->names);
    free(f->exprs);
    if (f->ctx != NULL)
        xmlXPathFreeContext(f->ctx);
    memset(f, 0, sizeof *f);
}

static int register_namespaces(xfl_fields *f, const json_t *ns, char *err, size_t errlen)
{
    const char *prefix;
    json_t *uri;
    json_object_foreach((json_t *)ns, prefix, uri)
    {
        if (!json_is_string(uri) || prefix[0] == '\0') {
            snprintf(err, errlen, "namespaces.%s: must be a non-empty prefix mapped to a URI string", prefix);
            return -1;
        }
        if (xmlXPathRegisterNs(f->ctx, (const xmlChar *)prefix, (const xmlChar *)json_string_value(uri)) != 0) {
            snprintf(err, errlen, "namespaces.%s: cannot register", prefix);
            return -1;
        }
    }
    return 0;
}

/* Runs every expression on <_/> so that bad ones fail now. */
static int try_all(xfl_fields *f, char *err, size_t errlen)
{
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr root = doc != NULL ? xmlNewDocNode(doc, NULL, (const xmlChar *)"_", NULL) : NULL;
    if (root == NULL) {
        xmlFreeDoc(doc);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    xmlDocSetRootElement(doc, root);
    f->ctx->doc = doc;
    f->ctx->node = root;
    int rc = 0;
    for (size_t i = 0; i < f->n && rc == 0; i++) {
        f->err[0] = '\0';
        xmlXPathObjectPtr r = xmlXPathCompiledEval(f->exprs[i], f->ctx);
        if (r == NULL) {
            snprintf(err, errlen, "fields.%s: %s", f->names[i], f->err[0] ? f->err : "cannot be evaluated");
            rc = -1;
        }
        xmlXPathFreeObject(r);
    }
    f->ctx->doc = NULL;
    f->ctx->node = NULL;
    xmlFreeDoc(doc);
    return rc;
}

static int compile_fields(xfl_fields *f, const json_t *fields, char *err, size_t errlen)
{
    size_t n = json_object_size(fields);
    f->names = calloc(n > 0 ? n : 1, sizeof *f->names);
    f->exprs = calloc(n > 0 ? n : 1, sizeof *f->exprs);
    if (f->names == NULL || f->exprs == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    const char *name;
    json_t *expr;
    json_object_foreach((json_t *)fields, name, expr)
    {
        if (!json_is_string(expr)) {
            snprintf(err, errlen, "fields.%s: must be an XPath expression (a string)", name);
            return -1;
        }
        f->names[f->n] = strdup(name);
        f->err[0] = '\0';
        f->exprs[f->n] = xmlXPathCtxtCompile(f->ctx, (const xmlChar *)json_string_value(expr));
        f->n++;
        if (f->names[f->n - 1] == NULL || f->exprs[f->n - 1] == NULL) {
            snprintf(err, errlen, "fields.%s: invalid XPath \"%s\"%s%s", name, json_string_value(expr),
                     f->err[0] ? ": " : "", f->err);
            return -1;
        }
    }
    return try_all(f, err, errlen);
}

int xfl_compile(xfl_fields *f, const json_t *fields, const json_t *namespaces, char *err, size_t errlen)
{
    memset(f, 0, sizeof *f);
    if (fields == NULL)
        return 0;
    f->ctx = xmlXPathNewContext(NULL);
    if (f->ctx == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    f->ctx->error = on_xpath_error;
    f->ctx->userData = f;
    if ((namespaces != NULL && register_namespaces(f, namespaces, err, errlen) != 0) ||
        compile_fields(f, fields, err, errlen) != 0) {
        xfl_free(f);
        return -1;
    }
    return 0;
}

/* ---- XPath results ------------------------------------------------------- */

static json_t *node_string(const xmlNode *n, slx_buf *b)
{
    xmlChar *s = xmlXPathCastNodeToString((xmlNodePtr)n);
    if (s == NULL)
        return NULL;
    slx_buf_reset(b);
    slx_buf_add(b, (const char *)s, strlen((const char *)s));
    xmlFree(s);
    return b->oom ? NULL : json_string(slx_trim(b->p));
}

static json_t *number_value(double d)
{
    if (isnan(d))
        return json_null();
    if (isfinite(d) && d == floor(d) && fabs(d) < 9007199254740992.0)
        return json_integer((json_int_t)d);
    return isfinite(d) ? json_real(d) : json_null();
}

/* The JSON value of r, or *absent for an empty node-set. */
static json_t *result_value(xmlXPathObjectPtr r, slx_buf *b, int *absent)
{
    *absent = 0;
    switch (r->type) {
    case XPATH_NODESET: {
        int n = r->nodesetval != NULL ? r->nodesetval->nodeNr : 0;
        if (n == 0) {
            *absent = 1;
            return NULL;
        }
        if (n == 1)
            return node_string(r->nodesetval->nodeTab[0], b);
        json_t *list = json_array();
        for (int i = 0; list != NULL && i < n; i++)
            if (json_array_append_new(list, node_string(r->nodesetval->nodeTab[i], b)) != 0) {
                json_decref(list);
                list = NULL;
            }
        return list;
    }
    case XPATH_STRING:
        return json_string(r->stringval != NULL ? (const char *)r->stringval : "");
    case XPATH_NUMBER:
        return number_value(r->floatval);
    case XPATH_BOOLEAN:
        return json_boolean(r->boolval);
    default:
        *absent = 1;
        return NULL;
    }
}

static json_t *by_xpath(xfl_fields *f, const xmlNode *elem, char *err, size_t errlen)
{
    xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNodePtr copy = doc != NULL ? xmlDocCopyNode((xmlNodePtr)elem, doc, 1) : NULL;
    json_t *rec = copy != NULL ? json_object() : NULL;
    if (rec == NULL) {
        if (copy != NULL)
            xmlFreeNode(copy);
        xmlFreeDoc(doc);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    xmlDocSetRootElement(doc, copy);
    f->ctx->doc = doc;
    f->ctx->node = copy;
    slx_buf b = {0};
    for (size_t i = 0; rec != NULL && i < f->n; i++) {
        f->err[0] = '\0';
        xmlXPathObjectPtr r = xmlXPathCompiledEval(f->exprs[i], f->ctx);
        int absent = 0;
        json_t *v = r != NULL ? result_value(r, &b, &absent) : NULL;
        xmlXPathFreeObject(r);
        if (absent)
            continue;
        if (v == NULL || json_object_set_new(rec, f->names[i], v) != 0) {
            snprintf(err, errlen, "fields.%s: %s", f->names[i], r == NULL && f->err[0] ? f->err : "out of memory");
            json_decref(rec);
            rec = NULL;
        }
    }
    slx_buf_free(&b);
    f->ctx->doc = NULL;
    f->ctx->node = NULL;
    xmlFreeDoc(doc);
    return rec;
}

/* ---- the whole element --------------------------------------------------- */

static int add_value(json_t *obj, const char *k, json_t *v)
{
    if (v == NULL)
        return -1;
    json_t *old = json_object_get(obj, k);
    if (old == NULL)
        return json_object_set_new(obj, k, v);
    if (json_is_array(old))
        return json_array_append_new(old, v);
    json_t *list = json_pack("[O, o]", old, v);
    return list != NULL ? json_object_set_new(obj, k, list) : -1;
}

static json_t *element_value(const xmlNode *n, slx_buf *b, int as_object, int depth);

/* An attribute's value from its text children (never expanding entity
 * references), trimmed. */
static json_t *attr_value(const xmlAttr *a, slx_buf *b)
{
    slx_buf_reset(b);
    slx_buf_add(b, "", 0);
    for (const xmlNode *c = a->children; c != NULL; c = c->next)
        if (c->type == XML_TEXT_NODE && c->content != NULL)
            slx_buf_add(b, (const char *)c->content, strlen((const char *)c->content));
    return b->oom ? NULL : json_string(slx_trim(b->p));
}

static int add_attributes(json_t *obj, const xmlNode *n, slx_buf *b)
{
    for (const xmlAttr *a = n->properties; a != NULL; a = a->next)
        if (add_value(obj, (const char *)a->name, attr_value(a, b)) != 0)
            return -1;
    return 0;
}

static json_t *element_value(const xmlNode *n, slx_buf *b, int as_object, int depth)
{
    int leaf = n->properties == NULL && slx_first_elem(n) == NULL;
    if (leaf && !as_object) {
        const char *t = slx_text(n, b);
        return t != NULL ? json_string(t) : NULL;
    }
    json_t *obj = json_object();
    if (obj == NULL || add_attributes(obj, n, b) != 0) {
        json_decref(obj);
        return NULL;
    }
    for (const xmlNode *c = slx_first_elem(n); c != NULL; c = slx_next_elem(c)) {
        json_t *v = depth < 256 ? element_value(c, b, 0, depth + 1) : json_null();
        if (add_value(obj, (const char *)c->name, v) != 0) {
            json_decref(obj);
            return NULL;
        }
    }
    const char *t = slx_text(n, b);
    if (t == NULL || (t[0] != '\0' && add_value(obj, "_text", json_string(t)) != 0)) {
        json_decref(obj);
        return NULL;
    }
    return obj;
}

json_t *xfl_record(xfl_fields *f, const xmlNode *elem, char *err, size_t errlen)
{
    if (f->ctx != NULL)
        return by_xpath(f, elem, err, errlen);
    slx_buf b = {0};
    json_t *rec = element_value(elem, &b, 1, 0);
    slx_buf_free(&b);
    if (rec == NULL)
        snprintf(err, errlen, "out of memory");
    return rec;
}
