/*
 * test_sink_sqlite.c - the `sqlite` sink through the in-process harness;
 * results are read back with the SQLite C API.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "harness.h"
#include "harness_test.h"

static char tmpdir[] = "/tmp/sluice-test-sqlite-XXXXXX";
static char dbpath[512];

/* Opens the sink on dbpath with extra options (JSON object members as
 * text, may be ""). */
static sl_harness *open_sink(const char *extra)
{
    char opts[2048], *err = NULL;
    snprintf(opts, sizeof opts, "{\"path\": \"%s\"%s%s}", dbpath, *extra ? ", " : "", extra);
    sl_harness *h = harness_open_plugin("sink", "sqlite", opts, &err);
    if (!h)
        fprintf(stderr, "open sqlite %s: %s\n", opts, err ? err : "?");
    free(err);
    return h;
}

/* Writes the records (JSON texts, NULL-terminated, all on `stream`) as
 * one batch. Returns write()'s status; *rejected and the last reason are
 * copied out when asked for. */
static int write_batch(sl_harness *h, const char *stream, const char *const *recs, size_t *rejected,
                       char *reason, size_t cap)
{
    harness_batch *b = harness_batch_new(h);
    for (size_t i = 0; recs[i]; i++)
        if (harness_batch_add_json(b, stream, recs[i]) != 0)
            fprintf(stderr, "bad test record %s\n", recs[i]);
    int rc = harness_write(h, b);
    if (rejected)
        *rejected = harness_batch_rejected(b);
    if (reason)
        snprintf(reason, cap, "%s", harness_batch_last_reject(b) ? harness_batch_last_reject(b) : "");
    harness_batch_free(&b);
    return rc;
}

#define WRITE(h, stream, ...) write_batch((h), (stream), (const char *const[]){__VA_ARGS__, NULL}, NULL, NULL, 0)

static sqlite3 *db_open(void)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        fprintf(stderr, "cannot open %s\n", dbpath);
    return db;
}

/* First column of the first row of a query, as text (static buffer; "" for
 * no row, "NULL" for a NULL). */
static const char *q(const char *fmt, ...)
{
    static char out[1024];
    char sql[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sql, sizeof sql, fmt, ap);
    va_end(ap);
    out[0] = '\0';
    sqlite3 *db = db_open();
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(out, sizeof out, "SQL ERROR: %s", sqlite3_errmsg(db));
    } else if (sqlite3_step(st) == SQLITE_ROW) {
        const char *t = (const char *)sqlite3_column_text(st, 0);
        snprintf(out, sizeof out, "%s", t ? t : "NULL");
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

static void exec_sql(const char *sql)
{
    sqlite3 *db = db_open();
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fprintf(stderr, "%s: %s\n", sql, err);
    sqlite3_free(err);
    sqlite3_close(db);
}

static void test_types_and_values(void)
{
    sl_harness *h = open_sink("\"key\": {\"orders\": [\"id\"]}");
    CHECK(h != NULL);
    if (!h)
        return;
    CHECK_INT(WRITE(h, "orders",
                    "{\"id\": 1, \"name\": \"Иван Петров\", \"price\": 19.99, \"paid\": true, "
                    "\"meta\": {\"tags\": [\"a\", \"b\"], \"n\": 2}, \"note\": null, \"big\": 9007199254740993}"),
              SLUICE_OK);
    CHECK_INT(harness_flush(h), SLUICE_OK);
    harness_close(&h);
    CHECK_STR(q("SELECT type FROM pragma_table_info('orders') WHERE name = 'id'"), "INTEGER");
    CHECK_STR(q("SELECT type FROM pragma_table_info('orders') WHERE name = 'name'"), "TEXT");
    CHECK_STR(q("SELECT type FROM pragma_table_info('orders') WHERE name = 'price'"), "REAL");
    CHECK_STR(q("SELECT type FROM pragma_table_info('orders') WHERE name = 'paid'"), "INTEGER");
    CHECK_STR(q("SELECT type FROM pragma_table_info('orders') WHERE name = 'meta'"), "TEXT");
    CHECK_STR(q("SELECT type FROM pragma_table_info('orders') WHERE name = 'note'"), "");
    CHECK_STR(q("SELECT pk FROM pragma_table_info('orders') WHERE name = 'id'"), "1");
    CHECK_STR(q("SELECT name FROM orders WHERE id = 1"), "Иван Петров");
    CHECK_STR(q("SELECT price = 19.99 FROM orders"), "1");
    CHECK_STR(q("SELECT paid FROM orders"), "1");
    CHECK_STR(q("SELECT big FROM orders"), "9007199254740993");
    CHECK_STR(q("SELECT meta FROM orders"), "{\"tags\":[\"a\",\"b\"],\"n\":2}");
    CHECK_STR(q("SELECT json_extract(meta, '$.tags[1]') FROM orders"), "b");
    CHECK_STR(q("SELECT note IS NULL FROM orders"), "1");
    CHECK_STR(q("PRAGMA journal_mode"), "wal");
}

static void test_composite_upsert_and_new_column(void)
{
    sl_harness *h = open_sink("\"key\": {\"lines\": [\"order_id\", \"line_no\"]}");
    CHECK(h != NULL);
    if (!h)
        return;
    CHECK_INT(WRITE(h, "lines", "{\"order_id\": 1, \"line_no\": 1, \"qty\": 2}",
                    "{\"order_id\": 1, \"line_no\": 2, \"qty\": 3}",
                    "{\"order_id\": 2, \"line_no\": 1, \"qty\": 4}",
                    "{\"order_id\": 2, \"line_no\": 1, \"qty\": 40}"), /* same key twice in a batch */
              SLUICE_OK);
    CHECK_STR(q("SELECT count(*) FROM lines"), "3");
    CHECK_STR(q("SELECT qty FROM lines WHERE order_id = 2 AND line_no = 1"), "40");
    /* A later batch: new values win, a new field becomes a column, a
     * record lacking a field leaves that column alone. */
    CHECK_INT(WRITE(h, "lines", "{\"order_id\": 1, \"line_no\": 1, \"qty\": 5, \"sku\": \"Ж-1\"}",
                    "{\"line_no\": 2, \"order_id\": 1, \"sku\": \"Y\"}"),
              SLUICE_OK);
    harness_close(&h);
    CHECK_STR(q("SELECT count(*) FROM lines"), "3");
    CHECK_STR(q("SELECT qty || '/' || sku FROM lines WHERE order_id = 1 AND line_no = 1"), "5/Ж-1");
    CHECK_STR(q("SELECT qty || '/' || sku FROM lines WHERE order_id = 1 AND line_no = 2"), "3/Y");
    CHECK_STR(q("SELECT sku FROM lines WHERE order_id = 2"), "NULL");
    CHECK_STR(q("SELECT type FROM pragma_table_info('lines') WHERE name = 'sku'"), "TEXT");
}

static void test_rejects(void)
{
    sl_harness *h = open_sink("\"key\": [\"order_id\"]");
    CHECK(h != NULL);
    if (!h)
        return;
    size_t rejected = 0;
    char reason[512];
    const char *batch1[] = {"{\"order_id\": 10, \"total\": 1.5}", "{\"total\": 2.5}",
                            "{\"order_id\": null, \"total\": 3}", "{\"order_id\": 11, \"total\": 4.5}", NULL};
    CHECK_INT(write_batch(h, "rej", batch1, &rejected, reason, sizeof reason), SLUICE_OK);
    CHECK_INT(rejected, 2);
    CHECK_HAS(reason, "missing key field order_id");
    CHECK_STR(q("SELECT count(*) || ':' || sum(total) FROM rej"), "2:6.0");
    /* order_id became INTEGER PRIMARY KEY: text there is SQLite's own
     * datatype mismatch, and the rest of the batch still lands. */
    const char *batch2[] = {"{\"order_id\": \"abc\", \"total\": 1}", "{\"order_id\": 12, \"total\": 1}", NULL};
    CHECK_INT(write_batch(h, "rej", batch2, &rejected, reason, sizeof reason), SLUICE_OK);
    CHECK_INT(rejected, 1);
    CHECK_HAS(reason, "datatype mismatch");
    /* Two fields SQLite would take for one column. */
    const char *batch3[] = {"{\"order_id\": 13, \"Total\": 1, \"total\": 2}", "{\"order_id\": 14, \"total\": 7}",
                            NULL};
    CHECK_INT(write_batch(h, "rej", batch3, &rejected, reason, sizeof reason), SLUICE_OK);
    CHECK_INT(rejected, 1);
    CHECK_HAS(reason, "letter case");
    /* A field differing from a column only in case goes to that column. */
    CHECK_INT(WRITE(h, "rej", "{\"order_id\": 15, \"TOTAL\": 8}"), SLUICE_OK);
    harness_close(&h);
    CHECK_STR(q("SELECT group_concat(order_id || '=' || total, ',') FROM (SELECT * FROM rej ORDER BY order_id)"),
              "10=1.5,11=4.5,12=1.0,14=7.0,15=8.0"); /* REAL affinity */
    /* A CHECK constraint of an existing table: SQLite's text, per record. */
    exec_sql("CREATE TABLE checked (id INTEGER PRIMARY KEY, qty INTEGER CHECK (qty >= 0))");
    h = open_sink("\"key\": [\"id\"]");
    const char *batch4[] = {"{\"id\": 1, \"qty\": 1}", "{\"id\": 2, \"qty\": -1}", "{\"id\": 3, \"qty\": 3}", NULL};
    CHECK_INT(write_batch(h, "checked", batch4, &rejected, reason, sizeof reason), SLUICE_OK);
    CHECK_INT(rejected, 1);
    CHECK_HAS(reason, "CHECK constraint failed");
    harness_close(&h);
    CHECK_STR(q("SELECT group_concat(id) FROM checked"), "1,3");
}

static void test_table_option(void)
{
    /* One table for every stream, no key: rows are appended. */
    sl_harness *h = open_sink("\"table\": \"all_events\"");
    CHECK(h != NULL);
    if (!h)
        return;
    CHECK_INT(WRITE(h, "clicks", "{\"id\": 1, \"kind\": \"click\"}", "{\"id\": 1, \"kind\": \"click\"}"), SLUICE_OK);
    CHECK_INT(WRITE(h, "views", "{\"id\": 2, \"kind\": \"view\"}"), SLUICE_OK);
    harness_close(&h);
    h = open_sink("\"table\": \"all_events\"");
    CHECK_INT(WRITE(h, "views", "{\"id\": 2, \"kind\": \"view\", \"extra\": [1]}"), SLUICE_OK);
    harness_close(&h);
    CHECK_STR(q("SELECT count(*) FROM all_events"), "4");
    CHECK_STR(q("SELECT count(*) FROM sqlite_master WHERE name IN ('clicks', 'views')"), "0");
    CHECK_STR(q("SELECT extra FROM all_events WHERE extra IS NOT NULL"), "[1]");

    /* Stream -> table; streams not listed keep their own name. */
    h = open_sink("\"table\": {\"orders\": \"fact_orders\"}, \"key\": {\"orders\": [\"id\"]}");
    CHECK_INT(WRITE(h, "orders", "{\"id\": 7, \"v\": 1}", "{\"id\": 7, \"v\": 2}"), SLUICE_OK);
    CHECK_INT(WRITE(h, "customers", "{\"id\": 7, \"v\": 1}", "{\"id\": 7, \"v\": 2}"), SLUICE_OK);
    harness_close(&h);
    CHECK_STR(q("SELECT count(*) || ':' || max(v) FROM fact_orders"), "1:2");
    CHECK_STR(q("SELECT count(*) FROM customers"), "2");
}

static void test_identifiers(void)
{
    sl_harness *h = open_sink("\"table\": {\"odd\": \"заказы \\\"2024\\\"\"}, \"key\": {\"odd\": [\"номер заказа\"]}");
    CHECK(h != NULL);
    if (!h)
        return;
    CHECK_INT(WRITE(h, "odd", "{\"номер заказа\": 1, \"say \\\"hi\\\"\": \"x\", \"a;b\": 1}",
                    "{\"номер заказа\": 1, \"say \\\"hi\\\"\": \"y\", \"a;b\": 2}"),
              SLUICE_OK);
    harness_close(&h);
    CHECK_STR(q("SELECT \"say \"\"hi\"\"\" || \"a;b\" FROM \"заказы \"\"2024\"\"\""), "y2");
    CHECK_STR(q("SELECT count(*) FROM \"заказы \"\"2024\"\"\""), "1");
}

static void test_existing_table_gets_unique_index(void)
{
    exec_sql("CREATE TABLE legacy (code TEXT, v INTEGER); INSERT INTO legacy VALUES ('a', 1)");
    sl_harness *h = open_sink("\"key\": {\"legacy\": \"code\"}");
    CHECK(h != NULL);
    if (!h)
        return;
    CHECK_INT(WRITE(h, "legacy", "{\"code\": \"a\", \"v\": 2}", "{\"code\": \"b\", \"v\": 3, \"w\": 1.25}"), SLUICE_OK);
    harness_close(&h);
    CHECK_STR(q("SELECT group_concat(code || v, ',') FROM legacy"), "a2,b3");
    CHECK_STR(q("SELECT count(*) FROM pragma_index_list('legacy') WHERE \"unique\""), "1");
    /* An index that already covers the key is reused, not duplicated. */
    h = open_sink("\"key\": {\"legacy\": [\"code\"]}");
    CHECK_INT(WRITE(h, "legacy", "{\"code\": \"b\", \"v\": 4}"), SLUICE_OK);
    harness_close(&h);
    CHECK_STR(q("SELECT count(*) FROM pragma_index_list('legacy')"), "1");
    CHECK_STR(q("SELECT v FROM legacy WHERE code = 'b'"), "4");
}

static void test_busy_is_retry(void)
{
    sl_harness *h = open_sink("\"busy_timeout_ms\": 20");
    CHECK(h != NULL);
    if (!h)
        return;
    CHECK_INT(WRITE(h, "busy", "{\"id\": 1}"), SLUICE_OK);
    sqlite3 *other = db_open();
    CHECK_INT(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(WRITE(h, "busy", "{\"id\": 2, \"new_field\": 1}"), SLUICE_RETRY);
    sqlite3_exec(other, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(other);
    CHECK_INT(WRITE(h, "busy", "{\"id\": 2, \"new_field\": 1}"), SLUICE_OK);
    harness_close(&h);
    CHECK_STR(q("SELECT count(*) || ':' || sum(new_field) FROM busy"), "2:1");
}

static long file_size(const char *suffix)
{
    char path[600];
    struct stat st;
    snprintf(path, sizeof path, "%s%s", dbpath, suffix);
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

/* Random keys dirty pages all over the unique index, so each commit adds
 * many WAL frames. With checkpoint_pages 50 the WAL must stay bounded (the
 * checkpointer thread, with the writer finishing or taking over), and every
 * row must be in the database once the sink is closed. */
static void test_wal_checkpoints(void)
{
    sl_harness *h = open_sink("\"table\": \"ck\", \"key\": [\"k\"], \"checkpoint_pages\": 50");
    CHECK(h != NULL);
    if (!h)
        return;
    unsigned x = 12345;
    long max_wal = 0;
    for (int b = 0; b < 120; b++) {
        harness_batch *hb = harness_batch_new(h);
        for (int i = 0; i < 200; i++) {
            char rec[512];
            x = x * 1103515245u + 12345u;
            snprintf(rec, sizeof rec, "{\"k\": \"%08x-%04d-%03d\", \"pad\": \"%0200d\"}", x, b, i, i);
            harness_batch_add_json(hb, "s", rec);
        }
        CHECK_INT(harness_write(h, hb), SLUICE_OK);
        harness_batch_free(&hb);
        long w = file_size("-wal");
        if (w > max_wal)
            max_wal = w;
    }
    /* 24,000 rows of ~250 bytes: over 8 MB of WAL frames without
     * checkpoints. Bounded: 4 x 50 frames before the writer takes over, plus
     * one commit. */
    if (!CHECK(max_wal < 2 * 1024 * 1024))
        fprintf(stderr, "     WAL grew to %ld bytes\n", max_wal);
    CHECK_INT(harness_flush(h), SLUICE_OK);
    harness_close(&h);
    CHECK_STR(q("SELECT count(*) || ':' || count(DISTINCT k) FROM ck"), "24000:24000");
    CHECK(file_size("-wal") == 0);
}

static void test_bad_options(void)
{
    const char *bad[] = {"\"key\": 5", "\"key\": []", "\"key\": [\"a\", \"A\"]", "\"table\": [\"x\"]",
                         "\"table\": {\"s\": 1}", "\"key\": {\"s\": [1]}", "\"synchronous\": \"sometimes\"",
                         "\"busy_timeout_ms\": -1", "\"checkpoint_pages\": -1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char opts[1024], *err = NULL;
        snprintf(opts, sizeof opts, "{\"path\": \"%s\", %s}", dbpath, bad[i]);
        sl_harness *h = harness_open_plugin("sink", "sqlite", opts, &err);
        if (!CHECK(h == NULL))
            fprintf(stderr, "     accepted %s\n", bad[i]);
        harness_close(&h);
        free(err);
    }
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    /* The folders above the database do not exist yet. */
    snprintf(dbpath, sizeof dbpath, "%s/out/nested/warehouse.db", tmpdir);
    test_types_and_values();
    struct stat st;
    CHECK(stat(dbpath, &st) == 0);
    test_composite_upsert_and_new_column();
    test_rejects();
    test_table_option();
    test_identifiers();
    test_existing_table_gets_unique_index();
    test_busy_is_retry();
    test_wal_checkpoints();
    test_bad_options();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return harness_test_summary();
}
