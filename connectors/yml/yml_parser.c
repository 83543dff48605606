/* yml_parser.c - the walk over a YML feed: yml_catalog/shop, its currency
 * and category tables, and the offers (yml_offer.c). */
#include "yml_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const stream_names[] = {YML_STREAM_CATEGORIES, YML_STREAM_PRODUCTS, YML_STREAM_PRICES,
                                           YML_STREAM_STOCK};

/* Category chains longer than this are cut (they are cycles or nonsense). */
#define YML_MAX_CATEGORY_DEPTH 64
#define YML_PATH_SEP " / "

int yml_emit(yml_file *f, int s, json_t *rec, long line)
{
    if (rec == NULL)
        return SLX_ENOMEM;
    int rc = slx_out_record(&f->out, stream_names[s], rec, line > 0 ? (uint64_t)line : 0);
    if (rc == SLX_OK)
        f->n[s]++;
    return rc;
}

static int status_of(yml_file *f) { return f->rd.status != SLX_OK ? f->rd.status : SLX_EPARSE; }

/* <currency id="USD" rate="30"/>: the rate as given ("1", "30.5", "CBRF"). */
static int read_currencies(yml_file *f, int depth)
{
    int rc;
    while ((rc = slx_next_child(&f->rd, depth)) == 1) {
        if (strcmp(slx_local_name(&f->rd), "currency") != 0)
            continue;
        xmlChar *id = slx_attr(&f->rd, "id");
        xmlChar *rate = slx_attr(&f->rd, "rate");
        int bad = 0;
        if (id != NULL && rate != NULL)
            bad = json_object_set_new(f->currencies, slx_trim((char *)id), json_string(slx_trim((char *)rate)));
        xmlFree(id);
        xmlFree(rate);
        if (bad)
            return SLX_ENOMEM;
    }
    return rc == 0 ? SLX_OK : status_of(f);
}

static int read_category(yml_file *f)
{
    xmlChar *id = slx_attr(&f->rd, "id");
    xmlChar *parent = slx_attr(&f->rd, "parentId");
    if (parent == NULL)
        parent = slx_attr(&f->rd, "parent_id"); /* seen in the wild */
    long line = slx_line(&f->rd);
    xmlNodePtr n = slx_expand(&f->rd);
    int rc = n == NULL ? status_of(f) : SLX_OK;
    if (rc == SLX_OK && (id == NULL || slx_trim((char *)id)[0] == '\0')) {
        char raw[64];
        snprintf(raw, sizeof raw, "<category> at line %ld", line);
        rc = slx_out_reject(&f->out, YML_STREAM_CATEGORIES, raw, strlen(raw), (uint64_t)line, "category without id");
    } else if (rc == SLX_OK) {
        const char *name = slx_text(n, &f->t1);
        const char *pid = parent != NULL ? slx_trim((char *)parent) : NULL;
        json_t *entry = json_pack("{s:s?, s:s*, s:I}", "name", name, "parent_id", pid && pid[0] ? pid : NULL,
                                  "line", (json_int_t)line);
        if (name == NULL || entry == NULL || json_object_set_new(f->categories, slx_trim((char *)id), entry) != 0)
            rc = SLX_ENOMEM;
    }
    xmlFree(id);
    xmlFree(parent);
    return rc;
}

/* "Root / ... / Name" for category id, following parent ids; a cycle or an
 * unknown parent ends the walk. The result is borrowed from f->paths. */
static const char *category_path(yml_file *f, const char *id)
{
    const char *known = json_string_value(json_object_get(f->paths, id));
    if (known != NULL)
        return known;
    const char *chain[YML_MAX_CATEGORY_DEPTH];
    size_t n = 0;
    for (const char *cur = id; cur != NULL && n < YML_MAX_CATEGORY_DEPTH;) {
        json_t *c = json_object_get(f->categories, cur);
        if (c == NULL)
            break;
        int seen = 0;
        for (size_t i = 0; i < n && !seen; i++)
            seen = strcmp(chain[i], cur) == 0;
        if (seen)
            break;
        chain[n++] = cur;
        cur = json_string_value(json_object_get(c, "parent_id"));
    }
    slx_buf *b = &f->t2;
    slx_buf_reset(b);
    for (size_t i = n; i-- > 0;) {
        const char *name = json_string_value(json_object_get(json_object_get(f->categories, chain[i]), "name"));
        if (b->len > 0)
            slx_buf_add(b, YML_PATH_SEP, strlen(YML_PATH_SEP));
        slx_buf_add(b, name != NULL ? name : chain[i], strlen(name != NULL ? name : chain[i]));
    }
    if (b->oom || b->p == NULL || json_object_set_new(f->paths, id, json_string(b->p)) != 0)
        return NULL;
    return json_string_value(json_object_get(f->paths, id));
}

/* Categories are emitted once the list is complete: a parent may come
 * after its children. */
static int emit_categories(yml_file *f)
{
    const char *id;
    json_t *c;
    json_object_foreach(f->categories, id, c)
    {
        const char *path = category_path(f, id);
        if (path == NULL)
            return SLX_ENOMEM;
        json_t *rec = json_pack("{s:s, s:O, s:O, s:s}", "id", id, "name", json_object_get(c, "name"), "parent_id",
                                json_object_get(c, "parent_id") ? json_object_get(c, "parent_id") : json_null(),
                                "path", path);
        int rc = yml_emit(f, YML_S_CATEGORIES, rec, (long)json_integer_value(json_object_get(c, "line")));
        if (rc != SLX_OK)
            return rc;
    }
    return SLX_OK;
}

static int read_categories(yml_file *f, int depth)
{
    int rc;
    while ((rc = slx_next_child(&f->rd, depth)) == 1) {
        if (strcmp(slx_local_name(&f->rd), "category") != 0)
            continue;
        int r = read_category(f);
        if (r != SLX_OK)
            return r;
    }
    return rc == 0 ? emit_categories(f) : status_of(f);
}

static int read_offers(yml_file *f, int depth)
{
    int rc;
    while ((rc = slx_next_child(&f->rd, depth)) == 1) {
        if (strcmp(slx_local_name(&f->rd), "offer") != 0)
            continue;
        long line = slx_line(&f->rd);
        xmlNodePtr n = slx_expand(&f->rd);
        if (n == NULL)
            return status_of(f);
        int r = yml_offer(f, n, line);
        if (r != SLX_OK)
            return r;
    }
    return rc == 0 ? SLX_OK : status_of(f);
}

static int read_shop(yml_file *f, int depth)
{
    int rc;
    while ((rc = slx_next_child(&f->rd, depth)) == 1) {
        const char *name = slx_local_name(&f->rd);
        int r = SLX_OK;
        if (strcmp(name, "currencies") == 0)
            r = read_currencies(f, depth + 1);
        else if (strcmp(name, "categories") == 0)
            r = read_categories(f, depth + 1);
        else if (strcmp(name, "offers") == 0)
            r = read_offers(f, depth + 1);
        if (r != SLX_OK)
            return r;
    }
    return rc == 0 ? SLX_OK : status_of(f);
}

static int walk(yml_file *f)
{
    int rc;
    while ((rc = slx_read(&f->rd)) == 1 && xmlTextReaderNodeType(f->rd.r) != XML_READER_TYPE_ELEMENT)
        ;
    if (rc == 0)
        return slx_fail(&f->rd, SLX_EPARSE, -1, "no root element");
    if (rc < 0)
        return status_of(f);
    if (strcmp(slx_local_name(&f->rd), "yml_catalog") != 0)
        return slx_fail(&f->rd, SLX_EPARSE, -1, "not a YML feed: the root element is <%s>, expected <yml_catalog>",
                        slx_local_name(&f->rd));
    while ((rc = slx_next_child(&f->rd, 0)) == 1) {
        if (strcmp(slx_local_name(&f->rd), "shop") != 0)
            continue;
        int r = read_shop(f, 1);
        if (r != SLX_OK)
            return r;
    }
    if (rc < 0)
        return status_of(f);
    while ((rc = slx_read(&f->rd)) == 1)
        ;
    return rc == 0 ? SLX_OK : status_of(f);
}

static void describe_failure(const yml_file *f, int rc, const char *name, char *err, size_t errlen)
{
    if (errlen == 0)
        return;
    if (f->rd.status != SLX_OK)
        slx_copy_error(&f->rd, err, errlen);
    else if (f->out.err[0] != '\0')
        snprintf(err, errlen, "%s: %s", name, f->out.err);
    else if (rc == SLX_ENOMEM)
        snprintf(err, errlen, "%s: out of memory", name);
    else
        snprintf(err, errlen, "%s: stopped (%d)", name, rc);
}

int yml_parse_fd(int fd, const char *name, const yml_options *opt, const slx_sink *sink, yml_stats *stats,
                 char *err, size_t errlen)
{
    if (errlen > 0)
        err[0] = '\0';
    int mode = slx_aon_mode(fd, opt->all_or_nothing); /* see cml_parser.c */
    if (mode == SLX_AON_TWICE) {
        int rc = slx_validate_fd(fd, name, "yml_catalog", "YML feed", err, errlen);
        if (rc != SLX_OK) {
            if (stats != NULL)
                memset(stats, 0, sizeof *stats);
            return rc;
        }
    }
    yml_file f;
    memset(&f, 0, sizeof f);
    f.currencies = json_object();
    f.categories = json_object();
    f.paths = json_object();
    int rc = f.currencies && f.categories && f.paths ? SLX_OK : SLX_ENOMEM;
    if (rc == SLX_OK)
        rc = slx_out_begin(&f.out, sink, name, mode == SLX_AON_SPOOL, opt->tmpdir);
    if (rc == SLX_OK)
        rc = slx_open_fd(&f.rd, fd, name);
    if (rc == SLX_OK)
        rc = walk(&f);
    if (rc == SLX_OK)
        rc = slx_out_commit(&f.out);
    if (stats != NULL) {
        int delivered = rc == SLX_OK || f.out.spool == NULL;
        *stats = (yml_stats){.categories = delivered ? f.n[YML_S_CATEGORIES] : 0,
                             .products = delivered ? f.n[YML_S_PRODUCTS] : 0,
                             .prices = delivered ? f.n[YML_S_PRICES] : 0,
                             .stock = delivered ? f.n[YML_S_STOCK] : 0,
                             .rejected = delivered ? f.out.rejected : 0};
    }
    if (rc != SLX_OK)
        describe_failure(&f, rc, name, err, errlen);
    slx_close(&f.rd);
    slx_out_end(&f.out);
    json_decref(f.currencies);
    json_decref(f.categories);
    json_decref(f.paths);
    slx_buf_free(&f.t1);
    slx_buf_free(&f.t2);
    slx_buf_free(&f.t3);
    return rc;
}

const char *yml_category_path(yml_file *f, const char *id)
{
    return json_object_get(f->categories, id) != NULL ? category_path(f, id) : NULL;
}
