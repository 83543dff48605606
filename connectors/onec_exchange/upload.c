/* upload.c - the folder 1C's files land in, and the list of them.
 *
 * Names come from the `filename` query parameter, i.e. from the network:
 * only their base name is kept (1C sends images as import_files/ab/x.jpg),
 * so nothing is ever written outside the upload folder. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "onec.h"

int sl_1c_safe_name(const char *raw, char *out)
{
    const char *base = raw;
    for (const char *p = raw; *p != '\0'; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    size_t len = strlen(base);
    if (len == 0 || len > SL_1C_NAME_MAX || base[0] == '.')
        return -1; /* also "." and ".." */
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)base[i] < 0x20 || base[i] == 0x7f)
            return -1;
    memcpy(out, base, len + 1);
    return 0;
}

/* mkdir -p with mode 0700 for the parts it creates. */
static int make_dirs(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf)
        return ENAMETOOLONG;
    for (char *p = buf + 1; *p != '\0'; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0700) != 0 && errno != EEXIST)
            return errno;
        *p = '/';
    }
    if (mkdir(buf, 0700) != 0 && errno != EEXIST)
        return errno;
    struct stat sb;
    if (stat(buf, &sb) != 0)
        return errno;
    return S_ISDIR(sb.st_mode) ? 0 : ENOTDIR;
}

int sl_1c_upload_dir_prepare(sl_1c_config *cfg, const char *stage_id)
{
    if (cfg->upload_dir != NULL)
        return make_dirs(cfg->upload_dir);
    /* A fresh private folder: a fixed name under /tmp could be planted by
     * another user in advance. */
    const char *tmp = getenv("TMPDIR");
    char templ[PATH_MAX];
    if (snprintf(templ, sizeof templ, "%s/sluice-1c-%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", stage_id) >=
        (int)sizeof templ)
        return ENAMETOOLONG;
    if (mkdtemp(templ) == NULL)
        return errno;
    cfg->upload_dir = strdup(templ);
    if (cfg->upload_dir == NULL) {
        rmdir(templ);
        return ENOMEM;
    }
    cfg->upload_dir_temp = 1;
    return 0;
}

int sl_1c_file_path(const sl_1c_config *cfg, const char *name, char *buf, size_t len)
{
    int n = snprintf(buf, len, "%s/%s", cfg->upload_dir, name);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

sl_1c_file *sl_1c_file_find(sl_1c_shared *sh, const char *name)
{
    for (sl_1c_file *f = sh->files; f != NULL; f = f->next)
        if (strcmp(f->name, name) == 0)
            return f;
    return NULL;
}

static int is_xml(const char *name)
{
    size_t n = strlen(name);
    return n > 4 && strcasecmp(name + n - 4, ".xml") == 0;
}

int sl_1c_files_pending(const sl_1c_shared *sh)
{
    for (const sl_1c_file *f = sh->files; f != NULL; f = f->next) {
        if (f->uploading)
            return 1;
        if (is_xml(f->name) && f->state != SL_1C_DONE && f->state != SL_1C_FAILED)
            return 1;
    }
    return 0;
}

void sl_1c_file_drop(sl_1c *st, const char *name)
{
    char path[PATH_MAX];
    for (sl_1c_file **link = &st->sh.files; *link != NULL; link = &(*link)->next) {
        sl_1c_file *f = *link;
        if (strcmp(f->name, name) != 0)
            continue;
        if (sl_1c_file_path(&st->cfg, f->name, path, sizeof path) == 0)
            unlink(path);
        *link = f->next;
        free(f);
        return;
    }
}

/* Busy entries (uploading, or between queued and committed) belong to a
 * request or to the run thread and must stay. */
static int busy(const sl_1c_file *f)
{
    return f->uploading || f->state == SL_1C_QUEUED || f->state == SL_1C_PARSING ||
           f->state == SL_1C_COMMITTING;
}

void sl_1c_files_clear(sl_1c *st, int all)
{
    char path[PATH_MAX];
    sl_1c_file **link = &st->sh.files;
    while (*link != NULL) {
        sl_1c_file *f = *link;
        if (!all && busy(f)) {
            link = &f->next;
            continue;
        }
        /* Only what this run received: the folder may hold other files.
         * At the end, a folder the user chose keeps the last exchange's
         * files to look at; our temporary one goes. */
        if ((!all || st->cfg.upload_dir_temp) && sl_1c_file_path(&st->cfg, f->name, path, sizeof path) == 0)
            unlink(path);
        *link = f->next;
        free(f);
    }
    if (all && st->cfg.upload_dir_temp && st->cfg.upload_dir != NULL)
        rmdir(st->cfg.upload_dir);
}
