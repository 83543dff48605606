/* xml_files.c - file, folder and glob expansion (see xml_files.h). */
#include "xml_files.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Folder recursion stops here: deeper trees are not exchange folders. */
#define SLX_MAX_DEPTH 16

typedef struct list {
    char **v; /* owned strings */
    size_t n, cap;
} list;

void slx_files_free(char ***files, size_t n)
{
    if (files == NULL || *files == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free((*files)[i]);
    free(*files);
    *files = NULL;
}

static int push(list *l, const char *path)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, cap * sizeof *v);
        if (v == NULL)
            return ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    if ((l->v[l->n] = strdup(path)) == NULL)
        return ENOMEM;
    l->n++;
    return 0;
}

static int has_xml_ext(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".xml") == 0;
}

static int walk(list *l, const char *dir, int depth)
{
    if (depth > SLX_MAX_DEPTH)
        return 0;
    DIR *d = opendir(dir);
    if (d == NULL)
        return errno;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        int n = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof path)
            continue;
        struct stat st;
        if (stat(path, &st) != 0)
            continue; /* vanished or a dangling link: not ours to report */
        if (S_ISDIR(st.st_mode))
            rc = walk(l, path, depth + 1);
        else if (S_ISREG(st.st_mode) && has_xml_ext(e->d_name))
            rc = push(l, path);
    }
    closedir(d);
    return rc;
}

/* One existing path: a file, or a folder to walk. */
static int add_path(list *l, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return errno;
    if (S_ISDIR(st.st_mode))
        return walk(l, path, 0);
    return push(l, path);
}

static int add_glob(list *l, const char *pattern)
{
    glob_t g;
    memset(&g, 0, sizeof g);
    int rc = glob(pattern, GLOB_NOSORT, NULL, &g);
    if (rc != 0) { /* GLOB_NOMATCH, GLOB_ABORTED, GLOB_NOSPACE */
        globfree(&g);
        return rc == GLOB_NOSPACE ? ENOMEM : ENOENT;
    }
    rc = 0;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++)
        rc = add_path(l, g.gl_pathv[i]);
    globfree(&g);
    return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static void sort_unique(list *l)
{
    if (l->n == 0)
        return;
    qsort(l->v, l->n, sizeof *l->v, cmp_str);
    size_t k = 1;
    for (size_t i = 1; i < l->n; i++) {
        if (strcmp(l->v[i], l->v[k - 1]) == 0)
            free(l->v[i]);
        else
            l->v[k++] = l->v[i];
    }
    l->n = k;
}

int slx_files_expand(const char *pattern, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    list l = {0};
    struct stat st;
    int rc;
    if (stat(pattern, &st) == 0)
        rc = add_path(&l, pattern);
    else if (strpbrk(pattern, "*?[") == NULL)
        rc = errno;
    else
        rc = add_glob(&l, pattern);
    if (rc == 0 && l.n == 0)
        rc = ENOENT;
    if (rc != 0) {
        slx_files_free(&l.v, l.n);
        return rc;
    }
    sort_unique(&l);
    *out = l.v;
    *n = l.n;
    return 0;
}
