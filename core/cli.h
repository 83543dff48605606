/* cli.h - what every `sluice` command shares: the global options, the
 * start-up that follows them, and the one code path that runs a pipeline
 * (used by `sluice run` and by each run `sluice serve` starts).
 *
 * Commands other than the built-in few in main.c (serve, status, report,
 * identity) parse their own arguments: main.c hands them argc/argv whole,
 * and they accept the global options through SL_CLI_GLOBAL_LONGOPTS and
 * sl_cli_global_opt(), so `sluice -q report x.db` and `sluice report x.db -q`
 * mean the same. */
#ifndef SL_CLI_H
#define SL_CLI_H

#include <getopt.h>

enum { SL_EXIT_OK = 0, SL_EXIT_RUN_FAILED = 1, SL_EXIT_USAGE = 2 };

typedef struct sl_cli {
    int verbosity; /* 0 normal, -1 quiet, 1.. verbose */
    int json_logs;
    int progress;
    const char *plugin_dirs[32];
    size_t nplugin_dirs;
} sl_cli;

/* getopt_long entries of the global options; their `val`s are below 32 so
 * they never clash with a command's own short options. */
#define SL_CLI_GLOBAL_LONGOPTS                                                                                         \
    {"verbose", no_argument, NULL, 1}, {"quiet", no_argument, NULL, 2}, {"log-format", required_argument, NULL, 3},   \
        {"plugin-path", required_argument, NULL, 4}, {"no-progress", no_argument, NULL, 5}
/* Short forms to add to a command's optstring. */
#define SL_CLI_GLOBAL_SHORTOPTS "vq"

/* Applies global option `opt` ('v', 'q' or 1..5 from the table above) to `c`.
 * Returns 1 when it was a global option, 0 when not, -1 when its value is
 * invalid (message printed). */
int sl_cli_global_opt(sl_cli *c, int opt, const char *arg);

/* After option parsing: log level and format, jansson's hash seed, SIGPIPE
 * ignored, --plugin-path folders put in front of $SLUICE_PLUGIN_PATH.
 * Returns 0 or -1. */
int sl_cli_setup(const sl_cli *c);

/* Prints "sluice: MSG" and the hint to see `sluice CMD --help`; returns
 * SL_EXIT_USAGE. */
int sl_cli_usage_error(const char *msg, const char *cmd);

/* Runs the pipeline in `file` to completion in this process, with SIGINT and
 * SIGTERM draining it (a second one exits at once). The run is recorded in
 * the pipeline's state store. Returns SL_EXIT_OK, SL_EXIT_RUN_FAILED, or
 * SL_EXIT_USAGE when the config is invalid (message printed). */
int sl_cli_run_pipeline(const sl_cli *c, const char *file);

/* The same with a config loaded already (borrowed, not freed): each run
 * `sluice serve` forks runs the config the server held when it started,
 * whatever the file says by then. Returns SL_EXIT_OK or SL_EXIT_RUN_FAILED. */
struct sl_pipeline_cfg;
int sl_cli_run_config(const sl_cli *c, struct sl_pipeline_cfg *cfg);

/* Commands in their own files. Each gets the whole command line and returns
 * an exit status. */
int sl_cmd_serve(int argc, char **argv);    /* cli_serve.c */
int sl_cmd_status(int argc, char **argv);   /* cli_status.c */
int sl_cmd_report(int argc, char **argv);   /* cli_report.c */
int sl_cmd_identity(int argc, char **argv); /* cli_identity.c */

#endif
