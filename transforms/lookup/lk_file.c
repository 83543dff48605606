/*
 * lk_file.c - the table from a file: CSV with a header row (the file
 * source's RFC 4180 reader, compiled in) or JSON Lines. Read once, when the
 * stage starts, so the table is complete before the first record.
 */
#include "lookup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_reader.h"

#define LK_KEY_MAX 4096
#define SKIPS_LOGGED 5

typedef struct loader {
    sluice_ctx *ctx;
    const lk_plan *plan;
    lk_table *t;
    unsigned long long loaded, skipped;
} loader;

static void skip(loader *l, unsigned long long line, const char *why)
{
    if (l->skipped++ < SKIPS_LOGGED)
        sluice_warn(l->ctx, "lookup: %s:%llu: %s; row skipped", l->plan->table_file, line, why);
}

/* One row of the file (borrowed): its key, its row id, its fields. */
static int put_row(loader *l, json_t *row, unsigned long long line)
{
    char key[LK_KEY_MAX], row_id[LK_KEY_MAX];
    if (lk_key_text(row, &l->plan->table_key, key, sizeof key) != 0 ||
        lk_key_text(row, &l->plan->row_key, row_id, sizeof row_id) != 0) {
        skip(l, line, "no key");
        return SLUICE_OK;
    }
    json_t *data = lk_row_data(l->plan, row);
    if (!data)
        return SLUICE_ENOMEM;
    l->loaded++;
    return lk_table_put(l->t, key, row_id, data);
}

static int load_csv(loader *l, FILE *fp)
{
    sl_csv_reader *r = sl_csv_open(fp, l->plan->delimiter, 0);
    sl_csv_row row;
    char **names = NULL, why[256];
    size_t nnames = 0;
    int got = 0, rc = SLUICE_OK;
    if (!r)
        return SLUICE_ENOMEM;
    while (rc == SLUICE_OK && (got = sl_csv_next(r, &row)) == 1) {
        if (!names) {
            if (sl_csv_header(&row, &names, why, sizeof why) != 0) {
                sluice_error(l->ctx, "lookup: %s: header: %s", l->plan->table_file, why);
                rc = SLUICE_EINVAL;
            }
            nnames = row.nfields;
            continue;
        }
        if (sl_csv_row_fault(&row, nnames, (const char *const *)names, why, sizeof why)) {
            skip(l, row.line, why);
            continue;
        }
        json_t *o = json_object();
        for (size_t i = 0; o && i < nnames; i++)
            if (json_object_set_new(o, names[i], json_stringn(row.fields[i].ptr, row.fields[i].len)) != 0) {
                json_decref(o);
                o = NULL;
            }
        rc = o ? put_row(l, o, row.line) : SLUICE_ENOMEM;
        json_decref(o);
    }
    if (rc == SLUICE_OK && got < 0) {
        sluice_error(l->ctx, "lookup: %s: %s", l->plan->table_file, got == -2 ? "out of memory" : strerror(errno));
        rc = SLUICE_EIO;
    }
    sl_csv_names_free(&names, nnames);
    sl_csv_close(&r);
    return rc;
}

static int load_jsonl(loader *l, FILE *fp)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    unsigned long long no = 0;
    int rc = SLUICE_OK;
    while (rc == SLUICE_OK && (len = getline(&line, &cap, fp)) >= 0) {
        no++;
        size_t a = 0;
        while (a < (size_t)len && strchr(" \t\r\n", line[a]))
            a++;
        if (a == (size_t)len)
            continue;
        json_error_t jerr;
        json_t *o = json_loadb(line, (size_t)len, 0, &jerr);
        if (!json_is_object(o))
            skip(l, no, o ? "not a JSON object" : jerr.text);
        else
            rc = put_row(l, o, no);
        json_decref(o);
    }
    free(line);
    if (rc == SLUICE_OK && ferror(fp)) {
        sluice_error(l->ctx, "lookup: %s: %s", l->plan->table_file, strerror(errno));
        rc = SLUICE_EIO;
    }
    return rc;
}

static int format_of(const lk_plan *plan)
{
    if (plan->table_format != LK_FORMAT_AUTO)
        return plan->table_format;
    const char *dot = strrchr(plan->table_file, '.');
    if (dot && (!strcmp(dot, ".csv") || !strcmp(dot, ".tsv") || !strcmp(dot, ".txt")))
        return LK_FORMAT_CSV;
    if (dot && (!strcmp(dot, ".jsonl") || !strcmp(dot, ".ndjson") || !strcmp(dot, ".json")))
        return LK_FORMAT_JSONL;
    return LK_FORMAT_AUTO;
}

int lk_file_load(sluice_ctx *ctx, const lk_plan *plan, lk_table *t, unsigned long long *loaded,
                 unsigned long long *skipped)
{
    loader l = { ctx, plan, t, 0, 0 };
    int fmt = format_of(plan);
    if (fmt == LK_FORMAT_AUTO) {
        sluice_error(ctx, "lookup: %s: set table_format (csv or jsonl): the extension does not say", plan->table_file);
        return SLUICE_EINVAL;
    }
    FILE *fp = fopen(plan->table_file, "rb");
    if (!fp) {
        sluice_error(ctx, "lookup: table_file %s: %s", plan->table_file, strerror(errno));
        return SLUICE_EIO;
    }
    int rc = fmt == LK_FORMAT_CSV ? load_csv(&l, fp) : load_jsonl(&l, fp);
    fclose(fp);
    *loaded = l.loaded;
    *skipped = l.skipped;
    return rc;
}
