/* sink_buf.h - a growing byte buffer the sinks reuse from record to record,
 * so that formatting a record allocates nothing once the buffer is warm.
 *
 * Shared by the file, stdout and sqlite sinks (each compiles sink_buf.c). */
#ifndef SINK_BUF_H
#define SINK_BUF_H

#include <stddef.h>
#include <string.h>

typedef struct sink_buf {
    char *data; /* owned; NULL until the first append */
    size_t len; /* bytes in use */
    size_t cap; /* bytes allocated */
} sink_buf;

/* Makes room for `extra` more bytes. Returns 0, or -1 when memory ran out
 * (the buffer is left as it was). */
int sink_buf_grow(sink_buf *b, size_t extra);

/* Frees the storage and zeroes the struct. */
void sink_buf_free(sink_buf *b);

static inline int sink_buf_put(sink_buf *b, const char *s, size_t n)
{
    if (b->cap - b->len < n && sink_buf_grow(b, n) != 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, s, n);
    b->len += n;
    return 0;
}

static inline int sink_buf_putc(sink_buf *b, char c)
{
    if (b->cap == b->len && sink_buf_grow(b, 1) != 0)
        return -1;
    b->data[b->len++] = c;
    return 0;
}

static inline int sink_buf_puts(sink_buf *b, const char *s) { return sink_buf_put(b, s, strlen(s)); }

#endif
