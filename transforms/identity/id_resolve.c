/*
 * id_resolve.c - one record against the identity graph.
 *
 * The record's keys all belong to one customer. The customers they already
 * belong to (the "roots") are joined; the surviving id is the smallest
 * id_of_key() over the anchors of the result (over all its keys when it has
 * no anchor), computed from the roots' ids and the record's new keys, so
 * it never depends on which record came first. Every root whose id is not
 * the survivor is merged and an identity_merges record is emitted. The
 * biggest root stays the root (union by size), so the store's trees stay
 * shallow and a join writes one row per root, whatever the customers' size.
 */
#include "identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int grow_roots(id_state *st, size_t n)
{
    if (n <= st->caproots)
        return SLUICE_OK;
    uint32_t *r = realloc(st->roots, n * sizeof *r);
    if (!r)
        return SLUICE_ENOMEM;
    st->roots = r;
    st->caproots = n;
    return SLUICE_OK;
}

/* Finds the record's keys in the graph; collects the distinct customers. */
static int find_roots(id_state *st, size_t *nroots)
{
    id_graph *g = &st->graph;
    id_keys *k = &st->keys;
    if (grow_roots(st, k->n) != SLUICE_OK)
        return SLUICE_ENOMEM;
    *nroots = 0;
    for (size_t i = 0; i < k->n; i++) {
        k->v[i].node = id_graph_lookup(g, k->v[i].text);
        k->v[i].root = ID_NONE;
        if (k->v[i].node == ID_NONE)
            continue;
        uint32_t r = k->v[i].root = id_graph_find(g, g->nodes[k->v[i].node].comp);
        size_t j = 0;
        while (j < *nroots && st->roots[j] != r)
            j++;
        if (j == *nroots)
            st->roots[(*nroots)++] = r;
    }
    return SLUICE_OK;
}

static void consider(char best[ID_LEN + 1], const char *id)
{
    if (!best[0] || strcmp(id, best) < 0)
        memcpy(best, id, ID_LEN + 1);
}

/* The id of the customer the record leaves behind (see the file comment). */
static int survivor(id_state *st, size_t nroots, char best[ID_LEN + 1])
{
    id_graph *g = &st->graph;
    id_keys *k = &st->keys;
    int anchored = 0;
    char id[ID_LEN + 1];
    for (size_t j = 0; j < nroots; j++)
        anchored |= g->comps[st->roots[j]].has_anchor;
    for (size_t i = 0; i < k->n; i++)
        anchored |= k->v[i].anchor;
    best[0] = '\0';
    for (size_t j = 0; j < nroots; j++)
        if (!anchored || g->comps[st->roots[j]].has_anchor)
            consider(best, g->comps[st->roots[j]].id);
    for (size_t i = 0; i < k->n; i++) {
        const id_key *key = &k->v[i];
        int known = key->node != ID_NONE;
        /* a key already counted in its root's id needs no second look */
        if (anchored ? key->anchor && !(known && g->nodes[key->node].anchor) : !known) {
            id_of_key(key->text, id);
            consider(best, id);
        }
    }
    return anchored;
}

typedef struct emit_ctx {
    id_state *st;
    sluice_batch *b;
} emit_ctx;

static int replay_one(void *arg, const char *from, const char *into, const char *reason, const char *at)
{
    emit_ctx *e = arg;
    json_t *m = json_pack("{s:s, s:s, s:s, s:s}", "from_id", from, "into_id", into, "reason", reason, "at", at);
    if (!m || sluice_batch_append(e->b, e->st->plan.merges_stream, m) != SLUICE_OK)
        return SLUICE_ENOMEM;
    e->st->n.replayed++;
    return SLUICE_OK;
}

/* A record that caused merges in an earlier run is being processed again
 * (a re-run after a failure, or the same record sent twice): emit its
 * merges again, once a run, in case the sinks never got them. Sinks keyed
 * by from_id take them idempotently. */
static int replay(id_state *st, sluice_batch *b)
{
    id_key *first = &st->keys.v[0];
    if (first->node == ID_NONE || st->graph.nodes[first->node].cause != ID_CAUSE_STORED)
        return SLUICE_OK;
    st->graph.nodes[first->node].cause = ID_CAUSE_DONE;
    emit_ctx e = { st, b };
    return id_store_merges_by(st->store, first->text, replay_one, &e);
}

/* Root r (id `from`) is merged into `into`: the merge record, in the
 * store and in the batch. */
static int merge_root(id_state *st, sluice_batch *b, uint32_t r, const char *into, const id_where *w)
{
    id_graph *g = &st->graph;
    id_keys *k = &st->keys;
    const char *via = NULL;
    for (size_t i = 0; i < k->n && !via; i++)
        if (k->v[i].node != ID_NONE && id_graph_find(g, g->nodes[k->v[i].node].comp) == r)
            via = k->v[i].text;
    snprintf(st->reason, sizeof st->reason, "%s links %s", id_key_display(k->v[0].text),
             via ? id_key_display(via) : "?");
    const char *from = g->comps[r].id;
    int rc = id_store_put_merge(st->store, from, into, st->reason, k->v[0].text, w->at);
    if (rc != SLUICE_OK)
        return rc;
    json_t *m = json_pack("{s:s, s:s, s:s, s:s}", "from_id", from, "into_id", into, "reason", st->reason, "at", w->at);
    if (!m || sluice_batch_append(b, st->plan.merges_stream, m) != SLUICE_OK)
        return SLUICE_ENOMEM;
    st->n.merges++;
    return SLUICE_OK;
}

/* Joins the roots under the biggest one, which takes the id `best`; a new
 * customer when the record's keys are all new. Returns the root, or ID_NONE
 * (out of memory, or *rc set by the store). */
static uint32_t join_roots(id_state *st, size_t nroots, const char *best, int anchored, int *rc)
{
    id_graph *g = &st->graph;
    uint32_t target = nroots ? st->roots[0] : id_graph_add_comp(g, best, anchored);
    if (target == ID_NONE)
        return ID_NONE;
    if (!nroots)
        st->n.customers++;
    for (size_t j = 1; j < nroots; j++)
        if (g->comps[st->roots[j]].size > g->comps[target].size)
            target = st->roots[j];
    for (size_t j = 0; j < nroots && *rc == SLUICE_OK; j++) {
        uint32_t r = st->roots[j];
        if (r == target)
            continue;
        g->comps[target].size += g->comps[r].size;
        g->comps[r].parent = target;
        *rc = id_store_put_comp(st->store, g, r);
    }
    int changed = !nroots || strcmp(g->comps[target].id, best) != 0;
    memcpy(g->comps[target].id, best, ID_LEN + 1);
    g->comps[target].has_anchor = (uint8_t)anchored;
    if (*rc == SLUICE_OK && changed)
        *rc = id_store_put_comp(st->store, g, target);
    return target;
}

/* Adds the record's new keys, promotes keys that became anchors, and
 * records the links from its first key to each other one that tell
 * something: a key that is new, or that belonged to another customer.
 * (A record whose keys were all one customer's already adds no link, so a
 * re-run adds nothing, and the store grows with what is learnt.) */
static int write_keys(id_state *st, uint32_t target, const char *record, const id_where *w)
{
    id_graph *g = &st->graph;
    id_keys *k = &st->keys;
    int rc = SLUICE_OK;
    for (size_t i = 0; rc == SLUICE_OK && i < k->n; i++) {
        id_key *key = &k->v[i];
        if (key->node == ID_NONE) {
            if ((key->node = id_graph_add_node(g, key->text, target, key->anchor)) == ID_NONE)
                return SLUICE_ENOMEM;
            rc = id_store_put_key(st->store, key->node, key->text, target, key->anchor, w);
        } else if (key->anchor && !g->nodes[key->node].anchor) {
            g->nodes[key->node].anchor = 1;
            rc = id_store_set_anchor(st->store, key->node, w);
        }
    }
    for (size_t i = 1; rc == SLUICE_OK && i < k->n; i++)
        if (k->v[0].root == ID_NONE || k->v[i].root != k->v[0].root)
            rc = id_store_put_link(st->store, k->v[0].text, k->v[i].text, k->v[i].reason, record, w);
    return rc;
}

int id_resolve(id_state *st, sluice_batch *b, const id_where *w, const char *record, uint32_t *node)
{
    id_graph *g = &st->graph;
    size_t nroots;
    char best[ID_LEN + 1];
    int rc = find_roots(st, &nroots);
    if (rc == SLUICE_OK)
        rc = replay(st, b);
    if (rc != SLUICE_OK)
        return rc;
    int anchored = survivor(st, nroots, best);
    int merged = 0;
    for (size_t j = 0; j < nroots; j++) {
        if (strcmp(g->comps[st->roots[j]].id, best) == 0)
            continue;
        if ((rc = merge_root(st, b, st->roots[j], best, w)) != SLUICE_OK)
            return rc;
        merged = 1;
    }
    uint32_t target = join_roots(st, nroots, best, anchored, &rc);
    if (rc != SLUICE_OK)
        return rc;
    if (target == ID_NONE)
        return SLUICE_ENOMEM;
    if ((rc = write_keys(st, target, record, w)) != SLUICE_OK)
        return rc;
    *node = st->keys.v[0].node;
    if (merged)
        g->nodes[*node].cause = ID_CAUSE_DONE;
    return SLUICE_OK;
}
