/* config_graph.c - the stage graph: every input names an earlier-known
 * stage that produces records, ids are unique, and there is no cycle. Also
 * computes an order in which every stage comes after its inputs (the engine
 * starts stages in that order's reverse so consumers bind first, or in that
 * order; either way it needs one). */
#include "config_priv.h"

#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"
#include "textutil.h"

/* "<stage path>.<member>" or "<stage path>.<member>[k]"; new string or NULL. */
static char *member_path(const sl_stage_cfg *st, const char *member, long k)
{
    char *m = sl_json_path_key(st->json_path, member);
    if (!m || k < 0)
        return m;
    char *p = sl_json_path_index(m, (size_t)k);
    free(m);
    return p;
}

static int check_ids(const sl_pipeline_cfg *cfg, sl_cfg_error *e)
{
    for (size_t i = 0; i < cfg->nstages; i++)
        for (size_t j = 0; j < i; j++)
            if (strcmp(cfg->stages[i].id, cfg->stages[j].id) == 0) {
                char *path = member_path(&cfg->stages[i], "id", -1);
                sl_cfg_fail(e, path ? path : "", NULL, SL_AT_VALUE, "duplicate stage id \"%s\" (also used by %s)",
                            cfg->stages[i].id, cfg->stages[j].json_path);
                free(path);
                return -1;
            }
    return 0;
}

static long find_stage(const sl_pipeline_cfg *cfg, const char *id)
{
    for (size_t i = 0; i < cfg->nstages; i++)
        if (strcmp(cfg->stages[i].id, id) == 0)
            return (long)i;
    return -1;
}

/* The id closest to `id` among stages that produce records, or NULL. */
static const char *suggest_input(const sl_pipeline_cfg *cfg, const char *id)
{
    const char **ids = malloc((cfg->nstages ? cfg->nstages : 1) * sizeof *ids);
    if (!ids)
        return NULL;
    for (size_t i = 0; i < cfg->nstages; i++)
        ids[i] = cfg->stages[i].kind == SLUICE_SINK ? NULL : cfg->stages[i].id;
    const char *near = sl_suggest(id, ids, cfg->nstages);
    free(ids);
    return near; /* borrowed from cfg */
}

/* Checks input k of `st`; returns its stage index or -1 with *e set. */
static long resolve_input(const sl_pipeline_cfg *cfg, const sl_stage_cfg *st, size_t k, sl_cfg_error *e)
{
    const char *id = st->inputs[k];
    long idx = find_stage(cfg, id);
    int dup = 0;
    for (size_t j = 0; idx >= 0 && j < k; j++)
        dup |= st->input_idx[j] == (size_t)idx;
    if (idx >= 0 && cfg->stages[idx].kind != SLUICE_SINK && !dup)
        return idx;
    char *path = member_path(st, "inputs", (long)k);
    const char *p = path ? path : st->json_path;
    const char *near = idx < 0 ? suggest_input(cfg, id) : NULL;
    if (idx < 0 && near)
        sl_cfg_fail(e, p, NULL, SL_AT_VALUE, "unknown stage \"%s\" (did you mean %s?)", id, near);
    else if (idx < 0)
        sl_cfg_fail(e, p, NULL, SL_AT_VALUE, "unknown stage \"%s\"", id);
    else if (dup)
        sl_cfg_fail(e, p, NULL, SL_AT_VALUE, "stage \"%s\" is listed twice", id);
    else
        sl_cfg_fail(e, p, NULL, SL_AT_VALUE, "\"%s\" is a sink (%s); sinks have no output to read", id,
                    cfg->stages[idx].json_path);
    free(path);
    return -1;
}

static int resolve_inputs(sl_pipeline_cfg *cfg, sl_stage_cfg *st, sl_cfg_error *e)
{
    if (st->ninputs == 0)
        return 0;
    st->input_idx = calloc(st->ninputs, sizeof *st->input_idx);
    if (!st->input_idx)
        return sl_cfg_fail(e, st->json_path, NULL, SL_AT_VALUE, "out of memory");
    for (size_t k = 0; k < st->ninputs; k++) {
        long idx = resolve_input(cfg, st, k, e);
        if (idx < 0)
            return -1;
        st->input_idx[k] = (size_t)idx;
    }
    return 0;
}

/* Follows inputs among the unplaced stages from the first of them until a
 * stage repeats. Fills cyc[] with the loop in data-flow order (cyc[i] feeds
 * cyc[i+1], the last feeds cyc[0]) and returns its length. */
static size_t find_cycle(const sl_pipeline_cfg *cfg, const char *done, size_t *walk, char *on_walk, size_t *cyc)
{
    size_t len = 0, cur = 0;
    while (done[cur])
        cur++;
    while (!on_walk[cur]) {
        on_walk[cur] = 1;
        walk[len++] = cur;
        /* Every unplaced stage has an unplaced input, or it would be placed. */
        const sl_stage_cfg *st = &cfg->stages[cur];
        for (size_t k = 0; k < st->ninputs; k++)
            if (!done[st->input_idx[k]]) {
                cur = st->input_idx[k];
                break;
            }
    }
    size_t first = 0;
    while (walk[first] != cur)
        first++;
    /* walk[] runs upstream (walk[i+1] feeds walk[i]); reverse it. */
    size_t m = len - first;
    for (size_t j = 0; j < m; j++)
        cyc[j] = walk[len - 1 - j];
    return m;
}

/* Reports the cycle that keeps the topological sort from finishing. */
static int report_cycle(const sl_pipeline_cfg *cfg, const char *done, sl_cfg_error *e)
{
    size_t n = cfg->nstages;
    size_t *walk = calloc(n, sizeof *walk), *cyc = calloc(n, sizeof *cyc);
    char *on_walk = calloc(n, 1);
    char *text = NULL;
    size_t m = 0, low = 0, cap = 1;
    if (walk && cyc && on_walk) {
        m = find_cycle(cfg, done, walk, on_walk, cyc);
        for (size_t j = 0; j < m; j++) {
            cap += strlen(cfg->stages[cyc[j]].id) + 4;
            if (cyc[j] < cyc[low])
                low = j;
        }
        cap += strlen(cfg->stages[cyc[low]].id);
        text = malloc(cap);
    }
    if (text) {
        /* Start the loop at the stage that comes first in the file. */
        size_t at = 0;
        for (size_t s = 0; s <= m; s++)
            at += (size_t)snprintf(text + at, cap - at, "%s%s", s ? " -> " : "",
                                   cfg->stages[cyc[(low + s) % m]].id);
        char *path = member_path(&cfg->stages[cyc[low]], "inputs", -1);
        sl_cfg_fail(e, path ? path : "", NULL, SL_AT_VALUE, "inputs form a cycle: %s", text);
        free(path);
    } else {
        sl_cfg_fail(e, "", NULL, SL_AT_VALUE, "out of memory");
    }
    free(text);
    free(walk);
    free(cyc);
    free(on_walk);
    return -1;
}

static int topo_sort(sl_pipeline_cfg *cfg, sl_cfg_error *e)
{
    size_t n = cfg->nstages;
    cfg->topo = malloc((n ? n : 1) * sizeof *cfg->topo);
    char *done = calloc(n ? n : 1, 1);
    if (!cfg->topo || !done) {
        free(done);
        return sl_cfg_fail(e, "", NULL, SL_AT_VALUE, "out of memory");
    }
    /* Repeatedly take the first stage (in file order) whose inputs are all
     * placed: quadratic, but pipelines have tens of stages, and the order is
     * stable and easy to predict. */
    size_t placed = 0;
    for (int progress = 1; progress && placed < n;) {
        progress = 0;
        for (size_t i = 0; i < n; i++) {
            if (done[i])
                continue;
            size_t k = 0;
            while (k < cfg->stages[i].ninputs && done[cfg->stages[i].input_idx[k]])
                k++;
            if (k == cfg->stages[i].ninputs) {
                done[i] = 1;
                cfg->topo[placed++] = i;
                progress = 1;
                break;
            }
        }
    }
    int rc = placed == n ? 0 : report_cycle(cfg, done, e);
    free(done);
    return rc;
}

int sl_cfg_graph(sl_pipeline_cfg *cfg, sl_cfg_error *e)
{
    if (check_ids(cfg, e) != 0)
        return -1;
    for (size_t i = 0; i < cfg->nstages; i++)
        if (resolve_inputs(cfg, &cfg->stages[i], e) != 0)
            return -1;
    return topo_sort(cfg, e);
}
