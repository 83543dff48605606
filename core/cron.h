/* cron.h - cron expressions and their next fire times, in any IANA zone,
 * for `sluice serve`.
 *
 * (STAR stands for a "*" followed by "/", which a C comment cannot hold.)
 *
 * Syntax
 *   [second] minute hour day-of-month month day-of-week
 *   Five fields, or six with a leading seconds field ("STAR/2 * * * * *"
 *   fires every two seconds). Each field is a comma-separated list of
 *   items: "*", a value, a range "a-b", each optionally followed by a step
 *   "/n" ("STAR/15", "1-30/5"); "a/n" means "a-<max>/n". Ranges:
 *   second and minute 0-59, hour 0-23, day-of-month 1-31, month 1-12 or
 *   JAN-DEC, day-of-week 0-7 or SUN-SAT (0 and 7 are both Sunday; a range
 *   ending in Sunday such as FRI-SUN works). Names are case-insensitive.
 *   Macros: @yearly = @annually = "0 0 1 1 *", @monthly = "0 0 1 * *",
 *   @weekly = "0 0 * * 0", @daily = @midnight = "0 0 * * *", @hourly =
 *   "0 * * * *".
 *
 * Day-of-month and day-of-week, as in Vixie cron: when both fields are
 *   restricted, a day matches if EITHER matches ("0 0 1 * MON" fires on the
 *   1st and on every Monday). A field counts as unrestricted when it starts
 *   with "*", which includes steps such as "STAR/2"; then both must match
 *   ("0 0 STAR/2 * MON" is Mondays with an odd day of the month).
 *   A day that can never occur ("0 0 30 2 *", April 31) is a parse error.
 *
 * Time zones and daylight saving time
 *   Fields are read on the wall clock of the zone. When the clock jumps:
 *   - spring forward: wall-clock times that do not exist that day never
 *     fire; a daily 02:30 job in Europe/Berlin does not run on the last
 *     Sunday of March (it is not moved to 03:00).
 *   - fall back: a wall-clock time that occurs twice fires once, at its
 *     first occurrence; a daily 02:30 job runs at 02:30 CEST, not again at
 *     02:30 CET.
 *   - exception: when the hour field starts with "*" ("0 * * * *",
 *     "STAR/15 * * * *", "STAR/2 * * * * *"), the job is about real elapsed
 *     time, so it fires in both occurrences of a repeated hour: an hourly
 *     job fires every real hour across both transitions.
 *
 * Thread safety: an sl_cron and an sl_tz are immutable once built; all
 * functions may run concurrently. Nothing touches TZ or localtime. */
#ifndef SL_CRON_H
#define SL_CRON_H

#include <stddef.h>
#include <time.h>

#include "sluice/plugin.h"
#include "tz.h"

typedef struct sl_cron sl_cron;

/* How far sl_cron_next searches before it gives up. Every schedule that
 * parses fires within 41 years (February 29 on a given weekday across
 * 2100), so this only stops pathological DST cases. */
#define SL_CRON_HORIZON_YEARS 50

/* Parses `expr` (NULL counts as empty). Returns SLUICE_OK with a new schedule in *out (free it
 * with sl_cron_free), or SLUICE_EINVAL with a message naming the field and
 * the problem in `err` (may be NULL), e.g.
 * "day-of-week: 8 is out of range 0-7", or SLUICE_ENOMEM. */
int sl_cron_parse(const char *expr, sl_cron **out, char *err, size_t errlen);

/* Frees *c (may be NULL) and sets it to NULL. */
void sl_cron_free(sl_cron **c);

/* The first fire time strictly after `after`, in zone `tz` (an IANA name,
 * or NULL for UTC), searching SL_CRON_HORIZON_YEARS ahead. Returns
 * SLUICE_OK with *next set; SLUICE_EINVAL / SLUICE_ENOENT for a bad or
 * unknown zone or a time outside years 1..9999, SLUICE_ENOENT when nothing
 * fires within the horizon, SLUICE_EIO / SLUICE_ENOMEM; the reason goes to
 * `err` (may be NULL). Loads the zone file on every call: a caller asking
 * often should load it once and use sl_cron_next_in. */
int sl_cron_next(const sl_cron *c, const char *tz, time_t after, time_t *next, char *err,
                 size_t errlen);

/* The same with a loaded zone (borrowed; NULL for UTC) and an explicit end:
 * the first fire time t with after < t <= until. SLUICE_ENOENT (with a
 * message) when there is none, so "was anything due since the last run?"
 * is sl_cron_next_in(c, tz, last_run, now, ...) == SLUICE_OK. */
int sl_cron_next_in(const sl_cron *c, const sl_tz *tz, time_t after, time_t until, time_t *next,
                    char *err, size_t errlen);

#endif
