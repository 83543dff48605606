/*
 * normalize.c - the `normalize` transform: e-mails, phones, names,
 * currencies, money and dates to one canonical form each, with every value
 * that cannot be normalised flagged on its record, nulled or dead-lettered
 * (on_invalid) rather than silently dropped.
 *
 * A record is worked out before it is touched: every configured field is
 * normalised into a pending list first, so a record dead-lettered for one
 * bad field leaves the stage exactly as it came in.
 */
#include "normalize.h"
#include "each_record.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NORM_VERSION "1.0.0"
/* Room for the reasons of all the bad items of one list field. */
#define PENDING_REASON_MAX 512
/* How much of an offending value a reason quotes. */
#define SHOWN_VALUE_MAX 48

/* What one field of the record at hand will become. */
typedef struct pending {
    json_t *value;   /* owned: new value to set, or NULL to leave the field alone */
    int invalid;     /* something in the field was invalid: reason holds why */
    char reason[PENDING_REASON_MAX];
    char ext[NORM_EXT_MAX]; /* phone extension to store, or "" */
} pending;

typedef struct norm_state {
    norm_plan plan;
    norm_work work;
    pending *pend;     /* owned, one per plan field */
    locale_t c_locale; /* owned: money formatting must not follow LC_NUMERIC */
} norm_state;

/* ---- reasons ---- */

/* Appends text to a pending reason, "; "-separated, cut at the end of the
 * buffer rather than overflowing it. */
static void add_reason(pending *p, const char *text)
{
    size_t len = strlen(p->reason), room = sizeof p->reason - 1 - len;
    if (len && room >= 2) {
        memcpy(p->reason + len, "; ", 2);
        len += 2;
        room -= 2;
    }
    size_t n = strlen(text);
    if (n > room)
        n = room;
    memcpy(p->reason + len, text, n);
    p->reason[len + n] = '\0';
    norm_utf8_cut(p->reason);
}

/* "REASON (value "...")": the value is quoted when on_invalid will not
 * keep it in the record. */
static void describe(const norm_state *st, json_t *v, const char *reason, const char *item, char *out,
                     size_t size)
{
    char *text = NULL, num[40];
    if (st->plan.on_invalid != NORM_FLAG && json_is_real(v)) {
        /* jansson prints 17 digits (12.345000000000001); show what was sent. */
        norm_real_text(json_real_value(v), num, sizeof num);
        text = strdup(num);
    } else if (st->plan.on_invalid != NORM_FLAG) {
        text = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
    }
    if (text) {
        int cut = strlen(text) > SHOWN_VALUE_MAX;
        snprintf(out, size, "%s%s (value %.*s%s)", item, reason, SHOWN_VALUE_MAX, text, cut ? "..." : "");
    } else {
        snprintf(out, size, "%s%s", item, reason);
    }
    free(text);
    norm_utf8_cut(out);
}

/* ---- computing ---- */

/* A list field: each item normalised; blank items and (for e-mails and
 * phones) repeats removed; bad items kept as they were (flag) or left out
 * (null, reject), each named in the reason. Phone extensions in lists are
 * dropped. */
static int compute_array(norm_state *st, const norm_field *f, json_t *arr, pending *p)
{
    norm_rule_fn rule = norm_rule(f->kind);
    int dedup = f->kind == NORM_EMAIL || f->kind == NORM_PHONE;
    json_t *out = json_array(), *item, *v;
    size_t i;
    if (!out)
        return SLUICE_ENOMEM;
    json_array_foreach(arr, i, item) {
        if (json_is_null(item))
            continue;
        int rc = rule(&st->work, item, &v);
        if (rc == SLUICE_ENOMEM) {
            json_decref(out);
            return rc;
        }
        if (rc == NORM_INVALID) {
            char where[32], why[PENDING_REASON_MAX];
            snprintf(where, sizeof where, "item %zu: ", i);
            describe(st, item, st->work.reason, where, why, sizeof why);
            add_reason(p, why);
            p->invalid = 1;
            v = st->plan.on_invalid == NORM_FLAG ? json_incref(item) : NULL;
        } else if (json_is_null(v) || (dedup && norm_json_has(out, v))) {
            json_decref(v);
            v = NULL;
        }
        if (v && json_array_append_new(out, v) < 0) {
            json_decref(out);
            return SLUICE_ENOMEM;
        }
    }
    p->value = out;
    return SLUICE_OK;
}

static int compute_field(norm_state *st, const norm_field *f, json_t *v, pending *p)
{
    st->work.scale = f->scale;
    if (json_is_array(v))
        return compute_array(st, f, v, p);
    int rc = norm_rule(f->kind)(&st->work, v, &p->value);
    if (rc == NORM_INVALID) {
        describe(st, v, st->work.reason, "", p->reason, sizeof p->reason);
        p->invalid = 1;
        p->value = st->plan.on_invalid == NORM_NULL ? json_null() : NULL;
        return SLUICE_OK;
    }
    if (rc == SLUICE_OK && f->ext_name)
        memcpy(p->ext, st->work.ext, sizeof p->ext);
    return rc;
}

static void clear_pending(norm_state *st)
{
    for (size_t k = 0; k < st->plan.nfields; k++) {
        json_decref(st->pend[k].value);
        st->pend[k].value = NULL;
        st->pend[k].invalid = 0;
        st->pend[k].reason[0] = '\0';
        st->pend[k].ext[0] = '\0';
    }
}

/* ---- applying ---- */

/* The record's invalid-field object, created (or a non-object replaced)
 * on first use. Borrowed. */
static json_t *invalid_object(const norm_state *st, json_t *rec)
{
    json_t *o = json_object_get(rec, st->plan.invalid_field);
    if (json_is_object(o))
        return o;
    o = json_object();
    if (!o || json_object_set_new(rec, st->plan.invalid_field, o) < 0)
        return NULL;
    return o;
}

static int apply(norm_state *st, json_t *rec)
{
    for (size_t k = 0; k < st->plan.nfields; k++) {
        const norm_field *f = &st->plan.fields[k];
        pending *p = &st->pend[k];
        if (p->value) {
            int rc = json_object_set_new(rec, f->name, p->value);
            p->value = NULL; /* stolen, even on failure */
            if (rc < 0)
                return SLUICE_ENOMEM;
        }
        if (p->ext[0] && json_object_set_new(rec, f->ext_name, json_string_nocheck(p->ext)) < 0)
            return SLUICE_ENOMEM;
        if (p->invalid) {
            json_t *o = invalid_object(st, rec);
            if (!o || json_object_set_new(o, f->name, json_string(p->reason)) < 0)
                return SLUICE_ENOMEM;
        }
    }
    return SLUICE_OK;
}

static int reject(norm_state *st, sluice_ctx *ctx, sluice_batch *b, size_t i)
{
    for (size_t k = 0; k < st->plan.nfields; k++) {
        if (!st->pend[k].invalid)
            continue;
        char why[PENDING_REASON_MAX + 128];
        snprintf(why, sizeof why, "%s: invalid %s: %s", st->plan.fields[k].name,
                 norm_kind_name(st->plan.fields[k].kind), st->pend[k].reason);
        norm_utf8_cut(why);
        return sluice_batch_reject(ctx, b, i, why);
    }
    return SLUICE_OK;
}

static int normalize_record(void *state, sluice_ctx *ctx, sluice_batch *b, size_t i, json_t *rec)
{
    norm_state *st = state;
    int rc = SLUICE_OK, any_invalid = 0;
    for (size_t k = 0; k < st->plan.nfields && rc == SLUICE_OK; k++) {
        json_t *v = json_object_get(rec, st->plan.fields[k].name);
        if (!v || json_is_null(v))
            continue;
        rc = compute_field(st, &st->plan.fields[k], v, &st->pend[k]);
        any_invalid |= st->pend[k].invalid;
    }
    if (rc == SLUICE_OK)
        rc = any_invalid && st->plan.on_invalid == NORM_REJECT ? reject(st, ctx, b, i) : apply(st, rec);
    clear_pending(st);
    return rc;
}

static int norm_process(void *state, sluice_ctx *ctx, sluice_batch *b)
{
    norm_state *st = state;
    return tx_each_record(b, st->c_locale, normalize_record, st, ctx, "normalize");
}

static void norm_fini(void *state)
{
    norm_state *st = state;
    if (!st)
        return;
    if (st->pend)
        clear_pending(st);
    free(st->pend);
    norm_plan_free(&st->plan);
    norm_buf_free(&st->work.buf);
    norm_buf_free(&st->work.tmp);
    if (st->c_locale)
        freelocale(st->c_locale);
    free(st);
}

static int norm_init(sluice_ctx *ctx, void **state)
{
    norm_state *st = calloc(1, sizeof *st);
    if (!st)
        return SLUICE_ENOMEM;
    st->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    int rc = st->c_locale ? norm_plan_build(ctx, &st->plan) : SLUICE_ENOMEM;
    if (rc == SLUICE_OK && !(st->pend = calloc(st->plan.nfields + 1, sizeof *st->pend)))
        rc = SLUICE_ENOMEM;
    if (rc != SLUICE_OK) {
        norm_fini(st);
        return rc;
    }
    st->work.cfg = &st->plan.cfg;
    if (st->plan.nfields == 0)
        sluice_warn(ctx, "normalize: no field configured; records pass unchanged");
    *state = st;
    return SLUICE_OK;
}

static const sluice_plugin norm_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_TRANSFORM,
    .name = "normalize",
    .version = NORM_VERSION,
    .description = "normalise e-mails, phones (E.164), names, currencies (ISO 4217), money and dates (ISO 8601 UTC)",
    .options = norm_options,
    .init = norm_init,
    .fini = norm_fini,
    .process = norm_process,
};

SLUICE_PLUGIN(norm_plugin);
