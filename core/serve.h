/* serve.h - `sluice serve`: what its files share.
 *
 * The server is one thread running one loop (serve.c): it waits in poll()
 * for a signal (signalfd: SIGTERM, SIGINT, SIGHUP, SIGCHLD), an HTTP
 * request (libmicrohttpd without threads of its own) or the next fire
 * time. Because the parent never has a second thread, fork() is safe: each
 * run is a child process (serve_child.c) that runs the config the parent
 * held through the same code path as `sluice run` (sl_cli_run_config), so a
 * crashing pipeline takes only its own process down.
 *
 *   serve.c          the loop, signals, starting runs, draining
 *   serve_pipes.c    loading the pipeline files (and reloading them)
 *   serve_child.c    forking a run; reaping it and completing its history
 *   serve_http.c     the HTTP endpoint
 *   serve_metrics.c  counters and the Prometheus text (serve_metrics.h)
 *   serve_sched.c    fire times (serve_sched.h)
 *   serve_history.c  the run history as JSON (serve_history.h) */
#ifndef SL_SERVE_H
#define SL_SERVE_H

#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#include "cli.h"
#include "config.h"
#include "cron.h"
#include "serve_metrics.h"
#include "serve_sched.h"

/* The command line, checked by cli_serve.c. */
typedef struct sl_serve_opts {
    sl_cli cli;                     /* global options; each run gets a copy */
    char **inputs;                  /* borrowed from argv: files, or one folder */
    size_t ninputs;
    struct sockaddr_storage listen; /* where the HTTP endpoint binds */
    socklen_t listen_len;
    int listen_loopback;            /* the address is a loopback one */
    int no_http;                    /* --listen none */
    char *token;                    /* owned bearer token, or NULL */
} sl_serve_opts;

/* One scheduled pipeline. */
typedef struct sl_serve_pipe {
    sl_pipeline_cfg *cfg; /* owned: the config the next run uses */
    sl_cron *cron;        /* owned */
    sl_tz *tz;            /* owned; NULL for UTC */
    sl_sched sched;
    sl_pipe_metrics m;
    /* the run going on, if any */
    pid_t pid;            /* 0: none */
    char *run_state;      /* owned: the state store the run writes to */
    int64_t run_after;    /* the newest run id in that store before the run started */
    double run_started;   /* epoch seconds */
    const char *trigger;  /* static: "schedule", "catch-up", "queued", "request" */
    int queued;           /* a run waits for this one (overlap "queue") */
    int removed;          /* gone from the configs: freed once its run ends */
} sl_serve_pipe;

struct MHD_Daemon;

typedef struct sl_serve {
    const sl_serve_opts *opts; /* borrowed */
    sl_serve_pipe **pipes;     /* owned */
    size_t npipes;
    int stopping;              /* SIGTERM/SIGINT seen: how many */
    double started;            /* epoch seconds */
    int reload_ok;             /* the last load of the configs took every file */
    double reload_at;
    char *start_error;         /* owned: why the last run could not start, NULL once one did */
    struct MHD_Daemon *mhd;
    uint64_t seed;             /* jitter seeds */
} sl_serve;

/* ---- serve.c -------------------------------------------------------------------- */
/* Runs the server until SIGTERM/SIGINT and its runs are drained. Returns
 * the exit status. */
int sl_serve_main(const sl_serve_opts *opts);
/* Starts a run of p now (trigger: why, static string). Returns 0, or -1
 * with the reason logged and in s->start_error. */
int sl_serve_start_run(sl_serve *s, sl_serve_pipe *p, const char *trigger);
/* Asks for a run of the pipeline `name` now, as POST /pipelines/NAME/run
 * does. Returns an HTTP status (202 started or queued, 404, 409 already
 * running, 503 stopping or failed) with a message in msg. */
int sl_serve_request_run(sl_serve *s, const char *name, char *msg, size_t msglen);
/* Why the server is unhealthy, into why; 0 when healthy. */
int sl_serve_unhealthy(const sl_serve *s, char *why, size_t len);
/* Seconds since the epoch, with a fraction. */
double sl_serve_now(void);

/* ---- serve_pipes.c -------------------------------------------------------------- */
/* Loads every pipeline named by opts (files, or the *.json files of one
 * folder). On the first load (s->npipes == 0 and initial) every error is
 * fatal: returns -1 after printing it. On a reload an invalid or
 * unscheduled file keeps its old config (logged) and the call returns 1;
 * 0 when every file loaded. Pipelines whose file is gone are removed (at
 * the end of their run if one goes on). */
int sl_serve_load(sl_serve *s, int initial);
/* The pipeline called `name` (not removed), or NULL. */
sl_serve_pipe *sl_serve_find(const sl_serve *s, const char *name);
/* Frees p (its run must be over). */
void sl_serve_pipe_free(sl_serve_pipe **p);

/* ---- serve_token.c -------------------------------------------------------------- */
/* The endpoint's bearer token: the first line of token_file when given
 * (warn_perms: warn when other users may read it), else
 * $SLUICE_SERVE_TOKEN. Returns 0 with *out a new string or NULL (no token
 * configured), or -1 with the reason printed. */
int sl_serve_token(const char *token_file, int warn_perms, char **out);

/* ---- serve_child.c -------------------------------------------------------------- */
/* Forks the run of p. Returns 0 with p->pid set, or -1 with a message in
 * err. */
int sl_serve_fork_run(sl_serve *s, sl_serve_pipe *p, char *err, size_t errlen);
/* The run of p ended with wait status `wstatus`: completes its history
 * when the process died before recording the end (crash, kill), adds the
 * run to the metrics and logs the outcome. Clears p's run fields. */
void sl_serve_run_ended(sl_serve *s, sl_serve_pipe *p, int wstatus);

/* ---- serve_http.c --------------------------------------------------------------- */
/* Starts the endpoint on opts->listen. Returns 0, or -1 after logging why. */
int sl_serve_http_start(sl_serve *s);
/* The fd to poll for requests (-1 when there is no endpoint) and the most
 * milliseconds poll may wait for the endpoint's sake (-1: no limit). */
int sl_serve_http_fd(const sl_serve *s);
long sl_serve_http_timeout_ms(const sl_serve *s);
/* Answers whatever is ready; never blocks. */
void sl_serve_http_run(sl_serve *s);
void sl_serve_http_stop(sl_serve *s);

#endif
