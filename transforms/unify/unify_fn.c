/*
 * unify_fn.c - the functions a field may apply to its value.
 *
 * email, phone, name, currency, money and date are the normalize
 * transform's rules, called as they are; the others are the small casts a
 * mapping needs (integers, quantities, text, ids, case, booleans). Every
 * function turns blank text into null and refuses what it cannot read with
 * a reason that quotes the value: `"12,5x" is not a decimal (contains 'x'
 * ...)`.
 */
#include "unify.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define SHOWN_MAX 48
/* Digits of the widest integer a quantity is stored as (int64). */
#define INT_DIGITS_MAX 18
/* Scale at which amounts are read before being shifted or rounded. */
#define WIDE_SCALE 18

static const struct {
    const char *name, *noun;
} fn_info[UFY_FN_KINDS] = {
    [UFY_FN_EMAIL] = { "email", "an e-mail address" }, [UFY_FN_PHONE] = { "phone", "a phone number" },
    [UFY_FN_NAME] = { "name", "a name" },               [UFY_FN_CURRENCY] = { "currency", "a currency" },
    [UFY_FN_MONEY] = { "money", "a decimal" },          [UFY_FN_DATE] = { "date", "a date" },
    [UFY_FN_QUANTITY] = { "quantity", "a quantity" },   [UFY_FN_INT] = { "int", "an integer" },
    [UFY_FN_STRING] = { "string", "text" },             [UFY_FN_ID] = { "id", "an id" },
    [UFY_FN_LOWER] = { "lower", "text" },               [UFY_FN_UPPER] = { "upper", "text" },
    [UFY_FN_TRIM] = { "trim", "text" },                 [UFY_FN_BOOL] = { "bool", "a yes/no value" },
};

int ufy_fn_kind_of(const char *name)
{
    for (int k = 0; k < UFY_FN_KINDS; k++)
        if (strcmp(fn_info[k].name, name) == 0)
            return k;
    return -1;
}

const char *ufy_fn_name(int kind) { return kind >= 0 && kind < UFY_FN_KINDS ? fn_info[kind].name : "?"; }

const char *ufy_fn_names(void)
{
    return "email, phone, name, currency, money, date, quantity, int, string, id, lower, upper, trim, bool";
}

int ufy_fail(ufy_work *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->reason, sizeof w->reason, fmt, ap);
    va_end(ap);
    norm_utf8_cut(w->reason);
    return UFY_INVALID;
}

/* Cuts s (NUL-terminated) to at most max bytes without splitting a UTF-8
 * character; returns whether it was cut. */
static int cut_utf8(char *s, size_t max)
{
    size_t n = strlen(s);
    if (n <= max)
        return 0;
    while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
        max--;
    s[max] = '\0';
    return 1;
}

void ufy_show(json_t *v, char *out, size_t size)
{
    char num[64];
    char *text = NULL;
    if (json_is_real(v)) {
        norm_real_text(json_real_value(v), num, sizeof num);
        text = strdup(num);
    } else {
        text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    }
    if (!text) {
        snprintf(out, size, "(a value)");
        return;
    }
    int cut = cut_utf8(text, SHOWN_MAX);
    snprintf(out, size, "%s%s", text, cut ? "..." : "");
    free(text);
}

const char *ufy_scalar_text(json_t *v, char *num, size_t num_size)
{
    switch (json_typeof(v)) {
    case JSON_STRING: return json_string_value(v);
    case JSON_INTEGER: snprintf(num, num_size, "%" JSON_INTEGER_FORMAT, json_integer_value(v)); return num;
    case JSON_REAL: norm_real_text(json_real_value(v), num, num_size); return num;
    case JSON_TRUE: return "true";
    case JSON_FALSE: return "false";
    default: return NULL;
    }
}

/* ---- text functions ---- */

/* in as a JSON string (numbers and booleans written out). New reference,
 * or NULL for lists and objects. */
static json_t *as_text(json_t *in)
{
    char num[64];
    if (json_is_string(in))
        return json_incref(in);
    const char *t = ufy_scalar_text(in, num, sizeof num);
    return t ? json_string(t) : NULL;
}

static int put_text(ufy_work *w, json_t **out)
{
    *out = json_stringn_nocheck(w->text.data, w->text.len);
    return *out ? SLUICE_OK : SLUICE_ENOMEM;
}

static int fn_case(ufy_work *w, json_t *s, int upper, json_t **out)
{
    const char *t = json_string_value(s);
    size_t len = json_string_length(s), i = 0;
    if (!norm_utf8_valid(t, len))
        return norm_fail(&w->nw, "not valid UTF-8");
    w->text.len = 0;
    while (i < len) {
        uint32_t cp;
        char enc[4];
        size_t n = norm_utf8_decode(t + i, len - i, &cp);
        uint32_t m = upper ? tx_cp_upper(cp) : tx_cp_lower(cp);
        if (norm_buf_put(&w->text, enc, norm_utf8_encode(m, enc)) != SLUICE_OK)
            return SLUICE_ENOMEM;
        i += n;
    }
    return put_text(w, out);
}

static int fn_trim(ufy_work *w, json_t *s, json_t **out)
{
    const char *t = json_string_value(s);
    size_t a = 0, b = json_string_length(s);
    if (!norm_utf8_valid(t, b))
        return norm_fail(&w->nw, "not valid UTF-8");
    norm_trim(t, &a, &b);
    w->text.len = 0;
    if (norm_buf_put(&w->text, t + a, b - a) != SLUICE_OK)
        return SLUICE_ENOMEM;
    return put_text(w, out);
}

/* "<system>:<text>": ids of different systems never meet in one table. */
static int fn_id(ufy_work *w, json_t *s, json_t **out)
{
    const char *t = json_string_value(s);
    size_t a = 0, b = json_string_length(s);
    if (!norm_utf8_valid(t, b))
        return norm_fail(&w->nw, "not valid UTF-8");
    norm_trim(t, &a, &b);
    if (a == b) {
        *out = json_null();
        return SLUICE_OK;
    }
    w->text.len = 0;
    if (norm_buf_put(&w->text, w->system, strlen(w->system)) != SLUICE_OK || norm_buf_putc(&w->text, ':') != SLUICE_OK ||
        norm_buf_put(&w->text, t + a, b - a) != SLUICE_OK)
        return SLUICE_ENOMEM;
    return put_text(w, out);
}

static int fn_bool(ufy_work *w, json_t *in, json_t **out)
{
    static const char *const yes[] = { "true", "yes", "y", "1", "да", "on", NULL };
    static const char *const no[] = { "false", "no", "n", "0", "нет", "off", NULL };
    char num[64];
    if (json_is_boolean(in)) {
        *out = json_incref(in);
        return SLUICE_OK;
    }
    const char *t = ufy_scalar_text(in, num, sizeof num);
    if (!t)
        return norm_fail(&w->nw, "expected text or a number");
    size_t a = 0, b = strlen(t);
    norm_trim(t, &a, &b);
    if (a == b) {
        *out = json_null();
        return SLUICE_OK;
    }
    w->text.len = 0;
    if (norm_lower_into(t + a, b - a, &w->text) != SLUICE_OK)
        return SLUICE_ENOMEM;
    for (int k = 0; yes[k]; k++)
        if (strcmp(w->text.data, yes[k]) == 0)
            return (*out = json_true()) ? SLUICE_OK : SLUICE_ENOMEM;
    for (int k = 0; no[k]; k++)
        if (strcmp(w->text.data, no[k]) == 0)
            return (*out = json_false()) ? SLUICE_OK : SLUICE_ENOMEM;
    return norm_fail(&w->nw, "expected true/false, yes/no, y/n or 1/0");
}

/* ---- numbers ---- */

/* Decimal places of the decimal text in b. */
static size_t decimals(const norm_buf *b)
{
    const char *dot = strchr(b->data, '.');
    return dot ? strlen(dot + 1) : 0;
}

/* Does b have a non-zero digit after its first `scale` decimals? */
static int nonzero_beyond(const norm_buf *b, int scale)
{
    const char *dot = strchr(b->data, '.');
    if (!dot)
        return 0;
    for (const char *p = dot + 1 + scale; *p; p++)
        if (*p != '0')
            return 1;
    return 0;
}

/* The amount as normalize reads it at `scale`, copied into w->text. */
static int read_amount(ufy_work *w, json_t *in, int scale, json_t **null_out)
{
    json_t *v = NULL;
    w->nw.scale = scale;
    int rc = norm_money(&w->nw, in, &v);
    if (rc != SLUICE_OK)
        return rc;
    if (json_is_null(v)) {
        *null_out = v;
        return SLUICE_OK;
    }
    w->text.len = 0;
    rc = norm_buf_put(&w->text, json_string_value(v), json_string_length(v));
    json_decref(v);
    return rc;
}

static int fn_money(ufy_work *w, const ufy_fn *fn, json_t *in, json_t **out)
{
    json_t *null_v = NULL;
    /* Read at the field's scale first, exactly as normalize would (that is
     * what tells "1,234" from "1,5"); wider only to round or shift. */
    int rc = read_amount(w, in, fn->scale, &null_v);
    if (rc == NORM_INVALID && fn->round)
        rc = read_amount(w, in, WIDE_SCALE, &null_v);
    if (rc != SLUICE_OK || null_v) {
        *out = null_v;
        return rc;
    }
    if (fn->shift && ufy_dec_shift(&w->text, fn->shift) != SLUICE_OK)
        return SLUICE_ENOMEM;
    if (!fn->round && nonzero_beyond(&w->text, fn->scale))
        return norm_fail(&w->nw, "%zu decimal places, the field's scale is %d", decimals(&w->text), fn->scale);
    if (ufy_dec_round(&w->text, fn->scale) != SLUICE_OK)
        return SLUICE_ENOMEM;
    return put_text(w, out);
}

/* Quantities: an integer when whole (and small enough), else exact text. */
static int fn_quantity(ufy_work *w, const ufy_fn *fn, json_t *in, int whole, json_t **out)
{
    json_t *null_v = NULL;
    int rc = read_amount(w, in, WIDE_SCALE, &null_v);
    if (rc != SLUICE_OK || null_v) {
        *out = null_v;
        return rc;
    }
    if (fn->shift && ufy_dec_shift(&w->text, fn->shift) != SLUICE_OK)
        return SLUICE_ENOMEM;
    ufy_dec_trim(&w->text);
    int frac = strchr(w->text.data, '.') != NULL;
    size_t digits = w->text.len - (w->text.data[0] == '-');
    if (whole && frac)
        return norm_fail(&w->nw, "has decimals");
    if (!frac && digits <= INT_DIGITS_MAX) {
        *out = json_integer((json_int_t)strtoll(w->text.data, NULL, 10));
        return *out ? SLUICE_OK : SLUICE_ENOMEM;
    }
    if (whole)
        return norm_fail(&w->nw, "more than %d digits", INT_DIGITS_MAX);
    return put_text(w, out);
}

/* ---- dispatch ---- */

static int apply_text_fn(ufy_work *w, const ufy_fn *fn, json_t *s, json_t **out)
{
    switch (fn->kind) {
    case UFY_FN_EMAIL: return norm_email(&w->nw, s, out);
    case UFY_FN_PHONE: return norm_phone(&w->nw, s, out);
    case UFY_FN_NAME: return norm_name(&w->nw, s, out);
    case UFY_FN_CURRENCY: return norm_currency(&w->nw, s, out);
    case UFY_FN_ID: return fn_id(w, s, out);
    case UFY_FN_LOWER: return fn_case(w, s, 0, out);
    case UFY_FN_UPPER: return fn_case(w, s, 1, out);
    case UFY_FN_TRIM: return fn_trim(w, s, out);
    default: *out = json_incref(s); return SLUICE_OK; /* string */
    }
}

static int dispatch(ufy_work *w, const ufy_fn *fn, json_t *in, json_t **out)
{
    switch (fn->kind) {
    case UFY_FN_MONEY: return fn_money(w, fn, in, out);
    case UFY_FN_DATE: return norm_date(&w->nw, in, out);
    case UFY_FN_QUANTITY: return fn_quantity(w, fn, in, 0, out);
    case UFY_FN_INT: return fn_quantity(w, fn, in, 1, out);
    case UFY_FN_BOOL: return fn_bool(w, in, out);
    default: break;
    }
    json_t *s = as_text(in);
    if (!s)
        return norm_fail(&w->nw, "expected text or a number, not %s", json_is_array(in) ? "a list" : "an object");
    int rc = apply_text_fn(w, fn, s, out);
    json_decref(s);
    return rc;
}

int ufy_fn_apply(ufy_work *w, const ufy_fn *fn, json_t *in, json_t **out)
{
    *out = NULL;
    w->nw.cfg = fn->cfg;
    w->nw.reason[0] = '\0';
    int rc = dispatch(w, fn, in, out);
    if (rc == NORM_INVALID) {
        char shown[SHOWN_MAX + 16];
        ufy_show(in, shown, sizeof shown);
        return ufy_fail(w, "%s is not %s (%s)", shown, fn_info[fn->kind].noun, w->nw.reason);
    }
    return rc;
}
