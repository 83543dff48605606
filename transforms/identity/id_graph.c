/*
 * id_graph.c - the identity graph in memory: every key the store knows,
 * each pointing at a customer, customers joined by union-find.
 *
 * The whole graph is in memory so that a batch costs hash look-ups, not
 * SQLite round trips; the store is the durable copy written alongside.
 * A key costs about 100 bytes, so ten million keys fit in a gigabyte.
 */
#include "identity.h"

#include <stdlib.h>
#include <string.h>

int id_graph_init(id_graph *g)
{
    memset(g, 0, sizeof *g);
    g->index = tx_strmap_new();
    return g->index ? SLUICE_OK : SLUICE_ENOMEM;
}

void id_graph_free(id_graph *g)
{
    tx_strmap_free(&g->index, NULL);
    free(g->nodes);
    free(g->comps);
    memset(g, 0, sizeof *g);
}

uint32_t id_graph_lookup(const id_graph *g, const char *key)
{
    void **slot = tx_strmap_get(g->index, key, strlen(key));
    return slot && *slot ? (uint32_t)((uintptr_t)*slot - 1) : ID_NONE;
}

static int reserve(void **arr, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 1024;
    void *p = realloc(*arr, c * size);
    if (!p)
        return -1;
    *arr = p;
    *cap = c;
    return 0;
}

uint32_t id_graph_add_node(id_graph *g, const char *key, uint32_t comp, int anchor)
{
    const char *stored;
    if (g->nnodes >= ID_NONE - 1 || reserve((void **)&g->nodes, &g->capn, g->nnodes, sizeof *g->nodes) != 0)
        return ID_NONE;
    void **slot = tx_strmap_put(g->index, key, strlen(key), &stored);
    if (!slot)
        return ID_NONE;
    uint32_t i = (uint32_t)g->nnodes++;
    g->nodes[i] = (id_node){ .key = stored, .comp = comp, .anchor = (uint8_t)(anchor != 0) };
    *slot = (void *)(uintptr_t)(i + 1);
    id_comp *root = &g->comps[id_graph_find(g, comp)];
    root->size++;
    root->has_anchor |= (uint8_t)(anchor != 0);
    return i;
}

uint32_t id_graph_add_comp(id_graph *g, const char *id, int has_anchor)
{
    if (g->ncomps >= ID_NONE - 1 || reserve((void **)&g->comps, &g->capc, g->ncomps, sizeof *g->comps) != 0)
        return ID_NONE;
    uint32_t i = (uint32_t)g->ncomps++;
    id_comp *c = &g->comps[i];
    c->parent = i;
    c->size = 0;
    c->has_anchor = (uint8_t)(has_anchor != 0);
    memcpy(c->id, id, ID_LEN);
    c->id[ID_LEN] = '\0';
    return i;
}

uint32_t id_graph_find(id_graph *g, uint32_t c)
{
    /* path halving: every look-up shortens the chain it walks */
    while (g->comps[c].parent != c) {
        g->comps[c].parent = g->comps[g->comps[c].parent].parent;
        c = g->comps[c].parent;
    }
    return c;
}
