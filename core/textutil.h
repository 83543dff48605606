/* textutil.h - small string helpers shared by the config checker, the
 * loader and the plugin CLI: formatting into a new string, joining paths and
 * "did you mean" suggestions. */
#ifndef SL_TEXTUTIL_H
#define SL_TEXTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include "sluice/plugin.h"

/* printf into a new string (caller frees); NULL on allocation failure. */
char *sl_strfmt(const char *fmt, ...) SLUICE_PRINTF(1, 2);
char *sl_vstrfmt(const char *fmt, va_list ap);

/* strdup that tolerates NULL (returns NULL). */
char *sl_strdup0(const char *s);

/* Joins `dir` and `rel` with one '/' unless `rel` is absolute (then a copy of
 * rel). Returns a new string (caller frees) or NULL on allocation failure. */
char *sl_path_join(const char *dir, const char *rel);

/* `s` as a JSON string literal ("a\tb" with quotes and escapes), for
 * showing values whatever characters they hold. New string or NULL. */
char *sl_json_quote(const char *s);
/* `s` as it is when it is a plain word ([A-Za-z0-9_.+/-]+), else as
 * sl_json_quote does: for lists of allowed values. New string or NULL. */
char *sl_word_or_quote(const char *s);

/* Levenshtein distance, capped at `cap` (returns cap when it is at least cap),
 * so long inputs stay cheap. */
size_t sl_edit_distance(const char *a, const char *b, size_t cap);

/* The candidate closest to `word` if it is close enough to be a plausible
 * typo, else NULL. Borrowed from `candidates`. NULL entries are skipped. */
const char *sl_suggest(const char *word, const char *const *candidates, size_t n);

#endif
