/* report_rfm.c - churn and RFM segments (definitions in docs/report.md).
 *
 * Both work per customer on a list of dated "activities": counted orders
 * (the customer is customer_id, else the e-mail), or, in a warehouse without
 * orders, won deals (the customer is customer_id, else company_id, else the
 * company name). Scores are ranks, so ties always share a score and the
 * result never depends on the order rows were read in. */
#include <stdlib.h>
#include <string.h>

#include "report_model.h"

typedef struct act {
    const char *cust; /* borrowed from the data */
    int day;
    sl_dec value;
} act;

typedef struct cust {
    const char *key;
    int last;
    long freq;
    sl_dec value;
    double rv, fv, mv; /* recency (days, lower is better), frequency, monetary */
} cust;

/* The classic R x F grid (Champions top right, Hibernating bottom left). */
static const sl_rep_segment segment_table[SL_REP_NSEGMENTS] = {
    {"champions", "Champions", 5, 5, 4, 5, 0, 0, 0, {0, 0}},
    {"loyal", "Loyal customers", 3, 4, 4, 5, 0, 0, 0, {0, 0}},
    {"potential_loyalists", "Potential loyalists", 4, 5, 2, 3, 0, 0, 0, {0, 0}},
    {"new", "New customers", 5, 5, 1, 1, 0, 0, 0, {0, 0}},
    {"promising", "Promising", 4, 4, 1, 1, 0, 0, 0, {0, 0}},
    {"need_attention", "Need attention", 3, 3, 3, 3, 0, 0, 0, {0, 0}},
    {"about_to_sleep", "About to sleep", 3, 3, 1, 2, 0, 0, 0, {0, 0}},
    {"cant_lose", "Can't lose them", 1, 2, 5, 5, 0, 0, 0, {0, 0}},
    {"at_risk", "At risk", 1, 2, 3, 4, 0, 0, 0, {0, 0}},
    {"hibernating", "Hibernating", 1, 2, 1, 2, 0, 0, 0, {0, 0}},
};

static int segment_index(int rs, int fs)
{
    for (int i = 0; i < SL_REP_NSEGMENTS; i++) {
        const sl_rep_segment *s = &segment_table[i];
        if (rs >= s->r_lo && rs <= s->r_hi && fs >= s->f_lo && fs <= s->f_hi)
            return i;
    }
    return SL_REP_NSEGMENTS - 1; /* unreachable: the grid covers all 25 cells */
}

static int act_cmp(const void *a, const void *b)
{
    const act *x = a, *y = b;
    return strcmp(x->cust, y->cust);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Number of values in sorted s[0..n) below v (strict) or not above v. */
static size_t count_below(const double *s, size_t n, double v, int inclusive)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid] < v || (inclusive && s[mid] == v))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Scores 1..5: 1 + floor(5 * share of customers strictly worse). */
static int score(const double *sorted, size_t n, double v, int higher_better)
{
    size_t worse = higher_better ? count_below(sorted, n, v, 0) : n - count_below(sorted, n, v, 1);
    int s = 1 + (int)((5 * worse) / n);
    return s > 5 ? 5 : s;
}

/* ---- activities ---------------------------------------------------------- */

static void collect_orders(const sl_report *r, act *a, size_t *n, int upto, int use_range)
{
    const sl_rep_data *d = r->data;
    for (size_t i = 0; i < d->norders; i++) {
        const sl_rep_order *o = &d->orders[i];
        if (!o->counted || !o->customer || o->day == SL_REP_NODAY || o->day > upto)
            continue;
        if (use_range && !sl_rep_in_range(&r->opts, o->day))
            continue;
        sl_dec zero = {0, 0};
        a[(*n)++] = (act){o->customer, o->day, o->has_total ? o->total : o->nlines ? o->line_revenue : zero};
    }
}

static void collect_won_deals(const sl_report *r, act *a, size_t *n, int upto)
{
    const sl_rep_data *d = r->data;
    for (size_t i = 0; i < d->ndeals; i++) {
        const sl_rep_deal *x = &d->deals[i];
        if (x->status != SL_DEAL_WON || !x->customer || x->closed_day == SL_REP_NODAY || x->closed_day > upto ||
            !sl_rep_in_range(&r->opts, x->closed_day))
            continue;
        sl_dec zero = {0, 0};
        a[(*n)++] = (act){x->customer, x->closed_day, x->has_amount ? x->amount : zero};
    }
}

/* Folds sorted activities into customers; returns their number. */
static size_t fold(act *a, size_t n, cust *c)
{
    size_t nc = 0;
    for (size_t i = 0; i < n; i++) {
        if (nc == 0 || strcmp(c[nc - 1].key, a[i].cust) != 0)
            c[nc++] = (cust){.key = a[i].cust, .last = a[i].day};
        cust *x = &c[nc - 1];
        x->freq++;
        if (a[i].day > x->last)
            x->last = a[i].day;
        if (sl_dec_add(&x->value, a[i].value) != 0)
            x->value = a[i].value; /* only beyond 10^20: rank by the last one */
    }
    return nc;
}

/* ---- churn ---------------------------------------------------------------- */

static int newest_order_day(const sl_report *r)
{
    int best = SL_REP_NODAY;
    const sl_rep_data *d = r->data;
    for (size_t i = 0; i < d->norders; i++) {
        const sl_rep_order *o = &d->orders[i];
        if (o->counted && o->day != SL_REP_NODAY && (r->opts.to == SL_REP_NODAY || o->day <= r->opts.to) &&
            o->day > best)
            best = o->day;
    }
    return best;
}

/* Customers who ordered on or before as_of - N, and which of them did not
 * order in the N days (as_of - N, as_of]. --from does not apply: churn
 * needs the history before the window. */
static void churn(sl_report *r, act *a)
{
    sl_rep_kpis *k = &r->k;
    if (!r->data->have_orders || k->as_of == SL_REP_NODAY)
        return;
    size_t n = 0;
    collect_orders(r, a, &n, k->as_of, 0);
    qsort(a, n, sizeof *a, act_cmp);
    int edge = k->as_of - r->opts.churn_days;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        int before = 0, recent = 0;
        for (; j < n && strcmp(a[j].cust, a[i].cust) == 0; j++) {
            before |= a[j].day <= edge;
            recent |= a[j].day > edge;
        }
        k->churn_base += before;
        k->churned += before && !recent;
        i = j;
    }
    k->churn_known = k->churn_base > 0;
    if (k->churn_known)
        k->churn_rate = (double)k->churned / (double)k->churn_base;
}

/* ---- segments -------------------------------------------------------------- */

static int score_customers(sl_report *r, cust *c, size_t nc, int ref)
{
    double *sr = malloc(nc * sizeof *sr), *sf = malloc(nc * sizeof *sf), *sm = malloc(nc * sizeof *sm);
    r->cust_keys = malloc(nc * sizeof *r->cust_keys);
    r->cust_seg = malloc(nc);
    int rc = -1;
    if (sr && sf && sm && r->cust_keys && r->cust_seg) {
        for (size_t i = 0; i < nc; i++) {
            c[i].rv = sr[i] = (double)(ref - c[i].last);
            c[i].fv = sf[i] = (double)c[i].freq;
            c[i].mv = sm[i] = sl_dec_to_double(c[i].value);
        }
        qsort(sr, nc, sizeof *sr, cmp_double);
        qsort(sf, nc, sizeof *sf, cmp_double);
        qsort(sm, nc, sizeof *sm, cmp_double);
        rc = 0;
        for (size_t i = 0; i < nc && rc == 0; i++) {
            /* The grid places customers by R and F; M is averaged per segment. */
            int si = segment_index(score(sr, nc, c[i].rv, 0), score(sf, nc, c[i].fv, 1));
            sl_rep_segment *s = &r->seg[si];
            s->m_sum += score(sm, nc, c[i].mv, 1);
            s->customers++;
            s->actions += c[i].freq;
            rc = sl_dec_add(&s->value, c[i].value);
            r->cust_keys[i] = c[i].key;
            r->cust_seg[i] = (unsigned char)si;
        }
        r->ncust = nc;
    }
    free(sr);
    free(sf);
    free(sm);
    return rc;
}

/* Recency counts back from --as-of, else from the newest activity. */
static void segments(sl_report *r, act *a, cust *c)
{
    size_t n = 0;
    int upto = r->opts.as_of != SL_REP_NODAY ? r->opts.as_of : INT_MAX;
    r->seg_basis = "orders";
    if (r->data->have_orders && r->k.orders > 0) {
        collect_orders(r, a, &n, upto, 1);
    } else if (r->data->have_deals) {
        r->seg_basis = "won_deals";
        collect_won_deals(r, a, &n, upto);
    }
    if (n == 0)
        return;
    int ref = r->opts.as_of;
    for (size_t i = 0; i < n; i++)
        if (ref == SL_REP_NODAY || (r->opts.as_of == SL_REP_NODAY && a[i].day > ref))
            ref = a[i].day;
    if (r->k.as_of == SL_REP_NODAY) /* no orders: as_of is the recency reference */
        r->k.as_of = ref;
    qsort(a, n, sizeof *a, act_cmp);
    size_t nc = fold(a, n, c);
    r->seg_customers = (long)nc;
    r->seg_known = score_customers(r, c, nc, ref) == 0;
}

int sl_rep_rfm_compute(sl_report *r)
{
    const sl_rep_data *d = r->data;
    memcpy(r->seg, segment_table, sizeof r->seg);
    r->k.as_of = r->opts.as_of != SL_REP_NODAY ? r->opts.as_of : newest_order_day(r);
    size_t cap = d->norders > d->ndeals ? d->norders : d->ndeals;
    act *a = malloc((cap ? cap : 1) * sizeof *a);
    cust *c = malloc((cap ? cap : 1) * sizeof *c);
    if (!a || !c) {
        free(a);
        free(c);
        fputs("sluice: report: out of memory\n", stderr);
        return -1;
    }
    churn(r, a);
    segments(r, a, c);
    free(a);
    free(c);
    return 0;
}

static int key_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

const char *sl_rep_segment_of(const sl_report *r, const char *customer)
{
    if (!customer || !r->ncust)
        return NULL;
    const char **hit = bsearch(&customer, r->cust_keys, r->ncust, sizeof *r->cust_keys, key_cmp);
    return hit ? r->seg[r->cust_seg[hit - r->cust_keys]].label : NULL;
}
