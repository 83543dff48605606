/* pg_streams.c - options table, key and types, and the state kept per
 * stream and per table (see pg_sink.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_sink.h"
#include "sink_routes.h"

static int same_name(const char *a, const char *b) { return strcmp(a, b) == 0; }

static int is_name(json_t *v)
{
    return json_is_string(v) && json_string_length(v) > 0 && json_string_length(v) <= PGSINK_NAME_MAX &&
           strlen(json_string_value(v)) == json_string_length(v);
}

/* A type is pasted into CREATE TABLE as written; a ';' could only be a
 * mistake (or a second statement). */
static int valid_types_opt(json_t *v)
{
    if (!v)
        return 1;
    if (!json_is_object(v))
        return 0;
    const char *stream, *column;
    json_t *cols, *type;
    json_object_foreach(v, stream, cols) {
        if (!json_is_object(cols))
            return 0;
        json_object_foreach(cols, column, type) {
            const char *t = json_string_value(type);
            if (!t || !*t || strchr(t, ';') || strlen(t) != json_string_length(type) ||
                strlen(column) > PGSINK_NAME_MAX)
                return 0;
        }
    }
    return 1;
}

static json_t *option_or_null(sluice_ctx *ctx, const char *name)
{
    json_t *v = sluice_option_get(ctx, name);
    return json_is_null(v) ? NULL : v;
}

int pgsink_streams_configure(pgsink *s, sluice_ctx *ctx)
{
    json_t *table = option_or_null(ctx, "table"), *key = option_or_null(ctx, "key");
    json_t *types = option_or_null(ctx, "types");
    if (!sink_routes_valid_table(table, is_name)) {
        pgsink_fail(s, ctx, "option table: expected a table name (1 to %d bytes), or an object mapping "
                            "stream names to table names", PGSINK_NAME_MAX);
        return SLUICE_EINVAL;
    }
    if (!sink_routes_valid_key(key, is_name, same_name)) {
        pgsink_fail(s, ctx, "option key: expected a list of distinct field names, or an object mapping "
                            "stream names to such lists");
        return SLUICE_EINVAL;
    }
    if (!valid_types_opt(types)) {
        pgsink_fail(s, ctx, "option types: expected an object mapping stream names to objects of "
                            "column -> SQL type, e.g. {\"orders\": {\"amount\": \"numeric(12,2)\"}}");
        return SLUICE_EINVAL;
    }
    s->table_opt = table ? json_deep_copy(table) : NULL;
    s->key_opt = key ? json_deep_copy(key) : NULL;
    s->types_opt = types ? json_deep_copy(types) : NULL;
    if ((table && !s->table_opt) || (key && !s->key_opt) || (types && !s->types_opt))
        return SLUICE_ENOMEM;
    return SLUICE_OK;
}

static char *quoted(const char *a, const char *b)
{
    sink_buf q = {0};
    if (pgsink_quote(&q, a) != 0 || sink_buf_putc(&q, '.') != 0 || pgsink_quote(&q, b) != 0 ||
        sink_buf_putc(&q, '\0') != 0) {
        sink_buf_free(&q);
        return NULL;
    }
    return q.data;
}

static void table_free(pgsink_table *t)
{
    if (!t)
        return;
    json_decref(t->columns);
    json_decref(t->staged);
    free(t->name);
    free(t->qname);
    free(t->stage);
    free(t);
}

static pgsink_table *table_new(pgsink *s, const char *name)
{
    pgsink_table *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    char stage[64];
    snprintf(stage, sizeof stage, "sluice_stage_%zu", s->ntables);
    t->name = strdup(name);
    t->qname = quoted(s->schema, name);
    t->stage = quoted("pg_temp", stage);
    if (!t->name || !t->qname || !t->stage) {
        table_free(t);
        return NULL;
    }
    return t;
}

static pgsink_table *table_get(pgsink *s, const char *name)
{
    for (size_t i = 0; i < s->ntables; i++)
        if (strcmp(s->tables[i]->name, name) == 0) /* quoted names: exact */
            return s->tables[i];
    pgsink_table **grown = realloc(s->tables, (s->ntables + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    s->tables = grown;
    pgsink_table *t = table_new(s, name);
    if (!t)
        return NULL;
    s->tables[s->ntables++] = t;
    return t;
}

static void stream_free(pgsink_stream *st)
{
    for (size_t i = 0; i < st->nkey; i++)
        free(st->key[i]);
    free(st->key);
    free(st->idx);
    free(st->name);
    free(st);
}

static pgsink_stream *stream_new(pgsink *s, const char *stream)
{
    pgsink_stream *st = calloc(1, sizeof *st);
    if (!st)
        return NULL;
    if (!(st->name = strdup(stream)) || !(st->table = table_get(s, sink_routes_table(s->table_opt, stream))) ||
        sink_routes_key_copy(sink_routes_key(s->key_opt, stream), &st->key, &st->nkey) != 0) {
        stream_free(st);
        return NULL;
    }
    st->types = json_object_get(s->types_opt, stream);
    st->key_ready = st->nkey == 0;
    return st;
}

pgsink_stream *pgsink_stream_get(pgsink *s, const char *stream)
{
    if (s->last && strcmp(s->last->name, stream) == 0)
        return s->last;
    for (size_t i = 0; i < s->nstreams; i++)
        if (strcmp(s->streams[i]->name, stream) == 0)
            return s->last = s->streams[i];
    pgsink_stream **grown = realloc(s->streams, (s->nstreams + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    s->streams = grown;
    grown = realloc(s->order, (s->nstreams + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    s->order = grown;
    pgsink_stream *st = stream_new(s, stream);
    if (!st)
        return NULL;
    s->streams[s->nstreams++] = st;
    return s->last = st;
}

void pgsink_streams_forget(pgsink *s)
{
    for (size_t i = 0; i < s->ntables; i++) {
        pgsink_table *t = s->tables[i];
        json_decref(t->columns);
        t->columns = NULL;
        /* A staging table created in the rolled-back transaction is gone;
         * one from before is not, but dropping and creating it again costs
         * little next to a failed batch. */
        json_decref(t->staged);
        t->staged = NULL;
        t->stage_rows = 0;
    }
    for (size_t i = 0; i < s->nstreams; i++)
        s->streams[i]->key_ready = s->streams[i]->nkey == 0;
}

void pgsink_streams_free(pgsink *s)
{
    for (size_t i = 0; i < s->nstreams; i++)
        stream_free(s->streams[i]);
    free(s->streams);
    free(s->order);
    for (size_t i = 0; i < s->ntables; i++)
        table_free(s->tables[i]);
    free(s->tables);
    json_decref(s->table_opt);
    json_decref(s->key_opt);
    json_decref(s->types_opt);
    s->streams = s->order = NULL;
    s->tables = NULL;
    s->nstreams = s->ntables = s->norder = 0;
    s->last = NULL;
    s->table_opt = s->key_opt = s->types_opt = NULL;
}
