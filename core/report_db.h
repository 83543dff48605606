/* report_db.h - SQLite access for the report's loader (report_load.c):
 * a read-only connection, tolerant column lookup, one row loop, typed
 * column readers and sorted key -> value tables for in-memory joins.
 * Errors are kept as text in *err (caller frees), the first one only. */
#ifndef SL_REPORT_DB_H
#define SL_REPORT_DB_H

#include <sqlite3.h>

#include "report_model.h"

typedef struct sl_rep_db {
    sqlite3 *db;
    sl_rep_data *d; /* filled by the loader; bad amounts are counted in it */
    char **err;
} sl_rep_db;

/* Opens `path` read-only into L->db. Returns 0 or -1 (*L->err set). */
int sl_rep_db_open(sl_rep_db *L, const char *path);
void sl_rep_db_close(sl_rep_db *L);

int sl_rep_db_has_table(sl_rep_db *L, const char *table);
/* The column's quoted name, or NULL (as SQL) when `table` lacks it, in buf.
 * Names come from the report's code, never from the warehouse. */
const char *sl_rep_db_col(sl_rep_db *L, const char *table, const char *column, char *buf, size_t len);

/* Runs `sql` (freed here; NULL means out of memory) and calls fn on every
 * row; fn returns 0, or -1 to stop (with *L->err set, else taken as out of
 * memory). Returns 0 or -1 (*L->err set). `what` names the step in errors. */
typedef int (*sl_rep_row_fn)(sl_rep_db *L, sqlite3_stmt *st, void *arg);
int sl_rep_db_each_row(sl_rep_db *L, char *sql, const char *what, sl_rep_row_fn fn, void *arg);

int sl_rep_db_oom(sl_rep_db *L); /* sets "out of memory", returns -1 */

/* Column readers. text: a new string, NULL for NULL or "" (*bad set when
 * the copy fails). day: a day number or SL_REP_NODAY. dec: 1 parsed, 0 NULL
 * or empty, -1 not a number (counted in L->d->bad_amounts). */
char *sl_rep_db_text(sqlite3_stmt *st, int i, int *bad);
int sl_rep_db_day(sqlite3_stmt *st, int i);
int sl_rep_db_dec(sl_rep_db *L, sqlite3_stmt *st, int i, sl_dec *v);

/* Grows *v (n used, *cap allocated, items of `size` bytes) to hold one more. */
int sl_rep_grow(void **v, size_t *cap, size_t n, size_t size);
void sl_rep_ascii_lower(char *s);

/* A sorted key -> value table loaded from a two-column query; keys folded
 * to ASCII lower case when `fold`; of equal keys the first row wins. */
typedef struct sl_rep_kv {
    char *k, *v;
    size_t row;
} sl_rep_kv;
typedef struct sl_rep_kvtab {
    sl_rep_kv *v;
    size_t n, cap;
    int fold;
} sl_rep_kvtab;

int sl_rep_kv_load(sl_rep_db *L, char *sql, int fold, sl_rep_kvtab *t);
/* The value of `key`, borrowed from t, or NULL. */
const char *sl_rep_kv_get(const sl_rep_kvtab *t, const char *key);
void sl_rep_kv_free(sl_rep_kvtab *t);

#endif
