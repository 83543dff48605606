/* report_group.c - the --by breakdowns, the monthly series behind the charts
 * and the forecast, and the pipeline funnel by stage.
 *
 * Orders fall in a group by their created date and customer; won and lost
 * deals by their close date, owner, company sector and customer. A measure
 * that cannot be attributed (orders carry no owner) is left out of that
 * breakdown rather than shown as zero. */
#include <stdlib.h>
#include <string.h>

#include "report_model.h"

const char *const sl_rep_by_names[SL_REP_NBY] = {"month", "owner", "segment", "sector"};

static int oom(void)
{
    fputs("sluice: report: out of memory or decimal overflow\n", stderr);
    return -1;
}

/* ---- groups ------------------------------------------------------------------ */

/* The group named `key` in b (kept sorted by key), created when new. */
static sl_rep_group *group_get(sl_rep_breakdown *b, const char *key)
{
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(b->v[mid].key, key);
        if (c == 0)
            return &b->v[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        sl_rep_group *v = realloc(b->v, cap * sizeof *v);
        if (!v)
            return NULL;
        b->v = v;
        b->cap = cap;
    }
    char *k = strdup(key);
    if (!k)
        return NULL;
    memmove(&b->v[lo + 1], &b->v[lo], (b->n - lo) * sizeof *b->v);
    b->v[lo] = (sl_rep_group){.key = k};
    b->n++;
    return &b->v[lo];
}

static const char *month_key(int day, char buf[8])
{
    if (day == SL_REP_NODAY)
        return "(no date)";
    sl_rep_month_format(sl_rep_day_month(day), buf);
    return buf;
}

/* The group of an order; NULL when `kind` does not apply to orders. */
static const char *order_key(const sl_report *r, int kind, const sl_rep_order *o, char buf[8])
{
    const char *s;
    switch (kind) {
    case SL_REP_BY_MONTH: return month_key(o->day, buf);
    case SL_REP_BY_SEGMENT: return (s = sl_rep_segment_of(r, o->customer)) ? s : "(unsegmented)";
    case SL_REP_BY_SECTOR: return o->sector ? o->sector : "(unknown)";
    default: return NULL;
    }
}

static const char *deal_key(const sl_report *r, int kind, const sl_rep_deal *x, char buf[8])
{
    const char *s;
    switch (kind) {
    case SL_REP_BY_MONTH: return month_key(x->closed_day, buf);
    case SL_REP_BY_OWNER: return x->owner ? x->owner : "(none)";
    case SL_REP_BY_SEGMENT: return (s = sl_rep_segment_of(r, x->customer)) ? s : "(unsegmented)";
    case SL_REP_BY_SECTOR: return x->sector ? x->sector : "(unknown)";
    default: return NULL;
    }
}

static int add_order(sl_rep_group *g, const sl_rep_order *o)
{
    sl_dec zero = {0, 0};
    g->orders++;
    if (sl_dec_add(&g->revenue, o->has_total ? o->total : o->nlines ? o->line_revenue : zero) != 0)
        return -1;
    if (!o->nmargin)
        return 0;
    g->nmargin++;
    return sl_dec_add(&g->margin, o->margin);
}

static int add_deal(sl_rep_group *g, const sl_rep_deal *x)
{
    if (x->status == SL_DEAL_LOST) {
        g->lost++;
        return 0;
    }
    g->won++;
    return x->has_amount ? sl_dec_add(&g->won_value, x->amount) : 0;
}

static int group_cmp(const void *a, const void *b)
{
    const sl_rep_group *x = a, *y = b;
    int c = sl_dec_cmp(y->revenue, x->revenue);
    if (!c)
        c = sl_dec_cmp(y->won_value, x->won_value);
    return c ? c : strcmp(x->key, y->key);
}

static int fill_breakdown(sl_report *r, int kind)
{
    const sl_rep_data *d = r->data;
    sl_rep_breakdown *b = &r->by[kind];
    char buf[8];
    b->orders_apply = d->have_orders && kind != SL_REP_BY_OWNER;
    b->deals_apply = d->have_deals && (kind != SL_REP_BY_SEGMENT || r->seg_known);
    for (size_t i = 0; b->orders_apply && i < d->norders; i++) {
        const sl_rep_order *o = &d->orders[i];
        if (!o->counted || !sl_rep_in_range(&r->opts, o->day))
            continue;
        sl_rep_group *g = group_get(b, order_key(r, kind, o, buf));
        if (!g || add_order(g, o) != 0)
            return oom();
    }
    for (size_t i = 0; b->deals_apply && i < d->ndeals; i++) {
        const sl_rep_deal *x = &d->deals[i];
        if (x->status == SL_DEAL_OPEN || !sl_rep_in_range(&r->opts, x->closed_day))
            continue;
        sl_rep_group *g = group_get(b, deal_key(r, kind, x, buf));
        if (!g || add_deal(g, x) != 0)
            return oom();
    }
    if (kind != SL_REP_BY_MONTH && b->n) /* months stay in calendar order */
        qsort(b->v, b->n, sizeof *b->v, group_cmp);
    return 0;
}

/* ---- the monthly series ---------------------------------------------------------- */

static void month_extent(const sl_report *r, int *lo, int *hi)
{
    const sl_rep_data *d = r->data;
    *lo = INT_MAX;
    *hi = INT_MIN;
    for (size_t i = 0; i < d->norders; i++) {
        const sl_rep_order *o = &d->orders[i];
        if (o->counted && o->day != SL_REP_NODAY && sl_rep_in_range(&r->opts, o->day)) {
            int m = sl_rep_day_month(o->day);
            *lo = m < *lo ? m : *lo;
            *hi = m > *hi ? m : *hi;
        }
    }
    for (size_t i = 0; i < d->ndeals; i++) {
        const sl_rep_deal *x = &d->deals[i];
        if (x->status != SL_DEAL_OPEN && x->closed_day != SL_REP_NODAY && sl_rep_in_range(&r->opts, x->closed_day)) {
            int m = sl_rep_day_month(x->closed_day);
            *lo = m < *lo ? m : *lo;
            *hi = m > *hi ? m : *hi;
        }
    }
}

static int fill_months(sl_report *r)
{
    const sl_rep_data *d = r->data;
    int lo, hi;
    month_extent(r, &lo, &hi);
    if (lo > hi)
        return 0;
    r->nmonths = (size_t)(hi - lo + 1);
    if (!(r->months = calloc(r->nmonths, sizeof *r->months)))
        return oom();
    for (size_t i = 0; i < r->nmonths; i++)
        r->months[i].month = lo + (int)i;
    sl_dec zero = {0, 0};
    for (size_t i = 0; i < d->norders; i++) {
        const sl_rep_order *o = &d->orders[i];
        if (!o->counted || o->day == SL_REP_NODAY || !sl_rep_in_range(&r->opts, o->day))
            continue;
        sl_rep_month *m = &r->months[sl_rep_day_month(o->day) - lo];
        m->orders++;
        if (sl_dec_add(&m->revenue, o->has_total ? o->total : o->nlines ? o->line_revenue : zero) != 0 ||
            sl_dec_add(&m->margin, o->margin) != 0)
            return oom();
    }
    for (size_t i = 0; i < d->ndeals; i++) {
        const sl_rep_deal *x = &d->deals[i];
        if (x->status != SL_DEAL_WON || x->closed_day == SL_REP_NODAY || !sl_rep_in_range(&r->opts, x->closed_day))
            continue;
        sl_rep_month *m = &r->months[sl_rep_day_month(x->closed_day) - lo];
        m->won++;
        if (x->has_amount && sl_dec_add(&m->won_value, x->amount) != 0)
            return oom();
    }
    r->series_basis = r->k.orders > 0 ? "revenue" : r->k.won > 0 ? "won_value" : NULL;
    return 0;
}

/* ---- the funnel ------------------------------------------------------------------- */

typedef struct stage_acc {
    sl_rep_stage s;
    long by_status[3];
} stage_acc;

static int stage_cmp(const void *a, const void *b)
{
    const sl_rep_stage *x = a, *y = b;
    if (x->status != y->status)
        return x->status - y->status; /* open stages, then won, then lost */
    if (x->status == SL_DEAL_OPEN) {
        /* Stages whose deals are not engaged yet come first (Prospecting
         * before Engaging); otherwise the wider stage is the earlier one. */
        double ex = (double)x->engaged / (double)x->deals, ey = (double)y->engaged / (double)y->deals;
        if (ex != ey)
            return ex < ey ? -1 : 1;
    }
    if (x->deals != y->deals)
        return x->deals > y->deals ? -1 : 1;
    return strcmp(x->stage, y->stage);
}

static stage_acc *stage_get(stage_acc **v, size_t *n, size_t *cap, const char *name)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*v)[i].s.stage, name) == 0)
            return &(*v)[i];
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 16;
        stage_acc *p = realloc(*v, c * sizeof *p);
        if (!p)
            return NULL;
        *v = p;
        *cap = c;
    }
    char *s = strdup(name);
    if (!s)
        return NULL;
    (*v)[*n] = (stage_acc){.s = {.stage = s}};
    return &(*v)[(*n)++];
}

static int fill_funnel(sl_report *r)
{
    const sl_rep_data *d = r->data;
    stage_acc *v = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < d->ndeals; i++) {
        const sl_rep_deal *x = &d->deals[i];
        if (!sl_rep_in_range(&r->opts, x->active_day))
            continue;
        stage_acc *a = stage_get(&v, &n, &cap, x->stage ? x->stage : "(no stage)");
        if (!a || (x->has_amount && sl_dec_add(&a->s.amount, x->amount) != 0)) {
            for (size_t j = 0; j < n; j++)
                free(v[j].s.stage);
            free(v);
            return oom();
        }
        a->s.deals++;
        a->s.engaged += x->engaged != 0;
        a->by_status[x->status]++;
    }
    r->funnel = calloc(n ? n : 1, sizeof *r->funnel);
    for (size_t i = 0; i < n; i++) {
        long *c = v[i].by_status;
        v[i].s.status = c[SL_DEAL_WON] > c[SL_DEAL_OPEN] && c[SL_DEAL_WON] >= c[SL_DEAL_LOST] ? SL_DEAL_WON
                        : c[SL_DEAL_LOST] > c[SL_DEAL_OPEN]                                  ? SL_DEAL_LOST
                                                                                              : SL_DEAL_OPEN;
        if (r->funnel)
            r->funnel[i] = v[i].s;
        else
            free(v[i].s.stage);
    }
    free(v);
    if (!r->funnel)
        return oom();
    r->nfunnel = n;
    qsort(r->funnel, n, sizeof *r->funnel, stage_cmp);
    return 0;
}

int sl_rep_groups_compute(sl_report *r)
{
    for (int k = 0; k < SL_REP_NBY; k++)
        if (r->by[k].wanted && fill_breakdown(r, k) != 0)
            return -1;
    return fill_months(r) == 0 && fill_funnel(r) == 0 ? 0 : -1;
}
