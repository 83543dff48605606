/* xml_cursor.c - file fingerprints (see xml_cursor.h). */
#include "xml_cursor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <unistd.h>

#define SLX_FP_CHUNK 65536u

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Hashes [off, off + len) of fd. 0 or an errno value. */
static int hash_range(int fd, off_t off, size_t len, uint64_t *h, unsigned char *buf)
{
    size_t done = 0;
    while (done < len) {
        ssize_t r = pread(fd, buf, len - done > SLX_FP_CHUNK ? SLX_FP_CHUNK : len - done, off + (off_t)done);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (r == 0)
            break; /* shrank meanwhile: the stat check after the parse notices */
        *h = fnv1a(*h, buf, (size_t)r);
        done += (size_t)r;
    }
    return 0;
}

int slx_fprint_fd(int fd, slx_fprint *fp)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return errno;
    memset(fp, 0, sizeof *fp);
    fp->size = (uint64_t)st.st_size;
    fp->mtime_sec = (int64_t)st.st_mtim.tv_sec;
    fp->mtime_nsec = st.st_mtim.tv_nsec;
    fp->dev = (uint64_t)st.st_dev;
    fp->ino = (uint64_t)st.st_ino;
    uint64_t h = 0xcbf29ce484222325ULL;
    h = fnv1a(h, (const unsigned char *)&fp->size, sizeof fp->size);
    unsigned char *buf = malloc(SLX_FP_CHUNK);
    if (buf == NULL)
        return ENOMEM;
    size_t head = fp->size < SLX_FP_CHUNK ? (size_t)fp->size : SLX_FP_CHUNK;
    int rc = hash_range(fd, 0, head, &h, buf);
    if (rc == 0 && fp->size > SLX_FP_CHUNK) {
        uint64_t tail_off = fp->size - SLX_FP_CHUNK;
        if (tail_off < SLX_FP_CHUNK)
            tail_off = SLX_FP_CHUNK; /* do not hash the overlap twice */
        rc = hash_range(fd, (off_t)tail_off, (size_t)(fp->size - tail_off), &h, buf);
    }
    free(buf);
    fp->hash = h;
    return rc;
}

static void mtime_text(const slx_fprint *fp, char *out, size_t cap)
{
    snprintf(out, cap, "%" PRId64 ".%09ld", fp->mtime_sec, fp->mtime_nsec);
}

json_t *slx_fprint_json(const slx_fprint *fp)
{
    char mtime[48], hash[24];
    mtime_text(fp, mtime, sizeof mtime);
    snprintf(hash, sizeof hash, "%016" PRIx64, fp->hash);
    return json_pack("{s:I, s:s, s:I, s:I, s:s}", "size", (json_int_t)fp->size, "mtime", mtime, "dev",
                     (json_int_t)fp->dev, "ino", (json_int_t)fp->ino, "hash", hash);
}

int slx_fprint_matches(const json_t *entry, const slx_fprint *fp)
{
    if (!json_is_object(entry))
        return 0;
    char mtime[48], hash[24];
    mtime_text(fp, mtime, sizeof mtime);
    snprintf(hash, sizeof hash, "%016" PRIx64, fp->hash);
    const json_t *size = json_object_get(entry, "size");
    const char *m = json_string_value(json_object_get(entry, "mtime"));
    const char *h = json_string_value(json_object_get(entry, "hash"));
    return json_is_integer(size) && (uint64_t)json_integer_value(size) == fp->size && m != NULL &&
           strcmp(m, mtime) == 0 && h != NULL && strcmp(h, hash) == 0;
}

int slx_fprint_same_stat(const slx_fprint *a, const slx_fprint *b)
{
    return a->size == b->size && a->mtime_sec == b->mtime_sec && a->mtime_nsec == b->mtime_nsec;
}
