/* config.c - the `rest` source's declarative options, read and checked in
 * init so a mistake fails before any request is made. */
#define _GNU_SOURCE /* strcasestr */
#include <stdio.h>
#include <string.h>

#include "rest.h"

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

/* A member of an option object: a string (NULL when absent); *bad set when
 * present but not a string. */
static const char *str_of(json_t *obj, const char *key, int *bad)
{
    json_t *v = json_object_get(obj, key);
    if (v != NULL && !json_is_string(v))
        *bad = 1;
    return json_string_value(v);
}

static long int_of(json_t *obj, const char *key, long dflt, int *bad)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return dflt;
    if (!json_is_integer(v)) {
        *bad = 1;
        return dflt;
    }
    return (long)json_integer_value(v);
}

/* Every key of obj is one of `allowed`: a typo must not pass silently. */
static int only_keys(sluice_ctx *ctx, const char *opt, json_t *obj, const char *const *allowed)
{
    const char *key;
    json_t *v;
    json_object_foreach(obj, key, v) {
        const char *const *a = allowed;
        while (*a && strcmp(*a, key) != 0)
            a++;
        if (*a == NULL)
            return invalid(ctx, "%s.%s: unknown key", opt, key);
    }
    return SLUICE_OK;
}

static int check_ptr(sluice_ctx *ctx, const char *what, const char *ptr)
{
    if (ptr != NULL && !hc_pointer_valid(ptr))
        return invalid(ctx, "%s: \"%s\" is not a JSON pointer (\"/a/b\") or a dotted path (\"a.b\")", what, ptr);
    return SLUICE_OK;
}

static const char *const paging_names[] = {"none", "cursor", "next_url", "link", "page", "offset", NULL};
static const char *const paging_keys[] = {"type", "cursor", "param", "body_field", "next_url", "start",
                                          "size_param", "size", "limit_param", "limit", "total_pages",
                                          "total_pages_header", "total", "total_header", NULL};

static int paging_kind(sluice_ctx *ctx, const char *type, int *out)
{
    for (int i = 0; paging_names[i]; i++)
        if (strcmp(paging_names[i], type) == 0) {
            *out = i;
            return SLUICE_OK;
        }
    return invalid(ctx, "pagination.type: expected none, cursor, next_url, link, page or offset, got \"%s\"", type);
}

static int read_cursor_paging(sluice_ctx *ctx, rest_config *c, json_t *p, int *bad)
{
    c->cursor_ptr = str_of(p, "cursor", bad);
    c->cursor_param = str_of(p, "param", bad);
    c->cursor_body = str_of(p, "body_field", bad);
    if (c->cursor_ptr == NULL || (c->cursor_param == NULL) == (c->cursor_body == NULL))
        return invalid(ctx, "pagination: type cursor needs \"cursor\" (where the answer has the next token) "
                            "and either \"param\" (query parameter) or \"body_field\" (pointer into the body)");
    return check_ptr(ctx, "pagination.cursor", c->cursor_ptr) ||
           check_ptr(ctx, "pagination.body_field", c->cursor_body);
}

static int read_counted_paging(sluice_ctx *ctx, rest_config *c, json_t *p, int *bad)
{
    int page = c->paging == RP_PAGE;
    c->page_param = str_of(p, "param", bad);
    if (c->page_param == NULL)
        c->page_param = page ? "page" : "offset";
    c->page_start = page ? int_of(p, "start", 1, bad) : 0;
    c->size_param = str_of(p, page ? "size_param" : "limit_param", bad);
    c->size = int_of(p, page ? "size" : "limit", 0, bad);
    c->total_ptr = str_of(p, page ? "total_pages" : "total", bad);
    c->total_header = str_of(p, page ? "total_pages_header" : "total_header", bad);
    if (c->size < 0 || (c->size_param != NULL && c->size == 0))
        return invalid(ctx, "pagination.%s: expected a page size > 0 to send as %s", page ? "size" : "limit",
                       c->size_param);
    if (!page && c->size == 0)
        return invalid(ctx, "pagination: type offset needs \"limit\" (records per page)");
    return check_ptr(ctx, "pagination.total", c->total_ptr);
}

static int read_paging(sluice_ctx *ctx, rest_config *c)
{
    json_t *p = sluice_option_get(ctx, "pagination");
    const char *type;
    int bad = 0, rc;
    c->paging = RP_NONE;
    if (p == NULL)
        return SLUICE_OK;
    if ((rc = only_keys(ctx, "pagination", p, paging_keys)) != SLUICE_OK)
        return rc;
    type = str_of(p, "type", &bad);
    if (type == NULL)
        return invalid(ctx, "pagination.type: required (none, cursor, next_url, link, page or offset)");
    if ((rc = paging_kind(ctx, type, &c->paging)) != SLUICE_OK)
        return rc;
    switch (c->paging) {
    case RP_CURSOR:
        rc = read_cursor_paging(ctx, c, p, &bad);
        break;
    case RP_NEXT_URL:
        c->next_ptr = str_of(p, "next_url", &bad);
        rc = c->next_ptr ? check_ptr(ctx, "pagination.next_url", c->next_ptr)
                         : invalid(ctx, "pagination: type next_url needs \"next_url\", where the answer has it");
        break;
    case RP_PAGE:
    case RP_OFFSET:
        rc = read_counted_paging(ctx, c, p, &bad);
        break;
    default:
        rc = SLUICE_OK;
    }
    if (rc == SLUICE_OK && bad)
        return invalid(ctx, "pagination: a member has the wrong type (names are strings, sizes integers)");
    return rc;
}

static const char *const inc_keys[] = {"param", "body_field", "field", "format", "id_field", "ordered", "start",
                                       "lookback_s", NULL};

static int read_incremental(sluice_ctx *ctx, rest_config *c)
{
    json_t *inc = sluice_option_get(ctx, "incremental"), *ord, *back;
    int bad = 0, rc;
    if (inc == NULL)
        return SLUICE_OK;
    if ((rc = only_keys(ctx, "incremental", inc, inc_keys)) != SLUICE_OK)
        return rc;
    c->incremental = 1;
    c->inc_param = str_of(inc, "param", &bad);
    c->inc_body = str_of(inc, "body_field", &bad);
    c->inc_field = str_of(inc, "field", &bad);
    c->inc_format = str_of(inc, "format", &bad);
    c->id_field = str_of(inc, "id_field", &bad);
    c->inc_start = json_object_get(inc, "start");
    ord = json_object_get(inc, "ordered");
    if (ord != NULL && !json_is_boolean(ord))
        bad = 1;
    c->inc_ordered = json_is_true(ord);
    back = json_object_get(inc, "lookback_s");
    if (back != NULL && (!json_is_number(back) || json_number_value(back) < 0))
        bad = 1;
    c->inc_lookback_s = json_number_value(back);
    if (c->inc_format == NULL)
        c->inc_format = "raw";
    if (c->id_field == NULL)
        c->id_field = "/id";
    if (bad)
        return invalid(ctx, "incremental: a member has the wrong type");
    if (c->inc_field == NULL || (c->inc_param == NULL) == (c->inc_body == NULL))
        return invalid(ctx, "incremental: needs \"field\" (the records' cursor field) and either \"param\" "
                            "(query parameter) or \"body_field\" (pointer into the body)");
    if (c->inc_lookback_s > 0 && strcmp(c->inc_format, "raw") == 0)
        return invalid(ctx, "incremental.lookback_s: needs a timestamp \"format\" (iso8601, unix ...) to write "
                            "the earlier bound in");
    if (c->inc_start != NULL && json_is_object(c->inc_start))
        return invalid(ctx, "incremental.start: expected a value like the cursor field's");
    return check_ptr(ctx, "incremental.field", c->inc_field) || check_ptr(ctx, "incremental.id_field", c->id_field) ||
                   check_ptr(ctx, "incremental.body_field", c->inc_body)
               ? SLUICE_EINVAL
               : SLUICE_OK;
}

/* Headers that carry credentials are masked in every log line. */
static int read_headers(sluice_ctx *ctx, rest_config *c)
{
    const char *key;
    json_t *v;
    c->headers = sluice_option_get(ctx, "headers");
    json_object_foreach(c->headers, key, v) {
        if (!json_is_string(v) || strpbrk(key, ": \r\n") != NULL)
            return invalid(ctx, "headers.%s: expected a header name with a string value", key);
        if (strcasestr(key, "auth") || strcasestr(key, "key") || strcasestr(key, "token") ||
            strcasestr(key, "secret") || strcasestr(key, "cookie"))
            sluice_secret(ctx, json_string_value(v));
    }
    return SLUICE_OK;
}

static int read_query(sluice_ctx *ctx, rest_config *c)
{
    const char *key;
    json_t *v, *item;
    size_t i;
    c->query = sluice_option_get(ctx, "query");
    json_object_foreach(c->query, key, v) {
        int ok = !json_is_object(v) && !json_is_null(v);
        json_array_foreach(v, i, item) ok = ok && !json_is_object(item) && !json_is_array(item);
        if (!ok)
            return invalid(ctx, "query.%s: expected a string, number, boolean or a list of them", key);
    }
    return SLUICE_OK;
}

int rest_config_read(sluice_ctx *ctx, rest_config *c)
{
    int rc;
    memset(c, 0, sizeof *c);
    c->url = sluice_option_string(ctx, "url");
    c->method = sluice_option_string(ctx, "method");
    c->body = sluice_option_get(ctx, "body");
    c->records = sluice_option_string(ctx, "records");
    c->stream = sluice_option_string(ctx, "stream");
    if (c->method == NULL)
        c->method = "GET";
    if (c->records == NULL)
        c->records = "";
    if (c->stream == NULL)
        c->stream = sluice_stage_id(ctx);
    if ((rc = check_ptr(ctx, "records", c->records)) != SLUICE_OK || (rc = read_query(ctx, c)) != SLUICE_OK ||
        (rc = read_headers(ctx, c)) != SLUICE_OK || (rc = read_paging(ctx, c)) != SLUICE_OK ||
        (rc = read_incremental(ctx, c)) != SLUICE_OK)
        return rc;
    if ((c->cursor_body || c->inc_body) && c->body != NULL && !json_is_object(c->body))
        return invalid(ctx, "body: must be an object for body_field to set a member");
    return SLUICE_OK;
}

static const char *const auth_types[] = {"none", "bearer", "basic", "header", "query", "oauth2_client",
                                         "oauth2_refresh", NULL};
static const char *const auth_keys[] = {"type", "token", "name", "username", "password", "token_url",
                                        "client_id", "client_secret", "refresh_token", "scope", NULL};

/* The members each type cannot do without (indexed like auth_types). */
static const char *const auth_needs[][5] = {
    {NULL},
    {"token", NULL},
    {"username", "password", NULL},
    {"name", "token", NULL},
    {"name", "token", NULL},
    {"token_url", "client_id", "client_secret", NULL},
    {"token_url", "client_id", "client_secret", "refresh_token", NULL},
};

static int auth_complete(sluice_ctx *ctx, json_t *a, int type)
{
    for (const char *const *w = auth_needs[type]; *w; w++)
        if (json_string_length(json_object_get(a, *w)) == 0)
            return invalid(ctx, "auth: type %s needs \"%s\"", auth_types[type], *w);
    return SLUICE_OK;
}

int rest_auth_read(sluice_ctx *ctx, sluice_http_config *h)
{
    json_t *a = sluice_option_get(ctx, "auth"), *v;
    const char *type, *key;
    int t = 0, bad = 0, rc;
    if (a == NULL)
        return SLUICE_OK;
    if ((rc = only_keys(ctx, "auth", a, auth_keys)) != SLUICE_OK)
        return rc;
    json_object_foreach(a, key, v) bad |= !json_is_string(v);
    type = str_of(a, "type", &bad);
    if (bad || type == NULL)
        return invalid(ctx, "auth: expected {\"type\": \"bearer\", \"token\": \"...\"} (string members)");
    while (auth_types[t] && strcmp(auth_types[t], type) != 0)
        t++;
    if (auth_types[t] == NULL)
        return invalid(ctx, "auth.type: expected none, bearer, basic, header, query, oauth2_client or "
                            "oauth2_refresh, got \"%s\"", type);
    if ((rc = auth_complete(ctx, a, t)) != SLUICE_OK)
        return rc;
    h->auth = t; /* auth_types follows enum sluice_http_auth */
    h->token = str_of(a, "token", &bad);
    h->auth_name = str_of(a, "name", &bad);
    h->username = str_of(a, "username", &bad);
    h->password = str_of(a, "password", &bad);
    h->token_url = str_of(a, "token_url", &bad);
    h->client_id = str_of(a, "client_id", &bad);
    h->client_secret = str_of(a, "client_secret", &bad);
    h->refresh_token = str_of(a, "refresh_token", &bad);
    h->scope = str_of(a, "scope", &bad);
    const char *secrets[] = {h->token, h->password, h->client_secret, h->refresh_token};
    for (size_t i = 0; i < sizeof secrets / sizeof secrets[0]; i++)
        if (secrets[i] != NULL)
            sluice_secret(ctx, secrets[i]);
    return SLUICE_OK;
}
