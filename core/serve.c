/* serve.c - the loop of `sluice serve` (see serve.h): fire times, signals,
 * runs starting and ending, the HTTP endpoint, draining at the end. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "serve.h"
#include "serve_history.h"
#include "textutil.h"

/* The loop wakes at least this often, so that a wrong timeout can never
 * stall the schedule for long. */
#define SL_SERVE_MAX_SLEEP_MS 60000

double sl_serve_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t running_runs(const sl_serve *s)
{
    size_t n = 0;
    for (size_t i = 0; i < s->npipes; i++)
        n += s->pipes[i]->pid != 0;
    return n;
}

static void set_start_error(sl_serve *s, const char *msg)
{
    free(s->start_error);
    s->start_error = msg ? strdup(msg) : NULL;
}

int sl_serve_start_run(sl_serve *s, sl_serve_pipe *p, const char *trigger)
{
    char err[512];
    if (sl_serve_fork_run(s, p, err, sizeof err) != 0) {
        char *msg = sl_strfmt("cannot start a run of %s: %s", p->cfg->name, err);
        sl_log(SLUICE_LOG_ERROR, NULL, "%s", msg ? msg : err);
        set_start_error(s, msg ? msg : err);
        free(msg);
        return -1;
    }
    p->trigger = trigger;
    set_start_error(s, NULL);
    sl_log(SLUICE_LOG_INFO, NULL, "pipeline %s: run started (%s, pid %ld)", p->cfg->name, trigger, (long)p->pid);
    return 0;
}

/* A fire time came while the previous run still goes on. */
static void overlap(sl_serve_pipe *p, const char *when)
{
    if (p->cfg->schedule.overlap == SL_OVERLAP_QUEUE) {
        if (!p->queued)
            sl_log(SLUICE_LOG_INFO, NULL, "pipeline %s: the run due at %s is queued: the previous run (pid %ld) still goes on",
                   p->cfg->name, when, (long)p->pid);
        p->queued = 1;
        return;
    }
    p->m.skipped++;
    sl_log(SLUICE_LOG_WARN, NULL,
           "pipeline %s: skipping the run due at %s: the previous run (pid %ld, %.0f s ago) still goes on "
           "(\"overlap\": \"skip\")",
           p->cfg->name, when, (long)p->pid, sl_serve_now() - p->run_started);
}

static void fire_due(sl_serve *s, time_t now)
{
    for (size_t i = 0; i < s->npipes; i++) {
        sl_serve_pipe *p = s->pipes[i];
        if (p->removed || !sl_sched_is_due(&p->sched, now))
            continue;
        char when[64], err[256];
        sl_history_format_time(p->sched.catching_up ? p->sched.due : p->sched.nominal, p->tz, when, sizeof when);
        if (p->pid)
            overlap(p, when);
        else
            sl_serve_start_run(s, p, p->sched.catching_up ? "catch-up of a run missed while serve was down" : "schedule");
        int missed = 0;
        if (sl_sched_advance(&p->sched, now, &missed, err, sizeof err) != 0) {
            sl_log(SLUICE_LOG_ERROR, NULL, "pipeline %s: %s: no further runs", p->cfg->name, err);
            p->sched.due = (time_t)1 << 62;
        }
        if (missed > 0)
            sl_log(SLUICE_LOG_WARN, NULL, "pipeline %s: %d fire time%s passed while serve was late; not run",
                   p->cfg->name, missed, missed == 1 ? "" : "s");
    }
}

/* Milliseconds until the next run is due (at most SL_SERVE_MAX_SLEEP_MS). */
static long sleep_ms(const sl_serve *s, double now)
{
    double ms = SL_SERVE_MAX_SLEEP_MS;
    for (size_t i = 0; !s->stopping && i < s->npipes; i++) {
        if (s->pipes[i]->removed)
            continue;
        double d = ((double)s->pipes[i]->sched.due - now) * 1000.0;
        if (d < ms)
            ms = d;
    }
    long http = sl_serve_http_timeout_ms(s);
    if (http >= 0 && http < ms)
        ms = (double)http;
    return ms <= 0 ? 0 : (long)ms + 1;
}

static void reap(sl_serve *s)
{
    int wstatus;
    pid_t pid;
    while ((pid = waitpid(-1, &wstatus, WNOHANG)) > 0) {
        for (size_t i = 0; i < s->npipes; i++) {
            sl_serve_pipe *p = s->pipes[i];
            if (p->pid != pid)
                continue;
            sl_serve_run_ended(s, p, wstatus);
            if (p->removed) {
                sl_serve_pipe_free(&s->pipes[i]);
                memmove(&s->pipes[i], &s->pipes[i + 1], (s->npipes - i - 1) * sizeof *s->pipes);
                s->npipes--;
            } else if (p->queued && !s->stopping) {
                p->queued = 0;
                sl_serve_start_run(s, p, "queued");
            }
            break;
        }
    }
}

static void signal_runs(const sl_serve *s, int sig)
{
    for (size_t i = 0; i < s->npipes; i++)
        if (s->pipes[i]->pid)
            kill(s->pipes[i]->pid, sig);
}

/* SIGTERM/SIGINT: the first stops scheduling and lets the runs drain (they
 * get the signal once: each run is in its own process group, so a Ctrl-C
 * reaches only the server); the second stops the runs at once; a third
 * kills them. */
static void on_stop(sl_serve *s, int sig)
{
    s->stopping++;
    size_t n = running_runs(s);
    for (size_t i = 0; i < s->npipes; i++)
        s->pipes[i]->queued = 0;
    if (s->stopping == 1 && n == 0) {
        sl_log(SLUICE_LOG_INFO, NULL, "%s: stopping (no run is going on)", strsignal(sig));
    } else if (s->stopping == 1) {
        sl_log(SLUICE_LOG_WARN, NULL, "%s: no more runs start; waiting for %zu run%s to drain and commit (again to stop at once)",
               strsignal(sig), n, n == 1 ? "" : "s");
        signal_runs(s, SIGTERM);
    } else if (s->stopping == 2) {
        sl_log(SLUICE_LOG_ERROR, NULL, "second %s: stopping %zu run%s without draining (again to kill)", strsignal(sig),
               n, n == 1 ? "" : "s");
        signal_runs(s, SIGTERM);
    } else {
        sl_log(SLUICE_LOG_ERROR, NULL, "%s: killing %zu run%s", strsignal(sig), n, n == 1 ? "" : "s");
        signal_runs(s, SIGKILL);
    }
}

static void on_reload(sl_serve *s)
{
    if (s->stopping) {
        sl_log(SLUICE_LOG_WARN, NULL, "SIGHUP while stopping: not reloading");
        return;
    }
    sl_log(SLUICE_LOG_INFO, NULL, "SIGHUP: reloading the pipeline files");
    int rc = sl_serve_load(s, 0);
    size_t n = 0;
    for (size_t i = 0; i < s->npipes; i++)
        n += !s->pipes[i]->removed;
    sl_log(rc == 0 ? SLUICE_LOG_INFO : SLUICE_LOG_ERROR, NULL, "reload %s: %zu pipeline%s scheduled",
           rc == 0 ? "done" : "incomplete (see above; those pipelines keep their previous config)", n, n == 1 ? "" : "s");
}

static void on_signals(sl_serve *s, int sfd)
{
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
        switch (si.ssi_signo) {
        case SIGCHLD: reap(s); break;
        case SIGHUP: on_reload(s); break;
        default: on_stop(s, (int)si.ssi_signo); break;
        }
    }
}

static void log_schedule(const sl_serve *s)
{
    for (size_t i = 0; i < s->npipes; i++) {
        const sl_serve_pipe *p = s->pipes[i];
        char when[64];
        sl_history_format_time(p->sched.due, p->tz, when, sizeof when);
        sl_log(SLUICE_LOG_INFO, NULL, "pipeline %s: schedule \"%s\" (%s), next run %s%s", p->cfg->name,
               p->cfg->schedule.cron, p->cfg->schedule.timezone ? p->cfg->schedule.timezone : "UTC", when,
               p->sched.catching_up ? " (catching up a run missed while serve was down)" : "");
    }
}

/* Polls until something happens or a run is due; handles what happened. */
static void loop_once(sl_serve *s, int sfd)
{
    double now = sl_serve_now();
    if (!s->stopping)
        fire_due(s, (time_t)now);
    struct pollfd fds[2] = {{.fd = sfd, .events = POLLIN}, {.fd = sl_serve_http_fd(s), .events = POLLIN}};
    int n = poll(fds, fds[1].fd >= 0 ? 2 : 1, (int)sleep_ms(s, sl_serve_now()));
    if (n < 0 && errno != EINTR)
        sl_log(SLUICE_LOG_ERROR, NULL, "poll: %s", strerror(errno));
    if (n > 0 && (fds[0].revents & POLLIN))
        on_signals(s, sfd);
    sl_serve_http_run(s);
}

static void free_server(sl_serve *s)
{
    sl_serve_http_stop(s);
    for (size_t i = 0; i < s->npipes; i++)
        sl_serve_pipe_free(&s->pipes[i]);
    free(s->pipes);
    free(s->start_error);
}

int sl_serve_main(const sl_serve_opts *opts)
{
    sl_serve s = {.opts = opts, .started = sl_serve_now()};
    s.seed = (uint64_t)(s.started * 1e6) ^ ((uint64_t)getpid() << 32);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGCHLD);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (sfd < 0) {
        fprintf(stderr, "sluice: signalfd: %s\n", strerror(errno));
        return SL_EXIT_RUN_FAILED;
    }
    if (sl_serve_load(&s, 1) != 0) {
        close(sfd);
        free_server(&s);
        return SL_EXIT_USAGE;
    }
    if (!opts->no_http && sl_serve_http_start(&s) != 0) {
        close(sfd);
        free_server(&s);
        return SL_EXIT_RUN_FAILED;
    }
    log_schedule(&s);
    while (!s.stopping || running_runs(&s) > 0)
        loop_once(&s, sfd);
    sl_log(SLUICE_LOG_INFO, NULL, "every run ended; exiting");
    int rc = s.stopping > 1 ? SL_EXIT_RUN_FAILED : SL_EXIT_OK;
    close(sfd);
    free_server(&s);
    return rc;
}

int sl_serve_request_run(sl_serve *s, const char *name, char *msg, size_t msglen)
{
    sl_serve_pipe *p = sl_serve_find(s, name);
    if (!p) {
        snprintf(msg, msglen, "no pipeline named \"%s\"", name);
        return 404;
    }
    if (s->stopping) {
        snprintf(msg, msglen, "the server is stopping: no new runs");
        return 503;
    }
    if (p->pid && p->cfg->schedule.overlap == SL_OVERLAP_QUEUE) {
        snprintf(msg, msglen, "%s: the run going on (pid %ld) is followed by another", p->queued ? "queued already" : "queued",
                 (long)p->pid);
        p->queued = 1;
        return 202;
    }
    if (p->pid) {
        snprintf(msg, msglen, "a run is going on already (pid %ld, %.0f s); \"overlap\" is \"skip\"", (long)p->pid,
                 sl_serve_now() - p->run_started);
        return 409;
    }
    if (sl_serve_start_run(s, p, "request") != 0) {
        snprintf(msg, msglen, "%s", s->start_error ? s->start_error : "the run could not start");
        return 503;
    }
    snprintf(msg, msglen, "started (pid %ld)", (long)p->pid);
    return 202;
}

int sl_serve_unhealthy(const sl_serve *s, char *why, size_t len)
{
    size_t active = 0;
    for (size_t i = 0; i < s->npipes; i++)
        active += !s->pipes[i]->removed;
    if (s->stopping) {
        size_t n = running_runs(s);
        snprintf(why, len, "stopping: waiting for %zu run%s to drain", n, n == 1 ? "" : "s");
    } else if (s->start_error) {
        snprintf(why, len, "%s", s->start_error);
    } else if (active == 0) {
        snprintf(why, len, "no pipeline is scheduled");
    } else {
        why[0] = '\0';
        return 0;
    }
    return 1;
}
