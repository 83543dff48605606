/* pg_copy.c - a run of records into its staging table with COPY ... FROM
 * STDIN in text format (see pg_sink.h).
 *
 * Every value goes as text and the server's input functions convert it to
 * the column's type, so "9380.50" lands exactly in a numeric column and
 * "2024-01-01T00:00:05+03:00" in a timestamptz one. Text format escapes
 * backslash, tab, newline and carriage return with a backslash; \N is
 * NULL. A string holding a NUL byte cannot be stored in any text type:
 * its record is dead-lettered here rather than failing the whole batch,
 * and so is a record whose key field is null. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "pg_sink.h"

/* Appends n bytes escaped for COPY text; p[n] must be a NUL (jansson's
 * strings and s->text are terminated). Returns 0, -1 (out of memory) or 1
 * (a NUL byte inside). strcspn() finds the next byte to escape many bytes
 * at a time (glibc uses SIMD), and most values have none. */
static int copy_escape(sink_buf *out, const char *p, size_t n)
{
    size_t i = 0;
    for (;;) {
        size_t run = strcspn(p + i, "\\\t\n\r");
        if (sink_buf_put(out, p + i, run) != 0)
            return -1;
        i += run;
        if (i >= n)
            return 0;
        unsigned char c = (unsigned char)p[i];
        if (c == '\0')
            return 1;
        char esc[2] = {'\\', c == '\\' ? '\\' : c == '\n' ? 'n' : c == '\r' ? 'r' : 't'};
        if (sink_buf_put(out, esc, 2) != 0)
            return -1;
        i++;
    }
}

/* Appends v as JSON text, escaped for COPY. */
static int copy_json_text(pgsink *s, sink_buf *out, const json_t *v)
{
    s->text.len = 0;
    if (sink_json_append(&s->text, v, 0) != 0 || sink_buf_putc(&s->text, '\0') != 0)
        return -1;
    return copy_escape(out, s->text.data, s->text.len - 1);
}

/* Appends `v` as one COPY text field for a column of class cls. 0, -1 (out
 * of memory) or 1 (a NUL byte in a string). */
static int copy_value(pgsink *s, sink_buf *out, json_t *v, int cls)
{
    switch (json_typeof(v)) {
    case JSON_NULL: return sink_buf_put(out, "\\N", 2);
    case JSON_STRING:
        if (cls == PGSINK_COL_JSON)
            return copy_json_text(s, out, v);
        return copy_escape(out, json_string_value(v), json_string_length(v));
    case JSON_INTEGER: return sink_json_integer(out, json_integer_value(v));
    case JSON_REAL: {
        double d = json_real_value(v);
        /* 3.0 is a fine value for an integer column, "3.0" is not. */
        if (cls == PGSINK_COL_INT && d == trunc(d) && fabs(d) < 9.2e18)
            return sink_json_integer(out, (json_int_t)d);
        char tmp[SINK_JSON_REAL_MAX];
        size_t n = sink_json_real(tmp, d);
        return sink_buf_put(out, tmp, n);
    }
    case JSON_TRUE: return sink_buf_put(out, "true", 4);
    case JSON_FALSE: return sink_buf_put(out, "false", 5);
    case JSON_OBJECT:
    case JSON_ARRAY: return copy_json_text(s, out, v);
    }
    return -1;
}

/* What the encoder needs to know of a run's column. */
typedef struct copy_col {
    int cls;  /* pgsink_col_class */
    int key;  /* part of the stream's key */
} copy_col;

/* FNV-1a over the text of the key fields, to spot a key written twice. */
static uint64_t hash_bytes(uint64_t h, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Whether equal values of this key column always have equal COPY text:
 * text columns compare bytes, and integers we write ourselves are in
 * canonical form; "01" into an integer column or numeric, timestamp and
 * jsonb keys are not (1.0 = 1.00), so those runs always dedupe. */
static int canonical_key_value(const json_t *v, int cls)
{
    if (cls == PGSINK_COL_TEXT)
        return 1;
    return cls == PGSINK_COL_INT && (json_is_integer(v) || json_is_real(v));
}

/* Records the row's key hash; sets run->dupes when seen before or when the
 * text cannot tell (see canonical_key_value). */
static void note_key(pgsink *s, pgsink_run *run, uint64_t h, int canonical)
{
    if (!canonical || run->dupes || !s->seen) {
        run->dupes = 1;
        return;
    }
    if (h == 0)
        h = 1; /* 0 marks a free slot */
    size_t mask = s->capseen - 1;
    for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
        if (s->seen[i] == h) {
            run->dupes = 1; /* or a hash collision: deduping is then merely not needed */
            return;
        }
        if (s->seen[i] == 0) {
            s->seen[i] = h;
            return;
        }
    }
}

/* An empty hash set with room for n keys at most half full, or NULL
 * (out of memory: the run then simply dedupes). */
static uint64_t *reset_seen(pgsink *s, size_t n)
{
    size_t cap = 64;
    while (cap < 2 * n && cap < ((size_t)1 << 40))
        cap *= 2;
    if (cap > s->capseen) {
        free(s->seen);
        s->seen = malloc(cap * sizeof *s->seen);
        s->capseen = s->seen ? cap : 0;
    }
    if (s->seen)
        memset(s->seen, 0, s->capseen * sizeof *s->seen);
    return s->seen;
}

/* Appends one row: the run's columns, then the row's ord. Returns 0, -1,
 * 1 (*bad = the field with a NUL byte) or 2 (*bad = a key field that is
 * null or missing: checked here, where the value is at hand anyway). */
static int encode_row(pgsink *s, json_t *rec, pgsink_run *run, const copy_col *cols, int keyed, uint64_t ord,
                      const char **bad)
{
    sink_buf *out = &s->copy;
    uint64_t h = 0xcbf29ce484222325ULL;
    int canonical = 1;
    /* Records of a run nearly always list their fields in the run's order:
     * walking the object beats a hash lookup per column. */
    void *it = json_object_iter(rec);
    for (size_t j = 0; j < run->ncols; j++) {
        json_t *v;
        if (it && strcmp(json_object_iter_key(it), run->cols[j]) == 0) {
            v = json_object_iter_value(it);
            it = json_object_iter_next(rec, it);
        } else {
            v = json_object_get(rec, run->cols[j]);
            it = NULL;
        }
        if (cols[j].key && (!v || json_is_null(v))) {
            *bad = run->cols[j];
            return 2;
        }
        size_t start = out->len;
        int rc = copy_value(s, out, v, cols[j].cls);
        if (rc != 0) {
            *bad = run->cols[j];
            return rc;
        }
        if (cols[j].key) {
            h = hash_bytes(hash_bytes(h, out->data + start, out->len - start), "\t", 1);
            canonical = canonical && canonical_key_value(v, cols[j].cls);
        }
        if (sink_buf_putc(out, '\t') != 0)
            return -1;
    }
    if (keyed)
        note_key(s, run, h, canonical);
    return sink_json_integer(out, (json_int_t)ord) || sink_buf_putc(out, '\n') ? -1 : 0;
}

/* Hands the buffered rows to libpq. */
static int send_copy(pgsink *s, sluice_ctx *ctx)
{
    if (s->copy.len == 0)
        return SLUICE_OK;
    if (PQputCopyData(s->conn, s->copy.data, (int)s->copy.len) != 1)
        return pgsink_result_failed(s, ctx, NULL, "sending COPY data", PGSINK_PHASE_DATA);
    s->copy.len = 0;
    return SLUICE_OK;
}

static int start_copy(pgsink *s, sluice_ctx *ctx, const pgsink_run *run, pgsink_table *t)
{
    sink_buf *sql = &s->sql;
    sql->len = 0;
    int bad = sink_buf_puts(sql, "COPY ") || sink_buf_puts(sql, t->stage) || sink_buf_puts(sql, " (");
    for (size_t j = 0; j < run->ncols && !bad; j++)
        bad = pgsink_quote(sql, run->cols[j]) || sink_buf_putc(sql, ',');
    bad = bad || pgsink_quote(sql, PGSINK_ORD_COLUMN) || sink_buf_puts(sql, ") FROM STDIN") ||
          sink_buf_putc(sql, '\0');
    if (bad)
        return SLUICE_ENOMEM;
    PGresult *r = PQexec(s->conn, sql->data);
    int status = r && PQresultStatus(r) == PGRES_COPY_IN
                     ? SLUICE_OK
                     : pgsink_result_failed(s, ctx, r, "starting COPY", PGSINK_PHASE_SCHEMA);
    PQclear(r);
    return status;
}

/* Ends the COPY: the server reports a bad value only now. */
static int finish_copy(pgsink *s, sluice_ctx *ctx, const pgsink_table *t)
{
    int status = send_copy(s, ctx);
    if (status != SLUICE_OK)
        return status;
    if (PQputCopyEnd(s->conn, NULL) != 1)
        return pgsink_result_failed(s, ctx, NULL, "ending COPY", PGSINK_PHASE_DATA);
    PGresult *r;
    char what[256];
    snprintf(what, sizeof what, "copying into %s", t->qname);
    while ((r = PQgetResult(s->conn)) != NULL) {
        if (status == SLUICE_OK && PQresultStatus(r) != PGRES_COMMAND_OK)
            status = pgsink_result_failed(s, ctx, r, what, PGSINK_PHASE_DATA);
        PQclear(r);
    }
    return status;
}

/* The run's columns: class and whether they belong to the key. */
static copy_col *run_columns(const pgsink_stream *st, const pgsink_run *run)
{
    copy_col *cols = calloc(run->ncols ? run->ncols : 1, sizeof *cols);
    for (size_t j = 0; cols && j < run->ncols; j++) {
        cols[j].cls = (int)json_integer_value(json_object_get(st->table->columns, run->cols[j]));
        for (size_t k = 0; k < st->nkey; k++)
            cols[j].key |= strcmp(st->key[k], run->cols[j]) == 0;
    }
    return cols;
}

/* Empties the staging table once enough rows gathered (see pg_schema.c). */
static int trim_stage(pgsink *s, sluice_ctx *ctx, pgsink_table *t)
{
    if (t->stage_rows < PGSINK_STAGE_ROWS)
        return SLUICE_OK;
    s->sql.len = 0;
    if (sink_buf_puts(&s->sql, "TRUNCATE ") || sink_buf_puts(&s->sql, t->stage))
        return SLUICE_ENOMEM;
    int status = pgsink_exec_sql(s, ctx, "emptying the staging table", PGSINK_PHASE_SCHEMA);
    if (status == SLUICE_OK)
        t->stage_rows = 0;
    return status;
}

static int copy_rows(pgsink *s, sluice_ctx *ctx, pgsink_stream *st, sluice_batch *b, pgsink_run *run,
                     const copy_col *cols)
{
    int status = SLUICE_OK, keyed = st->nkey > 0 && !st->always_dedupe;
    if (keyed && !reset_seen(s, run->nidx))
        run->dupes = 1;
    for (size_t i = 0; i < run->nidx && status == SLUICE_OK; i++) {
        json_t *rec = sluice_batch_record(b, run->idx[i]);
        if (!rec)
            continue;
        size_t mark = s->copy.len;
        const char *bad = NULL;
        int rc = encode_row(s, rec, run, cols, keyed, s->ord + 1, &bad);
        if (rc == 1 || rc == 2) {
            s->copy.len = mark;
            char reason[PGSINK_REASON_MAX];
            if (rc == 1)
                snprintf(reason, sizeof reason, "field \"%s\": a string with a NUL byte, which PostgreSQL "
                                                "text cannot hold", bad);
            else
                snprintf(reason, sizeof reason, "missing key field %s%s", bad,
                         json_object_get(rec, bad) ? " (null)" : "");
            status = pgsink_reject(ctx, b, run->idx[i], reason);
            continue;
        }
        if (rc != 0)
            return SLUICE_ENOMEM;
        s->ord++;
        run->rows++;
        if (s->copy.len >= PGSINK_COPY_CHUNK)
            status = send_copy(s, ctx);
    }
    return status;
}

int pgsink_copy_run(pgsink *s, sluice_ctx *ctx, pgsink_stream *st, sluice_batch *b, pgsink_run *run)
{
    pgsink_table *t = st->table;
    copy_col *cols = run_columns(st, run);
    if (!cols)
        return SLUICE_ENOMEM;
    int status = trim_stage(s, ctx, t);
    if (status == SLUICE_OK)
        status = start_copy(s, ctx, run, t);
    s->copy.len = 0;
    run->ord_lo = s->ord + 1;
    run->rows = 0;
    run->dupes = 0;
    run->shared = t->stage_rows > 0;
    if (status == SLUICE_OK)
        status = copy_rows(s, ctx, st, b, run, cols);
    free(cols);
    run->ord_hi = s->ord;
    if (status == SLUICE_OK)
        status = finish_copy(s, ctx, t);
    if (status == SLUICE_OK)
        t->stage_rows += run->rows;
    return status;
}
