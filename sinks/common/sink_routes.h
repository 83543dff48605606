/* sink_routes.h - where a keyed sink puts a stream: its `table` and `key`
 * options, shared by the sqlite and postgres sinks (compiled into each;
 * plugins share no library).
 *
 *   table: a name for every stream, or an object stream -> name;
 *   key:   a field name or a list of distinct field names for every stream,
 *          or an object stream -> such a key.
 *
 * What counts as a valid name, and when two field names are the same, is
 * the database's business: the caller passes both rules. */
#ifndef SLUICE_SINK_ROUTES_H
#define SLUICE_SINK_ROUTES_H

#include <stddef.h>

#include <jansson.h>

#include "sink_buf.h"

typedef int (*sink_name_ok_fn)(json_t *v);
typedef int (*sink_same_name_fn)(const char *a, const char *b);

/* Checks the options as given (NULL: unset). 1 when valid, else 0. */
int sink_routes_valid_table(json_t *table, sink_name_ok_fn name_ok);
int sink_routes_valid_key(json_t *key, sink_name_ok_fn name_ok, sink_same_name_fn same);

/* The table a stream goes to: the option's, else the stream's own name.
 * Borrowed from the option or from `stream`. */
const char *sink_routes_table(json_t *table, const char *stream);
/* The stream's key (a string or a list, borrowed), or NULL: append. */
json_t *sink_routes_key(json_t *key, const char *stream);
/* Copies a stream's key (as sink_routes_key returns it; NULL: none) into
 * *fields, an owned array of owned names, counted in *n. Returns 0, or -1
 * when memory ran out (what was copied so far is in *fields and *n, for the
 * caller to free). */
int sink_routes_key_copy(json_t *key, char ***fields, size_t *n);
/* Appends the name of the unique index behind a key, NUL-terminated:
 * "sluice_key_TABLE_FIELD1_FIELD2...". The name says which key it serves,
 * so two streams sharing a table with different keys get two indexes.
 * Returns 0, or -1 when memory ran out. */
int sink_routes_index_name(sink_buf *out, const char *table, char *const *key, size_t nkey);

#endif
