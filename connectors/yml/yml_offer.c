/* yml_offer.c - one <offer> into a product, its price and its stock
 * records. Known elements get English field names (README.md); any other
 * element holding only text keeps its own name ('-' becoming '_'), so
 * book, tour or ticket offers keep author, ISBN, date and the like. */
#include "yml_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Adds v under k; a second value turns it into a list. */
static int add_value(json_t *obj, const char *k, json_t *v)
{
    if (v == NULL)
        return -1;
    json_t *old = json_object_get(obj, k);
    if (old == NULL)
        return json_object_set_new(obj, k, v);
    if (json_is_array(old))
        return json_array_append_new(old, v);
    json_t *list = json_pack("[O, o]", old, v);
    return list != NULL ? json_object_set_new(obj, k, list) : -1;
}

static int append(json_t *rec, const char *key, json_t *v)
{
    json_t *list = json_object_get(rec, key);
    if (list == NULL) {
        list = json_array();
        if (list == NULL || json_object_set_new(rec, key, list) != 0) {
            json_decref(v);
            return -1;
        }
    }
    return json_array_append_new(list, v);
}

/* <param name="Цвет" unit="см">белый</param> -> {"name", "value", "unit"}. */
static int add_param(yml_file *f, json_t *rec, const xmlNode *c)
{
    json_t *p = json_object();
    if (p == NULL)
        return -1;
    int rc = slx_set_str(p, "name", slx_attr_text(c, "name", &f->t1));
    rc |= slx_set_str(p, "value", slx_text(c, &f->t1));
    rc |= slx_set_str(p, "unit", slx_attr_text(c, "unit", &f->t1));
    if (rc != 0) {
        json_decref(p);
        return -1;
    }
    return append(rec, "params", p);
}

static int has_elements(const xmlNode *n) { return slx_first_elem(n) != NULL; }

/* Any other element with text only, under its own name. */
static int add_other(yml_file *f, json_t *rec, const xmlNode *c)
{
    if (has_elements(c))
        return 0; /* delivery-options, pickup-options and other structures */
    const char *t = slx_text(c, &f->t1);
    if (t == NULL)
        return -1;
    if (t[0] == '\0')
        return 0;
    char key[128];
    snprintf(key, sizeof key, "%s", (const char *)c->name);
    for (char *k = key; *k != '\0'; k++)
        if (*k == '-')
            *k = '_';
    return add_value(rec, key, json_string(t));
}

static const struct known {
    const char *elem, *key;
} known[] = {
    {"name", "name"},           {"typePrefix", "type_prefix"}, {"vendor", "vendor"},
    {"model", "model"},         {"vendorCode", "vendor_code"}, {"url", "url"},
    {"currencyId", "currency"}, {"categoryId", "category_id"}, {"count", "quantity"},
};

static int offer_child(yml_file *f, json_t *rec, const xmlNode *c, const xmlNode **outlets)
{
    const char *name = (const char *)c->name;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (strcmp(name, known[i].elem) == 0) {
            if (json_object_get(rec, known[i].key) != NULL)
                return 0;
            const char *t = slx_text(c, &f->t1);
            return t == NULL ? -1 : slx_set_str(rec, known[i].key, t);
        }
    }
    if (strcmp(name, "price") == 0 || strcmp(name, "oldprice") == 0)
        return slx_set_decimal(rec, name, slx_text(c, &f->t1), &f->t2);
    if (strcmp(name, "description") == 0)
        return slx_set_str(rec, "description", slx_text_all(c, &f->t1));
    if (strcmp(name, "picture") == 0 || strcmp(name, "barcode") == 0) {
        const char *t = slx_text(c, &f->t1);
        return t == NULL ? -1 : t[0] == '\0' ? 0 : append(rec, name[0] == 'p' ? "pictures" : "barcodes", json_string(t));
    }
    if (strcmp(name, "param") == 0)
        return add_param(f, rec, c);
    if (strcmp(name, "outlets") == 0) {
        *outlets = c;
        return 0;
    }
    if (strcmp(name, "age") == 0) {
        int rc = slx_set_str(rec, "age", slx_text(c, &f->t1));
        return rc | slx_set_str(rec, "age_unit", slx_attr_text(c, "unit", &f->t1));
    }
    return add_other(f, rec, c);
}

/* vendor.model offers have no <name>: "typePrefix vendor model". */
static int compose_name(json_t *rec, slx_buf *b)
{
    if (json_object_get(rec, "name") != NULL)
        return 0;
    static const char *const parts[] = {"type_prefix", "vendor", "model"};
    slx_buf_reset(b);
    for (size_t i = 0; i < 3; i++) {
        const char *v = json_string_value(json_object_get(rec, parts[i]));
        if (v == NULL)
            continue;
        if (b->len > 0)
            slx_buf_add(b, " ", 1);
        slx_buf_add(b, v, strlen(v));
    }
    if (b->oom)
        return -1;
    return b->len > 0 ? slx_set_str(rec, "name", b->p) : 0;
}

static int offer_attrs(yml_file *f, json_t *rec, const xmlNode *n)
{
    int rc = slx_set_str(rec, "id", slx_attr_text(n, "id", &f->t1));
    rc |= slx_set_bool(rec, "available", slx_attr_text(n, "available", &f->t1));
    rc |= slx_set_str(rec, "type", slx_attr_text(n, "type", &f->t1));
    rc |= slx_set_str(rec, "group_id", slx_attr_text(n, "group_id", &f->t1));
    return rc;
}

static json_t *price_record(yml_file *f, const json_t *prod)
{
    json_t *price = json_object_get(prod, "price");
    if (price == NULL)
        return NULL;
    json_t *cur = json_object_get(prod, "currency");
    json_t *rec = json_pack("{s:O, s:O, s:O}", "id", json_object_get(prod, "id"), "offer_id",
                            json_object_get(prod, "id"), "price", price);
    if (rec == NULL)
        return NULL;
    json_t *old = json_object_get(prod, "oldprice");
    if ((old != NULL && json_object_set(rec, "oldprice", old) != 0) ||
        (cur != NULL && json_object_set(rec, "currency", cur) != 0) ||
        slx_set_str(rec, "currency_rate", json_string_value(json_object_get(f->currencies, json_string_value(cur)))) !=
            0) {
        json_decref(rec);
        return NULL;
    }
    return rec;
}

static int emit_stock(yml_file *f, const json_t *prod, const xmlNode *outlets, long line)
{
    json_t *qty = json_object_get(prod, "quantity");
    json_t *avail = json_object_get(prod, "available");
    const char *id = json_string_value(json_object_get(prod, "id"));
    if (qty != NULL) {
        json_t *rec = json_pack("{s:s, s:s, s:O}", "id", id, "offer_id", id, "quantity", qty);
        if (rec != NULL && avail != NULL && json_object_set(rec, "available", avail) != 0) {
            json_decref(rec);
            rec = NULL;
        }
        int rc = yml_emit(f, YML_S_STOCK, rec, line);
        if (rc != SLX_OK)
            return rc;
    }
    for (const xmlNode *o = slx_first_elem(outlets); o != NULL; o = slx_next_elem(o)) {
        const char *oid = slx_is(o, "outlet") ? slx_attr_text(o, "id", &f->t1) : NULL;
        if (oid == NULL)
            continue;
        slx_buf *b = &f->t3;
        slx_buf_reset(b);
        slx_buf_add(b, id, strlen(id));
        slx_buf_add(b, "|", 1);
        slx_buf_add(b, oid, strlen(oid));
        json_t *rec = b->oom ? NULL : json_pack("{s:s, s:s, s:s}", "id", b->p, "offer_id", id, "warehouse_id", oid);
        if (rec != NULL && slx_set_str(rec, "quantity", slx_attr_text(o, "instock", &f->t1)) != 0) {
            json_decref(rec);
            rec = NULL;
        }
        int rc = yml_emit(f, YML_S_STOCK, rec, line);
        if (rc != SLX_OK)
            return rc;
    }
    return SLX_OK;
}

int yml_offer(yml_file *f, const xmlNode *n, long line)
{
    json_t *rec = json_object();
    int bad = rec == NULL || offer_attrs(f, rec, n) != 0;
    const xmlNode *outlets = NULL;
    for (const xmlNode *c = slx_first_elem(n); !bad && c != NULL; c = slx_next_elem(c))
        bad = offer_child(f, rec, c, &outlets) != 0;
    if (!bad)
        bad = compose_name(rec, &f->t1) != 0;
    const char *cat = json_string_value(json_object_get(rec, "category_id"));
    const char *path = !bad && cat != NULL ? yml_category_path(f, cat) : NULL;
    if (!bad && path != NULL)
        bad = slx_set_str(rec, "category_path", path) != 0;
    if (bad || f->t1.oom || f->t2.oom || f->t3.oom) {
        json_decref(rec);
        return SLX_ENOMEM;
    }
    if (json_object_get(rec, "id") == NULL) {
        json_decref(rec);
        char raw[64];
        snprintf(raw, sizeof raw, "<offer> at line %ld", line);
        return slx_out_reject(&f->out, YML_STREAM_PRODUCTS, raw, strlen(raw), (uint64_t)line, "offer without id");
    }
    json_t *price = price_record(f, rec);
    int rc = emit_stock(f, rec, outlets, line);
    if (rc == SLX_OK)
        rc = yml_emit(f, YML_S_PRODUCTS, json_incref(rec), line);
    if (rc == SLX_OK && price != NULL)
        rc = yml_emit(f, YML_S_PRICES, price, line);
    else
        json_decref(price);
    json_decref(rec);
    return rc;
}
