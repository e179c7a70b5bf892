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

/*
 * The CPU's stores of @n 8-byte words at @words[i] (a p2pmem buffer)
 * are to reach the device before another device is told to overwrite
 * them.  A store to a BAR is posted, and PCIe orders it neither against
 * the doorbell the CPU then rings at another device (another path) nor
 * against that device's writes: a late store would overwrite data that
 * arrived.  So: write the words' cache lines back and drop them (a
 * mapping the CPU caches would otherwise keep the stores, and later
 * satisfy the checks' loads, from its cache), fence, then load one word
 * back: the load is non-posted, and its completion returns only after
 * the stores before it on that path.
 */
void poison_publish(char *const *words, unsigned int n);
/*
 * Before the checks' loads of @n words that a device may have written:
 * drop any cache line holding them, so the loads go to the device.
 */
void poison_forget(char *const *words, unsigned int n);
/* The same for every word of @buf (@len bytes, a multiple of 8). */
void poison_publish_range(char *buf, uint32_t len);
void poison_forget_range(char *buf, uint32_t len);

#endif
