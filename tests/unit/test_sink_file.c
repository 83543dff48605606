/*
 * test_sink_file.c - the `file` sink through the in-process harness:
 * exact bytes of JSON Lines and CSV output, modes, columns, folders.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>

#include "harness.h"
#include "harness_test.h"

static char tmpdir[] = "/tmp/sluice-test-file-XXXXXX";

/* A path under the test folder (static buffer, one at a time). */
static const char *tmp_path(const char *name)
{
    static char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

/* Opens the sink; `fmt` is the options object with %s for the path. */
static sl_harness *open_sink(const char *path, const char *fmt)
{
    char opts[2048], *err = NULL;
    snprintf(opts, sizeof opts, fmt, path);
    sl_harness *h = harness_open_plugin("sink", "file", opts, &err);
    if (!h)
        fprintf(stderr, "open file %s: %s\n", opts, err ? err : "?");
    free(err);
    return h;
}

static int write_batch(sl_harness *h, const char *const *recs)
{
    harness_batch *b = harness_batch_new(h);
    for (size_t i = 0; recs[i]; i++)
        if (harness_batch_add_json(b, i % 2 ? "odd" : "even", recs[i]) != 0)
            fprintf(stderr, "bad test record %s\n", recs[i]);
    int rc = harness_write(h, b);
    harness_batch_free(&b);
    return rc;
}

#define WRITE(h, ...) write_batch((h), (const char *const[]){__VA_ARGS__, NULL})

/* The whole file (static buffer; "<missing>" when it cannot be read). */
static const char *slurp(const char *path)
{
    static char buf[65536];
    FILE *f = fopen(path, "rb");
    if (!f)
        return "<missing>";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void put_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* Writes the records through a fresh sink and returns the file's text. */
static const char *roundtrip(const char *path, const char *fmt, const char *const *recs)
{
    sl_harness *h = open_sink(path, fmt);
    if (!h)
        return "<open failed>";
    int rc = write_batch(h, recs);
    int frc = harness_flush(h);
    harness_close(&h);
    return rc == SLUICE_OK && frc == SLUICE_OK ? slurp(path) : "<write failed>";
}

static void test_jsonl_bytes(void)
{
    const char *path = tmp_path("new/deeper/out.jsonl"); /* folders created */
    const char *recs[] = {
        "{\"id\": 1, \"name\": \"Иван «Ваня»\", \"price\": 19.99, \"qty\": -3, \"ok\": true,"
        " \"tags\": [\"a\", 2, null], \"nested\": {\"x\": {}, \"y\": []}, \"none\": null}",
        "{\"text\": \"quote \\\" backslash \\\\ nl \\n tab \\t ctl \\u0001 slash /\", \"r\": 0.30000000000000004,"
        " \"e\": 1e22, \"f\": 2.0, \"small\": 1.5e-7, \"neg\": -0.0}",
        NULL};
    CHECK_STR(roundtrip(path, "{\"path\": \"%s\"}", recs),
              "{\"id\":1,\"name\":\"Иван «Ваня»\",\"price\":19.99,\"qty\":-3,\"ok\":true,"
              "\"tags\":[\"a\",2,null],\"nested\":{\"x\":{},\"y\":[]},\"none\":null}\n"
              "{\"text\":\"quote \\\" backslash \\\\ nl \\n tab \\t ctl \\u0001 slash /\",\"r\":0.30000000000000004,"
              "\"e\":1e22,\"f\":2.0,\"small\":1.5e-7,\"neg\":-0.0}\n");
    /* What was written reads back as the same values. */
    json_error_t jerr;
    json_t *back = json_loads(strchr(slurp(path), '\n') + 1, JSON_DISABLE_EOF_CHECK, &jerr);
    json_t *want = json_loads(recs[1], 0, &jerr);
    CHECK(back && want && json_equal(back, want));
    json_decref(back);
    json_decref(want);
}

static void test_csv_bytes(void)
{
    const char *path = tmp_path("csv/out.csv"); /* csv from the extension */
    const char *recs[] = {
        "{\"id\": 1, \"name\": \"plain\", \"note\": \"a,b\", \"q\": \"say \\\"hi\\\"\", \"ml\": \"l1\\nl2\","
        " \"cr\": \"x\\ry\", \"price\": 19.99, \"ok\": true, \"none\": null, \"obj\": {\"k\": [1, \"v\"]}}",
        "{\"id\": 2, \"name\": \"Пётр\", \"note\": \"\", \"q\": \"\\\"\", \"ml\": \" sp \", \"cr\": \"-\","
        " \"price\": 5, \"ok\": false, \"none\": 1.25, \"obj\": []}",
        "{\"id\": 3}",
        NULL};
    CHECK_STR(roundtrip(path, "{\"path\": \"%s\"}", recs),
              "id,name,note,q,ml,cr,price,ok,none,obj\n"
              "1,plain,\"a,b\",\"say \"\"hi\"\"\",\"l1\nl2\",\"x\ry\",19.99,true,,\"{\"\"k\"\":[1,\"\"v\"\"]}\"\n"
              "2,Пётр,,\"\"\"\", sp ,-,5,false,1.25,[]\n"
              "3,,,,,,,,,\n");
}

static void test_csv_fields_and_delimiter(void)
{
    const char *path = tmp_path("fields.txt");
    const char *recs[] = {"{\"a\": 1, \"b\": \"x;y\", \"c\": 3}", "{\"c\": 30, \"b\": \"z\", \"d\": 4, \"e\": 5}",
                          "{\"d\": 40}", NULL};
    sl_harness *h = open_sink(path, "{\"path\": \"%s\", \"format\": \"csv\", \"fields\": [\"c\", \"b\", \"x\"],"
                                    " \"delimiter\": \";\"}");
    CHECK(h != NULL);
    if (!h)
        return;
    CHECK_INT(write_batch(h, recs), SLUICE_OK);
    CHECK_INT(harness_flush(h), SLUICE_OK);
    /* a, d, e were left out on purpose: nothing to warn about. */
    CHECK_INT(harness_log_count(h, SLUICE_LOG_WARN), 0);
    harness_close(&h);
    CHECK_STR(slurp(path), "c;b;x\n3;\"x;y\";\n30;z;\n;;\n");

    /* Without the option the first record's fields are the columns; later
     * fields are warned about once each, not per value. */
    path = tmp_path("first.csv");
    const char *recs2[] = {"{\"b\": 1, \"a\": 2}", "{\"a\": 3, \"c\": 4}", "{\"c\": 5, \"d\": 6}", NULL};
    h = open_sink(path, "{\"path\": \"%s\"}");
    CHECK_INT(write_batch(h, recs2), SLUICE_OK);
    CHECK_INT(harness_log_count(h, SLUICE_LOG_WARN), 2);
    CHECK_INT(write_batch(h, recs2 + 1), SLUICE_OK);
    CHECK_INT(harness_log_count(h, SLUICE_LOG_WARN), 2);
    CHECK_INT(harness_flush(h), SLUICE_OK);
    CHECK_INT(harness_log_count(h, SLUICE_LOG_WARN), 4); /* the summary: one line per field */
    harness_close(&h);
    CHECK_STR(slurp(path), "b,a\n1,2\n,3\n,\n,3\n,\n");
}

static void test_modes(void)
{
    const char *path = tmp_path("modes.jsonl");
    put_file(path, "{\"old\":true}"); /* no final newline */
    const char *one[] = {"{\"n\": 1}", NULL}, *two[] = {"{\"n\": 2}", NULL};
    CHECK_STR(roundtrip(path, "{\"path\": \"%s\", \"mode\": \"append\"}", one), "{\"old\":true}\n{\"n\":1}\n");
    CHECK_STR(roundtrip(path, "{\"path\": \"%s\", \"mode\": \"append\"}", two),
              "{\"old\":true}\n{\"n\":1}\n{\"n\":2}\n");
    CHECK_STR(roundtrip(path, "{\"path\": \"%s\"}", one), "{\"n\":1}\n"); /* truncate is the default */
    CHECK_STR(roundtrip(path, "{\"path\": \"%s\", \"mode\": \"truncate\"}", two), "{\"n\":2}\n");

    /* Several batches in one run; an empty batch writes nothing. */
    sl_harness *h = open_sink(path, "{\"path\": \"%s\"}");
    CHECK_INT(WRITE(h, "{\"n\": 3}"), SLUICE_OK);
    harness_batch *empty = harness_batch_new(h);
    CHECK_INT(harness_write(h, empty), SLUICE_OK);
    harness_batch_free(&empty);
    CHECK_INT(WRITE(h, "{\"n\": 4}", "{\"n\": 5}"), SLUICE_OK);
    CHECK_STR(slurp(path), "{\"n\":3}\n{\"n\":4}\n{\"n\":5}\n"); /* on disk before flush */
    harness_close(&h);

    /* Appending to a CSV file keeps its header and column order. */
    const char *csv = tmp_path("append.csv");
    put_file(csv, "id,\"the name\"\n1,a\n");
    const char *more[] = {"{\"the name\": \"b\", \"id\": 2}", NULL};
    CHECK_STR(roundtrip(csv, "{\"path\": \"%s\", \"mode\": \"append\"}", more), "id,\"the name\"\n1,a\n2,b\n");
    /* Appending to a missing or empty CSV file writes the header. */
    const char *fresh = tmp_path("fresh/append.csv");
    CHECK_STR(roundtrip(fresh, "{\"path\": \"%s\", \"mode\": \"append\"}", more), "the name,id\nb,2\n");
}

static void test_format_choice(void)
{
    const char *recs[] = {"{\"a\": 1}", NULL};
    CHECK_STR(roundtrip(tmp_path("x.CSV"), "{\"path\": \"%s\"}", recs), "a\n1\n");
    CHECK_STR(roundtrip(tmp_path("x.csv.txt"), "{\"path\": \"%s\"}", recs), "{\"a\":1}\n");
    CHECK_STR(roundtrip(tmp_path("y.csv"), "{\"path\": \"%s\", \"format\": \"jsonl\"}", recs), "{\"a\":1}\n");
}

static void test_bad_options(void)
{
    const char *bad[] = {"{\"path\": \"%s\", \"delimiter\": \"\"}", "{\"path\": \"%s\", \"delimiter\": \";;\"}",
                         "{\"path\": \"%s\", \"delimiter\": \"\\\"\"}", "{\"path\": \"%s\", \"format\": \"xml\"}",
                         "{\"path\": \"%s\", \"mode\": \"overwrite\"}", "{\"path\": \"%s\", \"fields\": []}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char opts[1024], *err = NULL;
        snprintf(opts, sizeof opts, bad[i], tmp_path("bad.csv"));
        sl_harness *h = harness_open_plugin("sink", "file", opts, &err);
        if (!CHECK(h == NULL))
            fprintf(stderr, "     accepted %s\n", opts);
        harness_close(&h);
        free(err);
    }
    /* A file where a folder should be. */
    put_file(tmp_path("blocker"), "x");
    char *err = NULL;
    char opts[1024];
    snprintf(opts, sizeof opts, "{\"path\": \"%s/out.jsonl\"}", tmp_path("blocker"));
    sl_harness *h = harness_open_plugin("sink", "file", opts, &err);
    CHECK(h == NULL);
    CHECK_HAS(err, "Not a directory");
    harness_close(&h);
    free(err);
}

/* A batch that fails half-way leaves no partial line behind. */
static void test_failed_batch_is_undone(void)
{
    const char *path = tmp_path("limited.jsonl");
    sl_harness *h = open_sink(path, "{\"path\": \"%s\"}");
    CHECK(h != NULL);
    if (!h)
        return;
    CHECK_INT(WRITE(h, "{\"n\": 1}"), SLUICE_OK);
    /* Files may not grow past 4 KiB for a while: the next write fails
     * with EFBIG after part of it reached the file. */
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = 4096;
    signal(SIGXFSZ, SIG_IGN);
    setrlimit(RLIMIT_FSIZE, &lim);
    harness_batch *b = harness_batch_new(h);
    for (int i = 0; i < 200; i++)
        harness_batch_add_json(b, "s", "{\"text\": \"a record long enough to pass the limit soon\"}");
    CHECK_INT(harness_write(h, b), SLUICE_ERROR);
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK_STR(slurp(path), "{\"n\":1}\n");
    /* The retried batch lands after the good one. */
    CHECK_INT(harness_write(h, b), SLUICE_OK);
    harness_batch_free(&b);
    CHECK_INT(WRITE(h, "{\"n\": 2}"), SLUICE_OK);
    harness_close(&h);
    const char *text = slurp(path);
    CHECK(strncmp(text, "{\"n\":1}\n{\"text\":", 16) == 0);
    CHECK(strlen(text) > 4096 && strcmp(text + strlen(text) - 8, "{\"n\":2}\n") == 0);

    /* A full disk is worth retrying. */
    h = open_sink("/dev/full", "{\"path\": \"%s\"}");
    if (h) {
        CHECK_INT(WRITE(h, "{\"n\": 1}"), SLUICE_RETRY);
        harness_close(&h);
    }
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_jsonl_bytes();
    test_csv_bytes();
    test_csv_fields_and_delimiter();
    test_modes();
    test_format_choice();
    test_bad_options();
    test_failed_batch_is_undone();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return harness_test_summary();
}
