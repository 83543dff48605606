/* plugin.c - the `commerceml` source: options, init/fini, and run() as the
 * shared XML driver over cml_parser.h. See README.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cml_parser.h"
#include "sluice/plugin.h"
#include "xml_driver.h"
#include "xml_files.h"

static const sluice_option cml_options_table[] = {
    {"path", SLUICE_OPT_PATH, SLUICE_OPT_REQUIRED, NULL,
     "a CommerceML file, a folder (every *.xml under it) or a glob; import and offers files are told apart by "
     "content and imports are read first",
     NULL},
    {"price_type", SLUICE_OPT_STRING, 0, NULL,
     "price type (Ид or Наименование) that becomes an offer's price; default: the first one the file declares", NULL},
    {"all_or_nothing", SLUICE_OPT_BOOL, 0, "true",
     "emit a file's records only once the whole file is known to be well-formed (validated first, then read again)",
     NULL},
    {"tmpdir", SLUICE_OPT_PATH, 0, NULL, "folder for the all_or_nothing spool, used for non-seekable input (default: $TMPDIR or /tmp)", NULL},
    {0},
};

typedef struct cml_source {
    char **files;      /* owned (xml_files.h) */
    size_t nfiles;
    cml_parser *parser; /* owned */
    char *price_type;  /* owned; the parser borrows it */
    char *tmpdir;      /* owned; the parser borrows it */
} cml_source;

static void cml_fini(void *state)
{
    cml_source *st = state;
    if (st == NULL)
        return;
    slx_files_free(&st->files, st->nfiles);
    cml_parser_free(&st->parser);
    free(st->price_type);
    free(st->tmpdir);
    free(st);
}

static char *dup_opt(sluice_ctx *ctx, const char *name, int *oom)
{
    const char *v = sluice_option_string(ctx, name);
    char *copy = v != NULL ? strdup(v) : NULL;
    if (v != NULL && copy == NULL)
        *oom = 1;
    return copy;
}

static int cml_init(sluice_ctx *ctx, void **state)
{
    cml_global_init();
    const char *path = sluice_option_string(ctx, "path");
    cml_source *st = calloc(1, sizeof *st);
    if (st == NULL)
        return SLUICE_ENOMEM;
    int oom = 0;
    st->price_type = dup_opt(ctx, "price_type", &oom);
    st->tmpdir = dup_opt(ctx, "tmpdir", &oom);
    cml_options opt = {.price_type = st->price_type,
                       .all_or_nothing = sluice_option_bool(ctx, "all_or_nothing", 1),
                       .tmpdir = st->tmpdir};
    st->parser = oom ? NULL : cml_parser_new(&opt);
    if (st->parser == NULL) {
        cml_fini(st);
        return SLUICE_ENOMEM;
    }
    int err = slx_files_expand(path, &st->files, &st->nfiles);
    if (err != 0) {
        char msg[1200];
        snprintf(msg, sizeof msg, "cannot read %s: %s", path, err == ENOENT ? "no such file" : strerror(err));
        sluice_set_error(ctx, msg);
        cml_fini(st);
        return SLUICE_ERROR;
    }
    *state = st;
    return SLUICE_OK;
}

/* Imports (classifier, catalogue) before offers, prices and rests. */
static int cml_rank(void *state, const char *path, char *err, size_t errlen)
{
    (void)state;
    cml_file_info info;
    if (cml_sniff(path, &info, err, errlen) != CML_OK)
        return -1;
    return info.kind == CML_KIND_IMPORT ? 0 : info.kind == CML_KIND_OFFERS ? 1 : 2;
}

static int cml_parse(void *state, int fd, const char *path, const slx_sink *sink, uint64_t *records, char *err,
                     size_t errlen)
{
    cml_source *st = state;
    cml_sink out = {.ud = sink->ud, .record = sink->record, .record_json = sink->record_json,
                    .reject = sink->reject, .should_stop = sink->should_stop};
    cml_stats stats;
    int rc = cml_parser_fd(st->parser, fd, path, &out, &stats, err, errlen);
    *records = stats.groups + stats.products + stats.offers + stats.prices + stats.stock;
    return rc;
}

static const slx_format cml_format = {.rank = cml_rank, .parse = cml_parse};

static int cml_run(void *state, sluice_ctx *ctx)
{
    cml_source *st = state;
    return slx_driver_run(ctx, st->files, st->nfiles, &cml_format, st);
}

static const sluice_plugin cml_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SOURCE,
    .name = "commerceml",
    .version = "1.0.0",
    .description = "reads 1C CommerceML 2.x import.xml/offers.xml: groups, products, offers, prices, stock",
    .options = cml_options_table,
    .init = cml_init,
    .fini = cml_fini,
    .run = cml_run,
};

SLUICE_PLUGIN(cml_plugin);
