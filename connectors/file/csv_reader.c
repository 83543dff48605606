/* csv_reader.c - streaming RFC 4180 reader (see csv_reader.h). */
#include "csv_reader.h"

#include <stdlib.h>
#include <string.h>

enum parse_state {
    ST_FIELD_START, /* at the first byte of a field */
    ST_UNQUOTED,    /* inside a field that did not start with a quote */
    ST_QUOTED,      /* inside a quoted field */
    ST_QUOTE_SEEN   /* a quote inside a quoted field: closing, or the first of "" */
};

struct sl_csv_reader {
    FILE *fp; /* borrowed */
    char delim;
    int eof;     /* fp has no more bytes */
    int started; /* the byte order mark check is done */

    /* Input window. [start, end) holds the current row's bytes read so far
     * (plus read-ahead); everything before start is consumed. */
    char *buf; /* owned */
    size_t cap, start, pos, end;
    uint64_t base; /* file offset of buf[0] */

    /* Decoded field bytes of the current row. Decoding never makes a row
     * longer, so keeping vcap >= cap spares a check per byte. */
    char *val; /* owned */
    size_t vcap, vlen;

    /* Field i of the current row is val[fend[i-1] .. fend[i]). */
    size_t *fend;         /* owned */
    sl_csv_field *fields; /* owned; filled from fend when the row is done */
    size_t fcap, nf;

    uint64_t line; /* line number of the byte at pos */
    int prev_cr;   /* the last byte consumed was '\r' (so a '\n' is not a new line) */

    int problem;
    size_t problem_field;
};

sl_csv_reader *sl_csv_open(FILE *fp, char delim, size_t bufsize)
{
    if (fp == NULL || delim == '"' || delim == '\r' || delim == '\n' || delim == '\0')
        return NULL;
    if (bufsize == 0)
        bufsize = SL_CSV_DEFAULT_BUFSIZE;
    if (bufsize < 4) /* room for a byte order mark plus one byte */
        bufsize = 4;

    sl_csv_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->fp = fp;
    r->delim = delim;
    r->cap = r->vcap = bufsize;
    r->fcap = 16;
    r->line = 1;
    r->buf = malloc(r->cap);
    r->val = malloc(r->vcap);
    r->fend = malloc(r->fcap * sizeof *r->fend);
    r->fields = malloc(r->fcap * sizeof *r->fields);
    if (r->buf == NULL || r->val == NULL || r->fend == NULL || r->fields == NULL)
        sl_csv_close(&r);
    return r;
}

void sl_csv_close(sl_csv_reader **r)
{
    if (r == NULL || *r == NULL)
        return;
    free((*r)->buf);
    free((*r)->val);
    free((*r)->fend);
    free((*r)->fields);
    free(*r);
    *r = NULL;
}

const char *sl_csv_problem_str(int problem)
{
    switch (problem) {
    case SL_CSV_OK: return "ok";
    case SL_CSV_UNTERMINATED_QUOTE: return "unterminated quoted field at end of file";
    case SL_CSV_STRAY_QUOTE: return "stray quote in an unquoted field";
    case SL_CSV_TEXT_AFTER_QUOTE: return "unexpected text after a closing quote";
    case SL_CSV_BAD_UTF8: return "invalid UTF-8";
    default: return "unknown problem";
    }
}

/* Doubles the input buffer (and the decode buffer with it). */
static int grow_buffers(sl_csv_reader *r)
{
    if (r->cap > SIZE_MAX / 2)
        return -2;
    size_t ncap = r->cap * 2;
    char *nbuf = realloc(r->buf, ncap);
    if (nbuf == NULL)
        return -2;
    r->buf = nbuf;
    r->cap = ncap;
    if (r->vcap < ncap) {
        char *nval = realloc(r->val, ncap);
        if (nval == NULL)
            return -2;
        r->val = nval;
        r->vcap = ncap;
    }
    return 0;
}

/* Called when pos == end: keeps the unfinished row, drops what is consumed
 * and reads more. Returns 1 when bytes were added, 0 at end of input, -1 on
 * a read error, -2 when out of memory. */
static int fill(sl_csv_reader *r)
{
    if (r->eof)
        return 0;
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->base += r->start;
        r->pos -= r->start;
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == r->cap && grow_buffers(r) != 0)
        return -2;
    size_t want = r->cap - r->end;
    size_t got = fread(r->buf + r->end, 1, want, r->fp);
    r->end += got;
    if (got < want) {
        if (ferror(r->fp))
            return -1;
        r->eof = 1;
    }
    return got > 0;
}

static int end_field(sl_csv_reader *r)
{
    if (r->nf == r->fcap) {
        size_t ncap = r->fcap * 2;
        size_t *nend = realloc(r->fend, ncap * sizeof *nend);
        if (nend == NULL)
            return -2;
        r->fend = nend;
        sl_csv_field *nfields = realloc(r->fields, ncap * sizeof *nfields);
        if (nfields == NULL)
            return -2;
        r->fields = nfields;
        r->fcap = ncap;
    }
    r->fend[r->nf++] = r->vlen;
    return 0;
}

/* Remembers the first problem of the row, in the field being read. */
static void note_problem(sl_csv_reader *r, int problem)
{
    if (r->problem == SL_CSV_OK) {
        r->problem = problem;
        r->problem_field = r->nf + 1;
    }
}

static void count_line(sl_csv_reader *r, unsigned char c)
{
    if (c == '\r' || (c == '\n' && !r->prev_cr))
        r->line++;
    r->prev_cr = c == '\r';
}

/* Skips the byte order mark on the first call and empty lines before a row.
 * Returns 1 when a row's first byte is at pos, else what fill() returned. */
static int seek_row(sl_csv_reader *r)
{
    int rc;
    if (!r->started) {
        r->started = 1;
        if ((rc = fill(r)) <= 0)
            return rc;
        if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
            r->pos = 3;
    }
    for (;;) {
        r->start = r->pos;
        if (r->pos == r->end) {
            if ((rc = fill(r)) <= 0)
                return rc;
            continue;
        }
        unsigned char c = (unsigned char)r->buf[r->pos];
        if (c != '\n' && c != '\r')
            return 1;
        count_line(r, c);
        r->pos++;
    }
}

/* The part of step() for unquoted fields (and empty ones). */
static int step_unquoted(sl_csv_reader *r, int *state, unsigned char c)
{
    if (c == (unsigned char)r->delim) {
        *state = ST_FIELD_START;
        return end_field(r);
    }
    if (c == '\n' || c == '\r')
        return end_field(r) == 0 ? 1 : -2;
    if (c == '"')
        note_problem(r, SL_CSV_STRAY_QUOTE);
    r->val[r->vlen++] = (char)c;
    *state = ST_UNQUOTED;
    return 0;
}

/* Feeds one byte to the state machine. Returns 1 when the byte ended the
 * row, 0 to go on, -2 when out of memory. */
static int step(sl_csv_reader *r, int *state, unsigned char c)
{
    switch (*state) {
    case ST_FIELD_START:
        if (c == '"') {
            *state = ST_QUOTED;
            return 0;
        }
        return step_unquoted(r, state, c);
    case ST_UNQUOTED:
        return step_unquoted(r, state, c);
    case ST_QUOTED:
        if (c == '"')
            *state = ST_QUOTE_SEEN;
        else
            r->val[r->vlen++] = (char)c;
        return 0;
    default: /* ST_QUOTE_SEEN */
        if (c == '"') { /* "" stands for one quote */
            r->val[r->vlen++] = '"';
            *state = ST_QUOTED;
            return 0;
        }
        if (c == (unsigned char)r->delim) {
            *state = ST_FIELD_START;
            return end_field(r);
        }
        if (c == '\n' || c == '\r')
            return end_field(r) == 0 ? 1 : -2;
        /* "ab"c: keep the text so the row can still be shown, but flag it */
        note_problem(r, SL_CSV_TEXT_AFTER_QUOTE);
        r->val[r->vlen++] = (char)c;
        *state = ST_UNQUOTED;
        return 0;
    }
}

/* Turns the finished row into the caller's view and checks its UTF-8. */
static void publish(sl_csv_reader *r, sl_csv_row *row, uint64_t line, size_t raw_len)
{
    size_t from = 0;
    for (size_t i = 0; i < r->nf; i++) {
        r->fields[i].ptr = r->val + from;
        r->fields[i].len = r->fend[i] - from;
        from = r->fend[i];
    }
    row->fields = r->fields;
    row->nfields = r->nf;
    row->line = line;
    row->raw = r->buf + r->start;
    row->raw_len = raw_len;
    row->problem = r->problem;
    row->problem_field = r->problem_field;
    row->problem_offset = 0;
    if (row->problem != SL_CSV_OK)
        return;
    /* Delimiters and quotes are ASCII, so a sequence never spans two fields
     * and checking field by field equals checking the whole row. */
    for (size_t i = 0; i < r->nf; i++) {
        size_t bad = sl_utf8_check(r->fields[i].ptr, r->fields[i].len);
        if (bad < r->fields[i].len) {
            row->problem = SL_CSV_BAD_UTF8;
            row->problem_field = i + 1;
            row->problem_offset = bad;
            return;
        }
    }
}

/* Copies the run of bytes at pos that need no decision in this state: the
 * bulk of most fields. None of them is a line break, so prev_cr clears. */
static void copy_run(sl_csv_reader *r, int state)
{
    const unsigned char *start = (const unsigned char *)r->buf + r->pos;
    const unsigned char *p = start, *e = (const unsigned char *)r->buf + r->end;
    unsigned char d = state == ST_QUOTED ? '"' : (unsigned char)r->delim;
    while (p < e && *p != d && *p != '"' && *p != '\n' && *p != '\r')
        p++;
    size_t n = (size_t)(p - start);
    if (n > 0) {
        memcpy(r->val + r->vlen, start, n);
        r->vlen += n;
        r->pos += n;
        r->prev_cr = 0;
    }
}

/* After a row ended with '\r': takes the '\n' of a CRLF too, so that
 * sl_csv_offset() is at the start of the next line. May read more input
 * (the row's bytes stay, at r->start). Returns 0, -1 or -2 as fill(). */
static int take_lf(sl_csv_reader *r)
{
    if (r->pos == r->end) {
        int rc = fill(r);
        if (rc <= 0)
            return rc;
    }
    if (r->buf[r->pos] == '\n') {
        count_line(r, '\n'); /* after '\r': not a new line, clears prev_cr */
        r->pos++;
    }
    return 0;
}

int sl_csv_next(sl_csv_reader *r, sl_csv_row *row)
{
    int rc = seek_row(r);
    if (rc <= 0)
        return rc;

    uint64_t line = r->line;
    int state = ST_FIELD_START;
    r->nf = 0;
    r->vlen = 0;
    r->problem = SL_CSV_OK;
    r->problem_field = 0;
    for (;;) {
        while (r->pos < r->end) {
            if (state == ST_QUOTED || state == ST_UNQUOTED) {
                copy_run(r, state);
                if (r->pos == r->end)
                    break;
            }
            unsigned char c = (unsigned char)r->buf[r->pos++];
            count_line(r, c);
            rc = step(r, &state, c);
            if (rc < 0)
                return rc;
            if (rc == 1) {
                size_t raw_len = r->pos - 1 - r->start;
                if (c == '\r' && (rc = take_lf(r)) < 0)
                    return rc;
                publish(r, row, line, raw_len);
                return 1;
            }
        }
        rc = fill(r);
        if (rc < 0)
            return rc;
        if (rc == 0)
            break;
    }

    /* End of input inside a row: the row ends here. */
    if (state == ST_QUOTED)
        note_problem(r, SL_CSV_UNTERMINATED_QUOTE);
    if (end_field(r) != 0)
        return -2;
    publish(r, row, line, r->pos - r->start);
    return 1;
}

uint64_t sl_csv_offset(const sl_csv_reader *r)
{
    return r->base + r->pos;
}

uint64_t sl_csv_line(const sl_csv_reader *r)
{
    return r->line;
}

int sl_csv_seek(sl_csv_reader *r, uint64_t offset, uint64_t line)
{
    if (offset > (uint64_t)INT64_MAX || fseeko(r->fp, (off_t)offset, SEEK_SET) != 0)
        return -1;
    r->base = offset;
    r->start = r->pos = r->end = 0;
    r->eof = 0;
    r->started = 1;
    r->prev_cr = 0;
    r->line = line > 0 ? line : 1;
    return 0;
}

void sl_csv_names_free(char ***names, size_t n)
{
    if (names == NULL || *names == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free((*names)[i]);
    free(*names);
    *names = NULL;
}

/* Copies one header field; an empty one is named "column_N". */
static char *header_name(const sl_csv_field *f, size_t i)
{
    if (f->len == 0) {
        char tmp[32];
        snprintf(tmp, sizeof tmp, "column_%zu", i + 1);
        return strdup(tmp);
    }
    return strndup(f->ptr, f->len);
}

typedef struct name_pos {
    const char *name;
    size_t pos; /* 0-based field */
} name_pos;

static int cmp_name_pos(const void *a, const void *b)
{
    const name_pos *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c != 0 ? c : (x->pos > y->pos) - (x->pos < y->pos);
}

/* Finds two equal names by sorting a copy (a header may be wide). Returns
 * 0 when all differ, 1 with the reason, -2 when out of memory. */
static int find_duplicate(char **names, size_t n, char *why, size_t size)
{
    name_pos *v = malloc(n * sizeof *v);
    if (v == NULL)
        return -2;
    for (size_t i = 0; i < n; i++)
        v[i] = (name_pos){names[i], i};
    qsort(v, n, sizeof *v, cmp_name_pos);
    int dup = 0;
    for (size_t i = 1; i < n && !dup; i++) {
        if (strcmp(v[i - 1].name, v[i].name) == 0) {
            snprintf(why, size, "duplicate column name \"%.100s\" (fields %zu and %zu)", v[i].name,
                     v[i - 1].pos + 1, v[i].pos + 1);
            dup = 1;
        }
    }
    free(v);
    return dup;
}

int sl_csv_header(const sl_csv_row *row, char ***names, char *why, size_t size)
{
    *names = NULL;
    if (row->problem != SL_CSV_OK) {
        snprintf(why, size, "%s (field %zu)", sl_csv_problem_str(row->problem), row->problem_field);
        return -1;
    }
    char **v = calloc(row->nfields, sizeof *v);
    if (v == NULL)
        return -2;
    for (size_t i = 0; i < row->nfields; i++) {
        const sl_csv_field *f = &row->fields[i];
        if (memchr(f->ptr, '\0', f->len) != NULL) {
            snprintf(why, size, "field %zu holds a NUL byte", i + 1);
            sl_csv_names_free(&v, i);
            return -1;
        }
        if ((v[i] = header_name(f, i)) == NULL) {
            sl_csv_names_free(&v, i);
            return -2;
        }
    }
    int rc = find_duplicate(v, row->nfields, why, size);
    if (rc != 0) {
        sl_csv_names_free(&v, row->nfields);
        return rc == 1 ? -1 : -2;
    }
    *names = v;
    return 0;
}

int sl_csv_row_fault(const sl_csv_row *row, size_t nexpected, const char *const *names, char *why,
                     size_t size)
{
    if (row->problem == SL_CSV_OK) {
        if (row->nfields == nexpected)
            return 0;
        snprintf(why, size, "expected %zu fields, got %zu", nexpected, row->nfields);
        return 1;
    }
    /* field 3, or field 3 "price" when the header is known */
    char label[160];
    size_t f = row->problem_field;
    if (names != NULL && f >= 1 && f <= nexpected)
        snprintf(label, sizeof label, "field %zu \"%.100s\"", f, names[f - 1]);
    else
        snprintf(label, sizeof label, "field %zu", f);
    if (row->problem == SL_CSV_BAD_UTF8)
        snprintf(why, size, "invalid UTF-8 in %s at byte %zu", label, row->problem_offset + 1);
    else
        snprintf(why, size, "%s (%s)", sl_csv_problem_str(row->problem), label);
    return 1;
}

/* Length of the UTF-8 sequence led by byte b and the allowed range of the
 * second byte (which rules out overlong forms, surrogates and > U+10FFFF);
 * 0 for a byte that cannot lead. */
static size_t utf8_lead(unsigned char b, unsigned char *lo, unsigned char *hi)
{
    *lo = 0x80;
    *hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF)
        return 2;
    if (b >= 0xE0 && b <= 0xEF) {
        if (b == 0xE0)
            *lo = 0xA0;
        else if (b == 0xED)
            *hi = 0x9F;
        return 3;
    }
    if (b >= 0xF0 && b <= 0xF4) {
        if (b == 0xF0)
            *lo = 0x90;
        else if (b == 0xF4)
            *hi = 0x8F;
        return 4;
    }
    return 0;
}

size_t sl_utf8_check(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        if (p[i] < 0x80) {
            /* ASCII runs are the common case: take 8 bytes at a time */
            while (n - i >= 8) {
                uint64_t w;
                memcpy(&w, p + i, 8);
                if (w & 0x8080808080808080ull)
                    break;
                i += 8;
            }
            while (i < n && p[i] < 0x80)
                i++;
            continue;
        }
        unsigned char lo, hi;
        size_t len = utf8_lead(p[i], &lo, &hi);
        if (len == 0 || n - i < len || p[i + 1] < lo || p[i + 1] > hi)
            return i;
        for (size_t k = 2; k < len; k++)
            if ((p[i + k] & 0xC0) != 0x80)
                return i;
        i += len;
    }
    return n;
}
