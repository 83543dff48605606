/* cursor.c - the file source's cursor (see cursor.h).
 *
 * The cursor object is built once per run and updated in place: each file's
 * entry keeps pointers to its "offset" and "line" integers, so recording
 * progress is two json_integer_set() calls and only sl_file_cursor_post()
 * copies the object (every few thousand records). */
#include "cursor.h"

#include <stdlib.h>
#include <string.h>

typedef struct file_entry {
    json_t *obj;    /* borrowed from root: this file's entry */
    json_t *offset; /* borrowed: obj["offset"] */
    json_t *line;   /* borrowed: obj["line"] */
    char *key;      /* owned: absolute path */
} file_entry;

struct sl_file_cursor {
    json_t *root; /* owned: {"files": {...}} */
    file_entry *files; /* owned, one per path */
    size_t n;
    char *const *paths; /* borrowed */
    int dirty;    /* changed since the last post */
    int can_post; /* the host takes positions (ABI 1.1) */
};

/* The 1.1 slots exist in this host and are filled. */
static int host_has_cursors(sluice_ctx *ctx)
{
    const sluice_host *h = sluice_host_of_ctx(ctx);
    return h->abi_minor >= 1 && h->struct_size >= offsetof(sluice_host, position) + sizeof h->position &&
           h->cursor != NULL && h->position != NULL;
}

/* The key of a file in the cursor: its absolute path with symlinks and
 * "./" resolved, or the path as given when that fails. Owned. */
static char *file_key(const char *path)
{
    char *abs = realpath(path, NULL);
    return abs != NULL ? abs : strdup(path);
}

static int get_uint(json_t *obj, const char *name, json_int_t *out)
{
    json_t *v = json_object_get(obj, name);
    if (!json_is_integer(v))
        return -1;
    *out = json_integer_value(v);
    return 0;
}

/* A new entry {"offset", "line", "dev", "ino"} for file slot e. Returns 0
 * or -1 when out of memory. */
static int entry_make(file_entry *e, json_t *files, json_int_t offset, json_int_t line, json_int_t dev,
                      json_int_t ino)
{
    json_t *existing = json_object_get(files, e->key);
    if (existing != NULL) { /* two matches naming one file share its entry */
        e->obj = existing;
        e->offset = json_object_get(existing, "offset");
        e->line = json_object_get(existing, "line");
        return 0;
    }
    json_t *obj = json_pack("{sIsIsIsI}", "offset", offset, "line", line, "dev", dev, "ino", ino);
    if (obj == NULL || json_object_set_new(files, e->key, obj) != 0)
        return -1;
    e->obj = obj;
    e->offset = json_object_get(obj, "offset");
    e->line = json_object_get(obj, "line");
    return 0;
}

/* Checks entry e against what stat says of its file now: another file at
 * that path, or one shorter than the offset, is read from the start. Only
 * an entry that would skip something is worth a warning. */
static void entry_check(sl_file_cursor *c, sluice_ctx *ctx, file_entry *e, const struct stat *st)
{
    json_int_t offset = json_integer_value(e->offset), dev = 0, ino = 0;
    (void)get_uint(e->obj, "dev", &dev);
    (void)get_uint(e->obj, "ino", &ino);
    int replaced = dev != (json_int_t)st->st_dev || ino != (json_int_t)st->st_ino;
    int truncated = !replaced && (json_int_t)st->st_size < offset;
    if (offset > 0 && replaced)
        sluice_warn(ctx, "%s is another file than the last run read (device/inode changed): reading it from the start",
                    e->key);
    else if (offset > 0 && truncated)
        sluice_warn(ctx, "%s is shorter (%lld bytes) than where the last run stopped (%lld): truncated, reading it from the start",
                    e->key, (long long)st->st_size, (long long)offset);
    if (replaced || truncated) {
        json_object_set_new(e->obj, "dev", json_integer((json_int_t)st->st_dev));
        json_object_set_new(e->obj, "ino", json_integer((json_int_t)st->st_ino));
        json_integer_set(e->offset, 0);
        json_integer_set(e->line, 1);
        c->dirty = 1;
    }
}

/* Fills slot i from the committed entry of its file, if any and sound. */
static int entry_init(sl_file_cursor *c, sluice_ctx *ctx, json_t *old_files, json_t *files, size_t i)
{
    file_entry *e = &c->files[i];
    if ((e->key = file_key(c->paths[i])) == NULL)
        return -1;
    json_t *old = json_object_get(old_files, e->key);
    json_int_t offset = 0, line = 1, dev = 0, ino = 0;
    if (old != NULL &&
        (get_uint(old, "offset", &offset) != 0 || offset < 0 || get_uint(old, "dev", &dev) != 0 ||
         get_uint(old, "ino", &ino) != 0)) {
        sluice_warn(ctx, "%s: the committed cursor entry is malformed: reading the file from the start", e->key);
        offset = dev = ino = 0;
    }
    if (offset > 0 && (get_uint(old, "line", &line) != 0 || line < 1))
        line = 1; /* only line numbers in messages suffer */
    if (entry_make(e, files, offset, line, dev, ino) != 0)
        return -1;
    struct stat st;
    if (stat(c->paths[i], &st) == 0)
        entry_check(c, ctx, e, &st);
    return 0;
}

int sl_file_cursor_open(sluice_ctx *ctx, char *const *paths, size_t n, sl_file_cursor **out)
{
    *out = NULL;
    sl_file_cursor *c = calloc(1, sizeof *c);
    if (c == NULL)
        return SLUICE_ENOMEM;
    c->paths = paths;
    c->n = n;
    c->can_post = host_has_cursors(ctx);
    json_t *committed = c->can_post ? sluice_cursor(ctx) : NULL; /* borrowed */
    json_t *old_files = json_object_get(committed, "files");
    if (committed != NULL && !json_is_object(old_files))
        sluice_warn(ctx, "the committed cursor has no \"files\" object: reading every file from the start");
    json_t *files = json_object();
    c->root = json_pack("{so}", "files", files); /* steals files, also on failure */
    c->files = calloc(n > 0 ? n : 1, sizeof *c->files);
    int rc = c->root != NULL && c->files != NULL ? SLUICE_OK : SLUICE_ENOMEM;
    for (size_t i = 0; i < n && rc == SLUICE_OK; i++)
        if (entry_init(c, ctx, old_files, files, i) != 0)
            rc = SLUICE_ENOMEM;
    if (rc != SLUICE_OK) {
        sl_file_cursor_free(&c);
        return rc;
    }
    /* Files the committed cursor names but this run does not match drop
     * out, which the next commit should record. */
    c->dirty = c->dirty || !json_equal(committed, c->root);
    *out = c;
    return SLUICE_OK;
}

void sl_file_cursor_free(sl_file_cursor **c)
{
    if (c == NULL || *c == NULL)
        return;
    for (size_t i = 0; (*c)->files != NULL && i < (*c)->n; i++)
        free((*c)->files[i].key);
    free((*c)->files);
    json_decref((*c)->root);
    free(*c);
    *c = NULL;
}

void sl_file_cursor_start(sl_file_cursor *c, sluice_ctx *ctx, size_t i, const struct stat *st,
                          uint64_t *offset, uint64_t *line)
{
    file_entry *e = &c->files[i];
    entry_check(c, ctx, e, st);
    *offset = (uint64_t)json_integer_value(e->offset);
    *line = (uint64_t)json_integer_value(e->line);
}

void sl_file_cursor_advance(sl_file_cursor *c, size_t i, uint64_t offset, uint64_t line)
{
    file_entry *e = &c->files[i];
    if ((uint64_t)json_integer_value(e->offset) == offset)
        return;
    json_integer_set(e->offset, (json_int_t)offset);
    json_integer_set(e->line, (json_int_t)line);
    c->dirty = 1;
}

int sl_file_cursor_post(sl_file_cursor *c, sluice_ctx *ctx)
{
    if (!c->dirty)
        return SLUICE_OK;
    c->dirty = 0;
    if (!c->can_post)
        return SLUICE_OK;
    json_t *copy = json_deep_copy(c->root);
    if (copy == NULL)
        return SLUICE_ENOMEM;
    return sluice_position(ctx, copy); /* steals copy */
}
