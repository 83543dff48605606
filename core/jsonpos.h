/* jsonpos.h - where in the config text a JSON value sits.
 *
 * jansson tells us the line and column of a syntax error but keeps no
 * positions for the values it parses, so the config checker indexes the text
 * a second time with this small tokenizer and asks it for the position of
 * the value (or member key) named by a JSON path.
 *
 * JSON paths: "" is the document; an object member appends ".key" (just
 * "key" at the top level); an array element appends "[i]". So
 * "sources[1].path", "sinks[0].key.orders". Keys are used as they are, dots
 * and all; the paths are for people, not for parsing back.
 *
 * Lines and columns are 1-based and count characters the way jansson does
 * (a UTF-8 sequence is one column), so our positions agree with its. */
#ifndef SL_JSONPOS_H
#define SL_JSONPOS_H

#include <stddef.h>

typedef struct sl_jsonpos sl_jsonpos;

/* Indexes `text` (len bytes; only read during the call). Text that is not
 * valid JSON is indexed up to the first problem. Returns NULL only when out
 * of memory. Free with sl_jsonpos_free. */
sl_jsonpos *sl_jsonpos_index(const char *text, size_t len);
void sl_jsonpos_free(sl_jsonpos **jp);

/* Position of the value at `path` (for objects and arrays: the opening
 * bracket). Returns 0 and sets *line and *col, or -1 if the path is unknown. */
int sl_jsonpos_value(const sl_jsonpos *jp, const char *path, int *line, int *col);
/* Position of the key of the object member at `path` (its opening quote);
 * -1 if the path is unknown or is not an object member. */
int sl_jsonpos_key(const sl_jsonpos *jp, const char *path, int *line, int *col);

/* Path builders, following the syntax above. New strings (caller frees), or
 * NULL when out of memory. */
char *sl_json_path_key(const char *prefix, const char *key);
char *sl_json_path_index(const char *prefix, size_t i);

#endif
