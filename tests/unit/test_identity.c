/*
 * test_identity.c - the `identity` transform through the in-process
 * harness: chains of links, the id rule, order independence, merges,
 * re-runs, reference streams, options. id_hash.c is compiled in to check
 * SHA-256 and to compute the ids the rule must give.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "harness_test.h"
#include "identity.h"

static char tmpdir[] = "/tmp/sluice-test-identity-XXXXXX";
static int store_no;

/* A fresh store path for each scenario. */
static void new_store(char *path, size_t size) { snprintf(path, size, "%s/id%d.db", tmpdir, ++store_no); }

static sl_harness *open_id(const char *store, const char *more)
{
    char opts[2048], *err = NULL;
    snprintf(opts, sizeof opts, "{\"store\": \"%s\", \"crossrefs\": {\"bitrix_id\": \"bitrix24\"}%s%s}", store,
             more ? ", " : "", more ? more : "");
    sl_harness *h = harness_open_plugin("transform", "identity", opts, &err);
    if (!h)
        fprintf(stderr, "open identity %s: %s\n", opts, err ? err : "?");
    free(err);
    return h;
}

/* The chain A -email- B -phone- C -crossref- D, and E on its own. */
static const char *const chain[] = {
    "{\"source\": \"hubspot\", \"external_id\": \"1\", \"name\": \"A\", \"email\": \" Ivan@Example.COM\"}",
    "{\"source\": \"shopify\", \"external_id\": 2, \"name\": \"B\", \"email\": \"ivan@example.com\","
    " \"phone\": \"8 (912) 345-67-89\"}",
    "{\"source\": \"amocrm\", \"external_id\": \"3\", \"name\": \"C\", \"phones\": [\"+7 912 345 67 89\"],"
    " \"bitrix_id\": 4}",
    "{\"source\": \"bitrix24\", \"external_id\": \"4\", \"name\": \"D\", \"email\": \"other@x.ru\"}",
    "{\"source\": \"hubspot\", \"external_id\": \"5\", \"name\": \"E\", \"email\": \"solo@x.ru\"}",
    /* F: no id of its own, known by its e-mail; joins E */
    "{\"name\": \"F\", \"emails\": [\"SOLO@x.ru\", \"not an e-mail\"]}",
};
#define NCHAIN (sizeof chain / sizeof chain[0])

/* Sends records[idx[0..n)] through h in one batch; copies the outputs
 * (customers get their id) into ids[idx[k]] and counts merge records. */
static int run_batch(sl_harness *h, const size_t *idx, size_t n, char ids[][ID_LEN + 1], json_t *merges)
{
    harness_batch *b = harness_batch_new(h);
    for (size_t k = 0; k < n; k++)
        harness_batch_add_json(b, "customers", chain[idx[k]]);
    int rc = harness_process(h, b);
    size_t got = 0;
    for (size_t i = 0; i < harness_batch_count(b); i++) {
        json_t *r = harness_batch_get(b, i);
        if (strcmp(harness_batch_stream(b, i), "identity_merges") == 0) {
            if (merges)
                json_array_append(merges, r);
            continue;
        }
        const char *id = json_string_value(json_object_get(r, "customer_id"));
        if (id && got < n && ids)
            snprintf(ids[idx[got]], ID_LEN + 1, "%s", id);
        got++;
    }
    harness_batch_free(&b);
    return rc;
}

static void min_id(char best[ID_LEN + 1], const char *const *keys, size_t n)
{
    char id[ID_LEN + 1];
    best[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        id_of_key(keys[i], id);
        if (!best[0] || strcmp(id, best) < 0)
            memcpy(best, id, sizeof id);
    }
}

static void test_sha256(void)
{
    unsigned char d[32];
    char hex[65];
    id_sha256("abc", 3, d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    CHECK_STR(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    /* two blocks of padding */
    const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    id_sha256(m, strlen(m), d);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", d[i]);
    CHECK_STR(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    char id[ID_LEN + 1];
    id_of_key("ref:hubspot:1", id);
    CHECK(strncmp(id, "cus_", 4) == 0 && strlen(id) == ID_LEN);
}

/* All of the chain, one record a batch, in file order: A-D one customer
 * whose id is the smallest of their anchors' ids, E and F another. */
static void test_chain(void)
{
    char store[256], ids[NCHAIN][ID_LEN + 1] = { { 0 } }, want[ID_LEN + 1], want_e[ID_LEN + 1];
    new_store(store, sizeof store);
    sl_harness *h = open_id(store, NULL);
    if (!CHECK(h != NULL))
        return;
    json_t *merges = json_array();
    for (size_t i = 0; i < NCHAIN; i++)
        CHECK_INT(run_batch(h, &i, 1, NULL, merges), SLUICE_OK);
    size_t all[NCHAIN] = { 0, 1, 2, 3, 4, 5 };
    CHECK_INT(run_batch(h, all, NCHAIN, ids, NULL), SLUICE_OK); /* the final ids */
    static const char *const anchors[] = { "ref:hubspot:1", "ref:shopify:2", "ref:amocrm:3", "ref:bitrix24:4" };
    static const char *const anchors_e[] = { "ref:hubspot:5", "email:solo@x.ru" };
    min_id(want, anchors, 4);
    min_id(want_e, anchors_e, 2);
    for (size_t i = 0; i < 4; i++)
        CHECK_STR(ids[i], want);
    CHECK_STR(ids[4], want_e);
    CHECK_STR(ids[5], want_e);
    CHECK(strcmp(want, want_e) != 0);
    /* every merge ends in a live id, and names the record that caused it */
    size_t i;
    json_t *m;
    json_array_foreach(merges, i, m) {
        const char *into = json_string_value(json_object_get(m, "into_id"));
        CHECK(into && strncmp(into, "cus_", 4) == 0);
        CHECK(json_is_string(json_object_get(m, "reason")) && json_is_string(json_object_get(m, "at")));
    }
    json_decref(merges);
    harness_close(&h);
}

/* Shuffles and batch splits: the final ids never change. */
static void test_order_independence(void)
{
    char first[NCHAIN][ID_LEN + 1] = { { 0 } };
    unsigned seed = 12345;
    for (int round = 0; round < 40; round++) {
        char store[256], ids[NCHAIN][ID_LEN + 1] = { { 0 } };
        size_t order[NCHAIN];
        for (size_t i = 0; i < NCHAIN; i++)
            order[i] = i;
        for (size_t i = NCHAIN - 1; round && i > 0; i--) {
            size_t j = (size_t)rand_r(&seed) % (i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        new_store(store, sizeof store);
        sl_harness *h = open_id(store, NULL);
        if (!CHECK(h != NULL))
            return;
        for (size_t at = 0; at < NCHAIN;) {
            size_t n = 1 + (size_t)rand_r(&seed) % 3;
            n = at + n > NCHAIN ? NCHAIN - at : n;
            run_batch(h, order + at, n, NULL, NULL);
            at += n;
        }
        size_t all[NCHAIN] = { 0, 1, 2, 3, 4, 5 };
        run_batch(h, all, NCHAIN, ids, NULL);
        harness_close(&h);
        for (size_t i = 0; i < NCHAIN; i++) {
            if (round == 0)
                memcpy(first[i], ids[i], sizeof ids[i]);
            else if (strcmp(first[i], ids[i]) != 0)
                CHECK_STR(ids[i], first[i]);
        }
    }
    CHECK(first[0][0] != '\0');
}

/* Two customers, then a record bridging them: one merge record, from the
 * id that lost into the one that survives; re-running the bridge in a new
 * run emits it again, and only once a run. */
static void test_merge_and_rerun(void)
{
    char store[256], ids[NCHAIN][ID_LEN + 1] = { { 0 } };
    new_store(store, sizeof store);
    sl_harness *h = open_id(store, NULL);
    if (!CHECK(h != NULL))
        return;
    size_t a = 0, c = 2, bridge = 1;
    run_batch(h, &a, 1, ids, NULL);
    run_batch(h, &c, 1, ids, NULL);
    CHECK(strcmp(ids[0], ids[2]) != 0);
    char id_a[ID_LEN + 1], id_c[ID_LEN + 1];
    memcpy(id_a, ids[0], sizeof id_a);
    memcpy(id_c, ids[2], sizeof id_c);
    json_t *merges = json_array();
    run_batch(h, &bridge, 1, ids, merges);
    /* B's own anchor may be smaller still: one or two merges, all into B's id */
    CHECK(json_array_size(merges) >= 1 && json_array_size(merges) <= 2);
    const char *into = json_string_value(json_object_get(json_array_get(merges, 0), "into_id"));
    CHECK_STR(into, ids[1]);
    int saw_a = 0, saw_c = 0;
    size_t i;
    json_t *m;
    json_array_foreach(merges, i, m) {
        const char *from = json_string_value(json_object_get(m, "from_id"));
        saw_a |= from && !strcmp(from, id_a);
        saw_c |= from && !strcmp(from, id_c);
        CHECK_HAS(json_string_value(json_object_get(m, "reason")), "shopify:2 links");
    }
    CHECK(saw_a + saw_c == (int)json_array_size(merges));
    CHECK(strcmp(id_a, id_c) < 0 ? saw_c : saw_a); /* the smaller id survives unless B's is smaller */
    /* the same record again in this run: nothing new */
    json_t *again = json_array();
    run_batch(h, &bridge, 1, NULL, again);
    CHECK_INT((int)json_array_size(again), 0);
    json_decref(again);
    harness_close(&h);

    /* a new run re-processing the bridge (its batch never reached the
     * sinks, say): same id, the same merges again, once */
    h = open_id(store, NULL);
    if (!CHECK(h != NULL))
        return;
    char ids2[NCHAIN][ID_LEN + 1] = { { 0 } };
    json_t *replayed = json_array();
    run_batch(h, &bridge, 1, ids2, replayed);
    run_batch(h, &bridge, 1, ids2, replayed);
    CHECK_STR(ids2[1], ids[1]);
    CHECK(json_equal(replayed, merges));
    json_decref(replayed);
    /* and the other records are already known: ids unchanged, no merges */
    json_t *none = json_array();
    run_batch(h, &a, 1, ids2, none);
    run_batch(h, &c, 1, ids2, none);
    CHECK_STR(ids2[0], ids[1]);
    CHECK_STR(ids2[2], ids[1]);
    CHECK_INT((int)json_array_size(none), 0);
    json_decref(none);
    json_decref(merges);
    harness_close(&h);
}

/* Orders name their customer by e-mail; deals by a CRM id. */
static void test_references(void)
{
    char store[256], ids[NCHAIN][ID_LEN + 1] = { { 0 } };
    new_store(store, sizeof store);
    sl_harness *h = open_id(store, "\"references\": {\"orders\": {\"email\": \"customer_email\", \"record_id\": "
                                   "\"order_id\"}, \"deals\": {\"crossrefs\": {\"contact_id\": \"hubspot\"}}}");
    if (!CHECK(h != NULL))
        return;
    size_t all[NCHAIN] = { 0, 1, 2, 3, 4, 5 };
    run_batch(h, all, NCHAIN, ids, NULL);
    harness_batch *b = harness_batch_new(h);
    harness_batch_add_json(b, "orders", "{\"order_id\": \"o1\", \"customer_email\": \"OTHER@x.ru\"}");
    harness_batch_add_json(b, "orders", "{\"order_id\": \"o2\", \"customer_email\": \"guest@x.ru\"}");
    harness_batch_add_json(b, "orders", "{\"order_id\": \"o3\"}");
    harness_batch_add_json(b, "deals", "{\"deal_id\": 7, \"contact_id\": 5}");
    harness_batch_add_json(b, "products", "{\"sku\": \"x\"}");
    CHECK_INT(harness_process(h, b), SLUICE_OK);
    CHECK_INT((int)harness_batch_count(b), 5);
    CHECK_STR(json_string_value(json_object_get(harness_batch_get(b, 0), "customer_id")), ids[3]);
    char guest[ID_LEN + 1];
    id_of_key("email:guest@x.ru", guest);
    CHECK_STR(json_string_value(json_object_get(harness_batch_get(b, 1), "customer_id")), guest);
    CHECK(json_object_get(harness_batch_get(b, 2), "customer_id") == NULL);
    CHECK_STR(json_string_value(json_object_get(harness_batch_get(b, 3), "customer_id")), ids[4]);
    CHECK(json_object_get(harness_batch_get(b, 4), "customer_id") == NULL);
    harness_batch_free(&b);
    harness_close(&h);
}

static void test_unidentified_and_options(void)
{
    char store[256], *err = NULL;
    new_store(store, sizeof store);
    sl_harness *h = open_id(store, "\"on_unidentified\": \"reject\"");
    if (!CHECK(h != NULL))
        return;
    harness_batch *b = harness_batch_new(h);
    harness_batch_add_json(b, "customers", "{\"name\": \"nobody\", \"email\": \"bad address\"}");
    CHECK_INT(harness_process(h, b), SLUICE_OK);
    CHECK_INT((int)harness_batch_rejected(b), 1);
    CHECK_HAS(harness_batch_last_reject(b), "no e-mail, phone or id");
    harness_batch_free(&b);
    harness_close(&h);

    char opts[512];
    snprintf(opts, sizeof opts, "{\"store\": \"%s\", \"references\": {\"orders\": {\"mail\": \"x\"}}}", store);
    h = harness_open_plugin("transform", "identity", opts, &err);
    CHECK(h == NULL);
    CHECK_HAS(err, "references.orders.mail: unknown key");
    free(err);
    err = NULL;
    snprintf(opts, sizeof opts, "{\"store\": \"%s\", \"customers\": [\"c\"], \"references\": {\"c\": {\"email\": \"e\"}}}",
             store);
    h = harness_open_plugin("transform", "identity", opts, &err);
    CHECK(h == NULL);
    CHECK_HAS(err, "listed twice");
    free(err);
    err = NULL;
    /* no store option and a host without a state folder */
    h = harness_open_plugin("transform", "identity", "{}", &err);
    CHECK(h == NULL);
    CHECK_HAS(err, "state folder");
    free(err);
}

int main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_sha256();
    test_chain();
    test_order_independence();
    test_merge_and_rerun();
    test_references();
    test_unidentified_and_options();
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
    return harness_test_summary();
}
