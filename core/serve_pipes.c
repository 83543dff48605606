/* serve_pipes.c - which pipelines `sluice serve` schedules: loading the
 * files named on the command line (or the *.json files of one folder), and
 * reloading them on SIGHUP.
 *
 * A reload goes file by file. A file that no longer loads, or lost its
 * "schedule", keeps the config it had (the error is logged and
 * /metrics shows the reload failed); a pipeline whose file is gone from the
 * folder is removed. A pipeline keeps its identity by name across reloads:
 * its counters, its run going on (which finishes under the config it
 * started with: the child process has its own copy) and, when the schedule
 * is unchanged, its next fire time. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "serve.h"
#include "serve_history.h"
#include "textutil.h"

#define SL_SERVE_HISTORY_SEED 1000 /* runs read at start for the last success and failure */

/* ---- the files to load ------------------------------------------------------------ */

static int is_pipeline_name(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".json") == 0;
}

/* The *.json files of dir, sorted, as "dir/name" (new strings). */
static int list_folder(const char *dir, char ***out, size_t *n, char **err)
{
    struct dirent **ents = NULL;
    int k = scandir(dir, &ents, is_pipeline_name, alphasort);
    if (k < 0) {
        *err = sl_strfmt("%s: cannot read the folder: %s", dir, strerror(errno));
        return -1;
    }
    char **files = calloc((size_t)k + 1, sizeof *files);
    size_t m = 0;
    for (int i = 0; i < k; i++) {
        char *path = files ? sl_path_join(dir, ents[i]->d_name) : NULL;
        struct stat sb;
        if (path && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
            files[m++] = path;
        else
            free(path);
        free(ents[i]);
    }
    free(ents);
    if (!files) {
        *err = strdup("out of memory");
        return -1;
    }
    *out = files;
    *n = m;
    return 0;
}

static void free_list(char **files, size_t n)
{
    for (size_t i = 0; files && i < n; i++)
        free(files[i]);
    free(files);
}

/* The pipeline files: the arguments, or the files of the one folder given. */
static int list_inputs(const sl_serve_opts *o, char ***out, size_t *n, char **err)
{
    struct stat sb;
    if (o->ninputs == 1 && stat(o->inputs[0], &sb) == 0 && S_ISDIR(sb.st_mode))
        return list_folder(o->inputs[0], out, n, err);
    char **files = calloc(o->ninputs + 1, sizeof *files);
    if (!files) {
        *err = strdup("out of memory");
        return -1;
    }
    for (size_t i = 0; i < o->ninputs; i++) {
        if (stat(o->inputs[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
            free_list(files, i);
            *err = sl_strfmt("%s is a folder: give either pipeline files or one folder of them", o->inputs[i]);
            return -1;
        }
        if (!(files[i] = strdup(o->inputs[i]))) {
            free_list(files, i);
            *err = strdup("out of memory");
            return -1;
        }
    }
    *out = files;
    *n = o->ninputs;
    return 0;
}

/* ---- one pipeline --------------------------------------------------------------------- */

void sl_serve_pipe_free(sl_serve_pipe **pp)
{
    sl_serve_pipe *p = pp ? *pp : NULL;
    if (!p)
        return;
    sl_config_free(&p->cfg);
    sl_cron_free(&p->cron);
    sl_tz_free(&p->tz);
    sl_metrics_clear(&p->m);
    free(p->run_state);
    free(p);
    *pp = NULL;
}

/* A new pipeline around cfg (taken over, even on failure). catch_up: the
 * pipeline is new to the server, so a fire time missed since its last run
 * may be made up. NULL with *err on failure. */
static sl_serve_pipe *pipe_new(sl_serve *s, sl_pipeline_cfg *cfg, int catch_up, char **err)
{
    sl_serve_pipe *p = calloc(1, sizeof *p);
    char why[256] = "";
    if (!p) {
        sl_config_free(&cfg);
        *err = strdup("out of memory");
        return NULL;
    }
    p->cfg = cfg;
    sl_metrics_init(&p->m);
    const sl_schedule_cfg *sc = &cfg->schedule;
    if (sl_cron_parse(sc->cron, &p->cron, why, sizeof why) != SLUICE_OK ||
        (sc->timezone && sl_tz_load(sc->timezone, &p->tz, why, sizeof why) != SLUICE_OK)) {
        *err = sl_strfmt("%s: %s", cfg->file, why);
        sl_serve_pipe_free(&p);
        return NULL;
    }
    char *herr = NULL;
    json_t *runs = sl_history_runs(cfg->state, SL_SERVE_HISTORY_SEED, &herr);
    if (!runs) {
        *err = sl_strfmt("%s: %s", cfg->file, herr ? herr : "cannot read the run history");
        free(herr);
        sl_serve_pipe_free(&p);
        return NULL;
    }
    sl_metrics_seed(&p->m, runs);
    time_t now = (time_t)sl_serve_now();
    time_t last = catch_up ? sl_history_last_start(runs) : 0;
    json_decref(runs);
    if (sl_sched_init(&p->sched, p->cron, p->tz, sc->catch_up, sc->jitter_s, s->seed++, now, last, why,
                      sizeof why) != 0) {
        *err = sl_strfmt("%s: schedule \"%s\": %s", cfg->file, sc->cron, why);
        sl_serve_pipe_free(&p);
        return NULL;
    }
    return p;
}

static int same_string(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static int same_schedule(const sl_schedule_cfg *a, const sl_schedule_cfg *b)
{
    return same_string(a->cron, b->cron) && same_string(a->timezone, b->timezone) && a->catch_up == b->catch_up &&
           a->jitter_s == b->jitter_s;
}

/* The reloaded pipeline `to` takes over what `from` (same name) carries:
 * its counters, its run going on and, when the schedule is the same, its
 * next fire time. */
static void take_over(sl_serve_pipe *to, sl_serve_pipe *from)
{
    sl_metrics_clear(&to->m);
    to->m = from->m;
    sl_metrics_init(&from->m);
    to->pid = from->pid;
    to->run_state = from->run_state;
    from->run_state = NULL;
    to->run_after = from->run_after;
    to->run_started = from->run_started;
    to->trigger = from->trigger;
    to->queued = from->queued;
    from->pid = 0;
    if (same_schedule(&to->cfg->schedule, &from->cfg->schedule)) {
        to->sched = from->sched;
        sl_sched_rebind(&to->sched, to->cron, to->tz);
    }
}

/* ---- the set ------------------------------------------------------------------------ */

typedef struct load_pass {
    sl_serve *s;
    int initial;
    sl_serve_pipe **old; /* the pipelines before the pass (entries taken become NULL) */
    size_t nold;
    sl_serve_pipe **now; /* the pipelines after it */
    size_t nnow;
    int errors;
} load_pass;

static void report(load_pass *lp, const char *msg)
{
    lp->errors++;
    if (lp->initial)
        fprintf(stderr, "sluice: %s\n", msg);
    else
        sl_log(SLUICE_LOG_ERROR, NULL, "reload: %s", msg);
}

static sl_serve_pipe *take_old(load_pass *lp, const char *file, const char *name)
{
    for (size_t i = 0; i < lp->nold; i++) {
        sl_serve_pipe *p = lp->old[i];
        if (p && !p->removed && ((file && strcmp(p->cfg->file, file) == 0) || (name && strcmp(p->cfg->name, name) == 0))) {
            lp->old[i] = NULL;
            return p;
        }
    }
    return NULL;
}

static int name_taken(const load_pass *lp, const char *name)
{
    for (size_t i = 0; i < lp->nnow; i++)
        if (strcmp(lp->now[i]->cfg->name, name) == 0)
            return 1;
    return 0;
}

/* A file that did not load: its pipeline, if it had one, goes on as it was. */
static void keep_old(load_pass *lp, const char *file)
{
    sl_serve_pipe *p = take_old(lp, file, NULL);
    if (!p)
        return;
    if (name_taken(lp, p->cfg->name)) { /* another file took its name meanwhile */
        lp->old[lp->nold++] = p;        /* handled with the leftovers */
        return;
    }
    lp->now[lp->nnow++] = p;
    if (!lp->initial)
        sl_log(SLUICE_LOG_WARN, NULL, "reload: pipeline %s keeps its previous config", p->cfg->name);
}

static void load_file(load_pass *lp, const char *file)
{
    sl_pipeline_cfg *cfg = NULL;
    char *err = NULL, *msg = NULL;
    if (sl_config_load(file, &cfg, &err) != 0) {
        report(lp, err ? err : "out of memory");
    } else if (!cfg->schedule.cron) {
        msg = sl_strfmt("%s: pipeline %s has no \"schedule\": sluice serve runs pipelines on their schedule; add "
                        "one (e.g. \"schedule\": \"0 2 * * *\", see docs/serve.md) or run it with `sluice run %s`",
                        file, cfg->name, file);
    } else if (name_taken(lp, cfg->name)) {
        msg = sl_strfmt("%s: another file already defines a pipeline named \"%s\": names must be unique", file,
                        cfg->name);
    }
    if (err || msg) {
        if (msg)
            report(lp, msg);
        free(err);
        free(msg);
        sl_config_free(&cfg);
        keep_old(lp, file);
        return;
    }
    /* By name: a pipeline renamed in its file is a new one, the old name goes. */
    sl_serve_pipe *old = take_old(lp, NULL, cfg->name);
    int changed = old && !json_equal(old->cfg->root, cfg->root);
    sl_serve_pipe *p = pipe_new(lp->s, cfg, old == NULL, &err);
    if (!p) {
        report(lp, err ? err : "out of memory");
        free(err);
        if (old)
            lp->now[lp->nnow++] = old;
        return;
    }
    if (!lp->initial && (changed || !old))
        sl_log(SLUICE_LOG_INFO, NULL, "reload: pipeline %s %s (%s)", p->cfg->name, old ? "updated" : "added", file);
    if (old) {
        take_over(p, old);
        sl_serve_pipe_free(&old);
    }
    lp->now[lp->nnow++] = p;
}

/* Old pipelines no file claimed: gone now, or once their run ends. */
static void drop_leftovers(load_pass *lp)
{
    for (size_t i = 0; i < lp->nold; i++) {
        sl_serve_pipe *p = lp->old[i];
        if (!p)
            continue;
        if (!p->removed)
            sl_log(SLUICE_LOG_INFO, NULL, "reload: pipeline %s removed%s", p->cfg->name,
                   p->pid ? " once its run ends" : "");
        if (p->pid) {
            p->removed = 1;
            p->queued = 0;
            lp->now[lp->nnow++] = p;
        } else {
            sl_serve_pipe_free(&p);
        }
    }
}

sl_serve_pipe *sl_serve_find(const sl_serve *s, const char *name)
{
    for (size_t i = 0; i < s->npipes; i++)
        if (!s->pipes[i]->removed && strcmp(s->pipes[i]->cfg->name, name) == 0)
            return s->pipes[i];
    return NULL;
}

int sl_serve_load(sl_serve *s, int initial)
{
    char **files = NULL, *err = NULL;
    size_t nfiles = 0;
    if (list_inputs(s->opts, &files, &nfiles, &err) != 0) {
        load_pass lp = {.initial = initial};
        report(&lp, err ? err : "out of memory");
        free(err);
        return initial ? -1 : 1;
    }
    /* Room for every file plus every old pipeline, twice over for keep_old's shuffle. */
    size_t cap = nfiles + 2 * s->npipes + 1;
    load_pass lp = {.s = s, .initial = initial, .old = calloc(cap, sizeof *lp.old), .now = calloc(cap, sizeof *lp.now)};
    if (!lp.old || !lp.now) {
        free(lp.old);
        free(lp.now);
        free_list(files, nfiles);
        return initial ? -1 : 1;
    }
    if (s->npipes)
        memcpy(lp.old, s->pipes, s->npipes * sizeof *s->pipes);
    lp.nold = s->npipes;
    for (size_t i = 0; i < nfiles; i++)
        load_file(&lp, files[i]);
    free_list(files, nfiles);
    if (initial && lp.nnow == 0 && lp.errors == 0)
        report(&lp, "no pipeline files (*.json) to serve");
    if (initial && lp.errors) {
        for (size_t i = 0; i < lp.nnow; i++)
            sl_serve_pipe_free(&lp.now[i]);
        free(lp.now);
        free(lp.old);
        return -1;
    }
    drop_leftovers(&lp);
    free(s->pipes);
    s->pipes = lp.now;
    s->npipes = lp.nnow;
    free(lp.old);
    s->reload_ok = lp.errors == 0;
    s->reload_at = sl_serve_now();
    return lp.errors ? 1 : 0;
}
