/* report_svg.c - inline SVG charts for the HTML report (see report_svg.h). */
#include <math.h>
#include <string.h>

#include "report_svg.h"

#define W 960.0
#define H 320.0
#define LEFT 80.0
#define RIGHT 20.0
#define TOP 40.0
#define BOTTOM 48.0

typedef struct axis {
    double lo, hi, step;
} axis;

void sl_html_escape(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* Round tick steps (1, 2, 2.5, 5 x 10^k) spanning lo..hi and zero. */
static axis nice_axis(double lo, double hi)
{
    lo = lo < 0 ? lo : 0;
    hi = hi > 0 ? hi : 0;
    if (hi - lo <= 0)
        hi = lo + 1;
    double raw = (hi - lo) / 5, mag = pow(10, floor(log10(raw))), n = raw / mag;
    double step = (n <= 1 ? 1 : n <= 2 ? 2 : n <= 2.5 ? 2.5 : n <= 5 ? 5 : 10) * mag;
    axis a = {floor(lo / step) * step, ceil(hi / step) * step, step};
    return a;
}

/* 1250000 -> "1.25M": axis labels stay short. */
static void compact(double v, char *buf, size_t len)
{
    double a = fabs(v);
    if (a >= 1e9)
        snprintf(buf, len, "%.3gB", v / 1e9);
    else if (a >= 1e6)
        snprintf(buf, len, "%.3gM", v / 1e6);
    else if (a >= 1e3)
        snprintf(buf, len, "%.3gk", v / 1e3);
    else
        snprintf(buf, len, "%.3g", v);
}

static double ypix(const axis *a, double v)
{
    return TOP + (H - TOP - BOTTOM) * (a->hi - v) / (a->hi - a->lo);
}

static void open_svg(FILE *f, const char *id, const char *title, double w, double h)
{
    fprintf(f, "<svg id=\"%s\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
               "width=\"%.0f\" height=\"%.0f\" role=\"img\">\n<title>",
            id, w, h, w, h);
    sl_html_escape(f, title);
    fputs("</title>\n", f);
    fprintf(f, "<rect x=\"0\" y=\"0\" width=\"%.0f\" height=\"%.0f\" fill=\"#ffffff\"/>\n", w, h);
}

static void no_data(FILE *f, double w, double h)
{
    fprintf(f, "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\" class=\"nodata\">no data</text>\n", w / 2, h / 2);
}

static void y_axis(FILE *f, const axis *a)
{
    for (double v = a->lo; v <= a->hi + a->step / 2; v += a->step) {
        char t[32];
        double y = ypix(a, v);
        compact(fabs(v) < a->step / 1e6 ? 0 : v, t, sizeof t);
        fprintf(f, "<line x1=\"%.0f\" y1=\"%.1f\" x2=\"%.0f\" y2=\"%.1f\" stroke=\"%s\" stroke-width=\"1\"/>\n", LEFT, y,
                W - RIGHT, y, fabs(v) < a->step / 1e6 ? "#555555" : "#e3e3e3");
        fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" class=\"tick\">%s</text>\n", LEFT - 6, y + 4, t);
    }
}

static void x_labels(FILE *f, const char *const *labels, size_t n)
{
    double slot = (W - LEFT - RIGHT) / (double)n;
    size_t every = (size_t)ceil(60.0 / slot);
    every = every ? every : 1;
    for (size_t i = 0; i < n; i += every) {
        fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\" class=\"tick\">", LEFT + slot * ((double)i + 0.5),
                H - BOTTOM + 18);
        sl_html_escape(f, labels[i]);
        fputs("</text>\n", f);
    }
}

static void legend(FILE *f, const sl_svg_series *s, size_t ns)
{
    double x = LEFT;
    for (size_t j = 0; j < ns; j++) {
        fprintf(f, "<rect x=\"%.0f\" y=\"12\" width=\"14\" height=\"14\" fill=\"%s\"/>\n", x, s[j].color);
        fprintf(f, "<text x=\"%.0f\" y=\"24\" class=\"legend\">", x + 20);
        sl_html_escape(f, s[j].name);
        fputs("</text>\n", f);
        x += 40 + 8 * (double)strlen(s[j].name);
    }
}

static axis series_axis(const sl_svg_series *s, size_t ns, size_t n)
{
    double lo = 0, hi = 0;
    for (size_t j = 0; j < ns; j++)
        for (size_t i = 0; i < n; i++)
            if (!isnan(s[j].v[i])) {
                lo = s[j].v[i] < lo ? s[j].v[i] : lo;
                hi = s[j].v[i] > hi ? s[j].v[i] : hi;
            }
    return nice_axis(lo, hi);
}

/* A hover tooltip: "<label> <series>: <value>". */
static void tip(FILE *f, const char *label, const char *series, double v)
{
    fputs("<title>", f);
    sl_html_escape(f, label);
    fputc(' ', f);
    sl_html_escape(f, series);
    fprintf(f, ": %.2f</title>", v);
}

/* Starts a chart over n labels: its frame and y axis, or "no data" (then
 * the chart is complete and 0 is returned). */
static int begin_xy(FILE *f, const char *id, const char *title, size_t n, const sl_svg_series *s, size_t ns, axis *a)
{
    open_svg(f, id, title, W, H);
    if (!n || !ns) {
        no_data(f, W, H);
        fputs("</svg>\n", f);
        return 0;
    }
    *a = series_axis(s, ns, n);
    y_axis(f, a);
    return 1;
}

static void end_xy(FILE *f, const char *const *labels, size_t n, const sl_svg_series *s, size_t ns)
{
    x_labels(f, labels, n);
    legend(f, s, ns);
    fputs("</svg>\n", f);
}

void sl_svg_bars(FILE *f, const char *id, const char *title, const char *const *labels, size_t n,
                 const sl_svg_series *s, size_t ns)
{
    axis a;
    if (!begin_xy(f, id, title, n, s, ns, &a))
        return;
    double slot = (W - LEFT - RIGHT) / (double)n, bw = slot * 0.8 / (double)ns;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < ns; j++) {
            double v = isnan(s[j].v[i]) ? 0 : s[j].v[i];
            double y0 = ypix(&a, v > 0 ? v : 0), y1 = ypix(&a, v < 0 ? v : 0);
            fprintf(f, "<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">",
                    LEFT + slot * (double)i + slot * 0.1 + bw * (double)j, y0, bw, y1 - y0, s[j].color);
            tip(f, labels[i], s[j].name, v);
            fputs("</rect>\n", f);
        }
    end_xy(f, labels, n, s, ns);
}

static void one_line(FILE *f, const axis *a, const char *const *labels, size_t n, const sl_svg_series *s)
{
    double slot = (W - LEFT - RIGHT) / (double)n;
    int pen = 0;
    fprintf(f, "<path class=\"line\" fill=\"none\" stroke=\"%s\" stroke-width=\"2.5\"%s d=\"", s->color,
            s->dashed ? " stroke-dasharray=\"7 5\"" : "");
    for (size_t i = 0; i < n; i++) {
        if (isnan(s->v[i])) {
            pen = 0;
            continue;
        }
        fprintf(f, "%s%.1f %.1f ", pen ? "L" : "M", LEFT + slot * ((double)i + 0.5), ypix(a, s->v[i]));
        pen = 1;
    }
    fputs("\"/>\n", f);
    for (size_t i = 0; i < n; i++)
        if (!isnan(s->v[i])) {
            fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3.5\" fill=\"%s\">", LEFT + slot * ((double)i + 0.5),
                    ypix(a, s->v[i]), s->color);
            tip(f, labels[i], s->name, s->v[i]);
            fputs("</circle>\n", f);
        }
}

void sl_svg_lines(FILE *f, const char *id, const char *title, const char *const *labels, size_t n,
                  const sl_svg_series *s, size_t ns)
{
    axis a;
    if (!begin_xy(f, id, title, n, s, ns, &a))
        return;
    for (size_t j = 0; j < ns; j++)
        one_line(f, &a, labels, n, &s[j]);
    end_xy(f, labels, n, s, ns);
}

#define ROW 30.0
#define LABEL_W 210.0
#define BAR_W 470.0

void sl_svg_hbars(FILE *f, const char *id, const char *title, const sl_svg_hbar *rows, size_t n, int centered)
{
    double h = 20 + ROW * (double)(n ? n : 3);
    open_svg(f, id, title, W, h);
    if (!n) {
        no_data(f, W, h);
        fputs("</svg>\n", f);
        return;
    }
    double max = 0;
    for (size_t i = 0; i < n; i++)
        max = rows[i].v > max ? rows[i].v : max;
    for (size_t i = 0; i < n; i++) {
        double y = 10 + ROW * (double)i, w = max > 0 && rows[i].v > 0 ? BAR_W * rows[i].v / max : 0;
        double x = centered ? LABEL_W + (BAR_W - w) / 2 : LABEL_W;
        fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" class=\"label\">", LABEL_W - 8, y + 19);
        sl_html_escape(f, rows[i].label);
        fprintf(f, "</text>\n<rect class=\"bar\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">", x, y + 3,
                w, ROW - 6, rows[i].color);
        fputs("<title>", f);
        sl_html_escape(f, rows[i].label);
        fputs(": ", f);
        sl_html_escape(f, rows[i].note);
        fputs("</title></rect>\n", f);
        fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" class=\"note\">", LABEL_W + BAR_W + 12, y + 19);
        sl_html_escape(f, rows[i].note);
        fputs("</text>\n", f);
    }
    fputs("</svg>\n", f);
}
