/* stdout_sink.c - sink `stdout`: records as JSON Lines on standard output,
 * for trying pipelines out and for piping into other tools.
 *
 * The JSON text is the file sink's (../file/json_text.c); the batch is
 * formatted into one buffer and written with large fwrite() calls, then
 * fflush()ed before write() returns. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_text.h"
#include "sink_buf.h"
#include "sluice/plugin.h"

/* Formatted text is handed to stdio once this much has piled up. */
#define STDOUT_SINK_CHUNK (64u * 1024u)

typedef struct stdout_sink {
    int indent;    /* 0 = one compact object per line */
    sink_buf text; /* reused from batch to batch */
} stdout_sink;

static const sluice_option stdout_options[] = {
    {"pretty", SLUICE_OPT_BOOL, 0, "false", "indent each record over several lines", NULL},
    {0},
};

static int stdout_init(sluice_ctx *ctx, void **state)
{
    stdout_sink *s = calloc(1, sizeof *s);
    if (!s)
        return SLUICE_ENOMEM;
    s->indent = sluice_option_bool(ctx, "pretty", 0) ? 2 : 0;
    *state = s;
    return SLUICE_OK;
}

static void stdout_fini(void *state)
{
    stdout_sink *s = state;
    if (!s)
        return;
    sink_buf_free(&s->text);
    free(s);
}

/* Hands the buffer to stdio. Returns 0 or an errno value. */
static int put_text(stdout_sink *s)
{
    if (s->text.len && fwrite(s->text.data, 1, s->text.len, stdout) != s->text.len)
        return errno ? errno : EIO;
    s->text.len = 0;
    return 0;
}

static int write_failed(sluice_ctx *ctx, int err)
{
    clearerr(stdout);
    if (err == EAGAIN || err == EWOULDBLOCK || err == EINTR || err == ENOSPC) {
        sluice_warn(ctx, "writing to standard output failed, will retry: %s", strerror(err));
        return SLUICE_RETRY;
    }
    char msg[256];
    snprintf(msg, sizeof msg, "writing to standard output failed: %s", strerror(err));
    sluice_error(ctx, "%s", msg);
    sluice_set_error(ctx, msg);
    return SLUICE_ERROR;
}

static int stdout_write(void *state, sluice_ctx *ctx, sluice_batch *b)
{
    stdout_sink *s = state;
    size_t n = sluice_batch_count(b);
    int err = 0;
    s->text.len = 0;
    for (size_t i = 0; i < n && !err; i++) {
        json_t *rec = sluice_batch_record(b, i);
        if (!rec)
            continue;
        if (sink_json_append(&s->text, rec, s->indent) != 0 || sink_buf_putc(&s->text, '\n') != 0)
            err = ENOMEM;
        else if (s->text.len >= STDOUT_SINK_CHUNK)
            err = put_text(s);
    }
    if (!err)
        err = put_text(s);
    if (!err && fflush(stdout) != 0)
        err = errno ? errno : EIO;
    return err ? write_failed(ctx, err) : SLUICE_OK;
}

static int stdout_flush(void *state, sluice_ctx *ctx)
{
    return fflush(stdout) == 0 ? SLUICE_OK : write_failed(ctx, errno ? errno : EIO);
}

static const sluice_plugin stdout_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SINK,
    .name = "stdout",
    .version = "1.0.0",
    .description = "prints records to standard output as JSON Lines",
    .options = stdout_options,
    /* Two workers would interleave their output. */
    .flags = SLUICE_PLUGIN_SERIAL,
    .init = stdout_init,
    .fini = stdout_fini,
    .write = stdout_write,
    .flush = stdout_flush,
};

SLUICE_PLUGIN(stdout_plugin);
