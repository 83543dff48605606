/* cli_status.c - `sluice status`: a scheduled pipeline's last runs and next
 * fire time, read from its state store, or asked of a running `sluice
 * serve` (--server). Both give the JSON of serve_history.c, so the text
 * printed is the same whichever way it came. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "cli.h"
#include "config.h"
#include "cron.h"
#include "serve.h"
#include "serve_history.h"
#include "textutil.h"

#define SL_STATUS_DEFAULT_RUNS 10
#define SL_STATUS_MAX_RUNS 1000

static const char status_help[] =
    "Usage: sluice status [OPTIONS] PIPELINE.json...\n"
    "       sluice status --server URL [OPTIONS] [NAME...]\n"
    "\n"
    "Shows each pipeline's schedule, its next fire time (in the pipeline's \"timezone\") and\n"
    "its last runs from the run history in its state store: when each started, how it\n"
    "ended (ok, failed, interrupted, running), how long it took, records read, written and\n"
    "rejected, and the error of a failed run. A run that crashed under `sluice serve` shows\n"
    "as failed with the signal that killed it.\n"
    "\n"
    "With --server, asks a running `sluice serve` instead (its /runs endpoint), which also\n"
    "knows the run going on and a queued one; NAMEs pick pipelines by name.\n"
    "\n"
    "Options:\n"
    "  -n, --limit N        runs to show per pipeline (default 10)\n"
    "      --json           print JSON: {\"pipelines\": [...]}, the same as GET /runs\n"
    "      --server URL     the server's endpoint, e.g. http://127.0.0.1:9746\n"
    "      --token-file F   bearer token for --server (or $SLUICE_SERVE_TOKEN)\n"
    "  -h, --help           show this help\n"
    "\n"
    "Exit status: 0 shown; 1 a state store or the server could not be read; 2 bad usage\n"
    "or a pipeline file that does not load.\n";

typedef struct status_opts {
    sl_cli cli;
    long limit;
    int json;
    const char *server, *token_file;
} status_opts;

/* ---- from the state stores ----------------------------------------------------------- */

/* The pipeline in `file` described as serve_history.c does; NULL with the
 * message printed. *rc gets the exit status to use. */
static json_t *describe_file(const status_opts *o, const char *file, int *rc)
{
    sl_pipeline_cfg *cfg = NULL;
    char *err = NULL, why[256] = "";
    if (sl_config_load(file, &cfg, &err) != 0) {
        fprintf(stderr, "%s\n", err ? err : "cannot load the pipeline");
        free(err);
        *rc = SL_EXIT_USAGE;
        return NULL;
    }
    json_t *runs = sl_history_runs(cfg->state, (int)o->limit, &err);
    if (!runs) {
        fprintf(stderr, "sluice: %s\n", err ? err : "cannot read the run history");
        free(err);
        sl_config_free(&cfg);
        *rc = SL_EXIT_RUN_FAILED;
        return NULL;
    }
    sl_cron *cron = NULL;
    sl_tz *tz = NULL;
    time_t next = 0, now = time(NULL);
    const sl_schedule_cfg *sc = &cfg->schedule;
    if (sc->cron && sl_cron_parse(sc->cron, &cron, why, sizeof why) == SLUICE_OK &&
        (!sc->timezone || sl_tz_load(sc->timezone, &tz, why, sizeof why) == SLUICE_OK) &&
        sl_cron_next_in(cron, tz, now, now + (time_t)SL_CRON_HORIZON_YEARS * 366 * 86400, &next, why, sizeof why) !=
            SLUICE_OK)
        next = 0;
    json_t *o_json = sl_history_describe(cfg, tz, next, runs);
    sl_cron_free(&cron);
    sl_tz_free(&tz);
    sl_config_free(&cfg);
    return o_json;
}

/* ---- from a server ---------------------------------------------------------------------- */

typedef struct body {
    char *p;
    size_t n;
} body;

static size_t on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    body *b = arg;
    size_t add = size * nmemb;
    char *grown = realloc(b->p, b->n + add + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->n, data, add);
    b->n += add;
    grown[b->n] = '\0';
    b->p = grown;
    return add;
}

/* GET SERVER/runs?limit=N; the document, or NULL with the reason printed. */
static json_t *fetch_runs(const status_opts *o)
{
    char *token = NULL;
    if (sl_serve_token(o->token_file, 0, &token) != 0)
        return NULL;
    size_t ulen = strlen(o->server);
    while (ulen && o->server[ulen - 1] == '/')
        ulen--;
    char *url = sl_strfmt("%.*s/runs?limit=%ld", (int)ulen, o->server, o->limit);
    char *auth = token ? sl_strfmt("Authorization: Bearer %s", token) : NULL;
    body b = {0};
    long status = 0;
    char errbuf[CURL_ERROR_SIZE] = "";
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *c = curl_easy_init();
    struct curl_slist *hdrs = auth ? curl_slist_append(NULL, auth) : NULL;
    CURLcode cc = CURLE_OUT_OF_MEMORY;
    if (c && url) {
        curl_easy_setopt(c, CURLOPT_URL, url);
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        cc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    }
    json_t *doc = cc == CURLE_OK && status == 200 && b.p ? json_loads(b.p, 0, NULL) : NULL;
    if (cc != CURLE_OK)
        fprintf(stderr, "sluice: %s: %s\n", o->server, errbuf[0] ? errbuf : curl_easy_strerror(cc));
    else if (status == 401)
        fprintf(stderr, "sluice: %s wants a bearer token: set $SLUICE_SERVE_TOKEN or give --token-file\n", o->server);
    else if (!doc)
        fprintf(stderr, "sluice: %s/runs answered HTTP %ld%s%s\n", o->server, status, b.p ? ": " : "", b.p ? b.p : "");
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
    curl_global_cleanup();
    free(b.p);
    free(url);
    free(auth);
    free(token);
    return doc;
}

/* The pipelines of the server's answer named in names (all when none). */
static json_t *pick(json_t *doc, char **names, size_t n, int *rc)
{
    json_t *all = json_object_get(doc, "pipelines");
    size_t i;
    json_t *p;
    if (n == 0)
        return json_incref(all);
    json_t *out = json_array();
    for (size_t k = 0; k < n; k++) {
        int found = 0;
        json_array_foreach(all, i, p)
        {
            const char *name = json_string_value(json_object_get(p, "pipeline"));
            if (name && strcmp(name, names[k]) == 0 && (found = 1))
                json_array_append(out, p);
        }
        if (!found) {
            fprintf(stderr, "sluice: the server has no pipeline named \"%s\"\n", names[k]);
            *rc = SL_EXIT_USAGE;
        }
    }
    return out;
}

/* ---- printing --------------------------------------------------------------------------- */

static void print_in(time_t next)
{
    long long d = (long long)(next - time(NULL));
    if (d < 0)
        d = 0;
    if (d >= 86400)
        printf("  (in %lld d %lld h)", d / 86400, d % 86400 / 3600);
    else if (d >= 3600)
        printf("  (in %lld h %lld min)", d / 3600, d % 3600 / 60);
    else if (d >= 60)
        printf("  (in %lld min %lld s)", d / 60, d % 60);
    else
        printf("  (in %lld s)", d);
}

static void print_run(const json_t *r)
{
    unsigned long long read, written, rejected;
    sl_history_totals(r, &read, &written, &rejected);
    const char *status = json_string_value(json_object_get(r, "status"));
    const char *err = json_string_value(json_object_get(r, "error"));
    json_t *dur = json_object_get(r, "duration_s");
    char took[32] = "-";
    if (json_is_number(dur))
        snprintf(took, sizeof took, "%.1f s", json_number_value(dur));
    printf("    #%-6lld %s  %-11s %9s  read %llu, written %llu, rejected %llu%s%s\n",
           (long long)json_integer_value(json_object_get(r, "id")),
           json_string_value(json_object_get(r, "started_at")) ? json_string_value(json_object_get(r, "started_at")) : "?",
           status ? status : "?", took, read, written, rejected, err ? "\n             error: " : "", err ? err : "");
}

static void print_pipeline(const json_t *p)
{
    const char *sched = json_string_value(json_object_get(p, "schedule"));
    const char *next = json_string_value(json_object_get(p, "next_run"));
    json_t *running = json_object_get(p, "running");
    printf("pipeline %s  (%s)\n", json_string_value(json_object_get(p, "pipeline")),
           json_string_value(json_object_get(p, "file")));
    if (sched)
        printf("  schedule  \"%s\" in %s; overlap %s, catch_up %s, jitter %lld s\n", sched,
               json_string_value(json_object_get(p, "timezone")), json_string_value(json_object_get(p, "overlap")),
               json_string_value(json_object_get(p, "catch_up")),
               (long long)json_integer_value(json_object_get(p, "jitter_s")));
    else
        printf("  schedule  none: `sluice serve` refuses it; run it with `sluice run`\n");
    if (next) {
        printf("  next run  %s", next);
        print_in((time_t)json_integer_value(json_object_get(p, "next_run_unix")));
        printf("\n");
    }
    if (json_is_object(running))
        printf("  running   pid %lld since %s (%s)%s\n", (long long)json_integer_value(json_object_get(running, "pid")),
               json_string_value(json_object_get(running, "since")), json_string_value(json_object_get(running, "trigger")),
               json_is_true(json_object_get(p, "queued")) ? "; another run is queued" : "");
    json_t *runs = json_object_get(p, "runs");
    printf("  last runs%s\n", json_array_size(runs) ? "" : "  (none yet)");
    size_t i;
    json_t *r;
    json_array_foreach(runs, i, r)
        print_run(r);
}

static void print_all(const status_opts *o, json_t *list)
{
    if (o->json) {
        json_t *doc = json_pack("{s:O}", "pipelines", list);
        char *text = doc ? json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER) : NULL;
        if (text)
            puts(text);
        free(text);
        json_decref(doc);
        return;
    }
    size_t i;
    json_t *p;
    json_array_foreach(list, i, p)
    {
        if (i)
            printf("\n");
        print_pipeline(p);
    }
}

/* ---- the command ---------------------------------------------------------------------------- */

static int parse_args(int argc, char **argv, status_opts *o)
{
    static const struct option longopts[] = {SL_CLI_GLOBAL_LONGOPTS,
                                             {"help", no_argument, NULL, 'h'},
                                             {"limit", required_argument, NULL, 'n'},
                                             {"json", no_argument, NULL, 'J'},
                                             {"server", required_argument, NULL, 'S'},
                                             {"token-file", required_argument, NULL, 'T'},
                                             {NULL, 0, NULL, 0}};
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, SL_CLI_GLOBAL_SHORTOPTS "hn:", longopts, NULL)) != -1) {
        int g = sl_cli_global_opt(&o->cli, opt, optarg);
        if (g < 0)
            return SL_EXIT_USAGE;
        if (g > 0)
            continue;
        char *end;
        switch (opt) {
        case 'h': fputs(status_help, stdout); return -1;
        case 'n':
            o->limit = strtol(optarg, &end, 10);
            if (*end || end == optarg || o->limit < 1 || o->limit > SL_STATUS_MAX_RUNS)
                return sl_cli_usage_error("--limit wants a number from 1 to 1000", "status");
            break;
        case 'J': o->json = 1; break;
        case 'S': o->server = optarg; break;
        case 'T': o->token_file = optarg; break;
        default: return sl_cli_usage_error("unknown option", "status");
        }
    }
    if (optind < argc && strcmp(argv[optind], "status") == 0)
        optind++; /* the command word itself */
    if (!o->server && optind >= argc)
        return sl_cli_usage_error("missing PIPELINE.json (or --server URL)", "status");
    return 0;
}

int sl_cmd_status(int argc, char **argv)
{
    status_opts o = {.limit = SL_STATUS_DEFAULT_RUNS};
    int rc = parse_args(argc, argv, &o);
    if (rc != 0)
        return rc < 0 ? SL_EXIT_OK : rc;
    o.cli.verbosity = o.cli.verbosity ? o.cli.verbosity : -1; /* plugin loading chatter is not status */
    if (sl_cli_setup(&o.cli) != 0)
        return SL_EXIT_RUN_FAILED;
    json_t *list = NULL;
    if (o.server) {
        json_t *doc = fetch_runs(&o);
        if (!doc)
            return SL_EXIT_RUN_FAILED;
        list = pick(doc, argv + optind, (size_t)(argc - optind), &rc);
        json_decref(doc);
    } else {
        list = json_array();
        for (int i = optind; list && i < argc; i++) {
            json_t *p = describe_file(&o, argv[i], &rc);
            if (p)
                json_array_append_new(list, p);
        }
    }
    if (list && json_array_size(list))
        print_all(&o, list);
    json_decref(list);
    return rc;
}
