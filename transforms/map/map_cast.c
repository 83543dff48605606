/*
 * map_cast.c - conversions for the `cast` option.
 *
 * Strictness is deliberate: a value that does not clearly convert is
 * dead-lettered with a reason rather than guessed at, because a silently
 * wrong quantity or price is worse in sales data than a rejected row.
 */
#include "map.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Longest numeric string we parse; longer text is not a sensible number. */
#define NUM_TEXT_MAX 128
/* How much of an offending value the reason quotes. */
#define REASON_VALUE_MAX 64

const char *map_cast_name(int type)
{
    switch (type) {
    case MAP_CAST_INT: return "int";
    case MAP_CAST_FLOAT: return "float";
    case MAP_CAST_BOOL: return "bool";
    default: return "string";
    }
}

static int is_ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

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

/* The string value of v without surrounding ASCII whitespace. */
static const char *trimmed(json_t *v, size_t *len)
{
    const char *s = json_string_value(v);
    size_t a = 0, b = json_string_length(v);
    while (a < b && is_ascii_space((unsigned char)s[a]))
        a++;
    while (b > a && is_ascii_space((unsigned char)s[b - 1]))
        b--;
    *len = b - a;
    return s + a;
}

/* Writes "cast FIELD to TYPE: VALUE WHAT" where VALUE is v as compact JSON,
 * shortened if long. Allocates only on this failure path. */
static int fail(json_t *v, int type, const char *field, const char *what, char *reason,
                size_t reason_size)
{
    char num[48];
    char *text = NULL;
    const char *shown = num;
    /* jansson prints reals with 17 digits; users typed the short form. */
    if (json_is_real(v))
        format_real(json_real_value(v), num, sizeof num);
    else
        shown = text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    if (!shown)
        shown = "value";
    int cut = strlen(shown) > REASON_VALUE_MAX;
    snprintf(reason, reason_size, "cast %s to %s: %.*s%s %s", field, map_cast_name(type),
             REASON_VALUE_MAX, shown, cut ? "..." : "", what);
    free(text);
    return -1;
}

/* ---- int ---- */

/* Parses [+-]digits[.0*] exactly. Returns 0, -1 (not an integer) or -2
 * (out of range). */
static int parse_int_text(const char *s, size_t len, json_int_t *out)
{
    size_t i = 0;
    int neg = 0;
    uint64_t acc = 0;
    const uint64_t limit = (uint64_t)INT64_MAX;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        neg = s[i++] == '-';
    if (i == len || !is_digit((unsigned char)s[i]))
        return -1;
    int overflow = 0;
    for (; i < len && is_digit((unsigned char)s[i]); i++) {
        uint64_t d = (uint64_t)(s[i] - '0');
        if (acc > (limit + 1 - d) / 10)
            overflow = 1; /* keep scanning: "1e99999..." must still read as not-an-integer */
        else
            acc = acc * 10 + d;
    }
    /* "42.0" and "42.000" are integers written by a spreadsheet. */
    if (i < len && s[i] == '.') {
        if (++i == len)
            return -1;
        for (; i < len; i++)
            if (s[i] != '0')
                return -1;
    }
    if (i != len)
        return -1;
    if (overflow || acc > limit + (uint64_t)neg)
        return -2;
    if (neg)
        *out = acc == limit + 1 ? INT64_MIN : -(json_int_t)acc;
    else
        *out = (json_int_t)acc;
    return 0;
}

static int to_int(json_t *v, const char *field, json_t **out, char *reason, size_t rs)
{
    if (json_is_integer(v))
        return 0;
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d != floor(d))
            return fail(v, MAP_CAST_INT, field, "is not an integer", reason, rs);
        if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
            return fail(v, MAP_CAST_INT, field, "is out of range for int", reason, rs);
        *out = json_integer((json_int_t)d);
        return *out ? 0 : -2;
    }
    if (json_is_string(v)) {
        size_t len;
        const char *s = trimmed(v, &len);
        json_int_t n = 0;
        int rc = parse_int_text(s, len, &n);
        if (rc == -2)
            return fail(v, MAP_CAST_INT, field, "is out of range for int", reason, rs);
        if (rc < 0)
            return fail(v, MAP_CAST_INT, field, "is not an integer", reason, rs);
        *out = json_integer(n);
        return *out ? 0 : -2;
    }
    return fail(v, MAP_CAST_INT, field, "is not an integer", reason, rs);
}

/* ---- float ---- */

/* Checks s against [+-]digits[(.|,)digits][(e|E)[+-]digits] (at least one
 * mantissa digit) and copies it to buf with a comma made a dot. Returns 0,
 * -1 (not a number) or -3 (a comma between a 1-3 digit group and exactly
 * three digits: "1,234" reads as one thousand two hundred and thirty-four
 * in half the world and as 1.234 in the other, so we refuse to guess). */
static int normalise_float_text(const char *s, size_t len, char *buf)
{
    size_t i = 0, digits = 0, comma_at = 0, int_start;
    int comma = 0;
    if (len == 0 || len >= NUM_TEXT_MAX)
        return -1;
    if (s[i] == '+' || s[i] == '-')
        i++;
    int_start = i;
    for (; i < len && is_digit((unsigned char)s[i]); i++)
        digits++;
    /* Only 1-3 digits without a leading zero can be a thousands group. */
    int could_group = digits >= 1 && digits <= 3 && s[int_start] != '0';
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        comma = s[i] == ',';
        comma_at = i++;
        for (; i < len && is_digit((unsigned char)s[i]); i++)
            digits++;
    }
    if (digits == 0)
        return -1;
    if (comma && could_group && i == len && len - comma_at - 1 == 3)
        return -3;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        size_t exp_digits = 0;
        if (++i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        for (; i < len && is_digit((unsigned char)s[i]); i++)
            exp_digits++;
        if (exp_digits == 0)
            return -1;
    }
    if (i != len)
        return -1;
    memcpy(buf, s, len);
    buf[len] = '\0';
    if (comma)
        buf[comma_at] = '.';
    return 0;
}

static int to_float(json_t *v, const char *field, json_t **out, char *reason, size_t rs)
{
    if (json_is_real(v))
        return 0;
    if (json_is_integer(v)) {
        *out = json_real((double)json_integer_value(v));
        return *out ? 0 : -2;
    }
    if (!json_is_string(v))
        return fail(v, MAP_CAST_FLOAT, field, "is not a number", reason, rs);
    char buf[NUM_TEXT_MAX];
    size_t len;
    const char *s = trimmed(v, &len);
    int rc = normalise_float_text(s, len, buf);
    if (rc == -3)
        return fail(v, MAP_CAST_FLOAT, field,
                    "is ambiguous (the comma may be a thousands separator)", reason, rs);
    if (rc < 0)
        return fail(v, MAP_CAST_FLOAT, field, "is not a number", reason, rs);
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    /* Underflow to a tiny or zero value is fine; only infinity is not. */
    if (*end != '\0' || !isfinite(d))
        return fail(v, MAP_CAST_FLOAT, field, "is out of range for float", reason, rs);
    *out = json_real(d);
    return *out ? 0 : -2;
}

/* ---- bool ---- */

static int bool_word(const char *s, size_t len, int *b)
{
    static const struct { const char *word; int value; } words[] = {
        { "true", 1 }, { "false", 0 }, { "yes", 1 }, { "no", 0 }, { "1", 1 }, { "0", 0 },
    };
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++) {
        if (strlen(words[k].word) == len && strncasecmp(words[k].word, s, len) == 0) {
            *b = words[k].value;
            return 1;
        }
    }
    return 0;
}

static int to_bool(json_t *v, const char *field, json_t **out, char *reason, size_t rs)
{
    int b;
    if (json_is_boolean(v))
        return 0;
    if (json_is_integer(v) && (json_integer_value(v) == 0 || json_integer_value(v) == 1)) {
        b = json_integer_value(v) == 1;
    } else if (json_is_real(v) && (json_real_value(v) == 0.0 || json_real_value(v) == 1.0)) {
        b = json_real_value(v) == 1.0;
    } else if (json_is_string(v)) {
        size_t len;
        const char *s = trimmed(v, &len);
        if (!bool_word(s, len, &b))
            return fail(v, MAP_CAST_BOOL, field, "is not a boolean", reason, rs);
    } else {
        return fail(v, MAP_CAST_BOOL, field, "is not a boolean", reason, rs);
    }
    *out = json_boolean(b);
    return 0;
}

/* ---- string ---- */

static int to_string(json_t *v, json_t **out)
{
    char buf[48];
    switch (json_typeof(v)) {
    case JSON_STRING:
        return 0;
    case JSON_INTEGER:
        snprintf(buf, sizeof buf, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        *out = json_string(buf);
        break;
    case JSON_REAL:
        format_real(json_real_value(v), buf, sizeof buf);
        *out = json_string(buf);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        *out = json_string(json_is_true(v) ? "true" : "false");
        break;
    default: {
        char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
        *out = text ? json_string(text) : NULL;
        free(text);
        break;
    }
    }
    return *out ? 0 : -2;
}

int map_cast_value(json_t *v, int type, const char *field, json_t **out, char *reason,
                   size_t reason_size)
{
    *out = NULL;
    switch (type) {
    case MAP_CAST_INT: return to_int(v, field, out, reason, reason_size);
    case MAP_CAST_FLOAT: return to_float(v, field, out, reason, reason_size);
    case MAP_CAST_BOOL: return to_bool(v, field, out, reason, reason_size);
    default:
        return to_string(v, out);
    }
}
