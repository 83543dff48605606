/* plugin.c - the `yml` source: Yandex Market YML feeds through the shared
 * XML driver. See README.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/plugin.h"
#include "xml_driver.h"
#include "xml_files.h"
#include "xml_safe.h"
#include "yml_parser.h"

static const sluice_option yml_options_table[] = {
    {"path", SLUICE_OPT_PATH, SLUICE_OPT_REQUIRED, NULL,
     "a YML feed, a folder (every *.xml under it) or a glob; files are read in sorted order", NULL},
    {"all_or_nothing", SLUICE_OPT_BOOL, 0, "true",
     "emit a file's records only once the whole file is known to be well-formed (validated first, then read again)",
     NULL},
    {"tmpdir", SLUICE_OPT_PATH, 0, NULL, "folder for the all_or_nothing spool, used for non-seekable input (default: $TMPDIR or /tmp)", NULL},
    {0},
};

typedef struct yml_source {
    char **files; /* owned (xml_files.h) */
    size_t nfiles;
    yml_options opt;
    char *tmpdir; /* owned; opt borrows it */
} yml_source;

static void yml_fini(void *state)
{
    yml_source *st = state;
    if (st == NULL)
        return;
    slx_files_free(&st->files, st->nfiles);
    free(st->tmpdir);
    free(st);
}

static int yml_init(sluice_ctx *ctx, void **state)
{
    slx_global_init();
    const char *path = sluice_option_string(ctx, "path");
    const char *tmpdir = sluice_option_string(ctx, "tmpdir");
    yml_source *st = calloc(1, sizeof *st);
    if (st == NULL)
        return SLUICE_ENOMEM;
    if (tmpdir != NULL && (st->tmpdir = strdup(tmpdir)) == NULL) {
        yml_fini(st);
        return SLUICE_ENOMEM;
    }
    st->opt.all_or_nothing = sluice_option_bool(ctx, "all_or_nothing", 1);
    st->opt.tmpdir = st->tmpdir;
    int err = slx_files_expand(path, &st->files, &st->nfiles);
    if (err != 0) {
        char msg[1200];
        snprintf(msg, sizeof msg, "cannot read %s: %s", path, err == ENOENT ? "no such file" : strerror(err));
        sluice_set_error(ctx, msg);
        yml_fini(st);
        return SLUICE_ERROR;
    }
    *state = st;
    return SLUICE_OK;
}

static int yml_parse(void *state, int fd, const char *path, const slx_sink *sink, uint64_t *records, char *err,
                     size_t errlen)
{
    yml_source *st = state;
    yml_stats stats;
    int rc = yml_parse_fd(fd, path, &st->opt, sink, &stats, err, errlen);
    *records = stats.categories + stats.products + stats.prices + stats.stock;
    return rc;
}

static const slx_format yml_format = {.rank = NULL, .parse = yml_parse};

static int yml_run(void *state, sluice_ctx *ctx)
{
    yml_source *st = state;
    return slx_driver_run(ctx, st->files, st->nfiles, &yml_format, st);
}

static const sluice_plugin yml_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SOURCE,
    .name = "yml",
    .version = "1.0.0",
    .description = "reads Yandex Market YML feeds: categories, products, prices, stock",
    .options = yml_options_table,
    .init = yml_init,
    .fini = yml_fini,
    .run = yml_run,
};

SLUICE_PLUGIN(yml_plugin);
