/* pg_schema.c - tables made from the records' fields, the key's unique
 * index and the staging tables (see pg_sink.h).
 *
 * A missing table is created from the first run of its stream: one column
 * per field, typed by the `types` option or after the run's values
 * (integer -> bigint, real -> double precision, integer and real mixed ->
 * double precision, true/false -> boolean, object/array -> jsonb, string
 * -> text, only nulls or other mixtures -> text), with PRIMARY KEY (key).
 * A field seen later adds a column the same way. A table that existed
 * already gets a unique index on the key unless one covers exactly those
 * columns, because ON CONFLICT needs one.
 *
 * The staging table of a target is a temporary copy of its columns without
 * constraints, plus PGSINK_ORD_COLUMN, created with CREATE TABLE AS ...
 * WITH NO DATA rather than LIKE: LIKE would copy NOT NULL, and a run that
 * does not mention such a column would then fail in the staging table
 * although the upsert leaves that column alone. It is not ON COMMIT
 * DELETE ROWS: emptying a table after every batch costs the server file
 * operations (measured: a quarter of the time of 1000-row batches), so
 * rows stay until PGSINK_STAGE_ROWS have gathered and a batch's merge
 * picks its own rows by PGSINK_ORD_COLUMN (pg_copy.c). That column comes
 * first, so the filter reads it without decoding the rest of the row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pg_sink.h"
#include "sink_routes.h"

/* Type oids (pg_type.h): the classes of pgsink_col_class. */
#define PG_OID_INT8 20
#define PG_OID_INT2 21
#define PG_OID_INT4 23
#define PG_OID_TEXT 25
#define PG_OID_VARCHAR 1043
#define PG_OID_JSON 114
#define PG_OID_JSONB 3802

int pgsink_quote(sink_buf *out, const char *name)
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

static int class_of_type(long long oid)
{
    switch (oid) {
    case PG_OID_INT2:
    case PG_OID_INT4:
    case PG_OID_INT8: return PGSINK_COL_INT;
    case PG_OID_JSON:
    case PG_OID_JSONB: return PGSINK_COL_JSON;
    case PG_OID_TEXT:
    case PG_OID_VARCHAR: return PGSINK_COL_TEXT;
    default: return PGSINK_COL_PLAIN;
    }
}

/* Runs a catalog query with one text parameter. *out = the result (caller
 * clears) or a failure status. */
static int query1(pgsink *s, sluice_ctx *ctx, const char *sql, const char *arg, const char *what, PGresult **out)
{
    const char *params[1] = {arg};
    PGresult *r = PQexecParams(s->conn, sql, 1, NULL, params, NULL, NULL, 0);
    if (r && PQresultStatus(r) == PGRES_TUPLES_OK) {
        *out = r;
        return SLUICE_OK;
    }
    int status = pgsink_result_failed(s, ctx, r, what, PGSINK_PHASE_SCHEMA);
    PQclear(r);
    return status;
}

/* Reads whether the table exists and its columns with their classes. */
static int load_columns(pgsink *s, sluice_ctx *ctx, pgsink_table *t)
{
    static const char sql[] =
        "SELECT c.r IS NOT NULL, a.attname,"
        " CASE WHEN ty.typtype = 'd' THEN ty.typbasetype ELSE a.atttypid END::int8"
        " FROM (SELECT to_regclass($1) AS r) c"
        " LEFT JOIN pg_attribute a ON a.attrelid = c.r AND a.attnum > 0 AND NOT a.attisdropped"
        " LEFT JOIN pg_type ty ON ty.oid = a.atttypid";
    PGresult *r = NULL;
    int status = query1(s, ctx, sql, t->qname, "reading the columns of the table", &r);
    if (status != SLUICE_OK)
        return status;
    json_t *cols = json_object();
    int n = PQntuples(r), bad = !cols;
    for (int i = 0; i < n && !bad; i++) {
        if (PQgetisnull(r, i, 1))
            continue;
        long long oid = strtoll(PQgetvalue(r, i, 2), NULL, 10);
        bad = json_object_set_new(cols, PQgetvalue(r, i, 1), json_integer(class_of_type(oid))) != 0;
    }
    int exists = n > 0 && strcmp(PQgetvalue(r, 0, 0), "t") == 0;
    PQclear(r);
    if (bad) {
        json_decref(cols);
        return SLUICE_ENOMEM;
    }
    json_decref(t->columns);
    t->columns = cols;
    t->exists = exists;
    return SLUICE_OK;
}

/* ---- types ---------------------------------------------------------------- */

enum { K_NONE, K_INT, K_REAL, K_BOOL, K_STRING, K_JSON, K_MIXED };

static int kind_of(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_INTEGER: return K_INT;
    case JSON_REAL: return K_REAL;
    case JSON_TRUE:
    case JSON_FALSE: return K_BOOL;
    case JSON_STRING: return K_STRING;
    case JSON_OBJECT:
    case JSON_ARRAY: return K_JSON;
    case JSON_NULL: return K_NONE;
    }
    return K_NONE;
}

static int combine(int a, int b)
{
    if (a == K_NONE || a == b)
        return b;
    if (b == K_NONE)
        return a;
    if (a == K_JSON || b == K_JSON) /* jsonb holds any value */
        return K_JSON;
    if ((a == K_INT && b == K_REAL) || (a == K_REAL && b == K_INT))
        return K_REAL;
    return K_MIXED;
}

/* The SQL type of a new column: the types option, else what the run's
 * values suggest. Money arrives as strings and stays text unless the
 * option says numeric: never a double. */
static const char *column_type(const pgsink_stream *st, sluice_batch *b, const pgsink_run *run, const char *col)
{
    const char *t = json_string_value(json_object_get(st->types, col));
    if (t)
        return t;
    int k = K_NONE;
    for (size_t i = 0; i < run->nidx && k != K_JSON; i++) {
        json_t *rec = sluice_batch_record(b, run->idx[i]);
        if (rec)
            k = combine(k, kind_of(json_object_get(rec, col)));
    }
    switch (k) {
    case K_INT: return "bigint";
    case K_REAL: return "double precision";
    case K_BOOL: return "boolean";
    case K_JSON: return "jsonb";
    default: return "text";
    }
}

/* ---- DDL ---------------------------------------------------------------- */

static int append_key_list(sink_buf *sql, const pgsink_stream *st)
{
    if (sink_buf_putc(sql, '(') != 0)
        return -1;
    for (size_t i = 0; i < st->nkey; i++)
        if ((i && sink_buf_putc(sql, ',') != 0) || pgsink_quote(sql, st->key[i]) != 0)
            return -1;
    return sink_buf_putc(sql, ')');
}

/* CREATE SCHEMA needs the CREATE privilege on the database even when the
 * schema exists, so it is only tried when the schema is missing. */
static int ensure_schema(pgsink *s, sluice_ctx *ctx)
{
    PGresult *r = NULL;
    int status = query1(s, ctx, "SELECT 1 FROM pg_namespace WHERE nspname = $1", s->schema,
                        "looking up the schema", &r);
    if (status != SLUICE_OK)
        return status;
    int found = PQntuples(r) > 0;
    PQclear(r);
    if (found)
        return SLUICE_OK;
    s->sql.len = 0;
    if (sink_buf_puts(&s->sql, "CREATE SCHEMA IF NOT EXISTS ") || pgsink_quote(&s->sql, s->schema))
        return SLUICE_ENOMEM;
    return pgsink_exec_sql(s, ctx, "creating the schema", PGSINK_PHASE_SCHEMA);
}

static int create_table(pgsink *s, sluice_ctx *ctx, pgsink_stream *st, sluice_batch *b, const pgsink_run *run)
{
    int status = ensure_schema(s, ctx);
    if (status != SLUICE_OK)
        return status;
    sink_buf *sql = &s->sql;
    sql->len = 0;
    /* Without IF NOT EXISTS: a table another session created meanwhile is
     * an error the batch is retried on (42P07), not a table whose key we
     * would wrongly believe indexed. */
    int bad = sink_buf_puts(sql, "CREATE TABLE ") || sink_buf_puts(sql, st->table->qname) ||
              sink_buf_puts(sql, " (");
    for (size_t i = 0; i < run->ncols && !bad; i++)
        bad = (i && sink_buf_puts(sql, ", ")) || pgsink_quote(sql, run->cols[i]) || sink_buf_putc(sql, ' ') ||
              sink_buf_puts(sql, column_type(st, b, run, run->cols[i]));
    if (st->nkey)
        bad = bad || sink_buf_puts(sql, ", PRIMARY KEY ") || append_key_list(sql, st);
    bad = bad || sink_buf_putc(sql, ')');
    if (bad)
        return SLUICE_ENOMEM;
    sluice_info(ctx, "%s: creating table %s", s->where, st->table->qname);
    return pgsink_exec_sql(s, ctx, "creating the table", PGSINK_PHASE_SCHEMA);
}

/* One ALTER TABLE adding every column of the run the table lacks. */
static int add_columns(pgsink *s, sluice_ctx *ctx, pgsink_stream *st, sluice_batch *b, const pgsink_run *run)
{
    sink_buf *sql = &s->sql;
    sql->len = 0;
    int bad = sink_buf_puts(sql, "ALTER TABLE ") || sink_buf_puts(sql, st->table->qname);
    size_t added = 0;
    for (size_t i = 0; i < run->ncols && !bad; i++) {
        if (json_object_get(st->table->columns, run->cols[i]))
            continue;
        bad = sink_buf_puts(sql, added++ ? ", ADD COLUMN IF NOT EXISTS " : " ADD COLUMN IF NOT EXISTS ") ||
              pgsink_quote(sql, run->cols[i]) || sink_buf_putc(sql, ' ') ||
              sink_buf_puts(sql, column_type(st, b, run, run->cols[i]));
        if (!bad)
            sluice_debug(ctx, "%s: adding column \"%s\" to %s", s->where, run->cols[i], st->table->qname);
    }
    if (bad)
        return SLUICE_ENOMEM;
    return added ? pgsink_exec_sql(s, ctx, "adding columns", PGSINK_PHASE_SCHEMA) : SLUICE_OK;
}

static int has_all_columns(const json_t *cols, const pgsink_run *run)
{
    for (size_t i = 0; i < run->ncols; i++)
        if (!json_object_get(cols, run->cols[i]))
            return 0;
    return 1;
}

/* Creates or widens the table until it has every column of the run. */
static int ensure_columns(pgsink *s, sluice_ctx *ctx, pgsink_stream *st, sluice_batch *b, const pgsink_run *run)
{
    pgsink_table *t = st->table;
    if (t->columns && t->exists && has_all_columns(t->columns, run))
        return SLUICE_OK;
    /* Read again: another session may have added what we miss. */
    int status = load_columns(s, ctx, t);
    if (status != SLUICE_OK || has_all_columns(t->columns, run))
        return status;
    if (!t->exists) {
        status = create_table(s, ctx, st, b, run);
        if (status == SLUICE_OK)
            st->key_ready = 1; /* PRIMARY KEY (key) */
        if (status == SLUICE_OK && (status = load_columns(s, ctx, t)) == SLUICE_OK &&
            !has_all_columns(t->columns, run))
            status = add_columns(s, ctx, st, b, run);
    } else {
        status = add_columns(s, ctx, st, b, run);
    }
    return status == SLUICE_OK ? load_columns(s, ctx, t) : status;
}

/* ---- the key's unique index ------------------------------------------------ */

/* Whether a unique, immediate, valid, non-partial index on plain columns
 * covers exactly the key (in any order), as ON CONFLICT (key) needs. */
static int find_key_index(pgsink *s, sluice_ctx *ctx, pgsink_stream *st, int *found)
{
    static const char sql[] =
        "SELECT i.indexrelid::int8, a.attname FROM pg_index i"
        " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum"
        " WHERE i.indrelid = to_regclass($1) AND i.indisunique AND i.indimmediate AND i.indisvalid"
        " AND i.indpred IS NULL AND i.indexprs IS NULL AND k.n <= i.indnkeyatts"
        " ORDER BY 1";
    PGresult *r = NULL;
    int status = query1(s, ctx, sql, st->table->qname, "reading the indexes of the table", &r);
    if (status != SLUICE_OK)
        return status;
    *found = 0;
    int n = PQntuples(r);
    for (int i = 0; i < n && !*found;) {
        int j = i;
        size_t cols = 0, matched = 0;
        for (; j < n && strcmp(PQgetvalue(r, j, 0), PQgetvalue(r, i, 0)) == 0; j++) {
            cols++;
            for (size_t k = 0; k < st->nkey; k++)
                matched += strcmp(PQgetvalue(r, j, 1), st->key[k]) == 0;
        }
        *found = cols == st->nkey && matched == st->nkey;
        i = j;
    }
    PQclear(r);
    return SLUICE_OK;
}

static int create_key_index(pgsink *s, sluice_ctx *ctx, pgsink_stream *st)
{
    sink_buf name = {0};
    int bad = sink_routes_index_name(&name, st->table->name, st->key, st->nkey) != 0;
    sink_buf *sql = &s->sql;
    sql->len = 0;
    /* The server cuts the name to 63 bytes (with a notice), as it would. */
    bad = bad || sink_buf_puts(sql, "CREATE UNIQUE INDEX IF NOT EXISTS ") || pgsink_quote(sql, name.data) ||
          sink_buf_puts(sql, " ON ") || sink_buf_puts(sql, st->table->qname) || sink_buf_putc(sql, ' ') ||
          append_key_list(sql, st);
    sink_buf_free(&name);
    if (bad)
        return SLUICE_ENOMEM;
    sluice_info(ctx, "%s: creating a unique index on the key of %s", s->where, st->table->qname);
    /* Fails (the run with it) when existing rows repeat a key. */
    return pgsink_exec_sql(s, ctx, "creating a unique index for the key", PGSINK_PHASE_SCHEMA);
}

static int ensure_key_index(pgsink *s, sluice_ctx *ctx, pgsink_stream *st)
{
    int found = 0;
    int status = find_key_index(s, ctx, st, &found);
    if (status == SLUICE_OK && !found)
        status = create_key_index(s, ctx, st);
    if (status == SLUICE_OK)
        st->key_ready = 1;
    return status;
}

/* ---- staging --------------------------------------------------------------- */

static int create_stage(pgsink *s, sluice_ctx *ctx, pgsink_table *t)
{
    sink_buf *sql = &s->sql;
    sql->len = 0;
    if (sink_buf_puts(sql, "DROP TABLE IF EXISTS ") || sink_buf_puts(sql, t->stage))
        return SLUICE_ENOMEM;
    int status = pgsink_exec_sql(s, ctx, "dropping the staging table", PGSINK_PHASE_SCHEMA);
    if (status != SLUICE_OK)
        return status;
    sql->len = 0;
    if (sink_buf_puts(sql, "CREATE TEMP TABLE ") || sink_buf_puts(sql, t->stage) ||
        sink_buf_puts(sql, " AS SELECT NULL::bigint AS ") || pgsink_quote(sql, PGSINK_ORD_COLUMN) ||
        sink_buf_puts(sql, ", * FROM ") || sink_buf_puts(sql, t->qname) ||
        sink_buf_puts(sql, " WITH NO DATA"))
        return SLUICE_ENOMEM;
    if ((status = pgsink_exec_sql(s, ctx, "creating the staging table", PGSINK_PHASE_SCHEMA)) != SLUICE_OK)
        return status;
    json_decref(t->staged);
    t->staged = json_copy(t->columns); /* names -> classes; only the names matter */
    t->stage_rows = 0;
    return t->staged ? SLUICE_OK : SLUICE_ENOMEM;
}

int pgsink_schema_ready(pgsink *s, sluice_ctx *ctx, pgsink_stream *st, sluice_batch *b, const pgsink_run *run)
{
    int status = ensure_columns(s, ctx, st, b, run);
    if (status == SLUICE_OK && !st->key_ready)
        status = ensure_key_index(s, ctx, st);
    if (status == SLUICE_OK && !(st->table->staged && has_all_columns(st->table->staged, run)))
        status = create_stage(s, ctx, st->table);
    return status;
}
