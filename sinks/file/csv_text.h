/* csv_text.h - RFC 4180 text: quoting fields, formatting JSON values as
 * cells, reading a header line back. */
#ifndef FILE_CSV_TEXT_H
#define FILE_CSV_TEXT_H

#include <jansson.h>

#include "sink_buf.h"

/* Appends `s` (n bytes) as one field, in double quotes (inner quotes
 * doubled) when it holds the delimiter, a quote, CR or LF, raw otherwise.
 * Returns 0 or -1 (out of memory). */
int csv_field(sink_buf *out, const char *s, size_t n, char delim);

/* Appends `v` (borrowed; NULL = field absent) as one field: strings raw,
 * numbers as JSON numbers, true/false, null and absent as an empty field,
 * objects and arrays as compact JSON text. `scratch` is working space.
 * Returns 0 or -1 (out of memory). */
int csv_value(sink_buf *out, const json_t *v, char delim, sink_buf *scratch);

/* Reads the first record of CSV text (up to its end of line, outside
 * quotes) as a list of names; a UTF-8 byte order mark is skipped. Returns a
 * new JSON array of strings (caller decrefs), or NULL when `text` holds no
 * complete line or memory ran out. */
json_t *csv_parse_header(const char *text, size_t n, char delim);

#endif
