/*
 * unify.c - the `unify` transform: records of a connector's streams
 * become records of the canonical streams (docs/unified-model.md), as a
 * mapping file says.
 *
 * An input record is worked out completely before the batch is touched:
 * every output record it makes (one per output, or one per list element
 * for an "each" output) is built into a pending list first. If any field
 * of any of them fails, the input record is dead-lettered as it came in,
 * with the output field and the reason (`deals.amount: "12,5x" is not a
 * decimal (...)`), and none of its outputs are sent. Otherwise the input
 * record's slot takes the first output of its own stream name (keeping
 * its origin for later dead letters), or is dropped, and the other
 * outputs are appended to the batch.
 */
#include "unify.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UFY_VERSION "1.0.0"
/* Unmapped stream names warned about, per worker; more are not warned. */
#define WARNED_MAX 32

typedef struct pending {
    const char *stream; /* borrowed from the plan */
    json_t *rec;        /* owned */
} pending;

typedef struct ufy_state {
    ufy_plan plan;
    ufy_work work;
    pending *pend; /* owned */
    size_t npend, cap;
    char why[UFY_REASON_MAX + 128]; /* reason of the record being rejected */
    char *warned[WARNED_MAX];       /* owned: unmapped streams already warned about */
    size_t nwarned;
    locale_t c_locale; /* owned: numbers must not follow LC_NUMERIC */
} ufy_state;

static void clear_pending(ufy_state *st)
{
    for (size_t k = 0; k < st->npend; k++)
        json_decref(st->pend[k].rec);
    st->npend = 0;
}

/* Steals rec. */
static int push_pending(ufy_state *st, const char *stream, json_t *rec)
{
    if (st->npend == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 8;
        pending *p = realloc(st->pend, cap * sizeof *p);
        if (!p) {
            json_decref(rec);
            return SLUICE_ENOMEM;
        }
        st->pend = p;
        st->cap = cap;
    }
    st->pend[st->npend++] = (pending){ stream, rec };
    return SLUICE_OK;
}

/* ---- building output records ---- */

static int field_value(ufy_state *st, const ufy_output *o, const ufy_field *f, json_t **v)
{
    ufy_work *w = &st->work;
    w->field = f->name;
    int rc = ufy_eval_field(w, &f->spec, v);
    if (rc == SLUICE_OK && (rc = ufy_canon_check(w, &f->canon, *v)) != SLUICE_OK) {
        json_decref(*v);
        *v = NULL;
    }
    if (rc == UFY_INVALID) {
        snprintf(st->why, sizeof st->why, "%s.%s: %s", o->stream, f->name, w->reason);
        norm_utf8_cut(st->why);
    }
    return rc;
}

static int build_record(ufy_state *st, const ufy_output *o)
{
    ufy_work *w = &st->work;
    json_t *rec = json_object();
    int rc = rec ? SLUICE_OK : SLUICE_ENOMEM;
    w->notes = NULL;
    for (size_t k = 0; k < o->nfields && rc == SLUICE_OK; k++) {
        json_t *v = NULL;
        rc = field_value(st, o, &o->fields[k], &v);
        if (rc == SLUICE_OK && (json_is_object(v) || json_is_array(v))) {
            /* Parts of the input record: a copy, so that no two records
             * share a value a later stage might change. */
            json_t *copy = json_deep_copy(v);
            json_decref(v);
            v = copy;
            rc = v ? SLUICE_OK : SLUICE_ENOMEM;
        }
        if (rc == SLUICE_OK && o->partial && json_is_null(v))
            json_decref(v);
        else if (rc == SLUICE_OK && json_object_set_new_nocheck(rec, o->fields[k].name, v) < 0)
            rc = SLUICE_ENOMEM;
    }
    if (rc == SLUICE_OK && w->notes && st->plan.invalid_field) {
        rc = json_object_set_new_nocheck(rec, st->plan.invalid_field, w->notes) < 0 ? SLUICE_ENOMEM : SLUICE_OK;
        w->notes = NULL;
    }
    json_decref(w->notes);
    w->notes = NULL;
    if (rc != SLUICE_OK) {
        json_decref(rec);
        return rc;
    }
    return push_pending(st, o->stream, rec);
}

/* One record for the element at hand, when the output's condition holds. */
static int maybe_build(ufy_state *st, const ufy_output *o)
{
    int yes = 1, rc = SLUICE_OK;
    if (o->when && (rc = ufy_eval_when(&st->work, o->when, &yes)) == UFY_INVALID) {
        snprintf(st->why, sizeof st->why, "%s (when): %s", o->stream, st->work.reason);
        norm_utf8_cut(st->why);
    }
    if (rc != SLUICE_OK || !yes)
        return rc;
    return build_record(st, o);
}

static int run_output(ufy_state *st, const ufy_output *o)
{
    ufy_work *w = &st->work;
    json_t *list = NULL, *el;
    size_t i;
    int rc;
    w->item = w->root;
    w->index = 1;
    if (!o->each)
        return maybe_build(st, o);
    if ((rc = ufy_path_eval(o->each, w->root, w->root, &list)) != SLUICE_OK)
        return rc;
    if (json_is_object(list)) { /* a single element where a list was expected */
        w->item = list;
        rc = maybe_build(st, o);
    }
    json_array_foreach(list, i, el) {
        w->item = el;
        w->index = i + 1;
        if ((rc = maybe_build(st, o)) != SLUICE_OK)
            break;
    }
    json_decref(list);
    w->item = w->root;
    return rc;
}

/* The first pending record takes the input's slot, with its stream; the
 * others follow it. All keep the input's file and line, so a later stage
 * rejecting one still names where it came from; nothing counts as dropped. */
static int commit(ufy_state *st, sluice_batch *b, size_t i)
{
    if (st->npend == 0) {
        sluice_batch_drop(b, i);
        return SLUICE_OK;
    }
    int rc = sluice_batch_replace_as(b, i, st->pend[0].stream, st->pend[0].rec);
    for (size_t k = 1; k < st->npend; k++) {
        int r = sluice_batch_append_from(b, i, st->pend[k].stream, st->pend[k].rec);
        if (rc == SLUICE_OK)
            rc = r;
    }
    st->npend = 0; /* every record was stolen */
    return rc;
}

static int map_record(ufy_state *st, sluice_ctx *ctx, sluice_batch *b, size_t i, const ufy_input *in)
{
    ufy_work *w = &st->work;
    int rc = SLUICE_OK;
    w->root = sluice_batch_record(b, i);
    w->stream = in->stream;
    for (size_t k = 0; k < in->nouts && rc == SLUICE_OK; k++)
        rc = run_output(st, &in->outs[k]);
    if (rc != SLUICE_OK) {
        clear_pending(st);
        return rc == UFY_INVALID ? sluice_batch_reject(ctx, b, i, st->why) : rc;
    }
    return commit(st, b, i);
}

/* ---- streams the mapping does not name ---- */

static void warn_once(ufy_state *st, sluice_ctx *ctx, const char *stream)
{
    for (size_t k = 0; k < st->nwarned; k++)
        if (strcmp(st->warned[k], stream) == 0)
            return;
    if (st->nwarned < WARNED_MAX && (st->warned[st->nwarned] = strdup(stream)))
        st->nwarned++;
    sluice_warn(ctx, "unify: the mapping %s has no stream \"%s\": its records pass unchanged", st->plan.doc_name,
                stream);
}

static int unmapped(ufy_state *st, sluice_ctx *ctx, sluice_batch *b, size_t i)
{
    const char *stream = sluice_batch_stream(b, i);
    char why[300];
    switch (st->plan.unmapped) {
    case UFY_UNMAPPED_DROP: sluice_batch_drop(b, i); return SLUICE_OK;
    case UFY_UNMAPPED_REJECT:
        snprintf(why, sizeof why, "the mapping has no stream \"%s\"", stream ? stream : "");
        return sluice_batch_reject(ctx, b, i, why);
    default: warn_once(st, ctx, stream ? stream : ""); return SLUICE_OK;
    }
}

/* ---- the plugin ---- */

static int ufy_process(void *state, sluice_ctx *ctx, sluice_batch *b)
{
    ufy_state *st = state;
    size_t n = sluice_batch_count(b); /* records appended below are outputs: not mapped again */
    int rc = SLUICE_OK;
    locale_t old = uselocale(st->c_locale);
    st->work.source = sluice_batch_source(b);
    for (size_t i = 0; i < n && rc == SLUICE_OK; i++) {
        if (!json_is_object(sluice_batch_record(b, i)))
            continue;
        const ufy_input *in = ufy_plan_input(&st->plan, sluice_batch_stream(b, i));
        if (!in)
            rc = unmapped(st, ctx, b, i);
        else if (in->ignore)
            sluice_batch_drop(b, i);
        else
            rc = map_record(st, ctx, b, i, in);
    }
    uselocale(old);
    if (rc != SLUICE_OK)
        sluice_error(ctx, "unify: %s", sluice_strerror(rc));
    return rc;
}

static void ufy_fini(void *state)
{
    ufy_state *st = state;
    if (!st)
        return;
    clear_pending(st);
    free(st->pend);
    for (size_t k = 0; k < st->nwarned; k++)
        free(st->warned[k]);
    ufy_plan_free(&st->plan);
    norm_buf_free(&st->work.nw.buf);
    norm_buf_free(&st->work.nw.tmp);
    norm_buf_free(&st->work.text);
    json_decref(st->work.notes);
    if (st->c_locale)
        freelocale(st->c_locale);
    free(st);
}

static int ufy_init(sluice_ctx *ctx, void **state)
{
    ufy_state *st = calloc(1, sizeof *st);
    if (!st)
        return SLUICE_ENOMEM;
    st->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    int rc = st->c_locale ? ufy_plan_build(ctx, &st->plan) : SLUICE_ENOMEM;
    if (rc != SLUICE_OK) {
        ufy_fini(st);
        return rc;
    }
    st->work.system = st->plan.system;
    st->work.nw.cfg = &st->plan.base;
    sluice_debug(ctx, "unify: mapping %s, system %s, %zu input streams", st->plan.doc_name, st->plan.system,
                 st->plan.ninputs);
    *state = st;
    return SLUICE_OK;
}

static const sluice_plugin ufy_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_TRANSFORM,
    .name = "unify",
    .version = UFY_VERSION,
    .description = "map a system's records to the canonical streams (customers, companies, products, stock, "
                   "orders, order_lines, deals, leads, owners) as a mapping file says",
    .options = ufy_options,
    .init = ufy_init,
    .fini = ufy_fini,
    .process = ufy_process,
};

SLUICE_PLUGIN(ufy_plugin);
