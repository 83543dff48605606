/*
 * norm_tz.c - the rules of one time zone, read from a TZif file (RFC 8536)
 * and its POSIX TZ footer, for turning wall-clock times into UTC.
 *
 * localtime_r() would need TZ in the environment, which is process-wide and
 * not ours to change in a multi-threaded host; so the plugin reads the
 * zone file itself, once per worker, and keeps it read-only. The core's
 * scheduler has its own reader (core/tz.c), which plugins cannot link.
 */
#include "normalize.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZIF_MAX_BYTES (1u << 20)
#define TZ_NAME_MAX 128

/* A POSIX TZ rule date: Jn (1-365, no Feb 29), n (0-365) or Mm.w.d. */
typedef struct tz_date {
    char kind; /* 'J', 'N' or 'M' */
    int m, w, d, n;
    int32_t time; /* seconds after local midnight, may be negative or > 24h */
} tz_date;

typedef struct tz_posix {
    int set;
    int32_t std_off, dst_off; /* seconds east of UTC */
    int has_dst;
    tz_date start, end;
} tz_posix;

struct norm_tz {
    int64_t *trans;     /* transition instants, ascending */
    uint8_t *trans_type; /* index into offs per transition */
    size_t ntrans;
    int32_t *offs;      /* UT offset of each local time type */
    size_t ntypes;
    tz_posix rule;      /* for instants after the last transition */
    int32_t max_off;    /* largest offset the zone ever uses */
};

/* ---- civil calendar (H. Hinnant's algorithms) ---- */

int64_t norm_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void norm_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int norm_days_in_month(int64_t y, unsigned m)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

/* ---- POSIX TZ strings ("EST5EDT,M3.2.0,M11.1.0", "<+03>-3") ---- */

static const char *posix_name(const char *p)
{
    if (*p == '<') {
        const char *q = strchr(p, '>');
        return q && q - p >= 4 ? q + 1 : NULL;
    }
    const char *q = p;
    while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'))
        q++;
    return q - p >= 3 ? q : NULL;
}

static int parse_num(const char **pp, int max, int *out)
{
    const char *p = *pp;
    int v = 0, n = 0;
    while (*p >= '0' && *p <= '9' && n < 4) {
        v = v * 10 + (*p++ - '0');
        n++;
    }
    if (n == 0 || v > max)
        return -1;
    *pp = p;
    *out = v;
    return 0;
}

/* [+-]hh[:mm[:ss]] in seconds; hours up to 167 (RFC 8536 extension). */
static const char *posix_time(const char *p, int32_t *out)
{
    int sign = 1, h, m = 0, s = 0;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    if (parse_num(&p, 167, &h) < 0)
        return NULL;
    if (*p == ':') {
        p++;
        if (parse_num(&p, 59, &m) < 0)
            return NULL;
    }
    if (*p == ':') {
        p++;
        if (parse_num(&p, 59, &s) < 0)
            return NULL;
    }
    *out = sign * (h * 3600 + m * 60 + s);
    return p;
}

static const char *posix_date(const char *p, tz_date *d)
{
    d->time = 7200;
    if (*p == 'M') {
        p++;
        d->kind = 'M';
        if (parse_num(&p, 12, &d->m) < 0 || d->m < 1 || *p++ != '.' || parse_num(&p, 5, &d->w) < 0 ||
            d->w < 1 || *p++ != '.' || parse_num(&p, 6, &d->d) < 0)
            return NULL;
    } else if (*p == 'J') {
        p++;
        d->kind = 'J';
        if (parse_num(&p, 365, &d->n) < 0 || d->n < 1)
            return NULL;
    } else {
        d->kind = 'N';
        if (parse_num(&p, 365, &d->n) < 0)
            return NULL;
    }
    if (*p == '/')
        p = posix_time(p + 1, &d->time);
    return p;
}

static int posix_parse(const char *p, tz_posix *r)
{
    int32_t off;
    memset(r, 0, sizeof *r);
    if (!(p = posix_name(p)) || !(p = posix_time(p, &off)))
        return -1;
    r->std_off = r->dst_off = -off; /* POSIX counts west of Greenwich */
    r->set = 1;
    if (*p == '\0')
        return 0;
    if (!(p = posix_name(p)))
        return -1;
    r->has_dst = 1;
    r->dst_off = r->std_off + 3600;
    if (*p != ',' && *p != '\0') {
        if (!(p = posix_time(p, &off)))
            return -1;
        r->dst_off = -off;
    }
    if (*p == '\0') /* no rule: POSIX leaves it to the implementation; US rules */
        p = ",M3.2.0,M11.1.0";
    if (*p++ != ',' || !(p = posix_date(p, &r->start)) || *p++ != ',' || !(p = posix_date(p, &r->end)))
        return -1;
    return *p == '\0' ? 0 : -1;
}

/* Local seconds since the epoch at which rule date d falls in year y. */
static int64_t rule_local(const tz_date *d, int64_t y)
{
    int64_t day;
    if (d->kind == 'J') {
        day = norm_days_from_civil(y, 1, 1) + d->n - 1 + (is_leap(y) && d->n >= 60);
    } else if (d->kind == 'N') {
        day = norm_days_from_civil(y, 1, 1) + d->n;
    } else {
        int64_t first = norm_days_from_civil(y, (unsigned)d->m, 1);
        int wday = (int)((first % 7 + 7 + 4) % 7); /* 1970-01-01 was a Thursday */
        int mday = 1 + (d->d - wday + 7) % 7 + (d->w - 1) * 7;
        if (mday > norm_days_in_month(y, (unsigned)d->m))
            mday -= 7;
        day = first + mday - 1;
    }
    return day * 86400 + d->time;
}

static int32_t posix_offset_at(const tz_posix *r, int64_t t)
{
    if (!r->has_dst)
        return r->std_off;
    int64_t y;
    unsigned m, d;
    norm_civil_from_days(floor_div(t + r->std_off, 86400), &y, &m, &d);
    int64_t start = rule_local(&r->start, y) - r->std_off;
    int64_t end = rule_local(&r->end, y) - r->dst_off;
    int dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return dst ? r->dst_off : r->std_off;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p) { return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4)); }

typedef struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
} tzif_counts;

static int read_header(const unsigned char *p, size_t len, tzif_counts *c)
{
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return -1;
    c->isut = be32(p + 20);
    c->isstd = be32(p + 24);
    c->leap = be32(p + 28);
    c->time = be32(p + 32);
    c->type = be32(p + 36);
    c->chars = be32(p + 40);
    return c->type == 0 || c->type > 256 || c->time > 100000 ? -1 : 0;
}

static size_t block_size(const tzif_counts *c, size_t time_size)
{
    return (size_t)c->time * time_size + c->time + (size_t)c->type * 6 + c->chars +
           (size_t)c->leap * (time_size + 4) + c->isstd + c->isut;
}

static int tz_fail(char *err, size_t err_size, const char *fmt, ...) SLUICE_PRINTF(3, 4);
static int tz_fail(char *err, size_t err_size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, err_size, fmt, ap);
    va_end(ap);
    return SLUICE_EINVAL;
}

/* Fills tz from the version-2+ (64-bit) block, or the version-1 block of
 * an old file. */
static int parse_tzif(const unsigned char *p, size_t len, norm_tz *tz, char *err, size_t err_size)
{
    tzif_counts c;
    size_t tsize = 4;
    if (read_header(p, len, &c) < 0)
        return tz_fail(err, err_size, "not a TZif file");
    if (p[4] >= '2') {
        size_t skip = 44 + block_size(&c, 4);
        if (skip >= len || read_header(p + skip, len - skip, &c) < 0)
            return tz_fail(err, err_size, "truncated TZif file");
        p += skip;
        len -= skip;
        tsize = 8;
    }
    if (c.leap)
        return tz_fail(err, err_size, "zones with leap seconds (right/...) are not supported");
    size_t need = 44 + block_size(&c, tsize);
    if (need > len)
        return tz_fail(err, err_size, "truncated TZif file");
    tz->trans = calloc(c.time + 1, sizeof *tz->trans);
    tz->trans_type = calloc(c.time + 1, 1);
    tz->offs = calloc(c.type, sizeof *tz->offs);
    if (!tz->trans || !tz->trans_type || !tz->offs)
        return SLUICE_ENOMEM;
    const unsigned char *q = p + 44;
    for (uint32_t i = 0; i < c.time; i++, q += tsize)
        tz->trans[i] = tsize == 8 ? be64(q) : (int32_t)be32(q);
    for (uint32_t i = 0; i < c.time; i++, q++) {
        if (*q >= c.type)
            return tz_fail(err, err_size, "corrupt TZif file");
        tz->trans_type[i] = *q;
    }
    for (uint32_t i = 0; i < c.type; i++, q += 6) {
        tz->offs[i] = (int32_t)be32(q);
        if (tz->offs[i] > tz->max_off || i == 0)
            tz->max_off = tz->offs[i];
    }
    tz->ntrans = c.time;
    tz->ntypes = c.type;
    /* The footer: "\nTZ-string\n" after the version-2+ block. */
    if (tsize == 8 && need < len && p[need] == '\n') {
        const char *f = (const char *)p + need + 1;
        const char *nl = memchr(f, '\n', len - need - 1);
        char rule[TZ_NAME_MAX];
        if (nl && (size_t)(nl - f) < sizeof rule && nl > f) {
            memcpy(rule, f, (size_t)(nl - f));
            rule[nl - f] = '\0';
            if (posix_parse(rule, &tz->rule) < 0)
                return tz_fail(err, err_size, "unsupported TZ rule \"%s\"", rule);
            if (tz->rule.std_off > tz->max_off)
                tz->max_off = tz->rule.std_off;
            if (tz->rule.dst_off > tz->max_off)
                tz->max_off = tz->rule.dst_off;
        }
    }
    return SLUICE_OK;
}

static int read_file(const char *path, unsigned char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno == ENOENT ? SLUICE_ENOENT : SLUICE_EIO;
    unsigned char *buf = malloc(TZIF_MAX_BYTES);
    size_t n = buf ? fread(buf, 1, TZIF_MAX_BYTES, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return SLUICE_ENOMEM;
    if (bad) {
        free(buf);
        return SLUICE_EIO;
    }
    *data = buf;
    *len = n;
    return SLUICE_OK;
}

/* IANA names are letters, digits and "/_-+"; no ".." and no leading '/',
 * so a name cannot leave the zone folder. */
static int valid_zone_name(const char *name)
{
    size_t len = strlen(name);
    if (len == 0 || len >= TZ_NAME_MAX || name[0] == '/' || strstr(name, ".."))
        return 0;
    for (const char *p = name; *p; p++)
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
              strchr("/_-+", *p)))
            return 0;
    return 1;
}

/* "+03:00", "-0530", "+03": a fixed offset; -1 if name is not one. */
static int fixed_offset(const char *s, int32_t *off)
{
    int h, m = 0;
    const char *p = s + 1;
    if (s[0] != '+' && s[0] != '-')
        return -1;
    if (!(p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9'))
        return -1;
    h = (p[0] - '0') * 10 + (p[1] - '0');
    p += 2;
    if (*p == ':')
        p++;
    if (*p) {
        if (!(p[0] >= '0' && p[0] <= '9' && p[1] >= '0' && p[1] <= '9') || p[2])
            return -1;
        m = (p[0] - '0') * 10 + (p[1] - '0');
    }
    if (h > 18 || m > 59)
        return -1;
    *off = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return 0;
}

static int load_fixed(int32_t off, norm_tz **out)
{
    norm_tz *tz = calloc(1, sizeof *tz);
    if (!tz || !(tz->offs = calloc(1, sizeof *tz->offs))) {
        free(tz);
        return SLUICE_ENOMEM;
    }
    tz->offs[0] = tz->max_off = off;
    tz->ntypes = 1;
    *out = tz;
    return SLUICE_OK;
}

int norm_tz_load(const char *name, norm_tz **out, char *err, size_t err_size)
{
    int32_t off;
    *out = NULL;
    if (strcmp(name, "UTC") == 0 || strcmp(name, "Z") == 0 || strcmp(name, "Etc/UTC") == 0)
        return load_fixed(0, out);
    if (fixed_offset(name, &off) == 0)
        return load_fixed(off, out);
    if (!valid_zone_name(name)) {
        snprintf(err, err_size, "\"%s\" is not a time zone name or an offset like +03:00", name);
        return SLUICE_EINVAL;
    }
    const char *dir = getenv("TZDIR");
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : "/usr/share/zoneinfo", name);
    unsigned char *data = NULL;
    size_t len = 0;
    int rc = read_file(path, &data, &len);
    if (rc != SLUICE_OK) {
        if (rc != SLUICE_ENOMEM)
            snprintf(err, err_size, "time zone \"%s\": cannot read %s: %s", name, path,
                     rc == SLUICE_ENOENT ? "no such zone" : "read error");
        return rc == SLUICE_ENOMEM ? rc : SLUICE_EINVAL;
    }
    norm_tz *tz = calloc(1, sizeof *tz);
    char why[160] = "";
    rc = tz ? parse_tzif(data, len, tz, why, sizeof why) : SLUICE_ENOMEM;
    free(data);
    if (rc != SLUICE_OK) {
        if (rc == SLUICE_EINVAL)
            snprintf(err, err_size, "time zone \"%s\" (%s): %s", name, path, why);
        norm_tz_free(&tz);
        return rc;
    }
    *out = tz;
    return SLUICE_OK;
}

void norm_tz_free(norm_tz **tzp)
{
    norm_tz *tz = tzp ? *tzp : NULL;
    if (!tz)
        return;
    free(tz->trans);
    free(tz->trans_type);
    free(tz->offs);
    free(tz);
    *tzp = NULL;
}

int32_t norm_tz_offset_at(const norm_tz *tz, int64_t t)
{
    if (tz->ntrans == 0)
        return tz->rule.set ? posix_offset_at(&tz->rule, t) : tz->offs[0];
    if (t < tz->trans[0])
        return tz->offs[0]; /* RFC 8536: before the first transition, type 0 */
    if (t >= tz->trans[tz->ntrans - 1] && tz->rule.set)
        return posix_offset_at(&tz->rule, t);
    size_t lo = 0, hi = tz->ntrans; /* last transition <= t */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return tz->offs[tz->trans_type[lo]];
}

static int32_t rule_offset(const norm_tz *tz, size_t i)
{
    if (i < tz->ntypes)
        return tz->offs[i];
    return i == tz->ntypes ? tz->rule.std_off : tz->rule.dst_off;
}

int64_t norm_tz_to_utc(const norm_tz *tz, int64_t local)
{
    /* Every reading local - o whose instant really has offset o is valid;
     * the candidates are the offsets the zone uses. */
    int found = 0;
    int64_t best = 0;
    size_t ncand = tz->ntypes + (tz->rule.set ? 2 : 0);
    for (size_t i = 0; i < ncand; i++) {
        int32_t o = rule_offset(tz, i);
        int64_t u = local - o;
        if (norm_tz_offset_at(tz, u) == o && (!found || u < best)) {
            best = u;
            found = 1;
        }
    }
    if (found)
        return best;
    /* Skipped by a change: take the offset in force just before it. Any
     * instant earlier than local - max_off is before the change. */
    return local - norm_tz_offset_at(tz, local - tz->max_off - 1);
}
