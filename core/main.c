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

#include "cli_plugins.h"
#include "config.h"
#include "engine.h"
#include "intern.h"
#include "log.h"
#include "state.h"

enum { EXIT_OK = 0, EXIT_RUN_FAILED = 1, EXIT_USAGE = 2 };

#ifdef SLUICE_WITH_JEMALLOC
/* jemalloc reads this at start-up (MALLOC_CONF in the environment still
 * wins). Few arenas and a short decay keep peak memory flat however long the
 * run: measured on 5M records, 79 MiB peak with the defaults, 46 MiB with
 * these, at the same speed. */
const char *malloc_conf = "narenas:2,dirty_decay_ms:500,muzzy_decay_ms:0";
#endif

typedef struct cli {
    int verbosity; /* 0 normal, -1 quiet, 1.. verbose */
    int json_logs;
    int progress;
    const char *plugin_dirs[32];
    size_t nplugin_dirs;
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

static int usage_error(const char *msg, const char *cmd)
{
    fprintf(stderr, "sluice: %s\n", msg);
    fprintf(stderr, "Try 'sluice %s--help' for more information.\n", cmd ? cmd : "");
    return EXIT_USAGE;
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

/* ---- signals: one thread waits for them, the others never see them ---------- */

typedef struct sigwatch {
    sl_engine *e;
    sigset_t set;
    volatile int quit;
} sigwatch;

static void *signal_main(void *arg)
{
    sigwatch *w = arg;
    int seen = 0;
    while (!w->quit) {
        struct timespec ts = {0, 100 * 1000000L};
        int sig = sigtimedwait(&w->set, NULL, &ts);
        if (sig <= 0)
            continue;
        if (seen++) {
            sl_log(SLUICE_LOG_ERROR, NULL, "second %s: exiting now without draining", strsignal(sig));
            _exit(EXIT_RUN_FAILED);
        }
        sl_log(SLUICE_LOG_WARN, NULL, "%s: stopping; draining in-flight records (again to exit at once)",
               strsignal(sig));
        sl_engine_request_stop(w->e);
    }
    return NULL;
}

static int cmd_run(const cli *c, const char *file)
{
    sl_pipeline_cfg *cfg = NULL;
    if (load(file, &cfg) != 0)
        return EXIT_USAGE;
    sl_run_opts opts = {.progress = c->progress && c->verbosity >= 0 && !c->json_logs,
                        .summary = c->verbosity >= 0};
    sl_engine *e = NULL;
    char *err = NULL;
    if (sl_engine_new(&e, cfg, &opts, &err) != 0) {
        sl_log(SLUICE_LOG_ERROR, NULL, "%s", err ? err : "cannot start the pipeline");
        free(err);
        sl_config_free(&cfg);
        return EXIT_RUN_FAILED;
    }
    sigwatch w = {.e = e};
    sigemptyset(&w.set);
    sigaddset(&w.set, SIGINT);
    sigaddset(&w.set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &w.set, NULL);
    pthread_t sig_thread;
    int have_sig_thread = pthread_create(&sig_thread, NULL, signal_main, &w) == 0;

    sl_log(SLUICE_LOG_INFO, NULL, "running pipeline %s (%s)", cfg->name, file);
    int rc = sl_engine_run(e);

    w.quit = 1;
    if (have_sig_thread)
        pthread_join(sig_thread, NULL);
    sl_engine_free(&e);
    sl_config_free(&cfg);
    return rc == 0 ? EXIT_OK : EXIT_RUN_FAILED;
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

/* --plugin-path folders go before $SLUICE_PLUGIN_PATH, which the loader
 * reads for every command. */
static int add_plugin_dirs_to_env(const cli *c)
{
    const char *old = getenv("SLUICE_PLUGIN_PATH");
    size_t len = old ? strlen(old) + 1 : 1;
    for (size_t i = 0; i < c->nplugin_dirs; i++)
        len += strlen(c->plugin_dirs[i]) + 1;
    char *v = malloc(len), *p = v;
    if (!v)
        return -1;
    for (size_t i = 0; i < c->nplugin_dirs; i++)
        p += snprintf(p, len - (size_t)(p - v), "%s%s", i ? ":" : "", c->plugin_dirs[i]);
    if (old && *old)
        snprintf(p, len - (size_t)(p - v), ":%s", old);
    int rc = setenv("SLUICE_PLUGIN_PATH", v, 1);
    free(v);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"verbose", no_argument, NULL, 'v'},      {"quiet", no_argument, NULL, 'q'},
        {"log-format", required_argument, NULL, 'L'}, {"plugin-path", required_argument, NULL, 'P'},
        {"no-progress", no_argument, NULL, 'N'},  {"help", no_argument, NULL, 'h'},
        {"source", required_argument, NULL, 'S'}, {"json", no_argument, NULL, 'J'},
        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0}};
    cli c = {.progress = 1};
    int help = 0, opt;
    while ((opt = getopt_long(argc, argv, "vqhV", longopts, NULL)) != -1) {
        switch (opt) {
        case 'v': c.verbosity = c.verbosity < 0 ? 1 : c.verbosity + 1; break;
        case 'q': c.verbosity = -1; break;
        case 'L':
            if (strcmp(optarg, "json") == 0)
                c.json_logs = 1;
            else if (strcmp(optarg, "text") != 0)
                return usage_error("--log-format must be text or json", NULL);
            break;
        case 'P':
            if (c.nplugin_dirs < 32)
                c.plugin_dirs[c.nplugin_dirs++] = optarg;
            break;
        case 'N': c.progress = 0; break;
        case 'S': c.source = optarg; break;
        case 'J': c.json_out = 1; break;
        case 'h': help = 1; break;
        case 'V': printf("sluice %s (plugin ABI %d.%d)\n", SLUICE_VERSION, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR); return EXIT_OK;
        default: return usage_error("unknown option", NULL);
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
    if (strcmp(cmd, "help") == 0)
        return print_help(nargs ? args[0] : NULL);

    int level = c.verbosity < 0 ? SLUICE_LOG_ERROR : c.verbosity == 0 ? SLUICE_LOG_INFO : SLUICE_LOG_DEBUG;
    sl_log_setup(level, c.json_logs ? SL_LOG_JSON : SL_LOG_TEXT);
    json_object_seed(0); /* before any thread: jansson's hash seed is global */
    /* A closed pipe (stdout sink | head) is a write error for the sink to
     * report, not a reason to die without a summary. */
    signal(SIGPIPE, SIG_IGN);
    if (c.nplugin_dirs && add_plugin_dirs_to_env(&c) != 0)
        return EXIT_RUN_FAILED;

    int rc;
    if (strcmp(cmd, "run") == 0 || strcmp(cmd, "validate") == 0) {
        if (nargs != 1)
            return usage_error(nargs ? "expected exactly one PIPELINE.json" : "missing PIPELINE.json", cmd);
        rc = cmd[0] == 'r' ? cmd_run(&c, args[0]) : cmd_validate(args[0]);
    } else if (strcmp(cmd, "state") == 0) {
        if (nargs != 2 || (strcmp(args[0], "show") != 0 && strcmp(args[0], "reset") != 0))
            return usage_error("expected: state show|reset PIPELINE.json", cmd);
        if (c.source && strcmp(args[0], "reset") != 0)
            return usage_error("--source goes with state reset", cmd);
        rc = cmd_state(&c, args[0], args[1]);
    } else if (strcmp(cmd, "plugins") == 0) {
        if (nargs != 0)
            return usage_error("plugins takes no arguments", cmd);
        rc = with_search_path(&c, cmd, NULL);
    } else if (strcmp(cmd, "describe") == 0) {
        if (nargs != 1)
            return usage_error("expected one plugin NAME", cmd);
        rc = with_search_path(&c, cmd, args[0]);
    } else {
        fprintf(stderr, "sluice: unknown command '%s'\nTry 'sluice --help' for more information.\n", cmd);
        return EXIT_USAGE;
    }
    sl_intern_reset();
    return rc;
}
