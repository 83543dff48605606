/* option_error.h - how a transform's init() refuses an option, shared by
 * the identity and lookup transforms. */
#ifndef SLUICE_OPTION_ERROR_H
#define SLUICE_OPTION_ERROR_H

#include "sluice/plugin.h"

/* Logs "PLUGIN: MESSAGE" as an error, makes MESSAGE the stage's error text
 * (what the run's summary shows) and returns SLUICE_EINVAL. */
int tx_option_error(sluice_ctx *ctx, const char *plugin, const char *fmt, ...) SLUICE_PRINTF(3, 4);

#endif
