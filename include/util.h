/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by every module: size parsing and formatting,
 * cleanup attributes and checked arithmetic.  Functions return 0 or a
 * negative errno; only the front-ends print messages.
 */
#ifndef P2PCP_UTIL_H
#define P2PCP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define KIB (1024ULL)
#define MIB (1024ULL * KIB)
#define GIB (1024ULL * MIB)

static inline void freep(void *p)
{
	free(*(void **)p);
}

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}

#define _cleanup_free_ __attribute__((cleanup(freep)))
#define _cleanup_fd_ __attribute__((cleanup(closep)))

/*
 * Parse a byte count: a plain number, a number with a binary suffix
 * (k, K, KiB, M, MiB, G, GiB, T, TiB; all powers of 1024), a decimal
 * suffix (kB, MB, GB, TB: powers of 1000), or a block count ending in
 * "s" (sectors of @block_size bytes, as in "8s"; @block_size 0 rejects
 * that form).  Returns -EINVAL on malformed input, -ERANGE on overflow.
 */
int parse_size(const char *str, uint64_t block_size, uint64_t *out);

/* Format @bytes as "1.50 GiB" (binary units) into @buf. */
const char *format_size(uint64_t bytes, char *buf, size_t len);

static inline bool is_aligned(uint64_t v, uint64_t align)
{
	return align == 0 || v % align == 0;
}

static inline bool add_overflows(uint64_t a, uint64_t b, uint64_t *sum)
{
	return __builtin_add_overflow(a, b, sum);
}

/* Monotonic clock in seconds. */
double now_seconds(void);

#endif
