/* plugin.c - the `http` sink: descriptor, options, init/fini/write.
 *
 * Sends records to an HTTP endpoint, one request per record or one JSON
 * array per batch, to a URL filled from the record's fields. See
 * README.md. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http_sink.h"

static const char *const method_choices[] = {"POST", "PUT", "PATCH", NULL};
static const char *const mode_choices[] = {"record", "batch", NULL};

static const sluice_option hs_options[] = {
    {"url", SLUICE_OPT_STRING, SLUICE_OPT_REQUIRED, NULL,
     "endpoint URL; {field} is replaced by the record's field, URL-encoded (record mode)", NULL},
    {"method", SLUICE_OPT_STRING, 0, "\"POST\"", "HTTP method", method_choices},
    {"mode", SLUICE_OPT_STRING, 0, "\"record\"",
     "record: one request per record; batch: one request per batch with a JSON array", mode_choices},
    {"body", SLUICE_OPT_ANY, 0, NULL,
     "body template: JSON whose strings may hold {field}; \"{field}\" alone keeps the value's type "
     "(default: the record itself)",
     NULL},
    {"content_type", SLUICE_OPT_STRING, 0, NULL, "Content-Type of the body (default application/json)", NULL},
    {"headers", SLUICE_OPT_OBJECT, 0, NULL, "extra request headers: name -> value, values may hold {field}", NULL},
    {"auth", SLUICE_OPT_OBJECT, SLUICE_OPT_SECRET, NULL,
     "{\"type\": \"bearer\"|\"basic\"|\"header\"|\"query\"|\"oauth2_client\"|\"oauth2_refresh\", ...}", NULL},
    {"ca_file", SLUICE_OPT_PATH, 0, NULL, "extra CA bundle (PEM) to trust besides the system's", NULL},
    {"rate_limit", SLUICE_OPT_FLOAT, 0, NULL, "requests per second (default: unlimited)", NULL},
    {"max_attempts", SLUICE_OPT_INT, 0, "6", "attempts per request on transport errors, timeouts, 429 and 5xx", NULL},
    {"timeout_ms", SLUICE_OPT_INT, 0, "120000", "time allowed for one request, in milliseconds", NULL},
    {"concurrency", SLUICE_OPT_INT, 0, "4", "requests in flight at once (record mode)", NULL},
    {0},
};

static int invalid(sluice_ctx *ctx, const char *fmt, ...) SLUICE_PRINTF(2, 3);
static int invalid(sluice_ctx *ctx, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sluice_set_error(ctx, msg);
    return SLUICE_EINVAL;
}

/* RFC 9110 token characters. */
static int valid_header_name(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && strchr("!#$%&'*+-.^_`|~", *s) == NULL)
            return 0;
    return 1;
}

static int read_url(sluice_ctx *ctx, hs_sink *s)
{
    char err[256];
    const char *url = sluice_option_string(ctx, "url");
    if (hs_template_compile(&s->url, url, err, sizeof err) != 0)
        return invalid(ctx, "url: %s", err);
    const hs_part *first = s->url.n ? &s->url.parts[0] : NULL;
    if (first == NULL || first->is_field ||
        (strncmp(first->text, "http://", 7) != 0 && strncmp(first->text, "https://", 8) != 0))
        return invalid(ctx, "url: expected an http:// or https:// URL");
    if (s->batch_mode && s->url.has_fields)
        return invalid(ctx, "url: {field} placeholders need mode \"record\" (a batch goes to one URL)");
    return SLUICE_OK;
}

static int read_headers(sluice_ctx *ctx, hs_sink *s)
{
    char err[256];
    const char *name;
    json_t *v, *headers = sluice_option_get(ctx, "headers");
    if (headers == NULL)
        return SLUICE_OK;
    if ((s->headers = calloc(json_object_size(headers) + 1, sizeof *s->headers)) == NULL)
        return SLUICE_ENOMEM;
    json_object_foreach(headers, name, v) {
        hs_header *h = &s->headers[s->nheaders];
        if (!valid_header_name(name))
            return invalid(ctx, "headers: \"%s\" is not a header name", name);
        if (!json_is_string(v))
            return invalid(ctx, "headers.%s: expected a string", name);
        if ((h->name = strdup(name)) == NULL)
            return SLUICE_ENOMEM;
        s->nheaders++;
        if (hs_template_compile(&h->value, json_string_value(v), err, sizeof err) != 0)
            return invalid(ctx, "headers.%s: %s", name, err);
        if (s->batch_mode && h->value.has_fields)
            return invalid(ctx, "headers.%s: {field} placeholders need mode \"record\"", name);
    }
    return SLUICE_OK;
}

static void hs_fini(void *state)
{
    hs_sink *s = state;
    if (s == NULL)
        return;
    sluice_http_free(s->http);
    hs_template_free(&s->url);
    for (size_t i = 0; i < s->nheaders; i++) {
        free(s->headers[i].name);
        hs_template_free(&s->headers[i].value);
    }
    free(s->headers);
    free(s->landed);
    free(s);
}

static int read_options(sluice_ctx *ctx, hs_sink *s, hc_options *o)
{
    char err[256];
    int rc = hc_options_read(ctx, o, 0, NULL);
    if (rc != SLUICE_OK)
        return rc;
    s->method = sluice_option_string(ctx, "method");
    s->batch_mode = strcmp(sluice_option_string(ctx, "mode"), "batch") == 0;
    s->content_type = sluice_option_string(ctx, "content_type");
    s->body = sluice_option_get(ctx, "body");
    s->concurrency = o->concurrency;
    if (s->body && hs_body_check(s->body, err, sizeof err) != 0)
        return invalid(ctx, "body: %s", err);
    if ((rc = read_url(ctx, s)) != SLUICE_OK)
        return rc;
    return read_headers(ctx, s);
}

static int hs_init(sluice_ctx *ctx, void **state)
{
    hc_options o;
    sluice_http_config cfg;
    if (sluice_host_minor(ctx) < 2)
        return invalid(ctx, "this host has no HTTP client (plugin ABI 1.2 needed)");
    hs_sink *s = calloc(1, sizeof *s);
    if (s == NULL)
        return SLUICE_ENOMEM;
    int rc = read_options(ctx, s, &o);
    if (rc == SLUICE_OK) {
        hc_http_config(&o, 0, &cfg);
        rc = hs_auth_read(ctx, sluice_option_get(ctx, "auth"), &cfg);
    }
    if (rc == SLUICE_OK && (s->http = sluice_http_new(ctx, &cfg)) == NULL)
        rc = invalid(ctx, "cannot create the HTTP client");
    if (rc != SLUICE_OK) {
        hs_fini(s);
        return rc;
    }
    *state = s;
    return SLUICE_OK;
}

static int hs_write(void *state, sluice_ctx *ctx, sluice_batch *batch)
{
    hs_sink *s = state;
    return s->batch_mode ? hs_deliver_batch(s, ctx, batch) : hs_deliver_records(s, ctx, batch);
}

static const sluice_plugin hs_plugin = {
    .abi_major = SLUICE_ABI_MAJOR,
    .abi_minor = SLUICE_ABI_MINOR,
    .struct_size = sizeof(sluice_plugin),
    .kind = SLUICE_SINK,
    .name = "http",
    .version = "0.1.0",
    .description = "sends records to an HTTP endpoint (per record or as JSON arrays), refused ones dead-lettered",
    .options = hs_options,
    .init = hs_init,
    .fini = hs_fini,
    .write = hs_write,
};

SLUICE_PLUGIN(hs_plugin);
