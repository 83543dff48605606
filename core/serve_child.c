/* serve_child.c - each run of `sluice serve` in a process of its own.
 *
 * The server forks; the child runs the config the server holds through
 * sl_cli_run_config (the code path of `sluice run`), records the run in the
 * pipeline's state store as `sluice run` does, and exits with its status.
 * A child that dies before recording the end of its run (abort, segfault,
 * kill -9, out of memory) leaves a row "running" or none at all: the
 * server completes the history itself, so every run it started ends up in
 * the history, and so in the metrics, as ok, failed or interrupted. */
#define _GNU_SOURCE /* close_range */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "serve.h"
#include "serve_history.h"
#include "state.h"

#define SL_CHILD_ROWS 100 /* history rows looked at to find a run's own */

/* The newest run id in the store at `path`, 0 when none; -1 with err when
 * the store cannot be opened. */
static int64_t newest_run(const char *path, char *err, size_t errlen)
{
    sl_state *st = NULL;
    char *why = NULL;
    if (sl_state_open(&st, path, &why) != 0) {
        snprintf(err, errlen, "%s", why ? why : "cannot open the state store");
        free(why);
        return -1;
    }
    json_t *runs = sl_state_runs(st, 1);
    int64_t id = (int64_t)json_integer_value(json_object_get(json_array_get(runs, 0), "id"));
    json_decref(runs);
    sl_state_close(&st);
    return id;
}

/* In the child: a process of its own, nothing of the server's left open. */
static void child_setup(void)
{
    setpgid(0, 0); /* a Ctrl-C on the terminal reaches the server only, which passes it on once */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_UNBLOCK, &set, NULL); /* SIGTERM/SIGINT stay blocked: the run path waits for them */
    int null = open("/dev/null", O_RDONLY);
    if (null > 0) {
        dup2(null, 0);
        close(null);
    }
    /* The listening socket, client connections, the signalfd: a long run
     * must not keep the server's port bound after the server exits. */
    if (close_range(3, ~0U, 0) != 0)
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
}

int sl_serve_fork_run(sl_serve *s, sl_serve_pipe *p, char *err, size_t errlen)
{
    int64_t after = newest_run(p->cfg->state, err, errlen);
    if (after < 0)
        return -1;
    char *state = strdup(p->cfg->state);
    if (!state) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        free(state);
        return -1;
    }
    if (pid == 0) {
        child_setup();
        sl_cli cli = s->opts->cli;
        cli.progress = 0;
        int rc = sl_cli_run_config(&cli, p->cfg);
        fflush(NULL);
        _exit(rc); /* not exit(): the server's atexit handlers and buffers are not the child's */
    }
    setpgid(pid, pid); /* also here, so a signal sent right away already finds the group */
    free(p->run_state);
    p->run_state = state;
    p->pid = pid;
    p->run_after = after;
    p->run_started = sl_serve_now();
    return 0;
}

/* How the process ended, when that explains a run it could not record:
 * "" for a normal exit with 0 or 1. */
static void describe_exit(int wstatus, char *buf, size_t len)
{
    buf[0] = '\0';
    if (WIFSIGNALED(wstatus))
        snprintf(buf, len, "the run process was killed by signal %d (%s)%s", WTERMSIG(wstatus),
                 strsignal(WTERMSIG(wstatus)), WCOREDUMP(wstatus) ? ", core dumped" : "");
    else if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) > SL_EXIT_RUN_FAILED)
        snprintf(buf, len, "the run process exited with status %d", WEXITSTATUS(wstatus));
}

/* The rows of `runs` (newest first) that belong to p's run, oldest first
 * (new array, borrowed rows). */
static json_t *own_rows(const sl_serve_pipe *p, json_t *runs)
{
    json_t *mine = json_array();
    for (size_t i = json_array_size(runs); mine && i-- > 0;) {
        json_t *r = json_array_get(runs, i);
        const char *name = json_string_value(json_object_get(r, "pipeline"));
        if (json_integer_value(json_object_get(r, "id")) > p->run_after && name && strcmp(name, p->cfg->name) == 0)
            json_array_append(mine, r);
    }
    return mine;
}

/* Rows the child left "running", or no row at all: record the failure. */
static void complete_history(const sl_serve_pipe *p, int wstatus)
{
    char how[256], msg[512];
    describe_exit(wstatus, how, sizeof how);
    sl_state *st = NULL;
    char *why = NULL;
    if (sl_state_open(&st, p->run_state, &why) != 0) {
        sl_log(SLUICE_LOG_ERROR, NULL, "pipeline %s: %s", p->cfg->name, why ? why : "cannot open the state store");
        free(why);
        return;
    }
    json_t *runs = sl_state_runs(st, SL_CHILD_ROWS);
    json_t *mine = own_rows(p, runs);
    size_t i;
    json_t *r;
    json_array_foreach(mine, i, r)
    {
        const char *status = json_string_value(json_object_get(r, "status"));
        if (status && strcmp(status, "running") != 0)
            continue;
        snprintf(msg, sizeof msg, "%s", how[0] ? how : "the run process ended without recording the end of the run");
        sl_state_run_end(st, json_integer_value(json_object_get(r, "id")), "failed", NULL, msg);
    }
    if (json_array_size(mine) == 0) {
        /* It died before the run began, e.g. the dead-letter file or the
         * state store could not be opened: the reason is in the log. */
        snprintf(msg, sizeof msg, "the run could not start: %s; see the log",
                 how[0] ? how : WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0 ? "no run was recorded"
                                                                                 : "the run process exited with status 1");
        int64_t id = sl_state_run_begin(st, p->cfg->name);
        if (id > 0)
            sl_state_run_end(st, id, "failed", NULL, msg);
    }
    json_decref(mine);
    json_decref(runs);
    sl_state_close(&st);
}

static void log_run(const sl_serve_pipe *p, const json_t *run)
{
    unsigned long long read, written, rejected;
    sl_history_totals(run, &read, &written, &rejected);
    const char *status = json_string_value(json_object_get(run, "status"));
    const char *error = json_string_value(json_object_get(run, "error"));
    int ok = status && strcmp(status, "ok") == 0;
    sl_log(ok ? SLUICE_LOG_INFO : SLUICE_LOG_ERROR, NULL,
           "pipeline %s: run #%lld %s after %.1f s: %llu read, %llu written, %llu rejected%s%s", p->cfg->name,
           (long long)json_integer_value(json_object_get(run, "id")), status ? status : "?",
           json_number_value(json_object_get(run, "duration_s")), read, written, rejected, error ? "; " : "",
           error ? error : "");
}

void sl_serve_run_ended(sl_serve *s, sl_serve_pipe *p, int wstatus)
{
    (void)s;
    complete_history(p, wstatus);
    char *err = NULL;
    json_t *runs = sl_history_runs(p->run_state, SL_CHILD_ROWS, &err);
    json_t *mine = own_rows(p, runs);
    size_t i;
    json_t *r;
    json_array_foreach(mine, i, r)
    {
        if (sl_metrics_account(&p->m, r) != 0)
            sl_log(SLUICE_LOG_WARN, NULL, "pipeline %s: out of memory counting the run", p->cfg->name);
        log_run(p, r);
    }
    if (!runs)
        sl_log(SLUICE_LOG_ERROR, NULL, "pipeline %s: %s", p->cfg->name, err ? err : "cannot read the run history");
    free(err);
    json_decref(mine);
    json_decref(runs);
    p->pid = 0;
    free(p->run_state);
    p->run_state = NULL;
}
