/*
 * filter.h - shared declarations of the `filter` transform's files.
 *
 * filter.c             descriptor, init/fini, keep/drop decision per record
 * filter_conditions.c  reading and validating the condition lists
 * filter_compare.c     looking fields up and evaluating one condition
 */
#ifndef SL_FILTER_H
#define SL_FILTER_H

#include <regex.h>
#include <stddef.h>

#include <jansson.h>

#include "sluice/plugin.h"

typedef enum filter_op {
    FILTER_EQ = 0,
    FILTER_NE,
    FILTER_LT,
    FILTER_LE,
    FILTER_GT,
    FILTER_GE,
    FILTER_IN,
    FILTER_EXISTS,
    FILTER_REGEX,
    FILTER_OP_COUNT
} filter_op;

/* One side of a comparison, classified once: a constant in init(), a
 * record's value per evaluation (then it lives on the stack). */
typedef struct filter_operand {
    json_t *json;     /* borrowed */
    int is_num;       /* a JSON number, or a string that reads fully as one */
    int is_int;       /* a JSON integer: compared exactly, not as double */
    json_int_t ival;
    double num;
    const char *str;  /* text form of a scalar (strings: the string itself) or NULL */
    size_t len;
    char text[40];    /* storage for the text form of numbers and booleans */
} filter_operand;

typedef struct filter_cond {
    const char *field; /* borrowed from filter_state.opts */
    char *path_buf;    /* owned: field with '.' replaced by NUL, or NULL */
    const char **path; /* owned array of pointers into path_buf */
    size_t npath;      /* > 1 when the field is a dotted path */
    int op;            /* filter_op */
    filter_operand value;  /* eq ne lt le gt ge */
    filter_operand *set;   /* owned: in */
    size_t nset;
    int want;          /* exists: true or false */
    regex_t re;        /* regex */
    int has_re;
} filter_cond;

typedef struct filter_list {
    filter_cond *conds; /* owned */
    size_t n;
    int set;            /* the option was given */
} filter_list;

const char *filter_op_name(int op);

/* Reads the option `name` ("keep" or "drop", a JSON array borrowed from
 * opts, which must outlive the list) into *out. Returns SLUICE_OK, or
 * SLUICE_EINVAL after logging "name[i].key: message", or SLUICE_ENOMEM.
 * *out must be freed with filter_list_free() in every case. */
int filter_list_build(sluice_ctx *ctx, json_t *opts, const char *name, filter_list *out);
void filter_list_free(filter_list *l);

/* Classifies a record's value (borrowed, not NULL). */
void filter_operand_init(filter_operand *o, json_t *v);
/* Classifies a condition's constant and makes its text form at once, so
 * that evaluation never writes to a condition. o->str may point into
 * o->text: the operand must not be moved afterwards. */
void filter_operand_prepare(filter_operand *o, json_t *v);

/* Whether the condition holds for the record. Number formatting and
 * parsing follow the C locale: the caller sets it (uselocale). */
int filter_cond_eval(const filter_cond *c, json_t *rec);

#endif
