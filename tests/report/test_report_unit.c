/* test_report_unit.c - unit tests of the report's pieces that have no
 * warehouse of their own:
 * - exact decimals (core/report_dec.c): parsing the text SQLite gives for
 *   TEXT, INTEGER and REAL columns, sums that binary floating point gets
 *   wrong, products, rounding division, formatting, overflow;
 * - dates (core/report_db.c): YYYY-MM-DD to day numbers and back, leap
 *   years, invalid dates;
 * - the forecast (core/report_forecast.c): a straight line is extended
 *   exactly, a quarterly pattern is learnt, a 12-month season on 3 years
 *   uses Holt-Winters and beats the trend, short series give no forecast.
 * Prints "N passed, M failed". */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_dec.h"
#include "report_model.h"

static int g_pass, g_fail;

static void check(int ok, const char *what, const char *got)
{
    if (ok) {
        g_pass++;
        return;
    }
    g_fail++;
    printf("FAIL %s (got %s)\n", what, got ? got : "-");
}

static void check_dec(const char *in, const char *want, int min_scale)
{
    sl_dec d;
    char buf[SL_DEC_BUFSZ] = "(parse failed)";
    if (sl_dec_parse(in, &d) == 0)
        sl_dec_format(d, min_scale, buf, sizeof buf);
    char what[128];
    snprintf(what, sizeof what, "parse '%s' -> %s", in, want);
    check(strcmp(buf, want) == 0, what, buf);
}

static void check_bad(const char *in)
{
    sl_dec d;
    char what[128];
    snprintf(what, sizeof what, "'%s' is not a decimal", in ? in : "(null)");
    check(sl_dec_parse(in, &d) != 0, what, NULL);
}

static void test_parse(void)
{
    static const char *const cases[][2] = {
        {"1590.00", "1590.00"}, {"0.1", "0.10"},     {"-12.5", "-12.50"},  {"+3", "3.00"},
        {" 42 ", "42.00"},      {".5", "0.50"},      {"5.", "5.00"},       {"1054", "1054.00"},
        {"1.5e-3", "0.0015"},   {"1.0e+15", "1000000000000000.00"},     {"2.5E2", "250.00"},
        {"0.000000000000000001", "0.000000000000000001"},             {"-0", "0.00"},
        {"99999999999999999999.99", "99999999999999999999.99"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_dec(cases[i][0], cases[i][1], 2);
    check_dec("13", "13", 0);
    check_dec("2.500", "2.5", 0);
    static const char *const bad[] = {"", " ", "abc", "1,5", "1.2.3", "--1", "1e", "e5", "12abc",
                                      "123456789012345678901234567890123456789012"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        check_bad(bad[i]);
    check_bad(NULL);
}

static sl_dec D(const char *s)
{
    sl_dec d = {0, 0};
    sl_dec_parse(s, &d);
    return d;
}

static void check_fmt(sl_dec d, const char *want, const char *what)
{
    char buf[SL_DEC_BUFSZ];
    sl_dec_format(d, 2, buf, sizeof buf);
    check(strcmp(buf, want) == 0, what, buf);
}

static void test_arith(void)
{
    /* 0.1 added 10 times is 1 exactly, where doubles give 0.9999999999999999. */
    sl_dec acc = {0, 0};
    for (int i = 0; i < 10; i++)
        sl_dec_add(&acc, D("0.1"));
    check_fmt(acc, "1.00", "ten times 0.10 is 1.00");
    /* A million cents: exact. */
    sl_dec big = {0, 0};
    for (int i = 0; i < 1000000; i++)
        sl_dec_add(&big, D("0.01"));
    check_fmt(big, "10000.00", "a million cents");
    sl_dec p;
    sl_dec_mul(D("3"), D("3.33"), &p);
    check_fmt(p, "9.99", "3 x 3.33");
    sl_dec_mul(D("1.5"), D("0.333"), &p);
    check_fmt(p, "0.4995", "1.5 x 0.333 keeps its decimals");
    sl_dec_sub(D("9.99"), D("0.99"), &p);
    check_fmt(p, "9.00", "9.99 - 0.99");
    sl_dec q;
    sl_dec_div_int(D("379.59"), 7, 2, &q);
    check_fmt(q, "54.23", "379.59 / 7 rounds to 54.23");
    sl_dec_div_int(D("0.125"), 1, 2, &q);
    check_fmt(q, "0.13", "0.125 rounds half away from zero");
    sl_dec_div_int(D("-0.125"), 1, 2, &q);
    check_fmt(q, "-0.13", "-0.125 rounds half away from zero");
    sl_dec_div_int(D("1001.50"), 2, 2, &q);
    check_fmt(q, "500.75", "1001.50 / 2");
    check(sl_dec_div_int(D("1"), 0, 2, &q) != 0, "division by zero refused", NULL);
    check(sl_dec_cmp(D("0.10"), D("0.1")) == 0, "0.10 == 0.1", NULL);
    check(sl_dec_cmp(D("-1"), D("0.5")) < 0, "-1 < 0.5", NULL);
    check(fabs(sl_dec_to_double(D("12345678.91")) - 12345678.91) < 1e-6, "to double", NULL);
    /* Overflow is reported, never wrapped. */
    sl_dec huge = D("99999999999999999999999999999999999999"), h2 = huge;
    check(sl_dec_add(&h2, huge) != 0, "overflowing sum refused", NULL);
    check(sl_dec_mul(huge, D("10"), &p) != 0, "overflowing product refused", NULL);
}

static void check_day(const char *s, int ok)
{
    int day;
    char back[11] = "", what[96];
    int rc = sl_rep_day_parse(s, &day);
    if (rc == 0)
        sl_rep_day_format(day, back);
    snprintf(what, sizeof what, "date '%s' %s", s, ok ? "round-trips" : "is refused");
    check(ok ? rc == 0 && strncmp(back, s, 10) == 0 : rc != 0, what, back);
}

static void test_dates(void)
{
    check_day("1970-01-01", 1);
    check_day("2024-02-29", 1);
    check_day("2000-02-29", 1);
    check_day("2024-12-31T23:59:59Z", 1);
    check_day("1999-12-31", 1);
    check_day("2023-02-29", 0);
    check_day("1900-02-29", 0);
    check_day("2024-13-01", 0);
    check_day("2024-04-31", 0);
    check_day("24-01-01", 0);
    check_day("2024/01/01", 0);
    int a, b;
    sl_rep_day_parse("2024-06-30", &a);
    sl_rep_day_parse("2024-04-01", &b);
    check(a - b == 90, "2024-04-01 is 90 days before 2024-06-30", NULL);
    sl_rep_day_parse("1970-01-02", &a);
    check(a == 1, "day numbers count from 1970-01-01", NULL);
    char m[8];
    sl_rep_month_format(sl_rep_day_month(b), m);
    check(strcmp(m, "2024-04") == 0, "month of 2024-04-01", m);
}

static void test_forecast(void)
{
    sl_rep_forecast fc;
    char got[64];
    double line[12];
    for (int i = 0; i < 12; i++)
        line[i] = 100 + 10 * i;
    /* 2024-01 is month 2024 * 12: any place in the quarter works for a line. */
    sl_rep_forecast_series(line, 12, 2024 * 12, &fc);
    snprintf(got, sizeof got, "%s %.6f %.6f %.6f mae %.6f", fc.method ? fc.method : "-", fc.value[0], fc.value[1],
             fc.value[2], fc.mae);
    check(fc.ok && strcmp(fc.method, "linear-trend-quarterly") == 0 && fabs(fc.value[0] - 220) < 1e-6 &&
              fabs(fc.value[2] - 240) < 1e-6 && fc.mae < 1e-6,
          "a straight line is extended exactly, backtest error 0", got);

    /* Trend plus a quarter-end push: learnt from the quarters. */
    double q[10];
    for (int i = 0; i < 10; i++)
        q[i] = 1000 + 5 * i + ((2024 * 12 + 2 + i) % 3 == 2 ? 400 : 0); /* from 2024-03: March is a quarter end */
    sl_rep_forecast_series(q, 10, 2024 * 12 + 2, &fc);
    snprintf(got, sizeof got, "%.3f %.3f %.3f mape %.3f", fc.value[0], fc.value[1], fc.value[2], fc.mape);
    check(fc.ok && fabs(fc.value[0] - 1050) < 1e-6 && fabs(fc.value[1] - 1055) < 1e-6 &&
              fabs(fc.value[2] - 1460) < 1e-6 && fc.mape < 1e-6,
          "quarterly pattern: 2025-01, 2025-02 plain, 2025-03 a quarter end", got);

    /* Three years of a yearly season: Holt-Winters, and close. */
    double s[36];
    for (int i = 0; i < 36; i++)
        s[i] = 500 + 2 * i + 200 * sin(2 * M_PI * i / 12.0);
    sl_rep_forecast_series(s, 36, 2021 * 12, &fc);
    double want = 500 + 2 * 36 + 200 * sin(0);
    snprintf(got, sizeof got, "%s %.3f (want %.3f) mape %.3f", fc.method ? fc.method : "-", fc.value[0], want, fc.mape);
    check(fc.ok && strcmp(fc.method, "holt-winters-additive") == 0 && fabs(fc.value[0] - want) < 15 && fc.mape < 3,
          "a yearly season is learnt by Holt-Winters", got);
    check(fc.alpha > 0 && fc.beta > 0 && fc.gamma > 0, "smoothing parameters reported", NULL);

    /* Six months: a linear trend fitted on three; five: none. A falling
     * trend is cut at zero. */
    double down[6] = {60, 50, 40, 30, 20, 10};
    sl_rep_forecast_series(down, 6, 0, &fc);
    snprintf(got, sizeof got, "%s %.3f %.3f backtest %.3f", fc.method ? fc.method : "-", fc.value[0], fc.value[2],
             fc.backtest[0]);
    check(fc.ok && strcmp(fc.method, "linear-trend") == 0 && fabs(fc.value[0]) < 1e-9 && fc.value[2] == 0,
          "a falling trend is cut at zero", got);
    check(fc.mape_known && fabs(fc.backtest[0] - 30) < 1e-9 && fc.mae < 1e-9, "backtest of a line fitted on three months",
          got);
    sl_rep_forecast_series(down, 5, 0, &fc);
    check(!fc.ok && fc.reason != NULL, "no forecast from 5 months", NULL);
    double zeros[6] = {0, 0, 0, 0, 0, 0};
    sl_rep_forecast_series(zeros, 6, 0, &fc);
    check(fc.ok && !fc.mape_known && fc.mae == 0, "MAPE undefined when every held-out month is zero", NULL);
}

int main(void)
{
    test_parse();
    test_arith();
    test_dates();
    test_forecast();
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
