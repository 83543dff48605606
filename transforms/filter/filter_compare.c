/*
 * filter_compare.c - field lookup and evaluation of one condition.
 *
 * Comparison rules (README.md repeats them for users):
 *   - both sides numbers or numeric strings: compared as numbers
 *     (integers exactly, anything else as double);
 *   - otherwise, both scalars: compared as text, byte by byte (booleans
 *     read "true"/"false", numbers their shortest round-trip text);
 *   - eq/ne with an object or array on either side: JSON equality;
 *     lt/le/gt/ge with one: false.
 */
#include "filter.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CMP_NONE 2 /* the two sides cannot be ordered */
#define NUM_TEXT_MAX 128

static int is_ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Reads s[0..len) as a number when the whole text (ASCII whitespace around
 * allowed) is [+-]digits[.digits][(e|E)[+-]digits]. No hex, inf or nan:
 * "nan" is a product code more often than a number. */
static int parse_num_text(const char *s, size_t len, filter_operand *o)
{
    char buf[NUM_TEXT_MAX];
    size_t a = 0, b = len, i, digits = 0;
    int integral = 1;
    while (a < b && is_ascii_space((unsigned char)s[a]))
        a++;
    while (b > a && is_ascii_space((unsigned char)s[b - 1]))
        b--;
    if (b == a || b - a >= sizeof buf)
        return 0;
    memcpy(buf, s + a, b - a);
    buf[b - a] = '\0';
    i = (buf[0] == '+' || buf[0] == '-') ? 1 : 0;
    for (; is_digit((unsigned char)buf[i]); i++)
        digits++;
    if (buf[i] == '.') {
        integral = 0;
        for (i++; is_digit((unsigned char)buf[i]); i++)
            digits++;
    }
    if (digits == 0)
        return 0;
    if (buf[i] == 'e' || buf[i] == 'E') {
        size_t exp_digits = 0;
        integral = 0;
        i++;
        if (buf[i] == '+' || buf[i] == '-')
            i++;
        for (; is_digit((unsigned char)buf[i]); i++)
            exp_digits++;
        if (exp_digits == 0)
            return 0;
    }
    if (buf[i] != '\0')
        return 0;
    o->num = strtod(buf, NULL);
    if (!isfinite(o->num))
        return 0;
    if (integral) {
        errno = 0;
        long long v = strtoll(buf, NULL, 10);
        /* Beyond int64 the double above is the best we have. */
        if (errno == 0) {
            o->is_int = 1;
            o->ival = (json_int_t)v;
        }
    }
    o->is_num = 1;
    return 1;
}

void filter_operand_init(filter_operand *o, json_t *v)
{
    memset(o, 0, offsetof(filter_operand, text));
    o->json = v;
    switch (json_typeof(v)) {
    case JSON_STRING:
        o->str = json_string_value(v);
        o->len = json_string_length(v);
        parse_num_text(o->str, o->len, o);
        break;
    case JSON_INTEGER:
        o->is_num = o->is_int = 1;
        o->ival = json_integer_value(v);
        o->num = (double)o->ival;
        break;
    case JSON_REAL:
        o->is_num = 1;
        o->num = json_real_value(v);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        o->str = json_is_true(v) ? "true" : "false";
        o->len = strlen(o->str);
        break;
    default:
        break;
    }
}

/* Writes the shortest decimal text that reads back as d: plain notation
 * for exponents -5..16 ("12.5", "100", "0.001"), else "1e+21". */
static void format_real(double d, char *buf, size_t size)
{
    int prec = 1;
    for (; prec < 17; prec++) {
        snprintf(buf, size, "%.*e", prec - 1, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    snprintf(buf, size, "%.*e", prec - 1, d);
    const char *e = strchr(buf, 'e');
    long exp10 = e ? strtol(e + 1, NULL, 10) : 0;
    if (exp10 >= -5 && exp10 < 17)
        snprintf(buf, size, "%.*f", (int)(prec - 1 - exp10 > 0 ? prec - 1 - exp10 : 0), d);
    else
        snprintf(buf, size, "%.*g", prec, d);
}

static int is_scalar(const filter_operand *o) { return o->str || o->is_num; }

/* The text form of a number, made on first use (it is rarely needed). */
static void ensure_text(filter_operand *o)
{
    if (o->str || !o->is_num)
        return;
    if (json_is_integer(o->json))
        snprintf(o->text, sizeof o->text, "%" JSON_INTEGER_FORMAT, o->ival);
    else
        format_real(o->num, o->text, sizeof o->text);
    o->str = o->text;
    o->len = strlen(o->text);
}

/* -1, 0, 1, or CMP_NONE. `a` is the record's side (texts made lazily), `b`
 * the condition's constant, fully prepared in init. */
static int compare(filter_operand *a, const filter_operand *b)
{
    if (a->is_num && b->is_num) {
        if (a->is_int && b->is_int)
            return (a->ival > b->ival) - (a->ival < b->ival);
        return (a->num > b->num) - (a->num < b->num);
    }
    if (!is_scalar(a) || !is_scalar(b))
        return CMP_NONE;
    ensure_text(a);
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->str, b->str, n);
    if (c != 0)
        return c < 0 ? -1 : 1;
    return (a->len > b->len) - (a->len < b->len);
}

static int equals(filter_operand *a, const filter_operand *b)
{
    if (!is_scalar(a) || !is_scalar(b))
        return json_equal(a->json, b->json);
    return compare(a, b) == 0;
}

static int matches(const filter_cond *c, filter_operand *a)
{
    if (!is_scalar(a))
        return 0;
    ensure_text(a);
    /* regexec stops at a NUL: a string with an embedded NUL is matched up
     * to it, which is the best POSIX regex can do. */
    return regexec(&c->re, a->str, 0, NULL, 0) == 0;
}

/* The field's value: a top-level key of that exact name first, then the
 * dotted path through nested objects. */
static json_t *lookup(const filter_cond *c, json_t *rec)
{
    json_t *v = json_object_get(rec, c->field);
    if (v || c->npath < 2)
        return v;
    v = rec;
    for (size_t k = 0; k < c->npath && v; k++)
        v = json_is_object(v) ? json_object_get(v, c->path[k]) : NULL;
    return v;
}

int filter_cond_eval(const filter_cond *c, json_t *rec)
{
    json_t *v = lookup(c, rec);
    int present = v && !json_is_null(v);
    if (c->op == FILTER_EXISTS)
        return present == c->want;
    if (!present)
        return c->op == FILTER_NE;
    filter_operand a;
    filter_operand_init(&a, v);
    int cmp;
    switch (c->op) {
    case FILTER_EQ: return equals(&a, &c->value);
    case FILTER_NE: return !equals(&a, &c->value);
    case FILTER_IN:
        for (size_t k = 0; k < c->nset; k++)
            if (equals(&a, &c->set[k]))
                return 1;
        return 0;
    case FILTER_REGEX: return matches(c, &a);
    default: break;
    }
    cmp = compare(&a, &c->value);
    if (cmp == CMP_NONE)
        return 0;
    switch (c->op) {
    case FILTER_LT: return cmp < 0;
    case FILTER_LE: return cmp <= 0;
    case FILTER_GT: return cmp > 0;
    default: return cmp >= 0;
    }
}

void filter_operand_prepare(filter_operand *o, json_t *v)
{
    filter_operand_init(o, v);
    ensure_text(o);
}
