/* str_map.c - string-keyed hash map (see str_map.h). */
#include "str_map.h"

#include <stdlib.h>
#include <string.h>

typedef struct slot {
    char *key; /* owned; NULL marks an empty slot */
    size_t len;
    uint64_t hash;
    void *val;
} slot;

struct tx_strmap {
    slot *slots; /* owned, cap entries, cap a power of two */
    size_t cap;
    size_t n;
};

uint64_t tx_strhash(const char *s, size_t len)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ull;
    }
    return h;
}

tx_strmap *tx_strmap_new(void)
{
    tx_strmap *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->cap = 64;
    m->slots = calloc(m->cap, sizeof *m->slots);
    if (!m->slots) {
        free(m);
        return NULL;
    }
    return m;
}

void tx_strmap_free(tx_strmap **pm, void (*free_val)(void *))
{
    tx_strmap *m = pm ? *pm : NULL;
    if (!m)
        return;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        if (free_val && m->slots[i].val)
            free_val(m->slots[i].val);
        free(m->slots[i].key);
    }
    free(m->slots);
    free(m);
    *pm = NULL;
}

static size_t find(const tx_strmap *m, const char *key, size_t len, uint64_t h)
{
    size_t mask = m->cap - 1, i = (size_t)h & mask;
    while (m->slots[i].key &&
           (m->slots[i].hash != h || m->slots[i].len != len || memcmp(m->slots[i].key, key, len) != 0))
        i = (i + 1) & mask;
    return i;
}

void **tx_strmap_get(const tx_strmap *m, const char *key, size_t len)
{
    size_t i = find(m, key, len, tx_strhash(key, len));
    return m->slots[i].key ? &m->slots[i].val : NULL;
}

/* Doubles the table; keys keep their addresses, only slots move. */
static int grow(tx_strmap *m)
{
    size_t cap = m->cap * 2;
    slot *s = calloc(cap, sizeof *s);
    if (!s)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->slots[i].key)
            continue;
        size_t j = (size_t)m->slots[i].hash & (cap - 1);
        while (s[j].key)
            j = (j + 1) & (cap - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->cap = cap;
    return 0;
}

void **tx_strmap_put(tx_strmap *m, const char *key, size_t len, const char **stored)
{
    uint64_t h = tx_strhash(key, len);
    size_t i = find(m, key, len, h);
    if (!m->slots[i].key) {
        /* keep the load under 1/2: probes stay short */
        if ((m->n + 1) * 2 > m->cap) {
            if (grow(m) != 0)
                return NULL;
            i = find(m, key, len, h);
        }
        char *k = malloc(len + 1);
        if (!k)
            return NULL;
        memcpy(k, key, len);
        k[len] = '\0';
        m->slots[i] = (slot){ .key = k, .len = len, .hash = h, .val = NULL };
        m->n++;
    }
    if (stored)
        *stored = m->slots[i].key;
    return &m->slots[i].val;
}

size_t tx_strmap_size(const tx_strmap *m) { return m->n; }

int tx_strmap_next(const tx_strmap *m, size_t *pos, const char **key, void ***val)
{
    while (*pos < m->cap) {
        slot *s = &m->slots[(*pos)++];
        if (s->key) {
            *key = s->key;
            *val = &s->val;
            return 1;
        }
    }
    return 0;
}
