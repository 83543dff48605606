/* file_output.c - the file sink's output file (see file_output.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_output.h"
#include "mkdirs.h"

/* Big enough that stdio hands the kernel large writes. */
#define FILE_OUT_IOBUF (1u << 20)

int file_out_open(file_out *o, const char *path, int append)
{
    memset(o, 0, sizeof *o);
    o->last_byte = '\n';
    if (sink_mkdirs_parent(path) != 0)
        return errno;
    o->created = access(path, F_OK) != 0;
    /* Append mode opens read-write so the header and the last byte of the
     * existing file can be read with pread(). */
    int flags = append ? O_RDWR | O_CREAT | O_APPEND : O_WRONLY | O_CREAT | O_TRUNC;
    int fd = open(path, flags | O_CLOEXEC, 0666);
    if (fd < 0)
        return errno;
    /* Devices and pipes (/dev/stderr, a FIFO) are fine too; only a regular
     * file has a length to keep and a last byte to look at. */
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int err = errno;
        close(fd);
        return err;
    }
    o->regular = S_ISREG(st.st_mode);
    if (append && o->regular) {
        o->committed = st.st_size;
        if (st.st_size > 0 && pread(fd, &o->last_byte, 1, st.st_size - 1) != 1)
            o->last_byte = '\n';
    }
    o->fp = fdopen(fd, append ? "a" : "w");
    o->iobuf = malloc(FILE_OUT_IOBUF);
    if (!o->fp || !o->iobuf) {
        int err = o->fp ? ENOMEM : errno;
        if (o->fp)
            fclose(o->fp);
        else
            close(fd);
        free(o->iobuf);
        memset(o, 0, sizeof *o);
        return err;
    }
    setvbuf(o->fp, o->iobuf, _IOFBF, FILE_OUT_IOBUF);
    return 0;
}

ssize_t file_out_read_head(file_out *o, char *buf, size_t cap)
{
    return pread(fileno(o->fp), buf, cap, 0);
}

int file_out_write(file_out *o, const char *data, size_t n)
{
    if (n && fwrite(data, 1, n, o->fp) != n)
        return errno ? errno : EIO;
    o->pending += (off_t)n;
    return 0;
}

int file_out_commit(file_out *o)
{
    if (fflush(o->fp) != 0)
        return errno ? errno : EIO;
    o->committed += o->pending;
    o->pending = 0;
    return 0;
}

int file_out_rollback(file_out *o)
{
    __fpurge(o->fp); /* the bytes that did not reach the file */
    clearerr(o->fp);
    o->pending = 0;
    if (!o->regular) /* what reached a pipe or device is gone */
        return 0;
    if (ftruncate(fileno(o->fp), o->committed) != 0)
        return errno;
    if (fseeko(o->fp, o->committed, SEEK_SET) != 0)
        return errno;
    return 0;
}

/* A new file's name only survives a crash once its folder is synced. */
static int sync_parent(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t len = slash ? (size_t)(slash - path) : 0;
    if (len >= sizeof dir)
        return ENAMETOOLONG;
    if (slash == path)
        len = 1; /* "/file" */
    memcpy(dir, slash ? path : ".", slash ? len : 1);
    dir[slash ? len : 1] = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int rc = fsync(fd) == 0 ? 0 : errno;
    close(fd);
    return rc == EINVAL ? 0 : rc; /* some filesystems cannot sync folders */
}

int file_out_sync(file_out *o, const char *path)
{
    if (fflush(o->fp) != 0)
        return errno ? errno : EIO;
    /* EINVAL: a pipe or device, which has nothing to sync. */
    if (fsync(fileno(o->fp)) != 0 && errno != EINVAL)
        return errno;
    if (o->created) {
        int rc = sync_parent(path);
        if (rc != 0)
            return rc;
        o->created = 0;
    }
    return 0;
}

int file_out_close(file_out *o)
{
    int rc = 0;
    if (o->fp && fclose(o->fp) != 0)
        rc = errno ? errno : EIO;
    free(o->iobuf);
    memset(o, 0, sizeof *o);
    return rc;
}

int file_out_transient(int err)
{
    return err == ENOSPC || err == EDQUOT || err == EAGAIN || err == EWOULDBLOCK || err == EINTR;
}
