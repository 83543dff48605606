/* serve_metrics.c - see serve_metrics.h. */
#include "serve_metrics.h"

#include <stdlib.h>
#include <string.h>

#include "serve_history.h"

/* Upper bounds of the run duration buckets, seconds: from a quick
 * incremental sync to a long nightly consolidation. */
static const double bucket_le[SL_METRICS_BUCKETS] = {1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 43200};

static const char *const status_names[SL_RUN_NSTATUS] = {"ok", "failed", "interrupted"};

void sl_metrics_init(sl_pipe_metrics *m)
{
    memset(m, 0, sizeof *m);
    m->last_duration = -1;
}

void sl_metrics_clear(sl_pipe_metrics *m)
{
    for (size_t i = 0; i < m->nstages; i++)
        free(m->stages[i].stage);
    free(m->stages);
    sl_metrics_init(m);
}

int sl_metrics_status(const char *status)
{
    if (status && strcmp(status, "ok") == 0)
        return SL_RUN_OK;
    if (status && strcmp(status, "interrupted") == 0)
        return SL_RUN_INTERRUPTED;
    return SL_RUN_FAILED; /* failed, or a row the server marked after a crash */
}

/* When the run ended, or started when it never ended; -1 when unreadable. */
static double run_time(const json_t *run)
{
    double t;
    if (sl_history_parse_time(json_string_value(json_object_get(run, "ended_at")), &t) == 0 ||
        sl_history_parse_time(json_string_value(json_object_get(run, "started_at")), &t) == 0)
        return t;
    return -1;
}

void sl_metrics_seed(sl_pipe_metrics *m, const json_t *runs)
{
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
    {
        const char *status = json_string_value(json_object_get(r, "status"));
        if (!status || strcmp(status, "running") == 0)
            continue;
        double t = run_time(r);
        double *slot = sl_metrics_status(status) == SL_RUN_OK ? &m->last_success : &m->last_failure;
        if (t > *slot)
            *slot = t;
    }
}

static sl_stage_metrics *stage_slot(sl_pipe_metrics *m, const char *id)
{
    for (size_t i = 0; i < m->nstages; i++)
        if (strcmp(m->stages[i].stage, id) == 0)
            return &m->stages[i];
    sl_stage_metrics *grown = realloc(m->stages, (m->nstages + 1) * sizeof *grown);
    if (!grown)
        return NULL;
    m->stages = grown;
    sl_stage_metrics *s = &grown[m->nstages];
    memset(s, 0, sizeof *s);
    if (!(s->stage = strdup(id)))
        return NULL;
    m->nstages++;
    return s;
}

static unsigned long long count_of(const json_t *stage, const char *key)
{
    json_int_t v = json_integer_value(json_object_get(stage, key));
    return v > 0 ? (unsigned long long)v : 0;
}

int sl_metrics_account(sl_pipe_metrics *m, const json_t *run)
{
    int status = sl_metrics_status(json_string_value(json_object_get(run, "status")));
    m->runs[status]++;
    double end = run_time(run);
    double *last = status == SL_RUN_OK ? &m->last_success : &m->last_failure;
    if (end > *last)
        *last = end;
    json_t *dur = json_object_get(run, "duration_s");
    if (json_is_number(dur)) {
        double d = json_number_value(dur);
        size_t b = 0;
        while (b < SL_METRICS_BUCKETS && d > bucket_le[b])
            b++;
        if (b < SL_METRICS_BUCKETS)
            m->buckets[b]++;
        m->duration_sum += d;
        m->duration_count++;
        m->last_duration = d;
    }
    size_t i;
    json_t *st;
    int rc = 0;
    json_array_foreach(json_object_get(run, "stages"), i, st)
    {
        const char *id = json_string_value(json_object_get(st, "stage"));
        sl_stage_metrics *s = id ? stage_slot(m, id) : NULL;
        if (!s) {
            rc = id ? -1 : rc;
            continue;
        }
        s->in += count_of(st, "in");
        s->out += count_of(st, "out");
        s->dropped += count_of(st, "dropped");
        s->dead += count_of(st, "rejected");
        s->http_requests += count_of(st, "http_requests");
        s->http_retries += count_of(st, "http_retries");
    }
    return rc;
}

/* ---- exposition ---------------------------------------------------------------- */

/* A label value with \, " and newline escaped, as the text format wants. */
static void put_label(FILE *f, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fputc('\\', f);
        if (*v == '\n')
            fputs("\\n", f);
        else
            fputc(*v, f);
    }
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void pipe_label(FILE *f, const char *name, const char *pipeline)
{
    fprintf(f, "%s{pipeline=\"", name);
    put_label(f, pipeline);
    fputc('"', f);
}

/* name{pipeline="..."} value */
static void pipe_value(FILE *f, const char *name, const char *pipeline, double v)
{
    pipe_label(f, name, pipeline);
    fprintf(f, "} %.3f\n", v);
}

static void pipe_count(FILE *f, const char *name, const char *pipeline, unsigned long long v)
{
    pipe_label(f, name, pipeline);
    fprintf(f, "} %llu\n", v);
}

static void write_server(FILE *f, const sl_metrics_server *srv, size_t npipes)
{
    head(f, "sluice_serve_start_time_seconds", "gauge", "When sluice serve started, seconds since the epoch.");
    fprintf(f, "sluice_serve_start_time_seconds %.3f\n", srv->started);
    head(f, "sluice_serve_pipelines", "gauge", "Pipelines scheduled.");
    fprintf(f, "sluice_serve_pipelines %zu\n", npipes);
    head(f, "sluice_serve_stopping", "gauge", "1 while sluice serve drains its runs before exiting.");
    fprintf(f, "sluice_serve_stopping %d\n", srv->stopping ? 1 : 0);
    head(f, "sluice_serve_config_last_reload_successful", "gauge",
         "1 when the last load of the pipeline files succeeded; 0 when one was refused and its old config kept.");
    fprintf(f, "sluice_serve_config_last_reload_successful %d\n", srv->reload_ok ? 1 : 0);
    head(f, "sluice_serve_config_last_reload_timestamp_seconds", "gauge",
         "When the pipeline files were last loaded, seconds since the epoch.");
    fprintf(f, "sluice_serve_config_last_reload_timestamp_seconds %.3f\n", srv->reload_at);
}

/* The one-value-per-pipeline families after sluice_runs_total. */
enum { P_SKIPPED, P_RUNNING, P_QUEUED, P_NEXT, P_LAST_OK, P_LAST_FAILED, P_LAST_DURATION };

static const struct {
    const char *name, *type, *help;
    int field; /* P_* */
} pipe_families[] = {
    {"sluice_runs_skipped_total", "counter",
     "Fire times skipped because the previous run was still going on (overlap \"skip\").", P_SKIPPED},
    {"sluice_pipeline_running", "gauge", "1 while a run of the pipeline goes on.", P_RUNNING},
    {"sluice_pipeline_queued", "gauge", "1 while a run waits for the running one (overlap \"queue\").", P_QUEUED},
    {"sluice_pipeline_next_run_timestamp_seconds", "gauge", "When the next scheduled run starts.", P_NEXT},
    {"sluice_last_success_timestamp_seconds", "gauge",
     "When the last successful run ended (0: never), from the run history.", P_LAST_OK},
    {"sluice_last_failure_timestamp_seconds", "gauge",
     "When the last failed or interrupted run ended (0: never), from the run history.", P_LAST_FAILED},
    {"sluice_last_run_duration_seconds", "gauge", "How long the last finished run took.", P_LAST_DURATION},
};

/* The value of `field` for one pipeline; 0 when it has none yet. */
static int pipe_field(const sl_metrics_view *v, int field, double *out)
{
    switch (field) {
    case P_SKIPPED: *out = (double)v->m->skipped; break;
    case P_RUNNING: *out = v->running != 0; break;
    case P_QUEUED: *out = v->queued != 0; break;
    case P_NEXT: *out = (double)v->next; break;
    case P_LAST_OK: *out = v->m->last_success; break;
    case P_LAST_FAILED: *out = v->m->last_failure; break;
    default: *out = v->m->last_duration; return v->m->last_duration >= 0;
    }
    return 1;
}

static void write_runs(FILE *f, const sl_metrics_view *v, size_t n)
{
    head(f, "sluice_runs_total", "counter", "Finished runs by status (ok, failed, interrupted) since serve started.");
    for (size_t i = 0; i < n; i++)
        for (int s = 0; s < SL_RUN_NSTATUS; s++) {
            pipe_label(f, "sluice_runs_total", v[i].pipeline);
            fprintf(f, ",status=\"%s\"} %llu\n", status_names[s], v[i].m->runs[s]);
        }
    for (size_t k = 0; k < sizeof pipe_families / sizeof pipe_families[0]; k++) {
        head(f, pipe_families[k].name, pipe_families[k].type, pipe_families[k].help);
        for (size_t i = 0; i < n; i++) {
            double value;
            if (!pipe_field(&v[i], pipe_families[k].field, &value))
                continue;
            pipe_label(f, pipe_families[k].name, v[i].pipeline);
            /* counts, flags and the next fire time are whole numbers */
            fprintf(f, pipe_families[k].field < P_LAST_OK ? "} %.0f\n" : "} %.3f\n", value);
        }
    }
}

static void write_durations(FILE *f, const sl_metrics_view *v, size_t n)
{
    head(f, "sluice_run_duration_seconds", "histogram", "How long finished runs took.");
    for (size_t i = 0; i < n; i++) {
        const sl_pipe_metrics *m = v[i].m;
        unsigned long long cum = 0;
        for (size_t b = 0; b < SL_METRICS_BUCKETS; b++) {
            cum += m->buckets[b];
            pipe_label(f, "sluice_run_duration_seconds_bucket", v[i].pipeline);
            fprintf(f, ",le=\"%g\"} %llu\n", bucket_le[b], cum);
        }
        pipe_label(f, "sluice_run_duration_seconds_bucket", v[i].pipeline);
        fprintf(f, ",le=\"+Inf\"} %llu\n", m->duration_count);
        pipe_value(f, "sluice_run_duration_seconds_sum", v[i].pipeline, m->duration_sum);
        pipe_count(f, "sluice_run_duration_seconds_count", v[i].pipeline, m->duration_count);
    }
}

enum { F_IN, F_OUT, F_DROPPED, F_DEAD, F_HTTP_REQUESTS, F_HTTP_RETRIES };

static unsigned long long stage_field(const sl_stage_metrics *s, int field)
{
    switch (field) {
    case F_IN: return s->in;
    case F_OUT: return s->out;
    case F_DROPPED: return s->dropped;
    case F_DEAD: return s->dead;
    case F_HTTP_REQUESTS: return s->http_requests;
    default: return s->http_retries;
    }
}

/* One per-stage counter family. `field` picks the counter (F_*); the HTTP
 * families list only stages that made HTTP requests. */
static void write_stage_family(FILE *f, const sl_metrics_view *v, size_t n, const char *name, const char *help,
                               int field)
{
    int http_only = field == F_HTTP_REQUESTS || field == F_HTTP_RETRIES;
    head(f, name, "counter", help);
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < v[i].m->nstages; k++) {
            const sl_stage_metrics *s = &v[i].m->stages[k];
            if (http_only && s->http_requests == 0)
                continue;
            pipe_label(f, name, v[i].pipeline);
            fputs(",stage=\"", f);
            put_label(f, s->stage);
            fprintf(f, "\"} %llu\n", stage_field(s, field));
        }
}

void sl_metrics_write(FILE *f, const sl_metrics_server *srv, const sl_metrics_view *v, size_t n)
{
    write_server(f, srv, n);
    write_runs(f, v, n);
    write_durations(f, v, n);
    write_stage_family(f, v, n, "sluice_records_in_total", "Records a stage received, over finished runs.",
                       F_IN);
    write_stage_family(f, v, n, "sluice_records_out_total",
                       "Records a stage passed on (sinks: wrote), over finished runs.",
                       F_OUT);
    write_stage_family(f, v, n, "sluice_records_dropped_total", "Records a stage filtered out on purpose.",
                       F_DROPPED);
    write_stage_family(f, v, n, "sluice_records_dead_lettered_total",
                       "Records a stage rejected (dead-lettered), over finished runs.",
                       F_DEAD);
    write_stage_family(f, v, n, "sluice_http_requests_total",
                       "HTTP requests a connector sent (each attempt counts), over finished runs.",
                       F_HTTP_REQUESTS);
    write_stage_family(f, v, n, "sluice_http_retries_total",
                       "HTTP requests a connector sent again after a transient failure, over finished runs.",
                       F_HTTP_RETRIES);
}
