/* hubspot.h - the `hubspot` source: HubSpot CRM v3 objects.
 *
 * A first run (and every run with "sync": "full") lists each object with
 * GET /crm/v3/objects/{type}, following paging.next.after; later runs ask
 * the search API for what changed since the committed watermark
 * (lastmodifieddate / hs_lastmodifieddate >= since, ascending). */
#ifndef HUBSPOT_H
#define HUBSPOT_H

#include "httpcommon.h"

/* One HubSpot object type we know how to pull. */
typedef struct hs_object {
    const char *name;          /* objectType in the URL, and the stream name */
    const char *modified_prop; /* the property the search filters and sorts on */
    const char *const *props;  /* default properties, NULL-terminated */
} hs_object;

extern const char *const hs_object_names[]; /* NULL-terminated */
const hs_object *hs_object_find(const char *name);

typedef struct hs_source {
    hc_options opt;
    const char *token;   /* borrowed option (secret) */
    json_t *properties;  /* borrowed option: {"object": ["prop", ...]}, or NULL */
    long search_cap;     /* results one search query may page through */
    sluice_http *list;   /* owned: GET listing, the general rate limit */
    sluice_http *search; /* owned: POST search, its own (lower) rate limit */
    hc_cursor *cursor;   /* owned */
} hs_source;

/* One stream: an hc_task (first member) turning pages into records. */
typedef struct hs_stream hs_stream;

/* Creates the stream of object `obj` for this run: search when the cursor
 * has a watermark for it, else a listing. NULL on ENOMEM. */
hs_stream *hs_stream_new(hs_source *src, const hs_object *obj);
void hs_stream_free(hs_stream *s);
int hs_stream_searches(const hs_stream *s);
hc_task *hs_stream_task(hs_stream *s);
void hs_stream_report(sluice_ctx *ctx, const hs_stream *s);

#endif
