/* test_loader.c - the plugin loader (core/loader.c) and the plugin CLI
 * (core/cli_plugins.c) against the test plugins of tests/plugin/: the good
 * ones in CFGTEST_GOOD_DIR and the deliberately broken ones in
 * CFGTEST_BAD_DIR. Prints "N passed, M failed"; exits 1 on any failure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_plugins.h"
#include "loader.h"

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

#define CHECK_STR(got, want)                                                                                           \
    do {                                                                                                               \
        const char *g_ = (got), *w_ = (want);                                                                          \
        if (g_ && w_ && strcmp(g_, w_) == 0) {                                                                         \
            g_pass++;                                                                                                  \
        } else {                                                                                                       \
            g_fail++;                                                                                                  \
            fprintf(stderr, "%s:%d: got  \"%s\"\n%*swant \"%s\"\n", __FILE__, __LINE__, g_ ? g_ : "(null)",            \
                    (int)strlen(__FILE__) + 8, "", w_ ? w_ : "(null)");                                                \
        }                                                                                                              \
    } while (0)

static char g_tmp[] = "/tmp/sluice-test-loader-XXXXXX";

static char *fmt(const char *f, const char *a, const char *b)
{
    size_t n = strlen(f) + strlen(a) + strlen(b) + 1;
    char *s = malloc(n);
    snprintf(s, n, f, a, b);
    return s;
}

/* sl_plugin_open on CFGTEST_BAD_DIR/<file>; the error with the path stripped. */
static char *open_error(const char *file)
{
    char *path = fmt("%s/%s", CFGTEST_BAD_DIR, file);
    sl_plugin_handle *h = NULL;
    char *err = NULL;
    int rc = sl_plugin_open(path, &h, &err);
    CHECK(rc == -1 && h == NULL && err != NULL);
    char *msg = NULL;
    size_t plen = strlen(path);
    if (err && strncmp(err, path, plen) == 0 && strncmp(err + plen, ": ", 2) == 0)
        msg = strdup(err + plen + 2);
    else
        fprintf(stderr, "error does not start with the path: %s\n", err ? err : "(null)");
    free(err);
    free(path);
    sl_plugin_close(&h);
    return msg;
}

static void expect_refused(const char *file, const char *want)
{
    char *msg = open_error(file);
    CHECK_STR(msg, want);
    free(msg);
}

static void test_refusals(void)
{
    char small[160];
    snprintf(small, sizeof small,
             "descriptor is 16 bytes, smaller than the %zu of ABI 1.0; rebuild it against this sluice's headers",
             sizeof(sluice_plugin));
    expect_refused("source_abi.so",
                   "built for plugin ABI 2.3, this sluice has ABI " SL_ABI_TEXT "; rebuild it against this sluice's headers");
    expect_refused("source_noentry.so", "not a sluice plugin: no sluice_plugin_entry symbol");
    expect_refused("source_nulldesc.so", "sluice_plugin_entry() returned NULL");
    expect_refused("source_misnamed.so",
                   "holds the source plugin \"other\", which must be in a file named source_other.so");
    expect_refused("source_badname.so",
                   "descriptor has a missing or invalid name (want [a-z0-9_]+, at most 64 characters)");
    expect_refused("source_norun.so", "source descriptor has no run callback");
    expect_refused("source_noinit.so", "descriptor has no init callback");
    expect_refused("sink_nowrite.so", "sink descriptor has no write callback");
    expect_refused("source_badkind.so", "descriptor has unknown kind 7 (want 1 source, 2 transform or 3 sink)");
    expect_refused("source_small.so", small);
    expect_refused("source_badtype.so", "option \"weird\" has unknown type 42");
    expect_refused("source_noterm.so", "option table has no {0} terminator within 256 entries");
    expect_refused("source_dupopt.so", "option \"a\" is declared twice");
    expect_refused("source_baddefault.so", "option \"n\": default does not have the option's type");
    expect_refused("source_badchoice.so", "option \"c\": default is not one of the option's choices");
    expect_refused("source_idopt.so", "option \"id\" clashes with the stage key of the same name");

    /* Not a shared object at all, and no file. */
    char *junk = fmt("%s/%s", g_tmp, "source_junk.so");
    FILE *f = fopen(junk, "w");
    fputs("not an ELF file\n", f);
    fclose(f);
    sl_plugin_handle *h = NULL;
    char *err = NULL;
    CHECK(sl_plugin_open(junk, &h, &err) == -1 && !h);
    char *want = fmt("%s: cannot load: %s", junk, "");
    CHECK(err && strncmp(err, want, strlen(want)) == 0);
    free(want);
    free(err);
    free(junk);
    err = NULL;
    CHECK(sl_plugin_open("/nonexistent/source_x.so", &h, &err) == -1 && !h);
    CHECK(err && strncmp(err, "/nonexistent/source_x.so: cannot load: ", 39) == 0);
    free(err);
}

static void test_open_good(void)
{
    sl_plugin_handle *h = NULL;
    char *err = NULL;
    CHECK(sl_plugin_open(CFGTEST_GOOD_DIR "/source_cfgsrc.so", &h, &err) == 0 && err == NULL);
    CHECK(h && h->dl && h->desc && strcmp(h->desc->name, "cfgsrc") == 0 && h->desc->kind == SLUICE_SOURCE);
    CHECK_STR(h ? h->path : NULL, CFGTEST_GOOD_DIR "/source_cfgsrc.so");
    sl_plugin_close(&h);
    CHECK(h == NULL);
    sl_plugin_close(&h); /* twice is harmless */

    /* A bare file name means the current folder, not the system library path. */
    char *cwd = getcwd(NULL, 0);
    CHECK(chdir(CFGTEST_GOOD_DIR) == 0);
    CHECK(sl_plugin_open("sink_cfgout.so", &h, &err) == 0);
    CHECK_STR(h ? h->path : NULL, "./sink_cfgout.so");
    sl_plugin_close(&h);
    CHECK(chdir(cwd) == 0);
    free(cwd);
}

static void test_search_path(void)
{
    setenv("SLUICE_PLUGIN_PATH", "/env/a::/env/b:/first", 1);
    const char *first[] = {"/first", "rel/dir", "/first"};
    sl_search_path sp;
    CHECK(sl_search_path_init(&sp, first, 3) == 0);
    /* first dirs, then the environment (duplicates dropped), then the
     * compiled-in install and build folders. */
    CHECK(sp.n >= 4);
    CHECK_STR(sp.dirs[0], "/first");
    CHECK_STR(sp.dirs[1], "rel/dir");
    CHECK_STR(sp.dirs[2], "/env/a");
    CHECK_STR(sp.dirs[3], "/env/b");
    int has_build = 0;
    for (size_t i = 4; i < sp.n; i++)
        has_build |= strstr(sp.dirs[i], "plugins") != NULL;
    CHECK(has_build);
    sl_search_path_free(&sp);
    CHECK(sp.dirs == NULL && sp.n == 0);
    unsetenv("SLUICE_PLUGIN_PATH");

    CHECK_STR(sl_kind_name(SLUICE_SOURCE), "source");
    CHECK_STR(sl_kind_name(SLUICE_TRANSFORM), "transform");
    CHECK_STR(sl_kind_name(SLUICE_SINK), "sink");
    CHECK_STR(sl_kind_name(9), "?");
    CHECK(sl_kind_parse("sinks", 5) == SLUICE_SINK && sl_kind_parse("transform", 9) == SLUICE_TRANSFORM);
    CHECK(sl_kind_parse("sourcex", 7) == 0 && sl_kind_parse("source", 3) == 0);
}

/* A search path of exactly these folders, without the compiled-in ones, so
 * the results do not depend on which real plugins are built. */
static sl_search_path only(const char *a, const char *b)
{
    sl_search_path sp = {calloc(2, sizeof(char *)), 0};
    sp.dirs[sp.n++] = strdup(a);
    if (b)
        sp.dirs[sp.n++] = strdup(b);
    return sp;
}

static void test_find(void)
{
    sl_search_path sp = only(CFGTEST_BAD_DIR, CFGTEST_GOOD_DIR);
    sl_plugin_handle *h = NULL;
    char *err = NULL;
    CHECK(sl_plugin_find(&sp, SLUICE_SINK, "cfgout", &h, &err) == 0);
    CHECK(h && h->desc->kind == SLUICE_SINK && strcmp(h->desc->name, "cfgout") == 0);
    sl_plugin_close(&h);

    CHECK(sl_plugin_find(&sp, SLUICE_SOURCE, "cfgsr", &h, &err) == -1 && !h);
    CHECK_STR(err, "no source plugin \"cfgsr\": looked for source_cfgsr.so in " CFGTEST_BAD_DIR ", " CFGTEST_GOOD_DIR
                   "; did you mean \"cfgsrc\"?");
    free(err);
    CHECK(sl_plugin_find(&sp, SLUICE_TRANSFORM, "zzzzzz", &h, &err) == -1);
    CHECK_STR(err, "no transform plugin \"zzzzzz\": looked for transform_zzzzzz.so in " CFGTEST_BAD_DIR
                   ", " CFGTEST_GOOD_DIR);
    free(err);
    /* A plugin of another kind is not a match. */
    CHECK(sl_plugin_find(&sp, SLUICE_SOURCE, "cfgmap", &h, &err) == -1);
    free(err);
    CHECK(sl_plugin_find(&sp, SLUICE_SOURCE, "../x", &h, &err) == -1);
    CHECK_STR(err, "invalid source plugin name \"../x\" (plugin names use a-z, 0-9 and _)");
    free(err);
    /* Found but broken: the loader's reason, not "not found". */
    CHECK(sl_plugin_find(&sp, SLUICE_SOURCE, "abi", &h, &err) == -1);
    CHECK_STR(err, CFGTEST_BAD_DIR "/source_abi.so: built for plugin ABI 2.3, this sluice has ABI " SL_ABI_TEXT "; rebuild it "
                                   "against this sluice's headers");
    free(err);
    sl_search_path_free(&sp);

    /* The first folder holding the file wins. */
    char *dir = fmt("%s/%s", g_tmp, "first");
    char *link = fmt("%s/%s", dir, "source_cfgsrc.so");
    CHECK(mkdir(dir, 0755) == 0 && symlink(CFGTEST_GOOD_DIR "/source_cfgsrc.so", link) == 0);
    sp = only(dir, CFGTEST_GOOD_DIR);
    char *p = sl_plugin_locate(&sp, SLUICE_SOURCE, "cfgsrc");
    CHECK_STR(p, link);
    free(p);
    sl_search_path_free(&sp);
    sp = only(CFGTEST_GOOD_DIR, dir);
    p = sl_plugin_locate(&sp, SLUICE_SOURCE, "cfgsrc");
    CHECK_STR(p, CFGTEST_GOOD_DIR "/source_cfgsrc.so");
    free(p);
    CHECK(sl_plugin_locate(&sp, SLUICE_SOURCE, "nope") == NULL);
    sl_search_path_free(&sp);
    free(link);
    free(dir);
}

static int g_warnings;
static int g_warned_not_named;
static void count_warning(const char *msg)
{
    g_warnings++;
    if (strstr(msg, "libextra.so: skipped: not named <kind>_<name>.so"))
        g_warned_not_named++;
}

static void test_list(void)
{
    sl_search_path sp = only(CFGTEST_GOOD_DIR, NULL);
    sl_plugin_handle **h = NULL;
    size_t n = 0;
    g_warnings = 0;
    CHECK(sl_plugin_list(&sp, &h, &n, count_warning) == 0);
    CHECK(n == 7 && g_warnings == 0);
    static const char *const want[] = {"source/cfgfile",     "source/cfgsrc", "transform/cfgmap",
                                       "transform/cfgserial", "sink/cfgfile",  "sink/cfgnull",
                                       "sink/cfgout"};
    for (size_t i = 0; i < n && i < 7; i++) {
        char got[64];
        snprintf(got, sizeof got, "%s/%s", sl_kind_name(h[i]->desc->kind), h[i]->desc->name);
        CHECK_STR(got, want[i]);
    }
    for (size_t i = 0; i < n; i++)
        sl_plugin_close(&h[i]);
    free(h);
    sl_search_path_free(&sp);

    /* Every broken plugin is a warning, none is listed; the first folder's
     * file shadows a later one even when broken; odd names are skipped. */
    char *extra = fmt("%s/%s", g_tmp, "libextra.so");
    FILE *f = fopen(extra, "w");
    fclose(f);
    sp = only(CFGTEST_BAD_DIR, g_tmp);
    g_warnings = 0;
    g_warned_not_named = 0;
    CHECK(sl_plugin_list(&sp, &h, &n, count_warning) == 0);
    CHECK(n == 0);
    CHECK(g_warnings == 16 + 2); /* the bad plugins, source_junk.so and libextra.so */
    CHECK(g_warned_not_named == 1);
    free(h);
    sl_search_path_free(&sp);
    free(extra);

    sp = only("/nonexistent", NULL);
    CHECK(sl_plugin_list(&sp, &h, &n, NULL) == 0 && n == 0);
    free(h);
    sl_search_path_free(&sp);
}

/* Runs fn into a memory stream and returns what it printed (caller frees). */
static char *capture(int (*fn)(const sl_search_path *, const char *, FILE *), const sl_search_path *sp,
                     const char *arg, int *rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    *rc = fn(sp, arg, out);
    fclose(out);
    return buf;
}

static int plugins_fn(const sl_search_path *sp, const char *arg, FILE *out)
{
    (void)arg;
    return sl_cli_plugins(sp, out);
}

static void test_cli(void)
{
    sl_search_path sp = only(CFGTEST_GOOD_DIR, NULL);
    int rc;
    char *out = capture(plugins_fn, &sp, NULL, &rc);
    CHECK(rc == 0);
    CHECK_STR(out, "KIND       NAME       VERSION  DESCRIPTION\n"
                   "source     cfgfile    0.0.1    test source with one option of each type\n"
                   "source     cfgsrc     0.0.1    test source with one option of each type\n"
                   "transform  cfgmap     0.0.2    test transform\n"
                   "transform  cfgserial  0.0.2    test transform\n"
                   "sink       cfgfile    0.0.3    test sink\n"
                   "sink       cfgnull    0.0.3    test sink\n"
                   "sink       cfgout     0.0.3    test sink\n");
    free(out);

    out = capture(sl_cli_describe, &sp, "sink:cfgout", &rc);
    CHECK(rc == 0);
    CHECK_STR(out, "sink cfgout 0.0.3\n"
                   "  test sink\n"
                   "  file: " CFGTEST_GOOD_DIR "/sink_cfgout.so\n"
                   "  plugin ABI: " SL_ABI_TEXT "\n"
                   "\n"
                   "  OPTION  TYPE            DEFAULT      DESCRIPTION\n"
                   "  path    path            \"out.jsonl\"  file to write\n"
                   "  key     object          -            key columns per stream\n"
                   "  mode    string, secret  -            secret mode (one of: alpha, beta)\n");
    free(out);

    /* A name used by two kinds prints both; a kind prefix picks one. */
    out = capture(sl_cli_describe, &sp, "cfgfile", &rc);
    CHECK(rc == 0 && out && strstr(out, "source cfgfile 0.0.1\n") && strstr(out, "sink cfgfile 0.0.3\n"));
    CHECK(out && strstr(out, "  path     path            required  file to read\n"));
    CHECK(out && strstr(out, "  format   string          \"csv\"     input format (one of: csv, jsonl)\n"));
    CHECK(out && strstr(out, "  token    string, secret  -         API token\n"));
    CHECK(out && strstr(out, "  sep      string          \",\"       separator (one of: \",\", \"\\t\", tab)\n"));
    free(out);
    out = capture(sl_cli_describe, &sp, "source/cfgfile", &rc);
    CHECK(rc == 0 && out && strstr(out, "source cfgfile") && !strstr(out, "sink cfgfile"));
    free(out);
    out = capture(sl_cli_describe, &sp, "transform/cfgserial", &rc);
    CHECK(rc == 0 && out && strstr(out, "  runs in one worker only\n"));
    free(out);
    out = capture(sl_cli_describe, &sp, "sink/cfgnull", &rc);
    CHECK(rc == 0 && out && strstr(out, "\n  (no options)\n"));
    free(out);

    fprintf(stderr, "(the next messages on stderr are expected)\n");
    out = capture(sl_cli_describe, &sp, "nosuch", &rc);
    CHECK(rc == 2 && out && out[0] == '\0');
    free(out);
    out = capture(sl_cli_describe, &sp, "sink/cfgsrc", &rc);
    CHECK(rc == 2);
    free(out);
    out = capture(sl_cli_describe, &sp, "bogus/cfgsrc", &rc);
    CHECK(rc == 2);
    free(out);
    sl_search_path_free(&sp);

    sp = only(CFGTEST_BAD_DIR, NULL);
    out = capture(sl_cli_describe, &sp, "abi", &rc);
    CHECK(rc == 1);
    free(out);
    out = capture(plugins_fn, &sp, NULL, &rc);
    CHECK(rc == 0 && out && strncmp(out, "no plugins found; searched:\n", 28) == 0);
    free(out);
    sl_search_path_free(&sp);
}

int main(void)
{
    unsetenv("SLUICE_PLUGIN_PATH");
    if (!mkdtemp(g_tmp)) {
        perror("mkdtemp");
        return 1;
    }
    test_search_path();
    test_open_good();
    test_refusals();
    test_find();
    test_list();
    test_cli();
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", g_tmp);
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
