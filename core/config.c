/* config.c - see config.h. Reads the pipeline file, checks the pipeline keys
 * and each stage's core keys, then hands over to config_graph.c (inputs),
 * the loader (plugins) and config_options.c (plugin options). Every error
 * is recorded once, with the JSON path it is about, and turned into
 * "FILE:LINE:COL: PATH: message" at the end using jsonpos. */
#include "config_priv.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cron.h"
#include "jsonpos.h"
#include "log.h"
#include "textutil.h"

#define SL_MAX_CONFIG_BYTES (16u << 20) /* a pipeline file, not a data file */
#define SL_BATCH_MAX 1000000
#define SL_WORKERS_MAX 64

typedef struct load_ctx {
    const char *file; /* borrowed: the path as given */
    sl_jsonpos *pos;  /* owned */
    sl_cfg_error e;
    sl_pipeline_cfg *cfg; /* owned until handed out */
    int syn_line, syn_col; /* a syntax error's position, from jansson */
} load_ctx;

/* ---- errors ----------------------------------------------------------------- */

int sl_cfg_fail(sl_cfg_error *e, const char *path, const char *pos_path, int at, const char *fmt, ...)
{
    if (e->set)
        return -1;
    e->set = 1;
    va_list ap;
    va_start(ap, fmt);
    e->msg = sl_vstrfmt(fmt, ap);
    va_end(ap);
    e->path = strdup(path ? path : "");
    e->pos_path = strdup(pos_path ? pos_path : path ? path : "");
    e->at = at;
    return -1;
}

void sl_cfg_error_clear(sl_cfg_error *e)
{
    free(e->path);
    free(e->pos_path);
    free(e->msg);
    memset(e, 0, sizeof *e);
}

/* The recorded error as one line (new string). */
static char *format_error(const load_ctx *c)
{
    const sl_cfg_error *e = &c->e;
    const char *msg = e->msg ? e->msg : "out of memory";
    const char *path = e->path ? e->path : "";
    int line = c->syn_line, col = c->syn_col;
    int found = line > 0 || (e->pos_path && ((e->at == SL_AT_KEY && sl_jsonpos_key(c->pos, e->pos_path, &line, &col) == 0) ||
                                sl_jsonpos_value(c->pos, e->pos_path, &line, &col) == 0));
    if (found && path[0])
        return sl_strfmt("%s:%d:%d: %s: %s", c->file, line, col, path, msg);
    if (found)
        return sl_strfmt("%s:%d:%d: %s", c->file, line, col, msg);
    if (path[0])
        return sl_strfmt("%s: %s: %s", c->file, path, msg);
    return sl_strfmt("%s: %s", c->file, msg);
}

/* ---- reading ------------------------------------------------------------------ */

/* Reads the whole file into a new NUL-terminated buffer. */
static char *read_file(const char *file, size_t *len, char **why)
{
    FILE *f = fopen(file, "rb");
    if (!f) {
        *why = sl_strfmt("cannot open: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *b = cap < SL_MAX_CONFIG_BYTES ? realloc(buf, cap * 2) : NULL;
            if (!b) {
                *why = strdup(cap < SL_MAX_CONFIG_BYTES ? "out of memory" : "file too large for a pipeline");
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) {
                *why = sl_strfmt("cannot read: %s", strerror(errno));
                free(buf);
                buf = NULL;
            }
            break;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

/* The absolute folder holding `file` (symlinks in the folder resolved). */
static char *config_dir(const char *file)
{
    const char *slash = strrchr(file, '/');
    char *dir = slash ? strndup(file, slash == file ? 1 : (size_t)(slash - file)) : strdup(".");
    char *abs = dir ? realpath(dir, NULL) : NULL;
    free(dir);
    return abs;
}

/* "orders.json" -> "orders": the pipeline's name when it has none. */
static char *default_name(const char *file)
{
    const char *slash = strrchr(file, '/');
    const char *base = slash ? slash + 1 : file;
    size_t len = strlen(base);
    if (len > 5 && strcmp(base + len - 5, ".json") == 0)
        len -= 5;
    return strndup(base, len);
}

/* ---- pipeline keys ------------------------------------------------------------ */

static const char *const top_keys[] = {"name",       "description", "plugin_path", "dead_letter", "max_errors",
                                       "batch_size", "state",       "sources",     "transforms",  "sinks",
                                       "schedule",   "timezone",    "overlap",     "catch_up",    "jitter"};
#define N_TOP_KEYS (sizeof top_keys / sizeof top_keys[0])

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static int want_string(load_ctx *c, const char *path, json_t *v, int nonempty)
{
    if (!json_is_string(v))
        return sl_cfg_fail(&c->e, path, NULL, SL_AT_VALUE, "expected a string, got %s", json_kind(v));
    if (nonempty && json_string_value(v)[0] == '\0')
        return sl_cfg_fail(&c->e, path, NULL, SL_AT_VALUE, "must not be empty");
    return 0;
}

static int want_int(load_ctx *c, const char *path, json_t *v, long long lo, long long hi, long long *out)
{
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        if (hi == LLONG_MAX)
            return sl_cfg_fail(&c->e, path, NULL, SL_AT_VALUE, "expected an integer of at least %lld", lo);
        return sl_cfg_fail(&c->e, path, NULL, SL_AT_VALUE, "expected an integer from %lld to %lld", lo, hi);
    }
    *out = json_integer_value(v);
    return 0;
}

/* plugin_path: one folder or a list of them. */
static int check_plugin_path(load_ctx *c, json_t *v)
{
    if (json_is_string(v))
        return want_string(c, "plugin_path", v, 1);
    if (!json_is_array(v))
        return sl_cfg_fail(&c->e, "plugin_path", NULL, SL_AT_VALUE, "expected a folder or a list of folders, got %s",
                           json_kind(v));
    size_t i;
    json_t *d;
    json_array_foreach(v, i, d)
    {
        char *path = sl_json_path_index("plugin_path", i);
        int rc = want_string(c, path ? path : "plugin_path", d, 1);
        free(path);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* ---- scheduling keys (read by `sluice serve`) -------------------------------- */

static int is_schedule_key(const char *key)
{
    return strcmp(key, "schedule") == 0 || strcmp(key, "timezone") == 0 || strcmp(key, "overlap") == 0 ||
           strcmp(key, "catch_up") == 0 || strcmp(key, "jitter") == 0;
}

/* A string that must be one of two words; *out gets 0 or 1. */
static int want_choice(load_ctx *c, const char *key, json_t *v, const char *w0, const char *w1, int *out)
{
    if (want_string(c, key, v, 1) != 0)
        return -1;
    const char *s = json_string_value(v);
    if (strcmp(s, w0) != 0 && strcmp(s, w1) != 0)
        return sl_cfg_fail(&c->e, key, NULL, SL_AT_VALUE, "expected \"%s\" or \"%s\", got \"%s\"", w0, w1, s);
    *out = strcmp(s, w1) == 0;
    return 0;
}

static int check_schedule_key(load_ctx *c, const char *key, json_t *v)
{
    sl_schedule_cfg *sc = &c->cfg->schedule;
    char why[256] = "";
    long long n = 0;
    if (strcmp(key, "overlap") == 0)
        return want_choice(c, key, v, "skip", "queue", &sc->overlap);
    if (strcmp(key, "catch_up") == 0)
        return want_choice(c, key, v, "none", "once", &sc->catch_up);
    if (strcmp(key, "jitter") == 0) {
        if (want_int(c, key, v, 0, SL_JITTER_MAX_S, &n) != 0)
            return -1;
        sc->jitter_s = (int)n;
        return 0;
    }
    if (want_string(c, key, v, 1) != 0)
        return -1;
    const char *s = json_string_value(v);
    if (strcmp(key, "schedule") == 0) {
        sl_cron *cron = NULL;
        int rc = sl_cron_parse(s, &cron, why, sizeof why);
        sl_cron_free(&cron);
        if (rc != SLUICE_OK)
            return sl_cfg_fail(&c->e, key, NULL, SL_AT_VALUE, "invalid cron expression \"%s\": %s", s, why);
        return (sc->cron = strdup(s)) ? 0 : sl_cfg_fail(&c->e, key, NULL, SL_AT_VALUE, "out of memory");
    }
    sl_tz *tz = NULL; /* timezone */
    int rc = sl_tz_load(s, &tz, why, sizeof why);
    sl_tz_free(&tz);
    if (rc != SLUICE_OK)
        return sl_cfg_fail(&c->e, key, NULL, SL_AT_VALUE, "%s", why);
    return (sc->timezone = strdup(s)) ? 0 : sl_cfg_fail(&c->e, key, NULL, SL_AT_VALUE, "out of memory");
}

/* The other scheduling keys only mean something beside "schedule": one
 * alone is most likely a misspelt or forgotten schedule. */
static int check_schedule_needed(load_ctx *c, json_t *root)
{
    static const char *const needs[] = {"timezone", "overlap", "catch_up", "jitter"};
    if (json_object_get(root, "schedule"))
        return 0;
    for (size_t i = 0; i < sizeof needs / sizeof needs[0]; i++)
        if (json_object_get(root, needs[i]))
            return sl_cfg_fail(&c->e, needs[i], NULL, SL_AT_KEY, "only meaningful with a \"schedule\", which is missing");
    return 0;
}

static int check_top_key(load_ctx *c, const char *key, json_t *v)
{
    sl_pipeline_cfg *cfg = c->cfg;
    long long n = 0;
    if (is_schedule_key(key))
        return check_schedule_key(c, key, v);
    if (strcmp(key, "name") == 0 || strcmp(key, "dead_letter") == 0 || strcmp(key, "state") == 0)
        return want_string(c, key, v, 1);
    if (strcmp(key, "description") == 0)
        return want_string(c, key, v, 0);
    if (strcmp(key, "plugin_path") == 0)
        return check_plugin_path(c, v);
    if (strcmp(key, "max_errors") == 0) {
        if (want_int(c, key, v, 0, LLONG_MAX, &n) != 0)
            return -1;
        cfg->max_errors = n;
        return 0;
    }
    if (strcmp(key, "batch_size") == 0) {
        if (want_int(c, key, v, 1, SL_BATCH_MAX, &n) != 0)
            return -1;
        cfg->batch_size = (size_t)n;
        return 0;
    }
    if (!json_is_array(v)) /* sources, transforms, sinks */
        return sl_cfg_fail(&c->e, key, NULL, SL_AT_VALUE, "expected a list of stages, got %s", json_kind(v));
    return 0;
}

static int check_top(load_ctx *c, json_t *root)
{
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v)
    {
        size_t k = 0;
        while (k < N_TOP_KEYS && strcmp(key, top_keys[k]) != 0)
            k++;
        if (k == N_TOP_KEYS) {
            const char *near = sl_suggest(key, top_keys, N_TOP_KEYS);
            if (near)
                return sl_cfg_fail(&c->e, key, NULL, SL_AT_KEY, "unknown key (did you mean %s?)", near);
            return sl_cfg_fail(&c->e, key, NULL, SL_AT_KEY, "unknown key");
        }
        if (check_top_key(c, key, v) != 0)
            return -1;
    }
    if (check_schedule_needed(c, root) != 0)
        return -1;
    static const char *const needed[] = {"sources", "sinks"};
    for (size_t i = 0; i < 2; i++) {
        json_t *list = json_object_get(root, needed[i]);
        if (!list)
            return sl_cfg_fail(&c->e, needed[i], "", SL_AT_VALUE, "required key missing");
        if (json_array_size(list) == 0)
            return sl_cfg_fail(&c->e, needed[i], NULL, SL_AT_VALUE, "must list at least one stage");
    }
    return 0;
}

/* Copies the checked pipeline keys into cfg and builds the search path. */
static int fill_top(load_ctx *c, json_t *root)
{
    sl_pipeline_cfg *cfg = c->cfg;
    json_t *v = json_object_get(root, "name");
    cfg->name = v ? strdup(json_string_value(v)) : default_name(c->file);
    v = json_object_get(root, "dead_letter");
    if (v && !(cfg->dead_letter = sl_path_join(cfg->dir, json_string_value(v))))
        return sl_cfg_fail(&c->e, "dead_letter", NULL, SL_AT_VALUE, "out of memory");
    v = json_object_get(root, "state");
    if (v)
        cfg->state = sl_path_join(cfg->dir, json_string_value(v));
    else if (cfg->name) {
        size_t len = strlen(cfg->name) + 16;
        char *rel = malloc(len);
        if (rel)
            snprintf(rel, len, "state/%s.db", cfg->name);
        cfg->state = rel ? sl_path_join(cfg->dir, rel) : NULL;
        free(rel);
    }
    if (!cfg->state)
        return sl_cfg_fail(&c->e, "state", NULL, SL_AT_VALUE, "out of memory");
    v = json_object_get(root, "plugin_path");
    size_t n = json_is_array(v) ? json_array_size(v) : v ? 1 : 0;
    char **dirs = calloc(n ? n : 1, sizeof *dirs);
    int ok = cfg->name && dirs;
    for (size_t i = 0; ok && i < n; i++) {
        const char *d = json_string_value(json_is_array(v) ? json_array_get(v, i) : v);
        ok = (dirs[i] = sl_path_join(cfg->dir, d)) != NULL;
    }
    ok = ok && sl_search_path_init(&cfg->search, (const char *const *)dirs, n) == 0;
    for (size_t i = 0; dirs && i < n; i++)
        free(dirs[i]);
    free(dirs);
    return ok ? 0 : sl_cfg_fail(&c->e, "", NULL, SL_AT_VALUE, "out of memory");
}

/* ---- stages ------------------------------------------------------------------- */

static int valid_id(const char *s)
{
    if (!s[0])
        return 0;
    for (; *s; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '.' || *s == '-'))
            return 0;
    return 1;
}

/* A member of `obj` that looks like a misspelling of `want`, or NULL. */
static const char *near_key(json_t *obj, const char *want)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        if (strcmp(key, want) != 0 && sl_suggest(key, &want, 1))
            return key;
    }
    return NULL;
}

/* "required key missing", pointing at the stage, with a hint when another
 * member of the stage looks like a misspelling of the key. */
static int missing_key(load_ctx *c, json_t *obj, const char *path, const char *stage_path, const char *key)
{
    const char *typo = near_key(obj, key);
    if (typo)
        return sl_cfg_fail(&c->e, path, stage_path, SL_AT_VALUE, "required key missing (is \"%s\" a typo?)", typo);
    return sl_cfg_fail(&c->e, path, stage_path, SL_AT_VALUE, "required key missing");
}

/* A required string member of a stage; *out borrowed from the document. */
static int stage_string(load_ctx *c, const sl_stage_cfg *st, json_t *obj, const char *key, const char **out)
{
    char *path = sl_json_path_key(st->json_path, key);
    json_t *v = json_object_get(obj, key);
    int rc = 0;
    if (!path)
        rc = sl_cfg_fail(&c->e, st->json_path, NULL, SL_AT_VALUE, "out of memory");
    else if (!v)
        rc = missing_key(c, obj, path, st->json_path, key);
    else
        rc = want_string(c, path, v, 1);
    if (rc == 0 && strcmp(key, "id") == 0 && !valid_id(json_string_value(v)))
        rc = sl_cfg_fail(&c->e, path, NULL, SL_AT_VALUE, "invalid stage id \"%s\" (use letters, digits, _ . and -)",
                         json_string_value(v));
    free(path);
    if (rc == 0)
        *out = json_string_value(v);
    return rc;
}

static int stage_inputs(load_ctx *c, sl_stage_cfg *st, json_t *obj)
{
    json_t *v = json_object_get(obj, "inputs");
    char *path = sl_json_path_key(st->json_path, "inputs");
    int rc = 0;
    if (!path)
        return sl_cfg_fail(&c->e, st->json_path, NULL, SL_AT_VALUE, "out of memory");
    if (st->kind == SLUICE_SOURCE) {
        if (v)
            rc = sl_cfg_fail(&c->e, path, NULL, SL_AT_KEY, "a source reads no inputs");
    } else if (!v) {
        rc = missing_key(c, obj, path, st->json_path, "inputs");
    } else if (!json_is_array(v) || json_array_size(v) == 0) {
        rc = sl_cfg_fail(&c->e, path, NULL, SL_AT_VALUE, "expected a non-empty list of stage ids");
    } else if (!(st->inputs = calloc(json_array_size(v), sizeof *st->inputs))) {
        rc = sl_cfg_fail(&c->e, path, NULL, SL_AT_VALUE, "out of memory");
    }
    for (size_t i = 0; rc == 0 && st->inputs && i < json_array_size(v); i++) {
        json_t *id = json_array_get(v, i);
        char *ipath = sl_json_path_index(path, i);
        rc = want_string(c, ipath ? ipath : path, id, 1);
        if (rc == 0 && !(st->inputs[i] = strdup(json_string_value(id))))
            rc = sl_cfg_fail(&c->e, path, NULL, SL_AT_VALUE, "out of memory");
        st->ninputs += rc == 0;
        free(ipath);
    }
    free(path);
    return rc;
}

static int stage_workers(load_ctx *c, sl_stage_cfg *st, json_t *obj)
{
    json_t *v = json_object_get(obj, "workers");
    if (!v)
        return 0;
    char *path = sl_json_path_key(st->json_path, "workers");
    long long n = 0;
    int rc;
    if (st->kind != SLUICE_TRANSFORM)
        rc = sl_cfg_fail(&c->e, path ? path : st->json_path, NULL, SL_AT_KEY, "only transforms take workers");
    else
        rc = want_int(c, path ? path : st->json_path, v, 1, SL_WORKERS_MAX, &n);
    st->workers = (int)n;
    free(path);
    return rc;
}

/* retry: {"attempts": N, "initial_ms": N, "max_ms": N}, sinks only. */
static int stage_retry(load_ctx *c, sl_stage_cfg *st, json_t *obj)
{
    st->retry_attempts = 6;
    st->retry_initial_ms = 500;
    st->retry_max_ms = 30000;
    json_t *v = json_object_get(obj, "retry");
    if (!v)
        return 0;
    char *path = sl_json_path_key(st->json_path, "retry");
    const char *at = path ? path : st->json_path;
    int rc = 0;
    if (st->kind != SLUICE_SINK)
        rc = sl_cfg_fail(&c->e, at, NULL, SL_AT_KEY, "only sinks take retry");
    else if (!json_is_object(v))
        rc = sl_cfg_fail(&c->e, at, NULL, SL_AT_VALUE, "expected an object with attempts, initial_ms, max_ms");
    const char *key;
    json_t *m;
    json_object_foreach(v, key, m)
    {
        if (rc != 0)
            break;
        char *mpath = sl_json_path_key(at, key);
        const char *mat = mpath ? mpath : at;
        long long n = 0;
        if (strcmp(key, "attempts") == 0 && (rc = want_int(c, mat, m, 1, 100, &n)) == 0)
            st->retry_attempts = (int)n;
        else if (strcmp(key, "initial_ms") == 0 && (rc = want_int(c, mat, m, 1, 600000, &n)) == 0)
            st->retry_initial_ms = (int)n;
        else if (strcmp(key, "max_ms") == 0 && (rc = want_int(c, mat, m, 1, 3600000, &n)) == 0)
            st->retry_max_ms = (int)n;
        else if (strcmp(key, "attempts") != 0 && strcmp(key, "initial_ms") != 0 && strcmp(key, "max_ms") != 0)
            rc = sl_cfg_fail(&c->e, mat, NULL, SL_AT_KEY, "unknown key (one of attempts, initial_ms, max_ms)");
        free(mpath);
    }
    free(path);
    return rc;
}

static int core_key(const char *key)
{
    return strcmp(key, "id") == 0 || strcmp(key, "plugin") == 0 || strcmp(key, "inputs") == 0 ||
           strcmp(key, "workers") == 0 || strcmp(key, "retry") == 0;
}

/* The stage's members that are not core keys: the plugin's options. A new
 * object sharing the document's values (they are copied by the check). */
static json_t *plugin_options(json_t *obj)
{
    json_t *opts = json_object();
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v)
    {
        if (opts && !core_key(key) && json_object_set(opts, key, v) != 0) {
            json_decref(opts);
            opts = NULL;
        }
    }
    return opts;
}

static int parse_stage(load_ctx *c, sl_stage_cfg *st, json_t *obj)
{
    if (!json_is_object(obj))
        return sl_cfg_fail(&c->e, st->json_path, NULL, SL_AT_VALUE, "expected a stage object, got %s",
                           json_kind(obj));
    const char *id, *plugin;
    if (stage_string(c, st, obj, "id", &id) != 0 || stage_string(c, st, obj, "plugin", &plugin) != 0)
        return -1;
    if (!(st->id = strdup(id)) || !(st->plugin_name = strdup(plugin)))
        return sl_cfg_fail(&c->e, st->json_path, NULL, SL_AT_VALUE, "out of memory");
    return stage_inputs(c, st, obj) != 0 || stage_workers(c, st, obj) != 0 || stage_retry(c, st, obj) != 0 ? -1 : 0;
}

static const char *const sections[] = {"sources", "transforms", "sinks"};

static int parse_stages(load_ctx *c, json_t *root)
{
    sl_pipeline_cfg *cfg = c->cfg;
    size_t total = 0;
    for (int k = 0; k < 3; k++)
        total += json_array_size(json_object_get(root, sections[k]));
    if (!(cfg->stages = calloc(total, sizeof *cfg->stages)))
        return sl_cfg_fail(&c->e, "", NULL, SL_AT_VALUE, "out of memory");
    for (int k = 0; k < 3; k++) {
        json_t *list = json_object_get(root, sections[k]);
        for (size_t i = 0; i < json_array_size(list); i++) {
            sl_stage_cfg *st = &cfg->stages[cfg->nstages++];
            st->kind = SLUICE_SOURCE + k;
            if (!(st->json_path = sl_json_path_index(sections[k], i)))
                return sl_cfg_fail(&c->e, sections[k], NULL, SL_AT_VALUE, "out of memory");
            if (parse_stage(c, st, json_array_get(list, i)) != 0)
                return -1;
        }
    }
    return 0;
}

/* Loads the stage's plugin and checks its options against the plugin's table. */
static int load_stage_plugin(load_ctx *c, sl_stage_cfg *st, json_t *obj)
{
    char *lerr = NULL;
    if (sl_plugin_find(&c->cfg->search, st->kind, st->plugin_name, &st->plugin, &lerr) != 0) {
        char *path = sl_json_path_key(st->json_path, "plugin");
        sl_cfg_fail(&c->e, path ? path : st->json_path, NULL, SL_AT_VALUE, "%s", lerr ? lerr : "out of memory");
        free(path);
        free(lerr);
        return -1;
    }
    const sluice_plugin *p = st->plugin->desc;
    if ((p->flags & SLUICE_PLUGIN_SERIAL) && st->workers > 1) {
        char *path = sl_json_path_key(st->json_path, "workers");
        sl_cfg_fail(&c->e, path ? path : st->json_path, NULL, SL_AT_VALUE,
                    "plugin %s runs in one worker only (it is marked serial)", p->name);
        free(path);
        return -1;
    }
    json_t *given = plugin_options(obj);
    if (!given)
        return sl_cfg_fail(&c->e, st->json_path, NULL, SL_AT_VALUE, "out of memory");
    st->options = sl_cfg_options(p, given, c->cfg->dir, st->json_path, &c->e);
    json_decref(given);
    return st->options ? 0 : -1;
}

static int load_plugins(load_ctx *c, json_t *root)
{
    size_t s = 0;
    for (int k = 0; k < 3; k++) {
        json_t *list = json_object_get(root, sections[k]);
        for (size_t i = 0; i < json_array_size(list); i++, s++)
            if (load_stage_plugin(c, &c->cfg->stages[s], json_array_get(list, i)) != 0)
                return -1;
    }
    return 0;
}

/* A stage nobody reads from is legal but almost always a mistake in the
 * inputs lists, so say so. */
static void warn_unread(const sl_pipeline_cfg *cfg)
{
    for (size_t i = 0; i < cfg->nstages; i++) {
        if (cfg->stages[i].kind == SLUICE_SINK)
            continue;
        int read = 0;
        for (size_t j = 0; j < cfg->nstages && !read; j++)
            for (size_t k = 0; k < cfg->stages[j].ninputs && !read; k++)
                read = cfg->stages[j].input_idx[k] == i;
        if (!read)
            sl_log(SLUICE_LOG_WARN, NULL, "%s: %s: stage \"%s\" feeds no other stage", cfg->file,
                   cfg->stages[i].json_path, cfg->stages[i].id);
    }
}

/* ---- loading ------------------------------------------------------------------ */

static int parse_document(load_ctx *c)
{
    char *why = NULL;
    size_t len = 0;
    char *text = read_file(c->file, &len, &why);
    if (!text) {
        sl_cfg_fail(&c->e, "", NULL, SL_AT_VALUE, "%s", why ? why : "out of memory");
        free(why);
        return -1;
    }
    json_error_t jerr;
    c->cfg->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
    if (c->cfg->root)
        c->pos = sl_jsonpos_index(text, len);
    free(text);
    if (!c->cfg->root) {
        /* No JSON path to name; the position comes from jansson. */
        c->syn_line = jerr.line;
        c->syn_col = jerr.column > 0 ? jerr.column : 1; /* 0: nothing read yet on that line */
        return sl_cfg_fail(&c->e, "", NULL, SL_AT_VALUE, "%s", jerr.text);
    }
    if (!json_is_object(c->cfg->root))
        return sl_cfg_fail(&c->e, "", NULL, SL_AT_VALUE, "a pipeline is a JSON object, got %s",
                           json_kind(c->cfg->root));
    if (!c->pos)
        return sl_cfg_fail(&c->e, "", NULL, SL_AT_VALUE, "out of memory");
    return 0;
}

static int load(load_ctx *c)
{
    sl_pipeline_cfg *cfg = c->cfg;
    if (!(cfg->file = strdup(c->file)))
        return sl_cfg_fail(&c->e, "", NULL, SL_AT_VALUE, "out of memory");
    if (parse_document(c) != 0)
        return -1;
    if (!(cfg->dir = config_dir(c->file)))
        return sl_cfg_fail(&c->e, "", NULL, SL_AT_VALUE, "cannot resolve the folder: %s", strerror(errno));
    json_t *root = cfg->root;
    if (sl_cfg_interpolate(root, &c->e) != 0 || check_top(c, root) != 0 || fill_top(c, root) != 0 ||
        parse_stages(c, root) != 0 || sl_cfg_graph(cfg, &c->e) != 0 || load_plugins(c, root) != 0)
        return -1;
    warn_unread(cfg);
    return 0;
}

int sl_config_load(const char *file, sl_pipeline_cfg **out, char **err)
{
    *out = NULL;
    if (err)
        *err = NULL;
    load_ctx c = {.file = file};
    c.cfg = calloc(1, sizeof *c.cfg);
    if (!c.cfg) {
        if (err)
            *err = sl_strfmt("%s: out of memory", file);
        return -1;
    }
    c.cfg->max_errors = -1;
    c.cfg->batch_size = 1000;
    int rc = load(&c);
    if (rc == 0) {
        *out = c.cfg;
    } else {
        if (err)
            *err = format_error(&c);
        sl_config_free(&c.cfg);
    }
    sl_jsonpos_free(&c.pos);
    sl_cfg_error_clear(&c.e);
    return rc;
}

static void free_stage(sl_stage_cfg *st)
{
    free(st->id);
    free(st->plugin_name);
    free(st->json_path);
    for (size_t i = 0; i < st->ninputs; i++)
        free(st->inputs[i]);
    free(st->inputs);
    free(st->input_idx);
    json_decref(st->options);
    /* Options first: a plugin could in principle own code their values use. */
    sl_plugin_close(&st->plugin);
}

void sl_config_free(sl_pipeline_cfg **cfg)
{
    if (!cfg || !*cfg)
        return;
    sl_pipeline_cfg *p = *cfg;
    for (size_t i = 0; i < p->nstages; i++)
        free_stage(&p->stages[i]);
    free(p->stages);
    free(p->topo);
    json_decref(p->root);
    sl_search_path_free(&p->search);
    free(p->file);
    free(p->dir);
    free(p->name);
    free(p->dead_letter);
    free(p->state);
    free(p->schedule.cron);
    free(p->schedule.timezone);
    free(p);
    *cfg = NULL;
}
