/*
 * map_text.c - case mapping and trimming for UTF-8 text.
 *
 * The C library's towlower() depends on the process locale, which a daemon
 * should not have to set right; sales data is mostly Latin and Cyrillic, so
 * we carry simple one-to-one mappings for ASCII, Latin-1 Supplement, Latin
 * Extended-A and Cyrillic (U+0400-U+04FF) and leave every other character
 * alone. No mapping makes the text longer (the longest sequences here are
 * two bytes and some map to one: U+0130 -> 'i', U+0131 -> 'I',
 * U+017F -> 'S'), which lets callers size the output buffer as the input.
 */
#include "map.h"

#include <stdint.h>

/* Pairs laid out as upper at even, lower at odd code points. */
static int in_even_upper_pairs(uint32_t c)
{
    return (c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177) ||
           (c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) ||
           (c >= 0x4D0 && c <= 0x4FF);
}

/* Pairs laid out as upper at odd, lower at even code points. */
static int in_odd_upper_pairs(uint32_t c)
{
    return (c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E) ||
           (c >= 0x4C1 && c <= 0x4CE);
}

static uint32_t cp_lower(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'A' && c <= 'Z') ? c + 0x20 : c;
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
        return c + 0x20;
    if (c == 0x130) /* I with dot above: simple mapping is plain i */
        return 'i';
    if (c == 0x178) /* Y with diaeresis lives in Extended-A, its lower case in Latin-1 */
        return 0xFF;
    if (c >= 0x400 && c <= 0x40F)
        return c + 0x50;
    if (c >= 0x410 && c <= 0x42F)
        return c + 0x20;
    if (c == 0x4C0) /* palochka */
        return 0x4CF;
    if (in_even_upper_pairs(c))
        return (c & 1) ? c : c + 1;
    if (in_odd_upper_pairs(c))
        return (c & 1) ? c + 1 : c;
    return c;
}

static uint32_t cp_upper(uint32_t c)
{
    if (c < 0x80)
        return (c >= 'a' && c <= 'z') ? c - 0x20 : c;
    if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
        return c - 0x20;
    if (c == 0xFF)
        return 0x178;
    if (c == 0x131) /* dotless i */
        return 'I';
    if (c == 0x17F) /* long s */
        return 'S';
    if (c >= 0x450 && c <= 0x45F)
        return c - 0x50;
    if (c >= 0x430 && c <= 0x44F)
        return c - 0x20;
    if (c == 0x4CF)
        return 0x4C0;
    if (in_even_upper_pairs(c))
        return (c & 1) ? c - 1 : c;
    if (in_odd_upper_pairs(c))
        return (c & 1) ? c : c - 1;
    return c;
}

/* Decodes a two-byte sequence at s (the only length our tables change);
 * returns 0 when s does not start one. */
static int decode2(const unsigned char *s, size_t left, uint32_t *cp)
{
    if (left < 2 || s[0] < 0xC2 || s[0] > 0xDF || (s[1] & 0xC0) != 0x80)
        return 0;
    *cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    return 1;
}

static size_t encode(uint32_t cp, unsigned char *out)
{
    if (cp < 0x80) {
        out[0] = (unsigned char)cp;
        return 1;
    }
    /* Every code point our tables produce is below U+0800. */
    out[0] = (unsigned char)(0xC0 | (cp >> 6));
    out[1] = (unsigned char)(0x80 | (cp & 0x3F));
    return 2;
}

static size_t map_case(const char *src, size_t len, char *dst, uint32_t (*fn)(uint32_t))
{
    const unsigned char *s = (const unsigned char *)src;
    unsigned char *out = (unsigned char *)dst;
    size_t i = 0, o = 0;
    while (i < len) {
        uint32_t cp;
        if (s[i] < 0x80) {
            o += encode(fn(s[i]), out + o);
            i++;
        } else if (decode2(s + i, len - i, &cp)) {
            o += encode(fn(cp), out + o);
            i += 2;
        } else {
            /* Longer sequences (and stray bytes) are outside our tables. */
            out[o++] = s[i++];
        }
    }
    return o;
}

size_t map_utf8_lower(const char *s, size_t len, char *out) { return map_case(s, len, out, cp_lower); }

size_t map_utf8_upper(const char *s, size_t len, char *out) { return map_case(s, len, out, cp_upper); }

static int is_ascii_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

void map_trim_bounds(const char *str, size_t *start, size_t *end)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t a = *start, b = *end;
    for (;;) {
        if (a < b && is_ascii_space(s[a]))
            a++;
        else if (b - a >= 2 && s[a] == 0xC2 && s[a + 1] == 0xA0)
            a += 2;
        else
            break;
    }
    for (;;) {
        if (a < b && is_ascii_space(s[b - 1]))
            b--;
        /* 0xC2 is never a continuation byte, so "C2 A0" at the end is NBSP. */
        else if (b - a >= 2 && s[b - 2] == 0xC2 && s[b - 1] == 0xA0)
            b -= 2;
        else
            break;
    }
    *start = a;
    *end = b;
}
