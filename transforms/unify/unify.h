/*
 * unify.h - shared declarations of the `unify` transform's files.
 *
 * unify.c           descriptor, init/fini, the per-record work: outputs
 *                   computed, then the record replaced, split or rejected
 * unify_options.c   the option table, settings, overrides merged over the mapping
 * unify_locate.c    finding built-in mappings beside the plugin's own .so
 * unify_compile.c   a mapping document (JSON) checked and turned into a plan
 * unify_canon.c     the canonical model (canonical.schema.json): defaults,
 *                   key fields, types and vocabularies of the output
 * unify_path.c      source paths: a.b[0].c, a[*].b, a[k=v].b, $.root
 * unify_eval.c      one field specification evaluated against a record
 * unify_fn.c        the functions a field may apply (normalisation and casts)
 * unify_decimal.c   exact decimal text: rounding, shifting, trimming
 *
 * The mapping is data: a JSON file per system (mappings/<system>.json)
 * says, per input stream, which canonical records to make and where each
 * of their fields comes from. Normalisation is the `normalize` transform's
 * own code (its rule files are compiled into this plugin), so a value
 * normalised here is byte for byte what `normalize` would give.
 */
#ifndef SL_UNIFY_H
#define SL_UNIFY_H

#include <stddef.h>

#include <jansson.h>

#include "sluice/plugin.h"

#include "normalize.h"

/* A value or record that cannot be mapped: ufy_work.reason says why.
 * Positive, like NORM_INVALID, so it never collides with sluice_status. */
#define UFY_INVALID NORM_INVALID

/* Longest reason text, including the NUL. */
#define UFY_REASON_MAX 512

/* Name of the canonical model's file among the built-in mappings. */
#define UFY_CANON_FILE "canonical.schema.json"

typedef enum ufy_on_invalid {
    UFY_INVALID_UNSET = -1, /* a field without its own setting follows the stage's */
    UFY_INVALID_REJECT = 0, /* the record is dead-lettered */
    UFY_INVALID_NULL = 1    /* the field (or list item) is left empty and noted */
} ufy_on_invalid;

typedef enum ufy_unmapped {
    UFY_UNMAPPED_PASS = 0,
    UFY_UNMAPPED_DROP,
    UFY_UNMAPPED_REJECT
} ufy_unmapped;

/* ---- unify_path.c ---- */

typedef struct ufy_path ufy_path;

/* Parses a source path (README.md, "Paths"). Returns SLUICE_OK with *out
 * owned by the caller, SLUICE_EINVAL with a message in err, or
 * SLUICE_ENOMEM. */
int ufy_path_parse(const char *text, ufy_path **out, char *err, size_t err_size);
void ufy_path_free(ufy_path **p);
/* Does the path select several values ([*])? Its result is then a list. */
int ufy_path_multi(const ufy_path *p);
/* The value at the path, starting from `item` (or from `root` for paths
 * written with a leading "$"). *out is a new reference: the value, JSON
 * null when it is missing, or for a multi path a new array of the values
 * found (maybe empty). Returns SLUICE_OK or SLUICE_ENOMEM. */
int ufy_path_eval(const ufy_path *p, json_t *root, json_t *item, json_t **out);

/* ---- unify_fn.c ---- */

typedef enum ufy_fn_kind {
    UFY_FN_EMAIL = 0,
    UFY_FN_PHONE,
    UFY_FN_NAME,
    UFY_FN_CURRENCY,
    UFY_FN_MONEY,
    UFY_FN_DATE,
    UFY_FN_QUANTITY,
    UFY_FN_INT,
    UFY_FN_STRING,
    UFY_FN_ID,
    UFY_FN_LOWER,
    UFY_FN_UPPER,
    UFY_FN_TRIM,
    UFY_FN_BOOL,
    UFY_FN_KINDS
} ufy_fn_kind;

/* One function step of a field, with its parameters. */
typedef struct ufy_fn {
    int kind;            /* ufy_fn_kind */
    int scale;           /* money: decimal places */
    int round;           /* money: round half away from zero to scale instead of refusing */
    int shift;           /* money, quantity: move the decimal point right (left if negative) */
    const norm_cfg *cfg; /* borrowed from the plan: zone, country, date order */
} ufy_fn;

/* Per-worker scratch of the evaluation. */
typedef struct ufy_work {
    norm_work nw;          /* the normalize rules' scratch; nw.cfg set per call */
    norm_buf text;         /* owned scratch for text building */
    char reason[UFY_REASON_MAX];
    /* The record at hand (all borrowed, valid for one record). */
    json_t *root;          /* the input record */
    json_t *item;          /* the element of an "each" list, else root */
    size_t index;          /* 1-based position of item in its list, else 1 */
    const char *system;    /* the system's name */
    const char *source;    /* id of the source stage */
    const char *stream;    /* the input stream */
    /* The field at hand. */
    int lenient;           /* its on_invalid is "null": bad list items are left out */
    json_t *notes;         /* owned: {"field": "reason"} of values left out, or NULL */
    const char *field;     /* borrowed: name of the field being evaluated */
} ufy_work;

/* The function named `name`, or -1. */
int ufy_fn_kind_of(const char *name);
const char *ufy_fn_name(int kind);
/* Space-separated list of the function names, for messages. */
const char *ufy_fn_names(void);
/* Applies fn to a scalar (not null). Returns SLUICE_OK with *out a new
 * reference (JSON null for blank text), UFY_INVALID with w->reason set to
 * "VALUE is not NOUN (detail)", or SLUICE_ENOMEM. */
int ufy_fn_apply(ufy_work *w, const ufy_fn *fn, json_t *in, json_t **out);

/* Writes a reason into w->reason and returns UFY_INVALID. */
int ufy_fail(ufy_work *w, const char *fmt, ...) SLUICE_PRINTF(2, 3);
/* The value as a short JSON text for a reason (cut after 48 characters),
 * into out. */
void ufy_show(json_t *v, char *out, size_t size);
/* The text of a scalar: strings as they are, numbers in their shortest
 * form, true/false. Returns a pointer to the string's own text or to num
 * (room for 64), or NULL for null, arrays and objects. */
const char *ufy_scalar_text(json_t *v, char *num, size_t num_size);

/* ---- unify_decimal.c: text of the form -?[0-9]+(\.[0-9]+)? ---- */

/* Moves the decimal point `shift` places right (left when negative). */
int ufy_dec_shift(norm_buf *b, int shift);
/* Rounds half away from zero to `scale` decimals, padding with zeros. */
int ufy_dec_round(norm_buf *b, int scale);
/* Drops trailing zero decimals and a bare decimal point; "-0" becomes "0". */
void ufy_dec_trim(norm_buf *b);
/* out = a + b (a - b when negate_b), exactly, at the larger scale of the
 * two. a and b must be valid decimal text. */
int ufy_dec_add(const char *a, const char *b, int negate_b, norm_buf *out);
/* Does s hold a decimal of that form? */
int ufy_dec_valid(const char *s);

/* ---- the plan: unify_compile.c ---- */

typedef enum ufy_src {
    UFY_SRC_NONE = 0, /* no source: the field is null unless it has a default */
    UFY_SRC_PATH,
    UFY_SRC_CONST,
    UFY_SRC_VAR,
    UFY_SRC_CONCAT,
    UFY_SRC_FIRST,
    UFY_SRC_OBJECT,
    UFY_SRC_ARRAY,
    UFY_SRC_SUM,      /* exact decimal sum of the parts */
    UFY_SRC_MINUS     /* the first part less the others */
} ufy_src;

typedef enum ufy_var {
    UFY_VAR_SYSTEM = 0,
    UFY_VAR_SOURCE,
    UFY_VAR_STREAM,
    UFY_VAR_INDEX
} ufy_var;

typedef struct ufy_spec ufy_spec;

/* One field specification, compiled. Strings and JSON values are
 * borrowed from the plan's mapping document unless marked owned. */
struct ufy_spec {
    int src;               /* ufy_src */
    const char *text;      /* borrowed: the path as written, for messages */
    ufy_path *path;        /* owned: UFY_SRC_PATH */
    json_t *constant;      /* borrowed: UFY_SRC_CONST */
    int var;               /* ufy_var: UFY_SRC_VAR */
    ufy_spec *parts;       /* owned: concat, first_of, array items, object values, sum, minus */
    size_t nparts;
    const char **keys;     /* owned array: object keys, one per part */
    const char *sep;       /* concat separator */
    ufy_spec *when;        /* owned, or NULL: the field is null unless this is true */
    json_t *map;           /* borrowed: value map, or NULL */
    const char **globs;    /* owned array: the map's keys holding * ? or [ */
    size_t nglobs;
    int strict;            /* a value missing from the map is invalid */
    ufy_fn *fns;           /* owned: applied in order */
    size_t nfns;
    json_t *dflt;          /* borrowed: value when the result is null, or NULL */
    int required;          /* null (or an empty list) is invalid */
    int on_invalid;        /* ufy_on_invalid */
};

/* What the canonical model says about a field (unify_canon.c). */
typedef struct ufy_canon_field {
    const char *type;      /* borrowed: "string", "money", ... or NULL */
    json_t *values;        /* borrowed: allowed values (array), or NULL */
} ufy_canon_field;

typedef struct ufy_field {
    const char *name;      /* borrowed */
    ufy_spec spec;
    ufy_canon_field canon; /* type and vocabulary checked on the result */
} ufy_field;

/* One record made from an input record (or one per list element). */
typedef struct ufy_output {
    const char *stream;    /* borrowed: the output stream */
    ufy_path *each;        /* owned, or NULL: one record per element of this list */
    ufy_spec *when;        /* owned, or NULL: made only when this is true */
    int partial;           /* null fields are left out (the record updates part of a row) */
    ufy_field *fields;     /* owned */
    size_t nfields;
} ufy_output;

typedef struct ufy_input {
    const char *stream;    /* borrowed */
    int ignore;            /* listed in "ignore": dropped */
    ufy_output *outs;      /* owned */
    size_t nouts;
} ufy_input;

/* Everything init() works out, so that process() only evaluates. */
typedef struct ufy_plan {
    json_t *doc;           /* owned: the mapping, overrides merged in */
    json_t *canon;         /* owned: the canonical model document */
    char *doc_name;        /* owned: where the mapping came from, for messages */
    const char *system;    /* borrowed from doc or the options */
    ufy_input *inputs;     /* owned */
    size_t ninputs;
    norm_cfg **cfgs;       /* owned, each owned (with its zone) */
    size_t ncfgs;
    norm_cfg base;         /* settings of the stage; base.tz owned */
    int on_invalid;        /* ufy_on_invalid: the stage's default */
    const char *invalid_field; /* borrowed from the options, or NULL for none */
    int unmapped;          /* ufy_unmapped */
} ufy_plan;

/* Compiles plan->doc (already merged) into inputs and outputs, checked
 * against plan->canon. Returns SLUICE_OK, SLUICE_EINVAL with a message in
 * err naming the place in the mapping, or SLUICE_ENOMEM. */
int ufy_compile(ufy_plan *plan, char *err, size_t err_size);
void ufy_plan_free(ufy_plan *plan);
/* The input of `stream`, or NULL. */
const ufy_input *ufy_plan_input(const ufy_plan *plan, const char *stream);
/* A norm_cfg like plan->base but with the given zone, phone country and
 * date order (each NULL for the base's); shared between fields asking for
 * the same. Borrowed from the plan. */
int ufy_plan_cfg(ufy_plan *plan, const char *tz, const char *country, const char *order,
                 const norm_cfg **out, char *err, size_t err_size);

/* ---- unify_canon.c ---- */

/* The canonical definition of stream (an object), or NULL when the stream
 * is not canonical. Borrowed from canon. */
json_t *ufy_canon_stream(json_t *canon, const char *stream);
/* Completes one output against its canonical stream: key fields become
 * required, canonical fields the mapping leaves out are added (null, or
 * the model's default) unless the output is partial, and every field gets
 * its type and vocabulary. `where` names the output for messages. */
int ufy_canon_complete(ufy_plan *plan, ufy_output *o, json_t *def, const char *where, char *err,
                       size_t err_size);
/* Checks a computed value against its field's type and vocabulary.
 * Returns SLUICE_OK or UFY_INVALID with w->reason set. */
int ufy_canon_check(ufy_work *w, const ufy_canon_field *c, json_t *v);
/* Compiles a field specification (unify_compile.c; used for the model's
 * defaults too). */
int ufy_spec_compile(ufy_plan *plan, json_t *j, ufy_spec *s, const char *where, char *err, size_t err_size);
void ufy_spec_free(ufy_spec *s);

/* ---- unify_eval.c ---- */

/* Evaluates a field's specification for the record in w. Returns
 * SLUICE_OK with *out a new reference (JSON null when empty), UFY_INVALID
 * with w->reason set, or SLUICE_ENOMEM. Values left out under a lenient
 * on_invalid are noted in w->notes. */
int ufy_eval_field(ufy_work *w, const ufy_spec *s, json_t **out);
/* Is a "when" value true: not null, false, 0, "", "false" or an empty list? */
int ufy_truthy(json_t *v);
/* Evaluates a condition (a spec) for the record in w. */
int ufy_eval_when(ufy_work *w, const ufy_spec *s, int *yes);

/* ---- unify_options.c ---- */

extern const sluice_option ufy_options[];

/* Reads the options, loads and merges the mapping and the canonical model
 * and compiles the plan. Logs and sets the stage's error on failure:
 * returns SLUICE_OK, SLUICE_EINVAL or SLUICE_ENOMEM (the partly built plan
 * must still be freed with ufy_plan_free). */
int ufy_plan_build(sluice_ctx *ctx, ufy_plan *plan);

/* ---- unify_locate.c ---- */

/* The path of a built-in file (e.g. "hubspot.json"): the first folder of
 * $SLUICE_MAPPING_PATH (colon-separated), then the plugin's own
 * ../mappings (build tree) and its installed share/sluice/mappings that
 * holds it. New string (caller frees), or NULL when none does. */
char *ufy_locate(const char *file);
/* The folders searched, ", "-separated, into buf (for messages). */
void ufy_search_dirs(char *buf, size_t size);
/* The built-in mapping names (files NAME.json, the model's left out),
 * ", "-separated and sorted, into buf. */
void ufy_builtin_names(char *buf, size_t size);

#endif
