/* xml_recpath.h - the `record` option: which elements are records, as the
 * streaming-friendly subset of XPath that can be decided from an element's
 * ancestors alone.
 *
 *   path  := step+
 *   step  := "/" test      a child of the previous step (of the document for
 *                          the first step)
 *          | "//" test     a descendant, at any depth
 *   test  := "*" | NAME | PREFIX ":" NAME | PREFIX ":*"
 *
 * e.g. "/root/Orders/Order", "//item", "/feed//entry", "//o:Order". As in
 * XPath 1.0, an unprefixed NAME matches elements in no
 * namespace only; a document with a default namespace needs a prefix bound
 * in `namespaces`. No predicates, attributes, functions or axes: those go
 * in `fields`. */
#ifndef XML_RECPATH_H
#define XML_RECPATH_H

#include <stddef.h>

#include <jansson.h>

typedef struct xrp_step {
    int descendant; /* "//" */
    char *ns;       /* owned namespace URI, or NULL: no namespace; unused when any_ns */
    char *local;    /* owned local name, or NULL for "*" */
    int any_ns;     /* "*" alone matches any element */
} xrp_step;

/* Deepest ancestry matched: libxml2 refuses deeper documents anyway
 * (without XML_PARSE_HUGE). */
#define XRP_MAX_DEPTH 256

typedef struct xrp_path {
    xrp_step *steps;      /* owned */
    size_t n;
    unsigned char *memo;  /* owned: (n + 1) x (XRP_MAX_DEPTH + 1) results, so
                           * that "//a//b//c" stays polynomial */
} xrp_path;

/* Compiles `text` with prefixes resolved through `namespaces` (a JSON
 * object prefix -> URI, borrowed, may be NULL). Returns 0, or -1 with err
 * set (errlen > 0). */
int xrp_compile(xrp_path *p, const char *text, const json_t *namespaces, char *err, size_t errlen);
void xrp_free(xrp_path *p);

/* An element's ancestry: names[i] / uris[i] for depth 0 (the root) to
 * n - 1 (the element itself); a uri is NULL for no namespace. */
enum xrp_match {
    XRP_NONE = 0,   /* neither this element nor anything below it can match */
    XRP_BELOW = 1,  /* not a record, but a descendant may be */
    XRP_RECORD = 2  /* a record */
};
int xrp_match(const xrp_path *p, const char *const *names, const char *const *uris, size_t n);

#endif
