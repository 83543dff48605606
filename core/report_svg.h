/* report_svg.h - the inline SVG charts of the HTML report: vertical grouped
 * bars, horizontal bars and lines, drawn with <rect>, <path>, <line>,
 * <circle> and <text> only, no scripts and no external resources. Every
 * chart is one <svg id="ID"> with a <title>; text from the warehouse is
 * escaped. */
#ifndef SL_REPORT_SVG_H
#define SL_REPORT_SVG_H

#include <stddef.h>
#include <stdio.h>

typedef struct sl_svg_series {
    const char *name;  /* legend */
    const char *color; /* CSS colour */
    const double *v;   /* one value per label; NAN: no value there */
    int dashed;        /* lines only */
} sl_svg_series;

typedef struct sl_svg_hbar {
    const char *label; /* left of the bar */
    const char *note;  /* right of the bar, e.g. "120 deals, 35000.00" */
    const char *color;
    double v;
} sl_svg_hbar;

/* Writes s with &, <, >, " and ' escaped. */
void sl_html_escape(FILE *f, const char *s);

/* Grouped vertical bars: ns series over n labels (x axis). */
void sl_svg_bars(FILE *f, const char *id, const char *title, const char *const *labels, size_t n,
                 const sl_svg_series *s, size_t ns);

/* Lines over n labels; a NAN value breaks the line. */
void sl_svg_lines(FILE *f, const char *id, const char *title, const char *const *labels, size_t n,
                  const sl_svg_series *s, size_t ns);

/* Horizontal bars, one per row; `centered` draws them about a middle axis
 * (a funnel). */
void sl_svg_hbars(FILE *f, const char *id, const char *title, const sl_svg_hbar *rows, size_t n, int centered);

#endif
