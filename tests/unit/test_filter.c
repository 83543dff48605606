/*
 * test_filter.c - the `filter` transform through the in-process harness.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "harness_test.h"

static sl_harness *open_filter(const char *opts) { return harness_open_logged("transform", "filter", opts); }

static char *open_filter_error(const char *opts) { return harness_open_error("transform", "filter", opts); }

/* 1 when a filter built from opts keeps the record, 0 when it drops it,
 * -1 on any failure. */
static int kept(const char *opts, const char *rec)
{
    sl_harness *h = open_filter(opts);
    int rc = -1;
    if (!h)
        return -1;
    harness_batch *b = harness_batch_new(h);
    if (harness_batch_add_json(b, "orders", rec) == 0 && harness_process(h, b) == SLUICE_OK)
        rc = harness_batch_count(b) == 1 && harness_batch_dropped(b) == 0;
    harness_batch_free(&b);
    harness_close(&h);
    return rc;
}

/* keep with one condition: {"keep": [{"field": F, "op": OP, "value": V}]} */
static int keep1(const char *field, const char *op, const char *value_json, const char *rec)
{
    char opts[1024];
    if (value_json)
        snprintf(opts, sizeof opts, "{\"keep\": [{\"field\": \"%s\", \"op\": \"%s\", \"value\": %s}]}",
                 field, op, value_json);
    else
        snprintf(opts, sizeof opts, "{\"keep\": [{\"field\": \"%s\", \"op\": \"%s\"}]}", field, op);
    return kept(opts, rec);
}

static void test_eq_ne(void)
{
    CHECK_INT(keep1("status", "eq", "\"paid\"", "{\"status\": \"paid\"}"), 1);
    CHECK_INT(keep1("status", "eq", "\"paid\"", "{\"status\": \"Paid\"}"), 0);
    CHECK_INT(keep1("status", "ne", "\"paid\"", "{\"status\": \"new\"}"), 1);
    CHECK_INT(keep1("status", "ne", "\"paid\"", "{\"status\": \"paid\"}"), 0);
    /* numbers and numeric strings compare as numbers */
    CHECK_INT(keep1("qty", "eq", "10", "{\"qty\": \"10\"}"), 1);
    CHECK_INT(keep1("qty", "eq", "10", "{\"qty\": 10.0}"), 1);
    CHECK_INT(keep1("qty", "eq", "\"10.50\"", "{\"qty\": 10.5}"), 1);
    CHECK_INT(keep1("qty", "eq", "\"1e1\"", "{\"qty\": \" 10 \"}"), 1);
    /* integers compare exactly, beyond double precision */
    CHECK_INT(keep1("id", "eq", "9007199254740993", "{\"id\": 9007199254740992}"), 0);
    CHECK_INT(keep1("id", "eq", "\"9007199254740993\"", "{\"id\": 9007199254740993}"), 1);
    /* booleans compare as their text */
    CHECK_INT(keep1("vip", "eq", "true", "{\"vip\": true}"), 1);
    CHECK_INT(keep1("vip", "eq", "true", "{\"vip\": false}"), 0);
    CHECK_INT(keep1("vip", "eq", "true", "{\"vip\": \"true\"}"), 1);
    /* objects and arrays: JSON equality */
    CHECK_INT(keep1("tags", "eq", "[\"a\", 1]", "{\"tags\": [\"a\", 1]}"), 1);
    CHECK_INT(keep1("tags", "eq", "[\"a\", 1]", "{\"tags\": [1, \"a\"]}"), 0);
    CHECK_INT(keep1("addr", "ne", "{\"c\": 1}", "{\"addr\": {\"c\": 2}}"), 1);
    CHECK_INT(keep1("addr", "eq", "{\"c\": 1}", "{\"addr\": \"{\\\"c\\\": 1}\"}"), 0);
    /* non-ASCII text is compared byte for byte */
    CHECK_INT(keep1("city", "eq", "\"Москва\"", "{\"city\": \"Москва\"}"), 1);
}

static void test_ordering(void)
{
    /* "10" > "9" numerically, though not as text */
    CHECK_INT(keep1("qty", "gt", "\"9\"", "{\"qty\": \"10\"}"), 1);
    CHECK_INT(keep1("qty", "gt", "9", "{\"qty\": \"10\"}"), 1);
    CHECK_INT(keep1("qty", "lt", "9", "{\"qty\": \"10\"}"), 0);
    CHECK_INT(keep1("amount", "ge", "100", "{\"amount\": 100}"), 1);
    CHECK_INT(keep1("amount", "ge", "100", "{\"amount\": 99.99}"), 0);
    CHECK_INT(keep1("amount", "le", "100", "{\"amount\": 99.99}"), 1);
    CHECK_INT(keep1("amount", "le", "100", "{\"amount\": \"-1e3\"}"), 1);
    CHECK_INT(keep1("amount", "lt", "100", "{\"amount\": 100}"), 0);
    /* text: byte order */
    CHECK_INT(keep1("name", "lt", "\"banana\"", "{\"name\": \"apple\"}"), 1);
    CHECK_INT(keep1("name", "gt", "\"banana\"", "{\"name\": \"cherry\"}"), 1);
    CHECK_INT(keep1("name", "gt", "\"b\"", "{\"name\": \"B\"}"), 0);
    CHECK_INT(keep1("date", "ge", "\"2024-03-01\"", "{\"date\": \"2024-03-15T10:00:00Z\"}"), 1);
    CHECK_INT(keep1("date", "lt", "\"2024-03-01\"", "{\"date\": \"2024-02-29\"}"), 1);
    /* a prefix sorts first */
    CHECK_INT(keep1("s", "lt", "\"abc\"", "{\"s\": \"ab\"}"), 1);
    /* a number against non-numeric text compares as text ("5" > "4a") */
    CHECK_INT(keep1("code", "gt", "\"4a\"", "{\"code\": 5}"), 1);
    /* objects and arrays cannot be ordered */
    CHECK_INT(keep1("o", "gt", "1", "{\"o\": {\"a\": 2}}"), 0);
    CHECK_INT(keep1("o", "lt", "1", "{\"o\": [0]}"), 0);
}

static void test_in(void)
{
    const char *v = "[\"paid\", \"shipped\"]";
    CHECK_INT(keep1("status", "in", v, "{\"status\": \"shipped\"}"), 1);
    CHECK_INT(keep1("status", "in", v, "{\"status\": \"new\"}"), 0);
    CHECK_INT(keep1("status", "in", v, "{}"), 0);
    CHECK_INT(keep1("region", "in", "[1, 2, 3]", "{\"region\": \"2\"}"), 1);
    CHECK_INT(keep1("region", "in", "[1, 2, 3]", "{\"region\": 4}"), 0);
    CHECK_INT(keep1("tag", "in", "[[1], {\"a\": 1}]", "{\"tag\": {\"a\": 1}}"), 1);
}

static void test_exists(void)
{
    CHECK_INT(keep1("email", "exists", NULL, "{\"email\": \"a@b\"}"), 1);
    CHECK_INT(keep1("email", "exists", NULL, "{\"phone\": \"1\"}"), 0);
    CHECK_INT(keep1("email", "exists", "true", "{\"email\": \"\"}"), 1);
    /* null counts as absent */
    CHECK_INT(keep1("email", "exists", "true", "{\"email\": null}"), 0);
    CHECK_INT(keep1("email", "exists", "false", "{\"email\": null}"), 1);
    CHECK_INT(keep1("email", "exists", "false", "{}"), 1);
    CHECK_INT(keep1("email", "exists", "false", "{\"email\": 0}"), 0);
}

static void test_regex(void)
{
    const char *re = "\"^[A-Z]{2}-[0-9]+$\"";
    CHECK_INT(keep1("sku", "regex", re, "{\"sku\": \"AB-123\"}"), 1);
    CHECK_INT(keep1("sku", "regex", re, "{\"sku\": \"ab-123\"}"), 0);
    CHECK_INT(keep1("sku", "regex", re, "{\"sku\": \"AB-123x\"}"), 0);
    CHECK_INT(keep1("sku", "regex", re, "{}"), 0);
    /* unanchored matches anywhere; numbers are matched as their text */
    CHECK_INT(keep1("email", "regex", "\"@example\\\\.(com|ru)\"", "{\"email\": \"x@example.ru\"}"), 1);
    CHECK_INT(keep1("zip", "regex", "\"^63\"", "{\"zip\": 630099}"), 1);
    CHECK_INT(keep1("o", "regex", "\".\"", "{\"o\": {\"a\": 1}}"), 0);
}

static void test_missing_and_null(void)
{
    const char *ops[] = { "eq", "lt", "le", "gt", "ge" };
    for (size_t k = 0; k < 5; k++) {
        CHECK_INT(keep1("x", ops[k], "1", "{}"), 0);
        CHECK_INT(keep1("x", ops[k], "1", "{\"x\": null}"), 0);
    }
    CHECK_INT(keep1("x", "ne", "1", "{}"), 1);
    CHECK_INT(keep1("x", "ne", "1", "{\"x\": null}"), 1);
}

static void test_dotted_paths(void)
{
    const char *rec = "{\"customer\": {\"email\": \"a@b.ru\", \"address\": {\"city\": \"Omsk\"}}}";
    CHECK_INT(keep1("customer.email", "eq", "\"a@b.ru\"", rec), 1);
    CHECK_INT(keep1("customer.address.city", "eq", "\"Omsk\"", rec), 1);
    CHECK_INT(keep1("customer.address.zip", "exists", "false", rec), 1);
    CHECK_INT(keep1("customer.email.x", "exists", NULL, rec), 0);
    CHECK_INT(keep1("customer.phone", "ne", "\"1\"", rec), 1);
    /* a top-level key with the dots wins */
    CHECK_INT(keep1("customer.email", "eq", "\"top\"",
                    "{\"customer.email\": \"top\", \"customer\": {\"email\": \"nested\"}}"), 1);
    /* empty segments: only a literal key matches */
    CHECK_INT(keep1("a..b", "exists", NULL, "{\"a\": {\"\": {\"b\": 1}}}"), 0);
    CHECK_INT(keep1("a..b", "exists", NULL, "{\"a..b\": 1}"), 1);
}

static void test_keep_and_drop(void)
{
    const char *opts =
        "{\"keep\": [{\"field\": \"status\", \"op\": \"in\", \"value\": [\"paid\", \"shipped\"]},"
        "            {\"field\": \"amount\", \"op\": \"gt\", \"value\": 0}],"
        " \"drop\": [{\"field\": \"test\", \"op\": \"eq\", \"value\": true},"
        "            {\"field\": \"email\", \"op\": \"regex\", \"value\": \"@example\\\\.com$\"}]}";
    sl_harness *h = open_filter(opts);
    if (!CHECK(h != NULL))
        return;
    harness_batch *b = harness_batch_new(h);
    harness_batch_add_json(b, "orders", "{\"id\": 1, \"status\": \"paid\", \"amount\": 5}");
    harness_batch_add_json(b, "orders", "{\"id\": 2, \"status\": \"new\", \"amount\": 5}");
    harness_batch_add_json(b, "orders", "{\"id\": 3, \"status\": \"paid\", \"amount\": 0}");
    /* only one drop condition holds: kept */
    harness_batch_add_json(b, "orders", "{\"id\": 4, \"status\": \"paid\", \"amount\": 5, \"test\": true}");
    /* both hold: dropped */
    harness_batch_add_json(b, "orders", "{\"id\": 5, \"status\": \"shipped\", \"amount\": \"7\", "
                                        "\"test\": true, \"email\": \"qa@example.com\"}");
    harness_batch_add_json(b, "refunds", "{\"id\": 6, \"status\": \"shipped\", \"amount\": \"7\", "
                                         "\"test\": false, \"email\": \"qa@example.com\"}");
    CHECK_INT(harness_process(h, b), SLUICE_OK);
    CHECK_INT(harness_batch_count(b), 3);
    CHECK_INT(harness_batch_dropped(b), 3);
    CHECK_INT(harness_batch_rejected(b), 0);
    CHECK_JSON(json_object_get(harness_batch_get(b, 0), "id"), "1");
    CHECK_JSON(json_object_get(harness_batch_get(b, 1), "id"), "4");
    CHECK_JSON(json_object_get(harness_batch_get(b, 2), "id"), "6");
    CHECK_STR(harness_batch_stream(b, 2), "refunds");
    /* a second batch through the same instance */
    harness_batch *b2 = harness_batch_new(h);
    harness_batch_add_json(b2, "orders", "{\"status\": \"paid\", \"amount\": 1}");
    CHECK_INT(harness_process(h, b2), SLUICE_OK);
    CHECK_INT(harness_batch_count(b2), 1);
    harness_batch_free(&b2);
    harness_batch_free(&b);
    harness_close(&h);

    /* drop alone */
    CHECK_INT(kept("{\"drop\": [{\"field\": \"status\", \"op\": \"eq\", \"value\": \"cancelled\"}]}",
                   "{\"status\": \"cancelled\"}"), 0);
    CHECK_INT(kept("{\"drop\": [{\"field\": \"status\", \"op\": \"eq\", \"value\": \"cancelled\"}]}",
                   "{\"status\": \"paid\"}"), 1);
}

static void test_init_errors(void)
{
    struct {
        const char *opts, *want;
    } cases[] = {
        { "{\"keep\": [{\"field\": \"a\", \"op\": \"eq\", \"value\": 1}, {\"field\": \"b\", \"op\": \"like\", \"value\": \"x\"}]}",
          "keep[1].op: unknown operator \"like\" (one of eq, ne, lt, le, gt, ge, in, exists, regex)" },
        { "{\"drop\": [{\"op\": \"eq\", \"value\": 1}]}", "drop[0].field: must be a non-empty string" },
        { "{\"keep\": [{\"field\": \"a\", \"value\": 1}]}", "keep[0].op: must be a string" },
        { "{\"keep\": [{\"field\": \"a\", \"op\": \"eq\"}]}", "keep[0].value: missing (op \"eq\" needs a value)" },
        { "{\"keep\": [{\"field\": \"a\", \"op\": \"eq\", \"vaule\": 1}]}", "keep[0]: unknown key \"vaule\"" },
        { "{\"keep\": [{\"field\": \"a\", \"op\": \"in\", \"value\": \"paid\"}]}",
          "keep[0].value: op \"in\" needs a non-empty array, got a string" },
        { "{\"keep\": [{\"field\": \"a\", \"op\": \"in\", \"value\": []}]}", "keep[0].value: op \"in\" needs a non-empty array" },
        { "{\"keep\": [{\"field\": \"a\", \"op\": \"exists\", \"value\": \"yes\"}]}",
          "keep[0].value: op \"exists\" takes true or false, got a string" },
        { "{\"keep\": [{\"field\": \"a\", \"op\": \"lt\", \"value\": [1]}]}",
          "keep[0].value: op \"lt\" needs a number or a string, got an array" },
        { "{\"keep\": [{\"field\": \"a\", \"op\": \"regex\", \"value\": 5}]}", "keep[0].value: op \"regex\" needs a string" },
        { "{\"keep\": [{\"field\": \"a\", \"op\": \"regex\", \"value\": \"([a-z\"}]}", "keep[0].value: invalid regex \"([a-z\": " },
        { "{\"keep\": [{\"field\": \"a\", \"op\": \"eq\", \"value\": null}]}", "keep[0].value: null never matches" },
        { "{\"keep\": [{\"field\": \"a\", \"op\": \"in\", \"value\": [1, null]}]}", "keep[0].value[1]: null never matches" },
        { "{\"keep\": [\"status = paid\"]}", "keep[0]: must be an object" },
        { "{\"keep\": []}", "keep: must be a non-empty array of conditions" },
        { "{}", "set keep, drop or both" },
        { "{\"keep\": {\"field\": \"a\"}}", "option keep" },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char *err = open_filter_error(cases[k].opts);
        CHECK_HAS(err, cases[k].want);
        free(err);
    }
    /* regcomp's own words reach the message */
    char *err = open_filter_error("{\"keep\": [{\"field\": \"a\", \"op\": \"regex\", \"value\": \"([a-z\"}]}");
    CHECK(strlen(err) > strlen("init failed (invalid argument): keep[0].value: invalid regex \"([a-z\": ") + 3);
    free(err);
}

/* A batch whose records are all dropped still comes back whole. */
static void test_all_dropped(void)
{
    sl_harness *h = open_filter("{\"keep\": [{\"field\": \"x\", \"op\": \"exists\"}]}");
    if (!CHECK(h != NULL))
        return;
    harness_batch *b = harness_batch_new(h);
    for (int i = 0; i < 100; i++)
        harness_batch_add(b, "orders", json_pack("{s:i}", "y", i));
    CHECK_INT(harness_process(h, b), SLUICE_OK);
    CHECK_INT(harness_batch_count(b), 0);
    CHECK_INT(harness_batch_dropped(b), 100);
    harness_batch_free(&b);
    harness_close(&h);
}

int main(void)
{
    test_eq_ne();
    test_ordering();
    test_in();
    test_exists();
    test_regex();
    test_missing_and_null();
    test_dotted_paths();
    test_keep_and_drop();
    test_init_errors();
    test_all_dropped();
    return harness_test_summary();
}
