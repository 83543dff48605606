/* hc_time.c - ISO 8601 and epoch timestamps, parsed and formatted in UTC. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "httpcommon.h"

/* Reads exactly `width` digits. */
static int digits(const char **p, int width, int *out)
{
    int v = 0;
    for (int i = 0; i < width; i++) {
        char c = (*p)[i];
        if (c < '0' || c > '9')
            return -1;
        v = v * 10 + (c - '0');
    }
    *p += width;
    *out = v;
    return 0;
}

static int all_digits(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil): timegm() without touching the TZ environment. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* The zone suffix at p: "", "Z", "+hh:mm", "+hhmm", "+hh". Seconds east. */
static int zone(const char *p, int *east)
{
    int sign, hh, mm = 0;
    if (*p == '\0') {
        *east = 0;
        return 0;
    }
    if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
        *east = 0;
        return 0;
    }
    if (*p != '+' && *p != '-')
        return -1;
    sign = *p++ == '-' ? -1 : 1;
    if (digits(&p, 2, &hh) != 0)
        return -1;
    if (*p == ':')
        p++;
    if (*p && digits(&p, 2, &mm) != 0)
        return -1;
    if (*p != '\0' || hh > 23 || mm > 59)
        return -1;
    *east = sign * (hh * 3600 + mm * 60);
    return 0;
}

int hc_time_parse(const char *s, int64_t *ms)
{
    int y, mo, d, h = 0, mi = 0, sec = 0, frac = 0, east = 0;
    const char *p = s;

    if (s == NULL)
        return -1;
    if (all_digits(s)) {
        long long v;
        if (strlen(s) > 18 || sscanf(s, "%lld", &v) != 1)
            return -1;
        *ms = v < 100000000000LL ? (int64_t)v * 1000 : (int64_t)v;
        return 0;
    }
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' || digits(&p, 2, &d))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31)
        return -1;
    if (*p == 'T' || *p == 't' || *p == ' ') {
        p++;
        if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
            return -1;
        if (*p == ':') {
            p++;
            if (digits(&p, 2, &sec))
                return -1;
            if (*p == '.' || *p == ',') {
                int scale = 100;
                p++;
                if (*p < '0' || *p > '9')
                    return -1;
                for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
                    frac += (*p - '0') * scale; /* digits past ms add 0 */
            }
        }
        if (h > 24 || mi > 59 || sec > 60)
            return -1;
        if (zone(p, &east) != 0)
            return -1;
    } else if (*p != '\0') {
        return -1;
    }
    *ms = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - east) * 1000 + frac;
    return 0;
}

int hc_time_format(int64_t ms, const char *format, char *buf, size_t n)
{
    int64_t secs = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int msec = (int)(ms - secs * 1000);
    time_t t = (time_t)secs;
    struct tm tm;
    int w;

    if (format == NULL || strcmp(format, "unix") == 0)
        w = snprintf(buf, n, "%lld", (long long)secs);
    else if (strcmp(format, "unix_ms") == 0)
        w = snprintf(buf, n, "%lld", (long long)ms);
    else {
        const char *pat = format;
        char date[128];
        int with_ms = 0;
        if (gmtime_r(&t, &tm) == NULL)
            return -1;
        if (strcmp(format, "iso8601") == 0) {
            pat = "%Y-%m-%dT%H:%M:%S";
            with_ms = msec != 0;
        } else if (strcmp(format, "iso8601_ms") == 0) {
            pat = "%Y-%m-%dT%H:%M:%S";
            with_ms = 1;
        } else if (strcmp(format, "date") == 0) {
            pat = "%Y-%m-%d";
        }
        if (strftime(date, sizeof date, pat, &tm) == 0)
            return -1;
        if (pat != format && strcmp(format, "date") != 0)
            w = with_ms ? snprintf(buf, n, "%s.%03dZ", date, msec) : snprintf(buf, n, "%sZ", date);
        else
            w = snprintf(buf, n, "%s", date);
    }
    return w >= 0 && (size_t)w < n ? 0 : -1;
}
