/* state.h - a pipeline's state store: one SQLite file (WAL) holding each
 * source's committed cursor, small per-stage values, and the run history.
 *
 * Cursors are committed only by the engine, and only once every batch before
 * the position has been acknowledged by every sink, so the store is never
 * ahead of the data. All functions are thread-safe (one mutex). */
#ifndef SL_STATE_H
#define SL_STATE_H

#include <stdint.h>
#include <jansson.h>

typedef struct sl_state sl_state;

/* Opens or creates the store at `path` (missing folders are created).
 * Returns 0, or -1 with *err (malloc'd). */
int sl_state_open(sl_state **out, const char *path, char **err);
void sl_state_close(sl_state **s);

/* The committed cursor of `source` (new reference), or NULL. */
json_t *sl_state_cursor(sl_state *s, const char *source);
/* Replaces the cursor of `source` (borrowed). 0 or -1. */
int sl_state_commit(sl_state *s, const char *source, const json_t *cursor);
/* Deletes the cursor of `source`, or of every source when NULL; returns the
 * number of cursors deleted, or -1. */
int sl_state_reset(sl_state *s, const char *source);
/* Every cursor: {"source": {"cursor": ..., "updated_at": "..."}} (new reference). */
json_t *sl_state_cursors(sl_state *s);

/* Small persistent values per stage (new reference or NULL; value borrowed,
 * NULL deletes). */
json_t *sl_state_kv_get(sl_state *s, const char *stage, const char *key);
int sl_state_kv_put(sl_state *s, const char *stage, const char *key, const json_t *value);

/* Run history. run_begin returns the run's id (> 0) or -1. */
int64_t sl_state_run_begin(sl_state *s, const char *pipeline);
int sl_state_run_end(sl_state *s, int64_t id, const char *status, const json_t *stages, const char *error);
/* The last `limit` runs, newest first: [{"id", "started_at", "ended_at",
 * "status", "stages", "error"}] (new reference). */
json_t *sl_state_runs(sl_state *s, int limit);

#endif
