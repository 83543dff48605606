/*
 * id_store.c - the identity store's write side: a SQLite file (schema in
 * id_schema.h), one write transaction per batch.
 *
 * WAL journal, so `sluice identity explain` can read while a run writes;
 * synchronous=FULL, because a merge the store forgets after a power cut
 * would never be emitted again. A store is meant for one pipeline at a
 * time; when another connection wrote it anyway, the next batch notices
 * (PRAGMA data_version) and the stage reloads its graph.
 */
#include "identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql_file.h"

enum {
    S_VERSION, S_PUT_KEY, S_SET_ANCHOR, S_PUT_COMP, S_PUT_LINK, S_PUT_MERGE,
    S_MERGES_BY, S_COUNT
};

static const char *const sql_text[S_COUNT] = {
    [S_VERSION] = "PRAGMA data_version",
    [S_PUT_KEY] = "INSERT INTO identity_keys(id, key, comp, anchor, stage, stream, origin, at)"
                  " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    /* a key that becomes an anchor is from now on where its record was seen */
    [S_SET_ANCHOR] = "UPDATE identity_keys SET anchor = 1, stage = ?2, stream = ?3, origin = ?4, at = ?5 WHERE id = ?1",
    [S_PUT_COMP] = "INSERT INTO identity_comps(comp, parent, customer_id) VALUES(?1, ?2, ?3)"
                   " ON CONFLICT(comp) DO UPDATE SET parent = excluded.parent, customer_id = excluded.customer_id",
    [S_PUT_LINK] = "INSERT INTO identity_links(a, b, reason, record, stage, stream, origin, at)"
                   " VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [S_PUT_MERGE] = "INSERT INTO identity_merges(from_id, into_id, reason, cause, at) VALUES(?1, ?2, ?3, ?4, ?5)",
    [S_MERGES_BY] = "SELECT from_id, into_id, reason, at FROM identity_merges WHERE cause = ?1 ORDER BY id",
};

struct id_store {
    tx_sql q;               /* the file and its statements */
    long long data_version; /* as this connection last saw it */
};

const char *id_store_error(id_store *s) { return s->q.err; }

static int failed(id_store *s, const char *what) { return tx_sql_fail(&s->q, what); }

static int step(id_store *s, int k) { return tx_sql_step(&s->q, k); }

static int check_schema(id_store *s)
{
    sqlite3_stmt *st;
    int version = 0;
    if (sqlite3_prepare_v2(s->q.db, "SELECT value FROM identity_meta WHERE name = 'schema'", -1, &st, NULL) != SQLITE_OK)
        return failed(s, "reading the schema version");
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version > ID_SCHEMA_VERSION) {
        snprintf(s->q.err, sizeof s->q.err, "identity store: schema version %d is newer than this plugin's (%d)",
                 version, ID_SCHEMA_VERSION);
        return SLUICE_EINVAL;
    }
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO identity_meta(name, value) VALUES('schema', '%d')",
             ID_SCHEMA_VERSION);
    return sqlite3_exec(s->q.db, sql, NULL, NULL, NULL) == SQLITE_OK ? SLUICE_OK : failed(s, "writing the schema version");
}

static int read_version(id_store *s, long long *v)
{
    sqlite3_stmt *st = s->q.stmt[S_VERSION];
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? SLUICE_OK : failed(s, "reading data_version");
}

/* a bigger page cache than the default 2 MiB for the load at start */
#define ID_SETUP "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA cache_size=-16384;" ID_SCHEMA_SQL

static int setup(id_store *s, const char *path)
{
    if (tx_sql_open(&s->q, "identity store", path, ID_SETUP, sql_text, S_COUNT) != 0)
        return SLUICE_EIO;
    int rc = check_schema(s);
    return rc == SLUICE_OK ? read_version(s, &s->data_version) : rc;
}

int id_store_open(const char *path, id_store **out, char *err, size_t errlen)
{
    id_store *s = calloc(1, sizeof *s);
    *out = NULL;
    if (!s)
        return SLUICE_ENOMEM;
    int rc = setup(s, path);
    if (rc != SLUICE_OK) {
        snprintf(err, errlen, "%s", s->q.err);
        id_store_close(&s);
        return rc;
    }
    *out = s;
    return SLUICE_OK;
}

void id_store_close(id_store **ps)
{
    id_store *s = ps ? *ps : NULL;
    if (!s)
        return;
    tx_sql_close(&s->q);
    free(s);
    *ps = NULL;
}

/* Components are numbered 0, 1, ... in the order they were made, which is
 * their index in the graph. */
static int load_comps(id_store *s, id_graph *g)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->q.db, "SELECT comp, parent, customer_id FROM identity_comps ORDER BY comp", -1, &st,
                           NULL) != SQLITE_OK)
        return failed(s, "loading customers");
    int rc = SQLITE_DONE, out = SLUICE_OK;
    while (out == SLUICE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 comp = sqlite3_column_int64(st, 0), parent = sqlite3_column_int64(st, 1);
        const char *cid = (const char *)sqlite3_column_text(st, 2);
        if (comp != (sqlite3_int64)g->ncomps || parent < 0 || !cid || strlen(cid) != ID_LEN) {
            snprintf(s->q.err, sizeof s->q.err, "identity store: component %lld is damaged", (long long)comp);
            out = SLUICE_EIO;
        } else if (id_graph_add_comp(g, cid, 0) == ID_NONE) {
            out = SLUICE_ENOMEM;
        } else {
            g->comps[comp].parent = (uint32_t)parent;
        }
    }
    sqlite3_finalize(st);
    if (out == SLUICE_OK && rc != SQLITE_DONE)
        return failed(s, "loading customers");
    for (size_t i = 0; out == SLUICE_OK && i < g->ncomps; i++)
        if (g->comps[i].parent >= g->ncomps) {
            snprintf(s->q.err, sizeof s->q.err, "identity store: component %zu has no parent", i);
            out = SLUICE_EIO;
        }
    return out;
}

static int load_keys(id_store *s, id_graph *g)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->q.db, "SELECT id, key, comp, anchor FROM identity_keys ORDER BY id", -1, &st, NULL) !=
        SQLITE_OK)
        return failed(s, "loading keys");
    int rc = SQLITE_DONE, out = SLUICE_OK;
    while (out == SLUICE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        sqlite3_int64 id = sqlite3_column_int64(st, 0), comp = sqlite3_column_int64(st, 2);
        const char *key = (const char *)sqlite3_column_text(st, 1);
        if (id != (sqlite3_int64)g->nnodes + 1 || !key || comp < 0 || comp >= (sqlite3_int64)g->ncomps ||
            id_graph_lookup(g, key) != ID_NONE) {
            snprintf(s->q.err, sizeof s->q.err, "identity store: key %lld (%s) is damaged", (long long)id,
                     key ? key : "null");
            out = SLUICE_EIO;
        } else if (id_graph_add_node(g, key, (uint32_t)comp, sqlite3_column_int(st, 3)) == ID_NONE) {
            out = SLUICE_ENOMEM;
        }
    }
    sqlite3_finalize(st);
    if (out == SLUICE_OK && rc != SQLITE_DONE)
        return failed(s, "loading keys");
    return out;
}

static int load_causes(id_store *s, id_graph *g)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s->q.db, "SELECT DISTINCT cause FROM identity_merges", -1, &st, NULL) != SQLITE_OK)
        return failed(s, "loading merges");
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *cause = (const char *)sqlite3_column_text(st, 0);
        uint32_t n = cause ? id_graph_lookup(g, cause) : ID_NONE;
        if (n != ID_NONE)
            g->nodes[n].cause = ID_CAUSE_STORED;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SLUICE_OK : failed(s, "loading merges");
}

int id_store_load(id_store *s, id_graph *g)
{
    int rc = load_comps(s, g);
    if (rc == SLUICE_OK)
        rc = load_keys(s, g);
    return rc == SLUICE_OK ? load_causes(s, g) : rc;
}

int id_store_begin(id_store *s, int *changed)
{
    long long v;
    int rc = tx_sql_begin(&s->q);
    if (rc == SLUICE_OK)
        rc = read_version(s, &v);
    if (rc != SLUICE_OK)
        return rc;
    *changed = v != s->data_version;
    s->data_version = v;
    return SLUICE_OK;
}

int id_store_commit(id_store *s) { return tx_sql_commit(&s->q); }

void id_store_rollback(id_store *s) { tx_sql_rollback(&s->q); }

static void bind_where(sqlite3_stmt *st, int first, const id_where *w)
{
    tx_sql_bind_text(st, first, w->stage);
    tx_sql_bind_text(st, first + 1, w->stream);
    tx_sql_bind_text(st, first + 2, w->origin);
    tx_sql_bind_text(st, first + 3, w->at);
}

int id_store_put_key(id_store *s, uint32_t node, const char *key, uint32_t comp, int anchor, const id_where *w)
{
    sqlite3_stmt *st = s->q.stmt[S_PUT_KEY];
    sqlite3_bind_int64(st, 1, (sqlite3_int64)node + 1);
    tx_sql_bind_text(st, 2, key);
    sqlite3_bind_int64(st, 3, comp);
    sqlite3_bind_int(st, 4, anchor != 0);
    bind_where(st, 5, w);
    return step(s, S_PUT_KEY);
}

int id_store_set_anchor(id_store *s, uint32_t node, const id_where *w)
{
    sqlite3_bind_int64(s->q.stmt[S_SET_ANCHOR], 1, (sqlite3_int64)node + 1);
    bind_where(s->q.stmt[S_SET_ANCHOR], 2, w);
    return step(s, S_SET_ANCHOR);
}

int id_store_put_comp(id_store *s, const id_graph *g, uint32_t comp)
{
    sqlite3_stmt *st = s->q.stmt[S_PUT_COMP];
    sqlite3_bind_int64(st, 1, comp);
    sqlite3_bind_int64(st, 2, g->comps[comp].parent);
    tx_sql_bind_text(st, 3, g->comps[comp].id);
    return step(s, S_PUT_COMP);
}

int id_store_put_link(id_store *s, const char *a, const char *b, const char *reason, const char *record,
                      const id_where *w)
{
    sqlite3_stmt *st = s->q.stmt[S_PUT_LINK];
    tx_sql_bind_text(st, 1, a);
    tx_sql_bind_text(st, 2, b);
    tx_sql_bind_text(st, 3, reason);
    tx_sql_bind_text(st, 4, record);
    bind_where(st, 5, w);
    return step(s, S_PUT_LINK);
}

int id_store_put_merge(id_store *s, const char *from, const char *into, const char *reason, const char *cause,
                       const char *at)
{
    sqlite3_stmt *st = s->q.stmt[S_PUT_MERGE];
    tx_sql_bind_text(st, 1, from);
    tx_sql_bind_text(st, 2, into);
    tx_sql_bind_text(st, 3, reason);
    tx_sql_bind_text(st, 4, cause);
    tx_sql_bind_text(st, 5, at);
    return step(s, S_PUT_MERGE);
}

int id_store_merges_by(id_store *s, const char *cause, id_merge_fn fn, void *arg)
{
    sqlite3_stmt *st = s->q.stmt[S_MERGES_BY];
    int rc = SQLITE_DONE, out = SLUICE_OK;
    tx_sql_bind_text(st, 1, cause);
    while (out == SLUICE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
        out = fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
                 (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3));
    if (out == SLUICE_OK && rc != SQLITE_DONE)
        out = failed(s, sql_text[S_MERGES_BY]);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return out;
}
