/* csv_reader.h - a streaming RFC 4180 reader, independent of the sluice host.
 *
 * The reader pulls bytes from a FILE* through its own buffer and hands out
 * one row at a time as an array of (ptr, len) fields, together with the line
 * the row starts on and the row's raw text. Memory is bounded by the buffer
 * size plus about twice the longest row.
 *
 * Dialect:
 *   - fields are separated by one delimiter byte (',' ';' '\t' '|' ...);
 *   - a field that starts with '"' is quoted: it may hold delimiters, line
 *     breaks (kept as they are) and doubled quotes ("" -> ");
 *   - rows end with LF, CRLF or a lone CR; the last row needs no line break;
 *   - a UTF-8 byte order mark at the very start is skipped;
 *   - completely empty lines are skipped (they still count as lines).
 *
 * Malformed rows do not stop the reader: the row is returned with `problem`
 * set (and its fields as well as they could be read) and reading goes on
 * with the next row. A row is also checked to be valid UTF-8.
 *
 * Line numbers are 1-based and count LF, CRLF and lone CR as one break
 * each, inside quoted fields too, so they match what an editor shows. */
#ifndef SL_CSV_READER_H
#define SL_CSV_READER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SL_CSV_DEFAULT_BUFSIZE ((size_t)64 * 1024)

typedef enum sl_csv_problem {
    SL_CSV_OK = 0,
    SL_CSV_UNTERMINATED_QUOTE, /* a quoted field still open at end of input */
    SL_CSV_STRAY_QUOTE,        /* '"' inside a field that did not start with one */
    SL_CSV_TEXT_AFTER_QUOTE,   /* something other than a delimiter or line break after a closing quote */
    SL_CSV_BAD_UTF8            /* the row's bytes are not valid UTF-8 */
} sl_csv_problem;

typedef struct sl_csv_field {
    const char *ptr; /* decoded value (quotes removed); not NUL-terminated */
    size_t len;
} sl_csv_field;

/* One row. Every pointer in it is borrowed from the reader and valid until
 * the next sl_csv_next() or sl_csv_close(). */
typedef struct sl_csv_row {
    const sl_csv_field *fields;
    size_t nfields;
    uint64_t line;         /* line the row starts on */
    const char *raw;       /* the row as it is in the input, without its line break */
    size_t raw_len;
    int problem;           /* sl_csv_problem */
    size_t problem_field;  /* 1-based field the problem was found in (0 for SL_CSV_OK) */
    size_t problem_offset; /* SL_CSV_BAD_UTF8: offset of the first bad byte in that field's value */
} sl_csv_row;

typedef struct sl_csv_reader sl_csv_reader;

/* Creates a reader on `fp` (borrowed: the caller closes it after
 * sl_csv_close). `delim` must not be '"', '\r', '\n' or NUL. `bufsize` is
 * the read size; 0 means SL_CSV_DEFAULT_BUFSIZE, values below 4 are raised
 * to 4. Returns NULL for a bad delimiter or when out of memory. */
sl_csv_reader *sl_csv_open(FILE *fp, char delim, size_t bufsize);

/* Reads the next row into *row. Returns 1 for a row, 0 at end of input,
 * -1 on a read error (errno from the stream) and -2 when out of memory. */
int sl_csv_next(sl_csv_reader *r, sl_csv_row *row);

/* Byte offset in the file just after the last row returned, its line break
 * included (both bytes of a CRLF), and after any empty lines skipped before
 * it: where a later reader may start without reading that row again. At end
 * of input it is the end of the file. */
uint64_t sl_csv_offset(const sl_csv_reader *r);

/* The line number of the byte at sl_csv_offset(r). */
uint64_t sl_csv_line(const sl_csv_reader *r);

/* Goes on reading at byte `offset` of the file, which must be the start of
 * a row (an offset sl_csv_offset gave), numbering that line `line`. Rows
 * already read are forgotten; no byte order mark is looked for there. Used
 * after reading the header to skip the rows an earlier run read. Returns 0,
 * or -1 with errno when the stream cannot seek. */
int sl_csv_seek(sl_csv_reader *r, uint64_t offset, uint64_t line);

/* Frees the reader and NULLs *r; NULL and *r == NULL are fine. */
void sl_csv_close(sl_csv_reader **r);

/* A short English description of a problem code ("stray quote", ...). */
const char *sl_csv_problem_str(int problem);

/* Names the fields from a header row. Empty names become "column_N"
 * (N = 1-based position). A header with a problem, a name holding a NUL
 * byte or two equal names (after that renaming) is refused.
 * Returns 0 with *names (owned: row->nfields owned NUL-terminated strings;
 * free with sl_csv_names_free), -1 with the reason in why[0..size), or -2
 * when out of memory. */
int sl_csv_header(const sl_csv_row *row, char ***names, char *why, size_t size);
void sl_csv_names_free(char ***names, size_t n);

/* Checks a data row against a header of `nexpected` fields. Returns 0 when
 * the row is good, else 1 and the reason in why[0..size), such as
 * "expected 5 fields, got 6" or "stray quote in an unquoted field (field
 * 2)". `names` (may be NULL) lets the reason name the field. */
int sl_csv_row_fault(const sl_csv_row *row, size_t nexpected, const char *const *names, char *why,
                     size_t size);

/* Returns the offset of the first byte of s[0..n) that is not part of a
 * well-formed UTF-8 sequence (no overlong forms, no surrogates, nothing
 * above U+10FFFF), or n when all of it is valid. */
size_t sl_utf8_check(const char *s, size_t n);

#endif
