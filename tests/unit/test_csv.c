/* test_csv.c - unit tests of the file source's CSV reader
 * (connectors/file/csv_reader.c), without any host.
 *
 * Each case feeds an input to the reader and compares a rendering of the
 * rows it returns with the expected text. Every case runs with several
 * buffer sizes (down to 4 bytes), so rows, quotes, CRLF pairs and UTF-8
 * sequences get split across refills at every possible point.
 *
 * Rendering, one row per line: LINE:[f1|f2|...] for a good row and
 * LINE!Pn:[...] for a row with problem P in field n (U unterminated quote,
 * S stray quote, T text after closing quote, 8 bad UTF-8). In values, LF,
 * CR, NUL, | and \ are shown as \n \r \0 \| and \\.
 *
 * Usage: test_csv [FIXTURE_DIR]   (tests/unit/data/csv) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_reader.h"

static int g_pass, g_fail;
static const char *g_fixtures = "tests/unit/data/csv";

static const size_t g_bufsizes[] = {4, 5, 7, 16, 0 /* default, 64 KiB */};
#define N_BUFSIZES (sizeof g_bufsizes / sizeof g_bufsizes[0])

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

static char problem_letter(int p)
{
    switch (p) {
    case SL_CSV_UNTERMINATED_QUOTE: return 'U';
    case SL_CSV_STRAY_QUOTE: return 'S';
    case SL_CSV_TEXT_AFTER_QUOTE: return 'T';
    case SL_CSV_BAD_UTF8: return '8';
    default: return '?';
    }
}

static void render_value(FILE *out, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (p[i]) {
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '|': fputs("\\|", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\0': fputs("\\0", out); break;
        default: fputc(p[i], out);
        }
    }
}

static void render_row(FILE *out, const sl_csv_row *row)
{
    fprintf(out, "%llu", (unsigned long long)row->line);
    if (row->problem != SL_CSV_OK)
        fprintf(out, "!%c%zu", problem_letter(row->problem), row->problem_field);
    fputs(":[", out);
    for (size_t i = 0; i < row->nfields; i++) {
        if (i > 0)
            fputc('|', out);
        render_value(out, row->fields[i].ptr, row->fields[i].len);
    }
    fputs("]\n", out);
}

/* Reads all of fp; returns the rendering (malloc'd), or NULL on a reader error. */
static char *render_stream(FILE *fp, char delim, size_t bufsize)
{
    char *text = NULL;
    size_t size = 0;
    FILE *out = open_memstream(&text, &size);
    sl_csv_reader *r = sl_csv_open(fp, delim, bufsize);
    sl_csv_row row;
    int rc;
    while ((rc = sl_csv_next(r, &row)) == 1)
        render_row(out, &row);
    sl_csv_close(&r);
    fclose(out);
    if (rc != 0) {
        free(text);
        return NULL;
    }
    return text;
}

static int expect_rows_n(const char *name, const char *input, size_t len, char delim, const char *want)
{
    int ok = 1;
    for (size_t b = 0; b < N_BUFSIZES; b++) {
        FILE *fp = input_file(input, len);
        char *got = render_stream(fp, delim, g_bufsizes[b]);
        fclose(fp);
        if (got == NULL || strcmp(got, want) != 0) {
            printf("  %s (buffer %zu)\n  want:\n%s  got:\n%s", name, g_bufsizes[b], want, got ? got : "(error)\n");
            ok = 0;
        }
        free(got);
        if (!ok)
            break;
    }
    result(name, ok);
    return ok;
}

static int expect_rows(const char *name, const char *input, char delim, const char *want)
{
    return expect_rows_n(name, input, strlen(input), delim, want);
}

/* Runs `check` on row number `index` (0-based) of the input, for every
 * buffer size. */
static int with_row(const char *input, size_t index, int (*check)(const sl_csv_row *, const void *),
                    const void *arg)
{
    for (size_t b = 0; b < N_BUFSIZES; b++) {
        FILE *fp = input_file(input, strlen(input));
        sl_csv_reader *r = sl_csv_open(fp, ',', g_bufsizes[b]);
        sl_csv_row row;
        int found = 0, ok = 0;
        for (size_t i = 0; sl_csv_next(r, &row) == 1; i++) {
            if (i == index) {
                found = 1;
                ok = check(&row, arg);
                break;
            }
        }
        sl_csv_close(&r);
        fclose(fp);
        if (!found || !ok)
            return 0;
    }
    return 1;
}

static int raw_is(const sl_csv_row *row, const void *want)
{
    const char *w = want;
    int ok = row->raw_len == strlen(w) && memcmp(row->raw, w, row->raw_len) == 0;
    if (!ok)
        printf("  raw: want [%s] got [%.*s]\n", w, (int)row->raw_len, row->raw);
    return ok;
}

/* The reason the plugin would give for row `index` under a header of
 * `nexpected` fields. */
typedef struct fault_case {
    size_t nexpected;
    const char *want; /* "" for a good row */
} fault_case;

static int fault_is(const sl_csv_row *row, const void *arg)
{
    const fault_case *fc = arg;
    char why[256] = "";
    static const char *const names[] = {"id", "name", "price", "qty", "note"};
    sl_csv_row_fault(row, fc->nexpected, fc->nexpected <= 5 ? names : NULL, why, sizeof why);
    if (strcmp(why, fc->want) != 0) {
        printf("  reason: want [%s] got [%s]\n", fc->want, why);
        return 0;
    }
    return 1;
}

static void expect_raw(const char *name, const char *input, size_t index, const char *want)
{
    result(name, with_row(input, index, raw_is, want));
}

static void expect_fault(const char *name, const char *input, size_t index, size_t nexpected, const char *want)
{
    fault_case fc = {nexpected, want};
    result(name, with_row(input, index, fault_is, &fc));
}

/* ---- header naming ---------------------------------------------------- */

static void expect_header(const char *name, const char *input, const char *want)
{
    FILE *fp = input_file(input, strlen(input));
    sl_csv_reader *r = sl_csv_open(fp, ',', 0);
    sl_csv_row row;
    char got[512] = "", why[256] = "";
    char **names = NULL;
    if (sl_csv_next(r, &row) == 1) {
        int rc = sl_csv_header(&row, &names, why, sizeof why);
        if (rc == 0) {
            for (size_t i = 0; i < row.nfields; i++) {
                strncat(got, i ? "," : "", sizeof got - strlen(got) - 1);
                strncat(got, names[i], sizeof got - strlen(got) - 1);
            }
            sl_csv_names_free(&names, row.nfields);
        } else {
            snprintf(got, sizeof got, "error: %s", why);
        }
    }
    sl_csv_close(&r);
    fclose(fp);
    int ok = strcmp(got, want) == 0;
    if (!ok)
        printf("  header: want [%s] got [%s]\n", want, got);
    result(name, ok);
}

/* ---- cases ------------------------------------------------------------- */

static void test_basics(void)
{
    expect_rows("simple", "id,name\n1,apple\n2,pear\n", ',', "1:[id|name]\n2:[1|apple]\n3:[2|pear]\n");
    expect_rows("quoted comma", "a,b\n\"x,y\",z\n", ',', "1:[a|b]\n2:[x,y|z]\n");
    expect_rows("doubled quotes", "a\n\"say \"\"hi\"\"\"\n\"\"\"\"\n", ',', "1:[a]\n2:[say \"hi\"]\n3:[\"]\n");
    expect_rows("embedded LF in quotes", "a,b\n\"line1\nline2\",x\n3,4\n", ',',
                "1:[a|b]\n2:[line1\\nline2|x]\n4:[3|4]\n");
    expect_rows("embedded CRLF in quotes", "a,b\r\n\"l1\r\nl2\r\nl3\",x\r\n5,6\r\n", ',',
                "1:[a|b]\n2:[l1\\r\\nl2\\r\\nl3|x]\n5:[5|6]\n");
    expect_rows("BOM stripped", "\xEF\xBB\xBFid,name\n1,a\n", ',', "1:[id|name]\n2:[1|a]\n");
    expect_rows("BOM only at the start", "a\n\xEF\xBB\xBFx\n", ',', "1:[a]\n2:[\xEF\xBB\xBFx]\n");
    expect_rows("semicolon delimiter", "a;b;c\n1,5;\"x;y\";z\n", ';', "1:[a|b|c]\n2:[1,5|x;y|z]\n");
    expect_rows("tab delimiter", "a\tb\n1\t\"two\tparts\"\n", '\t', "1:[a|b]\n2:[1|two\tparts]\n");
    expect_rows("pipe delimiter", "a|b\n1|\"x|y\"\n", '|', "1:[a|b]\n2:[1|x\\|y]\n");
    expect_rows("empty fields", "a,b,c\n,,\n1,,3\n", ',', "1:[a|b|c]\n2:[||]\n3:[1||3]\n");
    expect_rows("trailing empty field", "a,b,c\n1,2,\n", ',', "1:[a|b|c]\n2:[1|2|]\n");
    expect_rows("quoted empty fields", "a,b\n\"\",\"\"\n", ',', "1:[a|b]\n2:[|]\n");
    expect_rows("last line without newline", "a,b\n1,2", ',', "1:[a|b]\n2:[1|2]\n");
    expect_rows("quoted last field without newline", "a\n\"x,y\"", ',', "1:[a]\n2:[x,y]\n");
    expect_rows("trailing delimiter at EOF", "a,b\n1,", ',', "1:[a|b]\n2:[1|]\n");
    expect_rows("CRLF line endings", "a,b\r\n1,2\r\n3,4\r\n", ',', "1:[a|b]\n2:[1|2]\n3:[3|4]\n");
    expect_rows("lone CR line endings", "a,b\r1,2\r3,4", ',', "1:[a|b]\n2:[1|2]\n3:[3|4]\n");
    expect_rows("Cyrillic content", "имя,город\nИван,Москва\n\"Пётр, мл.\",Санкт-Петербург\n", ',',
                "1:[имя|город]\n2:[Иван|Москва]\n3:[Пётр, мл.|Санкт-Петербург]\n");
    expect_rows("4-byte UTF-8", "a\n\xF0\x9F\x98\x80 ok\n", ',', "1:[a]\n2:[\xF0\x9F\x98\x80 ok]\n");
    expect_rows("blank lines skipped, still counted", "a\n\n1\n\r\n\n2\n", ',', "1:[a]\n3:[1]\n6:[2]\n");
    expect_rows("whitespace kept", "a,b\n x , y \n", ',', "1:[a|b]\n2:[ x | y ]\n");
    expect_rows("empty file", "", ',', "");
    expect_rows("only a BOM", "\xEF\xBB\xBF", ',', "");
    expect_rows("header only", "a,b,c\n", ',', "1:[a|b|c]\n");
    expect_rows("header only without newline", "a,b,c", ',', "1:[a|b|c]\n");
    expect_rows_n("NUL byte kept in a value", "a\nx\0y\n", 6, ',', "1:[a]\n2:[x\\0y]\n");
}

static void test_problems(void)
{
    /* row 3 and row 5 have the wrong count; the quoted field on line 4
     * spans two lines, so the next row starts on line 6 */
    const char *mismatch = "id,name,price\n1,a,2\n2,b\n3,\"multi\nline\",4\n4,c,5,6\n5,d,7\n";
    expect_rows("field count visible per row", mismatch, ',',
                "1:[id|name|price]\n2:[1|a|2]\n3:[2|b]\n4:[3|multi\\nline|4]\n6:[4|c|5|6]\n7:[5|d|7]\n");
    expect_fault("fewer fields: reason", mismatch, 2, 3, "expected 3 fields, got 2");
    expect_fault("good row after multi-line field", mismatch, 3, 3, "");
    expect_fault("more fields after multi-line field: reason", mismatch, 4, 3, "expected 3 fields, got 4");
    expect_rows("line numbers after CRLF multi-line field", "a,b\r\n\"x\r\ny\r\nz\",1,extra\r\nq,2\r\n", ',',
                "1:[a|b]\n2:[x\\r\\ny\\r\\nz|1|extra]\n5:[q|2]\n");

    expect_rows("unterminated quote at EOF", "a,b\n1,2\n3,\"open\n4,5\n", ',',
                "1:[a|b]\n2:[1|2]\n3!U2:[3|open\\n4,5\\n]\n");
    expect_fault("unterminated quote: reason", "a,b\n3,\"open\n", 1, 2,
                 "unterminated quoted field at end of file (field 2 \"name\")");
    expect_rows("stray quote, next row fine", "a,b\n1,ab\"c\n2,ok\n", ',', "1:[a|b]\n2!S2:[1|ab\"c]\n3:[2|ok]\n");
    expect_fault("stray quote: reason", "a,b\n1,ab\"c\n", 1, 2, "stray quote in an unquoted field (field 2 \"name\")");
    expect_rows("text after closing quote", "a,b\n\"x\"y,2\n3,4\n", ',', "1:[a|b]\n2!T1:[xy|2]\n3:[3|4]\n");
    expect_rows("space before opening quote is a stray quote", "a,b\n1, \"x\"\n", ',', "1:[a|b]\n2!S2:[1| \"x\"]\n");
    expect_rows("invalid UTF-8 byte", "a,b\n1,ok\xFFno\n2,fine\n", ',', "1:[a|b]\n2!82:[1|ok\xFFno]\n3:[2|fine]\n");
    expect_fault("invalid UTF-8: reason", "a,b\nx,ok\xFFno\n", 1, 2, "invalid UTF-8 in field 2 \"name\" at byte 3");
    expect_rows("overlong UTF-8", "a\n\xC0\xAF\n", ',', "1:[a]\n2!81:[\xC0\xAF]\n");
    expect_rows("UTF-16 surrogate in UTF-8", "a\n\xED\xA0\x80\n", ',', "1:[a]\n2!81:[\xED\xA0\x80]\n");
    expect_rows("truncated UTF-8 at end of field", "a,b\n\xD0,x\n", ',', "1:[a|b]\n2!81:[\xD0|x]\n");
    expect_rows("Latin-1 text is invalid UTF-8", "a\ncaf\xE9\n", ',', "1:[a]\n2!81:[caf\xE9]\n");
}

static void test_raw_and_long(void)
{
    expect_raw("raw text of a simple row", "a,b\n1,\"x\"\"y\"\n", 1, "1,\"x\"\"y\"");
    expect_raw("raw text spans the embedded line break", "a,b\r\n\"p\r\nq\",2\r\nz,9\r\n", 1, "\"p\r\nq\",2");
    expect_raw("raw text of a last row without newline", "a\nlast", 1, "last");

    /* a field of 200 000 bytes: far beyond every buffer size used */
    size_t big = 200000;
    char *input = malloc(big + 64), *want = malloc(big + 64);
    size_t n = (size_t)snprintf(input, 64, "id,blob\n7,\"");
    memset(input + n, 'x', big);
    n += big;
    memcpy(input + n, "\"\"q\"\n8,s\n", 10);
    size_t w = (size_t)snprintf(want, 64, "1:[id|blob]\n2:[7|");
    memset(want + w, 'x', big);
    w += big;
    memcpy(want + w, "\"q]\n3:[8|s]\n", 13);
    expect_rows("very long quoted field", input, ',', want);

    /* the same, unquoted and spread over many lines' worth of rows */
    n = (size_t)snprintf(input, 64, "a,b\n");
    memset(input + n, 'y', big);
    memcpy(input + n + big, ",1\n", 4);
    w = (size_t)snprintf(want, 64, "1:[a|b]\n2:[");
    memset(want + w, 'y', big);
    memcpy(want + w + big, "|1]\n", 5);
    expect_rows("very long unquoted field", input, ',', want);
    free(input);
    free(want);

    /* many rows: line numbers stay right across thousands of refills */
    char *many = malloc(20 * 5000 + 16);
    n = (size_t)snprintf(many, 16, "k,v\n");
    for (int i = 0; i < 5000; i++)
        n += (size_t)snprintf(many + n, 20, "%d,\"v\n%d\"\n", i, i);
    FILE *fp = input_file(many, n);
    sl_csv_reader *r = sl_csv_open(fp, ',', 7);
    sl_csv_row row;
    int ok = 1, rows = 0;
    while (sl_csv_next(r, &row) == 1) {
        if (rows > 0 && (row.line != (uint64_t)(2 * rows) || row.nfields != 2 || row.problem))
            ok = 0;
        rows++;
    }
    sl_csv_close(&r);
    fclose(fp);
    free(many);
    result("5000 multi-line rows keep line numbers", ok && rows == 5001);
}

static void test_header(void)
{
    expect_header("header names", "id,name\n", "id,name");
    expect_header("empty header names become column_N", "id,,name,\n", "id,column_2,name,column_4");
    expect_header("duplicate header names refused", "id,name,id\n", "error: duplicate column name \"id\" (fields 1 and 3)");
    expect_header("column_N clashing with a real name refused", "column_2,\n",
                  "error: duplicate column name \"column_2\" (fields 1 and 2)");
    expect_header("malformed header refused", "id,na\"me\n", "error: stray quote in an unquoted field (field 2)");
    expect_header("BOM not part of the first name", "\xEF\xBB\xBFid,name\n", "id,name");
}

static void test_api(void)
{
    FILE *fp = input_file("a", 1);
    int ok = sl_csv_open(fp, '"', 0) == NULL && sl_csv_open(fp, '\n', 0) == NULL && sl_csv_open(fp, '\r', 0) == NULL &&
             sl_csv_open(NULL, ',', 0) == NULL;
    fclose(fp);
    result("bad delimiters refused", ok);

    ok = sl_utf8_check("abc", 3) == 3 && sl_utf8_check("\xD0\x96", 2) == 2 &&
         sl_utf8_check("\xF4\x8F\xBF\xBF", 4) == 4 &&  /* U+10FFFF */
         sl_utf8_check("\xF4\x90\x80\x80", 4) == 0 &&  /* above U+10FFFF */
         sl_utf8_check("\xE0\x80\xAF", 3) == 0 &&      /* overlong */
         sl_utf8_check("ab\x80", 3) == 2 &&            /* lone continuation */
         sl_utf8_check("a\xE2\x82", 3) == 1 &&         /* truncated */
         sl_utf8_check("\xF8\x88\x80\x80\x80", 5) == 0; /* 5-byte form */
    result("UTF-8 checker", ok);
}

static void test_fixtures(void)
{
    static const struct {
        const char *file;
        char delim;
        const char *want;
    } cases[] = {
        {"crlf_bom.csv", ',',
         "1:[id|name|note]\n2:[1|Иван|plain]\n3:[2|O'Neil|\"quoted\", with comma]\n4:[3|multi|line1\\r\\nline2]\n"},
        {"semicolon.csv", ';', "1:[sku|price|title]\n2:[A-1|10,50|Стол; дуб]\n3:[B-2|7|]\n"},
        {"tabs.tsv", '\t', "1:[a|b]\n2:[1|x y]\n3:[2|\"q\"]\n"},
        {"bad_rows.csv", ',',
         "1:[id|name|amount]\n2:[1|ok|10]\n3:[2|short]\n4!S2:[3|bro\"ken|5]\n5!82:[4|caf\xE9|6]\n6:[5|x|1|extra]\n"
         "7:[6|\"multi\\nline\"|7]\n9!U2:[7|never closed\\n8,x,9\\n]\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[1024], name[256];
        snprintf(path, sizeof path, "%s/%s", g_fixtures, cases[i].file);
        snprintf(name, sizeof name, "fixture %s", cases[i].file);
        FILE *fp = fopen(path, "rb");
        if (fp == NULL) {
            printf("  cannot open %s\n", path);
            result(name, 0);
            continue;
        }
        char *got = render_stream(fp, cases[i].delim, 5);
        fclose(fp);
        int ok = got != NULL && strcmp(got, cases[i].want) == 0;
        if (!ok)
            printf("  want:\n%s  got:\n%s", cases[i].want, got ? got : "(error)\n");
        free(got);
        result(name, ok);
    }
}

int main(int argc, char **argv)
{
    if (argc > 1)
        g_fixtures = argv[1];
    test_basics();
    test_problems();
    test_raw_and_long();
    test_header();
    test_api();
    test_fixtures();
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail == 0 ? 0 : 1;
}
