/* sink_routes.c - see sink_routes.h. */
#include "sink_routes.h"

#include <stdlib.h>
#include <string.h>

/* One key: a field name or a non-empty list of distinct field names. */
static int valid_one_key(json_t *v, sink_name_ok_fn name_ok, sink_same_name_fn same)
{
    if (name_ok(v))
        return 1;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return 0;
    size_t i, j;
    json_t *f;
    json_array_foreach(v, i, f) {
        if (!name_ok(f))
            return 0;
        for (j = 0; j < i; j++) /* PRIMARY KEY (a, a) is an error */
            if (same(json_string_value(f), json_string_value(json_array_get(v, j))))
                return 0;
    }
    return 1;
}

int sink_routes_valid_table(json_t *table, sink_name_ok_fn name_ok)
{
    if (!table || name_ok(table))
        return 1;
    if (!json_is_object(table))
        return 0;
    const char *stream;
    json_t *t;
    json_object_foreach(table, stream, t) {
        if (!name_ok(t))
            return 0;
    }
    return 1;
}

int sink_routes_valid_key(json_t *key, sink_name_ok_fn name_ok, sink_same_name_fn same)
{
    if (!key || valid_one_key(key, name_ok, same))
        return 1;
    if (!json_is_object(key))
        return 0;
    const char *stream;
    json_t *k;
    json_object_foreach(key, stream, k) {
        if (!valid_one_key(k, name_ok, same))
            return 0;
    }
    return 1;
}

const char *sink_routes_table(json_t *table, const char *stream)
{
    if (json_is_string(table))
        return json_string_value(table);
    const char *mapped = json_string_value(json_object_get(table, stream));
    return mapped ? mapped : stream;
}

json_t *sink_routes_key(json_t *key, const char *stream)
{
    return json_is_object(key) ? json_object_get(key, stream) : key;
}

int sink_routes_key_copy(json_t *key, char ***fields, size_t *n)
{
    if (!key)
        return 0;
    size_t count = json_is_string(key) ? 1 : json_array_size(key);
    if (!(*fields = calloc(count, sizeof **fields)))
        return -1;
    for (size_t i = 0; i < count; i++) {
        json_t *f = json_is_string(key) ? key : json_array_get(key, i);
        if (!((*fields)[i] = strdup(json_string_value(f))))
            return -1;
        (*n)++;
    }
    return 0;
}

int sink_routes_index_name(sink_buf *out, const char *table, char *const *key, size_t nkey)
{
    int bad = sink_buf_puts(out, "sluice_key_") || sink_buf_puts(out, table);
    for (size_t i = 0; i < nkey && !bad; i++)
        bad = sink_buf_putc(out, '_') || sink_buf_puts(out, key[i]);
    return bad || sink_buf_putc(out, '\0') ? -1 : 0;
}
