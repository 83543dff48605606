/* tz.h - IANA time zones read straight from the TZif files in
 * /usr/share/zoneinfo (or $TZDIR), for the scheduler.
 *
 * Why not setenv("TZ") + localtime_r: TZ is process-wide state, and the
 * scheduler evaluates pipelines in different zones from several threads.
 * An sl_tz is immutable once loaded, so any number of threads may use one
 * at the same time without locking.
 *
 * Times are int64_t seconds since the epoch (UTC, no leap seconds). A
 * "local" value is a wall-clock reading counted the same way, as if the
 * wall clock were UTC: local = t + offset(t). The calendar helpers below
 * convert such counts to and from dates. */
#ifndef SL_TZ_H
#define SL_TZ_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sluice/plugin.h"

typedef struct sl_tz sl_tz;

/* Returned by sl_tz_next_change when the offset never changes again. */
#define SL_TZ_NEVER INT64_MAX

/* Loads the zone `name` ("Europe/Berlin"); NULL means UTC. The name must be
 * a relative path without "." or ".." components, naming a TZif file under
 * $TZDIR or /usr/share/zoneinfo ("UTC" works even without that folder).
 * Returns SLUICE_OK and a new zone in *out (free it with sl_tz_free);
 * otherwise SLUICE_EINVAL (bad name, or not a TZif file), SLUICE_ENOENT
 * (no such zone), SLUICE_EIO or SLUICE_ENOMEM, with the reason in `err`
 * (may be NULL). Reads $TZDIR with getenv: do not setenv it concurrently. */
int sl_tz_load(const char *name, sl_tz **out, char *err, size_t errlen);

/* Frees *tz (may be NULL) and sets it to NULL. */
void sl_tz_free(sl_tz **tz);

/* The name the zone was loaded with ("UTC" for NULL); borrowed from tz. */
const char *sl_tz_name(const sl_tz *tz);

/* Seconds east of UTC in effect at instant t (3600 for CET). */
int32_t sl_tz_offset(const sl_tz *tz, int64_t t);

/* The first instant after t at which the offset may change (it may also
 * stay the same there), or SL_TZ_NEVER. Between t and that instant the
 * offset is constant. */
int64_t sl_tz_next_change(const sl_tz *tz, int64_t t);

/* The earliest instant whose wall clock reads `local`. Returns 0 and sets
 * *t, or -1 when that wall-clock time is skipped (a spring-forward gap).
 * A time repeated by a fall-back yields its first occurrence. */
int sl_tz_first_instant(const sl_tz *tz, int64_t local, int64_t *t);

/* Like localtime_r for this zone: fills *out (tm_gmtoff, tm_isdst, and
 * tm_zone borrowed from tz). Returns -1 when t is out of the years
 * -9999..9999, else 0. */
int sl_tz_localtime(const sl_tz *tz, int64_t t, struct tm *out);

/* Proleptic Gregorian calendar, days counted from 1970-01-01. */
int64_t sl_days_from_civil(int64_t y, int m, int d);
void sl_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int sl_days_in_month(int64_t y, int m);
/* 0 = Sunday .. 6 = Saturday. */
int sl_weekday(int64_t days);

#endif
