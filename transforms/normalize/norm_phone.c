/*
 * norm_phone.c - phone numbers to E.164 ("+79123456789").
 *
 * Not a full numbering-plan database (libphonenumber is a megabyte of
 * metadata): the countries our users sell in are known by their calling
 * code, trunk prefixes and the length of their national numbers, and any
 * other country code passes with E.164's generic limits. That catches what
 * goes wrong in practice: a digit missing or doubled, two numbers glued
 * together, a national number that needs its country.
 */
#include "normalize.h"

#include <stdio.h>
#include <string.h>

#define DIGITS_MAX 24   /* more digits than that is not a phone number */
#define E164_MIN 7      /* country code included */
#define E164_MAX 15
#define EXT_DIGITS_MAX 7

static const norm_country countries[] = {
    { "RU", "7", { "8", NULL }, 10, 10, "3456789", 0 },
    { "KZ", "7", { "8", NULL }, 10, 10, "3456789", 0 },
    { "US", "1", { "1", NULL }, 10, 10, "23456789", 1 },
    { "CA", "1", { "1", NULL }, 10, 10, "23456789", 1 },
    { "GB", "44", { "0", NULL }, 9, 10, "123456789", 0 },
    { "DE", "49", { "0", NULL }, 6, 13, "123456789", 0 },
    { "FR", "33", { "0", NULL }, 9, 9, "123456789", 0 },
    /* "8 0XX" is the old long-distance form, still common in both. */
    { "UA", "380", { "80", "0", NULL }, 9, 9, "123456789", 0 },
    { "BY", "375", { "80", "0", NULL }, 9, 9, "123456789", 0 },
};
#define NCOUNTRIES (sizeof countries / sizeof countries[0])

const char *const norm_country_codes[] = { "RU", "KZ", "US", "CA", "GB", "DE", "FR", "UA", "BY", NULL };

const norm_country *norm_country_find(const char *iso)
{
    for (size_t i = 0; i < NCOUNTRIES; i++)
        if (strcmp(countries[i].iso, iso) == 0)
            return &countries[i];
    return NULL;
}

/* The digits of a number as written, and what was around them. */
typedef struct phone_text {
    char d[DIGITS_MAX + 1];
    size_t n;
    int plus;       /* written with a leading '+' */
    size_t zero_at; /* index of a "(0)" digit in d, or SIZE_MAX */
} phone_text;

static int starts(const char *d, size_t n, const char *p)
{
    size_t k = strlen(p);
    return n >= k && memcmp(d, p, k) == 0;
}

/* ---- extensions ---- */

/* Length of an extension marker at s[0..left) ("ext", "x", "доб", "#",
 * ",", ";ext="), or 0. Letters match in any case. */
static size_t ext_marker(const char *s, size_t left)
{
    static const char *const ascii[] = { ";ext=", "ext", "x", "#", ",", NULL };
    for (const char *const *m = ascii; *m; m++)
        if (norm_ascii_prefix(s, left, *m))
            return strlen(*m);
    /* "доб" (добавочный), any case: three two-byte letters. */
    static const uint32_t dob[] = { 0x434, 0x43E, 0x431 };
    size_t i = 0;
    for (size_t k = 0; k < 3; k++) {
        uint32_t cp;
        size_t len = i < left ? norm_utf8_decode(s + i, left - i, &cp) : 0;
        if (len == 0 || tx_cp_lower(cp) != dob[k])
            return 0;
        i += len;
    }
    return i;
}

/* Reads the extension after a marker: punctuation, then 1-7 digits, then
 * at most a closing parenthesis and white space. */
static int read_extension(norm_work *w, const char *s, size_t len)
{
    size_t i = 0, n = 0, all = 0;
    for (size_t k = 0; k < len; k++)
        all += s[k] >= '0' && s[k] <= '9';
    if (all > EXT_DIGITS_MAX)
        return norm_fail(w, "the extension is longer than %d digits (two numbers in one value?)", EXT_DIGITS_MAX);
    while (i < len && (s[i] == '.' || s[i] == ':' || s[i] == '=' || s[i] == ' '))
        i++;
    for (; i < len && s[i] >= '0' && s[i] <= '9'; i++)
        w->ext[n++] = s[i];
    w->ext[n] = '\0';
    size_t a = i, b = len;
    norm_trim(s, &a, &b);
    if (a < b && s[a] == ')')
        a++;
    if (n == 0 || a != b) {
        w->ext[0] = '\0';
        return norm_fail(w, "unreadable extension");
    }
    return SLUICE_OK;
}

/* ---- scanning ---- */

/* Formatting a number may carry: white space, dashes, dots, slashes and
 * parentheses. */
static int is_separator(uint32_t cp)
{
    return norm_cp_space(cp) || cp == '-' || cp == '.' || cp == '(' || cp == ')' || cp == '/' ||
           (cp >= 0x2010 && cp <= 0x2015) || cp == 0x2212;
}

static int is_letter(uint32_t cp) { return tx_cp_lower(cp) != tx_cp_upper(cp); }

static int add_digit(norm_work *w, phone_text *p, char c)
{
    if (p->n == DIGITS_MAX)
        return norm_fail(w, "more than %d digits", DIGITS_MAX);
    p->d[p->n++] = c;
    p->d[p->n] = '\0';
    return SLUICE_OK;
}

/* Splits s into digits and an extension; checks nothing else is there. */
static int scan(norm_work *w, const char *s, size_t len, phone_text *p)
{
    size_t i = 0;
    int rc;
    p->zero_at = SIZE_MAX;
    if (i < len && s[i] == '+') {
        p->plus = 1;
        i++;
    }
    while (i < len) {
        uint32_t cp;
        size_t k = p->n ? ext_marker(s + i, len - i) : 0;
        if (k)
            return read_extension(w, s + i + k, len - i - k);
        if (len - i >= 3 && memcmp(s + i, "(0)", 3) == 0)
            p->zero_at = p->n;
        k = norm_utf8_decode(s + i, len - i, &cp);
        if (cp >= '0' && cp <= '9') {
            if ((rc = add_digit(w, p, (char)cp)) != SLUICE_OK)
                return rc;
        } else if (!is_separator(cp)) {
            if (is_letter(cp))
                return norm_fail(w, "contains letters");
            char enc[5] = { 0 };
            norm_utf8_encode(cp, enc);
            return norm_fail(w, "contains '%s'", enc);
        }
        i += k;
    }
    return p->n ? SLUICE_OK : norm_fail(w, "no digits");
}

/* ---- numbering plans ---- */

static int emit(norm_work *w, const char *cc, const char *nsn, json_t **out)
{
    char e164[DIGITS_MAX + 8];
    snprintf(e164, sizeof e164, "+%s%s", cc, nsn);
    *out = json_string_nocheck(e164);
    return *out ? SLUICE_OK : SLUICE_ENOMEM;
}

static void describe_length(const norm_country *c, char *buf, size_t size)
{
    if (c->nsn_min == c->nsn_max)
        snprintf(buf, size, "%u", c->nsn_min);
    else
        snprintf(buf, size, "%u to %u", c->nsn_min, c->nsn_max);
}

static int check_nsn(norm_work *w, const norm_country *c, const char *nsn, json_t **out)
{
    size_t n = strlen(nsn);
    char want[16];
    if (n < c->nsn_min || n > c->nsn_max) {
        describe_length(c, want, sizeof want);
        return norm_fail(w, "+%s numbers have %s digits after the country code, not %zu", c->cc, want, n);
    }
    if (!strchr(c->first, nsn[0]))
        return norm_fail(w, "+%s numbers do not start with %c after the country code", c->cc, nsn[0]);
    if (c->nanp && !strchr(c->first, nsn[3]))
        return norm_fail(w, "+%s exchange codes do not start with %c", c->cc, nsn[3]);
    return emit(w, c->cc, nsn, out);
}

/* d is the number after '+' or the international prefix. */
static int international(norm_work *w, const char *d, size_t n, json_t **out)
{
    /* Calling codes are a prefix code: at most one can match. */
    for (size_t i = 0; i < NCOUNTRIES; i++)
        if (starts(d, n, countries[i].cc))
            return check_nsn(w, &countries[i], d + strlen(countries[i].cc), out);
    if (d[0] == '0')
        return norm_fail(w, "no country code starts with 0");
    if (n < E164_MIN)
        return norm_fail(w, "%zu digits are too few for an international number", n);
    if (n > E164_MAX)
        return norm_fail(w, "%zu digits: international numbers have at most %d", n, E164_MAX);
    return emit(w, "", d, out);
}

/* A number without '+': trunk prefix + NSN, country code + NSN, or NSN. */
static int national(norm_work *w, const norm_country *c, const char *d, size_t n, json_t **out)
{
    size_t cc = strlen(c->cc);
    char want[16];
    for (size_t t = 0; c->trunk[t]; t++) {
        size_t k = strlen(c->trunk[t]);
        if (starts(d, n, c->trunk[t]) && n - k >= c->nsn_min && n - k <= c->nsn_max)
            return check_nsn(w, c, d + k, out);
    }
    if (starts(d, n, c->cc) && n - cc >= c->nsn_min && n - cc <= c->nsn_max)
        return check_nsn(w, c, d + cc, out);
    if (n >= c->nsn_min && n <= c->nsn_max)
        return check_nsn(w, c, d, out);
    describe_length(c, want, sizeof want);
    return norm_fail(w, "%zu digits: a %s number has %s, plus a trunk prefix %s or the country code %s",
                     n, c->iso, want, c->trunk[0], c->cc);
}

static int classify(norm_work *w, phone_text *p, json_t **out)
{
    const norm_country *c = w->cfg->country;
    int intl = p->plus;
    const char *d = p->d;
    size_t n = p->n;
    /* "+8 9xx ..." is a Russian number with its trunk prefix behind a '+'.
     * Only 3 and 9 are taken this way: +83 and +89 are no country's code,
     * while +84, +86 and +88x are. */
    if (intl && c->trunk[0][0] == '8' && strcmp(c->cc, "7") == 0 && n == 11 && d[0] == '8' &&
        (d[1] == '3' || d[1] == '9'))
        intl = 0;
    else if (!intl && starts(d, n, "00")) {
        intl = 1;
        d += 2;
        n -= 2;
    } else if (!intl && c->trunk[0][0] == '8' && starts(d, n, "810") && n > 3 + E164_MIN - 1) {
        intl = 1; /* "8 10": the international prefix of the former USSR */
        d += 3;
        n -= 3;
    }
    if (!intl)
        return national(w, c, d, n, out);
    /* "+44 (0)20 ...": the bracketed trunk prefix is not dialled from abroad. */
    if (p->zero_at != SIZE_MAX && p->zero_at >= (size_t)(d - p->d)) {
        size_t z = p->zero_at;
        memmove(p->d + z, p->d + z + 1, p->n - z);
        p->n--;
        n--;
    }
    if (n == 0)
        return norm_fail(w, "no digits after the international prefix");
    return international(w, d, n, out);
}

int norm_phone(norm_work *w, json_t *in, json_t **out)
{
    char num[32];
    const char *s;
    size_t a = 0, b;
    w->ext[0] = '\0';
    if (json_is_integer(in)) {
        if (json_integer_value(in) < 0)
            return norm_fail(w, "a negative number");
        snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(in));
        s = num;
        b = strlen(num);
    } else if (json_is_string(in)) {
        s = json_string_value(in);
        b = json_string_length(in);
        if (!norm_utf8_valid(s, b))
            return norm_fail(w, "not valid UTF-8");
    } else {
        return norm_fail(w, "expected text or an integer");
    }
    norm_trim(s, &a, &b);
    if (norm_ascii_prefix(s + a, b - a, "tel:"))
        a += 4;
    if (a == b) {
        *out = json_null();
        return SLUICE_OK;
    }
    phone_text p = { .n = 0 };
    int rc = scan(w, s + a, b - a, &p);
    if (rc == SLUICE_OK)
        rc = classify(w, &p, out);
    if (rc != SLUICE_OK)
        w->ext[0] = '\0';
    return rc;
}
