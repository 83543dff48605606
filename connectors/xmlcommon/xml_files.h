/* xml_files.h - the `path` option of the XML sources as a list of files. */
#ifndef SLX_XML_FILES_H
#define SLX_XML_FILES_H

#include <stddef.h>

/* Expands `pattern`:
 *   - an existing file is taken as it is (even with glob characters in its
 *     name);
 *   - an existing folder gives every regular file under it, recursively,
 *     whose name ends in ".xml" (any case), skipping names that start with
 *     a dot;
 *   - anything else goes through glob(3) ('*', '?', '[...]'); folders
 *     among the matches are expanded as above.
 * The result is sorted byte-wise (strcmp) and free of duplicates, so the
 * order does not depend on the locale or the file system.
 *
 * Returns 0 with *out (owned: *n >= 1 owned strings; free with
 * slx_files_free), or an errno value: ENOENT when nothing matches, ENOMEM,
 * or what stat(2)/opendir(3) said. */
int slx_files_expand(const char *pattern, char ***out, size_t *n);

/* Frees what slx_files_expand returned and NULLs *files. */
void slx_files_free(char ***files, size_t n);

#endif
