/*
 * lookup.h - shared declarations of the `lookup` transform's files.
 *
 * lookup.c      descriptor, init/fini, the batch loop, held records
 * lk_options.c  the option table and reading it into an lk_plan
 * lk_table.c    the keyed table: in memory up to max_memory_rows, then SQLite
 * lk_store.c    the stage's SQLite file: spilled and persisted rows, held records
 * lk_file.c     loading the table from a CSV or JSON Lines file
 * lk_record.c   filling a record from its table rows, margin, missing flags
 * lk_decimal.c  exact decimal arithmetic on text (never binary floating point)
 */
#ifndef SL_LOOKUP_H
#define SL_LOOKUP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sluice/plugin.h"

#include "str_map.h"

/* ---- lk_decimal.c ---- */

/* m / 10^scale, exactly. |m| stays below 10^37 (checked), 0 <= scale <= 36. */
typedef struct lk_dec {
    __int128 m;
    int scale;
} lk_dec;

/* Reads decimal text ("1590.00", "-3", "1.5e2", surrounding blanks allowed).
 * Returns 0, or -1 when it is not a number or too big. */
int lk_dec_parse(const char *s, size_t len, lk_dec *out);
/* Reads a JSON value: text, integer, or a real (taken by its shortest
 * round-trip text, so 0.1 is 0.1; the caller runs in the C locale).
 * Returns 0, 1 when v is absent or null, -1 when it is not a number. */
int lk_dec_from_json(json_t *v, lk_dec *out);
/* Exact sum, difference, product. Return 0, or -1 on overflow. */
int lk_dec_add(lk_dec a, lk_dec b, lk_dec *out);
int lk_dec_sub(lk_dec a, lk_dec b, lk_dec *out);
int lk_dec_mul(lk_dec a, lk_dec b, lk_dec *out);
/* Writes the value with exactly d.scale decimals ("-12.50"). size >= 48
 * always suffices. */
void lk_dec_format(lk_dec d, char *buf, size_t size);

/* ---- lk_options.c ---- */

/* A table field copied into records. */
typedef struct lk_fill {
    const char *from; /* borrowed: field of the table row */
    const char *to;   /* borrowed: field of the record */
    int sum;          /* summed over the key's rows (else the first row's) */
} lk_fill;

typedef struct lk_names {
    const char **v; /* owned array of borrowed names */
    size_t n;
} lk_names;

enum { LK_FORMAT_AUTO = 0, LK_FORMAT_CSV, LK_FORMAT_JSONL };

typedef struct lk_plan {
    json_t *opts;             /* owned: private deep copy of the stage's options */
    lk_names streams;         /* streams whose records are enriched */
    lk_names key;             /* their key fields */
    lk_names table_key;       /* the table rows' key fields */
    lk_names row_key;         /* what tells a key's rows apart */
    lk_fill *fill;            /* owned */
    size_t nfill;
    const char *table_stream; /* borrowed, or NULL */
    const char *table_file;   /* borrowed, or NULL */
    int table_format;         /* LK_FORMAT_* */
    char delimiter;
    int overwrite;
    int pass_table;
    int persist;
    int hold;
    int hold_across_runs; /* held records wait past the end of the input */
    int reject_missing;
    const char *missing_field;
    const char *margin;       /* field to write the margin to, or NULL */
    const char *m_qty, *m_price, *m_discount, *m_cost; /* its inputs */
    long long max_memory_rows;
    char *store_path;         /* owned, or NULL until needed (no table_stream) */
} lk_plan;

extern const sluice_option lk_options[];

/* Reads and checks every option. Returns SLUICE_OK, or SLUICE_EINVAL after
 * logging an error naming the option (the partly built plan must still be
 * freed), or SLUICE_ENOMEM. */
int lk_plan_build(sluice_ctx *ctx, lk_plan *plan);
void lk_plan_free(lk_plan *plan);
int lk_plan_enriches(const lk_plan *plan, const char *stream);

/* ---- lk_store.c ---- */

typedef struct lk_store lk_store;

/* Opens (creating) the stage's file. `durable`: held records live there
 * (WAL, synchronous); otherwise it is scratch (no journal). */
int lk_store_open(const char *path, int durable, lk_store **out, char *err, size_t errlen);
void lk_store_close(lk_store **s);
const char *lk_store_error(lk_store *s);
/* Opens a write transaction unless one is open. */
int lk_store_begin(lk_store *s);
int lk_store_commit(lk_store *s);
void lk_store_rollback(lk_store *s);
/* Increments and returns the run counter kept in the file. */
int lk_store_next_run(lk_store *s, long long *run);

int lk_store_put_row(lk_store *s, const char *key, const char *row_id, const char *data);
/* The rows of `key` as an object row_id -> row (new reference), or NULL
 * with *rc SLUICE_OK when there are none. */
json_t *lk_store_get_rows(lk_store *s, const char *key, int *rc);
int lk_store_clear_rows(lk_store *s);
/* Calls fn for every row, ordered by key then row id; stops at fn's first
 * non-zero return and returns it. */
typedef int (*lk_row_fn)(void *arg, const char *key, const char *row_id, const char *data);
int lk_store_each_row(lk_store *s, lk_row_fn fn, void *arg);
long long lk_store_count_rows(lk_store *s);

/* Held records: joined records waiting for their table row. */
int lk_store_hold(lk_store *s, const char *key, const char *stream, const char *record, long long run);
typedef int (*lk_held_fn)(void *arg, long long id, const char *key, const char *stream, const char *record);
/* Calls fn for each unreleased record held for `key` (or, with key NULL,
 * held in a run before `run`), oldest first. */
int lk_store_each_held(lk_store *s, const char *key, long long run, lk_held_fn fn, void *arg);
int lk_store_release(lk_store *s, long long id);
/* Keys of unreleased held records, for the in-memory index. */
int lk_store_held_keys(lk_store *s, tx_strmap *counts);
/* End of a clean run: released records are delivered, forget them. */
int lk_store_forget_released(lk_store *s);
/* Start of a run after one that did not end cleanly: hold them again. */
int lk_store_unrelease(lk_store *s);

/* ---- lk_table.c ---- */

typedef struct lk_table {
    tx_strmap *mem;      /* owned: key -> json object row_id -> row (owned) */
    size_t mem_rows;
    long long max_rows;
    int spilled;         /* keys not in memory may be on disk */
    int persist;         /* every row is written to disk too */
    lk_store **store;    /* borrowed: the stage's store slot (opened on demand) */
    int (*open_store)(void *arg); /* opens *store when a row first spills */
    void *open_arg;
    json_t *last;        /* owned: the rows lk_table_get last read from disk */
    unsigned long long disk_rows; /* rows written to disk this run */
} lk_table;

int lk_table_init(lk_table *t, long long max_rows, int persist, lk_store **store,
                  int (*open_store)(void *arg), void *open_arg);
void lk_table_free(lk_table *t);
/* Stores a row (steals `row`, an object). */
int lk_table_put(lk_table *t, const char *key, const char *row_id, json_t *row);
/* The rows of key: *rows is a borrowed object (valid until the next call)
 * or NULL when the key is unknown. */
int lk_table_get(lk_table *t, const char *key, json_t **rows);
/* Fills memory from the rows persisted on disk (start of a run). */
int lk_table_load(lk_table *t);

/* ---- lk_file.c ---- */

/* Puts every row of plan->table_file into t. Rows without a key, bad CSV
 * rows and JSON lines that are not objects are skipped, counted in *skipped
 * and the first few logged. Returns SLUICE_OK, or an error after logging it
 * (the file cannot be read). */
int lk_file_load(sluice_ctx *ctx, const lk_plan *plan, lk_table *t, unsigned long long *loaded,
                 unsigned long long *skipped);

/* ---- lk_record.c ---- */

/* The text of a key (fields joined by 0x1f), or -1 when a field is missing,
 * null, or not text, a number or a boolean. */
int lk_key_text(json_t *rec, const lk_names *fields, char *buf, size_t size);
/* The table's part of a row: the fill fields it has. New reference. */
json_t *lk_row_data(const lk_plan *plan, json_t *row);

typedef struct lk_counts {
    unsigned long long looked_up;     /* records of the enriched streams */
    unsigned long long matched;       /* ... whose key had rows */
    unsigned long long missed;        /* ... whose key had none (flagged or rejected) */
    unsigned long long no_key;        /* ... without a usable key */
    unsigned long long field_missing; /* fields missing on found rows */
    unsigned long long bad_numbers;   /* margin inputs or summed values that are not numbers */
    unsigned long long held, released, released_late, released_end, table_rows;
} lk_counts;

/* Fills `rec` from `rows` (NULL: no row for its key) and computes the
 * margin; notes what is missing in the missing field. Returns the number
 * of fields that could not be filled, or a negative status. */
int lk_enrich(const lk_plan *plan, json_t *rec, json_t *rows, lk_counts *n);

#endif
