/*
 * lk_record.c - one record against its table rows: copy the fields, sum
 * the summed ones exactly, compute the margin, list what stayed missing.
 */
#include "lookup.h"

#include <stdio.h>
#include <string.h>

#define LK_SEP '\x1f' /* between the fields of a composite key */

int lk_key_text(json_t *rec, const lk_names *fields, char *buf, size_t size)
{
    size_t len = 0;
    for (size_t i = 0; i < fields->n; i++) {
        json_t *v = json_object_get(rec, fields->v[i]);
        char num[32];
        const char *t;
        size_t n;
        if (json_is_string(v)) {
            t = json_string_value(v);
            n = json_string_length(v);
        } else if (json_is_integer(v)) {
            n = (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            t = num;
        } else if (json_is_boolean(v)) {
            t = json_is_true(v) ? "true" : "false";
            n = strlen(t);
        } else {
            return -1;
        }
        if (n == 0 || memchr(t, '\0', n) || len + n + 2 > size)
            return -1;
        if (i)
            buf[len++] = LK_SEP;
        memcpy(buf + len, t, n);
        len += n;
    }
    buf[len] = '\0';
    return 0;
}

json_t *lk_row_data(const lk_plan *plan, json_t *row)
{
    json_t *data = json_object();
    for (size_t i = 0; data && i < plan->nfill; i++) {
        json_t *v = json_object_get(row, plan->fill[i].from);
        if (v && !json_is_null(v) && json_object_set(data, plan->fill[i].from, v) != 0) {
            json_decref(data);
            return NULL;
        }
    }
    return data;
}

/* The row with the smallest row id: which row a key's value comes from is
 * then the same whatever order the rows arrived in. */
static json_t *first_row(json_t *rows)
{
    const char *best = NULL, *k;
    json_t *v, *row = NULL;
    json_object_foreach(rows, k, v) {
        if (!best || strcmp(k, best) < 0) {
            best = k;
            row = v;
        }
    }
    return row;
}

/* The exact sum of `field` over the rows (new reference), or NULL when no
 * row has it or one is not a number. Integers stay integers. */
static json_t *sum_rows(json_t *rows, const char *field, lk_counts *n)
{
    lk_dec total = { 0, 0 }, d;
    int any = 0, all_int = 1;
    const char *k;
    json_t *row;
    json_object_foreach(rows, k, row) {
        json_t *v = json_object_get(row, field);
        int rc = lk_dec_from_json(v, &d);
        if (rc == 1)
            continue;
        if (rc != 0 || lk_dec_add(total, d, &total) != 0) {
            n->bad_numbers++;
            return NULL;
        }
        all_int &= json_is_integer(v);
        any = 1;
    }
    if (!any)
        return NULL;
    char buf[64];
    if (all_int && total.scale == 0 && total.m >= -((__int128)1 << 62) && total.m <= ((__int128)1 << 62))
        return json_integer((json_int_t)total.m);
    lk_dec_format(total, buf, sizeof buf);
    return json_string(buf);
}

static json_t *value_of(const lk_fill *f, json_t *rows, lk_counts *n)
{
    if (f->sum)
        return sum_rows(rows, f->from, n);
    json_t *v = json_object_get(first_row(rows), f->from);
    return v && !json_is_null(v) ? json_deep_copy(v) : NULL;
}

/* qty*unit_price - discount - qty*cost, or JSON null when an input is
 * missing or not a number. */
static json_t *margin_of(const lk_plan *plan, json_t *rec, lk_counts *n)
{
    lk_dec qty, price, disc = { 0, 0 }, cost, rev, c, m;
    int r[4] = {
        lk_dec_from_json(json_object_get(rec, plan->m_qty), &qty),
        lk_dec_from_json(json_object_get(rec, plan->m_price), &price),
        lk_dec_from_json(json_object_get(rec, plan->m_discount), &disc),
        lk_dec_from_json(json_object_get(rec, plan->m_cost), &cost),
    };
    if (r[0] < 0 || r[1] < 0 || r[2] < 0 || r[3] < 0) {
        n->bad_numbers++;
        return json_null();
    }
    if (r[0] || r[1] || r[3])
        return json_null();
    if (r[2])
        disc = (lk_dec){ 0, 0 };
    if (lk_dec_mul(qty, price, &rev) != 0 || lk_dec_sub(rev, disc, &rev) != 0 || lk_dec_mul(qty, cost, &c) != 0 ||
        lk_dec_sub(rev, c, &m) != 0) {
        n->bad_numbers++;
        return json_null();
    }
    char buf[64];
    lk_dec_format(m, buf, sizeof buf);
    return json_string(buf);
}

/* Adds `field` to the record's list of missing fields (kept across lookup
 * stages sharing the missing field). */
static int note_missing(const lk_plan *plan, json_t *rec, const char *field)
{
    json_t *list = json_object_get(rec, plan->missing_field), *e;
    size_t i;
    if (!json_is_array(list)) {
        if (!(list = json_array()) || json_object_set_new(rec, plan->missing_field, list) != 0)
            return SLUICE_ENOMEM;
    }
    json_array_foreach(list, i, e) {
        if (json_is_string(e) && strcmp(json_string_value(e), field) == 0)
            return SLUICE_OK;
    }
    return json_array_append_new(list, json_string(field)) == 0 ? SLUICE_OK : SLUICE_ENOMEM;
}

int lk_enrich(const lk_plan *plan, json_t *rec, json_t *rows, lk_counts *n)
{
    int missing = 0;
    for (size_t i = 0; i < plan->nfill; i++) {
        const lk_fill *f = &plan->fill[i];
        json_t *cur = json_object_get(rec, f->to);
        if (cur && !json_is_null(cur) && !plan->overwrite)
            continue;
        json_t *v = rows ? value_of(f, rows, n) : NULL;
        int rc = v ? json_object_set_new(rec, f->to, v) == 0 ? SLUICE_OK : SLUICE_ENOMEM : note_missing(plan, rec, f->to);
        if (rc != SLUICE_OK)
            return rc;
        missing += !v;
    }
    if (rows)
        n->field_missing += (unsigned long long)missing;
    if (plan->margin && json_object_set_new(rec, plan->margin, margin_of(plan, rec, n)) != 0)
        return SLUICE_ENOMEM;
    return missing;
}
