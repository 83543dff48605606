/* streams.c - one hc_task per configured object.
 *
 * orders, customers and products are a single listing each. Orders are
 * asked for in updated_at order, so their watermark is saved after every
 * page; the other listings come in id order and save theirs when the
 * listing is complete (hc_window.c keeps both behind the server's clock).
 *
 * inventory_levels needs location_ids (or inventory_item_ids): the task
 * first lists the shop's locations, then lists the levels of up to 50
 * locations at a time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "shopify.h"

enum { PH_LIST = 0, PH_LOCATIONS, PH_LEVELS };

typedef struct shop_stream {
    hc_task task;        /* first: hc_run_tasks hands this pointer back */
    shop_source *src;    /* borrowed */
    const char *object;  /* borrowed from the objects option: stream name and body key */
    int ordered;         /* the API sorts this listing by updated_at */
    hc_mark mark;
    shop_pager pager;    /* the current listing */
    hc_window window;
    int phase;
    hc_strv locations;   /* inventory_levels: the shop's location ids */
    size_t chunk;        /* inventory_levels: first location of the current chunk */
    uint64_t emitted;
} shop_stream;

/* The first page's parameters shared by every listing of the stream. */
static int add_common_query(shop_stream *s, hc_strv *q)
{
    char since[64], limit[24];
    snprintf(limit, sizeof limit, "%lld", s->src->o.page_size);
    if (hc_strv_pair(q, "limit", limit) != 0)
        return -1;
    json_t *v = hc_mark_since(&s->mark);
    if (v != NULL && hc_scalar_text(v, since, sizeof since) == 0 && hc_strv_pair(q, "updated_at_min", since) != 0)
        return -1;
    return 0;
}

static int list_init(shop_stream *s)
{
    char path[64];
    snprintf(path, sizeof path, "%s.json", s->object);
    if (shop_pager_init(&s->pager, path) != 0 || add_common_query(s, &s->pager.query) != 0)
        return -1;
    if (strcmp(s->object, "orders") == 0) /* default status=open hides closed and cancelled orders */
        return hc_strv_pair(&s->pager.query, "status", "any") != 0 ||
                       hc_strv_pair(&s->pager.query, "order", "updated_at asc") != 0
                   ? -1
                   : 0;
    return 0;
}

static int locations_init(shop_stream *s)
{
    s->phase = PH_LOCATIONS;
    if (shop_pager_init(&s->pager, "locations.json") != 0)
        return -1;
    return hc_strv_pair(&s->pager.query, "limit", "250");
}

/* Sets the pager up for the levels of the next chunk of locations.
 * 1: a chunk is ready, 0: no locations left, -1: ENOMEM. */
static int levels_next_chunk(shop_stream *s)
{
    size_t n = s->locations.n;
    if (s->chunk >= n)
        return 0;
    size_t end = s->chunk + SHOP_MAX_LOCATIONS < n ? s->chunk + SHOP_MAX_LOCATIONS : n, len = 1;
    for (size_t i = s->chunk; i < end; i++)
        len += strlen(s->locations.v[i]) + 1;
    char *ids = malloc(len), *p = ids;
    if (ids == NULL)
        return -1;
    for (size_t i = s->chunk; i < end; i++) {
        size_t k = strlen(s->locations.v[i]);
        if (i > s->chunk)
            *p++ = ',';
        memcpy(p, s->locations.v[i], k);
        p += k;
    }
    *p = '\0';
    s->chunk = end;
    shop_pager_fini(&s->pager);
    int rc = shop_pager_init(&s->pager, "inventory_levels.json") != 0 ||
                     hc_strv_pair(&s->pager.query, "location_ids", ids) != 0 ||
                     add_common_query(s, &s->pager.query) != 0
                 ? -1
                 : 1;
    free(ids);
    s->phase = PH_LEVELS;
    return rc;
}

static int stream_next(hc_task *t, sluice_ctx *ctx, sluice_http_request *req)
{
    (void)ctx;
    return shop_pager_next(&((shop_stream *)t)->pager, req);
}

/* Saves the mark (ordered: every page; unordered: once complete) and
 * declares the cursor as the position reached. */
static int save(shop_stream *s, sluice_ctx *ctx, int complete)
{
    if (complete)
        sluice_info(ctx, "%s: %llu records (%llu already delivered skipped)", s->object,
                    (unsigned long long)s->emitted, (unsigned long long)s->mark.skipped);
    if (hc_window_save(&s->window, &s->mark, complete) != 0 ||
        hc_cursor_commit(ctx, s->mark.cursor) != SLUICE_OK)
        return hc_fail(ctx, "%s: cannot record the position reached", s->object);
    return SLUICE_OK;
}

/* A page of locations: collect their ids; after the last, start on the
 * levels. */
static int locations_page(shop_stream *s, sluice_ctx *ctx, int rc, const sluice_http_response *r)
{
    json_t *items, *loc;
    size_t i;
    char id[32];
    if ((rc = shop_pager_take(&s->pager, ctx, rc, r, "locations", &items)) != SLUICE_OK)
        return rc;
    json_array_foreach(items, i, loc) {
        if (hc_scalar_text(json_object_get(loc, "id"), id, sizeof id) != 0) {
            json_decref(items);
            return hc_fail(ctx, "malformed page from %s: location %zu has no id", r->url, i);
        }
        if (hc_strv_add(&s->locations, id) != 0) {
            json_decref(items);
            return hc_fail(ctx, "out of memory");
        }
    }
    json_decref(items);
    if (!s->pager.done)
        return SLUICE_OK;
    sluice_debug(ctx, "inventory_levels: %zu locations", s->locations.n);
    switch (levels_next_chunk(s)) {
    case 1: return SLUICE_OK;
    case 0: return save(s, ctx, 1); /* a shop without locations has no levels */
    default: return hc_fail(ctx, "out of memory");
    }
}

/* Shopify serves a version it no longer supports as its oldest supported
 * one, and says so only in a header: worth a warning, once. */
static void check_version(shop_source *src, sluice_ctx *ctx, const sluice_http_response *r)
{
    const char *served = r && r->status == 200 ? sluice_http_header(r, "X-Shopify-API-Version") : NULL;
    if (src->version_checked || served == NULL)
        return;
    src->version_checked = 1;
    if (strcmp(served, src->version) != 0)
        sluice_warn(ctx, "api_version %s is not supported any more: Shopify answers as %s", src->version, served);
}

static int stream_handle(hc_task *t, sluice_ctx *ctx, int rc, sluice_http_response *r)
{
    shop_stream *s = (shop_stream *)t;
    json_t *items;
    hc_window_seen(&s->window, r);
    check_version(s->src, ctx, r);
    if (s->phase == PH_LOCATIONS)
        return locations_page(s, ctx, rc, r);
    if ((rc = shop_pager_take(&s->pager, ctx, rc, r, s->object, &items)) != SLUICE_OK)
        return rc;
    long n = hc_emit_array(ctx, s->object, items, &s->mark, r->url, 1);
    json_decref(items);
    if (n < 0)
        return (int)n;
    s->emitted += (uint64_t)n;
    sluice_debug(ctx, "%s: page %llu, %ld records", s->object, (unsigned long long)s->pager.pages, n);
    int complete = s->pager.done;
    if (complete && s->phase == PH_LEVELS) {
        int more = levels_next_chunk(s);
        if (more < 0)
            return hc_fail(ctx, "out of memory");
        complete = !more;
    }
    return save(s, ctx, complete);
}

static void stream_free(shop_stream *s)
{
    if (s == NULL)
        return;
    hc_mark_fini(&s->mark);
    shop_pager_fini(&s->pager);
    hc_strv_free(&s->locations);
    free(s);
}

static shop_stream *stream_new(shop_source *src, hc_cursor *cursor, const char *object)
{
    shop_stream *s = calloc(1, sizeof *s);
    if (s == NULL)
        return NULL;
    s->task.next = stream_next;
    s->task.handle = stream_handle;
    s->src = src;
    s->object = object;
    s->ordered = strcmp(object, "orders") == 0;
    /* an inventory level is one item at one location; all of a listing's
     * boundary records are delivered before its mark is saved, so the
     * item id alone suffices to skip them */
    const char *id = strcmp(object, "inventory_levels") == 0 ? "/inventory_item_id" : "/id";
    if (hc_mark_init(&s->mark, cursor, object, "/updated_at", id, s->ordered) != 0) {
        free(s);
        return NULL;
    }
    int rc = strcmp(object, "inventory_levels") == 0 ? locations_init(s) : list_init(s);
    if (rc != 0) {
        stream_free(s);
        return NULL;
    }
    return s;
}

hc_task **shop_tasks_new(shop_source *src, hc_cursor *cursor, size_t *n)
{
    size_t count = json_array_size(src->o.objects);
    hc_task **tasks = calloc(count ? count : 1, sizeof *tasks);
    if (tasks == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        shop_stream *s = stream_new(src, cursor, json_string_value(json_array_get(src->o.objects, i)));
        if (s == NULL) {
            shop_tasks_free(tasks, i);
            return NULL;
        }
        tasks[i] = &s->task;
    }
    *n = count;
    return tasks;
}

void shop_tasks_free(hc_task **tasks, size_t n)
{
    if (tasks == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        stream_free((shop_stream *)tasks[i]);
    free(tasks);
}
