/* file_sink.c - sink `file`: records as JSON Lines or CSV in one file.
 *
 * Every stream goes to the same file, in batch order. A batch is formatted
 * into a reusable buffer, handed to stdio (1 MiB buffer) in large chunks
 * and fflush()ed before write() returns; flush() fsyncs. See README.md for
 * the options and the delivery guarantee. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv_layout.h"
#include "csv_text.h"
#include "file_output.h"
#include "json_text.h"
#include "sink_buf.h"
#include "sluice/plugin.h"

/* Formatted text is handed to stdio once this much has piled up. */
#define FILE_SINK_CHUNK (256u * 1024u)
/* How much of an existing CSV file is read to find its header. */
#define FILE_SINK_HEAD_MAX (64u * 1024u)

typedef struct file_sink {
    char *path;        /* owned */
    int csv;           /* 0 = jsonl */
    int need_header;   /* CSV: the header is not in the file yet */
    int need_newline;  /* append: the existing file does not end with one */
    file_out out;
    csv_layout layout;
    sink_buf text;     /* the batch's formatted text */
    sink_buf scratch;  /* nested values of a CSV cell */
} file_sink;

static const char *const format_choices[] = {"jsonl", "csv", NULL};
static const char *const mode_choices[] = {"truncate", "append", NULL};

static const sluice_option file_options[] = {
    {"path", SLUICE_OPT_PATH, SLUICE_OPT_REQUIRED, NULL,
     "file to write; missing parent folders are created", NULL},
    {"format", SLUICE_OPT_STRING, 0, NULL,
     "jsonl or csv; default: csv for a .csv path, jsonl otherwise", format_choices},
    {"mode", SLUICE_OPT_STRING, 0, "\"truncate\"",
     "truncate: start an empty file; append: add to what is there", mode_choices},
    {"fields", SLUICE_OPT_LIST, 0, NULL,
     "CSV columns in order; default: the first record's fields", NULL},
    {"delimiter", SLUICE_OPT_STRING, 0, "\",\"", "CSV field separator: one character", NULL},
    {0},
};

/* Logs an error and makes it the stage's error text. */
static void fail(sluice_ctx *ctx, const char *fmt, ...) SLUICE_PRINTF(2, 3);
static void fail(sluice_ctx *ctx, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sluice_error(ctx, "%s", msg);
    sluice_set_error(ctx, msg);
}

static int ends_with_csv(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && strcasecmp(path + n - 4, ".csv") == 0;
}

/* Reads format, delimiter and fields into s. */
static int configure(file_sink *s, sluice_ctx *ctx)
{
    const char *format = sluice_option_string(ctx, "format");
    s->csv = format ? strcmp(format, "csv") == 0 : ends_with_csv(s->path);
    const char *delim = sluice_option_string(ctx, "delimiter");
    if (!delim || strlen(delim) != 1 || strchr("\"\r\n", delim[0])) {
        fail(ctx, "option delimiter: expected one character other than a quote or a line break");
        return SLUICE_EINVAL;
    }
    s->layout.delim = delim[0];
    json_t *fields = sluice_option_get(ctx, "fields");
    if (!fields)
        return SLUICE_OK;
    if (!s->csv) {
        sluice_warn(ctx, "option fields only applies to CSV; %s is written as JSON Lines", s->path);
        return SLUICE_OK;
    }
    if (!json_is_array(fields) || json_array_size(fields) == 0 ||
        csv_layout_set_fields(&s->layout, fields) != 0) {
        fail(ctx, "option fields: expected a non-empty list of field names");
        return SLUICE_EINVAL;
    }
    s->layout.chosen = 1;
    return SLUICE_OK;
}

/* Appending to a CSV file that has content: keep its header. */
static int adopt_existing_header(file_sink *s, sluice_ctx *ctx)
{
    char *head = malloc(FILE_SINK_HEAD_MAX);
    if (!head)
        return SLUICE_ENOMEM;
    ssize_t n = file_out_read_head(&s->out, head, FILE_SINK_HEAD_MAX);
    json_t *names = n > 0 ? csv_parse_header(head, (size_t)n, s->layout.delim) : NULL;
    free(head);
    if (!names) {
        fail(ctx, "%s: cannot read the CSV header of the existing file", s->path);
        return SLUICE_ERROR;
    }
    int rc = SLUICE_OK;
    if (!s->layout.fields) {
        if (csv_layout_set_fields(&s->layout, names) != 0) {
            fail(ctx, "%s: the existing file's CSV header has empty column names", s->path);
            rc = SLUICE_ERROR;
        }
    } else if (!csv_layout_same_fields(&s->layout, names)) {
        sluice_warn(ctx, "%s: the existing header differs from option fields; rows follow option fields",
                    s->path);
    }
    json_decref(names);
    return rc;
}

static int open_output(file_sink *s, sluice_ctx *ctx)
{
    const char *mode = sluice_option_string(ctx, "mode");
    int append = mode && strcmp(mode, "append") == 0;
    int err = file_out_open(&s->out, s->path, append);
    if (err) {
        fail(ctx, "cannot open %s: %s", s->path, strerror(err));
        return SLUICE_EIO;
    }
    s->need_newline = s->out.last_byte != '\n';
    s->need_header = s->csv;
    if (s->csv && append && s->out.committed > 0) {
        s->need_header = 0;
        return adopt_existing_header(s, ctx);
    }
    return SLUICE_OK;
}

static void file_fini(void *state)
{
    file_sink *s = state;
    if (!s)
        return;
    file_out_close(&s->out);
    csv_layout_free(&s->layout);
    sink_buf_free(&s->text);
    sink_buf_free(&s->scratch);
    free(s->path);
    free(s);
}

static int file_init(sluice_ctx *ctx, void **state)
{
    const char *path = sluice_option_string(ctx, "path");
    if (!path || !*path) {
        fail(ctx, "option path: required");
        return SLUICE_EINVAL;
    }
    file_sink *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path))) {
        free(s);
        return SLUICE_ENOMEM;
    }
    int rc = configure(s, ctx);
    if (rc == SLUICE_OK)
        rc = open_output(s, ctx);
    if (rc != SLUICE_OK) {
        file_fini(s);
        return rc;
    }
    *state = s;
    return SLUICE_OK;
}

/* Formats one record onto s->text. Returns 0 or -1 (out of memory). */
static int format_record(file_sink *s, sluice_ctx *ctx, json_t *rec)
{
    if (!s->csv)
        return sink_json_append(&s->text, rec, 0) == 0 ? sink_buf_putc(&s->text, '\n') : -1;
    if (s->need_header) {
        if (csv_layout_fields_from(&s->layout, rec) != 0 || csv_layout_header(&s->layout, &s->text) != 0)
            return -1;
        s->need_header = 0;
    }
    return csv_layout_row(&s->layout, ctx, rec, &s->text, &s->scratch);
}

/* Turns a failed batch into the status the core expects, undoing it. */
static int batch_failed(file_sink *s, sluice_ctx *ctx, int err, int header_was_needed,
                        int newline_was_needed)
{
    int rb = file_out_rollback(&s->out);
    csv_layout_abort(&s->layout);
    s->need_header = header_was_needed;
    s->need_newline = newline_was_needed;
    if (rb != 0) {
        fail(ctx, "%s: write failed (%s) and the partial batch could not be removed (%s)", s->path,
             strerror(err), strerror(rb));
        return SLUICE_ERROR;
    }
    if (file_out_transient(err)) {
        sluice_warn(ctx, "%s: write failed, will retry: %s", s->path, strerror(err));
        return SLUICE_RETRY;
    }
    fail(ctx, "%s: write failed: %s", s->path, strerror(err));
    return SLUICE_ERROR;
}

static int file_write(void *state, sluice_ctx *ctx, sluice_batch *b)
{
    file_sink *s = state;
    int header_was_needed = s->need_header, newline_was_needed = s->need_newline;
    size_t n = sluice_batch_count(b);
    int err = 0;
    s->text.len = 0;
    if (s->need_newline && sink_buf_putc(&s->text, '\n') != 0)
        err = ENOMEM;
    s->need_newline = 0;
    for (size_t i = 0; i < n && !err; i++) {
        json_t *rec = sluice_batch_record(b, i);
        if (!rec)
            continue;
        if (format_record(s, ctx, rec) != 0)
            err = ENOMEM;
        else if (s->text.len >= FILE_SINK_CHUNK) {
            err = file_out_write(&s->out, s->text.data, s->text.len);
            s->text.len = 0;
        }
    }
    if (!err)
        err = file_out_write(&s->out, s->text.data, s->text.len);
    if (!err && s->out.pending)
        err = file_out_commit(&s->out);
    if (err)
        return batch_failed(s, ctx, err, header_was_needed, newline_was_needed);
    csv_layout_commit(&s->layout);
    return SLUICE_OK;
}

static int file_flush(void *state, sluice_ctx *ctx)
{
    file_sink *s = state;
    csv_layout_report(&s->layout, ctx, s->path);
    int err = file_out_sync(&s->out, s->path);
    if (!err)
        return SLUICE_OK;
    if (file_out_transient(err)) {
        sluice_warn(ctx, "%s: sync failed, will retry: %s", s->path, strerror(err));
        return SLUICE_RETRY;
    }
    fail(ctx, "%s: sync failed: %s", s->path, strerror(err));
    return SLUICE_ERROR;
}

static const sluice_plugin file_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SINK,
    .name = "file",
    .version = "1.0.0",
    .description = "writes records to one file as JSON Lines or CSV",
    .options = file_options,
    /* Two workers would each truncate and write the same file. */
    .flags = SLUICE_PLUGIN_SERIAL,
    .init = file_init,
    .fini = file_fini,
    .write = file_write,
    .flush = file_flush,
};

SLUICE_PLUGIN(file_plugin);
