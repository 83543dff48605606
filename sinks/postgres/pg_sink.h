/* pg_sink.h - what the files of sink `postgres` share.
 *
 *   pg_sink.c     plugin glue: options, init/fini, one transaction per
 *                 batch, records grouped per stream and cut into runs
 *   pg_conn.c     connecting and reconnecting, passwords kept out of logs,
 *                 what a failed command means (retry, refuse, fail)
 *   pg_streams.c  the table, key and types options; per-stream and
 *                 per-table state
 *   pg_schema.c   tables created and widened from the records, the unique
 *                 index behind the key, the staging tables
 *   pg_copy.c     a run of records as COPY text into the staging table
 *   pg_merge.c    staging rows into the target: INSERT ... SELECT, upserted
 *                 on the key with the last record of a key winning
 *
 * A *run* is a stretch of one stream's records in a batch that carry the
 * same fields: they go through one COPY and one INSERT ... SELECT. Fields a
 * record does not carry are not written, so with a key a row keeps the
 * columns the record does not mention, as in the sqlite sink.
 *
 * Everything runs on the instance's one connection, inside the batch's
 * transaction. After a rollback or a reconnect, what was cached about the
 * database (columns, indexes, staging tables) is forgotten and read again. */
#ifndef PGSINK_H
#define PGSINK_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libpq-fe.h>

#include "sink_buf.h"
#include "sluice/plugin.h"

/* Longest identifier PostgreSQL keeps (NAMEDATALEN - 1); longer names
 * would be cut silently, so fields with longer names are refused. */
#define PGSINK_NAME_MAX 63
/* Room for the reason a record or a batch is refused. */
#define PGSINK_REASON_MAX 1024
/* COPY data is handed to libpq in pieces of about this size. */
#define PGSINK_COPY_CHUNK (256u * 1024u)
/* A staging table is emptied (TRUNCATE) once it holds this many rows, not
 * after every batch: emptying costs file operations on the server, more
 * than the batch's merge spends skipping a few thousand old rows. */
#define PGSINK_STAGE_ROWS 8192
/* The staging tables' column holding a row's place in the batch. The dot
 * keeps it apart from any field name a record could bring in practice. */
#define PGSINK_ORD_COLUMN "sluice.ord"

/* How values are written into a column, from its type (domains by their
 * base type). */
enum pgsink_col_class {
    PGSINK_COL_PLAIN = 0, /* text of the value: strings as they are */
    PGSINK_COL_INT = 1,   /* smallint/integer/bigint: 3.0 is written as 3 */
    PGSINK_COL_JSON = 2,  /* json/jsonb: every value as JSON text */
    PGSINK_COL_TEXT = 3   /* text/varchar: written as PLAIN; equal values have
                             equal text, which the key's duplicate check needs */
};

/* Phases of a batch, for what an error means (pgsink_result_failed). */
enum pgsink_phase {
    PGSINK_PHASE_SESSION = 0, /* BEGIN, ROLLBACK: never the records' fault */
    PGSINK_PHASE_SCHEMA = 1,  /* catalog reads, DDL, staging tables */
    PGSINK_PHASE_DATA = 2     /* COPY, INSERT ... SELECT, COMMIT */
};

typedef struct pgsink_table {
    char *name;      /* owned: the table's own name, unquoted */
    char *qname;     /* owned: "schema"."name", quoted */
    char *stage;     /* owned: pg_temp."sluice_stage_<n>", quoted */
    json_t *columns; /* owned object: column name -> integer pgsink_col_class;
                        NULL until read (again after a rollback) */
    int exists;      /* valid when columns is set */
    json_t *staged;  /* owned object: the staging table's columns (the keys
                        count); NULL = no staging table known to exist */
    size_t stage_rows; /* rows in the staging table (PGSINK_ORD_COLUMN tells runs apart) */
} pgsink_table;

typedef struct pgsink_stream {
    char *name;           /* owned */
    pgsink_table *table;  /* borrowed from pgsink.tables */
    char **key;           /* owned array of owned field names; NULL = append */
    size_t nkey;
    int key_ready;        /* the table has a unique index on exactly the key */
    int always_dedupe;    /* the server found a key twice that our check missed */
    json_t *types;        /* borrowed from pgsink.types_opt: column -> SQL type, or NULL */
    size_t *idx;          /* owned: the current batch's records of this stream */
    size_t nidx, capidx;
    int in_batch;         /* listed in pgsink.order for the current batch */
} pgsink_stream;

/* The records of one run (see above). */
typedef struct pgsink_run {
    json_t *proto;        /* a reference to the first record: its keys are the
                             columns, and the reference keeps them alive even
                             when that record is dead-lettered meanwhile */
    const char **cols;    /* borrowed from proto, in its order */
    size_t ncols;
    const size_t *idx;    /* borrowed: batch positions; some may be dead-lettered */
    size_t nidx;
    uint64_t ord_lo, ord_hi; /* PGSINK_ORD_COLUMN values the run's rows got */
    size_t rows;          /* rows copied */
    int shared;           /* the staging table held rows of other runs too */
    int dupes;            /* a key may occur twice: the merge must dedupe */
} pgsink_run;

typedef struct pgsink {
    PGconn *conn;              /* owned */
    int reset_needed;          /* the connection failed: reset it before the next batch */
    char *conninfo;            /* owned; holds the password: never logged */
    char **secrets;            /* owned: passwords found in conninfo, scrubbed from messages */
    size_t nsecrets;
    char *where;               /* owned: user@host:port/db of the connection, for logs */
    char *schema;              /* owned */
    size_t batch_size;         /* rows per COPY and INSERT ... SELECT */
    sluice_ctx *ctx;           /* borrowed: for the notice processor */
    json_t *table_opt;         /* owned copies of the options, or NULL */
    json_t *key_opt;
    json_t *types_opt;
    pgsink_table **tables;     /* owned array of owned tables */
    size_t ntables;
    pgsink_stream **streams;   /* owned array of owned streams */
    size_t nstreams;
    pgsink_stream *last;       /* borrowed: the previous record's stream */
    pgsink_stream **order;     /* owned array: streams of the current batch, by first record */
    size_t norder;
    uint64_t ord;              /* last PGSINK_ORD_COLUMN value handed out */
    const char **cols;         /* owned array (names borrowed): the current run's columns */
    size_t capcols;
    uint64_t *seen;            /* owned: hashes of the run's keys (open addressing, 0 = free) */
    size_t capseen;
    sink_buf sql;              /* SQL text being built */
    sink_buf copy;             /* COPY data not yet handed to libpq */
    sink_buf text;             /* one value as JSON text */
} pgsink;

/* ---- pg_sink.c ---- */
/* Logs an error and makes it the stage's error text (secrets scrubbed). */
void pgsink_fail(pgsink *s, sluice_ctx *ctx, const char *fmt, ...) SLUICE_PRINTF(3, 4);
/* Dead-letters record i with `reason`. SLUICE_OK or SLUICE_ERROR. */
int pgsink_reject(sluice_ctx *ctx, sluice_batch *b, size_t i, const char *reason);

/* ---- pg_conn.c ---- */
/* Keeps conninfo and the passwords in it (for scrubbing). SLUICE_OK,
 * SLUICE_EINVAL (reported) or SLUICE_ENOMEM. */
int pgsink_conn_configure(pgsink *s, sluice_ctx *ctx, const char *conninfo);
/* Connects for init(). SLUICE_OK or SLUICE_EIO (reported). */
int pgsink_connect(pgsink *s, sluice_ctx *ctx);
/* Makes sure the connection is up before a batch, resetting it when it was
 * lost (and forgetting the cached schema). SLUICE_OK or SLUICE_RETRY. */
int pgsink_conn_ready(pgsink *s, sluice_ctx *ctx);
/* Copies `msg` into dst (cap bytes) with every password replaced. */
void pgsink_scrub(const pgsink *s, const char *msg, char *dst, size_t cap);
/* Decides what the failed command `what` means; r (may be NULL) is its
 * result, the connection's message is used when r has none:
 *   SLUICE_RETRY     connection lost or any failure without an SQLSTATE
 *                    (libpq's own: the connection is reset before the next
 *                    batch), server restarting, serialization failure,
 *                    deadlock, too many connections ...: warned
 *   SLUICE_REJECTED  (PGSINK_PHASE_DATA only) a data exception (class 22),
 *                    an integrity constraint violation (23) or a value too
 *                    big for an index (54000): the message with SQLSTATE
 *                    becomes the stage error text, the core dead-letters it
 *   SLUICE_ERROR     anything else: logged, set as the stage error. */
int pgsink_result_failed(pgsink *s, sluice_ctx *ctx, const PGresult *r, const char *what, int phase);
/* Runs a command without parameters that returns no rows. SLUICE_OK or
 * what pgsink_result_failed() says. */
int pgsink_exec(pgsink *s, sluice_ctx *ctx, const char *sql, const char *what, int phase);
/* Runs s->sql (NUL-terminated here) the same way. */
int pgsink_exec_sql(pgsink *s, sluice_ctx *ctx, const char *what, int phase);
/* Ends the batch's transaction when one is open (after a failure). */
void pgsink_rollback(pgsink *s);

/* ---- pg_streams.c ---- */
/* Checks the options table, key and types and keeps copies. SLUICE_OK,
 * SLUICE_EINVAL (reported) or SLUICE_ENOMEM. */
int pgsink_streams_configure(pgsink *s, sluice_ctx *ctx);
/* The state of `stream`, created on first sight. NULL = out of memory. */
pgsink_stream *pgsink_stream_get(pgsink *s, const char *stream);
/* Forgets everything read from the database and the staging tables
 * (after a rollback or a lost connection). */
void pgsink_streams_forget(pgsink *s);
void pgsink_streams_free(pgsink *s);

/* ---- pg_schema.c ---- */
/* Appends `name` as a quoted identifier. 0 or -1 (out of memory). */
int pgsink_quote(sink_buf *out, const char *name);
/* Makes the stream's table hold every column of the run, creating or
 * widening it, gives it a unique index on the key, and makes the staging
 * table match. SLUICE_OK or a failure status (reported). */
int pgsink_schema_ready(pgsink *s, sluice_ctx *ctx, pgsink_stream *st, sluice_batch *b, const pgsink_run *run);

/* ---- pg_copy.c ---- */
/* COPYs the run's records into the staging table (emptying it first when
 * it holds PGSINK_STAGE_ROWS); records with a value PostgreSQL cannot hold
 * (a NUL byte in a string) are dead-lettered. Sets run->ord_lo, ord_hi,
 * rows, shared and dupes. SLUICE_OK or a failure status. */
int pgsink_copy_run(pgsink *s, sluice_ctx *ctx, pgsink_stream *st, sluice_batch *b, pgsink_run *run);

/* ---- pg_merge.c ---- */
/* Moves the run's staged rows into the table. SLUICE_OK or a failure. */
int pgsink_merge_run(pgsink *s, sluice_ctx *ctx, pgsink_stream *st, const pgsink_run *run);

#endif
