/* cli_plugins.h - `sluice plugins` and `sluice describe NAME`. */
#ifndef SL_CLI_PLUGINS_H
#define SL_CLI_PLUGINS_H

#include <stdio.h>
#include "loader.h"

/* Prints one aligned line per plugin found along `sp` (kind, name, version,
 * description), sources first. Broken plugin files are reported on stderr
 * and skipped. Returns 0, or 1 when out of memory. */
int sl_cli_plugins(const sl_search_path *sp, FILE *out);

/* Prints what `name` is: kind, version, description, file and its options
 * (name, type, required or default, description, allowed values). `name` is
 * "file" (every kind that has a plugin of that name), or "sink/file" or
 * "sink:file" for one kind. Returns 0 when printed, 1 when the plugin exists
 * but cannot be loaded, 2 when not found (messages on stderr). */
int sl_cli_describe(const sl_search_path *sp, const char *name, FILE *out);

#endif
