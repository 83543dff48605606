/* report_forecast.c - next-3-months revenue forecast and its backtest.
 *
 * Method (docs/report.md): with at least 24 months to fit on, Holt-Winters
 * additive smoothing with a 12-month season, its alpha, beta and gamma
 * picked from a 0.1..0.9 grid by the smallest one-step-ahead squared error;
 * with 6 to 23, a least-squares linear trend plus a level per place in the
 * calendar quarter; with 3 to 5, a linear trend. The last 3 months are first
 * held out, forecast from the months before them with the same method, and
 * the error on them (MAE, and MAPE over months with non-zero actuals) is
 * reported; then the model is refitted on every month for the forecast.
 * Forecasts below zero are shown as zero. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_model.h"

#define SEASON 12
#define MIN_MONTHS (2 * SL_REP_HORIZON)
#define QK 4 /* unknowns of the quarterly model: slope and three levels */

static const char M_HW[] = "holt-winters-additive";
static const char M_QUARTERLY[] = "linear-trend-quarterly";
static const char M_LINEAR[] = "linear-trend";

typedef struct hw_fit {
    double alpha, beta, gamma;
    double level, trend, season[SEASON];
    double sse;
} hw_fit;

/* Runs Holt-Winters over y[0..n) with the given parameters; the state after
 * the last month is left in f. */
static void hw_run(const double *y, int n, hw_fit *f)
{
    double m0 = 0, m1 = 0;
    for (int i = 0; i < SEASON; i++) {
        m0 += y[i];
        m1 += y[SEASON + i];
    }
    m0 /= SEASON;
    m1 /= SEASON;
    f->level = m0;
    f->trend = (m1 - m0) / SEASON;
    for (int i = 0; i < SEASON; i++)
        f->season[i] = y[i] - m0;
    f->sse = 0;
    for (int t = SEASON; t < n; t++) {
        double *s = &f->season[t % SEASON];
        double pred = f->level + f->trend + *s, err = y[t] - pred;
        double level = f->alpha * (y[t] - *s) + (1 - f->alpha) * (f->level + f->trend);
        f->trend = f->beta * (level - f->level) + (1 - f->beta) * f->trend;
        *s = f->gamma * (y[t] - level) + (1 - f->gamma) * *s;
        f->level = level;
        f->sse += err * err;
    }
}

static void hw_forecast(const double *y, int n, double *out, sl_rep_forecast *fc)
{
    hw_fit best = {.sse = INFINITY};
    for (int a = 1; a <= 9; a++)
        for (int b = 1; b <= 9; b++)
            for (int g = 1; g <= 9; g++) {
                hw_fit f = {.alpha = a / 10.0, .beta = b / 10.0, .gamma = g / 10.0};
                hw_run(y, n, &f);
                if (f.sse < best.sse)
                    best = f;
            }
    for (int h = 1; h <= SL_REP_HORIZON; h++)
        out[h - 1] = best.level + h * best.trend + best.season[(n - 1 + h) % SEASON];
    fc->alpha = best.alpha;
    fc->beta = best.beta;
    fc->gamma = best.gamma;
}

/* Solves the k x k system A x = b in place (x in b) by Gaussian elimination
 * with partial pivoting. Returns 0, or -1 when A is singular. */
static int solve(double A[][QK], double *b, int k)
{
    for (int c = 0; c < k; c++) {
        int p = c;
        for (int r = c + 1; r < k; r++)
            if (fabs(A[r][c]) > fabs(A[p][c]))
                p = r;
        if (fabs(A[p][c]) < 1e-12)
            return -1;
        for (int j = 0; j < k; j++) {
            double t = A[c][j];
            A[c][j] = A[p][j];
            A[p][j] = t;
        }
        double t = b[c];
        b[c] = b[p];
        b[p] = t;
        for (int r = 0; r < k; r++) {
            if (r == c)
                continue;
            double f = A[r][c] / A[c][c];
            for (int j = c; j < k; j++)
                A[r][j] -= f * A[c][j];
            b[r] -= f * b[c];
        }
    }
    for (int c = 0; c < k; c++)
        b[c] /= A[c][c];
    return 0;
}

/* Least squares y = slope * t + level[q], q the month's place in its
 * calendar quarter (q = 2 for March, June, September, December), so a
 * quarter-end push is learnt from as few as two quarters. With `quarterly`
 * off, one level: a plain linear trend. */
static void trend_forecast(const double *y, int n, int first_month, int quarterly, double *out)
{
    int k = quarterly ? QK : 2;
    double A[QK][QK] = {{0}}, b[QK] = {0}, x[QK];
    for (int t = 0; t < n; t++) {
        memset(x, 0, sizeof x);
        x[0] = t;
        x[1 + (quarterly ? (first_month + t) % 3 : 0)] = 1;
        for (int i = 0; i < k; i++) {
            b[i] += x[i] * y[t];
            for (int j = 0; j < k; j++)
                A[i][j] += x[i] * x[j];
        }
    }
    if (solve(A, b, k) != 0) { /* cannot happen with n >= 2 distinct t; flat */
        memset(b, 0, sizeof b);
        for (int t = 0; t < n; t++)
            b[1] += y[t] / n;
        quarterly = 0;
    }
    for (int h = 1; h <= SL_REP_HORIZON; h++) {
        int t = n - 1 + h;
        out[h - 1] = b[0] * t + b[1 + (quarterly ? (first_month + t) % 3 : 0)];
    }
}

static void fit(const double *y, int n, int first_month, const char *method, double *out, sl_rep_forecast *fc)
{
    if (strcmp(method, M_HW) == 0)
        hw_forecast(y, n, out, fc);
    else
        trend_forecast(y, n, first_month, strcmp(method, M_QUARTERLY) == 0, out);
    for (int h = 0; h < SL_REP_HORIZON; h++)
        if (out[h] < 0)
            out[h] = 0;
}

/* The method is chosen by the months there are to fit the backtest on, so
 * the backtest measures the very method that makes the forecast. */
static const char *choose(int train)
{
    return train >= 2 * SEASON ? M_HW : train >= 6 ? M_QUARTERLY : M_LINEAR;
}

void sl_rep_forecast_series(const double *y, int n, int first_month, sl_rep_forecast *fc)
{
    memset(fc, 0, sizeof *fc);
    if (n < MIN_MONTHS) {
        fc->reason = "fewer than 6 months of history";
        return;
    }
    int train = n - SL_REP_HORIZON;
    fc->method = choose(train);
    fc->holdout = SL_REP_HORIZON;
    fit(y, train, first_month, fc->method, fc->backtest, fc);
    double abs_err = 0, pct = 0;
    int npct = 0;
    for (int h = 0; h < SL_REP_HORIZON; h++) {
        double a = y[train + h], e = fabs(a - fc->backtest[h]);
        fc->actual[h] = a;
        abs_err += e;
        if (a != 0) {
            pct += e / fabs(a);
            npct++;
        }
    }
    fc->mae = abs_err / SL_REP_HORIZON;
    fc->mape_known = npct > 0;
    fc->mape = npct ? 100.0 * pct / npct : 0;
    fit(y, n, first_month, fc->method, fc->value, fc);
    fc->ok = 1;
}
/* Whether the series' last month is still in progress: its data ends
 * before the month does (a nightly report in the middle of a month). */
static int month_in_progress(const sl_report *r, int month)
{
    int last = r->k.last_day;
    return last != SL_REP_NODAY && sl_rep_day_month(last) == month && sl_rep_day_month(last + 1) == month;
}

/* The forecast runs on the months from the first to the last one with the
 * basis' activity (orders for revenue, won deals for won value), leaving
 * out a last month in progress: the forecast then starts with it. */
void sl_rep_forecast_compute(sl_report *r)
{
    memset(&r->fc, 0, sizeof r->fc);
    r->fc.reason = "no monthly revenue or won deals";
    r->fc.partial_month = -1;
    if (!r->series_basis)
        return;
    int rev = strcmp(r->series_basis, "revenue") == 0;
    size_t lo = r->nmonths, hi = 0;
    for (size_t i = 0; i < r->nmonths; i++)
        if (rev ? r->months[i].orders > 0 : r->months[i].won > 0) {
            lo = i < lo ? i : lo;
            hi = i;
        }
    if (lo > hi)
        return;
    int partial = month_in_progress(r, r->months[hi].month) ? r->months[hi].month : -1;
    if (partial >= 0) {
        if (hi == lo)
            return;
        hi--;
    }
    int n = (int)(hi - lo + 1);
    double *y = malloc((size_t)n * sizeof *y);
    if (!y) {
        r->fc.reason = "out of memory";
        return;
    }
    for (int i = 0; i < n; i++) {
        const sl_rep_month *m = &r->months[lo + (size_t)i];
        y[i] = sl_dec_to_double(rev ? m->revenue : m->won_value);
    }
    sl_rep_forecast_series(y, n, r->months[lo].month, &r->fc);
    free(y);
    r->fc.series_lo = lo;
    r->fc.series_n = (size_t)n;
    r->fc.partial_month = partial;
    int last = r->months[hi].month;
    for (int h = 0; h < SL_REP_HORIZON; h++) {
        r->fc.month[h] = last + 1 + h;
        r->fc.backtest_month[h] = last - SL_REP_HORIZON + 1 + h;
    }
}
