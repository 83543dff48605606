/* report_fmt.h - how the text and HTML reports show a value: "n/a" when the
 * warehouse lacks it, money with two or more decimals, percentages with
 * two. Each writes into buf (len bytes) and returns buf. */
#ifndef SL_REPORT_FMT_H
#define SL_REPORT_FMT_H

#include <stddef.h>

#include "report_dec.h"

const char *sl_rep_fmt_money(int known, sl_dec v, char *buf, size_t len);
/* A quantity: as many decimals as it has ("13", "2.5"). */
const char *sl_rep_fmt_qty(int known, sl_dec v, char *buf, size_t len);
const char *sl_rep_fmt_long(int known, long v, char *buf, size_t len);
const char *sl_rep_fmt_pct(int known, double pct, char *buf, size_t len);
const char *sl_rep_fmt_num(int known, double v, char *buf, size_t len);
/* A day number as YYYY-MM-DD, or `none` for SL_REP_NODAY. */
const char *sl_rep_fmt_day(int day, char *buf, size_t len, const char *none);

/* "all dates (data from 2024-01-03 to 2024-06-30)", "2024-01-01 .. 2024-06-30
 * (data from ...)" or "from 2024-01-01 (...)": the period a report covers. */
struct sl_report;
const char *sl_rep_fmt_period(const struct sl_report *r, char *buf, size_t len);

#endif
