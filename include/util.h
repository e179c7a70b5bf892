/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Small helpers shared by every module: size parsing and formatting,
 * cleanup attributes, checked arithmetic and the checked string list.
 * No kernel interface.  Functions return 0 or a negative errno; only
 * the front-ends print messages.
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

/*
 * A growable list of formatted strings (platform facts, warnings, fixes),
 * each with a tag the caller gives a meaning to (p2p-check: when to apply
 * a fix).  An entry that cannot be added is never dropped silently: the
 * add returns -ENOMEM and the list keeps that error in @err until it is
 * freed, so a function that fills one list from many places returns
 * @err once instead of checking every add.
 */
struct str_entry {
	char *text;
	int tag;
};

struct str_list {
	struct str_entry *v;
	size_t n;
	int err; /* 0, or -ENOMEM once an add failed: the list is incomplete */
};

/* Append the formatted text.  0 or -ENOMEM (also kept in @l->err). */
int str_list_add(struct str_list *l, int tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same with tag 0, unless the text is already in @l (then 0). */
int str_list_add_new(struct str_list *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void str_list_free(struct str_list *l);

#endif
