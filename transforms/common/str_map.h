/* str_map.h - a hash map from byte strings to pointers, shared by the
 * identity and lookup transforms (compiled into each; plugins share no
 * library).
 *
 * Open addressing with linear probing; the map owns a copy of every key and
 * keeps it at the same address for the map's life, so callers may borrow
 * the stored key instead of keeping their own copy. Values are the caller's:
 * the map never frees them (tx_strmap_free takes a function that does).
 * Entries are never removed one by one; the users here only grow.
 * Not thread-safe: one map belongs to one worker. */
#ifndef SLUICE_STR_MAP_H
#define SLUICE_STR_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct tx_strmap tx_strmap;

/* A new empty map, or NULL when out of memory. */
tx_strmap *tx_strmap_new(void);
/* Frees the map and its keys, calling free_val (may be NULL) on every
 * value that is not NULL; NULLs *m. */
void tx_strmap_free(tx_strmap **m, void (*free_val)(void *));

/* The value slot of key[0..len), or NULL when the key is absent. */
void **tx_strmap_get(const tx_strmap *m, const char *key, size_t len);
/* The value slot of key[0..len), inserting the key with a NULL value when
 * absent. *stored (may be NULL) gets the map's NUL-terminated copy of the
 * key, valid until tx_strmap_free. Returns NULL when out of memory. */
void **tx_strmap_put(tx_strmap *m, const char *key, size_t len, const char **stored);
size_t tx_strmap_size(const tx_strmap *m);

/* Iterates: start with *pos = 0; returns 1 with the next entry's key and
 * value slot, 0 at the end. The map must not grow meanwhile. */
int tx_strmap_next(const tx_strmap *m, size_t *pos, const char **key, void ***val);

/* 64-bit FNV-1a of s[0..len): cheap, and good enough for in-memory tables. */
uint64_t tx_strhash(const char *s, size_t len);

#endif
