/*
 * identity.h - shared declarations of the `identity` transform's files.
 *
 * identity.c     descriptor, init/fini, the batch loop (one store transaction a batch)
 * id_options.c   the option table and reading it into an id_plan
 * id_keys.c      the normalised keys (e-mails, phones, system:id) of one record
 * id_graph.c     the in-memory union-find over keys and customers
 * id_resolve.c   one record against the graph: joins, merges, the surviving id
 * id_store.c     the SQLite identity store (write side; schema in id_schema.h)
 * id_hash.c      SHA-256 and customer ids derived from keys
 * id_explain.c   the store's read side for `sluice identity explain`: compiled
 *                into the core, not into this plugin
 *
 * The id rule, which makes results independent of the order of arrival:
 * keys that ever appeared on one record belong to one customer (connected
 * components of the graph of keys); a customer's id is the smallest
 * id_of_key() over its anchor keys (the keys records are identified by),
 * or over all its keys when it has no anchor yet. Components only grow, so
 * when one absorbs another, or gains an anchor with a smaller id, the old
 * id is gone for good and an identity_merges record says where it went.
 */
#ifndef SL_IDENTITY_H
#define SL_IDENTITY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sluice/plugin.h"

#include "id_schema.h"
#include "normalize.h"
#include "str_map.h"

/* ---- id_hash.c ---- */

void id_sha256(const void *data, size_t len, unsigned char out[32]);
/* The customer id key `key` gives: ID_PREFIX and ID_HEX hex digits. */
void id_of_key(const char *key, char out[ID_LEN + 1]);

/* ---- id_options.c ---- */

/* A field holding another system's id of the customer. */
typedef struct id_ref {
    const char *field;  /* borrowed from id_plan.opts */
    const char *system; /* borrowed: the system's name, or the field holding it */
    int system_is_field; /* written "$field" */
} id_ref;

/* How the records of one stream name their customer. */
typedef struct id_spec {
    const char *stream;  /* borrowed */
    int customer;        /* records are customers: identified by system:external_id */
    const char **email;  /* owned array of borrowed names */
    size_t nemail;
    const char **phone;  /* owned array of borrowed names */
    size_t nphone;
    id_ref *refs;        /* owned */
    size_t nrefs;
    const char *record_id; /* reference streams: field naming the record in links, or NULL */
} id_spec;

typedef struct id_plan {
    json_t *opts;               /* owned: private deep copy of the stage's options */
    id_spec *specs;             /* owned */
    size_t nspecs;
    const char *system_field;   /* borrowed from opts, like the names below */
    const char *external_id_field;
    const char *sources_field;
    const char *id_field;
    const char *merges_stream;
    int reject_unidentified;
    char *store_path;           /* owned */
    norm_cfg ncfg;              /* country for phone numbers; no time zone */
} id_plan;

extern const sluice_option id_options[];

/* Reads and checks every option. Returns SLUICE_OK, or SLUICE_EINVAL after
 * logging an error naming the option (the partly built plan must still be
 * freed), or SLUICE_ENOMEM. */
int id_plan_build(sluice_ctx *ctx, id_plan *plan);
void id_plan_free(id_plan *plan);
/* The spec of `stream`, or NULL when records of it pass untouched. */
const id_spec *id_plan_spec(const id_plan *plan, const char *stream);

/* ---- id_keys.c ---- */

typedef struct id_key {
    char *text;         /* owned: "email:...", "phone:+...", "ref:system:id" */
    const char *reason; /* borrowed: the field it came from */
    int anchor;         /* a record is identified by it */
    uint32_t node;      /* id_resolve: its graph node, or ID_NONE */
    uint32_t root;      /* id_resolve: its customer before the record, or ID_NONE */
} id_key;

/* The keys of one record, first the one that names the record (its
 * anchor, or for a reference record its first key), duplicates removed.
 * Reused from record to record. */
typedef struct id_keys {
    id_key *v; /* owned */
    size_t n, cap;
    size_t invalid; /* e-mails and phones skipped as invalid, over the keys' life */
} id_keys;

/* Replaces k's keys with those of `rec`. `stage` is the id of the source
 * stage, the system of a customer record without system_field. Returns
 * SLUICE_OK (k->n may be 0) or SLUICE_ENOMEM. */
int id_keys_extract(id_keys *k, const id_plan *plan, const id_spec *spec, json_t *rec, const char *stage,
                    norm_work *w);
void id_keys_free(id_keys *k);
/* How a key reads to people: "hubspot:12" for ref:hubspot:12, else the key. */
const char *id_key_display(const char *key);

/* ---- id_graph.c ---- */

#define ID_NONE UINT32_MAX

enum { ID_CAUSE_NONE = 0, ID_CAUSE_STORED = 1, ID_CAUSE_DONE = 2 };

typedef struct id_node {
    const char *key; /* borrowed from the graph's index */
    uint32_t comp;   /* a customer; id_graph_find() gives the current one */
    uint8_t anchor;
    uint8_t cause;   /* ID_CAUSE_*: merges caused by the record this key names */
} id_node;

/* A component of the graph; its index is its number in the store. */
typedef struct id_comp {
    uint32_t parent; /* itself for a live customer (a root) */
    uint32_t size;   /* roots: keys in the customer (joins keep trees shallow) */
    uint8_t has_anchor; /* roots */
    char id[ID_LEN + 1]; /* roots: the customer id; others: the id when merged */
} id_comp;

typedef struct id_graph {
    tx_strmap *index; /* owned: key -> node index + 1 */
    id_node *nodes;   /* owned */
    size_t nnodes, capn;
    id_comp *comps;   /* owned */
    size_t ncomps, capc;
} id_graph;

int id_graph_init(id_graph *g);
void id_graph_free(id_graph *g);
/* The node of `key`, or ID_NONE. */
uint32_t id_graph_lookup(const id_graph *g, const char *key);
/* Adds a node (the key must be new). Returns its index, or ID_NONE when out of memory. */
uint32_t id_graph_add_node(id_graph *g, const char *key, uint32_t comp, int anchor);
/* Adds a customer (a root of no keys yet). Returns its index, or ID_NONE
 * when out of memory. */
uint32_t id_graph_add_comp(id_graph *g, const char *id, int has_anchor);
/* The live customer comp belongs to now. */
uint32_t id_graph_find(id_graph *g, uint32_t comp);

/* ---- id_store.c ---- */

typedef struct id_store id_store;

/* Where and when something was seen. All borrowed; any may be NULL but at. */
typedef struct id_where {
    const char *stage;  /* source stage of the batch */
    const char *stream;
    const char *origin; /* "file:line" */
    const char *at;     /* ISO 8601 UTC */
} id_where;

/* Opens (creating) the store at `path`. Returns SLUICE_OK, or an error with
 * a message in err. */
int id_store_open(const char *path, id_store **out, char *err, size_t errlen);
void id_store_close(id_store **s);
/* The text of the store's last failure. */
const char *id_store_error(id_store *s);
/* Fills an empty graph with every component and key of the store, and
 * marks the keys that caused merges (ID_CAUSE_STORED). */
int id_store_load(id_store *s, id_graph *g);
/* Starts a batch's write transaction; *changed says whether another
 * connection wrote the store since this one last looked (the caller
 * reloads its graph). */
int id_store_begin(id_store *s, int *changed);
int id_store_commit(id_store *s);
void id_store_rollback(id_store *s);
/* Appends key `node` of the graph (nodes are numbered as the store's rows). */
int id_store_put_key(id_store *s, uint32_t node, const char *key, uint32_t comp, int anchor, const id_where *w);
/* Makes key `node` an anchor, first seen as one at w. */
int id_store_set_anchor(id_store *s, uint32_t node, const id_where *w);
/* Writes component `comp` as it is in g (parent and id). */
int id_store_put_comp(id_store *s, const id_graph *g, uint32_t comp);
/* Appends a link. */
int id_store_put_link(id_store *s, const char *a, const char *b, const char *reason, const char *record,
                      const id_where *w);
int id_store_put_merge(id_store *s, const char *from, const char *into, const char *reason, const char *cause,
                       const char *at);
/* Calls fn for each merge `cause` caused, oldest first; stops at fn's first
 * non-zero return and returns it. */
typedef int (*id_merge_fn)(void *arg, const char *from, const char *into, const char *reason, const char *at);
int id_store_merges_by(id_store *s, const char *cause, id_merge_fn fn, void *arg);

/* ---- the stage (identity.c) and id_resolve.c ---- */

typedef struct id_counts {
    unsigned long long records;      /* records given a customer id */
    unsigned long long unidentified; /* customer records without any key */
    unsigned long long customers;    /* customers created */
    unsigned long long merges;       /* merge records emitted for new merges */
    unsigned long long replayed;     /* merge records emitted again (re-runs) */
} id_counts;

typedef struct id_state {
    sluice_ctx *ctx;   /* borrowed: the stage's context */
    id_plan plan;
    id_store *store;   /* owned */
    id_graph graph;
    id_keys keys;      /* scratch: the record at hand */
    norm_work nw;      /* scratch of the normalize rules */
    uint32_t *roots;   /* owned scratch: customers the record touches */
    size_t caproots;
    char reason[512];  /* scratch: a merge's reason */
    id_counts n;
} id_state;

/* Resolves the record whose keys are in st->keys (at least one): joins its
 * keys into one customer, merging customers it bridges, records new keys
 * and links in the store and appends identity_merges records to b. Sets
 * *node to the record's first key's node. Returns SLUICE_OK or an error
 * (store failures are logged). */
int id_resolve(id_state *st, sluice_batch *b, const id_where *w, const char *record, uint32_t *node);

#endif
