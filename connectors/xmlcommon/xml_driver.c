/* xml_driver.c - the shared run() loop of the XML sources (see
 * xml_driver.h). */
#include "xml_driver.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xml_cursor.h"
#include "xml_safe.h"

/* Host callbacks behind the slx_sink. */
typedef struct host_ud {
    sluice_ctx *ctx;
} host_ud;

static int h_record(void *ud, const char *stream, json_t *rec, const char *origin, uint64_t line)
{
    return sluice_emit_at(((host_ud *)ud)->ctx, stream, rec, origin, line);
}

static int h_record_json(void *ud, const char *stream, const char *json, size_t len, const char *origin,
                         uint64_t line)
{
    return sluice_emit_json(((host_ud *)ud)->ctx, stream, json, len, origin, line);
}

static int h_reject(void *ud, const char *stream, const char *raw, size_t len, const char *origin, uint64_t line,
                    const char *reason)
{
    return sluice_reject(((host_ud *)ud)->ctx, stream, raw, len, origin, line, reason);
}

static int h_should_stop(void *ud) { return sluice_should_stop(((host_ud *)ud)->ctx) ? SLUICE_STOPPED : 0; }

/* The 1.1 cursor calls, when this host has them. */
static int has_cursor(sluice_ctx *ctx)
{
    const sluice_host *h = sluice_host_of_ctx(ctx);
    return h->abi_minor >= 1 && h->struct_size >= offsetof(sluice_host, position) + sizeof h->position &&
           h->cursor != NULL && h->position != NULL;
}

typedef struct run {
    sluice_ctx *ctx;
    const slx_format *fmt;
    void *state;
    int cursors;          /* the host has cursor calls */
    const json_t *prev;   /* borrowed: the committed cursor's "files" */
    json_t *files;        /* owned: the cursor being built */
    int dirty;            /* files differs from what was last declared */
    size_t failed;
    char first_error[1024];
    slx_sink sink;
    host_ud ud;
} run;

/* The first failure becomes the stage's error (which the core logs when
 * run() returns); later ones are logged as they happen. */
static void file_failed(run *r, const char *msg)
{
    if (r->failed++ == 0)
        snprintf(r->first_error, sizeof r->first_error, "%s", msg);
    else
        sluice_error(r->ctx, "%s", msg);
}

static int declare(run *r)
{
    if (!r->cursors || !r->dirty)
        return SLUICE_OK;
    json_t *pos = json_pack("{s:O}", "files", r->files);
    if (pos == NULL)
        return SLUICE_ENOMEM;
    json_t *copy = json_deep_copy(pos); /* the host keeps it; we keep adding to ours */
    json_decref(pos);
    if (copy == NULL)
        return SLUICE_ENOMEM;
    r->dirty = 0;
    return sluice_position(r->ctx, copy);
}

static int open_file(run *r, const char *path, slx_fprint *fp)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int err = fd < 0 ? errno : slx_fprint_fd(fd, fp);
    if (err != 0) {
        char msg[1024];
        snprintf(msg, sizeof msg, "%s: cannot read: %s", path, strerror(err));
        file_failed(r, msg);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Is the file unchanged since the committed cursor? Keeps its entry. */
static int unchanged(run *r, const char *path)
{
    json_t *entry = json_object_get(r->prev, path);
    if (entry == NULL)
        return 0;
    slx_fprint fp;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int same = fd >= 0 && slx_fprint_fd(fd, &fp) == 0 && slx_fprint_matches(entry, &fp);
    if (fd >= 0)
        close(fd);
    if (same) {
        json_object_set(r->files, path, entry);
        sluice_info(r->ctx, "%s: unchanged since it was last read, skipped", path);
    }
    return same;
}

static int parse_one(run *r, const char *path)
{
    slx_fprint before, after;
    int fd = open_file(r, path, &before);
    if (fd < 0)
        return SLUICE_OK;
    char err[1024] = "";
    uint64_t records = 0;
    int rc = r->fmt->parse(r->state, fd, path, &r->sink, &records, err, sizeof err);
    int changed = rc == SLX_OK && (slx_fprint_fd(fd, &after) != 0 || !slx_fprint_same_stat(&before, &after));
    close(fd);
    if (rc == SLX_ESINK)
        return SLUICE_STOPPED; /* the host stops the run; its reason is its own */
    if (rc != SLX_OK) {
        file_failed(r, err[0] ? err : path);
        return SLUICE_OK;
    }
    sluice_info(r->ctx, "%s: %llu records", path, (unsigned long long)records);
    if (changed) {
        sluice_warn(r->ctx, "%s changed while it was read; it will be read again next time", path);
        return SLUICE_OK;
    }
    json_t *fpj = slx_fprint_json(&before);
    if (fpj == NULL || json_object_set_new(r->files, path, fpj) != 0)
        return SLUICE_ENOMEM;
    r->dirty = 1;
    return declare(r);
}

typedef struct ranked {
    size_t index;
    int rank;
} ranked;

static int cmp_ranked(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Pending files (not skipped, rank known), in reading order. */
static size_t order(run *r, char *const *files, size_t n, ranked *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (unchanged(r, files[i]))
            continue;
        int rank = 0;
        if (r->fmt->rank != NULL) {
            char err[1024] = "";
            rank = r->fmt->rank(r->state, files[i], err, sizeof err);
            if (rank < 0) {
                file_failed(r, err[0] ? err : files[i]);
                continue;
            }
        }
        out[k].index = i;
        out[k].rank = rank;
        k++;
    }
    qsort(out, k, sizeof *out, cmp_ranked);
    return k;
}

static int finish(run *r, int rc, size_t nfiles)
{
    if (rc == SLUICE_OK)
        rc = declare(r); /* files that vanished leave the cursor */
    if (rc == SLUICE_OK && r->failed > 0) {
        char msg[1200];
        if (r->failed == 1)
            snprintf(msg, sizeof msg, "%s", r->first_error);
        else
            snprintf(msg, sizeof msg, "%s (and %zu more of %zu files failed, see above)", r->first_error,
                     r->failed - 1, nfiles);
        sluice_set_error(r->ctx, msg);
        rc = SLUICE_ERROR;
    }
    return rc;
}

int slx_driver_run(sluice_ctx *ctx, char *const *files, size_t nfiles, const slx_format *fmt, void *state)
{
    run r;
    memset(&r, 0, sizeof r);
    r.ctx = ctx;
    r.fmt = fmt;
    r.state = state;
    r.ud.ctx = ctx;
    r.sink = (slx_sink){.ud = &r.ud, .record = h_record, .record_json = h_record_json, .reject = h_reject,
                        .should_stop = h_should_stop};
    r.cursors = has_cursor(ctx);
    json_t *cursor = r.cursors ? sluice_cursor(ctx) : NULL;
    r.prev = json_object_get(cursor, "files");
    r.files = json_object();
    ranked *list = calloc(nfiles > 0 ? nfiles : 1, sizeof *list);
    if (r.files == NULL || list == NULL) {
        json_decref(r.files);
        free(list);
        return SLUICE_ENOMEM;
    }
    size_t n = order(&r, files, nfiles, list);
    r.dirty = r.prev != NULL && !json_equal(r.files, r.prev);
    int rc = SLUICE_OK;
    for (size_t i = 0; i < n && rc == SLUICE_OK; i++) {
        if (sluice_should_stop(ctx))
            rc = SLUICE_STOPPED;
        else
            rc = parse_one(&r, files[list[i].index]);
    }
    rc = finish(&r, rc, nfiles);
    json_decref(r.files);
    free(list);
    return rc;
}
