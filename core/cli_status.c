/* cli_status.c - `sluice status` (placeholder until it is built). */
#include <stdio.h>

#include "cli.h"

int sl_cmd_status(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("sluice: 'status' is not built yet\n", stderr);
    return SL_EXIT_USAGE;
}
