/* test_serve.c - unit tests of what `sluice serve` decides without running
 * anything:
 * - the scheduler (core/serve_sched.c) driven by a fake clock: on-time and
 *   late fire times, catch_up none and once after downtime, jitter bounds,
 *   spread and determinism, jitter longer than the interval, time zones;
 * - the history helpers (core/serve_history.c): timestamps both ways;
 * - the metrics (core/serve_metrics.c): counting runs and stages from
 *   history rows and the Prometheus text they give.
 * Prints "N passed, M failed"; exits 1 when a check failed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cron.h"
#include "serve_history.h"
#include "serve_metrics.h"
#include "serve_sched.h"

static int g_pass, g_fail;

#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (cond) {                                                                                                    \
            g_pass++;                                                                                                  \
        } else {                                                                                                       \
            g_fail++;                                                                                                  \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                                                                \
            printf(__VA_ARGS__);                                                                                       \
            printf("\n");                                                                                              \
        }                                                                                                              \
    } while (0)

/* "2026-11-27T10:00:00Z" to an instant; exits on a typo in the test. */
static time_t at(const char *iso)
{
    double t;
    if (sl_history_parse_time(iso, &t) != 0) {
        fprintf(stderr, "bad instant in the test: %s\n", iso);
        exit(2);
    }
    return (time_t)t;
}

static sl_cron *cron_of(const char *expr)
{
    sl_cron *c = NULL;
    char err[256];
    if (sl_cron_parse(expr, &c, err, sizeof err) != SLUICE_OK) {
        fprintf(stderr, "bad cron in the test: %s: %s\n", expr, err);
        exit(2);
    }
    return c;
}

/* ---- the scheduler ---------------------------------------------------------------------- */

static void test_on_time_and_late(void)
{
    sl_cron *c = cron_of("*/2 * * * * *");
    sl_sched s;
    char err[256];
    time_t t0 = at("2026-11-27T10:00:00Z");
    CHECK(sl_sched_init(&s, c, NULL, SL_CATCH_UP_NONE, 0, 1, t0, 0, err, sizeof err) == 0, "init: %s", err);
    CHECK(s.nominal == t0 + 2 && s.due == t0 + 2, "first fire 2 s later, got +%lld", (long long)(s.due - t0));
    CHECK(!sl_sched_is_due(&s, t0 + 1), "not due a second early");
    CHECK(sl_sched_is_due(&s, t0 + 2), "due on time");
    int missed = -1;
    CHECK(sl_sched_advance(&s, t0 + 2, &missed, err, sizeof err) == 0 && missed == 0, "on time: nothing missed (%d)",
          missed);
    CHECK(s.due == t0 + 4, "next at +4, got +%lld", (long long)(s.due - t0));
    /* The loop woke 6 s late (a suspended host): +4 fires once, +6 and +8 are missed. */
    CHECK(sl_sched_advance(&s, t0 + 10, &missed, err, sizeof err) == 0 && missed == 2, "late: 2 missed, got %d",
          missed);
    CHECK(s.due == t0 + 12, "after a late wake-up the next is after now: +12, got +%lld", (long long)(s.due - t0));
    /* The clock set back: the due time stays, nothing fires twice. */
    CHECK(!sl_sched_is_due(&s, t0 - 3600), "clock set back: not due");
    CHECK(s.due == t0 + 12, "clock set back: due time unchanged");
    sl_cron_free(&c);
}

static void test_catch_up(void)
{
    sl_cron *c = cron_of("0 2 * * *");
    sl_sched s;
    char err[256];
    time_t now = at("2026-11-27T10:00:00Z");
    time_t next = at("2026-11-28T02:00:00Z");

    /* Two nightly runs missed while serve was down (26th and 27th). */
    time_t last = at("2026-11-25T02:00:05Z");
    CHECK(sl_sched_init(&s, c, NULL, SL_CATCH_UP_NONE, 0, 1, now, last, err, sizeof err) == 0, "init: %s", err);
    CHECK(s.due == next && !s.catching_up, "catch_up none: nothing made up, next at the 28th");

    CHECK(sl_sched_init(&s, c, NULL, SL_CATCH_UP_ONCE, 0, 1, now, last, err, sizeof err) == 0, "init: %s", err);
    CHECK(s.catching_up && s.due == now && sl_sched_is_due(&s, now), "catch_up once: one run due at once");
    int missed = -1;
    CHECK(sl_sched_advance(&s, now + 1, &missed, err, sizeof err) == 0, "advance: %s", err);
    CHECK(!s.catching_up && s.due == next && missed == 0, "catch_up once: then the regular time, once (due %lld)",
          (long long)(s.due - next));

    /* The last run started after the last fire time: nothing missed. */
    CHECK(sl_sched_init(&s, c, NULL, SL_CATCH_UP_ONCE, 0, 1, now, at("2026-11-27T02:00:01Z"), err, sizeof err) == 0,
          "init: %s", err);
    CHECK(!s.catching_up && s.due == next, "catch_up once: up to date, no catch-up");

    /* Never ran: no catch-up (there is no downtime to make up for). */
    CHECK(sl_sched_init(&s, c, NULL, SL_CATCH_UP_ONCE, 0, 1, now, 0, err, sizeof err) == 0, "init: %s", err);
    CHECK(!s.catching_up && s.due == next, "catch_up once: a first start runs on schedule");

    /* A catch-up run that starts late still leaves the nominal time alone
     * unless that passed too. */
    CHECK(sl_sched_init(&s, c, NULL, SL_CATCH_UP_ONCE, 0, 1, now, last, err, sizeof err) == 0, "init: %s", err);
    CHECK(sl_sched_advance(&s, next + 60, &missed, err, sizeof err) == 0 && s.due == at("2026-11-29T02:00:00Z"),
          "a very late catch-up moves on to the next fire time after now");
    sl_cron_free(&c);
}

static void test_jitter(void)
{
    sl_cron *c = cron_of("0 * * * *");
    sl_sched a, b, d;
    char err[256];
    time_t now = at("2026-11-27T10:30:00Z");
    sl_sched_init(&a, c, NULL, SL_CATCH_UP_NONE, 30, 42, now, 0, err, sizeof err);
    sl_sched_init(&b, c, NULL, SL_CATCH_UP_NONE, 30, 42, now, 0, err, sizeof err);
    sl_sched_init(&d, c, NULL, SL_CATCH_UP_NONE, 30, 43, now, 0, err, sizeof err);
    long long lo = 1000, hi = -1, same = 0, differs = 0;
    int in_range = 1, sequence = 1;
    for (int i = 0; i < 1000; i++) {
        long long j = (long long)(a.due - a.nominal);
        in_range &= j >= 0 && j <= 30 && a.nominal % 3600 == 0;
        lo = j < lo ? j : lo;
        hi = j > hi ? j : hi;
        same += a.due == b.due;
        differs += a.due != d.due;
        time_t prev = a.nominal;
        sl_sched_advance(&a, a.due, NULL, err, sizeof err);
        sl_sched_advance(&b, b.due, NULL, err, sizeof err);
        sl_sched_advance(&d, d.due, NULL, err, sizeof err);
        sequence &= a.nominal == prev + 3600;
    }
    CHECK(in_range, "jitter stays within 0..30 s of the hour");
    CHECK(lo <= 2 && hi >= 28, "jitter spreads over the range (min %lld, max %lld)", lo, hi);
    CHECK(same == 1000, "the same seed gives the same delays (%lld of 1000)", same);
    CHECK(differs > 900, "another seed gives other delays (%lld of 1000 differ)", differs);
    CHECK(sequence, "a jittered hourly schedule still fires every hour");
    sl_cron_free(&c);

    /* Jitter longer than the interval thins the runs: the next fire time is
     * looked for after the jittered start. */
    c = cron_of("*/2 * * * * *");
    time_t t0 = at("2026-11-27T10:00:00Z");
    sl_sched_init(&a, c, NULL, SL_CATCH_UP_NONE, 10, 7, t0, 0, err, sizeof err);
    int after = 1;
    for (int i = 0; i < 200; i++) {
        time_t started = a.due;
        sl_sched_advance(&a, started, NULL, err, sizeof err);
        after &= a.nominal > started && a.due >= a.nominal && a.due <= a.nominal + 10;
    }
    CHECK(after, "with jitter > interval each next fire time is after the last start");
    sl_cron_free(&c);
}

static void test_zone(void)
{
    sl_cron *c = cron_of("0 2 * * *");
    sl_tz *berlin = NULL, *moscow = NULL;
    char err[256];
    CHECK(sl_tz_load("Europe/Berlin", &berlin, err, sizeof err) == SLUICE_OK, "Berlin: %s", err);
    CHECK(sl_tz_load("Europe/Moscow", &moscow, err, sizeof err) == SLUICE_OK, "Moscow: %s", err);
    sl_sched s;
    time_t now = at("2026-11-27T00:00:00Z");
    sl_sched_init(&s, c, berlin, SL_CATCH_UP_NONE, 0, 1, now, 0, err, sizeof err);
    CHECK(s.due == at("2026-11-27T01:00:00Z"), "02:00 in Berlin (CET) is 01:00 UTC");
    sl_sched_rebind(&s, c, moscow);
    CHECK(s.due == at("2026-11-27T01:00:00Z"), "rebind keeps the due time");
    sl_sched_advance(&s, s.due, NULL, err, sizeof err);
    CHECK(s.due == at("2026-11-27T23:00:00Z"), "after rebinding to Moscow: 02:00 MSK is 23:00 UTC the day before");
    /* Spring forward in Berlin: 02:30 does not exist on 2026-03-29. */
    sl_cron *c2 = cron_of("30 2 * * *");
    sl_sched_init(&s, c2, berlin, SL_CATCH_UP_NONE, 0, 1, at("2026-03-28T12:00:00Z"), 0, err, sizeof err);
    CHECK(s.due == at("2026-03-30T00:30:00Z"), "a skipped wall-clock time skips that day");
    sl_cron_free(&c2);
    sl_tz_free(&berlin);
    sl_tz_free(&moscow);
    sl_cron_free(&c);
}

/* ---- history helpers -------------------------------------------------------------------- */

static void test_history_times(void)
{
    double t = 0;
    CHECK(sl_history_parse_time("2026-11-27T10:00:00.250Z", &t) == 0 && t == 1795773600.25,
          "ISO with milliseconds (%.3f)", t);
    CHECK(sl_history_parse_time("2024-02-29T00:00:00Z", &t) == 0 && t == 1709164800.0, "leap day");
    CHECK(sl_history_parse_time("2026-02-29T00:00:00Z", &t) != 0, "no 29 February in 2026");
    CHECK(sl_history_parse_time("2026-11-27 10:00:00Z", &t) != 0, "a space is not a T");
    CHECK(sl_history_parse_time("2026-11-27T10:00:00+01:00", &t) != 0, "only UTC (Z) stamps");
    CHECK(sl_history_parse_time(NULL, &t) != 0, "NULL");
    char buf[64];
    sl_tz *tz = NULL;
    char err[128];
    sl_history_format_time(at("2026-11-27T10:00:00Z"), NULL, buf, sizeof buf);
    CHECK(strcmp(buf, "2026-11-27T10:00:00+00:00") == 0, "UTC: %s", buf);
    sl_tz_load("America/New_York", &tz, err, sizeof err);
    sl_history_format_time(at("2026-11-27T03:04:05Z"), tz, buf, sizeof buf);
    CHECK(strcmp(buf, "2026-11-26T22:04:05-05:00") == 0, "New York: %s", buf);
    sl_tz_free(&tz);
    sl_tz_load("Asia/Kolkata", &tz, err, sizeof err);
    sl_history_format_time(at("2026-11-27T20:00:00Z"), tz, buf, sizeof buf);
    CHECK(strcmp(buf, "2026-11-28T01:30:00+05:30") == 0, "Kolkata: %s", buf);
    sl_tz_free(&tz);
}

/* ---- metrics --------------------------------------------------------------------------------- */

static json_t *row(const char *status, const char *start, const char *end, double dur, json_int_t in, json_int_t out,
                   json_int_t rejected)
{
    json_t *r = json_pack("{s:s, s:s, s:s?, s:f, s:[{s:s, s:s, s:I, s:I, s:I, s:I}, {s:s, s:s, s:I, s:I, s:I, s:I, "
                          "s:I, s:I}]}",
                          "status", status, "started_at", start, "ended_at", end, "duration_s", dur, "stages", "stage",
                          "sink\"1", "kind", "sink", "in", in, "out", out, "dropped", (json_int_t)0, "rejected",
                          rejected, "stage", "api", "kind", "source", "in", (json_int_t)0, "out", in, "dropped",
                          (json_int_t)0, "rejected", (json_int_t)0, "http_requests", (json_int_t)5, "http_retries",
                          (json_int_t)2);
    if (!r) {
        fprintf(stderr, "json_pack failed in the test\n");
        exit(2);
    }
    return r;
}

static int has_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return 1;
    return 0;
}

static void test_metrics(void)
{
    sl_pipe_metrics m;
    sl_metrics_init(&m);
    json_t *history = json_pack("[{s:s, s:s, s:s}, {s:s, s:s, s:s}, {s:s, s:s}]", "status", "failed", "started_at",
                                "2026-11-26T02:00:00Z", "ended_at", "2026-11-26T02:00:09Z", "status", "ok",
                                "started_at", "2026-11-25T02:00:00Z", "ended_at", "2026-11-25T02:10:00.5Z", "status",
                                "running", "started_at", "2026-11-27T02:00:00Z");
    sl_metrics_seed(&m, history);
    json_decref(history);
    CHECK(m.last_success == at("2026-11-25T02:10:00Z") + 0.5, "seeded last success (%.3f)", m.last_success);
    CHECK(m.last_failure == at("2026-11-26T02:00:09Z"), "seeded last failure (%.3f)", m.last_failure);

    json_t *r1 = row("ok", "2026-11-27T02:00:00Z", "2026-11-27T02:00:03Z", 3.0, 10, 9, 1);
    json_t *r2 = row("failed", "2026-11-27T03:00:00Z", "2026-11-27T03:20:00Z", 1200.0, 4, 4, 0);
    json_t *r3 = row("interrupted", "2026-11-27T04:00:00Z", "2026-11-27T04:00:00.5Z", 0.5, 1, 1, 0);
    CHECK(sl_metrics_account(&m, r1) == 0 && sl_metrics_account(&m, r2) == 0 && sl_metrics_account(&m, r3) == 0,
          "account three runs");
    m.skipped = 2;
    CHECK(m.runs[SL_RUN_OK] == 1 && m.runs[SL_RUN_FAILED] == 1 && m.runs[SL_RUN_INTERRUPTED] == 1, "runs by status");
    CHECK(m.nstages == 2 && m.stages[0].in == 15 && m.stages[0].out == 14 && m.stages[0].dead == 1,
          "stage counts summed");
    CHECK(m.last_success == at("2026-11-27T02:00:03Z"), "last success moved on");
    CHECK(m.last_failure == at("2026-11-27T04:00:00Z") + 0.5, "an interrupted run counts as the last failure");

    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    sl_metrics_view v = {"night\"ly", &m, 1, 0, at("2026-11-28T02:00:00Z")};
    sl_metrics_server srv = {1795000000.0, 1, 1795000001.0, 0};
    sl_metrics_write(f, &srv, &v, 1);
    fclose(f);
    static const char *const want[] = {
        "# TYPE sluice_runs_total counter",
        "sluice_runs_total{pipeline=\"night\\\"ly\",status=\"ok\"} 1",
        "sluice_runs_total{pipeline=\"night\\\"ly\",status=\"failed\"} 1",
        "sluice_runs_total{pipeline=\"night\\\"ly\",status=\"interrupted\"} 1",
        "sluice_runs_skipped_total{pipeline=\"night\\\"ly\"} 2",
        "sluice_pipeline_running{pipeline=\"night\\\"ly\"} 1",
        "sluice_last_success_timestamp_seconds{pipeline=\"night\\\"ly\"} 1795744803.000",
        "sluice_last_run_duration_seconds{pipeline=\"night\\\"ly\"} 0.500",
        "sluice_run_duration_seconds_bucket{pipeline=\"night\\\"ly\",le=\"1\"} 1",
        "sluice_run_duration_seconds_bucket{pipeline=\"night\\\"ly\",le=\"5\"} 2",
        "sluice_run_duration_seconds_bucket{pipeline=\"night\\\"ly\",le=\"900\"} 2",
        "sluice_run_duration_seconds_bucket{pipeline=\"night\\\"ly\",le=\"1800\"} 3",
        "sluice_run_duration_seconds_bucket{pipeline=\"night\\\"ly\",le=\"+Inf\"} 3",
        "sluice_run_duration_seconds_sum{pipeline=\"night\\\"ly\"} 1203.500",
        "sluice_run_duration_seconds_count{pipeline=\"night\\\"ly\"} 3",
        "sluice_records_in_total{pipeline=\"night\\\"ly\",stage=\"sink\\\"1\"} 15",
        "sluice_records_out_total{pipeline=\"night\\\"ly\",stage=\"api\"} 15",
        "sluice_records_dead_lettered_total{pipeline=\"night\\\"ly\",stage=\"sink\\\"1\"} 1",
        "sluice_http_requests_total{pipeline=\"night\\\"ly\",stage=\"api\"} 15",
        "sluice_http_retries_total{pipeline=\"night\\\"ly\",stage=\"api\"} 6",
        "sluice_serve_config_last_reload_successful 1",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        CHECK(text && has_line(text, want[i]), "metrics line: %s", want[i]);
    CHECK(text && !strstr(text, "sluice_http_requests_total{pipeline=\"night\\\"ly\",stage=\"sink"),
          "no HTTP series for a stage without requests");
    free(text);
    json_decref(r1);
    json_decref(r2);
    json_decref(r3);
    sl_metrics_clear(&m);
}

int main(void)
{
    test_on_time_and_late();
    test_catch_up();
    test_jitter();
    test_zone();
    test_history_times();
    test_metrics();
    printf("%d passed, %d failed\n", g_pass, g_fail);
    return g_fail ? 1 : 0;
}
