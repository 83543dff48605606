/* sql_file.c - a transform's own SQLite file (see sql_file.h). */
#include "sql_file.h"

#include <stdio.h>
#include <stdlib.h>

#include "sluice/plugin.h"

int tx_sql_fail(tx_sql *s, const char *what)
{
    snprintf(s->err, sizeof s->err, "%s: %s: %s", s->name, what, s->db ? sqlite3_errmsg(s->db) : "out of memory");
    return SLUICE_EIO;
}

int tx_sql_open(tx_sql *s, const char *name, const char *path, const char *setup, const char *const *text, size_t n)
{
    s->name = name;
    s->text = text;
    s->n = n;
    s->err[0] = '\0';
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK) {
        tx_sql_fail(s, path);
        return -1;
    }
    sqlite3_busy_timeout(s->db, 30000);
    if (setup && tx_sql_exec(s, setup) != SLUICE_OK)
        return -1;
    if (!(s->stmt = calloc(n, sizeof *s->stmt))) {
        snprintf(s->err, sizeof s->err, "%s: out of memory", name);
        return -1;
    }
    for (size_t k = 0; k < n; k++)
        if (sqlite3_prepare_v3(s->db, text[k], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[k], NULL) != SQLITE_OK) {
            tx_sql_fail(s, text[k]);
            return -1;
        }
    return 0;
}

void tx_sql_close(tx_sql *s)
{
    tx_sql_rollback(s);
    for (size_t k = 0; s->stmt && k < s->n; k++)
        sqlite3_finalize(s->stmt[k]);
    free(s->stmt);
    s->stmt = NULL;
    sqlite3_close(s->db);
    s->db = NULL;
}

int tx_sql_step(tx_sql *s, int k)
{
    sqlite3_stmt *st = s->stmt[k];
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        ;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    return rc == SQLITE_DONE ? SLUICE_OK : tx_sql_fail(s, s->text[k]);
}

int tx_sql_exec(tx_sql *s, const char *sql)
{
    return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? SLUICE_OK : tx_sql_fail(s, sql);
}

void tx_sql_bind_text(sqlite3_stmt *st, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, i);
}

int tx_sql_begin(tx_sql *s)
{
    if (s->in_tx)
        return SLUICE_OK;
    int rc = tx_sql_exec(s, "BEGIN IMMEDIATE");
    s->in_tx = rc == SLUICE_OK;
    return rc;
}

int tx_sql_commit(tx_sql *s)
{
    if (!s->in_tx)
        return SLUICE_OK;
    s->in_tx = 0;
    return tx_sql_exec(s, "COMMIT");
}

void tx_sql_rollback(tx_sql *s)
{
    if (s->in_tx && s->db)
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    s->in_tx = 0;
}
