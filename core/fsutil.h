/* fsutil.h - small file-system helpers shared by the core. */
#ifndef SL_FSUTIL_H
#define SL_FSUTIL_H

/* Creates the missing parent folders of `path` (not path itself), like
 * `mkdir -p "$(dirname path)"`. Returns 0 or -1 with errno set. */
int sl_mkdir_parents(const char *path);

#endif
