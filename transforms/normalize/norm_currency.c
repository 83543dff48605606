/*
 * norm_currency.c - currency symbols, local names and codes to ISO 4217.
 *
 * Russian systems still write "RUR" (the code before the 1998
 * redenomination) and "руб."; shops write "$" and "€". Symbols that several
 * currencies share ("¥", "kr") are refused with the candidates named rather
 * than guessed; "$" alone is the exception everyone makes: USD.
 */
#include "normalize.h"

#include <stdlib.h>
#include <string.h>

/* Active ISO 4217 codes (2025) and withdrawn ones still found in history
 * (HRK, ANG, SLL, ZWL, CUC, VEF, LTL, LVL, EEK), sorted for bsearch. */
static const char *const iso_codes[] = {
    "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BGN",
    "BHD", "BIF", "BMD", "BND", "BOB", "BOV", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF",
    "CHE", "CHF", "CHW", "CLF", "CLP", "CNY", "COP", "COU", "CRC", "CUC", "CUP", "CVE", "CZK", "DJF",
    "DKK", "DOP", "DZD", "EEK", "EGP", "ERN", "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP",
    "GMD", "GNF", "GTQ", "GYD", "HKD", "HNL", "HRK", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR",
    "ISK", "JMD", "JOD", "JPY", "KES", "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK",
    "LBP", "LKR", "LRD", "LSL", "LTL", "LVL", "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP",
    "MRU", "MUR", "MVR", "MWK", "MXN", "MXV", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD",
    "OMR", "PAB", "PEN", "PGK", "PHP", "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR",
    "SBD", "SCR", "SDG", "SEK", "SGD", "SHP", "SLE", "SLL", "SOS", "SRD", "SSP", "STN", "SVC", "SYP",
    "SZL", "THB", "TJS", "TMT", "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "USN",
    "UYI", "UYU", "UYW", "UZS", "VED", "VEF", "VES", "VND", "VUV", "WST", "XAF", "XAG", "XAU", "XBA",
    "XBB", "XBC", "XBD", "XCD", "XCG", "XDR", "XOF", "XPD", "XPF", "XPT", "XSU", "XTS", "XUA", "XXX",
    "YER", "ZAR", "ZMW", "ZWG", "ZWL",
};

/* Spellings, lower-cased, without white space and a final dot. */
static const struct {
    const char *alias, *code;
} aliases[] = {
    { "₽", "RUB" }, { "р", "RUB" }, { "руб", "RUB" }, { "рубль", "RUB" }, { "рубля", "RUB" },
    { "рублей", "RUB" }, { "рубли", "RUB" }, { "rur", "RUB" }, { "rouble", "RUB" }, { "ruble", "RUB" }, { "rubles", "RUB" },
    { "$", "USD" }, { "us$", "USD" }, { "долл", "USD" }, { "дол", "USD" },
    { "доллар", "USD" }, { "доллара", "USD" }, { "долларов", "USD" }, { "долларсша", "USD" },
    { "€", "EUR" }, { "евро", "EUR" }, { "euro", "EUR" },
    { "£", "GBP" }, { "фунт", "GBP" },
    { "₸", "KZT" }, { "тенге", "KZT" }, { "тг", "KZT" },
    { "₴", "UAH" }, { "грн", "UAH" }, { "гривна", "UAH" }, { "гривня", "UAH" }, { "гривен", "UAH" },
    { "бел.руб", "BYN" }, { "белруб", "BYN" }, { "r$", "BRL" },
    { "ca$", "CAD" }, { "can$", "CAD" }, { "a$", "AUD" }, { "au$", "AUD" },
    { "元", "CNY" }, { "rmb", "CNY" }, { "юань", "CNY" }, { "円", "JPY" }, { "йена", "JPY" },
    { "₺", "TRY" }, { "₹", "INR" }, { "zł", "PLN" }, { "kč", "CZK" }, { "₩", "KRW" }, { "₾", "GEL" },
    { "лари", "GEL" }, { "₼", "AZN" }, { "֏", "AMD" }, { "драм", "AMD" }, { "сум", "UZS" },
    { "сом", "KGS" }, { "сомони", "TJS" }, { "₪", "ILS" }, { "₫", "VND" }, { "฿", "THB" },
};

/* Spellings several currencies share: refused with the candidates. */
static const struct {
    const char *alias, *which;
} ambiguous[] = {
    { "¥", "JPY or CNY" }, { "kr", "SEK, NOK, DKK or ISK" }, { "fr", "CHF or XOF/XAF" },
    { "c$", "CAD or NIO" }, { "у.е", "conventional units (usually USD or EUR)" }, { "br", "BYN or ETB" }, { "лей", "MDL or RON" },
};

static int cmp_code(const void *key, const void *elem)
{
    return strcmp(key, *(const char *const *)elem);
}

int norm_currency(norm_work *w, json_t *in, json_t **out)
{
    if (!json_is_string(in))
        return norm_fail(w, "expected text");
    const char *s = json_string_value(in);
    size_t a = 0, b = json_string_length(in);
    if (!norm_utf8_valid(s, b))
        return norm_fail(w, "not valid UTF-8");
    norm_trim(s, &a, &b);
    if (a == b) {
        *out = json_null();
        return SLUICE_OK;
    }
    /* The look-up key: lower case, no white space, no final dot. */
    w->buf.len = 0;
    w->tmp.len = 0;
    if (norm_lower_into(s + a, b - a, &w->tmp) != SLUICE_OK)
        return SLUICE_ENOMEM;
    for (size_t i = 0; i < w->tmp.len;) {
        uint32_t cp;
        size_t n = norm_utf8_decode(w->tmp.data + i, w->tmp.len - i, &cp);
        if (!norm_cp_space(cp) && norm_buf_put(&w->buf, w->tmp.data + i, n) != SLUICE_OK)
            return SLUICE_ENOMEM;
        i += n;
    }
    if (w->buf.len > 1 && w->buf.data[w->buf.len - 1] == '.')
        w->buf.data[--w->buf.len] = '\0';
    const char *key = w->buf.data;

    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (strcmp(key, aliases[i].alias) == 0)
            return (*out = json_string_nocheck(aliases[i].code)) ? SLUICE_OK : SLUICE_ENOMEM;
    for (size_t i = 0; i < sizeof ambiguous / sizeof ambiguous[0]; i++)
        if (strcmp(key, ambiguous[i].alias) == 0)
            return norm_fail(w, "ambiguous currency: %s", ambiguous[i].which);

    int letters = w->buf.len == 3;
    char code[4] = { 0 };
    for (size_t i = 0; letters && i < 3; i++) {
        letters = key[i] >= 'a' && key[i] <= 'z';
        code[i] = (char)(key[i] - 0x20);
    }
    if (!letters)
        return norm_fail(w, "not a currency code or a known symbol");
    if (!bsearch(code, iso_codes, sizeof iso_codes / sizeof iso_codes[0], sizeof iso_codes[0], cmp_code))
        return norm_fail(w, "%s is not an ISO 4217 code", code);
    *out = json_string_nocheck(code);
    return *out ? SLUICE_OK : SLUICE_ENOMEM;
}
