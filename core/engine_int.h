/* engine_int.h - the engine's private structures, shared by engine.c (threads
 * and routing), host.c (the host table plugins call) and report.c (progress
 * and summary). Nothing here is visible to plugins. */
#ifndef SL_ENGINE_INT_H
#define SL_ENGINE_INT_H

#include <stdatomic.h>
#include <stdint.h>
#include <pthread.h>

#include "batch.h"
#include "engine.h"
#include "state.h"

#define SL_HWM 4             /* batches queued per socket pipe */
#define SL_WINDOW 8          /* batches of one source in memory before it waits */
#define SL_RING 64           /* batches of one source not yet acknowledged: a
                                sink with transactions (plugin commit()) frees
                                batches at once and acknowledges at commit */
#define SL_TXN_BATCHES 48    /* such a sink commits after this many batches */
#define SL_TXN_RECORDS 60000 /* ... or records, */
#define SL_TXN_MS 500        /* ... or when its transaction is this old */
#define SL_BATCH_BYTES (1u << 20) /* raw text per batch before it is sent */
#define SL_FLUSH_MS 200      /* a partial batch older than this is sent */
#define SL_COMMIT_MS 200     /* how often committed positions reach the state store */
#define SL_GROUP_MAX 4       /* batches a sink may merge into one write */
#define SL_GROUP_RECORDS 20000 /* ... and records */

/* Message envelope, frame 1. Frame 2 carries the batch: its pointer within a
 * process (inproc, ownership moves with the message); a serialised batch
 * would go there across ipc:// or tcp://. */
typedef struct sl_msg_hdr {
    uint8_t version;
    uint8_t kind;    /* SL_MSG_BATCH | SL_MSG_EOS */
    uint16_t from;   /* index of the sending stage */
    uint32_t src;    /* index of the source stage the batch started at */
    uint64_t seq;    /* per-source sequence number */
} sl_msg_hdr;

enum { SL_MSG_BATCH = 1, SL_MSG_EOS = 2 };

/* Batches that arrived ahead of their turn, per (sending stage, source). */
typedef struct sl_stash {
    uint64_t seq;
    sluice_batch *b;
    struct sl_stash *next;
} sl_stash;

typedef struct sl_order {
    uint64_t next; /* next sequence number this worker handles */
    unsigned copies; /* copies of each batch to expect: the paths from the source
                        to the sending stage (2 below a diamond), at least 1 */
    unsigned seen;   /* copies of batch `next` handled so far */
    sl_stash *stash;
} sl_order;

/* A batch a sink is to acknowledge: its source, its sequence number, and
 * whether it failed upstream. */
typedef struct sl_ack_ref {
    uint32_t src;
    uint64_t seq;
    int failed;
} sl_ack_ref;

struct sluice_ctx {
    const sluice_host *host; /* must stay first: see sluice_handle_head */
    sl_engine *e;
    sl_stage *st;
    int worker;              /* -1: a source's producer thread */
    void *state;             /* the plugin instance */
    int inited;
    void *pull;              /* PULL socket (workers) */
    void **push;             /* PUSH sockets: each downstream stage's workers, in order */
    size_t npush;
    size_t *push_off;        /* per downstream stage: first index into push */
    sl_order *order;         /* [nstages * nstages], by (from, src) */
    /* producer state */
    sluice_batch *cur;
    uint64_t next_seq;
    uint64_t cur_started_ms;
    unsigned tick;
    const char *stream_val;  /* last stream lookup */
    const char *origin_val;              /* last interned origin */
    json_t *pos;             /* position for the batch being filled (owned) */
    sluice_batch *group;     /* sinks: batches merged for one write (owned) */
    sluice_batch *held;      /* transforms with finish(): the last batch, kept back (owned) */
    sl_ack_ref group_acks[SL_GROUP_MAX]; /* the batches in it, to acknowledge after the write */
    int group_n;
    /* sinks with commit(): batches written into the open transaction, to
     * acknowledge at commit */
    sl_ack_ref txn_acks[SL_TXN_BATCHES + SL_GROUP_MAX];
    int txn_n;
    uint64_t txn_t0;                /* sl_now_ms() when it began */
    unsigned long long txn_records; /* live records written into it */
    unsigned long long txn_out;     /* of which not dead-lettered */
    char *last_error;        /* last sluice_set_error() text (owned) */
};

/* A batch of a source in flight: acknowledgements so far and the position
 * that may be committed once it, and all before it, are acknowledged. */
typedef struct sl_slot {
    unsigned acks;
    unsigned writes; /* deliveries written (memory freed), <= reach */
    int failed;
    json_t *pos; /* owned */
} sl_slot;

struct sl_stage {
    size_t idx;
    sl_stage_cfg *cfg;
    const sluice_plugin *p;
    int kind;
    int nworkers;
    sluice_ctx *w;           /* [nworkers]: decoders of a source, or workers */
    pthread_t *threads;
    sluice_ctx prod;         /* sources: the thread running plugin->run */
    pthread_t prod_thread;
    size_t *down;            /* stages reading from this one */
    size_t ndown;
    int eos_expected;        /* EOS messages each worker waits for */
    sl_counters c;
    atomic_int workers_left;
    double t_end;
    int broken;              /* sinks: failed; later batches are discarded */
    unsigned long long lost; /* records discarded after a failure */
    pthread_mutex_t lock;
    char *error;             /* first error, owned */
    /* sources: batches in flight and cursor commits, under wlock */
    pthread_mutex_t wlock;
    pthread_cond_t wcond;
    sl_slot ring[SL_RING];   /* seq % SL_RING, for low <= seq < next */
    uint64_t low, next;      /* lowest unacknowledged seq; next seq to send */
    unsigned inmem;          /* batches sent and not yet written by every sink */
    unsigned reach;          /* deliveries of each batch to sinks (paths) */
    int stuck;               /* a batch failed: the cursor stops before it */
    json_t *cursor;          /* committed by the last run (owned), or NULL */
    json_t *commit_pos;      /* newest committable position (owned) */
    int dirty;               /* commit_pos not yet in the state store */
    json_t *committed;       /* newest position written to the store this run (owned) */
};

struct sl_engine {
    sl_pipeline_cfg *cfg;
    sl_run_opts opts;
    void *zctx;
    sl_stage *st;
    size_t n;
    sl_dlq *dlq;
    atomic_int stopping, failed, interrupted, done;
    atomic_ullong rejects;
    atomic_int max_errors_hit;
    double t0, t1;
    int ran;
    pthread_t progress_thread;
    int progress_on;
    sl_state *state;
    char *state_dir; /* folder of cfg->state (owned) */
    unsigned *paths; /* [stage * n + source]: paths from the source to the stage (owned) */
    int64_t run_id;
    pthread_mutex_t done_lock; /* threads_left and done_cond */
    pthread_cond_t done_cond;
    int threads_left;
};

double sl_now(void);          /* monotonic seconds */
uint64_t sl_now_ms(void);
void sl_stage_fail(sl_stage *st, sl_engine *e, const char *fmt, ...) SLUICE_PRINTF(3, 4);
void sl_count_reject(sl_engine *e);
/* Producer: hands the current batch to the decoders (waits on the window). */
int sl_producer_send(sluice_ctx *ctx);
/* Parses RAW records; bad JSON is dead-lettered. */
void sl_decode_batch(sluice_ctx *ctx, sluice_batch *b);
/* Dead-letters record i of b on behalf of ctx's stage. */
int sl_batch_reject_rec(sluice_ctx *ctx, sluice_batch *b, size_t i, const char *reason);

void sl_progress_start(sl_engine *e);
void sl_progress_stop(sl_engine *e);
void sl_summary_print(sl_engine *e);

#endif
