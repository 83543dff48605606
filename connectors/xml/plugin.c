/* plugin.c - the `xml` source: any XML file, records chosen by a path and
 * fields by XPath, through the shared XML driver. See README.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/plugin.h"
#include "xml_driver.h"
#include "xml_files.h"
#include "xml_safe.h"
#include "xml_source.h"

static const sluice_option xml_options_table[] = {
    {"path", SLUICE_OPT_PATH, SLUICE_OPT_REQUIRED, NULL,
     "an XML file, a folder (every *.xml under it) or a glob; files are read in sorted order", NULL},
    {"record", SLUICE_OPT_STRING, SLUICE_OPT_REQUIRED, NULL,
     "elements that are records: /a/b/c, //name, /a//b, prefix:name, * (no predicates)", NULL},
    {"fields", SLUICE_OPT_OBJECT, 0, NULL,
     "field name -> XPath relative to the record (\"Name\", \"@id\", \"Price/@currency\"); default: the whole "
     "element as JSON",
     NULL},
    {"namespaces", SLUICE_OPT_OBJECT, 0, NULL, "prefix -> namespace URI, for record and fields", NULL},
    {"stream", SLUICE_OPT_STRING, 0, NULL, "stream name of the records (default: the stage id)", NULL},
    {"all_or_nothing", SLUICE_OPT_BOOL, 0, "true",
     "emit a file's records only once the whole file is known to be well-formed (validated first, then read again)",
     NULL},
    {"tmpdir", SLUICE_OPT_PATH, 0, NULL, "folder for the all_or_nothing spool, used for non-seekable input (default: $TMPDIR or /tmp)", NULL},
    {0},
};

typedef struct xml_src {
    char **files; /* owned (xml_files.h) */
    size_t nfiles;
    char *stream; /* owned */
    char *record; /* owned: the option's text, for messages */
    char *tmpdir; /* owned */
    xrp_path path;
    xfl_fields fields;
    xsrc_options opt; /* borrows the above */
    sluice_ctx *ctx;  /* borrowed, set by run() for the parse callback's log lines */
} xml_src;

static void xml_fini(void *state)
{
    xml_src *st = state;
    if (st == NULL)
        return;
    slx_files_free(&st->files, st->nfiles);
    xrp_free(&st->path);
    xfl_free(&st->fields);
    free(st->stream);
    free(st->record);
    free(st->tmpdir);
    free(st);
}

static int refuse(sluice_ctx *ctx, xml_src *st, const char *msg)
{
    sluice_set_error(ctx, msg);
    xml_fini(st);
    return SLUICE_ERROR;
}

static int copy_options(sluice_ctx *ctx, xml_src *st)
{
    const char *stream = sluice_option_string(ctx, "stream");
    const char *tmpdir = sluice_option_string(ctx, "tmpdir");
    st->stream = strdup(stream != NULL ? stream : sluice_stage_id(ctx));
    st->record = strdup(sluice_option_string(ctx, "record"));
    st->tmpdir = tmpdir != NULL ? strdup(tmpdir) : NULL;
    if (st->stream == NULL || st->record == NULL || (tmpdir != NULL && st->tmpdir == NULL))
        return SLUICE_ENOMEM;
    st->opt = (xsrc_options){.stream = st->stream, .path = &st->path, .fields = &st->fields,
                             .all_or_nothing = sluice_option_bool(ctx, "all_or_nothing", 1), .tmpdir = st->tmpdir};
    return SLUICE_OK;
}

static int xml_init(sluice_ctx *ctx, void **state)
{
    slx_global_init();
    json_t *ns = sluice_option_get(ctx, "namespaces");
    const char *path = sluice_option_string(ctx, "path");
    xml_src *st = calloc(1, sizeof *st);
    if (st == NULL)
        return SLUICE_ENOMEM;
    if (copy_options(ctx, st) != SLUICE_OK) {
        xml_fini(st);
        return SLUICE_ENOMEM;
    }
    char err[1200];
    if (xrp_compile(&st->path, st->record, ns, err, sizeof err) != 0 ||
        xfl_compile(&st->fields, sluice_option_get(ctx, "fields"), ns, err, sizeof err) != 0)
        return refuse(ctx, st, err);
    int e = slx_files_expand(path, &st->files, &st->nfiles);
    if (e != 0) {
        snprintf(err, sizeof err, "cannot read %s: %s", path, e == ENOENT ? "no such file" : strerror(e));
        return refuse(ctx, st, err);
    }
    *state = st;
    return SLUICE_OK;
}

static int xml_parse(void *state, int fd, const char *path, const slx_sink *sink, uint64_t *records, char *err,
                     size_t errlen)
{
    xml_src *st = state;
    xsrc_result res;
    int rc = xsrc_parse_fd(fd, path, &st->opt, sink, &res, err, errlen);
    *records = res.records;
    if (rc == SLX_OK && res.records == 0)
        sluice_warn(st->ctx, "%s: no element matched record \"%s\"%s%s%s", path, st->record,
                    res.root_ns[0] ? " (the document is in namespace " : "", res.root_ns,
                    res.root_ns[0] ? ": bind a prefix to it in namespaces and use it in record and fields)" : "");
    return rc;
}

static const slx_format xml_format = {.rank = NULL, .parse = xml_parse};

static int xml_run(void *state, sluice_ctx *ctx)
{
    xml_src *st = state;
    st->ctx = ctx;
    return slx_driver_run(ctx, st->files, st->nfiles, &xml_format, st);
}

static const sluice_plugin xml_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SOURCE,
    .name = "xml",
    .version = "1.0.0",
    .description = "reads records out of any XML file: a streaming record path and XPath fields",
    .options = xml_options_table,
    .init = xml_init,
    .fini = xml_fini,
    .run = xml_run,
};

SLUICE_PLUGIN(xml_plugin);
