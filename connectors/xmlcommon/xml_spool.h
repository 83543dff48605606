/* xml_spool.h - records held back until a file has parsed completely
 * (all_or_nothing), in an unlinked temporary file so that memory does not
 * grow with the input. Entries are written and replayed in order. */
#ifndef SLX_XML_SPOOL_H
#define SLX_XML_SPOOL_H

#include <stddef.h>
#include <stdint.h>

typedef struct slx_spool slx_spool;

/* Entry kinds. */
#define SLX_SPOOL_RECORD 'R' /* text: a record as compact JSON */
#define SLX_SPOOL_REJECT 'X' /* text: raw input; reason: why */

/* Creates the spool in `dir` (NULL: $TMPDIR, else /tmp). The file is
 * unlinked at once: it vanishes with the process whatever happens.
 * Returns 0, or -1 with err set (errlen may be 0). */
int slx_spool_open(slx_spool **out, const char *dir, char *err, size_t errlen);

/* Appends an entry (everything copied). reason may be NULL. 0, or -1 on a
 * write error (errno set). */
int slx_spool_add(slx_spool *s, char kind, const char *stream, uint64_t line, const char *text, size_t len,
                  const char *reason);

/* Calls fn for every entry in order; the pointers are valid for the call
 * only. Stops at the first non-zero return of fn and returns it; -1 on a
 * read error (errno set); 0 at the end. */
typedef int (*slx_spool_fn)(void *ud, char kind, const char *stream, uint64_t line, const char *text, size_t len,
                            const char *reason);
int slx_spool_replay(slx_spool *s, slx_spool_fn fn, void *ud);

/* Number of entries added. */
uint64_t slx_spool_count(const slx_spool *s);

/* Closes and frees; NULLs *s. */
void slx_spool_free(slx_spool **s);

#endif
