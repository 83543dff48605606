/*
 * id_keys.c - the keys a record names its customer by.
 *
 * E-mails and phones go through the normalize transform's own rules
 * (compiled in), so "Ivan@Mail.RU " and "ivan@mail.ru", "8 (912) 345-67-89"
 * and "+79123456789" are one key each; values those rules call invalid are
 * skipped and counted, never linked. Ids of records in systems are taken as
 * they are, trimmed (an integer 42 and the text "42" are the same id).
 */
#include "identity.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ID_TEXT_MAX 64 /* an integer's text */

/* Adds a key (text owned, taken even on failure) unless it is there already. */
static int push(id_keys *k, char *text, const char *reason, int anchor)
{
    if (!text)
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < k->n; i++)
        if (strcmp(k->v[i].text, text) == 0) {
            k->v[i].anchor |= anchor;
            free(text);
            return SLUICE_OK;
        }
    if (k->n == k->cap) {
        size_t cap = k->cap ? k->cap * 2 : 16;
        id_key *v = realloc(k->v, cap * sizeof *v);
        if (!v) {
            free(text);
            return SLUICE_ENOMEM;
        }
        k->v = v;
        k->cap = cap;
    }
    k->v[k->n++] = (id_key){ .text = text, .reason = reason, .anchor = anchor, .node = ID_NONE, .root = ID_NONE };
    return SLUICE_OK;
}

/* "kind:a" or "kind:a:b" (b may be NULL). */
static char *join(const char *kind, const char *a, size_t alen, const char *b, size_t blen)
{
    size_t klen = strlen(kind), len = klen + 1 + alen + (b ? 1 + blen : 0);
    char *t = malloc(len + 1), *p = t;
    if (!t)
        return NULL;
    memcpy(p, kind, klen);
    p += klen;
    *p++ = ':';
    memcpy(p, a, alen);
    p += alen;
    if (b) {
        *p++ = ':';
        memcpy(p, b, blen);
        p += blen;
    }
    *p = '\0';
    return t;
}

/* The text of an id: a string trimmed of ASCII white space, or an integer
 * (a float that is a whole number counts as one). Returns 0 with s/len set
 * (s may point into buf), or -1 when v is no usable id. */
static int id_text(json_t *v, char buf[ID_TEXT_MAX], const char **s, size_t *len)
{
    if (json_is_string(v)) {
        const char *t = json_string_value(v);
        size_t a = 0, b = json_string_length(v);
        while (a < b && strchr(" \t\r\n", t[a]))
            a++;
        while (b > a && strchr(" \t\r\n", t[b - 1]))
            b--;
        if (a == b || memchr(t + a, '\0', b - a))
            return -1;
        *s = t + a;
        *len = b - a;
        return 0;
    }
    json_int_t i;
    if (json_is_integer(v))
        i = json_integer_value(v);
    else if (json_is_real(v) && json_real_value(v) > -9e15 && json_real_value(v) < 9e15 &&
             json_real_value(v) == (double)(json_int_t)json_real_value(v))
        i = (json_int_t)json_real_value(v);
    else
        return -1;
    *len = (size_t)snprintf(buf, ID_TEXT_MAX, "%" JSON_INTEGER_FORMAT, i);
    *s = buf;
    return 0;
}

static int push_ref(id_keys *k, json_t *system, json_t *id, const char *reason, int anchor)
{
    char sb[ID_TEXT_MAX], ib[ID_TEXT_MAX];
    const char *s, *i;
    size_t slen, ilen;
    if (id_text(system, sb, &s, &slen) != 0 || id_text(id, ib, &i, &ilen) != 0)
        return SLUICE_OK;
    return push(k, join("ref", s, slen, i, ilen), reason, anchor);
}

/* One value (or each of an array's values) through a normalize rule. */
static int push_normal(id_keys *k, norm_work *w, norm_rule_fn rule, const char *kind, json_t *v, const char *reason)
{
    if (json_is_array(v)) {
        for (size_t i = 0; i < json_array_size(v); i++) {
            int rc = push_normal(k, w, rule, kind, json_array_get(v, i), reason);
            if (rc != SLUICE_OK)
                return rc;
        }
        return SLUICE_OK;
    }
    if (!v || json_is_null(v))
        return SLUICE_OK;
    json_t *out = NULL;
    int rc = rule(w, v, &out);
    if (rc == NORM_INVALID) {
        k->invalid++;
        return SLUICE_OK;
    }
    if (rc != SLUICE_OK)
        return rc;
    if (json_is_string(out))
        rc = push(k, join(kind, json_string_value(out), json_string_length(out), NULL, 0), reason, 0);
    json_decref(out);
    return rc;
}

static int push_fields(id_keys *k, norm_work *w, norm_rule_fn rule, const char *kind, const char *const *fields,
                       size_t n, json_t *rec)
{
    for (size_t f = 0; f < n; f++) {
        int rc = push_normal(k, w, rule, kind, json_object_get(rec, fields[f]), fields[f]);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

static int push_crossrefs(id_keys *k, const id_spec *spec, json_t *rec)
{
    for (size_t r = 0; r < spec->nrefs; r++) {
        const id_ref *ref = &spec->refs[r];
        json_t *sys = ref->system_is_field ? json_object_get(rec, ref->system) : NULL;
        json_t *own = NULL;
        if (!ref->system_is_field && !(sys = own = json_string(ref->system)))
            return SLUICE_ENOMEM;
        json_t *v = json_object_get(rec, ref->field);
        int rc = SLUICE_OK;
        if (json_is_array(v))
            for (size_t i = 0; rc == SLUICE_OK && i < json_array_size(v); i++)
                rc = push_ref(k, sys, json_array_get(v, i), ref->field, 0);
        else
            rc = push_ref(k, sys, v, ref->field, 0);
        json_decref(own);
        if (rc != SLUICE_OK)
            return rc;
    }
    return SLUICE_OK;
}

/* A customer's own id, then the ids in its `sources` list: anchors. */
static int push_own(id_keys *k, const id_plan *plan, json_t *rec, const char *stage)
{
    json_t *sys = json_object_get(rec, plan->system_field), *dflt = NULL;
    if (!json_is_string(sys) && stage && !(sys = dflt = json_string(stage)))
        return SLUICE_ENOMEM;
    int rc = push_ref(k, sys, json_object_get(rec, plan->external_id_field), plan->external_id_field, 1);
    json_decref(dflt);
    json_t *list = json_object_get(rec, plan->sources_field);
    for (size_t i = 0; rc == SLUICE_OK && json_is_array(list) && i < json_array_size(list); i++) {
        json_t *o = json_array_get(list, i);
        rc = push_ref(k, json_object_get(o, "system"), json_object_get(o, "external_id"), plan->sources_field, 1);
    }
    return rc;
}

int id_keys_extract(id_keys *k, const id_plan *plan, const id_spec *spec, json_t *rec, const char *stage,
                    norm_work *w)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->v[i].text);
    k->n = 0;
    int rc = spec->customer ? push_own(k, plan, rec, stage) : SLUICE_OK;
    if (rc == SLUICE_OK)
        rc = push_fields(k, w, norm_email, "email", spec->email, spec->nemail, rec);
    if (rc == SLUICE_OK)
        rc = push_fields(k, w, norm_phone, "phone", spec->phone, spec->nphone, rec);
    if (rc == SLUICE_OK)
        rc = push_crossrefs(k, spec, rec);
    /* A customer record with no id of its own is known by its first key. */
    if (rc == SLUICE_OK && spec->customer && k->n > 0)
        k->v[0].anchor = 1;
    return rc;
}

void id_keys_free(id_keys *k)
{
    for (size_t i = 0; i < k->n; i++)
        free(k->v[i].text);
    free(k->v);
    memset(k, 0, sizeof *k);
}

const char *id_key_display(const char *key) { return strncmp(key, "ref:", 4) == 0 ? key + 4 : key; }
