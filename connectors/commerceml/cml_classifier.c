/* cml_classifier.c - Классификатор: the group tree (streamed, one level at
 * a time, since a tree may hold thousands of groups), and the small lookup
 * tables products and offers are resolved against: properties and their
 * value lists, price types, warehouses. */
#include "cml_int.h"

#include <stdlib.h>
#include <string.h>

/* Joins group names into a path. */
#define CML_PATH_SEP " / "

static char *join_path(const char *parent_path, const char *name)
{
    slx_buf b = {0};
    if (parent_path != NULL && parent_path[0] != '\0') {
        slx_buf_add(&b, parent_path, strlen(parent_path));
        slx_buf_add(&b, CML_PATH_SEP, strlen(CML_PATH_SEP));
    }
    slx_buf_add(&b, name, strlen(name));
    if (b.oom) {
        slx_buf_free(&b);
        return NULL;
    }
    return b.p;
}

/* A group read so far: Ид and Наименование come before its subgroups. */
typedef struct group {
    char *id, *name, *path; /* owned */
    const char *parent_id;  /* borrowed from the enclosing group */
    long line;
    int done;               /* emitted (or rejected) */
} group;

static int emit_group(cml_file *f, group *g, const char *parent_path)
{
    g->done = 1;
    g->path = join_path(parent_path, g->name != NULL ? g->name : (g->id != NULL ? g->id : ""));
    if (g->path == NULL)
        return SLX_ENOMEM;
    if (g->id == NULL)
        return cml_reject(f, CML_S_GROUPS, NULL, g->line, "group (Группа) without Ид");
    json_t *entry = json_pack("{s:s*, s:s}", "name", g->name, "path", g->path);
    if (entry == NULL || json_object_set_new_nocheck(f->p->groups, g->id, entry) != 0)
        return SLX_ENOMEM;
    json_t *rec = json_pack("{s:s, s:s*, s:s?, s:s}", "id", g->id, "name", g->name, "parent_id", g->parent_id,
                            "path", g->path);
    return cml_emit(f, CML_S_GROUPS, rec, g->line);
}

static int read_groups_of(cml_file *f, int depth, const char *parent_id, const char *parent_path);

static int take(cml_file *f, char **dst)
{
    int rc;
    char *t = cml_take_text(f, &rc);
    if (t != NULL) {
        free(*dst);
        *dst = t;
    }
    return rc;
}

/* With the reader on a Группа at `depth`. */
static int read_group(cml_file *f, int depth, const char *parent_id, const char *parent_path)
{
    group g = {.parent_id = parent_id, .line = slx_line(&f->rd)};
    int rc = 0, r = SLX_OK;
    while (r == SLX_OK && (rc = slx_next_child(&f->rd, depth)) == 1) {
        const char *name = slx_local_name(&f->rd);
        if (strcmp(name, "Ид") == 0)
            r = take(f, &g.id);
        else if (strcmp(name, "Наименование") == 0)
            r = take(f, &g.name);
        else if (strcmp(name, "Группы") == 0) {
            if (!g.done)
                r = emit_group(f, &g, parent_path);
            if (r == SLX_OK)
                r = read_groups_of(f, depth + 1, g.id, g.path);
        }
    }
    if (r == SLX_OK && rc < 0)
        r = cml_rd_status(f);
    if (r == SLX_OK && !g.done)
        r = emit_group(f, &g, parent_path);
    free(g.id);
    free(g.name);
    free(g.path);
    return r;
}

static int read_groups_of(cml_file *f, int depth, const char *parent_id, const char *parent_path)
{
    int rc;
    while ((rc = slx_next_child(&f->rd, depth)) == 1) {
        if (strcmp(slx_local_name(&f->rd), "Группа") != 0)
            continue;
        int r = read_group(f, depth + 1, parent_id, parent_path);
        if (r != SLX_OK)
            return r;
    }
    return rc == 0 ? SLX_OK : cml_rd_status(f);
}

int cml_read_groups(cml_file *f, int depth) { return read_groups_of(f, depth, NULL, NULL); }

/* Свойство/ВариантыЗначений/Справочник{ИдЗначения, Значение} as an
 * object. */
static json_t *value_list(cml_file *f, const xmlNode *n)
{
    json_t *values = json_object();
    const xmlNode *list = slx_child(n, "ВариантыЗначений");
    for (const xmlNode *c = slx_first_elem(list); values != NULL && c != NULL; c = slx_next_elem(c)) {
        if (!slx_is(c, "Справочник"))
            continue;
        const char *vid = slx_child_text(c, "ИдЗначения", &f->p->t1);
        const char *val = slx_child_text(c, "Значение", &f->p->t2);
        if (vid != NULL && val != NULL && json_object_set_new_nocheck(values, vid, json_string_nocheck(val)) != 0) {
            json_decref(values);
            return NULL;
        }
    }
    return values;
}

int cml_read_property(cml_file *f, const xmlNode *n)
{
    const char *id = slx_child_text(n, "Ид", &f->p->t3);
    if (id == NULL)
        return f->p->t3.oom ? SLX_ENOMEM : SLX_OK; /* nothing to resolve against */
    json_t *values = value_list(f, n);
    const char *name = slx_child_text(n, "Наименование", &f->p->t1);
    json_t *entry = values != NULL ? json_pack("{s:s*, s:o}", "name", name, "values", values) : NULL;
    if (entry == NULL || json_object_set_new_nocheck(f->p->props, id, entry) != 0)
        return SLX_ENOMEM;
    return SLX_OK;
}

static int set_owned(char **dst, const char *v)
{
    char *copy = strdup(v);
    if (copy == NULL)
        return SLX_ENOMEM;
    free(*dst);
    *dst = copy;
    return SLX_OK;
}

int cml_read_price_type(cml_file *f, const xmlNode *n)
{
    cml_parser *p = f->p;
    char *id = NULL;
    const char *t = slx_child_text(n, "Ид", &p->t3);
    if (t == NULL || set_owned(&id, t) != SLX_OK)
        return p->t3.oom ? SLX_ENOMEM : SLX_OK;
    const char *name = slx_child_text(n, "Наименование", &p->t1);
    const char *cur = slx_child_text(n, "Валюта", &p->t2);
    int rc = SLX_OK;
    json_t *entry = json_pack("{s:s*, s:s*}", "name", name, "currency", cur);
    if (entry == NULL || json_object_set_new_nocheck(p->price_types, id, entry) != 0)
        rc = SLX_ENOMEM;
    if (rc == SLX_OK && f->types_declared++ == 0)
        rc = set_owned(&p->first_type, id);
    const char *want = p->opt.price_type;
    if (rc == SLX_OK && want != NULL && (strcmp(id, want) == 0 || (name != NULL && strcmp(name, want) == 0)))
        rc = set_owned(&p->chosen_type, id);
    free(id);
    return rc;
}

int cml_read_warehouse(cml_file *f, const xmlNode *n)
{
    const char *id = slx_child_text(n, "Ид", &f->p->t3);
    const char *name = slx_child_text(n, "Наименование", &f->p->t1);
    if (id == NULL || name == NULL)
        return f->p->t3.oom || f->p->t1.oom ? SLX_ENOMEM : SLX_OK;
    return json_object_set_new_nocheck(f->p->warehouses, id, json_string_nocheck(name)) == 0 ? SLX_OK : SLX_ENOMEM;
}
