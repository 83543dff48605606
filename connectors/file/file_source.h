/* file_source.h - what the parts of the file source plugin share.
 * Internal to the plugin (names are sl_file_*; the plugin is built with
 * hidden visibility, so none of this is exported). */
#ifndef SL_FILE_SOURCE_H
#define SL_FILE_SOURCE_H

#include <stdio.h>

#include "sluice/plugin.h"

/* Reads a JSON Lines file and hands every non-blank line to the host with
 * sluice_emit_json (origin = path, line number). fp is borrowed. Returns
 * SLUICE_OK at the end of the file, SLUICE_STOPPED when the run is stopping,
 * or an error (already reported with sluice_set_error when it is the file's
 * fault). */
int sl_file_read_jsonl(sluice_ctx *ctx, const char *stream, const char *path, FILE *fp);

/* Reads a CSV file whose first row names the fields and emits every other
 * row as a record of strings; malformed rows are rejected one by one.
 * `delim` is the field separator. Same returns as sl_file_read_jsonl; a bad
 * header is SLUICE_ERROR. */
int sl_file_read_csv(sluice_ctx *ctx, const char *stream, const char *path, FILE *fp, char delim);

/* Reports a failed read of `path` (rc from a reader: -1 read error with
 * errno set, -2 out of memory) and returns the matching status. */
int sl_file_read_failed(sluice_ctx *ctx, const char *path, int rc, int err);

/* How often (in records) the readers ask sluice_should_stop(); a power of 2. */
#define SL_FILE_STOP_CHECK 1024u

#endif
