/* report_date.c - the report's dates: day numbers (days since 1970-01-01,
 * core/tz.c's proleptic Gregorian calendar) and months (year * 12 + month - 1). */
#include <stdint.h>
#include <string.h>

#include "report_model.h"
#include "tz.h"

static int digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

int sl_rep_day_parse(const char *s, int *day)
{
    int y, m, d;
    if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &m) ||
        digits(s + 8, 2, &d) || y < 1 || m < 1 || m > 12 || d < 1 || d > sl_days_in_month(y, m))
        return -1;
    *day = (int)sl_days_from_civil(y, m, d);
    return 0;
}

/* Writes v (clamped to 0..10^n - 1) as n digits. */
static char *put_digits(char *p, int64_t v, int n)
{
    int64_t max = n == 4 ? 9999 : 99;
    v = v < 0 ? 0 : v > max ? max : v;
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + n;
}

void sl_rep_day_format(int day, char buf[11])
{
    int64_t y;
    int m, d;
    sl_civil_from_days(day, &y, &m, &d);
    char *p = put_digits(buf, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p = '\0';
}

void sl_rep_month_format(int month, char buf[8])
{
    char *p = put_digits(buf, month / 12, 4);
    *p++ = '-';
    p = put_digits(p, month % 12 + 1, 2);
    *p = '\0';
}

int sl_rep_day_month(int day)
{
    int64_t y;
    int m, d;
    sl_civil_from_days(day, &y, &m, &d);
    return (int)(y * 12 + m - 1);
}

int sl_rep_in_range(const sl_rep_opts *o, int day)
{
    if (o->from == SL_REP_NODAY && o->to == SL_REP_NODAY)
        return 1;
    return day != SL_REP_NODAY && (o->from == SL_REP_NODAY || day >= o->from) &&
           (o->to == SL_REP_NODAY || day <= o->to);
}
