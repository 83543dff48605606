/* batch.c - see batch.h. */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#include "intern.h"

sluice_batch *sl_batch_new(uint32_t src, const char *src_id, size_t cap)
{
    sluice_batch *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    b->host = &sl_host_table;
    b->src = src;
    b->src_id = src_id;
    b->cap = cap ? cap : 16;
    b->recs = malloc(b->cap * sizeof *b->recs);
    if (!b->recs) {
        free(b);
        return NULL;
    }
    return b;
}

void sl_batch_free(sluice_batch **pb)
{
    sluice_batch *b = pb ? *pb : NULL;
    if (!b)
        return;
    for (size_t i = 0; i < b->n; i++)
        json_decref(b->recs[i].obj);
    free(b->recs);
    free(b->raw);
    free(b);
    *pb = NULL;
}

static int reserve(sluice_batch *b, size_t extra)
{
    if (b->n + extra <= b->cap)
        return 0;
    size_t ncap = b->cap * 2;
    while (ncap < b->n + extra)
        ncap *= 2;
    sl_rec *nr = realloc(b->recs, ncap * sizeof *nr);
    if (!nr)
        return -1;
    b->recs = nr;
    b->cap = ncap;
    return 0;
}

sluice_batch *sl_batch_copy(const sluice_batch *b)
{
    sluice_batch *c = sl_batch_new(b->src, b->src_id, b->n ? b->n : 1);
    if (!c)
        return NULL;
    c->seq = b->seq;
    c->failed = b->failed;
    if (b->raw_len) {
        c->raw = malloc(b->raw_len);
        if (!c->raw) {
            sl_batch_free(&c);
            return NULL;
        }
        memcpy(c->raw, b->raw, b->raw_len);
        c->raw_len = c->raw_cap = b->raw_len;
    }
    for (size_t i = 0; i < b->n; i++) {
        c->recs[i] = b->recs[i];
        if (b->recs[i].obj) {
            c->recs[i].obj = json_deep_copy(b->recs[i].obj);
            if (!c->recs[i].obj) {
                c->n = i;
                sl_batch_free(&c);
                return NULL;
            }
        }
    }
    c->n = b->n;
    return c;
}

int sl_batch_push(sluice_batch *b, const char *stream, json_t *obj, const char *origin, uint64_t line)
{
    if (reserve(b, 1) != 0) {
        json_decref(obj);
        return -1;
    }
    sl_rec *r = &b->recs[b->n++];
    memset(r, 0, sizeof *r);
    r->obj = obj;
    r->stream = stream;
    r->origin = origin;
    r->line = line;
    r->state = SL_REC_LIVE;
    return 0;
}

int sl_batch_push_raw(sluice_batch *b, const char *stream, const char *text, size_t len,
                      const char *origin, uint64_t line)
{
    if (len > UINT32_MAX || b->raw_len + len > UINT32_MAX || reserve(b, 1) != 0)
        return -1;
    if (b->raw_len + len > b->raw_cap) {
        size_t ncap = b->raw_cap ? b->raw_cap * 2 : 256 * 1024;
        while (ncap < b->raw_len + len)
            ncap *= 2;
        char *nr = realloc(b->raw, ncap);
        if (!nr)
            return -1;
        b->raw = nr;
        b->raw_cap = ncap;
    }
    memcpy(b->raw + b->raw_len, text, len);
    sl_rec *r = &b->recs[b->n++];
    memset(r, 0, sizeof *r);
    r->stream = stream;
    r->origin = origin;
    r->line = line;
    r->raw_off = (uint32_t)b->raw_len;
    r->raw_len = (uint32_t)len;
    r->state = SL_REC_RAW;
    b->raw_len += len;
    return 0;
}

size_t sl_batch_live(const sluice_batch *b)
{
    size_t live = 0;
    for (size_t i = 0; i < b->n; i++)
        live += b->recs[i].state == SL_REC_LIVE || b->recs[i].state == SL_REC_RAW;
    return live;
}
