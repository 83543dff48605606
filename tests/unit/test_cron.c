/* test_cron.c - unit tests of the cron parser and next-fire-time
 * calculator (core/cron.c) and of the TZif reader (core/tz.c).
 *
 * - a table of expressions, zones, instants and their next fire times,
 *   written as local times with their UTC offset so that a reader can
 *   check them against a calendar; a row may list several successive fire
 *   times (each computed from the previous one) to walk across a DST
 *   transition;
 * - parse errors with their exact messages;
 * - zone name checks, a hand-made TZif file, the search horizon;
 * - sl_tz offsets against glibc's localtime_r for many zones and instants
 *   (glibc reads the same files with its own code);
 * - several threads computing fire times in different zones at once.
 *
 * Needs /usr/share/zoneinfo (the tzdata package). Prints "N passed, M failed". */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cron.h"
#include "tz.h"

static int g_pass, g_fail;

static void check(int ok, const char *fmt, const char *a, const char *b)
{
    if (ok) {
        g_pass++;
        return;
    }
    g_fail++;
    printf("FAIL ");
    printf(fmt, a, b);
    printf("\n");
}

/* "2026-03-29T03:00:00+02:00" or "...Z" to an instant; exits on a typo in
 * the table, which is a bug of the test. */
static time_t parse_instant(const char *s)
{
    struct tm tm = {0};
    int y, mo, d, h, mi, sec, n = 0, oh = 0, om = 0;
    long off = 0;

    if (sscanf(s, "%d-%d-%dT%d:%d:%d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6) {
        fprintf(stderr, "bad instant in the table: %s\n", s);
        exit(2);
    }
    if (s[n] == '+' || s[n] == '-') {
        if (sscanf(s + n + 1, "%d:%d", &oh, &om) != 2) {
            fprintf(stderr, "bad offset in the table: %s\n", s);
            exit(2);
        }
        off = (s[n] == '-' ? -1 : 1) * (oh * 3600L + om * 60L);
    } else if (strcmp(s + n, "Z") != 0) {
        fprintf(stderr, "instant without zone in the table: %s\n", s);
        exit(2);
    }
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    return timegm(&tm) - off;
}

static void show_utc(time_t t, char *buf, size_t size)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* ---- next fire times --------------------------------------------------- */

#define MAX_CHAIN 5

struct next_case {
    const char *expr;
    const char *tz; /* NULL: UTC */
    const char *after;
    const char *want[MAX_CHAIN]; /* successive fire times, NULL-terminated */
};

static const struct next_case next_cases[] = {
    /* steps, ranges, lists */
    {"*/15 * * * *", NULL, "2026-01-01T00:00:00Z", {"2026-01-01T00:15:00Z", "2026-01-01T00:30:00Z"}},
    {"1-30/5 * * * *", NULL, "2026-01-01T00:26:00Z", {"2026-01-01T01:01:00Z"}},
    {"5/20 * * * *", NULL, "2026-01-01T00:06:00Z", {"2026-01-01T00:25:00Z", "2026-01-01T00:45:00Z", "2026-01-01T01:05:00Z"}},
    {"0 9,17 * * *", NULL, "2026-01-01T09:00:00Z", {"2026-01-01T17:00:00Z", "2026-01-02T09:00:00Z"}},
    {"0 0 * * *", NULL, "2026-01-01T00:00:00Z", {"2026-01-02T00:00:00Z"}}, /* strictly after */
    {"0 0 1 1 *", NULL, "1969-06-01T00:00:00Z", {"1970-01-01T00:00:00Z"}},
    {"59 23 31 12 *", NULL, "2026-12-31T23:59:00Z", {"2027-12-31T23:59:00Z"}},
    /* month ends */
    {"0 0 31 * *", NULL, "2026-04-01T00:00:00Z", {"2026-05-31T00:00:00Z", "2026-07-31T00:00:00Z", "2026-08-31T00:00:00Z"}},
    {"0 0 31 * *", NULL, "2026-01-31T00:00:00Z", {"2026-03-31T00:00:00Z"}},
    {"0 12 30 * *", NULL, "2026-02-01T00:00:00Z", {"2026-03-30T12:00:00Z"}},
    /* leap day: 2028, and 2104 after 2096 since 2100 is not a leap year */
    {"0 0 29 2 *", NULL, "2026-01-01T00:00:00Z", {"2028-02-29T00:00:00Z", "2032-02-29T00:00:00Z"}},
    {"0 0 29 2 *", NULL, "2096-03-01T00:00:00Z", {"2104-02-29T00:00:00Z"}},
    /* Sunday as 0, 7 and SUN; names in any case; ranges ending in Sunday */
    {"0 9 * * 0", NULL, "2026-03-02T00:00:00Z", {"2026-03-08T09:00:00Z"}},
    {"0 9 * * 7", NULL, "2026-03-02T00:00:00Z", {"2026-03-08T09:00:00Z"}},
    {"0 9 * * sun", NULL, "2026-03-02T00:00:00Z", {"2026-03-08T09:00:00Z"}},
    {"0 9 * * MON-FRI", NULL, "2026-03-06T10:00:00Z", {"2026-03-09T09:00:00Z"}},
    {"0 9 * * Fri-Sun", NULL, "2026-03-02T00:00:00Z", {"2026-03-06T09:00:00Z", "2026-03-07T09:00:00Z", "2026-03-08T09:00:00Z", "2026-03-13T09:00:00Z"}},
    {"0 9 * * 5-7", NULL, "2026-03-07T12:00:00Z", {"2026-03-08T09:00:00Z", "2026-03-13T09:00:00Z"}},
    {"30 8 * JAN,mar *", NULL, "2026-01-31T09:00:00Z", {"2026-03-01T08:30:00Z"}},
    {"0 0 1 jun-aug/2 *", NULL, "2026-01-01T00:00:00Z", {"2026-06-01T00:00:00Z", "2026-08-01T00:00:00Z", "2027-06-01T00:00:00Z"}},
    /* day-of-month OR day-of-week when both are restricted */
    {"0 0 13 * FRI", NULL, "2026-03-01T00:00:00Z", {"2026-03-06T00:00:00Z", "2026-03-13T00:00:00Z", "2026-03-20T00:00:00Z"}},
    {"0 0 30 2 MON", NULL, "2026-02-01T00:00:00Z", {"2026-02-02T00:00:00Z"}},
    /* ... AND when one starts with "*": Mondays with an odd day */
    {"0 0 */2 * MON", NULL, "2026-03-01T00:00:00Z", {"2026-03-09T00:00:00Z", "2026-03-23T00:00:00Z"}},
    {"0 0 1 * *", NULL, "2026-03-01T00:00:00Z", {"2026-04-01T00:00:00Z"}},
    /* seconds field */
    {"*/2 * * * * *", NULL, "2026-01-01T00:00:00Z", {"2026-01-01T00:00:02Z", "2026-01-01T00:00:04Z"}},
    {"*/2 * * * * *", NULL, "2026-01-01T00:00:59Z", {"2026-01-01T00:01:00Z"}},
    {"15,45 * * * * *", NULL, "2026-01-01T00:00:15Z", {"2026-01-01T00:00:45Z", "2026-01-01T00:01:15Z"}},
    {"0 0 0 1 1 *", NULL, "2026-06-01T00:00:00Z", {"2027-01-01T00:00:00Z"}},
    {"30 59 23 * * *", NULL, "2026-12-31T23:59:30Z", {"2027-01-01T23:59:30Z"}},
    /* macros */
    {"@hourly", NULL, "2026-01-01T00:59:59Z", {"2026-01-01T01:00:00Z"}},
    {"@daily", NULL, "2026-01-01T00:00:00Z", {"2026-01-02T00:00:00Z"}},
    {"@midnight", NULL, "2026-01-01T23:59:59Z", {"2026-01-02T00:00:00Z"}},
    {"@weekly", NULL, "2026-03-02T00:00:00Z", {"2026-03-08T00:00:00Z"}},
    {"@monthly", NULL, "2026-01-31T12:00:00Z", {"2026-02-01T00:00:00Z"}},
    {"@yearly", NULL, "2026-06-01T00:00:00Z", {"2027-01-01T00:00:00Z"}},
    {"@ANNUALLY", NULL, "2026-06-01T00:00:00Z", {"2027-01-01T00:00:00Z"}},
    {"@daily", "UTC", "2026-01-01T00:00:00Z", {"2026-01-02T00:00:00+00:00"}},
    /* Europe/Berlin spring forward, 2026-03-29 02:00 CET -> 03:00 CEST:
     * a daily 02:30 is skipped that day, an hourly job fires every real hour */
    {"30 2 * * *", "Europe/Berlin", "2026-03-27T12:00:00+01:00", {"2026-03-28T02:30:00+01:00", "2026-03-30T02:30:00+02:00"}},
    {"0 * * * *", "Europe/Berlin", "2026-03-29T00:30:00+01:00", {"2026-03-29T01:00:00+01:00", "2026-03-29T03:00:00+02:00", "2026-03-29T04:00:00+02:00"}},
    {"*/30 * * * *", "Europe/Berlin", "2026-03-29T01:15:00+01:00", {"2026-03-29T01:30:00+01:00", "2026-03-29T03:00:00+02:00"}},
    /* fall back, 2026-10-25 03:00 CEST -> 02:00 CET: 02:30 runs once (the
     * first one), hourly and every-15-minutes jobs run in both 02:xx hours */
    {"30 2 * * *", "Europe/Berlin", "2026-10-24T12:00:00+02:00", {"2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"}},
    {"0 * * * *", "Europe/Berlin", "2026-10-25T01:30:00+02:00", {"2026-10-25T02:00:00+02:00", "2026-10-25T02:00:00+01:00", "2026-10-25T03:00:00+01:00"}},
    {"*/30 2 * * *", "Europe/Berlin", "2026-10-25T01:00:00+02:00", {"2026-10-25T02:00:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-26T02:00:00+01:00"}},
    {"45 */15 2 * * *", "Europe/Berlin", "2026-10-25T02:44:59+02:00", {"2026-10-25T02:45:45+02:00", "2026-10-26T02:00:45+01:00"}},
    {"0 9 * * *", "Europe/Berlin", "2026-07-01T00:00:00Z", {"2026-07-01T09:00:00+02:00"}},
    /* 2040 is past the zone file's table: the footer rule decides */
    {"30 2 * * *", "Europe/Berlin", "2040-03-24T12:00:00+01:00", {"2040-03-26T02:30:00+02:00"}},
    {"30 2 * * *", "Europe/Berlin", "2040-10-27T12:00:00+02:00", {"2040-10-28T02:30:00+02:00", "2040-10-29T02:30:00+01:00"}},
    /* Europe/Moscow: UTC+3 all year since 2014, so nothing moves on Berlin's
     * transition days; in 2010 it still had summer time (+04) */
    {"0 9 * * *", "Europe/Moscow", "2026-06-01T00:00:00Z", {"2026-06-01T09:00:00+03:00"}},
    {"0 9 * * *", "Europe/Moscow", "2026-12-01T00:00:00Z", {"2026-12-01T09:00:00+03:00"}},
    {"30 2 * * *", "Europe/Moscow", "2026-03-28T12:00:00+03:00", {"2026-03-29T02:30:00+03:00", "2026-03-30T02:30:00+03:00"}},
    {"30 2 * * *", "Europe/Moscow", "2026-10-24T12:00:00+03:00", {"2026-10-25T02:30:00+03:00", "2026-10-26T02:30:00+03:00"}},
    {"0 9 * * *", "Europe/Moscow", "2010-07-01T00:00:00Z", {"2010-07-01T09:00:00+04:00"}},
    /* America/New_York: 2026-03-08 02:00 -> 03:00, 2026-11-01 02:00 -> 01:00 */
    {"30 2 * * *", "America/New_York", "2026-03-07T12:00:00-05:00", {"2026-03-09T02:30:00-04:00"}},
    {"30 1 * * *", "America/New_York", "2026-10-31T12:00:00-04:00", {"2026-11-01T01:30:00-04:00", "2026-11-02T01:30:00-05:00"}},
    {"30 * * * *", "America/New_York", "2026-11-01T00:45:00-04:00", {"2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", "2026-11-01T02:30:00-05:00"}},
    {"0 9 * * MON-FRI", "America/New_York", "2050-07-01T12:00:00Z", {"2050-07-01T09:00:00-04:00", "2050-07-04T09:00:00-04:00"}},
    {"0 9 * * MON-FRI", "America/New_York", "2050-12-02T12:00:00Z", {"2050-12-02T09:00:00-05:00"}},
    /* southern hemisphere (footer rule wraps the year): Sydney 2040 */
    {"30 2 * * *", "Australia/Sydney", "2040-03-31T12:00:00+11:00", {"2040-04-01T02:30:00+11:00", "2040-04-02T02:30:00+10:00"}},
    {"30 2 * * *", "Australia/Sydney", "2040-10-06T12:00:00+10:00", {"2040-10-08T02:30:00+11:00"}},
    /* half-hour zone and a 30-minute DST shift */
    {"0 9 * * *", "Asia/Kolkata", "2026-01-01T00:00:00Z", {"2026-01-01T09:00:00+05:30"}},
    {"30 * * * *", "Australia/Lord_Howe", "2026-04-05T00:45:00+11:00", {"2026-04-05T01:30:00+11:00", "2026-04-05T01:30:00+10:30", "2026-04-05T02:30:00+10:30"}},
    {"30 1 * * *", "Australia/Lord_Howe", "2026-04-04T12:00:00+11:00", {"2026-04-05T01:30:00+11:00", "2026-04-06T01:30:00+10:30"}},
};

static int same_text(const char *a, const char *b)
{
    return strcmp(a, b) == 0;
}

static void test_next_table(void)
{
    for (size_t i = 0; i < sizeof next_cases / sizeof next_cases[0]; i++) {
        const struct next_case *tc = &next_cases[i];
        sl_cron *c = NULL;
        char err[256], label[256], got[40];
        time_t t = parse_instant(tc->after), next;

        snprintf(label, sizeof label, "'%s' in %s after %s", tc->expr, tc->tz ? tc->tz : "UTC",
                 tc->after);
        if (sl_cron_parse(tc->expr, &c, err, sizeof err) != SLUICE_OK) {
            check(0, "%s: parse: %s", label, err);
            continue;
        }
        for (int k = 0; k < MAX_CHAIN && tc->want[k] != NULL; k++) {
            time_t want = parse_instant(tc->want[k]);
            if (sl_cron_next(c, tc->tz, t, &next, err, sizeof err) != SLUICE_OK) {
                check(0, "%s: %s", label, err);
                break;
            }
            show_utc(next, got, sizeof got);
            check(next == want, "%s: got %s", label, got);
            if (next != want)
                printf("     want %s\n", tc->want[k]);
            t = next;
        }
        sl_cron_free(&c);
    }
}

/* ---- parse errors ------------------------------------------------------ */

static const struct {
    const char *expr, *message;
} parse_errors[] = {
    {"", "the schedule is empty"},
    {"   ", "the schedule is empty"},
    {"* * * *", "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with a leading second; got 4"},
    {"* * * * * * *", "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with a leading second; got 7"},
    {"60 * * * *", "minute: 60 is out of range 0-59"},
    {"* 24 * * *", "hour: 24 is out of range 0-23"},
    {"* * 0 * *", "day-of-month: 0 is out of range 1-31"},
    {"* * 32 * *", "day-of-month: 32 is out of range 1-31"},
    {"* * * 13 *", "month: 13 is out of range 1-12"},
    {"* * * * 8", "day-of-week: 8 is out of range 0-7"},
    {"* * * * 1-8", "day-of-week: 8 is out of range 0-7"},
    {"60 * * * * *", "second: 60 is out of range 0-59"},
    {"99999999999 * * * *", "minute: 99999999999 is out of range 0-59"},
    {"* * * * FUN", "day-of-week: unknown name 'FUN' (expected SUN to SAT)"},
    {"* * * JANUARY *", "month: unknown name 'JANUARY' (expected JAN to DEC)"},
    {"MON * * * *", "minute: 'MON' is not a number"},
    {"-1 * * * *", "minute: unexpected '-'"},
    {"*/0 * * * *", "minute: step 0 is out of range 1-59"},
    {"* */24 * * *", "hour: step 24 is out of range 1-23"},
    {"*/ * * * *", "minute: a step needs a number after '/'"},
    {"5-1 * * * *", "minute: range 5-1 goes backwards"},
    {"* * * DEC-JAN *", "month: range DEC-JAN goes backwards"},
    {"1,,2 * * * *", "minute: empty item in the list"},
    {"1, * * * *", "minute: empty item in the list"},
    {"1- * * * *", "minute: a value is missing"},
    {"5x * * * *", "minute: unexpected 'x' in '5x'"},
    {"* * * * MON-FRI/x", "day-of-week: a step needs a number after '/'"},
    {"0 0 30 2 *", "day-of-month: 30 never occurs in month 2, so the schedule never fires"},
    {"0 0 31 APR,JUN,SEP,NOV *", "day-of-month: 31 never occurs in month APR,JUN,SEP,NOV, so the schedule never fires"},
    {"0 0 30,31 feb *", "day-of-month: 30,31 never occurs in month feb, so the schedule never fires"},
    {"@reboot", "@reboot is not supported: sluice serve runs schedules, not boot events"},
    {"@fortnightly", "unknown macro '@fortnightly' (expected @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly)"},
    {"@daily 0", "expected 5 fields (minute hour day-of-month month day-of-week), or 6 with a leading second; got 2"},
};

static void test_parse_errors(void)
{
    for (size_t i = 0; i < sizeof parse_errors / sizeof parse_errors[0]; i++) {
        sl_cron *c = (sl_cron *)&g_pass; /* must come back NULL */
        char err[256] = "";
        int rc = sl_cron_parse(parse_errors[i].expr, &c, err, sizeof err);

        check(rc == SLUICE_EINVAL && c == NULL, "'%s' parsed (%s)", parse_errors[i].expr, err);
        check(same_text(err, parse_errors[i].message), "'%s': message: %s", parse_errors[i].expr,
              err);
    }
    /* A NULL error buffer is allowed; so is a short one (truncated). */
    sl_cron *c = NULL;
    char small[8];
    check(sl_cron_parse("61 * * * *", &c, NULL, 0) == SLUICE_EINVAL, "%s%s", "NULL err buffer", "");
    check(sl_cron_parse("61 * * * *", &c, small, sizeof small) == SLUICE_EINVAL &&
              same_text(small, "minute:"),
          "short err buffer: '%s'%s", small, "");
    check(sl_cron_parse(NULL, &c, small, sizeof small) == SLUICE_EINVAL, "%s%s", "NULL schedule", "");
    sl_cron_free(&c);
    sl_cron_free(NULL);
}

/* Expressions that mean the same thing give the same fire times. */
static void test_equivalents(void)
{
    static const char *const groups[][4] = {
        {"0 0 * * 0", "0 0 * * 7", "0 0 * * SUN", "@weekly"},
        {"0 0 1 1 *", "0 0 1 JAN *", "@yearly", "0 0 0 1 1 *"},
        {"*/15 * * * *", "0,15,30,45 * * * *", "0-59/15 * * * *", "0/15 * * * *"},
        {"0 0 * * 1-5", "0 0 * * MON-FRI", "0 0 * * mon,tue,wed,thu,fri", "0 0 * * 1,2-4,FRI"},
        {"0 12 * * 6,0", "0 12 * * SAT-SUN", "0 12 * * 6-7", "0 12 * * sat,7"},
    };
    for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
        sl_cron *c[4];
        char err[256];
        int ok = 1;

        for (int k = 0; k < 4; k++) {
            if (sl_cron_parse(groups[g][k], &c[k], err, sizeof err) != SLUICE_OK) {
                check(0, "'%s': %s", groups[g][k], err);
                ok = 0;
            }
        }
        time_t t = parse_instant("2026-01-01T00:00:00Z");
        for (int step = 0; ok && step < 40; step++) {
            time_t n[4];
            for (int k = 0; k < 4; k++)
                sl_cron_next(c[k], "Europe/Berlin", t, &n[k], err, sizeof err);
            if (n[1] != n[0] || n[2] != n[0] || n[3] != n[0])
                ok = 0;
            t = n[0];
        }
        check(ok, "'%s' and its equivalents disagree%s", groups[g][0], "");
        for (int k = 0; k < 4; k++)
            sl_cron_free(&c[k]);
    }
}

/* ---- zones, errors, horizon -------------------------------------------- */

static void expect_next_error(const char *expr, const char *tz, time_t after, int want_rc,
                              const char *want_msg)
{
    sl_cron *c = NULL;
    char err[512] = "";
    time_t next;
    int rc;

    if (sl_cron_parse(expr, &c, err, sizeof err) != SLUICE_OK) {
        check(0, "'%s': %s", expr, err);
        return;
    }
    rc = sl_cron_next(c, tz, after, &next, err, sizeof err);
    check(rc == want_rc, "zone '%s': wrong status, message %s", tz ? tz : "(null)", err);
    check(same_text(err, want_msg), "zone '%s': message: %s", tz ? tz : "(null)", err);
    sl_cron_free(&c);
}

static void test_zone_errors(void)
{
    time_t t = parse_instant("2026-01-01T00:00:00Z");

    expect_next_error("@daily", "Europe/Nowhere", t, SLUICE_ENOENT,
                      "unknown time zone 'Europe/Nowhere' (no such zone in /usr/share/zoneinfo)");
    expect_next_error("@daily", "Europe", t, SLUICE_ENOENT,
                      "unknown time zone 'Europe' (no such zone in /usr/share/zoneinfo)");
    expect_next_error("@daily", "../../../etc/passwd", t, SLUICE_EINVAL,
                      "time zone '../../../etc/passwd' is not an IANA name such as Europe/Berlin");
    expect_next_error("@daily", "Europe/../../etc/passwd", t, SLUICE_EINVAL,
                      "time zone 'Europe/../../etc/passwd' is not an IANA name such as Europe/Berlin");
    expect_next_error("@daily", "/etc/localtime", t, SLUICE_EINVAL,
                      "time zone '/etc/localtime' is not an IANA name such as Europe/Berlin");
    expect_next_error("@daily", "Europe//Berlin", t, SLUICE_EINVAL,
                      "time zone 'Europe//Berlin' is not an IANA name such as Europe/Berlin");
    expect_next_error("@daily", "Europe/Berlin ", t, SLUICE_EINVAL,
                      "time zone 'Europe/Berlin ': unexpected character ' ' (expected an IANA name such as Europe/Berlin)");
    expect_next_error("@daily", "", t, SLUICE_EINVAL, "time zone name must have 1 to 255 characters");
    expect_next_error("@daily", "right/UTC", t, SLUICE_EINVAL,
                      access("/usr/share/zoneinfo/right/UTC", R_OK) == 0
                          ? "time zone 'right/UTC' counts leap seconds (a right/ zone): use the zone without the right/ prefix"
                          : "unknown time zone 'right/UTC' (no such zone in /usr/share/zoneinfo)");
    expect_next_error("@daily", NULL, (time_t)300000000000LL, SLUICE_EINVAL,
                      "time 300000000000 is outside the years 1 to 9999");
}

/* February 29 on a Sunday ("*" in day-of-week means both must match):
 * 2088, then 2128 because 2100 is no leap year. The default horizon finds
 * it; an explicit earlier end reports that nothing fires. */
static void test_horizon(void)
{
    sl_cron *c = NULL;
    char err[256] = "", got[40];
    time_t next = 0, after = parse_instant("2096-03-01T00:00:00Z");
    int rc;

    if (sl_cron_parse("0 0 29 2 */7", &c, err, sizeof err) != SLUICE_OK) {
        check(0, "parse: %s%s", err, "");
        return;
    }
    rc = sl_cron_next(c, NULL, after, &next, err, sizeof err);
    show_utc(next, got, sizeof got);
    check(rc == SLUICE_OK && next == parse_instant("2128-02-29T00:00:00Z"),
          "Feb 29 on Sunday after 2096: got %s %s", got, err);
    rc = sl_cron_next_in(c, NULL, after, parse_instant("2100-01-01T00:00:00Z"), &next, err,
                         sizeof err);
    check(rc == SLUICE_ENOENT &&
              same_text(err, "no fire time after 2096-03-01T00:00:00Z up to 2100-01-01T00:00:00Z"),
          "horizon: %s%s", err, "");
    /* The end is inclusive. */
    rc = sl_cron_next_in(c, NULL, after, parse_instant("2128-02-29T00:00:00Z"), &next, err,
                         sizeof err);
    check(rc == SLUICE_OK, "inclusive end: %s%s", err, "");
    sl_cron_free(&c);
}

static void test_first_instant(void)
{
    sl_tz *tz = NULL;
    char err[256];
    int64_t t = 0;
    /* local seconds for 2026-03-29 02:30 and 2026-10-25 02:30 */
    int64_t spring = (int64_t)parse_instant("2026-03-29T02:30:00Z");
    int64_t fall = (int64_t)parse_instant("2026-10-25T02:30:00Z");

    if (sl_tz_load("Europe/Berlin", &tz, err, sizeof err) != SLUICE_OK) {
        check(0, "load: %s%s", err, "");
        return;
    }
    check(sl_tz_first_instant(tz, spring, &t) == -1, "%s%s", "02:30 on 2026-03-29 exists", "");
    check(sl_tz_first_instant(tz, fall, &t) == 0 && t == parse_instant("2026-10-25T00:30:00Z"),
          "%s%s", "first 02:30 on 2026-10-25", "");
    check(same_text(sl_tz_name(tz), "Europe/Berlin"), "name %s%s", sl_tz_name(tz), "");
    sl_tz_free(&tz);
    sl_tz_free(&tz);
    check(tz == NULL, "%s%s", "sl_tz_free sets NULL", "");
}

/* ---- a hand-made zone directory ---------------------------------------- */

static void put32(FILE *f, uint32_t v)
{
    unsigned char b[4] = {v >> 24, v >> 16, v >> 8, v};
    fwrite(b, 1, 4, f);
}

/* A TZif header with the given counts (isut, isstd, leap, time, type, chars). */
static void put_header(FILE *f, char version, uint32_t ntime, uint32_t ntype, uint32_t nchar)
{
    fwrite("TZif", 1, 4, f);
    fputc(version, f);
    for (int i = 0; i < 15; i++)
        fputc(0, f);
    put32(f, 0);
    put32(f, 0);
    put32(f, 0);
    put32(f, ntime);
    put32(f, ntype);
    put32(f, nchar);
}

/* Zone "Test/Rule": no transitions, one type, and only a footer rule
 * (v2), the way a "slim" zone file can look. */
static void write_rule_zone(const char *path)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL)
        return;
    for (int block = 0; block < 2; block++) {
        put_header(f, '2', 0, 1, 4);
        put32(f, (uint32_t)-18000); /* EST */
        fputc(0, f);
        fputc(0, f);
        fwrite("EST", 1, 4, f);
    }
    fputs("\nEST5EDT,M3.2.0,M11.1.0\n", f);
    fclose(f);
}

/* Zone "Test/V1": version 1, one transition in 2000 from +01 to +02. */
static void write_v1_zone(const char *path)
{
    FILE *f = fopen(path, "wb");

    if (f == NULL)
        return;
    put_header(f, '\0', 1, 2, 8);
    put32(f, 946684800); /* 2000-01-01T00:00:00Z */
    fputc(1, f);
    put32(f, 3600);
    fputc(0, f);
    fputc(0, f);
    put32(f, 7200);
    fputc(0, f);
    fputc(4, f);
    fwrite("+01\0+02\0", 1, 8, f);
    fclose(f);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");

    if (f != NULL) {
        fputs(text, f);
        fclose(f);
    }
}

static void test_zone_files(void)
{
    char dir[] = "/tmp/sluice-tz-XXXXXX", sub[64], path[128], err[256], msg[512];
    sl_tz *tz = NULL;
    int rc;

    if (mkdtemp(dir) == NULL) {
        check(0, "mkdtemp %s%s", dir, "");
        return;
    }
    snprintf(sub, sizeof sub, "%s/Test", dir);
    mkdir(sub, 0700);
    snprintf(path, sizeof path, "%s/Rule", sub);
    write_rule_zone(path);
    snprintf(path, sizeof path, "%s/V1", sub);
    write_v1_zone(path);
    snprintf(path, sizeof path, "%s/Junk", sub);
    write_text(path, "not a zone file at all, but long enough to have a header.........");
    snprintf(path, sizeof path, "%s/Short", sub);
    write_text(path, "TZif2");
    setenv("TZDIR", dir, 1);

    rc = sl_tz_load("Test/Rule", &tz, err, sizeof err);
    check(rc == SLUICE_OK, "Test/Rule: %s%s", err, "");
    if (rc == SLUICE_OK) {
        check(sl_tz_offset(tz, parse_instant("2026-01-15T12:00:00Z")) == -18000 &&
                  sl_tz_offset(tz, parse_instant("2026-07-15T12:00:00Z")) == -14400 &&
                  sl_tz_offset(tz, parse_instant("2026-03-08T06:59:59Z")) == -18000 &&
                  sl_tz_offset(tz, parse_instant("2026-03-08T07:00:00Z")) == -14400,
              "%s%s", "footer-only zone offsets", "");
        sl_tz_free(&tz);
    }
    rc = sl_tz_load("Test/V1", &tz, err, sizeof err);
    check(rc == SLUICE_OK, "Test/V1: %s%s", err, "");
    if (rc == SLUICE_OK) {
        struct tm tm;
        sl_tz_localtime(tz, parse_instant("2010-01-01T00:00:00Z"), &tm);
        check(sl_tz_offset(tz, parse_instant("1999-12-31T23:59:59Z")) == 3600 &&
                  sl_tz_offset(tz, parse_instant("2000-01-01T00:00:00Z")) == 7200 &&
                  same_text(tm.tm_zone, "+02") && tm.tm_hour == 2,
              "%s%s", "version 1 zone", "");
        sl_tz_free(&tz);
    }
    rc = sl_tz_load("Test/Junk", &tz, err, sizeof err);
    check(rc == SLUICE_EINVAL && same_text(err, "time zone 'Test/Junk': not a TZif file"),
          "junk: %s%s", err, "");
    rc = sl_tz_load("Test/Short", &tz, err, sizeof err);
    check(rc == SLUICE_EINVAL && same_text(err, "time zone 'Test/Short': not a TZif file"),
          "short: %s%s", err, "");
    /* "UTC" works without the zone file. */
    rc = sl_tz_load("UTC", &tz, err, sizeof err);
    check(rc == SLUICE_ENOENT, "UTC in a folder without it: %s%s", err, "");
    snprintf(path, sizeof path, "%s/missing", dir);
    setenv("TZDIR", path, 1);
    rc = sl_tz_load("UTC", &tz, err, sizeof err);
    check(rc == SLUICE_OK && sl_tz_offset(tz, 0) == 0, "built-in UTC: %s%s", err, "");
    sl_tz_free(&tz);
    rc = sl_tz_load("Europe/Berlin", &tz, err, sizeof err);
    snprintf(msg, sizeof msg, "time zone 'Europe/Berlin': %s does not exist (install the tzdata package)",
             path);
    check(rc == SLUICE_ENOENT && same_text(err, msg), "no zoneinfo: %s%s", err, "");
    unsetenv("TZDIR");

    const char *names[] = {"Test/Rule", "Test/V1", "Test/Junk", "Test/Short"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/Test", dir);
    rmdir(path);
    rmdir(dir);
}

/* ---- sl_tz against glibc ----------------------------------------------- */

/* glibc's localtime_r with TZ set is the reference. Single-threaded here,
 * which is what setenv("TZ") needs, and what sluice itself avoids. */
static void test_against_glibc(void)
{
    static const char *const zones[] = {
        "Europe/Berlin",    "Europe/Moscow",       "America/New_York",    "America/Sao_Paulo",
        "Australia/Sydney", "Australia/Lord_Howe", "Europe/Dublin",       "Africa/Casablanca",
        "Pacific/Apia",     "Asia/Kolkata",        "America/St_Johns",    "Pacific/Chatham",
        "Asia/Tehran",      "America/Santiago",    "Antarctica/Troll",    "UTC",
    };
    char *old_tz = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

    for (size_t z = 0; z < sizeof zones / sizeof zones[0]; z++) {
        sl_tz *tz = NULL;
        char err[256], when[40];
        int bad = 0;

        if (sl_tz_load(zones[z], &tz, err, sizeof err) != SLUICE_OK) {
            check(0, "%s: %s", zones[z], err);
            continue;
        }
        setenv("TZ", zones[z], 1);
        tzset();
        /* 1901..2100 in steps of a little over 3 days, so every hour of
         * the day and every transition season is sampled. */
        for (int64_t t = -2145916800LL; t < 4102444800LL && bad == 0; t += 3 * 86400 + 3607) {
            time_t tt = (time_t)t;
            struct tm g, m;
            localtime_r(&tt, &g);
            sl_tz_localtime(tz, t, &m);
            if (g.tm_gmtoff != m.tm_gmtoff || g.tm_hour != m.tm_hour || g.tm_mday != m.tm_mday ||
                g.tm_wday != m.tm_wday || g.tm_yday != m.tm_yday || g.tm_isdst != m.tm_isdst ||
                strcmp(g.tm_zone, m.tm_zone) != 0) {
                show_utc(tt, when, sizeof when);
                check(0, "%s differs from glibc at %s", zones[z], when);
                bad = 1;
            }
        }
        check(!bad, "%s%s", zones[z], " agrees with glibc");
        sl_tz_free(&tz);
    }
    if (old_tz != NULL)
        setenv("TZ", old_tz, 1);
    else
        unsetenv("TZ");
    free(old_tz);
    tzset();
}

/* ---- threads ----------------------------------------------------------- */

#define THREAD_STEPS 300

struct thread_job {
    const char *expr, *tz;
    time_t serial[THREAD_STEPS];
    int ok;
};

static int run_chain(const char *expr, const char *tz, time_t *out)
{
    sl_cron *c = NULL;
    char err[256];
    time_t t = parse_instant("2026-03-20T00:00:00Z");

    if (sl_cron_parse(expr, &c, err, sizeof err) != SLUICE_OK)
        return -1;
    for (int i = 0; i < THREAD_STEPS; i++) {
        if (sl_cron_next(c, tz, t, &out[i], err, sizeof err) != SLUICE_OK) {
            sl_cron_free(&c);
            return -1;
        }
        t = out[i];
    }
    sl_cron_free(&c);
    return 0;
}

static void *thread_main(void *arg)
{
    struct thread_job *job = arg;
    time_t got[THREAD_STEPS];

    job->ok = run_chain(job->expr, job->tz, got) == 0 &&
              memcmp(got, job->serial, sizeof got) == 0;
    return NULL;
}

static void test_threads(void)
{
    static struct thread_job jobs[] = {
        {"0 * * * *", "Europe/Berlin", {0}, 0},
        {"30 2 * * *", "America/New_York", {0}, 0},
        {"*/20 * * * * *", "Australia/Sydney", {0}, 0},
        {"0 9 * * MON-FRI", "Europe/Moscow", {0}, 0},
    };
    enum { N = sizeof jobs / sizeof jobs[0] };
    pthread_t th[N];

    for (int i = 0; i < N; i++) {
        if (run_chain(jobs[i].expr, jobs[i].tz, jobs[i].serial) != 0)
            check(0, "serial chain '%s' in %s", jobs[i].expr, jobs[i].tz);
    }
    for (int i = 0; i < N; i++)
        pthread_create(&th[i], NULL, thread_main, &jobs[i]);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        check(jobs[i].ok, "threaded chain '%s' in %s", jobs[i].expr, jobs[i].tz);
    }
}

int main(void)
{
    if (access("/usr/share/zoneinfo/Europe/Berlin", R_OK) != 0) {
        printf("0 passed, 1 failed: /usr/share/zoneinfo is missing (install tzdata)\n");
        return 1;
    }
    unsetenv("TZDIR"); /* the messages name /usr/share/zoneinfo */
    test_next_table();
    test_parse_errors();
    test_equivalents();
    test_zone_errors();
    test_horizon();
    test_first_instant();
    test_zone_files();
    test_against_glibc();
    test_threads();
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail == 0 ? 0 : 1;
}
