/* cron.c - see cron.h. A schedule is a bit set per field; the next fire
 * time is found on the wall clock one stretch of constant UTC offset at a
 * time, which is what makes skipped and repeated hours come out right. */
#include "cron.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELDS 6

struct sl_cron {
    uint64_t sec, min;
    uint32_t hour;
    uint32_t dom; /* bits 1..31 */
    uint16_t mon; /* bits 1..12 */
    uint8_t dow;  /* bits 0..6, Sunday = 0 */
    /* The field starts with "*": for the day-of-month/day-of-week rule,
     * and for repeated hours (see cron.h). */
    unsigned dom_star : 1, dow_star : 1, hour_star : 1;
};

struct field_spec {
    const char *name;
    int lo, hi;
    const char *const *names; /* NULL, or the names of lo..lo+count-1 */
    int nnames;
};

static const char *const month_names[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
static const char *const dow_names[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

enum { F_SEC, F_MIN, F_HOUR, F_DOM, F_MON, F_DOW };

static const struct field_spec specs[] = {
    [F_SEC] = {"second", 0, 59, NULL, 0},
    [F_MIN] = {"minute", 0, 59, NULL, 0},
    [F_HOUR] = {"hour", 0, 23, NULL, 0},
    [F_DOM] = {"day-of-month", 1, 31, NULL, 0},
    [F_MON] = {"month", 1, 12, month_names, 12},
    [F_DOW] = {"day-of-week", 0, 7, dow_names, 7},
};

static const struct {
    const char *name, *expr;
} macros[] = {
    {"@yearly", "0 0 1 1 *"},  {"@annually", "0 0 1 1 *"}, {"@monthly", "0 0 1 * *"},
    {"@weekly", "0 0 * * 0"},  {"@daily", "0 0 * * *"},    {"@midnight", "0 0 * * *"},
    {"@hourly", "0 * * * *"},
};

static void cron_err(char *err, size_t errlen, const char *fmt, ...) SLUICE_PRINTF(3, 4);

static void cron_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- parsing ----------------------------------------------------------- */

/* One field's text, not NUL-terminated. */
struct span {
    const char *s;
    size_t n;
};

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* Reads a number or (where the field has them) a name at *p, before end. */
static int parse_value(const struct field_spec *f, const char **p, const char *end, int *out,
                       char *err, size_t errlen)
{
    const char *s = *p;
    long v = 0;

    if (s < end && is_digit(*s)) {
        while (s < end && is_digit(*s)) {
            if (v <= 1000000)
                v = v * 10 + (*s - '0');
            s++;
        }
        if (v < f->lo || v > f->hi) {
            cron_err(err, errlen, "%s: %.*s is out of range %d-%d", f->name, (int)(s - *p), *p,
                     f->lo, f->hi);
            return -1;
        }
        *out = (int)v;
        *p = s;
        return 0;
    }
    while (s < end && is_alpha(*s))
        s++;
    if (s == *p) {
        if (*p == end)
            cron_err(err, errlen, "%s: a value is missing", f->name);
        else
            cron_err(err, errlen, "%s: unexpected '%c'", f->name, **p);
        return -1;
    }
    for (int i = 0; i < f->nnames; i++) {
        if (s - *p == 3 && strncasecmp(*p, f->names[i], 3) == 0) {
            *out = f->lo == 0 ? i : i + 1;
            *p = s;
            return 0;
        }
    }
    if (f->names == NULL)
        cron_err(err, errlen, "%s: '%.*s' is not a number", f->name, (int)(s - *p), *p);
    else
        cron_err(err, errlen, "%s: unknown name '%.*s' (expected %s to %s)", f->name,
                 (int)(s - *p), *p, f->names[0], f->names[f->nnames - 1]);
    return -1;
}

static int parse_step(const struct field_spec *f, const char **p, const char *end, int *step,
                      char *err, size_t errlen)
{
    const char *s = *p;
    long v = 0;

    if (s == end || !is_digit(*s)) {
        cron_err(err, errlen, "%s: a step needs a number after '/'", f->name);
        return -1;
    }
    while (s < end && is_digit(*s)) {
        if (v <= 1000000)
            v = v * 10 + (*s - '0');
        s++;
    }
    if (v < 1 || v > f->hi) {
        cron_err(err, errlen, "%s: step %.*s is out of range 1-%d", f->name, (int)(s - *p), *p,
                 f->hi);
        return -1;
    }
    *step = (int)v;
    *p = s;
    return 0;
}

/* One list item ("*", "5", "1-5", "MON-FRI/2", "*" "/15") into *mask. */
static int parse_item(const struct field_spec *f, const char *s, const char *end, uint64_t *mask,
                      char *err, size_t errlen)
{
    const char *item = s;
    int lo, hi, step = 1, ranged = 0;

    if (s == end) {
        cron_err(err, errlen, "%s: empty item in the list", f->name);
        return -1;
    }
    if (*s == '*') {
        s++;
        lo = f->lo;
        hi = f->hi;
        ranged = 1;
    } else {
        if (parse_value(f, &s, end, &lo, err, errlen) != 0)
            return -1;
        hi = lo;
        if (s < end && *s == '-') {
            s++;
            if (parse_value(f, &s, end, &hi, err, errlen) != 0)
                return -1;
            ranged = 1;
        }
    }
    if (s < end && *s == '/') {
        s++;
        if (parse_step(f, &s, end, &step, err, errlen) != 0)
            return -1;
        if (!ranged)
            hi = f->hi; /* "5/15": from 5 to the end of the range */
    }
    if (s != end) {
        cron_err(err, errlen, "%s: unexpected '%c' in '%.*s'", f->name, *s, (int)(end - item),
                 item);
        return -1;
    }
    if (f->names == dow_names && hi == 0 && lo > 0)
        hi = 7; /* FRI-SUN */
    if (lo > hi) {
        cron_err(err, errlen, "%s: range %.*s goes backwards", f->name, (int)(end - item), item);
        return -1;
    }
    for (int v = lo; v <= hi; v += step)
        *mask |= (uint64_t)1 << v;
    return 0;
}

static int parse_field(const struct field_spec *f, struct span sp, uint64_t *mask, char *err,
                       size_t errlen)
{
    const char *s = sp.s, *end = sp.s + sp.n;

    *mask = 0;
    for (;;) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *item_end = comma != NULL ? comma : end;

        if (parse_item(f, s, item_end, mask, err, errlen) != 0)
            return -1;
        if (comma == NULL)
            return 0;
        s = comma + 1;
    }
}

static size_t split_fields(const char *expr, struct span *fields, size_t max)
{
    size_t n = 0;
    const char *s = expr;

    for (;;) {
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\0')
            return n;
        const char *b = s;
        while (*s != '\0' && *s != ' ' && *s != '\t')
            s++;
        if (n < max)
            fields[n] = (struct span){b, (size_t)(s - b)};
        n++;
    }
}

static const char *macro_expr(struct span word, char *err, size_t errlen)
{
    for (size_t i = 0; i < sizeof macros / sizeof macros[0]; i++) {
        if (strlen(macros[i].name) == word.n && strncasecmp(word.s, macros[i].name, word.n) == 0)
            return macros[i].expr;
    }
    if (word.n == 7 && strncasecmp(word.s, "@reboot", 7) == 0)
        cron_err(err, errlen, "@reboot is not supported: sluice serve runs schedules, not boot "
                              "events");
    else
        cron_err(err, errlen, "unknown macro '%.*s' (expected @yearly, @annually, @monthly, "
                              "@weekly, @daily, @midnight or @hourly)", (int)word.n, word.s);
    return NULL;
}

/* In AND mode (day-of-week starts with "*") a day-of-month that occurs in
 * none of the months can never fire; say so now rather than search. */
static int check_days_exist(const sl_cron *c, struct span dom, struct span mon, char *err,
                            size_t errlen)
{
    if (!c->dow_star)
        return 0;
    for (int m = 1; m <= 12; m++) {
        if ((c->mon >> m & 1) == 0)
            continue;
        for (int d = 1; d <= sl_days_in_month(2000, m); d++) { /* 2000: has February 29 */
            if (c->dom >> d & 1)
                return 0;
        }
    }
    cron_err(err, errlen, "day-of-month: %.*s never occurs in month %.*s, so the schedule never "
                          "fires", (int)dom.n, dom.s, (int)mon.n, mon.s);
    return -1;
}

static int parse_fields(sl_cron *c, const struct span *fv, char *err, size_t errlen)
{
    uint64_t mask[MAX_FIELDS];

    for (int i = 0; i < MAX_FIELDS; i++) {
        if (parse_field(&specs[i], fv[i], &mask[i], err, errlen) != 0)
            return -1;
    }
    c->sec = mask[F_SEC];
    c->min = mask[F_MIN];
    c->hour = (uint32_t)mask[F_HOUR];
    c->dom = (uint32_t)mask[F_DOM];
    c->mon = (uint16_t)mask[F_MON];
    c->dow = (uint8_t)((mask[F_DOW] | mask[F_DOW] >> 7) & 0x7f); /* 7 is Sunday too */
    c->hour_star = fv[F_HOUR].s[0] == '*';
    c->dom_star = fv[F_DOM].s[0] == '*';
    c->dow_star = fv[F_DOW].s[0] == '*';
    return check_days_exist(c, fv[F_DOM], fv[F_MON], err, errlen);
}

int sl_cron_parse(const char *expr, sl_cron **out, char *err, size_t errlen)
{
    struct span got[MAX_FIELDS + 1], fv[MAX_FIELDS];
    size_t n;
    sl_cron *c;

    *out = NULL;
    if (expr == NULL) {
        cron_err(err, errlen, "the schedule is empty");
        return SLUICE_EINVAL;
    }
    n = split_fields(expr, got, MAX_FIELDS + 1);
    if (n == 1 && got[0].s[0] == '@') {
        const char *m = macro_expr(got[0], err, errlen);
        if (m == NULL)
            return SLUICE_EINVAL;
        n = split_fields(m, got, MAX_FIELDS + 1);
    }
    if (n == 5) { /* no seconds field: second 0 */
        fv[F_SEC] = (struct span){"0", 1};
        memcpy(&fv[F_MIN], got, 5 * sizeof got[0]);
    } else if (n == 6) {
        memcpy(fv, got, 6 * sizeof got[0]);
    } else {
        if (n == 0)
            cron_err(err, errlen, "the schedule is empty");
        else
            cron_err(err, errlen, "expected 5 fields (minute hour day-of-month month "
                                  "day-of-week), or 6 with a leading second; got %zu", n);
        return SLUICE_EINVAL;
    }
    if ((c = calloc(1, sizeof *c)) == NULL) {
        cron_err(err, errlen, "out of memory");
        return SLUICE_ENOMEM;
    }
    if (parse_fields(c, fv, err, errlen) != 0) {
        free(c);
        return SLUICE_EINVAL;
    }
    *out = c;
    return SLUICE_OK;
}

void sl_cron_free(sl_cron **c)
{
    if (c == NULL)
        return;
    free(*c);
    *c = NULL;
}

/* ---- next fire time ---------------------------------------------------- */

/* The smallest bit >= from set in mask, or -1 when none up to max. */
static int next_bit(uint64_t mask, int from, int max)
{
    for (int b = from; b <= max; b++) {
        if (mask >> b & 1)
            return b;
    }
    return -1;
}

static int day_matches(const sl_cron *c, int64_t days, int d)
{
    int dom_ok = (int)(c->dom >> d & 1);
    int dow_ok = c->dow >> sl_weekday(days) & 1;

    if (c->dom_star || c->dow_star)
        return dom_ok && dow_ok;
    return dom_ok || dow_ok;
}

/* A wall-clock position being advanced field by field. */
struct wall {
    int64_t y;
    int mon, d, h, mi, s;
};

static int64_t wall_seconds(const struct wall *w)
{
    return sl_days_from_civil(w->y, w->mon, w->d) * 86400 + w->h * 3600 + w->mi * 60 + w->s;
}

static void next_day(struct wall *w)
{
    w->d++;
    w->h = w->mi = w->s = 0; /* an overflowing day is caught by the month-length check */
}

static void next_hour(struct wall *w)
{
    w->mi = w->s = 0;
    if (++w->h == 24)
        next_day(w);
}

static void next_minute(struct wall *w)
{
    w->s = 0;
    if (++w->mi == 60) {
        w->mi = 0;
        next_hour(w);
    }
}

/* Advances w to a matching day (and resets the time) unless it is one.
 * Returns 1 when w is on a matching day, 0 when it moved. */
static int settle_day(const sl_cron *c, struct wall *w)
{
    int b;

    if ((c->mon >> w->mon & 1) == 0) {
        b = next_bit(c->mon, w->mon + 1, 12);
        if (b < 0) {
            w->y++;
            b = next_bit(c->mon, 1, 12);
        }
        w->mon = b;
        w->d = 1;
        w->h = w->mi = w->s = 0;
        return 0;
    }
    if (w->d > sl_days_in_month(w->y, w->mon)) {
        if (++w->mon == 13) {
            w->mon = 1;
            w->y++;
        }
        w->d = 1;
        w->h = w->mi = w->s = 0;
        return 0;
    }
    if (!day_matches(c, sl_days_from_civil(w->y, w->mon, w->d), w->d)) {
        next_day(w);
        return 0;
    }
    return 1;
}

/* Advances the time of day of w to a match. Returns 1 when w matches, 0
 * when it had to move to a later day. */
static int settle_time(const sl_cron *c, struct wall *w)
{
    int b;

    if ((b = next_bit(c->hour, w->h, 23)) < 0) {
        next_day(w);
        return 0;
    }
    if (b != w->h) {
        w->h = b;
        w->mi = w->s = 0;
    }
    if ((b = next_bit(c->min, w->mi, 59)) < 0) {
        next_hour(w);
        return 0;
    }
    if (b != w->mi) {
        w->mi = b;
        w->s = 0;
    }
    if ((b = next_bit(c->sec, w->s, 59)) < 0) {
        next_minute(w);
        return 0;
    }
    w->s = b;
    return 1;
}

/* The first wall-clock reading >= from that matches, if it is <= limit.
 * Each step only moves forward, and a step that skips a day costs one
 * iteration, so a search over years stays cheap. */
static int next_wall(const sl_cron *c, int64_t from, int64_t limit, int64_t *out)
{
    int64_t days = from / 86400 - (from % 86400 < 0), secs = from - days * 86400;
    struct wall w;

    sl_civil_from_days(days, &w.y, &w.mon, &w.d);
    w.h = (int)(secs / 3600);
    w.mi = (int)(secs / 60 % 60);
    w.s = (int)(secs % 60);
    while (wall_seconds(&w) <= limit) {
        if (settle_day(c, &w) && settle_time(c, &w)) {
            *out = wall_seconds(&w);
            return *out <= limit ? 0 : -1;
        }
    }
    return -1;
}

static void format_utc(int64_t t, char *buf, size_t size)
{
    int64_t days = t / 86400 - (t % 86400 < 0), secs = t - days * 86400, y;
    int m, d;

    sl_civil_from_days(days, &y, &m, &d);
    snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)y, m, d,
             (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
}

/* For a fixed-hour job, a reading at `cand` that the wall clock already
 * showed earlier (a fall-back) must not fire again. Returns the instant
 * to search on from when cand is such a repeat, else 0. */
static int64_t repeat_skip(const sl_cron *c, const sl_tz *tz, int64_t local, int64_t cand,
                           int32_t off)
{
    int64_t first, change, end;

    if (tz == NULL || c->hour_star || sl_tz_first_instant(tz, local, &first) != 0 || first >= cand)
        return 0;
    /* The earlier stretch's wall clock ran up to its end; readings past
     * that are new, so resume the search where they begin. */
    change = sl_tz_next_change(tz, first);
    if (change == SL_TZ_NEVER) /* cannot happen: first and cand differ in offset */
        return cand + 1;
    end = change + (local - first) - off;
    return end > cand ? end : cand + 1;
}

int sl_cron_next_in(const sl_cron *c, const sl_tz *tz, time_t after, time_t until, time_t *next,
                    char *err, size_t errlen)
{
    const int64_t min_t = sl_days_from_civil(1, 1, 1) * 86400;
    const int64_t max_t = sl_days_from_civil(10000, 1, 1) * 86400 - 1 - 2 * 86400;
    int64_t t = (int64_t)after + 1, limit = until, wall, seg_last, skip;
    char from_s[32], to_s[32];

    if ((int64_t)after < min_t || (int64_t)after > max_t) {
        cron_err(err, errlen, "time %lld is outside the years 1 to 9999", (long long)after);
        return SLUICE_EINVAL;
    }
    if (limit > max_t)
        limit = max_t;
    while (t <= limit) {
        /* One stretch [t, e) of constant offset at a time. */
        int32_t off = tz != NULL ? sl_tz_offset(tz, t) : 0;
        int64_t e = tz != NULL ? sl_tz_next_change(tz, t) : SL_TZ_NEVER;

        seg_last = e == SL_TZ_NEVER || e - 1 > limit ? limit : e - 1;
        if (next_wall(c, t + off, seg_last + off, &wall) != 0) {
            t = seg_last + 1;
            continue;
        }
        if ((skip = repeat_skip(c, tz, wall, wall - off, off)) != 0) {
            t = skip;
            continue;
        }
        *next = (time_t)(wall - off);
        return SLUICE_OK;
    }
    format_utc(after, from_s, sizeof from_s);
    format_utc(limit, to_s, sizeof to_s);
    cron_err(err, errlen, "no fire time after %s up to %s", from_s, to_s);
    return SLUICE_ENOENT;
}

int sl_cron_next(const sl_cron *c, const char *tz, time_t after, time_t *next, char *err,
                 size_t errlen)
{
    sl_tz *zone = NULL;
    int64_t until;
    int rc;

    if (tz != NULL && (rc = sl_tz_load(tz, &zone, err, errlen)) != SLUICE_OK)
        return rc;
    /* Leap years make 50 calendar years slightly longer than 50 * 365 days. */
    until = (int64_t)after + (int64_t)SL_CRON_HORIZON_YEARS * 366 * 86400;
    rc = sl_cron_next_in(c, zone, after, (time_t)until, next, err, errlen);
    sl_tz_free(&zone);
    return rc;
}
