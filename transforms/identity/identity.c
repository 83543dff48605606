/*
 * identity.c - the `identity` transform: gives every customer record, and
 * every record naming a customer, a stable customer_id kept in a
 * persistent identity store.
 *
 * Serial (one worker): the graph is one per pipeline. A batch is one store
 * transaction: keys, links and merges of the batch's records are committed
 * together before the batch moves on, so a crash leaves the store as it was
 * after some whole batch. Re-processing records (a re-run after a failure)
 * finds their keys known and gives the same ids; merges they caused are
 * emitted again (see id_resolve.c), since the sinks may never have got
 * them.
 */
#include "identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define ID_VERSION "1.0.0"

/* Records of the batch given an id, to write the final ids once the whole
 * batch is resolved (a later record of the batch may merge an earlier one's
 * customer). */
typedef struct id_done {
    size_t i;
    uint32_t node;
} id_done;

typedef struct id_batch {
    id_done *v; /* owned */
    size_t n, cap;
} id_batch;

typedef struct id_stage {
    id_state s;
    id_batch done;
} id_stage;

static void now_iso(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int remember(id_batch *d, size_t i, uint32_t node)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 1024;
        id_done *v = realloc(d->v, cap * sizeof *v);
        if (!v)
            return SLUICE_ENOMEM;
        d->v = v;
        d->cap = cap;
    }
    d->v[d->n++] = (id_done){ i, node };
    return SLUICE_OK;
}

static int reload(id_state *st)
{
    sluice_info(st->ctx, "identity: the store was written by another process; reloading it");
    id_graph_free(&st->graph);
    int rc = id_graph_init(&st->graph);
    return rc == SLUICE_OK ? id_store_load(st->store, &st->graph) : rc;
}

/* "<stream>:<record_id>" for a reference record that has one, else NULL
 * (a customer record is named by its first key). */
static const char *record_label(const id_spec *spec, json_t *rec, char *buf, size_t size)
{
    json_t *v = spec->record_id ? json_object_get(rec, spec->record_id) : NULL;
    if (json_is_string(v))
        snprintf(buf, size, "%s:%s", spec->stream, json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, size, "%s:%" JSON_INTEGER_FORMAT, spec->stream, json_integer_value(v));
    else
        return NULL;
    return buf;
}

/* One record: its keys, then the graph. Adds it to `done` when it got an id. */
static int one_record(id_stage *sg, sluice_batch *b, size_t i, const char *at)
{
    id_state *st = &sg->s;
    json_t *rec = sluice_batch_record(b, i);
    const char *stream = sluice_batch_stream(b, i);
    const id_spec *spec = json_is_object(rec) ? id_plan_spec(&st->plan, stream) : NULL;
    if (!spec)
        return SLUICE_OK;
    int rc = id_keys_extract(&st->keys, &st->plan, spec, rec, sluice_batch_source(b), &st->nw);
    if (rc != SLUICE_OK)
        return rc;
    if (st->keys.n == 0) {
        if (!spec->customer)
            return SLUICE_OK;
        st->n.unidentified++;
        return st->plan.reject_unidentified
                   ? sluice_batch_reject(st->ctx, b, i, "identity: no e-mail, phone or id to identify the customer by")
                   : SLUICE_OK;
    }
    uint64_t line = 0;
    const char *file = sluice_batch_origin(b, i, &line);
    char origin[512], label[512];
    if (file)
        snprintf(origin, sizeof origin, "%s:%llu", file, (unsigned long long)line);
    id_where w = { sluice_batch_source(b), stream, file ? origin : NULL, at };
    uint32_t node;
    rc = id_resolve(st, b, &w, record_label(spec, rec, label, sizeof label), &node);
    if (rc == SLUICE_OK)
        rc = remember(&sg->done, i, node);
    return rc;
}

static int write_ids(id_stage *sg, sluice_batch *b)
{
    id_state *st = &sg->s;
    for (size_t k = 0; k < sg->done.n; k++) {
        json_t *rec = sluice_batch_record(b, sg->done.v[k].i);
        uint32_t c = id_graph_find(&st->graph, st->graph.nodes[sg->done.v[k].node].comp);
        if (rec && json_object_set_new(rec, st->plan.id_field, json_string(st->graph.comps[c].id)) != 0)
            return SLUICE_ENOMEM;
        st->n.records++;
    }
    return SLUICE_OK;
}

static int has_work(const id_state *st, const sluice_batch *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (id_plan_spec(&st->plan, sluice_batch_stream(b, i)))
            return 1;
    return 0;
}

static int id_process(void *state, sluice_ctx *ctx, sluice_batch *b)
{
    id_stage *sg = state;
    id_state *st = &sg->s;
    size_t n = sluice_batch_count(b);
    char at[32];
    int changed = 0;
    if (!has_work(st, b, n))
        return SLUICE_OK;
    now_iso(at);
    sg->done.n = 0;
    int rc = id_store_begin(st->store, &changed);
    if (rc == SLUICE_OK && changed)
        rc = reload(st);
    for (size_t i = 0; i < n && rc == SLUICE_OK; i++)
        rc = one_record(sg, b, i, at);
    if (rc == SLUICE_OK)
        rc = write_ids(sg, b);
    if (rc == SLUICE_OK)
        rc = id_store_commit(st->store);
    if (rc != SLUICE_OK) {
        const char *why = rc == SLUICE_ENOMEM ? "out of memory" : id_store_error(st->store);
        sluice_error(ctx, "identity: %s", why);
        sluice_set_error(ctx, why);
        id_store_rollback(st->store);
    }
    return rc;
}

static void id_fini(void *state)
{
    id_stage *sg = state;
    if (!sg)
        return;
    id_state *st = &sg->s;
    if (st->store)
        sluice_info(st->ctx,
                    "identity: %llu records given a customer id, %llu new customers, %llu merges (%llu emitted again), "
                    "%llu customer records without a key, %zu invalid e-mails or phones skipped",
                    st->n.records, st->n.customers, st->n.merges, st->n.replayed, st->n.unidentified, st->keys.invalid);
    id_store_close(&st->store);
    id_graph_free(&st->graph);
    id_keys_free(&st->keys);
    norm_buf_free(&st->nw.buf);
    norm_buf_free(&st->nw.tmp);
    free(st->roots);
    free(sg->done.v);
    id_plan_free(&st->plan);
    free(sg);
}

static int open_store(id_state *st)
{
    char err[600];
    int rc = id_store_open(st->plan.store_path, &st->store, err, sizeof err);
    if (rc == SLUICE_OK && (rc = id_graph_init(&st->graph)) == SLUICE_OK)
        rc = id_store_load(st->store, &st->graph);
    if (rc != SLUICE_OK) {
        const char *why = st->store ? id_store_error(st->store) : err;
        sluice_error(st->ctx, "identity: %s", rc == SLUICE_ENOMEM ? "out of memory" : why);
        sluice_set_error(st->ctx, why);
        return rc;
    }
    sluice_debug(st->ctx, "identity: store %s holds %zu keys", st->plan.store_path, st->graph.nnodes);
    return SLUICE_OK;
}

static int id_init(sluice_ctx *ctx, void **state)
{
    id_stage *sg = calloc(1, sizeof *sg);
    if (!sg)
        return SLUICE_ENOMEM;
    id_state *st = &sg->s;
    st->ctx = ctx;
    int rc = id_plan_build(ctx, &st->plan);
    if (rc == SLUICE_OK) {
        st->nw.cfg = &st->plan.ncfg;
        rc = open_store(st);
    }
    if (rc != SLUICE_OK) {
        id_store_close(&st->store); /* no summary for a stage that never ran */
        id_fini(sg);
        return rc;
    }
    *state = sg;
    return SLUICE_OK;
}

static const sluice_plugin id_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_TRANSFORM,
    .name = "identity",
    .version = ID_VERSION,
    .description = "stable customer ids across sources: links records by e-mail, phone and cross-references, "
                   "merges customers, keeps the graph in a SQLite identity store",
    .options = id_options,
    .flags = SLUICE_PLUGIN_SERIAL,
    .init = id_init,
    .fini = id_fini,
    .process = id_process,
};

SLUICE_PLUGIN(id_plugin);
