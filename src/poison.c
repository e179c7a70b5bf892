// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Nonces and poison: values no data can be made to look like, which
 * the CPU plants in a buffer before a device is to overwrite it, so a
 * transfer whose data never arrives is seen (sentinels in pipeline.c,
 * poisoned reads in verify.c and arrival.c).
 */
#include <sys/random.h>
#include <unistd.h>

#include "poison.h"
#include "util.h"

#define POISON_STEP 0x9e3779b97f4a7c15ULL

uint64_t poison_mix(uint64_t x)
{
	/* splitmix64's finaliser: distinct inputs, unrelated outputs. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

uint64_t poison_nonce(void)
{
	uint64_t n = 0;

	/* Unpredictable, so no data can be made to look like a sentinel. */
	if (getrandom(&n, sizeof(n), 0) != sizeof(n))
		n = (uint64_t)now_seconds() * 1000003u ^ (uint64_t)getpid();
	return poison_mix(n);
}

uint64_t poison_word(uint64_t nonce, uint64_t word)
{
	return nonce + word * POISON_STEP;
}

/* Device-safe: aligned 8-byte stores only; @len is a multiple of 8. */
void poison_fill(char *buf, uint32_t len, uint64_t nonce)
{
	volatile uint64_t *w = (volatile uint64_t *)buf;
	uint32_t i;

	for (i = 0; i < len / 8; i++)
		w[i] = poison_word(nonce, i);
}

/* Write back and drop the cache line holding @p (x86; elsewhere none). */
static void line_drop(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_clflush(p);
#else
	(void)p;
#endif
}

void poison_forget(char *const *words, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		line_drop(words[i]);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void poison_publish(char *const *words, unsigned int n)
{
	if (!n)
		return;
	/* The fence also drains write-combining buffers (x86 mfence). */
	poison_forget(words, n);
	(void)*(volatile uint64_t *)words[0];
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

#define CACHE_LINE 64u

void poison_forget_range(char *buf, uint32_t len)
{
	uint32_t at;

	for (at = 0; at < len; at += CACHE_LINE)
		line_drop(buf + at);
	if (len)
		line_drop(buf + len - 8);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

void poison_publish_range(char *buf, uint32_t len)
{
	if (!len)
		return;
	poison_forget_range(buf, len);
	(void)*(volatile uint64_t *)buf;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}
