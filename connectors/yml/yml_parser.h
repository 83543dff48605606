/* yml_parser.h - a streaming reader of Yandex Market YML feeds
 * (yml_catalog/shop: currencies, categories, offers) into records on the
 * streams `categories`, `products`, `prices` and `stock`. One offer subtree
 * is expanded at a time; what is kept in memory is the currency and
 * category tables. Field names: connectors/yml/README.md.
 * Host-independent, like cml_parser.h; errors as "PATH:LINE: message". */
#ifndef YML_PARSER_H
#define YML_PARSER_H

#include <stddef.h>
#include <stdint.h>

#include "xml_out.h"

#define YML_STREAM_CATEGORIES "categories"
#define YML_STREAM_PRODUCTS "products"
#define YML_STREAM_PRICES "prices"
#define YML_STREAM_STOCK "stock"

typedef struct yml_options {
    int all_or_nothing;   /* as in cml_options */
    const char *tmpdir;   /* borrowed */
} yml_options;

/* Records delivered per stream. */
typedef struct yml_stats {
    uint64_t categories, products, prices, stock, rejected;
} yml_stats;

/* Parses the open file fd (borrowed) named `name` into sink. Returns an
 * SLX status (xml_safe.h) with err set on failure; stats may be NULL. */
int yml_parse_fd(int fd, const char *name, const yml_options *opt, const slx_sink *sink, yml_stats *stats,
                 char *err, size_t errlen);

#endif
