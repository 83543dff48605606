/* xml_source.c - the generic XML reader's walk (see xml_source.h). */
#include "xml_source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml_safe.h"

/* The current element's ancestry, for xrp_match. */
typedef struct ancestry {
    char *names[XRP_MAX_DEPTH + 1]; /* owned */
    char *uris[XRP_MAX_DEPTH + 1];  /* owned, NULL for no namespace */
    size_t n;
} ancestry;

static void truncate_to(ancestry *a, size_t n)
{
    while (a->n > n) {
        a->n--;
        free(a->names[a->n]);
        free(a->uris[a->n]);
    }
}

static int push(ancestry *a, slx_reader *rd)
{
    if (a->n > XRP_MAX_DEPTH)
        return slx_fail(rd, SLX_EPARSE, -1, "elements nested too deeply");
    const xmlChar *uri = xmlTextReaderConstNamespaceUri(rd->r);
    a->names[a->n] = strdup(slx_local_name(rd));
    a->uris[a->n] = uri != NULL ? strdup((const char *)uri) : NULL;
    if (a->names[a->n] == NULL || (uri != NULL && a->uris[a->n] == NULL)) {
        free(a->names[a->n]);
        free(a->uris[a->n]);
        return SLX_ENOMEM;
    }
    a->n++;
    return SLX_OK;
}

static int one_record(slx_reader *rd, slx_out *out, const xsrc_options *opt)
{
    long line = slx_line(rd);
    xmlNodePtr n = slx_expand(rd);
    if (n == NULL)
        return rd->status != SLX_OK ? rd->status : SLX_EPARSE;
    char why[512] = "";
    json_t *rec = xfl_record(opt->fields, n, why, sizeof why);
    if (rec == NULL)
        return slx_fail(rd, SLX_EPARSE, line, "record: %s", why);
    return slx_out_record(out, opt->stream, rec, line > 0 ? (uint64_t)line : 0);
}

/* Every node in document order; subtrees that are records, or that cannot
 * hold any, are skipped whole. */
static int walk(slx_reader *rd, slx_out *out, const xsrc_options *opt, xsrc_result *res)
{
    ancestry a = {.n = 0};
    int skip = 0, rc, status = SLX_OK;
    while (status == SLX_OK && (rc = skip ? slx_skip(rd) : slx_read(rd)) == 1) {
        skip = 0;
        if (xmlTextReaderNodeType(rd->r) != XML_READER_TYPE_ELEMENT)
            continue;
        truncate_to(&a, (size_t)slx_depth(rd));
        status = push(&a, rd);
        if (status != SLX_OK)
            break;
        if (a.n == 1 && a.uris[0] != NULL)
            snprintf(res->root_ns, sizeof res->root_ns, "%s", a.uris[0]);
        int m = xrp_match(opt->path, (const char *const *)a.names, (const char *const *)a.uris, a.n);
        if (m == XRP_RECORD) {
            status = one_record(rd, out, opt);
            skip = 1;
        } else if (m == XRP_NONE) {
            skip = 1;
        }
    }
    truncate_to(&a, 0);
    if (status != SLX_OK)
        return status;
    return rc == 0 ? SLX_OK : (rd->status != SLX_OK ? rd->status : SLX_EPARSE);
}

int xsrc_parse_fd(int fd, const char *name, const xsrc_options *opt, const slx_sink *sink, xsrc_result *res,
                  char *err, size_t errlen)
{
    memset(res, 0, sizeof *res);
    if (errlen > 0)
        err[0] = '\0';
    int mode = slx_aon_mode(fd, opt->all_or_nothing); /* see cml_parser.c */
    if (mode == SLX_AON_TWICE) {
        int rc = slx_validate_fd(fd, name, NULL, NULL, err, errlen);
        if (rc != SLX_OK)
            return rc;
    }
    slx_out out;
    slx_reader rd;
    memset(&rd, 0, sizeof rd);
    int rc = slx_out_begin(&out, sink, name, mode == SLX_AON_SPOOL, opt->tmpdir);
    if (rc == SLX_OK)
        rc = slx_open_fd(&rd, fd, name);
    if (rc == SLX_OK)
        rc = walk(&rd, &out, opt, res);
    if (rc == SLX_OK)
        rc = slx_out_commit(&out);
    if (rc == SLX_OK || out.spool == NULL)
        res->records = out.records;
    if (rc != SLX_OK && errlen > 0) {
        if (rd.status != SLX_OK)
            slx_copy_error(&rd, err, errlen);
        else if (out.err[0] != '\0')
            snprintf(err, errlen, "%s: %s", name, out.err);
        else
            snprintf(err, errlen, "%s: %s", name, rc == SLX_ENOMEM ? "out of memory" : "stopped");
    }
    slx_close(&rd);
    slx_out_end(&out);
    return rc;
}
