/* file_output.h - the output file of the file sink: opening it (creating
 * its folders, truncating or appending), writing a batch so that a failed
 * batch leaves no partial line behind, and syncing it.
 *
 * A batch is written with file_out_write() calls and ends with
 * file_out_commit(); when anything fails, file_out_rollback() throws away
 * what the stdio buffer still holds and cuts the file back to its length
 * after the last committed batch, so a retried batch starts on a clean
 * line. That assumes the sink is the file's only writer. */
#ifndef FILE_OUTPUT_H
#define FILE_OUTPUT_H

#include <stdio.h>
#include <sys/types.h>

typedef struct file_out {
    FILE *fp;          /* owned */
    char *iobuf;       /* owned: the stdio buffer */
    off_t committed;   /* file length after the last committed batch */
    off_t pending;     /* bytes written since */
    int created;       /* the file did not exist: its folder entry needs an fsync */
    int regular;       /* a regular file (not a pipe or device): can be cut back */
    char last_byte;    /* append: last byte of the existing file, or '\n' */
} file_out;

/* Opens `path` (borrowed), creating missing folders; `append` keeps the
 * existing content, otherwise it is truncated. Returns 0, or an errno value
 * (the struct is then left closed). */
int file_out_open(file_out *o, const char *path, int append);

/* Reads up to `cap` bytes from the start of the file into buf (for the CSV
 * header of a file being appended to). Returns the count, or -1. */
ssize_t file_out_read_head(file_out *o, char *buf, size_t cap);

/* Returns 0 or an errno value. */
int file_out_write(file_out *o, const char *data, size_t n);
/* fflush()es the batch to the kernel. Returns 0 or an errno value. */
int file_out_commit(file_out *o);
/* Undoes everything since the last commit. Returns 0 or an errno value. */
int file_out_rollback(file_out *o);
/* fflush() + fsync() of the file (and, once, of its folder when the file
 * was created). `path` is the file's path. Returns 0 or an errno value. */
int file_out_sync(file_out *o, const char *path);

/* Closes; returns 0 or the errno of a failed final flush. */
int file_out_close(file_out *o);

/* Whether a write error is worth retrying (disk full, quota, EAGAIN). */
int file_out_transient(int err);

#endif
