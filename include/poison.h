/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Nonces and poison words: values the CPU plants in a buffer before a
 * device is to overwrite it, so a transfer whose data never arrives is
 * seen.  Stores into the buffer are device-safe (aligned 8-byte words).
 */
#ifndef P2PCP_POISON_H
#define P2PCP_POISON_H

#include <stdint.h>

/* splitmix64's finaliser: distinct inputs, unrelated outputs. */
uint64_t poison_mix(uint64_t x);

/* A fresh unpredictable nonce (getrandom; time and pid if it fails). */
uint64_t poison_nonce(void);

/* Word @word of the poison derived from @nonce. */
uint64_t poison_word(uint64_t nonce, uint64_t word);

/* Fill @buf with @nonce's poison; @len is a multiple of 8. */
void poison_fill(char *buf, uint32_t len, uint64_t nonce);

#endif
