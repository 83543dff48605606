/* report.c - the live progress line and the end-of-run summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "engine_int.h"
#include "loader.h"
#include "log.h"

static int g_progress_shown; /* a progress line is on the terminal; guarded by the log lock */

static void clear_progress(void)
{
    if (g_progress_shown) {
        fputs("\r\033[K", stderr);
        g_progress_shown = 0;
    }
}

static void clear_locked(void *unused)
{
    (void)unused;
    clear_progress();
}

static void human(char *buf, size_t len, double v)
{
    if (v >= 1e6)
        snprintf(buf, len, "%.2fM", v / 1e6);
    else if (v >= 1e4)
        snprintf(buf, len, "%.1fk", v / 1e3);
    else
        snprintf(buf, len, "%.0f", v);
}

/* One line: every stage's records/s over the last interval, and totals. */
static void put_line(void *line)
{
    fprintf(stderr, "\r\033[K%s", (const char *)line);
    fflush(stderr);
    g_progress_shown = 1;
}

static void draw(sl_engine *e, unsigned long long *prev, double dt)
{
    char line[1024];
    size_t off = 0;
    for (size_t i = 0; i < e->n && off < sizeof line - 64; i++) {
        unsigned long long now = atomic_load(&e->st[i].c.out);
        char r[32];
        human(r, sizeof r, dt > 0 ? (double)(now - prev[i]) / dt : 0);
        prev[i] = now;
        off += (size_t)snprintf(line + off, sizeof line - off, "%s%s %s/s", i ? "  " : "", e->st[i].cfg->id, r);
    }
    char tot[32];
    unsigned long long done = 0;
    for (size_t i = 0; i < e->n; i++)
        if (e->st[i].kind == SLUICE_SINK)
            done += atomic_load(&e->st[i].c.out);
    human(tot, sizeof tot, (double)done);
    snprintf(line + off, sizeof line - off, "  | %s written, %.0fs", tot, sl_now() - e->t0);
    sl_log_locked(put_line, line);
}

static void *progress_main(void *arg)
{
    sl_engine *e = arg;
    unsigned long long prev[256] = {0};
    double last = sl_now();
    while (!atomic_load(&e->done)) {
        struct timespec ts = {0, 100 * 1000000L};
        for (int k = 0; k < 5 && !atomic_load(&e->done); k++)
            nanosleep(&ts, NULL);
        if (atomic_load(&e->done))
            break;
        double now = sl_now();
        draw(e, prev, now - last);
        last = now;
    }
    return NULL;
}

void sl_progress_start(sl_engine *e)
{
    if (!e->opts.progress || !isatty(STDERR_FILENO) || e->n > 256)
        return;
    sl_log_set_clear_hook(clear_progress);
    e->progress_on = pthread_create(&e->progress_thread, NULL, progress_main, e) == 0;
}

void sl_progress_stop(sl_engine *e)
{
    if (!e->progress_on)
        return;
    pthread_join(e->progress_thread, NULL);
    e->progress_on = 0;
    sl_log_set_clear_hook(NULL);
    sl_log_locked(clear_locked, NULL);
}

static const char *status_of(sl_engine *e)
{
    if (atomic_load(&e->interrupted))
        return "interrupted";
    return atomic_load(&e->failed) ? "failed" : "ok";
}

static void summary_json(sl_engine *e, sl_stage_report *r, size_t n)
{
    json_t *stages = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:f}", "stage", r[i].id, "kind",
                              sl_kind_name(r[i].kind), "plugin", r[i].plugin, "in", (json_int_t)r[i].in, "out",
                              (json_int_t)r[i].out, "dropped", (json_int_t)r[i].dropped, "dead_lettered",
                              (json_int_t)r[i].dead, "elapsed_s", r[i].elapsed);
        if (s && r[i].error)
            json_object_set_new(s, "error", json_string(r[i].error));
        json_array_append_new(stages, s);
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:f, s:o}", "msg", "summary", "pipeline", e->cfg->name, "status",
                          status_of(e), "elapsed_s", e->t1 - e->t0, "stages", stages);
    char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    if (text)
        fprintf(stderr, "%s\n", text);
    free(text);
    json_decref(o);
}

void sl_summary_print(sl_engine *e)
{
    sl_stage_report r[256];
    size_t n = sl_engine_report(e, r, 256);
    if (sl_log_format_is_json()) {
        summary_json(e, r, n);
        return;
    }
    fprintf(stderr, "\npipeline %s: %s in %.2fs\n", e->cfg->name, status_of(e), e->t1 - e->t0);
    fprintf(stderr, "  %-16s %-9s %-8s %10s %10s %9s %9s %8s %10s\n", "stage", "kind", "plugin", "in", "out",
            "dropped", "rejected", "elapsed", "rate/s");
    for (size_t i = 0; i < n; i++) {
        char in[24] = "-";
        if (r[i].kind != SLUICE_SOURCE || r[i].in)
            snprintf(in, sizeof in, "%llu", r[i].in);
        double rate = r[i].elapsed > 0 ? (double)(r[i].kind == SLUICE_SOURCE ? r[i].in : r[i].out) / r[i].elapsed : 0;
        fprintf(stderr, "  %-16s %-9s %-8s %10s %10llu %9llu %9llu %7.2fs %10.0f\n", r[i].id, sl_kind_name(r[i].kind),
                r[i].plugin, in, r[i].out, r[i].dropped, r[i].dead, r[i].elapsed, rate);
        if (r[i].error)
            fprintf(stderr, "  %-16s error: %s\n", "", r[i].error);
    }
    unsigned long long dead = atomic_load(&e->rejects);
    if (dead)
        fprintf(stderr, "  %llu record%s rejected%s%s\n", dead, dead == 1 ? "" : "s",
                e->cfg->dead_letter ? ", see " : " (no dead_letter file configured)",
                e->cfg->dead_letter ? e->cfg->dead_letter : "");
}
