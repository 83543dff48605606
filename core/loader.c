/* loader.c - see loader.h.
 *
 * A plugin is foreign code: the loader checks everything it can about the
 * descriptor before anyone calls into it, and explains each refusal with the
 * file's path, so "sluice run" never crashes on a plugin built wrongly. */
#include "loader.h"

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "textutil.h"

/* The descriptor as ABI 1.0 defines it; later minors only append. */
#define SL_PLUGIN_SIZE_1_0 sizeof(sluice_plugin)
/* A table longer than this has lost its {0} terminator. */
#define SL_MAX_OPTIONS 256
#define SL_MAX_CHOICES 256
#define SL_MAX_NAME 64

/* ---- search path ---------------------------------------------------------- */

static int sp_add(sl_search_path *sp, const char *dir, size_t len)
{
    if (len == 0)
        return 0;
    for (size_t i = 0; i < sp->n; i++)
        if (strlen(sp->dirs[i]) == len && memcmp(sp->dirs[i], dir, len) == 0)
            return 0; /* searching a folder twice finds nothing new */
    char **dirs = realloc(sp->dirs, (sp->n + 1) * sizeof *dirs);
    if (!dirs)
        return -1;
    sp->dirs = dirs;
    if (!(sp->dirs[sp->n] = strndup(dir, len)))
        return -1;
    sp->n++;
    return 0;
}

/* An installed tree may have been moved, or installed with
 * `cmake --install --prefix`: its plugins are at <bin>/../<libdir>/sluice/plugins
 * relative to the running binary, whatever prefix it was configured with. */
static int add_beside_binary(sl_search_path *sp)
{
#ifdef SLUICE_PLUGIN_INSTALL_RELDIR
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return 0;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    char dir[4096 + 256];
    int len = snprintf(dir, sizeof dir, "%s/../%s", exe, SLUICE_PLUGIN_INSTALL_RELDIR);
    if (len <= 0 || (size_t)len >= sizeof dir)
        return 0;
    char *real = realpath(dir, NULL);
    if (!real)
        return 0; /* no such folder: nothing to search */
    int rc = sp_add(sp, real, strlen(real));
    free(real);
    return rc;
#else
    (void)sp;
    return 0;
#endif
}

int sl_search_path_init(sl_search_path *sp, const char *const *first_dirs, size_t n_first)
{
    sp->dirs = NULL;
    sp->n = 0;
    for (size_t i = 0; i < n_first; i++)
        if (first_dirs[i] && sp_add(sp, first_dirs[i], strlen(first_dirs[i])) != 0)
            goto fail;
    const char *env = getenv("SLUICE_PLUGIN_PATH");
    while (env && *env) {
        const char *colon = strchr(env, ':');
        size_t len = colon ? (size_t)(colon - env) : strlen(env);
        if (sp_add(sp, env, len) != 0)
            goto fail;
        env = colon ? colon + 1 : NULL;
    }
    if (add_beside_binary(sp) != 0)
        goto fail;
#ifdef SLUICE_INSTALL_PLUGIN_DIR
    if (sp_add(sp, SLUICE_INSTALL_PLUGIN_DIR, strlen(SLUICE_INSTALL_PLUGIN_DIR)) != 0)
        goto fail;
#endif
#ifdef SLUICE_BUILD_PLUGIN_DIR
    if (sp_add(sp, SLUICE_BUILD_PLUGIN_DIR, strlen(SLUICE_BUILD_PLUGIN_DIR)) != 0)
        goto fail;
#endif
    return 0;
fail:
    sl_search_path_free(sp);
    return -1;
}

void sl_search_path_free(sl_search_path *sp)
{
    if (!sp)
        return;
    for (size_t i = 0; i < sp->n; i++)
        free(sp->dirs[i]);
    free(sp->dirs);
    sp->dirs = NULL;
    sp->n = 0;
}

/* "a, b, c" for messages; NULL when out of memory. */
static char *sp_describe(const sl_search_path *sp)
{
    size_t len = 1;
    for (size_t i = 0; i < sp->n; i++)
        len += strlen(sp->dirs[i]) + 2;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    size_t at = 0;
    for (size_t i = 0; i < sp->n; i++)
        at += (size_t)snprintf(s + at, len - at, "%s%s", i ? ", " : "", sp->dirs[i]);
    return s;
}

/* ---- kinds and option types ----------------------------------------------- */

const char *sl_kind_name(int kind)
{
    switch (kind) {
    case SLUICE_SOURCE: return "source";
    case SLUICE_TRANSFORM: return "transform";
    case SLUICE_SINK: return "sink";
    default: return "?";
    }
}

int sl_kind_parse(const char *s, size_t len)
{
    static const char *const plural[] = {NULL, "sources", "transforms", "sinks"};
    for (int k = SLUICE_SOURCE; k <= SLUICE_SINK; k++) {
        const char *name = sl_kind_name(k);
        if ((strlen(name) == len && strncmp(s, name, len) == 0) ||
            (strlen(plural[k]) == len && strncmp(s, plural[k], len) == 0))
            return k;
    }
    return 0;
}

const char *sl_opt_type_name(int type)
{
    switch (type) {
    case SLUICE_OPT_STRING: return "string";
    case SLUICE_OPT_INT: return "integer";
    case SLUICE_OPT_FLOAT: return "number";
    case SLUICE_OPT_BOOL: return "boolean";
    case SLUICE_OPT_PATH: return "path";
    case SLUICE_OPT_LIST: return "list";
    case SLUICE_OPT_OBJECT: return "object";
    case SLUICE_OPT_ARRAY: return "array";
    case SLUICE_OPT_ANY: return "any";
    default: return "?";
    }
}

static int all_strings(const json_t *a)
{
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v) if (!json_is_string(v)) return 0;
    return 1;
}

int sl_opt_type_accepts(int type, const json_t *v)
{
    switch (type) {
    case SLUICE_OPT_STRING:
    case SLUICE_OPT_PATH: return json_is_string(v);
    case SLUICE_OPT_INT: return json_is_integer(v);
    case SLUICE_OPT_FLOAT: return json_is_number(v);
    case SLUICE_OPT_BOOL: return json_is_boolean(v);
    case SLUICE_OPT_LIST: return json_is_string(v) || (json_is_array(v) && all_strings(v));
    case SLUICE_OPT_OBJECT: return json_is_object(v);
    case SLUICE_OPT_ARRAY: return json_is_array(v);
    case SLUICE_OPT_ANY: return v != NULL;
    default: return 0;
    }
}

/* ---- descriptor checks ----------------------------------------------------- */

/* [a-z0-9_]+ of bounded length: names become file names and config keys. */
static int valid_name(const char *s, size_t max)
{
    size_t n = strnlen(s, max + 1);
    if (n == 0 || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

static int in_choices(const char *const *choices, const char *s)
{
    for (size_t i = 0; choices[i]; i++)
        if (strcmp(choices[i], s) == 0)
            return 1;
    return 0;
}

/* Checks a default value against its option; NULL if fine, else a static reason. */
static const char *check_default(const sluice_option *o)
{
    json_error_t jerr;
    json_t *v = json_loads(o->default_json, JSON_DECODE_ANY, &jerr);
    const char *why = NULL;
    if (!v)
        why = "is not valid JSON";
    else if (!sl_opt_type_accepts(o->type, v))
        why = "does not have the option's type";
    else if (o->choices && json_is_string(v) && !in_choices(o->choices, json_string_value(v)))
        why = "is not one of the option's choices";
    json_decref(v);
    return why;
}

/* Keys of a stage the core reads itself; an option with such a name could
 * never be set. */
static int core_stage_key(const char *name)
{
    return strcmp(name, "id") == 0 || strcmp(name, "plugin") == 0 || strcmp(name, "inputs") == 0 ||
           strcmp(name, "workers") == 0 || strcmp(name, "retry") == 0;
}

static char *check_option(const sluice_option *opts, size_t i)
{
    const sluice_option *o = &opts[i];
    if (!valid_name(o->name, SL_MAX_NAME))
        return sl_strfmt("option %zu has an invalid name (want [a-z0-9_]+, at most %d characters)", i,
                         SL_MAX_NAME);
    if (core_stage_key(o->name))
        return sl_strfmt("option \"%s\" clashes with the stage key of the same name", o->name);
    for (size_t j = 0; j < i; j++)
        if (strcmp(opts[j].name, o->name) == 0)
            return sl_strfmt("option \"%s\" is declared twice", o->name);
    if (o->type < SLUICE_OPT_STRING || o->type > SLUICE_OPT_ANY)
        return sl_strfmt("option \"%s\" has unknown type %d", o->name, o->type);
    if (o->choices) {
        if (o->type != SLUICE_OPT_STRING && o->type != SLUICE_OPT_LIST)
            return sl_strfmt("option \"%s\" has choices but is a %s", o->name, sl_opt_type_name(o->type));
        size_t n = 0;
        while (n < SL_MAX_CHOICES && o->choices[n])
            n++;
        if (n == 0 || n == SL_MAX_CHOICES)
            return sl_strfmt("option \"%s\" has an empty or unterminated choices list", o->name);
    }
    if (o->default_json) {
        const char *why = check_default(o);
        if (why)
            return sl_strfmt("option \"%s\": default %s", o->name, why);
    }
    return NULL;
}

/* NULL if the table is well formed, else a new message. */
static char *check_options(const sluice_option *opts)
{
    if (!opts)
        return NULL;
    size_t n = 0;
    while (n < SL_MAX_OPTIONS && opts[n].name)
        n++;
    if (n == SL_MAX_OPTIONS)
        return sl_strfmt("option table has no {0} terminator within %d entries", SL_MAX_OPTIONS);
    for (size_t i = 0; i < n; i++) {
        char *msg = check_option(opts, i);
        if (msg)
            return msg;
    }
    return NULL;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* NULL if the descriptor is usable, else a new message (without the path). */
static char *check_descriptor(const sluice_plugin *d, const char *path)
{
    if (!d)
        return strdup("sluice_plugin_entry() returned NULL");
    if (d->abi_major != SLUICE_ABI_MAJOR)
        return sl_strfmt("built for plugin ABI %u.%u, this sluice has ABI %d.%d; rebuild it against "
                         "this sluice's headers",
                         (unsigned)d->abi_major, (unsigned)d->abi_minor, SLUICE_ABI_MAJOR, SLUICE_ABI_MINOR);
    if (d->struct_size < SL_PLUGIN_SIZE_1_0)
        return sl_strfmt("descriptor is %u bytes, smaller than the %zu of ABI %d.0; rebuild it against "
                         "this sluice's headers",
                         (unsigned)d->struct_size, SL_PLUGIN_SIZE_1_0, SLUICE_ABI_MAJOR);
    if (d->kind < SLUICE_SOURCE || d->kind > SLUICE_SINK)
        return sl_strfmt("descriptor has unknown kind %d (want 1 source, 2 transform or 3 sink)", d->kind);
    if (!d->name || !valid_name(d->name, SL_MAX_NAME))
        return sl_strfmt("descriptor has a missing or invalid name (want [a-z0-9_]+, at most %d characters)",
                         SL_MAX_NAME);
    const char *kind = sl_kind_name(d->kind);
    char *want = sl_strfmt("%s_%s.so", kind, d->name);
    if (!want)
        return NULL;
    int match = strcmp(base_name(path), want) == 0;
    char *msg = match ? NULL
                      : sl_strfmt("holds the %s plugin \"%s\", which must be in a file named %s", kind,
                                  d->name, want);
    free(want);
    if (msg)
        return msg;
    if (!d->init)
        return strdup("descriptor has no init callback");
    if (d->kind == SLUICE_SOURCE && !d->run)
        return strdup("source descriptor has no run callback");
    if (d->kind == SLUICE_TRANSFORM && !d->process)
        return strdup("transform descriptor has no process callback");
    if (d->kind == SLUICE_SINK && !d->write)
        return strdup("sink descriptor has no write callback");
    return check_options(d->options);
}

/* ---- opening -------------------------------------------------------------- */

static int fail(char **err, const char *path, const char *msg)
{
    if (err)
        *err = sl_strfmt("%s: %s", path, msg ? msg : "out of memory");
    return -1;
}

int sl_plugin_open(const char *path, sl_plugin_handle **out, char **err)
{
    *out = NULL;
    /* Without a slash dlopen() would search the system library folders. */
    char *file = strchr(path, '/') ? strdup(path) : sl_strfmt("./%s", path);
    if (!file)
        return fail(err, path, NULL);
    dlerror();
    void *dl = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *why = dlerror();
        char *msg = sl_strfmt("cannot load: %s", why ? why : "unknown error");
        fail(err, path, msg);
        free(msg);
        free(file);
        return -1;
    }
    void *sym = dlsym(dl, SLUICE_ENTRY_SYMBOL);
    if (!sym) {
        dlclose(dl);
        free(file);
        return fail(err, path, "not a sluice plugin: no " SLUICE_ENTRY_SYMBOL " symbol");
    }
    sluice_entry_fn entry;
    memcpy(&entry, &sym, sizeof entry); /* object pointer to function pointer, as POSIX allows */
    const sluice_plugin *desc = entry();
    char *msg = check_descriptor(desc, path);
    sl_plugin_handle *h = msg ? NULL : calloc(1, sizeof *h);
    if (msg || !h) {
        fail(err, path, msg);
        free(msg);
        dlclose(dl);
        free(file);
        return -1;
    }
    h->dl = dl;
    h->desc = desc;
    h->path = file;
    *out = h;
    return 0;
}

void sl_plugin_close(sl_plugin_handle **h)
{
    if (!h || !*h)
        return;
    if ((*h)->dl)
        dlclose((*h)->dl);
    free((*h)->path);
    free(*h);
    *h = NULL;
}

/* ---- finding -------------------------------------------------------------- */

static int is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *sl_plugin_locate(const sl_search_path *sp, int kind, const char *name)
{
    if (!valid_name(name, SL_MAX_NAME) || kind < SLUICE_SOURCE || kind > SLUICE_SINK)
        return NULL;
    char *file = sl_strfmt("%s_%s.so", sl_kind_name(kind), name);
    if (!file)
        return NULL;
    char *found = NULL;
    for (size_t i = 0; i < sp->n && !found; i++) {
        char *p = sl_path_join(sp->dirs[i], file);
        if (p && is_file(p))
            found = p;
        else
            free(p);
    }
    free(file);
    return found;
}

/* Splits "<kind>_<name>.so" into kind and name (into `name`, cap bytes).
 * Returns the kind, or 0 if the file name does not follow the pattern. */
static int parse_file_name(const char *file, char *name, size_t cap)
{
    size_t len = strlen(file);
    const char *us = strchr(file, '_');
    if (len < 4 || strcmp(file + len - 3, ".so") != 0 || !us)
        return 0;
    int kind = sl_kind_parse(file, (size_t)(us - file));
    size_t nlen = len - 3 - (size_t)(us + 1 - file);
    if (!kind || nlen == 0 || nlen >= cap)
        return 0;
    memcpy(name, us + 1, nlen);
    name[nlen] = '\0';
    return valid_name(name, SL_MAX_NAME) ? kind : 0;
}

/* The installed plugin of `kind` whose name is closest to `name`, if close
 * enough to be a typo; a new string or NULL. Ties go to the name that sorts
 * first, so the hint does not depend on directory order. */
static char *suggest_plugin(const sl_search_path *sp, int kind, const char *name)
{
    char *best = NULL;
    size_t best_d = 0;
    for (size_t i = 0; i < sp->n; i++) {
        DIR *d = opendir(sp->dirs[i]);
        if (!d)
            continue;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            char cand[SL_MAX_NAME + 1];
            const char *one[1] = {cand};
            if (parse_file_name(de->d_name, cand, sizeof cand) != kind || !sl_suggest(name, one, 1))
                continue;
            size_t dist = sl_edit_distance(name, cand, SL_MAX_NAME);
            if (!best || dist < best_d || (dist == best_d && strcmp(cand, best) < 0)) {
                char *c = strdup(cand);
                if (!c)
                    continue;
                free(best);
                best = c;
                best_d = dist;
            }
        }
        closedir(d);
    }
    return best;
}

int sl_plugin_find(const sl_search_path *sp, int kind, const char *name, sl_plugin_handle **out, char **err)
{
    *out = NULL;
    const char *kname = sl_kind_name(kind);
    if (!name || !valid_name(name, SL_MAX_NAME)) {
        if (err)
            *err = sl_strfmt("invalid %s plugin name \"%s\" (plugin names use a-z, 0-9 and _)", kname,
                             name ? name : "");
        return -1;
    }
    char *path = sl_plugin_locate(sp, kind, name);
    if (path) {
        int rc = sl_plugin_open(path, out, err);
        free(path);
        return rc;
    }
    if (err) {
        char *dirs = sp_describe(sp);
        char *near = suggest_plugin(sp, kind, name);
        *err = sl_strfmt("no %s plugin \"%s\": looked for %s_%s.so in %s%s%s%s", kname, name, kname, name,
                         sp->n ? (dirs ? dirs : "?") : "(no folders)", near ? "; did you mean \"" : "",
                         near ? near : "", near ? "\"?" : "");
        free(near);
        free(dirs);
    }
    return -1;
}

/* ---- listing -------------------------------------------------------------- */

typedef struct list_acc {
    sl_plugin_handle **h;
    size_t n, cap;
    char **seen; /* file names already taken by an earlier folder */
    size_t nseen, capseen;
} list_acc;

static int push_handle(list_acc *acc, sl_plugin_handle *h)
{
    if (acc->n == acc->cap) {
        size_t c = acc->cap ? acc->cap * 2 : 16;
        sl_plugin_handle **a = realloc(acc->h, c * sizeof *a);
        if (!a)
            return -1;
        acc->h = a;
        acc->cap = c;
    }
    acc->h[acc->n++] = h;
    return 0;
}

static int push_seen(list_acc *acc, char *file)
{
    if (acc->nseen == acc->capseen) {
        size_t c = acc->capseen ? acc->capseen * 2 : 16;
        char **a = realloc(acc->seen, c * sizeof *a);
        if (!a)
            return -1;
        acc->seen = a;
        acc->capseen = c;
    }
    acc->seen[acc->nseen++] = file;
    return 0;
}

static int seen_before(const list_acc *acc, const char *file)
{
    for (size_t i = 0; i < acc->nseen; i++)
        if (strcmp(acc->seen[i], file) == 0)
            return 1;
    return 0;
}

static void warn_fmt(void (*warn)(const char *), char *msg)
{
    if (warn && msg)
        warn(msg);
    free(msg);
}

/* Considers one directory entry. Returns -1 only when out of memory. */
static int list_entry(list_acc *acc, const char *dir, const char *file, void (*warn)(const char *))
{
    size_t len = strlen(file);
    if (len < 4 || strcmp(file + len - 3, ".so") != 0 || seen_before(acc, file))
        return 0;
    char *path = sl_path_join(dir, file);
    char *copy = strdup(file);
    if (!path || !copy || push_seen(acc, copy) != 0) {
        free(path);
        free(copy);
        return -1;
    }
    char name[SL_MAX_NAME + 1];
    if (!parse_file_name(file, name, sizeof name)) {
        warn_fmt(warn, sl_strfmt("%s: skipped: not named <kind>_<name>.so", path));
        free(path);
        return 0;
    }
    sl_plugin_handle *h = NULL;
    char *err = NULL;
    if (sl_plugin_open(path, &h, &err) != 0) {
        warn_fmt(warn, err);
    } else if (push_handle(acc, h) != 0) {
        sl_plugin_close(&h);
        free(path);
        return -1;
    }
    free(path);
    return 0;
}

static int cmp_handles(const void *a, const void *b)
{
    const sl_plugin_handle *x = *(sl_plugin_handle *const *)a, *y = *(sl_plugin_handle *const *)b;
    if (x->desc->kind != y->desc->kind)
        return x->desc->kind - y->desc->kind;
    return strcmp(x->desc->name, y->desc->name);
}

int sl_plugin_list(const sl_search_path *sp, sl_plugin_handle ***out, size_t *n, void (*warn)(const char *msg))
{
    list_acc acc = {0};
    int rc = 0;
    for (size_t i = 0; i < sp->n && rc == 0; i++) {
        DIR *d = opendir(sp->dirs[i]);
        if (!d)
            continue; /* the install folder of an uninstalled build, say */
        struct dirent *de;
        while (rc == 0 && (de = readdir(d)) != NULL)
            rc = list_entry(&acc, sp->dirs[i], de->d_name, warn);
        closedir(d);
    }
    for (size_t i = 0; i < acc.nseen; i++)
        free(acc.seen[i]);
    free(acc.seen);
    if (rc != 0) {
        for (size_t i = 0; i < acc.n; i++)
            sl_plugin_close(&acc.h[i]);
        free(acc.h);
        *out = NULL;
        *n = 0;
        return -1;
    }
    if (acc.n)
        qsort(acc.h, acc.n, sizeof *acc.h, cmp_handles);
    *out = acc.h;
    *n = acc.n;
    return 0;
}
