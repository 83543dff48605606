/* pg_merge.c - a run's staged rows into the target table (see pg_sink.h).
 *
 * Without a key:
 *     INSERT INTO t (c1, c2, ...) SELECT c1, c2, ... FROM stage
 * With a key:
 *     INSERT INTO t (c1, c2, ...)
 *     SELECT DISTINCT ON (k1, k2) c1, c2, ... FROM stage
 *     ORDER BY k1, k2, "sluice.ord" DESC
 *     ON CONFLICT (k1, k2) DO UPDATE SET c2 = EXCLUDED.c2, ...
 * ON CONFLICT cannot touch a row twice in one statement, so a key repeated
 * within the run is reduced to its last record first (the highest ord: the
 * latest in the batch), using the column types' own equality. The sort
 * that takes costs a fifth of the merge, so it is left out when pg_copy.c
 * saw every key of the run once (with text whose equality is the type's);
 * should the server still find a key twice (a nondeterministic collation),
 * the batch is retried with DISTINCT ON for the stream from then on. Only the
 * run's columns are listed: columns its records do not mention keep their
 * values (or get their defaults in a new row). When the staging table
 * holds rows of earlier runs of the batch, the run's own are picked by
 * their ord range. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pg_sink.h"

static int is_key(const pgsink_stream *st, const char *col)
{
    for (size_t k = 0; k < st->nkey; k++)
        if (strcmp(st->key[k], col) == 0)
            return 1;
    return 0;
}

static int append_cols(sink_buf *sql, const pgsink_run *run)
{
    for (size_t j = 0; j < run->ncols; j++)
        if ((j && sink_buf_putc(sql, ',')) || pgsink_quote(sql, run->cols[j]))
            return -1;
    return 0;
}

static int append_keys(sink_buf *sql, const pgsink_stream *st)
{
    for (size_t k = 0; k < st->nkey; k++)
        if ((k && sink_buf_putc(sql, ',')) || pgsink_quote(sql, st->key[k]))
            return -1;
    return 0;
}

static int append_ord_range(sink_buf *sql, const pgsink_run *run)
{
    char range[96];
    snprintf(range, sizeof range, " BETWEEN %" PRIu64 " AND %" PRIu64, run->ord_lo, run->ord_hi);
    return sink_buf_puts(sql, " WHERE ") || pgsink_quote(sql, PGSINK_ORD_COLUMN) || sink_buf_puts(sql, range);
}

static int append_conflict(sink_buf *sql, const pgsink_stream *st, const pgsink_run *run)
{
    if (sink_buf_puts(sql, " ON CONFLICT (") || append_keys(sql, st) || sink_buf_putc(sql, ')'))
        return -1;
    size_t set = 0;
    for (size_t j = 0; j < run->ncols; j++) {
        if (is_key(st, run->cols[j]))
            continue;
        if (sink_buf_puts(sql, set++ ? ", " : " DO UPDATE SET ") || pgsink_quote(sql, run->cols[j]) ||
            sink_buf_puts(sql, " = EXCLUDED.") || pgsink_quote(sql, run->cols[j]))
            return -1;
    }
    return set ? 0 : sink_buf_puts(sql, " DO NOTHING"); /* the records are all key */
}

static int build_merge(pgsink *s, const pgsink_stream *st, const pgsink_run *run)
{
    sink_buf *sql = &s->sql;
    sql->len = 0;
    int dedupe = st->nkey && run->rows > 1 && (run->dupes || st->always_dedupe);
    int bad = sink_buf_puts(sql, "INSERT INTO ") || sink_buf_puts(sql, st->table->qname) ||
              sink_buf_puts(sql, " (") || append_cols(sql, run) || sink_buf_puts(sql, ") SELECT ");
    if (dedupe)
        bad = bad || sink_buf_puts(sql, "DISTINCT ON (") || append_keys(sql, st) || sink_buf_puts(sql, ") ");
    bad = bad || append_cols(sql, run) || sink_buf_puts(sql, " FROM ") || sink_buf_puts(sql, st->table->stage);
    if (run->shared)
        bad = bad || append_ord_range(sql, run);
    if (dedupe)
        bad = bad || sink_buf_puts(sql, " ORDER BY ") || append_keys(sql, st) || sink_buf_putc(sql, ',') ||
              pgsink_quote(sql, PGSINK_ORD_COLUMN) || sink_buf_puts(sql, " DESC");
    if (st->nkey)
        bad = bad || append_conflict(sql, st, run);
    return bad ? -1 : 0;
}

int pgsink_merge_run(pgsink *s, sluice_ctx *ctx, pgsink_stream *st, const pgsink_run *run)
{
    if (run->rows == 0)
        return SLUICE_OK;
    if (build_merge(s, st, run) != 0 || sink_buf_putc(&s->sql, '\0') != 0)
        return SLUICE_ENOMEM;
    char what[256];
    snprintf(what, sizeof what, "writing to %s", st->table->qname);
    PGresult *r = PQexec(s->conn, s->sql.data);
    int status = SLUICE_OK;
    if (!r || PQresultStatus(r) != PGRES_COMMAND_OK) {
        const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
        if (state && strcmp(state, "21000") == 0 && !st->always_dedupe) {
            /* "ON CONFLICT DO UPDATE command cannot affect row a second
             * time": two keys equal for the server, not for our check. */
            st->always_dedupe = 1;
            sluice_warn(ctx, "%s: %s: a key occurs twice in the batch; retrying it with duplicates removed",
                        s->where, what);
            status = SLUICE_RETRY;
        } else {
            status = pgsink_result_failed(s, ctx, r, what, PGSINK_PHASE_DATA);
        }
    }
    PQclear(r);
    return status;
}
