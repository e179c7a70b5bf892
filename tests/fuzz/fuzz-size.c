// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * parse_size(): every option value p2pcp reads as a size (--chunk-size,
 * --src-offset, --dst-offset, --length) goes through it.  First byte:
 * the logical block size for "Ns"; the rest is the string.  Beyond the
 * sanitizers, a parsed value must be what the documented rule says:
 * digits are decimal, a suffix multiplies, "Ns" counts blocks.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fuzz.h"
#include "util.h"

static const uint64_t block_sizes[] = { 0, 512, 4096, 8192, 1, 3 };

/* The documented multiplier of @suffix, or 0 when it is not one. */
static uint64_t suffix_value(const char *suffix, uint64_t block_size)
{
	static const struct {
		const char *name;
		uint64_t mult;
	} table[] = {
		{ "", 1 },
		{ "b", 1 },
		{ "k", KIB },
		{ "kib", KIB },
		{ "kb", 1000 },
		{ "m", MIB },
		{ "mib", MIB },
		{ "mb", 1000000 },
		{ "g", GIB },
		{ "gib", GIB },
		{ "gb", 1000000000 },
		{ "t", 1024 * GIB },
		{ "tib", 1024 * GIB },
		{ "tb", 1000000000000ULL },
	};
	size_t i;

	if (!strcmp(suffix, "s"))
		return block_size;
	for (i = 0; i < ARRAY_SIZE(table); i++)
		if (!strcasecmp(suffix, table[i].name))
			return table[i].mult;
	return 0;
}

/* Decimal digits of @s into *@v; false on overflow. */
static int decimal(const char *s, size_t n, uint64_t *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++)
		if (__builtin_mul_overflow(*v, 10, v) ||
		    __builtin_add_overflow(*v, (uint64_t)(s[i] - '0'), v))
			return -ERANGE;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t block_size, out = 0, num, mult, want;
	char *str;
	size_t digits;
	int ret;

	if (!size)
		return 0;
	block_size = block_sizes[data[0] % ARRAY_SIZE(block_sizes)];
	str = fuzz_string(data + 1, size - 1);
	ret = parse_size(str, block_size, &out);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ERANGE,
		   "'%s': returned %d", str, ret);

	for (digits = 0; isdigit((unsigned char)str[digits]); digits++)
		;
	mult = suffix_value(str + digits, block_size);
	/* issue 10 item 6: a leading zero still reads as octal (and 0x as
	 * hex); until that lands, only spellings without one are checked. */
	if (digits && str[0] != '0' && mult) {
		if (decimal(str, digits, &num) ||
		    __builtin_mul_overflow(num, mult, &want)) {
			FUZZ_CHECK(ret == -ERANGE, "'%s': %d, not -ERANGE", str,
				   ret);
		} else {
			FUZZ_CHECK(
				ret == 0 && out == want,
				"'%s' (block %llu): %d, %llu instead of %llu",
				str, (unsigned long long)block_size, ret,
				(unsigned long long)out,
				(unsigned long long)want);
		}
	} else if (!digits || !mult) {
		/* Not a number with a known suffix: never accepted. */
		FUZZ_CHECK(ret != 0 || str[0] == '0',
			   "'%s' (block %llu) accepted as %llu", str,
			   (unsigned long long)block_size,
			   (unsigned long long)out);
	}
	free(str);
	return 0;
}
