/* json_text.h - JSON text for records, as the sinks write it.
 *
 * Why not json_dumpb(): jansson prints every real with 17 significant
 * digits, so a price read as 19.99 comes out as 19.989999999999998. Here a
 * real is printed as the shortest text that reads back to the same double
 * (19.99 stays 19.99, 0.1+0.2 stays 0.30000000000000004), always with a '.'
 * or an exponent so it reads back as a real. Everything else matches
 * jansson's JSON_COMPACT (or JSON_INDENT(n)) output: keys in insertion
 * order, UTF-8 kept as is, only '"', '\\' and control characters escaped.
 *
 * Shared by the file, stdout and sqlite sinks (each compiles json_text.c). */
#ifndef SINK_JSON_TEXT_H
#define SINK_JSON_TEXT_H

#include <jansson.h>

#include "sink_buf.h"

/* Longest text sink_json_real() writes, with its NUL. */
#define SINK_JSON_REAL_MAX 32

/* Appends `v` (borrowed) to `out`: compact when indent is 0, otherwise
 * pretty-printed with `indent` spaces per level. No trailing newline.
 * Returns 0, or -1 when memory ran out (out->len is then restored). */
int sink_json_append(sink_buf *out, const json_t *v, int indent);

/* Writes the shortest round-tripping text of `d` (finite) into dst, which
 * holds SINK_JSON_REAL_MAX bytes. Returns the length. */
size_t sink_json_real(char dst[SINK_JSON_REAL_MAX], double d);

/* Appends the decimal text of `n`. Returns 0 or -1 (out of memory). */
int sink_json_integer(sink_buf *out, json_int_t n);

/* Appends `s` (n bytes, may hold NULs) as a quoted, escaped JSON string. */
int sink_json_string(sink_buf *out, const char *s, size_t n);

#endif
