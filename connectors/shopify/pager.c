/* pager.c - one Admin REST listing, page after page (see shopify.h). */
#include <stdlib.h>
#include <string.h>

#include "shopify.h"

int shop_pager_init(shop_pager *p, const char *path)
{
    memset(p, 0, sizeof *p);
    p->path = strdup(path);
    return p->path ? 0 : -1;
}

void shop_pager_fini(shop_pager *p)
{
    free(p->path);
    free(p->next);
    hc_strv_free(&p->query);
    memset(p, 0, sizeof *p);
}

int shop_pager_next(shop_pager *p, sluice_http_request *req)
{
    if (p->done)
        return 0;
    if (!p->started) {
        req->url = p->path;
        req->query = hc_strv_items(&p->query);
        p->started = 1;
    } else {
        req->url = p->next; /* verbatim: page_info carries the filters */
        req->query = NULL;
    }
    return 1;
}

int shop_pager_take(shop_pager *p, sluice_ctx *ctx, int rc, const sluice_http_response *r, const char *key,
                    json_t **items)
{
    json_t *body = NULL;
    *items = NULL;
    rc = hc_response_json(ctx, rc, r, &body);
    if (rc != SLUICE_OK)
        return rc;
    json_t *arr = json_object_get(body, key);
    if (!json_is_array(arr)) {
        json_decref(body);
        return hc_fail(ctx, "malformed page from %s: expected an object with a \"%s\" array", r->url, key);
    }
    *items = json_incref(arr);
    json_decref(body);

    free(p->next);
    p->next = shop_link_next(sluice_http_header(r, "Link"));
    p->done = p->next == NULL;
    p->pages++;
    return SLUICE_OK;
}
