/* loader.h - finding, opening and checking plugin shared objects.
 *
 * A plugin of kind K and name N lives in a file named K_N.so (source_file.so,
 * transform_map.so, sink_sqlite.so) in one of the search folders, searched in
 * this order: the pipeline's "plugin_path" entries, $SLUICE_PLUGIN_PATH
 * (colon-separated), the install folder, the build tree's plugin folder.
 * The first match wins. */
#ifndef SL_LOADER_H
#define SL_LOADER_H

#include <stddef.h>
#include "sluice/plugin.h"

typedef struct sl_plugin_handle {
    void *dl;                   /* dlopen handle, owned */
    const sluice_plugin *desc;  /* borrowed from the shared object; valid while dl is open */
    char *path;                 /* owned */
} sl_plugin_handle;

typedef struct sl_search_path {
    char **dirs; /* owned, each owned */
    size_t n;
} sl_search_path;

/* Builds the search path: the given folders first (already absolute or
 * relative to the current directory; copied), then $SLUICE_PLUGIN_PATH, the
 * install folder and the build tree. Returns 0, or -1 on allocation failure. */
int sl_search_path_init(sl_search_path *sp, const char *const *first_dirs, size_t n_first);
void sl_search_path_free(sl_search_path *sp);

const char *sl_kind_name(int kind); /* "source", "transform", "sink" or "?" */

/* Opens the plugin at `path` and checks its descriptor: entry symbol present,
 * ABI major equal to ours, struct size sane, name and kind set, callbacks the
 * kind needs present, option table well formed. On failure returns -1 and sets
 * *err (malloc'd, caller frees) to a message naming the path, e.g.
 * "/x/source_foo.so: built for plugin ABI 2.0, this sluice has ABI 1.0". */
int sl_plugin_open(const char *path, sl_plugin_handle **out, char **err);

/* Finds kind+name along the search path and opens it. -1 with *err set when
 * not found (the message lists the folders searched) or invalid. */
int sl_plugin_find(const sl_search_path *sp, int kind, const char *name, sl_plugin_handle **out, char **err);

/* Opens every *.so along the search path (first one of a kind+name wins),
 * sorted by kind then name. Invalid files are reported through `warn` (may be
 * NULL) and skipped. *out is a malloc'd array of owned handles. */
int sl_plugin_list(const sl_search_path *sp, sl_plugin_handle ***out, size_t *n,
                   void (*warn)(const char *msg));

/* Path of the first file for kind+name along the search path (the file
 * sl_plugin_find would open), or NULL if there is none. New string, caller
 * frees. Lets callers tell "not installed" from "installed but broken". */
char *sl_plugin_locate(const sl_search_path *sp, int kind, const char *name);

/* Parses "source", "transform" or "sink" (plural forms too); 0 if none. */
int sl_kind_parse(const char *s, size_t len);

/* Option types, shared by the loader's table check, the config checker and
 * `sluice describe`: the name of a sluice_opt_type ("string", "list", ...;
 * "?" if unknown) and whether a JSON value is acceptable for it (before
 * normalisation: LIST accepts a single string). */
const char *sl_opt_type_name(int type);
int sl_opt_type_accepts(int type, const json_t *v);

/* dlclose()s and frees; NULLs *h. */
void sl_plugin_close(sl_plugin_handle **h);

#endif
