/* state_file.c - a transform's own file beside the pipeline's state store. */
#include "state_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tx_state_file(sluice_ctx *ctx, const char *option, const char *name, char **out)
{
    const char *set = sluice_option_string(ctx, option);
    *out = NULL;
    if (set && *set) {
        *out = strdup(set);
        return *out ? SLUICE_OK : SLUICE_ENOMEM;
    }
    /* A test host may announce 1.3 without filling the slot: look first. */
    const char *dir = sluice_host_minor(ctx) >= 3 && sluice_host_of_ctx(ctx)->state_dir ? sluice_state_dir(ctx) : NULL;
    if (!dir || !*dir) {
        sluice_error(ctx, "the host gives no state folder: set the option %s", option);
        sluice_set_error(ctx, "no state folder: set the store option");
        return SLUICE_EINVAL;
    }
    size_t len = strlen(dir) + strlen(name) + 2;
    if (!(*out = malloc(len)))
        return SLUICE_ENOMEM;
    snprintf(*out, len, "%s/%s", dir, name);
    return SLUICE_OK;
}
