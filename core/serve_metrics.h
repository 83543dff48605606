/* serve_metrics.h - what `sluice serve` counts about its pipelines, and
 * the Prometheus text exposition of it (/metrics).
 *
 * Every number comes from the run history: when a run ends, the server
 * reads the run's row from the state store (the status, the timestamps and
 * the per-stage counts the engine recorded) and adds it here. So /metrics
 * and `sluice status --json` agree by construction, and a run that crashed
 * counts as the failed run the server recorded for it.
 *
 * Counters start at zero when serve starts (Prometheus handles resets);
 * the last success and failure timestamps are taken from the history at
 * start, so an alert on them survives a restart. */
#ifndef SL_SERVE_METRICS_H
#define SL_SERVE_METRICS_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <jansson.h>

typedef struct sl_stage_metrics {
    char *stage; /* owned: the stage id */
    unsigned long long in, out, dropped, dead, http_requests, http_retries;
} sl_stage_metrics;

#define SL_METRICS_BUCKETS 11 /* run duration histogram, plus +Inf */

enum { SL_RUN_OK = 0, SL_RUN_FAILED = 1, SL_RUN_INTERRUPTED = 2, SL_RUN_NSTATUS = 3 };

typedef struct sl_pipe_metrics {
    unsigned long long runs[SL_RUN_NSTATUS]; /* by status */
    unsigned long long skipped;              /* fire times skipped: the last run still going on */
    double last_success, last_failure;       /* when the last run of that outcome ended; 0: never */
    double last_duration;                    /* seconds; -1: no run yet */
    unsigned long long buckets[SL_METRICS_BUCKETS]; /* runs per duration bucket (not cumulative) */
    double duration_sum;
    unsigned long long duration_count;
    sl_stage_metrics *stages; /* owned, in the order first seen */
    size_t nstages;
} sl_pipe_metrics;

/* A zeroed sl_pipe_metrics with last_duration -1. */
void sl_metrics_init(sl_pipe_metrics *m);
void sl_metrics_clear(sl_pipe_metrics *m);

/* Takes the last success and failure times from `runs` (a history, newest
 * first, borrowed). */
void sl_metrics_seed(sl_pipe_metrics *m, const json_t *runs);

/* Adds one finished run (a history row, borrowed). Returns 0, or -1 when
 * memory ran out (the counts may then miss a stage). */
int sl_metrics_account(sl_pipe_metrics *m, const json_t *run);

/* The status a history row counts under (SL_RUN_*). */
int sl_metrics_status(const char *status);

/* One pipeline as /metrics shows it. */
typedef struct sl_metrics_view {
    const char *pipeline;      /* borrowed */
    const sl_pipe_metrics *m;  /* borrowed */
    int running;               /* a run is going on */
    int queued;                /* a run waits for it */
    time_t next;               /* the next scheduled start, 0: none */
} sl_metrics_view;

/* The server as /metrics shows it. */
typedef struct sl_metrics_server {
    double started;            /* epoch seconds */
    int reload_ok;             /* the last (re)load of the configs succeeded */
    double reload_at;          /* epoch seconds of it */
    int stopping;
} sl_metrics_server;

/* Writes the Prometheus text format (version 0.0.4) of everything to f. */
void sl_metrics_write(FILE *f, const sl_metrics_server *srv, const sl_metrics_view *v, size_t n);

#endif
