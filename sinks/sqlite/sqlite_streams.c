/* sqlite_streams.c - options table and key, and the state kept per stream
 * and per table (see sqlite_sink.h). */
#include <stdlib.h>
#include <string.h>

#include "sink_routes.h"
#include "sqlite_sink.h"

static int is_name(json_t *v) { return json_is_string(v) && json_string_length(v) > 0; }

/* SQLite's identifiers are case-insensitive: "a" and "A" are one column. */
static int same_name(const char *a, const char *b) { return sqlite3_stricmp(a, b) == 0; }

int sqlsink_streams_configure(sqlsink *s, sluice_ctx *ctx)
{
    json_t *table = sluice_option_get(ctx, "table"), *key = sluice_option_get(ctx, "key");
    if (json_is_null(table))
        table = NULL;
    if (json_is_null(key))
        key = NULL;
    if (!sink_routes_valid_table(table, is_name)) {
        sqlsink_fail(ctx, "option table: expected a table name, or an object mapping stream names "
                          "to table names");
        return SLUICE_EINVAL;
    }
    if (!sink_routes_valid_key(key, is_name, same_name)) {
        sqlsink_fail(ctx, "option key: expected a list of distinct field names, or an object mapping "
                          "stream names to such lists");
        return SLUICE_EINVAL;
    }
    s->table_opt = table ? json_deep_copy(table) : NULL;
    s->key_opt = key ? json_deep_copy(key) : NULL;
    if ((table && !s->table_opt) || (key && !s->key_opt))
        return SLUICE_ENOMEM;
    return SLUICE_OK;
}

static sqlsink_table *table_get(sqlsink *s, const char *name)
{
    for (size_t i = 0; i < s->ntables; i++)
        if (sqlite3_stricmp(s->tables[i]->name, name) == 0) /* SQLite's own rule for names */
            return s->tables[i];
    sqlsink_table **grown = realloc(s->tables, (s->ntables + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    s->tables = grown;
    sqlsink_table *t = calloc(1, sizeof *t);
    if (!t || !(t->name = strdup(name))) {
        free(t);
        return NULL;
    }
    s->tables[s->ntables++] = t;
    return t;
}

static void stream_free(sqlsink_stream *st)
{
    for (size_t i = 0; i < SQLSINK_STMT_CACHE; i++)
        sqlsink_stmt_clear(&st->cache[i]);
    for (size_t i = 0; i < st->nkey; i++)
        free(st->key[i]);
    free(st->key);
    free(st->name);
    free(st);
}

static sqlsink_stream *stream_new(sqlsink *s, const char *stream)
{
    sqlsink_stream *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    if (!(st->name = strdup(stream)) || !(st->table = table_get(s, sink_routes_table(s->table_opt, stream))) ||
        sink_routes_key_copy(sink_routes_key(s->key_opt, stream), &st->key, &st->nkey) != 0) {
        stream_free(st);
        return NULL;
    }
    st->key_ready = st->nkey == 0;
    return st;
}

sqlsink_stream *sqlsink_stream_get(sqlsink *s, const char *stream)
{
    if (s->last && strcmp(s->last->name, stream) == 0)
        return s->last;
    for (size_t i = 0; i < s->nstreams; i++)
        if (strcmp(s->streams[i]->name, stream) == 0)
            return s->last = s->streams[i];
    sqlsink_stream **grown = realloc(s->streams, (s->nstreams + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    s->streams = grown;
    sqlsink_stream *st = stream_new(s, stream);
    if (!st)
        return NULL;
    s->streams[s->nstreams++] = st;
    return s->last = st;
}

void sqlsink_streams_forget(sqlsink *s)
{
    for (size_t i = 0; i < s->ntables; i++) {
        json_decref(s->tables[i]->columns);
        s->tables[i]->columns = NULL;
    }
    for (size_t i = 0; i < s->nstreams; i++) {
        sqlsink_stream *st = s->streams[i];
        st->key_ready = st->nkey == 0;
        for (size_t j = 0; j < SQLSINK_STMT_CACHE; j++)
            sqlsink_stmt_clear(&st->cache[j]);
    }
}

void sqlsink_streams_free(sqlsink *s)
{
    for (size_t i = 0; i < s->nstreams; i++)
        stream_free(s->streams[i]);
    free(s->streams);
    for (size_t i = 0; i < s->ntables; i++) {
        json_decref(s->tables[i]->columns);
        free(s->tables[i]->name);
        free(s->tables[i]);
    }
    free(s->tables);
    json_decref(s->table_opt);
    json_decref(s->key_opt);
    s->streams = NULL;
    s->tables = NULL;
    s->nstreams = s->ntables = 0;
    s->last = NULL;
    s->table_opt = s->key_opt = NULL;
}
