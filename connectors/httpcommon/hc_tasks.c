/* hc_tasks.c - several streams fetched at once: a round asks each of up to
 * `concurrency` unfinished tasks for its next request, sends them together
 * and hands the answers back in task order. Rounds rotate the starting
 * task, so with more streams than slots every stream gets its turn. */
#include <stdlib.h>
#include <string.h>

#include "httpcommon.h"

typedef struct round {
    hc_task **who;                 /* the tasks in this round */
    sluice_http_request *reqs;     /* their requests */
    const sluice_http_request **ptrs;
    sluice_http_response **resps;
    size_t n;
} round;

/* Collects up to `slots` requests starting at task *start. Returns the
 * number collected, or a negative status. */
static int collect(sluice_ctx *ctx, hc_task *const *tasks, size_t ntasks, size_t *start, size_t slots,
                   round *r)
{
    size_t looked = 0;
    r->n = 0;
    while (looked < ntasks && r->n < slots) {
        hc_task *t = tasks[(*start + looked) % ntasks];
        looked++;
        if (t->done)
            continue;
        memset(&r->reqs[r->n], 0, sizeof r->reqs[r->n]);
        r->reqs[r->n].struct_size = sizeof r->reqs[r->n];
        int rc = t->next(t, ctx, &r->reqs[r->n]);
        if (rc < 0)
            return rc;
        if (rc == 0) {
            t->done = 1;
            continue;
        }
        r->who[r->n] = t;
        r->ptrs[r->n] = &r->reqs[r->n];
        r->n++;
    }
    *start = (*start + looked) % ntasks;
    return (int)r->n;
}

static int play(sluice_ctx *ctx, sluice_http *h, round *r)
{
    int many_rc = SLUICE_OK, first = SLUICE_OK;
    size_t i;
    int *rcs;

    memset(r->resps, 0, r->n * sizeof *r->resps);
    if (r->n == 1)
        many_rc = sluice_http_send(h, r->ptrs[0], &r->resps[0]);
    else
        many_rc = sluice_http_many(h, r->ptrs, r->n, r->resps);
    rcs = calloc(r->n, sizeof *rcs);
    if (rcs == NULL)
        return SLUICE_ENOMEM;
    /* _many reports only the worst result: work each one out again */
    for (i = 0; i < r->n; i++) {
        const sluice_http_response *resp = r->resps[i];
        if (r->n == 1 || resp == NULL)
            rcs[i] = resp == NULL && many_rc == SLUICE_OK ? SLUICE_ERROR : many_rc;
        else if (many_rc == SLUICE_STOPPED)
            rcs[i] = SLUICE_STOPPED;
        else if (resp->status == 0 || resp->status == 429 || resp->status >= 500)
            rcs[i] = SLUICE_RETRY;
        else
            rcs[i] = SLUICE_OK;
    }
    for (i = 0; i < r->n && first == SLUICE_OK; i++)
        first = r->who[i]->handle(r->who[i], ctx, rcs[i], r->resps[i]);
    for (i = 0; i < r->n; i++) {
        sluice_http_response_free(r->resps[i]);
        r->resps[i] = NULL;
    }
    free(rcs);
    return first;
}

int hc_run_tasks(sluice_ctx *ctx, sluice_http *h, hc_task *const *tasks, size_t n, int concurrency)
{
    size_t slots = concurrency < 1 ? 1 : (size_t)concurrency, start = 0;
    round r;
    int rc = SLUICE_OK;

    if (n == 0)
        return SLUICE_OK;
    if (slots > n)
        slots = n;
    r.who = calloc(slots, sizeof *r.who);
    r.reqs = calloc(slots, sizeof *r.reqs);
    r.ptrs = calloc(slots, sizeof *r.ptrs);
    r.resps = calloc(slots, sizeof *r.resps);
    if (!r.who || !r.reqs || !r.ptrs || !r.resps)
        rc = SLUICE_ENOMEM;
    while (rc == SLUICE_OK) {
        if (sluice_should_stop(ctx)) {
            rc = SLUICE_STOPPED;
            break;
        }
        rc = collect(ctx, tasks, n, &start, slots, &r);
        if (rc <= 0)
            break; /* 0: every task is done */
        rc = play(ctx, h, &r);
    }
    free(r.who);
    free(r.reqs);
    free(r.ptrs);
    free(r.resps);
    return rc < 0 ? rc : SLUICE_OK;
}
