/* cli_serve.c - `sluice serve`: its command line (where to listen, the
 * bearer token); the server itself is serve.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "serve.h"

#define SL_SERVE_DEFAULT_LISTEN "127.0.0.1:9746"
#define SL_TOKEN_MIN 16

static const char serve_help[] =
    "Usage: sluice serve [OPTIONS] PIPELINE.json... | DIR\n"
    "\n"
    "Runs pipelines on their \"schedule\" until stopped. DIR means every *.json file in it.\n"
    "Every pipeline needs a \"schedule\", a cron expression:\n"
    "  \"0 2 * * *\"        02:00 every day        \"*/15 * * * *\"  every 15 minutes\n"
    "  \"0 6 * * MON-FRI\"  06:00 on weekdays      \"@daily\", \"@hourly\", \"@weekly\", \"@monthly\"\n"
    "  \"*/2 * * * * *\"    every 2 seconds (six fields: the first is seconds)\n"
    "and may set \"timezone\" (IANA name, default UTC), \"overlap\" (\"skip\" or \"queue\": a fire\n"
    "time while the last run still goes on), \"catch_up\" (\"none\" or \"once\": one run for fire\n"
    "times missed while serve was down) and \"jitter\" (up to N random seconds of delay).\n"
    "\n"
    "Each run is a process of its own running the same code as `sluice run`; a crash fails\n"
    "that run only. Runs are recorded in the pipeline's state store: see `sluice status`.\n"
    "\n"
    "Signals: SIGTERM/SIGINT stop scheduling and let the running runs drain and commit\n"
    "(exit 0 once they ended; a second signal stops them at once). SIGHUP reloads the files:\n"
    "a running run finishes under its old config; a file that no longer loads keeps its\n"
    "old config (logged).\n"
    "\n"
    "HTTP endpoint:\n"
    "  GET  /health                 200, or 503 with the reason\n"
    "  GET  /metrics                Prometheus metrics: runs by status, durations, last\n"
    "                               success and failure, records per stage, HTTP requests\n"
    "  GET  /runs[?pipeline=NAME&limit=N]  next fire times and run history (JSON)\n"
    "  POST /pipelines/NAME/run     start a run now\n"
    "\n"
    "Options:\n"
    "      --listen ADDR:PORT   where the endpoint listens (default " SL_SERVE_DEFAULT_LISTEN ");\n"
    "                           port 0 picks a free port (logged); \"none\" turns it off.\n"
    "                           ADDR is an IP address ([::1] for IPv6) or localhost\n"
    "      --token-file FILE    bearer token the endpoint requires (first line of FILE), or\n"
    "                           set $SLUICE_SERVE_TOKEN; required when ADDR is not loopback.\n"
    "                           At least 16 characters, e.g. `openssl rand -hex 32`\n"
    "  -v, -q, --log-format, --plugin-path   as for every command (see `sluice --help`)\n"
    "  -h, --help               show this help\n"
    "\n"
    "Exit status: 0 stopped by a signal after the runs drained; 1 the server failed or was\n"
    "stopped twice; 2 bad usage or a pipeline that does not load or has no schedule.\n"
    "See docs/serve.md; examples/deploy/ has a systemd unit and a Prometheus alert.\n";

/* ---- --listen --------------------------------------------------------------------------- */

static int parse_port(const char *s, unsigned *port)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end || errno || v < 0 || v > 65535)
        return -1;
    *port = (unsigned)v;
    return 0;
}

/* "ADDR:PORT", "[V6]:PORT", "localhost:PORT" or "none". */
static int parse_listen(sl_serve_opts *o, const char *arg)
{
    char host[128];
    unsigned port;
    if (strcmp(arg, "none") == 0) {
        o->no_http = 1;
        return 0;
    }
    const char *colon = strrchr(arg, ':');
    if (!colon || (size_t)(colon - arg) >= sizeof host || parse_port(colon + 1, &port) != 0)
        return -1;
    memcpy(host, arg, (size_t)(colon - arg));
    host[colon - arg] = '\0';
    memset(&o->listen, 0, sizeof o->listen);
    if (host[0] == '[' && host[strlen(host) - 1] == ']') {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&o->listen;
        host[strlen(host) - 1] = '\0';
        if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
            return -1;
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        o->listen_len = sizeof *a;
        o->listen_loopback = IN6_IS_ADDR_LOOPBACK(&a->sin6_addr);
        return 0;
    }
    struct sockaddr_in *a = (struct sockaddr_in *)&o->listen;
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof host, "127.0.0.1");
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
        return -1;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    o->listen_len = sizeof *a;
    o->listen_loopback = (ntohl(a->sin_addr.s_addr) >> 24) == 127;
    return 0;
}

/* ---- the token --------------------------------------------------------------------------- */

/* The token from --token-file, else $SLUICE_SERVE_TOKEN; checks it and the
 * rule that only loopback goes without one. Returns 0 or SL_EXIT_USAGE. */
static int setup_token(sl_serve_opts *o, const char *token_file)
{
    if (sl_serve_token(token_file, 1, &o->token) != 0)
        return SL_EXIT_USAGE;
    if (o->token && strlen(o->token) < SL_TOKEN_MIN) {
        fprintf(stderr, "sluice: the bearer token has %zu characters; use at least %d (e.g. `openssl rand -hex 32`)\n",
                strlen(o->token), SL_TOKEN_MIN);
        return SL_EXIT_USAGE;
    }
    if (!o->no_http && !o->listen_loopback && !o->token) {
        fprintf(stderr,
                "sluice: --listen on an address other than loopback needs a bearer token: set "
                "$SLUICE_SERVE_TOKEN or give --token-file FILE\n");
        return SL_EXIT_USAGE;
    }
    return 0;
}

/* ---- the command ------------------------------------------------------------------------- */

int sl_cmd_serve(int argc, char **argv)
{
    static const struct option longopts[] = {SL_CLI_GLOBAL_LONGOPTS,
                                             {"help", no_argument, NULL, 'h'},
                                             {"listen", required_argument, NULL, 'L'},
                                             {"token-file", required_argument, NULL, 'T'},
                                             {NULL, 0, NULL, 0}};
    sl_serve_opts o = {.cli = {.progress = 0}};
    const char *listen = SL_SERVE_DEFAULT_LISTEN, *token_file = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, SL_CLI_GLOBAL_SHORTOPTS "h", longopts, NULL)) != -1) {
        int g = sl_cli_global_opt(&o.cli, opt, optarg);
        if (g < 0)
            return SL_EXIT_USAGE;
        if (g > 0)
            continue;
        switch (opt) {
        case 'h': fputs(serve_help, stdout); return SL_EXIT_OK;
        case 'L': listen = optarg; break;
        case 'T': token_file = optarg; break;
        default: return sl_cli_usage_error("unknown option", "serve");
        }
    }
    /* argv[optind] is the word "serve" (options may come before or after it). */
    if (optind < argc && strcmp(argv[optind], "serve") == 0)
        optind++;
    if (optind >= argc)
        return sl_cli_usage_error("missing PIPELINE.json files or a folder of them", "serve");
    o.inputs = argv + optind;
    o.ninputs = (size_t)(argc - optind);
    if (parse_listen(&o, listen) != 0)
        return sl_cli_usage_error("--listen wants ADDR:PORT with an IP address (e.g. 127.0.0.1:9746, [::1]:9746), "
                                  "localhost:PORT or none",
                                  "serve");
    int rc = setup_token(&o, token_file);
    if (rc == 0 && sl_cli_setup(&o.cli) != 0)
        rc = SL_EXIT_RUN_FAILED;
    if (rc == 0)
        rc = sl_serve_main(&o);
    free(o.token);
    return rc;
}
