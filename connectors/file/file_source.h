/* file_source.h - what the parts of the file source plugin share.
 * Internal to the plugin (names are sl_file_*; the plugin is built with
 * hidden visibility, so none of this is exported). */
#ifndef SL_FILE_SOURCE_H
#define SL_FILE_SOURCE_H

#include <stdio.h>

#include "cursor.h"
#include "sluice/plugin.h"

/* One file to read, as run() hands it to a reader. */
typedef struct sl_file_job {
    const char *stream;     /* borrowed: stream of the records */
    const char *path;       /* borrowed: the file, for messages and origins */
    FILE *fp;               /* borrowed: open, unbuffered, at byte 0 */
    char delim;             /* csv field separator */
    uint64_t offset;        /* where the last run stopped: the start of a line, 0 for all of it */
    uint64_t line;          /* the line number at offset */
    sl_file_cursor *cursor; /* borrowed: progress goes here (cursor.h) */
    size_t index;           /* the file's slot in the cursor */
} sl_file_job;

/* Reads a JSON Lines file from job->offset and hands every non-blank line
 * to the host with sluice_emit_json (origin = path, line number). Returns
 * SLUICE_OK at the end of the file, SLUICE_STOPPED when the run is
 * stopping, or an error (already reported with sluice_set_error when it is
 * the file's fault). Progress reaches the cursor every SL_FILE_POSITION_EVERY
 * records, when stopping and at the end. */
int sl_file_read_jsonl(sluice_ctx *ctx, const sl_file_job *job);

/* Reads a CSV file whose first row names the fields and emits every other
 * row after job->offset as a record of strings; malformed rows are rejected
 * one by one (they are handled: the cursor moves past them). Same returns as
 * sl_file_read_jsonl; a bad header is SLUICE_ERROR. */
int sl_file_read_csv(sluice_ctx *ctx, const sl_file_job *job);

/* Progress of a reader (progress.c). `offset` is the byte just after the
 * last record handed to the host (or rejected), `line` the line number
 * there. */

/* Every SL_FILE_STOP_CHECK records: posts the position every
 * SL_FILE_POSITION_EVERY records (n counts them), and when the run is
 * stopping posts it and returns SLUICE_STOPPED. Else SLUICE_OK, or an error
 * from the host. */
int sl_file_checkpoint(sluice_ctx *ctx, const sl_file_job *job, unsigned n, uint64_t offset, uint64_t line);

/* When a reader is done with status rc: at the end of the file (SLUICE_OK)
 * or when stopping (SLUICE_STOPPED) posts the final position. Returns rc,
 * or the host's error when posting failed. */
int sl_file_finish(sluice_ctx *ctx, const sl_file_job *job, int rc, uint64_t offset, uint64_t line);

/* Reports a failed read of `path` (rc from a reader: -1 read error with
 * errno set, -2 out of memory) and returns the matching status. */
int sl_file_read_failed(sluice_ctx *ctx, const char *path, int rc, int err);

/* How often (in records) the readers ask sluice_should_stop(); a power of 2. */
#define SL_FILE_STOP_CHECK 1024u
/* How often (in records) the readers post a position; a multiple of
 * SL_FILE_STOP_CHECK. Each post copies the cursor (one entry per file). */
#define SL_FILE_POSITION_EVERY 4096u

#endif
