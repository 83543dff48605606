/* mkdirs.c - creating the parent folders of an output file. */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "mkdirs.h"

/* mkdir() that accepts an existing folder, including one another process
 * created a moment ago. */
static int mkdir_one(const char *dir)
{
    if (mkdir(dir, 0777) == 0)
        return 0;
    int saved = errno;
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return 0;
        errno = ENOTDIR;
        return -1;
    }
    errno = saved;
    return -1;
}

int sink_mkdirs_parent(const char *path)
{
    char buf[PATH_MAX];
    size_t len = strlen(path);
    if (len >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(buf, path, len + 1);
    char *slash = strrchr(buf, '/');
    if (!slash || slash == buf)
        return 0; /* the current folder or "/" */
    *slash = '\0';
    struct stat st;
    if (stat(buf, &st) == 0)
        return S_ISDIR(st.st_mode) ? 0 : (errno = ENOTDIR, -1);
    /* Create each component in turn, skipping empty ones ("a//b"). */
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/' || p[-1] == '/')
            continue;
        *p = '\0';
        int rc = mkdir_one(buf);
        *p = '/';
        if (rc != 0)
            return -1;
    }
    return mkdir_one(buf);
}
