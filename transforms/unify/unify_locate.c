/*
 * unify_locate.c - where the built-in mappings are.
 *
 * The mappings are installed beside the plugins the way the loader finds
 * plugins beside the binary: relative to this plugin's own .so, which
 * dladdr() names. In the build tree the .so is <build>/plugins/ and the
 * build copies the mappings to <build>/mappings/; installed, the .so is in
 * <prefix>/<libdir>/sluice/plugins/ and the mappings in
 * <prefix>/<datadir>/sluice/mappings/ (SL_UNIFY_SHARE_RELDIR is the way
 * from one to the other, worked out by CMake). $SLUICE_MAPPING_PATH, a
 * colon-separated list of folders, is searched first.
 */
#define _GNU_SOURCE
#include "unify.h"

#include <dirent.h>
#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#ifndef SL_UNIFY_SHARE_RELDIR
#define SL_UNIFY_SHARE_RELDIR "../../../share/sluice/mappings"
#endif

#define MAX_DIRS 16

/* Any object of this .so serves dladdr(). */
static const char anchor = 0;

typedef struct dir_list {
    char *dirs[MAX_DIRS]; /* owned */
    size_t n;
} dir_list;

static void add_dir(dir_list *l, const char *dir, size_t len)
{
    if (len == 0 || l->n == MAX_DIRS)
        return;
    char *d = strndup(dir, len);
    if (d)
        l->dirs[l->n++] = d;
}

static void plugin_dirs(dir_list *l)
{
    Dl_info info;
    char real[PATH_MAX], buf[PATH_MAX + 64];
    if (!dladdr(&anchor, &info) || !info.dli_fname || !realpath(info.dli_fname, real))
        return;
    char *slash = strrchr(real, '/');
    if (!slash)
        return;
    *slash = '\0';
    int n = snprintf(buf, sizeof buf, "%s/../mappings", real);
    if (n > 0 && (size_t)n < sizeof buf)
        add_dir(l, buf, (size_t)n);
    n = snprintf(buf, sizeof buf, "%s/%s", real, SL_UNIFY_SHARE_RELDIR);
    if (n > 0 && (size_t)n < sizeof buf)
        add_dir(l, buf, (size_t)n);
}

static void search_dirs(dir_list *l)
{
    const char *env = getenv("SLUICE_MAPPING_PATH");
    l->n = 0;
    while (env && *env) {
        size_t len = strcspn(env, ":");
        add_dir(l, env, len);
        env += len + (env[len] == ':');
    }
    plugin_dirs(l);
}

static void free_dirs(dir_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->dirs[i]);
    l->n = 0;
}

char *ufy_locate(const char *file)
{
    dir_list l;
    char path[PATH_MAX];
    char *found = NULL;
    struct stat sb;
    search_dirs(&l);
    for (size_t i = 0; i < l.n && !found; i++) {
        int n = snprintf(path, sizeof path, "%s/%s", l.dirs[i], file);
        if (n > 0 && (size_t)n < sizeof path && stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
            found = realpath(path, NULL);
    }
    free_dirs(&l);
    return found;
}

void ufy_search_dirs(char *buf, size_t size)
{
    dir_list l;
    size_t len = 0;
    search_dirs(&l);
    buf[0] = '\0';
    for (size_t i = 0; i < l.n; i++) {
        char real[PATH_MAX];
        const char *d = realpath(l.dirs[i], real) ? real : l.dirs[i];
        int n = snprintf(buf + len, size - len, "%s%s", i ? ", " : "", d);
        if (n < 0 || (size_t)n >= size - len)
            break;
        len += (size_t)n;
    }
    free_dirs(&l);
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Names NAME of the files NAME.json in dir (NAME of [a-z0-9_]), appended
 * to names unless there already. */
static void names_in(const char *dir, char **names, size_t *n, size_t max)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) && *n < max) {
        size_t len = strlen(e->d_name);
        if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0 || strspn(e->d_name, "abcdefghijklmnopqrstuvwxyz0123456789_") != len - 5)
            continue;
        int seen = 0;
        for (size_t k = 0; k < *n && !seen; k++)
            seen = strncmp(names[k], e->d_name, len - 5) == 0 && names[k][len - 5] == '\0';
        if (!seen && (names[*n] = strndup(e->d_name, len - 5)))
            (*n)++;
    }
    if (d)
        closedir(d);
}

void ufy_builtin_names(char *buf, size_t size)
{
    dir_list l;
    char *names[64];
    size_t n = 0, len = 0;
    search_dirs(&l);
    for (size_t i = 0; i < l.n; i++)
        names_in(l.dirs[i], names, &n, sizeof names / sizeof names[0]);
    free_dirs(&l);
    qsort(names, n, sizeof names[0], by_name);
    buf[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        int w = snprintf(buf + len, size - len, "%s%s", k ? ", " : "", names[k]);
        if (w > 0 && (size_t)w < size - len)
            len += (size_t)w;
        free(names[k]);
    }
}
