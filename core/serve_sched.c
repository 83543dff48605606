/* serve_sched.c - see serve_sched.h. */
#include "serve_sched.h"

#include <stdio.h>

#include "config.h"
#include "xorshift.h"

#define SL_SCHED_MISSED_CAP 1000

static uint64_t next_random(sl_sched *s) { return sl_xorshift64s(&s->rng); }

static time_t draw_jitter(sl_sched *s)
{
    if (s->jitter_s <= 0)
        return 0;
    return (time_t)(next_random(s) % ((uint64_t)s->jitter_s + 1));
}

static int next_after(const sl_sched *s, time_t after, time_t *out, char *err, size_t errlen)
{
    time_t horizon = after + (time_t)SL_CRON_HORIZON_YEARS * 366 * 86400;
    if (sl_cron_next_in(s->cron, s->tz, after, horizon, out, err, errlen) != SLUICE_OK)
        return -1;
    return 0;
}

int sl_sched_init(sl_sched *s, const sl_cron *cron, const sl_tz *tz, int catch_up, int jitter_s, uint64_t seed,
                  time_t now, time_t last_run, char *err, size_t errlen)
{
    *s = (sl_sched){.cron = cron, .tz = tz, .catch_up = catch_up, .jitter_s = jitter_s, .rng = seed ? seed : 1};
    if (next_after(s, now, &s->nominal, err, errlen) != 0)
        return -1;
    time_t missed;
    char ignored[8];
    /* A fire time in (last_run, now]: serve was down (or the pipeline had
     * no schedule) when it came. */
    if (catch_up == SL_CATCH_UP_ONCE && last_run > 0 && last_run < now &&
        sl_cron_next_in(cron, tz, last_run, now, &missed, ignored, sizeof ignored) == SLUICE_OK) {
        s->due = now;
        s->catching_up = 1;
        return 0;
    }
    s->due = s->nominal + draw_jitter(s);
    return 0;
}

int sl_sched_is_due(const sl_sched *s, time_t now)
{
    return now >= s->due;
}

int sl_sched_advance(sl_sched *s, time_t now, int *missed, char *err, size_t errlen)
{
    if (missed)
        *missed = 0;
    if (s->catching_up) {
        /* The catch-up ran; the nominal time computed at start still lies
         * ahead unless the catch-up itself was late. */
        s->catching_up = 0;
        if (s->nominal > now) {
            s->due = s->nominal + draw_jitter(s);
            return 0;
        }
    }
    time_t from = s->nominal > now ? s->nominal : now;
    if (missed) {
        /* Fire times strictly between the one handled and now. */
        time_t t = s->nominal;
        while (*missed < SL_SCHED_MISSED_CAP && next_after(s, t, &t, NULL, 0) == 0 && t < now)
            ++*missed;
    }
    if (next_after(s, from, &s->nominal, err, errlen) != 0)
        return -1;
    s->due = s->nominal + draw_jitter(s);
    return 0;
}

void sl_sched_rebind(sl_sched *s, const sl_cron *cron, const sl_tz *tz)
{
    s->cron = cron;
    s->tz = tz;
}
