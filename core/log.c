/* log.c - see log.h. */
#include "log.h"
#include "http_redact.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

static int g_level = SLUICE_LOG_INFO;
static sl_log_format g_format = SL_LOG_TEXT;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static void (*g_clear_hook)(void);

static const char *const level_names[] = {"ERROR", "WARN", "INFO", "DEBUG"};

void sl_log_setup(int level, sl_log_format format)
{
    g_level = level;
    g_format = format;
}

int sl_log_level(void) { return g_level; }
int sl_log_format_is_json(void) { return g_format == SL_LOG_JSON; }

void sl_log_set_clear_hook(void (*hook)(void))
{
    pthread_mutex_lock(&g_lock);
    g_clear_hook = hook;
    pthread_mutex_unlock(&g_lock);
}

static void format_time(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

void sl_logv(int level, const char *stage, const char *fmt, va_list ap)
{
    if (level > g_level)
        return;
    if (level < SLUICE_LOG_ERROR)
        level = SLUICE_LOG_ERROR;
    if (level > SLUICE_LOG_DEBUG)
        level = SLUICE_LOG_DEBUG;
    char msg[4096], when[40];
    vsnprintf(msg, sizeof msg, fmt, ap);
    sl_redact_inplace(msg, sizeof msg);
    format_time(when, sizeof when);

    char *line = NULL;
    if (g_format == SL_LOG_JSON) {
        json_t *o = json_pack("{s:s, s:s, s:s}", "time", when, "level", level_names[level], "msg", msg);
        if (o && stage)
            json_object_set_new(o, "stage", json_string(stage));
        line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
        json_decref(o);
    }
    pthread_mutex_lock(&g_lock);
    if (g_clear_hook)
        g_clear_hook();
    if (line)
        fprintf(stderr, "%s\n", line);
    else if (stage)
        fprintf(stderr, "%s %-5s [%s] %s\n", when, level_names[level], stage, msg);
    else
        fprintf(stderr, "%s %-5s %s\n", when, level_names[level], msg);
    pthread_mutex_unlock(&g_lock);
    free(line);
}

void sl_log(int level, const char *stage, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sl_logv(level, stage, fmt, ap);
    va_end(ap);
}

void sl_log_locked(void (*fn)(void *), void *arg)
{
    pthread_mutex_lock(&g_lock);
    fn(arg);
    pthread_mutex_unlock(&g_lock);
}
