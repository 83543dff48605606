/* xml_fields.h - a record element into a JSON record.
 *
 * With `fields` (name -> XPath 1.0 expression relative to the record, e.g.
 * "Ид", "@id", "Price/@currency", "count(Line)", "normalize-space(Name)"),
 * each expression is evaluated by libxml2's XPath on a small document that
 * holds a copy of the record's subtree and nothing else, so an expression
 * can neither see nor keep the rest of the file. Results become:
 *   node-set   no node: the field is left out; one node: its string value,
 *              trimmed; several: a list of them
 *   string     as is;   number  an integer when whole, else a real (NaN:
 *              null);   boolean true/false
 *
 * Without `fields`, the element is converted as a whole: its attributes
 * and child elements become fields by local name (a repeated name becomes
 * a list), an element with neither attributes nor children becomes its
 * trimmed text, and text beside child elements goes under "_text". */
#ifndef XML_FIELDS_H
#define XML_FIELDS_H

#include <stddef.h>

#include <jansson.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

typedef struct xfl_fields {
    size_t n;
    char **names;                /* owned */
    xmlXPathCompExprPtr *exprs;  /* owned */
    xmlXPathContextPtr ctx;      /* owned; its doc is swapped per record */
    char err[512];               /* the last XPath error libxml2 reported */
} xfl_fields;

/* Compiles `fields` (a JSON object, borrowed, or NULL for the whole-element
 * conversion) with `namespaces` (prefix -> URI, borrowed, may be NULL) and
 * tries every expression once on an empty record, so that a bad
 * expression or an undeclared prefix fails at start-up. Returns 0, or -1
 * with err set. */
int xfl_compile(xfl_fields *f, const json_t *fields, const json_t *namespaces, char *err, size_t errlen);
void xfl_free(xfl_fields *f);

/* The record for `elem` (borrowed, an expanded element): a new object, or
 * NULL with err set (out of memory, or an expression that failed). */
json_t *xfl_record(xfl_fields *f, const xmlNode *elem, char *err, size_t errlen);

#endif
