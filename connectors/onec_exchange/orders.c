/* orders.c - type=sale: the shop's orders as a CommerceML document for 1C,
 * read from a warehouse table of order lines, and the record of which
 * orders 1C has confirmed.
 *
 * Lines are grouped by order id (one Документ per order, one Товар per
 * line). An order is sent until 1C confirms the query with mode=success;
 * the confirmed ids go to a table beside the orders (`exported_table`),
 * so the next query sends only new orders, across runs too. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xmlstring.h>
#include <libxml/xmlwriter.h>
#include <sqlite3.h>

#include "onec.h"

/* The order fields the document uses, and the columns tried for each when
 * `order_fields` does not name one. */
enum { F_ID, F_LINE, F_DATE, F_STATUS, F_CUSTOMER_ID, F_CUSTOMER_NAME, F_EMAIL, F_SKU, F_NAME, F_QTY,
       F_PRICE, F_CURRENCY, F_COUNT };

static const char *const field_keys[F_COUNT] = {"id", "line", "date", "status", "customer_id", "customer_name",
                                                "email", "sku", "name", "qty", "price", "currency"};

static const char *const guesses[F_COUNT][5] = {
    {"order_id", NULL},
    {"line_no", "line", NULL},
    {"created_at", "order_date", "ordered_at", "date", NULL},
    {"status", NULL},
    {"customer_id", NULL},
    {"customer_name", NULL},
    {"email", "customer_email", NULL},
    {"sku", "product_id", "article", NULL},
    {"product_name", "title", "name", NULL},
    {"qty", "quantity", NULL},
    {"unit_price", "price", NULL},
    {"currency", NULL},
};

#define MAX_COLS 256

typedef struct columns {
    char *have[MAX_COLS]; /* owned: the table's column names */
    int nhave;
    const char *use[F_COUNT]; /* borrowed from have[]; NULL: not in the table */
} columns;

/* One order line: the field texts (owned, NULL when absent). */
typedef struct line {
    char *v[F_COUNT];
} line;

typedef struct order_buf {
    line *lines;
    size_t n, cap;
} order_buf;

/* Writes "name" quoted as an SQL identifier into buf. */
static void quote_ident(const char *name, char *buf, size_t len)
{
    size_t o = 0;
    if (len < 3)
        return;
    buf[o++] = '"';
    for (const char *p = name; *p != '\0' && o + 3 < len; p++) {
        if (*p == '"')
            buf[o++] = '"';
        buf[o++] = *p;
    }
    buf[o++] = '"';
    buf[o] = '\0';
}

static void columns_free(columns *c)
{
    for (int i = 0; i < c->nhave; i++)
        free(c->have[i]);
    c->nhave = 0;
}

static const char *find_col(const columns *c, const char *name)
{
    for (int i = 0; i < c->nhave; i++)
        if (strcmp(c->have[i], name) == 0)
            return c->have[i];
    return NULL;
}

/* Reads the table's columns and settles which one serves each field.
 * Returns 1 when the table exists, 0 when it does not, -1 on error. */
static int columns_load(sl_1c *st, sqlite3 *db, columns *c, char *err, size_t errlen)
{
    char q[512], ident[300];
    quote_ident(st->cfg.orders_table, ident, sizeof ident);
    snprintf(q, sizeof q, "PRAGMA table_info(%s)", ident);
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "orders_db: %s", sqlite3_errmsg(db));
        return -1;
    }
    while (sqlite3_step(s) == SQLITE_ROW && c->nhave < MAX_COLS) {
        const char *name = (const char *)sqlite3_column_text(s, 1);
        if (name != NULL && (c->have[c->nhave] = strdup(name)) != NULL)
            c->nhave++;
    }
    sqlite3_finalize(s);
    if (c->nhave == 0)
        return 0;
    for (int f = 0; f < F_COUNT; f++) {
        const char *named = json_string_value(json_object_get(st->cfg.order_fields, field_keys[f]));
        if (named != NULL) {
            c->use[f] = find_col(c, named);
            if (c->use[f] == NULL) {
                snprintf(err, errlen, "order_fields.%s: table %s has no column %s", field_keys[f],
                         st->cfg.orders_table, named);
                return -1;
            }
            continue;
        }
        for (int g = 0; guesses[f][g] != NULL && c->use[f] == NULL; g++)
            c->use[f] = find_col(c, guesses[f][g]);
    }
    if (c->use[F_ID] == NULL || c->use[F_QTY] == NULL || c->use[F_PRICE] == NULL ||
        (c->use[F_SKU] == NULL && c->use[F_NAME] == NULL)) {
        snprintf(err, errlen, "table %s needs order id, quantity, price and sku or name columns "
                              "(see the order_fields option)", st->cfg.orders_table);
        return -1;
    }
    return 1;
}

static int exec(sqlite3 *db, const char *sql, char *err, size_t errlen)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return 0;
    snprintf(err, errlen, "orders_db: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return -1;
}

static int ensure_exported_table(sl_1c *st, sqlite3 *db, char *err, size_t errlen)
{
    char q[512], ident[300];
    quote_ident(st->cfg.exported_table, ident, sizeof ident);
    snprintf(q, sizeof q,
             "CREATE TABLE IF NOT EXISTS %s (order_id TEXT PRIMARY KEY, exported_at TEXT NOT NULL)", ident);
    return exec(db, q, err, errlen);
}

static sqlite3 *open_db(sl_1c *st, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    /* No CREATE: a missing warehouse is a mistake to report, not to paper over. */
    if (sqlite3_open_v2(st->cfg.orders_db, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open orders_db %s: %s", st->cfg.orders_db,
                 db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 10000); /* the sqlite sink may be writing the same file */
    return db;
}

/* ---- the document ---- */

#define W(call)                                                                                              \
    do {                                                                                                     \
        if ((call) < 0)                                                                                      \
            return -1;                                                                                       \
    } while (0)

static int elem(xmlTextWriterPtr w, const char *name, const char *text)
{
    if (text == NULL)
        return 0;
    return xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST text) < 0 ? -1 : 0;
}

static int requisite(xmlTextWriterPtr w, const char *name, const char *value)
{
    W(xmlTextWriterStartElement(w, BAD_CAST "ЗначениеРеквизита"));
    W(elem(w, "Наименование", name));
    W(elem(w, "Значение", value));
    return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

static int write_item(xmlTextWriterPtr w, const line *l, const char *sum)
{
    const char *sku = l->v[F_SKU] ? l->v[F_SKU] : l->v[F_NAME];
    W(xmlTextWriterStartElement(w, BAD_CAST "Товар"));
    W(elem(w, "Ид", sku));
    if (l->v[F_SKU] != NULL)
        W(elem(w, "Артикул", l->v[F_SKU]));
    W(elem(w, "Наименование", l->v[F_NAME] ? l->v[F_NAME] : sku));
    W(xmlTextWriterStartElement(w, BAD_CAST "БазоваяЕдиница"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "Код", BAD_CAST "796"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "НаименованиеПолное", BAD_CAST "Штука"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "МеждународноеСокращение", BAD_CAST "PCE"));
    W(xmlTextWriterWriteString(w, BAD_CAST "шт"));
    W(xmlTextWriterEndElement(w));
    W(elem(w, "ЦенаЗаЕдиницу", l->v[F_PRICE]));
    W(elem(w, "Количество", l->v[F_QTY]));
    W(elem(w, "Сумма", sum));
    W(xmlTextWriterStartElement(w, BAD_CAST "ЗначенияРеквизитов"));
    W(requisite(w, "ВидНоменклатуры", "Товар"));
    W(requisite(w, "ТипНоменклатуры", "Товар"));
    W(xmlTextWriterEndElement(w));
    return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

static int write_customer(xmlTextWriterPtr w, const line *l)
{
    const char *id = l->v[F_CUSTOMER_ID] ? l->v[F_CUSTOMER_ID] : l->v[F_EMAIL];
    const char *name = l->v[F_CUSTOMER_NAME] ? l->v[F_CUSTOMER_NAME] : id;
    if (id == NULL && name == NULL)
        return 0;
    W(xmlTextWriterStartElement(w, BAD_CAST "Контрагенты"));
    W(xmlTextWriterStartElement(w, BAD_CAST "Контрагент"));
    W(elem(w, "Ид", id ? id : name));
    W(elem(w, "Наименование", name));
    W(elem(w, "Роль", "Покупатель"));
    W(elem(w, "ПолноеНаименование", name));
    if (l->v[F_EMAIL] != NULL) {
        W(xmlTextWriterStartElement(w, BAD_CAST "Контакты"));
        W(xmlTextWriterStartElement(w, BAD_CAST "Контакт"));
        W(elem(w, "Тип", "Почта"));
        W(elem(w, "Значение", l->v[F_EMAIL]));
        W(xmlTextWriterEndElement(w));
        W(xmlTextWriterEndElement(w));
    }
    W(xmlTextWriterEndElement(w));
    return xmlTextWriterEndElement(w) < 0 ? -1 : 0;
}

/* "2024-06-12T19:49:54+03:00" -> date "2024-06-12", time "19:49:54". */
static void split_when(const char *when, char date[11], char hms[9])
{
    date[0] = hms[0] = '\0';
    if (when == NULL || strlen(when) < 10 || when[4] != '-' || when[7] != '-')
        return;
    memcpy(date, when, 10);
    date[10] = '\0';
    if ((when[10] == 'T' || when[10] == ' ') && strlen(when) >= 19 && when[13] == ':' && when[16] == ':') {
        memcpy(hms, when + 11, 8);
        hms[8] = '\0';
    }
}

/* Line sums, then the order total, in exact decimals. Returns 0 or -1. */
static int line_sums(const order_buf *o, char (*sums)[48], char total[48], char *err, size_t errlen)
{
    __int128 acc = 0;
    for (size_t i = 0; i < o->n; i++) {
        const line *l = &o->lines[i];
        __int128 q, p;
        if (l->v[F_QTY] == NULL || sl_1c_dec_parse(l->v[F_QTY], &q) != 0 || l->v[F_PRICE] == NULL ||
            sl_1c_dec_parse(l->v[F_PRICE], &p) != 0) {
            snprintf(err, errlen, "order %s: line %zu has quantity \"%s\" and price \"%s\", not numbers",
                     l->v[F_ID], i + 1, l->v[F_QTY] ? l->v[F_QTY] : "", l->v[F_PRICE] ? l->v[F_PRICE] : "");
            return -1;
        }
        sl_1c_dec_mul_fmt(q, p, sums[i], sizeof sums[i]);
        acc += q * p;
    }
    sl_1c_dec_fmt12(acc, total, 48);
    return 0;
}

static int write_order(xmlTextWriterPtr w, const order_buf *o, char *err, size_t errlen)
{
    char (*sums)[48] = calloc(o->n, sizeof *sums);
    char total[48], date[11], hms[9];
    if (sums == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (line_sums(o, sums, total, err, errlen) != 0) {
        free(sums);
        return -1;
    }
    const line *h = &o->lines[0];
    split_when(h->v[F_DATE], date, hms);
    int rc = -1;
    do {
        if (xmlTextWriterStartElement(w, BAD_CAST "Документ") < 0 || elem(w, "Ид", h->v[F_ID]) ||
            elem(w, "Номер", h->v[F_ID]) || elem(w, "Дата", date[0] ? date : NULL) ||
            elem(w, "ХозОперация", "Заказ товара") || elem(w, "Роль", "Продавец") ||
            elem(w, "Валюта", h->v[F_CURRENCY] ? h->v[F_CURRENCY] : "RUB") || elem(w, "Курс", "1") ||
            elem(w, "Сумма", total) || write_customer(w, h) || elem(w, "Время", hms[0] ? hms : NULL) ||
            xmlTextWriterStartElement(w, BAD_CAST "Товары") < 0)
            break;
        size_t i = 0;
        while (i < o->n && write_item(w, &o->lines[i], sums[i]) == 0)
            i++;
        if (i < o->n || xmlTextWriterEndElement(w) < 0)
            break;
        if (h->v[F_STATUS] != NULL &&
            (xmlTextWriterStartElement(w, BAD_CAST "ЗначенияРеквизитов") < 0 ||
             requisite(w, "Статус заказа", h->v[F_STATUS]) || xmlTextWriterEndElement(w) < 0))
            break;
        rc = xmlTextWriterEndElement(w) < 0 ? -1 : 0;
    } while (0);
    if (rc != 0 && err[0] == '\0')
        snprintf(err, errlen, "cannot write the order document");
    free(sums);
    return rc;
}

static void order_clear(order_buf *o)
{
    for (size_t i = 0; i < o->n; i++)
        for (int f = 0; f < F_COUNT; f++)
            free(o->lines[i].v[f]);
    o->n = 0;
}

/* Copies the row's texts into a new line of o. Returns 0 or -1. */
static int order_add(order_buf *o, sqlite3_stmt *s, char *err, size_t errlen)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 8;
        line *nl = realloc(o->lines, cap * sizeof *nl);
        if (nl == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        o->lines = nl;
        o->cap = cap;
    }
    line *l = &o->lines[o->n];
    memset(l, 0, sizeof *l);
    o->n++;
    for (int f = 0; f < F_COUNT; f++) {
        const char *t = (const char *)sqlite3_column_text(s, f);
        if (t == NULL)
            continue;
        if (!xmlCheckUTF8(BAD_CAST t)) {
            snprintf(err, errlen, "order lines hold text that is not UTF-8 (column %s)", field_keys[f]);
            return -1;
        }
        if ((l->v[f] = strdup(t)) == NULL) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* ---- remembering what was sent ---- */

typedef struct id_list {
    char **ids;
    size_t n, cap;
} id_list;

static void ids_free(char **ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

static int ids_add(id_list *l, const char *id)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **n = realloc(l->ids, cap * sizeof *n);
        if (n == NULL)
            return -1;
        l->ids = n;
        l->cap = cap;
    }
    if ((l->ids[l->n] = strdup(id)) == NULL)
        return -1;
    l->n++;
    return 0;
}

/* The query's SELECT: the chosen columns in field order, NULL for fields
 * the table lacks, only orders not exported yet, lines of an order
 * together. */
static int build_select(sl_1c *st, const columns *c, char *q, size_t qlen)
{
    char ident[300], table[300], exported[300];
    quote_ident(st->cfg.orders_table, table, sizeof table);
    quote_ident(st->cfg.exported_table, exported, sizeof exported);
    size_t o = (size_t)snprintf(q, qlen, "SELECT ");
    for (int f = 0; f < F_COUNT && o < qlen; f++) {
        if (c->use[f] != NULL)
            quote_ident(c->use[f], ident, sizeof ident);
        o += (size_t)snprintf(q + o, qlen - o, "%s%s", f ? ", " : "", c->use[f] ? ident : "NULL");
    }
    quote_ident(c->use[F_ID], ident, sizeof ident);
    if (o < qlen)
        o += (size_t)snprintf(q + o, qlen - o, " FROM %s WHERE CAST(%s AS TEXT) NOT IN (SELECT order_id FROM %s)"
                                               " ORDER BY %s",
                              table, ident, exported, ident);
    if (o < qlen && c->use[F_LINE] != NULL) {
        quote_ident(c->use[F_LINE], ident, sizeof ident);
        o += (size_t)snprintf(q + o, qlen - o, ", %s", ident);
    }
    if (o < qlen)
        o += (size_t)snprintf(q + o, qlen - o, ", rowid");
    return o < qlen ? 0 : -1;
}

/* Walks the rows, writing one Документ per order id. */
static int write_orders(sqlite3_stmt *s, xmlTextWriterPtr w, id_list *sent, char *err, size_t errlen)
{
    order_buf o = {0};
    int rc = 0, step;
    while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(s, F_ID);
        if (id == NULL)
            continue; /* a line without an order cannot be sent */
        if (o.n > 0 && strcmp(o.lines[0].v[F_ID], id) != 0) {
            rc = write_order(w, &o, err, errlen);
            if (rc == 0)
                rc = ids_add(sent, o.lines[0].v[F_ID]);
            order_clear(&o);
        }
        if (rc == 0)
            rc = order_add(&o, s, err, errlen);
    }
    if (rc == 0 && o.n > 0) {
        rc = write_order(w, &o, err, errlen);
        if (rc == 0)
            rc = ids_add(sent, o.lines[0].v[F_ID]);
    }
    if (rc != 0 && err[0] == '\0')
        snprintf(err, errlen, "out of memory");
    order_clear(&o);
    free(o.lines);
    return rc;
}

/* Starts the document: declaration and root with the schema version and
 * the time it was made (local time, as 1C writes it). */
static int start_document(xmlTextWriterPtr w)
{
    char now[32];
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%S", &tm);
    W(xmlTextWriterSetIndent(w, 1));
    W(xmlTextWriterSetIndentString(w, BAD_CAST "\t"));
    W(xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL));
    W(xmlTextWriterStartElement(w, BAD_CAST "КоммерческаяИнформация"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "ВерсияСхемы", BAD_CAST "2.05"));
    W(xmlTextWriterWriteAttribute(w, BAD_CAST "ДатаФормирования", BAD_CAST now));
    return 0;
}

/* Reads the orders into the document. Returns 0 or -1 with err. */
static int query_db(sl_1c *st, xmlTextWriterPtr w, id_list *sent, char *err, size_t errlen)
{
    sqlite3 *db = open_db(st, err, errlen);
    if (db == NULL)
        return -1;
    columns c = {0};
    int rc = columns_load(st, db, &c, err, errlen);
    if (rc == 0) {
        sluice_debug(st->ctx, "orders_db has no table %s yet: no orders to send", st->cfg.orders_table);
    } else if (rc > 0 && ensure_exported_table(st, db, err, errlen) == 0) {
        char q[4096];
        sqlite3_stmt *s = NULL;
        if (build_select(st, &c, q, sizeof q) != 0 || sqlite3_prepare_v2(db, q, -1, &s, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "orders_db: %s", sqlite3_errmsg(db));
            rc = -1;
        } else {
            rc = write_orders(s, w, sent, err, errlen);
        }
        sqlite3_finalize(s);
    } else {
        rc = -1;
    }
    columns_free(&c);
    sqlite3_close(db);
    return rc < 0 ? -1 : 0;
}

int sl_1c_orders_query(sl_1c *st, char **xml, size_t *len, char *err, size_t errlen)
{
    err[0] = '\0';
    xmlBufferPtr buf = xmlBufferCreate();
    xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
    id_list sent = {0};
    int rc = w != NULL && start_document(w) == 0 ? 0 : -1;
    if (rc == 0 && st->cfg.orders_db != NULL)
        rc = query_db(st, w, &sent, err, errlen);
    if (rc == 0 && xmlTextWriterEndDocument(w) < 0)
        rc = -1;
    xmlFreeTextWriter(w); /* flushes into buf */
    if (rc == 0 && (*xml = malloc((size_t)xmlBufferLength(buf) + 1)) != NULL) {
        *len = (size_t)xmlBufferLength(buf);
        memcpy(*xml, xmlBufferContent(buf), *len + 1);
    } else if (rc == 0) {
        rc = -1;
    }
    xmlBufferFree(buf);
    if (rc != 0) {
        if (err[0] == '\0')
            snprintf(err, errlen, "cannot build the order document");
        ids_free(sent.ids, sent.n);
        return -1;
    }
    pthread_mutex_lock(&st->sh.mu);
    ids_free(st->sh.sent_orders, st->sh.nsent);
    st->sh.sent_orders = sent.ids;
    st->sh.nsent = sent.n;
    pthread_mutex_unlock(&st->sh.mu);
    sluice_info(st->ctx, "sent %zu orders to 1C (type=sale&mode=query)", sent.n);
    return 0;
}

/* Inserts the ids into the exported table in one transaction. */
static int mark_exported(sl_1c *st, sqlite3 *db, char **ids, size_t n, char *err, size_t errlen)
{
    char q[512], ident[300];
    quote_ident(st->cfg.exported_table, ident, sizeof ident);
    snprintf(q, sizeof q, "INSERT OR IGNORE INTO %s (order_id, exported_at) VALUES (?, datetime('now'))", ident);
    sqlite3_stmt *s = NULL;
    if (ensure_exported_table(st, db, err, errlen) != 0 || exec(db, "BEGIN IMMEDIATE", err, errlen) != 0)
        return -1;
    int ok = sqlite3_prepare_v2(db, q, -1, &s, NULL) == SQLITE_OK;
    for (size_t i = 0; ok && i < n; i++) {
        ok = sqlite3_bind_text(s, 1, ids[i], -1, SQLITE_STATIC) == SQLITE_OK && sqlite3_step(s) == SQLITE_DONE;
        sqlite3_reset(s);
    }
    if (!ok)
        snprintf(err, errlen, "orders_db: %s", sqlite3_errmsg(db));
    sqlite3_finalize(s);
    if (!ok) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL); /* err keeps the first failure */
        return -1;
    }
    return exec(db, "COMMIT", err, errlen);
}

int sl_1c_orders_confirm(sl_1c *st, char *err, size_t errlen)
{
    err[0] = '\0';
    pthread_mutex_lock(&st->sh.mu);
    char **ids = st->sh.sent_orders;
    size_t n = st->sh.nsent;
    st->sh.sent_orders = NULL;
    st->sh.nsent = 0;
    pthread_mutex_unlock(&st->sh.mu);
    if (n == 0 || st->cfg.orders_db == NULL) {
        ids_free(ids, n);
        return 0;
    }
    sqlite3 *db = open_db(st, err, errlen);
    int rc = db != NULL ? mark_exported(st, db, ids, n, err, errlen) : -1;
    sqlite3_close(db);
    if (rc == 0) {
        sluice_info(st->ctx, "1C confirmed %zu orders; they are marked exported", n);
        ids_free(ids, n);
        return 0;
    }
    /* Keep them for a repeated success. */
    pthread_mutex_lock(&st->sh.mu);
    if (st->sh.sent_orders == NULL) {
        st->sh.sent_orders = ids;
        st->sh.nsent = n;
        ids = NULL;
        n = 0;
    }
    pthread_mutex_unlock(&st->sh.mu);
    ids_free(ids, n);
    return -1;
}
