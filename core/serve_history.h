/* serve_history.h - a scheduled pipeline's run history and next fire time
 * as JSON: what `sluice status` prints and what `sluice serve` answers on
 * /runs, built by the same code so that both say the same.
 *
 * The history lives in the pipeline's state store (core/state.h); this
 * file only reads it and adds what a reader wants: each run's duration, the
 * schedule, the next fire time in the pipeline's zone. */
#ifndef SL_SERVE_HISTORY_H
#define SL_SERVE_HISTORY_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "config.h"
#include "tz.h"

/* "2026-11-27T10:00:00.123Z" (the state store's timestamps; the fraction
 * is optional) to seconds since the epoch. 0, or -1 when s is not one. */
int sl_history_parse_time(const char *s, double *out);

/* t as an ISO 8601 local time of zone tz (NULL: UTC) with its offset,
 * "2026-11-28T02:00:00+01:00", into buf. */
void sl_history_format_time(time_t t, const sl_tz *tz, char *buf, size_t len);

/* The last `limit` runs of the store at state_path, newest first, each with
 * "duration_s" added once it ended (new reference). NULL with *err
 * (malloc'd) when the store cannot be opened. */
json_t *sl_history_runs(const char *state_path, int limit, char **err);

/* What a run (a history row, borrowed) read, wrote and rejected: the sum
 * of its sources' "out", of its sinks' "out", of every stage's "rejected". */
void sl_history_totals(const json_t *run, unsigned long long *read, unsigned long long *written,
                       unsigned long long *rejected);

/* When the newest run in `runs` (borrowed, newest first) started, or 0. */
time_t sl_history_last_start(const json_t *runs);

/* The description of a pipeline: {"pipeline", "file", "state", "schedule",
 * "timezone", "overlap", "catch_up", "jitter_s", "next_run",
 * "next_run_unix", "runs"}. next: the next fire time, or 0 for none
 * (unscheduled). runs is stolen. New reference, or NULL (no memory). */
json_t *sl_history_describe(const sl_pipeline_cfg *cfg, const sl_tz *tz, time_t next, json_t *runs);

#endif
