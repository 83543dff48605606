/* batch.h - the core's side of sluice_batch: records travelling together.
 *
 * A batch belongs to exactly one thread at a time; ownership moves with the
 * ZeroMQ message that carries its pointer. Records arrive either parsed
 * (json_t, owned by the batch) or as raw JSON text kept in the batch's text
 * arena until a decode worker parses them. */
#ifndef SL_BATCH_H
#define SL_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include "sluice/plugin.h"

enum { SL_REC_LIVE = 0, SL_REC_RAW = 1, SL_REC_DROPPED = 2, SL_REC_REJECTED = 3 };

typedef struct sl_rec {
    json_t *obj;        /* owned; NULL unless LIVE */
    const char *stream; /* interned */
    const char *origin; /* interned, or NULL */
    uint64_t line;
    uint32_t raw_off, raw_len; /* RAW: text in the batch arena */
    uint8_t state;
} sl_rec;

struct sluice_batch {
    const sluice_host *host; /* must stay first: see sluice_handle_head */
    uint32_t src;            /* index of the source stage */
    const char *src_id;      /* borrowed from the config */
    uint64_t seq;            /* per-source sequence number */
    sl_rec *recs;
    size_t n, cap;
    char *raw;               /* arena for RAW records' text */
    size_t raw_len, raw_cap;
    size_t dropped, rejected; /* counted by the current stage, reset by it */
    int failed;              /* a stage failed on it: sinks must not acknowledge it as written */
};

extern const sluice_host sl_host_table;

sluice_batch *sl_batch_new(uint32_t src, const char *src_id, size_t cap);
/* Frees the batch and every record in it; NULLs *b. */
void sl_batch_free(sluice_batch **b);
/* Deep copy (for fan-out to a second downstream stage). NULL on ENOMEM. */
sluice_batch *sl_batch_copy(const sluice_batch *b);
/* Appends a parsed record (steals obj) or raw text (copied). 0 or -1. */
int sl_batch_push(sluice_batch *b, const char *stream, json_t *obj, const char *origin, uint64_t line);
int sl_batch_push_raw(sluice_batch *b, const char *stream, const char *text, size_t len,
                      const char *origin, uint64_t line);
size_t sl_batch_live(const sluice_batch *b);

#endif
