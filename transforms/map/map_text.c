/*
 * map_text.c - case mapping and trimming for UTF-8 text.
 *
 * The code point mappings are transforms/common/case_map.c (shared with
 * normalize). No mapping makes the text longer, which lets callers size
 * the output buffer as the input.
 */
#include "map.h"

#include <stdint.h>

#include "case_map.h"

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

size_t map_utf8_lower(const char *s, size_t len, char *out) { return map_case(s, len, out, tx_cp_lower); }

size_t map_utf8_upper(const char *s, size_t len, char *out) { return map_case(s, len, out, tx_cp_upper); }

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
