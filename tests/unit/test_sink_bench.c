/*
 * test_sink_bench.c - throughput of the sqlite and file sinks on
 * realistic 13-field order lines (~350 bytes as JSON), through the
 * in-process harness. Only write() is timed, not building the records.
 *
 *     test_sink_bench [RECORDS]     default 20000 (what ctest runs)
 *
 * ctest runs it small to check that bulk writes land completely; the rate
 * it prints is informational, never asserted (machines differ). Run it
 * with 1000000 on an idle machine to measure.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <sqlite3.h>

#include "harness.h"
#include "harness_test.h"

#define BATCH 1000

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static json_t *order_line(size_t i)
{
    static const char *const countries[] = {"DE", "FR", "PL", "RU", "US"};
    static const char *const channels[] = {"web", "store", "partner"};
    char email[64], sku[32], ts[32];
    snprintf(email, sizeof email, "customer%zu@example.com", i % 5000);
    snprintf(sku, sizeof sku, "SKU-%06zu", i % 997);
    snprintf(ts, sizeof ts, "2024-%02zu-%02zuT%02zu:%02zu:00Z", 1 + i % 12, 1 + i % 28, i % 24, i % 60);
    return json_pack("{s:I, s:i, s:s, s:s, s:s, s:s, s:i, s:f, s:s, s:s, s:s, s:s, s:b}",
                     "order_id", (json_int_t)(i / 3), "line_no", (int)(i % 3), "customer", "Анна Смирнова",
                     "email", email, "sku", sku, "product", "Ergonomic office chair, black mesh back, adjustable arms, model 2024",
                     "qty", (int)(1 + i % 7), "unit_price", 149.99 + (double)(i % 100), "currency", "EUR",
                     "created_at", ts, "country", countries[i % 5], "channel", channels[i % 3], "paid",
                     (int)(i % 2));
}

/* Writes n records in batches of BATCH; returns seconds spent in write(). */
static double run(sl_harness *h, size_t n, int *failed)
{
    double spent = 0;
    for (size_t done = 0; done < n && !*failed; done += BATCH) {
        harness_batch *b = harness_batch_new(h);
        for (size_t i = done; i < done + BATCH && i < n; i++)
            harness_batch_add(b, "order_lines", order_line(i));
        double t0 = now();
        *failed = harness_write(h, b) != SLUICE_OK;
        spent += now() - t0;
        harness_batch_free(&b);
    }
    double t0 = now();
    *failed |= harness_flush(h) != SLUICE_OK;
    return spent + now() - t0;
}

static sl_harness *open_sink(const char *name, const char *fmt, const char *path)
{
    char opts[1024], *err = NULL;
    snprintf(opts, sizeof opts, fmt, path);
    sl_harness *h = harness_open_plugin("sink", name, opts, &err);
    if (!h)
        fprintf(stderr, "open %s: %s\n", name, err ? err : "?");
    free(err);
    return h;
}

int main(int argc, char **argv)
{
    size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
    char dir[] = "/tmp/sluice-bench-XXXXXX", path[256];
    if (!mkdtemp(dir))
        return 1;

    snprintf(path, sizeof path, "%s/warehouse.db", dir);
    sl_harness *h = open_sink("sqlite", "{\"path\": \"%s\", \"key\": [\"order_id\", \"line_no\"]}", path);
    int failed = !h;
    if (h) {
        double t = run(h, n, &failed);
        harness_close(&h);
        printf("sqlite upsert: %zu records in %.3f s = %.0f records/s\n", n, t, (double)n / t);
        sqlite3 *db = NULL;
        sqlite3_stmt *st = NULL;
        long long rows = -1;
        if (sqlite3_open(path, &db) == SQLITE_OK &&
            sqlite3_prepare_v2(db, "SELECT count(*) FROM order_lines", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
            rows = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        sqlite3_close(db);
        CHECK_INT(rows, n);
    }
    CHECK(!failed);

    snprintf(path, sizeof path, "%s/out.jsonl", dir);
    failed = 0;
    h = open_sink("file", "{\"path\": \"%s\"}", path);
    failed = !h;
    if (h) {
        double t = run(h, n, &failed);
        harness_close(&h);
        struct stat st;
        long long size = stat(path, &st) == 0 ? (long long)st.st_size : 0;
        printf("file jsonl: %zu records (%.0f bytes each) in %.3f s = %.0f records/s\n", n,
               (double)size / (double)n, t, (double)n / t);
        CHECK(size > 300 * (long long)n);
    }
    CHECK(!failed);

    snprintf(path, sizeof path, "%s/out.csv", dir);
    h = open_sink("file", "{\"path\": \"%s\"}", path);
    failed = !h;
    if (h) {
        double t = run(h, n, &failed);
        harness_close(&h);
        printf("file csv: %zu records in %.3f s = %.0f records/s\n", n, t, (double)n / t);
    }
    CHECK(!failed);

    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return harness_test_summary();
}
