/* yml_int.h - what the parts of the YML reader share (internal). */
#ifndef YML_INT_H
#define YML_INT_H

#include "xml_safe.h"
#include "xml_text.h"
#include "yml_parser.h"

enum yml_stream { YML_S_CATEGORIES, YML_S_PRODUCTS, YML_S_PRICES, YML_S_STOCK };

typedef struct yml_file {
    slx_reader rd;
    slx_out out;
    json_t *currencies; /* owned: id -> rate (string) */
    json_t *categories; /* owned: id -> {"name", "parent_id"}, in document order */
    json_t *paths;      /* owned: id -> "Root / Child" once resolved */
    uint64_t n[4];      /* records accepted per stream */
    slx_buf t1, t2, t3; /* scratch text */
} yml_file;

/* yml_parser.c: emits rec (stolen) on stream s. */
int yml_emit(yml_file *f, int s, json_t *rec, long line);

/* yml_parser.c: "Root / ... / Name" of a category (borrowed, valid for the
 * file), or NULL when the feed does not list it. */
const char *yml_category_path(yml_file *f, const char *id);

/* yml_offer.c: an expanded <offer>. */
int yml_offer(yml_file *f, const xmlNode *n, long line);

#endif
