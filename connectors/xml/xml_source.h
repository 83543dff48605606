/* xml_source.h - the generic XML reader: records are the elements the
 * `record` path selects (xml_recpath.h), each expanded on its own and turned
 * into JSON by xml_fields.h; everything between records is streamed past.
 * A record's subtree is not searched for further records. */
#ifndef XML_SOURCE_H
#define XML_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "xml_fields.h"
#include "xml_out.h"
#include "xml_recpath.h"

typedef struct xsrc_options {
    const char *stream;     /* borrowed */
    xrp_path *path;         /* borrowed */
    xfl_fields *fields;     /* borrowed */
    int all_or_nothing;
    const char *tmpdir;     /* borrowed, may be NULL */
} xsrc_options;

/* What one file gave. */
typedef struct xsrc_result {
    uint64_t records;
    char root_ns[256]; /* the root element's namespace URI ("" when none) */
} xsrc_result;

/* Parses fd (borrowed) named `name`. Returns an SLX status with err set on
 * failure. */
int xsrc_parse_fd(int fd, const char *name, const xsrc_options *opt, const slx_sink *sink, xsrc_result *res,
                  char *err, size_t errlen);

#endif
