/* objects.c - the Bitrix24 lists the source pulls, the parameters of their
 * list calls, and what one page does to a stream. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bitrix24.h"

/* Multi-fields (PHONE, EMAIL ...) come only when selected by name. */
static const char *const select_person[] = {"*", "UF_*", "PHONE", "EMAIL", "WEB", "IM", NULL};
static const char *const select_deal[] = {"*", "UF_*", NULL};
static const char *const select_product[] = {"*", NULL};

static const bx_object objects[] = {
    {"deals", "crm.deal.list", NULL, "ID", "DATE_MODIFY", select_deal},
    {"contacts", "crm.contact.list", NULL, "ID", "DATE_MODIFY", select_person},
    {"companies", "crm.company.list", NULL, "ID", "DATE_MODIFY", select_person},
    {"leads", "crm.lead.list", NULL, "ID", "DATE_MODIFY", select_person},
    {"products", "catalog.product.list", "products", "id", "timestampX", select_product},
    /* stock has no modification time: the whole list every run */
    {"store_products", "catalog.storeproduct.list", "storeProducts", "id", NULL, NULL},
    /* portals still on the old product catalogue */
    {"crm_products", "crm.product.list", NULL, "ID", "TIMESTAMP_X", select_product},
};

const char *const bx_object_names[] = {"deals", "contacts", "companies", "leads", "products", "store_products",
                                       "crm_products", NULL};

const bx_object *bx_object_find(const char *name)
{
    for (size_t i = 0; i < sizeof objects / sizeof objects[0]; i++)
        if (strcmp(objects[i].name, name) == 0)
            return &objects[i];
    return NULL;
}

/* The `filter` option's conditions for this object: filter[KEY]=value. */
static int user_filter(bx_stream *s)
{
    json_t *f = json_object_get(s->src->filter, s->obj->name), *v;
    const char *key;
    char name[160], text[256];
    json_object_foreach(f, key, v) {
        snprintf(name, sizeof name, "filter[%s]", key);
        if (hc_scalar_text(v, text, sizeof text) != 0 || hc_strv_pair(&s->params, name, text) != 0)
            return -1;
    }
    return 0;
}

/* order by id keeps offsets stable while records change during the run
 * (a changed record keeps its place); the date filter only narrows. */
static int build_params(bx_stream *s)
{
    json_t *sel = json_object_get(s->src->select, s->obj->name), *v, *since = hc_mark_since(&s->mark);
    char name[96], text[128];
    size_t i;
    int bad;
    snprintf(name, sizeof name, "order[%s]", s->obj->id);
    bad = hc_strv_pair(&s->params, name, "ASC") || user_filter(s);
    if (json_is_array(sel)) {
        json_array_foreach(sel, i, v) bad = bad || hc_strv_pair(&s->params, "select[]", json_string_value(v));
    } else {
        for (const char *const *p = s->obj->select; p && *p; p++)
            bad = bad || hc_strv_pair(&s->params, "select[]", *p);
    }
    if (!bad && since != NULL && s->obj->modified != NULL) {
        if (hc_scalar_text(since, text, sizeof text) != 0)
            return -1;
        snprintf(name, sizeof name, "filter[>=%s]", s->obj->modified);
        bad = hc_strv_pair(&s->params, name, text);
    }
    return bad ? -1 : 0;
}

int bx_stream_init(bx_stream *s, bx_source *src, const bx_object *obj)
{
    char path[128], field[96], id[32];
    memset(s, 0, sizeof *s);
    s->src = src;
    s->obj = obj;
    s->total = -1;
    snprintf(field, sizeof field, "/%s", obj->modified ? obj->modified : "");
    snprintf(id, sizeof id, "/%s", obj->id);
    snprintf(path, sizeof path, "%s.json", obj->method);
    s->url = hc_url_join(src->base, path);
    if (s->url == NULL ||
        hc_mark_init(&s->mark, src->cursor, obj->name, obj->modified ? field : NULL, id, 0) != 0 ||
        build_params(s) != 0)
        return -1;
    return 0;
}

void bx_stream_fini(bx_stream *s)
{
    hc_mark_fini(&s->mark);
    hc_strv_free(&s->params);
    hc_strv_free(&s->query);
    free(s->url);
}

int bx_stream_page(bx_stream *s, sluice_ctx *ctx, json_t *result, json_t *next, json_t *total,
                   const char *origin)
{
    long n;
    if (s->obj->list_key != NULL)
        result = json_object_get(result, s->obj->list_key);
    if (!json_is_array(result))
        return hc_fail(ctx, "malformed page from %s: %s has no \"result%s%s\" array", origin, s->obj->method,
                       s->obj->list_key ? "." : "", s->obj->list_key ? s->obj->list_key : "");
    n = hc_emit_array(ctx, s->obj->name, result, &s->mark, origin, (uint64_t)s->next_start + 1);
    if (n < 0)
        return (int)n;
    s->emitted += (uint64_t)n;
    s->pages++;
    if (json_is_integer(total))
        s->total = (long)json_integer_value(total);
    /* `next` is missing on the last page; a string "50" is taken too */
    if (json_is_integer(next) || (json_is_string(next) && *json_string_value(next))) {
        long nx = json_is_integer(next) ? (long)json_integer_value(next) : strtol(json_string_value(next), NULL, 10);
        if (nx <= s->next_start)
            return hc_fail(ctx, "%s: `next` does not move forward (%ld after %ld) at %s", s->obj->method, nx,
                           s->next_start, origin);
        s->next_start = nx;
    } else {
        s->finished = 1;
    }
    if (s->finished && hc_mark_save(&s->mark, 1) != 0)
        return SLUICE_ENOMEM;
    return SLUICE_OK;
}
