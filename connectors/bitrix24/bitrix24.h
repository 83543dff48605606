/* bitrix24.h - the `bitrix24` source: CRM lists of a Bitrix24 portal
 * (crm.deal.list, crm.contact.list, crm.company.list, crm.lead.list), the
 * catalog (catalog.product.list, stock per store from
 * catalog.storeproduct.list, the legacy crm.product.list) through an
 * incoming webhook or an OAuth access token.
 *
 * Pages are fixed at 50 records (`start`, `next`, `total`), ordered by ID.
 * With `batch` (the default) one POST to batch.json carries up to 50 list
 * calls: the first page of every stream, then, once `total` is known, the
 * remaining pages of each stream at once. Later runs filter on
 * >=DATE_MODIFY (products: >=timestampX) from the committed watermark. */
#ifndef BITRIX24_H
#define BITRIX24_H

#include "httpcommon.h"

#define BX_PAGE 50       /* Bitrix24's fixed page size */
#define BX_BATCH_MAX 50  /* commands per batch call */

typedef struct bx_object {
    const char *name;      /* stream name, e.g. "deals" */
    const char *method;    /* e.g. "crm.deal.list" */
    const char *list_key;  /* catalog.*: the records are result.<list_key>; NULL: result itself */
    const char *id;        /* the id field: "ID" (crm.*) or "id" (catalog.*) */
    const char *modified;  /* the modification field, filtered and kept as cursor; NULL: none
                            * (the list is read whole every run) */
    const char *const *select; /* default select, NULL-terminated; NULL: send none */
} bx_object;

extern const char *const bx_object_names[]; /* NULL-terminated */
const bx_object *bx_object_find(const char *name);

typedef struct bx_source {
    hc_options opt;
    char *base;          /* owned: the webhook URL, or base_url (ends without '/') */
    json_t *select;      /* borrowed option: {"deals": ["*", "UF_*"]} or NULL */
    json_t *filter;      /* borrowed option: {"deals": {"CATEGORY_ID": 1}} or NULL */
    int batch;           /* use batch.json */
    sluice_http *http;   /* owned */
    hc_cursor *cursor;   /* owned */
} bx_source;

/* One stream's progress through its list. */
typedef struct bx_stream {
    hc_task task;          /* first: the single-call mode runs it with hc_run_tasks */
    bx_source *src;        /* borrowed */
    const bx_object *obj;
    hc_mark mark;          /* ordered by ID, not by date: saved when the stream is complete */
    hc_strv params;        /* name, value pairs of the list call, `start` excepted */
    hc_strv query;         /* single mode: the pending request's query */
    char *url;             /* single mode: <base>/<method>.json (owned) */
    long next_start;       /* the next page's start */
    long total;            /* -1 until a page says */
    int finished;
    uint64_t emitted, pages;
} bx_stream;

int bx_stream_init(bx_stream *s, bx_source *src, const bx_object *obj);
void bx_stream_fini(bx_stream *s);
/* Emits one page's `result` array, reads next/total (JSON values or NULL)
 * and saves the mark when the stream is done. Does not commit. */
int bx_stream_page(bx_stream *s, sluice_ctx *ctx, json_t *result, json_t *next, json_t *total,
                   const char *origin);

/* The two ways of fetching: batch.c and single.c. */
int bx_run_batch(sluice_ctx *ctx, bx_source *src, bx_stream *streams, size_t n);
int bx_run_single(sluice_ctx *ctx, bx_source *src, bx_stream *streams, size_t n);

#endif
