/* cml_parser.c - the public CommerceML reader API (cml_parser.h): file
 * kinds, the walk over a document's top-level sections, delivery. */
#include "cml_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const stream_names[] = {CML_STREAM_GROUPS, CML_STREAM_PRODUCTS, CML_STREAM_OFFERS,
                                           CML_STREAM_PRICES, CML_STREAM_STOCK};

void cml_global_init(void) { slx_global_init(); }

cml_parser *cml_parser_new(const cml_options *opt)
{
    cml_parser *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    if (opt != NULL)
        p->opt = *opt;
    p->groups = json_object();
    p->props = json_object();
    p->price_types = json_object();
    p->warehouses = json_object();
    if (p->groups == NULL || p->props == NULL || p->price_types == NULL || p->warehouses == NULL)
        cml_parser_free(&p);
    return p;
}

void cml_parser_free(cml_parser **pp)
{
    if (pp == NULL || *pp == NULL)
        return;
    cml_parser *p = *pp;
    json_decref(p->groups);
    json_decref(p->props);
    json_decref(p->price_types);
    json_decref(p->warehouses);
    free(p->first_type);
    free(p->chosen_type);
    slx_buf_free(&p->t1);
    slx_buf_free(&p->t2);
    slx_buf_free(&p->t3);
    free(p);
    *pp = NULL;
}

int cml_rd_status(cml_file *f)
{
    return f->rd.status != SLX_OK ? f->rd.status : SLX_EPARSE;
}

int cml_emit(cml_file *f, int s, json_t *rec, long line)
{
    if (rec == NULL)
        return SLX_ENOMEM;
    const char *cat = s == CML_S_GROUPS ? f->classifier_id : f->catalog_id;
    int full = s == CML_S_GROUPS ? f->groups_full : f->full_refresh;
    if ((cat != NULL && json_object_set_new_nocheck(rec, "catalog_id", json_string_nocheck(cat)) != 0) ||
        json_object_set_new_nocheck(rec, "full_refresh", json_boolean(full)) != 0) {
        json_decref(rec);
        return SLX_ENOMEM;
    }
    int rc = slx_out_record(&f->out, stream_names[s], rec, line > 0 ? (uint64_t)line : 0);
    if (rc == SLX_OK)
        f->n[s]++;
    return rc;
}

int cml_reject(cml_file *f, int s, const xmlNode *n, long line, const char *reason)
{
    char raw[256];
    snprintf(raw, sizeof raw, "<%s> at line %ld", n != NULL ? (const char *)n->name : "?", line);
    return slx_out_reject(&f->out, stream_names[s], raw, strlen(raw), line > 0 ? (uint64_t)line : 0, reason);
}

char *cml_take_text(cml_file *f, int *rc)
{
    xmlNodePtr n = slx_expand(&f->rd);
    if (n == NULL) {
        *rc = cml_rd_status(f);
        return NULL;
    }
    const char *t = slx_text(n, &f->p->t1);
    if (t == NULL) {
        *rc = SLX_ENOMEM;
        return NULL;
    }
    *rc = SLX_OK;
    if (t[0] == '\0')
        return NULL;
    char *copy = strdup(t);
    if (copy == NULL)
        *rc = SLX_ENOMEM;
    return copy;
}

/* "true" in СодержитТолькоИзменения means a delta: full_refresh 0. */
static int full_refresh_attr(cml_file *f)
{
    xmlChar *v = slx_attr(&f->rd, CML_ONLY_CHANGES);
    int full = !(v != NULL && strcmp(slx_trim((char *)v), "true") == 0);
    xmlFree(v);
    return full;
}

/* Replaces *dst with the current element's text (when not empty). */
static int take_into(cml_file *f, char **dst)
{
    int rc;
    char *t = cml_take_text(f, &rc);
    if (t != NULL) {
        free(*dst);
        *dst = t;
    }
    return rc;
}

/* Calls fn on every child element named `item` of the element at depth,
 * expanded. */
static int each_expanded(cml_file *f, int depth, const char *item, int (*fn)(cml_file *, const xmlNode *))
{
    int rc;
    while ((rc = slx_next_child(&f->rd, depth)) == 1) {
        if (strcmp(slx_local_name(&f->rd), item) != 0)
            continue;
        xmlNodePtr n = slx_expand(&f->rd);
        if (n == NULL)
            return cml_rd_status(f);
        int r = fn(f, n);
        if (r != SLX_OK)
            return r;
    }
    return rc == 0 ? SLX_OK : cml_rd_status(f);
}

/* Товар / Предложение: one subtree expanded at a time, freed when the
 * reader moves on. */
static int each_item(cml_file *f, int depth, const char *item,
                     int (*fn)(cml_file *, const xmlNode *, long))
{
    int rc;
    while ((rc = slx_next_child(&f->rd, depth)) == 1) {
        if (strcmp(slx_local_name(&f->rd), item) != 0)
            continue;
        long line = slx_line(&f->rd);
        xmlNodePtr n = slx_expand(&f->rd);
        if (n == NULL)
            return cml_rd_status(f);
        int r = fn(f, n, line);
        if (r != SLX_OK)
            return r;
    }
    return rc == 0 ? SLX_OK : cml_rd_status(f);
}

static int read_classifier(cml_file *f, int depth)
{
    xmlChar *v = slx_attr(&f->rd, CML_ONLY_CHANGES);
    f->groups_full = !(v != NULL && strcmp(slx_trim((char *)v), "true") == 0);
    xmlFree(v);
    int rc;
    while ((rc = slx_next_child(&f->rd, depth)) == 1) {
        const char *name = slx_local_name(&f->rd);
        int r = SLX_OK;
        if (strcmp(name, "Ид") == 0)
            r = take_into(f, &f->classifier_id);
        else if (strcmp(name, "Группы") == 0)
            r = cml_read_groups(f, depth + 1);
        else if (strcmp(name, "Свойства") == 0)
            r = each_expanded(f, depth + 1, "Свойство", cml_read_property);
        else if (strcmp(name, "ТипыЦен") == 0)
            r = each_expanded(f, depth + 1, "ТипЦены", cml_read_price_type);
        else if (strcmp(name, "Склады") == 0)
            r = each_expanded(f, depth + 1, "Склад", cml_read_warehouse);
        if (r != SLX_OK)
            return r;
    }
    return rc == 0 ? SLX_OK : cml_rd_status(f);
}

static int read_catalog(cml_file *f, int depth)
{
    f->full_refresh = full_refresh_attr(f);
    int rc;
    while ((rc = slx_next_child(&f->rd, depth)) == 1) {
        const char *name = slx_local_name(&f->rd);
        int r = SLX_OK;
        if (strcmp(name, "Ид") == 0)
            r = take_into(f, &f->catalog_id);
        else if (strcmp(name, "Товары") == 0)
            r = each_item(f, depth + 1, "Товар", cml_product);
        if (r != SLX_OK)
            return r;
    }
    return rc == 0 ? SLX_OK : cml_rd_status(f);
}

/* ПакетПредложений/Ид is the catalogue's Ид followed by '#': used when
 * ИдКаталога is missing. */
static int take_package_id(cml_file *f)
{
    int rc;
    char *t = cml_take_text(f, &rc);
    if (t == NULL)
        return rc;
    char *hash = strchr(t, '#');
    if (hash != NULL)
        *hash = '\0';
    if (f->catalog_id == NULL && t[0] != '\0')
        f->catalog_id = t;
    else
        free(t);
    return SLX_OK;
}

static int read_package(cml_file *f, int depth)
{
    f->full_refresh = full_refresh_attr(f);
    int rc;
    while ((rc = slx_next_child(&f->rd, depth)) == 1) {
        const char *name = slx_local_name(&f->rd);
        int r = SLX_OK;
        if (strcmp(name, "Ид") == 0)
            r = take_package_id(f);
        else if (strcmp(name, "ИдКаталога") == 0)
            r = take_into(f, &f->catalog_id);
        else if (strcmp(name, "ТипыЦен") == 0)
            r = each_expanded(f, depth + 1, "ТипЦены", cml_read_price_type);
        else if (strcmp(name, "Склады") == 0)
            r = each_expanded(f, depth + 1, "Склад", cml_read_warehouse);
        else if (strcmp(name, "Предложения") == 0)
            r = each_item(f, depth + 1, "Предложение", cml_offer);
        if (r != SLX_OK)
            return r;
    }
    return rc == 0 ? SLX_OK : cml_rd_status(f);
}

/* Moves to the root element and checks it is КоммерческаяИнформация. */
static int enter_root(slx_reader *rd)
{
    int rc;
    while ((rc = slx_read(rd)) == 1 && xmlTextReaderNodeType(rd->r) != XML_READER_TYPE_ELEMENT)
        ;
    if (rc == 0)
        return slx_fail(rd, SLX_EPARSE, -1, "no root element");
    if (rc < 0)
        return rd->status;
    if (strcmp(slx_local_name(rd), CML_ROOT) != 0)
        return slx_fail(rd, SLX_EPARSE, -1, "not a CommerceML file: the root element is <%s>, expected <%s>",
                        slx_local_name(rd), CML_ROOT);
    return SLX_OK;
}

/* Reads past the root's end tag, so that garbage after it fails the file. */
static int finish(slx_reader *rd)
{
    int rc;
    while ((rc = slx_read(rd)) == 1)
        ;
    return rc == 0 ? SLX_OK : rd->status;
}

static int walk(cml_file *f)
{
    int rc = enter_root(&f->rd);
    if (rc != SLX_OK)
        return rc;
    while ((rc = slx_next_child(&f->rd, 0)) == 1) {
        const char *name = slx_local_name(&f->rd);
        int r = SLX_OK;
        if (strcmp(name, CML_CLASSIFIER) == 0) {
            f->kind = f->kind ? f->kind : CML_KIND_IMPORT;
            r = read_classifier(f, 1);
        } else if (strcmp(name, CML_CATALOG) == 0) {
            f->kind = CML_KIND_IMPORT;
            r = read_catalog(f, 1);
        } else if (strcmp(name, CML_PACKAGE) == 0) {
            f->kind = CML_KIND_OFFERS;
            r = read_package(f, 1);
        } else if (strcmp(name, CML_DOCUMENT) == 0 && f->kind == CML_KIND_UNKNOWN) {
            f->kind = CML_KIND_OTHER;
        }
        if (r != SLX_OK)
            return r;
    }
    if (rc < 0)
        return cml_rd_status(f);
    return finish(&f->rd);
}

static void fill_stats(const cml_file *f, cml_stats *st, int delivered)
{
    if (st == NULL)
        return;
    if (delivered) {
        st->groups = f->n[CML_S_GROUPS];
        st->products = f->n[CML_S_PRODUCTS];
        st->offers = f->n[CML_S_OFFERS];
        st->prices = f->n[CML_S_PRICES];
        st->stock = f->n[CML_S_STOCK];
        st->rejected = f->out.rejected;
    }
    st->sink_rc = f->out.sink_rc;
    st->full_refresh = f->full_refresh;
    st->kind = f->kind;
}

static void describe_failure(const cml_file *f, int rc, const char *name, char *err, size_t errlen)
{
    if (errlen == 0)
        return;
    if (f->rd.status != SLX_OK)
        slx_copy_error(&f->rd, err, errlen);
    else if (f->out.err[0] != '\0')
        snprintf(err, errlen, "%s: %s", name, f->out.err);
    else if (rc == SLX_ESINK)
        snprintf(err, errlen, "%s: stopped by the sink (%d)", name, f->out.sink_rc);
    else if (rc == SLX_ENOMEM)
        snprintf(err, errlen, "%s: out of memory", name);
    else
        snprintf(err, errlen, "%s: error %d", name, rc);
}

static void convert_sink(const cml_sink *in, slx_sink *out)
{
    out->ud = in->ud;
    out->record = in->record;
    out->record_json = in->record_json;
    out->reject = in->reject;
    out->should_stop = in->should_stop;
}

int cml_parser_fd(cml_parser *p, int fd, const char *name, const cml_sink *out, cml_stats *stats, char *err,
                  size_t errlen)
{
    if (errlen > 0)
        err[0] = '\0';
    if (stats != NULL)
        memset(stats, 0, sizeof *stats);
    if (p == NULL || out == NULL || out->record == NULL || name == NULL) {
        if (errlen > 0)
            snprintf(err, errlen, "cml_parser_fd: bad arguments");
        return CML_EINVAL;
    }
    slx_sink sink;
    convert_sink(out, &sink);
    /* all_or_nothing: a seekable file is validated whole first, then read
     * again to deliver (no disk, no buffering, and the sink works while the
     * second pass runs); anything else is spooled. */
    int mode = slx_aon_mode(fd, p->opt.all_or_nothing);
    if (mode == SLX_AON_TWICE) {
        int rc = slx_validate_fd(fd, name, CML_ROOT, "CommerceML file", err, errlen);
        if (rc != SLX_OK)
            return rc;
    }
    cml_file f;
    memset(&f, 0, sizeof f);
    f.p = p;
    f.full_refresh = f.groups_full = 1;
    int rc = slx_out_begin(&f.out, &sink, name, mode == SLX_AON_SPOOL, p->opt.tmpdir);
    if (rc == SLX_OK)
        rc = slx_open_fd(&f.rd, fd, name);
    if (rc == SLX_OK)
        rc = walk(&f);
    if (rc == SLX_OK)
        rc = slx_out_commit(&f.out);
    fill_stats(&f, stats, rc == SLX_OK || f.out.spool == NULL);
    if (rc != SLX_OK)
        describe_failure(&f, rc, name, err, errlen);
    if (rc == SLX_EPARSE && mode == SLX_AON_TWICE && errlen > 0) /* it was well-formed a moment ago */
        snprintf(err + strlen(err), errlen - strlen(err), " (the file changed after it was validated)");
    slx_close(&f.rd);
    slx_out_end(&f.out);
    free(f.catalog_id);
    free(f.classifier_id);
    return rc;
}

int cml_parser_file(cml_parser *p, const char *path, const cml_sink *out, cml_stats *stats, char *err,
                    size_t errlen)
{
    if (p == NULL || out == NULL || path == NULL)
        return cml_parser_fd(p, -1, path, out, stats, err, errlen); /* reports the bad arguments */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errlen > 0)
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        if (stats != NULL)
            memset(stats, 0, sizeof *stats);
        return CML_EIO;
    }
    int rc = cml_parser_fd(p, fd, path, out, stats, err, errlen);
    close(fd);
    return rc;
}

int cml_parse_file(const char *path, const cml_options *opt, const cml_sink *out, char *err, size_t errlen)
{
    cml_parser *p = cml_parser_new(opt);
    if (p == NULL) {
        if (errlen > 0)
            snprintf(err, errlen, "out of memory");
        return CML_ENOMEM;
    }
    int rc = cml_parser_file(p, path, out, NULL, err, errlen);
    cml_parser_free(&p);
    return rc;
}

/* Walks the root's children until one tells the kind. */
static int sniff_walk(slx_reader *rd, cml_file_info *info)
{
    int rc = enter_root(rd);
    if (rc != SLX_OK)
        return rc;
    xmlChar *v = slx_attr(rd, CML_SCHEMA_VERSION);
    if (v != NULL)
        snprintf(info->schema_version, sizeof info->schema_version, "%s", slx_trim((char *)v));
    xmlFree(v);
    int classifier = 0;
    while ((rc = slx_next_child(rd, 0)) == 1) {
        const char *name = slx_local_name(rd);
        int kind = strcmp(name, CML_CATALOG) == 0   ? CML_KIND_IMPORT
                   : strcmp(name, CML_PACKAGE) == 0 ? CML_KIND_OFFERS
                   : strcmp(name, CML_DOCUMENT) == 0 ? CML_KIND_OTHER
                                                     : CML_KIND_UNKNOWN;
        if (strcmp(name, CML_CLASSIFIER) == 0)
            classifier = 1;
        if (kind != CML_KIND_UNKNOWN) {
            info->kind = kind;
            if (kind != CML_KIND_OTHER) {
                xmlChar *c = slx_attr(rd, CML_ONLY_CHANGES);
                info->full_refresh = !(c != NULL && strcmp(slx_trim((char *)c), "true") == 0);
                xmlFree(c);
            }
            return SLX_OK;
        }
    }
    if (rc < 0)
        return rd->status != SLX_OK ? rd->status : SLX_EPARSE;
    info->kind = classifier ? CML_KIND_IMPORT : CML_KIND_OTHER;
    return SLX_OK;
}

int cml_sniff(const char *path, cml_file_info *info, char *err, size_t errlen)
{
    memset(info, 0, sizeof *info);
    info->full_refresh = 1;
    if (errlen > 0)
        err[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errlen > 0)
            snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return CML_EIO;
    }
    slx_reader rd;
    int rc = slx_open_fd(&rd, fd, path);
    if (rc == SLX_OK)
        rc = sniff_walk(&rd, info);
    if (rc != SLX_OK)
        slx_copy_error(&rd, err, errlen);
    slx_close(&rd);
    close(fd);
    return rc;
}
