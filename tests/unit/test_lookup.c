/*
 * test_lookup.c - the `lookup` transform: exact decimals (lk_decimal.c
 * compiled in), then the plugin through the in-process harness: hits,
 * misses counted and flagged, margins, sums over rows, spilling to SQLite,
 * records held until their table row arrives, persisted tables, options.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_test.h"
#include "lookup.h"

static char tmpdir[] = "/tmp/sluice-test-lookup-XXXXXX";

/* ---- decimals ---- */

static void check_parse(const char *in, const char *want)
{
    lk_dec d;
    char buf[64];
    int rc = lk_dec_parse(in, strlen(in), &d);
    if (!want) {
        if (!CHECK(rc != 0))
            fprintf(stderr, "     parsed: '%s'\n", in);
        return;
    }
    if (!CHECK(rc == 0)) {
        fprintf(stderr, "     not parsed: '%s'\n", in);
        return;
    }
    lk_dec_format(d, buf, sizeof buf);
    CHECK_STR(buf, want);
}

static void check_op(char op, const char *a, const char *b, const char *want)
{
    lk_dec x, y, r;
    char buf[64];
    CHECK(lk_dec_parse(a, strlen(a), &x) == 0 && lk_dec_parse(b, strlen(b), &y) == 0);
    int rc = op == '+' ? lk_dec_add(x, y, &r) : op == '-' ? lk_dec_sub(x, y, &r) : lk_dec_mul(x, y, &r);
    if (!want) {
        CHECK(rc != 0);
        return;
    }
    CHECK(rc == 0);
    lk_dec_format(r, buf, sizeof buf);
    CHECK_STR(buf, want);
}

static void test_decimal(void)
{
    static const char *const parse[][2] = {
        { "1590.00", "1590.00" }, { "-3", "-3" }, { "+7", "7" }, { " 12.5 ", "12.5" }, { "0.05", "0.05" },
        { ".5", "0.5" }, { "5.", "5" }, { "1.5e2", "150" }, { "15E-1", "1.5" }, { "-0.001", "-0.001" },
        { "000123.4500", "123.4500" }, { "0", "0" }, { "99999999999999999999999999999999999", "99999999999999999999999999999999999" },
        { "abc", NULL }, { "1.2.3", NULL }, { "", NULL }, { "-", NULL }, { ".", NULL }, { "1e", NULL },
        { "1e+", NULL }, { "12a", NULL }, { "1,5", NULL }, { "1e999999", NULL },
        { "12345678901234567890123456789012345678", NULL },
    };
    for (size_t i = 0; i < sizeof parse / sizeof parse[0]; i++)
        check_parse(parse[i][0], parse[i][1]);
    check_op('+', "0.10", "0.2", "0.30");
    check_op('-', "1", "0.01", "0.99");
    check_op('*', "0.1", "3", "0.3");
    check_op('*', "19.99", "3", "59.97");
    check_op('*', "-2.5", "4.25", "-10.625");
    check_op('*', "1000000000000000000000", "1000000000000000000000", NULL); /* overflow, not garbage */
    check_op('+', "9999999999999999999999999999999999999", "1", NULL);
    lk_dec d;
    char buf[64];
    json_t *v = json_real(0.1);
    CHECK(lk_dec_from_json(v, &d) == 0);
    lk_dec_format(d, buf, sizeof buf);
    CHECK_STR(buf, "0.1");
    json_decref(v);
    CHECK(lk_dec_from_json(NULL, &d) == 1);
    CHECK(lk_dec_from_json(json_null(), &d) == 1);
    v = json_true();
    CHECK(lk_dec_from_json(v, &d) == -1);
}

/* ---- the plugin ---- */

static void write_file(const char *name, const char *text, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

static sl_harness *open_lookup(const char *opts) { return harness_open_logged("transform", "lookup", opts); }

static const char products_jsonl[] =
    "{\"sku\": \"A1\", \"cost\": \"4.25\", \"name\": \"Widget\"}\n"
    "{\"sku\": \"B2\", \"cost\": \"12.345\"}\n"
    "\n"
    "{\"sku\": \"C3\", \"name\": \"no cost\"}\n"
    "not json\n"
    "{\"name\": \"no sku\"}\n"
    "{\"sku\": 42, \"cost\": 3}\n";

/* Order lines: hits, a miss, a row without cost, no key, a numeric key. */
static const char *const lines[] = {
    "{\"order_id\": \"o1\", \"line_no\": 1, \"sku\": \"A1\", \"qty\": 2, \"unit_price\": \"10.50\", \"discount\": \"1.00\"}",
    "{\"order_id\": \"o1\", \"line_no\": 2, \"sku\": \"B2\", \"qty\": 3, \"unit_price\": \"19.99\", \"discount\": \"5.00\"}",
    "{\"order_id\": \"o2\", \"line_no\": 1, \"sku\": \"ZZ\", \"qty\": 1, \"unit_price\": \"5.00\"}",
    "{\"order_id\": \"o2\", \"line_no\": 2, \"sku\": \"C3\", \"qty\": 1, \"unit_price\": \"5.00\"}",
    "{\"order_id\": \"o3\", \"line_no\": 1, \"qty\": 1, \"unit_price\": \"5.00\"}",
    "{\"order_id\": \"o3\", \"line_no\": 2, \"sku\": \"42\", \"qty\": \"1.5\", \"unit_price\": 4}",
};
#define NLINES (sizeof lines / sizeof lines[0])

static harness_batch *run_lines(sl_harness *h)
{
    harness_batch *b = harness_batch_new(h);
    for (size_t i = 0; i < NLINES; i++)
        harness_batch_add_json(b, "order_lines", lines[i]);
    harness_batch_add_json(b, "orders", "{\"order_id\": \"o1\", \"sku\": \"ZZ\"}");
    CHECK_INT(harness_process(h, b), SLUICE_OK);
    return b;
}

/* A batch of records {stream, JSON text} through h (process() must
 * succeed); the caller frees it. */
static harness_batch *feed(sl_harness *h, size_t n, const char *const recs[][2])
{
    harness_batch *b = harness_batch_new(h);
    for (size_t i = 0; i < n; i++)
        harness_batch_add_json(b, recs[i][0], recs[i][1]);
    CHECK_INT(harness_process(h, b), SLUICE_OK);
    return b;
}

static const char *field(harness_batch *b, size_t i, const char *f)
{
    return json_string_value(json_object_get(harness_batch_get(b, i), f));
}

static char *missing_of(harness_batch *b, size_t i)
{
    return json_dumps(json_object_get(harness_batch_get(b, i), "_lookup_missing"), JSON_COMPACT | JSON_ENCODE_ANY);
}

/* A lookup of cost by sku in products_jsonl, with more options. */
static sl_harness *open_products(const char *more)
{
    char path[512], opts[1024];
    write_file("products.jsonl", products_jsonl, path, sizeof path);
    snprintf(opts, sizeof opts,
             "{\"streams\": [\"order_lines\"], \"key\": [\"sku\"], \"table_file\": \"%s\", \"fields\": [\"cost\"], %s}",
             path, more);
    return open_lookup(opts);
}

static void test_file_table(void)
{
    sl_harness *h = open_products("\"margin\": \"margin\"");
    if (!CHECK(h != NULL))
        return;
    harness_batch *b = run_lines(h);
    CHECK_INT((int)harness_batch_count(b), (int)NLINES + 1);
    /* 2*10.50 - 1.00 - 2*4.25 and 3*19.99 - 5.00 - 3*12.345: exact */
    CHECK_STR(field(b, 0, "cost"), "4.25");
    CHECK_STR(field(b, 0, "margin"), "11.50");
    CHECK_STR(field(b, 1, "margin"), "17.935");
    CHECK(json_object_get(harness_batch_get(b, 0), "_lookup_missing") == NULL);
    char *m = missing_of(b, 2);
    CHECK_STR(m, "[\"cost\"]"); /* ZZ: no row */
    free(m);
    CHECK(json_is_null(json_object_get(harness_batch_get(b, 2), "margin")));
    m = missing_of(b, 3);
    CHECK_STR(m, "[\"cost\"]"); /* C3: a row without cost */
    free(m);
    m = missing_of(b, 4);
    CHECK_STR(m, "[\"cost\"]"); /* no sku at all */
    free(m);
    /* sku 42 given as an integer in the file, as text in the record */
    CHECK_INT((int)json_integer_value(json_object_get(harness_batch_get(b, 5), "cost")), 3);
    CHECK_STR(field(b, 5, "margin"), "1.5"); /* 1.5*4 - 1.5*3 */
    CHECK(json_object_get(harness_batch_get(b, 6), "cost") == NULL); /* other streams untouched */
    CHECK(harness_log_count(h, SLUICE_LOG_WARN) >= 2);              /* "not json", "no sku" */
    harness_batch_free(&b);
    harness_close(&h);
}

/* Stock per warehouse, summed per sku; a record's own value kept unless overwrite. */
static void test_csv_sum(void)
{
    char path[512], opts[1024];
    write_file("stock.csv", "sku;warehouse;qty;as_of\nA1;main;5;x\nA1;north;7.5;y\nB2;main;1;z\nA1;main;6;w\n", path,
               sizeof path);
    snprintf(opts, sizeof opts,
             "{\"streams\": [\"order_lines\"], \"key\": [\"sku\"], \"table_file\": \"%s\", \"delimiter\": \";\","
             " \"table_row_key\": [\"sku\", \"warehouse\"], \"fields\": {\"qty\": \"stock_qty\", \"as_of\": \"as_of\"},"
             " \"sum\": [\"qty\"], \"missing_field\": \"_stock_missing\"}", path);
    sl_harness *h = open_lookup(opts);
    if (!CHECK(h != NULL))
        return;
    harness_batch *b = feed(h, 3, (const char *const[][2]){
        { "order_lines", "{\"sku\": \"A1\"}" },
        { "order_lines", "{\"sku\": \"B2\", \"as_of\": \"mine\"}" },
        { "order_lines", "{\"sku\": \"Q\"}" } });
    CHECK_STR(field(b, 0, "stock_qty"), "13.5"); /* main (the later row: 6) + north 7.5 */
    CHECK_STR(field(b, 0, "as_of"), "w");        /* from the first row by row id: A1|main */
    CHECK_STR(field(b, 1, "stock_qty"), "1");
    CHECK_STR(field(b, 1, "as_of"), "mine");
    char *m = json_dumps(json_object_get(harness_batch_get(b, 2), "_stock_missing"), JSON_COMPACT);
    CHECK_STR(m, "[\"stock_qty\",\"as_of\"]");
    free(m);
    harness_batch_free(&b);
    harness_close(&h);
}

/* 300 products, 1000 lines: the same output whether the table fits in
 * memory, spills after 7 rows, or lives wholly in SQLite. */
static char *spill_run(const char *products, long long max_rows)
{
    char opts[1024], store[512];
    snprintf(store, sizeof store, "%s/spill-%lld.db", tmpdir, max_rows);
    snprintf(opts, sizeof opts,
             "{\"streams\": [\"order_lines\"], \"key\": [\"sku\"], \"table_file\": \"%s\", \"fields\": [\"cost\"],"
             " \"margin\": \"margin\", \"max_memory_rows\": %lld, \"store\": \"%s\"}", products, max_rows, store);
    sl_harness *h = open_lookup(opts);
    if (!h)
        return NULL;
    json_t *all = json_array();
    for (int k = 0; k < 10; k++) {
        harness_batch *b = harness_batch_new(h);
        for (int i = 0; i < 100; i++) {
            char rec[256];
            int n = k * 100 + i;
            snprintf(rec, sizeof rec, "{\"line\": %d, \"sku\": \"S%d\", \"qty\": %d, \"unit_price\": \"%d.%02d\"}", n,
                     (n * 7) % 330, 1 + n % 4, 10 + n % 90, n % 100);
            harness_batch_add_json(b, "order_lines", rec);
        }
        harness_process(h, b);
        for (size_t i = 0; i < harness_batch_count(b); i++)
            json_array_append(all, harness_batch_get(b, i));
        harness_batch_free(&b);
    }
    harness_close(&h);
    CHECK(access(store, F_OK) != 0); /* scratch: removed at the end */
    char *text = json_dumps(all, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(all);
    return text;
}

static void test_spill(void)
{
    char path[512];
    size_t cap = 300 * 64, len = 0;
    char *text = malloc(cap);
    for (int i = 0; i < 300; i++)
        len += (size_t)snprintf(text + len, cap - len, "{\"sku\": \"S%d\", \"cost\": \"%d.%03d\"}\n", i, i % 50, i);
    write_file("many.jsonl", text, path, sizeof path);
    free(text);
    char *mem = spill_run(path, 100000), *some = spill_run(path, 7), *none = spill_run(path, 0);
    CHECK(mem && some && none);
    if (mem && some && none) {
        CHECK(strcmp(mem, some) == 0);
        CHECK(strcmp(mem, none) == 0);
        CHECK(strstr(mem, "\"_lookup_missing\":[\"cost\"]") != NULL); /* S300.. have no row */
    }
    free(mem);
    free(some);
    free(none);
}

static void test_reject(void)
{
    sl_harness *h = open_products("\"on_missing\": \"reject\"");
    if (!CHECK(h != NULL))
        return;
    harness_batch *b = run_lines(h);
    CHECK_INT((int)harness_batch_rejected(b), 2); /* ZZ, and the line without a sku */
    CHECK_INT((int)harness_batch_count(b), (int)NLINES - 1);
    harness_batch_free(&b);
    harness_close(&h);
}

/* Table rows from a stream: a line before its product is held, then comes
 * out with the batch that brings the product; a line whose product never
 * comes goes out, flagged, with the next run's first batch. */
static void test_stream_hold(void)
{
    char opts[1024];
    snprintf(opts, sizeof opts,
             "{\"streams\": [\"order_lines\"], \"key\": [\"sku\"], \"table_stream\": \"products\","
             " \"fields\": [\"cost\"], \"margin\": \"margin\", \"store\": \"%s/held.db\"}", tmpdir);
    sl_harness *h = open_lookup(opts);
    if (!CHECK(h != NULL))
        return;
    harness_batch *b = feed(h, 3, (const char *const[][2]){
        { "order_lines", "{\"sku\": \"A1\", \"qty\": 2, \"unit_price\": \"3.00\"}" },
        { "order_lines", "{\"sku\": \"NEVER\", \"qty\": 1, \"unit_price\": \"1\"}" },
        { "orders", "{\"order_id\": 1}" } });
    CHECK_INT((int)harness_batch_count(b), 1); /* both lines held */
    CHECK_INT((int)harness_batch_dropped(b), 2);
    harness_batch_free(&b);

    b = feed(h, 1, (const char *const[][2]){
        { "products", "{\"sku\": \"A1\", \"cost\": \"1.25\", \"name\": \"w\"}" } });
    CHECK_INT((int)harness_batch_count(b), 2); /* the product, then the line */
    CHECK_STR(harness_batch_stream(b, 1), "order_lines");
    CHECK_STR(field(b, 1, "cost"), "1.25");
    CHECK_STR(field(b, 1, "margin"), "3.50");
    harness_batch_free(&b);

    /* a later line for A1 is filled at once */
    b = feed(h, 1, (const char *const[][2]){
        { "order_lines", "{\"sku\": \"A1\", \"qty\": 1, \"unit_price\": \"2\"}" } });
    CHECK_STR(field(b, 0, "margin"), "0.75");
    harness_batch_free(&b);
    harness_close(&h);

    /* next run: the table persisted; NEVER comes out flagged */
    h = open_lookup(opts);
    if (!CHECK(h != NULL))
        return;
    b = feed(h, 1, (const char *const[][2]){
        { "order_lines", "{\"sku\": \"A1\", \"qty\": 1, \"unit_price\": \"2\"}" } });
    CHECK_INT((int)harness_batch_count(b), 2);
    CHECK_STR(field(b, 0, "cost"), "1.25");
    CHECK_STR(field(b, 1, "sku"), "NEVER");
    char *m = missing_of(b, 1);
    CHECK_STR(m, "[\"cost\"]");
    free(m);
    harness_batch_free(&b);
    /* and only once */
    b = feed(h, 1, (const char *const[][2]){
        { "orders", "{\"order_id\": 2}" } });
    CHECK_INT((int)harness_batch_count(b), 1);
    harness_batch_free(&b);
    harness_close(&h);
}

/* The end of the input (finish(), ABI 1.3): a held line whose row never
 * came goes out flagged with the last batch, and the next run has nothing
 * left; with hold_across_runs it stays held for later runs. */
static void test_finish(void)
{
    for (int across = 0; across <= 1; across++) {
        char opts[1024];
        snprintf(opts, sizeof opts,
                 "{\"streams\": [\"order_lines\"], \"key\": [\"sku\"], \"table_stream\": \"products\","
                 " \"fields\": [\"cost\"], \"hold_across_runs\": %s, \"store\": \"%s/finish%d.db\"}",
                 across ? "true" : "false", tmpdir, across);
        sl_harness *h = open_lookup(opts);
        if (!CHECK(h != NULL))
            return;
        harness_batch *b = feed(h, 1, (const char *const[][2]){
            { "order_lines", "{\"sku\": \"NONE\", \"qty\": 1}" } });
        CHECK_INT((int)harness_batch_count(b), 0); /* held: the row may still come */
        CHECK_INT(harness_finish(h, b), SLUICE_OK);
        CHECK_INT((int)harness_batch_count(b), across ? 0 : 1);
        if (!across) {
            CHECK_STR(field(b, 0, "sku"), "NONE");
            char *m = missing_of(b, 0);
            CHECK_STR(m, "[\"cost\"]");
            free(m);
        }
        harness_batch_free(&b);
        harness_close(&h);

        /* the next run gets it only when it was kept across runs */
        h = open_lookup(opts);
        if (!CHECK(h != NULL))
            return;
        b = feed(h, 1, (const char *const[][2]){ { "orders", "{\"x\": 1}" } });
        CHECK_INT((int)harness_batch_count(b), across ? 2 : 1);
        harness_batch_free(&b);
        harness_close(&h);
    }
}

/* A run that stops after releasing held records releases them again next
 * time: they may never have reached the sinks. */
static void test_unclean_end(void)
{
    char opts[1024];
    snprintf(opts, sizeof opts,
             "{\"streams\": [\"order_lines\"], \"key\": [\"sku\"], \"table_stream\": \"products\","
             " \"fields\": [\"cost\"], \"store\": \"%s/unclean.db\"}", tmpdir);
    sl_harness *h = open_lookup(opts);
    if (!CHECK(h != NULL))
        return;
    harness_batch *b = feed(h, 1, (const char *const[][2]){
        { "order_lines", "{\"sku\": \"K\", \"line\": 1}" } });
    harness_batch_free(&b);
    b = feed(h, 1, (const char *const[][2]){
        { "products", "{\"sku\": \"K\", \"cost\": \"2\"}" } });
    CHECK_INT((int)harness_batch_count(b), 2);
    harness_batch_free(&b);
    harness_request_stop(h); /* the run fails or is interrupted */
    harness_close(&h);

    h = open_lookup(opts);
    if (!CHECK(h != NULL))
        return;
    b = feed(h, 1, (const char *const[][2]){
        { "orders", "{\"x\": 1}" } });
    CHECK_INT((int)harness_batch_count(b), 2);
    CHECK_STR(field(b, 1, "cost"), "2");
    harness_batch_free(&b);
    harness_close(&h);

    /* that run ended cleanly: nothing more */
    h = open_lookup(opts);
    if (!CHECK(h != NULL))
        return;
    b = feed(h, 1, (const char *const[][2]){
        { "orders", "{\"x\": 1}" } });
    CHECK_INT((int)harness_batch_count(b), 1);
    harness_batch_free(&b);
    harness_close(&h);
}

static void check_open_fails(const char *opts, const char *needle)
{
    char *err = NULL;
    sl_harness *h = harness_open_plugin("transform", "lookup", opts, &err);
    CHECK(h == NULL);
    CHECK_HAS(err, needle);
    harness_close(&h);
    free(err);
}

static void test_options(void)
{
    check_open_fails("{\"streams\": [\"l\"], \"key\": [\"sku\"], \"fields\": [\"cost\"]}", "table_stream, table_file");
    check_open_fails("{\"streams\": [\"l\"], \"key\": [\"sku\"], \"fields\": [\"cost\"], \"table_stream\": \"p\","
                     " \"store\": \"/tmp/x.db\", \"sum\": [\"qty\"]}", "sum: qty");
    check_open_fails("{\"streams\": [\"l\"], \"key\": [\"sku\"], \"fields\": [\"cost\"], \"table_stream\": \"p\","
                     " \"store\": \"/tmp/x.db\", \"table_key\": [\"a\", \"b\"]}", "table_key: 2 fields");
    check_open_fails("{\"streams\": [\"p\"], \"key\": [\"sku\"], \"fields\": [\"cost\"], \"table_stream\": \"p\","
                     " \"store\": \"/tmp/x.db\"}", "also in streams");
    check_open_fails("{\"streams\": [\"l\"], \"key\": [\"sku\"], \"fields\": {}, \"table_file\": \"/nonexistent.csv\"}",
                     "fields");
    check_open_fails("{\"streams\": [\"l\"], \"key\": [\"sku\"], \"fields\": [\"c\"], \"table_file\": \"/nonexistent.csv\"}",
                     "nonexistent");
    check_open_fails("{\"streams\": [\"l\"], \"key\": [\"sku\"], \"fields\": [\"c\"], \"table_stream\": \"p\"}",
                     "state folder");
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_decimal();
    test_file_table();
    test_csv_sum();
    test_spill();
    test_reject();
    test_stream_hold();
    test_unclean_end();
    test_finish();
    test_options();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return harness_test_summary();
}
