/* plugin.c - the `onec_exchange` source: descriptor, options, init/fini and
 * the run loop.
 *
 * run() starts the HTTP endpoint and then does the one thing only it may
 * do: take the imports 1C asked for, parse them and emit their records,
 * and watch the sinks' commits so the endpoint can answer `success`. See
 * README.md for the protocol as this plugin speaks it. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cml_parser.h"
#include "onec.h"

/* How often the run loop looks at stop requests and commits. */
#define POLL_MS 50

static const sluice_option onec_options[] = {
    {"listen", SLUICE_OPT_STRING, 0, "\"127.0.0.1:8081\"",
     "HOST:PORT to listen on; port 0 takes any free port (see url_file)", NULL},
    {"path_prefix", SLUICE_OPT_STRING, 0, "\"/1c_exchange.php\"", "URL path 1C is configured with", NULL},
    {"user", SLUICE_OPT_STRING, SLUICE_OPT_REQUIRED, NULL, "user name 1C signs in with (HTTP Basic)", NULL},
    {"password", SLUICE_OPT_STRING, SLUICE_OPT_REQUIRED | SLUICE_OPT_SECRET, NULL, "password 1C signs in with",
     NULL},
    {"upload_dir", SLUICE_OPT_PATH, 0, NULL,
     "folder for the files 1C sends (default: a new private folder under $TMPDIR, removed at the end)", NULL},
    {"url_file", SLUICE_OPT_PATH, 0, NULL, "write the endpoint's URL to this file once listening", NULL},
    {"file_limit", SLUICE_OPT_INT, 0, "104857600",
     "largest request body in bytes; 1C splits bigger files into several requests", NULL},
    {"max_file_size", SLUICE_OPT_INT, 0, "2147483648", "largest file in bytes, over all its requests", NULL},
    {"price_type", SLUICE_OPT_STRING, 0, NULL,
     "price type (ТипЦены Ид or Наименование) that becomes an offer's price; default: the first declared", NULL},
    {"orders_db", SLUICE_OPT_PATH, 0, NULL,
     "SQLite file holding the order lines that type=sale&mode=query sends to 1C", NULL},
    {"orders_table", SLUICE_OPT_STRING, 0, "\"orders\"", "table of order lines in orders_db", NULL},
    {"exported_table", SLUICE_OPT_STRING, 0, "\"onec_exported_orders\"",
     "table in orders_db recording the orders 1C confirmed (created when missing)", NULL},
    {"order_fields", SLUICE_OPT_OBJECT, 0, NULL,
     "columns for the order document: {\"id\", \"line\", \"date\", \"status\", \"customer_id\", "
     "\"customer_name\", \"email\", \"sku\", \"name\", \"qty\", \"price\", \"currency\"} (default: guessed)",
     NULL},
    {"once", SLUICE_OPT_BOOL, 0, "false",
     "end the run after the first catalogue exchange: once an import succeeded and no uploaded file is left", NULL},
    {0},
};

static const char *const order_field_keys[] = {"id",   "line", "date", "status", "customer_id", "customer_name",
                                               "email", "sku", "name", "qty", "price", "currency", NULL};

static int fail(sluice_ctx *ctx, int rc, const char *fmt, ...) SLUICE_PRINTF(3, 4);
static int fail(sluice_ctx *ctx, int rc, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sluice_set_error(ctx, msg);
    return rc;
}

static void onec_fini(void *state)
{
    sl_1c *st = state;
    if (st == NULL)
        return;
    sl_1c_http_stop(st);
    sl_1c_import_reset(st);
    if (st->cfg.upload_dir != NULL)
        sl_1c_files_clear(st, 1);
    for (size_t i = 0; i < st->sh.nsent; i++)
        free(st->sh.sent_orders[i]);
    free(st->sh.sent_orders);
    free(st->cfg.listen);
    free(st->cfg.prefix);
    free(st->cfg.user);
    if (st->cfg.password != NULL)
        explicit_bzero(st->cfg.password, strlen(st->cfg.password));
    free(st->cfg.password);
    free(st->cfg.upload_dir);
    free(st->cfg.url_file);
    free(st->cfg.price_type);
    free(st->cfg.orders_db);
    free(st->cfg.orders_table);
    free(st->cfg.exported_table);
    pthread_mutex_destroy(&st->sh.mu);
    pthread_cond_destroy(&st->sh.work);
    pthread_cond_destroy(&st->sh.changed);
    free(st);
}

/* strdup of an option's string; NULL when unset. Sets *oom on failure. */
static char *opt_dup(sluice_ctx *ctx, const char *name, int *oom)
{
    const char *v = sluice_option_string(ctx, name);
    if (v == NULL)
        return NULL;
    char *d = strdup(v);
    if (d == NULL)
        *oom = 1;
    return d;
}

static int check_order_fields(sluice_ctx *ctx, json_t *fields)
{
    const char *key;
    json_t *v;
    json_object_foreach(fields, key, v) {
        int known = 0;
        for (int i = 0; order_field_keys[i] != NULL && !known; i++)
            known = strcmp(order_field_keys[i], key) == 0;
        if (!known)
            return fail(ctx, SLUICE_EINVAL, "order_fields: unknown field \"%s\"", key);
        if (!json_is_string(v))
            return fail(ctx, SLUICE_EINVAL, "order_fields.%s: expected a column name (string)", key);
    }
    return SLUICE_OK;
}

static int read_options(sl_1c *st, sluice_ctx *ctx)
{
    sl_1c_config *c = &st->cfg;
    int oom = 0;
    c->listen = opt_dup(ctx, "listen", &oom);
    c->prefix = opt_dup(ctx, "path_prefix", &oom);
    c->user = opt_dup(ctx, "user", &oom);
    c->password = opt_dup(ctx, "password", &oom);
    c->upload_dir = opt_dup(ctx, "upload_dir", &oom);
    c->url_file = opt_dup(ctx, "url_file", &oom);
    c->price_type = opt_dup(ctx, "price_type", &oom);
    c->orders_db = opt_dup(ctx, "orders_db", &oom);
    c->orders_table = opt_dup(ctx, "orders_table", &oom);
    c->exported_table = opt_dup(ctx, "exported_table", &oom);
    if (oom || c->listen == NULL || c->prefix == NULL || c->user == NULL || c->password == NULL ||
        c->orders_table == NULL || c->exported_table == NULL)
        return SLUICE_ENOMEM;
    long long limit = sluice_option_int(ctx, "file_limit", 0);
    long long max = sluice_option_int(ctx, "max_file_size", 0);
    if (limit <= 0 || max <= 0)
        return fail(ctx, SLUICE_EINVAL, "file_limit and max_file_size must be positive");
    c->file_limit = (uint64_t)limit;
    c->max_file_size = (uint64_t)max;
    if (!sl_1c_listen_ok(c->listen))
        return fail(ctx, SLUICE_EINVAL, "listen: expected HOST:PORT (IPv4, [IPv6] or localhost), got \"%s\"",
                    c->listen);
    if (c->prefix[0] != '/')
        return fail(ctx, SLUICE_EINVAL, "path_prefix must start with '/', got \"%s\"", c->prefix);
    if (c->user[0] == '\0' || strchr(c->user, ':') != NULL)
        return fail(ctx, SLUICE_EINVAL, "user must be non-empty and without ':'");
    if (c->password[0] == '\0')
        return fail(ctx, SLUICE_EINVAL, "password must not be empty");
    c->order_fields = sluice_option_get(ctx, "order_fields");
    c->once = sluice_option_bool(ctx, "once", 0);
    return check_order_fields(ctx, c->order_fields);
}

/* The host tells commits from ABI 1.1 on; an older core (or one that does
 * not fill the slots yet) gets `success` as soon as the records are sent. */
static int host_has_commits(sluice_ctx *ctx)
{
    const sluice_host *h = sluice_host_of_ctx(ctx);
    return h->abi_minor >= 1 && h->struct_size >= offsetof(sluice_host, committed) + sizeof h->committed &&
           h->position != NULL && h->committed != NULL;
}

static int onec_init(sluice_ctx *ctx, void **state)
{
    sl_1c *st = calloc(1, sizeof *st);
    if (st == NULL)
        return SLUICE_ENOMEM;
    pthread_mutex_init(&st->sh.mu, NULL);
    pthread_cond_init(&st->sh.work, NULL);
    pthread_cond_init(&st->sh.changed, NULL);
    st->sh.next_seq = 1;
    st->ctx = ctx;
    int rc = read_options(st, ctx);
    if (rc == SLUICE_OK) {
        int err = sl_1c_upload_dir_prepare(&st->cfg, sluice_stage_id(ctx));
        if (err != 0)
            rc = fail(ctx, SLUICE_EIO, "upload_dir %s: %s", st->cfg.upload_dir ? st->cfg.upload_dir : "(temporary)",
                      strerror(err));
    }
    if (rc != SLUICE_OK) {
        onec_fini(st);
        return rc;
    }
    st->have_committed = host_has_commits(ctx);
    if (!st->have_committed)
        sluice_warn(ctx, "this sluice cannot report commits to sources: imports answer success once their "
                         "records are sent on, before the sinks have written them");
    cml_global_init(); /* on the main thread, as the reader asks */
    *state = st;
    return SLUICE_OK;
}

/* Writes the URL to url_file through a temporary name, so a reader never
 * sees half of it. */
static int write_url_file(sl_1c *st, sluice_ctx *ctx)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", st->cfg.url_file) >= (int)sizeof tmp)
        return fail(ctx, SLUICE_EINVAL, "url_file: path too long");
    FILE *fp = fopen(tmp, "w");
    if (fp == NULL)
        return fail(ctx, SLUICE_EIO, "url_file %s: %s", tmp, strerror(errno));
    int bad = fprintf(fp, "%s\n", st->url) < 0;
    bad |= fclose(fp) != 0;
    if (bad || rename(tmp, st->cfg.url_file) != 0) {
        unlink(tmp);
        return fail(ctx, SLUICE_EIO, "url_file %s: %s", st->cfg.url_file, strerror(errno));
    }
    return SLUICE_OK;
}

/* Waits up to POLL_MS for work; returns the next queued file, marked
 * PARSING, or NULL. Sets *finished when the exchange is over (once). */
static sl_1c_file *next_job(sl_1c *st, int *finished)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += POLL_MS * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    sl_1c_file *job = NULL;
    pthread_mutex_lock(&st->sh.mu);
    for (;;) {
        for (sl_1c_file *f = st->sh.files; f != NULL; f = f->next)
            if (f->state == SL_1C_QUEUED)
                job = f;
        if (job != NULL || st->sh.finished)
            break;
        if (pthread_cond_timedwait(&st->sh.work, &st->sh.mu, &until) == ETIMEDOUT)
            break;
    }
    if (job != NULL) {
        job->state = SL_1C_PARSING;
        pthread_cond_broadcast(&st->sh.changed);
    }
    *finished = st->sh.finished;
    pthread_mutex_unlock(&st->sh.mu);
    return job;
}

static int onec_run(void *state, sluice_ctx *ctx)
{
    sl_1c *st = state;
    st->ctx = ctx;
    int rc = sl_1c_http_start(st, ctx);
    if (rc != SLUICE_OK)
        return rc;
    sluice_info(ctx, "1C exchange endpoint listening on %s (user %s, uploads in %s)", st->url, st->cfg.user,
                st->cfg.upload_dir);
    if (st->cfg.url_file != NULL && (rc = write_url_file(st, ctx)) != SLUICE_OK) {
        sl_1c_http_stop(st);
        return rc;
    }
    int finished = 0;
    while (!finished && !sluice_should_stop(ctx)) {
        sl_1c_file *job = next_job(st, &finished);
        if (job != NULL && sl_1c_import_one(st, ctx, job) == SLUICE_STOPPED)
            break;
        sl_1c_import_poll_commits(st, ctx);
    }
    if (finished)
        sluice_info(ctx, "the exchange is over (once): stopping the endpoint");
    sl_1c_http_stop(st);
    sl_1c_import_reset(st);
    return SLUICE_OK;
}

static const sluice_plugin onec_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SOURCE,
    .name = "onec_exchange",
    .version = "1.0.0",
    .description = "plays the web site in 1C's exchange protocol: receives CommerceML catalogues, sends orders",
    .options = onec_options,
    .init = onec_init,
    .fini = onec_fini,
    .run = onec_run,
};

SLUICE_PLUGIN(onec_plugin);
