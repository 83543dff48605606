/* option_error.c - refusing an option (see option_error.h). */
#include "option_error.h"

#include <stdarg.h>
#include <stdio.h>

int tx_option_error(sluice_ctx *ctx, const char *plugin, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sluice_error(ctx, "%s: %s", plugin, msg);
    sluice_set_error(ctx, msg);
    return SLUICE_EINVAL;
}
