/* test_jsonl.c - unit tests of the file source's JSON Lines splitter
 * (connectors/file/jsonl_reader.c) and path expansion (paths.c), without
 * any host. Every splitter case runs with several chunk sizes, down to 4
 * bytes, so lines and CRLF pairs are split at every point. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "jsonl_reader.h"
#include "paths.h"

static int g_pass, g_fail;

static const size_t g_chunks[] = {4, 5, 9, 64, 0 /* default, 1 MiB */};
#define N_CHUNKS (sizeof g_chunks / sizeof g_chunks[0])

static void result(const char *name, int ok)
{
    if (ok) {
        g_pass++;
    } else {
        g_fail++;
        printf("FAIL %s\n", name);
    }
}

static FILE *input_file(const char *data, size_t len)
{
    FILE *fp = tmpfile();
    if (fp == NULL || fwrite(data, 1, len, fp) != len) {
        perror("tmpfile");
        exit(2);
    }
    rewind(fp);
    return fp;
}

/* "LINE:text\n" per line returned; \r shown as \r. NULL on a reader error. */
static char *render(const char *input, size_t len, size_t chunk)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    FILE *fp = input_file(input, len);
    sl_jsonl_reader *r = sl_jsonl_open(fp, chunk);
    const char *line;
    size_t n;
    uint64_t no;
    int rc;
    while ((rc = sl_jsonl_next(r, &line, &n, &no)) == 1) {
        fprintf(out, "%llu:", (unsigned long long)no);
        for (size_t i = 0; i < n; i++) {
            if (line[i] == '\r')
                fputs("\\r", out);
            else
                fputc(line[i], out);
        }
        fputc('\n', out);
    }
    sl_jsonl_close(&r);
    fclose(fp);
    fclose(out);
    if (rc != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static void expect_lines(const char *name, const char *input, const char *want)
{
    int ok = 1;
    for (size_t c = 0; c < N_CHUNKS && ok; c++) {
        char *got = render(input, strlen(input), g_chunks[c]);
        if (got == NULL || strcmp(got, want) != 0) {
            printf("  %s (chunk %zu)\n  want:\n%s  got:\n%s", name, g_chunks[c], want, got ? got : "(error)\n");
            ok = 0;
        }
        free(got);
    }
    result(name, ok);
}

static void test_lines(void)
{
    expect_lines("simple", "{\"a\":1}\n{\"a\":2}\n", "1:{\"a\":1}\n2:{\"a\":2}\n");
    expect_lines("last line without newline", "{\"a\":1}\n{\"a\":2}", "1:{\"a\":1}\n2:{\"a\":2}\n");
    expect_lines("CRLF stripped", "{}\r\n[1]\r\n", "1:{}\n2:[1]\n");
    expect_lines("inner CR kept", "a\rb\n", "1:a\\rb\n");
    expect_lines("blank lines skipped, counted", "\n{}\n  \t \n\r\n\n{\"x\":2}\n\n", "2:{}\n6:{\"x\":2}\n");
    expect_lines("leading spaces kept", "  {}\n", "1:  {}\n");
    expect_lines("BOM skipped", "\xEF\xBB\xBF{\"a\":1}\n", "1:{\"a\":1}\n");
    expect_lines("empty file", "", "");
    expect_lines("only newlines", "\n\n\n", "");
    expect_lines("not JSON is passed on as is", "oops\n{\n", "1:oops\n2:{\n");

    /* one line of 3 MiB between short ones: longer than the default chunk */
    size_t big = 3u << 20;
    char *input = malloc(big + 32), *want = malloc(big + 32);
    memcpy(input, "{}\n\"", 4);
    memset(input + 4, 'z', big);
    memcpy(input + 4 + big, "\"\n[]\n", 6);
    memcpy(want, "1:{}\n2:\"", 8);
    memset(want + 8, 'z', big);
    memcpy(want + 8 + big, "\"\n3:[]\n", 8);
    char *got = render(input, strlen(input), 0);
    result("line longer than the 1 MiB chunk", got != NULL && strcmp(got, want) == 0);
    free(got);
    got = render(input, strlen(input), 4);
    result("long line with a tiny chunk", got != NULL && strcmp(got, want) == 0);
    free(got);
    free(input);
    free(want);

    /* many lines across many refills: numbers stay exact */
    char *many = malloc(16 * 20000);
    size_t n = 0;
    for (int i = 1; i <= 20000; i++) {
        if (i % 3 == 0)
            many[n++] = '\n';
        else
            n += (size_t)snprintf(many + n, 16, "{\"i\":%d}\n", i);
    }
    FILE *fp = input_file(many, n);
    sl_jsonl_reader *r = sl_jsonl_open(fp, 100);
    const char *line;
    size_t len;
    uint64_t no;
    int ok = 1, count = 0;
    while (sl_jsonl_next(r, &line, &len, &no) == 1) {
        char expect[16];
        int el = snprintf(expect, sizeof expect, "{\"i\":%llu}", (unsigned long long)no);
        if ((size_t)el != len || memcmp(line, expect, len) != 0)
            ok = 0;
        count++;
    }
    sl_jsonl_close(&r);
    fclose(fp);
    free(many);
    result("20000 lines keep their numbers", ok && count == 13334);
}

/* ---- paths ------------------------------------------------------------- */

static char g_dir[256];

static void touch(const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", g_dir, name);
    FILE *f = fopen(p, "w");
    if (f == NULL) {
        perror(p);
        exit(2);
    }
    fclose(f);
}

/* Expands DIR/pattern; renders the matches (base names, comma-separated)
 * or "errno:N". */
static void expect_paths(const char *name, const char *pattern, const char *want)
{
    char p[512], got[1024] = "";
    snprintf(p, sizeof p, "%s/%s", g_dir, pattern);
    char **list;
    size_t n;
    int err = sl_paths_expand(p, &list, &n);
    if (err != 0) {
        snprintf(got, sizeof got, "errno:%d", err);
    } else {
        for (size_t i = 0; i < n; i++) {
            strncat(got, i ? "," : "", sizeof got - strlen(got) - 1);
            strncat(got, list[i] + strlen(g_dir) + 1, sizeof got - strlen(got) - 1);
        }
        sl_paths_free(&list, n);
    }
    int ok = strcmp(got, want) == 0;
    if (!ok)
        printf("  %s: want [%s] got [%s]\n", name, want, got);
    result(name, ok);
}

static void test_paths(void)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/sluice_test_paths_XXXXXX");
    if (mkdtemp(g_dir) == NULL) {
        perror("mkdtemp");
        exit(2);
    }
    touch("b.csv");
    touch("a.csv");
    touch("B.csv");
    touch("c.jsonl");
    touch("x[1].csv");
    char sub[512];
    snprintf(sub, sizeof sub, "%s/dir.csv", g_dir);
    mkdir(sub, 0700);

    expect_paths("single file", "a.csv", "a.csv");
    expect_paths("glob sorted bytewise, folders left out", "*.csv", "B.csv,a.csv,b.csv,x[1].csv");
    expect_paths("glob with ?", "?.jsonl", "c.jsonl");
    expect_paths("existing name with glob characters taken literally", "x[1].csv", "x[1].csv");
    char want[32];
    snprintf(want, sizeof want, "errno:%d", ENOENT);
    expect_paths("missing file", "nope.csv", want);
    expect_paths("glob matching nothing", "*.parquet", want);
    expect_paths("glob matching only folders", "dir*", want);
    snprintf(want, sizeof want, "errno:%d", EISDIR);
    expect_paths("a folder is not a file", "dir.csv", want);

    const char *names[] = {"a.csv", "b.csv", "B.csv", "c.jsonl", "x[1].csv"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char p[512];
        snprintf(p, sizeof p, "%s/%s", g_dir, names[i]);
        unlink(p);
    }
    rmdir(sub);
    rmdir(g_dir);
}

int main(void)
{
    test_lines();
    test_paths();
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail == 0 ? 0 : 1;
}
