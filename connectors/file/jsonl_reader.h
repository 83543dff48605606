/* jsonl_reader.h - fast line splitter for JSON Lines files, independent of
 * the sluice host.
 *
 * Reads a FILE* in large chunks (1 MiB by default) and returns one line at a
 * time as a pointer into its buffer: no allocation per line, memory bounded
 * by the chunk size plus the longest line. Lines may be arbitrarily long and
 * may span chunks.
 *
 * Lines end with '\n'; a trailing '\r' is stripped, and the last line needs
 * no line break. Lines that are empty or hold only JSON whitespace (space,
 * tab, CR) are skipped but counted. A UTF-8 byte order mark at the start is
 * skipped. The reader does not look at the JSON itself. */
#ifndef SL_JSONL_READER_H
#define SL_JSONL_READER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SL_JSONL_DEFAULT_CHUNK ((size_t)1024 * 1024)

typedef struct sl_jsonl_reader sl_jsonl_reader;

/* Creates a reader on `fp` (borrowed). `chunk` is the read size; 0 means
 * SL_JSONL_DEFAULT_CHUNK, values below 4 are raised to 4. NULL when out of
 * memory. */
sl_jsonl_reader *sl_jsonl_open(FILE *fp, size_t chunk);

/* Returns the next non-blank line: 1 with *line and *len (borrowed, valid until
 * the next call; not NUL-terminated) and *line_no (1-based), 0 at end of
 * input, -1 on a read error, -2 when out of memory. */
int sl_jsonl_next(sl_jsonl_reader *r, const char **line, size_t *len, uint64_t *line_no);

/* Byte offset in the file just after the last line returned (its line
 * break included) and after any blank lines skipped before it: where a
 * later reader may start without reading that line again. Before the first
 * line it is where reading started. */
uint64_t sl_jsonl_offset(const sl_jsonl_reader *r);

/* Lines consumed so far (returned and blank ones): the next line returned
 * is number sl_jsonl_lines(r) + 1 or later. */
uint64_t sl_jsonl_lines(const sl_jsonl_reader *r);

/* Starts reading at byte `offset` of the file, which must be the start of a
 * line (an offset sl_jsonl_offset gave), numbering that line `line` (1-based).
 * Call it before the first sl_jsonl_next; no byte order mark is looked for
 * there. Returns 0, or -1 with errno when the stream cannot seek. */
int sl_jsonl_seek(sl_jsonl_reader *r, uint64_t offset, uint64_t line);

/* Frees the reader and NULLs *r; NULL and *r == NULL are fine. */
void sl_jsonl_close(sl_jsonl_reader **r);

#endif
