/*
 * norm_name.c - names of people and companies: trim, one space between
 * words, and one consistent case.
 *
 * Case is only changed when the value carries no case information: ALL
 * UPPER or all lower input becomes Title Case per word. Anything else was
 * typed with intent ("McDonald", "van der Berg", "iPhone") and is kept.
 * Title Case starts a word after any character that is not a letter, so
 * hyphens, apostrophes and initials come out right: "АННА-МАРИЯ" ->
 * "Анна-Мария", "O'BRIEN" -> "O'Brien", "И.И. ИВАНОВ" -> "И.И. Иванов".
 */
#include "normalize.h"

#include <string.h>

/* Words that stay upper case when a name is title-cased: Russian and
 * Kazakh legal forms and common Latin ones, and regnal numbers. */
static const char *const keep_upper[] = {
    "ООО", "ОАО", "ЗАО", "ПАО", "АО", "НАО", "ИП", "ТОО", "ЧП", "ОДО", "НКО",
    "LLC", "LLP", "PLC", "AG", "II", "III", "IV", NULL,
};

/* A letter that has case, or a lower-case letter with no capital. */
static int is_cased(uint32_t cp)
{
    return tx_cp_lower(cp) != tx_cp_upper(cp) || cp == 0xDF || cp == 0x138 || cp == 0x149;
}

static int is_upper(uint32_t cp) { return tx_cp_lower(cp) != cp; }
/* Letters without a capital (ß) count as neither: "STRAßE" is all caps. */
static int is_lower(uint32_t cp) { return tx_cp_upper(cp) != cp; }

/* Letters of scripts without case, taken broadly: anything from Greek on
 * that is not in the punctuation, symbol and emoji blocks. */
static int is_other_letter(uint32_t cp)
{
    return cp >= 0x370 && !(cp >= 0x2000 && cp <= 0x2BFF) && !(cp >= 0x3000 && cp <= 0x303F) &&
           !(cp >= 0xFE30 && cp <= 0xFE4F) && !(cp >= 0xFF00 && cp <= 0xFF20) && cp < 0x1F000;
}

static int is_control(uint32_t cp) { return cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0); }

typedef struct name_stats {
    size_t upper, lower, letters;
} name_stats;

/* Copies s[0..len) into out with every run of white space made one ASCII
 * space; counts letters by case. */
static int collapse(norm_work *w, const char *s, size_t len, name_stats *st)
{
    int space = 0;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = norm_utf8_decode(s + i, len - i, &cp);
        if (norm_cp_space(cp)) {
            space = 1;
        } else if (is_control(cp)) {
            return norm_fail(w, "contains a control character");
        } else {
            if ((space && norm_buf_putc(&w->buf, ' ') != SLUICE_OK) ||
                norm_buf_put(&w->buf, s + i, n) != SLUICE_OK)
                return SLUICE_ENOMEM;
            space = 0;
            st->upper += is_upper(cp);
            st->lower += is_lower(cp);
            st->letters += is_cased(cp) || is_other_letter(cp);
        }
        i += n;
    }
    return SLUICE_OK;
}

static int put_cp(norm_buf *out, uint32_t cp)
{
    char enc[4];
    return norm_buf_put(out, enc, norm_utf8_encode(cp, enc));
}

static int is_kept_upper(const char *word, size_t len)
{
    for (const char *const *k = keep_upper; *k; k++)
        if (strlen(*k) == len && memcmp(*k, word, len) == 0)
            return 1;
    return 0;
}

/* Appends one word (a run of cased letters) title-cased, or upper-cased
 * when it is one of keep_upper. */
static int title_word(const char *s, size_t len, norm_buf *out)
{
    char upper[64];
    size_t ulen = 0, i = 0;
    /* Upper-casing never makes text longer, so a word that fits is whole. */
    if (len < sizeof upper) {
        while (i < len) {
            uint32_t cp;
            size_t n = norm_utf8_decode(s + i, len - i, &cp);
            ulen += norm_utf8_encode(tx_cp_upper(cp), upper + ulen);
            i += n;
        }
        if (is_kept_upper(upper, ulen))
            return norm_buf_put(out, upper, ulen);
    }
    for (i = 0; i < len;) {
        uint32_t cp;
        size_t n = norm_utf8_decode(s + i, len - i, &cp);
        if (put_cp(out, i == 0 ? tx_cp_upper(cp) : tx_cp_lower(cp)) != SLUICE_OK)
            return SLUICE_ENOMEM;
        i += n;
    }
    return SLUICE_OK;
}

static int title_case(const char *s, size_t len, norm_buf *out)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n = norm_utf8_decode(s + i, len - i, &cp);
        if (!is_cased(cp)) {
            if (norm_buf_put(out, s + i, n) != SLUICE_OK)
                return SLUICE_ENOMEM;
            i += n;
            continue;
        }
        size_t end = i;
        while (end < len) {
            size_t k = norm_utf8_decode(s + end, len - end, &cp);
            if (!is_cased(cp))
                break;
            end += k;
        }
        if (title_word(s + i, end - i, out) != SLUICE_OK)
            return SLUICE_ENOMEM;
        i = end;
    }
    return SLUICE_OK;
}

int norm_name(norm_work *w, json_t *in, json_t **out)
{
    if (!json_is_string(in))
        return norm_fail(w, "expected text");
    const char *s = json_string_value(in);
    size_t a = 0, b = json_string_length(in);
    name_stats st = { 0, 0, 0 };
    if (!norm_utf8_valid(s, b))
        return norm_fail(w, "not valid UTF-8");
    norm_trim(s, &a, &b);
    if (a == b) {
        *out = json_null();
        return SLUICE_OK;
    }
    w->buf.len = 0;
    int rc = collapse(w, s + a, b - a, &st);
    if (rc != SLUICE_OK)
        return rc;
    if (st.letters == 0)
        return norm_fail(w, "no letters");
    if ((st.upper == 0) != (st.lower == 0)) {
        w->tmp.len = 0;
        if (title_case(w->buf.data, w->buf.len, &w->tmp) != SLUICE_OK)
            return SLUICE_ENOMEM;
        *out = json_stringn_nocheck(w->tmp.data, w->tmp.len);
    } else {
        *out = json_stringn_nocheck(w->buf.data, w->buf.len);
    }
    return *out ? SLUICE_OK : SLUICE_ENOMEM;
}
