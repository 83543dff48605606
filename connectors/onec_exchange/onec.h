/* onec.h - what the parts of the onec_exchange source share.
 *
 * The plugin plays the web site in 1C's "exchange with a site" protocol:
 * an HTTP endpoint (libmicrohttpd, one thread per connection) that 1C
 * calls with ?type=catalog|sale&mode=checkauth|init|file|import|query|success.
 * Request threads only store uploads and answer; the parsing, and every
 * emit, happens on the run() thread, which takes import jobs from the
 * shared state below. Internal to the plugin: names are sl_1c_* and the
 * plugin is built with hidden visibility. */
#ifndef SL_ONEC_H
#define SL_ONEC_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "sluice/plugin.h"

#define SL_1C_NAME_MAX 255    /* longest file name kept */
#define SL_1C_REASON_MAX 512  /* longest failure text sent back to 1C */
#define SL_1C_COOKIES 8       /* sessions remembered at once */
#define SL_1C_COOKIE_NAME "SLUICE1C"

/* Where a catalogue file is in its life. */
typedef enum sl_1c_state {
    SL_1C_UPLOADED = 0, /* received (maybe in part); no import asked yet */
    SL_1C_QUEUED,       /* import asked; waiting for the run thread */
    SL_1C_PARSING,      /* the run thread parses and emits it */
    SL_1C_COMMITTING,   /* emitted; waiting until the sinks committed it */
    SL_1C_DONE,         /* committed: `success` */
    SL_1C_FAILED        /* `failure` with reason */
} sl_1c_state;

typedef struct sl_1c_file {
    char name[SL_1C_NAME_MAX + 1]; /* sanitised base name, the key */
    int state;                     /* sl_1c_state */
    int uploading;                 /* a POST is appending to it right now */
    uint64_t size;                 /* bytes received so far */
    uint64_t seq;                  /* import number, once emitted */
    uint64_t records;              /* records emitted by its import */
    char reason[SL_1C_REASON_MAX]; /* SL_1C_FAILED: why */
    struct sl_1c_file *next;
} sl_1c_file;

/* Options, fixed after init. Strings are owned. */
typedef struct sl_1c_config {
    char *listen;        /* "host:port" as configured */
    char *prefix;        /* URL path, e.g. /1c_exchange.php */
    char *user;
    char *password;      /* SECRET: never logged */
    char *upload_dir;
    int upload_dir_temp; /* made by us with mkdtemp: removed at fini */
    char *url_file;      /* NULL when unset */
    uint64_t file_limit; /* largest body of one POST */
    uint64_t max_file_size; /* largest file over all its chunks */
    char *price_type;    /* NULL when unset */
    char *orders_db;     /* NULL: type=sale answers with no orders */
    char *orders_table;
    char *exported_table;
    json_t *order_fields; /* borrowed option value, or NULL */
    int once;
} sl_1c_config;

/* What the request threads and the run thread share; all of it under mu. */
typedef struct sl_1c_shared {
    pthread_mutex_t mu;
    pthread_cond_t work;    /* for the run thread: a job queued, a final reply sent */
    pthread_cond_t changed; /* for request threads: a file's state changed */
    sl_1c_file *files;      /* owned list: this exchange's catalogue files */
    char cookies[SL_1C_COOKIES][33]; /* live session values, "" when free */
    unsigned next_cookie;
    char **sent_orders;     /* owned: order ids of the last type=sale query */
    size_t nsent;
    uint64_t next_seq;      /* numbers the imports */
    unsigned exchange;      /* counts catalogue inits: a new exchange, a new parser */
    int stopping;           /* the run is ending: answer, do not wait */
    int finished;           /* once: the reply that ends the exchange went out */
} sl_1c_shared;

typedef struct sl_1c {
    sl_1c_config cfg;
    sl_1c_shared sh;
    sluice_ctx *ctx;       /* the run's ctx, for logging from any thread */
    int have_committed;    /* the host offers sluice_position/sluice_committed */
    struct MHD_Daemon *daemon;
    char url[256];         /* where 1C should point, once listening */
    /* Run thread only: one parser per exchange, because offers.xml names
     * the price types and warehouses import.xml declared. */
    struct cml_parser *parser;
    unsigned parser_exchange; /* the sh.exchange it was made for */
} sl_1c;

/* ---- http.c: the endpoint ---- */
/* Starts listening (st->cfg.listen) and fills st->url. Returns SLUICE_OK or
 * an error already reported with sluice_set_error. */
int sl_1c_http_start(sl_1c *st, sluice_ctx *ctx);
/* Non-zero when `spec` is a listen address sl_1c_http_start accepts. */
int sl_1c_listen_ok(const char *spec);
/* Stops the daemon; in-flight requests finish first. Idempotent. */
void sl_1c_http_stop(sl_1c *st);

/* ---- auth.c ---- */
/* Non-zero when the Authorization header (may be NULL) is HTTP Basic with
 * the configured user and password. */
int sl_1c_auth_ok(const sl_1c_config *cfg, const char *header);
/* Makes a new session value (32 hex digits) into out[33] and remembers it
 * (caller holds sh->mu). Returns 0, or -1 when no randomness is available. */
int sl_1c_cookie_new(sl_1c_shared *sh, char out[33]);
/* Non-zero when the Cookie header (may be NULL) carries a live session
 * (caller holds sh->mu). */
int sl_1c_cookie_ok(const sl_1c_shared *sh, const char *header);

/* ---- upload.c: the files 1C sends ---- */
/* Writes the base name of `raw` into out[SL_1C_NAME_MAX + 1]: what follows
 * the last '/' or '\\'. Returns 0, or -1 when nothing safe is left (empty,
 * ".", "..", a leading dot, control characters, too long). */
int sl_1c_safe_name(const char *raw, char *out);
/* Creates (mode 0700) or makes a temporary upload folder; fills
 * cfg->upload_dir. Returns 0 or an errno value. */
int sl_1c_upload_dir_prepare(sl_1c_config *cfg, const char *stage_id);
/* Frees the entries of the list (caller holds sh->mu). Without `all` (a
 * new exchange's init): those no request or import is using, and their
 * files. With `all` (fini): every entry; files and folder are removed only
 * when the folder is our temporary one. */
void sl_1c_files_clear(sl_1c *st, int all);
/* The file named `name`, or NULL (caller holds sh->mu). */
sl_1c_file *sl_1c_file_find(sl_1c_shared *sh, const char *name);
/* Forgets the entry `name` and removes its file (caller holds sh->mu). */
void sl_1c_file_drop(sl_1c *st, const char *name);
/* Path of `name` in the upload folder into buf; -1 when it does not fit. */
int sl_1c_file_path(const sl_1c_config *cfg, const char *name, char *buf, size_t len);
/* Non-zero when an uploaded .xml file still waits for (or is in) its import
 * (caller holds sh->mu). */
int sl_1c_files_pending(const sl_1c_shared *sh);

/* ---- import.c: the run thread's side ---- */
/* Parses the file of entry f (in SL_1C_PARSING, so no request frees it)
 * and emits its records, all or none (run thread only). The entry moves to
 * SL_1C_COMMITTING, SL_1C_DONE or SL_1C_FAILED. Returns SLUICE_OK, or
 * SLUICE_STOPPED when the run is stopping. */
int sl_1c_import_one(sl_1c *st, sluice_ctx *ctx, sl_1c_file *f);
/* Frees the parser (run thread only, or fini). */
void sl_1c_import_reset(sl_1c *st);
/* Moves files whose records the sinks have committed to SL_1C_DONE
 * (run thread only). */
void sl_1c_import_poll_commits(sl_1c *st, sluice_ctx *ctx);

/* ---- orders.c: type=sale ---- */
/* Builds the CommerceML document of the orders not yet exported into *xml
 * (malloc'd, *len bytes) and remembers their ids for sl_1c_orders_confirm.
 * On failure returns -1 with reason in err. Called on request threads. */
int sl_1c_orders_query(sl_1c *st, char **xml, size_t *len, char *err, size_t errlen);
/* Marks the orders of the last query exported. Returns 0 or -1 with err. */
int sl_1c_orders_confirm(sl_1c *st, char *err, size_t errlen);

/* ---- decimal.c: exact money for the order document ---- */
/* Parses a decimal string ("1590.00", "-3", "2.5") as value * 10^6 (more
 * fraction digits are rounded half away from zero). Returns 0, or -1 when
 * the text is not a decimal number or out of range. */
int sl_1c_dec_parse(const char *s, __int128 *out);
/* Formats a * b (both * 10^6) rounded to 2 decimals into buf. */
void sl_1c_dec_mul_fmt(__int128 a, __int128 b, char *buf, size_t len);
/* Formats v (* 10^12, a sum of products) rounded to 2 decimals into buf. */
void sl_1c_dec_fmt12(__int128 v, char *buf, size_t len);

#endif
