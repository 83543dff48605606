/* case_map.h - simple one-to-one case mapping of code points, shared by the
 * map and normalize transforms (compiled into each; plugins share no
 * library).
 *
 * The C library's towlower() depends on the process locale, which a daemon
 * should not have to set right; sales data is mostly Latin and Cyrillic, so
 * these cover ASCII, Latin-1 Supplement, Latin Extended-A and Cyrillic
 * (U+0400-U+04FF) and leave every other code point alone. No mapping needs
 * more UTF-8 bytes than its input (some need fewer: U+0130 -> 'i',
 * U+0131 -> 'I', U+017F -> 'S'). */
#ifndef SLUICE_CASE_MAP_H
#define SLUICE_CASE_MAP_H

#include <stdint.h>

uint32_t tx_cp_lower(uint32_t c);
uint32_t tx_cp_upper(uint32_t c);

#endif
