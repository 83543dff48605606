/* xml_out.h - where an XML parser's records go: straight to a sink, or,
 * with all_or_nothing, into a spool that is replayed to the sink only once
 * the whole file has parsed (slx_out_commit). Host-independent: the sink is
 * a table of callbacks (the sluice host behind it in the plugins, anything
 * else for other users of cml_parser.h). */
#ifndef SLX_XML_OUT_H
#define SLX_XML_OUT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "xml_spool.h"
#include "xml_text.h"

/* Same shape and rules as cml_sink (cml_parser.h): callbacks return 0 to go
 * on; record() steals rec; record_json, reject and should_stop may be
 * NULL. */
typedef struct slx_sink {
    void *ud;
    int (*record)(void *ud, const char *stream, json_t *rec, const char *origin, uint64_t line);
    int (*record_json)(void *ud, const char *stream, const char *json, size_t len, const char *origin,
                       uint64_t line);
    int (*reject)(void *ud, const char *stream, const char *raw, size_t len, const char *origin, uint64_t line,
                  const char *reason);
    int (*should_stop)(void *ud);
} slx_sink;

typedef struct slx_out {
    const slx_sink *sink;  /* borrowed */
    const char *origin;    /* borrowed: the file's name */
    slx_spool *spool;      /* owned; NULL: records go straight to the sink */
    int sink_rc;           /* what a sink callback returned when it asked to stop */
    uint64_t records;      /* records accepted (delivered, or spooled for delivery) */
    uint64_t rejected;
    unsigned tick;
    slx_buf json;          /* serialisation buffer for the spool */
    char *streams[16];     /* owned: stream names seen in the replay (stable pointers) */
    size_t nstreams;
    char err[256];         /* why the last call failed (spool I/O), or "" */
} slx_out;

/* Sets o up for one file. With all_or_nothing a spool is created in
 * tmpdir (NULL: $TMPDIR or /tmp). Returns SLX_OK, or SLX_EIO with o->err.
 * Call slx_out_end() afterwards in every case. */
int slx_out_begin(slx_out *o, const slx_sink *sink, const char *origin, int all_or_nothing, const char *tmpdir);

/* A record (stolen, even on failure). SLX_OK, SLX_ESINK (o->sink_rc), SLX_EIO
 * or SLX_ENOMEM. */
int slx_out_record(slx_out *o, const char *stream, json_t *rec, uint64_t line);

/* Input that could not become a record; raw is cut to a short excerpt. */
int slx_out_reject(slx_out *o, const char *stream, const char *raw, size_t len, uint64_t line,
                   const char *reason);

/* With a spool, delivers everything spooled, in order; without, nothing to
 * do. SLX_OK or an error as for slx_out_record. */
int slx_out_commit(slx_out *o);

/* Frees the spool (dropping whatever was not committed) and buffers. */
void slx_out_end(slx_out *o);

#endif
