/* report_html.c - `sluice report --format html`: one self-contained page
 * (inline CSS and SVG, no scripts, fonts or images from elsewhere) with the
 * KPIs, four charts (monthly revenue and margin, pipeline by stage, RFM
 * segments, forecast) and the tables behind them. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_fmt.h"
#include "report_model.h"
#include "report_svg.h"

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:24px auto;max-width:1000px;"
    "color:#1a202c;background:#ffffff}\n"
    "h1{margin:0 0 4px}h2{margin:32px 0 8px;border-bottom:1px solid #e2e8f0;padding-bottom:4px}\n"
    ".meta{color:#4a5568;margin:2px 0}.warn{color:#c05621}\n"
    ".kpis{display:grid;grid-template-columns:repeat(4,1fr);gap:10px;margin-top:16px}\n"
    ".kpi{border:1px solid #e2e8f0;border-radius:6px;padding:10px;background:#f7fafc}\n"
    ".kpi .label{font-size:12px;color:#4a5568}.kpi .value{font-size:20px;font-weight:600}\n"
    ".kpi .note{font-size:11px;color:#718096}.na{color:#a0aec0}\n"
    "svg.chart{display:block;max-width:100%;height:auto}\n"
    "svg text{font-size:12px;fill:#2d3748}svg .nodata{font-size:16px;fill:#a0aec0}\n"
    "table{border-collapse:collapse;margin:8px 0;font-size:13px}\n"
    "th,td{border-bottom:1px solid #e2e8f0;padding:3px 10px;text-align:right}\n"
    "th:first-child,td:first-child{text-align:left}th{background:#edf2f7}\n"
    "footer{margin-top:32px;font-size:12px;color:#718096}\n";

static const char *const status_names[] = {"open", "won", "lost"};
static const char *const status_colors[] = {"#3182ce", "#38a169", "#e53e3e"};
static const char *const segment_colors[SL_REP_NSEGMENTS] = {"#2f855a", "#38a169", "#68d391", "#3182ce", "#63b3ed",
                                                             "#d69e2e", "#ed8936", "#c53030", "#e53e3e", "#a0aec0"};

static void text(FILE *f, const char *s)
{
    sl_html_escape(f, s);
}

/* ---- header and KPI cards -------------------------------------------------- */

static void card(FILE *f, const char *label, const char *value, const char *note)
{
    fputs("<div class=\"kpi\"><div class=\"label\">", f);
    text(f, label);
    fprintf(f, "</div><div class=\"value%s\">", strcmp(value, "n/a") == 0 ? " na" : "");
    text(f, value);
    fputs("</div>", f);
    if (note && *note) {
        fputs("<div class=\"note\">", f);
        text(f, note);
        fputs("</div>", f);
    }
    fputs("</div>\n", f);
}

static void header_html(const sl_report *r, FILE *f)
{
    char p[128];
    fputs("<h1>Sales report</h1>\n<p class=\"meta\">Warehouse: ", f);
    text(f, r->opts.db_path);
    fprintf(f, "</p>\n<p class=\"meta\">Period: %s</p>\n", sl_rep_fmt_period(r, p, sizeof p));
    const sl_rep_data *d = r->data;
    if (d->ncurrencies > 1) {
        fputs("<p class=\"meta warn\">Mixed currencies, summed as they are:", f);
        for (size_t i = 0; i < d->ncurrencies; i++) {
            fputc(' ', f);
            text(f, d->currencies[i]);
        }
        fputs("</p>\n", f);
    }
    if (d->bad_amounts)
        fprintf(f, "<p class=\"meta warn\">%ld money values are not decimal numbers and were left out.</p>\n",
                d->bad_amounts);
}

static void kpi_cards(const sl_report *r, FILE *f)
{
    const sl_rep_kpis *k = &r->k;
    char v[80], n[160];
    fputs("<section class=\"kpis\">\n", f);
    card(f, "Revenue", sl_rep_fmt_money(k->orders_known, k->revenue, v, sizeof v), NULL);
    card(f, "Orders", sl_rep_fmt_long(k->orders_known, k->orders, v, sizeof v), NULL);
    card(f, "Average order value", sl_rep_fmt_money(k->aov_known, k->aov, v, sizeof v), NULL);
    card(f, "Gross margin", sl_rep_fmt_money(k->margin_known, k->margin, v, sizeof v), NULL);
    card(f, "Margin %", sl_rep_fmt_pct(k->margin_known && !sl_dec_is_zero(k->margin_revenue), k->margin_pct, v, sizeof v),
         NULL);
    card(f, "Units sold", sl_rep_fmt_qty(k->orders_known && r->data->have_lines, k->units, v, sizeof v), NULL);
    card(f, "Won deals", sl_rep_fmt_long(k->deals_known, k->won, v, sizeof v), NULL);
    card(f, "Lost deals", sl_rep_fmt_long(k->deals_known, k->lost, v, sizeof v), NULL);
    card(f, "Win rate", sl_rep_fmt_pct(k->win_rate_known, 100 * k->win_rate, v, sizeof v), "won / (won + lost)");
    card(f, "Won deal value", sl_rep_fmt_money(k->deals_known, k->won_value, v, sizeof v), NULL);
    card(f, "Average deal size", sl_rep_fmt_money(k->avg_deal_known, k->avg_deal, v, sizeof v), "mean of won deals");
    snprintf(n, sizeof n, "median %.1f days", k->median_cycle);
    card(f, "Average sales cycle", sl_rep_fmt_num(k->cycle_known, k->avg_cycle, v, sizeof v), k->cycle_known ? n : NULL);
    snprintf(n, sizeof n, "%ld of %ld leads", k->leads_converted, k->leads);
    card(f, "Lead-to-deal conversion", sl_rep_fmt_pct(k->leads_known && k->leads, 100 * k->lead_conversion, v, sizeof v),
         k->leads_known ? n : NULL);
    snprintf(n, sizeof n, "%ld of %ld customers, %d days", k->churned, k->churn_base, r->opts.churn_days);
    card(f, "Churn rate", sl_rep_fmt_pct(k->churn_known, 100 * k->churn_rate, v, sizeof v), k->churn_known ? n : NULL);
    fputs("</section>\n", f);
}

/* ---- charts -------------------------------------------------------------------- */

typedef char month_label[8];

/* Month labels "2024-01" for r->months[lo .. lo + n) and `extra` more
 * months; *ptrs points at each. Both arrays are the caller's to free. */
static month_label *month_labels(const sl_report *r, size_t lo, size_t n, size_t extra, const char ***ptrs)
{
    month_label *buf = calloc(n + extra + 1, sizeof *buf);
    *ptrs = calloc(n + extra + 1, sizeof **ptrs);
    if (!buf || !*ptrs) {
        free(buf);
        free(*ptrs);
        *ptrs = NULL;
        return NULL;
    }
    int first = n ? r->months[lo].month : 0;
    for (size_t i = 0; i < n + extra; i++) {
        sl_rep_month_format(first + (int)i, buf[i]);
        (*ptrs)[i] = buf[i];
    }
    return buf;
}

static void monthly_chart(const sl_report *r, FILE *f)
{
    size_t n = r->nmonths;
    const char **labels = NULL;
    month_label *buf = month_labels(r, 0, n, 0, &labels);
    double *rev = calloc(n + 1, sizeof *rev), *mar = calloc(n + 1, sizeof *mar);
    int by_revenue = r->series_basis && strcmp(r->series_basis, "revenue") == 0;
    if (buf && rev && mar) {
        for (size_t i = 0; i < n; i++) {
            rev[i] = sl_dec_to_double(by_revenue ? r->months[i].revenue : r->months[i].won_value);
            mar[i] = sl_dec_to_double(r->months[i].margin);
        }
        sl_svg_series s[2] = {{by_revenue ? "Revenue" : "Won deal value", by_revenue ? "#3182ce" : "#805ad5", rev, 0},
                              {"Gross margin", "#38a169", mar, 0}};
        size_t ns = by_revenue && r->k.margin_known ? 2 : 1;
        sl_svg_bars(f, "chart-monthly", by_revenue ? "Revenue and gross margin by month" : "Won deal value by month",
                    labels, r->series_basis ? n : 0, s, ns);
    }
    free(rev);
    free(mar);
    free(labels);
    free(buf);
}

static void funnel_chart(const sl_report *r, FILE *f)
{
    sl_svg_hbar *rows = calloc(r->nfunnel + 1, sizeof *rows);
    char (*notes)[96] = calloc(r->nfunnel + 1, sizeof *notes);
    if (rows && notes) {
        for (size_t i = 0; i < r->nfunnel; i++) {
            const sl_rep_stage *s = &r->funnel[i];
            char x[SL_DEC_BUFSZ];
            snprintf(notes[i], sizeof notes[i], "%ld deals (%s), %s", s->deals, status_names[s->status],
                     sl_dec_format(s->amount, 2, x, sizeof x));
            rows[i] = (sl_svg_hbar){s->stage, notes[i], status_colors[s->status], (double)s->deals};
        }
        sl_svg_hbars(f, "chart-funnel", "Pipeline by stage (deals)", rows, r->nfunnel, 1);
    }
    free(rows);
    free(notes);
}

static void segment_chart(const sl_report *r, FILE *f)
{
    sl_svg_hbar rows[SL_REP_NSEGMENTS];
    char notes[SL_REP_NSEGMENTS][96];
    for (int i = 0; i < SL_REP_NSEGMENTS; i++) {
        const sl_rep_segment *s = &r->seg[i];
        char x[SL_DEC_BUFSZ];
        snprintf(notes[i], sizeof notes[i], "%ld customers, %s", s->customers, sl_dec_format(s->value, 2, x, sizeof x));
        rows[i] = (sl_svg_hbar){s->label, notes[i], segment_colors[i], (double)s->customers};
    }
    sl_svg_hbars(f, "chart-segments", "RFM segments (customers)", rows, r->seg_known ? SL_REP_NSEGMENTS : 0, 0);
}

/* History, the held-out months' backtest and the next months, on one axis. */
static void forecast_chart(const sl_report *r, FILE *f)
{
    const sl_rep_forecast *fc = &r->fc;
    size_t n = fc->ok ? fc->series_n : 0, all = n + SL_REP_HORIZON;
    const char **labels = NULL;
    month_label *buf = month_labels(r, fc->series_lo, n, SL_REP_HORIZON, &labels);
    double *hist = malloc(all * sizeof *hist), *bt = malloc(all * sizeof *bt), *next = malloc(all * sizeof *next);
    int by_revenue = r->series_basis && strcmp(r->series_basis, "revenue") == 0;
    if (buf && hist && bt && next) {
        for (size_t i = 0; i < all; i++) {
            const sl_rep_month *m = i < n ? &r->months[fc->series_lo + i] : NULL;
            hist[i] = m ? sl_dec_to_double(by_revenue ? m->revenue : m->won_value) : NAN;
            bt[i] = next[i] = NAN;
        }
        for (int h = 0; n && h < SL_REP_HORIZON; h++) {
            bt[n - SL_REP_HORIZON + (size_t)h] = fc->backtest[h];
            next[n + (size_t)h] = fc->value[h];
        }
        if (n)
            next[n - 1] = hist[n - 1]; /* the forecast line starts at the last actual month */
        sl_svg_series s[3] = {{"Actual", "#2b6cb0", hist, 0},
                              {"Backtest (held out)", "#d69e2e", bt, 1},
                              {"Forecast", "#c53030", next, 1}};
        sl_svg_lines(f, "chart-forecast", "Forecast of the next 3 months", labels, n ? all : 0, s, 3);
    }
    free(hist);
    free(bt);
    free(next);
    free(labels);
    free(buf);
}

/* ---- tables ---------------------------------------------------------------------- */

static void td(FILE *f, const char *s)
{
    fputs("<td>", f);
    text(f, s);
    fputs("</td>", f);
}

static void breakdown_table(const sl_report *r, int kind, FILE *f)
{
    const sl_rep_breakdown *b = &r->by[kind];
    fprintf(f, "<h3>By %s</h3>\n<table id=\"by-%s\"><tr><th>%s</th>", sl_rep_by_names[kind], sl_rep_by_names[kind],
            sl_rep_by_names[kind]);
    if (b->orders_apply)
        fputs("<th>Orders</th><th>Revenue</th><th>Gross margin</th>", f);
    if (b->deals_apply)
        fputs("<th>Won</th><th>Lost</th><th>Won value</th><th>Win rate</th>", f);
    fputs("</tr>\n", f);
    for (size_t i = 0; i < b->n; i++) {
        const sl_rep_group *g = &b->v[i];
        char x[SL_DEC_BUFSZ], y[SL_DEC_BUFSZ], z[32];
        fputs("<tr>", f);
        td(f, g->key);
        if (b->orders_apply)
            fprintf(f, "<td>%ld</td><td>%s</td><td>%s</td>", g->orders, sl_dec_format(g->revenue, 2, x, sizeof x),
                    sl_rep_fmt_money(g->nmargin > 0, g->margin, y, sizeof y));
        if (b->deals_apply)
            fprintf(f, "<td>%ld</td><td>%ld</td><td>%s</td><td>%s</td>", g->won, g->lost,
                    sl_dec_format(g->won_value, 2, x, sizeof x),
                    sl_rep_fmt_pct(g->won + g->lost > 0, g->won + g->lost ? 100.0 * g->won / (g->won + g->lost) : 0, z,
                                   sizeof z));
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void segment_table(const sl_report *r, FILE *f)
{
    if (!r->seg_known) {
        fputs("<p class=\"na\">No dated orders or won deals with a customer: no segments.</p>\n", f);
        return;
    }
    fprintf(f, "<p class=\"meta\">%ld customers scored from %s.</p>\n<table id=\"segments\"><tr><th>Segment</th>"
               "<th>Customers</th><th>%s</th><th>Value</th><th>Avg M score</th></tr>\n",
            r->seg_customers, strcmp(r->seg_basis, "orders") == 0 ? "orders" : "won deals",
            strcmp(r->seg_basis, "orders") == 0 ? "Orders" : "Deals");
    for (int i = 0; i < SL_REP_NSEGMENTS; i++) {
        const sl_rep_segment *s = &r->seg[i];
        char x[SL_DEC_BUFSZ], m[32] = "";
        if (s->customers)
            snprintf(m, sizeof m, "%.2f", (double)s->m_sum / (double)s->customers);
        fputs("<tr>", f);
        td(f, s->label);
        fprintf(f, "<td>%ld</td><td>%ld</td><td>%s</td><td>%s</td></tr>\n", s->customers, s->actions,
                sl_dec_format(s->value, 2, x, sizeof x), m);
    }
    fputs("</table>\n", f);
}

static void forecast_tables(const sl_report *r, FILE *f)
{
    const sl_rep_forecast *fc = &r->fc;
    if (!fc->ok) {
        fputs("<p class=\"na\">No forecast: ", f);
        text(f, fc->reason);
        fputs(".</p>\n", f);
        return;
    }
    char m[8], p[32];
    fprintf(f, "<p class=\"meta\">Method: <b>%s</b> on monthly %s. ", fc->method,
            strcmp(r->series_basis, "revenue") == 0 ? "revenue" : "won deal value");
    if (strcmp(fc->method, "holt-winters-additive") == 0)
        fprintf(f, "Season 12 months, alpha %.1f, beta %.1f, gamma %.1f chosen by the smallest one-step error. ",
                fc->alpha, fc->beta, fc->gamma);
    else if (strcmp(fc->method, "linear-trend-quarterly") == 0)
        fputs("Least-squares linear trend plus a level for each month's place in its quarter "
              "(fewer than 24 months to fit a yearly season). ",
              f);
    else
        fputs("Least-squares linear trend (fewer than 6 months to fit a season). ", f);
    fprintf(f, "Backtest: the last %d months held out and forecast from the months before them: "
               "<b id=\"forecast-error\">MAE %.2f, MAPE %s</b>.</p>\n",
            fc->holdout, fc->mae, sl_rep_fmt_pct(fc->mape_known, fc->mape, p, sizeof p));
    if (fc->partial_month >= 0) {
        sl_rep_month_format(fc->partial_month, m);
        fprintf(f, "<p class=\"meta\">%s is still in progress (its data ends before the month does): it is left out "
                   "of the fit and forecast in full.</p>\n",
                m);
    }
    fputs("<table id=\"forecast\"><tr><th>Month</th><th>Forecast</th></tr>\n", f);
    for (int h = 0; h < SL_REP_HORIZON; h++) {
        sl_rep_month_format(fc->month[h], m);
        fprintf(f, "<tr><td>%s</td><td>%.2f</td></tr>\n", m, fc->value[h]);
    }
    fputs("</table>\n<table id=\"backtest\"><tr><th>Held-out month</th><th>Actual</th><th>Backtest forecast</th>"
          "<th>Error</th></tr>\n",
          f);
    for (int h = 0; h < SL_REP_HORIZON; h++) {
        sl_rep_month_format(fc->backtest_month[h], m);
        fprintf(f, "<tr><td>%s</td><td>%.2f</td><td>%.2f</td><td>%.2f</td></tr>\n", m, fc->actual[h], fc->backtest[h],
                fc->backtest[h] - fc->actual[h]);
    }
    fputs("</table>\n", f);
}

int sl_rep_write_html(const sl_report *r, FILE *f)
{
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Sales report: ", f);
    text(f, r->opts.db_path);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);
    header_html(r, f);
    kpi_cards(r, f);
    fputs("<h2>Revenue and margin by month</h2>\n", f);
    monthly_chart(r, f);
    fputs("<h2>Pipeline by stage</h2>\n", f);
    funnel_chart(r, f);
    fputs("<h2>RFM segments</h2>\n", f);
    segment_chart(r, f);
    segment_table(r, f);
    fputs("<h2>Forecast</h2>\n", f);
    forecast_chart(r, f);
    forecast_tables(r, f);
    fputs("<h2>Breakdowns</h2>\n", f);
    for (int k = 0; k < SL_REP_NBY; k++)
        if (r->by[k].wanted)
            breakdown_table(r, k, f);
    fputs("<footer>Generated by sluice report. KPI definitions, the RFM grid and the forecast method: "
          "docs/report.md in the sluice sources.</footer>\n</body>\n</html>\n",
          f);
    return ferror(f) ? -1 : 0;
}
