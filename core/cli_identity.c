/* cli_identity.c - `sluice identity` (placeholder until it is built). */
#include <stdio.h>

#include "cli.h"

int sl_cmd_identity(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("sluice: 'identity' is not built yet\n", stderr);
    return SL_EXIT_USAGE;
}
