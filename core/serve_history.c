/* serve_history.c - see serve_history.h. */
#include "serve_history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "state.h"

/* Reads exactly n digits at *p. */
static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return 0;
}

static int expect_char(const char **p, char c)
{
    if (**p != c)
        return -1;
    (*p)++;
    return 0;
}

int sl_history_parse_time(const char *s, double *out)
{
    int y, mo, d, h, mi, sec;
    const char *p = s;
    if (!s || digits(&p, 4, &y) || expect_char(&p, '-') || digits(&p, 2, &mo) || expect_char(&p, '-') ||
        digits(&p, 2, &d) || expect_char(&p, 'T') || digits(&p, 2, &h) || expect_char(&p, ':') ||
        digits(&p, 2, &mi) || expect_char(&p, ':') || digits(&p, 2, &sec))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > sl_days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60)
        return -1;
    double frac = 0, scale = 0.1;
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9')
            return -1;
        for (; *p >= '0' && *p <= '9'; p++, scale /= 10)
            frac += (*p - '0') * scale;
    }
    if (strcmp(p, "Z") != 0)
        return -1;
    *out = (double)(sl_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) + frac;
    return 0;
}

void sl_history_format_time(time_t t, const sl_tz *tz, char *buf, size_t len)
{
    int32_t off = tz ? sl_tz_offset(tz, t) : 0;
    int64_t local = (int64_t)t + off;
    int64_t days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
    int64_t y;
    int m, d;
    sl_civil_from_days(days, &y, &m, &d);
    int64_t secs = local - days * 86400;
    int32_t aoff = off < 0 ? -off : off;
    snprintf(buf, len, "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", (long long)y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60), (int)(secs % 60), off < 0 ? '-' : '+', (int)(aoff / 3600), (int)(aoff / 60 % 60));
}

json_t *sl_history_runs(const char *state_path, int limit, char **err)
{
    sl_state *st = NULL;
    if (sl_state_open(&st, state_path, err) != 0)
        return NULL;
    json_t *runs = sl_state_runs(st, limit);
    sl_state_close(&st);
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        double t0, t1;
        if (sl_history_parse_time(json_string_value(json_object_get(r, "started_at")), &t0) == 0 &&
            sl_history_parse_time(json_string_value(json_object_get(r, "ended_at")), &t1) == 0)
            json_object_set_new(r, "duration_s", json_real(t1 - t0));
    }
    return runs;
}

void sl_history_totals(const json_t *run, unsigned long long *read, unsigned long long *written,
                       unsigned long long *rejected)
{
    size_t i;
    json_t *s;
    *read = *written = *rejected = 0;
    json_array_foreach(json_object_get(run, "stages"), i, s)
    {
        const char *kind = json_string_value(json_object_get(s, "kind"));
        unsigned long long out = (unsigned long long)json_integer_value(json_object_get(s, "out"));
        if (kind && strcmp(kind, "source") == 0)
            *read += out;
        if (kind && strcmp(kind, "sink") == 0)
            *written += out;
        *rejected += (unsigned long long)json_integer_value(json_object_get(s, "rejected"));
    }
}

time_t sl_history_last_start(const json_t *runs)
{
    double t;
    if (sl_history_parse_time(json_string_value(json_object_get(json_array_get(runs, 0), "started_at")), &t) != 0)
        return 0;
    return (time_t)t;
}

json_t *sl_history_describe(const sl_pipeline_cfg *cfg, const sl_tz *tz, time_t next, json_t *runs)
{
    const sl_schedule_cfg *sc = &cfg->schedule;
    json_t *o = json_object();
    if (!o) {
        json_decref(runs);
        return NULL;
    }
    json_object_set_new(o, "pipeline", json_string(cfg->name));
    json_object_set_new(o, "file", json_string(cfg->file));
    json_object_set_new(o, "state", json_string(cfg->state));
    json_object_set_new(o, "schedule", sc->cron ? json_string(sc->cron) : json_null());
    json_object_set_new(o, "timezone", json_string(sc->timezone ? sc->timezone : "UTC"));
    json_object_set_new(o, "overlap", json_string(sc->overlap == SL_OVERLAP_QUEUE ? "queue" : "skip"));
    json_object_set_new(o, "catch_up", json_string(sc->catch_up == SL_CATCH_UP_ONCE ? "once" : "none"));
    json_object_set_new(o, "jitter_s", json_integer(sc->jitter_s));
    if (next > 0) {
        char when[64];
        sl_history_format_time(next, tz, when, sizeof when);
        json_object_set_new(o, "next_run", json_string(when));
        json_object_set_new(o, "next_run_unix", json_integer((json_int_t)next));
    } else {
        json_object_set_new(o, "next_run", json_null());
        json_object_set_new(o, "next_run_unix", json_null());
    }
    json_object_set_new(o, "runs", runs ? runs : json_array());
    return o;
}
