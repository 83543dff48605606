/* main.c - the `sluice` command line. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "cli_plugins.h"
#include "config.h"
#include "engine.h"
#include "intern.h"
#include "log.h"
#include "state.h"

enum { EXIT_OK = SL_EXIT_OK, EXIT_RUN_FAILED = SL_EXIT_RUN_FAILED, EXIT_USAGE = SL_EXIT_USAGE };

#ifdef SLUICE_WITH_JEMALLOC
/* jemalloc reads this at start-up (MALLOC_CONF in the environment still
 * wins). Few arenas and a short decay keep peak memory flat however long the
 * run: measured on 5M records, 79 MiB peak with the defaults, 46 MiB with
 * these, at the same speed. */
const char *malloc_conf = "narenas:2,dirty_decay_ms:500,muzzy_decay_ms:0";
#endif

typedef struct cli {
    sl_cli g;
    const char *source; /* state reset --source */
    int json_out;       /* state show --json */
} cli;

static const char usage_text[] =
    "Usage: sluice [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "sluice moves sales data between CRMs, shops, inventory systems and warehouses:\n"
    "sources read records, transforms reshape them, sinks store them.\n"
    "\n"
    "Commands:\n"
    "  run PIPELINE.json         run a pipeline to completion\n"
    "  validate PIPELINE.json    check a pipeline (plugins, options, graph) without running it\n"
    "  plugins                   list the plugins found (kind, name, version, description)\n"
    "  describe NAME             show a plugin's options (NAME may be kind/name, e.g. sink/file)\n"
    "  state show PIPELINE.json  show the sources' committed cursors and the last runs\n"
    "  state reset PIPELINE.json [--source ID]\n"
    "                            forget cursors: the next run reads everything again\n"
    "  serve PIPELINE.json...|DIR\n"
    "                            run pipelines on their \"schedule\"s, with run history,\n"
    "                            /health and Prometheus /metrics on 127.0.0.1\n"
    "  status PIPELINE.json      the last runs of a pipeline and its next fire time\n"
    "  report WAREHOUSE.db       sales KPIs from a consolidated warehouse (text, json, html)\n"
    "  identity explain STATE_DIR KEY\n"
    "                            which records form a customer, and why\n"
    "  help [COMMAND]            show this help, or a command's\n"
    "\n"
    "Options:\n"
    "  -v, --verbose             debug log output\n"
    "  -q, --quiet               errors only: no progress line, no summary\n"
    "      --log-format FORMAT   text (default) or json (one JSON object per line)\n"
    "      --plugin-path DIR     also look for plugins in DIR (repeatable)\n"
    "      --no-progress         never show the live progress line\n"
    "  -h, --help                show help\n"
    "  -V, --version             show the version\n"
    "\n"
    "Plugins are searched in: the pipeline's \"plugin_path\", --plugin-path, $SLUICE_PLUGIN_PATH,\n"
    "the install folder and the build tree.\n"
    "\n"
    "Exit status: 0 success; 1 the run failed, was interrupted or lost data;\n"
    "2 bad usage or bad configuration.\n"
    "\n"
    "Example:\n"
    "  sluice run examples/quickstart/pipeline.json\n";

static const char run_help[] =
    "Usage: sluice run [OPTIONS] PIPELINE.json\n"
    "\n"
    "Runs the pipeline until every source is exhausted and every sink has committed.\n"
    "Logs go to stderr; on a terminal a live line shows records/s per stage; the run ends\n"
    "with a summary per stage (records in, out, dropped, rejected, elapsed, rate).\n"
    "Rejected records go to the pipeline's \"dead_letter\" file with the reason.\n"
    "SIGINT/SIGTERM stop reading, drain what is in flight, flush the sinks and exit 1;\n"
    "a second signal exits at once.\n"
    "\n"
    "Exit status: 0 success; 1 failed, interrupted or lost data; 2 bad configuration.\n";

static const char validate_help[] =
    "Usage: sluice validate PIPELINE.json\n"
    "\n"
    "Reads the pipeline, loads its plugins and checks every option, input and path\n"
    "expression without running anything. Exit 0 when valid, 2 with the first error\n"
    "(FILE:LINE:COLUMN: JSON.PATH: message) otherwise.\n";

static const char plugins_help[] =
    "Usage: sluice plugins\n\nLists every plugin found on the search path: kind, name, version, description.\n";

static const char describe_help[] =
    "Usage: sluice describe NAME\n"
    "\n"
    "Prints a plugin's description and options: name, type, required or default,\n"
    "description. NAME is a plugin name (all kinds with that name are shown) or\n"
    "KIND/NAME, e.g. `sluice describe sink/file`.\n";

static const char state_help[] =
    "Usage: sluice state show [--json] PIPELINE.json\n"
    "       sluice state reset [--source ID] PIPELINE.json\n"
    "\n"
    "Each pipeline keeps a state store (\"state\" in the pipeline, default state/NAME.db\n"
    "beside it): every source's cursor, committed only once the records before it are\n"
    "durable in every sink, and the history of runs. `show` prints them (--json for\n"
    "machines); `reset` forgets the cursor of one source (--source ID) or of all, so the\n"
    "next run re-reads from the beginning (a full re-sync; keyed sinks upsert).\n";

static int print_help(const char *cmd)
{
    if (!cmd)
        fputs(usage_text, stdout);
    else if (strcmp(cmd, "run") == 0)
        fputs(run_help, stdout);
    else if (strcmp(cmd, "validate") == 0)
        fputs(validate_help, stdout);
    else if (strcmp(cmd, "plugins") == 0)
        fputs(plugins_help, stdout);
    else if (strcmp(cmd, "describe") == 0)
        fputs(describe_help, stdout);
    else if (strcmp(cmd, "state") == 0)
        fputs(state_help, stdout);
    else {
        fprintf(stderr, "sluice: unknown command '%s'; see 'sluice --help'\n", cmd);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int load(const char *file, sl_pipeline_cfg **cfg)
{
    char *err = NULL;
    if (sl_config_load(file, cfg, &err) != 0) {
        fprintf(stderr, "%s\n", err ? err : "cannot load the pipeline");
        free(err);
        return -1;
    }
    return 0;
}

static int cmd_validate(const char *file)
{
    sl_pipeline_cfg *cfg = NULL;
    if (load(file, &cfg) != 0)
        return EXIT_USAGE;
    size_t k[4] = {0};
    for (size_t i = 0; i < cfg->nstages; i++)
        k[cfg->stages[i].kind & 3]++;
    printf("%s: ok (pipeline %s: %zu source%s, %zu transform%s, %zu sink%s)\n", file, cfg->name, k[1],
           k[1] == 1 ? "" : "s", k[2], k[2] == 1 ? "" : "s", k[3], k[3] == 1 ? "" : "s");
    sl_config_free(&cfg);
    return EXIT_OK;
}

static int cmd_run(const cli *c, const char *file)
{
    return sl_cli_run_pipeline(&c->g, file);
}

static void print_runs(json_t *runs)
{
    size_t i;
    json_t *r;
    printf("last runs:\n");
    if (json_array_size(runs) == 0)
        printf("  (none)\n");
    json_array_foreach(runs, i, r)
    {
        unsigned long long written = 0;
        size_t k;
        json_t *s;
        json_array_foreach(json_object_get(r, "stages"), k, s)
        {
            const char *kind = json_string_value(json_object_get(s, "kind"));
            if (kind && strcmp(kind, "sink") == 0)
                written += (unsigned long long)json_integer_value(json_object_get(s, "out"));
        }
        const char *ended = json_string_value(json_object_get(r, "ended_at"));
        const char *err = json_string_value(json_object_get(r, "error"));
        printf("  #%-5lld %s  %-11s  ended %s  %llu records written%s%s\n",
               (long long)json_integer_value(json_object_get(r, "id")),
               json_string_value(json_object_get(r, "started_at")), json_string_value(json_object_get(r, "status")),
               ended ? ended : "-", written, err ? "  error: " : "", err ? err : "");
    }
}

static int cmd_state(const cli *c, const char *sub, const char *file)
{
    sl_pipeline_cfg *cfg = NULL;
    if (load(file, &cfg) != 0)
        return EXIT_USAGE;
    sl_state *st = NULL;
    char *err = NULL;
    int rc = EXIT_OK;
    if (sl_state_open(&st, cfg->state, &err) != 0) {
        fprintf(stderr, "sluice: %s\n", err ? err : "cannot open the state store");
        free(err);
        sl_config_free(&cfg);
        return EXIT_RUN_FAILED;
    }
    if (strcmp(sub, "reset") == 0) {
        int known = c->source == NULL;
        for (size_t i = 0; !known && i < cfg->nstages; i++)
            known = cfg->stages[i].kind == SLUICE_SOURCE && strcmp(cfg->stages[i].id, c->source) == 0;
        int n = known ? sl_state_reset(st, c->source) : -1;
        if (!known) {
            fprintf(stderr, "sluice: %s has no source \"%s\"\n", file, c->source);
            rc = EXIT_USAGE;
        } else if (n < 0) {
            rc = EXIT_RUN_FAILED;
        } else {
            printf("forgot %d cursor%s%s%s; the next run reads %s from the beginning\n", n, n == 1 ? "" : "s",
                   c->source ? " of " : "", c->source ? c->source : "", c->source ? "it" : "every source");
        }
    } else {
        json_t *cursors = sl_state_cursors(st), *runs = sl_state_runs(st, 10);
        if (c->json_out) {
            json_t *o = json_pack("{s:s, s:s, s:O, s:O}", "pipeline", cfg->name, "state", cfg->state, "cursors",
                                  cursors, "runs", runs);
            char *text = o ? json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
            if (text)
                puts(text);
            free(text);
            json_decref(o);
        } else {
            printf("pipeline %s, state store %s\ncursors:\n", cfg->name, cfg->state);
            for (size_t i = 0; i < cfg->nstages; i++) {
                if (cfg->stages[i].kind != SLUICE_SOURCE)
                    continue;
                json_t *cur = json_object_get(cursors, cfg->stages[i].id);
                char *text = cur ? json_dumps(json_object_get(cur, "cursor"), JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
                printf("  %-16s %s%s%s\n", cfg->stages[i].id, text ? text : "(none: the next run reads from the start)",
                       cur ? "  committed " : "", cur ? json_string_value(json_object_get(cur, "updated_at")) : "");
                free(text);
            }
            print_runs(runs);
        }
        json_decref(cursors);
        json_decref(runs);
    }
    sl_state_close(&st);
    sl_config_free(&cfg);
    return rc;
}

static int with_search_path(const cli *c, const char *cmd, const char *arg)
{
    sl_search_path sp;
    if (sl_search_path_init(&sp, NULL, 0) != 0)
        return EXIT_RUN_FAILED;
    int rc = strcmp(cmd, "plugins") == 0 ? sl_cli_plugins(&sp, stdout) : sl_cli_describe(&sp, arg, stdout);
    sl_search_path_free(&sp);
    return rc;
}

/* The commands that live in their own files and parse their own options. */
static const struct {
    const char *name;
    int (*fn)(int argc, char **argv);
} ext_cmds[] = {{"serve", sl_cmd_serve}, {"status", sl_cmd_status}, {"report", sl_cmd_report}, {"identity", sl_cmd_identity}};

static const struct option longopts[] = {SL_CLI_GLOBAL_LONGOPTS,
                                         {"help", no_argument, NULL, 'h'},
                                         {"source", required_argument, NULL, 'S'},
                                         {"json", no_argument, NULL, 'J'},
                                         {"version", no_argument, NULL, 'V'},
                                         {NULL, 0, NULL, 0}};

/* Whether `arg` is a long option of ours given its value as the next word. */
static int takes_next_word(const char *arg)
{
    for (const struct option *o = longopts; o->name; o++)
        if (o->has_arg == required_argument && arg[0] == '-' && arg[1] == '-' && strcmp(arg + 2, o->name) == 0)
            return 1;
    return 0;
}

/* The first word of the command line that is not an option or an option's
 * value, or NULL. */
static const char *command_word(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--") == 0)
            return i + 1 < argc ? argv[i + 1] : NULL;
        if (argv[i][0] != '-' || argv[i][1] == '\0')
            return argv[i];
        if (takes_next_word(argv[i]))
            i++;
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *word = command_word(argc, argv);
    for (size_t i = 0; word && i < sizeof ext_cmds / sizeof ext_cmds[0]; i++)
        if (strcmp(word, ext_cmds[i].name) == 0)
            return ext_cmds[i].fn(argc, argv);

    cli c = {.g = {.progress = 1}};
    int help = 0, opt;
    while ((opt = getopt_long(argc, argv, SL_CLI_GLOBAL_SHORTOPTS "hV", longopts, NULL)) != -1) {
        int g = sl_cli_global_opt(&c.g, opt, optarg);
        if (g < 0)
            return EXIT_USAGE;
        if (g > 0)
            continue;
        switch (opt) {
        case 'S': c.source = optarg; break;
        case 'J': c.json_out = 1; break;
        case 'h': help = 1; break;
        case 'V': printf("sluice %s (plugin ABI %d.%d)\n", SLUICE_VERSION, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR); return EXIT_OK;
        default: return sl_cli_usage_error("unknown option", NULL);
        }
    }
    const char *cmd = optind < argc ? argv[optind] : NULL;
    int nargs = argc - optind - (cmd ? 1 : 0);
    char **args = argv + optind + (cmd ? 1 : 0);
    if (help)
        return print_help(cmd && strcmp(cmd, "help") != 0 ? cmd : NULL);
    if (!cmd) {
        fputs(usage_text, stderr);
        return EXIT_USAGE;
    }
    if (strcmp(cmd, "help") == 0) {
        for (size_t i = 0; nargs && i < sizeof ext_cmds / sizeof ext_cmds[0]; i++)
            if (strcmp(args[0], ext_cmds[i].name) == 0) {
                char *hargv[] = {argv[0], args[0], (char *)"--help", NULL};
                return ext_cmds[i].fn(3, hargv);
            }
        return print_help(nargs ? args[0] : NULL);
    }
    if (sl_cli_setup(&c.g) != 0)
        return EXIT_RUN_FAILED;

    int rc;
    if (strcmp(cmd, "run") == 0 || strcmp(cmd, "validate") == 0) {
        if (nargs != 1)
            return sl_cli_usage_error(nargs ? "expected exactly one PIPELINE.json" : "missing PIPELINE.json", cmd);
        rc = cmd[0] == 'r' ? cmd_run(&c, args[0]) : cmd_validate(args[0]);
    } else if (strcmp(cmd, "state") == 0) {
        if (nargs != 2 || (strcmp(args[0], "show") != 0 && strcmp(args[0], "reset") != 0))
            return sl_cli_usage_error("expected: state show|reset PIPELINE.json", cmd);
        if (c.source && strcmp(args[0], "reset") != 0)
            return sl_cli_usage_error("--source goes with state reset", cmd);
        rc = cmd_state(&c, args[0], args[1]);
    } else if (strcmp(cmd, "plugins") == 0) {
        if (nargs != 0)
            return sl_cli_usage_error("plugins takes no arguments", cmd);
        rc = with_search_path(&c, cmd, NULL);
    } else if (strcmp(cmd, "describe") == 0) {
        if (nargs != 1)
            return sl_cli_usage_error("expected one plugin NAME", cmd);
        rc = with_search_path(&c, cmd, args[0]);
    } else {
        fprintf(stderr, "sluice: unknown command '%s'\nTry 'sluice --help' for more information.\n", cmd);
        return EXIT_USAGE;
    }
    sl_intern_reset();
    return rc;
}
