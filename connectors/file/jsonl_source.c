/* jsonl_source.c - a JSON Lines file becomes emit_json calls.
 *
 * This is the hot path of the plugin: the reader hands out lines inside its
 * 1 MiB buffer and the host copies and parses them (in parallel), so nothing
 * here allocates per line. Progress is two integers per line; the cursor is
 * only touched every SL_FILE_STOP_CHECK lines. */
#include <errno.h>

#include "file_source.h"
#include "jsonl_reader.h"

int sl_file_read_jsonl(sluice_ctx *ctx, const sl_file_job *job)
{
    sl_jsonl_reader *r = sl_jsonl_open(job->fp, 0);
    if (r == NULL)
        return sl_file_read_failed(ctx, job->path, -2, ENOMEM);
    if (job->offset > 0 && sl_jsonl_seek(r, job->offset, job->line) != 0) {
        int err = errno;
        sl_jsonl_close(&r);
        return sl_file_read_failed(ctx, job->path, -1, err);
    }

    /* Where the lines handed to the host end. An emit answering
     * SLUICE_STOPPED took its line (the host drains it); one failing with an
     * error did not, and the cursor stays before it. */
    uint64_t done = job->offset, done_line = job->offset > 0 ? job->line : 1;
    const char *line;
    size_t len;
    uint64_t line_no;
    unsigned n = 0;
    int rc, erc = SLUICE_OK;
    while ((rc = sl_jsonl_next(r, &line, &len, &line_no)) == 1) {
        erc = sluice_emit_json(ctx, job->stream, line, len, job->path, line_no);
        if (erc != SLUICE_OK && erc != SLUICE_STOPPED)
            break;
        done = sl_jsonl_offset(r); /* SLUICE_STOPPED too: the host took the record */
        done_line = sl_jsonl_lines(r) + 1;
        if (erc == SLUICE_STOPPED)
            break;
        if ((++n & (SL_FILE_STOP_CHECK - 1)) == 0 && (erc = sl_file_checkpoint(ctx, job, n, done, done_line)) != SLUICE_OK)
            break;
    }
    int err = errno;
    if (rc == 0) { /* the end: blank lines after the last record are read too */
        done = sl_jsonl_offset(r);
        done_line = sl_jsonl_lines(r) + 1;
    }
    sl_jsonl_close(&r);
    if (rc < 0)
        return sl_file_read_failed(ctx, job->path, rc, err);
    return sl_file_finish(ctx, job, erc, done, done_line);
}
