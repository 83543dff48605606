/* state.c - see state.h. */
#include "state.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "fsutil.h"
#include "log.h"

struct sl_state {
    sqlite3 *db;
    pthread_mutex_t lock;
    char *path;
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "PRAGMA synchronous=FULL;"
    "CREATE TABLE IF NOT EXISTS cursors(source TEXT PRIMARY KEY, cursor TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS kv(stage TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL,"
    " updated_at TEXT NOT NULL, PRIMARY KEY(stage, key));"
    "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY AUTOINCREMENT, pipeline TEXT NOT NULL,"
    " started_at TEXT NOT NULL, ended_at TEXT, status TEXT NOT NULL, stages TEXT, error TEXT);";

static char *fmt_err(const char *what, const char *path, const char *why)
{
    size_t n = strlen(what) + strlen(path) + strlen(why) + 8;
    char *m = malloc(n);
    if (m)
        snprintf(m, n, "%s %s: %s", what, path, why);
    return m;
}

int sl_state_open(sl_state **out, const char *path, char **err)
{
    sl_state *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    pthread_mutex_init(&s->lock, NULL);
    if (sl_mkdir_parents(path) != 0) {
        if (err)
            *err = fmt_err("cannot create the folder of the state store", path, strerror(errno));
        goto fail;
    }
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
            SQLITE_OK ||
        sqlite3_busy_timeout(s->db, 10000) != SQLITE_OK || sqlite3_exec(s->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        if (err)
            *err = fmt_err("cannot open the state store", path, s->db ? sqlite3_errmsg(s->db) : "out of memory");
        goto fail;
    }
    s->path = strdup(path);
    *out = s;
    return 0;
fail:
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->lock);
    free(s);
    return -1;
}

void sl_state_close(sl_state **ps)
{
    sl_state *s = ps ? *ps : NULL;
    if (!s)
        return;
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->lock);
    free(s->path);
    free(s);
    *ps = NULL;
}

static void now_iso(char *buf, size_t len)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, len - n, ".%03ldZ", ts.tv_nsec / 1000000L);
}

/* Runs one statement with text parameters (NULL binds NULL). For SELECTs,
 * returns the first column of the first row as JSON-parsed value in *out. */
static int exec_text(sl_state *s, const char *sql, const char *const *params, int nparams, json_t **out)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
        goto done;
    for (int i = 0; i < nparams; i++)
        sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_TRANSIENT);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW && out) {
        const char *text = (const char *)sqlite3_column_text(st, 0);
        *out = text ? json_loads(text, JSON_DECODE_ANY, NULL) : NULL;
        rc = 0;
    } else if (step == SQLITE_DONE) {
        rc = sqlite3_changes(s->db);
    }
done:
    if (rc < 0)
        sl_log(SLUICE_LOG_ERROR, NULL, "state store %s: %s", s->path, sqlite3_errmsg(s->db));
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

json_t *sl_state_cursor(sl_state *s, const char *source)
{
    json_t *v = NULL;
    const char *p[] = {source};
    exec_text(s, "SELECT cursor FROM cursors WHERE source = ?1", p, 1, &v);
    return v;
}

int sl_state_commit(sl_state *s, const char *source, const json_t *cursor)
{
    char when[40];
    now_iso(when, sizeof when);
    char *text = json_dumps(cursor, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return -1;
    const char *p[] = {source, text, when};
    int rc = exec_text(s,
                       "INSERT INTO cursors(source, cursor, updated_at) VALUES(?1, ?2, ?3)"
                       " ON CONFLICT(source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
                       p, 3, NULL);
    free(text);
    return rc < 0 ? -1 : 0;
}

int sl_state_reset(sl_state *s, const char *source)
{
    const char *p[] = {source};
    return source ? exec_text(s, "DELETE FROM cursors WHERE source = ?1", p, 1, NULL)
                  : exec_text(s, "DELETE FROM cursors", NULL, 0, NULL);
}

/* Rows of a SELECT as an array of objects; JSON text columns parsed. */
static json_t *select_rows(sl_state *s, const char *sql, int limit, const char *const *json_cols)
{
    json_t *rows = json_array();
    sqlite3_stmt *st = NULL;
    pthread_mutex_lock(&s->lock);
    if (rows && sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int(st, 1, limit);
        while (sqlite3_step(st) == SQLITE_ROW) {
            json_t *row = json_object();
            for (int c = 0; c < sqlite3_column_count(st); c++) {
                const char *name = sqlite3_column_name(st, c);
                json_t *v = json_null();
                if (sqlite3_column_type(st, c) == SQLITE_INTEGER)
                    v = json_integer(sqlite3_column_int64(st, c));
                else if (sqlite3_column_type(st, c) != SQLITE_NULL) {
                    const char *t = (const char *)sqlite3_column_text(st, c);
                    int is_json = 0;
                    for (const char *const *j = json_cols; *j; j++)
                        is_json |= strcmp(*j, name) == 0;
                    v = is_json ? json_loads(t, JSON_DECODE_ANY, NULL) : json_string(t);
                    if (!v)
                        v = json_string(t);
                }
                json_object_set_new(row, name, v);
            }
            json_array_append_new(rows, row);
        }
    }
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rows;
}

json_t *sl_state_cursors(sl_state *s)
{
    static const char *const json_cols[] = {"cursor", NULL};
    json_t *rows = select_rows(s, "SELECT source, cursor, updated_at FROM cursors ORDER BY source LIMIT ?1",
                               1000000, json_cols);
    json_t *out = json_object();
    size_t i;
    json_t *r;
    json_array_foreach(rows, i, r)
    {
        json_t *o = json_pack("{s:O, s:O}", "cursor", json_object_get(r, "cursor"), "updated_at",
                              json_object_get(r, "updated_at"));
        json_object_set_new(out, json_string_value(json_object_get(r, "source")), o);
    }
    json_decref(rows);
    return out;
}

json_t *sl_state_kv_get(sl_state *s, const char *stage, const char *key)
{
    json_t *v = NULL;
    const char *p[] = {stage, key};
    exec_text(s, "SELECT value FROM kv WHERE stage = ?1 AND key = ?2", p, 2, &v);
    return v;
}

int sl_state_kv_put(sl_state *s, const char *stage, const char *key, const json_t *value)
{
    if (!value) {
        const char *p[] = {stage, key};
        return exec_text(s, "DELETE FROM kv WHERE stage = ?1 AND key = ?2", p, 2, NULL) < 0 ? -1 : 0;
    }
    char when[40];
    now_iso(when, sizeof when);
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return -1;
    const char *p[] = {stage, key, text, when};
    int rc = exec_text(s,
                       "INSERT INTO kv(stage, key, value, updated_at) VALUES(?1, ?2, ?3, ?4)"
                       " ON CONFLICT(stage, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
                       p, 4, NULL);
    free(text);
    return rc < 0 ? -1 : 0;
}

int64_t sl_state_run_begin(sl_state *s, const char *pipeline)
{
    char when[40];
    now_iso(when, sizeof when);
    const char *p[] = {pipeline, when};
    if (exec_text(s, "INSERT INTO runs(pipeline, started_at, status) VALUES(?1, ?2, 'running')", p, 2, NULL) < 0)
        return -1;
    pthread_mutex_lock(&s->lock);
    int64_t id = sqlite3_last_insert_rowid(s->db);
    pthread_mutex_unlock(&s->lock);
    return id;
}

int sl_state_run_end(sl_state *s, int64_t id, const char *status, const json_t *stages, const char *error)
{
    char when[40], idtext[32];
    now_iso(when, sizeof when);
    snprintf(idtext, sizeof idtext, "%lld", (long long)id);
    char *text = stages ? json_dumps(stages, JSON_COMPACT) : NULL;
    const char *p[] = {when, status, text, error, idtext};
    int rc = exec_text(s, "UPDATE runs SET ended_at = ?1, status = ?2, stages = ?3, error = ?4 WHERE id = ?5", p, 5,
                       NULL);
    free(text);
    return rc < 0 ? -1 : 0;
}

json_t *sl_state_runs(sl_state *s, int limit)
{
    static const char *const json_cols[] = {"stages", NULL};
    return select_rows(s,
                       "SELECT id, pipeline, started_at, ended_at, status, stages, error FROM runs"
                       " ORDER BY id DESC LIMIT ?1",
                       limit, json_cols);
}
