/* cli_report.c - `sluice report WAREHOUSE.db`: sales KPIs from the canonical
 * tables of a warehouse, as text, JSON or a self-contained HTML page.
 * The work is in report_*.c (see report_model.h); this file reads the
 * command line, runs the steps in order and writes the output. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report_model.h"
#include "textutil.h"

static const char report_help[] =
    "Usage: sluice report WAREHOUSE.db [OPTIONS]\n"
    "\n"
    "Sales KPIs from the canonical tables of a warehouse (orders, order_lines, deals,\n"
    "leads, customers, companies; any may be missing, and the KPIs that need it are\n"
    "then null, or n/a in text). The warehouse is opened read-only.\n"
    "\n"
    "KPIs: revenue, orders, average order value, units sold, gross margin and margin %,\n"
    "won and lost deals, win rate = won / (won + lost), average deal size = mean amount\n"
    "of won deals, average and median sales cycle in days (created_at, else engaged_at,\n"
    "to closed_at, over won deals), lead-to-deal conversion, churn rate, RFM segments;\n"
    "breakdowns by month, owner, segment or sector; the pipeline by stage; a forecast\n"
    "of the next 3 months' revenue (or won deal value without orders) with its error on\n"
    "3 held-out months. Definitions: docs/report.md.\n"
    "\n"
    "Options:\n"
    "      --from DATE        only orders created, deals closed, leads created on or\n"
    "                         after DATE (YYYY-MM-DD)\n"
    "      --to DATE          ... and on or before DATE\n"
    "      --by LIST          breakdowns: month, owner, segment, sector (comma-separated\n"
    "                         or repeated; default month)\n"
    "      --format FORMAT    text (default), json or html\n"
    "  -o, --output FILE      write to FILE instead of standard output\n"
    "      --churn-days N     a customer who had orders but none in the last N days\n"
    "                         has churned (default 90)\n"
    "      --as-of DATE       the day churn and recency count back from (default: the\n"
    "                         newest order date, so a report can be reproduced)\n"
    "  -q, --quiet, -v, --verbose, --log-format, --plugin-path, --no-progress\n"
    "                         the global options (see sluice --help)\n"
    "  -h, --help             show this help\n"
    "\n"
    "Money is summed exactly and shown as decimal strings (\"1590.00\"); cancelled and\n"
    "refunded orders are left out. Exit status: 0 written, 1 the warehouse could not\n"
    "be read or the output written, 2 bad usage.\n"
    "\n"
    "Examples:\n"
    "  sluice report out/warehouse.db\n"
    "  sluice report out/warehouse.db --from 2024-01-01 --to 2024-06-30 --by owner,sector\n"
    "  sluice report out/warehouse.db --format html -o report.html\n";

enum { OPT_FROM = 256, OPT_TO, OPT_BY, OPT_FORMAT, OPT_CHURN, OPT_ASOF };

typedef struct report_args {
    sl_cli g;
    sl_rep_opts o;
    const char *output;
    int help;
} report_args;

static int parse_day_opt(const char *name, const char *arg, int *day)
{
    if (sl_rep_day_parse(arg, day) == 0 && strlen(arg) == 10)
        return 0;
    char *msg = sl_strfmt("%s needs a date YYYY-MM-DD, not '%s'", name, arg);
    sl_cli_usage_error(msg ? msg : "bad date", "report");
    free(msg);
    return -1;
}

static int parse_by_word(const char *w, size_t len, int *by)
{
    for (int k = 0; k < SL_REP_NBY; k++)
        if (strlen(sl_rep_by_names[k]) == len && strncmp(w, sl_rep_by_names[k], len) == 0) {
            by[k] = 1;
            return 0;
        }
    char *word = strndup(w, len);
    const char *hint = word ? sl_suggest(word, (const char *const *)sl_rep_by_names, SL_REP_NBY) : NULL;
    char *msg = sl_strfmt("--by: unknown grouping '%s'%s%s%s (month, owner, segment or sector)", word ? word : "",
                          hint ? "; did you mean '" : "", hint ? hint : "", hint ? "'?" : "");
    sl_cli_usage_error(msg ? msg : "--by: unknown grouping", "report");
    free(msg);
    free(word);
    return -1;
}

/* "month,owner": each word one grouping. */
static int parse_by(const char *arg, int *by)
{
    for (const char *w = arg;; w++) {
        size_t len = strcspn(w, ",");
        if (parse_by_word(w, len, by) != 0)
            return -1;
        w += len;
        if (!*w)
            return 0;
    }
}

static int parse_format(const char *arg, int *format)
{
    static const char *const names[] = {"text", "json", "html"};
    for (int i = 0; i < 3; i++)
        if (strcmp(arg, names[i]) == 0) {
            *format = i;
            return 0;
        }
    sl_cli_usage_error("--format must be text, json or html", "report");
    return -1;
}

static int parse_churn(const char *arg, int *days)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || end == arg || *end || v < 1 || v > 36500) {
        sl_cli_usage_error("--churn-days needs a whole number of days from 1 to 36500", "report");
        return -1;
    }
    *days = (int)v;
    return 0;
}

/* One option of the command; 0 or -1 (message printed). */
static int apply_opt(report_args *a, int opt, const char *arg)
{
    switch (opt) {
    case OPT_FROM: return parse_day_opt("--from", arg, &a->o.from);
    case OPT_TO: return parse_day_opt("--to", arg, &a->o.to);
    case OPT_ASOF: return parse_day_opt("--as-of", arg, &a->o.as_of);
    case OPT_BY: return parse_by(arg, a->o.by);
    case OPT_FORMAT: return parse_format(arg, &a->o.format);
    case OPT_CHURN: return parse_churn(arg, &a->o.churn_days);
    case 'o': a->output = arg; return 0;
    case 'h': a->help = 1; return 0;
    default: sl_cli_usage_error("unknown option", "report"); return -1;
    }
}

static int parse_args(int argc, char **argv, report_args *a)
{
    static const struct option longopts[] = {SL_CLI_GLOBAL_LONGOPTS,
                                             {"from", required_argument, NULL, OPT_FROM},
                                             {"to", required_argument, NULL, OPT_TO},
                                             {"by", required_argument, NULL, OPT_BY},
                                             {"format", required_argument, NULL, OPT_FORMAT},
                                             {"output", required_argument, NULL, 'o'},
                                             {"churn-days", required_argument, NULL, OPT_CHURN},
                                             {"as-of", required_argument, NULL, OPT_ASOF},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    optind = 0; /* main may have run getopt over another argv already */
    int opt;
    while ((opt = getopt_long(argc, argv, SL_CLI_GLOBAL_SHORTOPTS "ho:", longopts, NULL)) != -1) {
        int g = sl_cli_global_opt(&a->g, opt, optarg);
        if (g < 0 || (g == 0 && apply_opt(a, opt, optarg) != 0))
            return -1;
    }
    if (a->help)
        return 0;
    /* The operands are the command word itself and the warehouse. */
    int nargs = argc - optind;
    if (nargs != 2) {
        sl_cli_usage_error(nargs < 2 ? "missing WAREHOUSE.db" : "expected exactly one WAREHOUSE.db", "report");
        return -1;
    }
    a->o.db_path = argv[optind + 1];
    if (a->o.from != SL_REP_NODAY && a->o.to != SL_REP_NODAY && a->o.from > a->o.to) {
        sl_cli_usage_error("--from is after --to", "report");
        return -1;
    }
    int any = 0;
    for (int k = 0; k < SL_REP_NBY; k++)
        any |= a->o.by[k];
    if (!any)
        a->o.by[SL_REP_BY_MONTH] = 1;
    return 0;
}

/* ---- running ------------------------------------------------------------- */

static int compute(sl_report *r)
{
    for (int k = 0; k < SL_REP_NBY; k++)
        r->by[k].wanted = r->opts.by[k];
    if (sl_rep_kpis_compute(r) != 0 || sl_rep_rfm_compute(r) != 0 || sl_rep_groups_compute(r) != 0)
        return -1;
    sl_rep_forecast_compute(r);
    return 0;
}

static int write_format(const sl_report *r, FILE *f)
{
    switch (r->opts.format) {
    case SL_REP_JSON: return sl_rep_write_json(r, f);
    case SL_REP_HTML: return sl_rep_write_html(r, f);
    default: return sl_rep_write_text(r, f);
    }
}

/* Writes to `path` through a temporary file renamed into place, so a
 * reader never sees half a report. */
static int write_file(const sl_report *r, const char *path)
{
    char *tmp = sl_strfmt("%s.tmp.%ld", path, (long)getpid());
    FILE *f = tmp ? fopen(tmp, "w") : NULL;
    if (!f) {
        fprintf(stderr, "sluice: report: cannot write %s: %s\n", tmp ? tmp : path, strerror(errno));
        free(tmp);
        return -1;
    }
    int rc = write_format(r, f);
    rc |= ferror(f) ? -1 : 0;
    rc |= fclose(f) != 0 ? -1 : 0;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -1;
    if (rc != 0) {
        fprintf(stderr, "sluice: report: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

static int write_report(const sl_report *r, const char *output)
{
    if (output)
        return write_file(r, output);
    int rc = write_format(r, stdout);
    if (rc != 0 || fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "sluice: report: cannot write the output: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

void sl_report_free(sl_report *r)
{
    for (int k = 0; k < SL_REP_NBY; k++) {
        for (size_t i = 0; i < r->by[k].n; i++)
            free(r->by[k].v[i].key);
        free(r->by[k].v);
    }
    for (size_t i = 0; i < r->nfunnel; i++)
        free(r->funnel[i].stage);
    free(r->funnel);
    free(r->months);
    free(r->cust_keys);
    free(r->cust_seg);
    memset(r, 0, sizeof *r);
}

int sl_cmd_report(int argc, char **argv)
{
    report_args a = {.o = {.from = SL_REP_NODAY, .to = SL_REP_NODAY, .as_of = SL_REP_NODAY, .churn_days = 90}};
    if (parse_args(argc, argv, &a) != 0)
        return SL_EXIT_USAGE;
    if (a.help) {
        fputs(report_help, stdout);
        return SL_EXIT_OK;
    }
    if (sl_cli_setup(&a.g) != 0)
        return SL_EXIT_RUN_FAILED;
    sl_rep_data data;
    char *err = NULL;
    if (sl_rep_load(a.o.db_path, &data, &err) != 0) {
        fprintf(stderr, "sluice: report: %s\n", err ? err : "cannot read the warehouse");
        free(err);
        return SL_EXIT_RUN_FAILED;
    }
    sl_report r = {.opts = a.o, .data = &data};
    int rc = compute(&r) == 0 && write_report(&r, a.output) == 0 ? SL_EXIT_OK : SL_EXIT_RUN_FAILED;
    sl_report_free(&r);
    sl_rep_data_free(&data);
    return rc;
}
