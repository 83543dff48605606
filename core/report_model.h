/* report_model.h - what `sluice report` reads from a warehouse and what it
 * computes from it; shared by the report_*.c files (cli_report.c drives them):
 *
 *   report_load.c      loads the canonical tables (through report_db.c: a
 *                      read-only connection, row loop, lookup tables)
 *   report_date.c      day numbers and months
 *   report_dec.c       exact decimals
 *   report_kpi.c       the headline KPIs (orders, margin, deals, cycle, leads)
 *   report_rfm.c       RFM scores and segments, churn
 *   report_group.c     breakdowns (--by), the monthly series, the stage funnel
 *   report_forecast.c  next-3-months forecast and its backtest
 *   report_text.c, report_json.c, report_html.c (+ report_svg.c charts,
 *   report_fmt.c value formatting): output
 *
 * Ownership: sl_rep_data and sl_report own every string and array they point
 * to; sl_rep_data_free() and sl_report_free() release them. */
#ifndef SL_REPORT_MODEL_H
#define SL_REPORT_MODEL_H

#include <limits.h>
#include <stdio.h>

#include "report_dec.h"

#define SL_REP_NODAY INT_MIN /* an unknown or unparsable date */

enum { SL_REP_TEXT, SL_REP_JSON, SL_REP_HTML };
enum { SL_REP_BY_MONTH, SL_REP_BY_OWNER, SL_REP_BY_SEGMENT, SL_REP_BY_SECTOR, SL_REP_NBY };
enum { SL_DEAL_OPEN, SL_DEAL_WON, SL_DEAL_LOST };

typedef struct sl_rep_opts {
    const char *db_path; /* borrowed from argv */
    int from, to;        /* inclusive day numbers; SL_REP_NODAY when open-ended */
    int as_of;           /* SL_REP_NODAY: the newest order date */
    int churn_days;
    int by[SL_REP_NBY]; /* breakdowns asked for */
    int format;
} sl_rep_opts;

/* ---- rows as loaded (report_db.c) ---- */

typedef struct sl_rep_order {
    char *id;       /* order_id */
    char *customer; /* customer_id, else customer_email; NULL when neither */
    char *sector;   /* via customers.company -> companies.sector; may be NULL */
    int day;        /* date(created_at) */
    int counted;    /* not cancelled or refunded */
    int has_total;
    sl_dec total;
    int nlines, nmargin;    /* lines, lines with a known margin */
    sl_dec line_revenue;    /* sum of qty*unit_price - discount */
    sl_dec margin;          /* sum of the known line margins */
    sl_dec margin_revenue;  /* line revenue of the lines with a known margin */
    sl_dec units;           /* sum of qty */
} sl_rep_order;

typedef struct sl_rep_deal {
    char *owner, *stage, *sector;
    char *customer; /* customer_id, else company_id, else company name */
    int status;     /* SL_DEAL_* */
    int has_amount;
    sl_dec amount;
    int closed_day;      /* date(closed_at) */
    int active_day;      /* date of closed_at, else engaged_at, else created_at */
    int engaged;         /* engaged_at is set */
    int has_cycle;       /* closed_at and a start date are both known */
    double cycle_days;   /* closed_at - (created_at, else engaged_at) in days */
} sl_rep_deal;

typedef struct sl_rep_lead {
    int day; /* date(created_at) */
    int converted;
} sl_rep_lead;

typedef struct sl_rep_data {
    int have_orders, have_lines, have_deals, have_leads, have_customers, have_companies;
    sl_rep_order *orders; /* sorted by id */
    size_t norders;
    sl_rep_deal *deals;
    size_t ndeals;
    sl_rep_lead *leads;
    size_t nleads;
    char **currencies; /* distinct non-null currencies of orders and deals */
    size_t ncurrencies;
    long bad_amounts; /* money values that are not decimals (skipped) */
} sl_rep_data;

/* ---- results ---- */

typedef struct sl_rep_kpis {
    int orders_known; /* the orders table exists */
    long orders;
    sl_dec revenue, units;
    int aov_known;
    sl_dec aov;
    int margin_known; /* some counted line has a cost or margin */
    sl_dec margin, margin_revenue;
    double margin_pct;
    int deals_known; /* the deals table exists */
    long won, lost, open;
    long won_with_amount;
    sl_dec won_value, pipeline_value;
    int win_rate_known, avg_deal_known;
    double win_rate;
    sl_dec avg_deal;
    int cycle_known;
    long ncycle;
    double avg_cycle, median_cycle;
    int leads_known;
    long leads, leads_converted;
    double lead_conversion; /* valid when leads_known and leads > 0 */
    int churn_known;
    long churn_base, churned;
    double churn_rate;
    int as_of;          /* the churn and recency reference day */
    int first_day, last_day; /* of the counted orders, or of the closed deals */
} sl_rep_kpis;

typedef struct sl_rep_group {
    char *key;
    long orders;
    sl_dec revenue;
    long nmargin;
    sl_dec margin;
    long won, lost;
    sl_dec won_value;
} sl_rep_group;

typedef struct sl_rep_breakdown {
    int wanted;
    int orders_apply, deals_apply; /* which measures mean something for this grouping */
    sl_rep_group *v;
    size_t n, cap;
} sl_rep_breakdown;

#define SL_REP_NSEGMENTS 10
typedef struct sl_rep_segment {
    const char *name, *label; /* static: "at_risk", "At risk" */
    int r_lo, r_hi, f_lo, f_hi; /* the recency and frequency scores it covers */
    long customers, actions;
    long m_sum; /* sum of the customers' monetary scores */
    sl_dec value;
} sl_rep_segment;

typedef struct sl_rep_stage {
    char *stage;
    int status; /* the most common status of its deals */
    long deals, engaged;
    sl_dec amount;
} sl_rep_stage;

typedef struct sl_rep_month {
    int month; /* year * 12 + month - 1 */
    long orders, won;
    sl_dec revenue, margin, won_value;
} sl_rep_month;

#define SL_REP_HORIZON 3
typedef struct sl_rep_forecast {
    int ok;
    const char *method; /* static: "holt-winters-additive", "linear-trend-quarterly", "linear-trend" */
    const char *reason; /* static: why there is none, when !ok */
    int holdout;        /* months held out for the backtest */
    double actual[SL_REP_HORIZON], backtest[SL_REP_HORIZON];
    int backtest_month[SL_REP_HORIZON];
    double mae, mape;
    int mape_known;
    int month[SL_REP_HORIZON];
    double value[SL_REP_HORIZON];
    double alpha, beta, gamma; /* the smoothing parameters chosen (Holt-Winters) */
    size_t series_lo;          /* the series fitted: months[series_lo .. series_lo + series_n) */
    size_t series_n;
    int partial_month; /* the month in progress left out of the fit, or -1 */
} sl_rep_forecast;

typedef struct sl_report {
    sl_rep_opts opts;
    const sl_rep_data *data; /* borrowed */
    sl_rep_kpis k;
    sl_rep_breakdown by[SL_REP_NBY];
    int seg_known;
    const char *seg_basis; /* static: "orders" or "won_deals" */
    long seg_customers;
    sl_rep_segment seg[SL_REP_NSEGMENTS];
    const char **cust_keys;  /* sorted customer keys of the RFM (borrowed from data) ... */
    unsigned char *cust_seg; /* ... and each one's segment index */
    size_t ncust;
    sl_rep_stage *funnel;
    size_t nfunnel;
    const char *series_basis; /* static: "revenue", "won_value" or NULL */
    sl_rep_month *months;     /* consecutive months, gaps filled with zeros */
    size_t nmonths;
    sl_rep_forecast fc;
} sl_report;

/* report_load.c */
/* Opens `path` read-only and loads the canonical tables it has. Returns 0,
 * or -1 with *err (caller frees) set. */
int sl_rep_load(const char *path, sl_rep_data *d, char **err);
void sl_rep_data_free(sl_rep_data *d);

/* report_date.c: day numbers (days since 1970-01-01) from "YYYY-MM-DD..."
 * (a longer timestamp is read by its date) and back; months. */
int sl_rep_day_parse(const char *s, int *day);
void sl_rep_day_format(int day, char buf[11]);
void sl_rep_month_format(int month, char buf[8]);
int sl_rep_day_month(int day);

/* Whether `day` falls in the --from/--to range (an unknown day only when
 * the range is open on both ends). */
int sl_rep_in_range(const sl_rep_opts *o, int day);

/* report_kpi.c: fills r->k. Returns 0 or -1 (overflow, message printed). */
int sl_rep_kpis_compute(sl_report *r);
/* report_rfm.c: churn into r->k, segments into r->seg. */
int sl_rep_rfm_compute(sl_report *r);
const char *sl_rep_segment_of(const sl_report *r, const char *customer);
/* report_group.c */
int sl_rep_groups_compute(sl_report *r);
/* report_forecast.c: from r->months. */
void sl_rep_forecast_compute(sl_report *r);
/* The forecast of a series; exposed for the unit tests. */
void sl_rep_forecast_series(const double *y, int n, int first_month, sl_rep_forecast *fc);

/* Writes the report; 0 or -1 on a write error. */
int sl_rep_write_text(const sl_report *r, FILE *out);
int sl_rep_write_json(const sl_report *r, FILE *out);
int sl_rep_write_html(const sl_report *r, FILE *out);

void sl_report_free(sl_report *r);

extern const char *const sl_rep_by_names[SL_REP_NBY];

#endif
