/* config_env.c - ${VAR} interpolation over every string value of the
 * pipeline document (keys are left alone: they name things, they are not
 * data). */
#include "config_priv.h"

#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"
#include "textutil.h"

/* The way down to the value being expanded; turned into a JSON path only
 * when there is an error to report. */
typedef struct path_link {
    const struct path_link *up;
    const char *key; /* member key, or NULL for an array element */
    size_t index;
} path_link;

static char *path_str(const path_link *l)
{
    if (!l)
        return strdup("");
    char *up = path_str(l->up);
    if (!up)
        return NULL;
    char *s = l->key ? sl_json_path_key(up, l->key) : sl_json_path_index(up, l->index);
    free(up);
    return s;
}

typedef struct strbuf {
    char *s;
    size_t len, cap;
} strbuf;

static int sb_add(strbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p)
            return -1;
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
    return 0;
}

static int is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
static int is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

/* Expands one "${...}" starting at `p` (which points at '$'). Appends the
 * result to `b` and returns the length consumed, or 0 with *why set (a new
 * message) on a usage error, or -1 when out of memory. */
static long expand_ref(const char *p, strbuf *b, char **why)
{
    const char *name = p + 2, *end = name;
    while (is_name_char(*end))
        end++;
    const char *close = strchr(p, '}');
    if (!close) {
        *why = strdup("unterminated ${ (write $$ for a literal $)");
        return 0;
    }
    int has_default = end[0] == ':' && end[1] == '-';
    if (end == name || !is_name_start(*name) || (!has_default && end != close)) {
        *why = sl_strfmt("bad reference \"%.*s\": use ${VAR} or ${VAR:-default} (and $$ for a literal $)",
                         (int)(close - p + 1), p);
        return 0;
    }
    char *var = strndup(name, (size_t)(end - name));
    if (!var)
        return -1;
    const char *val = getenv(var);
    int rc = 0;
    if (has_default && (!val || !val[0])) /* like the shell's :-, empty counts as unset */
        rc = sb_add(b, end + 2, (size_t)(close - end - 2));
    else if (val)
        rc = sb_add(b, val, strlen(val));
    else
        *why = sl_strfmt("environment variable %s is not set (use ${%s:-default} to give a default)", var, var);
    free(var);
    if (rc != 0)
        return -1;
    return *why ? 0 : (long)(close - p + 1);
}

/* Returns a new expanded string, or NULL with *why set (usage error) or
 * unset (out of memory). */
static char *expand(const char *in, char **why)
{
    strbuf b = {0};
    if (sb_add(&b, "", 0) != 0)
        return NULL;
    for (const char *p = in; *p;) {
        const char *dollar = strchr(p, '$');
        if (!dollar) {
            if (sb_add(&b, p, strlen(p)) != 0)
                goto oom;
            break;
        }
        if (sb_add(&b, p, (size_t)(dollar - p)) != 0)
            goto oom;
        long used;
        if (dollar[1] == '$') {
            used = sb_add(&b, "$", 1) == 0 ? 2 : -1;
        } else if (dollar[1] == '{') {
            used = expand_ref(dollar, &b, why);
            if (used == 0) {
                free(b.s);
                return NULL;
            }
        } else {
            used = sb_add(&b, "$", 1) == 0 ? 1 : -1; /* a lone $ is just a dollar sign */
        }
        if (used < 0)
            goto oom;
        p = dollar + used;
    }
    return b.s;
oom:
    free(b.s);
    return NULL;
}

static int walk(json_t *v, const path_link *here, sl_cfg_error *e)
{
    if (json_is_string(v)) {
        const char *s = json_string_value(v);
        if (!strchr(s, '$'))
            return 0;
        char *why = NULL;
        char *out = expand(s, &why);
        int rc = out ? json_string_set(v, out) : -1;
        free(out);
        if (rc == 0)
            return 0;
        char *path = path_str(here);
        sl_cfg_fail(e, path ? path : "?", NULL, SL_AT_VALUE, "%s", why ? why : "out of memory");
        free(path);
        free(why);
        return -1;
    }
    if (json_is_object(v)) {
        const char *key;
        json_t *m;
        json_object_foreach(v, key, m)
        {
            path_link down = {here, key, 0};
            if (walk(m, &down, e) != 0)
                return -1;
        }
    } else if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            path_link down = {here, NULL, i};
            if (walk(m, &down, e) != 0)
                return -1;
        }
    }
    return 0;
}

int sl_cfg_interpolate(json_t *root, sl_cfg_error *e) { return walk(root, NULL, e); }
