/* httpcommon.h - code every HTTP connector shares (hubspot, amocrm, bitrix24,
 * rest, shopify, woocommerce, the http sink ...): the shared options, JSON
 * pointers, timestamps, checked fetches, the incremental cursor with its
 * boundary de-duplication, and a round-robin runner that fetches several
 * streams at once.
 *
 * It is compiled into each plugin (no library is shared between plugins):
 *
 *   include("${PROJECT_SOURCE_DIR}/connectors/httpcommon/httpcommon.cmake")
 *   sluice_add_plugin(source NAME SOURCES ... ${SLUICE_HTTPCOMMON_SOURCES})
 *   target_include_directories(source_NAME PRIVATE ${SLUICE_HTTPCOMMON_DIR})
 *
 * Nothing here keeps global state. None of it is thread-safe on its own: a
 * source's run() uses it from its one producer thread.
 *
 * Ownership follows plugin.h: "borrowed" results live as long as their
 * owner, "new reference" results are the caller's to json_decref, returned
 * char * are the caller's to free(). */
#ifndef SLUICE_HTTPCOMMON_H
#define SLUICE_HTTPCOMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <sluice/http.h>
#include <sluice/plugin.h>

/* ---- Shared options -------------------------------------------------------
 * Entries for a connector's static sluice_option table, so every connector
 * spells and documents them alike. Credentials are the connector's own.
 *
 *   static const sluice_option opts[] = {
 *       HC_OPT_BASE_URL("\"https://api.hubapi.com\""),
 *       HC_OPT_OBJECTS("[\"contacts\", \"companies\", \"deals\"]"),
 *       HC_OPT_SYNC,
 *       HC_OPT_PAGE_SIZE("100", "records per page (at most 100)"),
 *       {"token", SLUICE_OPT_STRING, SLUICE_OPT_REQUIRED | SLUICE_OPT_SECRET, NULL, "...", NULL},
 *       HC_OPTS_TRANSPORT,
 *       {0},
 *   };
 */
extern const char *const hc_sync_choices[]; /* "incremental", "full", NULL */

#define HC_OPT_BASE_URL(dflt_json)                                                                   \
    {"base_url", SLUICE_OPT_STRING, 0, (dflt_json),                                                  \
     "API root URL (default: the vendor's); set it for regional endpoints, proxies and simulators", NULL}
/* The same with a description of the connector's own (no vendor default). */
#define HC_OPT_BASE_URL_DESC(dflt_json, desc) {"base_url", SLUICE_OPT_STRING, 0, (dflt_json), (desc), NULL}
#define HC_OPT_OBJECTS(dflt_json)                                                                    \
    {"objects", SLUICE_OPT_LIST, 0, (dflt_json), "the objects to pull, one stream each", NULL}
#define HC_OPT_SYNC                                                                                  \
    {"sync", SLUICE_OPT_STRING, 0, "\"incremental\"",                                                \
     "incremental: only what changed since the last committed cursor; full: everything", hc_sync_choices}
#define HC_OPT_PAGE_SIZE(dflt_json, desc) {"page_size", SLUICE_OPT_INT, 0, (dflt_json), (desc), NULL}
#define HC_OPTS_TRANSPORT                                                                            \
    {"ca_file", SLUICE_OPT_PATH, 0, NULL, "extra CA bundle (PEM) to trust besides the system's", NULL}, \
    {"rate_limit", SLUICE_OPT_FLOAT, 0, NULL,                                                        \
     "requests per second (default: the vendor's documented limit)", NULL},                          \
    {"max_attempts", SLUICE_OPT_INT, 0, "6",                                                         \
     "attempts per request on transport errors, timeouts, 429 and 5xx", NULL},                      \
    {"timeout_ms", SLUICE_OPT_INT, 0, "120000", "time allowed for one request, in milliseconds", NULL}, \
    {"concurrency", SLUICE_OPT_INT, 0, "4", "streams (or pages) fetched at once", NULL}

/* The shared options as read from a stage. Strings and `objects` are
 * borrowed from the core's option values (valid for the run). */
typedef struct hc_options {
    const char *base_url;  /* NULL if the connector has no default and none is set */
    json_t *objects;       /* array of strings, or NULL when the connector has no such option */
    int full;              /* sync == "full" */
    long long page_size;   /* 0 when the connector has no such option */
    const char *ca_file;
    double rate_limit;     /* 0 when unset */
    int max_attempts;
    long timeout_ms;
    int concurrency;
} hc_options;

/* Reads the shared options (those the plugin does not declare read as 0 or
 * NULL) and checks their ranges: page_size 1..max_page (max_page 0: no
 * upper bound), max_attempts >= 1, timeout_ms >= 1, concurrency 1..64,
 * rate_limit > 0 when set, objects each one of `known` (NULL: anything) and
 * not repeated. SLUICE_OK, or SLUICE_EINVAL with sluice_set_error. */
int hc_options_read(sluice_ctx *ctx, hc_options *o, long long max_page, const char *const *known);

/* Fills the transport part of *cfg from the options (struct_size, base_url,
 * ca_file, timeout, attempts, rate: o->rate_limit or default_rate, max
 * concurrency); zeroes everything else, so the caller sets auth and limits. */
void hc_http_config(const hc_options *o, double default_rate, sluice_http_config *cfg);

/* ---- Errors ---------------------------------------------------------------- */

/* Formats a message, hands it to sluice_set_error (the core logs it when the
 * stage fails and shows it in the summary) and returns SLUICE_ERROR. */
int hc_fail(sluice_ctx *ctx, const char *fmt, ...) SLUICE_PRINTF(2, 3);

/* ---- Growing string vectors (query parameters, headers) ------------------- */
typedef struct hc_strv {
    char **v;   /* owned strings, NULL-terminated once anything was added */
    size_t n;
    size_t cap;
} hc_strv;

int hc_strv_add(hc_strv *s, const char *str); /* copies; 0 or -1 (ENOMEM) */
int hc_strv_addf(hc_strv *s, const char *fmt, ...) SLUICE_PRINTF(2, 3);
int hc_strv_pair(hc_strv *s, const char *name, const char *value); /* two entries */
/* The NULL-terminated array for sluice_http_request.query/.headers (borrowed;
 * NULL when empty). */
const char *const *hc_strv_items(const hc_strv *s);
void hc_strv_clear(hc_strv *s); /* frees the strings, keeps the array */
void hc_strv_free(hc_strv *s);

/* base_url and a path joined with exactly one '/' between them ("https://h/p"
 * + "/crm/v3/x" = "https://h/p/crm/v3/x"); a path that is already absolute
 * (has "://") is returned as is. malloc'd, or NULL. Joining by
 * concatenation keeps a proxy's path prefix in base_url. */
char *hc_url_join(const char *base, const char *path);

/* Percent-encodes s as a query component (RFC 3986 unreserved kept).
 * Returns a malloc'd string or NULL. */
char *hc_urlencode(const char *s);

/* ---- JSON pointers and values ------------------------------------------------
 * A pointer is RFC 6901 ("/paging/next/after", "~1" for '/', "~0" for '~';
 * "" is the whole document) or, for convenience in configuration, a dotted
 * path ("paging.next.after"); array members are numbered from 0 either way. */
json_t *hc_pointer(json_t *root, const char *ptr); /* borrowed, NULL if absent */
int hc_pointer_valid(const char *ptr);             /* 1 if well formed */

/* A scalar as text: strings as they are, integers in decimal, reals with
 * up to 17 significant digits, true/false. Returns 0, or -1 for null,
 * objects, arrays and text that does not fit. */
int hc_scalar_text(const json_t *v, char *buf, size_t n);

/* Timestamps. hc_time_parse accepts ISO 8601 dates and date-times
 * ("2024-05-01", "2024-05-01T10:15:30.123Z", "...+03:00", "...+0300",
 * space instead of 'T', no zone = UTC) and all-digit text (seconds when
 * < 1e11, else milliseconds). Returns 0 and *ms since the epoch, or -1. */
int hc_time_parse(const char *s, int64_t *ms);
/* Formats ms in UTC as `format`: "iso8601" (2024-05-01T10:15:30Z; with
 * .mmm when ms has them), "iso8601_ms" (always .mmm), "unix" (seconds),
 * "unix_ms", "date" (2024-05-01), or a strftime(3) pattern. 0 or -1. */
int hc_time_format(int64_t ms, const char *format, char *buf, size_t n);

/* Orders two cursor values: numerically when both are numbers or digit
 * strings, by instant when both parse as timestamps, else by text.
 * <0, 0, >0 like strcmp; a missing (NULL or null) value is the smallest. */
int hc_value_cmp(const json_t *a, const json_t *b);

/* ---- Fetching ------------------------------------------------------------- */

/* Checks a sluice_http_send/_many result and parses the body as JSON.
 * `rc` is what the send returned, `r` the response (may be NULL when rc is
 * SLUICE_ERROR). On success *body is a new reference, or NULL for 204 and
 * empty bodies. Failures are reported (hc_fail) with the URL and return
 * SLUICE_ERROR: attempts that ran out ("gave up on URL after N attempts:
 * HTTP 503"), 401/403 ("authentication failed (HTTP 401) at URL: check the
 * credentials"), other statuses >= 300 (with the start of the body), and a
 * body that is not JSON ("malformed page from URL: ..."). SLUICE_STOPPED
 * passes through. */
int hc_response_json(sluice_ctx *ctx, int rc, const sluice_http_response *r, json_t **body);

/* sluice_http_send + hc_response_json; *resp_out (may be NULL) receives the
 * response for header access, to free with sluice_http_response_free. */
int hc_fetch_json(sluice_ctx *ctx, sluice_http *h, const sluice_http_request *req,
                  sluice_http_response **resp_out, json_t **body);

/* ---- Incremental cursor ------------------------------------------------------
 * One cursor object per source, committed through sluice_position():
 *
 *   {"streams": {"contacts": {"since": <value>, "ids": ["17", "18"], ...}, ...}}
 *
 * `since` is the newest value of the stream's cursor field among the
 * records delivered, `ids` the ids of the delivered records carrying exactly
 * that value. The next run asks the API for field >= since and skips those
 * ids, so records sharing the boundary timestamp are neither lost nor
 * repeated. A connector may keep more keys in its stream's object
 * (hc_mark.extra), e.g. the API's own continuation token. */
typedef struct hc_cursor hc_cursor;

/* Copies the source's committed cursor (sluice_cursor). With full set, the
 * streams pulled this run start from nothing (hc_mark_init) while the saved
 * state of other streams is kept. NULL on ENOMEM. */
hc_cursor *hc_cursor_load(sluice_ctx *ctx, int full);
void hc_cursor_free(hc_cursor **c);
/* Declares the whole cursor as the position reached (sluice_position with a
 * copy) and sends the records emitted so far downstream with it
 * (sluice_flush), so a later failure cannot take the page's position back:
 * call it after each page's records are emitted. */
int hc_cursor_commit(sluice_ctx *ctx, hc_cursor *c);

/* One stream's watermark. Fields are owned by the mark. */
typedef struct hc_mark {
    hc_cursor *cursor;  /* borrowed: where the mark is saved */
    char *stream;
    char *field;        /* pointer to the record's cursor field, e.g. "/updatedAt" */
    char *id_field;     /* pointer to the record's id, e.g. "/id" */
    int ordered;        /* records arrive sorted by field ascending: save page by page */
    json_t *since;      /* the previous run's value (lower bound of this run), or NULL */
    json_t *since_ids;  /* array: ids already delivered at `since` */
    json_t *max;        /* newest value delivered this run, or NULL */
    json_t *max_ids;    /* array: ids delivered at `max` */
    json_t *extra;      /* object: the connector's own keys, saved with the mark */
    uint64_t skipped;   /* boundary duplicates skipped */
} hc_mark;

/* Sets the mark up from the cursor's saved state for `stream` (nothing when
 * the cursor was loaded with full). `ordered`: whether the API returns the
 * records sorted ascending by `field`; when not, the mark is saved only at
 * the end of the stream (hc_mark_save with complete), so a run that dies
 * half-way never leaves a watermark ahead of records still unread.
 * 0 or -1 (ENOMEM). */
int hc_mark_init(hc_mark *m, hc_cursor *c, const char *stream, const char *field, const char *id_field,
                 int ordered);
void hc_mark_fini(hc_mark *m);
/* The lower bound for the API's filter (borrowed), or NULL: fetch everything. */
json_t *hc_mark_since(const hc_mark *m);
/* 1 when the record was delivered already: its cursor value is older than
 * `since`, or equal to it with an id in `since_ids`. */
int hc_mark_seen(const hc_mark *m, json_t *record);
/* Takes a record about to be emitted into account. 0 or -1 (ENOMEM). */
int hc_mark_note(hc_mark *m, json_t *record);
/* Makes what this run delivered the new lower bound (since := max, with
 * its ids), for a connector that restarts its query from there (HubSpot's
 * 10 000-results search cap). 0 or -1 (ENOMEM). */
int hc_mark_rebase(hc_mark *m);
/* Writes the mark into its cursor: ordered marks always, unordered ones only
 * with complete (the whole stream was read). Then commit the cursor. */
int hc_mark_save(hc_mark *m, int complete);

/* Emits the records of `array` (detached from it one by one; the array is
 * left holding nulls) on `stream` with `origin` and line numbers from
 * first_line on. With a mark, records hc_mark_seen() are skipped and the
 * others noted. Non-objects are rejected (dead-lettered) with the reason.
 * Returns the number emitted (>= 0), or SLUICE_STOPPED / SLUICE_ERROR. */
long hc_emit_array(sluice_ctx *ctx, const char *stream, json_t *array, hc_mark *m, const char *origin,
                   uint64_t first_line);

/* ---- Several streams at once -------------------------------------------------
 * A task is one stream's pagination loop turned inside out. hc_run_tasks()
 * asks up to `concurrency` unfinished tasks for their next request, sends
 * them together (sluice_http_many, sharing the client's rate budget), then
 * hands each its answer, in task order, and repeats until every task is
 * done. Embed hc_task first in the connector's own stream struct. */
typedef struct hc_task hc_task;
struct hc_task {
    /* Fills *req (struct_size already set; storage it points at belongs to
     * the task and must live until handle()). Returns 1: a request, 0: the
     * stream is finished, or a negative sluice_status. */
    int (*next)(hc_task *t, sluice_ctx *ctx, sluice_http_request *req);
    /* The answer to the request next() made: rc as sluice_http_* returned
     * it, r the response (borrowed; freed after the call). Returns SLUICE_OK
     * or a negative status, which ends the run. */
    int (*handle)(hc_task *t, sluice_ctx *ctx, int rc, sluice_http_response *r);
    int done; /* set by hc_run_tasks when next() says 0 */
};

/* SLUICE_OK when every task finished, else the first failure (or
 * SLUICE_STOPPED). */
int hc_run_tasks(sluice_ctx *ctx, sluice_http *h, hc_task *const *tasks, size_t n, int concurrency);

/* The server's clock as a stream's answers tell it (hc_window.c): keeps a
 * saved watermark behind the moment its records were read. */
typedef struct hc_window {
    int64_t start_ms; /* Date of the stream's first answer */
    int64_t last_ms;  /* Date of its latest answer */
    int known;
} hc_window;
/* Notes an answer's Date header. */
void hc_window_seen(hc_window *w, const sluice_http_response *r);
/* hc_mark_save, keeping the saved watermark behind the moment its records
 * were read (see hc_window.c for why). 0 or -1 (ENOMEM). */
int hc_window_save(const hc_window *w, hc_mark *m, int complete);

#endif /* SLUICE_HTTPCOMMON_H */
