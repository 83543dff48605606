/* paths.h - turning the `path` option into the list of files to read. */
#ifndef SL_FILE_PATHS_H
#define SL_FILE_PATHS_H

#include <stddef.h>

/* Expands `pattern`. A path that exists is taken as it is, even when its
 * name holds glob characters; otherwise the pattern goes through glob(3)
 * ('*', '?', '[...]'; no braces, no '~'). Directories among the matches are
 * left out and the rest is sorted byte-wise (strcmp), so the order does not
 * depend on the locale.
 *
 * Returns 0 with *out (owned: an array of *n >= 1 owned strings; free with
 * sl_paths_free), or an errno value: ENOENT when nothing matches, EISDIR
 * when the path itself is a directory, ENOMEM, or what stat(2) said. */
int sl_paths_expand(const char *pattern, char ***out, size_t *n);

/* Frees what sl_paths_expand returned and NULLs *paths. */
void sl_paths_free(char ***paths, size_t n);

#endif
