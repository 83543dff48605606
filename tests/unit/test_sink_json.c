/*
 * test_sink_json.c - the JSON text the sinks write (sinks/file/json_text.c),
 * built straight from its sources: shortest round-trip reals, escaping,
 * compact and indented layout matching jansson's.
 */
#define _GNU_SOURCE
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness_test.h"
#include "json_text.h"

static const char *real_text(double d)
{
    static char buf[SINK_JSON_REAL_MAX];
    sink_json_real(buf, d);
    return buf;
}

/* v as text (static buffer); steals v. */
static const char *text_of(json_t *v, int indent)
{
    static char out[4096];
    sink_buf b = {0};
    if (!v || sink_json_append(&b, v, indent) != 0 || b.len >= sizeof out) {
        snprintf(out, sizeof out, "<failed>");
    } else {
        memcpy(out, b.data, b.len);
        out[b.len] = '\0';
    }
    sink_buf_free(&b);
    json_decref(v);
    return out;
}

static void test_reals(void)
{
    CHECK_STR(real_text(19.99), "19.99");
    CHECK_STR(real_text(0.1), "0.1");
    CHECK_STR(real_text(0.1 + 0.2), "0.30000000000000004");
    CHECK_STR(real_text(2.0), "2.0");
    CHECK_STR(real_text(-0.0), "-0.0");
    CHECK_STR(real_text(100.0), "100.0");
    CHECK_STR(real_text(1e22), "1e22");
    CHECK_STR(real_text(1.5e-7), "1.5e-7");
    CHECK_STR(real_text(123456789012345678.0), "1.2345678901234568e17");
    CHECK_STR(real_text(1.7976931348623157e308), "1.7976931348623157e308");
    CHECK_STR(real_text(5e-324), "5e-324");
    /* Every finite double reads back exactly. */
    uint64_t x = 88172645463325252ULL;
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        x ^= x << 13; /* xorshift64 */
        x ^= x >> 7;
        x ^= x << 17;
        double d;
        memcpy(&d, &x, sizeof d);
        if (!isfinite(d))
            continue;
        const char *t = real_text(d);
        if (strtod(t, NULL) != d || !strpbrk(t, ".e"))
            bad++;
    }
    CHECK_INT(bad, 0);
}

static void test_compact_and_indent(void)
{
    CHECK_STR(text_of(json_integer(INT64_MIN), 0), "-9223372036854775808");
    CHECK_STR(text_of(json_integer(INT64_MAX), 0), "9223372036854775807");
    CHECK_STR(text_of(json_stringn("a\0b\"\\\x1f\x7f/é", 10), 0), "\"a\\u0000b\\\"\\\\\\u001f\x7f/é\"");
    /* Same bytes as jansson for everything but reals. */
    const char *doc = "{\"b\": [1, {\"c\": null, \"d\": [true, false, []]}, {}], \"a\": \"Ω\\n\", \"e\": {}}";
    json_t *v = json_loads(doc, 0, NULL);
    char *want_compact = json_dumps(v, JSON_COMPACT);
    char *want_indent = json_dumps(v, JSON_INDENT(2));
    CHECK_STR(text_of(json_incref(v), 0), want_compact);
    CHECK_STR(text_of(json_incref(v), 2), want_indent);
    free(want_compact);
    free(want_indent);
    json_decref(v);
    CHECK_STR(text_of(json_pack("{s:f}", "x", 1.5), 2), "{\n  \"x\": 1.5\n}");
}

static void test_decimal_comma_locale(void)
{
    /* Reals stay JSON under a locale that writes 1,5 (when one is
     * installed; C.UTF-8 alone cannot show it). */
    if (!setlocale(LC_NUMERIC, "de_DE.UTF-8") && !setlocale(LC_NUMERIC, "ru_RU.UTF-8"))
        return;
    CHECK_STR(real_text(1.5), "1.5");
    CHECK_STR(real_text(0.1 + 0.2), "0.30000000000000004");
    setlocale(LC_NUMERIC, "C");
}

int main(void)
{
    test_reals();
    test_compact_and_indent();
    test_decimal_comma_locale();
    return harness_test_summary();
}
