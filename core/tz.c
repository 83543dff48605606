/* tz.c - see tz.h. The TZif format is RFC 8536: a v1 block with 32-bit
 * times, then (v2+) the same data with 64-bit times and a footer holding a
 * POSIX TZ string ("CET-1CEST,M3.5.0,M10.5.0/3") that rules every instant
 * after the last transition of the table. */
#include "tz.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZ_MAX_FILE (1024 * 1024)
#define TZ_MAX_NAME 255
/* RFC 8536 3.2: UT offsets SHOULD lie in [-25:59:59, +25:59:59]. */
#define TZ_MIN_UTOFF (-93599)
#define TZ_MAX_UTOFF 93599
/* POSIX rule times (v3 extension): -167..167 hours. */
#define TZ_MAX_RULE_HOURS 167

struct tz_type {
    int32_t utoff; /* seconds east of UTC */
    int isdst;
    char abbr[16];
};

/* A date of a POSIX rule: Jn (1..365, no Feb 29), n (0..365), Mm.w.d. */
struct tz_rule_date {
    char kind; /* 'J', 'D' or 'M' */
    int n, m, w, d;
    int32_t time; /* seconds after local midnight, may be negative or > 24h */
};

struct tz_rule {
    struct tz_type std, dst;
    int has_dst;
    struct tz_rule_date start, end; /* std->dst, dst->std */
};

struct sl_tz {
    char *name;
    size_t ntrans;
    int64_t *trans;      /* ascending instants */
    uint8_t *trans_type; /* index into types for each transition */
    size_t ntypes;
    struct tz_type *types;
    int has_rule;
    struct tz_rule rule;
};

static void tz_err(char *err, size_t errlen, const char *fmt, ...) SLUICE_PRINTF(3, 4);

static void tz_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- calendar ---------------------------------------------------------- */

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian
 * calendar, no loops, no tables. */
int64_t sl_days_from_civil(int64_t y, int m, int d)
{
    int64_t era, yoe, doy, doe;

    y -= m <= 2;
    era = floor_div(y, 400);
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void sl_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;

    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int sl_days_in_month(int64_t y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    if (m == 2 && is_leap(y))
        return 29;
    return len[m - 1];
}

int sl_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday. */
    int64_t w = (days + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

static int64_t year_of(int64_t t)
{
    int64_t y;
    int m, d;

    sl_civil_from_days(floor_div(t, 86400), &y, &m, &d);
    return y;
}

/* ---- POSIX TZ rule (the TZif footer) ---------------------------------- */

/* Days since the epoch of rule date `rd` in year y. */
static int64_t rule_day(const struct tz_rule_date *rd, int64_t y)
{
    int64_t first;
    int day;

    switch (rd->kind) {
    case 'J': /* 1..365, February 29 is never counted */
        return sl_days_from_civil(y, 1, 1) + rd->n - 1 + (is_leap(y) && rd->n >= 60);
    case 'D': /* 0..365, February 29 counted */
        return sl_days_from_civil(y, 1, 1) + rd->n;
    default: /* Mm.w.d: day d of week w (5 = last) of month m */
        first = sl_days_from_civil(y, rd->m, 1);
        day = 1 + (rd->d - sl_weekday(first) + 7) % 7 + 7 * (rd->w - 1);
        while (day > sl_days_in_month(y, rd->m))
            day -= 7;
        return first + day - 1;
    }
}

/* The instant of a rule transition in year y; the rule's time is read on
 * the wall clock in force before the transition (offset `before`). */
static int64_t rule_instant(const struct tz_rule_date *rd, int64_t y, int32_t before)
{
    return rule_day(rd, y) * 86400 + rd->time - before;
}

static const struct tz_type *rule_type(const struct tz_rule *r, int64_t t)
{
    int64_t y, start, end;
    int in_dst;

    if (!r->has_dst)
        return &r->std;
    y = year_of(t + r->std.utoff);
    start = rule_instant(&r->start, y, r->std.utoff);
    end = rule_instant(&r->end, y, r->dst.utoff);
    if (start < end)
        in_dst = t >= start && t < end;
    else /* southern hemisphere, or "negative DST" as in Europe/Dublin */
        in_dst = !(t >= end && t < start);
    return in_dst ? &r->dst : &r->std;
}

static int64_t rule_next_change(const struct tz_rule *r, int64_t t)
{
    int64_t y0, best = SL_TZ_NEVER, c;

    if (!r->has_dst)
        return SL_TZ_NEVER;
    y0 = year_of(t + r->std.utoff);
    for (int64_t y = y0 - 1; y <= y0 + 1; y++) {
        c = rule_instant(&r->start, y, r->std.utoff);
        if (c > t && c < best)
            best = c;
        c = rule_instant(&r->end, y, r->dst.utoff);
        if (c > t && c < best)
            best = c;
    }
    return best;
}

static int parse_abbr(const char **sp, char *abbr, size_t size)
{
    const char *s = *sp, *b, *e;

    if (*s == '<') {
        b = ++s;
        while (*s == '+' || *s == '-' || (*s >= '0' && *s <= '9') || (*s >= 'A' && *s <= 'Z') ||
               (*s >= 'a' && *s <= 'z'))
            s++;
        if (*s != '>')
            return -1;
        e = s++;
    } else {
        b = s;
        while ((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z'))
            s++;
        e = s;
    }
    if (e - b < 3)
        return -1;
    snprintf(abbr, size, "%.*s", (int)(e - b), b);
    *sp = s;
    return 0;
}

static int parse_num(const char **sp, int lo, int hi, int *out)
{
    const char *s = *sp;
    int v = 0;

    if (*s < '0' || *s > '9')
        return -1;
    while (*s >= '0' && *s <= '9') {
        v = v * 10 + (*s++ - '0');
        if (v > hi)
            return -1;
    }
    if (v < lo)
        return -1;
    *out = v;
    *sp = s;
    return 0;
}

/* [+-]hh[:mm[:ss]] in seconds, hours at most `maxh`. */
static int parse_hms(const char **sp, int maxh, int32_t *out)
{
    const char *s = *sp;
    int sign = 1, h, m = 0, sec = 0;

    if (*s == '+' || *s == '-')
        sign = *s++ == '-' ? -1 : 1;
    if (parse_num(&s, 0, maxh, &h) != 0)
        return -1;
    if (*s == ':') {
        s++;
        if (parse_num(&s, 0, 59, &m) != 0)
            return -1;
        if (*s == ':') {
            s++;
            if (parse_num(&s, 0, 59, &sec) != 0)
                return -1;
        }
    }
    *out = sign * (h * 3600 + m * 60 + sec);
    *sp = s;
    return 0;
}

static int parse_rule_date(const char **sp, struct tz_rule_date *rd)
{
    const char *s = *sp;

    memset(rd, 0, sizeof *rd);
    if (*s == 'J') {
        s++;
        rd->kind = 'J';
        if (parse_num(&s, 1, 365, &rd->n) != 0)
            return -1;
    } else if (*s == 'M') {
        s++;
        rd->kind = 'M';
        if (parse_num(&s, 1, 12, &rd->m) != 0 || *s++ != '.' || parse_num(&s, 1, 5, &rd->w) != 0 ||
            *s++ != '.' || parse_num(&s, 0, 6, &rd->d) != 0)
            return -1;
    } else {
        rd->kind = 'D';
        if (parse_num(&s, 0, 365, &rd->n) != 0)
            return -1;
    }
    rd->time = 2 * 3600; /* POSIX default: 02:00 */
    if (*s == '/') {
        s++;
        if (parse_hms(&s, TZ_MAX_RULE_HOURS, &rd->time) != 0)
            return -1;
    }
    *sp = s;
    return 0;
}

/* Parses a POSIX TZ string such as "CET-1CEST,M3.5.0,M10.5.0/3". POSIX
 * offsets count west of UTC, hence the negations. */
static int parse_rule(const char *s, struct tz_rule *r)
{
    int32_t off;

    memset(r, 0, sizeof *r);
    if (parse_abbr(&s, r->std.abbr, sizeof r->std.abbr) != 0 || parse_hms(&s, 24, &off) != 0)
        return -1;
    r->std.utoff = -off;
    if (*s == '\0')
        return 0;
    r->has_dst = 1;
    r->dst.isdst = 1;
    if (parse_abbr(&s, r->dst.abbr, sizeof r->dst.abbr) != 0)
        return -1;
    r->dst.utoff = r->std.utoff + 3600;
    if (*s != ',' && *s != '\0') {
        if (parse_hms(&s, 24, &off) != 0)
            return -1;
        r->dst.utoff = -off;
    }
    if (*s == '\0') {
        /* No rule: the US rules, as glibc assumes. */
        const char *us_start = "M3.2.0", *us_end = "M11.1.0";
        if (parse_rule_date(&us_start, &r->start) != 0 || parse_rule_date(&us_end, &r->end) != 0)
            return -1;
        return 0;
    }
    if (*s++ != ',' || parse_rule_date(&s, &r->start) != 0 || *s++ != ',' ||
        parse_rule_date(&s, &r->end) != 0 || *s != '\0')
        return -1;
    return 0;
}

/* ---- TZif -------------------------------------------------------------- */

struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
};

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int read_header(const unsigned char *p, size_t len, struct tzif_counts *c)
{
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    c->isut = be32(p + 20);
    c->isstd = be32(p + 24);
    c->leap = be32(p + 28);
    c->time = be32(p + 32);
    c->type = be32(p + 36);
    c->chars = be32(p + 40);
    return 0;
}

static size_t block_size(const struct tzif_counts *c, size_t tsize)
{
    return (size_t)c->time * (tsize + 1) + (size_t)c->type * 6 + c->chars +
           (size_t)c->leap * (tsize + 4) + c->isstd + c->isut;
}

/* Fills tz from one data block (times of `tsize` bytes) at p. */
static int read_block(sl_tz *tz, const unsigned char *p, const struct tzif_counts *c, size_t tsize,
                      char *err, size_t errlen)
{
    const unsigned char *idx = p + (size_t)c->time * tsize;
    const unsigned char *types = idx + c->time;
    const char *chars = (const char *)(types + (size_t)c->type * 6);

    if (c->type == 0 || c->type > 256 || c->chars == 0 || (c->isstd != 0 && c->isstd != c->type) ||
        (c->isut != 0 && c->isut != c->type)) {
        tz_err(err, errlen, "time zone '%s': corrupt TZif header", tz->name);
        return SLUICE_EINVAL;
    }
    if (c->leap != 0) {
        tz_err(err, errlen, "time zone '%s' counts leap seconds (a right/ zone): use the zone "
                            "without the right/ prefix", tz->name);
        return SLUICE_EINVAL;
    }
    tz->ntrans = c->time;
    tz->ntypes = c->type;
    tz->trans = calloc(c->time + 1, sizeof *tz->trans);
    tz->trans_type = calloc(c->time + 1, 1);
    tz->types = calloc(c->type, sizeof *tz->types);
    if (tz->trans == NULL || tz->trans_type == NULL || tz->types == NULL) {
        tz_err(err, errlen, "out of memory");
        return SLUICE_ENOMEM;
    }
    for (size_t i = 0; i < c->time; i++) {
        tz->trans[i] = tsize == 8 ? be64(p + i * 8) : (int32_t)be32(p + i * 4);
        tz->trans_type[i] = idx[i];
        if (idx[i] >= c->type || (i > 0 && tz->trans[i] <= tz->trans[i - 1])) {
            tz_err(err, errlen, "time zone '%s': corrupt transition table", tz->name);
            return SLUICE_EINVAL;
        }
    }
    for (size_t i = 0; i < c->type; i++) {
        const unsigned char *t = types + i * 6;
        int32_t utoff = (int32_t)be32(t);
        unsigned ai = t[5];

        if (utoff < TZ_MIN_UTOFF || utoff > TZ_MAX_UTOFF || ai >= c->chars) {
            tz_err(err, errlen, "time zone '%s': corrupt local time type", tz->name);
            return SLUICE_EINVAL;
        }
        tz->types[i].utoff = utoff;
        tz->types[i].isdst = t[4] != 0;
        snprintf(tz->types[i].abbr, sizeof tz->types[i].abbr, "%.*s", (int)(c->chars - ai),
                 chars + ai);
    }
    return SLUICE_OK;
}

static int read_footer(sl_tz *tz, const unsigned char *p, size_t len, char *err, size_t errlen)
{
    const unsigned char *nl;
    char rule[256];

    if (len < 2 || p[0] != '\n' || (nl = memchr(p + 1, '\n', len - 1)) == NULL) {
        tz_err(err, errlen, "time zone '%s': TZif footer missing", tz->name);
        return SLUICE_EINVAL;
    }
    if (nl == p + 1)
        return SLUICE_OK; /* empty: the last transition's type holds forever */
    if ((size_t)(nl - p - 1) >= sizeof rule) {
        tz_err(err, errlen, "time zone '%s': TZif footer too long", tz->name);
        return SLUICE_EINVAL;
    }
    memcpy(rule, p + 1, (size_t)(nl - p - 1));
    rule[nl - p - 1] = '\0';
    if (parse_rule(rule, &tz->rule) != 0) {
        tz_err(err, errlen, "time zone '%s': cannot read its TZ rule '%s'", tz->name, rule);
        return SLUICE_EINVAL;
    }
    tz->has_rule = 1;
    return SLUICE_OK;
}

static int parse_tzif(sl_tz *tz, const unsigned char *p, size_t len, char *err, size_t errlen)
{
    struct tzif_counts c;
    size_t size;

    if (read_header(p, len, &c) != 0) {
        tz_err(err, errlen, "time zone '%s': not a TZif file", tz->name);
        return SLUICE_EINVAL;
    }
    size = block_size(&c, 4);
    if (size > len - 44) {
        tz_err(err, errlen, "time zone '%s': truncated TZif file", tz->name);
        return SLUICE_EINVAL;
    }
    if (p[4] == '\0') /* version 1: 32-bit times, no footer */
        return read_block(tz, p + 44, &c, 4, err, errlen);
    p += 44 + size;
    len -= 44 + size;
    if (read_header(p, len, &c) != 0 || (size = block_size(&c, 8)) > len - 44) {
        tz_err(err, errlen, "time zone '%s': truncated TZif file", tz->name);
        return SLUICE_EINVAL;
    }
    int rc = read_block(tz, p + 44, &c, 8, err, errlen);
    if (rc != SLUICE_OK)
        return rc;
    return read_footer(tz, p + 44 + size, len - 44 - size, err, errlen);
}

/* ---- loading ----------------------------------------------------------- */

static int valid_name(const char *name, char *err, size_t errlen)
{
    size_t len = strlen(name);
    const char *s = name, *slash;

    if (len == 0 || len > TZ_MAX_NAME) {
        tz_err(err, errlen, "time zone name must have 1 to %d characters", TZ_MAX_NAME);
        return -1;
    }
    for (const char *q = name; *q != '\0'; q++) {
        if (!((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') ||
              strchr("/_+-.", *q) != NULL)) {
            tz_err(err, errlen, "time zone '%s': unexpected character '%c' (expected an IANA "
                                "name such as Europe/Berlin)", name, *q);
            return -1;
        }
    }
    /* Every component is a plain name: no absolute paths, no "." or "..". */
    for (;;) {
        slash = strchr(s, '/');
        size_t n = slash != NULL ? (size_t)(slash - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.') ||
            s[0] == '-') {
            tz_err(err, errlen, "time zone '%s' is not an IANA name such as Europe/Berlin",
                   name);
            return -1;
        }
        if (slash == NULL)
            return 0;
        s = slash + 1;
    }
}

static int read_file(const char *path, unsigned char **buf, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    struct stat st;
    int rc = SLUICE_EIO;

    *buf = NULL;
    if (fp == NULL)
        return errno == ENOENT || errno == ENOTDIR ? SLUICE_ENOENT : SLUICE_EIO;
    if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = SLUICE_ENOENT; /* a folder such as "Europe" is not a zone */
    } else if (st.st_size > TZ_MAX_FILE) {
        rc = SLUICE_EINVAL;
    } else if ((*buf = malloc((size_t)st.st_size + 1)) == NULL) {
        rc = SLUICE_ENOMEM;
    } else if (fread(*buf, 1, (size_t)st.st_size, fp) == (size_t)st.st_size) {
        *len = (size_t)st.st_size;
        rc = SLUICE_OK;
    }
    fclose(fp);
    if (rc != SLUICE_OK) {
        free(*buf);
        *buf = NULL;
    }
    return rc;
}

static sl_tz *tz_new(const char *name)
{
    sl_tz *tz = calloc(1, sizeof *tz);

    if (tz == NULL)
        return NULL;
    tz->name = strdup(name);
    if (tz->name == NULL) {
        free(tz);
        return NULL;
    }
    return tz;
}

static int load_utc(const char *name, sl_tz **out, char *err, size_t errlen)
{
    sl_tz *tz = tz_new(name);

    if (tz == NULL || (tz->types = calloc(1, sizeof *tz->types)) == NULL) {
        sl_tz_free(&tz);
        tz_err(err, errlen, "out of memory");
        return SLUICE_ENOMEM;
    }
    tz->ntypes = 1;
    snprintf(tz->types[0].abbr, sizeof tz->types[0].abbr, "UTC");
    *out = tz;
    return SLUICE_OK;
}

static int load_file(const char *name, const char *path, const char *dir, sl_tz **out, char *err,
                     size_t errlen)
{
    unsigned char *buf;
    size_t len = 0;
    struct stat st;
    sl_tz *tz;
    int rc = read_file(path, &buf, &len);

    if (rc == SLUICE_ENOENT && stat(dir, &st) != 0) {
        if (strcmp(name, "UTC") == 0)
            return load_utc(name, out, err, errlen);
        tz_err(err, errlen, "time zone '%s': %s does not exist (install the tzdata package)",
               name, dir);
        return rc;
    }
    if (rc != SLUICE_OK) {
        if (rc == SLUICE_ENOENT)
            tz_err(err, errlen, "unknown time zone '%s' (no such zone in %s)", name, dir);
        else
            tz_err(err, errlen, "time zone '%s': cannot read %s: %s", name, path,
                   rc == SLUICE_EINVAL ? "file too large" : sluice_strerror(rc));
        return rc;
    }
    tz = tz_new(name);
    if (tz == NULL) {
        free(buf);
        tz_err(err, errlen, "out of memory");
        return SLUICE_ENOMEM;
    }
    rc = parse_tzif(tz, buf, len, err, errlen);
    free(buf);
    if (rc != SLUICE_OK) {
        sl_tz_free(&tz);
        return rc;
    }
    *out = tz;
    return SLUICE_OK;
}

int sl_tz_load(const char *name, sl_tz **out, char *err, size_t errlen)
{
    const char *dir = getenv("TZDIR");
    char path[4096];

    *out = NULL;
    if (name == NULL)
        return load_utc("UTC", out, err, errlen);
    if (valid_name(name, err, errlen) != 0)
        return SLUICE_EINVAL;
    if (dir == NULL || dir[0] == '\0')
        dir = TZ_DEFAULT_DIR;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
        tz_err(err, errlen, "time zone '%s': path too long", name);
        return SLUICE_EINVAL;
    }
    return load_file(name, path, dir, out, err, errlen);
}

void sl_tz_free(sl_tz **tz)
{
    if (tz == NULL || *tz == NULL)
        return;
    free((*tz)->name);
    free((*tz)->trans);
    free((*tz)->trans_type);
    free((*tz)->types);
    free(*tz);
    *tz = NULL;
}

const char *sl_tz_name(const sl_tz *tz)
{
    return tz->name;
}

/* ---- queries ----------------------------------------------------------- */

/* Number of transitions at or before t. */
static size_t trans_upto(const sl_tz *tz, int64_t t)
{
    size_t lo = 0, hi = tz->ntrans;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const struct tz_type *type_at(const sl_tz *tz, int64_t t)
{
    size_t n;

    if (tz->ntrans == 0)
        return tz->has_rule ? rule_type(&tz->rule, t) : &tz->types[0];
    n = trans_upto(tz, t);
    if (n == 0) /* RFC 8536: before the first transition, type 0 */
        return &tz->types[0];
    if (n == tz->ntrans && tz->has_rule)
        return rule_type(&tz->rule, t);
    return &tz->types[tz->trans_type[n - 1]];
}

int32_t sl_tz_offset(const sl_tz *tz, int64_t t)
{
    return type_at(tz, t)->utoff;
}

int64_t sl_tz_next_change(const sl_tz *tz, int64_t t)
{
    size_t n = trans_upto(tz, t);

    if (n < tz->ntrans)
        return tz->trans[n];
    return tz->has_rule ? rule_next_change(&tz->rule, t) : SL_TZ_NEVER;
}

int sl_tz_first_instant(const sl_tz *tz, int64_t local, int64_t *t)
{
    /* A solution is local - offset with offset within the allowed range,
     * so walk the stretches of constant offset over that window. */
    int64_t s = local - TZ_MAX_UTOFF, stop = local - TZ_MIN_UTOFF;

    if (local < -((int64_t)1 << 50) || local > ((int64_t)1 << 50))
        return -1;
    while (s <= stop) {
        int64_t e = sl_tz_next_change(tz, s);
        int64_t cand = local - sl_tz_offset(tz, s);

        if (cand >= s && cand < e) {
            *t = cand;
            return 0;
        }
        if (e == SL_TZ_NEVER)
            break;
        s = e;
    }
    return -1;
}

int sl_tz_localtime(const sl_tz *tz, int64_t t, struct tm *out)
{
    const struct tz_type *ty;
    int64_t local, days, y, secs;
    int m, d;

    if (t < -400000000000LL || t > 400000000000LL)
        return -1;
    ty = type_at(tz, t);
    local = t + ty->utoff;
    days = floor_div(local, 86400);
    secs = local - days * 86400;
    sl_civil_from_days(days, &y, &m, &d);
    if (y < -9999 || y > 9999)
        return -1;
    memset(out, 0, sizeof *out);
    out->tm_year = (int)(y - 1900);
    out->tm_mon = m - 1;
    out->tm_mday = d;
    out->tm_hour = (int)(secs / 3600);
    out->tm_min = (int)(secs / 60 % 60);
    out->tm_sec = (int)(secs % 60);
    out->tm_wday = sl_weekday(days);
    out->tm_yday = (int)(days - sl_days_from_civil(y, 1, 1));
    out->tm_isdst = ty->isdst;
    out->tm_gmtoff = ty->utoff;
    out->tm_zone = ty->abbr;
    return 0;
}
