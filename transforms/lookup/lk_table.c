/*
 * lk_table.c - the keyed table: key -> rows (row id -> the row's fields).
 *
 * Rows live in memory until max_memory_rows; keys that come after that go
 * to SQLite (the stage's file in the state folder) and are read back one
 * key at a time. A key is wholly in memory or wholly on disk: once memory
 * is full no new key enters it, so a key found in memory has all its rows
 * there. With persist, every row is also written to disk, and the next run
 * starts from them (lk_table_load).
 */
#include "lookup.h"

#include <stdlib.h>
#include <string.h>

static void free_rows(void *v) { json_decref(v); }

int lk_table_init(lk_table *t, long long max_rows, int persist, lk_store **store, int (*open_store)(void *arg),
                  void *open_arg)
{
    memset(t, 0, sizeof *t);
    t->max_rows = max_rows;
    t->persist = persist;
    t->store = store;
    t->open_store = open_store;
    t->open_arg = open_arg;
    t->mem = tx_strmap_new();
    return t->mem ? SLUICE_OK : SLUICE_ENOMEM;
}

void lk_table_free(lk_table *t)
{
    tx_strmap_free(&t->mem, free_rows);
    json_decref(t->last);
    t->last = NULL;
}

static int to_disk(lk_table *t, const char *key, const char *row_id, json_t *row)
{
    int rc = *t->store ? SLUICE_OK : t->open_store(t->open_arg);
    if (rc != SLUICE_OK)
        return rc;
    char *data = json_dumps(row, JSON_COMPACT | JSON_SORT_KEYS);
    if (!data)
        return SLUICE_ENOMEM;
    rc = lk_store_put_row(*t->store, key, row_id, data);
    free(data);
    t->disk_rows++;
    return rc;
}

/* Adds row (stolen) under row_id to the in-memory entry of key, creating it. */
static int to_memory(lk_table *t, void **slot, const char *key, const char *row_id, json_t *row)
{
    if (!slot && !(slot = tx_strmap_put(t->mem, key, strlen(key), NULL))) {
        json_decref(row);
        return SLUICE_ENOMEM;
    }
    if (!*slot && !(*slot = json_object())) {
        json_decref(row);
        return SLUICE_ENOMEM;
    }
    json_t *rows = *slot;
    size_t before = json_object_size(rows);
    if (json_object_set_new(rows, row_id, row) != 0)
        return SLUICE_ENOMEM;
    t->mem_rows += json_object_size(rows) - before;
    return SLUICE_OK;
}

int lk_table_put(lk_table *t, const char *key, const char *row_id, json_t *row)
{
    void **slot = tx_strmap_get(t->mem, key, strlen(key));
    int room = !t->spilled && t->mem_rows < (unsigned long long)t->max_rows;
    int rc = SLUICE_OK;
    if (t->persist || (!slot && !room))
        rc = to_disk(t, key, row_id, row);
    if (rc != SLUICE_OK) {
        json_decref(row);
        return rc;
    }
    if (slot || room)
        return to_memory(t, slot, key, row_id, row);
    t->spilled = 1;
    json_decref(row);
    return SLUICE_OK;
}

int lk_table_get(lk_table *t, const char *key, json_t **rows)
{
    void **slot = tx_strmap_get(t->mem, key, strlen(key));
    int rc = SLUICE_OK;
    *rows = slot ? *slot : NULL;
    if (slot || !t->spilled || !*t->store)
        return SLUICE_OK;
    json_decref(t->last);
    t->last = lk_store_get_rows(*t->store, key, &rc);
    *rows = t->last;
    return rc;
}

static int load_row(void *arg, const char *key, const char *row_id, const char *data)
{
    lk_table *t = arg;
    void **slot = tx_strmap_get(t->mem, key, strlen(key));
    if (!slot && t->mem_rows >= (unsigned long long)t->max_rows) {
        t->spilled = 1;
        return SLUICE_OK;
    }
    json_t *row = json_loads(data, 0, NULL);
    if (!json_is_object(row)) {
        json_decref(row);
        return SLUICE_OK; /* not ours: skip it */
    }
    return to_memory(t, slot, key, row_id, row);
}

int lk_table_load(lk_table *t)
{
    if (!*t->store)
        return SLUICE_OK;
    return lk_store_each_row(*t->store, load_row, t);
}
