/* sqlite_checkpoint.c - WAL checkpoints on a thread of their own.
 *
 * In WAL mode every page is written twice: appended to the WAL at commit,
 * then copied into the database file by a checkpoint, which with
 * synchronous=normal also syncs both files. SQLite's automatic checkpoint
 * runs inside the committing thread, so the sink stopped for every sync:
 * 1.8 s of fdatasync on the 500,000-product CommerceML benchmark, a quarter
 * of the run. Here a second connection checkpoints (PASSIVE: it never
 * blocks the writer) whenever the WAL has grown by `checkpoint_pages`
 * frames, while the writer goes on committing. Nothing about durability
 * changes: the same syncs happen, only on another thread.
 *
 * A WAL starts again from its beginning only once a checkpoint has caught
 * up with all of it, which a checkpointer chasing a busy writer never does
 * (measured: the WAL grew to 350 MB). So once the thread has copied what
 * was there when it started, the writer checkpoints the rest itself after
 * its next commit: a few frames, and syncs of mostly clean files. Its next
 * transaction then starts the WAL over. Past SQLSINK_WAL_CAP_FACTOR times
 * the threshold the writer checkpoints everything itself, as SQLite's own
 * auto-checkpoint would, which bounds the file whatever happens. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sqlite_sink.h"

#define SQLSINK_WAL_CAP_FACTOR 4

struct sqlsink_ckpt {
    sqlite3 *db;        /* the checkpointer's own connection (owned) */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int threshold;      /* WAL frames that start a checkpoint */
    int wanted;         /* a checkpoint is due */
    int caught_up;      /* the thread copied what the WAL held when it started */
    int busy;           /* the thread is checkpointing */
    int stop;
    int failures;       /* checkpoints that failed, for the log at the end */
    int last_rc;
};

static void *ckpt_main(void *arg)
{
    sqlsink_ckpt *c = arg;
    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->wanted && !c->stop)
            pthread_cond_wait(&c->cond, &c->lock);
        if (c->stop)
            break;
        c->wanted = 0;
        c->busy = 1;
        pthread_mutex_unlock(&c->lock);
        int rc = sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->lock);
        c->busy = 0;
        pthread_cond_broadcast(&c->cond);
        if (rc == SQLITE_OK)
            c->caught_up = 1;
        else if (rc != SQLITE_BUSY) {
            c->failures++;
            c->last_rc = rc;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* Called by SQLite on the writer's thread after each commit, with the
 * write lock released; nframes counts every frame in the WAL. */
static int wal_hook(void *arg, sqlite3 *db, const char *name, int nframes)
{
    sqlsink_ckpt *c = arg;
    if (nframes < c->threshold)
        return SQLITE_OK;
    int cap = nframes >= c->threshold * SQLSINK_WAL_CAP_FACTOR;
    pthread_mutex_lock(&c->lock);
    /* At the cap the writer waits for the thread's pass, or its own
     * checkpoint would only get SQLITE_BUSY and the WAL would grow on. */
    while (cap && c->busy)
        pthread_cond_wait(&c->cond, &c->lock);
    int finish = cap || c->caught_up;
    if (finish)
        c->caught_up = 0;
    else {
        c->wanted = 1;
        pthread_cond_broadcast(&c->cond);
    }
    pthread_mutex_unlock(&c->lock);
    if (finish) /* BUSY if the thread started again meanwhile: the next commit tries anew */
        sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    return SQLITE_OK;
}

/* SQLite's own automatic checkpoint, in the writer's thread (0: none). */
static int writer_checkpoints(sqlsink *s, int pages)
{
    return sqlite3_wal_autocheckpoint(s->db, pages) == SQLITE_OK ? SLUICE_OK : SLUICE_ERROR;
}

int sqlsink_ckpt_start(sqlsink *s, sluice_ctx *ctx, int threshold, const char *sync_pragma)
{
    s->ckpt_pages = threshold;
    if (threshold <= 0) /* checkpoints turned off: only at the end of the run */
        return writer_checkpoints(s, 0);
    sqlsink_ckpt *c = calloc(1, sizeof *c);
    if (!c)
        return SLUICE_ENOMEM;
    c->threshold = threshold;
    int rc = sqlite3_open_v2(s->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(c->db, sync_pragma, NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        /* Not fatal: the writer checkpoints by itself, as before. */
        sluice_warn(ctx, "%s: no background checkpoints (%s); the writer checkpoints itself", s->path,
                    c->db ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
        sqlite3_close_v2(c->db);
        free(c);
        return writer_checkpoints(s, threshold);
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    if (pthread_create(&c->thread, NULL, ckpt_main, c) != 0) {
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->cond);
        sqlite3_close_v2(c->db);
        free(c);
        return writer_checkpoints(s, threshold);
    }
    s->ckpt = c;
    sqlite3_wal_hook(s->db, wal_hook, c); /* replaces the automatic checkpoint */
    return SLUICE_OK;
}

void sqlsink_ckpt_stop(sqlsink *s, sluice_ctx *ctx)
{
    sqlsink_ckpt *c = s->ckpt;
    if (!c)
        return;
    /* Writes after this (none in a normal run) checkpoint the usual way. */
    writer_checkpoints(s, s->ckpt_pages);
    pthread_mutex_lock(&c->lock);
    c->stop = 1;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    if (c->failures && ctx)
        sluice_warn(ctx, "%s: %d background checkpoint%s failed (last: %s); the final one runs now", s->path,
                    c->failures, c->failures == 1 ? "" : "s", sqlite3_errstr(c->last_rc));
    sqlite3_close_v2(c->db);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    free(c);
    s->ckpt = NULL;
}
