/*
 * harness_test.h - the few check macros plugin tests share.
 *
 * A test program includes this once, calls CHECK*() as it goes and ends
 * main() with `return harness_test_summary();`, which prints
 * "N passed, M failed" and yields the exit status ctest reads.
 */
#ifndef SLUICE_TEST_HARNESS_TEST_H
#define SLUICE_TEST_HARNESS_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

static struct {
    int passed;
    int failed;
} harness_test_counts __attribute__((unused));

static inline int harness_test_note(int ok, const char *file, int line, const char *what)
{
    if (ok) {
        harness_test_counts.passed++;
    } else {
        harness_test_counts.failed++;
        fprintf(stderr, "FAIL %s:%d: %s\n", file, line, what);
    }
    return ok;
}

static inline int harness_test_summary(void)
{
    printf("%d passed, %d failed\n", harness_test_counts.passed, harness_test_counts.failed);
    return harness_test_counts.failed ? 1 : 0;
}

#define CHECK(cond) harness_test_note(!!(cond), __FILE__, __LINE__, #cond)

/* Strings; NULL compares equal only to NULL. */
#define CHECK_STR(got, want)                                                          \
    do {                                                                              \
        const char *g_ = (got), *w_ = (want);                                         \
        int ok_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_;                        \
        if (!harness_test_note(ok_, __FILE__, __LINE__, #got " == " #want))           \
            fprintf(stderr, "     got:  %s\n     want: %s\n", g_ ? g_ : "(null)",     \
                    w_ ? w_ : "(null)");                                              \
    } while (0)

/* `hay` contains `needle`. */
#define CHECK_HAS(hay, needle)                                                        \
    do {                                                                              \
        const char *h_ = (hay), *n_ = (needle);                                       \
        if (!harness_test_note(h_ && strstr(h_, n_) != NULL, __FILE__, __LINE__,      \
                               #hay " contains " #needle))                            \
            fprintf(stderr, "     text:   %s\n     needle: %s\n", h_ ? h_ : "(null)", n_); \
    } while (0)

#define CHECK_INT(got, want)                                                          \
    do {                                                                              \
        long long g_ = (long long)(got), w_ = (long long)(want);                      \
        if (!harness_test_note(g_ == w_, __FILE__, __LINE__, #got " == " #want))      \
            fprintf(stderr, "     got: %lld, want: %lld\n", g_, w_);                  \
    } while (0)

/* A JSON value equals the JSON text `want` (object key order ignored). */
#define CHECK_JSON(got, want)                                                         \
    do {                                                                              \
        json_t *g_ = (got);                                                           \
        json_t *w_ = json_loads((want), JSON_DECODE_ANY, NULL);                       \
        int ok_ = g_ && w_ && json_equal(g_, w_);                                     \
        if (!harness_test_note(ok_, __FILE__, __LINE__, #got " == " #want)) {         \
            char *t_ = g_ ? json_dumps(g_, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;    \
            fprintf(stderr, "     got:  %s\n     want: %s\n", t_ ? t_ : "(null)", (want)); \
            free(t_);                                                                 \
        }                                                                             \
        json_decref(w_);                                                              \
    } while (0)

#endif
