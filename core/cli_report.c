/* cli_report.c - `sluice report` (placeholder until it is built). */
#include <stdio.h>

#include "cli.h"

int sl_cmd_report(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    fputs("sluice: 'report' is not built yet\n", stderr);
    return SL_EXIT_USAGE;
}
