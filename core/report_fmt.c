/* report_fmt.c - value formatting shared by the text and HTML reports. */
#include <stdarg.h>
#include <stdio.h>

#include "report_fmt.h"
#include "report_model.h"

/* printf into buf when known, else "n/a". */
static const char *known_or_na(int known, char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static const char *known_or_na(int known, char *buf, size_t len, const char *fmt, ...)
{
    if (!known) {
        snprintf(buf, len, "n/a");
        return buf;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return buf;
}

static const char *dec_or_na(int known, sl_dec v, int min_scale, char *buf, size_t len)
{
    char d[SL_DEC_BUFSZ];
    return known_or_na(known, buf, len, "%s", known ? sl_dec_format(v, min_scale, d, sizeof d) : "");
}

const char *sl_rep_fmt_money(int known, sl_dec v, char *buf, size_t len)
{
    return dec_or_na(known, v, 2, buf, len);
}

const char *sl_rep_fmt_qty(int known, sl_dec v, char *buf, size_t len)
{
    return dec_or_na(known, v, 0, buf, len);
}

const char *sl_rep_fmt_long(int known, long v, char *buf, size_t len)
{
    return known_or_na(known, buf, len, "%ld", v);
}

const char *sl_rep_fmt_pct(int known, double pct, char *buf, size_t len)
{
    return known_or_na(known, buf, len, "%.2f %%", pct);
}

const char *sl_rep_fmt_num(int known, double v, char *buf, size_t len)
{
    return known_or_na(known, buf, len, "%.1f", v);
}

const char *sl_rep_fmt_day(int day, char *buf, size_t len, const char *none)
{
    char d[11] = "";
    if (day != SL_REP_NODAY)
        sl_rep_day_format(day, d);
    snprintf(buf, len, "%s", day == SL_REP_NODAY ? none : d);
    return buf;
}

const char *sl_rep_fmt_period(const sl_report *r, char *buf, size_t len)
{
    char a[16], b[16], c[64] = "";
    int from = r->opts.from, to = r->opts.to;
    if (r->k.first_day != SL_REP_NODAY)
        snprintf(c, sizeof c, " (data from %s to %s)", sl_rep_fmt_day(r->k.first_day, a, sizeof a, ""),
                 sl_rep_fmt_day(r->k.last_day, b, sizeof b, ""));
    sl_rep_fmt_day(from, a, sizeof a, "");
    sl_rep_fmt_day(to, b, sizeof b, "");
    if (from == SL_REP_NODAY && to == SL_REP_NODAY)
        snprintf(buf, len, "all dates%s", c);
    else if (to == SL_REP_NODAY)
        snprintf(buf, len, "from %s%s", a, c);
    else if (from == SL_REP_NODAY)
        snprintf(buf, len, "up to %s%s", b, c);
    else
        snprintf(buf, len, "%s .. %s%s", a, b, c);
    return buf;
}
