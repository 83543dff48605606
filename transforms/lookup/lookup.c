/*
 * lookup.c - the `lookup` transform: joins records of some streams against
 * a keyed table built from a file and/or from another stream, to fill
 * fields such as a product's cost, and computes exact margins.
 *
 * Serial (one worker): the table is built from every record of
 * table_stream, whichever batch brings it.
 *
 * Ordering. A table_file is read before the first record. Rows of
 * table_stream may arrive after the records that need them (sources run
 * in parallel, and one source may send order lines before products). So a
 * record whose key has no row yet, while table_stream may still bring it,
 * is held: written to the stage's SQLite file in the state folder (durable,
 * so the record is not lost when its batch moves on) and dropped from its
 * batch. When the row arrives, the held records are filled and appended to
 * the batch that brought it. A record still held when the input ends (no
 * row came: a truly unknown key) goes out flagged with the last batch
 * (finish(), ABI 1.3). With hold_across_runs, or when the host has no last
 * batch left to give (the input ended long after it), it waits for the
 * first batch of the next run instead, filled if the table knows the key
 * by then, flagged otherwise.
 * Released records are forgotten once a run ends cleanly; after a failed
 * or interrupted run they are released again (sinks keyed by the record's
 * key take the second copy idempotently).
 */
#include "lookup.h"

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state_file.h"

#define LK_VERSION "1.0.0"
#define LK_KEY_MAX 4096
#define MISSED_TRACKED 100000 /* distinct missing keys counted exactly; past that only records */
#define MISSED_SHOWN 5

typedef struct lk_state {
    sluice_ctx *ctx;     /* borrowed */
    lk_plan plan;
    lk_store *store;     /* owned; NULL until needed */
    int scratch;         /* the store only holds spilled rows of table_file: deleted at the end */
    char *store_path;    /* owned */
    lk_table table;
    tx_strmap *held;     /* owned: key -> number of records held for it */
    tx_strmap *missed;   /* owned: keys without a row (values unused) */
    char *missed_shown[MISSED_SHOWN]; /* owned: the first few, for the summary */
    size_t nshown;
    long long run;
    int released_earlier; /* records held by earlier runs went out */
    locale_t c_locale;   /* owned */
    lk_counts n;
} lk_state;

static int lk_fail(lk_state *st, int rc)
{
    const char *why = rc == SLUICE_ENOMEM ? "out of memory" : st->store ? lk_store_error(st->store) : "error";
    sluice_error(st->ctx, "lookup: %s", why);
    sluice_set_error(st->ctx, why);
    return rc;
}

/* ---- the store ---- */

static int open_store(lk_state *st, int durable)
{
    char err[600];
    int rc = lk_store_open(st->store_path, durable, &st->store, err, sizeof err);
    if (rc != SLUICE_OK) {
        sluice_error(st->ctx, "lookup: %s", err);
        sluice_set_error(st->ctx, err);
    }
    return rc;
}

/* A table_file's rows outgrew memory: a scratch file for the rest. */
static int open_scratch(void *arg)
{
    lk_state *st = arg;
    char name[300];
    snprintf(name, sizeof name, "lookup-%s.spill.db", sluice_stage_id(st->ctx));
    int rc = tx_state_file(st->ctx, "store", name, &st->store_path);
    if (rc != SLUICE_OK)
        return rc;
    st->scratch = 1;
    unlink(st->store_path); /* a run that crashed may have left one */
    sluice_info(st->ctx, "lookup: more than %lld table rows: the rest go to %s", st->plan.max_memory_rows,
                st->store_path);
    return open_store(st, 0);
}

static void remove_scratch(lk_state *st)
{
    char path[4200];
    unlink(st->store_path);
    snprintf(path, sizeof path, "%s-journal", st->store_path);
    unlink(path);
}

/* ---- counting misses ---- */

static void note_missed(lk_state *st, const char *key)
{
    st->n.missed++;
    if (tx_strmap_size(st->missed) >= MISSED_TRACKED || tx_strmap_get(st->missed, key, strlen(key)))
        return;
    if (tx_strmap_put(st->missed, key, strlen(key), NULL) && st->nshown < MISSED_SHOWN)
        st->missed_shown[st->nshown++] = strdup(key);
}

/* The key as people write it: composite parts joined by '|'. */
static void key_display(const char *key, char *out, size_t size)
{
    snprintf(out, size, "%s", key);
    for (char *p = out; *p; p++)
        if (*p == '\x1f')
            *p = '|';
}

/* ---- records ---- */

/* A record whose key has no row, for good: flag it or reject it. `i` is
 * its slot in b. */
static int missing(lk_state *st, sluice_batch *b, size_t i, json_t *rec, const char *key)
{
    char shown[LK_KEY_MAX], reason[LK_KEY_MAX + 128];
    if (key)
        note_missed(st, key);
    if (st->plan.reject_missing) {
        key_display(key ? key : "", shown, sizeof shown);
        snprintf(reason, sizeof reason, "lookup: %s %s", key ? "no table row for key" : "no key", shown);
        return sluice_batch_reject(st->ctx, b, i, reason);
    }
    int rc = lk_enrich(&st->plan, rec, NULL, &st->n);
    return rc < 0 ? rc : SLUICE_OK;
}

/* Fills a record (slot i of b) from the table, or holds it, or flags it. */
static int joined(lk_state *st, sluice_batch *b, size_t i, json_t *rec, const char *stream)
{
    char key[LK_KEY_MAX];
    json_t *rows;
    st->n.looked_up++;
    if (lk_key_text(rec, &st->plan.key, key, sizeof key) != 0) {
        st->n.no_key++;
        return missing(st, b, i, rec, NULL);
    }
    int rc = lk_table_get(&st->table, key, &rows);
    if (rc != SLUICE_OK)
        return rc;
    if (rows) {
        st->n.matched++;
        rc = lk_enrich(&st->plan, rec, rows, &st->n);
        return rc < 0 ? rc : SLUICE_OK;
    }
    if (!st->plan.hold)
        return missing(st, b, i, rec, key);
    char *text = json_dumps(rec, JSON_COMPACT);
    void **count = tx_strmap_put(st->held, key, strlen(key), NULL);
    if (!text || !count) {
        free(text);
        return SLUICE_ENOMEM;
    }
    rc = lk_store_hold(st->store, key, stream, text, st->run);
    free(text);
    if (rc != SLUICE_OK)
        return rc;
    *count = (void *)((uintptr_t)*count + 1);
    st->n.held++;
    sluice_batch_drop(b, i);
    return SLUICE_OK;
}

typedef struct release_ctx {
    lk_state *st;
    sluice_batch *b;
    int late; /* held by an earlier run */
    int end;  /* the input ended without their row */
} release_ctx;

static int release_one(void *arg, long long id, const char *key, const char *stream, const char *text)
{
    release_ctx *r = arg;
    lk_state *st = r->st;
    json_t *rows, *rec = json_loads(text, 0, NULL);
    int rc = rec ? lk_table_get(&st->table, key, &rows) : SLUICE_ENOMEM;
    if (rc == SLUICE_OK)
        rc = lk_store_release(st->store, id);
    if (rc != SLUICE_OK) {
        json_decref(rec);
        return rc;
    }
    void **count = tx_strmap_get(st->held, key, strlen(key));
    if (count && *count)
        *count = (void *)((uintptr_t)*count - 1);
    if (r->late)
        st->n.released_late++;
    else if (r->end)
        st->n.released_end++;
    else
        st->n.released++;
    if (rows) {
        st->n.matched++;
        rc = lk_enrich(&st->plan, rec, rows, &st->n);
        return rc < 0 ? rc : sluice_batch_append(r->b, stream, rec);
    }
    /* Records held by an earlier run, or at the end of the input, come
     * here without a row. */
    if ((rc = sluice_batch_append(r->b, stream, rec)) != SLUICE_OK)
        return rc;
    size_t last = sluice_batch_count(r->b) - 1;
    return missing(st, r->b, last, sluice_batch_record(r->b, last), key);
}

/* A table row (slot i of b): into the table, then out with any records
 * that were waiting for its key. */
static int table_row(lk_state *st, sluice_batch *b, size_t i, json_t *rec)
{
    char key[LK_KEY_MAX], row_id[LK_KEY_MAX];
    int rc = SLUICE_OK;
    if (lk_key_text(rec, &st->plan.table_key, key, sizeof key) == 0 &&
        lk_key_text(rec, &st->plan.row_key, row_id, sizeof row_id) == 0) {
        json_t *data = lk_row_data(&st->plan, rec);
        rc = data ? lk_table_put(&st->table, key, row_id, data) : SLUICE_ENOMEM;
        st->n.table_rows++;
        void **count = rc == SLUICE_OK ? tx_strmap_get(st->held, key, strlen(key)) : NULL;
        if (count && *count) {
            release_ctx r = { st, b, 0, 0 };
            rc = lk_store_each_held(st->store, key, 0, release_one, &r);
        }
    }
    if (rc == SLUICE_OK && !st->plan.pass_table)
        sluice_batch_drop(b, i);
    return rc;
}

static int lk_process(void *state, sluice_ctx *ctx, sluice_batch *b)
{
    lk_state *st = state;
    size_t n = sluice_batch_count(b);
    int rc = SLUICE_OK;
    locale_t old = uselocale(st->c_locale);
    for (size_t i = 0; i < n && rc == SLUICE_OK; i++) {
        json_t *rec = sluice_batch_record(b, i);
        const char *stream = sluice_batch_stream(b, i);
        if (!json_is_object(rec))
            continue;
        if (st->plan.table_stream && stream && strcmp(stream, st->plan.table_stream) == 0)
            rc = table_row(st, b, i, rec);
        else if (lk_plan_enriches(&st->plan, stream))
            rc = joined(st, b, i, rec, stream);
    }
    /* after the batch's own table rows, which may be what they wait for */
    if (rc == SLUICE_OK && st->plan.hold && !st->released_earlier) {
        release_ctx r = { st, b, 1, 0 };
        rc = lk_store_each_held(st->store, NULL, st->run, release_one, &r);
        st->released_earlier = 1;
    }
    if (rc == SLUICE_OK && st->store)
        rc = lk_store_commit(st->store);
    uselocale(old);
    (void)ctx;
    if (rc == SLUICE_OK)
        return rc;
    rc = lk_fail(st, rc);
    /* the batch fails and will be read again: hold nothing of it */
    if (st->store)
        lk_store_rollback(st->store);
    return rc;
}

/* The end of the input: what is still held had no row in this run; it goes
 * out now, flagged, with the last batch. */
static int lk_finish(void *state, sluice_ctx *ctx, sluice_batch *last)
{
    lk_state *st = state;
    (void)ctx;
    if (!last || !st->plan.hold || st->plan.hold_across_runs || !st->store || tx_strmap_size(st->held) == 0)
        return SLUICE_OK; /* the next run releases them */
    locale_t old = uselocale(st->c_locale);
    release_ctx r = { st, last, 0, 1 };
    int rc = lk_store_each_held(st->store, NULL, st->run + 1, release_one, &r);
    if (rc == SLUICE_OK)
        rc = lk_store_commit(st->store);
    uselocale(old);
    if (rc == SLUICE_OK)
        return rc;
    rc = lk_fail(st, rc);
    lk_store_rollback(st->store);
    return rc;
}

/* ---- start and end ---- */

static void summary(lk_state *st)
{
    char keys[512] = "", shown[128];
    size_t len = 0;
    for (size_t i = 0; i < st->nshown && len < sizeof keys - 2; i++) {
        key_display(st->missed_shown[i], shown, sizeof shown);
        len += (size_t)snprintf(keys + len, sizeof keys - len, "%s%s", i ? ", " : " e.g. ", shown);
    }
    sluice_info(st->ctx,
                "lookup: %llu records looked up, %llu found, %llu without a table row (%zu distinct keys%s), "
                "%llu without a key, %llu fields missing on found rows, %llu values not numbers",
                st->n.looked_up, st->n.matched, st->n.missed, tx_strmap_size(st->missed), keys, st->n.no_key,
                st->n.field_missing, st->n.bad_numbers);
    if (st->plan.table_stream)
        sluice_info(st->ctx, "lookup: %llu table rows from %s; %llu records held, %llu released when their row came, "
                             "%llu at the end without one, %llu held by an earlier run released",
                    st->n.table_rows, st->plan.table_stream, st->n.held, st->n.released, st->n.released_end,
                    st->n.released_late);
    if (st->table.spilled || st->table.disk_rows)
        sluice_info(st->ctx, "lookup: table rows in memory %zu, written to %s %llu", st->table.mem_rows,
                    st->store_path, st->table.disk_rows);
}

static void lk_fini(void *state)
{
    lk_state *st = state;
    if (!st)
        return;
    if (st->store) {
        /* a run that ended cleanly delivered what it released */
        if (!st->scratch && !sluice_should_stop(st->ctx) && lk_store_forget_released(st->store) != SLUICE_OK)
            sluice_warn(st->ctx, "lookup: %s", lk_store_error(st->store));
    }
    lk_store_close(&st->store);
    if (st->scratch)
        remove_scratch(st);
    lk_table_free(&st->table);
    tx_strmap_free(&st->held, NULL);
    tx_strmap_free(&st->missed, NULL);
    for (size_t i = 0; i < st->nshown; i++)
        free(st->missed_shown[i]);
    if (st->c_locale)
        freelocale(st->c_locale);
    free(st->store_path);
    lk_plan_free(&st->plan);
    free(st);
}

/* table_stream: the durable store, the rows kept from earlier runs, the
 * records still held. */
static int start_stream_table(lk_state *st)
{
    int rc = open_store(st, 1);
    if (rc == SLUICE_OK)
        rc = lk_store_next_run(st->store, &st->run);
    if (rc == SLUICE_OK)
        rc = lk_store_unrelease(st->store); /* the last run did not end cleanly */
    if (rc == SLUICE_OK)
        rc = lk_store_held_keys(st->store, st->held);
    if (rc == SLUICE_OK)
        rc = st->plan.persist ? lk_table_load(&st->table) : lk_store_clear_rows(st->store);
    return rc;
}

static int start(lk_state *st)
{
    lk_plan *p = &st->plan;
    int rc = lk_table_init(&st->table, p->max_memory_rows, p->persist, &st->store, open_scratch, st);
    if (rc != SLUICE_OK)
        return rc;
    if (p->table_stream) {
        st->store_path = p->store_path;
        p->store_path = NULL;
        if ((rc = start_stream_table(st)) != SLUICE_OK)
            return rc == SLUICE_ENOMEM ? rc : lk_fail(st, rc);
    }
    if (p->table_file) {
        unsigned long long loaded = 0, skipped = 0;
        if ((rc = lk_file_load(st->ctx, p, &st->table, &loaded, &skipped)) != SLUICE_OK)
            return rc;
        if (st->store && (rc = lk_store_commit(st->store)) != SLUICE_OK)
            return lk_fail(st, rc);
        sluice_info(st->ctx, "lookup: %llu rows from %s (%llu skipped)", loaded, p->table_file, skipped);
    }
    return SLUICE_OK;
}

static int lk_init(sluice_ctx *ctx, void **state)
{
    lk_state *st = calloc(1, sizeof *st);
    if (!st)
        return SLUICE_ENOMEM;
    st->ctx = ctx;
    st->c_locale = newlocale(LC_ALL_MASK, "C", (locale_t)0);
    st->held = tx_strmap_new();
    st->missed = tx_strmap_new();
    int rc = st->c_locale && st->held && st->missed ? lk_plan_build(ctx, &st->plan) : SLUICE_ENOMEM;
    if (rc == SLUICE_OK) {
        locale_t old = uselocale(st->c_locale);
        rc = start(st);
        uselocale(old);
    }
    if (rc != SLUICE_OK) {
        lk_fini(st);
        return rc;
    }
    *state = st;
    return SLUICE_OK;
}

static void lk_fini_with_summary(void *state)
{
    if (state)
        summary(state);
    lk_fini(state);
}

static const sluice_plugin lk_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_TRANSFORM,
    .name = "lookup",
    .version = LK_VERSION,
    .description = "fills fields from a keyed table built from a stream or a file (e.g. order_lines.sku -> "
                   "products.cost), exact margins, misses counted and flagged",
    .options = lk_options,
    .flags = SLUICE_PLUGIN_SERIAL,
    .init = lk_init,
    .fini = lk_fini_with_summary,
    .process = lk_process,
    .finish = lk_finish,
};

SLUICE_PLUGIN(lk_plugin);
