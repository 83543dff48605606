/* case_map.c - see case_map.h. */
#include "case_map.h"

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

uint32_t tx_cp_lower(uint32_t c)
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

uint32_t tx_cp_upper(uint32_t c)
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
