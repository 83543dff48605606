/* test_httpcommon.c - connectors/httpcommon: JSON pointers, scalars,
 * timestamps, value ordering, URL helpers, string vectors, and the
 * incremental cursor (marks, boundary de-duplication, what is saved when)
 * against a fake host that records emits and positions. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "httpcommon.h"

static int failures, checks;

#define CHECK(cond)                                                                     \
    do {                                                                                \
        checks++;                                                                       \
        if (!(cond)) {                                                                  \
            failures++;                                                                 \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
        }                                                                               \
    } while (0)
#define CHECK_STR(got, want)                                                            \
    do {                                                                                \
        const char *g_ = (got), *w_ = (want);                                           \
        checks++;                                                                       \
        if (g_ == NULL || strcmp(g_, w_) != 0) {                                        \
            failures++;                                                                 \
            fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__,     \
                    g_ ? g_ : "(null)", w_);                                            \
        }                                                                               \
    } while (0)

/* ---- a fake host: cursor in, emits and positions out ----------------------- */
typedef struct fake_ctx {
    const sluice_host *host; /* first, as the wrappers expect */
    json_t *cursor;          /* what sluice_cursor answers (owned) */
    json_t *position;        /* the last position declared (owned) */
    json_t *emitted;         /* array of the records emitted (owned) */
    int flushes, rejects;
} fake_ctx;

static json_t *f_cursor(sluice_ctx *ctx) { return ((fake_ctx *)(void *)ctx)->cursor; }
static int f_position(sluice_ctx *ctx, json_t *pos)
{
    fake_ctx *f = (fake_ctx *)(void *)ctx;
    json_decref(f->position);
    f->position = pos;
    return SLUICE_OK;
}
static int f_flush(sluice_ctx *ctx)
{
    ((fake_ctx *)(void *)ctx)->flushes++;
    return SLUICE_OK;
}
static int f_emit_at(sluice_ctx *ctx, const char *stream, json_t *rec, const char *origin, uint64_t line)
{
    fake_ctx *f = (fake_ctx *)(void *)ctx;
    json_object_set_new(rec, "_line", json_integer((json_int_t)line));
    json_array_append_new(f->emitted, rec);
    return SLUICE_OK;
}
static int f_reject(sluice_ctx *ctx, const char *stream, const char *raw, size_t len, const char *origin,
                    uint64_t line, const char *reason)
{
    ((fake_ctx *)(void *)ctx)->rejects++;
    return SLUICE_OK;
}
static void f_set_error(sluice_ctx *ctx, const char *msg) { fprintf(stderr, "  (set_error: %s)\n", msg); }

static const sluice_host fake_host = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_host),
    .set_error = f_set_error,
    .emit_at = f_emit_at,
    .reject = f_reject,
    .flush = f_flush,
    .cursor = f_cursor,
    .position = f_position,
};

static sluice_ctx *fake_new(fake_ctx *f, const char *cursor_json)
{
    memset(f, 0, sizeof *f);
    f->host = &fake_host;
    f->cursor = cursor_json ? json_loads(cursor_json, 0, NULL) : NULL;
    f->emitted = json_array();
    return (sluice_ctx *)(void *)f;
}

static void fake_free(fake_ctx *f)
{
    json_decref(f->cursor);
    json_decref(f->position);
    json_decref(f->emitted);
}

/* ---- pure helpers ---------------------------------------------------------------- */
static void test_pointer(void)
{
    json_t *doc = json_loads("{\"paging\": {\"next\": {\"after\": \"394\"}}, \"a/b\": {\"m~n\": 7},"
                             " \"list\": [10, {\"x\": true}], \"\": 1}", 0, NULL);
    CHECK_STR(json_string_value(hc_pointer(doc, "/paging/next/after")), "394");
    CHECK_STR(json_string_value(hc_pointer(doc, "paging.next.after")), "394");
    CHECK(json_integer_value(hc_pointer(doc, "/a~1b/m~0n")) == 7);
    CHECK(json_integer_value(hc_pointer(doc, "/list/0")) == 10);
    CHECK(json_is_true(hc_pointer(doc, "list.1.x")));
    CHECK(hc_pointer(doc, "") == doc);
    CHECK(hc_pointer(doc, NULL) == doc);
    CHECK(hc_pointer(doc, "/paging/prev") == NULL);
    CHECK(hc_pointer(doc, "/list/2") == NULL);
    CHECK(hc_pointer(doc, "/list/01") == NULL); /* no leading zeros (RFC 6901) */
    CHECK(hc_pointer(doc, "/paging/next/after/x") == NULL);
    CHECK(hc_pointer_valid("/results"));
    CHECK(hc_pointer_valid("_embedded.leads"));
    CHECK(hc_pointer_valid(""));
    CHECK(!hc_pointer_valid("/a~2b"));
    CHECK(!hc_pointer_valid("a..b"));
    json_decref(doc);
}

static void test_scalar(void)
{
    char buf[32];
    json_t *v = json_integer(1717200000000LL);
    CHECK(hc_scalar_text(v, buf, sizeof buf) == 0);
    CHECK_STR(buf, "1717200000000");
    json_decref(v);
    v = json_string("abc");
    CHECK(hc_scalar_text(v, buf, 3) == -1); /* does not fit */
    CHECK(hc_scalar_text(v, buf, 4) == 0);
    json_decref(v);
    CHECK(hc_scalar_text(json_null(), buf, sizeof buf) == -1);
    CHECK(hc_scalar_text(json_true(), buf, sizeof buf) == 0);
    CHECK_STR(buf, "true");
}

static int64_t t(const char *s)
{
    int64_t ms = -1;
    return hc_time_parse(s, &ms) == 0 ? ms : -999;
}

static void test_time(void)
{
    char buf[64];
    CHECK(t("2024-05-01T10:15:30Z") == 1714558530000LL);
    CHECK(t("2024-05-01T10:15:30.123Z") == 1714558530123LL);
    CHECK(t("2024-05-01T10:15:30.1234567Z") == 1714558530123LL);
    CHECK(t("2024-05-01T13:15:30+03:00") == 1714558530000LL);
    CHECK(t("2024-05-01T13:15:30+0300") == 1714558530000LL);
    CHECK(t("2024-05-01T05:15:30-05") == 1714558530000LL);
    CHECK(t("2024-05-01 10:15:30") == 1714558530000LL); /* no zone: UTC */
    CHECK(t("2024-05-01T10:15") == 1714558500000LL);
    CHECK(t("2024-05-01") == 1714521600000LL);
    CHECK(t("1714558530") == 1714558530000LL);    /* seconds */
    CHECK(t("1714558530123") == 1714558530123LL); /* milliseconds */
    CHECK(t("1969-12-31T23:59:59Z") == -1000);
    CHECK(t("2024-13-01") == -999);
    CHECK(t("2024-05-01T10:15:30+3") == -999);
    CHECK(t("yesterday") == -999);
    CHECK(t("") == -999);

    CHECK(hc_time_format(1714558530000LL, "iso8601", buf, sizeof buf) == 0);
    CHECK_STR(buf, "2024-05-01T10:15:30Z");
    CHECK(hc_time_format(1714558530123LL, "iso8601", buf, sizeof buf) == 0);
    CHECK_STR(buf, "2024-05-01T10:15:30.123Z");
    CHECK(hc_time_format(1714558530000LL, "iso8601_ms", buf, sizeof buf) == 0);
    CHECK_STR(buf, "2024-05-01T10:15:30.000Z");
    CHECK(hc_time_format(1714558530999LL, "unix", buf, sizeof buf) == 0);
    CHECK_STR(buf, "1714558530");
    CHECK(hc_time_format(1714558530999LL, "unix_ms", buf, sizeof buf) == 0);
    CHECK_STR(buf, "1714558530999");
    CHECK(hc_time_format(1714558530000LL, "date", buf, sizeof buf) == 0);
    CHECK_STR(buf, "2024-05-01");
    CHECK(hc_time_format(1714558530000LL, "%d.%m.%Y %H:%M:%S", buf, sizeof buf) == 0);
    CHECK_STR(buf, "01.05.2024 10:15:30");
    CHECK(hc_time_format(-1000, "unix", buf, sizeof buf) == 0);
    CHECK_STR(buf, "-1");
    CHECK(hc_time_format(1714558530000LL, "iso8601", buf, 5) == -1);
}

static int cmp(const char *a, const char *b)
{
    json_t *x = json_loads(a, JSON_DECODE_ANY, NULL), *y = json_loads(b, JSON_DECODE_ANY, NULL);
    int c = hc_value_cmp(x, y);
    json_decref(x);
    json_decref(y);
    return c < 0 ? -1 : c > 0;
}

static void test_value_cmp(void)
{
    CHECK(cmp("9", "10") == -1);
    CHECK(cmp("\"9\"", "\"10\"") == -1);           /* digit strings are numbers */
    CHECK(cmp("\"1717200000000\"", "1717200000000") == 0);
    CHECK(cmp("\"2024-09-02T18:37:18+02:00\"", "\"2024-09-02T17:00:00Z\"") == -1); /* 16:37 UTC < 17:00 */
    CHECK(cmp("\"2024-09-02T18:37:18+02:00\"", "\"2024-09-02T16:30:00Z\"") == 1);
    CHECK(cmp("\"2024-09-02T18:37:18+02:00\"", "\"2024-09-02T16:40:00Z\"") == -1);
    CHECK(cmp("\"2024-12-24T17:31:54.727Z\"", "\"2024-12-24T17:31:54.728Z\"") == -1);
    CHECK(cmp("null", "\"a\"") == -1);
    CHECK(cmp("\"a\"", "null") == 1);
    CHECK(cmp("null", "null") == 0);
    CHECK(cmp("\"abc\"", "\"abd\"") == -1);
    CHECK(hc_value_cmp(NULL, json_null()) == 0);
}

static void test_urls_and_strv(void)
{
    char *s;
    hc_strv v = {0};
    s = hc_urlencode("a b&c=d/é~._-");
    CHECK_STR(s, "a%20b%26c%3Dd%2F%C3%A9~._-");
    free(s);
    s = hc_url_join("https://h/p/", "/crm/v3/x");
    CHECK_STR(s, "https://h/p/crm/v3/x");
    free(s);
    s = hc_url_join("https://h", "crm.deal.list.json");
    CHECK_STR(s, "https://h/crm.deal.list.json");
    free(s);
    s = hc_url_join("https://h", "http://other/x");
    CHECK_STR(s, "http://other/x");
    free(s);
    CHECK(hc_strv_items(&v) == NULL);
    CHECK(hc_strv_pair(&v, "limit", "100") == 0);
    CHECK(hc_strv_addf(&v, "page=%d", 7) == 0);
    for (int i = 0; i < 20; i++)
        CHECK(hc_strv_add(&v, "x") == 0);
    CHECK(v.n == 23);
    CHECK_STR(hc_strv_items(&v)[1], "100");
    CHECK_STR(hc_strv_items(&v)[2], "page=7");
    CHECK(hc_strv_items(&v)[23] == NULL);
    hc_strv_clear(&v);
    CHECK(v.n == 0 && hc_strv_items(&v) == NULL);
    hc_strv_free(&v);
}

/* ---- the cursor ---------------------------------------------------------------------- */
static json_t *rec(const char *id, const char *updated)
{
    return json_pack("{s:s,s:s}", "id", id, "updatedAt", updated);
}

static json_t *page(const char *const *pairs)
{
    json_t *a = json_array();
    for (; pairs[0]; pairs += 2)
        json_array_append_new(a, rec(pairs[0], pairs[1]));
    return a;
}

static const char *saved(fake_ctx *f, const char *stream, const char *key)
{
    json_t *v = json_object_get(json_object_get(json_object_get(f->position, "streams"), stream), key);
    static char buf[256];
    char *s;
    if (v == NULL)
        return "(none)";
    s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    snprintf(buf, sizeof buf, "%s", s);
    free(s);
    return buf;
}

static void test_marks(void)
{
    fake_ctx f;
    sluice_ctx *ctx = fake_new(&f, "{\"streams\": {\"contacts\": {\"since\": \"2024-01-02T00:00:00Z\","
                                   " \"ids\": [\"7\", \"8\"], \"after\": \"x\"}, \"deals\": {\"since\": 5}}}");
    hc_cursor *c = hc_cursor_load(ctx, 0);
    hc_mark m;
    json_t *r;

    CHECK(c != NULL);
    CHECK(hc_mark_init(&m, c, "contacts", "/updatedAt", "/id", 1) == 0);
    CHECK_STR(json_string_value(hc_mark_since(&m)), "2024-01-02T00:00:00Z");
    r = rec("7", "2024-01-02T00:00:00Z");
    CHECK(hc_mark_seen(&m, r)); /* delivered at the boundary */
    json_decref(r);
    r = rec("9", "2024-01-02T00:00:00Z");
    CHECK(!hc_mark_seen(&m, r)); /* same second, new id */
    json_decref(r);
    r = rec("1", "2024-01-01T23:59:59Z");
    CHECK(hc_mark_seen(&m, r)); /* older than the watermark */
    json_decref(r);
    r = json_pack("{s:s}", "id", "3");
    CHECK(!hc_mark_seen(&m, r)); /* no cursor field: always new */
    json_decref(r);

    /* a page: two boundary duplicates skipped, three emitted */
    const char *p1[] = {"7", "2024-01-02T00:00:00Z", "9", "2024-01-02T00:00:00Z", "8", "2024-01-02T00:00:00Z",
                        "10", "2024-01-03T00:00:00Z", "11", "2024-01-03T00:00:00Z", NULL};
    json_t *a = page(p1);
    CHECK(hc_emit_array(ctx, "contacts", a, &m, "http://x/p1", 1) == 3);
    CHECK(m.skipped == 2);
    CHECK(json_array_size(f.emitted) == 3);
    CHECK(json_integer_value(json_object_get(json_array_get(f.emitted, 0), "_line")) == 2);
    CHECK(json_is_null(json_array_get(a, 1))); /* detached from the page */
    json_decref(a);
    CHECK(hc_mark_save(&m, 0) == 0); /* ordered: saved page by page */
    CHECK(hc_cursor_commit(ctx, c) == SLUICE_OK);
    CHECK(f.flushes == 1);
    CHECK_STR(saved(&f, "contacts", "since"), "\"2024-01-03T00:00:00Z\"");
    CHECK_STR(saved(&f, "contacts", "ids"), "[\"10\",\"11\"]");
    CHECK_STR(saved(&f, "contacts", "after"), "\"x\""); /* the connector's own keys survive */
    CHECK_STR(saved(&f, "deals", "since"), "5");         /* streams not pulled are kept */

    /* rebase: what was delivered becomes the lower bound */
    CHECK(hc_mark_rebase(&m) == 0);
    r = rec("11", "2024-01-03T00:00:00Z");
    CHECK(hc_mark_seen(&m, r));
    json_decref(r);
    hc_mark_fini(&m);

    /* an unordered stream is saved only once complete */
    CHECK(hc_mark_init(&m, c, "deals", "/updatedAt", "/id", 0) == 0);
    const char *p2[] = {"1", "9", "2", "7", NULL};
    a = page(p2);
    CHECK(hc_emit_array(ctx, "deals", a, &m, "http://x/d", 1) == 2);
    json_decref(a);
    CHECK(hc_mark_save(&m, 0) == 0);
    CHECK(hc_cursor_commit(ctx, c) == SLUICE_OK);
    CHECK_STR(saved(&f, "deals", "since"), "5");
    CHECK(hc_mark_save(&m, 1) == 0);
    CHECK(hc_cursor_commit(ctx, c) == SLUICE_OK);
    CHECK_STR(saved(&f, "deals", "since"), "\"9\"");
    CHECK_STR(saved(&f, "deals", "ids"), "[\"1\"]");
    hc_mark_fini(&m);

    /* non-objects are rejected, not emitted */
    CHECK(hc_mark_init(&m, c, "x", NULL, NULL, 1) == 0);
    a = json_loads("[1, {\"id\": 2}, \"s\"]", 0, NULL);
    CHECK(hc_emit_array(ctx, "x", a, &m, "http://x/x", 1) == 1);
    CHECK(f.rejects == 2);
    json_decref(a);
    hc_mark_fini(&m);
    hc_cursor_free(&c);
    CHECK(c == NULL);
    fake_free(&f);
}

static void test_full_and_first_run(void)
{
    fake_ctx f;
    sluice_ctx *ctx = fake_new(&f, "{\"streams\": {\"contacts\": {\"since\": 100, \"ids\": [\"1\"]},"
                                   " \"deals\": {\"since\": 50}}}");
    hc_cursor *c = hc_cursor_load(ctx, 1);
    hc_mark m;
    CHECK(hc_mark_init(&m, c, "contacts", "/u", "/id", 1) == 0);
    CHECK(hc_mark_since(&m) == NULL); /* full: from nothing */
    CHECK(hc_mark_save(&m, 1) == 0);
    CHECK(hc_cursor_commit(ctx, c) == SLUICE_OK);
    CHECK_STR(saved(&f, "deals", "since"), "50"); /* the other stream's state stays */
    CHECK_STR(saved(&f, "contacts", "since"), "(none)");
    hc_mark_fini(&m);
    hc_cursor_free(&c);
    fake_free(&f);

    ctx = fake_new(&f, NULL); /* a first run */
    c = hc_cursor_load(ctx, 0);
    CHECK(hc_mark_init(&m, c, "leads", "/updated_at", "/id", 1) == 0);
    CHECK(hc_mark_since(&m) == NULL);
    hc_mark_fini(&m);
    CHECK(hc_cursor_commit(ctx, c) == SLUICE_OK);
    CHECK_STR(saved(&f, "leads", "since"), "(none)");
    CHECK(json_is_object(json_object_get(f.position, "streams")));
    hc_cursor_free(&c);
    fake_free(&f);
}

int main(void)
{
    test_pointer();
    test_scalar();
    test_time();
    test_value_cmp();
    test_urls_and_strv();
    test_marks();
    test_full_and_first_run();
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
