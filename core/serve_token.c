/* serve_token.c - the bearer token of `sluice serve`'s endpoint, read the
 * same way by the server and by `sluice status --server`. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "serve.h"

/* The first line of path without trailing blanks (new string), or NULL
 * with the reason printed. */
static char *read_token_file(const char *path, int warn_perms)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "sluice: --token-file %s: %s\n", path, strerror(errno));
        return NULL;
    }
    struct stat sb;
    if (warn_perms && fstat(fileno(f), &sb) == 0 && (sb.st_mode & 0077))
        fprintf(stderr, "sluice: warning: %s is readable by other users; chmod 600 it\n", path);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    fclose(f);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
        line[--n] = '\0';
    if (n <= 0) {
        free(line);
        fprintf(stderr, "sluice: --token-file %s holds no token\n", path);
        return NULL;
    }
    return line;
}

int sl_serve_token(const char *token_file, int warn_perms, char **out)
{
    *out = NULL;
    if (token_file)
        return (*out = read_token_file(token_file, warn_perms)) ? 0 : -1;
    const char *env = getenv("SLUICE_SERVE_TOKEN");
    if (env && *env && !(*out = strdup(env)))
        return -1;
    return 0;
}
