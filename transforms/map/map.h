/*
 * map.h - shared declarations of the `map` transform's files.
 *
 * map.c          descriptor, init/fini, the per-record pipeline
 * map_options.c  reading and validating the options into a map_plan
 * map_text.c     UTF-8 case mapping and trimming (locale independent)
 * map_cast.c     type conversions for the `cast` option
 */
#ifndef SL_MAP_H
#define SL_MAP_H

#include <stddef.h>

#include <jansson.h>

#include "sluice/plugin.h"

typedef enum map_cast_type {
    MAP_CAST_INT = 0,
    MAP_CAST_FLOAT,
    MAP_CAST_BOOL,
    MAP_CAST_STRING
} map_cast_type;

/* rename and copy: from -> to. */
typedef struct map_pair {
    const char *from; /* borrowed from map_plan.opts */
    const char *to;   /* borrowed from map_plan.opts */
} map_pair;

/* set and default: field -> constant. */
typedef struct map_const {
    const char *field; /* borrowed from map_plan.opts */
    json_t *value;     /* borrowed from map_plan.opts; deep-copied into records */
} map_const;

typedef struct map_cast {
    const char *field; /* borrowed from map_plan.opts */
    int type;          /* map_cast_type */
} map_cast;

typedef struct map_fields {
    const char **names; /* owned array; strings borrowed from map_plan.opts */
    size_t n;
} map_fields;

/* Everything init() works out, so that process() only looks things up.
 * Operations run in this struct's order. */
typedef struct map_plan {
    json_t *opts; /* owned: private deep copy of the stage's options */
    map_pair *rename;
    size_t nrename;
    map_pair *copy;
    size_t ncopy;
    map_fields drop;
    map_const *dflt;
    size_t ndflt;
    map_const *set;
    size_t nset;
    map_fields trim;
    map_fields lower;
    map_fields upper;
    map_cast *cast;
    size_t ncast;
} map_plan;

/* Reads and validates every option. Returns SLUICE_OK, or SLUICE_EINVAL
 * after logging an error that names the option and key (the partly built
 * plan must still be freed with map_plan_free), or SLUICE_ENOMEM. */
int map_plan_build(sluice_ctx *ctx, map_plan *plan);
void map_plan_free(map_plan *plan);
/* Total number of operations in the plan. */
size_t map_plan_size(const map_plan *plan);

const char *map_cast_name(int type);

/* ---- map_text.c ---- */

/* Writes the lower/upper case form of the UTF-8 text s[0..len) to out,
 * which must hold at least len bytes (no mapping ever grows the text).
 * Returns the number of bytes written. Invalid UTF-8 bytes are copied. */
size_t map_utf8_lower(const char *s, size_t len, char *out);
size_t map_utf8_upper(const char *s, size_t len, char *out);

/* Narrows [*start, *end) of s to exclude leading and trailing ASCII
 * whitespace and U+00A0. Call with *start = 0, *end = len. */
void map_trim_bounds(const char *s, size_t *start, size_t *end);

/* ---- map_cast.c ---- */

/* Converts v (not NULL, not JSON null) to `type`. Returns 0 with *out set to
 * a new reference, or to NULL when v already has the type; -1 when v does
 * not convert, with a message "cast FIELD to TYPE: VALUE is not ..." in
 * reason[0..reason_size); -2 when memory ran out.
 * Number parsing and formatting follow the C locale: the caller makes sure
 * the thread runs with it (uselocale). */
int map_cast_value(json_t *v, int type, const char *field, json_t **out, char *reason,
                   size_t reason_size);

#endif
