/* plugin.c - the `file` source: descriptor, options, init/fini/run.
 *
 * init() expands the path (or glob) and settles format and delimiter for
 * every file, so configuration mistakes fail before anything is read; run()
 * reads the files one after another in sorted order, each from where the
 * last run's committed cursor says it stopped (cursor.h). See README.md. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "file_source.h"
#include "paths.h"

enum file_format { FMT_JSONL = 1, FMT_CSV = 2 };

static const char *const format_choices[] = {"jsonl", "csv", NULL};
static const char *const delimiter_choices[] = {",", ";", "\t", "tab", "|", NULL};

/* `format` and `delimiter` have no default_json on purpose: their defaults
 * depend on each file's extension, so the plugin must see "unset". */
static const sluice_option file_options[] = {
    {"path", SLUICE_OPT_PATH, SLUICE_OPT_REQUIRED, NULL,
     "file to read, or a glob(3) pattern (matches are read in sorted order)", NULL},
    {"format", SLUICE_OPT_STRING, 0, NULL,
     "jsonl or csv; when unset, from the extension (.jsonl .ndjson .json: jsonl; .csv .tsv: csv)", format_choices},
    {"stream", SLUICE_OPT_STRING, 0, NULL, "stream name of the emitted records (default: the stage id)", NULL},
    {"delimiter", SLUICE_OPT_STRING, 0, NULL,
     "csv field separator: \",\" (default; tab for .tsv files), \";\", \"\\t\" or \"tab\", \"|\"", delimiter_choices},
    {0},
};

typedef struct file_source {
    char **paths;  /* owned (paths.h) */
    size_t npaths;
    int *formats;  /* owned; enum file_format per path */
    char *delims;  /* owned; field separator per path (csv) */
    char *stream;  /* owned */
} file_source;

static void file_fini(void *state)
{
    file_source *st = state;
    if (st == NULL)
        return;
    sl_paths_free(&st->paths, st->npaths);
    free(st->formats);
    free(st->delims);
    free(st->stream);
    free(st);
}

static int fail(sluice_ctx *ctx, const char *what, const char *path, const char *why)
{
    char msg[1024];
    snprintf(msg, sizeof msg, "%s %s%s%s", what, path, why ? ": " : "", why ? why : "");
    sluice_set_error(ctx, msg);
    return SLUICE_ERROR;
}

int sl_file_read_failed(sluice_ctx *ctx, const char *path, int rc, int err)
{
    if (rc == -2) {
        fail(ctx, "out of memory reading", path, NULL);
        return SLUICE_ENOMEM;
    }
    fail(ctx, "cannot read", path, strerror(err));
    return SLUICE_EIO;
}

static int has_ext(const char *path, const char *ext)
{
    size_t n = strlen(path), e = strlen(ext);
    return n > e && strcasecmp(path + n - e, ext) == 0;
}

/* The format option, or the file's extension; 0 when neither says. */
static int pick_format(const char *opt, const char *path)
{
    if (opt != NULL)
        return strcmp(opt, "csv") == 0 ? FMT_CSV : FMT_JSONL;
    if (has_ext(path, ".jsonl") || has_ext(path, ".ndjson") || has_ext(path, ".json"))
        return FMT_JSONL;
    if (has_ext(path, ".csv") || has_ext(path, ".tsv"))
        return FMT_CSV;
    return 0;
}

static char pick_delim(const char *opt, const char *path)
{
    if (opt == NULL)
        return has_ext(path, ".tsv") ? '\t' : ',';
    return strcmp(opt, "tab") == 0 ? '\t' : opt[0]; /* the choices are single bytes otherwise */
}

static int settle_inputs(file_source *st, sluice_ctx *ctx)
{
    const char *format = sluice_option_string(ctx, "format");
    const char *delim = sluice_option_string(ctx, "delimiter");
    st->formats = calloc(st->npaths, sizeof *st->formats);
    st->delims = calloc(st->npaths, sizeof *st->delims);
    if (st->formats == NULL || st->delims == NULL)
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < st->npaths; i++) {
        st->formats[i] = pick_format(format, st->paths[i]);
        if (st->formats[i] == 0)
            return fail(ctx, "format not set and cannot be inferred from", st->paths[i], NULL);
        st->delims[i] = pick_delim(delim, st->paths[i]);
    }
    return SLUICE_OK;
}

static int file_init(sluice_ctx *ctx, void **state)
{
    const char *path = sluice_option_string(ctx, "path");
    const char *stream = sluice_option_string(ctx, "stream");
    file_source *st = calloc(1, sizeof *st);
    if (st == NULL)
        return SLUICE_ENOMEM;
    st->stream = strdup(stream != NULL ? stream : sluice_stage_id(ctx));
    if (st->stream == NULL) {
        file_fini(st);
        return SLUICE_ENOMEM;
    }
    int err = sl_paths_expand(path, &st->paths, &st->npaths);
    if (err != 0) {
        file_fini(st);
        return fail(ctx, "cannot open", path, strerror(err));
    }
    int rc = settle_inputs(st, ctx);
    if (rc != SLUICE_OK) {
        file_fini(st);
        return rc;
    }
    *state = st;
    return SLUICE_OK;
}

static int read_one(file_source *st, sluice_ctx *ctx, sl_file_cursor *cur, size_t i)
{
    const char *path = st->paths[i];
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return fail(ctx, "cannot open", path, strerror(errno));
    struct stat sb;
    if (fstat(fileno(fp), &sb) != 0) {
        int err = errno;
        fclose(fp);
        return fail(ctx, "cannot stat", path, strerror(err));
    }
    /* The readers fetch big chunks themselves; stdio's buffer would only
     * add a copy. */
    setvbuf(fp, NULL, _IONBF, 0);
    sl_file_job job = {.stream = st->stream, .path = path, .fp = fp, .delim = st->delims[i],
                       .cursor = cur, .index = i};
    sl_file_cursor_start(cur, ctx, i, &sb, &job.offset, &job.line);
    (void)posix_fadvise(fileno(fp), (off_t)job.offset, 0, POSIX_FADV_SEQUENTIAL);
    if (job.offset > 0)
        sluice_debug(ctx, "reading %s as %s from byte %llu (line %llu), where the last run stopped", path,
                     st->formats[i] == FMT_CSV ? "csv" : "jsonl", (unsigned long long)job.offset,
                     (unsigned long long)job.line);
    else
        sluice_debug(ctx, "reading %s as %s", path, st->formats[i] == FMT_CSV ? "csv" : "jsonl");
    int rc = st->formats[i] == FMT_CSV ? sl_file_read_csv(ctx, &job) : sl_file_read_jsonl(ctx, &job);
    fclose(fp);
    return rc;
}

static int file_run(void *state, sluice_ctx *ctx)
{
    file_source *st = state;
    sl_file_cursor *cur = NULL;
    int rc = sl_file_cursor_open(ctx, st->paths, st->npaths, &cur);
    for (size_t i = 0; i < st->npaths && rc == SLUICE_OK; i++) {
        if (sluice_should_stop(ctx))
            rc = SLUICE_STOPPED;
        else
            rc = read_one(st, ctx, cur, i);
    }
    /* Entries reset or dropped before any file moved still need a commit. */
    if (rc == SLUICE_OK)
        rc = sl_file_cursor_post(cur, ctx);
    sl_file_cursor_free(&cur);
    return rc;
}

static const sluice_plugin file_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SOURCE,
    .name = "file",
    .version = "1.1.0",
    .description = "reads JSON Lines or CSV files (one file or a glob)",
    .options = file_options,
    .init = file_init,
    .fini = file_fini,
    .run = file_run,
};

SLUICE_PLUGIN(file_plugin);
