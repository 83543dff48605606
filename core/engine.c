/* engine.c - threads, sockets and routing of one pipeline run.
 *
 * Every stage has workers, each a thread with a PULL socket bound at
 * inproc://sluice/<stage>/<worker>. A source stage's workers are its decode
 * workers, fed by the thread running the plugin's run(); they parse JSON text
 * in parallel. A batch of source S with sequence number n goes to worker
 * n % W of every downstream stage; a worker handles the batches of each
 * (sending stage, source) pair strictly in sequence, stashing early ones, so
 * several workers of a transform never reorder records for a sink.
 * Small high-water marks plus a per-source window of batches in flight
 * bound memory however large the input. */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <zmq.h>

#include "engine_int.h"
#include "http_redact.h"
#include "intern.h"
#include "log.h"

double sl_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

uint64_t sl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void sl_stage_fail(sl_stage *st, sl_engine *e, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    pthread_mutex_lock(&st->lock);
    int first = st->error == NULL;
    if (first)
        st->error = strdup(msg);
    pthread_mutex_unlock(&st->lock);
    sl_log(SLUICE_LOG_ERROR, st->cfg->id, "%s", msg);
    atomic_store(&e->failed, 1);
    atomic_store(&e->stopping, 1);
}

/* ---- sending and receiving ------------------------------------------------ */

static int send_msg(void *sock, const sl_msg_hdr *h, sluice_batch *b)
{
    for (;;) {
        if (zmq_send(sock, h, sizeof *h, ZMQ_SNDMORE) == (int)sizeof *h)
            break;
        if (errno != EINTR)
            return -1;
    }
    for (;;) {
        if (zmq_send(sock, &b, sizeof b, 0) == (int)sizeof b)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/* 0 with a message, 1 when flags has ZMQ_DONTWAIT and none is queued, -1 on error. */
static int recv_msg(void *sock, sl_msg_hdr *h, sluice_batch **b, int flags)
{
    int n;
    while ((n = zmq_recv(sock, h, sizeof *h, flags)) < 0 && errno == EINTR)
        ;
    if (n < 0 && errno == EAGAIN)
        return 1;
    if (n != (int)sizeof *h)
        return -1;
    while ((n = zmq_recv(sock, b, sizeof *b, 0)) < 0 && errno == EINTR)
        ;
    return n == (int)sizeof *b ? 0 : -1;
}

/* Whether a message arrives on sock within timeout_ms. */
static int readable(void *sock, long timeout_ms)
{
    zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
    int n;
    while ((n = zmq_poll(&it, 1, timeout_ms)) < 0 && errno == EINTR)
        ;
    return n > 0;
}

/* Sends `b` (owned) to every downstream stage of ctx; the last one gets the
 * batch itself, the others a deep copy. */
static int forward(sluice_ctx *ctx, const size_t *down, size_t ndown, sluice_batch *b)
{
    sl_engine *e = ctx->e;
    sl_msg_hdr h = {1, SL_MSG_BATCH, (uint16_t)ctx->st->idx, b->src, b->seq};
    int rc = 0;
    for (size_t d = 0; d < ndown; d++) {
        sl_stage *ds = &e->st[down[d]];
        sluice_batch *out = d + 1 == ndown ? b : sl_batch_copy(b);
        if (!out) {
            sl_stage_fail(ctx->st, e, "out of memory copying a batch");
            rc = -1;
            continue;
        }
        void *sock = ctx->push[ctx->push_off[d] + (b->seq % (uint64_t)ds->nworkers)];
        if (send_msg(sock, &h, out) != 0) {
            sl_stage_fail(ctx->st, e, "cannot send a batch: %s", zmq_strerror(errno));
            sl_batch_free(&out);
            rc = -1;
        }
    }
    if (ndown == 0)
        sl_batch_free(&b);
    return rc;
}

static void send_eos(sluice_ctx *ctx)
{
    sl_msg_hdr h = {1, SL_MSG_EOS, (uint16_t)ctx->st->idx, 0, 0};
    for (size_t i = 0; i < ctx->npush; i++)
        if (send_msg(ctx->push[i], &h, NULL) != 0)
            sl_stage_fail(ctx->st, ctx->e, "cannot send end of stream: %s", zmq_strerror(errno));
}

/* Every stage thread calls this last; the run's coordinator waits for all. */
static void thread_done(sl_engine *e)
{
    pthread_mutex_lock(&e->done_lock);
    e->threads_left--;
    pthread_cond_signal(&e->done_cond);
    pthread_mutex_unlock(&e->done_lock);
}

/* ---- sources ---------------------------------------------------------------- */

/* Moves the window past every fully acknowledged batch, oldest first, and
 * makes the newest position among them committable. Under st->wlock. */
static void advance(sl_stage *st)
{
    while (st->low < st->next) {
        sl_slot *s = &st->ring[st->low % SL_RING];
        if (s->acks < st->reach)
            break;
        if (s->failed)
            st->stuck = 1; /* never commit past a batch that did not land */
        if (s->pos && !st->stuck) {
            json_decref(st->commit_pos);
            st->commit_pos = s->pos;
            st->dirty = 1;
        } else {
            json_decref(s->pos);
        }
        s->pos = NULL;
        st->low++;
    }
    pthread_cond_broadcast(&st->wcond);
}

int sl_producer_send(sluice_ctx *ctx)
{
    sl_stage *st = ctx->st;
    sluice_batch *b = ctx->cur;
    if (!b && !ctx->pos)
        return 0;
    if (!b && !(b = sl_batch_new((uint32_t)st->idx, st->cfg->id, 1)))
        return -1; /* an empty batch carries a position on its own */
    ctx->cur = NULL;
    atomic_fetch_add(&st->c.in, b->n);
    pthread_mutex_lock(&st->wlock);
    while (st->next - st->low >= SL_RING || st->inmem >= SL_WINDOW)
        pthread_cond_wait(&st->wcond, &st->wlock);
    b->seq = st->next++;
    sl_slot *slot = &st->ring[b->seq % SL_RING];
    slot->acks = 0;
    slot->writes = 0;
    slot->failed = 0;
    if (st->reach > 0)
        st->inmem++;
    slot->pos = ctx->pos;
    ctx->pos = NULL;
    advance(st); /* a source no sink reads from is acknowledged at once */
    pthread_mutex_unlock(&st->wlock);
    size_t self = st->idx;
    return forward(ctx, &self, 1, b);
}

/* Thread names show in top, perf and gdb: "r:<stage>" for a source's
 * reader, "w<k>:<stage>" for workers (15 characters at most). */
static void name_thread(const sluice_ctx *ctx)
{
    char name[16];
    if (ctx->worker < 0)
        snprintf(name, sizeof name, "r:%s", ctx->st->cfg->id);
    else
        snprintf(name, sizeof name, "w%d:%s", ctx->worker, ctx->st->cfg->id);
    pthread_setname_np(pthread_self(), name);
}

static void *producer_main(void *arg)
{
    sluice_ctx *ctx = arg;
    sl_stage *st = ctx->st;
    name_thread(ctx);
    int rc = st->p->run(ctx->state, ctx);
    if (rc != SLUICE_OK && rc != SLUICE_STOPPED) {
        /* a position declared before the failure still holds: it covers only
         * records emitted before it, which are sent on with it */
        sl_stage_fail(st, ctx->e, "%s", ctx->last_error ? ctx->last_error : sluice_strerror(rc));
    }
    if (sl_producer_send(ctx) != 0)
        sl_stage_fail(st, ctx->e, "cannot send the last batch");
    send_eos(ctx);
    thread_done(ctx->e);
    return NULL;
}

/* ---- workers ----------------------------------------------------------------- */

static void compact(sluice_batch *b)
{
    size_t j = 0;
    for (size_t i = 0; i < b->n; i++)
        if (b->recs[i].state == SL_REC_LIVE)
            b->recs[j++] = b->recs[i];
    b->n = j;
}

/* Counts one delivery of batch (src, seq) as written: its memory is free.
 * Under the source's wlock. */
static void count_written(sl_stage *s, sl_slot *slot)
{
    if (++slot->writes == s->reach && s->inmem > 0) {
        s->inmem--;
        pthread_cond_broadcast(&s->wcond);
    }
}

/* A sink wrote batch (src, seq) into its open transaction: not yet
 * acknowledged, but no longer in memory. */
static void written(sl_engine *e, uint32_t src, uint64_t seq)
{
    sl_stage *s = &e->st[src];
    pthread_mutex_lock(&s->wlock);
    count_written(s, &s->ring[seq % SL_RING]);
    pthread_mutex_unlock(&s->wlock);
}

/* A sink is done with batch (src, seq): ok when every record of it is
 * durably written or dead-lettered. was_written: written() was called for
 * this delivery already. */
static void ack(sl_engine *e, uint32_t src, uint64_t seq, int ok, int was_written)
{
    sl_stage *s = &e->st[src];
    pthread_mutex_lock(&s->wlock);
    sl_slot *slot = &s->ring[seq % SL_RING];
    if (!was_written)
        count_written(s, slot);
    slot->acks++;
    if (!ok)
        slot->failed = 1;
    advance(s);
    pthread_mutex_unlock(&s->wlock);
}

static void handle_decode(sluice_ctx *ctx, sluice_batch *b)
{
    sl_decode_batch(ctx, b);
    compact(b);
    atomic_fetch_add(&ctx->st->c.out, b->n);
    atomic_fetch_add(&ctx->st->c.batches, 1);
    forward(ctx, ctx->st->down, ctx->st->ndown, b);
}

static void release_held(sluice_ctx *ctx);

static void handle_transform(sluice_ctx *ctx, sluice_batch *b)
{
    sl_stage *st = ctx->st;
    sl_decode_batch(ctx, b);
    atomic_fetch_add(&st->c.in, sl_batch_live(b));
    b->dropped = b->rejected = 0;
    int rc = st->broken ? SLUICE_OK : st->p->process(ctx->state, ctx, b);
    if (rc != SLUICE_OK) {
        st->broken = 1;
        sl_stage_fail(st, ctx->e, "process failed: %s", ctx->last_error ? ctx->last_error : sluice_strerror(rc));
    }
    if (st->broken)
        b->failed = 1;
    atomic_fetch_add(&st->c.dropped, b->dropped);
    compact(b);
    atomic_fetch_add(&st->c.out, b->n);
    atomic_fetch_add(&st->c.batches, 1);
    if (!st->p->finish) {
        forward(ctx, st->down, st->ndown, b);
        return;
    }
    /* finish() may still append to the last batch: keep it back */
    release_held(ctx);
    ctx->held = b;
}

/* Sends on the batch a transform with finish() kept back. */
static void release_held(sluice_ctx *ctx)
{
    sluice_batch *b = ctx->held;
    ctx->held = NULL;
    if (b)
        forward(ctx, ctx->st->down, ctx->st->ndown, b);
}

/* The end of a transform's input: finish() appends what it held back to
 * the last batch, which then goes on. */
static void transform_finish(sluice_ctx *ctx)
{
    sl_stage *st = ctx->st;
    if (st->kind != SLUICE_TRANSFORM || !st->p->finish)
        return;
    sluice_batch *b = ctx->held;
    size_t before = b ? b->n : 0;
    if (!st->broken) {
        int rc = st->p->finish(ctx->state, ctx, b);
        if (rc != SLUICE_OK) {
            st->broken = 1;
            sl_stage_fail(st, ctx->e, "finish failed: %s", ctx->last_error ? ctx->last_error : sluice_strerror(rc));
        }
    }
    if (b) {
        if (st->broken)
            b->failed = 1;
        compact(b);
        if (b->n > before)
            atomic_fetch_add(&st->c.out, b->n - before);
    }
    release_held(ctx);
}

/* Writes b, retrying SLUICE_RETRY with exponential backoff and full jitter
 * within the stage's retry settings. */
static int write_with_retry(sluice_ctx *ctx, sluice_batch *b)
{
    sl_stage *st = ctx->st;
    const sl_stage_cfg *cfg = st->cfg;
    unsigned delay_ms = (unsigned)cfg->retry_initial_ms, seed = (unsigned)(uintptr_t)b ^ (unsigned)sl_now_ms();
    for (int attempt = 1;; attempt++) {
        int rc = st->p->write(ctx->state, ctx, b);
        if (st->p->commit && (rc == SLUICE_REJECTED || (rc == SLUICE_RETRY && ctx->txn_n > 0)))
            rc = SLUICE_ERROR; /* the open transaction is gone: see commit() in plugin.h */
        if (rc != SLUICE_RETRY || attempt >= cfg->retry_attempts) {
            if (rc == SLUICE_RETRY)
                sl_log(SLUICE_LOG_ERROR, cfg->id, "giving up after %d attempts", attempt);
            return rc;
        }
        unsigned ms = delay_ms / 2 + (unsigned)(rand_r(&seed) % (delay_ms / 2 + 1));
        sl_log(SLUICE_LOG_WARN, cfg->id, "write failed transiently (attempt %d of %d)%s%s; retrying in %u ms", attempt,
               cfg->retry_attempts, ctx->last_error ? ": " : "", ctx->last_error ? ctx->last_error : "", ms);
        struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
        nanosleep(&ts, NULL);
        delay_ms = delay_ms * 2 > (unsigned)cfg->retry_max_ms ? (unsigned)cfg->retry_max_ms : delay_ms * 2;
    }
}

/* Moves the first `k` records of b into a new batch. */
static sluice_batch *split_front(sluice_batch *b, size_t k)
{
    sluice_batch *front = sl_batch_new(b->src, b->src_id, k);
    if (!front)
        return NULL;
    front->seq = b->seq;
    memcpy(front->recs, b->recs, k * sizeof *b->recs);
    front->n = k;
    memmove(b->recs, b->recs + k, (b->n - k) * sizeof *b->recs);
    b->n -= k;
    return front;
}

/* Writes b; when the sink refuses some record (SLUICE_REJECTED), halves the
 * batch until the refused records stand alone and dead-letters them with the
 * sink's reason, so the rest lands. */
static int write_split(sluice_ctx *ctx, sluice_batch *b)
{
    int rc = write_with_retry(ctx, b);
    if (rc != SLUICE_REJECTED)
        return rc;
    compact(b);
    if (b->n <= 1) {
        char reason[1200];
        snprintf(reason, sizeof reason, "refused by sink %s: %s", ctx->st->cfg->id,
                 ctx->last_error ? ctx->last_error : "no reason given");
        for (size_t i = 0; i < b->n; i++)
            sl_batch_reject_rec(ctx, b, i, reason);
        return SLUICE_OK;
    }
    sluice_batch *front = split_front(b, b->n / 2);
    if (!front)
        return SLUICE_ENOMEM;
    rc = write_split(ctx, front);
    sl_batch_free(&front);
    return rc == SLUICE_OK ? write_split(ctx, b) : rc;
}

/* Ends the open transaction of a sink with commit(): commits it, or (the
 * sink broken) counts it lost; then acknowledges its batches either way. */
static void sink_commit(sluice_ctx *ctx)
{
    sl_stage *st = ctx->st;
    if (ctx->txn_n == 0)
        return;
    int rc = st->broken ? SLUICE_ERROR : st->p->commit(ctx->state, ctx);
    if (rc == SLUICE_OK) {
        atomic_fetch_add(&st->c.out, ctx->txn_out);
    } else {
        st->lost += ctx->txn_out;
        if (!st->broken)
            sl_stage_fail(st, ctx->e, "commit failed: %s", ctx->last_error ? ctx->last_error : sluice_strerror(rc));
        st->broken = 1;
    }
    for (int i = 0; i < ctx->txn_n; i++)
        ack(ctx->e, ctx->txn_acks[i].src, ctx->txn_acks[i].seq, rc == SLUICE_OK && !ctx->txn_acks[i].failed, 1);
    ctx->txn_n = 0;
    ctx->txn_records = ctx->txn_out = 0;
}

/* The group's batches are in the sink's open transaction: free, and
 * acknowledged at commit. */
static void sink_group_into_txn(sluice_ctx *ctx, unsigned long long live, unsigned long long out)
{
    if (ctx->txn_n == 0)
        ctx->txn_t0 = sl_now_ms();
    for (int i = 0; i < ctx->group_n; i++) {
        written(ctx->e, ctx->group_acks[i].src, ctx->group_acks[i].seq);
        ctx->txn_acks[ctx->txn_n++] = ctx->group_acks[i];
    }
    ctx->group_n = 0;
    ctx->txn_records += live;
    ctx->txn_out += out;
    if (ctx->txn_n >= SL_TXN_BATCHES || ctx->txn_records >= SL_TXN_RECORDS)
        sink_commit(ctx);
}

/* Writes the sink's group (one or more batches of one source merged into
 * one write: one transaction, one commit) and acknowledges each of them;
 * for a sink with commit(), the write goes into its open transaction. */
static void sink_flush_group(sluice_ctx *ctx)
{
    sl_stage *st = ctx->st;
    sluice_batch *b = ctx->group;
    if (!b)
        return;
    size_t live = sl_batch_live(b);
    int ok = 0;
    atomic_fetch_add(&st->c.in, live);
    if (st->broken) {
        st->lost += live;
    } else {
        unsigned long long dead_before = atomic_load(&st->c.dead);
        int rc = write_split(ctx, b);
        unsigned long long out = live - (atomic_load(&st->c.dead) - dead_before);
        if (rc == SLUICE_OK && st->p->commit) {
            sl_batch_free(&ctx->group);
            sink_group_into_txn(ctx, live, out);
            return;
        }
        if (rc == SLUICE_OK) {
            atomic_fetch_add(&st->c.out, out);
            ok = 1;
        } else {
            st->broken = 1;
            st->lost += sl_batch_live(b);
            sl_stage_fail(st, ctx->e, "write failed: %s", ctx->last_error ? ctx->last_error : sluice_strerror(rc));
        }
    }
    sl_batch_free(&ctx->group);
    for (int i = 0; i < ctx->group_n; i++)
        ack(ctx->e, ctx->group_acks[i].src, ctx->group_acks[i].seq, ok && !ctx->group_acks[i].failed, 0);
    ctx->group_n = 0;
    sink_commit(ctx); /* the sink broke: what its transaction held is lost too */
}

/* A sink does not write each batch as it comes: while more batches of the
 * same source are already queued (the sink is the bottleneck), it merges
 * them, up to SL_GROUP_MAX batches or SL_GROUP_RECORDS records, and writes
 * them at once. Bigger transactions, no more memory: the batches were in
 * flight anyway. The worker loop flushes the group when the queue is empty. */
static void handle_sink(sluice_ctx *ctx, sluice_batch *b)
{
    sl_decode_batch(ctx, b);
    atomic_fetch_add(&ctx->st->c.batches, 1);
    if (ctx->group && (ctx->group->src != b->src || ctx->group_n >= SL_GROUP_MAX ||
                       ctx->group->n + b->n > SL_GROUP_RECORDS))
        sink_flush_group(ctx);
    ctx->group_acks[ctx->group_n++] = (sl_ack_ref){b->src, b->seq, b->failed};
    if (!ctx->group) {
        ctx->group = b;
        return;
    }
    for (size_t i = 0; i < b->n; i++) {
        sl_rec *r = &b->recs[i];
        if (r->state != SL_REC_LIVE)
            continue;
        if (sl_batch_push(ctx->group, r->stream, r->obj, r->origin, r->line) != 0)
            sl_stage_fail(ctx->st, ctx->e, "out of memory merging batches");
        r->obj = NULL; /* moved (or freed by a failed push) */
        r->state = SL_REC_DROPPED;
    }
    sl_batch_free(&b);
}

static void handle(sluice_ctx *ctx, sluice_batch *b)
{
    switch (ctx->st->kind) {
    case SLUICE_SOURCE: handle_decode(ctx, b); break;
    case SLUICE_TRANSFORM: handle_transform(ctx, b); break;
    default: handle_sink(ctx, b); break;
    }
}

/* One copy of batch o->next was handled. Below a diamond (a source feeding
 * two stages that feed one) every batch arrives once per path, all copies
 * with the same sequence number: the next one is due after the last copy. */
static void next_in_order(sl_order *o, uint64_t step)
{
    if (++o->seen < o->copies)
        return;
    o->seen = 0;
    o->next += step;
}

/* Handles b if it is next in its (from, src) sequence, then any stashed
 * successors; otherwise stashes it. */
static void accept_batch(sluice_ctx *ctx, const sl_msg_hdr *h, sluice_batch *b)
{
    sl_engine *e = ctx->e;
    sl_order *o = &ctx->order[(size_t)h->from * e->n + h->src];
    uint64_t step = (uint64_t)ctx->st->nworkers;
    if (h->seq != o->next) {
        sl_stash *s = malloc(sizeof *s), **pp = &o->stash;
        if (!s) {
            sl_stage_fail(ctx->st, e, "out of memory");
            sl_batch_free(&b);
            return;
        }
        s->seq = h->seq;
        s->b = b;
        while (*pp && (*pp)->seq < h->seq)
            pp = &(*pp)->next;
        s->next = *pp;
        *pp = s;
        return;
    }
    handle(ctx, b);
    next_in_order(o, step);
    while (o->stash && o->stash->seq == o->next) {
        sl_stash *s = o->stash;
        o->stash = s->next;
        handle(ctx, s->b);
        free(s);
        next_in_order(o, step);
    }
}

static void finish_worker(sluice_ctx *ctx)
{
    sl_engine *e = ctx->e;
    sl_stage *st = ctx->st;
    for (size_t i = 0; i < e->n * e->n; i++) {
        while (ctx->order[i].stash) {
            sl_stash *s = ctx->order[i].stash;
            ctx->order[i].stash = s->next;
            sl_stage_fail(st, e, "internal error: batch %llu of %s never completed its sequence",
                          (unsigned long long)s->seq, e->st[i % e->n].cfg->id);
            st->lost += sl_batch_live(s->b);
            sl_batch_free(&s->b);
            free(s);
        }
    }
    transform_finish(ctx);
    sink_flush_group(ctx);
    sink_commit(ctx);
    if (st->kind == SLUICE_SINK && !st->broken && st->p->flush) {
        int rc = st->p->flush(ctx->state, ctx);
        if (rc != SLUICE_OK)
            sl_stage_fail(st, e, "flush failed: %s", sluice_strerror(rc));
    }
    send_eos(ctx);
    if (atomic_fetch_sub(&st->workers_left, 1) == 1)
        st->t_end = sl_now();
    thread_done(e);
}

static void *worker_main(void *arg)
{
    sluice_ctx *ctx = arg;
    int eos = 0;
    name_thread(ctx);
    while (eos < ctx->st->eos_expected) {
        sl_msg_hdr h;
        sluice_batch *b = NULL;
        /* with a sink group pending, only look: an empty queue writes it;
         * an open transaction waits for more batches until it is
         * SL_TXN_MS old, then commits */
        int flags = 0;
        if (ctx->group) {
            flags = ZMQ_DONTWAIT;
        } else if (ctx->held && !readable(ctx->pull, SL_FLUSH_MS)) {
            release_held(ctx); /* a trickle: do not keep the last batch waiting */
            continue;
        } else if (ctx->txn_n) {
            uint64_t age = sl_now_ms() - ctx->txn_t0;
            if (age >= SL_TXN_MS || !readable(ctx->pull, (long)(SL_TXN_MS - age))) {
                sink_commit(ctx);
                continue;
            }
        }
        int rc = recv_msg(ctx->pull, &h, &b, flags);
        if (rc == 1) {
            sink_flush_group(ctx);
            continue;
        }
        if (rc != 0) {
            sl_stage_fail(ctx->st, ctx->e, "cannot receive: %s", zmq_strerror(errno));
            break;
        }
        if (h.kind == SL_MSG_EOS)
            eos++;
        else if (b)
            accept_batch(ctx, &h, b);
    }
    finish_worker(ctx);
    return NULL;
}

/* ---- set-up ------------------------------------------------------------------- */

static int default_workers(const sl_stage *st)
{
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    int n = ncpu > 0 ? (int)ncpu : 1;
    if (n > 8)
        n = 8;
    if (st->kind == SLUICE_SINK)
        return 1;
    if (st->kind == SLUICE_TRANSFORM && (st->p->flags & SLUICE_PLUGIN_SERIAL))
        return 1;
    if (st->cfg->workers > 0)
        return st->cfg->workers;
    return n;
}

static void ctx_init(sluice_ctx *c, sl_engine *e, sl_stage *st, int worker)
{
    memset(c, 0, sizeof *c);
    c->host = &sl_host_table;
    c->e = e;
    c->st = st;
    c->worker = worker;
}

static void *make_socket(sl_engine *e, int type)
{
    void *s = zmq_socket(e->zctx, type);
    int hwm = SL_HWM;
    if (s) {
        zmq_setsockopt(s, type == ZMQ_PUSH ? ZMQ_SNDHWM : ZMQ_RCVHWM, &hwm, sizeof hwm);
    }
    return s;
}

static int endpoint(char *buf, size_t len, size_t stage, int worker)
{
    return snprintf(buf, len, "inproc://sluice/%zu/%d", stage, worker);
}

/* PUSH sockets of ctx towards the workers of `down` stages. */
static int connect_down(sl_engine *e, sluice_ctx *c, const size_t *down, size_t ndown)
{
    size_t total = 0;
    for (size_t d = 0; d < ndown; d++)
        total += (size_t)e->st[down[d]].nworkers;
    c->push = calloc(total ? total : 1, sizeof *c->push);
    c->push_off = calloc(ndown ? ndown : 1, sizeof *c->push_off);
    if (!c->push || !c->push_off)
        return -1;
    for (size_t d = 0, k = 0; d < ndown; d++) {
        sl_stage *ds = &e->st[down[d]];
        c->push_off[d] = k;
        for (int w = 0; w < ds->nworkers; w++, k++) {
            char ep[96];
            endpoint(ep, sizeof ep, ds->idx, w);
            if (!(c->push[k] = make_socket(e, ZMQ_PUSH)) || zmq_connect(c->push[k], ep) != 0)
                return -1;
            c->npush = k + 1;
        }
    }
    return 0;
}

static int setup_graph(sl_engine *e)
{
    sl_pipeline_cfg *cfg = e->cfg;
    for (size_t i = 0; i < e->n; i++) {
        sl_stage *st = &e->st[i];
        st->idx = i;
        st->cfg = &cfg->stages[i];
        st->p = st->cfg->plugin->desc;
        st->kind = st->cfg->kind;
        pthread_mutex_init(&st->lock, NULL);
        pthread_mutex_init(&st->wlock, NULL);
        pthread_cond_init(&st->wcond, NULL);
        st->nworkers = default_workers(st);
        atomic_init(&st->workers_left, st->nworkers);
    }
    for (size_t i = 0; i < e->n; i++) {
        sl_stage_cfg *sc = &cfg->stages[i];
        for (size_t k = 0; k < sc->ninputs; k++) {
            sl_stage *up = &e->st[sc->input_idx[k]];
            size_t *nd = realloc(up->down, (up->ndown + 1) * sizeof *nd);
            if (!nd)
                return -1;
            nd[up->ndown++] = i;
            up->down = nd;
            e->st[i].eos_expected += up->nworkers;
        }
        if (e->st[i].kind == SLUICE_SOURCE)
            e->st[i].eos_expected = 1; /* from its own producer */
    }
    /* Deliveries of each source's batches to sinks: paths through the DAG. */
    unsigned long long *paths = calloc(e->n, sizeof *paths);
    e->paths = calloc(e->n * e->n, sizeof *e->paths);
    if (!paths || !e->paths) {
        free(paths);
        return -1;
    }
    for (size_t s = 0; s < e->n; s++) {
        if (e->st[s].kind != SLUICE_SOURCE)
            continue;
        memset(paths, 0, e->n * sizeof *paths);
        paths[s] = 1;
        unsigned long long reach = 0;
        for (size_t t = 0; t < e->n; t++) {
            size_t v = cfg->topo[t];
            for (size_t k = 0; k < cfg->stages[v].ninputs; k++)
                paths[v] += paths[cfg->stages[v].input_idx[k]];
            if (e->st[v].kind == SLUICE_SINK)
                reach += paths[v];
        }
        e->st[s].reach = (unsigned)reach;
        for (size_t v = 0; v < e->n; v++)
            e->paths[v * e->n + s] = (unsigned)paths[v];
    }
    free(paths);
    return 0;
}

static int setup_sockets(sl_engine *e)
{
    for (size_t i = 0; i < e->n; i++) {
        sl_stage *st = &e->st[i];
        st->w = calloc((size_t)st->nworkers, sizeof *st->w);
        st->threads = calloc((size_t)st->nworkers, sizeof *st->threads);
        if (!st->w || !st->threads)
            return -1;
        for (int w = 0; w < st->nworkers; w++) {
            sluice_ctx *c = &st->w[w];
            char ep[96];
            ctx_init(c, e, st, w);
            c->order = calloc(e->n * e->n, sizeof *c->order);
            if (!c->order)
                return -1;
            for (size_t k = 0; k < e->n * e->n; k++) {
                c->order[k].next = (uint64_t)w;
                c->order[k].copies = e->paths[k] ? e->paths[k] : 1; /* k = from * n + src */
            }
            endpoint(ep, sizeof ep, i, w);
            if (!(c->pull = make_socket(e, ZMQ_PULL)) || zmq_bind(c->pull, ep) != 0)
                return -1;
        }
    }
    for (size_t i = 0; i < e->n; i++) {
        sl_stage *st = &e->st[i];
        for (int w = 0; w < st->nworkers; w++)
            if (connect_down(e, &st->w[w], st->down, st->ndown) != 0)
                return -1;
        if (st->kind == SLUICE_SOURCE) {
            ctx_init(&st->prod, e, st, -1);
            if (connect_down(e, &st->prod, &st->idx, 1) != 0)
                return -1;
        }
    }
    return 0;
}

/* The folder part of the state store's path ("." when it has none). */
static char *state_folder(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;
    if (!slash)
        return strdup(".");
    return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

int sl_engine_new(sl_engine **out, sl_pipeline_cfg *cfg, const sl_run_opts *opts, char **err)
{
    sl_engine *e = calloc(1, sizeof *e);
    if (!e)
        return -1;
    e->cfg = cfg;
    if (opts)
        e->opts = *opts;
    e->state_dir = state_folder(cfg->state);
    if (!e->state_dir) {
        free(e);
        return -1;
    }
    e->n = cfg->nstages;
    e->st = calloc(e->n, sizeof *e->st);
    e->zctx = zmq_ctx_new();
    if (!e->st || !e->zctx || setup_graph(e) != 0 || setup_sockets(e) != 0) {
        if (err)
            *err = strdup("cannot set up the pipeline's threads and sockets");
        sl_engine_free(&e);
        return -1;
    }
    if (sl_dlq_open(&e->dlq, cfg->dead_letter, err) != 0 || sl_state_open(&e->state, cfg->state, err) != 0) {
        sl_engine_free(&e);
        return -1;
    }
    for (size_t i = 0; i < e->n; i++)
        if (e->st[i].kind == SLUICE_SOURCE)
            e->st[i].cursor = sl_state_cursor(e->state, e->st[i].cfg->id);
    pthread_mutex_init(&e->done_lock, NULL);
    pthread_cond_init(&e->done_cond, NULL);
    *out = e;
    return 0;
}

void sl_engine_request_stop(sl_engine *e)
{
    atomic_store(&e->interrupted, 1);
    atomic_store(&e->stopping, 1);
}

void sl_engine_count_http(sluice_ctx *ctx, int retry)
{
    if (!ctx || !ctx->st)
        return;
    atomic_fetch_add(retry ? &ctx->st->c.http_retries : &ctx->st->c.http_requests, 1);
}

/* ---- running -------------------------------------------------------------------- */

/* Values of options marked SECRET are masked in every log line, error and
 * dead letter from here on. */
static void register_secrets(const sl_stage *st)
{
    for (const sluice_option *o = st->p->options; o && o->name; o++) {
        if (!(o->flags & SLUICE_OPT_SECRET))
            continue;
        json_t *v = json_object_get(st->cfg->options, o->name);
        if (json_is_string(v))
            sl_secret_add(json_string_value(v));
        for (size_t i = 0; json_is_array(v) && i < json_array_size(v); i++)
            if (json_is_string(json_array_get(v, i)))
                sl_secret_add(json_string_value(json_array_get(v, i)));
    }
}

static int init_plugins(sl_engine *e)
{
    for (size_t i = 0; i < e->n; i++)
        register_secrets(&e->st[i]);
    for (size_t i = 0; i < e->n; i++) {
        sl_stage *st = &e->st[i];
        sluice_ctx *ctxs = st->kind == SLUICE_SOURCE ? &st->prod : st->w;
        int n = st->kind == SLUICE_SOURCE ? 1 : st->nworkers;
        for (int w = 0; w < n; w++) {
            int rc = st->p->init(&ctxs[w], &ctxs[w].state);
            if (rc != SLUICE_OK) {
                sl_stage_fail(st, e, "%s: cannot start plugin %s: %s", st->cfg->json_path, st->p->name,
                              ctxs[w].last_error ? ctxs[w].last_error : sluice_strerror(rc));
                return -1;
            }
            ctxs[w].inited = 1;
        }
    }
    return 0;
}

static void fini_plugins(sl_engine *e)
{
    for (size_t i = 0; i < e->n; i++) {
        sl_stage *st = &e->st[i];
        if (st->prod.inited && st->p->fini)
            st->p->fini(st->prod.state);
        st->prod.inited = 0;
        for (int w = 0; st->w && w < st->nworkers; w++) {
            if (st->w[w].inited && st->p->fini)
                st->p->fini(st->w[w].state);
            st->w[w].inited = 0;
        }
    }
}

/* Writes the sources' newly committable positions to the state store. Dead
 * letters are synced first: the cursor must not pass a rejected record that
 * is not yet durable in the dead-letter file. */
static void commit_positions(sl_engine *e)
{
    json_t *snap[256] = {0};
    int any = 0;
    for (size_t i = 0; i < e->n && i < 256; i++) {
        sl_stage *st = &e->st[i];
        if (st->kind != SLUICE_SOURCE)
            continue;
        pthread_mutex_lock(&st->wlock);
        if (st->dirty) {
            snap[i] = json_incref(st->commit_pos);
            st->dirty = 0;
            any = 1;
        }
        pthread_mutex_unlock(&st->wlock);
    }
    if (!any)
        return;
    if (sl_dlq_sync(e->dlq) != 0) {
        sl_log(SLUICE_LOG_ERROR, NULL, "the dead-letter file cannot be synced: cursors not committed");
        atomic_store(&e->failed, 1);
        for (size_t i = 0; i < e->n && i < 256; i++)
            json_decref(snap[i]);
        return;
    }
    for (size_t i = 0; i < e->n && i < 256; i++) {
        if (!snap[i])
            continue;
        sl_stage *st = &e->st[i];
        if (sl_state_commit(e->state, st->cfg->id, snap[i]) != 0) {
            sl_stage_fail(st, e, "cannot commit the cursor to the state store");
            json_decref(snap[i]);
            continue;
        }
        pthread_mutex_lock(&st->wlock);
        json_decref(st->committed);
        st->committed = snap[i];
        pthread_mutex_unlock(&st->wlock);
    }
}

/* The coordinator: commits positions every SL_COMMIT_MS until every stage
 * thread has finished, then once more. */
static void coordinate(sl_engine *e)
{
    pthread_mutex_lock(&e->done_lock);
    while (e->threads_left > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += SL_COMMIT_MS * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&e->done_cond, &e->done_lock, &ts);
        pthread_mutex_unlock(&e->done_lock);
        commit_positions(e);
        pthread_mutex_lock(&e->done_lock);
    }
    pthread_mutex_unlock(&e->done_lock);
    commit_positions(e);
}

static void record_run(sl_engine *e)
{
    sl_stage_report r[256];
    size_t n = sl_engine_report(e, r, 256);
    json_t *stages = json_array();
    const char *error = NULL;
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:f}", "stage", r[i].id, "kind",
                              sl_kind_name(r[i].kind), "plugin", r[i].plugin, "in", (json_int_t)r[i].in, "out",
                              (json_int_t)r[i].out, "dropped", (json_int_t)r[i].dropped, "rejected",
                              (json_int_t)r[i].dead, "elapsed_s", r[i].elapsed);
        if (s && r[i].http_requests) { /* connectors only: the history of file pipelines stays as it was */
            json_object_set_new(s, "http_requests", json_integer((json_int_t)r[i].http_requests));
            json_object_set_new(s, "http_retries", json_integer((json_int_t)r[i].http_retries));
        }
        json_array_append_new(stages, s);
        if (!error && r[i].error)
            error = r[i].error;
    }
    const char *status = atomic_load(&e->interrupted) ? "interrupted" : atomic_load(&e->failed) ? "failed" : "ok";
    if (e->run_id > 0)
        sl_state_run_end(e->state, e->run_id, status, stages, error);
    json_decref(stages);
}

int sl_engine_run(sl_engine *e)
{
    if (e->ran)
        return 1;
    e->ran = 1;
    e->t0 = sl_now();
    e->run_id = sl_state_run_begin(e->state, e->cfg->name);
    if (init_plugins(e) != 0) {
        fini_plugins(e);
        e->t1 = sl_now();
        record_run(e);
        return 1;
    }
    sl_progress_start(e);
    for (size_t i = 0; i < e->n; i++)
        e->threads_left += e->st[i].nworkers + (e->st[i].kind == SLUICE_SOURCE);
    for (size_t i = 0; i < e->n; i++) {
        sl_stage *st = &e->st[i];
        for (int w = 0; w < st->nworkers; w++)
            pthread_create(&st->threads[w], NULL, worker_main, &st->w[w]);
    }
    for (size_t i = 0; i < e->n; i++)
        if (e->st[i].kind == SLUICE_SOURCE)
            pthread_create(&e->st[i].prod_thread, NULL, producer_main, &e->st[i].prod);
    coordinate(e);
    for (size_t i = 0; i < e->n; i++) {
        sl_stage *st = &e->st[i];
        if (st->kind == SLUICE_SOURCE)
            pthread_join(st->prod_thread, NULL);
        for (int w = 0; w < st->nworkers; w++)
            pthread_join(st->threads[w], NULL);
    }
    e->t1 = sl_now();
    atomic_store(&e->done, 1);
    sl_progress_stop(e);
    fini_plugins(e);

    if (sl_dlq_sync(e->dlq) != 0) {
        sl_log(SLUICE_LOG_ERROR, NULL, "the dead-letter file could not be written completely");
        atomic_store(&e->failed, 1);
    }
    unsigned long long rejected = atomic_load(&e->rejects);
    if (rejected && !sl_dlq_has_file(e->dlq)) {
        sl_log(SLUICE_LOG_ERROR, NULL,
               "%llu record%s rejected and no dead_letter file is configured: they are only in the log",
               rejected, rejected == 1 ? " was" : "s were");
        atomic_store(&e->failed, 1);
    }
    record_run(e);
    if (e->opts.summary)
        sl_summary_print(e);
    return atomic_load(&e->failed) || atomic_load(&e->interrupted) ? 1 : 0;
}

size_t sl_engine_report(const sl_engine *e, sl_stage_report *out, size_t max)
{
    size_t n = e->n < max ? e->n : max;
    for (size_t i = 0; i < n; i++) {
        const sl_stage *st = &e->st[i];
        out[i].id = st->cfg->id;
        out[i].plugin = st->p->name;
        out[i].kind = st->kind;
        out[i].in = atomic_load(&st->c.in);
        out[i].out = atomic_load(&st->c.out);
        out[i].dropped = atomic_load(&st->c.dropped);
        out[i].dead = atomic_load(&st->c.dead);
        out[i].http_requests = atomic_load(&st->c.http_requests);
        out[i].http_retries = atomic_load(&st->c.http_retries);
        out[i].elapsed = (st->t_end > 0 ? st->t_end : e->t1) - e->t0;
        out[i].error = st->error;
    }
    return n;
}

static void free_ctx(sluice_ctx *c, size_t nn)
{
    if (c->pull)
        zmq_close(c->pull);
    for (size_t k = 0; c->push && k < c->npush; k++)
        zmq_close(c->push[k]);
    free(c->push);
    free(c->push_off);
    for (size_t k = 0; c->order && k < nn; k++)
        while (c->order[k].stash) {
            sl_stash *s = c->order[k].stash;
            c->order[k].stash = s->next;
            sl_batch_free(&s->b);
            free(s);
        }
    free(c->order);
    sl_batch_free(&c->cur);
    sl_batch_free(&c->group);
    sl_batch_free(&c->held);
    json_decref(c->pos);
    free(c->last_error);
}

void sl_engine_free(sl_engine **pe)
{
    sl_engine *e = pe ? *pe : NULL;
    if (!e)
        return;
    fini_plugins(e);
    for (size_t i = 0; e->st && i < e->n; i++) {
        sl_stage *st = &e->st[i];
        for (int w = 0; st->w && w < st->nworkers; w++)
            free_ctx(&st->w[w], e->n * e->n);
        free_ctx(&st->prod, 0);
        free(st->w);
        free(st->threads);
        free(st->down);
        free(st->error);
        for (size_t k = 0; k < SL_RING; k++)
            json_decref(st->ring[k].pos);
        json_decref(st->cursor);
        json_decref(st->commit_pos);
        json_decref(st->committed);
        pthread_mutex_destroy(&st->lock);
        pthread_mutex_destroy(&st->wlock);
        pthread_cond_destroy(&st->wcond);
    }
    free(e->st);
    if (e->zctx)
        zmq_ctx_term(e->zctx);
    sl_dlq_close(&e->dlq);
    sl_state_close(&e->state);
    free(e->state_dir);
    free(e->paths);
    pthread_mutex_destroy(&e->done_lock);
    pthread_cond_destroy(&e->done_cond);
    free(e);
    *pe = NULL;
}
