/* cli.c - the global options every command takes, and the one code path
 * that runs a pipeline (`sluice run`, and each run of `sluice serve`). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "config.h"
#include "engine.h"
#include "log.h"

int sl_cli_global_opt(sl_cli *c, int opt, const char *arg)
{
    switch (opt) {
    case 'v':
    case 1: c->verbosity = c->verbosity < 0 ? 1 : c->verbosity + 1; return 1;
    case 'q':
    case 2: c->verbosity = -1; return 1;
    case 3:
        if (strcmp(arg, "json") == 0)
            c->json_logs = 1;
        else if (strcmp(arg, "text") == 0)
            c->json_logs = 0;
        else {
            sl_cli_usage_error("--log-format must be text or json", NULL);
            return -1;
        }
        return 1;
    case 4:
        if (c->nplugin_dirs < sizeof c->plugin_dirs / sizeof c->plugin_dirs[0])
            c->plugin_dirs[c->nplugin_dirs++] = arg;
        return 1;
    case 5: c->progress = 0; return 1;
    default: return 0;
    }
}

int sl_cli_usage_error(const char *msg, const char *cmd)
{
    fprintf(stderr, "sluice: %s\n", msg);
    fprintf(stderr, "Try 'sluice %s%s--help' for more information.\n", cmd ? cmd : "", cmd ? " " : "");
    return SL_EXIT_USAGE;
}

/* --plugin-path folders go before $SLUICE_PLUGIN_PATH, which the loader
 * reads for every command. */
static int add_plugin_dirs_to_env(const sl_cli *c)
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

int sl_cli_setup(const sl_cli *c)
{
    int level = c->verbosity < 0 ? SLUICE_LOG_ERROR : c->verbosity == 0 ? SLUICE_LOG_INFO : SLUICE_LOG_DEBUG;
    sl_log_setup(level, c->json_logs ? SL_LOG_JSON : SL_LOG_TEXT);
    json_object_seed(0); /* before any thread: jansson's hash seed is global */
    /* A closed pipe (stdout sink | head) is a write error for the sink to
     * report, not a reason to die without a summary. */
    signal(SIGPIPE, SIG_IGN);
    if (c->nplugin_dirs && add_plugin_dirs_to_env(c) != 0)
        return -1;
    return 0;
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
            _exit(SL_EXIT_RUN_FAILED);
        }
        sl_log(SLUICE_LOG_WARN, NULL, "%s: stopping; draining in-flight records (again to exit at once)",
               strsignal(sig));
        sl_engine_request_stop(w->e);
    }
    return NULL;
}

int sl_cli_run_pipeline(const sl_cli *c, const char *file)
{
    sl_pipeline_cfg *cfg = NULL;
    char *err = NULL;
    if (sl_config_load(file, &cfg, &err) != 0) {
        fprintf(stderr, "%s\n", err ? err : "cannot load the pipeline");
        free(err);
        return SL_EXIT_USAGE;
    }
    int rc = sl_cli_run_config(c, cfg);
    sl_config_free(&cfg);
    return rc;
}

int sl_cli_run_config(const sl_cli *c, sl_pipeline_cfg *cfg)
{
    char *err = NULL;
    sl_run_opts opts = {.progress = c->progress && c->verbosity >= 0 && !c->json_logs, .summary = c->verbosity >= 0};
    sl_engine *e = NULL;
    if (sl_engine_new(&e, cfg, &opts, &err) != 0) {
        sl_log(SLUICE_LOG_ERROR, NULL, "%s", err ? err : "cannot start the pipeline");
        free(err);
        return SL_EXIT_RUN_FAILED;
    }
    sigwatch w = {.e = e};
    sigemptyset(&w.set);
    sigaddset(&w.set, SIGINT);
    sigaddset(&w.set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &w.set, NULL);
    pthread_t sig_thread;
    int have_sig_thread = pthread_create(&sig_thread, NULL, signal_main, &w) == 0;

    sl_log(SLUICE_LOG_INFO, NULL, "running pipeline %s (%s)", cfg->name, cfg->file);
    int rc = sl_engine_run(e);

    w.quit = 1;
    if (have_sig_thread)
        pthread_join(sig_thread, NULL);
    sl_engine_free(&e);
    return rc == 0 ? SL_EXIT_OK : SL_EXIT_RUN_FAILED;
}
