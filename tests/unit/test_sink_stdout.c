/*
 * test_sink_stdout.c - the `stdout` sink through the in-process harness,
 * with standard output sent to a file for the duration of each write.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_test.h"

static char tmpfile_path[] = "/tmp/sluice-test-stdout-XXXXXX";

/* Writes the records (JSON texts) through a sink opened with opts and
 * returns what reached standard output (static buffer). */
static const char *capture(const char *opts, const char *const *recs)
{
    static char out[8192];
    snprintf(out, sizeof out, "<failed>");
    char *err = NULL;
    sl_harness *h = harness_open_plugin("sink", "stdout", opts, &err);
    if (!h) {
        fprintf(stderr, "open stdout %s: %s\n", opts, err ? err : "?");
        free(err);
        return out;
    }
    harness_batch *b = harness_batch_new(h);
    for (size_t i = 0; recs[i]; i++)
        harness_batch_add_json(b, "s", recs[i]);
    fflush(stdout);
    int saved = dup(1);
    int fd = open(tmpfile_path, O_WRONLY | O_TRUNC);
    dup2(fd, 1);
    close(fd);
    int rc = harness_write(h, b);
    int frc = harness_flush(h);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    harness_batch_free(&b);
    harness_close(&h);
    if (rc != SLUICE_OK || frc != SLUICE_OK)
        return out;
    FILE *f = fopen(tmpfile_path, "rb");
    size_t n = f ? fread(out, 1, sizeof out - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
    return out;
}

int main(void)
{
    int fd = mkstemp(tmpfile_path);
    if (fd < 0) {
        perror("mkstemp");
        return 1;
    }
    close(fd);
    const char *recs[] = {"{\"id\": 1, \"name\": \"Анна\", \"price\": 19.99, \"tags\": [\"a\"]}", "{}", NULL};
    CHECK_STR(capture(NULL, recs), "{\"id\":1,\"name\":\"Анна\",\"price\":19.99,\"tags\":[\"a\"]}\n{}\n");
    CHECK_STR(capture("{\"pretty\": false}", recs),
              "{\"id\":1,\"name\":\"Анна\",\"price\":19.99,\"tags\":[\"a\"]}\n{}\n");
    CHECK_STR(capture("{\"pretty\": true}", recs),
              "{\n  \"id\": 1,\n  \"name\": \"Анна\",\n  \"price\": 19.99,\n  \"tags\": [\n    \"a\"\n  ]\n}\n{}\n");
    char *err = NULL;
    sl_harness *h = harness_open_plugin("sink", "stdout", "{\"pretty\": \"yes\"}", &err);
    CHECK(h == NULL);
    harness_close(&h);
    free(err);
    unlink(tmpfile_path);
    return harness_test_summary();
}
