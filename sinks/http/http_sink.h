/* http_sink.h - the `http` sink's internal interface.
 *
 * plugin.c reads the options; template.c fills {field} placeholders of the
 * URL, headers and body from a record; auth.c turns the `auth` object into
 * the HTTP client's settings; deliver.c sends a batch, record by record or
 * as one JSON array, and sorts the answers into landed, refused (dead
 * letters) and transient failures (SLUICE_RETRY). */
#ifndef SLUICE_HTTP_SINK_H
#define SLUICE_HTTP_SINK_H

#include <stddef.h>

#include "httpcommon.h"

/* ---- Templates ----------------------------------------------------------
 * Text with {field} placeholders; {{ and }} stand for literal braces. A
 * field is a name, a dotted path (customer.id) or a JSON pointer
 * (/customer/id). */
typedef struct hs_part {
    char *text;   /* owned: literal text, or the field's name */
    int is_field;
} hs_part;

typedef struct hs_template {
    hs_part *parts; /* owned */
    size_t n;
    int has_fields;
} hs_template;

/* Parses src. 0, or -1 with the reason in err. */
int hs_template_compile(hs_template *t, const char *src, char *err, size_t errlen);
void hs_template_free(hs_template *t);
/* The text with each placeholder replaced by the record's field as text
 * (strings as they are, numbers in decimal, true/false), URL-encoded when
 * `encode`. Returns a malloc'd string, or NULL with the reason in why (a
 * missing, null or non-scalar field; out of memory). */
char *hs_template_text(const hs_template *t, json_t *record, int encode, char *why, size_t whylen);
/* Checks every string inside a JSON body template. 0 or -1 with err. */
int hs_body_check(json_t *tmpl, char *err, size_t errlen);
/* Whether any string inside the body template has a placeholder. */
int hs_body_has_fields(json_t *tmpl);
/* The body template filled from the record: a string that is exactly one
 * placeholder becomes the field's value with its JSON type, other strings
 * get the fields' text. New reference, or NULL with why. */
json_t *hs_body_render(json_t *tmpl, json_t *record, char *why, size_t whylen);

/* ---- Authentication ------------------------------------------------------ */

/* Reads the `auth` option (NULL: none) into cfg's auth fields (strings
 * borrowed from the option value) and registers its secrets. SLUICE_OK or
 * SLUICE_EINVAL with sluice_set_error. */
int hs_auth_read(sluice_ctx *ctx, json_t *auth, sluice_http_config *cfg);

/* ---- The sink ------------------------------------------------------------- */
typedef struct hs_header {
    char *name;          /* owned */
    hs_template value;
} hs_header;

typedef struct hs_sink {
    hs_template url;
    const char *method;      /* borrowed option value */
    const char *content_type; /* borrowed option value, or NULL */
    int batch_mode;
    json_t *body;            /* borrowed option value: the body template, or NULL */
    hs_header *headers;      /* owned */
    size_t nheaders;
    int concurrency;
    sluice_http *http;       /* owned */
    /* Record mode: records of the batch being retried that landed already,
     * so a SLUICE_RETRY does not send them twice. Sorted; borrowed from the
     * batch, valid only until the next write() of another batch. */
    json_t **landed;
    size_t nlanded, caplanded;
    int retrying;            /* the last write() answered SLUICE_RETRY */
} hs_sink;

int hs_deliver_records(hs_sink *s, sluice_ctx *ctx, sluice_batch *b);
int hs_deliver_batch(hs_sink *s, sluice_ctx *ctx, sluice_batch *b);

#endif /* SLUICE_HTTP_SINK_H */
