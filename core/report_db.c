/* report_db.c - reads the canonical tables of a warehouse for the report.
 *
 * The warehouse is opened read-only. Any table may be missing, and so may
 * any column (the sqlite sink creates the columns the records carried):
 * a missing column reads as NULL, a missing table leaves its have_* flag 0
 * so the KPIs that need it come out null. Money is read as text and summed
 * exactly (report_dec.c), never as SQLite REAL. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "report_model.h"
#include "textutil.h"

typedef struct loader {
    sqlite3 *db;
    sl_rep_data *d;
    char **err;
} loader;

/* A sorted key -> value table (companies by id and by name, customers'
 * companies), so joins cost a binary search and no SQL join can duplicate
 * rows when names repeat. */
typedef struct kv {
    char *k, *v;
    size_t row; /* load order: of equal keys the first row wins */
} kv;
typedef struct kvtab {
    kv *v;
    size_t n;
} kvtab;

/* ---- dates ---------------------------------------------------------------- */

/* Howard Hinnant's days_from_civil. */
static int days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int z, int *y, int *m, int *d)
{
    z += 719468;
    int era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = z - era * 146097;
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yoe + era * 400 + (*m <= 2);
}

static int digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        *v = *v * 10 + (s[i] - '0');
    }
    return 0;
}

int sl_rep_day_parse(const char *s, int *day)
{
    int y, m, d;
    if (!s || strlen(s) < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &m) ||
        digits(s + 8, 2, &d) || m < 1 || m > 12 || d < 1 || y < 1)
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return -1;
    *day = days_from_civil(y, m, d);
    return 0;
}

/* Writes v (clamped to 0..10^n - 1) as n digits. */
static char *put_digits(char *p, int v, int n)
{
    int max = n == 4 ? 9999 : 99;
    v = v < 0 ? 0 : v > max ? max : v;
    for (int i = n - 1; i >= 0; i--, v /= 10)
        p[i] = (char)('0' + v % 10);
    return p + n;
}

void sl_rep_day_format(int day, char buf[11])
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    char *p = put_digits(buf, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p = '\0';
}

void sl_rep_month_format(int month, char buf[8])
{
    char *p = put_digits(buf, month / 12, 4);
    *p++ = '-';
    p = put_digits(p, month % 12 + 1, 2);
    *p = '\0';
}

int sl_rep_day_month(int day)
{
    int y, m, d;
    civil_from_days(day, &y, &m, &d);
    return y * 12 + m - 1;
}

int sl_rep_in_range(const sl_rep_opts *o, int day)
{
    if (o->from == SL_REP_NODAY && o->to == SL_REP_NODAY)
        return 1;
    return day != SL_REP_NODAY && (o->from == SL_REP_NODAY || day >= o->from) &&
           (o->to == SL_REP_NODAY || day <= o->to);
}

/* ---- schema --------------------------------------------------------------- */

static int ask_int(loader *L, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *st = NULL;
    int v = 0;
    if (sqlite3_prepare_v2(L->db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
        if (b)
            sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
        v = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return v;
}

static int has_table(loader *L, const char *t)
{
    return ask_int(L, "SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = ?1 COLLATE NOCASE", t,
                   NULL);
}

/* The column's quoted name, or NULL (as SQL) when the table lacks it. The
 * names come from this file, never from the warehouse. */
static const char *col(loader *L, const char *t, const char *c, char *buf, size_t len)
{
    if (ask_int(L, "SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2 COLLATE NOCASE", t, c))
        snprintf(buf, len, "\"%s\"", c);
    else
        snprintf(buf, len, "NULL");
    return buf;
}

/* ---- statements ------------------------------------------------------------ */

static int sql_fail(loader *L, const char *what)
{
    if (!*L->err)
        *L->err = sl_strfmt("%s: %s", what, sqlite3_errmsg(L->db));
    return -1;
}

static int oom(loader *L)
{
    if (!*L->err)
        *L->err = sl_strdup0("out of memory");
    return -1;
}

/* Prepares `sql` (freed here). */
static sqlite3_stmt *prepare(loader *L, char *sql, const char *what)
{
    sqlite3_stmt *st = NULL;
    if (!sql) {
        oom(L);
        return NULL;
    }
    if (sqlite3_prepare_v2(L->db, sql, -1, &st, NULL) != SQLITE_OK) {
        sql_fail(L, what);
        st = NULL;
    }
    free(sql);
    return st;
}

/* Column i as a new string, NULL for SQL NULL or "" (dup failure sets *bad). */
static char *text_dup(sqlite3_stmt *st, int i, int *bad)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    if (!t || !*t)
        return NULL;
    char *s = strdup((const char *)t);
    if (!s)
        *bad = 1;
    return s;
}

static int day_of(sqlite3_stmt *st, int i)
{
    int day;
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t && sl_rep_day_parse(t, &day) == 0 ? day : SL_REP_NODAY;
}

/* Column i as a decimal: 1 parsed, 0 NULL or empty, -1 not a number
 * (counted in bad_amounts). */
static int dec_of(loader *L, sqlite3_stmt *st, int i, sl_dec *v)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    if (!t || !*t)
        return 0;
    if (sl_dec_parse(t, v) == 0)
        return 1;
    L->d->bad_amounts++;
    return -1;
}

static int grow(void **v, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 256;
    void *p = realloc(*v, c * size);
    if (!p)
        return -1;
    *v = p;
    *cap = c;
    return 0;
}

/* ---- key/value tables ------------------------------------------------------ */

static void ascii_lower(char *s)
{
    for (; s && *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

static int kv_cmp(const void *a, const void *b)
{
    return strcmp(((const kv *)a)->k, ((const kv *)b)->k);
}

static int kv_cmp_row(const void *a, const void *b)
{
    int c = kv_cmp(a, b);
    if (c)
        return c;
    size_t x = ((const kv *)a)->row, y = ((const kv *)b)->row;
    return x < y ? -1 : x > y;
}

static void kv_free(kvtab *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].k);
        free(t->v[i].v);
    }
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

/* Sorts by key and keeps the first row of each key. */
static void kv_finish(kvtab *t)
{
    if (!t->n)
        return;
    qsort(t->v, t->n, sizeof *t->v, kv_cmp_row);
    size_t w = 1;
    for (size_t i = 1; i < t->n; i++) {
        if (strcmp(t->v[i].k, t->v[w - 1].k) == 0) {
            free(t->v[i].k);
            free(t->v[i].v);
        } else {
            t->v[w++] = t->v[i];
        }
    }
    t->n = w;
}

/* Loads the two columns of `sql` (freed here), keys lowercased when `fold`.
 * Rows with a NULL or empty key or value are skipped. */
static int kv_load(loader *L, char *sql, int fold, kvtab *t)
{
    sqlite3_stmt *st = prepare(L, sql, "reading companies");
    size_t cap = 0, row = 0;
    int bad = 0, rc = SQLITE_DONE;
    while (st && !bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *k = text_dup(st, 0, &bad), *v = text_dup(st, 1, &bad);
        if (!bad && k && v && grow((void **)&t->v, &cap, t->n, sizeof *t->v) == 0) {
            if (fold)
                ascii_lower(k);
            t->v[t->n++] = (kv){k, v, row++};
            continue;
        }
        bad = bad || (k && v); /* else only a NULL key or value: skipped */
        free(k);
        free(v);
    }
    sqlite3_finalize(st);
    if (!st)
        return -1;
    if (bad)
        return oom(L);
    if (rc != SQLITE_DONE)
        return sql_fail(L, "reading companies");
    kv_finish(t);
    return 0;
}

/* The value of `key` (folded when `fold`), borrowed, or NULL. */
static const char *kv_get(const kvtab *t, const char *key, int fold)
{
    if (!key || !t->n)
        return NULL;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", key);
    if (fold)
        ascii_lower(buf);
    kv probe = {.k = buf};
    kv *hit = bsearch(&probe, t->v, t->n, sizeof *t->v, kv_cmp);
    return hit ? hit->v : NULL;
}

typedef struct sectors {
    kvtab by_id, by_name, cust_company;
} sectors;

static int load_sectors(loader *L, sectors *s)
{
    char c1[32], c2[32], c3[32];
    if (!L->d->have_companies)
        return 0;
    col(L, "companies", "sector", c2, sizeof c2);
    if (kv_load(L, sl_strfmt("SELECT %s, %s FROM companies", col(L, "companies", "company_id", c1, sizeof c1), c2), 0,
                &s->by_id) != 0 ||
        kv_load(L, sl_strfmt("SELECT %s, %s FROM companies", col(L, "companies", "name", c3, sizeof c3), c2), 1,
                &s->by_name) != 0)
        return -1;
    if (!L->d->have_customers)
        return 0;
    return kv_load(L,
                   sl_strfmt("SELECT %s, %s FROM customers", col(L, "customers", "customer_id", c1, sizeof c1),
                             col(L, "customers", "company", c2, sizeof c2)),
                   0, &s->cust_company);
}

static void free_sectors(sectors *s)
{
    kv_free(&s->by_id);
    kv_free(&s->by_name);
    kv_free(&s->cust_company);
}

static char *sector_dup(const char *sector, int *bad)
{
    if (!sector)
        return NULL;
    char *s = strdup(sector);
    if (!s)
        *bad = 1;
    return s;
}

/* ---- orders ---------------------------------------------------------------- */

static int order_cmp(const void *a, const void *b)
{
    return strcmp(((const sl_rep_order *)a)->id, ((const sl_rep_order *)b)->id);
}

static int is_excluded_status(const char *s)
{
    return s && (strcmp(s, "cancelled") == 0 || strcmp(s, "canceled") == 0 || strcmp(s, "refunded") == 0);
}

static int load_order_row(loader *L, sqlite3_stmt *st, const sectors *sec, sl_rep_order *o)
{
    int bad = 0;
    memset(o, 0, sizeof *o);
    o->id = text_dup(st, 0, &bad);
    o->customer = text_dup(st, 1, &bad);
    o->day = day_of(st, 2);
    o->counted = !is_excluded_status((const char *)sqlite3_column_text(st, 3));
    o->has_total = dec_of(L, st, 4, &o->total) == 1;
    const char *company = kv_get(&sec->cust_company, (const char *)sqlite3_column_text(st, 5), 0);
    o->sector = sector_dup(kv_get(&sec->by_name, company, 1), &bad);
    return bad ? -1 : 0;
}

static int load_orders(loader *L, const sectors *sec)
{
    char id[32], cid[32], mail[32], at[32], status[32], total[32];
    const char *t = "orders";
    sqlite3_stmt *st = prepare(
        L,
        sl_strfmt("SELECT %s, coalesce(nullif(%s, ''), nullif(lower(trim(%s)), '')), date(%s), lower(trim(%s)), %s, %s "
                  "FROM orders",
                  col(L, t, "order_id", id, sizeof id), col(L, t, "customer_id", cid, sizeof cid),
                  col(L, t, "customer_email", mail, sizeof mail), col(L, t, "created_at", at, sizeof at),
                  col(L, t, "status", status, sizeof status), col(L, t, "total", total, sizeof total), cid),
        "reading orders");
    sl_rep_data *d = L->d;
    size_t cap = 0;
    int rc = SQLITE_DONE;
    while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (grow((void **)&d->orders, &cap, d->norders, sizeof *d->orders) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        sl_rep_order *o = &d->orders[d->norders++];
        if (load_order_row(L, st, sec, o) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        if (!o->id) /* an order without an id cannot be told apart from others */
            o->id = sl_strfmt("(row %zu)", d->norders);
    }
    sqlite3_finalize(st);
    if (!st)
        return -1;
    if (rc == SQLITE_NOMEM)
        return oom(L);
    if (rc != SQLITE_DONE)
        return sql_fail(L, "reading orders");
    if (d->norders)
        qsort(d->orders, d->norders, sizeof *d->orders, order_cmp);
    return 0;
}

/* Adds one line (qty, unit_price, discount, cost, margin in columns 1..5) to
 * its order. Returns 0, or -1 on overflow. */
static int add_line(loader *L, sqlite3_stmt *st, sl_rep_order *o)
{
    sl_dec qty, price, disc = {0, 0}, cost, margin, rev, v;
    int hq = dec_of(L, st, 1, &qty) == 1, hp = dec_of(L, st, 2, &price) == 1;
    dec_of(L, st, 3, &disc);
    int hc = dec_of(L, st, 4, &cost) == 1, hm = dec_of(L, st, 5, &margin) == 1;
    o->nlines++;
    if (hq && sl_dec_add(&o->units, qty) != 0)
        return -1;
    if (!hq || !hp)
        return 0;
    if (sl_dec_mul(qty, price, &rev) != 0 || sl_dec_sub(rev, disc, &rev) != 0 ||
        sl_dec_add(&o->line_revenue, rev) != 0)
        return -1;
    if (!hm && hc && (sl_dec_mul(qty, cost, &v) != 0 || sl_dec_sub(rev, v, &margin) != 0))
        return -1;
    if (hm || hc) {
        o->nmargin++;
        if (sl_dec_add(&o->margin, margin) != 0 || sl_dec_add(&o->margin_revenue, rev) != 0)
            return -1;
    }
    return 0;
}

static int load_lines(loader *L)
{
    char id[32], q[32], p[32], di[32], c[32], m[32];
    const char *t = "order_lines";
    sqlite3_stmt *st = prepare(L,
                               sl_strfmt("SELECT %s, %s, %s, %s, %s, %s FROM order_lines",
                                         col(L, t, "order_id", id, sizeof id), col(L, t, "qty", q, sizeof q),
                                         col(L, t, "unit_price", p, sizeof p), col(L, t, "discount", di, sizeof di),
                                         col(L, t, "cost", c, sizeof c), col(L, t, "margin", m, sizeof m)),
                               "reading order_lines");
    sl_rep_data *d = L->d;
    int rc = SQLITE_DONE;
    while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *oid = (const char *)sqlite3_column_text(st, 0);
        if (!oid || !d->norders)
            continue;
        sl_rep_order probe = {.id = (char *)oid};
        sl_rep_order *o = bsearch(&probe, d->orders, d->norders, sizeof *d->orders, order_cmp);
        if (o && add_line(L, st, o) != 0) {
            sqlite3_finalize(st);
            *L->err = sl_strfmt("order %s: its lines overflow the decimal range", o->id);
            return -1;
        }
    }
    sqlite3_finalize(st);
    if (!st)
        return -1;
    return rc == SQLITE_DONE ? 0 : sql_fail(L, "reading order_lines");
}

/* ---- deals and leads ------------------------------------------------------- */

static int deal_status(const char *status, const char *stage)
{
    const char *s[2] = {status, stage};
    for (int i = 0; i < 2; i++) {
        if (!s[i])
            continue;
        char buf[128];
        snprintf(buf, sizeof buf, "%s", s[i]);
        ascii_lower(buf);
        if (strstr(buf, "won"))
            return SL_DEAL_WON;
        if (strstr(buf, "lost"))
            return SL_DEAL_LOST;
        if (i == 0 && strcmp(buf, "open") == 0)
            return SL_DEAL_OPEN;
    }
    return SL_DEAL_OPEN;
}

static int load_deal_row(loader *L, sqlite3_stmt *st, const sectors *sec, sl_rep_deal *x)
{
    int bad = 0;
    memset(x, 0, sizeof *x);
    x->owner = text_dup(st, 0, &bad);
    x->stage = text_dup(st, 1, &bad);
    x->status = deal_status((const char *)sqlite3_column_text(st, 2), x->stage);
    x->has_amount = dec_of(L, st, 3, &x->amount) == 1;
    const char *cid = (const char *)sqlite3_column_text(st, 4), *cname = (const char *)sqlite3_column_text(st, 5);
    const char *sector = kv_get(&sec->by_id, cid, 0);
    x->sector = sector_dup(sector ? sector : kv_get(&sec->by_name, cname, 1), &bad);
    x->customer = text_dup(st, 6, &bad);
    x->closed_day = day_of(st, 7);
    x->active_day = day_of(st, 8);
    x->engaged = sqlite3_column_int(st, 9);
    x->has_cycle = sqlite3_column_type(st, 10) != SQLITE_NULL;
    x->cycle_days = sqlite3_column_double(st, 10);
    return bad ? -1 : 0;
}

static char *deals_sql(loader *L)
{
    char ow[32], sg[32], ss[32], am[32], ci[32], cn[32], cu[32], cr[32], en[32], cl[32];
    const char *t = "deals";
    col(L, t, "created_at", cr, sizeof cr);
    col(L, t, "engaged_at", en, sizeof en);
    col(L, t, "closed_at", cl, sizeof cl);
    col(L, t, "company_id", ci, sizeof ci);
    col(L, t, "company", cn, sizeof cn);
    /* The cycle starts at created_at, else at engaged_at (docs/report.md). */
    return sl_strfmt("SELECT %s, %s, %s, %s, %s, %s, coalesce(nullif(%s, ''), nullif(%s, ''), nullif(%s, '')), "
                     "date(%s), date(coalesce(nullif(%s, ''), nullif(%s, ''), %s)), coalesce(%s, '') <> '', "
                     "julianday(%s) - julianday(coalesce(nullif(%s, ''), %s)) FROM deals",
                     col(L, t, "owner", ow, sizeof ow), col(L, t, "stage", sg, sizeof sg),
                     col(L, t, "status", ss, sizeof ss), col(L, t, "amount", am, sizeof am), ci, cn,
                     col(L, t, "customer_id", cu, sizeof cu), ci, cn, cl, cl, en, cr, en, cl, cr, en);
}

static int load_deals(loader *L, const sectors *sec)
{
    sqlite3_stmt *st = prepare(L, deals_sql(L), "reading deals");
    sl_rep_data *d = L->d;
    size_t cap = 0;
    int rc = SQLITE_DONE;
    while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (grow((void **)&d->deals, &cap, d->ndeals, sizeof *d->deals) != 0 ||
            load_deal_row(L, st, sec, &d->deals[d->ndeals++]) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_finalize(st);
    if (!st)
        return -1;
    if (rc == SQLITE_NOMEM)
        return oom(L);
    return rc == SQLITE_DONE ? 0 : sql_fail(L, "reading deals");
}

static int load_leads(loader *L)
{
    char cr[32], cv[32], dl[32], ss[32];
    const char *t = "leads";
    sqlite3_stmt *st = prepare(L,
                               sl_strfmt("SELECT date(%s), coalesce(%s, '') <> '' OR coalesce(%s, '') <> '' OR "
                                         "lower(trim(%s)) = 'converted' FROM leads",
                                         col(L, t, "created_at", cr, sizeof cr), col(L, t, "converted_at", cv, sizeof cv),
                                         col(L, t, "deal_id", dl, sizeof dl), col(L, t, "status", ss, sizeof ss)),
                               "reading leads");
    sl_rep_data *d = L->d;
    size_t cap = 0;
    int rc = SQLITE_DONE;
    while (st && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (grow((void **)&d->leads, &cap, d->nleads, sizeof *d->leads) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
        d->leads[d->nleads++] = (sl_rep_lead){day_of(st, 0), sqlite3_column_int(st, 1)};
    }
    sqlite3_finalize(st);
    if (!st)
        return -1;
    if (rc == SQLITE_NOMEM)
        return oom(L);
    return rc == SQLITE_DONE ? 0 : sql_fail(L, "reading leads");
}

/* Distinct currencies of orders and deals: the report sums amounts as they
 * are and says so when they mix. */
static int load_currencies(loader *L)
{
    char a[32], b[32];
    sl_rep_data *d = L->d;
    if (d->have_orders)
        col(L, "orders", "currency", a, sizeof a);
    if (d->have_deals)
        col(L, "deals", "currency", b, sizeof b);
    char *sql;
    if (d->have_orders && d->have_deals)
        sql = sl_strfmt("SELECT upper(trim(%s)) c FROM orders UNION SELECT upper(trim(%s)) FROM deals ORDER BY 1", a, b);
    else if (d->have_orders || d->have_deals)
        sql = sl_strfmt("SELECT DISTINCT upper(trim(%s)) FROM %s ORDER BY 1", d->have_orders ? a : b,
                        d->have_orders ? "orders" : "deals");
    else
        return 0;
    sqlite3_stmt *st = prepare(L, sql, "reading currencies");
    size_t cap = 0;
    int rc = SQLITE_DONE, bad = 0;
    while (st && !bad && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        char *c = text_dup(st, 0, &bad);
        if (c && grow((void **)&d->currencies, &cap, d->ncurrencies, sizeof *d->currencies) != 0)
            bad = 1;
        if (c && !bad)
            d->currencies[d->ncurrencies++] = c;
        else
            free(c);
    }
    sqlite3_finalize(st);
    if (!st)
        return -1;
    if (bad)
        return oom(L);
    return rc == SQLITE_DONE ? 0 : sql_fail(L, "reading currencies");
}

/* ---- entry points ---------------------------------------------------------- */

static int open_ro(const char *path, sqlite3 **db, char **err)
{
    if (access(path, R_OK) != 0) {
        *err = sl_strfmt("cannot read %s", path);
        return -1;
    }
    if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_exec(*db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) {
        *err = sl_strfmt("%s: %s", path, *db ? sqlite3_errmsg(*db) : "cannot open");
        return -1;
    }
    sqlite3_busy_timeout(*db, 10000); /* a sink may be writing it right now */
    return 0;
}

static int load_all(loader *L)
{
    sl_rep_data *d = L->d;
    d->have_orders = has_table(L, "orders");
    d->have_lines = has_table(L, "order_lines");
    d->have_deals = has_table(L, "deals");
    d->have_leads = has_table(L, "leads");
    d->have_customers = has_table(L, "customers");
    d->have_companies = has_table(L, "companies");
    sectors sec;
    memset(&sec, 0, sizeof sec);
    int rc = load_sectors(L, &sec);
    if (rc == 0 && d->have_orders)
        rc = load_orders(L, &sec);
    if (rc == 0 && d->have_orders && d->have_lines)
        rc = load_lines(L);
    if (rc == 0 && d->have_deals)
        rc = load_deals(L, &sec);
    if (rc == 0 && d->have_leads)
        rc = load_leads(L);
    if (rc == 0)
        rc = load_currencies(L);
    free_sectors(&sec);
    return rc;
}

int sl_rep_load(const char *path, sl_rep_data *d, char **err)
{
    memset(d, 0, sizeof *d);
    *err = NULL;
    sqlite3 *db = NULL;
    if (open_ro(path, &db, err) != 0) {
        sqlite3_close(db);
        return -1;
    }
    loader L = {db, d, err};
    /* One read transaction: every table seen at the same moment. */
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    int rc = load_all(&L);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    if (rc != 0)
        sl_rep_data_free(d);
    return rc;
}

void sl_rep_data_free(sl_rep_data *d)
{
    for (size_t i = 0; i < d->norders; i++) {
        free(d->orders[i].id);
        free(d->orders[i].customer);
        free(d->orders[i].sector);
    }
    for (size_t i = 0; i < d->ndeals; i++) {
        free(d->deals[i].owner);
        free(d->deals[i].stage);
        free(d->deals[i].sector);
        free(d->deals[i].customer);
    }
    for (size_t i = 0; i < d->ncurrencies; i++)
        free(d->currencies[i]);
    free(d->orders);
    free(d->deals);
    free(d->leads);
    free(d->currencies);
    memset(d, 0, sizeof *d);
}
