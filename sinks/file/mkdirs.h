/* mkdirs.h - creating the folders an output file goes in, like `mkdir -p
 * "$(dirname PATH)"`: users expect `out/warehouse.db` to just work.
 *
 * Shared by the file and sqlite sinks (each compiles mkdirs.c). */
#ifndef SINK_MKDIRS_H
#define SINK_MKDIRS_H

/* Creates every missing folder above the file `path` (mode 0777 less the
 * umask). Returns 0, or -1 with errno set (ENOTDIR when a component is a
 * file, ENAMETOOLONG, or what mkdir() said). */
int sink_mkdirs_parent(const char *path);

#endif
