/*
 * norm_date.c - dates and times in the formats sales systems write, to
 * ISO 8601 UTC ("2026-11-27T11:05:00Z").
 *
 * Formats (README.md has the full table): ISO 8601 with or without a time
 * and offset, day-first dotted dates, month-first slashed dates (both
 * orders configurable), RFC 2822 as in mail and HTTP headers, compact
 * YYYYMMDD, and Unix epoch seconds (10 digits) or milliseconds (13 digits).
 * A time written without an offset is a wall-clock time in the configured
 * zone. A value that fits no format, or names a day that does not exist,
 * is invalid: guessing at dates corrupts every report built on them.
 */
#include "normalize.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define YEAR_MIN 1000
#define YEAR_MAX 9999

typedef struct when {
    int64_t y;
    int mo, d, h, mi, s;
    int has_time;
    int has_off;
    int32_t off; /* seconds east of UTC */
    int wday;    /* weekday named in the text (0 = Sunday), or -1 */
} when;

typedef struct cursor {
    const char *p, *end;
} cursor;

static const char *const months[] = { "january", "february", "march", "april", "may", "june", "july",
                                      "august", "september", "october", "november", "december" };
static const char *const wdays[] = { "sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
                                     "saturday" };

static int at_end(const cursor *c) { return c->p >= c->end; }
static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }
static int is_alpha(char ch) { return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'); }

/* Reads min..max digits into *v; returns how many, or 0 (cursor kept). */
static int number(cursor *c, int min, int max, int *v)
{
    int n = 0, val = 0;
    const char *p = c->p;
    while (n < max && p < c->end && is_digit(*p)) {
        val = val * 10 + (*p++ - '0');
        n++;
    }
    if (n < min || (p < c->end && is_digit(*p)))
        return 0;
    c->p = p;
    *v = val;
    return n;
}

static int accept(cursor *c, char ch)
{
    if (at_end(c) || *c->p != ch)
        return 0;
    c->p++;
    return 1;
}

static int skip_spaces(cursor *c)
{
    const char *p = c->p;
    while (!at_end(c) && *c->p == ' ')
        c->p++;
    return c->p > p;
}

/* An English month or weekday name, full or its first three letters, in
 * any case. Returns the index, or -1. */
static int name_in(cursor *c, const char *const *names, int count)
{
    const char *p = c->p;
    size_t len = 0;
    while (p + len < c->end && is_alpha(p[len]))
        len++;
    if (len < 3)
        return -1;
    for (int i = 0; i < count; i++) {
        size_t full = strlen(names[i]);
        if ((len == 3 || len == full) && strncasecmp(p, names[i], len) == 0) {
            c->p += len;
            return i;
        }
    }
    return -1;
}

static int two_digit_year(int yy) { return yy < 70 ? 2000 + yy : 1900 + yy; }

/* ---- zones and times ---- */

/* North American zone abbreviations RFC 2822 still allows. */
static int zone_name(cursor *c, int32_t *off)
{
    static const struct {
        const char *name;
        int hours;
    } zones[] = { { "UTC", 0 }, { "GMT", 0 }, { "UT", 0 },  { "EST", -5 }, { "EDT", -4 }, { "CST", -6 },
                  { "CDT", -5 }, { "MST", -7 }, { "MDT", -6 }, { "PST", -8 }, { "PDT", -7 } };
    size_t len = 0;
    while (c->p + len < c->end && is_alpha(c->p[len]))
        len++;
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++)
        if (strlen(zones[i].name) == len && norm_ascii_prefix(c->p, len, zones[i].name)) {
            c->p += len;
            *off = zones[i].hours * 3600;
            return 1;
        }
    return 0;
}

/* Z | +hh:mm | +hhmm | +hh | UTC/GMT[+hh:mm] | EST ... Returns 1 with
 * w->off set, 0 when there is no zone here, -1 when it is malformed. */
static int zone(cursor *c, when *w)
{
    int h, m = 0;
    if (accept(c, 'Z') || accept(c, 'z')) {
        w->has_off = 1;
        w->off = 0;
        return 1;
    }
    if (zone_name(c, &w->off)) {
        w->has_off = 1;
        if (at_end(c) || (*c->p != '+' && *c->p != '-'))
            return 1; /* "GMT+3" goes on to the offset */
        if (w->off != 0)
            return -1;
    }
    if (at_end(c) || (*c->p != '+' && *c->p != '-'))
        return 0;
    int sign = *c->p++ == '-' ? -1 : 1;
    int n = number(c, 1, 4, &h);
    if (n == 4) {
        m = h % 100;
        h /= 100;
    } else if (n == 3 || n == 0) {
        return -1;
    } else if (accept(c, ':') && number(c, 2, 2, &m) == 0) {
        return -1;
    }
    if (h > 18 || m > 59)
        return -1;
    w->has_off = 1;
    w->off = sign * (h * 3600 + m * 60);
    return 1;
}

/* hh:mm[:ss[.fff]] [AM|PM] [zone]. Returns SLUICE_OK or NORM_INVALID. */
static int time_of_day(norm_work *nw, cursor *c, when *w)
{
    int h, mi, s = 0, frac;
    if (!number(c, 1, 2, &h) || !accept(c, ':') || !number(c, 2, 2, &mi))
        return norm_fail(nw, "unreadable time of day");
    if (accept(c, ':')) {
        if (!number(c, 2, 2, &s))
            return norm_fail(nw, "unreadable seconds");
        /* Sub-second digits are dropped: the canonical form counts seconds. */
        if ((accept(c, '.') || accept(c, ',')) && !number(c, 1, 9, &frac))
            return norm_fail(nw, "unreadable fraction of a second");
    }
    skip_spaces(c);
    int ampm = -1;
    if (c->end - c->p >= 2 && (norm_ascii_prefix(c->p, 2, "am") || norm_ascii_prefix(c->p, 2, "pm")) &&
        (c->end - c->p == 2 || !is_alpha(c->p[2]))) {
        ampm = (c->p[0] | 0x20) == 'p';
        c->p += 2;
        skip_spaces(c);
    }
    if (ampm >= 0) {
        if (h < 1 || h > 12)
            return norm_fail(nw, "hour %d with AM/PM", h);
        h = h % 12 + (ampm ? 12 : 0);
    }
    if (h > 23 || mi > 59 || s > 59)
        return norm_fail(nw, "%02d:%02d:%02d is not a time of day", h, mi, s);
    w->h = h;
    w->mi = mi;
    w->s = s;
    w->has_time = 1;
    if (zone(c, w) < 0)
        return norm_fail(nw, "unreadable UTC offset");
    return SLUICE_OK;
}

/* After a date: nothing, or a separator (T, spaces, ", ") and a time. */
static int optional_time(norm_work *nw, cursor *c, when *w)
{
    if (at_end(c))
        return SLUICE_OK;
    int sep = accept(c, 'T') || accept(c, 't');
    if (!sep) {
        int comma = accept(c, ',');
        sep = skip_spaces(c) || comma;
    }
    if (!sep || at_end(c))
        return norm_fail(nw, "unexpected text after the date");
    int rc = time_of_day(nw, c, w);
    if (rc == SLUICE_OK && !at_end(c))
        return norm_fail(nw, "unexpected text after the time");
    return rc;
}

/* ---- the formats ---- */

/* 2026-11-27, 2026/11/27, 2026.11.27, then maybe a time. */
static int parse_ymd(norm_work *nw, cursor *c, when *w)
{
    int y, sep;
    if (!number(c, 4, 4, &y) || at_end(c))
        return norm_fail(nw, "unreadable date");
    sep = *c->p++;
    if (sep == '\0' || !strchr("-/.", sep) || !number(c, 1, 2, &w->mo) || !accept(c, (char)sep) || !number(c, 1, 2, &w->d))
        return norm_fail(nw, "unreadable date");
    w->y = y;
    return optional_time(nw, c, w);
}

/* 27.11.2026, 11/27/2026, 27-11-26: the order comes from the separator
 * and date_order. */
static int parse_dmy(norm_work *nw, cursor *c, when *w)
{
    int a, b, y, sep, order = nw->cfg->date_order;
    int yn;
    if (!number(c, 1, 2, &a) || at_end(c))
        return norm_fail(nw, "unreadable date");
    sep = *c->p++;
    if (!number(c, 1, 2, &b) || !accept(c, (char)sep))
        return norm_fail(nw, "unreadable date");
    yn = number(c, 2, 4, &y);
    if (yn != 2 && yn != 4)
        return norm_fail(nw, "the year must have 4 digits (or 2)");
    w->y = yn == 2 ? two_digit_year(y) : y;
    if (order == NORM_ORDER_AUTO)
        order = sep == '/' ? NORM_ORDER_MDY : NORM_ORDER_DMY;
    w->mo = order == NORM_ORDER_MDY ? a : b;
    w->d = order == NORM_ORDER_MDY ? b : a;
    if (w->mo > 12)
        return norm_fail(nw, "month %d does not exist (read as %s; see date_order)", w->mo,
                         order == NORM_ORDER_MDY ? "month/day/year" : "day.month.year");
    return optional_time(nw, c, w);
}

/* RFC 2822: [Fri,] 27 Nov 2026 [14:05[:00] +0300]; month names may be
 * written in full. */
static int parse_rfc2822(norm_work *nw, cursor *c, when *w)
{
    int d, y, yn;
    w->wday = name_in(c, wdays, 7);
    if (w->wday >= 0) {
        accept(c, ',');
        skip_spaces(c);
    }
    if (!number(c, 1, 2, &d) || !skip_spaces(c) || (w->mo = name_in(c, months, 12) + 1) == 0 ||
        !skip_spaces(c))
        return norm_fail(nw, "not a date in a known format");
    yn = number(c, 2, 4, &y);
    if (yn != 2 && yn != 4)
        return norm_fail(nw, "the year must have 4 digits (or 2)");
    w->y = yn == 2 ? two_digit_year(y) : y;
    w->d = d;
    if (at_end(c))
        return SLUICE_OK;
    if (!skip_spaces(c))
        return norm_fail(nw, "unexpected text after the date");
    int rc = time_of_day(nw, c, w);
    if (rc == SLUICE_OK && !at_end(c))
        return norm_fail(nw, "unexpected text after the time");
    return rc;
}

static int check_civil(norm_work *nw, const when *w)
{
    if (w->y < YEAR_MIN || w->y > YEAR_MAX)
        return norm_fail(nw, "year %lld is outside %d-%d", (long long)w->y, YEAR_MIN, YEAR_MAX);
    if (w->mo < 1 || w->mo > 12)
        return norm_fail(nw, "month %d does not exist", w->mo);
    if (w->d < 1 || w->d > norm_days_in_month(w->y, (unsigned)w->mo))
        return norm_fail(nw, "day %d does not exist in %04lld-%02d", w->d, (long long)w->y, w->mo);
    if (w->wday >= 0) {
        int64_t days = norm_days_from_civil(w->y, (unsigned)w->mo, (unsigned)w->d);
        int real = (int)((days % 7 + 7 + 4) % 7);
        if (real != w->wday)
            return norm_fail(nw, "%04lld-%02d-%02d is a %s, not a %s", (long long)w->y, w->mo, w->d,
                             wdays[real], wdays[w->wday]);
    }
    return SLUICE_OK;
}

/* ---- output ---- */

static int put_instant(norm_work *nw, int64_t t, json_t **out)
{
    int64_t days = t / 86400 - (t % 86400 < 0), y;
    int64_t secs = t - days * 86400;
    unsigned m, d;
    char text[32];
    norm_civil_from_days(days, &y, &m, &d);
    if (y < YEAR_MIN || y > YEAR_MAX)
        return norm_fail(nw, "year %lld is outside %d-%d", (long long)y, YEAR_MIN, YEAR_MAX);
    snprintf(text, sizeof text, "%04lld-%02u-%02uT%02d:%02d:%02dZ", (long long)y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60));
    *out = json_string_nocheck(text);
    return *out ? SLUICE_OK : SLUICE_ENOMEM;
}

static int put_when(norm_work *nw, const when *w, json_t **out)
{
    int rc = check_civil(nw, w);
    if (rc != SLUICE_OK)
        return rc;
    if (!w->has_time && nw->cfg->date_only_as_date) {
        char text[16];
        snprintf(text, sizeof text, "%04lld-%02d-%02d", (long long)w->y, w->mo, w->d);
        *out = json_string_nocheck(text);
        return *out ? SLUICE_OK : SLUICE_ENOMEM;
    }
    int64_t local = norm_days_from_civil(w->y, (unsigned)w->mo, (unsigned)w->d) * 86400 + w->h * 3600 +
                    w->mi * 60 + w->s;
    int64_t t = w->has_off ? local - w->off : norm_tz_to_utc(nw->cfg->tz, local);
    return put_instant(nw, t, out);
}

/* Epoch seconds have 10 digits (2001-09-09 to 2286), milliseconds 13. */
static int from_epoch(norm_work *nw, int64_t v, json_t **out)
{
    if (v >= 1000000000LL && v < 10000000000LL)
        return put_instant(nw, v, out);
    if (v >= 1000000000000LL && v < 10000000000000LL)
        return put_instant(nw, v / 1000, out);
    return norm_fail(nw, "a number that is neither epoch seconds (10 digits) nor milliseconds (13)");
}

static int from_digits(norm_work *nw, const char *s, size_t len, json_t **out)
{
    int64_t v = 0;
    for (size_t i = 0; i < len; i++)
        v = v * 10 + (s[i] - '0');
    if (len == 10 || len == 13)
        return from_epoch(nw, v, out);
    if (len == 8) { /* basic ISO 8601: 20261127 */
        when w = { .y = v / 10000, .mo = (int)(v / 100 % 100), .d = (int)(v % 100), .wday = -1 };
        return put_when(nw, &w, out);
    }
    return norm_fail(nw, "%zu digits: epoch seconds have 10, milliseconds 13, a compact date 8", len);
}

static int from_text(norm_work *nw, const char *s, size_t len, json_t **out)
{
    cursor c = { s, s + len };
    when w = { .wday = -1 };
    size_t digits = 0;
    int rc;
    while (digits < len && is_digit(s[digits]))
        digits++;
    if (digits == len)
        return digits <= 13 ? from_digits(nw, s, len, out) : norm_fail(nw, "too many digits for a date");
    if (digits == 4)
        rc = parse_ymd(nw, &c, &w);
    else if ((digits == 1 || digits == 2) && s[digits] && strchr("./-", s[digits]))
        rc = parse_dmy(nw, &c, &w);
    else
        rc = parse_rfc2822(nw, &c, &w);
    return rc == SLUICE_OK ? put_when(nw, &w, out) : rc;
}

int norm_date(norm_work *nw, json_t *in, json_t **out)
{
    if (json_is_integer(in))
        return from_epoch(nw, json_integer_value(in), out);
    if (json_is_real(in)) {
        double v = json_real_value(in);
        if (!(v >= 0 && v < 1e13))
            return norm_fail(nw, "a number that is neither epoch seconds (10 digits) nor milliseconds (13)");
        return from_epoch(nw, (int64_t)floor(v), out);
    }
    if (!json_is_string(in))
        return norm_fail(nw, "expected text or a number");
    const char *s = json_string_value(in);
    size_t a = 0, b = json_string_length(in);
    if (!norm_utf8_valid(s, b))
        return norm_fail(nw, "not valid UTF-8");
    norm_trim(s, &a, &b);
    if (a == b) {
        *out = json_null();
        return SLUICE_OK;
    }
    return from_text(nw, s + a, b - a, out);
}
