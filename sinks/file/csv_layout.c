/* csv_layout.c - CSV columns and rows (see csv_layout.h). */
#include <string.h>

#include "csv_layout.h"
#include "csv_text.h"

int csv_layout_set_fields(csv_layout *l, json_t *names)
{
    json_t *fields = json_array(), *columns = json_object();
    size_t i;
    json_t *v;
    int rc = fields && columns ? 0 : -1;
    json_array_foreach(names, i, v) {
        if (rc != 0)
            break;
        if (!json_is_string(v) || json_string_length(v) == 0 ||
            json_array_append(fields, v) != 0 || json_object_set_new(columns, json_string_value(v), json_true()) != 0)
            rc = -1;
    }
    if (rc != 0) {
        json_decref(fields);
        json_decref(columns);
        return -1;
    }
    json_decref(l->fields);
    json_decref(l->columns);
    l->fields = fields;
    l->columns = columns;
    return 0;
}

int csv_layout_same_fields(const csv_layout *l, json_t *names)
{
    return l->fields && json_equal(l->fields, names);
}

int csv_layout_fields_from(csv_layout *l, json_t *record)
{
    if (l->fields)
        return 0;
    json_t *names = json_array();
    const char *key;
    json_t *v;
    int rc = names ? 0 : -1;
    json_object_foreach(record, key, v) {
        if (rc == 0 && json_array_append_new(names, json_string(key)) != 0)
            rc = -1;
    }
    if (rc == 0)
        rc = csv_layout_set_fields(l, names);
    json_decref(names);
    return rc;
}

int csv_layout_header(const csv_layout *l, sink_buf *out)
{
    size_t i;
    json_t *v;
    json_array_foreach(l->fields, i, v) {
        if (i && sink_buf_putc(out, l->delim) != 0)
            return -1;
        if (csv_field(out, json_string_value(v), json_string_length(v), l->delim) != 0)
            return -1;
    }
    return sink_buf_putc(out, '\n');
}

/* Counts one value of `key` left out of the row; warns the first time. */
static int count_left_out(csv_layout *l, sluice_ctx *ctx, const char *key)
{
    if (l->chosen)
        return 0;
    if (!l->left_out && !(l->left_out = json_object()))
        return -1;
    if (!l->left_out_batch && !(l->left_out_batch = json_object()))
        return -1;
    if (!json_object_get(l->left_out, key)) {
        sluice_warn(ctx, "field \"%s\" is not a CSV column; its values are left out "
                         "(list it in the fields option to keep it)", key);
        if (json_object_set_new(l->left_out, key, json_integer(0)) != 0)
            return -1;
    }
    json_t *n = json_object_get(l->left_out_batch, key);
    if (n)
        return json_integer_set(n, json_integer_value(n) + 1);
    return json_object_set_new(l->left_out_batch, key, json_integer(1));
}

int csv_layout_row(csv_layout *l, sluice_ctx *ctx, json_t *record, sink_buf *out, sink_buf *scratch)
{
    const char *key;
    json_t *v;
    json_object_foreach(record, key, v) {
        if (!json_object_get(l->columns, key) && count_left_out(l, ctx, key) != 0)
            return -1;
    }
    size_t i;
    json_array_foreach(l->fields, i, v) {
        if (i && sink_buf_putc(out, l->delim) != 0)
            return -1;
        if (csv_value(out, json_object_get(record, json_string_value(v)), l->delim, scratch) != 0)
            return -1;
    }
    return sink_buf_putc(out, '\n');
}

void csv_layout_commit(csv_layout *l)
{
    const char *key;
    json_t *n;
    json_object_foreach(l->left_out_batch, key, n) {
        json_t *total = json_object_get(l->left_out, key);
        if (total)
            json_integer_set(total, json_integer_value(total) + json_integer_value(n));
    }
    json_object_clear(l->left_out_batch);
}

void csv_layout_abort(csv_layout *l) { json_object_clear(l->left_out_batch); }

void csv_layout_report(const csv_layout *l, sluice_ctx *ctx, const char *path)
{
    const char *key;
    json_t *n;
    json_object_foreach(l->left_out, key, n) {
        sluice_warn(ctx, "%s: %" JSON_INTEGER_FORMAT " value(s) of field \"%s\" were left out: "
                         "it is not a CSV column", path, json_integer_value(n), key);
    }
}

void csv_layout_free(csv_layout *l)
{
    json_decref(l->fields);
    json_decref(l->columns);
    json_decref(l->left_out);
    json_decref(l->left_out_batch);
    memset(l, 0, sizeof *l);
}
