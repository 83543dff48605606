/* test_config.c - the pipeline config checker (core/config*.c, jsonpos.c).
 *
 * Pipelines are written into a temporary folder as p.json and loaded from
 * there, so messages start with "p.json:". The test plugins of tests/plugin/
 * (CFGTEST_GOOD_DIR) are found through "plugin_path": "${CFGTEST_PLUGINS}".
 *
 * Error cases mark the place the message must point at with '@' in the
 * config text: the helper removes it, works out its line:column and expects
 * exactly "p.json:LINE:COL: <message>".
 *
 * Prints "N passed, M failed"; exits 1 on any failure. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "jsonpos.h"

/* "1.1": the ABI version this sluice is built with, as the messages print it. */
#define SL_STR2(x) #x
#define SL_STR(x) SL_STR2(x)
#define SL_ABI_TEXT SL_STR(SLUICE_ABI_MAJOR) "." SL_STR(SLUICE_ABI_MINOR)

static int g_pass, g_fail;

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (cond) {                                                                                                    \
            g_pass++;                                                                                                  \
        } else {                                                                                                       \
            g_fail++;                                                                                                  \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                                 \
        }                                                                                                              \
    } while (0)

#define CHECK_STR(got, want) check_str(__LINE__, (got), (want))

static void check_str(int line, const char *got, const char *want)
{
    if (got && want && strcmp(got, want) == 0) {
        g_pass++;
        return;
    }
    g_fail++;
    fprintf(stderr, "%s:%d: got  \"%s\"\n%*swant \"%s\"\n", __FILE__, line, got ? got : "(null)",
            (int)strlen(__FILE__) + 6, "", want ? want : "(null)");
}

static char g_tmp[] = "/tmp/sluice-test-config-XXXXXX";
static char g_dir[PATH_MAX]; /* realpath of g_tmp: what relative paths resolve against */

/* The first line of most test pipelines. */
#define HDR "{\"plugin_path\": \"${CFGTEST_PLUGINS}\",\n"
#define SRC " \"sources\": [{\"id\": \"in\", \"plugin\": \"cfgsrc\", \"path\": \"a.csv\"}],\n"
#define SINK " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"in\"]}]}\n"

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(name, "w");
    if (!f) {
        perror(name);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

static sl_pipeline_cfg *load_ok_line(int line, const char *text)
{
    write_file("p.json", text);
    sl_pipeline_cfg *cfg = NULL;
    char *err = NULL;
    if (sl_config_load("p.json", &cfg, &err) == 0 && cfg && !err) {
        g_pass++;
        return cfg;
    }
    g_fail++;
    fprintf(stderr, "%s:%d: load failed: %s\n", __FILE__, line, err ? err : "(no message)");
    free(err);
    return NULL;
}
#define LOAD_OK(text) load_ok_line(__LINE__, (text))

/* Loads `marked` (with '@' removed) and expects the error
 * "p.json:L:C: want", L:C being where '@' was; without '@', "p.json: want". */
static void expect_err_line(int line, const char *marked, const char *want)
{
    size_t n = strlen(marked);
    char *text = malloc(n + 1);
    int l = 1, c = 1, at_l = 0, at_c = 0;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)marked[i];
        if (ch == '@') {
            at_l = l;
            at_c = c;
            continue;
        }
        text[o++] = (char)ch;
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0) != 0x80) {
            c++;
        }
    }
    text[o] = '\0';
    write_file("p.json", text);
    free(text);

    char full[1024];
    if (at_l)
        snprintf(full, sizeof full, "p.json:%d:%d: %s", at_l, at_c, want);
    else
        snprintf(full, sizeof full, "p.json: %s", want);
    sl_pipeline_cfg *cfg = NULL;
    char *err = NULL;
    int rc = sl_config_load("p.json", &cfg, &err);
    if (rc != -1 || cfg) {
        g_fail++;
        fprintf(stderr, "%s:%d: load did not fail (wanted %s)\n", __FILE__, line, full);
        sl_config_free(&cfg);
    }
    check_str(line, err, full);
    free(err);
}
#define EXPECT_ERR(marked, want) expect_err_line(__LINE__, (marked), (want))

static const char *opt_str(const sl_stage_cfg *st, const char *key)
{
    return json_string_value(json_object_get(st->options, key));
}

static char *in_dir(const char *rel)
{
    static char buf[PATH_MAX + 64];
    snprintf(buf, sizeof buf, "%s/%s", g_dir, rel);
    return buf;
}

/* ---- loading a good pipeline ---------------------------------------------- */

static void test_valid(void)
{
    sl_pipeline_cfg *cfg = LOAD_OK(
        HDR " \"name\": \"orders\", \"description\": \"demo\",\n"
            " \"batch_size\": 50, \"max_errors\": 3, \"dead_letter\": \"dl/bad.jsonl\",\n"
            " \"sources\": [{\"id\": \"in\", \"plugin\": \"cfgsrc\", \"path\": \"data/in.csv\", \"columns\": \"a\",\n"
            "               \"ratio\": 1, \"mapping\": {\"${CFGTEST_DIR}\": \"$$x\"}, \"extra\": null}],\n"
            " \"transforms\": [{\"id\": \"t2\", \"plugin\": \"cfgmap\", \"inputs\": [\"t1\"], \"workers\": 4},\n"
            "                {\"id\": \"t1\", \"plugin\": \"cfgmap\", \"inputs\": [\"in\"]}],\n"
            " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"t2\", \"t1\"]}]}\n");
    if (!cfg)
        return;
    CHECK_STR(cfg->file, "p.json");
    CHECK_STR(cfg->dir, g_dir);
    CHECK_STR(cfg->name, "orders");
    CHECK_STR(cfg->dead_letter, in_dir("dl/bad.jsonl"));
    CHECK(cfg->batch_size == 50 && cfg->max_errors == 3);
    CHECK(cfg->search.n >= 1);
    CHECK_STR(cfg->search.dirs[0], CFGTEST_GOOD_DIR);
    CHECK(cfg->nstages == 4);
    if (cfg->nstages != 4) {
        sl_config_free(&cfg);
        return;
    }
    const sl_stage_cfg *in = &cfg->stages[0], *t2 = &cfg->stages[1], *t1 = &cfg->stages[2], *out = &cfg->stages[3];
    CHECK_STR(in->id, "in");
    CHECK_STR(t2->id, "t2");
    CHECK_STR(t1->id, "t1");
    CHECK_STR(out->id, "out");
    CHECK_STR(t1->json_path, "transforms[1]");
    CHECK_STR(out->plugin_name, "cfgout");
    CHECK(in->kind == SLUICE_SOURCE && t2->kind == SLUICE_TRANSFORM && out->kind == SLUICE_SINK);
    CHECK(in->inputs == NULL && in->ninputs == 0);
    CHECK(t2->workers == 4 && t1->workers == 0);
    CHECK(out->ninputs == 2 && out->input_idx[0] == 1 && out->input_idx[1] == 2);
    CHECK(t2->ninputs == 1 && t2->input_idx[0] == 2);
    CHECK(cfg->topo[0] == 0 && cfg->topo[1] == 2 && cfg->topo[2] == 1 && cfg->topo[3] == 3);
    CHECK(in->plugin && strcmp(in->plugin->desc->name, "cfgsrc") == 0);

    /* Options: given values, defaults, normalised lists, resolved paths. */
    CHECK_STR(opt_str(in, "path"), in_dir("data/in.csv"));
    CHECK_STR(opt_str(in, "format"), "csv");
    CHECK(json_integer_value(json_object_get(in->options, "limit")) == 10);
    CHECK(json_is_true(json_object_get(in->options, "header")));
    CHECK(json_is_integer(json_object_get(in->options, "ratio")));
    json_t *cols = json_object_get(in->options, "columns");
    CHECK(json_is_array(cols) && json_array_size(cols) == 1 && strcmp(json_string_value(json_array_get(cols, 0)), "a") == 0);
    json_t *tags = json_object_get(in->options, "tags");
    CHECK(json_is_array(tags) && json_array_size(tags) == 1);
    CHECK_STR(opt_str(in, "out_dir"), in_dir("state"));
    CHECK(json_object_get(in->options, "token") == NULL && json_object_get(in->options, "rows") == NULL);
    CHECK(json_is_null(json_object_get(in->options, "extra")));
    /* Keys are never interpolated; values are ($$ is a literal $). */
    json_t *mapping = json_object_get(in->options, "mapping");
    CHECK_STR(json_string_value(json_object_get(mapping, "${CFGTEST_DIR}")), "$x");
    CHECK_STR(opt_str(out, "path"), in_dir("out.jsonl"));
    CHECK(json_object_size(t1->options) == 0);
    sl_config_free(&cfg);
    CHECK(cfg == NULL);
    sl_config_free(&cfg);
}

static void test_defaults(void)
{
    sl_pipeline_cfg *cfg = LOAD_OK(HDR SRC SINK);
    if (!cfg)
        return;
    CHECK_STR(cfg->name, "p");
    CHECK(cfg->batch_size == 1000 && cfg->max_errors == -1 && cfg->dead_letter == NULL);
    CHECK(cfg->nstages == 2 && cfg->topo[0] == 0 && cfg->topo[1] == 1);
    sl_config_free(&cfg);

    /* A list of plugin folders, relative ones against the config's folder. */
    char link[PATH_MAX + 16];
    snprintf(link, sizeof link, "%s/plugs", g_dir);
    CHECK(symlink(CFGTEST_GOOD_DIR, link) == 0);
    cfg = LOAD_OK("{\"plugin_path\": [\"nowhere\", \"plugs\"],\n" SRC SINK);
    if (cfg) {
        CHECK_STR(cfg->search.dirs[0], in_dir("nowhere"));
        CHECK_STR(cfg->search.dirs[1], in_dir("plugs"));
        CHECK_STR(cfg->stages[0].plugin->path, in_dir("plugs/source_cfgsrc.so"));
    }
    sl_config_free(&cfg);
    cfg = LOAD_OK("{\"plugin_path\": \"./plugs\",\n" SRC SINK);
    if (cfg)
        CHECK_STR(cfg->search.dirs[0], in_dir("plugs"));
    sl_config_free(&cfg);
}

static void test_paths(void)
{
    /* Absolute paths stay, "-" stays, globs are only prefixed. */
    sl_pipeline_cfg *cfg =
        LOAD_OK(HDR " \"dead_letter\": \"/var/dl.jsonl\",\n"
                    " \"sources\": [{\"id\": \"in\", \"plugin\": \"cfgsrc\", \"path\": \"/abs/in.csv\", \"out_dir\": \"-\"},\n"
                    "             {\"id\": \"in2\", \"plugin\": \"cfgsrc\", \"path\": \"./in/*.csv\"}],\n"
                    " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"in\", \"in2\"], \"path\": \"../o.jsonl\"}]}\n");
    if (!cfg)
        return;
    CHECK_STR(cfg->dead_letter, "/var/dl.jsonl");
    CHECK_STR(opt_str(&cfg->stages[0], "path"), "/abs/in.csv");
    CHECK_STR(opt_str(&cfg->stages[0], "out_dir"), "-");
    CHECK_STR(opt_str(&cfg->stages[1], "path"), in_dir("in/*.csv"));
    CHECK_STR(opt_str(&cfg->stages[2], "path"), in_dir("../o.jsonl"));
    sl_config_free(&cfg);
}

/* ---- environment interpolation -------------------------------------------- */

static void test_env(void)
{
    setenv("CFGTEST_DIR", "data", 1);
    setenv("CFGTEST_EMPTY", "", 1);
    unsetenv("CFGTEST_UNSET");
    sl_pipeline_cfg *cfg = LOAD_OK(
        HDR " \"name\": \"run-${CFGTEST_DIR}\",\n"
            " \"sources\": [{\"id\": \"in\", \"plugin\": \"cfgsrc\", \"path\": \"${CFGTEST_DIR}/x.csv\",\n"
            "               \"format\": \"${CFGTEST_UNSET:-jsonl}\", \"out_dir\": \"${CFGTEST_EMPTY:-st}${CFGTEST_EMPTY}\",\n"
            "               \"columns\": [\"$$HOME\", \"$5\", \"a$\", \"${CFGTEST_UNSET:-}\"]}],\n" SINK);
    if (cfg) {
        CHECK_STR(cfg->name, "run-data");
        const sl_stage_cfg *in = &cfg->stages[0];
        CHECK_STR(opt_str(in, "path"), in_dir("data/x.csv"));
        CHECK_STR(opt_str(in, "format"), "jsonl");
        CHECK_STR(opt_str(in, "out_dir"), in_dir("st"));
        json_t *cols = json_object_get(in->options, "columns");
        CHECK_STR(json_string_value(json_array_get(cols, 0)), "$HOME");
        CHECK_STR(json_string_value(json_array_get(cols, 1)), "$5");
        CHECK_STR(json_string_value(json_array_get(cols, 2)), "a$");
        CHECK_STR(json_string_value(json_array_get(cols, 3)), "");
    }
    sl_config_free(&cfg);

    EXPECT_ERR(HDR " \"sources\": [{\"id\": \"in\", \"plugin\": \"cfgsrc\", \"path\": @\"${CFGTEST_UNSET}/x\"}],\n" SINK,
               "sources[0].path: environment variable CFGTEST_UNSET is not set "
               "(use ${CFGTEST_UNSET:-default} to give a default)");
    EXPECT_ERR(HDR SRC " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"in\"],\n"
                       "            \"key\": {\"orders\": [\"id\", @\"${CFGTEST_UNSET}\"]}}]}\n",
               "sinks[0].key.orders[1]: environment variable CFGTEST_UNSET is not set "
               "(use ${CFGTEST_UNSET:-default} to give a default)");
    EXPECT_ERR(HDR " \"name\": @\"${CFGTEST_DIR\",\n" SRC SINK, "name: unterminated ${ (write $$ for a literal $)");
    EXPECT_ERR(HDR " \"name\": @\"${CFGTEST_DIR-x}\",\n" SRC SINK,
               "name: bad reference \"${CFGTEST_DIR-x}\": use ${VAR} or ${VAR:-default} (and $$ for a literal $)");
    EXPECT_ERR(HDR " \"name\": @\"${}\",\n" SRC SINK,
               "name: bad reference \"${}\": use ${VAR} or ${VAR:-default} (and $$ for a literal $)");
    /* plugin_path itself is interpolated: without the variable nothing is found. */
    unsetenv("CFGTEST_PLUGINS");
    EXPECT_ERR("{\"plugin_path\": @\"${CFGTEST_PLUGINS}\",\n" SRC SINK,
               "plugin_path: environment variable CFGTEST_PLUGINS is not set "
               "(use ${CFGTEST_PLUGINS:-default} to give a default)");
    setenv("CFGTEST_PLUGINS", CFGTEST_GOOD_DIR, 1);
}

/* ---- syntax and pipeline keys ----------------------------------------------- */

static void test_syntax(void)
{
    /* Positions from jansson, spelled out rather than marked. */
    write_file("p.json", "{\n  \"sources\": [\n    {\"id\": \"in\",, }\n  ]\n}\n");
    sl_pipeline_cfg *cfg = NULL;
    char *err = NULL;
    CHECK(sl_config_load("p.json", &cfg, &err) == -1 && cfg == NULL);
    CHECK_STR(err, "p.json:3:17: string or '}' expected near ','");
    free(err);
    write_file("p.json", "{\"name\": \"a\",\n \"name\": \"b\"}");
    CHECK(sl_config_load("p.json", &cfg, &err) == -1);
    CHECK_STR(err, "p.json:2:7: duplicate object key near '\"name\"'");
    free(err);
    write_file("p.json", "");
    CHECK(sl_config_load("p.json", &cfg, &err) == -1);
    CHECK_STR(err, "p.json:1:1: '[' or '{' expected near end of file");
    free(err);
    CHECK(sl_config_load("missing.json", &cfg, &err) == -1);
    CHECK_STR(err, "missing.json: cannot open: No such file or directory");
    free(err);

    EXPECT_ERR("@[1, 2]", "a pipeline is a JSON object, got an array");
    EXPECT_ERR(HDR " @\"sorces\": [],\n" SRC SINK, "sorces: unknown key (did you mean sources?)");
    EXPECT_ERR(HDR " @\"zzzz\": 1,\n" SRC SINK, "zzzz: unknown key");
    EXPECT_ERR(HDR " @\"$comment\": \"x\",\n" SRC SINK, "$comment: unknown key");

    /* Required lists: a missing key points at the object that should hold it. */
    EXPECT_ERR("@{\"plugin_path\": \"${CFGTEST_PLUGINS}\",\n" SRC "\"transforms\": []}",
               "sinks: required key missing");
    EXPECT_ERR(HDR " \"sources\": @[],\n" SINK, "sources: must list at least one stage");
    EXPECT_ERR(HDR SRC " \"sinks\": @{}}", "sinks: expected a list of stages, got an object");
    EXPECT_ERR(HDR " \"transforms\": @\"t\",\n" SRC SINK, "transforms: expected a list of stages, got a string");

    /* Scalars. */
    EXPECT_ERR(HDR " \"batch_size\": @0,\n" SRC SINK, "batch_size: expected an integer from 1 to 1000000");
    EXPECT_ERR(HDR " \"batch_size\": @1000001,\n" SRC SINK, "batch_size: expected an integer from 1 to 1000000");
    EXPECT_ERR(HDR " \"batch_size\": @\"10\",\n" SRC SINK, "batch_size: expected an integer from 1 to 1000000");
    EXPECT_ERR(HDR " \"max_errors\": @-1,\n" SRC SINK, "max_errors: expected an integer of at least 0");
    EXPECT_ERR(HDR " \"max_errors\": @2.5,\n" SRC SINK, "max_errors: expected an integer of at least 0");
    EXPECT_ERR(HDR " \"name\": @\"\",\n" SRC SINK, "name: must not be empty");
    EXPECT_ERR(HDR " \"name\": @7,\n" SRC SINK, "name: expected a string, got an integer");
    EXPECT_ERR(HDR " \"description\": @[],\n" SRC SINK, "description: expected a string, got an array");
    EXPECT_ERR(HDR " \"dead_letter\": @true,\n" SRC SINK, "dead_letter: expected a string, got a boolean");
    EXPECT_ERR("{\"plugin_path\": @3,\n" SRC SINK, "plugin_path: expected a folder or a list of folders, got an integer");
    EXPECT_ERR("{\"plugin_path\": [\"a\", @null],\n" SRC SINK, "plugin_path[1]: expected a string, got null");
    /* Positions count characters, not bytes, like jansson's. */
    EXPECT_ERR(HDR " \"description\": \"\u00e9t\u00e9 \u00e0 ma\u00f1ana\", \"name\": \"\u00e9\u00e9\", \"max_errors\": @-4,\n" SRC SINK,
               "max_errors: expected an integer of at least 0");
}

/* ---- stages ------------------------------------------------------------------- */

static void test_stage_keys(void)
{
    EXPECT_ERR(HDR " \"sources\": [@[]],\n" SINK, "sources[0]: expected a stage object, got an array");
    EXPECT_ERR(HDR " \"sources\": [@{\"plugin\": \"cfgsrc\", \"path\": \"a\"}],\n" SINK,
               "sources[0].id: required key missing");
    EXPECT_ERR(HDR " \"sources\": [{\"id\": @\"a b\", \"plugin\": \"cfgsrc\", \"path\": \"a\"}],\n" SINK,
               "sources[0].id: invalid stage id \"a b\" (use letters, digits, _ . and -)");
    EXPECT_ERR(HDR " \"sources\": [{\"id\": @\"\", \"plugin\": \"cfgsrc\", \"path\": \"a\"}],\n" SINK,
               "sources[0].id: must not be empty");
    EXPECT_ERR(HDR " \"sources\": [{\"id\": @1, \"plugin\": \"cfgsrc\", \"path\": \"a\"}],\n" SINK,
               "sources[0].id: expected a string, got an integer");
    EXPECT_ERR(HDR " \"sources\": [@{\"id\": \"in\", \"path\": \"a\"}],\n" SINK,
               "sources[0].plugin: required key missing");
    EXPECT_ERR(HDR " \"sources\": [@{\"id\": \"in\", \"plugn\": \"cfgsrc\", \"path\": \"a\"}],\n" SINK,
               "sources[0].plugin: required key missing (is \"plugn\" a typo?)");
    EXPECT_ERR(HDR " \"sources\": [{\"id\": \"in\", \"plugin\": \"cfgsrc\", \"path\": \"a\", @\"inputs\": [\"x\"]}],\n" SINK,
               "sources[0].inputs: a source reads no inputs");
    EXPECT_ERR(HDR SRC " \"sinks\": [@{\"id\": \"out\", \"plugin\": \"cfgout\"}]}",
               "sinks[0].inputs: required key missing");
    EXPECT_ERR(HDR SRC " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": @[]}]}",
               "sinks[0].inputs: expected a non-empty list of stage ids");
    EXPECT_ERR(HDR SRC " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": @\"in\"}]}",
               "sinks[0].inputs: expected a non-empty list of stage ids");
    EXPECT_ERR(HDR SRC " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"in\", @2]}]}",
               "sinks[0].inputs[1]: expected a string, got an integer");
    EXPECT_ERR(HDR SRC " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"in\"], @\"workers\": 2}]}",
               "sinks[0].workers: only transforms take workers");
    EXPECT_ERR(HDR SRC " \"transforms\": [{\"id\": \"t\", \"plugin\": \"cfgmap\", \"inputs\": [\"in\"], \"workers\": @65}],\n" SINK,
               "transforms[0].workers: expected an integer from 1 to 64");
    EXPECT_ERR(HDR SRC " \"transforms\": [{\"id\": \"t\", \"plugin\": \"cfgmap\", \"inputs\": [\"in\"], \"workers\": @0}],\n" SINK,
               "transforms[0].workers: expected an integer from 1 to 64");
    EXPECT_ERR(HDR SRC " \"transforms\": [{\"id\": \"t\", \"plugin\": \"cfgserial\", \"inputs\": [\"in\"], \"workers\": @2}],\n" SINK,
               "transforms[0].workers: plugin cfgserial runs in one worker only (it is marked serial)");
    sl_pipeline_cfg *cfg = LOAD_OK(HDR SRC " \"transforms\": [{\"id\": \"t\", \"plugin\": \"cfgserial\", \"inputs\": [\"in\"], \"workers\": 1}],\n"
                                   " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"t\"]}]}");
    sl_config_free(&cfg);
}

static void test_graph(void)
{
    EXPECT_ERR(HDR SRC " \"sinks\": [{\"id\": @\"in\", \"plugin\": \"cfgout\", \"inputs\": [\"in\"]}]}",
               "sinks[0].id: duplicate stage id \"in\" (also used by sources[0])");
    EXPECT_ERR(HDR SRC " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [@\"inn\"]}]}",
               "sinks[0].inputs[0]: unknown stage \"inn\" (did you mean in?)");
    EXPECT_ERR(HDR SRC " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"in\", @\"nowhere\"]}]}",
               "sinks[0].inputs[1]: unknown stage \"nowhere\"");
    EXPECT_ERR(HDR SRC " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"in\", @\"in\"]}]}",
               "sinks[0].inputs[1]: stage \"in\" is listed twice");
    EXPECT_ERR(HDR SRC " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"in\"]},\n"
                       "           {\"id\": \"out2\", \"plugin\": \"cfgout\", \"inputs\": [@\"out\"]}]}",
               "sinks[1].inputs[0]: \"out\" is a sink (sinks[0]); sinks have no output to read");
    /* Cycles are named in data-flow order, from the stage first in the file. */
    EXPECT_ERR(HDR SRC " \"transforms\": [{\"id\": \"a\", \"plugin\": \"cfgmap\", \"inputs\": @[\"in\", \"b\"]},\n"
                       "                {\"id\": \"b\", \"plugin\": \"cfgmap\", \"inputs\": [\"a\"]}],\n"
                       " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"b\"]}]}",
               "transforms[0].inputs: inputs form a cycle: a -> b -> a");
    EXPECT_ERR(HDR SRC " \"transforms\": [{\"id\": \"t1\", \"plugin\": \"cfgmap\", \"inputs\": [\"in\"]},\n"
                       "                {\"id\": \"c\", \"plugin\": \"cfgmap\", \"inputs\": @[\"e\"]},\n"
                       "                {\"id\": \"d\", \"plugin\": \"cfgmap\", \"inputs\": [\"c\", \"t1\"]},\n"
                       "                {\"id\": \"e\", \"plugin\": \"cfgmap\", \"inputs\": [\"d\"]}],\n"
                       " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"t1\"]}]}",
               "transforms[1].inputs: inputs form a cycle: c -> d -> e -> c");
    EXPECT_ERR(HDR SRC " \"transforms\": [{\"id\": \"self\", \"plugin\": \"cfgmap\", \"inputs\": @[\"self\"]}],\n" SINK,
               "transforms[0].inputs: inputs form a cycle: self -> self");

    /* Fan-in and fan-out in one graph: every stage after its inputs. */
    sl_pipeline_cfg *cfg = LOAD_OK(
        HDR " \"sources\": [{\"id\": \"s1\", \"plugin\": \"cfgsrc\", \"path\": \"a\"},\n"
            "             {\"id\": \"s2\", \"plugin\": \"cfgsrc\", \"path\": \"b\"}],\n"
            " \"transforms\": [{\"id\": \"z\", \"plugin\": \"cfgmap\", \"inputs\": [\"y\", \"s2\"]},\n"
            "                {\"id\": \"y\", \"plugin\": \"cfgmap\", \"inputs\": [\"x\"]},\n"
            "                {\"id\": \"x\", \"plugin\": \"cfgmap\", \"inputs\": [\"s1\"]}],\n"
            " \"sinks\": [{\"id\": \"k1\", \"plugin\": \"cfgout\", \"inputs\": [\"z\"]},\n"
            "           {\"id\": \"k2\", \"plugin\": \"cfgnull\", \"inputs\": [\"x\", \"s1\"]}]}");
    if (cfg) {
        size_t pos[7];
        for (size_t i = 0; i < cfg->nstages; i++)
            pos[cfg->topo[i]] = i;
        int ok = cfg->nstages == 7;
        for (size_t i = 0; ok && i < cfg->nstages; i++)
            for (size_t k = 0; k < cfg->stages[i].ninputs; k++)
                ok &= pos[cfg->stages[i].input_idx[k]] < pos[i];
        CHECK(ok);
        /* s1 s2 x y z k1 k2: file order among the ready ones. */
        static const size_t want[7] = {0, 1, 4, 3, 2, 5, 6};
        CHECK(memcmp(cfg->topo, want, sizeof want) == 0);
    }
    sl_config_free(&cfg);
}

static void test_plugins(void)
{
    char want[2048];
    snprintf(want, sizeof want, "sources[0].plugin: no source plugin \"cfgsr\": looked for source_cfgsr.so in %s, ",
             CFGTEST_GOOD_DIR);
    write_file("p.json", HDR " \"sources\": [{\"id\": \"in\", \"plugin\": \"cfgsr\", \"path\": \"a\"}],\n" SINK);
    sl_pipeline_cfg *cfg = NULL;
    char *err = NULL;
    CHECK(sl_config_load("p.json", &cfg, &err) == -1);
    CHECK(err && strncmp(err, "p.json:2:37: ", 13) == 0 && strncmp(err + 13, want, strlen(want)) == 0);
    if (err && strncmp(err + 13, want, strlen(want)) != 0)
        fprintf(stderr, "got %s\n", err);
    size_t len = err ? strlen(err) : 0;
    const char *hint = "; did you mean \"cfgsrc\"?";
    CHECK(len > strlen(hint) && strcmp(err + len - strlen(hint), hint) == 0);
    free(err);

    /* A transform is not a source. */
    write_file("p.json", HDR " \"sources\": [{\"id\": \"in\", \"plugin\": \"cfgmap\", \"path\": \"a\"}],\n" SINK);
    CHECK(sl_config_load("p.json", &cfg, &err) == -1);
    CHECK(err && strstr(err, "sources[0].plugin: no source plugin \"cfgmap\": looked for source_cfgmap.so in "));
    free(err);
    EXPECT_ERR(HDR " \"sources\": [{\"id\": \"in\", \"plugin\": @\"../evil\", \"path\": \"a\"}],\n" SINK,
               "sources[0].plugin: invalid source plugin name \"../evil\" (plugin names use a-z, 0-9 and _)");
    /* A broken plugin found along plugin_path: the loader's reason. */
    EXPECT_ERR("{\"plugin_path\": [\"" CFGTEST_BAD_DIR "\", \"${CFGTEST_PLUGINS}\"],\n"
               " \"sources\": [{\"id\": \"in\", \"plugin\": @\"abi\"}],\n" SINK,
               "sources[0].plugin: " CFGTEST_BAD_DIR "/source_abi.so: built for plugin ABI 2.3, this sluice has ABI " SL_ABI_TEXT
               "; rebuild it against this sluice's headers");
}

/* ---- plugin options ------------------------------------------------------------ */

#define STAGE_A " \"sources\": [{\"id\": \"in\", \"plugin\": \"cfgsrc\", \"path\": \"a\", "
#define STAGE_Z "}],\n" SINK

static void test_options(void)
{
    EXPECT_ERR(HDR " \"sources\": [{\"id\": \"in\", \"plugin\": \"cfgsrc\", @\"pth\": \"a.csv\"}],\n" SINK,
               "sources[0].pth: unknown option for plugin cfgsrc (did you mean path?)");
    EXPECT_ERR(HDR STAGE_A "@\"zzzzzz\": 1" STAGE_Z, "sources[0].zzzzzz: unknown option for plugin cfgsrc");
    EXPECT_ERR(HDR SRC " \"sinks\": [@{\"id\": \"out\", \"plugin\": \"cfgout\", \"input\": [\"in\"]}]}",
               "sinks[0].inputs: required key missing (is \"input\" a typo?)");
    EXPECT_ERR(HDR SRC " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"in\"], @\"wrkers\": 1}]}",
               "sinks[0].wrkers: unknown option for plugin cfgout");
    EXPECT_ERR(HDR SRC " \"transforms\": [{\"id\": \"t\", \"plugin\": \"cfgmap\", \"inputs\": [\"in\"], @\"wrkers\": 1}],\n" SINK,
               "transforms[0].wrkers: unknown option for plugin cfgmap (did you mean workers?)");
    EXPECT_ERR(HDR SRC " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgnull\", \"inputs\": [\"in\"], @\"x\": 1}]}",
               "sinks[0].x: unknown option for plugin cfgnull (it takes no options)");
    EXPECT_ERR(HDR " \"sources\": [{\"id\": \"in\", \"plugin\": \"cfgsrc\", \"path\": \"a\"},\n"
                   "             @{\"id\": \"in2\", \"plugin\": \"cfgsrc\", \"format\": \"csv\"}],\n"
                   " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"in\", \"in2\"]}]}",
               "sources[1].path: required option missing");

    /* Types. */
    EXPECT_ERR(HDR STAGE_A "\"limit\": @\"10\"" STAGE_Z, "sources[0].limit: expected an integer, got a string");
    EXPECT_ERR(HDR STAGE_A "\"limit\": @1.5" STAGE_Z, "sources[0].limit: expected an integer, got a number");
    EXPECT_ERR(HDR STAGE_A "\"ratio\": @\"x\"" STAGE_Z, "sources[0].ratio: expected a number, got a string");
    EXPECT_ERR(HDR STAGE_A "\"header\": @\"yes\"" STAGE_Z, "sources[0].header: expected true or false, got a string");
    EXPECT_ERR(HDR STAGE_A "\"columns\": @{}" STAGE_Z,
               "sources[0].columns: expected a string or a list of strings, got an object");
    EXPECT_ERR(HDR STAGE_A "\"columns\": [\"a\", @1]" STAGE_Z,
               "sources[0].columns[1]: expected a string in the list, got an integer");
    EXPECT_ERR(HDR STAGE_A "\"mapping\": @[]" STAGE_Z, "sources[0].mapping: expected an object, got an array");
    EXPECT_ERR(HDR STAGE_A "\"rows\": @{}" STAGE_Z, "sources[0].rows: expected an array, got an object");
    EXPECT_ERR(HDR STAGE_A "\"format\": @null" STAGE_Z, "sources[0].format: expected a string, got null");
    EXPECT_ERR(HDR " \"sources\": [{\"id\": \"in\", \"plugin\": \"cfgsrc\", \"path\": @5}],\n" SINK,
               "sources[0].path: expected a path (string), got an integer");
    EXPECT_ERR(HDR " \"sources\": [{\"id\": \"in\", \"plugin\": \"cfgsrc\", \"path\": @\"\"}],\n" SINK,
               "sources[0].path: must not be an empty path");

    /* Choices; a SECRET value never appears in a message. */
    EXPECT_ERR(HDR STAGE_A "\"format\": @\"xml\"" STAGE_Z, "sources[0].format: must be one of csv, jsonl (got \"xml\")");
    EXPECT_ERR(HDR STAGE_A "\"sep\": @\";\\n\"" STAGE_Z, "sources[0].sep: must be one of \",\", \"\\t\", tab (got \";\\n\")");
    EXPECT_ERR(HDR STAGE_A "\"tags\": [\"a\", @\"d\"]" STAGE_Z, "sources[0].tags[1]: must be one of a, b, c (got \"d\")");
    EXPECT_ERR(HDR STAGE_A "\"tags\": @\"d\"" STAGE_Z, "sources[0].tags: must be one of a, b, c (got \"d\")");
    EXPECT_ERR(HDR SRC " \"sinks\": [{\"id\": \"out\", \"plugin\": \"cfgout\", \"inputs\": [\"in\"], \"mode\": @\"hunter2\"}]}",
               "sinks[0].mode: must be one of alpha, beta");
    EXPECT_ERR(HDR STAGE_A "\"token\": @12345" STAGE_Z, "sources[0].token: expected a string, got an integer");
    sl_pipeline_cfg *cfg = LOAD_OK(HDR STAGE_A "\"token\": \"s3cr3t\", \"tags\": [\"b\", \"c\"], \"rows\": [1, {}]" STAGE_Z);
    if (cfg) {
        CHECK_STR(opt_str(&cfg->stages[0], "token"), "s3cr3t");
        CHECK(json_array_size(json_object_get(cfg->stages[0].options, "tags")) == 2);
        CHECK(json_array_size(json_object_get(cfg->stages[0].options, "rows")) == 2);
    }
    sl_config_free(&cfg);
}

/* sl_options_check on its own: the message names the path, not a position. */
static void test_options_check_api(void)
{
    sl_plugin_handle *h = NULL;
    char *err = NULL;
    CHECK(sl_plugin_open(CFGTEST_GOOD_DIR "/source_cfgsrc.so", &h, &err) == 0);
    if (!h)
        return;
    json_t *given = json_pack("{s:s, s:s}", "path", "in.csv", "columns", "x");
    json_t *out = sl_options_check(h->desc, given, "/base", "sources[3]", &err);
    CHECK(out && !err);
    CHECK_STR(json_string_value(json_object_get(out, "path")), "/base/in.csv");
    CHECK(json_is_array(json_object_get(out, "columns")));
    CHECK_STR(json_string_value(json_object_get(given, "columns")), "x"); /* the input is not changed */
    json_decref(out);
    json_decref(given);

    given = json_pack("{s:s, s:i}", "path", "in.csv", "limt", 3);
    CHECK(sl_options_check(h->desc, given, "/base", "sources[3]", &err) == NULL);
    CHECK_STR(err, "sources[3].limt: unknown option for plugin cfgsrc (did you mean limit?)");
    free(err);
    json_decref(given);
    given = json_object();
    CHECK(sl_options_check(h->desc, given, "/base", "", &err) == NULL);
    CHECK_STR(err, "path: required option missing");
    free(err);
    json_decref(given);
    sl_plugin_close(&h);
}

/* ---- fixtures ------------------------------------------------------------------- */

static void test_fixtures(void)
{
    sl_pipeline_cfg *cfg = NULL;
    char *err = NULL;
    CHECK(sl_config_load(CFGTEST_DATA_DIR "/pipeline.json", &cfg, &err) == 0);
    if (err)
        fprintf(stderr, "%s\n", err);
    free(err);
    if (cfg) {
        char real[PATH_MAX];
        CHECK(realpath(CFGTEST_DATA_DIR, real) != NULL);
        CHECK_STR(cfg->dir, real);
        CHECK_STR(cfg->name, "orders-demo");
        char want[PATH_MAX + 32];
        snprintf(want, sizeof want, "%s/in/orders.csv", real);
        CHECK_STR(opt_str(&cfg->stages[0], "path"), want);
        CHECK(cfg->nstages == 4);
    }
    sl_config_free(&cfg);

    /* Errors name the file as it was given. */
    CHECK(sl_config_load(CFGTEST_DATA_DIR "/bad_option.json", &cfg, &err) == -1);
    CHECK_STR(err, CFGTEST_DATA_DIR "/bad_option.json:8:7: sources[0].fromat: unknown option for plugin cfgsrc "
                                    "(did you mean format?)");
    free(err);
}

/* ---- jsonpos ---------------------------------------------------------------------- */

static void test_jsonpos(void)
{
    const char *text = "{\"\u00e9t\u00e9\": {\"a\\u00e9\\\"\": [1, {\"x\": 2}]},\n"
                       "\t\"k.l\" :\r\n  \"v\", \"e\": [], \"o\": {}}";
    sl_jsonpos *jp = sl_jsonpos_index(text, strlen(text));
    int l = 0, c = 0;
    CHECK(jp != NULL);
    CHECK(sl_jsonpos_value(jp, "", &l, &c) == 0 && l == 1 && c == 1);
    CHECK(sl_jsonpos_key(jp, "", &l, &c) == -1);
    CHECK(sl_jsonpos_key(jp, "\u00e9t\u00e9", &l, &c) == 0 && l == 1 && c == 2);
    CHECK(sl_jsonpos_value(jp, "\u00e9t\u00e9", &l, &c) == 0 && l == 1 && c == 9);
    CHECK(sl_jsonpos_value(jp, "\u00e9t\u00e9.a\u00e9\"", &l, &c) == 0 && l == 1 && c == 23);
    CHECK(sl_jsonpos_value(jp, "\u00e9t\u00e9.a\u00e9\"[1].x", &l, &c) == 0 && l == 1 && c == 33);
    CHECK(sl_jsonpos_key(jp, "\u00e9t\u00e9.a\u00e9\"[1].x", &l, &c) == 0 && l == 1 && c == 28);
    CHECK(sl_jsonpos_key(jp, "\u00e9t\u00e9.a\u00e9\"[1]", &l, &c) == -1);
    CHECK(sl_jsonpos_key(jp, "k.l", &l, &c) == 0 && l == 2 && c == 2);
    CHECK(sl_jsonpos_value(jp, "k.l", &l, &c) == 0 && l == 3 && c == 3);
    CHECK(sl_jsonpos_value(jp, "o", &l, &c) == 0 && l == 3 && c == 22);
    CHECK(sl_jsonpos_value(jp, "nope", &l, &c) == -1);
    sl_jsonpos_free(&jp);
    CHECK(jp == NULL);

    /* Broken text: indexed up to the problem, never a crash. */
    const char *bad[] = {"", "{", "{\"a\"", "{\"a\": [1, ", "[\"\\", "{\"a\": {\"b\": tru", "]]]"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        jp = sl_jsonpos_index(bad[i], strlen(bad[i]));
        CHECK(jp != NULL);
        sl_jsonpos_free(&jp);
    }
    char *p = sl_json_path_key("", "a");
    CHECK_STR(p, "a");
    free(p);
    p = sl_json_path_key("a[2]", "b");
    CHECK_STR(p, "a[2].b");
    free(p);
    p = sl_json_path_index("a", 7);
    CHECK_STR(p, "a[7]");
    free(p);
}

int main(void)
{
    unsetenv("SLUICE_PLUGIN_PATH");
    setenv("CFGTEST_PLUGINS", CFGTEST_GOOD_DIR, 1);
    if (!mkdtemp(g_tmp) || !realpath(g_tmp, g_dir) || chdir(g_dir) != 0) {
        perror(g_tmp);
        return 1;
    }
    test_jsonpos();
    test_valid();
    test_defaults();
    test_paths();
    test_env();
    test_syntax();
    test_stage_keys();
    test_graph();
    test_plugins();
    test_options();
    test_options_check_api();
    test_fixtures();
    char cmd[PATH_MAX + 32];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    if (chdir("/") != 0 || system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_dir);
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
