/* test_http_redact.c - secrets never reach a log line (core/http_redact.c
 * and its one call in core/log.c): registered secrets, token-bearing query
 * parameters, Authorization headers, passwords in URLs; and the client
 * registering the credentials of its config. No server needed.
 * Prints "N passed, M failed"; exits 1 on any failure. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http_int.h"
#include "http_redact.h"
#include "log.h"
#include "testsrv.h"

static void check_redact(const char *in, const char *want)
{
    char *got = sl_redact_dup(in);
    CHECK_STR(got, want);
    free(got);
}

static void test_patterns(void)
{
    check_redact("GET https://h/x?access_token=abc.def&limit=10",
                 "GET https://h/x?access_token=***&limit=10");
    check_redact("https://h/x?a=1&TOKEN=t1#frag", "https://h/x?a=1&TOKEN=***#frag");
    check_redact("u?api_key=1&apikey=2&key=3&secret=4&client_secret=5&password=6&auth=7&refresh_token=8&hapikey=9",
                 "u?api_key=***&apikey=***&key=***&secret=***&client_secret=***&password=***&auth=***"
                 "&refresh_token=***&hapikey=***");
    check_redact("grant_type=refresh_token&refresh_token=rt-9&client_id=c",
                 "grant_type=refresh_token&refresh_token=***&client_id=c");
    /* names that only end like a sensitive one, and empty values, stay */
    check_redact("monkey=banana&tokens=5&key=&x-api-key=v", "monkey=banana&tokens=5&key=&x-api-key=***");
    check_redact("Authorization: Bearer abc.def\r\nAccept: */*", "Authorization: ***\r\nAccept: */*");
    check_redact("proxy-authorization:Basic Zm9v", "proxy-authorization: ***");
    check_redact("https://user:hunter22@host/path", "https://user:***@host/path");
    check_redact("mailto user@host and a:b@c", "mailto user@host and a:b@c");
    check_redact("{\"access_token\": \"at-1\", \"expires_in\": 3600, \"refresh_token\":\"r\\\"t\"}",
                 "{\"access_token\": \"***\", \"expires_in\": 3600, \"refresh_token\":\"***\"}");
    check_redact("nothing to hide here", "nothing to hide here");
    check_redact("", "");
    CHECK(sl_redact_dup(NULL) == NULL);
}

static void test_secrets(void)
{
    CHECK(sl_secret_add("s3cr3t-value") == 0);
    CHECK(sl_secret_add("s3cr3t-value") == 0); /* once is enough */
    CHECK(sl_secret_add("s3cr3t") == 0);       /* a prefix of the first */
    CHECK(sl_secret_add("ab") == 0);           /* too short: ignored */
    CHECK(sl_secret_add(NULL) == 0);
    check_redact("x s3cr3t-value y s3cr3t z ab", "x *** y *** z ab");
    check_redact("path /rest/1/s3cr3t-value/crm.deal.list.json", "path /rest/1/***/crm.deal.list.json");

    /* in place, with a buffer that cannot take the growth */
    char buf[16];
    snprintf(buf, sizeof buf, "key=a s3cr3t");
    sl_redact_inplace(buf, sizeof buf);
    CHECK_STR(buf, "key=*** ***");
    snprintf(buf, sizeof buf, "?a=1&token=x");
    sl_redact_inplace(buf, 14);
    CHECK_STR(buf, "?a=1&token=**");

    /* the host slot and a client's config register theirs */
    sl_http_add_secret(NULL, "slot-secret-1");
    check_redact("slot-secret-1", "***");
    sluice_http_config cfg = {0};
    cfg.struct_size = sizeof cfg;
    cfg.base_url = "http://127.0.0.1:1";
    cfg.auth = SLUICE_AUTH_BASIC;
    cfg.username = "bob";
    cfg.password = "pw-from-config";
    sluice_http *h = sl_http_new_with(&cfg, NULL);
    CHECK(h != NULL);
    sluice_http_free(h);
    check_redact("login pw-from-config", "login ***");
    cfg.auth = SLUICE_AUTH_OAUTH2_REFRESH;
    cfg.token_url = "token";
    cfg.client_id = "cid";
    cfg.client_secret = "client-secret-x";
    cfg.refresh_token = "refresh-token-y";
    h = sl_http_new_with(&cfg, NULL);
    CHECK(h != NULL);
    sluice_http_free(h);
    check_redact("client-secret-x refresh-token-y", "*** ***");
}

/* What the logger writes to stderr while fn runs. */
static char *capture_stderr(void (*fn)(void))
{
    char path[] = "/tmp/sluice-redact-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return NULL;
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    size_t n = (size_t)lseek(fd, 0, SEEK_END);
    char *text = calloc(1, n + 1);
    if (text && pread(fd, text, n, 0) != (ssize_t)n)
        text[0] = '\0';
    close(fd);
    unlink(path);
    return text;
}

static void log_some(void)
{
    sl_log(SLUICE_LOG_WARN, "crm", "GET https://api/x?access_token=tok-in-url&page=2: HTTP 503");
    sl_log(SLUICE_LOG_ERROR, "crm", "the server refused s3cr3t-value and %s", "Authorization: Bearer hdr-tok");
}

static void test_log_lines(void)
{
    sl_log_setup(SLUICE_LOG_INFO, SL_LOG_TEXT);
    char *out = capture_stderr(log_some);
    CHECK_HAS(out, "[crm] GET https://api/x?access_token=***&page=2: HTTP 503");
    CHECK_HAS(out, "the server refused *** and Authorization: ***");
    CHECK_LACKS(out, "tok-in-url");
    CHECK_LACKS(out, "s3cr3t");
    CHECK_LACKS(out, "hdr-tok");
    free(out);

    sl_log_setup(SLUICE_LOG_INFO, SL_LOG_JSON);
    out = capture_stderr(log_some);
    CHECK_HAS(out, "access_token=***");
    CHECK_LACKS(out, "s3cr3t");
    CHECK_LACKS(out, "hdr-tok");
    free(out);
    sl_log_setup(SLUICE_LOG_INFO, SL_LOG_TEXT);
}

int main(void)
{
    test_patterns();
    test_secrets();
    test_log_lines();
    sl_secrets_clear();
    check_redact("s3cr3t-value", "s3cr3t-value");
    return ts_summary();
}
