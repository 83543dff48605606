/*
 * normalize.h - shared declarations of the `normalize` transform's files.
 *
 * normalize.c      descriptor, init/fini, the per-record pipeline, on_invalid
 * norm_options.c   reading and checking the options into a norm_plan
 * norm_text.c      UTF-8 decoding, Unicode spaces, trimming
 * norm_email.c     e-mail addresses
 * norm_phone.c     phone numbers to E.164
 * norm_name.c      personal and company names
 * norm_currency.c  currency symbols and names to ISO 4217 codes
 * norm_money.c     amounts to exact decimal strings
 * norm_date.c      dates and times to ISO 8601 UTC
 * norm_tz.c        time zone rules: a small TZif and POSIX TZ reader
 *
 * Every rule is a function of one JSON value and a read-only norm_cfg, with
 * no sluice_ctx in sight, so that another plugin (`unify`) can compile these
 * files in and get exactly the same normalisation.
 */
#ifndef SL_NORMALIZE_H
#define SL_NORMALIZE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sluice/plugin.h"

#include "case_map.h"

/* A rule's verdict on a value that is not usable: positive, so it never
 * collides with the negative sluice_status codes. */
#define NORM_INVALID 1

/* Longest reason text a rule writes, including the NUL. */
#define NORM_REASON_MAX 256
/* Longest phone extension kept (digits), including the NUL. */
#define NORM_EXT_MAX 16

typedef enum norm_kind {
    NORM_EMAIL = 0,
    NORM_PHONE,
    NORM_NAME,
    NORM_CURRENCY,
    NORM_MONEY,
    NORM_DATE,
    NORM_KINDS
} norm_kind;

typedef enum norm_on_invalid {
    NORM_FLAG = 0, /* keep the value, note the reason in the invalid field */
    NORM_NULL,     /* set the value null, note the reason */
    NORM_REJECT    /* dead-letter the record */
} norm_on_invalid;

typedef enum norm_date_order {
    NORM_ORDER_AUTO = 0, /* dots and dashes day first, slashes month first */
    NORM_ORDER_DMY,
    NORM_ORDER_MDY
} norm_date_order;

/* ---- norm_tz.c ---- */

typedef struct norm_tz norm_tz;

/* Loads the zone `name`: "UTC", a fixed offset ("+03:00", "-0500", "+03"),
 * or an IANA name read from $TZDIR (default /usr/share/zoneinfo). Returns
 * SLUICE_OK with *out owned by the caller (free with norm_tz_free), or
 * SLUICE_EINVAL with a message in err, or SLUICE_ENOMEM. The zone is
 * read-only once loaded: any number of threads may use it. */
int norm_tz_load(const char *name, norm_tz **out, char *err, size_t err_size);
void norm_tz_free(norm_tz **tz);
/* Seconds east of UTC in force at the UTC instant t. */
int32_t norm_tz_offset_at(const norm_tz *tz, int64_t t);
/* The UTC instant of the wall-clock time `local` (seconds since the epoch
 * as if the wall clock were UTC). A time repeated when clocks go back is
 * the earlier instant; a time skipped when they go forward is read with
 * the offset in force before the change. */
int64_t norm_tz_to_utc(const norm_tz *tz, int64_t local);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t norm_days_from_civil(int64_t y, unsigned m, unsigned d);
void norm_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
int norm_days_in_month(int64_t y, unsigned m);

/* ---- configuration shared by the rules ---- */

/* How the rules are set up; built once by init, then read-only. */
typedef struct norm_cfg {
    const struct norm_country *country; /* default country for national phone numbers */
    int keep_extension;      /* phones: report the extension (1) or drop it (0) */
    norm_tz *tz;             /* owned: zone of dates written without an offset */
    const char *tz_name;     /* borrowed from the plan's options */
    int date_order;          /* norm_date_order */
    int date_only_as_date;   /* a date without a time stays "YYYY-MM-DD" */
} norm_cfg;

/* Growable output text. */
typedef struct norm_buf {
    char *data; /* owned */
    size_t len;
    size_t cap;
} norm_buf;

int norm_buf_put(norm_buf *b, const char *s, size_t n);
int norm_buf_putc(norm_buf *b, char c);
void norm_buf_free(norm_buf *b);

/* Per-worker scratch every rule writes into. */
typedef struct norm_work {
    const norm_cfg *cfg;  /* borrowed */
    int scale;            /* money: decimal places of the field at hand */
    norm_buf buf;         /* owned scratch; a rule resets len itself */
    norm_buf tmp;         /* owned second scratch, for rules that work in two passes */
    char reason[NORM_REASON_MAX]; /* why the last value was invalid */
    char ext[NORM_EXT_MAX];       /* phones: extension of the last value, or "" */
} norm_work;

/* Writes the reason and returns NORM_INVALID. */
int norm_fail(norm_work *w, const char *fmt, ...) SLUICE_PRINTF(2, 3);

/* A rule: turns a value (not NULL, not JSON null, not an array) into its
 * normal form. Returns SLUICE_OK with *out a new reference (JSON null for
 * blank text), NORM_INVALID with w->reason set, or SLUICE_ENOMEM. */
typedef int (*norm_rule_fn)(norm_work *w, json_t *in, json_t **out);

int norm_email(norm_work *w, json_t *in, json_t **out);
int norm_phone(norm_work *w, json_t *in, json_t **out);
int norm_name(norm_work *w, json_t *in, json_t **out);
int norm_currency(norm_work *w, json_t *in, json_t **out);
int norm_money(norm_work *w, json_t *in, json_t **out);
int norm_date(norm_work *w, json_t *in, json_t **out);

/* ---- norm_options.c: the plugin's plan ---- */

/* One configured field. */
typedef struct norm_field {
    const char *name; /* borrowed from norm_plan.opts */
    int kind;         /* norm_kind */
    int scale;        /* money: decimal places */
    char *ext_name;   /* owned: phones with phone_extension "keep": "<name>_ext", else NULL */
} norm_field;

/* Everything init() works out, so that process() only looks things up.
 * Fields are in rule order (email, phone, name, currency, money, date),
 * each rule's fields in the order written. */
typedef struct norm_plan {
    json_t *opts;              /* owned: private deep copy of the stage's options */
    norm_field *fields;        /* owned */
    size_t nfields;
    norm_cfg cfg;              /* cfg.tz owned */
    int on_invalid;            /* norm_on_invalid */
    const char *invalid_field; /* borrowed from opts */
} norm_plan;

extern const sluice_option norm_options[];

/* Reads and checks every option. Returns SLUICE_OK, or SLUICE_EINVAL after
 * logging an error that names the option (the partly built plan must still
 * be freed with norm_plan_free), or SLUICE_ENOMEM. */
int norm_plan_build(sluice_ctx *ctx, norm_plan *plan);
void norm_plan_free(norm_plan *plan);
/* The rule of a kind and the option naming it. */
norm_rule_fn norm_rule(int kind);
const char *norm_kind_name(int kind);

/* ---- norm_phone.c ---- */

/* A country whose national numbers the phone rule understands. */
typedef struct norm_country {
    const char *iso;         /* ISO 3166-1 alpha-2 */
    const char *cc;          /* calling code digits */
    const char *trunk[3];    /* national trunk prefixes, longest first; NULL ends */
    unsigned nsn_min, nsn_max; /* digits of the national significant number */
    const char *first;       /* digits a national significant number may start with */
    int nanp;                /* North American: area and exchange codes start 2-9 */
} norm_country;

/* The supported country `iso` (exact, upper case), or NULL. */
const norm_country *norm_country_find(const char *iso);
/* NULL-terminated list of the supported ISO codes (for the option table). */
extern const char *const norm_country_codes[];

/* ---- norm_money.c ---- */

/* The shortest "%g" text that reads back as d ("12.345", "1e+21"). The
 * caller runs in the C locale. */
void norm_real_text(double d, char *buf, size_t size);

/* ---- norm_text.c ---- */

/* Decodes one UTF-8 character at s (left > 0 bytes). Returns its length,
 * or 0 when s does not start a valid, shortest-form sequence. */
size_t norm_utf8_decode(const char *s, size_t left, uint32_t *cp);
/* Encodes cp (< 0x110000) into out (room for 4). Returns the length. */
size_t norm_utf8_encode(uint32_t cp, char *out);
int norm_utf8_valid(const char *s, size_t len);
/* Cuts s (NUL-terminated) before its first byte that is not part of valid
 * UTF-8: cutting text to a buffer can split a character, and jansson
 * refuses such text. */
void norm_utf8_cut(char *s);
/* Does the JSON array hold a value equal to v? */
int norm_json_has(json_t *arr, json_t *v);
/* Case mapping of code points: tx_cp_lower / tx_cp_upper in
 * transforms/common/case_map.h. */
/* White space: ASCII, NBSP and the Unicode space separators, BOM. */
int norm_cp_space(uint32_t cp);
/* Narrows [*a, *b) of s past leading and trailing white space (as above).
 * s must be valid UTF-8. */
void norm_trim(const char *s, size_t *a, size_t *b);
/* Appends the lower-case form of s[0..len) (valid UTF-8) to out. */
int norm_lower_into(const char *s, size_t len, norm_buf *out);
/* ASCII case-insensitive prefix test: does s[0..len) start with p? */
int norm_ascii_prefix(const char *s, size_t len, const char *p);

#endif
