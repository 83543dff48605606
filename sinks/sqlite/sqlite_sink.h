/* sqlite_sink.h - what the files of sink `sqlite` share.
 *
 *   sqlite_sink.c     plugin glue: options, opening the database, one
 *                     transaction per batch, retry/error decisions
 *   sqlite_streams.c  the table and key options; per-stream and per-table
 *                     state
 *   sqlite_schema.c   tables created and widened from the records' fields,
 *                     the unique index behind the key
 *   sqlite_upsert.c   cached INSERT ... ON CONFLICT statements, binding
 *                     record values
 *   sqlite_checkpoint.c  WAL checkpoints on a thread of their own
 *
 * Everything here runs on the one connection of a sink instance, inside
 * a BEGIN IMMEDIATE transaction that spans batches until the core asks for
 * a commit, so what the schema code reads from the database cannot change
 * under it. */
#ifndef SQLSINK_H
#define SQLSINK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <sqlite3.h>

#include "sink_buf.h"
#include "sluice/plugin.h"

/* Statements kept per stream: one per distinct field list (in order). */
#define SQLSINK_STMT_CACHE 8
/* Room for the reason a record is rejected. */
#define SQLSINK_REASON_MAX 512

/* Results of the per-record functions besides the negative sluice_status
 * values (which abort the batch). */
#define SQLSINK_WRITTEN 0
#define SQLSINK_REJECT 1

typedef struct sqlsink_table {
    char *name;      /* owned */
    json_t *columns; /* owned object: ASCII-lowercased column name -> true;
                        NULL until read from the database in this transaction */
} sqlsink_table;

typedef struct sqlsink_stmt {
    char **fields;       /* owned array of owned names, in the records' order */
    size_t nfields;
    sqlite3_stmt *stmt;  /* owned; NULL = free slot */
    uint64_t used;       /* sqlsink.tick of the last use */
} sqlsink_stmt;

typedef struct sqlsink_stream {
    char *name;           /* owned */
    sqlsink_table *table; /* borrowed from sqlsink.tables */
    char **key;           /* owned array of owned field names; NULL = append only */
    size_t nkey;
    int key_ready;        /* the table has a unique index on exactly the key */
    sqlsink_stmt cache[SQLSINK_STMT_CACHE];
} sqlsink_stream;

typedef struct sqlsink_ckpt sqlsink_ckpt;

typedef struct sqlsink {
    sqlite3 *db;               /* owned */
    sqlsink_ckpt *ckpt;        /* owned; NULL = the writer checkpoints itself */
    int ckpt_pages;            /* option checkpoint_pages */
    int in_txn;                /* a transaction is open (see sqlite_write) */
    char *path;                /* owned */
    json_t *table_opt;         /* owned copy of option table, or NULL */
    json_t *key_opt;           /* owned copy of option key, or NULL */
    sqlsink_table **tables;    /* owned array of owned tables */
    size_t ntables;
    sqlsink_stream **streams;  /* owned array of owned streams */
    size_t nstreams;
    sqlsink_stream *last;      /* borrowed: the previous record's stream */
    uint64_t tick;             /* counts statement uses, for eviction */
    sink_buf sql;              /* SQL text being built */
    sink_buf text;             /* nested values as JSON text while binding */
    sink_buf folded;           /* a lowercased name */
} sqlsink;

/* ---- sqlite_sink.c ---- */
/* Logs an error and makes it the stage's error text. */
void sqlsink_fail(sluice_ctx *ctx, const char *fmt, ...) SLUICE_PRINTF(2, 3);
/* Decides what a failed SQLite call (rc; the connection's error message
 * is still that of the call) means for the batch, and reports it:
 *   SQLSINK_REJECT  the record's fault (constraint, datatype mismatch, too
 *                   big, too many columns): reason = "WHAT: MESSAGE";
 *                   only when record_level is set, else SLUICE_ERROR
 *   SLUICE_RETRY    busy, locked, disk full: logged as a warning
 *   SLUICE_ERROR    anything else: logged and set as the stage error.
 * A plain SQLITE_ERROR counts as the record's fault only when record_level
 * is 2 (changing the schema for it, preparing its statement), not when a
 * prepared statement fails to run (1). reason may be NULL when
 * record_level is 0. */
int sqlsink_failed(sqlsink *s, sluice_ctx *ctx, int rc, const char *what, int record_level, char *reason,
                   size_t cap);

/* ---- sqlite_streams.c ---- */
/* Checks options table and key and keeps copies. Returns SLUICE_OK or
 * SLUICE_EINVAL (reported through ctx). */
int sqlsink_streams_configure(sqlsink *s, sluice_ctx *ctx);
/* The state of `stream`, created on first sight. NULL = out of memory. */
sqlsink_stream *sqlsink_stream_get(sqlsink *s, const char *stream);
/* Forgets what was read from the database and every prepared statement;
 * after a rollback the schema may differ from what was cached. */
void sqlsink_streams_forget(sqlsink *s);
void sqlsink_streams_free(sqlsink *s);

/* ---- sqlite_schema.c ---- */
/* Appends `name` as a quoted SQL identifier. Returns 0 or -1 (OOM). */
int sqlsink_quote(sink_buf *out, const char *name);
/* `name` with ASCII letters lowercased, as SQLite compares identifiers.
 * Borrowed from s->folded, valid until the next call; NULL on OOM. */
const char *sqlsink_fold(sqlsink *s, const char *name);
/* Makes the stream's table hold every field of `rec` (borrowed), creating
 * or altering it, and makes sure its key has a unique index. Returns
 * SQLSINK_WRITTEN (ready), SQLSINK_REJECT with reason, or a negative
 * sluice_status. */
int sqlsink_schema_ready(sqlsink *s, sluice_ctx *ctx, sqlsink_stream *st, json_t *rec, char *reason,
                         size_t cap);

/* ---- sqlite_upsert.c ---- */
/* Writes `rec` (borrowed) to the stream's table. Returns SQLSINK_WRITTEN,
 * SQLSINK_REJECT with reason, or a negative sluice_status. */
int sqlsink_upsert(sqlsink *s, sluice_ctx *ctx, sqlsink_stream *st, json_t *rec, char *reason, size_t cap);
/* Finalizes one cache slot. */
void sqlsink_stmt_clear(sqlsink_stmt *e);

/* ---- sqlite_checkpoint.c ---- */
/* Starts checkpointing on a second connection and thread whenever the WAL
 * holds `threshold` frames (0: only at the end of the run). sync_pragma is
 * the writer's PRAGMA synchronous, so checkpoints sync as the writer would.
 * Falls back to SQLite's automatic checkpoint, with a warning, when the
 * thread cannot start. Returns SLUICE_OK or a negative status. */
int sqlsink_ckpt_start(sqlsink *s, sluice_ctx *ctx, int threshold, const char *sync_pragma);
/* Stops the thread and closes its connection (ctx may be NULL). */
void sqlsink_ckpt_stop(sqlsink *s, sluice_ctx *ctx);

#endif
