/* auth.c - the `auth` option: {"type": ..., ...} into sluice_http_config.
 *
 *   bearer          token
 *   basic           username, password
 *   header          name, value        (e.g. X-Api-Key)
 *   query           name, value        (?api_key=...)
 *   oauth2_client   token_url, client_id, client_secret, [scope]
 *   oauth2_refresh  token_url, client_id, [client_secret], refresh_token, [scope] */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "http_sink.h"

typedef struct auth_kind {
    const char *type;
    int auth;                 /* sluice_http_auth */
    const char *required[5];  /* NULL-terminated */
    const char *optional[3];
} auth_kind;

static const auth_kind kinds[] = {
    {"bearer", SLUICE_AUTH_BEARER, {"token", NULL}, {NULL}},
    {"basic", SLUICE_AUTH_BASIC, {"username", "password", NULL}, {NULL}},
    {"header", SLUICE_AUTH_HEADER, {"name", "value", NULL}, {NULL}},
    {"query", SLUICE_AUTH_QUERY, {"name", "value", NULL}, {NULL}},
    {"oauth2_client", SLUICE_AUTH_OAUTH2_CLIENT, {"token_url", "client_id", "client_secret", NULL}, {"scope", NULL}},
    {"oauth2_refresh", SLUICE_AUTH_OAUTH2_REFRESH, {"token_url", "client_id", "refresh_token", NULL},
     {"client_secret", "scope", NULL}},
};

#define TYPES "bearer, basic, header, query, oauth2_client, oauth2_refresh"

/* Keys whose values are never printed. */
static const char *const secret_keys[] = {"token", "password", "value", "client_secret", "refresh_token", NULL};

static int bad(sluice_ctx *ctx, const char *fmt, ...) SLUICE_PRINTF(2, 3);
static int bad(sluice_ctx *ctx, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    sluice_set_error(ctx, msg);
    return SLUICE_EINVAL;
}

static int listed(const char *const *names, const char *key)
{
    for (; *names; names++)
        if (strcmp(*names, key) == 0)
            return 1;
    return 0;
}

/* Points the config field for `key` at value. */
static void assign(sluice_http_config *cfg, const char *key, const char *value)
{
    if (strcmp(key, "token") == 0 || strcmp(key, "value") == 0)
        cfg->token = value;
    else if (strcmp(key, "name") == 0)
        cfg->auth_name = value;
    else if (strcmp(key, "username") == 0)
        cfg->username = value;
    else if (strcmp(key, "password") == 0)
        cfg->password = value;
    else if (strcmp(key, "token_url") == 0)
        cfg->token_url = value;
    else if (strcmp(key, "client_id") == 0)
        cfg->client_id = value;
    else if (strcmp(key, "client_secret") == 0)
        cfg->client_secret = value;
    else if (strcmp(key, "refresh_token") == 0)
        cfg->refresh_token = value;
    else if (strcmp(key, "scope") == 0)
        cfg->scope = value;
}

int hs_auth_read(sluice_ctx *ctx, json_t *auth, sluice_http_config *cfg)
{
    const char *key, *type;
    json_t *v;
    const auth_kind *k = NULL;
    if (auth == NULL)
        return SLUICE_OK;
    type = json_string_value(json_object_get(auth, "type"));
    if (type == NULL)
        return bad(ctx, "auth.type: required, one of %s", TYPES);
    for (size_t i = 0; i < sizeof kinds / sizeof *kinds; i++)
        if (strcmp(kinds[i].type, type) == 0)
            k = &kinds[i];
    if (k == NULL)
        return bad(ctx, "auth.type: unknown type \"%s\" (expected %s)", type, TYPES);
    json_object_foreach(auth, key, v) {
        if (strcmp(key, "type") == 0)
            continue;
        if (!listed(k->required, key) && !listed(k->optional, key))
            return bad(ctx, "auth.%s: not a key of auth type %s", key, type);
        if (!json_is_string(v))
            return bad(ctx, "auth.%s: expected a string", key);
        if (listed(secret_keys, key) && *json_string_value(v) != '\0')
            sluice_secret(ctx, json_string_value(v));
        assign(cfg, key, json_string_value(v));
    }
    for (const char *const *r = k->required; *r; r++)
        if (json_object_get(auth, *r) == NULL)
            return bad(ctx, "auth.%s: required for auth type %s", *r, type);
    cfg->auth = k->auth;
    return SLUICE_OK;
}
