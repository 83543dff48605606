/* intern.c - see intern.h. A small open-addressing hash set under one mutex:
 * callers cache their last lookup, so the lock is taken rarely. */
#include "intern.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static char **g_slots;
static size_t g_cap, g_used;

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static int grow(void)
{
    size_t ncap = g_cap ? g_cap * 2 : 64;
    char **ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < g_cap; i++) {
        if (!g_slots[i])
            continue;
        size_t j = hash_bytes(g_slots[i], strlen(g_slots[i])) & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = g_slots[i];
    }
    free(g_slots);
    g_slots = ns;
    g_cap = ncap;
    return 0;
}

const char *sl_intern_n(const char *s, size_t len)
{
    const char *out = NULL;
    pthread_mutex_lock(&g_lock);
    if ((g_used + 1) * 2 > g_cap && grow() != 0)
        goto done;
    size_t j = hash_bytes(s, len) & (g_cap - 1);
    while (g_slots[j]) {
        if (strncmp(g_slots[j], s, len) == 0 && g_slots[j][len] == '\0') {
            out = g_slots[j];
            goto done;
        }
        j = (j + 1) & (g_cap - 1);
    }
    char *copy = malloc(len + 1);
    if (!copy)
        goto done;
    memcpy(copy, s, len);
    copy[len] = '\0';
    g_slots[j] = copy;
    g_used++;
    out = copy;
done:
    pthread_mutex_unlock(&g_lock);
    return out;
}

const char *sl_intern(const char *s) { return s ? sl_intern_n(s, strlen(s)) : NULL; }

void sl_intern_reset(void)
{
    pthread_mutex_lock(&g_lock);
    for (size_t i = 0; i < g_cap; i++)
        free(g_slots[i]);
    free(g_slots);
    g_slots = NULL;
    g_cap = g_used = 0;
    pthread_mutex_unlock(&g_lock);
}
