/* config_priv.h - pieces of the config checker shared between its files
 * (config.c: the pipeline and its stages; config_env.c: ${VAR}
 * interpolation; config_options.c: plugin options; config_graph.c: inputs,
 * cycles and order). Not for use outside the config checker. */
#ifndef SL_CONFIG_PRIV_H
#define SL_CONFIG_PRIV_H

#include <stdarg.h>
#include <jansson.h>

#include "config.h"

/* Which position an error points at. */
typedef enum sl_cfg_at {
    SL_AT_VALUE = 0, /* the value at pos_path */
    SL_AT_KEY = 1    /* the member key at pos_path (falls back to the value) */
} sl_cfg_at;

/* The first error found, before it is turned into one line. */
typedef struct sl_cfg_error {
    char *path;     /* owned: the JSON path the message is about */
    char *pos_path; /* owned: the JSON path whose position is shown; for a
                       missing key, the object that should hold it */
    int at;         /* sl_cfg_at */
    char *msg;      /* owned */
    int set;        /* an error was recorded (msg may still be NULL: out of memory) */
} sl_cfg_error;

/* Records an error unless one is recorded already; always returns -1 so
 * callers can `return sl_cfg_fail(...)`. pos_path NULL means path. */
int sl_cfg_fail(sl_cfg_error *e, const char *path, const char *pos_path, int at, const char *fmt, ...)
    SLUICE_PRINTF(5, 6);
void sl_cfg_error_clear(sl_cfg_error *e);

/* Replaces ${VAR}, ${VAR:-default} and $$ in every string value of `root`
 * (in place). Returns 0, or -1 with *e set. */
int sl_cfg_interpolate(json_t *root, sl_cfg_error *e);

/* sl_options_check with a structured error. */
json_t *sl_cfg_options(const sluice_plugin *p, json_t *options, const char *base_dir, const char *prefix,
                       sl_cfg_error *e);

/* Resolves every stage's inputs to input_idx, refuses duplicate ids,
 * dangling inputs, inputs naming sinks and cycles, and fills cfg->topo.
 * Returns 0, or -1 with *e set. */
int sl_cfg_graph(sl_pipeline_cfg *cfg, sl_cfg_error *e);

#endif
