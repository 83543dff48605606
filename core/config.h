/* config.h - reading and checking a pipeline file.
 *
 * The file is JSON (read with jansson). Pipeline keys: name, plugin_path,
 * dead_letter, max_errors, batch_size, state, sources, transforms, sinks,
 * and the scheduling keys `sluice serve` reads (schedule, timezone,
 * overlap, catch_up, jitter; docs/serve.md). Stage keys
 * handled by the core: id, plugin, inputs (transforms and sinks), workers;
 * every other key of a stage is a plugin option, checked against the
 * plugin's option table. Unknown keys are errors.
 *
 * ${VAR} and ${VAR:-default} are replaced in every string from the
 * environment ($$ writes a literal $); an unset ${VAR} is an error.
 * Relative paths (dead_letter, plugin_path entries, PATH options) resolve
 * against the folder of the config file.
 *
 * Errors are one line: "FILE:LINE:COL: JSON.PATH: message" where the position
 * is known, "FILE: JSON.PATH: message" otherwise. */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include <stddef.h>
#include <jansson.h>
#include "loader.h"

typedef struct sl_stage_cfg {
    char *id;                 /* owned */
    int kind;                 /* sluice_kind */
    char *plugin_name;        /* owned */
    char *json_path;          /* owned, e.g. "sources[1]" */
    char **inputs;            /* owned ids; NULL for sources */
    size_t ninputs;
    size_t *input_idx;        /* owned; indexes into sl_pipeline_cfg.stages */
    int workers;              /* 0 = the core's default */
    int retry_attempts;       /* sinks: tries of a batch answering RETRY (default 6) */
    int retry_initial_ms;     /* sinks: first backoff (default 500) */
    int retry_max_ms;         /* sinks: backoff cap (default 30000) */
    json_t *options;          /* owned: validated plugin options, defaults applied, paths resolved */
    sl_plugin_handle *plugin; /* owned */
} sl_stage_cfg;

/* When `sluice serve` runs the pipeline. Checked by sl_config_load (the
 * cron expression parses, the zone exists); other commands ignore it. */
enum { SL_OVERLAP_SKIP = 0, SL_OVERLAP_QUEUE = 1 };
enum { SL_CATCH_UP_NONE = 0, SL_CATCH_UP_ONCE = 1 };
#define SL_JITTER_MAX_S 86400

typedef struct sl_schedule_cfg {
    char *cron;     /* owned "schedule", or NULL: the pipeline is not scheduled */
    char *timezone; /* owned IANA zone name, or NULL: UTC */
    int overlap;    /* SL_OVERLAP_*: a fire time while the last run still goes on */
    int catch_up;   /* SL_CATCH_UP_*: a fire time missed while serve was down */
    int jitter_s;   /* random delay of each run, 0 .. jitter_s seconds */
} sl_schedule_cfg;

typedef struct sl_pipeline_cfg {
    char *file;        /* owned: the path as given */
    char *dir;         /* owned: absolute folder of the file */
    char *name;        /* owned: "name", or the file's base name without .json */
    char *dead_letter; /* owned absolute path, or NULL */
    char *state;       /* owned absolute path of the state store ("state", default state/NAME.db) */
    long long max_errors; /* -1 = unlimited */
    size_t batch_size;    /* records per batch, default 1000 */
    sl_schedule_cfg schedule;
    sl_search_path search;
    sl_stage_cfg *stages; /* owned: sources, then transforms, then sinks, each in file order */
    size_t nstages;
    size_t *topo;         /* owned: stage indexes in an order where inputs come first */
    json_t *root;         /* owned: the interpolated document */
} sl_pipeline_cfg;

/* Reads, interpolates and checks `file`, loads every plugin it names and
 * validates each stage's options against its plugin. Returns 0 and *out
 * (caller frees with sl_config_free), or -1 and *err (malloc'd message,
 * caller frees). */
int sl_config_load(const char *file, sl_pipeline_cfg **out, char **err);
void sl_config_free(sl_pipeline_cfg **cfg);

/* Checks `options` (a JSON object, borrowed) against the plugin's table:
 * unknown keys, required keys, types, choices. Returns a new object with
 * defaults applied and PATH options resolved against `base_dir`, or NULL and
 * *err set to "JSON.PATH.key: message" (prefix = the stage's JSON path). */
json_t *sl_options_check(const sluice_plugin *p, json_t *options, const char *base_dir,
                         const char *prefix, char **err);

#endif
