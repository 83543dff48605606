/* report_db.c - SQLite access for the report (see report_db.h). */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report_db.h"
#include "textutil.h"

/* ---- connection and schema ----------------------------------------------------- */

int sl_rep_db_open(sl_rep_db *L, const char *path)
{
    if (access(path, R_OK) != 0) {
        *L->err = sl_strfmt("cannot read %s", path);
        return -1;
    }
    if (sqlite3_open_v2(path, &L->db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_exec(L->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) {
        *L->err = sl_strfmt("%s: %s", path, L->db ? sqlite3_errmsg(L->db) : "cannot open");
        return -1;
    }
    sqlite3_busy_timeout(L->db, 10000); /* a sink may be writing it right now */
    return 0;
}

void sl_rep_db_close(sl_rep_db *L)
{
    sqlite3_close(L->db);
    L->db = NULL;
}

static int ask(sl_rep_db *L, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *st = NULL;
    int v = 0;
    if (sqlite3_prepare_v2(L->db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
        if (b)
            sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
        v = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return v;
}

int sl_rep_db_has_table(sl_rep_db *L, const char *table)
{
    return ask(L, "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?1 COLLATE NOCASE", table,
               NULL);
}

const char *sl_rep_db_col(sl_rep_db *L, const char *table, const char *column, char *buf, size_t len)
{
    if (ask(L, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2 COLLATE NOCASE", table, column))
        snprintf(buf, len, "\"%s\"", column);
    else
        snprintf(buf, len, "NULL");
    return buf;
}

/* ---- rows --------------------------------------------------------------------------- */

int sl_rep_db_oom(sl_rep_db *L)
{
    if (!*L->err)
        *L->err = sl_strdup0("out of memory");
    return -1;
}

static int sql_fail(sl_rep_db *L, const char *what)
{
    if (!*L->err)
        *L->err = sl_strfmt("%s: %s", what, sqlite3_errmsg(L->db));
    return -1;
}

int sl_rep_db_each_row(sl_rep_db *L, char *sql, const char *what, sl_rep_row_fn fn, void *arg)
{
    sqlite3_stmt *st = NULL;
    if (!sql)
        return sl_rep_db_oom(L);
    int rc = sqlite3_prepare_v2(L->db, sql, -1, &st, NULL);
    free(sql);
    if (rc != SQLITE_OK)
        return sql_fail(L, what);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (fn(L, st, arg) != 0) {
            sqlite3_finalize(st);
            return *L->err ? -1 : sl_rep_db_oom(L);
        }
    if (rc != SQLITE_DONE)
        sql_fail(L, what);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : -1;
}

char *sl_rep_db_text(sqlite3_stmt *st, int i, int *bad)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    if (!t || !*t)
        return NULL;
    char *s = strdup((const char *)t);
    if (!s)
        *bad = 1;
    return s;
}

int sl_rep_db_day(sqlite3_stmt *st, int i)
{
    int day;
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t && sl_rep_day_parse(t, &day) == 0 ? day : SL_REP_NODAY;
}

int sl_rep_db_dec(sl_rep_db *L, sqlite3_stmt *st, int i, sl_dec *v)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    if (!t || !*t)
        return 0;
    if (sl_dec_parse(t, v) == 0)
        return 1;
    L->d->bad_amounts++;
    return -1;
}

int sl_rep_grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 256;
    void *p = realloc(*v, c * size);
    if (!p)
        return -1;
    *v = p;
    *cap = c;
    return 0;
}

void sl_rep_ascii_lower(char *s)
{
    for (; s && *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* ---- key/value tables ------------------------------------------------------------- */

static int kv_cmp(const void *a, const void *b)
{
    return strcmp(((const sl_rep_kv *)a)->k, ((const sl_rep_kv *)b)->k);
}

static int kv_cmp_row(const void *a, const void *b)
{
    int c = kv_cmp(a, b);
    if (c)
        return c;
    size_t x = ((const sl_rep_kv *)a)->row, y = ((const sl_rep_kv *)b)->row;
    return x < y ? -1 : x > y;
}

static int kv_row(sl_rep_db *L, sqlite3_stmt *st, void *arg)
{
    (void)L;
    sl_rep_kvtab *t = arg;
    int bad = 0;
    char *k = sl_rep_db_text(st, 0, &bad), *v = sl_rep_db_text(st, 1, &bad);
    if (!bad && k && v && sl_rep_grow((void **)&t->v, &t->cap, t->n, sizeof *t->v) == 0) {
        if (t->fold)
            sl_rep_ascii_lower(k);
        t->v[t->n] = (sl_rep_kv){k, v, t->n};
        t->n++;
        return 0;
    }
    bad = bad || (k && v); /* else a NULL key or value: skipped */
    free(k);
    free(v);
    return bad ? -1 : 0;
}

int sl_rep_kv_load(sl_rep_db *L, char *sql, int fold, sl_rep_kvtab *t)
{
    t->fold = fold;
    if (sl_rep_db_each_row(L, sql, "reading companies", kv_row, t) != 0)
        return -1;
    if (!t->n)
        return 0;
    qsort(t->v, t->n, sizeof *t->v, kv_cmp_row);
    size_t w = 1;
    for (size_t i = 1; i < t->n; i++) {
        if (strcmp(t->v[i].k, t->v[w - 1].k) == 0) {
            free(t->v[i].k);
            free(t->v[i].v);
        } else {
            t->v[w++] = t->v[i];
        }
    }
    t->n = w;
    return 0;
}

const char *sl_rep_kv_get(const sl_rep_kvtab *t, const char *key)
{
    if (!key || !t->n)
        return NULL;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", key);
    if (t->fold)
        sl_rep_ascii_lower(buf);
    sl_rep_kv probe = {.k = buf};
    sl_rep_kv *hit = bsearch(&probe, t->v, t->n, sizeof *t->v, kv_cmp);
    return hit ? hit->v : NULL;
}

void sl_rep_kv_free(sl_rep_kvtab *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].k);
        free(t->v[i].v);
    }
    free(t->v);
    memset(t, 0, sizeof *t);
}
