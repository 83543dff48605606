/* progress.c - the readers' progress into the cursor and to the host.
 *
 * Positions go out every SL_FILE_POSITION_EVERY records, when the run stops
 * and at the end of every file: often enough that a crash re-reads little,
 * rarely enough that copying the cursor does not show in the throughput. */
#include "file_source.h"

static int progress(sluice_ctx *ctx, const sl_file_job *job, uint64_t offset, uint64_t line)
{
    sl_file_cursor_advance(job->cursor, job->index, offset, line);
    return sl_file_cursor_post(job->cursor, ctx);
}

int sl_file_checkpoint(sluice_ctx *ctx, const sl_file_job *job, unsigned n, uint64_t offset, uint64_t line)
{
    int stopping = sluice_should_stop(ctx);
    if (stopping || (n & (SL_FILE_POSITION_EVERY - 1)) == 0) {
        int rc = progress(ctx, job, offset, line);
        if (rc != SLUICE_OK)
            return rc;
    }
    return stopping ? SLUICE_STOPPED : SLUICE_OK;
}

int sl_file_finish(sluice_ctx *ctx, const sl_file_job *job, int rc, uint64_t offset, uint64_t line)
{
    if (rc != SLUICE_OK && rc != SLUICE_STOPPED)
        return rc;
    int prc = progress(ctx, job, offset, line);
    return rc == SLUICE_OK ? prc : rc;
}
