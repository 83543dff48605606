/* sqlite_upsert.c - writing one record (see sqlite_sink.h).
 *
 * Records of a stream nearly always carry the same fields in the same
 * order (jansson keeps insertion order), so each stream caches a few
 * prepared statements keyed by the exact field list; a hit costs one
 * strcmp per field. The statement is
 *     INSERT INTO t (f1, f2, ...) VALUES (?, ?, ...)
 *     ON CONFLICT (key) DO UPDATE SET f2 = excluded.f2, ...
 * listing only the record's fields, so a field the record lacks keeps the
 * value the row had. Streams without a key get the plain INSERT. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "sqlite_sink.h"

void sqlsink_stmt_clear(sqlsink_stmt *e)
{
    sqlite3_finalize(e->stmt);
    for (size_t i = 0; i < e->nfields; i++)
        free(e->fields[i]);
    free(e->fields);
    memset(e, 0, sizeof *e);
}

static int check_key(const sqlsink_stream *st, json_t *rec, char *reason, size_t cap)
{
    for (size_t i = 0; i < st->nkey; i++) {
        json_t *v = json_object_get(rec, st->key[i]);
        if (!v || json_is_null(v)) {
            snprintf(reason, cap, "missing key field %s%s", st->key[i], v ? " (null)" : "");
            return SQLSINK_REJECT;
        }
    }
    return SQLSINK_WRITTEN;
}

static sqlsink_stmt *cache_find(sqlsink_stream *st, json_t *rec)
{
    size_t n = json_object_size(rec);
    for (size_t i = 0; i < SQLSINK_STMT_CACHE; i++) {
        sqlsink_stmt *e = &st->cache[i];
        if (!e->stmt || e->nfields != n)
            continue;
        size_t j = 0;
        const char *field;
        json_t *v;
        json_object_foreach(rec, field, v) {
            if (strcmp(field, e->fields[j]) != 0)
                break;
            j++;
        }
        if (j == n)
            return e;
    }
    return NULL;
}

static int is_key_field(const sqlsink_stream *st, const char *field)
{
    for (size_t i = 0; i < st->nkey; i++)
        if (strcmp(st->key[i], field) == 0)
            return 1;
    return 0;
}

/* Builds the INSERT for rec's field list into s->sql, NUL-terminated. */
static int build_sql(sqlsink *s, const sqlsink_stream *st, json_t *rec)
{
    sink_buf *sql = &s->sql;
    sql->len = 0;
    const char *field;
    json_t *v;
    size_t i = 0;
    int bad = sink_buf_puts(sql, "INSERT INTO ") || sqlsink_quote(sql, st->table->name) || sink_buf_puts(sql, " (");
    json_object_foreach(rec, field, v) {
        bad = bad || (i++ && sink_buf_putc(sql, ',')) || sqlsink_quote(sql, field);
    }
    bad = bad || sink_buf_puts(sql, ") VALUES (");
    for (size_t j = 0; j < i; j++)
        bad = bad || sink_buf_puts(sql, j ? ",?" : "?");
    bad = bad || sink_buf_putc(sql, ')');
    if (st->nkey) {
        bad = bad || sink_buf_puts(sql, " ON CONFLICT (");
        for (size_t k = 0; k < st->nkey; k++)
            bad = bad || (k && sink_buf_putc(sql, ',')) || sqlsink_quote(sql, st->key[k]);
        bad = bad || sink_buf_putc(sql, ')');
        size_t set = 0;
        json_object_foreach(rec, field, v) {
            if (is_key_field(st, field))
                continue;
            bad = bad || sink_buf_puts(sql, set++ ? ", " : " DO UPDATE SET ") || sqlsink_quote(sql, field) ||
                  sink_buf_puts(sql, " = excluded.") || sqlsink_quote(sql, field);
        }
        bad = bad || (!set && sink_buf_puts(sql, " DO NOTHING")); /* the record is all key */
    }
    return bad || sink_buf_putc(sql, '\0') ? -1 : 0;
}

/* The slot to reuse: a free one, else the least recently used. */
static sqlsink_stmt *cache_slot(sqlsink_stream *st)
{
    sqlsink_stmt *victim = &st->cache[0];
    for (size_t i = 0; i < SQLSINK_STMT_CACHE; i++) {
        if (!st->cache[i].stmt)
            return &st->cache[i];
        if (st->cache[i].used < victim->used)
            victim = &st->cache[i];
    }
    sqlsink_stmt_clear(victim);
    return victim;
}

static int remember_fields(sqlsink_stmt *e, json_t *rec)
{
    size_t n = json_object_size(rec);
    e->fields = calloc(n ? n : 1, sizeof *e->fields);
    if (!e->fields)
        return -1;
    const char *field;
    json_t *v;
    json_object_foreach(rec, field, v) {
        if (!(e->fields[e->nfields] = strdup(field)))
            return -1;
        e->nfields++;
    }
    return 0;
}

/* Prepares the statement for rec's field list, after making the schema
 * ready for it. Sets *out to the cache slot. */
static int prepare(sqlsink *s, sluice_ctx *ctx, sqlsink_stream *st, json_t *rec, sqlsink_stmt **out,
                   char *reason, size_t cap)
{
    int status = sqlsink_schema_ready(s, ctx, st, rec, reason, cap);
    if (status != SQLSINK_WRITTEN)
        return status;
    if (build_sql(s, st, rec) != 0)
        return SLUICE_ENOMEM;
    sqlsink_stmt *e = cache_slot(st);
    int rc = sqlite3_prepare_v3(s->db, s->sql.data, (int)s->sql.len, SQLITE_PREPARE_PERSISTENT, &e->stmt, NULL);
    if (rc != SQLITE_OK) {
        char what[256];
        snprintf(what, sizeof what, "preparing the insert into table \"%s\"", st->table->name);
        status = sqlsink_failed(s, ctx, rc, what, 2, reason, cap);
        sqlsink_stmt_clear(e);
        return status;
    }
    if (remember_fields(e, rec) != 0) {
        sqlsink_stmt_clear(e);
        return SLUICE_ENOMEM;
    }
    *out = e;
    return SQLSINK_WRITTEN;
}

/* Strings are bound SQLITE_STATIC: the record outlives the step. */
static int bind_value(sqlsink *s, sqlite3_stmt *stmt, int i, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return sqlite3_bind_text64(stmt, i, json_string_value(v), json_string_length(v), SQLITE_STATIC,
                                   SQLITE_UTF8);
    case JSON_INTEGER: return sqlite3_bind_int64(stmt, i, (sqlite3_int64)json_integer_value(v));
    case JSON_REAL: return sqlite3_bind_double(stmt, i, json_real_value(v));
    case JSON_TRUE: return sqlite3_bind_int(stmt, i, 1);
    case JSON_FALSE: return sqlite3_bind_int(stmt, i, 0);
    case JSON_NULL: return sqlite3_bind_null(stmt, i);
    case JSON_OBJECT:
    case JSON_ARRAY:
        /* Compact JSON text, so json_extract() works on the column. */
        s->text.len = 0;
        if (sink_json_append(&s->text, v, 0) != 0)
            return SQLITE_NOMEM;
        return sqlite3_bind_text64(stmt, i, s->text.data, s->text.len, SQLITE_TRANSIENT, SQLITE_UTF8);
    }
    return SQLITE_MISMATCH;
}

int sqlsink_upsert(sqlsink *s, sluice_ctx *ctx, sqlsink_stream *st, json_t *rec, char *reason, size_t cap)
{
    if (json_object_size(rec) == 0) {
        snprintf(reason, cap, "record has no fields");
        return SQLSINK_REJECT;
    }
    int status = check_key(st, rec, reason, cap);
    if (status != SQLSINK_WRITTEN)
        return status;
    sqlsink_stmt *e = cache_find(st, rec);
    if (!e && (status = prepare(s, ctx, st, rec, &e, reason, cap)) != SQLSINK_WRITTEN)
        return status;
    e->used = ++s->tick;
    int i = 1, rc = SQLITE_OK;
    const char *field;
    json_t *v;
    json_object_foreach(rec, field, v) {
        if ((rc = bind_value(s, e->stmt, i++, v)) != SQLITE_OK)
            break;
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_step(e->stmt);
    if (rc == SQLITE_DONE) {
        sqlite3_reset(e->stmt);
        return SQLSINK_WRITTEN;
    }
    char what[256];
    snprintf(what, sizeof what, "writing to table \"%s\"", st->table->name);
    status = sqlsink_failed(s, ctx, rc, what, 1, reason, cap); /* reads the message before the reset */
    sqlite3_reset(e->stmt);
    sqlite3_clear_bindings(e->stmt); /* a rejected record is freed: drop pointers into it */
    return status;
}
