/* cml_items.c - Товар and Предложение subtrees into records: the fields
 * both share, then an offer's prices and stock. Field names are in
 * connectors/commerceml/README.md.
 *
 * Strings and keys go into jansson with the _nocheck calls: libxml2 hands
 * out only UTF-8 it has already validated (a file that is not well-formed
 * fails before any record), and jansson's second check of every byte was
 * a fifth of the reader thread's time (500,000 products: 3.0 s -> 2.4 s to
 * /dev/null). */
#include "cml_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*field_fn)(cml_file *f, json_t *rec, const xmlNode *c, const char *key);

static int f_text(cml_file *f, json_t *rec, const xmlNode *c, const char *key)
{
    const char *t = slx_text(c, &f->p->t1);
    if (t == NULL)
        return SLX_ENOMEM;
    if (json_object_get(rec, key) != NULL) /* a repeated element: the first wins */
        return SLX_OK;
    return slx_set_str(rec, key, t) == 0 ? SLX_OK : SLX_ENOMEM;
}

/* Ид "product#variant": a variant (characteristic) of a product. */
static int f_id(cml_file *f, json_t *rec, const xmlNode *c, const char *key)
{
    const char *t = slx_text(c, &f->p->t1);
    if (t == NULL)
        return SLX_ENOMEM;
    if (t[0] == '\0' || json_object_get(rec, "id") != NULL)
        return SLX_OK;
    const char *hash = strchr(t, '#');
    json_t *pid = hash != NULL ? json_stringn_nocheck(t, (size_t)(hash - t)) : json_string_nocheck(t);
    if (json_object_set_new_nocheck(rec, "id", json_string_nocheck(t)) != 0 || json_object_set_new_nocheck(rec, "product_id", pid) != 0 ||
        (hash != NULL && slx_set_str(rec, "variant_id", hash + 1) != 0))
        return SLX_ENOMEM;
    return SLX_OK;
}

static int all_digits(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

/* БазоваяЕдиница: "<БазоваяЕдиница Код="796" НаименованиеПолное="Штука"
 * МеждународноеСокращение="PCE">шт</БазоваяЕдиница>", or only the code as
 * text ("796 "). */
static int f_unit(cml_file *f, json_t *rec, const xmlNode *c, const char *key)
{
    slx_buf *b = &f->p->t1;
    const char *code = slx_attr_text(c, "Код", b);
    int rc = slx_set_str(rec, "unit_code", code);
    rc |= slx_set_str(rec, "unit_name", slx_attr_text(c, "НаименованиеПолное", b));
    rc |= slx_set_str(rec, "unit_intl", slx_attr_text(c, "МеждународноеСокращение", b));
    const char *t = slx_text(c, b);
    if (t == NULL)
        return SLX_ENOMEM;
    if (json_object_get(rec, "unit_code") == NULL && all_digits(t))
        rc |= slx_set_str(rec, "unit_code", t);
    else if (t[0] != '\0')
        rc |= slx_set_str(rec, "unit", t);
    if (json_object_get(rec, "unit") == NULL)
        rc |= slx_set_str(rec, "unit", slx_attr_text(c, "НаименованиеКраткое", b));
    return rc == 0 && !b->oom ? SLX_OK : SLX_ENOMEM;
}

/* Группы/Ид: the first group with its resolved path; all of them when
 * there are several. */
static int f_groups(cml_file *f, json_t *rec, const xmlNode *c, const char *key)
{
    json_t *ids = json_array();
    if (ids == NULL)
        return SLX_ENOMEM;
    for (const xmlNode *g = slx_first_elem(c); g != NULL; g = slx_next_elem(g)) {
        const char *id = slx_is(g, "Ид") ? slx_text(g, &f->p->t1) : NULL;
        if (id != NULL && id[0] != '\0' && json_array_append_new(ids, json_string_nocheck(id)) != 0) {
            json_decref(ids);
            return SLX_ENOMEM;
        }
    }
    if (json_array_size(ids) == 0) {
        json_decref(ids);
        return SLX_OK;
    }
    const char *first = json_string_value(json_array_get(ids, 0));
    json_t *known = json_object_get(f->p->groups, first);
    int rc = json_object_set_new_nocheck(rec, "group_id", json_string_nocheck(first));
    if (known != NULL)
        rc |= slx_set_str(rec, "group_path", json_string_value(json_object_get(known, "path")));
    if (json_array_size(ids) > 1)
        rc |= json_object_set(rec, "group_ids", ids);
    json_decref(ids);
    return rc == 0 ? SLX_OK : SLX_ENOMEM;
}

static int f_maker(cml_file *f, json_t *rec, const xmlNode *c, const char *key)
{
    int rc = slx_set_str(rec, "manufacturer_id", slx_child_text(c, "Ид", &f->p->t1));
    const char *name = slx_child_text(c, "Наименование", &f->p->t1);
    if (name == NULL && slx_first_elem(c) == NULL)
        name = slx_text(c, &f->p->t1);
    rc |= slx_set_str(rec, "manufacturer", name);
    return rc == 0 && !f->p->t1.oom ? SLX_OK : SLX_ENOMEM;
}

/* Adds value v under key k of obj; a second value turns it into a list. */
static int add_value(json_t *obj, const char *k, json_t *v)
{
    if (v == NULL)
        return -1;
    json_t *old = json_object_get(obj, k);
    if (old == NULL)
        return json_object_set_new_nocheck(obj, k, v);
    if (json_is_array(old))
        return json_array_append_new(old, v);
    json_t *list = json_pack("[O, o]", old, v);
    return list != NULL ? json_object_set_new_nocheck(obj, k, list) : -1;
}

/* The object under rec[key], created on first use (borrowed). */
static json_t *sub_object(json_t *rec, const char *key)
{
    json_t *o = json_object_get(rec, key);
    if (o != NULL)
        return o;
    o = json_object();
    if (o == NULL || json_object_set_new_nocheck(rec, key, o) != 0)
        return NULL;
    return o;
}

/* ЗначенияСвойств/ЗначенияСвойства{Ид, Значение...}: keyed by the
 * property's name, values from its list when they are ИдЗначения. */
static int one_property(cml_file *f, json_t *props, const xmlNode *pv)
{
    const char *pid = slx_child_text(pv, "Ид", &f->p->t3);
    if (pid == NULL)
        return f->p->t3.oom ? SLX_ENOMEM : SLX_OK;
    json_t *def = json_object_get(f->p->props, pid);
    const char *name = json_string_value(json_object_get(def, "name"));
    json_t *values = json_object_get(def, "values");
    const char *key = name != NULL ? name : pid;
    for (const xmlNode *v = slx_first_elem(pv); v != NULL; v = slx_next_elem(v)) {
        if (!slx_is(v, "Значение"))
            continue;
        const char *t = slx_text(v, &f->p->t1);
        if (t == NULL)
            return SLX_ENOMEM;
        if (t[0] == '\0')
            continue;
        const char *resolved = json_string_value(json_object_get(values, t));
        if (add_value(props, key, json_string_nocheck(resolved != NULL ? resolved : t)) != 0)
            return SLX_ENOMEM;
    }
    return SLX_OK;
}

static int f_props(cml_file *f, json_t *rec, const xmlNode *c, const char *key)
{
    json_t *props = sub_object(rec, "properties");
    if (props == NULL)
        return SLX_ENOMEM;
    for (const xmlNode *pv = slx_first_elem(c); pv != NULL; pv = slx_next_elem(pv)) {
        int rc = slx_is(pv, "ЗначенияСвойства") ? one_property(f, props, pv) : SLX_OK;
        if (rc != SLX_OK)
            return rc;
    }
    if (json_object_size(props) == 0)
        json_object_del(rec, "properties");
    return SLX_OK;
}

/* Lists of {Наименование, <value element>} pairs: ЗначенияРеквизитов,
 * ХарактеристикиТовара, СтавкиНалогов. */
static int name_value_list(cml_file *f, json_t *rec, const xmlNode *c, const char *key, const char *item,
                           const char *value_elem)
{
    json_t *obj = sub_object(rec, key);
    if (obj == NULL)
        return SLX_ENOMEM;
    for (const xmlNode *it = slx_first_elem(c); it != NULL; it = slx_next_elem(it)) {
        if (!slx_is(it, item))
            continue;
        const char *name = slx_child_text(it, "Наименование", &f->p->t3);
        const char *value = slx_child_text(it, value_elem, &f->p->t1);
        if (name != NULL && value != NULL && add_value(obj, name, json_string_nocheck(value)) != 0)
            return SLX_ENOMEM;
    }
    if (f->p->t1.oom || f->p->t3.oom)
        return SLX_ENOMEM;
    if (json_object_size(obj) == 0)
        json_object_del(rec, key);
    return SLX_OK;
}

static int f_requisites(cml_file *f, json_t *rec, const xmlNode *c, const char *key)
{
    int rc = name_value_list(f, rec, c, "requisites", "ЗначениеРеквизита", "Значение");
    /* Older exports carry the full name only here. */
    const char *full = json_string_value(json_object_get(json_object_get(rec, "requisites"), "Полное наименование"));
    if (rc == SLX_OK && full != NULL && json_object_get(rec, "full_name") == NULL)
        rc = slx_set_str(rec, "full_name", full) == 0 ? SLX_OK : SLX_ENOMEM;
    return rc;
}

static int f_chars(cml_file *f, json_t *rec, const xmlNode *c, const char *key)
{
    return name_value_list(f, rec, c, "characteristics", "ХарактеристикаТовара", "Значение");
}

static int f_taxes(cml_file *f, json_t *rec, const xmlNode *c, const char *key)
{
    return name_value_list(f, rec, c, "taxes", "СтавкаНалога", "Ставка");
}

static int f_picture(cml_file *f, json_t *rec, const xmlNode *c, const char *key)
{
    const char *t = slx_text(c, &f->p->t1);
    if (t == NULL)
        return SLX_ENOMEM;
    if (t[0] == '\0')
        return SLX_OK;
    json_t *list = json_object_get(rec, "pictures");
    if (list == NULL && json_object_set_new_nocheck(rec, "pictures", list = json_array()) != 0)
        return SLX_ENOMEM;
    return json_array_append_new(list, json_string_nocheck(t)) == 0 ? SLX_OK : SLX_ENOMEM;
}

static int f_deleted(cml_file *f, json_t *rec, const xmlNode *c, const char *key)
{
    const char *t = slx_text(c, &f->p->t1);
    if (t == NULL)
        return SLX_ENOMEM;
    return slx_set_bool(rec, "deleted", t) == 0 ? SLX_OK : SLX_ENOMEM;
}

/* Статус (2.08+, Bitrix): "Удален" marks a deleted item. */
static int f_status(cml_file *f, json_t *rec, const xmlNode *c, const char *key)
{
    const char *t = slx_text(c, &f->p->t1);
    if (t == NULL)
        return SLX_ENOMEM;
    int rc = slx_set_str(rec, "status", t);
    if (strcmp(t, "Удален") == 0)
        rc |= json_object_set_new_nocheck(rec, "deleted", json_true());
    return rc == 0 ? SLX_OK : SLX_ENOMEM;
}

static const struct field {
    const char *elem;
    const char *key;
    field_fn fn;
} fields[] = {
    {"Ид", "id", f_id},
    {"Артикул", "sku", f_text},
    {"Штрихкод", "barcode", f_text},
    {"Наименование", "name", f_text},
    {"ПолноеНаименование", "full_name", f_text},
    {"Описание", "description", f_text},
    {"НомерВерсии", "version", f_text},
    {"БазоваяЕдиница", NULL, f_unit},
    {"Группы", NULL, f_groups},
    {"Изготовитель", NULL, f_maker},
    {"ЗначенияСвойств", NULL, f_props},
    {"ЗначенияРеквизитов", NULL, f_requisites},
    {"ХарактеристикиТовара", NULL, f_chars},
    {"СтавкиНалогов", NULL, f_taxes},
    {"Картинка", NULL, f_picture},
    {"ПометкаУдаления", NULL, f_deleted},
    {"Статус", NULL, f_status},
};

/* The fields Товар and Предложение share, into a new record (NULL when
 * memory ran out). */
static json_t *item_record(cml_file *f, const xmlNode *n, int *rc)
{
    json_t *rec = json_object();
    *rc = rec != NULL ? SLX_OK : SLX_ENOMEM;
    for (const xmlNode *c = slx_first_elem(n); *rc == SLX_OK && c != NULL; c = slx_next_elem(c)) {
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
            if (strcmp((const char *)c->name, fields[i].elem) == 0) {
                *rc = fields[i].fn(f, rec, c, fields[i].key);
                break;
            }
        }
    }
    if (*rc != SLX_OK) {
        json_decref(rec);
        return NULL;
    }
    return rec;
}

int cml_product(cml_file *f, const xmlNode *n, long line)
{
    int rc;
    json_t *rec = item_record(f, n, &rc);
    if (rec == NULL)
        return rc;
    if (json_object_get(rec, "id") == NULL) {
        json_decref(rec);
        return cml_reject(f, CML_S_PRODUCTS, n, line, "product (Товар) without Ид");
    }
    return cml_emit(f, CML_S_PRODUCTS, rec, line);
}

/* ---- offers: prices and stock --------------------------------------------- */

/* Records an offer produces besides itself, emitted after it. */
typedef struct offer_parts {
    json_t *prices; /* array of price records (owned) */
    json_t *stock;  /* array of per-warehouse stock records (owned) */
    char *total;    /* owned: Количество / Остаток/Количество, canonical when numeric */
    int has_total;
} offer_parts;

/* Is this price (type id, position in Цены) the offer's price? */
static int chosen_price(const cml_parser *p, const char *type_id, size_t index)
{
    if (p->chosen_type != NULL)
        return type_id != NULL && strcmp(type_id, p->chosen_type) == 0;
    if (p->opt.price_type != NULL) /* named, but not declared in any file read so far */
        return type_id != NULL && strcmp(type_id, p->opt.price_type) == 0;
    if (p->first_type != NULL)
        return type_id != NULL && strcmp(type_id, p->first_type) == 0;
    return index == 0;
}

static char *pair_id(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);
    if (s == NULL)
        return NULL;
    memcpy(s, a, la);
    s[la] = '|';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

/* The base of a price or stock record: id "OFFER|OTHER" (or OFFER alone),
 * offer_id, product_id. */
static json_t *part_record(const json_t *offer, const char *other)
{
    const char *oid = json_string_value(json_object_get(offer, "id"));
    char *id = other != NULL ? pair_id(oid, other) : strdup(oid);
    json_t *rec = id != NULL ? json_pack("{s:s, s:s, s:O}", "id", id, "offer_id", oid, "product_id",
                                         json_object_get(offer, "product_id"))
                             : NULL;
    free(id);
    return rec;
}

static int one_price(cml_file *f, json_t *offer, offer_parts *parts, const xmlNode *c, size_t index)
{
    cml_parser *p = f->p;
    const char *type_id = slx_child_text(c, "ИдТипаЦены", &p->t3);
    json_t *rec = part_record(offer, type_id != NULL ? type_id : "");
    if (rec == NULL)
        return SLX_ENOMEM;
    json_t *type = type_id != NULL ? json_object_get(p->price_types, type_id) : NULL;
    const char *cur = slx_child_text(c, "Валюта", &p->t1);
    if (cur == NULL)
        cur = json_string_value(json_object_get(type, "currency"));
    int rc = slx_set_str(rec, "price_type_id", type_id);
    rc |= slx_set_str(rec, "price_type", json_string_value(json_object_get(type, "name")));
    rc |= slx_set_decimal(rec, "price", slx_child_text(c, "ЦенаЗаЕдиницу", &p->t2), &p->t3);
    rc |= slx_set_str(rec, "currency", cur);
    rc |= slx_set_str(rec, "unit", slx_child_text(c, "Единица", &p->t1));
    rc |= slx_set_decimal(rec, "ratio", slx_child_text(c, "Коэффициент", &p->t2), &p->t1);
    const char *tid = json_string_value(json_object_get(rec, "price_type_id"));
    if (rc == 0 && json_object_get(offer, "price") == NULL && json_object_get(rec, "price") != NULL &&
        chosen_price(p, tid, index)) {
        json_t *currency = json_object_get(rec, "currency");
        rc |= json_object_set(offer, "price", json_object_get(rec, "price"));
        if (currency != NULL)
            rc |= json_object_set(offer, "currency", currency);
        if (tid != NULL)
            rc |= json_object_set_new_nocheck(offer, "price_type_id", json_string_nocheck(tid));
    }
    if (rc != 0 || json_array_append_new(parts->prices, rec) != 0)
        return SLX_ENOMEM;
    return SLX_OK;
}

static int read_prices(cml_file *f, json_t *offer, offer_parts *parts, const xmlNode *c)
{
    size_t index = 0;
    for (const xmlNode *pr = slx_first_elem(c); pr != NULL; pr = slx_next_elem(pr)) {
        if (!slx_is(pr, "Цена"))
            continue;
        int rc = one_price(f, offer, parts, pr, index++);
        if (rc != SLX_OK)
            return rc;
    }
    return SLX_OK;
}

/* A quantity as a canonical decimal, the text when it is not one, or
 * JSON null when empty (КоличествоНаСкладе=""). */
static json_t *quantity_value(cml_file *f, const char *q)
{
    if (q == NULL || q[0] == '\0')
        return json_null();
    const char *d = slx_decimal(q, &f->p->t2);
    return json_string_nocheck(d != NULL ? d : q);
}

static int stock_row(cml_file *f, json_t *offer, offer_parts *parts, const char *wh, const char *qty)
{
    json_t *rec = part_record(offer, wh);
    if (rec == NULL)
        return SLX_ENOMEM;
    const char *name = json_string_value(json_object_get(f->p->warehouses, wh));
    int rc = json_object_set_new_nocheck(rec, "warehouse_id", json_string_nocheck(wh));
    rc |= slx_set_str(rec, "warehouse", name);
    rc |= json_object_set_new_nocheck(rec, "quantity", quantity_value(f, qty));
    if (rc != 0 || json_array_append_new(parts->stock, rec) != 0)
        return SLX_ENOMEM;
    return SLX_OK;
}

static int set_total(offer_parts *parts, const char *q)
{
    if (parts->has_total)
        return SLX_OK;
    parts->has_total = 1;
    if (q == NULL)
        return SLX_OK;
    parts->total = strdup(q);
    return parts->total != NULL ? SLX_OK : SLX_ENOMEM;
}

/* 2.04-2.07: <Склад ИдСклада="..." КоличествоНаСкладе="5"/>. */
static int old_warehouse(cml_file *f, json_t *offer, offer_parts *parts, const xmlNode *c)
{
    const char *wh = slx_attr_text(c, "ИдСклада", &f->p->t3);
    if (wh == NULL)
        return f->p->t3.oom ? SLX_ENOMEM : SLX_OK;
    char *whc = strdup(wh);
    if (whc == NULL)
        return SLX_ENOMEM;
    const char *q = slx_attr_text(c, "КоличествоНаСкладе", &f->p->t1);
    int rc = stock_row(f, offer, parts, whc, q);
    free(whc);
    return rc;
}

/* 2.08+: Остатки/Остаток/Склад{Ид, Количество} or Остатки/Остаток/Количество. */
static int read_rests(cml_file *f, json_t *offer, offer_parts *parts, const xmlNode *c)
{
    for (const xmlNode *r = slx_first_elem(c); r != NULL; r = slx_next_elem(r)) {
        if (!slx_is(r, "Остаток"))
            continue;
        int rc = SLX_OK, any = 0;
        for (const xmlNode *s = slx_first_elem(r); rc == SLX_OK && s != NULL; s = slx_next_elem(s)) {
            if (!slx_is(s, "Склад"))
                continue;
            any = 1;
            const char *wh = slx_child_text(s, "Ид", &f->p->t3);
            char *whc = wh != NULL ? strdup(wh) : NULL;
            if (wh != NULL && whc == NULL)
                return SLX_ENOMEM;
            if (whc != NULL)
                rc = stock_row(f, offer, parts, whc, slx_child_text(s, "Количество", &f->p->t1));
            free(whc);
        }
        if (rc == SLX_OK && !any && slx_child(r, "Количество") != NULL)
            rc = set_total(parts, slx_child_text(r, "Количество", &f->p->t1));
        if (rc != SLX_OK)
            return rc;
    }
    return SLX_OK;
}

static int offer_parts_read(cml_file *f, json_t *offer, offer_parts *parts, const xmlNode *n)
{
    int rc = SLX_OK;
    for (const xmlNode *c = slx_first_elem(n); rc == SLX_OK && c != NULL; c = slx_next_elem(c)) {
        if (slx_is(c, "Цены"))
            rc = read_prices(f, offer, parts, c);
        else if (slx_is(c, "Количество"))
            rc = set_total(parts, slx_text(c, &f->p->t1));
        else if (slx_is(c, "Склад"))
            rc = old_warehouse(f, offer, parts, c);
        else if (slx_is(c, "Остатки"))
            rc = read_rests(f, offer, parts, c);
    }
    return rc;
}

/* The offer's own "quantity": the total when the file gives one, else the
 * sum over warehouses (when every quantity is a number). */
static int offer_quantity(cml_file *f, json_t *offer, offer_parts *parts)
{
    if (parts->has_total)
        return json_object_set_new_nocheck(offer, "quantity", quantity_value(f, parts->total)) == 0 ? SLX_OK : SLX_ENOMEM;
    size_t n = json_array_size(parts->stock);
    if (n == 0)
        return SLX_OK;
    slx_buf *sum = &f->p->t3, *next = &f->p->t1;
    slx_buf_reset(sum);
    if (slx_buf_add(sum, "0", 1) != 0)
        return SLX_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const char *q = json_string_value(json_object_get(json_array_get(parts->stock, i), "quantity"));
        if (q == NULL || slx_decimal_add(sum->p, q, next) == NULL)
            return next->oom ? SLX_ENOMEM : SLX_OK; /* not summable: leave it out */
        slx_buf tmp = *sum;
        *sum = *next;
        *next = tmp;
    }
    return json_object_set_new_nocheck(offer, "quantity", json_string_nocheck(sum->p)) == 0 ? SLX_OK : SLX_ENOMEM;
}

/* Hands each record of list to cml_emit, the list keeping none of them
 * (the sink may pass them to other threads). */
static int emit_all(cml_file *f, int s, json_t *list, long line)
{
    for (size_t i = 0; i < json_array_size(list); i++) {
        json_t *rec = json_incref(json_array_get(list, i));
        if (json_array_set_new(list, i, json_null()) != 0) {
            json_decref(rec);
            return SLX_ENOMEM;
        }
        int rc = cml_emit(f, s, rec, line);
        if (rc != SLX_OK)
            return rc;
    }
    return SLX_OK;
}

static int offer_emit(cml_file *f, json_t *offer, offer_parts *parts, long line)
{
    int rc = offer_quantity(f, offer, parts);
    if (rc != SLX_OK) {
        json_decref(offer);
        return rc;
    }
    if (json_array_size(parts->stock) == 0 && parts->has_total) {
        json_t *total = part_record(offer, NULL);
        if (total == NULL || json_object_set_new_nocheck(total, "quantity", quantity_value(f, parts->total)) != 0 ||
            json_array_append_new(parts->stock, total) != 0) {
            json_decref(offer);
            return SLX_ENOMEM;
        }
    }
    rc = cml_emit(f, CML_S_OFFERS, offer, line);
    if (rc == SLX_OK)
        rc = emit_all(f, CML_S_PRICES, parts->prices, line);
    if (rc == SLX_OK)
        rc = emit_all(f, CML_S_STOCK, parts->stock, line);
    return rc;
}

int cml_offer(cml_file *f, const xmlNode *n, long line)
{
    int rc;
    json_t *offer = item_record(f, n, &rc);
    if (offer == NULL)
        return rc;
    if (json_object_get(offer, "id") == NULL) {
        json_decref(offer);
        return cml_reject(f, CML_S_OFFERS, n, line, "offer (Предложение) without Ид");
    }
    offer_parts parts = {.prices = json_array(), .stock = json_array()};
    if (parts.prices == NULL || parts.stock == NULL)
        rc = SLX_ENOMEM;
    if (rc == SLX_OK)
        rc = offer_parts_read(f, offer, &parts, n);
    if (rc == SLX_OK)
        rc = offer_emit(f, offer, &parts, line); /* steals offer */
    else
        json_decref(offer);
    json_decref(parts.prices);
    json_decref(parts.stock);
    free(parts.total);
    return rc;
}
