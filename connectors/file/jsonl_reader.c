/* jsonl_reader.c - chunked line splitter for JSON Lines (see jsonl_reader.h). */
#include "jsonl_reader.h"

#include <stdlib.h>
#include <string.h>

struct sl_jsonl_reader {
    FILE *fp;  /* borrowed */
    char *buf; /* owned */
    size_t cap;
    size_t pos;  /* start of the next line */
    size_t scan; /* no '\n' in [pos, scan): memchr resumes here after a refill */
    size_t end;  /* bytes in buf */
    uint64_t base; /* file offset of buf[0] */
    int eof;
    int started; /* the byte order mark check is done */
    uint64_t line;
};

sl_jsonl_reader *sl_jsonl_open(FILE *fp, size_t chunk)
{
    if (fp == NULL)
        return NULL;
    if (chunk == 0)
        chunk = SL_JSONL_DEFAULT_CHUNK;
    if (chunk < 4)
        chunk = 4;
    sl_jsonl_reader *r = calloc(1, sizeof *r);
    if (r == NULL)
        return NULL;
    r->fp = fp;
    r->cap = chunk;
    r->buf = malloc(chunk);
    if (r->buf == NULL)
        sl_jsonl_close(&r);
    return r;
}

void sl_jsonl_close(sl_jsonl_reader **r)
{
    if (r == NULL || *r == NULL)
        return;
    free((*r)->buf);
    free(*r);
    *r = NULL;
}

/* Keeps the unfinished line [pos, end), moves it to the front, grows the
 * buffer when that line fills it, and reads more. Returns 1 when bytes were
 * added, 0 at end of input, -1 on a read error, -2 when out of memory. */
static int fill(sl_jsonl_reader *r)
{
    if (r->eof)
        return 0;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->end - r->pos);
        r->base += r->pos;
        r->end -= r->pos;
        r->scan -= r->pos;
        r->pos = 0;
    }
    if (r->end == r->cap) {
        if (r->cap > SIZE_MAX / 2)
            return -2;
        char *nbuf = realloc(r->buf, r->cap * 2);
        if (nbuf == NULL)
            return -2;
        r->buf = nbuf;
        r->cap *= 2;
    }
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

uint64_t sl_jsonl_offset(const sl_jsonl_reader *r)
{
    return r->base + r->pos;
}

uint64_t sl_jsonl_lines(const sl_jsonl_reader *r)
{
    return r->line;
}

int sl_jsonl_seek(sl_jsonl_reader *r, uint64_t offset, uint64_t line)
{
    if (offset > (uint64_t)INT64_MAX || fseeko(r->fp, (off_t)offset, SEEK_SET) != 0)
        return -1;
    r->base = offset;
    r->pos = r->scan = r->end = 0;
    r->eof = 0;
    r->started = 1;
    r->line = line > 0 ? line - 1 : 0;
    return 0;
}

static int is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
            return 0;
    return 1;
}

int sl_jsonl_next(sl_jsonl_reader *r, const char **line, size_t *len, uint64_t *line_no)
{
    int rc;
    if (!r->started) {
        r->started = 1;
        if ((rc = fill(r)) < 0)
            return rc;
        if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
            r->pos = r->scan = 3;
    }
    for (;;) {
        const char *nl = memchr(r->buf + r->scan, '\n', r->end - r->scan);
        size_t stop, next;
        if (nl != NULL) {
            stop = (size_t)(nl - r->buf);
            next = stop + 1;
        } else if (!r->eof) {
            r->scan = r->end;
            if ((rc = fill(r)) < 0)
                return rc;
            continue;
        } else if (r->pos < r->end) { /* last line, without a line break */
            stop = next = r->end;
        } else {
            return 0;
        }

        const char *s = r->buf + r->pos;
        size_t n = stop - r->pos;
        r->pos = r->scan = next;
        r->line++;
        if (n > 0 && s[n - 1] == '\r')
            n--;
        if (is_blank(s, n))
            continue;
        *line = s;
        *len = n;
        *line_no = r->line;
        return 1;
    }
}
