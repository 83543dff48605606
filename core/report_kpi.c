/* report_kpi.c - the headline KPIs of `sluice report` (definitions in
 * docs/report.md). Orders count by their created date, won and lost deals
 * by their close date, open deals by their latest date, leads by their
 * created date; --from/--to bound each of those. */
#include <stdlib.h>
#include <string.h>

#include "report_model.h"

static int overflow(const char *what)
{
    fprintf(stderr, "sluice: report: %s overflows the decimal range\n", what);
    return -1;
}

static void widen(sl_rep_kpis *k, int day)
{
    if (day == SL_REP_NODAY)
        return;
    if (k->first_day == SL_REP_NODAY || day < k->first_day)
        k->first_day = day;
    if (k->last_day == SL_REP_NODAY || day > k->last_day)
        k->last_day = day;
}

/* The revenue of an order: its total, else the sum of its lines. */
static sl_dec order_revenue(const sl_rep_order *o)
{
    sl_dec zero = {0, 0};
    return o->has_total ? o->total : o->nlines ? o->line_revenue : zero;
}

static int order_kpis(sl_report *r)
{
    sl_rep_kpis *k = &r->k;
    const sl_rep_data *d = r->data;
    long nmargin = 0;
    k->orders_known = d->have_orders;
    for (size_t i = 0; i < d->norders; i++) {
        const sl_rep_order *o = &d->orders[i];
        if (!o->counted || !sl_rep_in_range(&r->opts, o->day))
            continue;
        k->orders++;
        widen(k, o->day);
        if (sl_dec_add(&k->revenue, order_revenue(o)) != 0 || sl_dec_add(&k->units, o->units) != 0)
            return overflow("revenue");
        if (o->nmargin) {
            nmargin++;
            if (sl_dec_add(&k->margin, o->margin) != 0 || sl_dec_add(&k->margin_revenue, o->margin_revenue) != 0)
                return overflow("gross margin");
        }
    }
    k->aov_known = k->orders > 0 && sl_dec_div_int(k->revenue, k->orders, 2, &k->aov) == 0;
    k->margin_known = nmargin > 0;
    if (k->margin_known && !sl_dec_is_zero(k->margin_revenue))
        k->margin_pct = 100.0 * sl_dec_ratio(k->margin, k->margin_revenue);
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Average and median of the won deals' cycles; `days` is reordered. */
static void cycle_stats(sl_rep_kpis *k, double *days, size_t n)
{
    k->ncycle = (long)n;
    k->cycle_known = n > 0;
    if (!n)
        return;
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += days[i];
    k->avg_cycle = sum / (double)n;
    qsort(days, n, sizeof *days, cmp_double);
    k->median_cycle = n % 2 ? days[n / 2] : (days[n / 2 - 1] + days[n / 2]) / 2.0;
}

/* Adds a won, lost or open deal; `days` collects the won deals' cycles. */
static int count_deal(sl_report *r, const sl_rep_deal *x, double *days, size_t *ndays)
{
    sl_rep_kpis *k = &r->k;
    if (x->status == SL_DEAL_OPEN) {
        if (!sl_rep_in_range(&r->opts, x->active_day))
            return 0;
        k->open++;
        return x->has_amount && sl_dec_add(&k->pipeline_value, x->amount) != 0 ? overflow("pipeline value") : 0;
    }
    if (!sl_rep_in_range(&r->opts, x->closed_day))
        return 0;
    if (x->status == SL_DEAL_LOST) {
        k->lost++;
        return 0;
    }
    k->won++;
    if (x->has_cycle)
        days[(*ndays)++] = x->cycle_days;
    if (!x->has_amount)
        return 0;
    k->won_with_amount++;
    return sl_dec_add(&k->won_value, x->amount) != 0 ? overflow("won deal value") : 0;
}

static int deal_kpis(sl_report *r)
{
    sl_rep_kpis *k = &r->k;
    const sl_rep_data *d = r->data;
    k->deals_known = d->have_deals;
    double *days = malloc((d->ndeals ? d->ndeals : 1) * sizeof *days);
    if (!days) {
        fputs("sluice: report: out of memory\n", stderr);
        return -1;
    }
    size_t ndays = 0;
    for (size_t i = 0; i < d->ndeals; i++) {
        if (count_deal(r, &d->deals[i], days, &ndays) != 0) {
            free(days);
            return -1;
        }
    }
    cycle_stats(k, days, ndays);
    free(days);
    k->win_rate_known = k->won + k->lost > 0;
    if (k->win_rate_known)
        k->win_rate = (double)k->won / (double)(k->won + k->lost);
    k->avg_deal_known = k->won_with_amount > 0 && sl_dec_div_int(k->won_value, k->won_with_amount, 2, &k->avg_deal) == 0;
    if (k->orders == 0) /* the period shown: the closed deals' when there are no orders */
        for (size_t i = 0; i < d->ndeals; i++)
            if (d->deals[i].status != SL_DEAL_OPEN && sl_rep_in_range(&r->opts, d->deals[i].closed_day))
                widen(k, d->deals[i].closed_day);
    return 0;
}

static void lead_kpis(sl_report *r)
{
    sl_rep_kpis *k = &r->k;
    const sl_rep_data *d = r->data;
    k->leads_known = d->have_leads;
    for (size_t i = 0; i < d->nleads; i++) {
        if (!sl_rep_in_range(&r->opts, d->leads[i].day))
            continue;
        k->leads++;
        k->leads_converted += d->leads[i].converted != 0;
    }
    if (k->leads)
        k->lead_conversion = (double)k->leads_converted / (double)k->leads;
}

int sl_rep_kpis_compute(sl_report *r)
{
    r->k.first_day = r->k.last_day = r->k.as_of = SL_REP_NODAY;
    if (order_kpis(r) != 0 || deal_kpis(r) != 0)
        return -1;
    lead_kpis(r);
    return 0;
}
