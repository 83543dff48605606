/* paths.c - glob expansion of the `path` option (see paths.h). */
#include "paths.h"

#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void sl_paths_free(char ***paths, size_t n)
{
    if (paths == NULL || *paths == NULL)
        return;
    for (size_t i = 0; i < n; i++)
        free((*paths)[i]);
    free(*paths);
    *paths = NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int expand_literal(const char *path, char ***out, size_t *n)
{
    char **list = malloc(sizeof *list);
    if (list == NULL || (list[0] = strdup(path)) == NULL) {
        free(list);
        return ENOMEM;
    }
    *out = list;
    *n = 1;
    return 0;
}

/* Copies the glob matches that are not directories, sorted. */
static int collect_matches(const glob_t *g, char ***out, size_t *n)
{
    char **list = calloc(g->gl_pathc > 0 ? g->gl_pathc : 1, sizeof *list);
    if (list == NULL)
        return ENOMEM;
    size_t k = 0;
    for (size_t i = 0; i < g->gl_pathc; i++) {
        if (is_dir(g->gl_pathv[i]))
            continue;
        if ((list[k] = strdup(g->gl_pathv[i])) == NULL) {
            sl_paths_free(&list, k);
            return ENOMEM;
        }
        k++;
    }
    if (k == 0) {
        free(list);
        return ENOENT;
    }
    qsort(list, k, sizeof *list, cmp_str);
    *out = list;
    *n = k;
    return 0;
}

int sl_paths_expand(const char *pattern, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    struct stat st;
    if (stat(pattern, &st) == 0)
        return S_ISDIR(st.st_mode) ? EISDIR : expand_literal(pattern, out, n);
    int stat_errno = errno;
    if (strpbrk(pattern, "*?[") == NULL)
        return stat_errno;

    glob_t g;
    memset(&g, 0, sizeof g);
    int rc = glob(pattern, GLOB_NOSORT, NULL, &g);
    if (rc == GLOB_NOSPACE) {
        globfree(&g);
        return ENOMEM;
    }
    if (rc != 0) { /* GLOB_NOMATCH, or GLOB_ABORTED on an unreadable folder */
        globfree(&g);
        return ENOENT;
    }
    rc = collect_matches(&g, out, n);
    globfree(&g);
    return rc;
}
