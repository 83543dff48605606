/*
 * test_unify.c - the `unify` transform through the in-process harness.
 *
 *     test_unify DATA_DIR
 *
 * Most cases are data: every .json file in DATA_DIR holds a mapping (a built-in
 * name or an inline mapping document), stage options, and cases of an
 * input record with the output records it must give (the fields listed
 * must be equal; "$missing" means the field must not be there) or the
 * dead-letter reason it must get; "open_errors" list configurations the
 * stage must refuse, with a part of the message. The built-in mappings are
 * tested on records the connectors really emit (captured from the API
 * simulators and the connectors' fixtures; data/unify/SOURCES.md).
 *
 * Set UNIFY_DUMP=1 to print every output record.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_test.h"

static const char *tmp_dir;

/* ---- opening a stage ---- */

/* The "mapping" option of a case file: a built-in name, or an inline
 * document written to a file. New string. */
static char *mapping_option(json_t *mapping, const char *file)
{
    char path[512];
    if (json_is_string(mapping))
        return strdup(json_string_value(mapping));
    const char *base = strrchr(file, '/');
    snprintf(path, sizeof path, "%s/%s", tmp_dir, base ? base + 1 : file);
    if (json_dump_file(mapping, path, JSON_INDENT(1)) != 0)
        return NULL;
    return strdup(path);
}

/* Options text for the harness, malloc'd. */
static char *options_text(json_t *mapping, json_t *options, const char *file)
{
    json_t *o = options ? json_deep_copy(options) : json_object();
    char *m = mapping_option(mapping, file), *text = NULL;
    if (o && m && json_object_set_new(o, "mapping", json_string(m)) == 0)
        text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    free(m);
    return text;
}

static sl_harness *open_unify(const char *opts, char **err)
{
    return harness_open_plugin("transform", "unify", opts, err);
}

/* ---- comparing ---- */

static int fields_match(json_t *got, json_t *want, const char *where)
{
    const char *key;
    json_t *w;
    int ok = 1;
    json_object_foreach(want, key, w) {
        json_t *g = json_object_get(got, key);
        int same = json_is_string(w) && strcmp(json_string_value(w), "$missing") == 0 ? g == NULL
                                                                                        : g && json_equal(g, w);
        if (!same) {
            char *gt = g ? json_dumps(g, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
            char *wt = json_dumps(w, JSON_COMPACT | JSON_ENCODE_ANY);
            fprintf(stderr, "  %s.%s: got %s, want %s\n", where, key, gt ? gt : "(missing)", wt ? wt : "?");
            free(gt);
            free(wt);
            ok = 0;
        }
    }
    return ok;
}

static void dump_outputs(harness_batch *b, const char *name)
{
    if (!getenv("UNIFY_DUMP"))
        return;
    for (size_t i = 0; i < harness_batch_count(b); i++) {
        char *t = json_dumps(harness_batch_get(b, i), JSON_COMPACT);
        printf("[%s] %s: %s\n", name, harness_batch_stream(b, i), t ? t : "?");
        free(t);
    }
    if (harness_batch_last_reject(b))
        printf("[%s] rejected: %s\n", name, harness_batch_last_reject(b));
}

static int check_outputs(harness_batch *b, json_t *outputs, const char *name)
{
    size_t n = harness_batch_count(b), i;
    json_t *want;
    int ok = n == json_array_size(outputs);
    if (!ok)
        fprintf(stderr, "  %s: %zu output records, want %zu\n", name, n, json_array_size(outputs));
    json_array_foreach(outputs, i, want) {
        char where[400];
        const char *ws = json_string_value(json_object_get(want, "stream"));
        snprintf(where, sizeof where, "%s output %zu", name, i);
        if (i >= n)
            break;
        if (ws && strcmp(ws, harness_batch_stream(b, i)) != 0) {
            fprintf(stderr, "  %s: stream %s, want %s\n", where, harness_batch_stream(b, i), ws);
            ok = 0;
        }
        ok &= fields_match(harness_batch_get(b, i), json_object_get(want, "fields"), where);
    }
    return ok;
}

static int check_reject(harness_batch *b, json_t *record, const char *want, const char *name)
{
    const char *got = harness_batch_last_reject(b);
    int ok = harness_batch_rejected(b) == 1 && harness_batch_count(b) == 0 && got && strstr(got, want);
    if (!ok)
        fprintf(stderr, "  %s: reject reason %s, want one containing %s (%zu left in the batch)\n", name,
                got ? got : "(none)", want, harness_batch_count(b));
    /* The dead letter is the record as it came in. */
    if (ok && !json_equal(harness_batch_rejected_record(b, 0), record)) {
        fprintf(stderr, "  %s: the rejected record was changed\n", name);
        ok = 0;
    }
    return ok;
}

/* ---- one case file ---- */

static void run_case(sl_harness *h, json_t *c, const char *file, size_t k)
{
    char name[300];
    const char *cname = json_string_value(json_object_get(c, "name"));
    snprintf(name, sizeof name, "%s case %zu (%s)", file, k, cname ? cname : "?");
    json_t *rec = json_object_get(c, "record");
    harness_batch *b = harness_batch_new(h);
    int ok = b && harness_batch_add(b, json_string_value(json_object_get(c, "stream")), json_deep_copy(rec)) == 0;
    ok = ok && harness_process(h, b) == SLUICE_OK;
    if (ok) {
        dump_outputs(b, name);
        json_t *reject = json_object_get(c, "reject");
        ok = reject ? check_reject(b, rec, json_string_value(reject), name)
                    : check_outputs(b, json_object_get(c, "outputs"), name);
        if (ok && !reject && harness_batch_rejected(b) != 0) {
            fprintf(stderr, "  %s: unexpected reject: %s\n", name, harness_batch_last_reject(b));
            ok = 0;
        }
    } else {
        fprintf(stderr, "  %s: process failed: %s\n", name, harness_last_error(h));
    }
    harness_test_note(ok, file, (int)k, name);
    harness_batch_free(&b);
}

static void run_open_errors(json_t *errors, const char *file)
{
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e) {
        char *opts = options_text(json_object_get(e, "mapping"), json_object_get(e, "options"), file);
        char *err = NULL;
        const char *want = json_string_value(json_object_get(e, "error"));
        sl_harness *h = opts ? open_unify(opts, &err) : NULL;
        int ok = !h && err && want && strstr(err, want);
        if (!ok)
            fprintf(stderr, "  %s open_errors[%zu]: got %s, want an error containing %s\n", file, i,
                    h ? "a working stage" : err ? err : "(nothing)", want ? want : "?");
        harness_test_note(ok, file, (int)i, "open error");
        harness_close(&h);
        free(err);
        free(opts);
    }
}

static void run_file(const char *dir, const char *file)
{
    char path[1024];
    json_error_t je;
    snprintf(path, sizeof path, "%s/%s", dir, file);
    json_t *doc = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!harness_test_note(doc != NULL, path, je.line, "case file parses")) {
        fprintf(stderr, "  %s\n", je.text);
        return;
    }
    run_open_errors(json_object_get(doc, "open_errors"), file);
    json_t *cases = json_object_get(doc, "cases"), *c;
    if (cases) {
        char *opts = options_text(json_object_get(doc, "mapping"), json_object_get(doc, "options"), file);
        char *err = NULL;
        sl_harness *h = opts ? open_unify(opts, &err) : NULL;
        if (harness_test_note(h != NULL, file, 0, "stage opens")) {
            size_t k;
            json_array_foreach(cases, k, c)
                run_case(h, c, file, k);
        } else {
            fprintf(stderr, "  %s: %s\n", file, err ? err : "?");
        }
        harness_close(&h);
        free(err);
        free(opts);
    }
    json_decref(doc);
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }
static int json_file(const struct dirent *e)
{
    size_t n = strlen(e->d_name);
    return n > 5 && strcmp(e->d_name + n - 5, ".json") == 0;
}

/* ---- checks that are not one record in, records out ---- */

/* Records of an unmapped stream: pass, drop or reject; an ignored stream
 * is dropped. */
static void test_unmapped(void)
{
    static const char *const modes[] = { "pass", "drop", "reject" };
    for (int m = 0; m < 3; m++) {
        char opts[200], *err = NULL;
        snprintf(opts, sizeof opts, "{\"mapping\": \"commerceml\", \"unmapped\": \"%s\"}", modes[m]);
        sl_harness *h = open_unify(opts, &err);
        CHECK(h != NULL);
        harness_batch *b = h ? harness_batch_new(h) : NULL;
        if (!b) {
            harness_close(&h);
            free(err);
            continue;
        }
        harness_batch_add_json(b, "mystery", "{\"id\": 1}");
        harness_batch_add_json(b, "prices", "{\"id\": \"x\", \"price\": \"1\"}");
        CHECK_INT(harness_process(h, b), SLUICE_OK);
        CHECK_INT(harness_batch_count(b), m == 0 ? 1 : 0);
        CHECK_INT(harness_batch_rejected(b), m == 2 ? 1 : 0);
        if (m == 0)
            CHECK_STR(harness_batch_stream(b, 0), "mystery");
        if (m == 2)
            CHECK_HAS(harness_batch_last_reject(b), "the mapping has no stream \"mystery\"");
        harness_batch_free(&b);
        harness_close(&h);
        free(err);
    }
}

/* A batch of several records: a rejected record leaves the others alone,
 * appended outputs are not mapped again. */
static void test_batch(void)
{
    char *err = NULL;
    sl_harness *h = open_unify("{\"mapping\": \"quickstart\"}", &err);
    CHECK(h != NULL);
    harness_batch *b = h ? harness_batch_new(h) : NULL;
    if (b) {
        harness_batch_add_json(b, "orders", "{\"order_id\": \"A\", \"line_no\": 1, \"sku\": \"S1\", \"qty\": \"2\", "
                                            "\"unit_price\": \"10\", \"status\": \"paid\", \"created_at\": \"2024-01-01\"}");
        harness_batch_add_json(b, "orders", "{\"order_id\": \"B\", \"line_no\": 1, \"qty\": \"x\"}");
        harness_batch_add_json(b, "inventory", "{\"sku\": \"S1\", \"warehouse\": \"W\", \"qty\": \"5\", \"price\": \"10\"}");
        CHECK_INT(harness_process(h, b), SLUICE_OK);
        CHECK_INT(harness_batch_rejected(b), 1);
        CHECK_INT(harness_batch_count(b), 4);
        /* the first output of an input takes its slot (inventory -> stock,
         * nothing dropped); further outputs are appended after the batch */
        CHECK_INT(harness_batch_dropped(b), 0);
        const char *want[] = { "orders", "stock", "order_lines", "products" };
        for (size_t i = 0; i < 4 && i < harness_batch_count(b); i++)
            CHECK_STR(harness_batch_stream(b, i), want[i]);
        CHECK_HAS(harness_batch_last_reject(b), "order_lines.qty: \"x\" is not an integer");
    }
    harness_batch_free(&b);
    harness_close(&h);
    free(err);
}

/* Every built-in mapping loads against the canonical model. */
static void test_builtins_load(void)
{
    static const char *const names[] = { "hubspot", "amocrm", "bitrix24", "shopify", "woocommerce",
                                         "commerceml", "yml", "maven_crm", "quickstart", NULL };
    for (int i = 0; names[i]; i++) {
        char opts[200], *err = NULL;
        snprintf(opts, sizeof opts, "{\"mapping\": \"%s\"}", names[i]);
        sl_harness *h = open_unify(opts, &err);
        if (!harness_test_note(h != NULL, __FILE__, __LINE__, names[i]))
            fprintf(stderr, "  %s: %s\n", names[i], err ? err : "?");
        harness_close(&h);
        free(err);
    }
}

/* The inline mappings written to tmp_dir, and the folder. */
static void remove_tmp(void)
{
    DIR *d = opendir(tmp_dir);
    struct dirent *e;
    char path[1024];
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", tmp_dir, e->d_name);
        unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(tmp_dir);
}

int main(int argc, char **argv)
{
    char tmpl[] = "/tmp/test_unify.XXXXXX";
    if (argc < 2) {
        fprintf(stderr, "usage: test_unify DATA_DIR\n");
        return 2;
    }
    tmp_dir = mkdtemp(tmpl);
    if (!tmp_dir)
        return 2;
    struct dirent **list = NULL;
    int n = scandir(argv[1], &list, json_file, by_name);
    CHECK(n > 0);
    for (int i = 0; i < n; i++) {
        run_file(argv[1], list[i]->d_name);
        free(list[i]);
    }
    free(list);
    test_builtins_load();
    test_unmapped();
    test_batch();
    remove_tmp();
    return harness_test_summary();
}
