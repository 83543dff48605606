/* xml_out.c - record delivery, direct or through the spool (see xml_out.h). */
#include "xml_out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xml_safe.h"

/* How often (in records) the sink's should_stop is asked; a power of 2. */
#define SLX_STOP_CHECK 256u
/* How much of a rejected input is kept. */
#define SLX_REJECT_RAW_MAX 2048u

int slx_out_begin(slx_out *o, const slx_sink *sink, const char *origin, int all_or_nothing, const char *tmpdir)
{
    memset(o, 0, sizeof *o);
    o->sink = sink;
    o->origin = origin;
    if (all_or_nothing && slx_spool_open(&o->spool, tmpdir, o->err, sizeof o->err) != 0)
        return SLX_EIO;
    return SLX_OK;
}

void slx_out_end(slx_out *o)
{
    slx_spool_free(&o->spool);
    slx_buf_free(&o->json);
    for (size_t i = 0; i < o->nstreams; i++)
        free(o->streams[i]);
    o->nstreams = 0;
}

/* A stable pointer for a stream name read back from the spool: the replay
 * buffer is reused for every entry, and a sink may remember the pointer it
 * was last given (the sluice host caches the last stream by address). */
static const char *stable_stream(slx_out *o, const char *stream)
{
    for (size_t i = 0; i < o->nstreams; i++)
        if (strcmp(o->streams[i], stream) == 0)
            return o->streams[i];
    if (o->nstreams == sizeof o->streams / sizeof o->streams[0])
        return NULL;
    char *copy = strdup(stream);
    if (copy != NULL)
        o->streams[o->nstreams++] = copy;
    return copy;
}

static int stopping(slx_out *o)
{
    if (o->sink->should_stop == NULL || (++o->tick & (SLX_STOP_CHECK - 1)) != 0)
        return SLX_OK;
    int rc = o->sink->should_stop(o->sink->ud);
    if (rc != 0) {
        o->sink_rc = rc;
        return SLX_ESINK;
    }
    return SLX_OK;
}

static int spool_failed(slx_out *o)
{
    snprintf(o->err, sizeof o->err, "cannot write the spool file: %s", strerror(errno));
    return SLX_EIO;
}

/* Serialises rec into o->json. */
static int dump(slx_out *o, const json_t *rec)
{
    size_t need = json_dumpb(rec, o->json.p, o->json.cap, JSON_COMPACT);
    if (need == 0)
        return SLX_ENOMEM;
    if (need >= o->json.cap) {
        slx_buf_reset(&o->json);
        if (slx_buf_reserve(&o->json, need) != 0)
            return SLX_ENOMEM;
        need = json_dumpb(rec, o->json.p, o->json.cap, JSON_COMPACT);
    }
    o->json.len = need;
    return SLX_OK;
}

int slx_out_record(slx_out *o, const char *stream, json_t *rec, uint64_t line)
{
    if (rec == NULL)
        return SLX_ENOMEM;
    int rc = stopping(o);
    if (rc != SLX_OK) {
        json_decref(rec);
        return rc;
    }
    if (o->spool != NULL) {
        rc = dump(o, rec);
        json_decref(rec);
        if (rc != SLX_OK)
            return rc;
        if (slx_spool_add(o->spool, SLX_SPOOL_RECORD, stream, line, o->json.p, o->json.len, NULL) != 0)
            return spool_failed(o);
        o->records++;
        return SLX_OK;
    }
    rc = o->sink->record(o->sink->ud, stream, rec, o->origin, line);
    if (rc != 0) {
        o->sink_rc = rc;
        return SLX_ESINK;
    }
    o->records++;
    return SLX_OK;
}

static int deliver_reject(slx_out *o, const char *stream, const char *raw, size_t len, uint64_t line,
                          const char *reason)
{
    if (o->sink->reject == NULL)
        return SLX_OK;
    int rc = o->sink->reject(o->sink->ud, stream, raw, len, o->origin, line, reason);
    if (rc != 0) {
        o->sink_rc = rc;
        return SLX_ESINK;
    }
    return SLX_OK;
}

int slx_out_reject(slx_out *o, const char *stream, const char *raw, size_t len, uint64_t line,
                   const char *reason)
{
    if (len > SLX_REJECT_RAW_MAX)
        len = SLX_REJECT_RAW_MAX;
    o->rejected++;
    if (o->spool != NULL) {
        if (slx_spool_add(o->spool, SLX_SPOOL_REJECT, stream, line, raw, len, reason) != 0)
            return spool_failed(o);
        return SLX_OK;
    }
    return deliver_reject(o, stream, raw, len, line, reason);
}

static int replay_one(void *ud, char kind, const char *stream, uint64_t line, const char *text, size_t len,
                      const char *reason)
{
    slx_out *o = ud;
    int rc = stopping(o);
    if (rc != SLX_OK)
        return rc;
    stream = stable_stream(o, stream);
    if (stream == NULL)
        return SLX_ENOMEM;
    if (kind == SLX_SPOOL_REJECT)
        return deliver_reject(o, stream, text, len, line, reason);
    if (o->sink->record_json != NULL) {
        rc = o->sink->record_json(o->sink->ud, stream, text, len, o->origin, line);
    } else {
        json_t *rec = json_loadb(text, len, 0, NULL);
        if (rec == NULL)
            return SLX_ENOMEM; /* we wrote it ourselves: only memory can fail */
        rc = o->sink->record(o->sink->ud, stream, rec, o->origin, line);
    }
    if (rc != 0) {
        o->sink_rc = rc;
        return SLX_ESINK;
    }
    return SLX_OK;
}

/* replay_one returns SLX_* codes other than -1, so -1 from the replay is
 * always a read error. */
int slx_out_commit(slx_out *o)
{
    if (o->spool == NULL)
        return SLX_OK;
    int rc = slx_spool_replay(o->spool, replay_one, o);
    if (rc == -1) {
        snprintf(o->err, sizeof o->err, "cannot read the spool file back: %s", strerror(errno));
        return SLX_EIO;
    }
    return rc;
}
