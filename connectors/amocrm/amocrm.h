/* amocrm.h - the `amocrm` source: amoCRM / Kommo API v4 leads, contacts
 * and companies. Pages are HAL documents (`_embedded.<object>`,
 * `_links.next`), sorted by updated_at ascending; an empty result is HTTP
 * 204 with no body. Later runs add filter[updated_at][from]=<watermark>. */
#ifndef AMOCRM_H
#define AMOCRM_H

#include "httpcommon.h"

extern const char *const amo_object_names[]; /* NULL-terminated */

typedef struct amo_source {
    hc_options opt;
    char *base_url;      /* owned: base_url, or https://<subdomain>.amocrm.ru */
    json_t *with;        /* borrowed option: {"leads": "contacts", ...} */
    sluice_http *http;   /* owned */
    hc_cursor *cursor;   /* owned */
} amo_source;

typedef struct amo_stream amo_stream;

amo_stream *amo_stream_new(amo_source *src, const char *object);
void amo_stream_free(amo_stream *s);
hc_task *amo_stream_task(amo_stream *s);
void amo_stream_report(sluice_ctx *ctx, const amo_stream *s);

#endif
