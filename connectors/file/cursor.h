/* cursor.h - where the file source stopped, so that the next run resumes.
 *
 * The cursor the source hands to sluice_position() is
 *
 *     {"files": {"/abs/path": {"offset": N, "line": L, "dev": D, "ino": I}, ...}}
 *
 * one entry per file of this run's expansion of `path` (files no longer
 * matched are left out): `offset` is the byte just after the last record
 * handed to the host (for CSV after the row's line break), `line` the line
 * number at that offset (so dead letters after a resume name the right
 * line), `dev`/`ino` the file's identity. A file read to the end keeps its
 * final offset, so the next run reads only what was appended.
 *
 * The core commits a position only once every record emitted before it is
 * in every sink, so the stored cursor is never ahead of the data. */
#ifndef SL_FILE_CURSOR_H
#define SL_FILE_CURSOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "sluice/plugin.h"

typedef struct sl_file_cursor sl_file_cursor;

/* Builds this run's cursor from the committed one (sluice_cursor(), when the
 * host has it) for the files `paths[0..n)` (borrowed; must outlive the
 * cursor). A file whose committed entry names another file (dev/ino) or an
 * offset past its end (truncated) is warned about and starts from 0.
 * Returns SLUICE_OK with *out (owned; free with sl_file_cursor_free) or
 * SLUICE_ENOMEM. */
int sl_file_cursor_open(sluice_ctx *ctx, char *const *paths, size_t n, sl_file_cursor **out);
void sl_file_cursor_free(sl_file_cursor **c);

/* Where file i starts, checked once more against the opened file `st`
 * (it may have been replaced or truncated since the run began): byte
 * offset and the line number there. */
void sl_file_cursor_start(sl_file_cursor *c, sluice_ctx *ctx, size_t i, const struct stat *st,
                          uint64_t *offset, uint64_t *line);

/* Notes that file i has been handed to the host up to `offset`, where line
 * number `line` begins. */
void sl_file_cursor_advance(sl_file_cursor *c, size_t i, uint64_t offset, uint64_t line);

/* Hands a copy of the cursor to sluice_position() when it changed since the
 * last call (and the host takes positions). Returns SLUICE_OK, SLUICE_ENOMEM
 * or what the host answered. */
int sl_file_cursor_post(sl_file_cursor *c, sluice_ctx *ctx);

#endif
