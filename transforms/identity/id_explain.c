/*
 * id_explain.c - reading the identity store for `sluice identity explain`
 * (see id_explain.h). Read-only: the store may be in use by a run (WAL).
 */
#include "id_explain.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "id_schema.h"

#define PREFIX_LEN (sizeof ID_PREFIX - 1)
#define MERGE_HOPS_MAX 10000 /* more than any real chain; guards a damaged store */

static void trim(const char **s, size_t *len)
{
    while (*len && strchr(" \t\r\n", **s)) {
        (*s)++;
        (*len)--;
    }
    while (*len && strchr(" \t\r\n", (*s)[*len - 1]))
        (*len)--;
}

static int is_phone_text(const char *s, size_t len, size_t *digits)
{
    *digits = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= '0' && s[i] <= '9')
            (*digits)++;
        else if (!strchr("+ -().", s[i]) || (s[i] == '+' && i > 0))
            return 0;
    }
    return *digits >= 7 && *digits <= 15;
}

int id_explain_key(const char *query, char *out, size_t size)
{
    const char *s = query;
    size_t len = strlen(query), digits;
    trim(&s, &len);
    if (len == 0 || len + 8 > size)
        return -1;
    if ((len > PREFIX_LEN && strncmp(s, ID_PREFIX, PREFIX_LEN) == 0) || strncmp(s, "email:", 6) == 0 || strncmp(s, "phone:", 6) == 0 ||
        strncmp(s, "ref:", 4) == 0) {
        snprintf(out, size, "%.*s", (int)len, s);
    } else if (memchr(s, '@', len)) {
        snprintf(out, size, "email:%.*s", (int)len, s);
        for (char *p = out + 6; *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    } else if (is_phone_text(s, len, &digits)) {
        char *p = out + snprintf(out, size, "phone:+");
        for (size_t i = 0; i < len; i++)
            if (s[i] >= '0' && s[i] <= '9')
                *p++ = s[i];
        *p = '\0';
    } else if (memchr(s, ':', len)) {
        snprintf(out, size, "ref:%.*s", (int)len, s);
    } else {
        return -1;
    }
    return 0;
}

/* A statement's one parameter: text, or an integer when text is NULL. */
typedef struct param {
    const char *text;
    sqlite3_int64 num;
} param;

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, param p)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return NULL;
    if (p.text)
        sqlite3_bind_text(st, 1, p.text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(st, 1, p.num);
    return st;
}

/* Appends to arr one object per row of `sql`, keyed by column name. */
static int rows_json(sqlite3 *db, const char *sql, param p, json_t *arr)
{
    sqlite3_stmt *st = prepare(db, sql, p);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *o = json_object();
        for (int c = 0; o && c < sqlite3_column_count(st); c++) {
            const char *name = sqlite3_column_name(st, c);
            json_t *v;
            if (sqlite3_column_type(st, c) == SQLITE_NULL)
                v = json_null();
            else if (strcmp(name, "anchor") == 0)
                v = json_boolean(sqlite3_column_int(st, c));
            else
                v = json_string((const char *)sqlite3_column_text(st, c));
            json_object_set_new(o, name, v);
        }
        if (!o || json_array_append_new(arr, o) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

/* The first column of the first row: 0 found, 1 no row, -1 error. text
 * (may be NULL) gets it as text, num as an integer. */
static int one_value(sqlite3 *db, const char *sql, param p, char *text, size_t size, sqlite3_int64 *num)
{
    sqlite3_stmt *st = prepare(db, sql, p);
    if (!st)
        return -1;
    int rc = sqlite3_step(st), ret = rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? 1 : -1;
    if (ret == 0 && text) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(text, size, "%s", t ? (const char *)t : "");
    }
    if (ret == 0 && num)
        *num = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return ret;
}

/* The store's components, read whole: explain is a rare question, and the
 * store has no indexes to answer it otherwise (see id_schema.h). */
typedef struct comps {
    sqlite3_int64 *parent; /* owned */
    char (*id)[ID_LEN + 1]; /* owned */
    size_t n;
} comps;

static void comps_free(comps *c)
{
    free(c->parent);
    free(c->id);
    memset(c, 0, sizeof *c);
}

static int comps_load(sqlite3 *db, comps *c)
{
    sqlite3_int64 n = 0;
    if (one_value(db, "SELECT count(*) FROM identity_comps", (param){ NULL, 0 }, NULL, 0, &n) != 0)
        return -1;
    c->parent = calloc((size_t)n + 1, sizeof *c->parent);
    c->id = calloc((size_t)n + 1, sizeof *c->id);
    sqlite3_stmt *st = c->parent && c->id ? prepare(db, "SELECT comp, parent, customer_id FROM identity_comps"
                                                        " ORDER BY comp", (param){ NULL, 0 }) : NULL;
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && c->n < (size_t)n) {
        sqlite3_int64 comp = sqlite3_column_int64(st, 0), parent = sqlite3_column_int64(st, 1);
        const unsigned char *id = sqlite3_column_text(st, 2);
        if (comp != (sqlite3_int64)c->n || parent < 0 || parent >= n)
            break; /* damaged: the plugin numbers components 0, 1, ... */
        c->parent[c->n] = parent;
        snprintf(c->id[c->n], sizeof c->id[0], "%s", id ? (const char *)id : "");
        c->n++;
    }
    sqlite3_finalize(st);
    return c->n == (size_t)n ? 0 : -1;
}

static sqlite3_int64 root_of(comps *c, sqlite3_int64 x)
{
    for (size_t hop = 0; hop <= c->n && c->parent[x] != x; hop++) {
        c->parent[x] = c->parent[c->parent[x]]; /* path halving */
        x = c->parent[x];
    }
    return x;
}

/* The live customer `id`'s root: 0, or 1 when no live customer has it. */
static int live_root(comps *c, const char *id, sqlite3_int64 *root)
{
    for (size_t i = 0; i < c->n; i++)
        if (c->parent[i] == (sqlite3_int64)i && strcmp(c->id[i], id) == 0) {
            *root = (sqlite3_int64)i;
            return 0;
        }
    return 1;
}

/* Follows merges from a dead id to the live one, recording each hop. */
static int follow_merges(sqlite3 *db, comps *c, char id[64], json_t *hops, sqlite3_int64 *root)
{
    for (int hop = 0; hop < MERGE_HOPS_MAX; hop++) {
        if (live_root(c, id, root) == 0)
            return 0;
        size_t before = json_array_size(hops);
        if (rows_json(db, "SELECT from_id, into_id, reason, at FROM identity_merges WHERE from_id = ?1",
                      (param){ id, 0 }, hops) != 0)
            return -1;
        if (json_array_size(hops) == before)
            return 1;
        snprintf(id, 64, "%s", json_string_value(json_object_get(json_array_get(hops, before), "into_id")));
    }
    return -1;
}

/* temp.sub: the components of the customer whose root is `root`; temp.mg:
 * the merges, indexed by into_id for the walk back through them. */
static int temp_tables(sqlite3 *db, comps *c, sqlite3_int64 root)
{
    if (sqlite3_exec(db, "CREATE TEMP TABLE sub(c INTEGER PRIMARY KEY);"
                         "CREATE TEMP TABLE mg AS SELECT * FROM identity_merges;"
                         "CREATE INDEX temp.mg_into ON mg(into_id);", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "INSERT INTO temp.sub(c) VALUES(?1)", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = SQLITE_DONE;
    for (size_t i = 0; i < c->n && rc == SQLITE_DONE; i++) {
        if (root_of(c, (sqlite3_int64)i) != root)
            continue;
        sqlite3_bind_int64(st, 1, (sqlite3_int64)i);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int describe(sqlite3 *db, comps *c, sqlite3_int64 root, const char *id, json_t *doc)
{
#define MEMBERS "comp IN (SELECT c FROM temp.sub)"
    static const char *const parts[][2] = {
        { "records", "SELECT key, stage, stream, origin, at FROM identity_keys WHERE " MEMBERS
                     " AND anchor ORDER BY at, id" },
        { "keys", "SELECT key, anchor, stage, stream, origin, at FROM identity_keys WHERE " MEMBERS
                  " ORDER BY at, id" },
        { "links", "SELECT a, b, reason, record, stage, stream, origin, at FROM identity_links"
                   " WHERE a IN (SELECT key FROM identity_keys WHERE " MEMBERS ") ORDER BY id" },
        { "merges", "WITH RECURSIVE m(id) AS (SELECT ?1 UNION SELECT g.from_id FROM temp.mg g JOIN m"
                    " ON g.into_id = m.id) SELECT from_id, into_id, reason, cause, at FROM temp.mg"
                    " WHERE into_id IN m ORDER BY id" },
    };
#undef MEMBERS
    if (temp_tables(db, c, root) != 0)
        return -1;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        json_t *arr = json_array();
        if (!arr || json_object_set_new(doc, parts[i][0], arr) != 0 ||
            rows_json(db, parts[i][1], (param){ id, 0 }, arr) != 0)
            return -1;
    }
    return 0;
}

static int explain_db(sqlite3 *db, comps *c, const char *query, json_t *doc, char *err, size_t errlen)
{
    char key[1024], id[64];
    sqlite3_int64 root = 0, comp;
    if (id_explain_key(query, key, sizeof key) != 0) {
        snprintf(err, errlen, "'%s' is not a customer id, e-mail, phone (+country code) or system:external_id", query);
        return 1;
    }
    int is_id = strncmp(key, ID_PREFIX, PREFIX_LEN) == 0;
    json_t *hops = json_array();
    json_object_set_new(doc, "query", json_string(query));
    json_object_set_new(doc, "key", is_id ? json_null() : json_string(key));
    json_object_set_new(doc, "merged_into", hops);
    int rc = hops && comps_load(db, c) == 0 ? 0 : -1;
    if (rc == 0 && is_id) {
        snprintf(id, sizeof id, "%.63s", key);
        rc = follow_merges(db, c, id, hops, &root);
    } else if (rc == 0) {
        rc = one_value(db, "SELECT comp FROM identity_keys WHERE key = ?1 LIMIT 1", (param){ key, 0 }, NULL, 0, &comp);
        if (rc == 0 && (comp < 0 || (size_t)comp >= c->n))
            rc = -1;
        if (rc == 0) {
            root = root_of(c, comp);
            snprintf(id, sizeof id, "%s", c->id[root]);
        }
    }
    if (rc == 1)
        snprintf(err, errlen, "the identity store knows no %s", key);
    if (rc != 0)
        return rc;
    json_object_set_new(doc, "customer_id", json_string(id));
    return describe(db, c, root, id, doc);
}

int id_explain(const char *path, const char *query, json_t **out, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    *out = NULL;
    err[0] = '\0';
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open the identity store %s: %s", path, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 5000);
    json_t *doc = json_object();
    comps c = { 0 };
    int rc = doc ? explain_db(db, &c, query, doc, err, errlen) : -1;
    comps_free(&c);
    if (rc < 0 && !err[0])
        snprintf(err, errlen, "reading the identity store %s: %s", path, sqlite3_errmsg(db));
    sqlite3_close(db);
    if (rc != 0) {
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return 0;
}
