/*
 * norm_email.c - e-mail addresses: trim, lower-case, check the syntax.
 *
 * The check is the practical subset of RFC 5321/5322 that mail systems and
 * CRMs accept: dot-atom local parts (no quoted strings, no comments), a
 * host name with at least one dot (no IP literals), RFC 5321 length limits.
 * Internationalised addresses (RFC 6531) pass as they are: non-ASCII
 * letters are lower-cased like ASCII but never converted to punycode.
 * Lower-casing the local part is a deliberate simplification: in practice
 * no provider distinguishes Ivan@ from ivan@, and identity resolution
 * needs one spelling.
 */
#include "normalize.h"

#include <string.h>

#define EMAIL_MAX 254
#define LOCAL_MAX 64
#define LABEL_MAX 63

/* ASCII characters allowed in a dot-atom besides letters, digits and '.'. */
static int atext_special(char c) { return c && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL; }

static int is_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

/* White space, control characters and characters no address contains
 * unquoted; names the first one found in *bad. */
static int find_bad_char(const char *s, size_t len, uint32_t *bad)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = norm_utf8_decode(s + i, len - i, &cp);
        if (n == 0) { /* callers check UTF-8 first */
            *bad = 0xFFFD;
            return 1;
        }
        if (norm_cp_space(cp) || cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) ||
            (cp < 0x80 && cp != '@' && cp != '.' && !is_alnum((char)cp) && !atext_special((char)cp))) {
            *bad = cp;
            return 1;
        }
        i += n;
    }
    return 0;
}

static int bad_char_reason(norm_work *w, uint32_t cp)
{
    char enc[5] = { 0 };
    if (norm_cp_space(cp))
        return norm_fail(w, "contains white space");
    if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0))
        return norm_fail(w, "contains a control character");
    norm_utf8_encode(cp, enc);
    if (cp == ',' || cp == ';')
        return norm_fail(w, "contains '%s' (one address per value)", enc);
    return norm_fail(w, "contains '%s'", enc);
}

static int check_local(norm_work *w, const char *s, size_t len)
{
    if (len == 0)
        return norm_fail(w, "nothing before the @");
    if (len > LOCAL_MAX)
        return norm_fail(w, "the part before the @ is longer than %d bytes", LOCAL_MAX);
    int double_dot = 0;
    for (size_t i = 1; i < len; i++)
        double_dot |= s[i] == '.' && s[i - 1] == '.';
    if (s[0] == '.' || s[len - 1] == '.' || double_dot)
        return norm_fail(w, "a dot at the start or end of the part before the @, or two dots in a row");
    return SLUICE_OK;
}

/* One host name label: letters, digits, hyphens, non-ASCII (IDN). */
static int check_label(norm_work *w, const char *s, size_t len)
{
    if (len == 0)
        return norm_fail(w, "empty domain label (a dot at an end of the domain, or two in a row)");
    if (len > LABEL_MAX)
        return norm_fail(w, "a domain label is longer than %d bytes", LABEL_MAX);
    if (s[0] == '-' || s[len - 1] == '-')
        return norm_fail(w, "a domain label starts or ends with '-'");
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)s[i] < 0x80 && !is_alnum(s[i]) && s[i] != '-')
            return norm_fail(w, "the domain contains '%c'", s[i]);
    return SLUICE_OK;
}

static int check_domain(norm_work *w, const char *s, size_t len)
{
    const char *end = s + len, *label = s, *last = s;
    size_t labels = 0;
    int rc;
    if (len == 0)
        return norm_fail(w, "nothing after the @");
    for (const char *p = s; p <= end; p++) {
        if (p < end && *p != '.')
            continue;
        if ((rc = check_label(w, label, (size_t)(p - label))) != SLUICE_OK)
            return rc;
        last = label;
        labels++;
        label = p + 1;
    }
    if (labels < 2)
        return norm_fail(w, "the domain has no dot");
    /* The top-level domain: two characters at least, not a number (which
     * would make the host an IP address). */
    size_t tld = (size_t)(end - last), digits = 0;
    for (const char *p = last; p < end; p++)
        digits += *p >= '0' && *p <= '9';
    if (tld < 2 || digits == tld)
        return norm_fail(w, "the top-level domain is not a name");
    return SLUICE_OK;
}

static int check_address(norm_work *w, const char *s, size_t len)
{
    uint32_t bad;
    const char *at = memchr(s, '@', len);
    int rc;
    if (find_bad_char(s, len, &bad))
        return bad_char_reason(w, bad);
    if (!at)
        return norm_fail(w, "no @");
    if (memchr(at + 1, '@', len - (size_t)(at - s) - 1))
        return norm_fail(w, "more than one @");
    if (len > EMAIL_MAX)
        return norm_fail(w, "longer than %d bytes", EMAIL_MAX);
    if ((rc = check_local(w, s, (size_t)(at - s))) != SLUICE_OK)
        return rc;
    return check_domain(w, at + 1, len - (size_t)(at - s) - 1);
}

int norm_email(norm_work *w, json_t *in, json_t **out)
{
    if (!json_is_string(in))
        return norm_fail(w, "expected text");
    const char *s = json_string_value(in);
    size_t a = 0, b = json_string_length(in);
    if (!norm_utf8_valid(s, b))
        return norm_fail(w, "not valid UTF-8");
    norm_trim(s, &a, &b);
    /* Copied from a link, the scheme comes along. */
    if (norm_ascii_prefix(s + a, b - a, "mailto:")) {
        a += 7;
        norm_trim(s, &a, &b);
    }
    if (a == b) {
        *out = json_null();
        return SLUICE_OK;
    }
    w->buf.len = 0;
    if (norm_lower_into(s + a, b - a, &w->buf) != SLUICE_OK)
        return SLUICE_ENOMEM;
    int rc = check_address(w, w->buf.data, w->buf.len);
    if (rc != SLUICE_OK)
        return rc;
    *out = json_stringn_nocheck(w->buf.data, w->buf.len);
    return *out ? SLUICE_OK : SLUICE_ENOMEM;
}
