/* csv_layout.h - which columns a CSV file has and how a record becomes a
 * row: the header comes from the `fields` option, from the header of the
 * file being appended to, or from the first record's fields. A record's
 * field that is not a column is left out of the row. Unless the columns
 * were chosen with the `fields` option (leaving the others out is then the
 * point), that never happens silently: the first time a field is left out
 * it is warned about, and flush reports how many values of each such field
 * were left out. */
#ifndef FILE_CSV_LAYOUT_H
#define FILE_CSV_LAYOUT_H

#include <jansson.h>

#include "sink_buf.h"
#include "sluice/plugin.h"

typedef struct csv_layout {
    char delim;
    int chosen;             /* the columns are the fields option: no warnings */
    json_t *fields;         /* owned array of column names; NULL until known */
    json_t *columns;        /* owned object: column name -> true, for lookups */
    json_t *left_out;       /* owned object: field -> values left out by committed batches */
    json_t *left_out_batch; /* owned object: the same for the batch being written */
} csv_layout;

/* Sets the columns from `names` (borrowed array of strings). Returns 0, or
 * -1 when an item is not a non-empty string or memory ran out. */
int csv_layout_set_fields(csv_layout *l, json_t *names);

/* Whether `names` (borrowed array) lists the same columns in the same
 * order. */
int csv_layout_same_fields(const csv_layout *l, json_t *names);

/* Sets the columns from the keys of `record` (borrowed) when they are not
 * known yet. Returns 0 or -1 (out of memory). */
int csv_layout_fields_from(csv_layout *l, json_t *record);

/* Appends the header line. Returns 0 or -1 (out of memory). */
int csv_layout_header(const csv_layout *l, sink_buf *out);

/* Appends `record` (borrowed) as one line; fields that are not columns are
 * counted and warned about through ctx. Returns 0 or -1 (out of memory). */
int csv_layout_row(csv_layout *l, sluice_ctx *ctx, json_t *record, sink_buf *out, sink_buf *scratch);

/* The batch landed (counts join the totals) / was undone (counts dropped). */
void csv_layout_commit(csv_layout *l);
void csv_layout_abort(csv_layout *l);

/* Logs one warning per field that was left out, with its count. */
void csv_layout_report(const csv_layout *l, sluice_ctx *ctx, const char *path);

void csv_layout_free(csv_layout *l);

#endif
