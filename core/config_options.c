/* config_options.c - checks a stage's plugin options against the plugin's
 * option table and builds the object the plugin will see: defaults filled
 * in, single strings turned into one-item lists, relative paths made
 * absolute. SECRET values never go into a message. */
#include "config_priv.h"

#include <stdlib.h>
#include <string.h>

#include "jsonpos.h"
#include "textutil.h"

/* What an option type wants, for "expected ..." messages. */
static const char *type_wanted(int type)
{
    switch (type) {
    case SLUICE_OPT_STRING: return "a string";
    case SLUICE_OPT_INT: return "an integer";
    case SLUICE_OPT_FLOAT: return "a number";
    case SLUICE_OPT_BOOL: return "true or false";
    case SLUICE_OPT_PATH: return "a path (string)";
    case SLUICE_OPT_LIST: return "a string or a list of strings";
    case SLUICE_OPT_OBJECT: return "an object";
    case SLUICE_OPT_ARRAY: return "an array";
    default: return "any value";
    }
}

static const char *json_kind(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    default: return "null";
    }
}

static const sluice_option *find_option(const sluice_plugin *p, const char *name)
{
    for (const sluice_option *o = p->options; o && o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

static int in_choices(const char *const *choices, const char *s)
{
    for (size_t i = 0; choices[i]; i++)
        if (strcmp(choices[i], s) == 0)
            return 1;
    return 0;
}

/* "a, b, c" from a choices list (odd values quoted); NULL when out of memory. */
static char *join_choices(const char *const *choices)
{
    char *s = strdup("");
    for (size_t i = 0; s && choices[i]; i++) {
        char *w = sl_word_or_quote(choices[i]);
        char *next = w ? sl_strfmt("%s%s%s", s, i ? ", " : "", w) : NULL;
        free(w);
        free(s);
        s = next;
    }
    return s;
}

static int choice_error(const sluice_option *o, const char *path, const char *got, sl_cfg_error *e)
{
    char *list = join_choices(o->choices);
    char *shown = (o->flags & SLUICE_OPT_SECRET) ? NULL : sl_json_quote(got);
    if (shown)
        sl_cfg_fail(e, path, NULL, SL_AT_VALUE, "must be one of %s (got %s)", list ? list : "?", shown);
    else
        sl_cfg_fail(e, path, NULL, SL_AT_VALUE, "must be one of %s", list ? list : "?");
    free(shown);
    free(list);
    return -1;
}

/* Checks the elements of a LIST given as an array. */
static int check_list(const sluice_option *o, json_t *v, const char *path, sl_cfg_error *e)
{
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        char *ipath = sl_json_path_index(path, i);
        int rc = 0;
        if (!ipath)
            rc = sl_cfg_fail(e, path, NULL, SL_AT_VALUE, "out of memory");
        else if (!json_is_string(item))
            rc = sl_cfg_fail(e, ipath, NULL, SL_AT_VALUE, "expected a string in the list, got %s", json_kind(item));
        else if (o->choices && !in_choices(o->choices, json_string_value(item)))
            rc = choice_error(o, ipath, json_string_value(item), e);
        free(ipath);
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int check_value(const sluice_option *o, json_t *v, const char *path, sl_cfg_error *e)
{
    if (o->type == SLUICE_OPT_LIST && json_is_array(v))
        return check_list(o, v, path, e);
    if (!sl_opt_type_accepts(o->type, v))
        return sl_cfg_fail(e, path, NULL, SL_AT_VALUE, "expected %s, got %s", type_wanted(o->type), json_kind(v));
    if (o->choices && json_is_string(v) && !in_choices(o->choices, json_string_value(v)))
        return choice_error(o, path, json_string_value(v), e);
    if (o->type == SLUICE_OPT_PATH && json_string_value(v)[0] == '\0')
        return sl_cfg_fail(e, path, NULL, SL_AT_VALUE, "must not be an empty path");
    return 0;
}

/* Candidates for "did you mean": the plugin's options and the stage keys
 * the core reads for this kind of stage. */
static const char *suggest_key(const sluice_plugin *p, const char *key)
{
    const char *cand[256 + 4];
    size_t n = 0;
    cand[n++] = "id";
    cand[n++] = "plugin";
    if (p->kind != SLUICE_SOURCE)
        cand[n++] = "inputs";
    if (p->kind == SLUICE_TRANSFORM)
        cand[n++] = "workers";
    if (p->kind == SLUICE_SINK)
        cand[n++] = "retry";
    for (const sluice_option *o = p->options; o && o->name && n < sizeof cand / sizeof cand[0]; o++)
        cand[n++] = o->name;
    return sl_suggest(key, cand, n);
}

static int check_given(const sluice_plugin *p, json_t *options, const char *prefix, sl_cfg_error *e)
{
    const char *key;
    json_t *v;
    json_object_foreach(options, key, v)
    {
        char *path = sl_json_path_key(prefix, key);
        if (!path)
            return sl_cfg_fail(e, prefix, NULL, SL_AT_VALUE, "out of memory");
        const sluice_option *o = find_option(p, key);
        int rc = 0;
        if (!o) {
            const char *near = suggest_key(p, key);
            if (near)
                rc = sl_cfg_fail(e, path, NULL, SL_AT_KEY, "unknown option for plugin %s (did you mean %s?)",
                                 p->name, near);
            else if (!p->options || !p->options[0].name)
                rc = sl_cfg_fail(e, path, NULL, SL_AT_KEY, "unknown option for plugin %s (it takes no options)",
                                 p->name);
            else
                rc = sl_cfg_fail(e, path, NULL, SL_AT_KEY, "unknown option for plugin %s", p->name);
        } else {
            rc = check_value(o, v, path, e);
        }
        free(path);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* The value the plugin gets for `o`: a copy of what the stage set, or the
 * default, normalised and with paths resolved. NULL (and no error) if the
 * option is unset and has no default; NULL with *oom when out of memory. */
static json_t *final_value(const sluice_option *o, json_t *given, const char *base_dir, int *oom)
{
    json_t *v = NULL;
    if (given)
        v = json_deep_copy(given);
    else if (o->default_json)
        v = json_loads(o->default_json, JSON_DECODE_ANY, NULL); /* checked by the loader */
    else
        return NULL;
    if (v && o->type == SLUICE_OPT_LIST && json_is_string(v)) {
        json_t *list = json_array();
        if (list && json_array_append_new(list, v) == 0) {
            v = list;
        } else {
            json_decref(list);
            json_decref(v);
            v = NULL;
        }
    }
    /* "-" conventionally means stdin or stdout, never a file next to the config. */
    if (v && o->type == SLUICE_OPT_PATH && json_is_string(v) && strcmp(json_string_value(v), "-") != 0) {
        char *abs = sl_path_join(base_dir, json_string_value(v));
        if (!abs || json_string_set(v, abs) != 0) {
            json_decref(v);
            v = NULL;
        }
        free(abs);
    }
    if (!v)
        *oom = 1;
    return v;
}

static json_t *build(const sluice_plugin *p, json_t *options, const char *base_dir, const char *prefix,
                     sl_cfg_error *e)
{
    json_t *out = json_object();
    if (!out) {
        sl_cfg_fail(e, prefix, NULL, SL_AT_VALUE, "out of memory");
        return NULL;
    }
    for (const sluice_option *o = p->options; o && o->name; o++) {
        json_t *given = json_object_get(options, o->name);
        if (!given && (o->flags & SLUICE_OPT_REQUIRED)) {
            char *path = sl_json_path_key(prefix, o->name);
            sl_cfg_fail(e, path ? path : o->name, prefix, SL_AT_VALUE, "required option missing");
            free(path);
            json_decref(out);
            return NULL;
        }
        int oom = 0;
        json_t *v = final_value(o, given, base_dir, &oom);
        if (oom || (v && json_object_set_new(out, o->name, v) != 0)) {
            sl_cfg_fail(e, prefix, NULL, SL_AT_VALUE, "out of memory");
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

json_t *sl_cfg_options(const sluice_plugin *p, json_t *options, const char *base_dir, const char *prefix,
                       sl_cfg_error *e)
{
    if (!prefix)
        prefix = "";
    if (!json_is_object(options)) {
        sl_cfg_fail(e, prefix, NULL, SL_AT_VALUE, "options must be an object");
        return NULL;
    }
    if (check_given(p, options, prefix, e) != 0)
        return NULL;
    return build(p, options, base_dir, prefix, e);
}

json_t *sl_options_check(const sluice_plugin *p, json_t *options, const char *base_dir, const char *prefix,
                         char **err)
{
    sl_cfg_error e = {0};
    json_t *out = sl_cfg_options(p, options, base_dir, prefix, &e);
    if (!out && err) {
        if (e.path && e.path[0])
            *err = sl_strfmt("%s: %s", e.path, e.msg ? e.msg : "out of memory");
        else
            *err = sl_strfmt("%s", e.msg ? e.msg : "out of memory");
    }
    sl_cfg_error_clear(&e);
    return out;
}
