// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * parse_size(): every option value p2pcp reads as a size (--chunk-size,
 * --src-offset, --dst-offset, --length) goes through it.  First byte:
 * the logical block size for "Ns"; the rest is the string.  Beyond the
 * sanitizers, a parsed value must be what the documented rule says:
 * digits are decimal (leading zeros too; hexadecimal only after 0x), a
 * suffix multiplies, "Ns" counts blocks.
 */
#include <ctype.h>
#include <stdbool.h>
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

/* Digits of @s in @base into *@v; -ERANGE on overflow. */
static int digits_value(const char *s, size_t n, unsigned int base, uint64_t *v)
{
	size_t i;
	int d;

	*v = 0;
	for (i = 0; i < n; i++) {
		d = isdigit((unsigned char)s[i]) ?
			    s[i] - '0' :
			    tolower((unsigned char)s[i]) - 'a' + 10;
		if (__builtin_mul_overflow(*v, base, v) ||
		    __builtin_add_overflow(*v, (uint64_t)d, v))
			return -ERANGE;
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t block_size, out = 0, num, mult, want;
	size_t digits, start;
	char *str;
	bool hex;
	int ret;

	if (!size)
		return 0;
	block_size = block_sizes[data[0] % ARRAY_SIZE(block_sizes)];
	str = fuzz_string(data + 1, size - 1);
	ret = parse_size(str, block_size, &out);
	FUZZ_CHECK(ret == 0 || ret == -EINVAL || ret == -ERANGE,
		   "'%s': returned %d", str, ret);

	/* Decimal whatever the leading zeros; hexadecimal after 0x. */
	hex = str[0] == '0' && (str[1] == 'x' || str[1] == 'X');
	start = hex ? 2 : 0;
	for (digits = 0; hex ? isxdigit((unsigned char)str[start + digits]) :
			       isdigit((unsigned char)str[start + digits]);
	     digits++)
		;
	mult = suffix_value(str + start + digits, block_size);
	if (!digits || !mult) {
		/* Not a number with a known suffix: never accepted. */
		FUZZ_CHECK(ret != 0, "'%s' (block %llu) accepted as %llu", str,
			   (unsigned long long)block_size,
			   (unsigned long long)out);
	} else if (digits_value(str + start, digits, hex ? 16 : 10, &num) ||
		   __builtin_mul_overflow(num, mult, &want)) {
		FUZZ_CHECK(ret == -ERANGE, "'%s': %d, not -ERANGE", str, ret);
	} else {
		FUZZ_CHECK(ret == 0 && out == want,
			   "'%s' (block %llu): %d, %llu instead of %llu", str,
			   (unsigned long long)block_size, ret,
			   (unsigned long long)out, (unsigned long long)want);
	}
	free(str);
	return 0;
}
