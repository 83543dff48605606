/* cli_serve.c - `sluice serve` (placeholder until it is built). */
#include <stdio.h>

#include "cli.h"

int sl_cmd_serve(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("sluice: 'serve' is not built yet\n", stderr);
    return SL_EXIT_USAGE;
}
