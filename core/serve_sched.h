/* serve_sched.h - when a scheduled pipeline runs next: the pure logic of
 * `sluice serve`'s scheduler, with the clock passed in (every function takes
 * `now`), so tests drive it through any calendar without waiting.
 *
 * A schedule has a nominal fire time (the cron expression's next time in
 * the pipeline's zone) and a due time: the nominal one plus a random jitter
 * of 0 .. jitter_s seconds drawn for that fire time, or "now" for a
 * catch-up run.
 *
 * - Late wake-ups (a suspended machine, a busy host): the fire time that was
 *   waited for still fires once, however late; the fire times that passed
 *   meanwhile are not run again (sl_sched_advance reports how many).
 * - Downtime (serve was not running): with catch_up "once", a fire time
 *   that fell between the pipeline's last run and the start of serve makes
 *   one run due at once; with "none" nothing is made up.
 * - The clock set back: the next fire time stays where it was, so nothing
 *   runs twice; the run waits for the clock to get there again.
 * - Jitter longer than the interval between fire times thins the runs out:
 *   the next fire time is looked for after the jittered start.
 *
 * Not thread-safe: one sl_sched belongs to one pipeline of the server loop. */
#ifndef SL_SERVE_SCHED_H
#define SL_SERVE_SCHED_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cron.h"

typedef struct sl_sched {
    const sl_cron *cron; /* borrowed */
    const sl_tz *tz;     /* borrowed; NULL means UTC */
    int catch_up;        /* SL_CATCH_UP_* (config.h) */
    int jitter_s;        /* 0 .. SL_JITTER_MAX_S */
    uint64_t rng;        /* jitter state (xorshift64*), never 0 */
    time_t nominal;      /* the next fire time by the schedule */
    time_t due;          /* when the next run starts: nominal + jitter, or the catch-up time */
    int catching_up;     /* the run due is the catch-up of a missed fire time */
} sl_sched;

/* Sets up `s` at `now`. last_run: when the pipeline's last run started (its
 * history), or 0 when it never ran; used only for catch_up. seed: any value
 * (0 is replaced), the jitter's random sequence follows from it. Returns 0,
 * or -1 with the reason in err (the schedule never fires again, or the zone
 * cannot be read). */
int sl_sched_init(sl_sched *s, const sl_cron *cron, const sl_tz *tz, int catch_up, int jitter_s, uint64_t seed,
                  time_t now, time_t last_run, char *err, size_t errlen);

/* Non-zero when the next run is due at `now`. */
int sl_sched_is_due(const sl_sched *s, time_t now);

/* After the due run was handled (started, skipped or queued): moves to the
 * first fire time after max(the nominal time, now). *missed (may be NULL)
 * gets the number of fire times that passed while the run was late and
 * will not run (capped at 1000). Returns 0, or -1 with err. */
int sl_sched_advance(sl_sched *s, time_t now, int *missed, char *err, size_t errlen);

/* The schedule of `s` moved to another cron and zone (same text, reloaded
 * objects): points at the new ones without changing any time. */
void sl_sched_rebind(sl_sched *s, const sl_cron *cron, const sl_tz *tz);

#endif
