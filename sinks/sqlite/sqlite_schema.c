/* sqlite_schema.c - tables made from the records' fields (see
 * sqlite_sink.h).
 *
 * A table is created from the first record of its stream: one column per
 * field, typed after the first value (integer -> INTEGER, real -> REAL,
 * string -> TEXT, true/false -> INTEGER, object/array -> TEXT holding JSON,
 * null -> no type), with PRIMARY KEY(key) when the stream has a key. A
 * field seen later adds a column. A table that existed before gets a
 * unique index on the key unless its primary key or another unique index
 * already covers exactly those columns, because ON CONFLICT needs one. */
#include <stdio.h>
#include <string.h>

#include "sqlite_sink.h"
#include "sink_routes.h"

int sqlsink_quote(sink_buf *out, const char *name)
{
    if (sink_buf_putc(out, '"') != 0)
        return -1;
    for (const char *q; (q = strchr(name, '"')) != NULL; name = q + 1)
        if (sink_buf_put(out, name, (size_t)(q - name) + 1) != 0 || sink_buf_putc(out, '"') != 0)
            return -1;
    if (sink_buf_puts(out, name) != 0)
        return -1;
    return sink_buf_putc(out, '"');
}

const char *sqlsink_fold(sqlsink *s, const char *name)
{
    s->folded.len = 0;
    if (sink_buf_put(&s->folded, name, strlen(name) + 1) != 0)
        return NULL;
    for (char *p = s->folded.data; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return s->folded.data;
}

/* The declared type of a column whose first value is v. */
static const char *decl_type(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_INTEGER:
    case JSON_TRUE:
    case JSON_FALSE: return " INTEGER";
    case JSON_REAL: return " REAL";
    case JSON_STRING:
    case JSON_OBJECT:
    case JSON_ARRAY: return " TEXT";
    case JSON_NULL: return "";
    }
    return "";
}

/* Runs s->sql (NUL-terminated here). Returns SQLITE_OK or the error. */
static int exec_sql(sqlsink *s)
{
    if (sink_buf_putc(&s->sql, '\0') != 0)
        return SQLITE_NOMEM;
    return sqlite3_exec(s->db, s->sql.data, NULL, NULL, NULL);
}

/* Collects column `col` of the rows of `sql` (with ?1 = arg) into a new
 * object of folded names. Returns SQLITE_OK or the error. */
static int query_names(sqlsink *s, const char *sql, const char *arg, json_t **out)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL);
    json_t *names = json_object();
    if (rc == SQLITE_OK && !names)
        rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(stmt, 1, arg, -1, SQLITE_STATIC);
    while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        const char *f = sqlsink_fold(s, name ? name : ""); /* NULL: an expression in an index */
        rc = f && json_object_set_new(names, f, json_true()) == 0 ? SQLITE_OK : SQLITE_NOMEM;
    }
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE) {
        json_decref(names);
        return rc;
    }
    *out = names;
    return SQLITE_OK;
}

static int load_columns(sqlsink *s, sqlsink_table *t)
{
    json_t *cols = NULL;
    int rc = query_names(s, "SELECT name FROM pragma_table_info(?1)", t->name, &cols);
    if (rc != SQLITE_OK)
        return rc;
    json_decref(t->columns);
    t->columns = cols;
    return SQLITE_OK;
}

/* Appends the stream's key as ("k1","k2"). */
static int append_key_list(sink_buf *sql, const sqlsink_stream *st)
{
    if (sink_buf_putc(sql, '(') != 0)
        return -1;
    for (size_t i = 0; i < st->nkey; i++)
        if ((i && sink_buf_putc(sql, ',') != 0) || sqlsink_quote(sql, st->key[i]) != 0)
            return -1;
    return sink_buf_putc(sql, ')');
}

static int create_table(sqlsink *s, sqlsink_stream *st, json_t *rec)
{
    sink_buf *sql = &s->sql;
    sql->len = 0;
    int bad = sink_buf_puts(sql, "CREATE TABLE IF NOT EXISTS ") || sqlsink_quote(sql, st->table->name) ||
              sink_buf_puts(sql, " (");
    const char *field;
    json_t *v;
    int first = 1;
    json_object_foreach(rec, field, v) {
        bad = bad || (!first && sink_buf_puts(sql, ", ")) || sqlsink_quote(sql, field) ||
              sink_buf_puts(sql, decl_type(v));
        first = 0;
    }
    if (st->nkey)
        bad = bad || sink_buf_puts(sql, ", PRIMARY KEY ") || append_key_list(sql, st);
    bad = bad || sink_buf_putc(sql, ')');
    return bad ? SQLITE_NOMEM : exec_sql(s);
}

static int add_column(sqlsink *s, sqlsink_table *t, const char *field, json_t *v)
{
    sink_buf *sql = &s->sql;
    sql->len = 0;
    if (sink_buf_puts(sql, "ALTER TABLE ") || sqlsink_quote(sql, t->name) || sink_buf_puts(sql, " ADD COLUMN ") ||
        sqlsink_quote(sql, field) || sink_buf_puts(sql, decl_type(v)))
        return SQLITE_NOMEM;
    return exec_sql(s);
}

/* Whether `names` (folded) is exactly the stream's key. */
static int is_key_set(sqlsink *s, const sqlsink_stream *st, json_t *names)
{
    if (json_object_size(names) != st->nkey)
        return 0;
    for (size_t i = 0; i < st->nkey; i++) {
        const char *f = sqlsink_fold(s, st->key[i]);
        if (!f || !json_object_get(names, f))
            return 0;
    }
    return 1;
}

/* Looks for a primary key or full unique index on exactly the key. */
static int has_key_index(sqlsink *s, sqlsink_stream *st, int *found)
{
    json_t *names = NULL, *indexes = NULL;
    int rc = query_names(s, "SELECT name FROM pragma_table_info(?1) WHERE pk > 0", st->table->name, &names);
    *found = rc == SQLITE_OK && is_key_set(s, st, names);
    json_decref(names);
    if (rc != SQLITE_OK || *found)
        return rc;
    /* query_names folds names; index names are only used to look them up
     * again, and SQLite finds indexes regardless of letter case. */
    rc = query_names(s, "SELECT name FROM pragma_index_list(?1) WHERE \"unique\" AND NOT partial",
                     st->table->name, &indexes);
    const char *index;
    json_t *unused;
    json_object_foreach(indexes, index, unused) {
        if (rc != SQLITE_OK || *found)
            break;
        names = NULL;
        rc = query_names(s, "SELECT name FROM pragma_index_info(?1)", index, &names);
        *found = rc == SQLITE_OK && is_key_set(s, st, names);
        json_decref(names);
    }
    json_decref(indexes);
    return rc;
}

static int create_key_index(sqlsink *s, sqlsink_stream *st)
{
    sink_buf name = {0};
    int bad = sink_routes_index_name(&name, st->table->name, st->key, st->nkey) != 0;
    sink_buf *sql = &s->sql;
    sql->len = 0;
    bad = bad || sink_buf_puts(sql, "CREATE UNIQUE INDEX IF NOT EXISTS ") || sqlsink_quote(sql, name.data) ||
          sink_buf_puts(sql, " ON ") || sqlsink_quote(sql, st->table->name) || sink_buf_putc(sql, ' ') ||
          append_key_list(sql, st);
    sink_buf_free(&name);
    return bad ? SQLITE_NOMEM : exec_sql(s);
}

/* Error of a schema step that is not the record's fault: `what` is
 * completed with the table's name. */
static int schema_failed(sqlsink *s, sluice_ctx *ctx, int rc, const char *what, const sqlsink_stream *st)
{
    char whatbuf[512];
    snprintf(whatbuf, sizeof whatbuf, "%s \"%s\"", what, st->table->name);
    return sqlsink_failed(s, ctx, rc, whatbuf, 0, NULL, 0);
}

static int ensure_key_index(sqlsink *s, sluice_ctx *ctx, sqlsink_stream *st)
{
    int found = 0;
    int rc = has_key_index(s, st, &found);
    if (rc != SQLITE_OK)
        return schema_failed(s, ctx, rc, "reading the indexes of table", st);
    /* Fails with a UNIQUE constraint error when existing rows repeat a key. */
    if (!found && (rc = create_key_index(s, st)) != SQLITE_OK)
        return schema_failed(s, ctx, rc, "creating a unique index for the key on table", st);
    st->key_ready = 1;
    return SQLSINK_WRITTEN;
}

/* Checks that no two fields of rec fold to the same column name. */
static int find_case_clash(sqlsink *s, json_t *rec, char *reason, size_t cap)
{
    json_t *seen = json_object();
    const char *field;
    json_t *v;
    int rc = seen ? SQLSINK_WRITTEN : SLUICE_ENOMEM;
    json_object_foreach(rec, field, v) {
        if (rc != SQLSINK_WRITTEN)
            break;
        const char *f = sqlsink_fold(s, field);
        if (!f) {
            rc = SLUICE_ENOMEM;
        } else if (json_object_get(seen, f)) {
            snprintf(reason, cap, "field \"%s\" differs from another field only in letter case; "
                                  "SQLite column names ignore case", field);
            rc = SQLSINK_REJECT;
        } else if (json_object_set_new(seen, f, json_true()) != 0) {
            rc = SLUICE_ENOMEM;
        }
    }
    json_decref(seen);
    return rc;
}

/* Adds a column for every field of rec the table lacks. */
static int add_missing_columns(sqlsink *s, sluice_ctx *ctx, sqlsink_stream *st, json_t *rec, char *reason,
                               size_t cap)
{
    sqlsink_table *t = st->table;
    int reloaded = 0;
    const char *field;
    json_t *v;
    json_object_foreach(rec, field, v) {
        const char *f = sqlsink_fold(s, field);
        if (!f)
            return SLUICE_ENOMEM;
        if (json_object_get(t->columns, f))
            continue;
        if (!reloaded) { /* another connection may have added it meanwhile */
            reloaded = 1;
            int rc = load_columns(s, t);
            if (rc != SQLITE_OK)
                return schema_failed(s, ctx, rc, "reading the columns of table", st);
            if (json_object_get(t->columns, sqlsink_fold(s, field)))
                continue;
        }
        int rc = add_column(s, t, field, v);
        if (rc != SQLITE_OK) {
            char what[256];
            snprintf(what, sizeof what, "adding column \"%s\" to table \"%s\"", field, t->name);
            return sqlsink_failed(s, ctx, rc, what, 2, reason, cap);
        }
        f = sqlsink_fold(s, field);
        if (!f || json_object_set_new(t->columns, f, json_true()) != 0)
            return SLUICE_ENOMEM;
    }
    return SQLSINK_WRITTEN;
}

int sqlsink_schema_ready(sqlsink *s, sluice_ctx *ctx, sqlsink_stream *st, json_t *rec, char *reason, size_t cap)
{
    int status = find_case_clash(s, rec, reason, cap);
    if (status != SQLSINK_WRITTEN)
        return status;
    sqlsink_table *t = st->table;
    if (!t->columns) {
        int rc = load_columns(s, t);
        if (rc != SQLITE_OK)
            return schema_failed(s, ctx, rc, "reading the columns of table", st);
    }
    if (json_object_size(t->columns) == 0) {
        int rc = create_table(s, st, rec);
        if (rc != SQLITE_OK)
            return schema_failed(s, ctx, rc, "creating table", st);
        if ((rc = load_columns(s, t)) != SQLITE_OK)
            return schema_failed(s, ctx, rc, "reading the columns of table", st);
        st->key_ready = 1; /* PRIMARY KEY(key) */
    }
    status = add_missing_columns(s, ctx, st, rec, reason, cap);
    if (status == SQLSINK_WRITTEN && !st->key_ready)
        status = ensure_key_index(s, ctx, st);
    return status;
}
