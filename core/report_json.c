/* report_json.c - `sluice report --format json`.
 *
 * The top-level "kpis" object has exactly the keys of issue 6, in that
 * order, null where the warehouse lacks the data. Money is a decimal string
 * (exact), counts are integers, ratios (win_rate, lead_conversion,
 * churn_rate) are fractions from 0 to 1, margin_pct is a percentage, cycle
 * lengths are days. The layout is documented in docs/report.md. */
#include <math.h>
#include <string.h>

#include <jansson.h>

#include "report_model.h"

static json_t *jdec(sl_dec v)
{
    char buf[SL_DEC_BUFSZ];
    return json_string(sl_dec_format(v, 2, buf, sizeof buf));
}

static json_t *jdec_or_null(int known, sl_dec v)
{
    return known ? jdec(v) : json_null();
}

static json_t *jint_or_null(int known, long v)
{
    return known ? json_integer(v) : json_null();
}

static json_t *jreal_or_null(int known, double v)
{
    return known && isfinite(v) ? json_real(v) : json_null();
}

static json_t *jday(int day)
{
    char d[11];
    if (day == SL_REP_NODAY)
        return json_null();
    sl_rep_day_format(day, d);
    return json_string(d);
}

static json_t *jmonth(int month)
{
    char m[8];
    sl_rep_month_format(month, m);
    return json_string(m);
}

/* Forecast figures are estimates, not sums: numbers rounded to cents. */
static json_t *jcents(double v)
{
    return json_real(round(v * 100) / 100);
}

static json_t *kpis_json(const sl_report *r)
{
    const sl_rep_kpis *k = &r->k;
    json_t *o = json_object();
    json_object_set_new(o, "revenue", jdec_or_null(k->orders_known, k->revenue));
    json_object_set_new(o, "orders", jint_or_null(k->orders_known, k->orders));
    json_object_set_new(o, "avg_order_value", jdec_or_null(k->aov_known, k->aov));
    json_object_set_new(o, "gross_margin", jdec_or_null(k->margin_known, k->margin));
    json_object_set_new(o, "margin_pct", jreal_or_null(k->margin_known && !sl_dec_is_zero(k->margin_revenue), k->margin_pct));
    json_object_set_new(o, "deals_won", jint_or_null(k->deals_known, k->won));
    json_object_set_new(o, "deals_lost", jint_or_null(k->deals_known, k->lost));
    json_object_set_new(o, "win_rate", jreal_or_null(k->win_rate_known, k->win_rate));
    json_object_set_new(o, "avg_deal_size", jdec_or_null(k->avg_deal_known, k->avg_deal));
    json_object_set_new(o, "avg_cycle_days", jreal_or_null(k->cycle_known, k->avg_cycle));
    json_object_set_new(o, "median_cycle_days", jreal_or_null(k->cycle_known, k->median_cycle));
    json_object_set_new(o, "lead_conversion", jreal_or_null(k->leads_known && k->leads, k->lead_conversion));
    json_object_set_new(o, "churn_rate", jreal_or_null(k->churn_known, k->churn_rate));
    return o;
}

/* The counts behind the KPIs, for checking them and for what kpis lacks. */
static json_t *details_json(const sl_report *r)
{
    const sl_rep_kpis *k = &r->k;
    const sl_rep_data *d = r->data;
    json_t *o = json_object();
    char q[SL_DEC_BUFSZ];
    json_object_set_new(o, "units_sold", k->orders_known && d->have_lines
                                             ? json_string(sl_dec_format(k->units, 0, q, sizeof q))
                                             : json_null());
    json_object_set_new(o, "margin_revenue", jdec_or_null(k->margin_known, k->margin_revenue));
    json_object_set_new(o, "deals_open", jint_or_null(k->deals_known, k->open));
    json_object_set_new(o, "pipeline_value", jdec_or_null(k->deals_known, k->pipeline_value));
    json_object_set_new(o, "won_value", jdec_or_null(k->deals_known, k->won_value));
    json_object_set_new(o, "won_with_amount", jint_or_null(k->deals_known, k->won_with_amount));
    json_object_set_new(o, "cycle_deals", jint_or_null(k->deals_known, k->ncycle));
    json_object_set_new(o, "leads", jint_or_null(k->leads_known, k->leads));
    json_object_set_new(o, "leads_converted", jint_or_null(k->leads_known, k->leads_converted));
    json_object_set_new(o, "churn_base", jint_or_null(d->have_orders && k->as_of != SL_REP_NODAY, k->churn_base));
    json_object_set_new(o, "churned", jint_or_null(d->have_orders && k->as_of != SL_REP_NODAY, k->churned));
    json_object_set_new(o, "bad_amounts", json_integer(d->bad_amounts));
    return o;
}

static json_t *header_json(const sl_report *r)
{
    const sl_rep_data *d = r->data;
    json_t *o = json_object(), *cur = json_array(), *tables = json_object();
    json_object_set_new(o, "warehouse", json_string(r->opts.db_path));
    json_t *period = json_object();
    json_object_set_new(period, "from", jday(r->opts.from));
    json_object_set_new(period, "to", jday(r->opts.to));
    json_object_set_new(period, "first", jday(r->k.first_day));
    json_object_set_new(period, "last", jday(r->k.last_day));
    json_object_set_new(o, "period", period);
    json_object_set_new(o, "as_of", jday(r->k.as_of));
    json_object_set_new(o, "churn_days", json_integer(r->opts.churn_days));
    for (size_t i = 0; i < d->ncurrencies; i++)
        json_array_append_new(cur, json_string(d->currencies[i]));
    json_object_set_new(o, "currencies", cur);
    json_object_set_new(tables, "orders", json_boolean(d->have_orders));
    json_object_set_new(tables, "order_lines", json_boolean(d->have_lines));
    json_object_set_new(tables, "deals", json_boolean(d->have_deals));
    json_object_set_new(tables, "leads", json_boolean(d->have_leads));
    json_object_set_new(tables, "customers", json_boolean(d->have_customers));
    json_object_set_new(tables, "companies", json_boolean(d->have_companies));
    json_object_set_new(o, "tables", tables);
    return o;
}

static json_t *group_json(const sl_rep_breakdown *b, const sl_rep_group *g)
{
    json_t *o = json_object();
    int oa = b->orders_apply, da = b->deals_apply;
    json_object_set_new(o, "key", json_string(g->key));
    json_object_set_new(o, "orders", jint_or_null(oa, g->orders));
    json_object_set_new(o, "revenue", jdec_or_null(oa, g->revenue));
    json_object_set_new(o, "gross_margin", jdec_or_null(oa && g->nmargin > 0, g->margin));
    json_object_set_new(o, "deals_won", jint_or_null(da, g->won));
    json_object_set_new(o, "deals_lost", jint_or_null(da, g->lost));
    json_object_set_new(o, "won_value", jdec_or_null(da, g->won_value));
    json_object_set_new(o, "win_rate",
                        jreal_or_null(da && g->won + g->lost > 0, g->won + g->lost ? (double)g->won / (g->won + g->lost) : 0));
    return o;
}

static json_t *breakdowns_json(const sl_report *r)
{
    json_t *o = json_object();
    for (int k = 0; k < SL_REP_NBY; k++) {
        const sl_rep_breakdown *b = &r->by[k];
        if (!b->wanted)
            continue;
        json_t *rows = json_array();
        for (size_t i = 0; i < b->n; i++)
            json_array_append_new(rows, group_json(b, &b->v[i]));
        json_object_set_new(o, sl_rep_by_names[k], rows);
    }
    return o;
}

static json_t *segments_json(const sl_report *r)
{
    if (!r->seg_known)
        return json_null();
    json_t *o = json_object(), *groups = json_array();
    json_object_set_new(o, "basis", json_string(r->seg_basis));
    json_object_set_new(o, "customers", json_integer(r->seg_customers));
    for (int i = 0; i < SL_REP_NSEGMENTS; i++) {
        const sl_rep_segment *s = &r->seg[i];
        double m = s->customers ? (double)s->m_sum / (double)s->customers : 0;
        json_array_append_new(groups, json_pack("{s:s,s:s,s:I,s:I,s:o,s:o}", "segment", s->name, "label", s->label,
                                                "customers", (json_int_t)s->customers, "activities",
                                                (json_int_t)s->actions, "value", jdec(s->value), "avg_m_score",
                                                jreal_or_null(s->customers > 0, m)));
    }
    json_object_set_new(o, "groups", groups);
    return o;
}

static json_t *funnel_json(const sl_report *r)
{
    static const char *const st[] = {"open", "won", "lost"};
    if (!r->data->have_deals)
        return json_null();
    json_t *a = json_array();
    for (size_t i = 0; i < r->nfunnel; i++) {
        const sl_rep_stage *s = &r->funnel[i];
        json_array_append_new(a, json_pack("{s:s,s:s,s:I,s:o}", "stage", s->stage, "status", st[s->status], "deals",
                                           (json_int_t)s->deals, "amount", jdec(s->amount)));
    }
    return a;
}

static json_t *monthly_json(const sl_report *r)
{
    json_t *a = json_array();
    for (size_t i = 0; i < r->nmonths; i++) {
        const sl_rep_month *m = &r->months[i];
        json_array_append_new(a, json_pack("{s:o,s:I,s:o,s:o,s:I,s:o}", "month", jmonth(m->month), "orders",
                                           (json_int_t)m->orders, "revenue", jdec(m->revenue), "gross_margin",
                                           jdec(m->margin), "deals_won", (json_int_t)m->won, "won_value",
                                           jdec(m->won_value)));
    }
    return a;
}

static json_t *forecast_json(const sl_report *r)
{
    const sl_rep_forecast *fc = &r->fc;
    json_t *o = json_object();
    json_object_set_new(o, "basis", r->series_basis ? json_string(r->series_basis) : json_null());
    json_object_set_new(o, "method", fc->ok ? json_string(fc->method) : json_null());
    if (!fc->ok) {
        json_object_set_new(o, "reason", json_string(fc->reason));
        return o;
    }
    json_t *next = json_array(), *bt = json_array();
    for (int h = 0; h < SL_REP_HORIZON; h++) {
        json_array_append_new(next, json_pack("{s:o,s:o}", "month", jmonth(fc->month[h]), "value", jcents(fc->value[h])));
        json_array_append_new(bt, json_pack("{s:o,s:o,s:o}", "month", jmonth(fc->backtest_month[h]), "actual",
                                            jcents(fc->actual[h]), "forecast", jcents(fc->backtest[h])));
    }
    json_object_set_new(o, "months", next);
    json_object_set_new(o, "partial_month", fc->partial_month >= 0 ? jmonth(fc->partial_month) : json_null());
    json_t *b = json_object();
    json_object_set_new(b, "held_out", bt);
    json_object_set_new(b, "mae", jcents(fc->mae));
    json_object_set_new(b, "mape", jreal_or_null(fc->mape_known, round(fc->mape * 100) / 100));
    json_object_set_new(o, "backtest", b);
    if (strcmp(fc->method, "holt-winters-additive") == 0)
        json_object_set_new(o, "params", json_pack("{s:f,s:f,s:f,s:i}", "alpha", fc->alpha, "beta", fc->beta, "gamma",
                                                   fc->gamma, "season", 12));
    return o;
}

int sl_rep_write_json(const sl_report *r, FILE *f)
{
    json_t *root = header_json(r);
    json_object_set_new(root, "kpis", kpis_json(r));
    json_object_set_new(root, "details", details_json(r));
    json_object_set_new(root, "breakdowns", breakdowns_json(r));
    json_object_set_new(root, "segments", segments_json(r));
    json_object_set_new(root, "funnel", funnel_json(r));
    json_object_set_new(root, "monthly", monthly_json(r));
    json_object_set_new(root, "forecast", forecast_json(r));
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) == 0 && fputc('\n', f) != EOF ? 0 : -1;
    json_decref(root);
    return rc;
}
