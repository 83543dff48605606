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

#include <jansson.h>

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

#endif
