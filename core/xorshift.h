/* xorshift.h - xorshift64*, the generator behind retry and schedule jitter:
 * spread, not secrecy. The state must never be 0. */
#ifndef SL_XORSHIFT_H
#define SL_XORSHIFT_H

#include <stdint.h>

/* Advances *state and returns the next 64-bit value. */
static inline uint64_t sl_xorshift64s(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

#endif
