/* hc_cursor.c - the incremental cursor of an HTTP source and its
 * per-stream watermarks with boundary de-duplication (httpcommon.h). */
#include <stdlib.h>
#include <string.h>

#include "httpcommon.h"

struct hc_cursor {
    json_t *root; /* owned: {"streams": {...}} */
    int full;     /* streams pulled this run start from nothing */
};

hc_cursor *hc_cursor_load(sluice_ctx *ctx, int full)
{
    hc_cursor *c = calloc(1, sizeof *c);
    json_t *prev = sluice_host_minor(ctx) >= 1 ? sluice_cursor(ctx) : NULL;
    if (c == NULL)
        return NULL;
    c->full = full;
    if (json_is_object(prev) && json_is_object(json_object_get(prev, "streams")))
        c->root = json_deep_copy(prev);
    else
        c->root = json_pack("{s:{}}", "streams");
    if (c->root == NULL) {
        free(c);
        return NULL;
    }
    return c;
}

void hc_cursor_free(hc_cursor **c)
{
    if (c == NULL || *c == NULL)
        return;
    json_decref((*c)->root);
    free(*c);
    *c = NULL;
}

int hc_cursor_commit(sluice_ctx *ctx, hc_cursor *c)
{
    json_t *copy = json_deep_copy(c->root);
    int rc;
    if (copy == NULL)
        return SLUICE_ENOMEM;
    rc = sluice_position(ctx, copy);
    /* Send the page and its position downstream now: a position still
     * waiting in the producer when a later page fails is dropped by the core
     * (it cannot tell it from one declared after the failure), and the page
     * would be fetched again next run. Pages are small; batches of a page
     * cost nothing next to the request. */
    if (rc == SLUICE_OK)
        rc = sluice_flush(ctx);
    return rc;
}

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* The record's id as text, or "" when it has none. */
static void record_id(const hc_mark *m, json_t *record, char *buf, size_t n)
{
    if (hc_scalar_text(hc_pointer(record, m->id_field), buf, n) != 0)
        buf[0] = '\0';
}

static int ids_have(json_t *ids, const char *id)
{
    size_t i;
    json_t *v;
    json_array_foreach(ids, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
            return 1;
    }
    return 0;
}

/* Reads the saved entry: since, ids, and everything else as extra. */
static int load_entry(hc_mark *m, json_t *entry)
{
    const char *key;
    json_t *v;
    json_object_foreach(entry, key, v) {
        if (strcmp(key, "since") == 0) {
            if (!json_is_null(v))
                m->since = json_deep_copy(v);
        } else if (strcmp(key, "ids") == 0) {
            if (json_is_array(v))
                json_array_extend(m->since_ids, v);
        } else if (json_object_set_new(m->extra, key, json_deep_copy(v)) != 0) {
            return -1;
        }
    }
    return 0;
}

int hc_mark_init(hc_mark *m, hc_cursor *c, const char *stream, const char *field, const char *id_field,
                 int ordered)
{
    json_t *entry = json_object_get(json_object_get(c->root, "streams"), stream);
    memset(m, 0, sizeof *m);
    m->cursor = c;
    m->ordered = ordered;
    m->stream = strdup(stream);
    m->field = dup_or_null(field);
    m->id_field = dup_or_null(id_field ? id_field : "/id");
    m->since_ids = json_array();
    m->extra = json_object();
    if (!m->stream || (field && !m->field) || !m->id_field || !m->since_ids || !m->extra)
        return -1;
    if (!c->full && json_is_object(entry) && load_entry(m, entry) != 0)
        return -1;
    /* nothing new this run leaves the saved watermark as it was */
    m->max = m->since ? json_deep_copy(m->since) : NULL;
    m->max_ids = json_deep_copy(m->since_ids);
    return m->max_ids && (!m->since || m->max) ? 0 : -1;
}

void hc_mark_fini(hc_mark *m)
{
    free(m->stream);
    free(m->field);
    free(m->id_field);
    json_decref(m->since);
    json_decref(m->since_ids);
    json_decref(m->max);
    json_decref(m->max_ids);
    json_decref(m->extra);
    memset(m, 0, sizeof *m);
}

json_t *hc_mark_since(const hc_mark *m)
{
    return m->since;
}

int hc_mark_seen(const hc_mark *m, json_t *record)
{
    json_t *v;
    char id[256];
    int c;
    if (m->since == NULL || m->field == NULL)
        return 0;
    v = hc_pointer(record, m->field);
    if (v == NULL || json_is_null(v))
        return 0;
    c = hc_value_cmp(v, m->since);
    if (c != 0)
        return c < 0;
    record_id(m, record, id, sizeof id);
    return *id != '\0' && ids_have(m->since_ids, id);
}

int hc_mark_note(hc_mark *m, json_t *record)
{
    json_t *v;
    char id[256];
    int c;
    if (m->field == NULL)
        return 0;
    v = hc_pointer(record, m->field);
    if (v == NULL || json_is_null(v))
        return 0;
    record_id(m, record, id, sizeof id);
    c = m->max ? hc_value_cmp(v, m->max) : 1;
    if (c > 0) {
        json_decref(m->max);
        m->max = json_deep_copy(v);
        json_array_clear(m->max_ids);
        if (m->max == NULL)
            return -1;
    }
    if (c >= 0 && *id != '\0' && !ids_have(m->max_ids, id))
        return json_array_append_new(m->max_ids, json_string(id));
    return 0;
}

int hc_mark_rebase(hc_mark *m)
{
    json_t *since = m->max ? json_deep_copy(m->max) : NULL;
    json_t *ids = json_deep_copy(m->max_ids);
    if ((m->max && since == NULL) || ids == NULL) {
        json_decref(since);
        json_decref(ids);
        return -1;
    }
    json_decref(m->since);
    json_decref(m->since_ids);
    m->since = since;
    m->since_ids = ids;
    return 0;
}

int hc_mark_save(hc_mark *m, int complete)
{
    json_t *streams = json_object_get(m->cursor->root, "streams");
    json_t *entry;
    if (!m->ordered && !complete)
        return 0;
    entry = json_deep_copy(m->extra);
    if (entry == NULL)
        return -1;
    if (m->max != NULL) {
        json_object_set_new(entry, "since", json_deep_copy(m->max));
        json_object_set_new(entry, "ids", json_deep_copy(m->max_ids));
    }
    return json_object_set_new(streams, m->stream, entry);
}

long hc_emit_array(sluice_ctx *ctx, const char *stream, json_t *array, hc_mark *m, const char *origin,
                   uint64_t first_line)
{
    long emitted = 0;
    size_t i;
    json_t *rec;

    json_array_foreach(array, i, rec) {
        uint64_t line = first_line + i;
        int rc;
        if (!json_is_object(rec)) {
            char *text = json_dumps(rec, JSON_ENCODE_ANY | JSON_COMPACT);
            rc = sluice_reject(ctx, stream, text ? text : "", text ? strlen(text) : 0, origin, line,
                               "not a JSON object");
            free(text);
            if (rc == SLUICE_STOPPED)
                return rc;
            continue;
        }
        if (m != NULL && hc_mark_seen(m, rec)) {
            m->skipped++;
            continue;
        }
        if (m != NULL && hc_mark_note(m, rec) != 0)
            return hc_fail(ctx, "out of memory");
        /* detach it: the batch must be its only owner once emitted */
        json_incref(rec);
        json_array_set_new(array, i, json_null());
        rc = sluice_emit_at(ctx, stream, rec, origin, line);
        if (rc == SLUICE_STOPPED)
            return rc;
        if (rc != SLUICE_OK)
            return hc_fail(ctx, "cannot emit a record of %s: %s", stream, sluice_strerror(rc));
        emitted++;
    }
    return emitted;
}
