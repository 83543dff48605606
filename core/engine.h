/* engine.h - runs a checked pipeline: one thread per stage worker, ZeroMQ
 * PUSH/PULL sockets along the `inputs` graph, batches handed over as
 * pointers (inproc, zero-copy), end of stream propagated through the graph.
 * See docs/architecture.md. */
#ifndef SL_ENGINE_H
#define SL_ENGINE_H

#include <stdatomic.h>
#include <stdint.h>
#include <pthread.h>

#include "config.h"
#include "deadletter.h"

typedef struct sl_engine sl_engine;
typedef struct sl_stage sl_stage;

/* Per-stage counters, readable while the run goes on (progress line). */
typedef struct sl_counters {
    atomic_ullong in;      /* records received */
    atomic_ullong out;     /* records passed downstream (sinks: written) */
    atomic_ullong dropped; /* filtered out on purpose */
    atomic_ullong dead;    /* rejected: dead-lettered or logged */
    atomic_ullong batches;
    atomic_ullong http_requests; /* attempts the stage's HTTP clients sent */
    atomic_ullong http_retries;  /* of which retries after a transient failure */
} sl_counters;

typedef struct sl_run_opts {
    int progress;      /* show a live progress line on stderr */
    int summary;       /* print the end-of-run summary */
} sl_run_opts;

/* What a finished run reports. */
typedef struct sl_stage_report {
    const char *id, *plugin;
    int kind;
    unsigned long long in, out, dropped, dead;
    unsigned long long http_requests, http_retries;
    double elapsed; /* seconds the stage was busy from start to its end of stream */
    const char *error; /* borrowed until sl_engine_free, or NULL */
} sl_stage_report;

/* Creates the engine for `cfg` (borrowed; must outlive the engine). */
int sl_engine_new(sl_engine **out, sl_pipeline_cfg *cfg, const sl_run_opts *opts, char **err);
/* Runs to completion. Returns 0 on success, 1 when the run failed, was
 * interrupted, or lost data. Safe to call once. */
int sl_engine_run(sl_engine *e);
/* Asks a running engine to stop: sources stop reading, in-flight batches
 * drain, sinks flush. Async-signal-safe. */
void sl_engine_request_stop(sl_engine *e);
/* Counts an HTTP attempt (retry 0) or retry (1) of the stage behind ctx,
 * for the run history and `sluice serve`'s metrics. */
void sl_engine_count_http(sluice_ctx *ctx, int retry);
size_t sl_engine_report(const sl_engine *e, sl_stage_report *out, size_t max);
void sl_engine_free(sl_engine **e);

#endif
