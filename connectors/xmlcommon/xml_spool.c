/* xml_spool.c - the all-or-nothing spool (see xml_spool.h).
 *
 * Entry layout, native byte order (the file never outlives the process):
 *   kind (1 byte) | stream length (u16) | line (u64) | text length (u32) |
 *   reason length (u16) | stream | text | reason */
#include "xml_spool.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct slx_spool {
    FILE *fp;       /* owned */
    uint64_t count;
    char *buf;      /* owned: replay buffer */
    size_t cap;
};

#define SPOOL_BUFSIZE (1u << 20)

int slx_spool_open(slx_spool **out, const char *dir, char *err, size_t errlen)
{
    *out = NULL;
    if (dir == NULL || dir[0] == '\0')
        dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    char path[4096];
    int n = snprintf(path, sizeof path, "%s/sluice-xml-spool.XXXXXX", dir);
    if (n < 0 || (size_t)n >= sizeof path) {
        if (errlen > 0)
            snprintf(err, errlen, "spool folder name too long: %s", dir);
        return -1;
    }
    int fd = mkstemp(path);
    if (fd < 0) {
        if (errlen > 0)
            snprintf(err, errlen, "cannot create a spool file in %s: %s", dir, strerror(errno));
        return -1;
    }
    unlink(path);
    slx_spool *s = calloc(1, sizeof *s);
    FILE *fp = s != NULL ? fdopen(fd, "w+b") : NULL;
    if (fp == NULL) {
        close(fd);
        free(s);
        if (errlen > 0)
            snprintf(err, errlen, "cannot open the spool file: %s", strerror(errno ? errno : ENOMEM));
        return -1;
    }
    setvbuf(fp, NULL, _IOFBF, SPOOL_BUFSIZE);
    s->fp = fp;
    *out = s;
    return 0;
}

int slx_spool_add(slx_spool *s, char kind, const char *stream, uint64_t line, const char *text, size_t len,
                  const char *reason)
{
    size_t sl = strlen(stream), rl = reason != NULL ? strlen(reason) : 0;
    if (sl > UINT16_MAX || rl > UINT16_MAX || len > UINT32_MAX) {
        errno = EOVERFLOW;
        return -1;
    }
    uint16_t sl16 = (uint16_t)sl, rl16 = (uint16_t)rl;
    uint32_t len32 = (uint32_t)len;
    if (fwrite(&kind, 1, 1, s->fp) != 1 || fwrite(&sl16, sizeof sl16, 1, s->fp) != 1 ||
        fwrite(&line, sizeof line, 1, s->fp) != 1 || fwrite(&len32, sizeof len32, 1, s->fp) != 1 ||
        fwrite(&rl16, sizeof rl16, 1, s->fp) != 1 || fwrite(stream, 1, sl, s->fp) != sl ||
        fwrite(text, 1, len, s->fp) != len || (rl > 0 && fwrite(reason, 1, rl, s->fp) != rl))
        return -1;
    s->count++;
    return 0;
}

uint64_t slx_spool_count(const slx_spool *s) { return s->count; }

static int ensure(slx_spool *s, size_t need)
{
    if (need <= s->cap)
        return 0;
    size_t cap = s->cap ? s->cap : 4096;
    while (cap < need)
        cap *= 2;
    char *p = realloc(s->buf, cap);
    if (p == NULL) {
        errno = ENOMEM;
        return -1;
    }
    s->buf = p;
    s->cap = cap;
    return 0;
}

/* Reads one entry into s->buf as "stream\0text\0reason\0". 1, 0 at the end,
 * -1 on error. */
static int read_entry(slx_spool *s, char *kind, uint64_t *line, size_t *sl, size_t *tl, size_t *rl)
{
    uint16_t sl16, rl16;
    uint32_t len32;
    if (fread(kind, 1, 1, s->fp) != 1)
        return ferror(s->fp) ? -1 : 0;
    if (fread(&sl16, sizeof sl16, 1, s->fp) != 1 || fread(line, sizeof *line, 1, s->fp) != 1 ||
        fread(&len32, sizeof len32, 1, s->fp) != 1 || fread(&rl16, sizeof rl16, 1, s->fp) != 1) {
        errno = EIO;
        return -1;
    }
    *sl = sl16;
    *tl = len32;
    *rl = rl16;
    if (ensure(s, *sl + *tl + *rl + 3) != 0)
        return -1;
    char *p = s->buf;
    if (fread(p, 1, *sl, s->fp) != *sl || fread(p + *sl + 1, 1, *tl, s->fp) != *tl ||
        fread(p + *sl + *tl + 2, 1, *rl, s->fp) != *rl) {
        errno = EIO;
        return -1;
    }
    p[*sl] = '\0';
    p[*sl + 1 + *tl] = '\0';
    p[*sl + *tl + 2 + *rl] = '\0';
    return 1;
}

int slx_spool_replay(slx_spool *s, slx_spool_fn fn, void *ud)
{
    if (fflush(s->fp) != 0 || fseeko(s->fp, 0, SEEK_SET) != 0)
        return -1;
    for (;;) {
        char kind;
        uint64_t line;
        size_t sl, tl, rl;
        int rc = read_entry(s, &kind, &line, &sl, &tl, &rl);
        if (rc <= 0)
            return rc;
        const char *stream = s->buf, *text = s->buf + sl + 1, *reason = s->buf + sl + tl + 2;
        rc = fn(ud, kind, stream, line, text, tl, rl > 0 ? reason : NULL);
        if (rc != 0)
            return rc;
    }
}

void slx_spool_free(slx_spool **s)
{
    if (s == NULL || *s == NULL)
        return;
    if ((*s)->fp != NULL)
        fclose((*s)->fp);
    free((*s)->buf);
    free(*s);
    *s = NULL;
}
