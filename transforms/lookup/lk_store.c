/*
 * lk_store.c - the lookup stage's SQLite file: table rows beyond memory
 * (and, with persist, all rows of table_stream, for later runs), and the
 * records held until their table row arrives.
 *
 * Held records must survive a crash (the batch they came in has moved on,
 * and its source's cursor with it), so a file holding them is WAL with
 * synchronous=FULL; a file only holding spilled rows of a table_file is
 * scratch, without a journal, deleted at the end of the run.
 */
#include "lookup.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_file.h"

#define LK_SCHEMA                                                                                       \
    "CREATE TABLE IF NOT EXISTS lookup_meta(name TEXT PRIMARY KEY, value INTEGER NOT NULL);"            \
    "CREATE TABLE IF NOT EXISTS lookup_rows(key TEXT NOT NULL, row_id TEXT NOT NULL, data TEXT NOT NULL," \
    " PRIMARY KEY(key, row_id)) WITHOUT ROWID;"                                                         \
    "CREATE TABLE IF NOT EXISTS lookup_held(id INTEGER PRIMARY KEY, key TEXT NOT NULL,"                 \
    " stream TEXT NOT NULL, record TEXT NOT NULL, run INTEGER NOT NULL,"                                \
    " released INTEGER NOT NULL DEFAULT 0);"                                                            \
    "CREATE INDEX IF NOT EXISTS lookup_held_key ON lookup_held(key);"

enum {
    S_PUT_ROW, S_GET_ROWS, S_HOLD, S_HELD_KEY, S_HELD_EARLIER, S_RELEASE, S_COUNT
};

static const char *const sql_text[S_COUNT] = {
    [S_PUT_ROW] = "INSERT OR REPLACE INTO lookup_rows(key, row_id, data) VALUES(?1, ?2, ?3)",
    [S_GET_ROWS] = "SELECT row_id, data FROM lookup_rows WHERE key = ?1 ORDER BY row_id",
    [S_HOLD] = "INSERT INTO lookup_held(key, stream, record, run) VALUES(?1, ?2, ?3, ?4)",
    [S_HELD_KEY] = "SELECT id, key, stream, record FROM lookup_held WHERE key = ?1 AND NOT released ORDER BY id",
    [S_HELD_EARLIER] = "SELECT id, key, stream, record FROM lookup_held WHERE run < ?1 AND NOT released ORDER BY id",
    [S_RELEASE] = "UPDATE lookup_held SET released = 1 WHERE id = ?1",
};

struct lk_store {
    tx_sql q; /* the file and its statements */
};

const char *lk_store_error(lk_store *s) { return s->q.err; }

static int failed(lk_store *s, const char *what) { return tx_sql_fail(&s->q, what); }

static int step(lk_store *s, int k) { return tx_sql_step(&s->q, k); }

static int exec(lk_store *s, const char *sql) { return tx_sql_exec(&s->q, sql); }

#define LK_CACHE "PRAGMA cache_size=-16384;"
#define LK_DURABLE "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;" LK_CACHE LK_SCHEMA
#define LK_SCRATCH "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" LK_CACHE LK_SCHEMA

static int setup(lk_store *s, const char *path, int durable)
{
    return tx_sql_open(&s->q, "lookup store", path, durable ? LK_DURABLE : LK_SCRATCH, sql_text, S_COUNT) == 0
               ? SLUICE_OK
               : SLUICE_EIO;
}

int lk_store_open(const char *path, int durable, lk_store **out, char *err, size_t errlen)
{
    lk_store *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return SLUICE_ENOMEM;
    int rc = setup(s, path, durable);
    if (rc != SLUICE_OK) {
        snprintf(err, errlen, "%s", s->q.err);
        lk_store_close(&s);
        return rc;
    }
    *out = s;
    return SLUICE_OK;
}

void lk_store_close(lk_store **ps)
{
    lk_store *s = ps ? *ps : NULL;
    if (!s)
        return;
    tx_sql_close(&s->q);
    free(s);
    *ps = NULL;
}

int lk_store_begin(lk_store *s) { return tx_sql_begin(&s->q); }

int lk_store_commit(lk_store *s) { return tx_sql_commit(&s->q); }

void lk_store_rollback(lk_store *s) { tx_sql_rollback(&s->q); }

int lk_store_next_run(lk_store *s, long long *run)
{
    sqlite3_stmt *st;
    int rc = exec(s, "INSERT OR IGNORE INTO lookup_meta(name, value) VALUES('run', 0);"
                     "UPDATE lookup_meta SET value = value + 1 WHERE name = 'run';");
    if (rc != SLUICE_OK)
        return rc;
    if (sqlite3_prepare_v2(s->q.db, "SELECT value FROM lookup_meta WHERE name = 'run'", -1, &st, NULL) != SQLITE_OK)
        return failed(s, "reading the run counter");
    rc = sqlite3_step(st) == SQLITE_ROW ? SLUICE_OK : failed(s, "reading the run counter");
    *run = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

int lk_store_put_row(lk_store *s, const char *key, const char *row_id, const char *data)
{
    int rc = lk_store_begin(s);
    if (rc != SLUICE_OK)
        return rc;
    tx_sql_bind_text(s->q.stmt[S_PUT_ROW], 1, key);
    tx_sql_bind_text(s->q.stmt[S_PUT_ROW], 2, row_id);
    tx_sql_bind_text(s->q.stmt[S_PUT_ROW], 3, data);
    return step(s, S_PUT_ROW);
}

json_t *lk_store_get_rows(lk_store *s, const char *key, int *rc)
{
    sqlite3_stmt *st = s->q.stmt[S_GET_ROWS];
    json_t *rows = NULL;
    int r;
    *rc = SLUICE_OK;
    tx_sql_bind_text(st, 1, key);
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *row = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
        if (!rows)
            rows = json_object();
        if (!rows || !row || json_object_set_new(rows, (const char *)sqlite3_column_text(st, 0), row) != 0) {
            *rc = SLUICE_ENOMEM;
            break;
        }
    }
    if (*rc == SLUICE_OK && r != SQLITE_DONE)
        *rc = failed(s, sql_text[S_GET_ROWS]);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (*rc != SLUICE_OK) {
        json_decref(rows);
        return NULL;
    }
    return rows;
}

int lk_store_clear_rows(lk_store *s) { return exec(s, "DELETE FROM lookup_rows"); }

int lk_store_each_row(lk_store *s, lk_row_fn fn, void *arg)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->q.db, "SELECT key, row_id, data FROM lookup_rows ORDER BY key, row_id", -1, &st, NULL) !=
        SQLITE_OK)
        return failed(s, "reading rows");
    int r = SQLITE_DONE, out = SLUICE_OK;
    while (out == SLUICE_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
        out = fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
                 (const char *)sqlite3_column_text(st, 2));
    if (out == SLUICE_OK && r != SQLITE_DONE)
        out = failed(s, "reading rows");
    sqlite3_finalize(st);
    return out;
}

long long lk_store_count_rows(lk_store *s)
{
    sqlite3_stmt *st;
    long long n = -1;
    if (sqlite3_prepare_v2(s->q.db, "SELECT count(*) FROM lookup_rows", -1, &st, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

int lk_store_hold(lk_store *s, const char *key, const char *stream, const char *record, long long run)
{
    int rc = lk_store_begin(s);
    if (rc != SLUICE_OK)
        return rc;
    sqlite3_stmt *st = s->q.stmt[S_HOLD];
    tx_sql_bind_text(st, 1, key);
    tx_sql_bind_text(st, 2, stream);
    tx_sql_bind_text(st, 3, record);
    sqlite3_bind_int64(st, 4, run);
    return step(s, S_HOLD);
}

/* The rows are read whole before fn runs: fn releases them, and a table
 * must not change under a statement reading it. */
int lk_store_each_held(lk_store *s, const char *key, long long run, lk_held_fn fn, void *arg)
{
    int k = key ? S_HELD_KEY : S_HELD_EARLIER, r = SQLITE_DONE;
    sqlite3_stmt *st = s->q.stmt[k];
    json_t *all = json_array();
    if (!all)
        return SLUICE_ENOMEM;
    if (key)
        tx_sql_bind_text(st, 1, key);
    else
        sqlite3_bind_int64(st, 1, run);
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(all, json_pack("[I, s, s, s]", (json_int_t)sqlite3_column_int64(st, 0),
                                             (const char *)sqlite3_column_text(st, 1),
                                             (const char *)sqlite3_column_text(st, 2),
                                             (const char *)sqlite3_column_text(st, 3)));
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    int out = r == SQLITE_DONE ? SLUICE_OK : failed(s, sql_text[k]);
    size_t i;
    json_t *e;
    json_array_foreach(all, i, e) {
        if (out != SLUICE_OK)
            break;
        out = fn(arg, (long long)json_integer_value(json_array_get(e, 0)), json_string_value(json_array_get(e, 1)),
                 json_string_value(json_array_get(e, 2)), json_string_value(json_array_get(e, 3)));
    }
    json_decref(all);
    return out;
}

int lk_store_release(lk_store *s, long long id)
{
    int rc = lk_store_begin(s);
    if (rc != SLUICE_OK)
        return rc;
    sqlite3_bind_int64(s->q.stmt[S_RELEASE], 1, id);
    return step(s, S_RELEASE);
}

int lk_store_held_keys(lk_store *s, tx_strmap *counts)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->q.db, "SELECT key, count(*) FROM lookup_held WHERE NOT released GROUP BY key", -1, &st,
                           NULL) != SQLITE_OK)
        return failed(s, "reading held records");
    int r = SQLITE_DONE, out = SLUICE_OK;
    while (out == SLUICE_OK && (r = sqlite3_step(st)) == SQLITE_ROW) {
        const char *key = (const char *)sqlite3_column_text(st, 0);
        void **slot = tx_strmap_put(counts, key, strlen(key), NULL);
        if (!slot)
            out = SLUICE_ENOMEM;
        else
            *slot = (void *)(uintptr_t)sqlite3_column_int64(st, 1);
    }
    if (out == SLUICE_OK && r != SQLITE_DONE)
        out = failed(s, "reading held records");
    sqlite3_finalize(st);
    return out;
}

int lk_store_forget_released(lk_store *s) { return exec(s, "DELETE FROM lookup_held WHERE released"); }

int lk_store_unrelease(lk_store *s) { return exec(s, "UPDATE lookup_held SET released = 0 WHERE released"); }
