/*
 * filter_conditions.c - reads `keep` and `drop` into condition lists.
 *
 * Everything a condition needs at run time is worked out here once: the
 * operator, the dotted path split into segments, the constant classified
 * as number/text, the regex compiled. Messages name the list, the index
 * and the key ("keep[1].op: ...") so the user can find the line to fix.
 */
#include "filter.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const op_names[FILTER_OP_COUNT] = {
    "eq", "ne", "lt", "le", "gt", "ge", "in", "exists", "regex",
};

#define OP_LIST "eq, ne, lt, le, gt, ge, in, exists, regex"
#define NULL_HINT \
    "null never matches; use {\"op\": \"exists\", \"value\": false} for missing or null fields"

const char *filter_op_name(int op)
{
    return (op >= 0 && op < FILTER_OP_COUNT) ? op_names[op] : "?";
}

static int cond_error(sluice_ctx *ctx, const char *fmt, ...) SLUICE_PRINTF(2, 3);
static int cond_error(sluice_ctx *ctx, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sluice_error(ctx, "filter: %s", msg);
    sluice_set_error(ctx, msg);
    return SLUICE_EINVAL;
}

static const char *type_name(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static int op_from_name(const char *s)
{
    for (int op = 0; op < FILTER_OP_COUNT; op++)
        if (strcmp(s, op_names[op]) == 0)
            return op;
    return -1;
}

/* Splits "customer.email" into segments. A field with an empty segment
 * ("a..b", ".a") is only ever looked up literally. */
static int split_path(filter_cond *c)
{
    if (!strchr(c->field, '.'))
        return SLUICE_OK;
    size_t n = 1;
    for (const char *p = c->field; *p; p++)
        n += *p == '.';
    c->path_buf = strdup(c->field);
    c->path = calloc(n, sizeof *c->path);
    if (!c->path_buf || !c->path)
        return SLUICE_ENOMEM;
    char *seg = c->path_buf;
    for (size_t k = 0; k < n; k++) {
        char *dot = strchr(seg, '.');
        if (dot)
            *dot = '\0';
        if (!*seg)
            return SLUICE_OK; /* npath stays 0: literal lookup only */
        c->path[k] = seg;
        seg = dot ? dot + 1 : seg;
    }
    c->npath = n;
    return SLUICE_OK;
}

static int read_in_set(sluice_ctx *ctx, const char *list, size_t i, json_t *value, filter_cond *c)
{
    size_t k;
    json_t *item;
    if (!json_is_array(value) || json_array_size(value) == 0)
        return cond_error(ctx, "%s[%zu].value: op \"in\" needs a non-empty array, got %s", list, i,
                          json_is_array(value) ? "[]" : type_name(value));
    c->set = calloc(json_array_size(value), sizeof *c->set);
    if (!c->set)
        return SLUICE_ENOMEM;
    json_array_foreach(value, k, item) {
        if (json_is_null(item))
            return cond_error(ctx, "%s[%zu].value[%zu]: %s", list, i, k, NULL_HINT);
        filter_operand_prepare(&c->set[c->nset++], item);
    }
    return SLUICE_OK;
}

static int read_regex(sluice_ctx *ctx, const char *list, size_t i, json_t *value, filter_cond *c)
{
    if (!json_is_string(value))
        return cond_error(ctx, "%s[%zu].value: op \"regex\" needs a string, got %s", list, i,
                          type_name(value));
    int rc = regcomp(&c->re, json_string_value(value), REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char why[256];
        regerror(rc, &c->re, why, sizeof why);
        return cond_error(ctx, "%s[%zu].value: invalid regex \"%s\": %s", list, i,
                          json_string_value(value), why);
    }
    c->has_re = 1;
    return SLUICE_OK;
}

/* Checks the condition's value against its operator and prepares it. */
static int read_value(sluice_ctx *ctx, const char *list, size_t i, json_t *value, filter_cond *c)
{
    const char *op = filter_op_name(c->op);
    if (c->op == FILTER_EXISTS) {
        if (value && !json_is_boolean(value))
            return cond_error(ctx, "%s[%zu].value: op \"exists\" takes true or false, got %s", list,
                              i, type_name(value));
        c->want = value ? json_is_true(value) : 1;
        return SLUICE_OK;
    }
    if (!value)
        return cond_error(ctx, "%s[%zu].value: missing (op \"%s\" needs a value)", list, i, op);
    switch (c->op) {
    case FILTER_IN: return read_in_set(ctx, list, i, value, c);
    case FILTER_REGEX: return read_regex(ctx, list, i, value, c);
    case FILTER_EQ:
    case FILTER_NE:
        if (json_is_null(value))
            return cond_error(ctx, "%s[%zu].value: %s", list, i, NULL_HINT);
        break;
    default:
        if (!json_is_string(value) && !json_is_number(value))
            return cond_error(ctx, "%s[%zu].value: op \"%s\" needs a number or a string, got %s",
                              list, i, op, type_name(value));
        break;
    }
    filter_operand_prepare(&c->value, value);
    return SLUICE_OK;
}

static int read_cond(sluice_ctx *ctx, const char *list, size_t i, json_t *item, filter_cond *c)
{
    const char *key;
    json_t *v;
    if (!json_is_object(item))
        return cond_error(ctx, "%s[%zu]: must be an object like {\"field\": \"status\", \"op\": "
                          "\"eq\", \"value\": \"paid\"}, got %s", list, i, type_name(item));
    json_object_foreach(item, key, v) {
        if (strcmp(key, "field") != 0 && strcmp(key, "op") != 0 && strcmp(key, "value") != 0)
            return cond_error(ctx, "%s[%zu]: unknown key \"%s\" (field, op, value)", list, i, key);
    }
    json_t *field = json_object_get(item, "field");
    if (!json_is_string(field) || json_string_length(field) == 0)
        return cond_error(ctx, "%s[%zu].field: must be a non-empty string", list, i);
    c->field = json_string_value(field);
    json_t *op = json_object_get(item, "op");
    if (!json_is_string(op))
        return cond_error(ctx, "%s[%zu].op: must be a string (one of " OP_LIST ")", list, i);
    c->op = op_from_name(json_string_value(op));
    if (c->op < 0)
        return cond_error(ctx, "%s[%zu].op: unknown operator \"%s\" (one of " OP_LIST ")", list, i,
                          json_string_value(op));
    int rc = split_path(c);
    if (rc != SLUICE_OK)
        return rc;
    return read_value(ctx, list, i, json_object_get(item, "value"), c);
}

int filter_list_build(sluice_ctx *ctx, json_t *opts, const char *name, filter_list *out)
{
    json_t *v = json_object_get(opts, name);
    size_t i;
    json_t *item;
    memset(out, 0, sizeof *out);
    if (!v)
        return SLUICE_OK;
    out->set = 1;
    if (!json_is_array(v) || json_array_size(v) == 0)
        return cond_error(ctx, "%s: must be a non-empty array of conditions like "
                          "{\"field\": \"status\", \"op\": \"eq\", \"value\": \"paid\"}", name);
    out->conds = calloc(json_array_size(v), sizeof *out->conds);
    if (!out->conds)
        return SLUICE_ENOMEM;
    json_array_foreach(v, i, item) {
        out->n = i + 1; /* so that filter_list_free() sees the half-built one */
        int rc = read_cond(ctx, name, i, item, &out->conds[i]);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

void filter_list_free(filter_list *l)
{
    for (size_t k = 0; k < l->n; k++) {
        filter_cond *c = &l->conds[k];
        free(c->path_buf);
        free(c->path);
        free(c->set);
        if (c->has_re)
            regfree(&c->re);
    }
    free(l->conds);
    memset(l, 0, sizeof *l);
}
