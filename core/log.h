/* log.h - the core's logger: stderr, level, UTC time, stage id; text or JSON lines.
 * Thread-safe: one line is written with one fwrite under a lock. */
#ifndef SL_LOG_H
#define SL_LOG_H

#include <stdarg.h>
#include "sluice/plugin.h"

typedef enum { SL_LOG_TEXT = 0, SL_LOG_JSON = 1 } sl_log_format;

/* level: the most verbose level shown (SLUICE_LOG_ERROR .. SLUICE_LOG_DEBUG). */
void sl_log_setup(int level, sl_log_format format);
int sl_log_level(void);
int sl_log_format_is_json(void);
/* stage may be NULL (messages of the runtime itself). */
void sl_log(int level, const char *stage, const char *fmt, ...) SLUICE_PRINTF(3, 4);
void sl_logv(int level, const char *stage, const char *fmt, va_list ap);
/* Progress lines share stderr with logs: the logger clears a live progress
 * line before writing, through this hook (NULL to unset). */
void sl_log_set_clear_hook(void (*hook)(void));
/* Runs fn(arg) holding the log lock, so its writes to stderr never interleave with a log line. */
void sl_log_locked(void (*fn)(void *), void *arg);

#endif
