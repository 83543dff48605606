/* report_load.c - reads the canonical tables of a warehouse into
 * sl_rep_data for the report.
 *
 * Any table may be missing, and so may any column (the sqlite sink creates
 * the columns the records carried): a missing column reads as NULL, a
 * missing table leaves its have_* flag 0 so the KPIs that need it come out
 * null. Money is read as text and summed exactly (report_dec.c), never as
 * SQLite REAL. Joins to companies and customers are lookups in sorted
 * tables (report_db.c), so repeated names can never duplicate rows.
 * Customer ids an identity transform merged away (identity_merges) are
 * read as the id they ended in: rows written before a merge keep the old
 * id, and one person must not count as two customers. */
#include <stdlib.h>
#include <string.h>

#include "report_db.h"
#include "textutil.h"

typedef struct sectors {
    sl_rep_kvtab by_id, by_name, cust_company;
    sl_rep_kvtab merged; /* customer id merged away -> the id it ended in */
} sectors;

/* The row callbacks' argument: where the rows go. */
typedef struct sink {
    const sectors *sec;
    size_t cap;
} sink;

#define COL(L, t, c, buf) sl_rep_db_col(L, t, c, buf, sizeof buf)

/* ---- companies and customers -------------------------------------------------- */

static int load_sectors(sl_rep_db *L, sectors *s)
{
    char c1[32], c2[32], c3[32];
    if (!L->d->have_companies)
        return 0;
    COL(L, "companies", "sector", c2);
    if (sl_rep_kv_load(L, sl_strfmt("SELECT %s, %s FROM companies", COL(L, "companies", "company_id", c1), c2), 0,
                       &s->by_id) != 0 ||
        sl_rep_kv_load(L, sl_strfmt("SELECT %s, %s FROM companies", COL(L, "companies", "name", c3), c2), 1,
                       &s->by_name) != 0)
        return -1;
    if (!L->d->have_customers)
        return 0;
    return sl_rep_kv_load(L,
                          sl_strfmt("SELECT %s, %s FROM customers", COL(L, "customers", "customer_id", c1),
                                    COL(L, "customers", "company", c2)),
                          0, &s->cust_company);
}

static void free_sectors(sectors *s)
{
    sl_rep_kv_free(&s->by_id);
    sl_rep_kv_free(&s->by_name);
    sl_rep_kv_free(&s->cust_company);
    sl_rep_kv_free(&s->merged);
}

static char *dup_or_null(const char *s, int *bad)
{
    if (!s)
        return NULL;
    char *c = strdup(s);
    if (!c)
        *bad = 1;
    return c;
}

/* identity_merges (from_id -> into_id, docs/unified-model.md), chains
 * followed to their end; UNION stops on a (damaged) cycle, whose ids then
 * stay as they are. */
static int load_merges(sl_rep_db *L, sl_rep_kvtab *merged)
{
    char f[32], t[32];
    const char *m = "identity_merges";
    if (!sl_rep_db_has_table(L, m) || strcmp(COL(L, m, "from_id", f), "NULL") == 0 ||
        strcmp(COL(L, m, "into_id", t), "NULL") == 0)
        return 0;
    return sl_rep_kv_load(L,
                          sl_strfmt("WITH RECURSIVE r(orig, cur) AS (SELECT %s, %s FROM %s UNION "
                                    "SELECT r.orig, x.%s FROM r JOIN %s x ON x.%s = r.cur) "
                                    "SELECT orig, cur FROM r WHERE cur NOT IN (SELECT %s FROM %s WHERE %s IS NOT NULL)",
                                    f, t, m, t, m, f, f, m, f),
                          0, merged);
}

/* The id `id` ended in after merges (borrowed), or id itself. */
static const char *final_id(const sectors *s, const char *id)
{
    const char *to = sl_rep_kv_get(&s->merged, id);
    return to ? to : id;
}

/* Column i as sl_rep_db_text() reads it, a merged-away id replaced. */
static char *customer_text(const sectors *s, sqlite3_stmt *st, int i, int *bad)
{
    char *id = sl_rep_db_text(st, i, bad);
    const char *to = id ? sl_rep_kv_get(&s->merged, id) : NULL;
    if (!to)
        return id;
    free(id);
    return dup_or_null(to, bad);
}

/* ---- orders and their lines ------------------------------------------------------ */

static int order_cmp(const void *a, const void *b)
{
    return strcmp(((const sl_rep_order *)a)->id, ((const sl_rep_order *)b)->id);
}

static int is_excluded_status(const char *s)
{
    return s && (strcmp(s, "cancelled") == 0 || strcmp(s, "canceled") == 0 || strcmp(s, "refunded") == 0);
}

/* Columns: order_id, customer, date, status, total, customer_id. */
static int order_row(sl_rep_db *L, sqlite3_stmt *st, void *arg)
{
    sink *k = arg;
    sl_rep_data *d = L->d;
    if (sl_rep_grow((void **)&d->orders, &k->cap, d->norders, sizeof *d->orders) != 0)
        return -1;
    sl_rep_order *o = &d->orders[d->norders++];
    int bad = 0;
    memset(o, 0, sizeof *o);
    o->id = sl_rep_db_text(st, 0, &bad);
    if (!o->id && !bad) /* an order without an id cannot be told apart from others */
        bad = !(o->id = sl_strfmt("(row %zu)", d->norders));
    o->customer = customer_text(k->sec, st, 1, &bad);
    o->day = sl_rep_db_day(st, 2);
    o->counted = !is_excluded_status((const char *)sqlite3_column_text(st, 3));
    o->has_total = sl_rep_db_dec(L, st, 4, &o->total) == 1;
    const char *cid = (const char *)sqlite3_column_text(st, 5);
    const char *company = sl_rep_kv_get(&k->sec->cust_company, final_id(k->sec, cid));
    if (!company) /* the row under the old id may be the one with the company */
        company = sl_rep_kv_get(&k->sec->cust_company, cid);
    o->sector = dup_or_null(sl_rep_kv_get(&k->sec->by_name, company), &bad);
    return bad ? -1 : 0;
}

static int load_orders(sl_rep_db *L, const sectors *sec)
{
    char id[32], cid[32], mail[32], at[32], status[32], total[32];
    const char *t = "orders";
    sink k = {sec, 0};
    char *sql =
        sl_strfmt("SELECT %s, coalesce(nullif(%s, ''), nullif(lower(trim(%s)), '')), date(%s), lower(trim(%s)), %s, %s "
                  "FROM orders",
                  COL(L, t, "order_id", id), COL(L, t, "customer_id", cid), COL(L, t, "customer_email", mail),
                  COL(L, t, "created_at", at), COL(L, t, "status", status), COL(L, t, "total", total), cid);
    if (sl_rep_db_each_row(L, sql, "reading orders", order_row, &k) != 0)
        return -1;
    if (L->d->norders)
        qsort(L->d->orders, L->d->norders, sizeof *L->d->orders, order_cmp);
    return 0;
}

/* Columns: order_id, qty, unit_price, discount, cost, margin. A line of an
 * unknown order is skipped; -1 only on decimal overflow. */
static int line_row(sl_rep_db *L, sqlite3_stmt *st, void *arg)
{
    (void)arg;
    sl_rep_data *d = L->d;
    sl_rep_order probe = {.id = (char *)sqlite3_column_text(st, 0)};
    sl_rep_order *o = probe.id && d->norders ? bsearch(&probe, d->orders, d->norders, sizeof *d->orders, order_cmp)
                                             : NULL;
    if (!o)
        return 0;
    sl_dec qty, price, disc = {0, 0}, cost, margin, rev, v;
    int hq = sl_rep_db_dec(L, st, 1, &qty) == 1, hp = sl_rep_db_dec(L, st, 2, &price) == 1;
    sl_rep_db_dec(L, st, 3, &disc);
    int hc = sl_rep_db_dec(L, st, 4, &cost) == 1, hm = sl_rep_db_dec(L, st, 5, &margin) == 1;
    int bad = 0;
    o->nlines++;
    bad |= hq && sl_dec_add(&o->units, qty) != 0;
    if (!bad && hq && hp) {
        bad |= sl_dec_mul(qty, price, &rev) != 0 || sl_dec_sub(rev, disc, &rev) != 0 ||
               sl_dec_add(&o->line_revenue, rev) != 0;
        /* No margin column: revenue - qty x unit cost. */
        bad |= !bad && !hm && hc && (sl_dec_mul(qty, cost, &v) != 0 || sl_dec_sub(rev, v, &margin) != 0);
        if (!bad && (hm || hc)) {
            o->nmargin++;
            bad |= sl_dec_add(&o->margin, margin) != 0 || sl_dec_add(&o->margin_revenue, rev) != 0;
        }
    }
    if (bad)
        *L->err = sl_strfmt("order %s: its lines overflow the decimal range", o->id);
    return bad ? -1 : 0;
}

static int load_lines(sl_rep_db *L)
{
    char id[32], q[32], p[32], di[32], c[32], m[32];
    const char *t = "order_lines";
    char *sql = sl_strfmt("SELECT %s, %s, %s, %s, %s, %s FROM order_lines", COL(L, t, "order_id", id),
                          COL(L, t, "qty", q), COL(L, t, "unit_price", p), COL(L, t, "discount", di),
                          COL(L, t, "cost", c), COL(L, t, "margin", m));
    return sl_rep_db_each_row(L, sql, "reading order_lines", line_row, NULL);
}

/* ---- deals and leads ----------------------------------------------------------------- */

/* `status` when it is open, won or lost; else a status or stage saying
 * "won" ("Closed Won", "closedwon") or "lost"; else open. */
static int deal_status(const char *status, const char *stage)
{
    const char *s[2] = {status, stage};
    for (int i = 0; i < 2; i++) {
        if (!s[i])
            continue;
        char buf[128];
        snprintf(buf, sizeof buf, "%s", s[i]);
        sl_rep_ascii_lower(buf);
        if (strstr(buf, "won"))
            return SL_DEAL_WON;
        if (strstr(buf, "lost"))
            return SL_DEAL_LOST;
        if (i == 0 && strcmp(buf, "open") == 0)
            return SL_DEAL_OPEN;
    }
    return SL_DEAL_OPEN;
}

/* Columns as deals_sql() lists them. */
static int deal_row(sl_rep_db *L, sqlite3_stmt *st, void *arg)
{
    sink *k = arg;
    sl_rep_data *d = L->d;
    if (sl_rep_grow((void **)&d->deals, &k->cap, d->ndeals, sizeof *d->deals) != 0)
        return -1;
    sl_rep_deal *x = &d->deals[d->ndeals++];
    int bad = 0;
    memset(x, 0, sizeof *x);
    x->owner = sl_rep_db_text(st, 0, &bad);
    x->stage = sl_rep_db_text(st, 1, &bad);
    x->status = deal_status((const char *)sqlite3_column_text(st, 2), x->stage);
    x->has_amount = sl_rep_db_dec(L, st, 3, &x->amount) == 1;
    const char *sector = sl_rep_kv_get(&k->sec->by_id, (const char *)sqlite3_column_text(st, 4));
    if (!sector)
        sector = sl_rep_kv_get(&k->sec->by_name, (const char *)sqlite3_column_text(st, 5));
    x->sector = dup_or_null(sector, &bad);
    x->customer = customer_text(k->sec, st, 6, &bad);
    x->closed_day = sl_rep_db_day(st, 7);
    x->active_day = sl_rep_db_day(st, 8);
    x->engaged = sqlite3_column_int(st, 9);
    x->has_cycle = sqlite3_column_type(st, 10) != SQLITE_NULL;
    x->cycle_days = sqlite3_column_double(st, 10);
    return bad ? -1 : 0;
}

static char *deals_sql(sl_rep_db *L)
{
    char ow[32], sg[32], ss[32], am[32], ci[32], cn[32], cu[32], cr[32], en[32], cl[32];
    const char *t = "deals";
    COL(L, t, "created_at", cr);
    COL(L, t, "engaged_at", en);
    COL(L, t, "closed_at", cl);
    COL(L, t, "company_id", ci);
    COL(L, t, "company", cn);
    /* owner, stage, status, amount, company_id, company, customer, close
     * date, latest date, engaged, cycle days: the cycle starts at
     * created_at, else at engaged_at (docs/report.md). */
    return sl_strfmt("SELECT %s, %s, %s, %s, %s, %s, coalesce(nullif(%s, ''), nullif(%s, ''), nullif(%s, '')), "
                     "date(%s), date(coalesce(nullif(%s, ''), nullif(%s, ''), %s)), coalesce(%s, '') <> '', "
                     "julianday(%s) - julianday(coalesce(nullif(%s, ''), %s)) FROM deals",
                     COL(L, t, "owner", ow), COL(L, t, "stage", sg), COL(L, t, "status", ss), COL(L, t, "amount", am),
                     ci, cn, COL(L, t, "customer_id", cu), ci, cn, cl, cl, en, cr, en, cl, cr, en);
}

static int lead_row(sl_rep_db *L, sqlite3_stmt *st, void *arg)
{
    sink *k = arg;
    sl_rep_data *d = L->d;
    if (sl_rep_grow((void **)&d->leads, &k->cap, d->nleads, sizeof *d->leads) != 0)
        return -1;
    d->leads[d->nleads++] = (sl_rep_lead){sl_rep_db_day(st, 0), sqlite3_column_int(st, 1)};
    return 0;
}

static int load_leads(sl_rep_db *L)
{
    char cr[32], cv[32], dl[32], ss[32];
    const char *t = "leads";
    sink k = {NULL, 0};
    char *sql = sl_strfmt("SELECT date(%s), coalesce(%s, '') <> '' OR coalesce(%s, '') <> '' OR "
                          "lower(trim(%s)) = 'converted' FROM leads",
                          COL(L, t, "created_at", cr), COL(L, t, "converted_at", cv), COL(L, t, "deal_id", dl),
                          COL(L, t, "status", ss));
    return sl_rep_db_each_row(L, sql, "reading leads", lead_row, &k);
}

static int currency_row(sl_rep_db *L, sqlite3_stmt *st, void *arg)
{
    sink *k = arg;
    sl_rep_data *d = L->d;
    int bad = 0;
    char *c = sl_rep_db_text(st, 0, &bad);
    if (c && sl_rep_grow((void **)&d->currencies, &k->cap, d->ncurrencies, sizeof *d->currencies) == 0) {
        d->currencies[d->ncurrencies++] = c;
        return 0;
    }
    free(c);
    return bad || c ? -1 : 0;
}

/* Distinct currencies of orders and deals: the report sums amounts as they
 * are and says so when they mix. */
static int load_currencies(sl_rep_db *L)
{
    char a[32], b[32];
    const sl_rep_data *d = L->d;
    sink k = {NULL, 0};
    if (!d->have_orders && !d->have_deals)
        return 0;
    if (d->have_orders)
        COL(L, "orders", "currency", a);
    if (d->have_deals)
        COL(L, "deals", "currency", b);
    char *sql = d->have_orders && d->have_deals
                    ? sl_strfmt("SELECT upper(trim(%s)) FROM orders UNION SELECT upper(trim(%s)) FROM deals ORDER BY 1", a, b)
                    : sl_strfmt("SELECT DISTINCT upper(trim(%s)) FROM %s ORDER BY 1", d->have_orders ? a : b,
                                d->have_orders ? "orders" : "deals");
    return sl_rep_db_each_row(L, sql, "reading currencies", currency_row, &k);
}

/* ---- entry points ------------------------------------------------------------------------ */

static int load_all(sl_rep_db *L)
{
    sl_rep_data *d = L->d;
    d->have_orders = sl_rep_db_has_table(L, "orders");
    d->have_lines = sl_rep_db_has_table(L, "order_lines");
    d->have_deals = sl_rep_db_has_table(L, "deals");
    d->have_leads = sl_rep_db_has_table(L, "leads");
    d->have_customers = sl_rep_db_has_table(L, "customers");
    d->have_companies = sl_rep_db_has_table(L, "companies");
    sectors sec;
    memset(&sec, 0, sizeof sec);
    sink deals = {&sec, 0};
    int rc = load_sectors(L, &sec);
    if (rc == 0)
        rc = load_merges(L, &sec.merged);
    if (rc == 0 && d->have_orders)
        rc = load_orders(L, &sec);
    if (rc == 0 && d->have_orders && d->have_lines)
        rc = load_lines(L);
    if (rc == 0 && d->have_deals)
        rc = sl_rep_db_each_row(L, deals_sql(L), "reading deals", deal_row, &deals);
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
    sl_rep_db L = {NULL, d, err};
    if (sl_rep_db_open(&L, path) != 0) {
        sl_rep_db_close(&L);
        return -1;
    }
    /* One read transaction: every table seen at the same moment. */
    sqlite3_exec(L.db, "BEGIN", NULL, NULL, NULL);
    int rc = load_all(&L);
    sqlite3_exec(L.db, "COMMIT", NULL, NULL, NULL);
    sl_rep_db_close(&L);
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
