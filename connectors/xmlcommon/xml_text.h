/* xml_text.h - small helpers over an expanded subtree (xmlNode) and for
 * turning its text into JSON values.
 *
 * Element names are matched on their local name, whatever their namespace
 * (CommerceML files come with no namespace, urn:1C.ru:commerceml_2 or
 * _3). Text never includes what an entity reference would expand to: an
 * unresolved reference (possible only with an external DTD that is not
 * read) is kept literally as "&name;". */
#ifndef SLX_XML_TEXT_H
#define SLX_XML_TEXT_H

#include <stddef.h>

#include <jansson.h>
#include <libxml/tree.h>

/* A growable byte buffer, always NUL-terminated once used. Owns p. A
 * failed allocation sets `oom`, which stays set until slx_buf_free: record
 * builders check it once per record instead of after every field. */
typedef struct slx_buf {
    char *p;
    size_t len, cap;
    int oom;
} slx_buf;

/* 0, or -1 when memory ran out (the buffer is left as it was, oom set). */
int slx_buf_add(slx_buf *b, const char *s, size_t n);
/* Makes room for `n` more bytes (plus the NUL); 0 or -1. */
int slx_buf_reserve(slx_buf *b, size_t n);
void slx_buf_reset(slx_buf *b); /* len = 0, keeps the memory */
void slx_buf_free(slx_buf *b);

/* Element with local name `local` (any namespace)? */
int slx_is(const xmlNode *n, const char *local);
/* First element child of n, and the element sibling after n, or NULL. */
xmlNode *slx_first_elem(const xmlNode *n);
xmlNode *slx_next_elem(const xmlNode *n);
/* First element child named `local`, or NULL. */
xmlNode *slx_child(const xmlNode *n, const char *local);

/* The text directly inside n (its text and CDATA children, not those of
 * child elements), with ASCII white space trimmed at both ends, in `b`
 * (reset first). Returns b->p, or NULL when memory ran out. Empty text is
 * "" (never NULL otherwise). */
const char *slx_text(const xmlNode *n, slx_buf *b);
/* Like slx_text, but with the text of every descendant element too (in
 * document order): for fields that may hold markup, e.g. an HTML
 * description written without CDATA. */
const char *slx_text_all(const xmlNode *n, slx_buf *b);
/* slx_text of the first child named `local`; NULL when there is none or
 * its text is empty (or memory ran out: b->oom). */
const char *slx_child_text(const xmlNode *n, const char *local, slx_buf *b);
/* Attribute without namespace, trimmed, in b; NULL when absent or empty. */
const char *slx_attr_text(const xmlNode *n, const char *name, slx_buf *b);

/* Trims ASCII white space in place at both ends of the NUL-terminated s;
 * returns s moved to the first kept byte. */
char *slx_trim(char *s);

/* A decimal as written by people and 1C ("3 159,50", "2042.66", "-1",
 * "1 000" with no-break spaces) as a canonical string in `b`: spaces
 * dropped, a decimal comma made a point. Returns b->p, or NULL when `s` is
 * not such a number (the caller then keeps the original text) or memory
 * ran out. */
const char *slx_decimal(const char *s, slx_buf *b);

/* Adds the sum of the decimal strings a and b (as slx_decimal writes them)
 * into out (reset first); NULL when either does not fit in 18 digits and 9
 * decimals. */
const char *slx_decimal_add(const char *a, const char *b, slx_buf *out);

/* Sets obj[key] = s when s is a non-empty string; nothing otherwise. key
 * and s must be valid UTF-8, as everything libxml2 hands out is: they are
 * not checked again. Returns 0, or -1 when memory ran out. */
int slx_set_str(json_t *obj, const char *key, const char *s);
/* Same with the value given as a decimal string when it parses
 * (slx_decimal), the original text otherwise. */
int slx_set_decimal(json_t *obj, const char *key, const char *s, slx_buf *tmp);
/* "true"/"false"/"1"/"0" (any case) as a JSON boolean; nothing otherwise. */
int slx_set_bool(json_t *obj, const char *key, const char *s);

#endif
