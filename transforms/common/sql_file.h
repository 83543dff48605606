/* sql_file.h - a SQLite file a transform keeps (the identity store, the
 * lookup table): open with pragmas and schema, prepared statements by
 * number, errors as text. Shared by the identity and lookup transforms,
 * which link SQLite themselves (plugins share no library). */
#ifndef SLUICE_SQL_FILE_H
#define SLUICE_SQL_FILE_H

#include <stddef.h>

#include <sqlite3.h>

typedef struct tx_sql {
    sqlite3 *db;             /* owned */
    sqlite3_stmt **stmt;     /* owned: one per entry of text */
    const char *const *text; /* borrowed: the statements' SQL, static */
    size_t n;
    const char *name;        /* borrowed, static: "identity store", starts every error */
    int in_tx;               /* a write transaction is open */
    char err[512];           /* the last failure */
} tx_sql;

/* Opens (creating) `path`, runs `setup` (pragmas and schema; may be NULL)
 * and prepares the n statements of `text`. Returns 0, or -1 with s->err
 * set; tx_sql_close() must follow either way. */
int tx_sql_open(tx_sql *s, const char *name, const char *path, const char *setup, const char *const *text, size_t n);
/* Rolls back an open transaction, finalizes, closes. */
void tx_sql_close(tx_sql *s);
/* BEGIN IMMEDIATE unless a transaction is open; COMMIT if one is;
 * ROLLBACK if one is (errors ignored: closing follows). */
int tx_sql_begin(tx_sql *s);
int tx_sql_commit(tx_sql *s);
void tx_sql_rollback(tx_sql *s);
/* Writes "NAME: WHAT: sqlite's message" to s->err; returns SLUICE_EIO. */
int tx_sql_fail(tx_sql *s, const char *what);
/* Runs statement k to the end (rows discarded), resets it and clears its
 * bindings. Returns SLUICE_OK or tx_sql_fail(). */
int tx_sql_step(tx_sql *s, int k);
/* sqlite3_exec() with tx_sql_fail() on error. */
int tx_sql_exec(tx_sql *s, const char *sql);
/* Binds text that outlives the statement's next step (NULL binds NULL). */
void tx_sql_bind_text(sqlite3_stmt *st, int i, const char *v);

#endif
