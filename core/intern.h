/* intern.h - process-wide interned strings (stream names, origins).
 * An interned string lives until sl_intern_reset(); comparing two interned
 * strings is comparing pointers. Thread-safe. */
#ifndef SL_INTERN_H
#define SL_INTERN_H

#include <stddef.h>

/* Returns the interned copy of s[0..len) (NUL-terminated), or NULL on
 * allocation failure. Borrowed: never free it. */
const char *sl_intern_n(const char *s, size_t len);
const char *sl_intern(const char *s);
/* Frees every interned string; only when no thread uses them any more. */
void sl_intern_reset(void);

#endif
