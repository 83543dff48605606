/* state_file.h - where a transform keeps a file of its own: the path an
 * option names, or a file in the pipeline's state folder (plugin ABI 1.3).
 * Shared by the identity and lookup transforms. */
#ifndef SLUICE_STATE_FILE_H
#define SLUICE_STATE_FILE_H

#include "sluice/plugin.h"

/* Sets *out (owned by the caller, free()) to the string option `option` when
 * the stage sets it, else to "<state folder>/<name>". Returns SLUICE_OK,
 * SLUICE_EINVAL after logging why when the host gives no state folder (a
 * host older than 1.3, or a test host without one) and the option is unset,
 * or SLUICE_ENOMEM. */
int tx_state_file(sluice_ctx *ctx, const char *option, const char *name, char **out);

#endif
