/* test_cml_parser.c - the host-independent CommerceML reader
 * (connectors/commerceml/cml_parser.h) as the 1C exchange endpoint uses
 * it: kinds, stats, records through record() and record_json(),
 * all_or_nothing, a sink that stops the parse, classifier maps carried
 * from one file to the next. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cml_parser.h"

static int failures;

#define CHECK(cond)                                                                                                \
    do {                                                                                                           \
        if (!(cond)) {                                                                                             \
            fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #cond);                                        \
            failures++;                                                                                            \
        }                                                                                                          \
    } while (0)

/* A sink keeping every record (as compact JSON, with its stream). */
typedef struct collect {
    json_t *records; /* [{"stream", "line", "rec"}] */
    int rejects;
    int stop_after;  /* record() returns 42 once this many arrived (0: never) */
    int via_json;
} collect;

static int on_record(void *ud, const char *stream, json_t *rec, const char *origin, uint64_t line)
{
    collect *c = ud;
    (void)origin;
    json_array_append_new(c->records, json_pack("{s:s, s:I, s:o}", "stream", stream, "line", (json_int_t)line,
                                                "rec", rec));
    if (c->stop_after > 0 && json_array_size(c->records) >= (size_t)c->stop_after)
        return 42;
    return 0;
}

static int on_json(void *ud, const char *stream, const char *text, size_t len, const char *origin, uint64_t line)
{
    collect *c = ud;
    c->via_json++;
    return on_record(ud, stream, json_loadb(text, len, 0, NULL), origin, line);
}

static int on_reject(void *ud, const char *stream, const char *raw, size_t len, const char *origin,
                     uint64_t line, const char *reason)
{
    collect *c = ud;
    (void)stream, (void)raw, (void)len, (void)origin, (void)line, (void)reason;
    c->rejects++;
    return 0;
}

static size_t count_stream(const collect *c, const char *stream)
{
    size_t n = 0, i;
    json_t *r;
    json_array_foreach(c->records, i, r) n += strcmp(json_string_value(json_object_get(r, "stream")), stream) == 0;
    return n;
}

/* The record of `stream` whose id is `id` (borrowed), or NULL. */
static json_t *find(const collect *c, const char *stream, const char *id)
{
    size_t i;
    json_t *r;
    json_array_foreach(c->records, i, r)
    {
        json_t *rec = json_object_get(r, "rec");
        if (strcmp(json_string_value(json_object_get(r, "stream")), stream) == 0 &&
            strcmp(json_string_value(json_object_get(rec, "id")), id) == 0)
            return rec;
    }
    return NULL;
}

static const char *str(const json_t *rec, const char *key) { return json_string_value(json_object_get(rec, key)); }
static int streq(const char *a, const char *b) { return a != NULL && b != NULL && strcmp(a, b) == 0; }

static char data[1024];
static const char *path_of(const char *name)
{
    static char p[2048];
    snprintf(p, sizeof p, "%s/commerceml/%s", data, name);
    return p;
}

static void test_sniff(void)
{
    cml_file_info info;
    char err[512];
    CHECK(cml_sniff(path_of("off-doc-1c_import.xml"), &info, err, sizeof err) == CML_OK);
    CHECK(info.kind == CML_KIND_IMPORT && info.full_refresh == 1 && streq(info.schema_version, "2.04"));
    CHECK(cml_sniff(path_of("gens_offers.xml"), &info, err, sizeof err) == CML_OK);
    CHECK(info.kind == CML_KIND_OFFERS && info.full_refresh == 0 && streq(info.schema_version, "2.07"));
    CHECK(cml_sniff(path_of("bitrix-module-6_prices.xml"), &info, err, sizeof err) == CML_OK);
    CHECK(info.kind == CML_KIND_OFFERS && info.full_refresh == 0);
    CHECK(cml_sniff(path_of("nope.xml"), &info, err, sizeof err) == CML_EIO);
    CHECK(strstr(err, "nope.xml") != NULL);
    char yml[2048];
    snprintf(yml, sizeof yml, "%s/yml/simplified.xml", data);
    CHECK(cml_sniff(yml, &info, err, sizeof err) == CML_EPARSE);
    CHECK(strstr(err, "not a CommerceML file") != NULL);
}

/* A pipe holding the file's bytes (small files: they fit in the pipe's
 * buffer), so that the reader cannot seek and must spool. Returns the read
 * end, or -1. */
static int pipe_of(const char *path)
{
    int fds[2];
    FILE *fp = fopen(path, "rb");
    if (fp == NULL || pipe(fds) != 0) {
        if (fp != NULL)
            fclose(fp);
        return -1;
    }
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        if (write(fds[1], buf, n) != (ssize_t)n)
            break;
    fclose(fp);
    close(fds[1]);
    return fds[0];
}

/* Import then offers through one parser: straight, validated first
 * (files), or spooled (pipes). The same records every time. */
static int parse_one(cml_parser *p, const char *name, int use_pipe, const cml_sink *sink, cml_stats *st)
{
    char err[512] = "";
    if (!use_pipe)
        return cml_parser_file(p, path_of(name), sink, st, err, sizeof err);
    int fd = pipe_of(path_of(name));
    int rc = cml_parser_fd(p, fd, path_of(name), sink, st, err, sizeof err);
    close(fd);
    return rc;
}

static void run_pair(int all_or_nothing, int use_pipe, collect *c, cml_stats *st_import, cml_stats *st_offers)
{
    cml_options opt = {.all_or_nothing = all_or_nothing};
    cml_parser *p = cml_parser_new(&opt);
    cml_sink sink = {.ud = c, .record = on_record, .record_json = on_json, .reject = on_reject};
    CHECK(parse_one(p, "off-doc-1c_import.xml", use_pipe, &sink, st_import) == CML_OK);
    CHECK(parse_one(p, "gens_offers.xml", use_pipe, &sink, st_offers) == CML_OK);
    cml_parser_free(&p);
    CHECK(p == NULL);
}

static void test_modes(void)
{
    collect direct = {.records = json_array()}, twice = {.records = json_array()},
            spooled = {.records = json_array()};
    cml_stats si, so;
    run_pair(0, 0, &direct, &si, &so);
    CHECK(si.kind == CML_KIND_IMPORT && si.groups == 1 && si.products == 4 && si.offers == 0);
    CHECK(so.kind == CML_KIND_OFFERS && so.offers == 4 && so.prices == 3 && so.stock == 6 && so.rejected == 1);
    CHECK(so.full_refresh == 0 && si.full_refresh == 1);
    CHECK(direct.via_json == 0 && direct.rejects == 1);
    run_pair(1, 0, &twice, &si, &so);
    CHECK(twice.via_json == 0 && twice.rejects == 1 && so.offers == 4);
    CHECK(json_equal(direct.records, twice.records));
    run_pair(1, 1, &spooled, &si, &so);
    CHECK(spooled.via_json == (int)json_array_size(spooled.records) && spooled.rejects == 1);
    CHECK(json_equal(direct.records, spooled.records));
    CHECK(count_stream(&direct, CML_STREAM_STOCK) == 6);

    json_t *prod = find(&direct, CML_STREAM_PRODUCTS, "05e26d77-01e4-11dc-a411-00055d80a2d1#218a1599-044b-11dc-a414-00055d80a2d1");
    CHECK(prod != NULL && streq(str(prod, "name"), "Стулья") && streq(str(prod, "group_path"), "Мебель"));
    CHECK(streq(str(prod, "variant_id"), "218a1599-044b-11dc-a414-00055d80a2d1"));
    CHECK(json_is_true(json_object_get(prod, "full_refresh")));
    json_t *offer = find(&direct, CML_STREAM_OFFERS, "p3");
    CHECK(offer != NULL && streq(str(offer, "quantity"), "1.5") && streq(str(offer, "catalog_id"), "cat-1"));
    CHECK(json_is_false(json_object_get(offer, "full_refresh")));
    json_t *price = find(&direct, CML_STREAM_PRICES, "p1|pt-retail");
    CHECK(price != NULL && streq(str(price, "price"), "1234.50") && streq(str(price, "price_type"), "Розничная"));
    json_t *empty = find(&direct, CML_STREAM_STOCK, "p2#v1|wh-spb");
    CHECK(empty != NULL && json_is_null(json_object_get(empty, "quantity")));
    json_decref(direct.records);
    json_decref(twice.records);
    json_decref(spooled.records);
}

static void test_failures(void)
{
    char err[512];
    for (int aon = 0; aon <= 1; aon++) {
        collect c = {.records = json_array()};
        cml_options opt = {.all_or_nothing = aon};
        cml_sink sink = {.ud = &c, .record = on_record};
        CHECK(cml_parse_file(path_of("malformed_import.xml"), &opt, &sink, err, sizeof err) == CML_EPARSE);
        CHECK(strstr(err, "malformed_import.xml:8: Opening and ending tag mismatch") != NULL);
        CHECK(json_array_size(c.records) == (aon ? 0u : 2u));
        json_decref(c.records);
    }
    { /* the same through a pipe: spooled, still nothing delivered */
        collect c = {.records = json_array()};
        cml_options opt = {.all_or_nothing = 1};
        cml_parser *p = cml_parser_new(&opt);
        cml_sink sink = {.ud = &c, .record = on_record};
        int fd = pipe_of(path_of("malformed_import.xml"));
        CHECK(cml_parser_fd(p, fd, "malformed_import.xml", &sink, NULL, err, sizeof err) == CML_EPARSE);
        CHECK(strstr(err, "malformed_import.xml:8: ") != NULL && json_array_size(c.records) == 0);
        close(fd);
        cml_parser_free(&p);
        json_decref(c.records);
    }
    /* A sink that says stop: the parse ends with its code. */
    for (int aon = 0; aon <= 1; aon++) {
        collect c = {.records = json_array(), .stop_after = 3};
        cml_options opt = {.all_or_nothing = aon};
        cml_parser *p = cml_parser_new(&opt);
        cml_sink sink = {.ud = &c, .record = on_record};
        cml_stats st;
        CHECK(cml_parser_file(p, path_of("off-doc-1c_offers.xml"), &sink, &st, err, sizeof err) == CML_ESINK);
        CHECK(st.sink_rc == 42 && json_array_size(c.records) == 3);
        cml_parser_free(&p);
        json_decref(c.records);
    }
    CHECK(cml_parser_file(NULL, "x", NULL, NULL, err, sizeof err) == CML_EINVAL);
}

/* price_type by name, and maps carried across files: prices.xml-like files
 * name price types declared elsewhere. */
static void test_price_type(void)
{
    collect c = {.records = json_array()};
    cml_options opt = {.price_type = "Оптовая"};
    cml_parser *p = cml_parser_new(&opt);
    cml_sink sink = {.ud = &c, .record = on_record};
    char err[512];
    CHECK(cml_parser_file(p, path_of("gens_offers.xml"), &sink, NULL, err, sizeof err) == CML_OK);
    json_t *offer = find(&c, CML_STREAM_OFFERS, "p1");
    CHECK(offer != NULL && streq(str(offer, "price"), "10.5") && streq(str(offer, "price_type_id"), "pt-opt"));
    CHECK(json_object_get(find(&c, CML_STREAM_OFFERS, "p2#v1"), "price") == NULL);
    cml_parser_free(&p);
    json_decref(c.records);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATA_DIR (tests/data/xml)\n", argv[0]);
        return 2;
    }
    snprintf(data, sizeof data, "%s", argv[1]);
    cml_global_init();
    test_sniff();
    test_modes();
    test_failures();
    test_price_type();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    else
        printf("all cml_parser checks passed\n");
    return failures ? 1 : 0;
}
