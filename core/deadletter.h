/* deadletter.h - the one writer of rejected records.
 *
 * Every stage hands its bad records here: each is counted, logged (the first
 * few per stage in full, then a count), and appended as one JSON line to the
 * pipeline's dead_letter file when one is configured:
 *   {"time":"...","stage":"shop","source":"shop","stream":"orders",
 *    "origin":"data/orders.jsonl","line":17,"reason":"...","raw":"..."}
 * with "record" (the JSON object) instead of "raw" when the record had been
 * parsed. Thread-safe. */
#ifndef SL_DEADLETTER_H
#define SL_DEADLETTER_H

#include <stddef.h>
#include <stdint.h>
#include <jansson.h>

typedef struct sl_dlq sl_dlq;

/* path may be NULL: rejects are then only logged. Returns 0 or -1 with *err. */
int sl_dlq_open(sl_dlq **out, const char *path, char **err);
/* Records one reject. rec (borrowed) or raw[0..rawlen) describes it.
 * Returns 0, or -1 when the file cannot be written (the run must fail). */
int sl_dlq_write(sl_dlq *q, const char *stage, const char *source, const char *stream,
                 const char *origin, uint64_t line, const char *reason,
                 const json_t *rec, const char *raw, size_t rawlen);
/* Flushes and fsyncs; returns 0 or -1. */
int sl_dlq_sync(sl_dlq *q);
uint64_t sl_dlq_count(const sl_dlq *q);
int sl_dlq_has_file(const sl_dlq *q);
void sl_dlq_close(sl_dlq **q);

/* Copies s[0..len) replacing invalid UTF-8 with U+FFFD; malloc'd, NUL-terminated. */
char *sl_utf8_sanitize(const char *s, size_t len, size_t *outlen);

#endif
