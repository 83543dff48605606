/* report_text.c - `sluice report` as text for a terminal: the KPIs, the
 * breakdowns as aligned tables, the segments, the pipeline and the
 * forecast. "n/a" marks what the warehouse has no data for. */
#include <string.h>

#include "report_fmt.h"
#include "report_model.h"

/* Columns count characters, not bytes, so Cyrillic names line up. */
static size_t width(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

static void pad(FILE *f, const char *s, size_t w, int right)
{
    size_t n = width(s);
    if (right)
        for (; n < w; n++)
            fputc(' ', f);
    fputs(s, f);
    if (!right)
        for (; n < w; n++)
            fputc(' ', f);
}

static void line(FILE *f, const char *label, const char *value, const char *note)
{
    fputs("  ", f);
    pad(f, label, 26, 0);
    fputs(value, f);
    if (note && *note)
        fprintf(f, "  (%s)", note);
    fputc('\n', f);
}

static void header(const sl_report *r, FILE *f)
{
    char p[128];
    fprintf(f, "Sales report: %s\n", r->opts.db_path);
    fprintf(f, "Period: %s\n", sl_rep_fmt_period(r, p, sizeof p));
    const sl_rep_data *d = r->data;
    if (d->ncurrencies) {
        fputs(d->ncurrencies > 1 ? "Currencies (mixed, summed as they are):" : "Currency:", f);
        for (size_t i = 0; i < d->ncurrencies; i++)
            fprintf(f, " %s", d->currencies[i]);
        fputc('\n', f);
    }
    fputs("Tables:", f);
    const char *names[] = {"orders", "order_lines", "deals", "leads", "customers", "companies"};
    const int have[] = {d->have_orders, d->have_lines, d->have_deals, d->have_leads, d->have_customers,
                        d->have_companies};
    for (int i = 0; i < 6; i++)
        fprintf(f, " %s%s", names[i], have[i] ? "" : " (missing)");
    fputc('\n', f);
    if (d->bad_amounts)
        fprintf(f, "Warning: %ld money values are not decimal numbers and were left out\n", d->bad_amounts);
}

static void order_lines_text(const sl_report *r, FILE *f)
{
    const sl_rep_kpis *k = &r->k;
    char v[80], n[120];
    line(f, "Revenue", sl_rep_fmt_money(k->orders_known, k->revenue, v, sizeof v), NULL);
    line(f, "Orders", sl_rep_fmt_long(k->orders_known, k->orders, v, sizeof v), NULL);
    line(f, "Average order value", sl_rep_fmt_money(k->aov_known, k->aov, v, sizeof v), NULL);
    line(f, "Units sold", sl_rep_fmt_qty(k->orders_known && r->data->have_lines, k->units, v, sizeof v), NULL);
    line(f, "Gross margin", sl_rep_fmt_money(k->margin_known, k->margin, v, sizeof v), NULL);
    snprintf(n, sizeof n, "of the revenue of the lines with a known cost");
    line(f, "Margin %", sl_rep_fmt_pct(k->margin_known && !sl_dec_is_zero(k->margin_revenue), k->margin_pct, v, sizeof v),
         k->margin_known ? n : NULL);
}

static void deal_lines_text(const sl_report *r, FILE *f)
{
    const sl_rep_kpis *k = &r->k;
    char v[80], n[160], x[SL_DEC_BUFSZ];
    line(f, "Won deals", sl_rep_fmt_long(k->deals_known, k->won, v, sizeof v), NULL);
    line(f, "Lost deals", sl_rep_fmt_long(k->deals_known, k->lost, v, sizeof v), NULL);
    snprintf(n, sizeof n, "pipeline value %s", sl_dec_format(k->pipeline_value, 2, x, sizeof x));
    line(f, "Open deals", sl_rep_fmt_long(k->deals_known, k->open, v, sizeof v), k->deals_known ? n : NULL);
    line(f, "Win rate", sl_rep_fmt_pct(k->win_rate_known, 100 * k->win_rate, v, sizeof v), "won / (won + lost)");
    line(f, "Won deal value", sl_rep_fmt_money(k->deals_known, k->won_value, v, sizeof v), NULL);
    line(f, "Average deal size", sl_rep_fmt_money(k->avg_deal_known, k->avg_deal, v, sizeof v), "mean of won deals");
    snprintf(n, sizeof n, "over %ld won deals", k->ncycle);
    line(f, "Average sales cycle, days", sl_rep_fmt_num(k->cycle_known, k->avg_cycle, v, sizeof v),
         k->cycle_known ? n : NULL);
    line(f, "Median sales cycle, days", sl_rep_fmt_num(k->cycle_known, k->median_cycle, v, sizeof v), NULL);
    snprintf(n, sizeof n, "%ld of %ld leads", k->leads_converted, k->leads);
    line(f, "Lead-to-deal conversion", sl_rep_fmt_pct(k->leads_known && k->leads, 100 * k->lead_conversion, v, sizeof v),
         k->leads_known ? n : NULL);
    char d[16];
    snprintf(n, sizeof n, "%ld of %ld customers; no order in the %d days to %s", k->churned, k->churn_base,
             r->opts.churn_days, sl_rep_fmt_day(k->as_of, d, sizeof d, "?"));
    line(f, "Churn rate", sl_rep_fmt_pct(k->churn_known, 100 * k->churn_rate, v, sizeof v),
         k->as_of != SL_REP_NODAY && r->data->have_orders ? n : NULL);
}

/* One breakdown as a table; columns that do not apply are left out. */
static void breakdown_text(const sl_report *r, int kind, FILE *f)
{
    const sl_rep_breakdown *b = &r->by[kind];
    fprintf(f, "\nBy %s\n", sl_rep_by_names[kind]);
    if (!b->n) {
        fputs("  (no data)\n", f);
        return;
    }
    size_t kw = width(sl_rep_by_names[kind]);
    for (size_t i = 0; i < b->n; i++)
        kw = width(b->v[i].key) > kw ? width(b->v[i].key) : kw;
    fputs("  ", f);
    pad(f, sl_rep_by_names[kind], kw, 0);
    if (b->orders_apply)
        fprintf(f, " %8s %16s %14s", "orders", "revenue", "margin");
    if (b->deals_apply)
        fprintf(f, " %6s %6s %16s %9s", "won", "lost", "won value", "win rate");
    fputc('\n', f);
    for (size_t i = 0; i < b->n; i++) {
        const sl_rep_group *g = &b->v[i];
        char x[SL_DEC_BUFSZ], y[SL_DEC_BUFSZ], z[32];
        fputs("  ", f);
        pad(f, g->key, kw, 0);
        if (b->orders_apply)
            fprintf(f, " %8ld %16s %14s", g->orders, sl_dec_format(g->revenue, 2, x, sizeof x),
                    sl_rep_fmt_money(g->nmargin > 0, g->margin, y, sizeof y));
        if (b->deals_apply)
            fprintf(f, " %6ld %6ld %16s %9s", g->won, g->lost, sl_dec_format(g->won_value, 2, x, sizeof x),
                    sl_rep_fmt_pct(g->won + g->lost > 0, g->won + g->lost ? 100.0 * g->won / (g->won + g->lost) : 0, z,
                                   sizeof z));
        fputc('\n', f);
    }
}

static void segments_text(const sl_report *r, FILE *f)
{
    if (!r->seg_known) {
        fputs("\nRFM segments: n/a (no dated orders or won deals with a customer)\n", f);
        return;
    }
    fprintf(f, "\nRFM segments (%ld customers, from %s)\n", r->seg_customers,
            strcmp(r->seg_basis, "orders") == 0 ? "orders" : "won deals");
    for (int i = 0; i < SL_REP_NSEGMENTS; i++) {
        const sl_rep_segment *s = &r->seg[i];
        char x[SL_DEC_BUFSZ];
        fputs("  ", f);
        pad(f, s->label, 22, 0);
        fprintf(f, " %8ld customers %8ld %s %16s\n", s->customers, s->actions,
                strcmp(r->seg_basis, "orders") == 0 ? "orders" : "deals ", sl_dec_format(s->value, 2, x, sizeof x));
    }
}

static void funnel_text(const sl_report *r, FILE *f)
{
    if (!r->data->have_deals)
        return;
    fputs("\nPipeline by stage\n", f);
    if (!r->nfunnel)
        fputs("  (no deals)\n", f);
    static const char *const st[] = {"open", "won", "lost"};
    for (size_t i = 0; i < r->nfunnel; i++) {
        const sl_rep_stage *s = &r->funnel[i];
        char x[SL_DEC_BUFSZ];
        fputs("  ", f);
        pad(f, s->stage, 22, 0);
        fprintf(f, " %-5s %8ld deals %16s\n", st[s->status], s->deals, sl_dec_format(s->amount, 2, x, sizeof x));
    }
}

static void forecast_text(const sl_report *r, FILE *f)
{
    const sl_rep_forecast *fc = &r->fc;
    if (!fc->ok) {
        fprintf(f, "\nForecast: n/a (%s)\n", fc->reason);
        return;
    }
    char m[8], a[8], v[32];
    fprintf(f, "\nForecast of %s, next %d months (%s)\n",
            strcmp(r->series_basis, "revenue") == 0 ? "revenue" : "won deal value", SL_REP_HORIZON, fc->method);
    for (int h = 0; h < SL_REP_HORIZON; h++) {
        sl_rep_month_format(fc->month[h], m);
        fprintf(f, "  %s %16.2f\n", m, fc->value[h]);
    }
    sl_rep_month_format(fc->backtest_month[0], m);
    sl_rep_month_format(fc->backtest_month[SL_REP_HORIZON - 1], a);
    fprintf(f, "  backtest on %s..%s held out: MAE %.2f, MAPE %s\n", m, a, fc->mae,
            sl_rep_fmt_pct(fc->mape_known, fc->mape, v, sizeof v));
    if (fc->partial_month >= 0) {
        sl_rep_month_format(fc->partial_month, m);
        fprintf(f, "  %s is still in progress: left out of the fit, forecast in full\n", m);
    }
}

int sl_rep_write_text(const sl_report *r, FILE *f)
{
    header(r, f);
    fputs("\nKPIs\n", f);
    order_lines_text(r, f);
    deal_lines_text(r, f);
    for (int k = 0; k < SL_REP_NBY; k++)
        if (r->by[k].wanted)
            breakdown_text(r, k, f);
    segments_text(r, f);
    funnel_text(r, f);
    forecast_text(r, f);
    return ferror(f) ? -1 : 0;
}
