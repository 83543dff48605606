/* xml_cursor.h - what the XML sources remember about the files they have
 * read, so that an unchanged file is not imported again.
 *
 * The cursor (sluice_position) is {"files": {PATH: FINGERPRINT, ...}} with
 * one entry per file of the last expansion that was read successfully (or
 * found unchanged). A fingerprint is
 *     {"size": N, "mtime": "SECONDS.NANOSECONDS", "dev": N, "ino": N,
 *      "hash": "16 hex digits"}
 * where hash is FNV-1a 64 over the size and the first and last 64 KiB of
 * the content: cheap on a 200 MB file, and it tells a file rewritten in
 * place with the same size and time stamp from the one that was read. A
 * file counts as unchanged when size, mtime and hash all match; dev and
 * ino are kept for diagnosis only (a copy of the same file elsewhere, or a
 * restored backup, is still the same data). */
#ifndef SLX_XML_CURSOR_H
#define SLX_XML_CURSOR_H

#include <stdint.h>

#include <jansson.h>

typedef struct slx_fprint {
    uint64_t size;
    int64_t mtime_sec;
    long mtime_nsec;
    uint64_t dev, ino;
    uint64_t hash;
} slx_fprint;

/* Fingerprints the open file `fd` (borrowed; its offset is not moved: the
 * content is read with pread). 0, or an errno value. */
int slx_fprint_fd(int fd, slx_fprint *fp);

/* The fingerprint as JSON (new reference), or NULL when memory ran out. */
json_t *slx_fprint_json(const slx_fprint *fp);

/* Does the cursor entry `entry` (borrowed, may be NULL) describe the same
 * content as fp? */
int slx_fprint_matches(const json_t *entry, const slx_fprint *fp);

/* Same size and modification time (a file changed while it was read fails
 * this)? */
int slx_fprint_same_stat(const slx_fprint *a, const slx_fprint *b);

#endif
