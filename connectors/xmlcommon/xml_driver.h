/* xml_driver.h - the run() loop the XML sources share: files in order,
 * unchanged files skipped by the cursor, one file failing without stopping
 * the others, records delivered through the sluice host.
 *
 * For every file of the list:
 *   1. it is fingerprinted (xml_cursor.h); when the committed cursor holds
 *      the same fingerprint for the same path, it is skipped;
 *   2. the files left are ordered by the format's rank (stable: the list's
 *      order within a rank) -- CommerceML reads imports before offers;
 *   3. each is parsed from an open descriptor; on success, once its
 *      records are emitted, sluice_position() declares the cursor with the
 *      file's fingerprint added, so the core commits it only when those
 *      records are durable. A file that fails (malformed, refused, I/O) is
 *      logged with its name and line, keeps no cursor entry (it is read
 *      again next time), and the others still run; run() then fails with
 *      the first error, so `sluice run` exits 1.
 * Cursor calls are made only when the host has them (ABI 1.1). */
#ifndef SLX_XML_DRIVER_H
#define SLX_XML_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#include "sluice/plugin.h"
#include "xml_out.h"

typedef struct slx_format {
    /* Order of reading: lower ranks first. May be NULL (one rank). Returns a
     * rank >= 0, or -1 with err set: the file then fails unread. */
    int (*rank)(void *state, const char *path, char *err, size_t errlen);
    /* Parses the open file fd (at offset 0; borrowed) named path into sink.
     * Returns SLX_OK with *records (delivered) set, or an SLX status with
     * err set ("PATH:LINE: message" for parse errors). */
    int (*parse)(void *state, int fd, const char *path, const slx_sink *sink, uint64_t *records, char *err,
                 size_t errlen);
} slx_format;

/* Runs the format over files (borrowed). Returns SLUICE_OK,
 * SLUICE_STOPPED, or SLUICE_ERROR after sluice_set_error(). */
int slx_driver_run(sluice_ctx *ctx, char *const *files, size_t nfiles, const slx_format *fmt, void *state);

#endif
