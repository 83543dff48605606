/* csv_source.c - a CSV file becomes records.
 *
 * The first row names the fields (sl_csv_header). Every later row becomes a
 * JSON object of strings, keys in header order. A row the reader flags
 * (quotes, UTF-8) or with the wrong number of fields is rejected with its
 * raw text, the line it starts on and the reason, and reading goes on. A
 * header that cannot name the fields (malformed, duplicate names) fails the
 * file: every row of it would come out wrong. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "csv_reader.h"
#include "file_source.h"

typedef struct csv_header {
    char **names; /* owned (sl_csv_header) */
    size_t n;
} csv_header;

static int header_read(sluice_ctx *ctx, const char *path, const sl_csv_row *row, csv_header *h)
{
    char why[256], msg[1024];
    int rc = sl_csv_header(row, &h->names, why, sizeof why);
    if (rc == -2)
        return sl_file_read_failed(ctx, path, -2, ENOMEM);
    if (rc != 0) {
        snprintf(msg, sizeof msg, "%s:%" PRIu64 ": bad CSV header: %s", path, row->line, why);
        sluice_set_error(ctx, msg);
        return SLUICE_ERROR;
    }
    h->n = row->nfields;
    return SLUICE_OK;
}

/* Emits one good row as an object of strings. The reader checked that the
 * values are UTF-8, so the _nocheck calls are safe. */
static int emit_row(sluice_ctx *ctx, const char *stream, const char *path, const sl_csv_row *row,
                    const csv_header *h)
{
    json_t *obj = json_object();
    if (obj == NULL)
        return sl_file_read_failed(ctx, path, -2, ENOMEM);
    for (size_t i = 0; i < h->n; i++) {
        json_t *v = json_stringn_nocheck(row->fields[i].ptr, row->fields[i].len);
        if (v == NULL || json_object_set_new_nocheck(obj, h->names[i], v) != 0) {
            json_decref(obj);
            return sl_file_read_failed(ctx, path, -2, ENOMEM);
        }
    }
    return sluice_emit_at(ctx, stream, obj, path, row->line); /* steals obj */
}

static int handle_row(sluice_ctx *ctx, const char *stream, const char *path, const sl_csv_row *row,
                      const csv_header *h)
{
    char why[256];
    if (sl_csv_row_fault(row, h->n, (const char *const *)h->names, why, sizeof why))
        return sluice_reject(ctx, stream, row->raw, row->raw_len, path, row->line, why);
    return emit_row(ctx, stream, path, row, h);
}

/* Reads the rows after the header; a row is done once emitted or rejected. */
static int read_rows(sluice_ctx *ctx, const sl_file_job *job, sl_csv_reader *r, const csv_header *h)
{
    uint64_t done = sl_csv_offset(r), done_line = sl_csv_line(r);
    sl_csv_row row;
    unsigned n = 0;
    int rc, erc = SLUICE_OK;
    while ((rc = sl_csv_next(r, &row)) == 1) {
        erc = handle_row(ctx, job->stream, job->path, &row, h);
        if (erc != SLUICE_OK && erc != SLUICE_STOPPED)
            break;
        done = sl_csv_offset(r); /* SLUICE_STOPPED too: the host took the record */
        done_line = sl_csv_line(r);
        if (erc == SLUICE_STOPPED)
            break;
        if ((++n & (SL_FILE_STOP_CHECK - 1)) == 0 && (erc = sl_file_checkpoint(ctx, job, n, done, done_line)) != SLUICE_OK)
            break;
    }
    if (rc < 0)
        return sl_file_read_failed(ctx, job->path, rc, errno);
    if (rc == 0) { /* the end: empty lines after the last row are read too */
        done = sl_csv_offset(r);
        done_line = sl_csv_line(r);
    }
    return sl_file_finish(ctx, job, erc, done, done_line);
}

/* Skips what the last run read: the header is read again (it names the
 * fields), then reading jumps to where that run stopped. */
static int resume(sluice_ctx *ctx, const sl_file_job *job, sl_csv_reader *r)
{
    if (job->offset <= sl_csv_offset(r))
        return SLUICE_OK;
    if (sl_csv_seek(r, job->offset, job->line) != 0)
        return sl_file_read_failed(ctx, job->path, -1, errno);
    return SLUICE_OK;
}

int sl_file_read_csv(sluice_ctx *ctx, const sl_file_job *job)
{
    sl_csv_reader *r = sl_csv_open(job->fp, job->delim, 0);
    if (r == NULL)
        return sl_file_read_failed(ctx, job->path, -2, ENOMEM);

    sl_csv_row row;
    csv_header h = {NULL, 0};
    int rc = sl_csv_next(r, &row);
    if (rc == 1)
        rc = header_read(ctx, job->path, &row, &h);
    else if (rc == 0)
        sluice_debug(ctx, "%s: empty file, no header", job->path);
    else
        rc = sl_file_read_failed(ctx, job->path, rc, errno);
    if (rc == SLUICE_OK && h.names != NULL && (rc = resume(ctx, job, r)) == SLUICE_OK)
        rc = read_rows(ctx, job, r, &h);
    else if (rc == SLUICE_OK) /* no header yet: remember the empty lines are read */
        rc = sl_file_finish(ctx, job, rc, sl_csv_offset(r), sl_csv_line(r));
    sl_csv_names_free(&h.names, h.n);
    sl_csv_close(&r);
    return rc;
}
