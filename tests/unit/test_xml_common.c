/* test_xml_common.c - unit tests of connectors/xmlcommon (decimals, text
 * of subtrees, the spool, the safe reader's refusals) and of the generic
 * source's record paths (connectors/xml/xml_recpath.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "xml_recpath.h"
#include "xml_safe.h"
#include "xml_spool.h"
#include "xml_text.h"

static int failures;

#define CHECK(cond)                                                                                                \
    do {                                                                                                           \
        if (!(cond)) {                                                                                             \
            fprintf(stderr, "%s:%d: FAIL %s\n", __FILE__, __LINE__, #cond);                                        \
            failures++;                                                                                            \
        }                                                                                                          \
    } while (0)

static int streq(const char *a, const char *b) { return a != NULL && b != NULL && strcmp(a, b) == 0; }

static void test_decimal(void)
{
    slx_buf b = {0};
    CHECK(streq(slx_decimal("2042.66", &b), "2042.66"));
    CHECK(streq(slx_decimal("3 159,50", &b), "3159.50"));
    CHECK(streq(slx_decimal("1\xc2\xa0" "000", &b), "1000"));         /* no-break space */
    CHECK(streq(slx_decimal("1\xe2\x80\xaf" "000,5", &b), "1000.5")); /* narrow no-break space */
    CHECK(streq(slx_decimal("-1", &b), "-1"));
    CHECK(streq(slx_decimal("+7", &b), "7"));
    CHECK(slx_decimal("", &b) == NULL);
    CHECK(slx_decimal("12 RUB", &b) == NULL);
    CHECK(slx_decimal("1.2.3", &b) == NULL);
    CHECK(slx_decimal("1,", &b) == NULL);
    CHECK(slx_decimal(" 1", &b) == NULL);
    CHECK(slx_decimal("abc", &b) == NULL);

    slx_buf s = {0};
    CHECK(streq(slx_decimal_add("2.5", "-1", &s), "1.5"));
    CHECK(streq(slx_decimal_add("0", "0.05", &s), "0.05"));
    CHECK(streq(slx_decimal_add("-3", "1", &s), "-2"));
    CHECK(streq(slx_decimal_add("0.1", "0.2", &s), "0.3"));
    CHECK(streq(slx_decimal_add("999999999999999999", "1", &s), "1000000000000000000"));
    CHECK(slx_decimal_add("1.0000000001", "1", &s) == NULL); /* more than 9 decimals */
    CHECK(slx_decimal_add("x", "1", &s) == NULL);
    slx_buf_free(&b);
    slx_buf_free(&s);
}

static void test_trim_and_text(void)
{
    char s1[] = " \t a b \r\n";
    CHECK(streq(slx_trim(s1), "a b"));
    char s2[] = "   ";
    CHECK(streq(slx_trim(s2), ""));

    const char *doc = "<r xmlns='urn:x'><a k=' v '> x <![CDATA[<b>]]> y <c>inner</c> </a><d/></r>";
    xmlDocPtr d = xmlReadMemory(doc, (int)strlen(doc), "t.xml", NULL, XML_PARSE_NONET);
    CHECK(d != NULL);
    if (d == NULL)
        return;
    xmlNodePtr root = xmlDocGetRootElement(d);
    slx_buf b = {0};
    xmlNode *a = slx_child(root, "a");
    CHECK(a != NULL && slx_is(a, "a"));
    CHECK(streq(slx_text(a, &b), "x <b> y"));
    CHECK(streq(slx_text_all(a, &b), "x <b> y inner"));
    CHECK(streq(slx_attr_text(a, "k", &b), "v"));
    CHECK(slx_attr_text(a, "missing", &b) == NULL);
    CHECK(slx_child_text(root, "d", &b) == NULL); /* empty */
    CHECK(slx_next_elem(a) == slx_child(root, "d"));
    CHECK(slx_child(root, "zzz") == NULL);
    slx_buf_free(&b);
    xmlFreeDoc(d);
}

static int replay_count;
static int on_entry(void *ud, char kind, const char *stream, uint64_t line, const char *text, size_t len,
                    const char *reason)
{
    (void)ud;
    if (replay_count == 0)
        CHECK(kind == SLX_SPOOL_RECORD && streq(stream, "products") && line == 7 && len == 7 &&
              streq(text, "{\"a\":1}") && reason == NULL);
    if (replay_count == 1)
        CHECK(kind == SLX_SPOOL_REJECT && streq(stream, "offers") && line == 9 && streq(text, "raw") &&
              streq(reason, "why"));
    replay_count++;
    return 0;
}

static void test_spool(void)
{
    slx_spool *s = NULL;
    char err[256];
    CHECK(slx_spool_open(&s, NULL, err, sizeof err) == 0);
    if (s == NULL)
        return;
    CHECK(slx_spool_add(s, SLX_SPOOL_RECORD, "products", 7, "{\"a\":1}", 7, NULL) == 0);
    CHECK(slx_spool_add(s, SLX_SPOOL_REJECT, "offers", 9, "raw", 3, "why") == 0);
    for (int i = 0; i < 5000; i++)
        CHECK(slx_spool_add(s, SLX_SPOOL_RECORD, "stock", (uint64_t)i, "{}", 2, NULL) == 0);
    CHECK(slx_spool_count(s) == 5002);
    CHECK(slx_spool_replay(s, on_entry, NULL) == 0);
    CHECK(replay_count == 5002);
    slx_spool_free(&s);
    CHECK(s == NULL);
    CHECK(slx_spool_open(&s, "/nonexistent/folder", err, sizeof err) == -1);
    CHECK(strstr(err, "/nonexistent/folder") != NULL);
}

/* Reads the whole file `path` with the safe reader; returns its status. */
static int read_all(const char *path, char *err, size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return -100;
    slx_reader rd;
    int rc = slx_open_fd(&rd, fileno(fp), path);
    while (rc == SLX_OK && (rc = slx_read(&rd)) == 1)
        rc = SLX_OK;
    rc = rc == 0 ? SLX_OK : rd.status;
    slx_copy_error(&rd, err, errlen);
    slx_close(&rd);
    fclose(fp);
    return rc;
}

static void test_refusals(const char *data)
{
    char path[1024], err[1024];
    /* xxe.xml with a port in its URL (the e2e test puts a listener's). */
    char cmd[2048], tmp[] = "/tmp/sluice-xxe-XXXXXX";
    int fd = mkstemp(tmp);
    CHECK(fd >= 0);
    snprintf(cmd, sizeof cmd, "sed 's/XXEPORT/9/' '%s/unsafe/xxe.xml' >'%s'", data, tmp);
    CHECK(fd >= 0 && system(cmd) == 0);
    CHECK(read_all(tmp, err, sizeof err) == SLX_EPARSE);
    CHECK(strstr(err, tmp) != NULL && strstr(err, "refused: the document's DTD declares entities") != NULL);
    CHECK(strstr(err, "root:") == NULL);
    if (fd >= 0) {
        close(fd);
        unlink(tmp);
    }
    snprintf(path, sizeof path, "%s/unsafe/billion_laughs.xml", data);
    CHECK(read_all(path, err, sizeof err) == SLX_EPARSE);
    CHECK(strstr(err, "entit") != NULL);
    snprintf(path, sizeof path, "%s/commerceml/malformed_import.xml", data);
    CHECK(read_all(path, err, sizeof err) == SLX_EPARSE);
    CHECK(strstr(err, "malformed_import.xml:8: ") != NULL);
    snprintf(path, sizeof path, "%s/yml/yml.xml", data); /* DOCTYPE with an external DTD, not read */
    CHECK(read_all(path, err, sizeof err) == SLX_OK);
}

/* ---- record paths ------------------------------------------------------------ */

static int match(const char *path, const char *json_ns, const char *const *names, const char *const *uris,
                 size_t n)
{
    xrp_path p;
    char err[256];
    json_t *ns = json_ns != NULL ? json_loads(json_ns, 0, NULL) : NULL;
    int rc = xrp_compile(&p, path, ns, err, sizeof err);
    json_decref(ns);
    if (rc != 0) {
        fprintf(stderr, "compile %s: %s\n", path, err);
        return -1;
    }
    int m = xrp_match(&p, names, uris, n);
    xrp_free(&p);
    return m;
}

static int compiles(const char *path, const char *json_ns)
{
    xrp_path p;
    char err[256];
    json_t *ns = json_ns != NULL ? json_loads(json_ns, 0, NULL) : NULL;
    int rc = xrp_compile(&p, path, ns, err, sizeof err);
    json_decref(ns);
    if (rc == 0)
        xrp_free(&p);
    return rc == 0;
}

static void test_recpath(void)
{
    const char *names[] = {"root", "Orders", "Order", "Line"};
    const char *none[] = {NULL, NULL, NULL, NULL};
    const char *ns[] = {"urn:o", "urn:o", "urn:o", "urn:o"};
    CHECK(match("/root/Orders/Order", NULL, names, none, 3) == XRP_RECORD);
    CHECK(match("/root/Orders/Order", NULL, names, none, 2) == XRP_BELOW);
    CHECK(match("/root/Orders/Order", NULL, names, none, 4) == XRP_NONE);
    CHECK(match("/root/Other", NULL, names, none, 2) == XRP_NONE);
    CHECK(match("//Order", NULL, names, none, 3) == XRP_RECORD);
    CHECK(match("//Order", NULL, names, none, 1) == XRP_BELOW);
    CHECK(match("//Line", NULL, names, none, 4) == XRP_RECORD);
    CHECK(match("/root//Line", NULL, names, none, 4) == XRP_RECORD);
    CHECK(match("/*/*/Order", NULL, names, none, 3) == XRP_RECORD);
    CHECK(match("/Orders", NULL, names, none, 1) == XRP_NONE);
    /* Namespaces: unprefixed names are in no namespace. */
    CHECK(match("//Order", NULL, names, ns, 3) == XRP_BELOW);
    CHECK(match("//o:Order", "{\"o\": \"urn:o\"}", names, ns, 3) == XRP_RECORD);
    CHECK(match("//o:Order", "{\"o\": \"urn:other\"}", names, ns, 3) == XRP_BELOW);
    CHECK(match("/o:*/o:Orders/o:Order", "{\"o\": \"urn:o\"}", names, ns, 3) == XRP_RECORD);
    CHECK(match("/*/*/*", NULL, names, ns, 3) == XRP_RECORD);
    /* Many // steps stay fast (memoised). */
    const char *deep[200], *deep_ns[200];
    for (int i = 0; i < 200; i++) {
        deep[i] = "a";
        deep_ns[i] = NULL;
    }
    CHECK(match("//a//a//a//a//a//a//a//a//a//a//b", NULL, deep, deep_ns, 200) == XRP_BELOW);
    CHECK(match("//a//a//a//a//a//a//a//a//a//a", NULL, deep, deep_ns, 200) == XRP_RECORD);
    /* The subset. */
    CHECK(!compiles("item", NULL));
    CHECK(!compiles("//item[1]", NULL));
    CHECK(!compiles("//@id", NULL));
    CHECK(!compiles("//p:item", NULL));
    CHECK(!compiles("//a/", NULL));
    CHECK(!compiles("//text()", NULL));
    CHECK(compiles("//Товар", NULL));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATA_DIR (tests/data/xml)\n", argv[0]);
        return 2;
    }
    slx_global_init();
    test_decimal();
    test_trim_and_text();
    test_spool();
    test_refusals(argv[1]);
    test_recpath();
    if (failures)
        fprintf(stderr, "%d check(s) failed\n", failures);
    else
        printf("all xml common checks passed\n");
    return failures ? 1 : 0;
}
