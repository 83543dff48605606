/* jsonl_source.c - a JSON Lines file becomes emit_json calls.
 *
 * This is the hot path of the plugin: the reader hands out lines inside its
 * 1 MiB buffer and the host copies and parses them (in parallel), so nothing
 * here allocates per line. */
#include <errno.h>

#include "file_source.h"
#include "jsonl_reader.h"

int sl_file_read_jsonl(sluice_ctx *ctx, const char *stream, const char *path, FILE *fp)
{
    sl_jsonl_reader *r = sl_jsonl_open(fp, 0);
    if (r == NULL)
        return sl_file_read_failed(ctx, path, -2, ENOMEM);

    const char *line;
    size_t len;
    uint64_t line_no;
    unsigned n = 0;
    int rc;
    while ((rc = sl_jsonl_next(r, &line, &len, &line_no)) == 1) {
        int erc = sluice_emit_json(ctx, stream, line, len, path, line_no);
        if (erc != SLUICE_OK) {
            sl_jsonl_close(&r);
            return erc;
        }
        if ((++n & (SL_FILE_STOP_CHECK - 1)) == 0 && sluice_should_stop(ctx)) {
            sl_jsonl_close(&r);
            return SLUICE_STOPPED;
        }
    }
    int err = errno;
    sl_jsonl_close(&r);
    return rc < 0 ? sl_file_read_failed(ctx, path, rc, err) : SLUICE_OK;
}
